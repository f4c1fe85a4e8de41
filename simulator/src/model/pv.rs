//! A household's PV array: nameplate, orientation and inverter sizing; the physics (plane of
//! array, cell temperature, PVWatts DC and inverter) is the `solar` crate's.
use serde::{Deserialize, Serialize};

use super::sun::Outdoor;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PvArray {
    /// DC nameplate at 1000 W/m² and 25 °C (standard test conditions), W.
    pub peak_w: f64,
    /// Tilt from horizontal, degrees. Fleets saved before arrays had an orientation load
    /// as a typical roof (15°, facing the equator of the northern hemisphere).
    #[serde(default = "default_tilt")]
    pub tilt_deg: f64,
    /// Azimuth clockwise from north, degrees (180 = south).
    #[serde(default = "default_azimuth")]
    pub azimuth_deg: f64,
    /// DC nameplate over the inverter's DC rating (1.2 is PVWatts' default): above it the
    /// inverter clips.
    #[serde(default = "default_dc_ac")]
    pub dc_ac_ratio: f64,
}

fn default_tilt() -> f64 {
    15.0
}
fn default_azimuth() -> f64 {
    180.0
}
fn default_dc_ac() -> f64 {
    1.2
}

impl PvArray {
    pub fn new(peak_w: f64, tilt_deg: f64, azimuth_deg: f64) -> Self {
        PvArray { peak_w, tilt_deg, azimuth_deg, dc_ac_ratio: default_dc_ac() }
    }

    /// The array as the physics model sees it: PVWatts defaults for a rooftop system.
    pub fn model(&self) -> solar::Array {
        solar::Array {
            inverter_pdc0_w: self.peak_w / self.dc_ac_ratio.max(0.1),
            ..solar::Array::rooftop(self.peak_w, self.tilt_deg, self.azimuth_deg)
        }
    }

    /// AC output under `outdoor` (the sky with this array's clouds), W.
    pub fn output_w(&self, outdoor: &Outdoor) -> f64 {
        // The clouds are already in `outdoor.sky`; the array needs only air and wind.
        let conditions =
            solar::Conditions { clearness: 1.0, temp_air_c: outdoor.temp_air_c, wind_m_s: outdoor.wind_m_s };
        self.model().output(&outdoor.sky, &conditions).ac_w
    }
}
