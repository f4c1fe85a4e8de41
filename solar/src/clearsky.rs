//! Clear-sky irradiance: Ineichen & Perez (2002) with Linke turbidity, in the form pvlib
//! implements (`pvlib.clearsky.ineichen`, without the optional Perez enhancement).
use std::f64::consts::PI;

use crate::Site;

/// Solar constant used by pvlib's `get_extra_radiation`, W/m².
pub const SOLAR_CONSTANT_W_M2: f64 = 1_366.1;

/// Extraterrestrial normal irradiance on `day_of_year`: Spencer's (1971) Fourier series for
/// the Earth-Sun distance (pvlib's default method).
pub fn extra_radiation_w_m2(day_of_year: u32) -> f64 {
    let b = 2.0 * PI / 365.0 * (day_of_year as f64 - 1.0);
    SOLAR_CONSTANT_W_M2
        * (1.000_11
            + 0.034_221 * b.cos()
            + 0.001_28 * b.sin()
            + 0.000_719 * (2.0 * b).cos()
            + 7.7e-5 * (2.0 * b).sin())
}

/// Relative air mass from the apparent zenith, Kasten & Young (1989); `None` below the
/// horizon (pvlib: NaN).
pub fn relative_airmass(apparent_zenith_deg: f64) -> Option<f64> {
    if apparent_zenith_deg > 90.0 {
        return None;
    }
    Some(
        1.0 / (apparent_zenith_deg.to_radians().cos()
            + 0.505_72 * (6.079_95 + (90.0 - apparent_zenith_deg)).powf(-1.636_4)),
    )
}

/// Horizontal and normal components, W/m².
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ClearSky {
    pub ghi: f64,
    pub dni: f64,
    pub dhi: f64,
}

/// Ineichen clear sky for the apparent zenith, the site's altitude and the month's
/// Linke turbidity `tl`; zero when the sun is down.
pub fn ineichen(apparent_zenith_deg: f64, site: &Site, tl: f64, dni_extra: f64) -> ClearSky {
    let Some(am_rel) = relative_airmass(apparent_zenith_deg) else {
        return ClearSky::default();
    };
    let am = am_rel * site.pressure_pa() / 101_325.0;
    let cos_z = apparent_zenith_deg.to_radians().cos().max(0.0);
    let h = site.altitude_m;
    let fh1 = (-h / 8_000.0).exp();
    let fh2 = (-h / 1_250.0).exp();
    let cg1 = 5.09e-5 * h + 0.868;
    let cg2 = 3.92e-5 * h + 0.038_7;
    let ghi = cg1 * dni_extra * cos_z * (-cg2 * am * (fh1 + fh2 * (tl - 1.0))).exp().max(0.0);
    // Beam: Ineichen's b = 0.664 + 0.163/fh1 (pvlib PR 808), bounded by the empirical
    // correction against the global.
    let b = 0.664 + 0.163 / fh1;
    let bnci = dni_extra * (b * (-0.09 * am * (tl - 1.0)).exp()).max(0.0);
    let bnci_2 = if cos_z > 0.0 {
        ghi * ((1.0 - (0.1 - 0.2 * (-tl).exp()) / (0.1 + 0.882 / fh1)) / cos_z).clamp(0.0, 1e20)
    } else {
        // pvlib divides by zero here: +inf, clipped to 1e20, times a zero GHI.
        0.0
    };
    let dni = bnci.min(bnci_2);
    ClearSky { ghi, dni, dhi: ghi - dni * cos_z }
}
