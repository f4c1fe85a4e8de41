use anchor_lang::prelude::*;
use governance::Council;

use crate::error::MarketError;
use crate::events::{SeatClaimed, SeatReleased};
use crate::state::Market;

/// Shared by claim_seat and release_seat. `council` is checked only by claim_seat: a
/// claim allocates, so it stops while trading is paused; a release is an exit and never does.
#[derive(Accounts)]
pub struct ClaimSeat<'info> {
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub council: AccountLoader<'info, Council>,
}

/// Idempotent: returns the trader's existing seat if there is one. The seat index is
/// emitted and returned so clients can pass it as a hint to every later instruction.
pub fn claim(ctx: Context<ClaimSeat>) -> Result<u32> {
    let mut market = ctx.accounts.market.load_mut()?;
    super::ensure_trading(&market.header, &ctx.accounts.council)?;
    let trader = ctx.accounts.trader.key();
    let seat = market.book.claim_seat(trader.to_bytes()).map_err(MarketError::from)?;
    crate::events::emit(SeatClaimed { market: ctx.accounts.market.key(), trader, seat });
    Ok(seat)
}

/// Gives an empty seat (no balances, no orders) back to the market, so seats are not a
/// one-way resource. Uses the same accounts as claim_seat.
pub fn release(ctx: Context<ClaimSeat>, seat: u32) -> Result<()> {
    let mut market = ctx.accounts.market.load_mut()?;
    let trader = ctx.accounts.trader.key();
    let seat = market.book.seat_of(seat, &trader.to_bytes()).map_err(MarketError::from)?;
    market.book.release_seat(seat).map_err(MarketError::from)?;
    crate::events::emit(SeatReleased { market: ctx.accounts.market.key(), trader, seat });
    Ok(())
}
