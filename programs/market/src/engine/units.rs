//! Unit newtypes: a price can never be added to a size, and every conversion between
//! units is checked and says which way it rounds.
use anchor_lang::prelude::{AnchorDeserialize, AnchorSerialize};

use super::EngineError;

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            pub fn checked_add(self, other: Self) -> Result<Self, EngineError> {
                self.0.checked_add(other.0).map(Self).ok_or(EngineError::Overflow)
            }
            pub fn checked_sub(self, other: Self) -> Result<Self, EngineError> {
                self.0.checked_sub(other.0).map(Self).ok_or(EngineError::Overflow)
            }
        }
    };
}

unit!(
    /// Order size in lots; one lot is `lot_size_base_atoms` base atoms.
    BaseLots
);
unit!(
    /// Price in ticks; one tick is `tick_size_quote_atoms` quote atoms per lot.
    Ticks
);
unit!(
    /// Smallest unit of the quote token.
    QuoteAtoms
);
unit!(
    /// Smallest unit of the base (energy) token: one Wh.
    BaseAtoms
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketParams {
    /// Quote atoms per lot per tick.
    pub tick_size_quote_atoms: u64,
    /// Base atoms per lot.
    pub lot_size_base_atoms: u64,
    pub taker_fee_bps: u16,
}

/// `a * b`, `None` on overflow. When both factors fit in 32 bits the product cannot
/// overflow and is one multiply; only larger factors pay for the overflow check, which on
/// SBF is a helper call (tools/sbf/lower: `umul.with.overflow` has no instruction).
#[inline(always)]
fn mul_u64(a: u64, b: u64) -> Option<u64> {
    if (a | b) >> 32 == 0 {
        Some(a * b)
    } else {
        a.checked_mul(b)
    }
}

/// Quote atoms for `lots` at `price`: exact, no rounding needed. In 64-bit arithmetic: with
/// at least one lot, an overflow of `price * tick` is an overflow of the whole product.
pub fn quote_for(params: &MarketParams, price: Ticks, lots: BaseLots) -> Result<QuoteAtoms, EngineError> {
    if lots.0 == 0 {
        return Ok(QuoteAtoms(0));
    }
    mul_u64(price.0, params.tick_size_quote_atoms)
        .and_then(|per_lot| mul_u64(per_lot, lots.0))
        .map(QuoteAtoms)
        .ok_or(EngineError::Overflow)
}

/// Base atoms in `lots`: exact.
pub fn base_for(params: &MarketParams, lots: BaseLots) -> Result<BaseAtoms, EngineError> {
    mul_u64(lots.0, params.lot_size_base_atoms).map(BaseAtoms).ok_or(EngineError::Overflow)
}

/// Taker fee on `quote`, rounded up: the book never pays for rounding. `quote * bps` fits in
/// 64 bits whenever `quote` is under 2^48 (bps is 16-bit), the u128 path covers the rest.
pub fn taker_fee(params: &MarketParams, quote: QuoteAtoms) -> Result<QuoteAtoms, EngineError> {
    let bps = u64::from(params.taker_fee_bps);
    if quote.0 >> 48 == 0 {
        return Ok(QuoteAtoms((quote.0 * bps).div_ceil(10_000)));
    }
    let fee = (u128::from(quote.0) * u128::from(bps)).div_ceil(10_000);
    u64::try_from(fee).map(QuoteAtoms).map_err(|_| EngineError::Overflow)
}
