use anchor_lang::prelude::*;
use governance::Council;

use crate::engine::{self, OrderPacket, PlaceOutcome};
use crate::error::MarketError;
use crate::pyth::{check_band, PriceUpdateV2};
use crate::state::{Market, MarketHeader, PriceBand};

/// Shared by place_order, replace_order and batch_orders.
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
    let checks = OrderChecks::load(&market.header, ctx.accounts.price_feed.as_ref())?;
    let seat = market.book.seat_of(seat, &ctx.accounts.trader.key().to_bytes()).map_err(MarketError::from)?;
    let mut events = EventBuffer::new();
    place_checked(&mut market, market_key, &checks, seat, &packet, &mut events)
}

/// What every new order is checked against besides the engine's own rules: the market's
/// minimum size and its price band. Loaded once per instruction (one Pyth account read
/// however many orders the instruction places).
pub(crate) struct OrderChecks {
    header: MarketHeader,
    band: Option<(PriceBand, PriceUpdateV2)>,
    now_ts: i64,
}

impl OrderChecks {
    pub(crate) fn load(header: &MarketHeader, price_feed: Option<&UncheckedAccount>) -> Result<Self> {
        let band = match header.price_band() {
            Some(band) => {
                let feed = price_feed.ok_or(MarketError::MissingPriceFeed)?;
                require_keys_eq!(feed.key(), band.price_feed, MarketError::InvalidPriceFeed);
                Some((band, PriceUpdateV2::from_account(feed)?))
            }
            None => None,
        };
        Ok(OrderChecks { header: *header, band, now_ts: Clock::get()?.unix_timestamp })
    }

    fn check(&self, packet: &OrderPacket) -> Result<()> {
        let header = &self.header;
        // Every order, taking or resting: a resting order is what fills a side, and one rule
        // for all orders is what traders expect. A partly filled order may rest below it.
        // Zero lots is left to the engine, which refuses it as `InvalidOrder`.
        require!(
            packet.lots.0 == 0 || packet.lots.0 >= u64::from(header.min_order_lots),
            MarketError::OrderTooSmall
        );
        if let Some((band, update)) = &self.band {
            let limit = engine::units::quote_for(&header.params(), packet.price, engine::BaseLots(1))
                .map_err(MarketError::from)?;
            check_band(
                band,
                update,
                self.now_ts,
                limit.0,
                header.lot_size_base_atoms,
                header.base_decimals,
                header.quote_decimals,
            )?;
        }
        Ok(())
    }
}

/// One order through every check and the engine, its events emitted. The caller has
/// checked the pause and the seat.
pub(crate) fn place_checked(
    market: &mut Market,
    market_key: Pubkey,
    checks: &OrderChecks,
    seat: u32,
    packet: &OrderPacket,
    events: &mut EventBuffer,
) -> Result<PlaceOutcome> {
    checks.check(packet)?;
    let outcome = engine::place_order(
        &mut market.book,
        &checks.header.params(),
        seat,
        packet,
        checks.now_ts,
        &mut |e| events.push(e),
    )
    .map_err(MarketError::from)?;
    events.flush(market_key, market);
    Ok(outcome)
}

/// Engine events are collected while the book is mutably borrowed and emitted after,
/// when seat indices can be resolved to trader keys. Both buffers are allocated once per
/// instruction at their bounds (`MAX_PLACE_EVENTS` events, one serialized event) and
/// reused by every order of a batch: under SBF's bump allocator, which never frees, a
/// growing vector leaves every outgrown buffer behind, and at 65 events that exhausted
/// the heap.
pub(crate) struct EventBuffer {
    events: Vec<engine::EngineEvent>,
    pub(crate) bytes: Vec<u8>,
}

impl EventBuffer {
    pub(crate) fn new() -> Self {
        EventBuffer {
            events: Vec::with_capacity(engine::MAX_PLACE_EVENTS),
            bytes: Vec::with_capacity(crate::events::EVENT_BUFFER_BYTES),
        }
    }

    pub(crate) fn push(&mut self, event: engine::EngineEvent) {
        self.events.push(event);
    }

    /// Emits the collected events and forgets them, keeping the buffers.
    pub(crate) fn flush(&mut self, market_key: Pubkey, market: &Market) {
        let trader = |seat: u32| {
            market.book.seats.get(seat as usize).map(|s| Pubkey::new_from_array(s.trader)).unwrap_or_default()
        };
        for event in self.events.drain(..) {
            super::emit_engine_event(&mut self.bytes, market_key, trader, event);
        }
    }
}
