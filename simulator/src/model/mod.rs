//! Physical models. Units are in the names: `_w` watts, `_wh` watt-hours, `_s` seconds.
pub mod battery;
pub mod ev;
pub mod load;
pub mod pv;
pub mod sun;
pub mod weather;

/// A point in simulated time with what the models need from it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Instant {
    /// Unix seconds (UTC).
    pub unix_s: i64,
    pub latitude_deg: f64,
    pub longitude_deg: f64,
}

impl Instant {
    /// Day of year, 1..=366.
    pub fn day_of_year(&self) -> u32 {
        // Days since 1970-01-01 → civil date (Howard Hinnant's algorithm), then ordinal day.
        let days = self.unix_s.div_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        const CUM: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        CUM[(m - 1) as usize] + d + u32::from(leap && m > 2)
    }

    /// Local mean solar time in hours, 0..24 (longitude-corrected UTC).
    pub fn solar_hour(&self) -> f64 {
        let utc_hours = self.unix_s.rem_euclid(86_400) as f64 / 3_600.0;
        (utc_hours + self.longitude_deg / 15.0).rem_euclid(24.0)
    }
}

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
