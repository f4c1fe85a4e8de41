//! Requoting in one instruction: `replace_order` (cancel one order, place its successor)
//! and `batch_orders` (cancel several, place several), for one trader. Each order placed
//! passes exactly the checks of `place_order` (pause, minimum size, price band, expiry,
//! self-trade, post-only, match limit: `place_order::place_checked`), and every cancel
//! and placement emits the events its single form emits.
use anchor_lang::prelude::*;

use crate::engine::{self, EngineError, OrderPacket, PlaceOutcome, Side};
use crate::error::MarketError;
use crate::instructions::place_order::{blocks_for, place_checked, EventBuffer, OrderChecks, PlaceOrder};
use crate::state::{market_mut, MarketMut};

/// Most cancels, and most placements, one `batch_orders` takes: a market maker's five
/// levels a side, twice over. Bounds the instruction data (10 packets are ~370 bytes, within
/// a transaction's 1,232) and the heap (each placement's plan is a kilobyte of SBF's bump
/// heap, never freed).
pub const MAX_BATCH_ORDERS: usize = 10;

/// One order to cancel in a batch.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct CancelRef {
    pub side: Side,
    pub order_id: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    /// Cancels that found their order (an order already filled, expired or evicted is
    /// skipped).
    pub canceled: u32,
    /// One per placement, in order.
    pub placed: Vec<PlaceOutcome>,
}

/// Cancels `order_id` (on `packet.side`) and places `packet`, atomically: if the order is
/// no longer on the book (filled meanwhile), nothing is placed (`OrderNotFound`), so a
/// replace never adds exposure the trader believed it was taking away. The new order has
/// a new id and joins the back of its price level.
pub fn replace_order(
    accounts: &PlaceOrder,
    seat: u32,
    order_id: u64,
    packet: OrderPacket,
) -> Result<PlaceOutcome> {
    let market_key = accounts.market.key();
    let trader = accounts.trader.key();
    let seat = accounts.check(seat, true)?;
    accounts.reserve(blocks_for(std::slice::from_ref(&packet)))?;
    let info = accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let checks = OrderChecks::load(market.header, accounts.price_feed.as_ref())?;
    let mut events = EventBuffer::new();
    cancel(&mut market, market_key, trader, seat, packet.side, order_id, &mut events)
        .map_err(MarketError::from)?;
    place_checked(&mut market, market_key, &checks, seat, &packet, &mut events)
}

/// Cancels first, then places, in the order given. A cancel whose order is gone is
/// skipped rather than failing the batch (a requote must not fail because a quote just
/// filled); a cancel of someone else's order is such a miss too. Any placement's error
/// fails the whole batch. With no placements it is a pure exit, open while paused.
pub fn batch_orders(
    accounts: &PlaceOrder,
    seat: u32,
    cancels: Vec<CancelRef>,
    places: Vec<OrderPacket>,
) -> Result<BatchOutcome> {
    require!(
        cancels.len() <= MAX_BATCH_ORDERS && places.len() <= MAX_BATCH_ORDERS,
        MarketError::BatchTooLarge
    );
    let market_key = accounts.market.key();
    let trader = accounts.trader.key();
    let seat = accounts.check(seat, !places.is_empty())?;
    accounts.reserve(blocks_for(&places))?;
    let info = accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let mut events = EventBuffer::new();
    let mut outcome = BatchOutcome { canceled: 0, placed: Vec::with_capacity(places.len()) };
    for c in &cancels {
        match cancel(&mut market, market_key, trader, seat, c.side, c.order_id, &mut events) {
            Ok(()) => outcome.canceled += 1,
            Err(EngineError::OrderNotFound) => {}
            Err(e) => return Err(MarketError::from(e).into()),
        }
    }
    if !places.is_empty() {
        let checks = OrderChecks::load(market.header, accounts.price_feed.as_ref())?;
        for packet in &places {
            outcome.placed.push(place_checked(&mut market, market_key, &checks, seat, packet, &mut events)?);
        }
    }
    Ok(outcome)
}

fn cancel(
    market: &mut MarketMut,
    market_key: Pubkey,
    trader: Pubkey,
    seat: u32,
    side: Side,
    order_id: u64,
    events: &mut EventBuffer,
) -> std::result::Result<(), EngineError> {
    let params = market.header.params();
    let bytes = &mut events.bytes;
    engine::cancel_order(&mut market.book, &params, seat, side, order_id, &mut |e| {
        super::emit_engine_event(bytes, market_key, |_| trader, e)
    })
}
