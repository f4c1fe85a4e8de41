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

/// Quote atoms for `lots` at `price`: exact, no rounding needed.
pub fn quote_for(params: &MarketParams, price: Ticks, lots: BaseLots) -> Result<QuoteAtoms, EngineError> {
    let atoms = u128::from(price.0)
        .checked_mul(u128::from(params.tick_size_quote_atoms))
        .and_then(|x| x.checked_mul(u128::from(lots.0)))
        .ok_or(EngineError::Overflow)?;
    u64::try_from(atoms).map(QuoteAtoms).map_err(|_| EngineError::Overflow)
}

/// Base atoms in `lots`: exact.
pub fn base_for(params: &MarketParams, lots: BaseLots) -> Result<BaseAtoms, EngineError> {
    lots.0.checked_mul(params.lot_size_base_atoms).map(BaseAtoms).ok_or(EngineError::Overflow)
}

/// Taker fee on `quote`, rounded up: the book never pays for rounding.
pub fn taker_fee(params: &MarketParams, quote: QuoteAtoms) -> Result<QuoteAtoms, EngineError> {
    let numerator = u128::from(quote.0) * u128::from(params.taker_fee_bps);
    let fee = numerator.div_ceil(10_000);
    u64::try_from(fee).map(QuoteAtoms).map_err(|_| EngineError::Overflow)
}
