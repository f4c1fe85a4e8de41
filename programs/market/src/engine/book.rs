//! The book over the slab: two order trees (bids, asks) in price-time priority, a seat tree
//! keyed by trader, and each seat's list of its own orders (threaded through the orders,
//! so a cancel or a release never walks the whole book). Reads are on `Book`, mutations
//! on `BookMut`; both check block kinds, so a wrong or corrupt index is an error.
use core::cmp::Ordering;

use super::order::{Order, Side};
use super::seat::Seat;
use super::slab::{side_kind, Block, Book, BookMut, KIND_ASK, KIND_BID, KIND_SEAT, NIL};
use super::tree::{self, Compare};
use super::EngineError;

/// Bids: higher price first, then older (smaller id) first. The tree's first node is the best.
fn bid_order(a: &Block, b: &Block) -> Ordering {
    let (a, b) = (a.order(), b.order());
    b.price_ticks.cmp(&a.price_ticks).then(a.order_id.cmp(&b.order_id))
}

/// Asks: lower price first, then older first.
fn ask_order(a: &Block, b: &Block) -> Ordering {
    let (a, b) = (a.order(), b.order());
    a.price_ticks.cmp(&b.price_ticks).then(a.order_id.cmp(&b.order_id))
}

fn seat_order(a: &Block, b: &Block) -> Ordering {
    a.seat().trader.cmp(&b.seat().trader)
}

pub(crate) fn side_compare(side: Side) -> Compare {
    match side {
        Side::Bid => bid_order,
        Side::Ask => ask_order,
    }
}

/// The comparators, for audits of the trees (`tree::check`).
pub fn compare_for(kind: u8) -> Compare {
    match kind {
        KIND_BID => bid_order,
        KIND_ASK => ask_order,
        _ => seat_order,
    }
}

/// Walks one tree in order, yielding block indices with their payloads; stops at the end
/// or at a corrupt link.
pub struct TreeIter<'a, T: 'a> {
    blocks: &'a [Block],
    next: u32,
    payload: fn(&Block) -> &T,
}

impl<'a, T> Iterator for TreeIter<'a, T> {
    type Item = (u32, &'a T);
    fn next(&mut self) -> Option<(u32, &'a T)> {
        let i = self.next;
        let block = self.blocks.get(i as usize)?;
        self.next = tree::next(self.blocks, i).unwrap_or(NIL);
        Some((i, (self.payload)(block)))
    }
}

impl<'a> Book<'a> {
    pub fn root(&self, side: Side) -> u32 {
        match side {
            Side::Bid => self.header.bid_root,
            Side::Ask => self.header.ask_root,
        }
    }

    pub fn order_count(&self, side: Side) -> u32 {
        match side {
            Side::Bid => self.header.bid_count,
            Side::Ask => self.header.ask_count,
        }
    }

    /// One side's resting orders, best first (price, then time), with their block indices.
    pub fn orders(&self, side: Side) -> TreeIter<'a, Order> {
        let first = tree::min_under(self.blocks, self.root(side)).unwrap_or(NIL);
        TreeIter { blocks: self.blocks, next: first, payload: Block::order }
    }

    /// Every seat (ordered by trader key) with its block index, the hint its trader passes.
    pub fn seats(&self) -> TreeIter<'a, Seat> {
        let first = tree::min_under(self.blocks, self.header.seat_root).unwrap_or(NIL);
        TreeIter { blocks: self.blocks, next: first, payload: Block::seat }
    }

    /// Block index of the best order of `side`, `NIL` when the side is empty.
    pub(crate) fn best_index(&self, side: Side) -> Result<u32, EngineError> {
        tree::min_under(self.blocks, self.root(side))
    }

    /// Block index of the worst order of `side` (last in priority), `NIL` when empty.
    pub(crate) fn worst_index(&self, side: Side) -> Result<u32, EngineError> {
        tree::max_under(self.blocks, self.root(side))
    }

    pub fn best(&self, side: Side) -> Option<&'a Order> {
        let i = self.best_index(side).ok()?;
        self.blocks.get(i as usize).map(Block::order)
    }

    pub fn best_price(&self, side: Side) -> Option<u64> {
        self.best(side).map(|o| o.price_ticks)
    }

    pub fn is_crossed(&self) -> bool {
        matches!((self.best_price(Side::Bid), self.best_price(Side::Ask)), (Some(b), Some(a)) if b >= a)
    }

    /// The order in block `i`, which must rest on `side`.
    pub fn order(&self, side: Side, i: u32) -> Result<&'a Order, EngineError> {
        let b = self.block(i)?;
        if b.kind != side_kind(side) {
            return Err(EngineError::OrderNotFound);
        }
        Ok(b.order())
    }

    /// The seat in block `i`.
    pub fn seat(&self, i: u32) -> Result<&'a Seat, EngineError> {
        let b = self.blocks.get(i as usize).ok_or(EngineError::SeatMismatch)?;
        if b.kind != KIND_SEAT {
            return Err(EngineError::SeatMismatch);
        }
        Ok(b.seat())
    }

    /// Validates a client's seat hint in O(1).
    pub fn seat_of(&self, index: u32, trader: &[u8; 32]) -> Result<u32, EngineError> {
        match self.seat(index) {
            Ok(seat) if &seat.trader == trader && *trader != [0; 32] => Ok(index),
            _ => Err(EngineError::SeatMismatch),
        }
    }

    /// The trader's seat, found in the seat tree in O(log n).
    pub fn find_seat(&self, trader: &[u8; 32]) -> Result<Option<u32>, EngineError> {
        let i = tree::find(self.blocks, self.header.seat_root, |b| trader.cmp(&b.seat().trader))?;
        Ok((i != NIL).then_some(i))
    }

    /// The trader of the seat in block `i` (for events), default when it is not a seat.
    pub fn trader_of(&self, i: u32) -> [u8; 32] {
        self.seat(i).map(|s| s.trader).unwrap_or_default()
    }
}

impl<'a> BookMut<'a> {
    pub(crate) fn seat_mut(&mut self, i: u32) -> Result<&mut Seat, EngineError> {
        let b = self.blocks.get_mut(i as usize).ok_or(EngineError::SeatMismatch)?;
        if b.kind != KIND_SEAT {
            return Err(EngineError::SeatMismatch);
        }
        Ok(b.seat_mut())
    }

    pub(crate) fn order_mut(&mut self, side: Side, i: u32) -> Result<&mut Order, EngineError> {
        let b = self.block_mut(i)?;
        if b.kind != side_kind(side) {
            return Err(EngineError::OrderNotFound);
        }
        Ok(b.order_mut())
    }

    /// Rests `order` on `side` in a free block: into the side's tree and at the head of its
    /// seat's list. `BookFull` when no block is free (the caller grows the account first).
    pub(crate) fn insert_order(&mut self, side: Side, mut order: Order) -> Result<u32, EngineError> {
        let seat = order.seat;
        let head = self.seat_mut(seat)?.orders_head;
        let i = self.alloc(side_kind(side), EngineError::BookFull)?;
        order.seat_prev = NIL;
        order.seat_next = head;
        *self.block_mut(i)?.order_mut() = order;
        if head != NIL {
            self.order_mut(side_of(self.view().block(head)?.kind)?, head)?.seat_prev = i;
        }
        let s = self.seat_mut(seat)?;
        s.orders_head = i;
        s.open_orders = s.open_orders.checked_add(1).ok_or(EngineError::Overflow)?;
        let (root, count) = match side {
            Side::Bid => (&mut self.header.bid_root, &mut self.header.bid_count),
            Side::Ask => (&mut self.header.ask_root, &mut self.header.ask_count),
        };
        tree::insert(self.blocks, root, i, side_compare(side))?;
        *count = count.checked_add(1).ok_or(EngineError::Overflow)?;
        Ok(i)
    }

    /// Takes the order in block `i` off `side`, its seat's list, and frees the block.
    pub(crate) fn remove_order(&mut self, side: Side, i: u32) -> Result<Order, EngineError> {
        let order = *self.view().order(side, i)?;
        let (prev, next) = (order.seat_prev, order.seat_next);
        if prev == NIL {
            self.seat_mut(order.seat)?.orders_head = next;
        } else {
            let k = side_of(self.view().block(prev)?.kind)?;
            self.order_mut(k, prev)?.seat_next = next;
        }
        if next != NIL {
            let k = side_of(self.view().block(next)?.kind)?;
            self.order_mut(k, next)?.seat_prev = prev;
        }
        let s = self.seat_mut(order.seat)?;
        s.open_orders = s.open_orders.checked_sub(1).ok_or(EngineError::CorruptBook)?;
        let (root, count) = match side {
            Side::Bid => (&mut self.header.bid_root, &mut self.header.bid_count),
            Side::Ask => (&mut self.header.ask_root, &mut self.header.ask_count),
        };
        tree::remove(self.blocks, root, i)?;
        *count = count.checked_sub(1).ok_or(EngineError::CorruptBook)?;
        self.free(i)?;
        Ok(order)
    }

    /// Links a seat block (payload written) into the seat tree.
    pub(crate) fn link_seat(&mut self, i: u32) -> Result<(), EngineError> {
        tree::insert(self.blocks, &mut self.header.seat_root, i, seat_order)?;
        self.header.seat_count = self.header.seat_count.checked_add(1).ok_or(EngineError::Overflow)?;
        Ok(())
    }

    pub(crate) fn unlink_seat(&mut self, i: u32) -> Result<(), EngineError> {
        tree::remove(self.blocks, &mut self.header.seat_root, i)?;
        self.header.seat_count = self.header.seat_count.checked_sub(1).ok_or(EngineError::CorruptBook)?;
        Ok(())
    }
}

/// The side an order block rests on.
pub(crate) fn side_of(kind: u8) -> Result<Side, EngineError> {
    match kind {
        KIND_BID => Ok(Side::Bid),
        KIND_ASK => Ok(Side::Ask),
        _ => Err(EngineError::CorruptBook),
    }
}

/// Conveniences for off-chain readers of an owned copy (tests, clients).
impl super::slab::OwnedBook {
    /// The seat in block `i`.
    pub fn seat(&self, i: u32) -> Option<&Seat> {
        self.blocks.get(i as usize).filter(|b| b.kind == KIND_SEAT).map(Block::seat)
    }

    /// Every seat with its block index, by trader key.
    pub fn seats(&self) -> Vec<(u32, Seat)> {
        self.view().seats().map(|(i, s)| (i, *s)).collect()
    }

    /// One side's resting orders, best first.
    pub fn orders(&self, side: Side) -> Vec<Order> {
        self.view().orders(side).map(|(_, o)| *o).collect()
    }

    pub fn is_crossed(&self) -> bool {
        self.view().is_crossed()
    }
}
