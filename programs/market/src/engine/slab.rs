//! The book's memory: a header and a slab of fixed-size blocks, all in the market account
//! after its fixed part (Manifest's model). A block holds one seat or one resting order plus
//! the links of the red-black tree it belongs to (`tree`); free blocks are a list threaded
//! through their `left` link. The account grows by whole blocks when the free list cannot
//! serve an instruction (the instruction pays and resizes; `BookMut::adopt_grown` threads
//! the new blocks in) and never shrinks: a freed block waits for the next order or seat.
//!
//! One constructor (`Book::from_bytes` / `BookMut::from_bytes`) turns the account's bytes
//! into the views every caller uses — the program, the tests, the indexer and clients — so
//! the layout has one definition.
use anchor_lang::prelude::zero_copy;
use bytemuck::{Pod, Zeroable};

use super::order::{Order, Side};
use super::seat::Seat;
use super::EngineError;

/// "No block": an empty tree, the end of a list.
pub const NIL: u32 = u32::MAX;

/// What a block holds.
pub const KIND_FREE: u8 = 0;
pub const KIND_SEAT: u8 = 1;
pub const KIND_BID: u8 = 2;
pub const KIND_ASK: u8 = 3;

const PAYLOAD_WORDS: usize = 11;

/// One slot of the slab: tree links, then a seat or an order. `#[repr(C)]`, no padding,
/// 8-aligned (the payload is u64 words), so a run of blocks casts from account bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
#[repr(C)]
pub struct Block {
    /// Left child in the block's tree; in a free block, the next free block.
    pub left: u32,
    pub right: u32,
    pub parent: u32,
    pub color: u8,
    pub kind: u8,
    pub _padding: [u8; 2],
    payload: [u64; PAYLOAD_WORDS],
}

/// Bytes per block: what the account grows by for each seat or order slot.
pub const BLOCK_SIZE: usize = core::mem::size_of::<Block>();
const _: () = assert!(BLOCK_SIZE == 104);
const _: () = assert!(core::mem::size_of::<Seat>() <= PAYLOAD_WORDS * 8);
const _: () = assert!(core::mem::size_of::<Order>() <= PAYLOAD_WORDS * 8);

impl Block {
    fn payload_bytes(&self) -> &[u8] {
        bytemuck::bytes_of(&self.payload)
    }

    fn payload_bytes_mut(&mut self) -> &mut [u8] {
        bytemuck::bytes_of_mut(&mut self.payload)
    }

    // The casts below cannot fail: the payload is u64-aligned and at least as large as
    // either type (asserted above), and both are 8-aligned Pod.
    pub fn seat(&self) -> &Seat {
        bytemuck::from_bytes(&self.payload_bytes()[..core::mem::size_of::<Seat>()])
    }

    pub fn seat_mut(&mut self) -> &mut Seat {
        bytemuck::from_bytes_mut(&mut self.payload_bytes_mut()[..core::mem::size_of::<Seat>()])
    }

    pub fn order(&self) -> &Order {
        bytemuck::from_bytes(&self.payload_bytes()[..core::mem::size_of::<Order>()])
    }

    pub fn order_mut(&mut self) -> &mut Order {
        bytemuck::from_bytes_mut(&mut self.payload_bytes_mut()[..core::mem::size_of::<Order>()])
    }

    /// Clears the payload and links and marks the block as `kind`.
    fn reset(&mut self, kind: u8) {
        *self = Block::zeroed();
        self.left = NIL;
        self.right = NIL;
        self.parent = NIL;
        self.kind = kind;
    }
}

pub(crate) fn side_kind(side: Side) -> u8 {
    match side {
        Side::Bid => KIND_BID,
        Side::Ask => KIND_ASK,
    }
}

/// The book's fixed part, in the market account right after the market header: counters,
/// the roots of the three trees and the free list. A new market's book holds no blocks.
#[zero_copy]
#[derive(Debug)]
pub struct BookHeader {
    pub next_order_id: u64,
    pub fees_accrued_quote_atoms: u64,
    /// Blocks in the slab after the fixed part of the account.
    pub block_count: u32,
    pub free_count: u32,
    /// First free block (`NIL`: none; the account must grow).
    pub free_head: u32,
    /// Seats keyed by trader.
    pub seat_root: u32,
    /// Bids, best (highest price, then oldest) first.
    pub bid_root: u32,
    /// Asks, best (lowest price, then oldest) first.
    pub ask_root: u32,
    pub seat_count: u32,
    pub bid_count: u32,
    pub ask_count: u32,
    pub _reserved: [u32; 3],
}

const _: () = assert!(core::mem::size_of::<BookHeader>() == 64);

impl BookHeader {
    /// An empty book: no blocks, empty trees, order ids from 1.
    pub fn empty() -> BookHeader {
        BookHeader {
            next_order_id: 1,
            fees_accrued_quote_atoms: 0,
            block_count: 0,
            free_count: 0,
            free_head: NIL,
            seat_root: NIL,
            bid_root: NIL,
            ask_root: NIL,
            seat_count: 0,
            bid_count: 0,
            ask_count: 0,
            _reserved: [0; 3],
        }
    }

    /// Blocks an instruction must add before the engine can take `need` of them.
    pub fn blocks_short(&self, need: u32) -> u32 {
        need.saturating_sub(self.free_count)
    }
}

/// The first `count` blocks of `tail` (the account's bytes after its fixed part).
fn blocks_of(tail: &[u8], count: u32) -> Result<&[Block], EngineError> {
    let bytes = (count as usize).checked_mul(BLOCK_SIZE).ok_or(EngineError::CorruptBook)?;
    let tail = tail.get(..bytes).ok_or(EngineError::CorruptBook)?;
    bytemuck::try_cast_slice(tail).map_err(|_| EngineError::CorruptBook)
}

fn blocks_of_mut(tail: &mut [u8], count: u32) -> Result<&mut [Block], EngineError> {
    let bytes = (count as usize).checked_mul(BLOCK_SIZE).ok_or(EngineError::CorruptBook)?;
    let tail = tail.get_mut(..bytes).ok_or(EngineError::CorruptBook)?;
    bytemuck::try_cast_slice_mut(tail).map_err(|_| EngineError::CorruptBook)
}

/// A read-only view of the book.
#[derive(Clone, Copy)]
pub struct Book<'a> {
    pub header: &'a BookHeader,
    pub blocks: &'a [Block],
}

/// The engine's mutable view of the book: every mutation goes through it.
pub struct BookMut<'a> {
    pub header: &'a mut BookHeader,
    pub blocks: &'a mut [Block],
}

impl<'a> Book<'a> {
    /// `tail`: the account bytes after the fixed part; only `header.block_count` blocks of
    /// it are the book's (a corrupt count is an error).
    pub fn from_bytes(header: &'a BookHeader, tail: &'a [u8]) -> Result<Book<'a>, EngineError> {
        Ok(Book { header, blocks: blocks_of(tail, header.block_count)? })
    }

    pub(crate) fn block(&self, i: u32) -> Result<&'a Block, EngineError> {
        self.blocks.get(i as usize).ok_or(EngineError::CorruptBook)
    }
}

impl<'a> BookMut<'a> {
    pub fn from_bytes(header: &'a mut BookHeader, tail: &'a mut [u8]) -> Result<BookMut<'a>, EngineError> {
        let count = header.block_count;
        Ok(BookMut { header, blocks: blocks_of_mut(tail, count)? })
    }

    /// Maps `count` blocks of `tail`, more than the book holds yet: for `adopt_grown`
    /// right after the account was resized.
    pub fn from_grown_bytes(
        header: &'a mut BookHeader,
        tail: &'a mut [u8],
        count: u32,
    ) -> Result<BookMut<'a>, EngineError> {
        if count < header.block_count {
            return Err(EngineError::CorruptBook);
        }
        Ok(BookMut { header, blocks: blocks_of_mut(tail, count)? })
    }

    pub fn view(&self) -> Book<'_> {
        Book { header: self.header, blocks: self.blocks }
    }

    pub(crate) fn block_mut(&mut self, i: u32) -> Result<&mut Block, EngineError> {
        self.blocks.get_mut(i as usize).ok_or(EngineError::CorruptBook)
    }

    /// Threads blocks `block_count..new_count` (just added to the account, zeroed) into the
    /// free list. The slice must already hold them.
    pub fn adopt_grown(&mut self, new_count: u32) -> Result<(), EngineError> {
        if (new_count as usize) > self.blocks.len() || new_count < self.header.block_count {
            return Err(EngineError::CorruptBook);
        }
        // Last first, so that the free list hands the new blocks out in index order.
        // `block_mut` bounds reads by the slice, not by `block_count`, so the new blocks can
        // be freed before the count takes them in.
        for i in (self.header.block_count..new_count).rev() {
            self.free(i)?;
        }
        self.header.block_count = new_count;
        Ok(())
    }

    /// Takes a block off the free list for `kind`; `out_of_space` when there is none.
    pub(crate) fn alloc(&mut self, kind: u8, out_of_space: EngineError) -> Result<u32, EngineError> {
        let i = self.header.free_head;
        if i == NIL {
            return Err(out_of_space);
        }
        let b = self.block_mut(i)?;
        if b.kind != KIND_FREE {
            return Err(EngineError::CorruptBook);
        }
        let next = b.left;
        b.reset(kind);
        self.header.free_head = next;
        self.header.free_count = self.header.free_count.checked_sub(1).ok_or(EngineError::CorruptBook)?;
        Ok(i)
    }

    /// Returns a block (already unlinked from its tree) to the free list.
    pub(crate) fn free(&mut self, i: u32) -> Result<(), EngineError> {
        let head = self.header.free_head;
        let b = self.block_mut(i)?;
        b.reset(KIND_FREE);
        b.left = head;
        self.header.free_head = i;
        self.header.free_count = self.header.free_count.checked_add(1).ok_or(EngineError::Overflow)?;
        Ok(())
    }
}

/// The book in plain memory: for tests, models and off-chain readers (`state::MarketState`
/// decodes an account into one). `reserve` plays the instruction's part of growing the
/// account.
#[derive(Clone, PartialEq, Eq)]
pub struct OwnedBook {
    pub header: BookHeader,
    pub blocks: Vec<Block>,
}

impl PartialEq for BookHeader {
    fn eq(&self, other: &Self) -> bool {
        bytemuck::bytes_of(self) == bytemuck::bytes_of(other)
    }
}

impl Eq for BookHeader {}

impl Default for OwnedBook {
    fn default() -> Self {
        OwnedBook::new()
    }
}

impl OwnedBook {
    pub fn new() -> OwnedBook {
        OwnedBook { header: BookHeader::empty(), blocks: Vec::new() }
    }

    /// A copy of an account's book (`tail`: the bytes after the fixed part).
    pub fn from_bytes(header: &BookHeader, tail: &[u8]) -> Result<OwnedBook, EngineError> {
        Ok(OwnedBook { header: *header, blocks: blocks_of(tail, header.block_count)?.to_vec() })
    }

    pub fn view(&self) -> Book<'_> {
        Book { header: &self.header, blocks: &self.blocks }
    }

    pub fn book_mut(&mut self) -> BookMut<'_> {
        BookMut { header: &mut self.header, blocks: &mut self.blocks }
    }

    /// Grows until at least `free` blocks are free, as an instruction does before the
    /// engine runs; returns the blocks added.
    pub fn reserve(&mut self, free: u32) -> u32 {
        let add = self.header.blocks_short(free);
        if add > 0 {
            let count = self.header.block_count + add;
            self.blocks.resize(count as usize, Block::zeroed());
            self.book_mut().adopt_grown(count).expect("fresh blocks");
        }
        add
    }
}
