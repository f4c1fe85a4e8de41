use anchor_lang::prelude::zero_copy;
use bytemuck::Zeroable;

use super::slab::{BookMut, KIND_SEAT, NIL};
use super::units::{BaseAtoms, QuoteAtoms};
use super::EngineError;

/// Slots an empty seat must stay untouched (no claim, no withdrawal) before a trader who
/// needs a seat may take it over: about an hour at 400 ms a slot. Long enough that nobody
/// loses a seat between claiming and depositing, or while moving funds out and back;
/// short enough that seats claimed and left empty free up within the hour.
pub const SEAT_IDLE_SLOTS: u64 = 9_000;

/// A trader's balances inside one market: the payload of a seat block, whose index is the
/// hint the trader passes to every instruction.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct Seat {
    pub trader: [u8; 32],
    pub base_free: u64,
    pub base_locked: u64,
    pub quote_free: u64,
    pub quote_locked: u64,
    /// Lamports the trader bonded into the market account when claiming the seat; they go
    /// back to the trader when the seat is released or taken over.
    pub bond_lamports: u64,
    /// Slot of the trader's claim or latest withdrawal. Those are the only ways a seat
    /// becomes empty, so an empty seat has held nothing since at least this slot.
    pub touched_slot: u64,
    /// Resting orders of this seat (both sides), so "is it empty" is O(1).
    pub open_orders: u32,
    /// First block of the seat's list of its orders (`slab::NIL`: none).
    pub orders_head: u32,
}

impl Seat {
    fn holds_funds(&self) -> bool {
        self.base_free | self.base_locked | self.quote_free | self.quote_locked != 0
    }

    /// No balances and no open orders: what release and take-over require.
    pub fn is_empty(&self) -> bool {
        !self.holds_funds() && self.open_orders == 0
    }
}

/// A request for a seat.
#[derive(Clone, Copy, Debug, Default)]
pub struct SeatClaim {
    pub trader: [u8; 32],
    /// What the new seat bonds (the instruction collects it).
    pub bond_lamports: u64,
    pub slot: u64,
    /// When no seat is free: the holder of an empty seat idle for `SEAT_IDLE_SLOTS`,
    /// whose seat the trader takes over.
    pub idle_holder: Option<[u8; 32]>,
}

/// How a claim was met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claimed {
    /// The trader already had this seat: nothing changed, nothing is bonded.
    Existing(u32),
    /// A free seat: the trader bonds `SeatClaim::bond_lamports`.
    Free(u32),
    /// An idle empty seat taken over: the trader bonds, `holder` gets `refund_lamports` back.
    TakenOver { seat: u32, holder: [u8; 32], refund_lamports: u64 },
}

impl Claimed {
    pub fn seat(&self) -> u32 {
        match *self {
            Claimed::Existing(seat) | Claimed::Free(seat) | Claimed::TakenOver { seat, .. } => seat,
        }
    }
}

impl BookMut<'_> {
    /// The trader's seat: the one it has (idempotent, O(log n) in the seat tree), else a
    /// free block, else — only when no block is free and the account cannot grow (10 MB)
    /// and the claim names one — an idle empty seat taken over.
    pub fn claim_seat(&mut self, claim: SeatClaim) -> Result<Claimed, EngineError> {
        let trader = claim.trader;
        if trader == [0; 32] {
            return Err(EngineError::SeatMismatch);
        }
        if let Some(i) = self.view().find_seat(&trader)? {
            return Ok(Claimed::Existing(i));
        }
        let fresh = Seat {
            trader,
            bond_lamports: claim.bond_lamports,
            touched_slot: claim.slot,
            orders_head: NIL,
            ..Seat::zeroed()
        };
        if self.header.free_head != NIL {
            let i = self.alloc(KIND_SEAT, EngineError::SeatsFull)?;
            *self.block_mut(i)?.seat_mut() = fresh;
            self.link_seat(i)?;
            return Ok(Claimed::Free(i));
        }
        let holder = claim.idle_holder.ok_or(EngineError::SeatsFull)?;
        if holder == [0; 32] {
            return Err(EngineError::SeatMismatch);
        }
        let i = self.view().find_seat(&holder)?.ok_or(EngineError::SeatMismatch)?;
        let held = *self.view().seat(i)?;
        if !held.is_empty() {
            return Err(EngineError::SeatNotEmpty);
        }
        let idle_until = held.touched_slot.saturating_add(SEAT_IDLE_SLOTS);
        if claim.slot < idle_until {
            return Err(EngineError::SeatNotIdle);
        }
        // Same block, new key: out of the seat tree and back in under the new trader.
        self.unlink_seat(i)?;
        *self.block_mut(i)?.seat_mut() = fresh;
        self.link_seat(i)?;
        Ok(Claimed::TakenOver { seat: i, holder, refund_lamports: held.bond_lamports })
    }

    /// Records a withdrawal at `slot`: the seat may have just become empty.
    pub fn touch_seat(&mut self, seat: u32, slot: u64) -> Result<(), EngineError> {
        self.seat_mut(seat)?.touched_slot = slot;
        Ok(())
    }

    pub fn deposit(&mut self, seat: u32, base: BaseAtoms, quote: QuoteAtoms) -> Result<(), EngineError> {
        let s = self.seat_mut(seat)?;
        let base_free = s.base_free.checked_add(base.0).ok_or(EngineError::Overflow)?;
        let quote_free = s.quote_free.checked_add(quote.0).ok_or(EngineError::Overflow)?;
        s.base_free = base_free;
        s.quote_free = quote_free;
        Ok(())
    }

    /// Only free balances can leave; locked ones back open orders.
    pub fn withdraw(&mut self, seat: u32, base: BaseAtoms, quote: QuoteAtoms) -> Result<(), EngineError> {
        let s = self.seat_mut(seat)?;
        let base_free = s.base_free.checked_sub(base.0).ok_or(EngineError::InsufficientFunds)?;
        let quote_free = s.quote_free.checked_sub(quote.0).ok_or(EngineError::InsufficientFunds)?;
        s.base_free = base_free;
        s.quote_free = quote_free;
        Ok(())
    }

    /// Frees the block of an empty seat with no open orders (it goes back to the free list
    /// for the next seat or order); returns the bond to refund.
    pub fn release_seat(&mut self, seat: u32) -> Result<u64, EngineError> {
        let s = *self.view().seat(seat)?;
        if !s.is_empty() {
            return Err(EngineError::SeatNotEmpty);
        }
        self.unlink_seat(seat)?;
        self.free(seat)?;
        Ok(s.bond_lamports)
    }
}
