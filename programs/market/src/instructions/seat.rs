use anchor_lang::prelude::*;

use crate::error::MarketError;
use crate::events::SeatClaimed;
use crate::state::Market;

#[derive(Accounts)]
pub struct ClaimSeat<'info> {
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

/// Idempotent: returns the trader's existing seat if there is one. The seat index is
/// emitted and returned so clients can pass it as a hint to every later instruction.
pub fn claim(ctx: Context<ClaimSeat>) -> Result<u32> {
    let mut market = ctx.accounts.market.load_mut()?;
    let trader = ctx.accounts.trader.key();
    let seat = market.book.claim_seat(trader.to_bytes()).map_err(MarketError::from)?;
    crate::events::emit(SeatClaimed { market: ctx.accounts.market.key(), trader, seat });
    Ok(seat)
}
