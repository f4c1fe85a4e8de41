use super::*;

const RULES: ReadingRules = ReadingRules {
    interval_secs: 900,
    max_future_secs: 60,
    max_staleness_secs: 86_400,
    max_wh_per_interval: 10_000,
};
/// A multiple of the 900 s interval.
const T0: i64 = 1_800_000_000;

fn reading(start: i64, produced: u64, consumed: u64) -> Reading {
    Reading { interval_start_ts: start, produced_wh: produced, consumed_wh: consumed }
}

fn after(r: &Reading) -> Cursor {
    Cursor::advanced(r)
}

const FRESH: Cursor = Cursor::NONE;

#[test]
fn first_reading_sets_baseline_and_mints_nothing() {
    let r = reading(T0, 1_000_000, 5);
    assert_eq!(surplus_to_mint(&RULES, &FRESH, &r, T0 + 900), Ok(0));
}

#[test]
fn mints_net_surplus_of_the_interval() {
    let base = reading(T0, 1_000, 500);
    let next = reading(T0 + 900, 4_000, 1_500);
    assert_eq!(surplus_to_mint(&RULES, &after(&base), &next, T0 + 1_800), Ok(2_000));
}

#[test]
fn net_deficit_mints_zero() {
    let base = reading(T0, 1_000, 500);
    let next = reading(T0 + 900, 1_100, 900);
    assert_eq!(surplus_to_mint(&RULES, &after(&base), &next, T0 + 1_800), Ok(0));
}

#[test]
fn replay_and_out_of_order_are_distinct_errors() {
    let base = reading(T0 + 900, 1_000, 0);
    let cursor = after(&base);
    assert_eq!(surplus_to_mint(&RULES, &cursor, &base, T0 + 1_800), Err(EnergyError::ReadingReplayed));
    let older = reading(T0, 900, 0);
    assert_eq!(surplus_to_mint(&RULES, &cursor, &older, T0 + 1_800), Err(EnergyError::ReadingOutOfOrder));
}

#[test]
fn future_stale_and_misaligned_readings_are_rejected() {
    let now = T0 + 900;
    // Interval [T0+900, T0+1800) ends 900 s from now: beyond the 60 s skew allowance.
    assert_eq!(
        surplus_to_mint(&RULES, &FRESH, &reading(T0 + 900, 0, 0), now),
        Err(EnergyError::ReadingFromFuture)
    );
    // Within the skew allowance is fine.
    assert_eq!(surplus_to_mint(&RULES, &FRESH, &reading(T0 + 900, 0, 0), T0 + 1_750), Ok(0));
    let stale_now = T0 + 900 + 86_400 + 1;
    assert_eq!(
        surplus_to_mint(&RULES, &FRESH, &reading(T0, 0, 0), stale_now),
        Err(EnergyError::ReadingStale)
    );
    assert_eq!(
        surplus_to_mint(&RULES, &FRESH, &reading(T0 + 1, 0, 0), now),
        Err(EnergyError::MisalignedInterval)
    );
    assert_eq!(surplus_to_mint(&RULES, &FRESH, &reading(-900, 0, 0), now), Err(EnergyError::ReadingStale));
}

#[test]
fn counters_may_not_go_backwards() {
    let cursor = after(&reading(T0, 5_000, 5_000));
    let now = T0 + 1_800;
    assert_eq!(
        surplus_to_mint(&RULES, &cursor, &reading(T0 + 900, 4_999, 5_000), now),
        Err(EnergyError::CounterRegression)
    );
    assert_eq!(
        surplus_to_mint(&RULES, &cursor, &reading(T0 + 900, 5_000, 4_999), now),
        Err(EnergyError::CounterRegression)
    );
}

#[test]
fn production_cap_scales_with_elapsed_intervals() {
    let cursor = after(&reading(T0, 0, 0));
    let now = T0 + 10 * 900;
    assert_eq!(
        surplus_to_mint(&RULES, &cursor, &reading(T0 + 900, 10_001, 0), now),
        Err(EnergyError::ImplausibleProduction)
    );
    assert_eq!(surplus_to_mint(&RULES, &cursor, &reading(T0 + 900, 10_000, 0), now), Ok(10_000));
    // Offline for three intervals: three intervals' worth is plausible.
    assert_eq!(surplus_to_mint(&RULES, &cursor, &reading(T0 + 3 * 900, 30_000, 0), now), Ok(30_000));
}

#[test]
fn extreme_values_error_instead_of_panicking() {
    let cursor = after(&reading(i64::MIN + 900 - (i64::MIN % 900), 0, 0));
    let r = reading(i64::MAX - i64::MAX % 900, u64::MAX, u64::MAX);
    assert!(surplus_to_mint(&RULES, &cursor, &r, i64::MAX).is_err());
    assert!(surplus_to_mint(&RULES, &FRESH, &r, 0).is_err());
}
