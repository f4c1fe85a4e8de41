use anchor_lang::prelude::zero_copy;
use bytemuck::Zeroable;

use super::units::{BaseAtoms, QuoteAtoms};
use super::{Book, EngineError};

/// A trader's balances inside one market. `trader` all zero marks a free slot.
#[zero_copy]
#[derive(Debug, PartialEq, Eq)]
pub struct Seat {
    pub trader: [u8; 32],
    pub base_free: u64,
    pub base_locked: u64,
    pub quote_free: u64,
    pub quote_locked: u64,
}

impl Seat {
    fn is_free_slot(&self) -> bool {
        self.trader == [0; 32]
    }
}

impl Book {
    /// The trader's seat, claimed on first use. Idempotent.
    pub fn claim_seat(&mut self, trader: [u8; 32]) -> Result<u32, EngineError> {
        if trader == [0; 32] {
            return Err(EngineError::SeatMismatch);
        }
        if let Some(i) = self.seats.iter().position(|s| s.trader == trader) {
            return Ok(i as u32);
        }
        let i = self.seats.iter().position(Seat::is_free_slot).ok_or(EngineError::SeatsFull)?;
        self.seats[i] = Seat { trader, ..Seat::zeroed() };
        Ok(i as u32)
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

    /// Frees the slot of an empty seat with no open orders.
    pub fn release_seat(&mut self, seat: u32) -> Result<(), EngineError> {
        let has_orders = self.bids.live().iter().chain(self.asks.live()).any(|o| o.seat == seat);
        let s = self.seat_mut(seat)?;
        if has_orders || s.base_free | s.base_locked | s.quote_free | s.quote_locked != 0 {
            return Err(EngineError::SeatNotEmpty);
        }
        *s = Seat::zeroed();
        Ok(())
    }
}
