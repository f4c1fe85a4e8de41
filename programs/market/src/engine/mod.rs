//! The matching engine: plain Rust over the book, no runtime, no allocation.
//!
//! - **A growable book.** Seats and orders live in fixed-size blocks of a slab in the
//!   market account (`slab`), which grows by whole blocks when the free list runs out, paid
//!   by the signer who needs the space. Red-black trees over the blocks (`tree`) keep each
//!   side in price-time priority (best first) and seats by trader, so placing, taking and
//!   claiming cost O(log n) however deep the book is; each seat lists its own orders, so a
//!   cancel looks only at the trader's orders (`book`).
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
pub mod slab;
pub mod tree;
pub mod units;

#[cfg(test)]
mod tests;

pub use book::{compare_for, TreeIter};
pub use error::EngineError;
pub use matching::{
    cancel_all, cancel_order, find_order, place_order, CancelReason, EngineEvent, PlaceOutcome,
    MAX_MATCH_LIMIT, MAX_PLACE_EVENTS,
};
pub use order::{Order, OrderPacket, OrderType, SelfTradeBehavior, Side};
pub use seat::{Claimed, Seat, SeatClaim, SEAT_IDLE_SLOTS};
pub use slab::{Block, Book, BookHeader, BookMut, OwnedBook, BLOCK_SIZE, NIL};
pub use units::{BaseAtoms, BaseLots, MarketParams, QuoteAtoms, Ticks};
