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
    /// Day of year, 1..=366 (UTC), the same calendar the PV model uses.
    pub fn day_of_year(&self) -> u32 {
        solar::day_of_year(self.unix_s)
    }

    /// Local mean solar time in hours, 0..24 (longitude-corrected UTC).
    pub fn solar_hour(&self) -> f64 {
        let utc_hours = self.unix_s.rem_euclid(86_400) as f64 / 3_600.0;
        (utc_hours + self.longitude_deg / 15.0).rem_euclid(24.0)
    }
}

