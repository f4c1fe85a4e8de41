//! A run's power flows summed up, for `/status` and `run`'s summary.
use serde::Serialize;

use gridtokenx_telemetry::{GridEventV1, GridStateV1};

#[derive(Clone, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GridReport {
    /// Intervals whose power flow was run.
    pub states: u64,
    pub not_converged: u64,
    /// Intervals with a bus outside the voltage band, a line or transformer overloaded.
    pub voltage_intervals: u64,
    pub overload_intervals: u64,
    /// Intervals in which the feeder exported to the external grid (reverse flow).
    pub reverse_flow_intervals: u64,
    /// Extremes over every bus and interval, p.u.; null before the first converged flow.
    pub v_min_pu: Option<f64>,
    pub v_max_pu: Option<f64>,
    /// Highest loading of any line or transformer, %.
    pub max_loading_percent: Option<f64>,
    /// Energy lost in lines and transformers, kWh.
    pub losses_kwh: f64,
}

impl GridReport {
    pub fn add(&mut self, state: &GridStateV1) {
        self.states += 1;
        let has = |f: fn(&GridEventV1) -> bool| state.events.iter().any(f);
        self.not_converged += u64::from(has(|e| matches!(e, GridEventV1::NotConverged { .. })));
        self.voltage_intervals += u64::from(has(|e| matches!(e, GridEventV1::VoltageOutOfBand { .. })));
        self.overload_intervals += u64::from(has(|e| {
            matches!(e, GridEventV1::LineOverloaded { .. } | GridEventV1::TransformerOverloaded { .. })
        }));
        let Some(flow) = &state.flow else { return };
        self.reverse_flow_intervals += u64::from(flow.slack_p_mw < 0.0);
        let fold = |acc: Option<f64>, v: f64, pick: fn(f64, f64) -> f64| Some(acc.map_or(v, |a| pick(a, v)));
        for bus in &flow.buses {
            self.v_min_pu = fold(self.v_min_pu, bus.vm_pu, f64::min);
            self.v_max_pu = fold(self.v_max_pu, bus.vm_pu, f64::max);
        }
        let loadings = flow
            .lines
            .iter()
            .map(|l| l.loading_percent)
            .chain(flow.transformers.iter().map(|t| t.loading_percent));
        for loading in loadings {
            self.max_loading_percent = fold(self.max_loading_percent, loading, f64::max);
        }
        self.losses_kwh += flow.losses_mw * 1_000.0 * f64::from(state.interval_secs) / 3_600.0;
    }
}
