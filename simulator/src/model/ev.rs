//! An EV charger: the car plugs in in the evening and charges what it drove that day.
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvCharger {
    pub power_w: f64,
    pub daily_need_wh: f64,
    /// Solar hour at which the car arrives and plugs in.
    pub plug_in_hour: f64,
    /// Energy still to deliver in the current session.
    pub remaining_wh: f64,
    /// Day (unix_s / 86400) of the last plug-in, so each day starts one session.
    pub last_session_day: i64,
}

impl EvCharger {
    pub fn new(power_w: f64, daily_need_wh: f64, plug_in_hour: f64) -> Self {
        EvCharger { power_w, daily_need_wh, plug_in_hour, remaining_wh: 0.0, last_session_day: i64::MIN }
    }

    /// Charging power drawn during `dt_s` seconds starting at `unix_s`.
    pub fn draw_w(&mut self, unix_s: i64, solar_hour: f64, dt_s: f64) -> f64 {
        let day = unix_s.div_euclid(86_400);
        if solar_hour >= self.plug_in_hour && day != self.last_session_day {
            self.last_session_day = day;
            self.remaining_wh = self.daily_need_wh;
        }
        if self.remaining_wh <= 0.0 || dt_s <= 0.0 {
            return 0.0;
        }
        let w = self.power_w.min(self.remaining_wh * 3_600.0 / dt_s);
        self.remaining_wh -= w * dt_s / 3_600.0;
        w
    }
}
