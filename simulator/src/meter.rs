//! One household behind a bidirectional smart meter. The meter's two registers count
//! energy exported to and imported from the grid; they are what the oracle attests as
//! cumulative `produced_wh` and `consumed_wh`, so the chain mints exactly net export.
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::model::battery::Battery;
use crate::model::ev::EvCharger;
use crate::model::load::Household;
use crate::model::pv::PvArray;
use crate::model::sun::Outdoor;
use crate::model::Instant;
use crate::Reading;

/// Defined with the telemetry schema (one source of truth for its wire names).
pub use gridtokenx_telemetry::MeterKind;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimMeter {
    pub meter_id: [u8; 32],
    pub kind: MeterKind,
    pub household: Household,
    pub pv: Option<PvArray>,
    pub battery: Option<Battery>,
    pub ev: Option<EvCharger>,
    /// Grid registers (fractional Wh are kept so that no energy is lost to rounding).
    pub exported_wh: f64,
    pub imported_wh: f64,
    /// Device-side totals, for energy-balance checks.
    pub generated_wh: f64,
    pub used_wh: f64,
    /// Fault injection: a meter that is offline produces no readings.
    pub online: bool,
    /// The feeder bus (its id) the household's service connection hangs on, recorded when
    /// the meter is first attached so that a restart keeps it (`feeder::FleetGrid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
}

impl SimMeter {
    /// Runs the household for `dt_s` seconds from `at` under `outdoor` (the sky with this
    /// meter's clouds, the air temperature and wind).
    pub fn step(&mut self, at: &Instant, dt_s: f64, outdoor: &Outdoor, rng: &mut impl Rng) {
        let hours = dt_s / 3_600.0;
        let solar_hour = at.solar_hour();
        let pv_w = self.pv.map_or(0.0, |pv| pv.output_w(outdoor));
        let ev_w = self.ev.as_mut().map_or(0.0, |ev| ev.draw_w(at.unix_s, solar_hour, dt_s));
        let load_w = self.household.demand_w(solar_hour, rng) + ev_w;
        let mut net_w = pv_w - load_w;
        if let Some(battery) = self.battery.as_mut() {
            net_w = battery.absorb(net_w, dt_s);
        }
        self.generated_wh += pv_w * hours;
        self.used_wh += load_w * hours;
        if net_w >= 0.0 {
            self.exported_wh += net_w * hours;
        } else {
            self.imported_wh -= net_w * hours;
        }
    }

    /// The meter's registers as a reading for the interval starting at `interval_start_ts`.
    /// Whole Wh, rounded down: cumulative counters stay monotonic and never over-claim.
    pub fn reading(&self, interval_start_ts: i64) -> Reading {
        Reading {
            interval_start_ts,
            produced_wh: self.exported_wh.floor() as u64,
            consumed_wh: self.imported_wh.floor() as u64,
        }
    }
}
