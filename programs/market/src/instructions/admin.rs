use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::error::MarketError;
use crate::events::{FeesWithdrawn, MarketUpdated, MinOrderSizeSet};
use crate::instructions::create_market::MAX_TAKER_FEE_BPS;
use crate::state::{Market, PriceBand};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateMarketParams {
    pub taker_fee_bps: u16,
    pub paused: bool,
    pub price_band: Option<PriceBand>,
}

#[derive(Accounts)]
pub struct AdminMarket<'info> {
    pub authority: Signer<'info>,
    #[account(mut, constraint = market.load()?.header.authority == authority.key() @ MarketError::Unauthorized)]
    pub market: AccountLoader<'info, Market>,
}

pub fn update_market(ctx: Context<AdminMarket>, params: UpdateMarketParams) -> Result<()> {
    require!(params.taker_fee_bps <= MAX_TAKER_FEE_BPS, MarketError::InvalidMarketParams);
    let mut market = ctx.accounts.market.load_mut()?;
    market.header.taker_fee_bps = params.taker_fee_bps;
    market.header.paused = u8::from(params.paused);
    market.header.set_price_band(params.price_band);
    crate::events::emit(MarketUpdated {
        market: ctx.accounts.market.key(),
        taker_fee_bps: params.taker_fee_bps,
        paused: params.paused,
        price_feed: market.header.price_feed,
    });
    Ok(())
}

/// A separate instruction rather than a field of `UpdateMarketParams`, so that encoding
/// (and every proposal built with it) stays as it is.
pub fn set_min_order_size(ctx: Context<AdminMarket>, min_order_lots: u32) -> Result<()> {
    ctx.accounts.market.load_mut()?.header.min_order_lots = min_order_lots;
    crate::events::emit(MinOrderSizeSet { market: ctx.accounts.market.key(), min_order_lots });
    Ok(())
}

pub fn set_authority(ctx: Context<AdminMarket>, new_authority: Pubkey) -> Result<()> {
    ctx.accounts.market.load_mut()?.header.authority = new_authority;
    Ok(())
}

#[derive(Accounts)]
pub struct WithdrawFees<'info> {
    pub authority: Signer<'info>,
    #[account(mut, constraint = market.load()?.header.authority == authority.key() @ MarketError::Unauthorized)]
    pub market: AccountLoader<'info, Market>,
    #[account(mut, address = market.load()?.header.quote_vault @ MarketError::InvalidVault)]
    pub quote_vault: Box<Account<'info, TokenAccount>>,
    #[account(mut, token::mint = market.load()?.header.quote_mint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vaults' owner PDA; the stored bump makes a wrong account fail the CPI.
    pub vault_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

/// Fees can only leave through here, only to the authority's chosen account, and never
/// more than have accrued: traders' balances are untouchable.
pub fn withdraw_fees(ctx: Context<WithdrawFees>, quote_atoms: u64) -> Result<()> {
    let market_key = ctx.accounts.market.key();
    let bump = {
        let mut market = ctx.accounts.market.load_mut()?;
        let accrued = &mut market.book.fees_accrued_quote_atoms;
        *accrued = accrued.checked_sub(quote_atoms).ok_or(MarketError::InsufficientFees)?;
        [market.header.vault_authority_bump]
    };
    let seeds = super::vault_signer_seeds(&market_key, &bump);
    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.key(),
            Transfer {
                from: ctx.accounts.quote_vault.to_account_info(),
                to: ctx.accounts.destination.to_account_info(),
                authority: ctx.accounts.vault_authority.to_account_info(),
            },
            &[&seeds],
        ),
        quote_atoms,
    )?;
    crate::events::emit(FeesWithdrawn {
        market: market_key,
        quote_atoms,
        destination: ctx.accounts.destination.key(),
    });
    Ok(())
}
