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

pub fn cancel_order(accounts: &CancelOrders, seat: u32, side: Side, order_id: u64) -> Result<()> {
    governance::cu_mark!("cancel: accounts");
    let info = accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    cancel_in(&mut data, accounts.market.key(), accounts.trader.key(), seat, side, order_id)
}

/// `cancel_order` on the market account's data, its accounts checked (also by the deployed
/// entrypoint's raw path, `fast::raw`).
pub(crate) fn cancel_in(
    data: &mut [u8],
    market_key: Pubkey,
    trader: Pubkey,
    seat: u32,
    side: Side,
    order_id: u64,
) -> Result<()> {
    let mut market = market_mut(data).map_err(MarketError::from)?;
    let seat = market.book.view().seat_of(seat, &trader.to_bytes()).map_err(MarketError::from)?;
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

pub fn cancel_all(accounts: &CancelOrders, seat: u32) -> Result<u32> {
    let market_key = accounts.market.key();
    let info = accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let seat =
        market.book.view().seat_of(seat, &accounts.trader.key().to_bytes()).map_err(MarketError::from)?;
    let trader = accounts.trader.key();
    let mut buf = Vec::with_capacity(crate::events::EVENT_BUFFER_BYTES);
    let params = market.header.params();
    let count = engine::cancel_all(&mut market.book, &params, seat, &mut |e| {
        super::emit_engine_event(&mut buf, market_key, |_| trader, e)
    })
    .map_err(MarketError::from)?;
    Ok(count)
}
