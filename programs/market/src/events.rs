use anchor_lang::prelude::*;
pub use governance::events::{emit, emit_into};

/// Capacity of the one buffer an instruction emitting many events serializes them into:
/// the largest market event (`OrderFilled`, 161 bytes with its discriminator) fits.
pub const EVENT_BUFFER_BYTES: usize = 256;

#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub base_mint: Pubkey,
    pub quote_mint: Pubkey,
    pub tick_size_quote_atoms: u64,
    pub lot_size_base_atoms: u64,
    pub taker_fee_bps: u16,
}

#[event]
pub struct MarketUpdated {
    pub market: Pubkey,
    pub taker_fee_bps: u16,
    pub paused: bool,
    pub price_feed: Pubkey,
}

/// The council changed the market's minimum order size (`set_min_order_size`).
#[event]
pub struct MinOrderSizeSet {
    pub market: Pubkey,
    pub min_order_lots: u32,
}

#[event]
pub struct SeatClaimed {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
}

#[event]
pub struct SeatReleased {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub seat: u32,
}

#[event]
pub struct Deposited {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub base_atoms: u64,
    pub quote_atoms: u64,
}

#[event]
pub struct Withdrawn {
    pub market: Pubkey,
    pub trader: Pubkey,
    pub base_atoms: u64,
    pub quote_atoms: u64,
}

#[event]
pub struct OrderPlaced {
    pub market: Pubkey,
    pub order_id: u64,
    pub client_order_id: u64,
    pub trader: Pubkey,
    /// 0 = bid, 1 = ask.
    pub side: u8,
    pub price_ticks: u64,
    pub lots: u64,
}

#[event]
pub struct OrderFilled {
    pub market: Pubkey,
    pub maker_order_id: u64,
    pub maker_client_order_id: u64,
    pub maker: Pubkey,
    pub taker: Pubkey,
    /// Side of the taking order: 0 = bid (taker bought), 1 = ask.
    pub taker_side: u8,
    pub price_ticks: u64,
    pub lots: u64,
    pub quote_atoms: u64,
    pub taker_fee_quote_atoms: u64,
}

#[event]
pub struct OrderCanceled {
    pub market: Pubkey,
    pub order_id: u64,
    pub client_order_id: u64,
    pub trader: Pubkey,
    pub side: u8,
    pub price_ticks: u64,
    pub lots: u64,
    /// 0 user, 1 expired, 2 self-trade, 3 IOC remainder, 4 match-limit remainder,
    /// 5 evicted (the worst order of a full side, pushed out by a better-priced one).
    pub reason: u8,
}

#[event]
pub struct FeesWithdrawn {
    pub market: Pubkey,
    pub quote_atoms: u64,
    pub destination: Pubkey,
}
