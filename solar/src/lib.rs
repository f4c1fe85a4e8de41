//! PV physics for the simulator, step by step as pvlib's `ModelChain` does it (docs/solar.md):
//! sun position (NREL SPA) → clear-sky irradiance (Ineichen, Linke turbidity) scaled by the
//! weather's clearness and split by Erbs → plane of array (Hay-Davies, ASHRAE IAM) → cell
//! temperature (SAPM) → PVWatts DC with system losses → PVWatts inverter with its AC limit.
//!
//! Pure functions of a time, a site and an array: no state, no allocation, so one call per
//! array per simulation step. Validated against pvlib in `tests/pvlib.rs`.
pub mod clearsky;
pub mod irradiance;
pub mod position;
pub mod pv;
pub mod site;

pub use irradiance::Irradiance;
pub use position::{sun_position, SunPosition};
pub use pv::{Array, Conditions, Output, Sky};
pub use site::Site;

/// Day of year (1..=366) of a Unix time in UTC, as pandas' `dayofyear` on a UTC index
/// (what pvlib's extraterrestrial irradiance and Erbs use).
pub fn day_of_year(unix_s: i64) -> u32 {
    let (y, m, d) = civil_from_days(unix_s.div_euclid(86_400));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    CUM[(m - 1) as usize] + d + u32::from(leap && m > 2)
}

/// Month 1..=12 of a Unix time in UTC (the Linke turbidity table is monthly).
pub fn month(unix_s: i64) -> u32 {
    civil_from_days(unix_s.div_euclid(86_400)).1
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    #[test]
    fn calendar() {
        assert_eq!(super::day_of_year(0), 1);
        // 2024-12-31 12:00 UTC: a leap year's last day.
        assert_eq!(super::day_of_year(1_735_646_400), 366);
        assert_eq!(super::month(1_735_646_400), 12);
        // 2025-03-01 00:00 UTC.
        assert_eq!(super::day_of_year(1_740_787_200), 60);
    }
}
