//! An array and its inverter: SAPM cell temperature, PVWatts DC with system losses, PVWatts
//! inverter with its AC limit (pvlib `temperature.sapm_cell`, `pvsystem.pvwatts_dc`,
//! `pvsystem.pvwatts_losses`, `inverter.pvwatts`), and the whole chain for one instant.
use crate::clearsky::{extra_radiation_w_m2, ineichen};
use crate::irradiance::{iam_ashrae, poa_hay_davies, under_weather, Irradiance, Orientation, Poa};
use crate::position::{Sun, SunPosition};
use crate::{day_of_year, Site};

/// SAPM module-temperature coefficients (King et al. 2004): `a`, `b` (per m/s of wind) and
/// the cell-to-back difference `delta_t` at 1000 W/m².
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SapmTemperature {
    pub a: f64,
    pub b: f64,
    pub delta_t: f64,
}

/// Glass/glass modules mounted close to a roof (pvlib's `close_mount_glass_glass`): hotter
/// than an open rack, as rooftop arrays are.
pub const CLOSE_MOUNT_GLASS_GLASS: SapmTemperature = SapmTemperature { a: -2.98, b: -0.0471, delta_t: 1.0 };

/// PVWatts v5 default system losses (soiling 2, shading 3, mismatch 2, wiring 2,
/// connections 0.5, LID 1.5, nameplate 1, availability 3 %), compounded: 14.08 %.
pub fn pvwatts_losses_percent() -> f64 {
    let parts: [f64; 10] = [2.0, 3.0, 0.0, 2.0, 2.0, 0.5, 1.5, 1.0, 0.0, 3.0];
    (1.0 - parts.iter().fold(1.0, |perf, p| perf * (1.0 - p / 100.0))) * 100.0
}

/// One PV array on one inverter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Array {
    pub orientation: Orientation,
    /// DC nameplate at 1000 W/m² and 25 °C cell temperature, W.
    pub pdc0_w: f64,
    /// Power temperature coefficient, 1/°C (PVWatts: −0.0047 standard, −0.0035 premium).
    pub gamma_pdc: f64,
    /// Inverter DC input rating, W; its AC limit is `eta_inv_nom × inverter_pdc0_w`.
    pub inverter_pdc0_w: f64,
    /// Nominal inverter efficiency (PVWatts default 0.96).
    pub eta_inv_nom: f64,
    /// DC-side system losses, %.
    pub losses_percent: f64,
    pub albedo: f64,
    /// ASHRAE IAM coefficient (0.05 for glass).
    pub iam_b: f64,
    pub temperature: SapmTemperature,
}

/// PVWatts' reference inverter efficiency, to which the part-load curve is normalised.
const ETA_INV_REF: f64 = 0.9637;

impl Array {
    /// A rooftop array with PVWatts' defaults: standard module (γ −0.0047/°C), 14.08 %
    /// losses, inverter sized at DC/AC 1.2, ground albedo 0.25, close-mount glass/glass.
    pub fn rooftop(pdc0_w: f64, tilt_deg: f64, azimuth_deg: f64) -> Array {
        Array {
            orientation: Orientation { tilt_deg, azimuth_deg },
            pdc0_w,
            gamma_pdc: -0.0047,
            inverter_pdc0_w: pdc0_w / 1.2,
            eta_inv_nom: 0.96,
            losses_percent: pvwatts_losses_percent(),
            albedo: 0.25,
            iam_b: 0.05,
            temperature: CLOSE_MOUNT_GLASS_GLASS,
        }
    }

    /// The inverter's AC limit, W.
    pub fn ac_limit_w(&self) -> f64 {
        self.eta_inv_nom * self.inverter_pdc0_w
    }

    /// SAPM cell temperature for the plane-of-array global irradiance, °C.
    pub fn cell_temperature_c(&self, poa_global: f64, temp_air_c: f64, wind_m_s: f64) -> f64 {
        let t = self.temperature;
        poa_global * (t.a + t.b * wind_m_s).exp() + temp_air_c + poa_global / 1_000.0 * t.delta_t
    }

    /// PVWatts DC (linear in irradiance, γ per °C from 25 °C) after the system losses, W.
    pub fn dc_w(&self, effective_irradiance: f64, cell_temp_c: f64) -> f64 {
        let pdc =
            effective_irradiance / 1_000.0 * self.pdc0_w * (1.0 + self.gamma_pdc * (cell_temp_c - 25.0));
        pdc * (100.0 - self.losses_percent) / 100.0
    }

    /// PVWatts inverter (Dobos 2014): part-load efficiency curve, clipped at the AC limit
    /// and at zero (the curve goes negative below 0.6 % load).
    pub fn ac_w(&self, dc_w: f64) -> f64 {
        if dc_w == 0.0 {
            return 0.0;
        }
        let zeta = dc_w / self.inverter_pdc0_w;
        let eta = self.eta_inv_nom / ETA_INV_REF * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
        (eta * dc_w).min(self.ac_limit_w()).max(0.0)
    }

    /// Everything downstream of the sky for this array.
    pub fn output(&self, sky: &Sky, conditions: &Conditions) -> Output {
        let sun = sky.sun;
        let poa = poa_hay_davies(
            self.orientation,
            sun.apparent_zenith_deg,
            sun.azimuth_deg,
            sky.irradiance,
            sky.dni_extra,
            self.albedo,
        );
        let effective =
            poa.direct * iam_ashrae(poa.aoi_deg, self.iam_b) + poa.sky_diffuse + poa.ground_diffuse;
        let cell_temp_c = self.cell_temperature_c(poa.global(), conditions.temp_air_c, conditions.wind_m_s);
        let dc_w = self.dc_w(effective, cell_temp_c);
        Output { poa, effective_irradiance: effective, cell_temp_c, dc_w, ac_w: self.ac_w(dc_w) }
    }
}

/// The weather at the site for one instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Conditions {
    /// Share of the clear-sky GHI that gets through the clouds, 0..=1.
    pub clearness: f64,
    pub temp_air_c: f64,
    pub wind_m_s: f64,
}

/// The sky over a site at one instant: shared by every array there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sky {
    pub sun: SunPosition,
    pub dni_extra: f64,
    pub clear: Irradiance,
    pub irradiance: Irradiance,
}

impl Sky {
    pub fn at(unix_s: i64, site: &Site, conditions: &Conditions) -> Sky {
        Sky::from_sun(&Sun::at(unix_s as f64), unix_s, site, conditions)
    }

    /// With SPA's time part already computed (one per simulation step for every site).
    pub fn from_sun(sun: &Sun, unix_s: i64, site: &Site, conditions: &Conditions) -> Sky {
        Sky::clear(sun, unix_s, site, conditions.temp_air_c).with_clearness(conditions.clearness)
    }

    /// The cloudless sky (`irradiance == clear`): computed once per step and site, then
    /// [`Sky::with_clearness`] for each array's own clouds.
    pub fn clear(sun: &Sun, unix_s: i64, site: &Site, temp_air_c: f64) -> Sky {
        let sun = sun.seen_from(site, temp_air_c);
        let dni_extra = extra_radiation_w_m2(day_of_year(unix_s));
        let clear = ineichen(sun.apparent_zenith_deg, site, site.linke_turbidity_at(unix_s), dni_extra);
        Sky { sun, dni_extra, clear, irradiance: clear }
    }

    /// The same sky with `clearness` × the clear-sky GHI getting through.
    pub fn with_clearness(&self, clearness: f64) -> Sky {
        Sky {
            irradiance: under_weather(self.clear, clearness, self.sun.apparent_zenith_deg, self.dni_extra),
            ..*self
        }
    }
}

/// One array's state at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Output {
    pub poa: Poa,
    /// Plane-of-array irradiance after reflection losses, W/m².
    pub effective_irradiance: f64,
    pub cell_temp_c: f64,
    pub dc_w: f64,
    pub ac_w: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::LINKE_BANGKOK;

    const CLEAR: Conditions = Conditions { clearness: 1.0, temp_air_c: 30.0, wind_m_s: 1.0 };

    #[test]
    fn night_is_dark_and_noon_is_bright() {
        let bangkok = Site::new(13.7563, 100.5018, 5.0, LINKE_BANGKOK);
        let array = Array::rooftop(5_000.0, 15.0, 180.0);
        // 2025-03-21: 17:00 UTC is local midnight, 05:00 UTC about solar noon.
        let night = array.output(&Sky::at(1_742_576_400, &bangkok, &CLEAR), &CLEAR);
        assert_eq!(night.ac_w, 0.0);
        let noon = array.output(&Sky::at(1_742_533_200, &bangkok, &CLEAR), &CLEAR);
        assert!(noon.ac_w > 2_500.0 && noon.ac_w <= array.ac_limit_w(), "noon {noon:?}");
        assert!(noon.cell_temp_c > 45.0, "a sunlit roof module runs hot: {noon:?}");
        let cloudy = Conditions { clearness: 0.3, ..CLEAR };
        let grey = array.output(&Sky::at(1_742_533_200, &bangkok, &cloudy), &cloudy);
        assert!(grey.ac_w < 0.4 * noon.ac_w && grey.ac_w > 0.1 * noon.ac_w, "overcast {grey:?}");
    }

    #[test]
    fn inverter_clips_at_its_limit() {
        let array = Array::rooftop(5_000.0, 30.0, 180.0);
        assert_eq!(array.ac_w(0.0), 0.0);
        assert_eq!(array.ac_w(10.0), 0.0, "below 0.6 % load the curve is negative: nothing");
        assert!((array.ac_w(5_000.0) - array.ac_limit_w()).abs() < 1e-9);
        assert!(array.ac_w(2_000.0) < 2_000.0 * 0.97);
        assert!((pvwatts_losses_percent() - 14.075_1).abs() < 1e-3);
    }
}
