//! A home battery that soaks up surplus and covers deficits within its limits.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Battery {
    pub capacity_wh: f64,
    pub max_charge_w: f64,
    pub max_discharge_w: f64,
    /// Round-trip efficiency; half the loss is charged on the way in, half on the way out.
    pub round_trip_efficiency: f64,
    pub soc_wh: f64,
}

impl Battery {
    fn one_way_efficiency(&self) -> f64 {
        self.round_trip_efficiency.clamp(0.01, 1.0).sqrt()
    }

    /// Applies household net power (`+` surplus, `−` deficit) for `dt_s` seconds and returns
    /// what is left for the grid. The state of charge never leaves `[0, capacity]` and power
    /// never exceeds the charge or discharge limit.
    pub fn absorb(&mut self, net_w: f64, dt_s: f64) -> f64 {
        if dt_s <= 0.0 {
            return net_w;
        }
        let eff = self.one_way_efficiency();
        let hours = dt_s / 3_600.0;
        if net_w > 0.0 {
            let room_w = (self.capacity_wh - self.soc_wh).max(0.0) / hours / eff;
            let charge_w = net_w.min(self.max_charge_w).min(room_w);
            self.soc_wh = (self.soc_wh + charge_w * hours * eff).min(self.capacity_wh);
            net_w - charge_w
        } else {
            let available_w = self.soc_wh.max(0.0) * eff / hours;
            let discharge_w = (-net_w).min(self.max_discharge_w).min(available_w);
            self.soc_wh = (self.soc_wh - discharge_w * hours / eff).max(0.0);
            net_w + discharge_w
        }
    }
}
