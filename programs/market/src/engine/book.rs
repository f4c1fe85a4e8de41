use anchor_lang::prelude::zero_copy;
use bytemuck::Zeroable;

use super::order::{Order, Side};
use super::seat::Seat;
use super::EngineError;

pub const MAX_SEATS: usize = 256;
pub const MAX_ORDERS_PER_SIDE: usize = 256;

/// One side of the book, sorted so that the best order is last: bids by ascending price,
/// asks by descending price, and within one price the oldest order last (time priority).
#[zero_copy]
pub struct BookSide {
    pub len: u64,
    pub orders: [Order; MAX_ORDERS_PER_SIDE],
}

impl BookSide {
    /// The orders in use. `len` is clamped so a corrupt length can never index past the end.
    pub fn live(&self) -> &[Order] {
        &self.orders[..(self.len as usize).min(MAX_ORDERS_PER_SIDE)]
    }

    pub fn best(&self) -> Option<&Order> {
        self.live().last()
    }

    pub fn is_full(&self) -> bool {
        self.live().len() == MAX_ORDERS_PER_SIDE
    }

    /// Inserts behind every order of the same price (they are older), found by binary
    /// search; the shift is a single memmove.
    pub(crate) fn insert(&mut self, side: Side, order: Order) -> Result<(), EngineError> {
        if self.is_full() {
            return Err(EngineError::BookFull);
        }
        let len = self.live().len();
        let at = match side {
            Side::Bid => self.live().partition_point(|o| o.price_ticks < order.price_ticks),
            Side::Ask => self.live().partition_point(|o| o.price_ticks > order.price_ticks),
        };
        self.orders.copy_within(at..len, at + 1);
        self.orders[at] = order;
        self.len = len as u64 + 1;
        Ok(())
    }

    pub(crate) fn remove(&mut self, index: usize) -> Option<Order> {
        let len = self.live().len();
        if index >= len {
            return None;
        }
        let order = self.orders[index];
        self.orders.copy_within(index + 1..len, index);
        self.orders[len - 1] = Order::zeroed();
        self.len = len as u64 - 1;
        Some(order)
    }

    pub(crate) fn best_mut(&mut self) -> Option<&mut Order> {
        let len = self.live().len();
        len.checked_sub(1).and_then(|i| self.orders.get_mut(i))
    }

    pub(crate) fn pop_best(&mut self) -> Option<Order> {
        let len = self.live().len();
        len.checked_sub(1).and_then(|i| self.remove(i))
    }
}

/// Everything matching needs: seats and both sides. Embedded in the market account.
#[zero_copy]
pub struct Book {
    pub next_order_id: u64,
    pub fees_accrued_quote_atoms: u64,
    pub seats: [Seat; MAX_SEATS],
    pub bids: BookSide,
    pub asks: BookSide,
}

impl Book {
    pub fn side(&self, side: Side) -> &BookSide {
        match side {
            Side::Bid => &self.bids,
            Side::Ask => &self.asks,
        }
    }

    pub(crate) fn side_mut(&mut self, side: Side) -> &mut BookSide {
        match side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
        }
    }

    pub fn best_price(&self, side: Side) -> Option<u64> {
        self.side(side).best().map(|o| o.price_ticks)
    }

    pub fn is_crossed(&self) -> bool {
        matches!((self.best_price(Side::Bid), self.best_price(Side::Ask)), (Some(b), Some(a)) if b >= a)
    }
}
