//! From the sky to the panel: the weather's share of the clear sky, split into beam and
//! diffuse (Erbs), transposed to the array's plane (Hay-Davies) — pvlib's functions
//! `erbs`, `aoi`, `haydavies`, `get_ground_diffuse`, `beam_component`, `iam.ashrae`.
use crate::clearsky::ClearSky;

/// Horizontal components reaching the ground under the actual weather, W/m².
pub type Irradiance = ClearSky;

/// Erbs' limits as pvlib's defaults: the clearness index is computed with cos(zenith) at
/// least 0.065 and capped at 1; no beam beyond 87°.
const ERBS_MIN_COS_ZENITH: f64 = 0.065;
const ERBS_MAX_ZENITH_DEG: f64 = 87.0;

/// The weather on top of the clear sky: GHI is `clearness` × clear-sky GHI. A clear sky
/// (clearness ≥ 1) keeps Ineichen's own beam/diffuse split; under clouds the beam is
/// what Erbs et al. (1982) give for that GHI (clouds take the beam first).
pub fn under_weather(
    clear: ClearSky,
    clearness: f64,
    apparent_zenith_deg: f64,
    dni_extra: f64,
) -> Irradiance {
    if clearness >= 1.0 {
        return clear;
    }
    erbs(clear.ghi * clearness.max(0.0), apparent_zenith_deg, dni_extra)
}

/// Erbs, Klein & Duffie (1982) diffuse fraction from the clearness index.
pub fn erbs(ghi: f64, zenith_deg: f64, dni_extra: f64) -> Irradiance {
    let cos_z = zenith_deg.to_radians().cos();
    let kt = (ghi / (dni_extra * cos_z.max(ERBS_MIN_COS_ZENITH))).clamp(0.0, 1.0);
    let df = if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.8 {
        0.9511 - 0.1604 * kt + 4.388 * kt.powi(2) - 16.638 * kt.powi(3) + 12.336 * kt.powi(4)
    } else {
        0.165
    };
    let dhi = df * ghi;
    let dni = (ghi - dhi) / cos_z;
    if zenith_deg > ERBS_MAX_ZENITH_DEG || ghi < 0.0 || dni < 0.0 || !dni.is_finite() {
        return Irradiance { ghi, dni: 0.0, dhi: ghi };
    }
    Irradiance { ghi, dni, dhi }
}

/// An array's orientation, degrees: tilt from horizontal, azimuth clockwise from north
/// (180 = facing south).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Orientation {
    pub tilt_deg: f64,
    pub azimuth_deg: f64,
}

/// Cosine of the angle of incidence on the plane, clipped to [-1, 1].
pub fn aoi_projection(o: Orientation, zenith_deg: f64, azimuth_deg: f64) -> f64 {
    let (t, z) = (o.tilt_deg.to_radians(), zenith_deg.to_radians());
    (t.cos() * z.cos() + t.sin() * z.sin() * (azimuth_deg - o.azimuth_deg).to_radians().cos())
        .clamp(-1.0, 1.0)
}

/// Plane-of-array irradiance, W/m².
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Poa {
    pub direct: f64,
    pub sky_diffuse: f64,
    pub ground_diffuse: f64,
    /// Angle of incidence, degrees.
    pub aoi_deg: f64,
}

impl Poa {
    pub fn global(&self) -> f64 {
        self.direct + self.sky_diffuse + self.ground_diffuse
    }
}

/// Hay & Davies (1980): the diffuse sky is isotropic except for a circumsolar part in
/// proportion to the beam's share of the extraterrestrial irradiance; the ground reflects
/// GHI × `albedo` isotropically.
pub fn poa_hay_davies(
    o: Orientation,
    apparent_zenith_deg: f64,
    sun_azimuth_deg: f64,
    sky: Irradiance,
    dni_extra: f64,
    albedo: f64,
) -> Poa {
    let cos_aoi = aoi_projection(o, apparent_zenith_deg, sun_azimuth_deg);
    let cos_tilt = o.tilt_deg.to_radians().cos();
    // Rb bounded as pvlib does (GH 432): the zenith cosine at least cos(89°).
    let rb = cos_aoi.max(0.0) / apparent_zenith_deg.to_radians().cos().max(0.017_45);
    let ai = sky.dni / dni_extra;
    let isotropic = (sky.dhi * (1.0 - ai) * 0.5 * (1.0 + cos_tilt)).max(0.0);
    let circumsolar = (sky.dhi * ai * rb).max(0.0);
    Poa {
        direct: (sky.dni * cos_aoi).max(0.0),
        sky_diffuse: isotropic + circumsolar,
        ground_diffuse: sky.ghi * albedo * (1.0 - cos_tilt) * 0.5,
        aoi_deg: cos_aoi.acos().to_degrees(),
    }
}

/// ASHRAE incidence-angle modifier (Souka & Safwat 1966) for the beam: reflection off the
/// glass grows with the angle of incidence; nothing beyond 90°.
pub fn iam_ashrae(aoi_deg: f64, b: f64) -> f64 {
    if aoi_deg.abs() >= 90.0 {
        return 0.0;
    }
    (1.0 - b * (1.0 / aoi_deg.to_radians().cos() - 1.0)).max(0.0)
}
