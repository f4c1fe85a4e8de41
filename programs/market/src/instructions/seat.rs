use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Transfer};
use governance::Council;

use crate::engine::{Claimed, SeatClaim};
use crate::error::MarketError;
use crate::events::{SeatClaimed, SeatReleased};
use crate::state::{market_mut, market_ref, seat_bond, Market};

/// A claim takes a block of the book, growing the market account when none is free (the
/// trader pays its rent), and bonds lamports into the market account (`state::seat_bond`),
/// refunded on release. Only when the account cannot grow (Solana's 10 MB) may a trader
/// take over an empty seat left idle for `engine::SEAT_IDLE_SLOTS`, naming its holder, who
/// gets the bond back. A claim allocates, so it stops while trading is paused
/// (docs/architecture.md, "Seats").
#[derive(Accounts)]
pub struct ClaimSeat<'info> {
    /// Pays the bond, and the seat's block when the book has none free.
    #[account(mut)]
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub council: AccountLoader<'info, Council>,
    pub system_program: Program<'info, System>,
    /// CHECK: needed only when the account is at 10 MB: the trader holding the idle empty seat
    /// to take over. The engine finds the seat by this key and checks it is empty and idle;
    /// the account only receives that seat's bond back.
    #[account(mut)]
    pub idle_holder: Option<UncheckedAccount<'info>>,
}

/// Idempotent: returns the trader's existing seat if there is one (bonding nothing more).
/// The seat index is emitted and returned so clients can pass it as a hint to every later
/// instruction.
pub fn claim(ctx: Context<ClaimSeat>) -> Result<u32> {
    let market_key = ctx.accounts.market.key();
    let trader = ctx.accounts.trader.key();
    let bond = seat_bond(&Rent::get()?);
    let market_info = ctx.accounts.market.to_account_info();
    let has_seat = {
        let data = market_info.try_borrow_data()?;
        let market = market_ref(&data).map_err(MarketError::from)?;
        super::ensure_trading(market.header, &ctx.accounts.council)?;
        market.book.find_seat(&trader.to_bytes()).map_err(MarketError::from)?.is_some()
    };
    if !has_seat {
        super::reserve_blocks(
            &market_info,
            &ctx.accounts.trader.to_account_info(),
            &ctx.accounts.system_program.to_account_info(),
            1,
        )?;
    }
    let claimed = {
        let mut data = market_info.try_borrow_mut_data()?;
        let mut market = market_mut(&mut data).map_err(MarketError::from)?;
        let claim = SeatClaim {
            trader: trader.to_bytes(),
            bond_lamports: bond,
            slot: Clock::get()?.slot,
            idle_holder: ctx.accounts.idle_holder.as_ref().map(|h| h.key().to_bytes()),
        };
        market.book.claim_seat(claim).map_err(MarketError::from)?
    };
    if !matches!(claimed, Claimed::Existing(_)) {
        // After the book's borrow ends: a CPI needs the market account unborrowed.
        system_program::transfer(
            CpiContext::new(
                ctx.accounts.system_program.key(),
                Transfer {
                    from: ctx.accounts.trader.to_account_info(),
                    to: ctx.accounts.market.to_account_info(),
                },
            ),
            bond,
        )?;
    }
    if let Claimed::TakenOver { seat, holder, refund_lamports } = claimed {
        let holder_account = ctx.accounts.idle_holder.as_ref().ok_or(MarketError::SeatMismatch)?;
        require_keys_eq!(holder_account.key(), Pubkey::new_from_array(holder), MarketError::SeatMismatch);
        refund_bond(
            &ctx.accounts.market.to_account_info(),
            &holder_account.to_account_info(),
            refund_lamports,
        )?;
        crate::events::emit(SeatReleased { market: market_key, trader: holder_account.key(), seat });
    }
    let seat = claimed.seat();
    crate::events::emit(SeatClaimed { market: market_key, trader, seat });
    Ok(seat)
}

#[derive(Accounts)]
pub struct ReleaseSeat<'info> {
    /// Receives the seat's bond.
    #[account(mut)]
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

/// Gives an empty seat (no balances, no orders) back to the market — its block goes to the
/// free list for the next seat or order — and its bond back to the trader. An exit: open
/// while paused.
pub fn release(ctx: Context<ReleaseSeat>, seat: u32) -> Result<()> {
    let trader = ctx.accounts.trader.key();
    let bond = {
        let info = ctx.accounts.market.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        let mut market = market_mut(&mut data).map_err(MarketError::from)?;
        let seat = market.book.view().seat_of(seat, &trader.to_bytes()).map_err(MarketError::from)?;
        market.book.release_seat(seat).map_err(MarketError::from)?
    };
    refund_bond(&ctx.accounts.market.to_account_info(), &ctx.accounts.trader.to_account_info(), bond)?;
    crate::events::emit(SeatReleased { market: ctx.accounts.market.key(), trader, seat });
    Ok(())
}

/// Moves a seat's bond out of the market account. The market owns that account, so it
/// debits it directly; the bond was paid in on top of its rent-exempt balance, so the
/// account stays rent-exempt.
fn refund_bond(market: &AccountInfo, to: &AccountInfo, lamports: u64) -> Result<()> {
    if lamports == 0 {
        return Ok(());
    }
    let mut from = market.try_borrow_mut_lamports()?;
    **from = from.checked_sub(lamports).ok_or(MarketError::Overflow)?;
    drop(from);
    let mut into = to.try_borrow_mut_lamports()?;
    **into = into.checked_add(lamports).ok_or(MarketError::Overflow)?;
    Ok(())
}
