//! Sun position by NREL's Solar Position Algorithm (I. Reda, A. Andreas, "Solar position
//! algorithm for solar radiation applications", Solar Energy 76 (2004) 577-589, rev. 2008,
//! NREL/TP-560-34302), through the `solar-positioning` crate (docs/solar.md says why).
use solar_positioning::{time::JulianDate, Location, RefractionCorrection, SolarPositions};

use crate::Site;

/// TT − UT1 in seconds. pvlib's SPA default (its `ModelChain` does not pass one), so both
/// sides agree; the true value (69 s in 2025) moves the sun by under 0.01°.
pub const DELTA_T_S: f64 = 67.0;

/// Julian date of the Unix epoch.
const JD_UNIX_EPOCH: f64 = 2_440_587.5;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SunPosition {
    /// Topocentric zenith angle without refraction, degrees.
    pub zenith_deg: f64,
    /// Zenith angle as seen through the atmosphere (SPA's refraction for the site's
    /// pressure and the air temperature): what the irradiance models use, as in pvlib.
    pub apparent_zenith_deg: f64,
    /// Clockwise from north, degrees.
    pub azimuth_deg: f64,
}

/// Sun position at `unix_s` (UTC) seen from `site`, with refraction for `temp_air_c`.
/// The location-independent part of SPA dominates the cost; [`Sun`] shares it between
/// sites at the same instant.
pub fn sun_position(unix_s: f64, site: &Site, temp_air_c: f64) -> SunPosition {
    Sun::at(unix_s).seen_from(site, temp_air_c)
}

/// SPA's time-dependent part for one instant (heliocentric position, nutation, sidereal
/// time), reusable for every site at that instant.
pub struct Sun(solar_positioning::PreparedPositions);

impl Sun {
    pub fn at(unix_s: f64) -> Sun {
        let jd = JulianDate::new(unix_s / 86_400.0 + JD_UNIX_EPOCH, DELTA_T_S).expect("finite time");
        Sun(SolarPositions::new().for_time_from_julian(jd).expect("time within SPA's years (-2000..6000)"))
    }

    pub fn seen_from(&self, site: &Site, temp_air_c: f64) -> SunPosition {
        let location = Location { latitude: site.latitude_deg, longitude: site.longitude_deg };
        let position =
            |refraction| self.0.at(location, site.altitude_m, refraction).expect("valid site coordinates");
        let true_pos = position(None);
        // Clamped to what the crate accepts; outside it refraction is meaningless anyway.
        let refraction = RefractionCorrection::new(
            (site.pressure_pa() / 100.0).clamp(1.0, 2_000.0),
            temp_air_c.clamp(-272.0, 100.0),
        )
        .expect("clamped pressure and temperature");
        let apparent = position(Some(refraction));
        SunPosition {
            zenith_deg: true_pos.zenith_angle(),
            apparent_zenith_deg: apparent.zenith_angle(),
            azimuth_deg: true_pos.azimuth(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Reda & Andreas (2008), table A4.1: 2003-10-17 12:30:30 at
    /// UTC−7, 39.742476 N 105.1786 W, 1830.14 m, 11 °C, ΔT 67 s: topocentric zenith
    /// 50.11162° (with refraction for 820 mbar), azimuth 194.34024°. Our pressure comes
    /// from the altitude (814 mbar), which moves the refraction by about 1e-4°.
    #[test]
    fn spa_paper_example() {
        let site = Site::new(39.742476, -105.1786, 1_830.14, [3.0; 12]);
        let unix_s = 1_066_419_030.0; // 2003-10-17T19:30:30Z
        let p = sun_position(unix_s, &site, 11.0);
        assert!((p.azimuth_deg - 194.34024).abs() < 1e-4, "azimuth {}", p.azimuth_deg);
        assert!((p.apparent_zenith_deg - 50.11162).abs() < 1e-3, "zenith {}", p.apparent_zenith_deg);
        assert!(p.zenith_deg > p.apparent_zenith_deg, "refraction lifts the sun");
    }
}
