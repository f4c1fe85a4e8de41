use anchor_lang::prelude::zero_copy;
use anchor_lang::prelude::{AnchorDeserialize, AnchorSerialize};

use super::units::{BaseLots, Ticks};

/// A resting order, the payload of a bid or ask block. 56 bytes, no padding (`#[zero_copy]`
/// is `repr(C)` + Pod).
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct Order {
    pub order_id: u64,
    pub client_order_id: u64,
    pub price_ticks: u64,
    /// Remaining size.
    pub lots: u64,
    /// Unix time after which the order may no longer fill; 0 = good till canceled.
    pub expiry_ts: i64,
    /// Block index of the owner's seat.
    pub seat: u32,
    /// The neighbours in the seat's list of its orders (block indices, `NIL` at the ends):
    /// cancels and releases look at the trader's own orders, never the whole book.
    pub seat_prev: u32,
    pub seat_next: u32,
    pub _padding: u32,
}

const _: () = assert!(std::mem::size_of::<Order>() == 56);

impl Order {
    pub fn is_expired(&self, now_ts: i64) -> bool {
        self.expiry_ts != 0 && self.expiry_ts <= now_ts
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Bid,
    Ask,
}

impl Side {
    pub fn opposite(self) -> Side {
        match self {
            Side::Bid => Side::Ask,
            Side::Ask => Side::Bid,
        }
    }

    /// Whether an order on this side at `limit` trades with a resting order at `resting`.
    pub fn crosses(self, limit: u64, resting: u64) -> bool {
        match self {
            Side::Bid => limit >= resting,
            Side::Ask => limit <= resting,
        }
    }

    /// Whether `price` is strictly better than `other` for an order on this side (a higher
    /// bid, a lower ask).
    pub fn better(self, price: u64, other: u64) -> bool {
        match self {
            Side::Bid => price > other,
            Side::Ask => price < other,
        }
    }
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderType {
    /// Match what crosses, rest the remainder.
    Limit,
    /// Rest only; rejected if it would cross.
    PostOnly,
    /// Match what crosses, cancel the remainder.
    ImmediateOrCancel,
    /// Fill completely at once or fail.
    FillOrKill,
}

/// What happens when a taking order meets a resting order of the same trader.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelfTradeBehavior {
    /// Cancel the resting order and keep matching.
    CancelResting,
    /// Shrink both by the overlap without trading (no fee).
    DecrementTake,
    /// Fail the whole order.
    Abort,
}

/// The one description of an order that clients, the program and the tests all speak.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderPacket {
    pub side: Side,
    pub order_type: OrderType,
    pub price: Ticks,
    pub lots: BaseLots,
    pub client_order_id: u64,
    /// 0 = good till canceled.
    pub expiry_ts: i64,
    pub self_trade: SelfTradeBehavior,
    /// Most resting orders this order may touch (fills, expired removals, self-trade
    /// actions); clamped to `MAX_MATCH_LIMIT` so a taker cannot exhaust the compute budget.
    pub match_limit: u16,
}
