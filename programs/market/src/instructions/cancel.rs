use anchor_lang::prelude::*;

use crate::engine::{self, Side};
use crate::error::MarketError;
use crate::state::{market_mut, Market};

/// Cancels are allowed while paused, like withdrawals. Every event they emit is about the
/// signer's own orders, so events go out as the engine produces them, through one buffer:
/// nothing is collected, whatever the number of orders.
#[derive(Accounts)]
pub struct CancelOrders<'info> {
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

pub fn cancel_order(ctx: Context<CancelOrders>, seat: u32, side: Side, order_id: u64) -> Result<()> {
    governance::cu_mark!("cancel: accounts");
    let market_key = ctx.accounts.market.key();
    let info = ctx.accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let seat =
        market.book.view().seat_of(seat, &ctx.accounts.trader.key().to_bytes()).map_err(MarketError::from)?;
    let trader = ctx.accounts.trader.key();
    let mut buf = Vec::with_capacity(crate::events::EVENT_BUFFER_BYTES);
    let params = market.header.params();
    governance::cu_mark!("cancel: map, seat");
    engine::cancel_order(&mut market.book, &params, seat, side, order_id, &mut |e| {
        super::emit_engine_event(&mut buf, market_key, |_| trader, e)
    })
    .map_err(MarketError::from)?;
    governance::cu_mark!("cancel: engine and event");
    Ok(())
}

pub fn cancel_all(ctx: Context<CancelOrders>, seat: u32) -> Result<u32> {
    let market_key = ctx.accounts.market.key();
    let info = ctx.accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let seat =
        market.book.view().seat_of(seat, &ctx.accounts.trader.key().to_bytes()).map_err(MarketError::from)?;
    let trader = ctx.accounts.trader.key();
    let mut buf = Vec::with_capacity(crate::events::EVENT_BUFFER_BYTES);
    let params = market.header.params();
    let count = engine::cancel_all(&mut market.book, &params, seat, &mut |e| {
        super::emit_engine_event(&mut buf, market_key, |_| trader, e)
    })
    .map_err(MarketError::from)?;
    Ok(count)
}
