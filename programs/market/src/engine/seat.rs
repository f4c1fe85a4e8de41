use anchor_lang::prelude::zero_copy;
use bytemuck::Zeroable;

use super::units::{BaseAtoms, QuoteAtoms};
use super::{Book, EngineError};

/// Slots an empty seat must stay untouched (no claim, no withdrawal) before a trader who
/// needs a seat may take it over: about an hour at 400 ms a slot. Long enough that nobody
/// loses a seat between claiming and depositing, or while moving funds out and back;
/// short enough that seats claimed and left empty free up within the hour.
pub const SEAT_IDLE_SLOTS: u64 = 9_000;

/// A trader's balances inside one market. `trader` all zero marks a free slot.
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
}

impl Seat {
    fn is_free_slot(&self) -> bool {
        self.trader == [0; 32]
    }

    fn holds_funds(&self) -> bool {
        self.base_free | self.base_locked | self.quote_free | self.quote_locked != 0
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

impl Book {
    /// The trader's seat: the one it has (idempotent), else a free one, else — only when
    /// every seat is taken and the claim names one — an idle empty seat taken over.
    pub fn claim_seat(&mut self, claim: SeatClaim) -> Result<Claimed, EngineError> {
        let trader = claim.trader;
        if trader == [0; 32] {
            return Err(EngineError::SeatMismatch);
        }
        if let Some(i) = self.seats.iter().position(|s| s.trader == trader) {
            return Ok(Claimed::Existing(i as u32));
        }
        let fresh = Seat { trader, bond_lamports: claim.bond_lamports, touched_slot: claim.slot, ..Seat::zeroed() };
        if let Some(i) = self.seats.iter().position(Seat::is_free_slot) {
            self.seats[i] = fresh;
            return Ok(Claimed::Free(i as u32));
        }
        let holder = claim.idle_holder.ok_or(EngineError::SeatsFull)?;
        let i = self
            .seats
            .iter()
            .position(|s| s.trader == holder && holder != [0; 32])
            .ok_or(EngineError::SeatMismatch)?;
        self.ensure_empty(i as u32)?;
        let idle_until = self.seats[i].touched_slot.saturating_add(SEAT_IDLE_SLOTS);
        if claim.slot < idle_until {
            return Err(EngineError::SeatNotIdle);
        }
        let refund_lamports = self.seats[i].bond_lamports;
        self.seats[i] = fresh;
        Ok(Claimed::TakenOver { seat: i as u32, holder, refund_lamports })
    }

    /// Records a withdrawal at `slot`: the seat may have just become empty.
    pub fn touch_seat(&mut self, seat: u32, slot: u64) -> Result<(), EngineError> {
        self.seat_mut(seat)?.touched_slot = slot;
        Ok(())
    }

    /// A seat with no balances and no open orders.
    fn ensure_empty(&self, seat: u32) -> Result<(), EngineError> {
        let has_orders = self.bids.live().iter().chain(self.asks.live()).any(|o| o.seat == seat);
        let s = self.seats.get(seat as usize).ok_or(EngineError::SeatMismatch)?;
        if has_orders || s.holds_funds() {
            return Err(EngineError::SeatNotEmpty);
        }
        Ok(())
    }

    /// Validates a client's seat hint in O(1).
    pub fn seat_of(&self, index: u32, trader: &[u8; 32]) -> Result<u32, EngineError> {
        match self.seats.get(index as usize) {
            Some(seat) if &seat.trader == trader && *trader != [0; 32] => Ok(index),
            _ => Err(EngineError::SeatMismatch),
        }
    }

    pub(crate) fn seat_mut(&mut self, index: u32) -> Result<&mut Seat, EngineError> {
        self.seats.get_mut(index as usize).ok_or(EngineError::SeatMismatch)
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

    /// Frees the slot of an empty seat with no open orders; returns the bond to refund.
    pub fn release_seat(&mut self, seat: u32) -> Result<u64, EngineError> {
        self.ensure_empty(seat)?;
        let s = self.seat_mut(seat)?;
        let bond = s.bond_lamports;
        *s = Seat::zeroed();
        Ok(bond)
    }
}
