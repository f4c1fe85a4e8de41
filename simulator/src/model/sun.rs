//! The sky over the fleet for one physics step: sun position by NREL SPA and Ineichen clear
//! sky from the `solar` crate (docs/solar.md), plus the air temperature and wind the panels
//! feel. Computed once per step (every meter shares the location); each meter then puts
//! its own clouds on it ([`Outdoor::for_clearness`]).
use solar::position::Sun;
use solar::{Site, Sky};

use super::Instant;

/// Wind at panel height, m/s: a light breeze. The simulator has no wind model; SAPM's
/// cell temperature needs one, and a calm value errs towards hot (conservative) cells.
pub const WIND_M_S: f64 = 1.0;

/// What a PV array sees outside at one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outdoor {
    pub sky: Sky,
    pub temp_air_c: f64,
    pub wind_m_s: f64,
}

impl Outdoor {
    /// Cloudless sky at `at` (SPA's time-dependent part, the costly one, done here once).
    pub fn clear(at: &Instant) -> Outdoor {
        let temp_air_c = air_temperature_c(at);
        let sky = Sky::clear(&Sun::at(at.unix_s as f64), at.unix_s, &site(at), temp_air_c);
        Outdoor { sky, temp_air_c, wind_m_s: WIND_M_S }
    }

    /// The same instant with `clearness` (0..=1) of the clear-sky GHI getting through.
    pub fn for_clearness(&self, clearness: f64) -> Outdoor {
        Outdoor { sky: self.sky.with_clearness(clearness), ..*self }
    }
}

/// The fleet's site: sea level, Linke turbidity by climate (see `solar::Site::at`).
pub fn site(at: &Instant) -> Site {
    Site::at(at.latitude_deg, at.longitude_deg)
}

/// Sun elevation above the horizon in degrees, refraction included (negative at night).
pub fn elevation_deg(at: &Instant) -> f64 {
    90.0 - Outdoor::clear(at).sky.sun.apparent_zenith_deg
}

/// Air temperature, °C: a climate by latitude (annual mean 27 °C in the tropics, 0.4 °C
/// cooler per degree beyond 15°; seasonal swing 1 + 0.16 °C per degree of latitude,
/// warmest late July in the north and late January in the south) and a ±4 °C day, coolest
/// at dawn and warmest mid-afternoon. Rough, but it moves the cell temperature — and so
/// the PVWatts output — the right way between Bangkok and Stockholm and noon and evening.
pub fn air_temperature_c(at: &Instant) -> f64 {
    use std::f64::consts::PI;
    let lat = at.latitude_deg.abs();
    let mean = 27.0 - 0.4 * (lat - 15.0).max(0.0);
    let swing = 1.0 + 0.16 * lat;
    let warmest_day = if at.latitude_deg >= 0.0 { 201.0 } else { 18.0 };
    let season = (2.0 * PI * (at.day_of_year() as f64 - warmest_day) / 365.0).cos();
    let day = (2.0 * PI * (at.solar_hour() - 9.0) / 24.0).sin();
    mean + swing * season + 4.0 * day
}
