use anchor_lang::prelude::*;
use governance::Council;

use crate::engine::{self, OrderPacket, PlaceOutcome};
use crate::error::MarketError;
use crate::pyth::{check_band, PriceUpdateV2};
use crate::state::Market;

#[derive(Accounts)]
pub struct PlaceOrder<'info> {
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub council: AccountLoader<'info, Council>,
    /// CHECK: required only when the market has a price band; then it must be the
    /// configured Pyth account, and its owner and layout are checked when parsed.
    pub price_feed: Option<UncheckedAccount<'info>>,
}

pub fn handler(ctx: Context<PlaceOrder>, seat: u32, packet: OrderPacket) -> Result<PlaceOutcome> {
    let market_key = ctx.accounts.market.key();
    let mut market = ctx.accounts.market.load_mut()?;
    super::ensure_trading(&market.header, &ctx.accounts.council)?;
    let clock = Clock::get()?;
    let header = market.header;
    // Every order, taking or resting: a resting order is what fills a side, and one rule
    // for all orders is what traders expect. A partly filled order may rest below it.
    // Zero lots is left to the engine, which refuses it as `InvalidOrder`.
    require!(
        packet.lots.0 == 0 || packet.lots.0 >= u64::from(header.min_order_lots),
        MarketError::OrderTooSmall
    );
    if let Some(band) = header.price_band() {
        let feed = ctx.accounts.price_feed.as_ref().ok_or(MarketError::MissingPriceFeed)?;
        require_keys_eq!(feed.key(), band.price_feed, MarketError::InvalidPriceFeed);
        let update = PriceUpdateV2::from_account(feed)?;
        let limit = engine::units::quote_for(&header.params(), packet.price, engine::BaseLots(1))
            .map_err(MarketError::from)?;
        check_band(
            &band,
            &update,
            clock.unix_timestamp,
            limit.0,
            header.lot_size_base_atoms,
            header.base_decimals,
            header.quote_decimals,
        )?;
    }
    let trader = ctx.accounts.trader.key().to_bytes();
    let seat = market.book.seat_of(seat, &trader).map_err(MarketError::from)?;
    let mut events = EventBuffer::for_placement();
    let outcome = engine::place_order(
        &mut market.book,
        &header.params(),
        seat,
        &packet,
        clock.unix_timestamp,
        &mut |e| events.push(e),
    )
    .map_err(MarketError::from)?;
    events.emit_all(market_key, &market);
    Ok(outcome)
}

/// Engine events are collected while the book is mutably borrowed and emitted after,
/// when seat indices can be resolved to trader keys. Allocated once at its bound
/// (`MAX_PLACE_EVENTS`): under SBF's bump allocator, which never frees, a growing vector
/// leaves every outgrown buffer behind, and at 65 events that exhausted the heap.
pub(crate) struct EventBuffer(Vec<engine::EngineEvent>);

impl EventBuffer {
    pub(crate) fn for_placement() -> Self {
        EventBuffer(Vec::with_capacity(engine::MAX_PLACE_EVENTS))
    }

    pub(crate) fn push(&mut self, event: engine::EngineEvent) {
        self.0.push(event);
    }

    pub(crate) fn emit_all(self, market_key: Pubkey, market: &Market) {
        let mut buf = Vec::with_capacity(crate::events::EVENT_BUFFER_BYTES);
        let trader = |seat: u32| {
            market.book.seats.get(seat as usize).map(|s| Pubkey::new_from_array(s.trader)).unwrap_or_default()
        };
        for event in self.0 {
            super::emit_engine_event(&mut buf, market_key, trader, event);
        }
    }
}
