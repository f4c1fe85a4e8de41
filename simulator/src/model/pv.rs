//! A PV array: rated peak power, derated for inverter and temperature losses.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PvArray {
    /// Output at 1000 W/m² (standard test conditions).
    pub peak_w: f64,
    /// Combined inverter, wiring and temperature losses (0.8–0.9 typical).
    pub derate: f64,
}

impl PvArray {
    /// AC output for the given irradiance and weather clearness (0..=1).
    pub fn output_w(&self, irradiance_w_m2: f64, clearness: f64) -> f64 {
        (self.peak_w * irradiance_w_m2 / 1_000.0 * clearness * self.derate).max(0.0)
    }
}
