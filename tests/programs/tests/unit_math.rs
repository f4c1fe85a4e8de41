//! The market's unit conversions run in 64-bit arithmetic with 32-bit fast paths (cheaper on
//! SBF); they must equal the exact 128-bit definitions for every input, overflow included.
use market::engine::units::{base_for, quote_for, taker_fee};
use market::engine::{BaseLots, MarketParams, QuoteAtoms, Ticks};
use proptest::prelude::*;

fn exact_quote(price: u64, tick: u64, lots: u64) -> Option<u64> {
    let exact = u128::from(price).checked_mul(u128::from(tick))?.checked_mul(u128::from(lots))?;
    u64::try_from(exact).ok()
}

fn exact_fee(quote: u64, bps: u16) -> Option<u64> {
    u64::try_from((u128::from(quote) * u128::from(bps)).div_ceil(10_000)).ok()
}

/// Values around the edges the fast paths switch on (2^32, 2^48) and at the ends.
fn edgy() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(u64::MAX),
        (0u32..=64, -2i64..=2).prop_map(|(bits, d)| (1u128 << bits)
            .saturating_add_signed(d.into())
            .min(u64::MAX as u128) as u64),
        0u64..1_000_000,
        any::<u64>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn quote_base_and_fee_equal_the_exact_arithmetic(
        price in edgy(), tick in edgy(), lots in edgy(), lot_size in edgy(), quote in edgy(), bps in any::<u16>()
    ) {
        let params = MarketParams { tick_size_quote_atoms: tick, lot_size_base_atoms: lot_size, taker_fee_bps: bps };
        prop_assert_eq!(quote_for(&params, Ticks(price), BaseLots(lots)).ok().map(|q| q.0), exact_quote(price, tick, lots));
        prop_assert_eq!(base_for(&params, BaseLots(lots)).ok().map(|b| b.0), u64::try_from(u128::from(lots) * u128::from(lot_size)).ok());
        prop_assert_eq!(taker_fee(&params, QuoteAtoms(quote)).ok().map(|f| f.0), exact_fee(quote, bps));
    }
}
