use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use governance::Council;

use crate::engine::{BaseAtoms, QuoteAtoms};
use crate::error::MarketError;
use crate::events::{Deposited, Withdrawn};
use crate::state::{market_mut, Market};

/// Shared by deposit and withdraw: the trader's token accounts and the market's vaults,
/// each pinned to the market's mints and vault addresses.
#[derive(Accounts)]
pub struct MoveFunds<'info> {
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub council: AccountLoader<'info, Council>,
    #[account(mut, token::mint = market.load()?.header.base_mint, token::authority = trader)]
    pub trader_base: Box<Account<'info, TokenAccount>>,
    #[account(mut, token::mint = market.load()?.header.quote_mint, token::authority = trader)]
    pub trader_quote: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.header.base_vault @ MarketError::InvalidVault)]
    pub base_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, address = market.load()?.header.quote_vault @ MarketError::InvalidVault)]
    pub quote_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vaults' owner PDA, verified against the stored bump when signing.
    pub vault_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn deposit(accounts: &MoveFunds, seat: u32, base_atoms: u64, quote_atoms: u64) -> Result<()> {
    governance::cu_mark!("deposit: accounts");
    {
        let info = accounts.market.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        let mut market = market_mut(&mut data).map_err(MarketError::from)?;
        super::ensure_trading(market.header, &accounts.council)?;
        let trader = accounts.trader.key().to_bytes();
        let seat = market.book.view().seat_of(seat, &trader).map_err(MarketError::from)?;
        market
            .book
            .deposit(seat, BaseAtoms(base_atoms), QuoteAtoms(quote_atoms))
            .map_err(MarketError::from)?;
    }
    governance::cu_mark!("deposit: book");
    let a = accounts;
    for (amount, from, to) in
        [(base_atoms, &a.trader_base, &a.base_vault), (quote_atoms, &a.trader_quote, &a.quote_vault)]
    {
        if amount > 0 {
            token::transfer(
                CpiContext::new(
                    a.token_program.key(),
                    Transfer {
                        from: from.to_account_info(),
                        to: to.to_account_info(),
                        authority: a.trader.to_account_info(),
                    },
                ),
                amount,
            )?;
        }
    }
    governance::cu_mark!("deposit: transfers");
    crate::events::emit(Deposited {
        market: a.market.key(),
        trader: a.trader.key(),
        base_atoms,
        quote_atoms,
    });
    governance::cu_mark!("deposit: event");
    Ok(())
}

/// Allowed while paused: withdrawals are how users leave during an emergency.
pub fn withdraw(accounts: &MoveFunds, seat: u32, base_atoms: u64, quote_atoms: u64) -> Result<()> {
    governance::cu_mark!("withdraw: accounts");
    let market_key = accounts.market.key();
    let bump = {
        let info = accounts.market.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        let mut market = market_mut(&mut data).map_err(MarketError::from)?;
        require_keys_eq!(accounts.council.key(), market.header.council, MarketError::InvalidCouncil);
        let trader = accounts.trader.key().to_bytes();
        let seat = market.book.view().seat_of(seat, &trader).map_err(MarketError::from)?;
        market
            .book
            .withdraw(seat, BaseAtoms(base_atoms), QuoteAtoms(quote_atoms))
            .map_err(MarketError::from)?;
        // The seat may now be empty: its idle window starts here. A withdrawal of nothing
        // does not count, or a holder could keep an empty seat for the price of a fee.
        if base_atoms | quote_atoms != 0 {
            market.book.touch_seat(seat, Clock::get()?.slot).map_err(MarketError::from)?;
        }
        [market.header.vault_authority_bump]
    };
    governance::cu_mark!("withdraw: book");
    let seeds = super::vault_signer_seeds(&market_key, &bump);
    let a = accounts;
    for (amount, from, to) in
        [(base_atoms, &a.base_vault, &a.trader_base), (quote_atoms, &a.quote_vault, &a.trader_quote)]
    {
        if amount > 0 {
            token::transfer(
                CpiContext::new_with_signer(
                    a.token_program.key(),
                    Transfer {
                        from: from.to_account_info(),
                        to: to.to_account_info(),
                        authority: a.vault_authority.to_account_info(),
                    },
                    &[&seeds],
                ),
                amount,
            )?;
        }
    }
    governance::cu_mark!("withdraw: transfers");
    crate::events::emit(Withdrawn { market: market_key, trader: a.trader.key(), base_atoms, quote_atoms });
    governance::cu_mark!("withdraw: event");
    Ok(())
}
