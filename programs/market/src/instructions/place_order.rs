use anchor_lang::prelude::*;
use governance::Council;

use crate::engine::{self, MarketParams, OrderPacket, OrderType, PlaceOutcome};
use crate::error::MarketError;
use crate::pyth::{check_band, PriceUpdateV2};
use crate::state::{market_mut, market_ref, Market, MarketHeader, MarketMut, PriceBand};

/// Shared by place_order, replace_order and batch_orders.
#[derive(Accounts)]
pub struct PlaceOrder<'info> {
    /// Pays for the blocks its resting orders need when the book has none free.
    #[account(mut)]
    pub trader: Signer<'info>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    pub council: AccountLoader<'info, Council>,
    pub system_program: Program<'info, System>,
    /// CHECK: required only when the market has a price band; then it must be the
    /// configured Pyth account, and its owner and layout are checked when parsed.
    pub price_feed: Option<UncheckedAccount<'info>>,
}

pub fn handler(accounts: &PlaceOrder, seat: u32, packet: OrderPacket) -> Result<PlaceOutcome> {
    governance::cu_mark!("place: accounts");
    let market_key = accounts.market.key();
    let seat = accounts.check(seat, true)?;
    governance::cu_mark!("place: check");
    accounts.reserve(blocks_for(std::slice::from_ref(&packet)))?;
    governance::cu_mark!("place: reserve");
    let info = accounts.market.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut market = market_mut(&mut data).map_err(MarketError::from)?;
    let checks = OrderChecks::load(market.header, accounts.price_feed.as_ref())?;
    let mut events = EventBuffer::new();
    governance::cu_mark!("place: map, checks, buffers");
    let outcome = place_checked(&mut market, market_key, &checks, seat, &packet, &mut events);
    governance::cu_mark!("place: done");
    outcome
}

/// Blocks these packets may need to rest (one per limit or post-only order; IOC and FOK
/// never rest). Reserved before the engine runs, whether or not the orders end up resting:
/// a block not used stays free for the next order.
pub(crate) fn blocks_for(packets: &[OrderPacket]) -> u32 {
    packets.iter().filter(|p| matches!(p.order_type, OrderType::Limit | OrderType::PostOnly)).count() as u32
}

impl<'info> PlaceOrder<'info> {
    /// Before anything moves: trading open (when the instruction places), and the seat hint
    /// the trader's. So a refused instruction never asks the trader for rent first.
    pub(crate) fn check(&self, seat: u32, places: bool) -> Result<u32> {
        let info = self.market.to_account_info();
        let data = info.try_borrow_data()?;
        let market = market_ref(&data).map_err(MarketError::from)?;
        if places {
            super::ensure_trading(market.header, &self.council)?;
        }
        Ok(market.book.seat_of(seat, &self.trader.key().to_bytes()).map_err(MarketError::from)?)
    }

    /// Grows the market by what `need` free blocks require, the trader paying.
    pub(crate) fn reserve(&self, need: u32) -> Result<()> {
        super::reserve_blocks(
            &self.market.to_account_info(),
            &self.trader.to_account_info(),
            &self.system_program.to_account_info(),
            need,
        )
    }
}

/// What every new order is checked against besides the engine's own rules: the market's
/// minimum size and its price band. Loaded once per instruction (one Pyth account read
/// however many orders the instruction places). Only the few fields the checks read are
/// kept, not a copy of the header: on SBF every copy of a 300-byte struct costs ~100 CU.
pub(crate) struct OrderChecks {
    params: MarketParams,
    min_order_lots: u32,
    band: Option<Box<BandCheck>>,
    now_ts: i64,
}

/// A market's price band with the Pyth price it is checked against.
struct BandCheck {
    band: PriceBand,
    update: PriceUpdateV2,
    lot_size_base_atoms: u64,
    base_decimals: u8,
    quote_decimals: u8,
}

impl OrderChecks {
    pub(crate) fn load(header: &MarketHeader, price_feed: Option<&UncheckedAccount>) -> Result<Self> {
        let band = match header.price_band() {
            Some(band) => {
                let feed = price_feed.ok_or(MarketError::MissingPriceFeed)?;
                require_keys_eq!(feed.key(), band.price_feed, MarketError::InvalidPriceFeed);
                Some(Box::new(BandCheck {
                    band,
                    update: PriceUpdateV2::from_account(feed)?,
                    lot_size_base_atoms: header.lot_size_base_atoms,
                    base_decimals: header.base_decimals,
                    quote_decimals: header.quote_decimals,
                }))
            }
            None => None,
        };
        Ok(OrderChecks {
            params: header.params(),
            min_order_lots: header.min_order_lots,
            band,
            now_ts: Clock::get()?.unix_timestamp,
        })
    }

    fn check(&self, packet: &OrderPacket) -> Result<()> {
        // Every order, taking or resting: a resting order is what fills a side, and one rule
        // for all orders is what traders expect. A partly filled order may rest below it.
        // Zero lots is left to the engine, which refuses it as `InvalidOrder`.
        require!(
            packet.lots.0 == 0 || packet.lots.0 >= u64::from(self.min_order_lots),
            MarketError::OrderTooSmall
        );
        if let Some(b) = &self.band {
            let limit = engine::units::quote_for(&self.params, packet.price, engine::BaseLots(1))
                .map_err(MarketError::from)?;
            check_band(
                &b.band,
                &b.update,
                self.now_ts,
                limit.0,
                b.lot_size_base_atoms,
                b.base_decimals,
                b.quote_decimals,
            )?;
        }
        Ok(())
    }
}

/// One order through every check and the engine, its events emitted. The caller has
/// checked the pause and the seat.
pub(crate) fn place_checked(
    market: &mut MarketMut,
    market_key: Pubkey,
    checks: &OrderChecks,
    seat: u32,
    packet: &OrderPacket,
    events: &mut EventBuffer,
) -> Result<PlaceOutcome> {
    checks.check(packet)?;
    let outcome =
        engine::place_order(&mut market.book, &checks.params, seat, packet, checks.now_ts, &mut |e| {
            events.push(e)
        })
        .map_err(MarketError::from)?;
    governance::cu_mark!("place: engine");
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
    pub(crate) fn flush(&mut self, market_key: Pubkey, market: &MarketMut) {
        let book = market.book.view();
        let trader = |seat: u32| Pubkey::new_from_array(book.trader_of(seat));
        for event in self.events.drain(..) {
            super::emit_engine_event(&mut self.bytes, market_key, trader, event);
        }
    }
}
