//! The matching engine: plain Rust over the book, no runtime, no allocation.
//!
//! - **Price-time priority.** Each side is an array sorted so that the best order is at
//!   the end: taking from the top is a pop, and a new best order is an append.
//! - **Plan, then apply.** `place_order` first walks the book without touching it and works
//!   out every fill, removal, fee and the resting remainder, then checks funds, FOK,
//!   post-only and capacity. Only when all of that holds does it mutate. So an error
//!   leaves the book exactly as it was, which the property tests assert byte for byte.
//! - **Conservation.** Every atom is in some seat (free or locked) or in accrued fees;
//!   fills move atoms between seats, fees move quote from the taker to the fee pot.
mod book;
mod error;
mod matching;
mod order;
mod seat;
pub mod units;

#[cfg(test)]
mod tests;

pub use book::{Book, BookSide, MAX_ORDERS_PER_SIDE, MAX_SEATS};
pub use error::EngineError;
pub use matching::{
    cancel_all, cancel_order, place_order, CancelReason, EngineEvent, PlaceOutcome, MAX_MATCH_LIMIT,
    MAX_PLACE_EVENTS,
};
pub use order::{Order, OrderPacket, OrderType, SelfTradeBehavior, Side};
pub use seat::{Claimed, Seat, SeatClaim, SEAT_IDLE_SLOTS};
pub use units::{BaseAtoms, BaseLots, MarketParams, QuoteAtoms, Ticks};
