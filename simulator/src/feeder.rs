//! The feeder the fleet's meters hang on, and its power flow every interval: each meter's
//! mean net power over the interval is put at its bus, the `grid` crate solves the feeder,
//! and the result becomes the `gridtokenx.grid-state.v1` message (schema in the telemetry
//! crate). Physics, not telemetry: meter faults (offline, spike, clock skew) change what is
//! reported, not what flows; a decommissioned meter's household is disconnected.
use std::path::PathBuf;
use std::sync::Arc;

use grid::{BusPower, Feeder, Geo, GridEvent, GridState, Limits, Options, Workspace};
use gridtokenx_telemetry::{
    BusStateV1, GridEventV1, GridFlowV1, GridStateV1, GridTopologyV1, LineStateV1, MeterAttachmentV1,
    TransformerStateV1, GRID_STATE_SCHEMA_V1, GRID_TOPOLOGY_SCHEMA_V1,
};

use crate::meter::SimMeter;

/// Household appliances (and EV chargers) draw reactive power at this power factor,
/// inductive; PV and battery inverters run at unity power factor.
pub const LOAD_POWER_FACTOR: f64 = 0.95;

/// Where the feeder comes from (`--feeder`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeederSource {
    /// Sized for the fleet's initial meter count (`grid::generated`).
    Generated,
    /// The CIGRE European LV benchmark network.
    CigreLv,
    /// A feeder JSON file (docs/grid.md), by its absolute path.
    File(PathBuf),
}

impl FeederSource {
    /// `generated`, `cigre-lv`, or a path to a feeder file (made absolute, so that a restart
    /// from another directory finds the same file).
    pub fn from_arg(arg: &str) -> Result<FeederSource, String> {
        match arg {
            "generated" => Ok(FeederSource::Generated),
            "cigre-lv" => Ok(FeederSource::CigreLv),
            path => std::fs::canonicalize(path).map(FeederSource::File).map_err(|e| {
                format!("--feeder {path:?}: cannot read the feeder file ({e}); use generated, cigre-lv, none or a feeder JSON file")
            }),
        }
    }

    /// As recorded in the fleet's configuration (and accepted back by `from_arg`).
    pub fn label(&self) -> String {
        match self {
            FeederSource::Generated => "generated".into(),
            FeederSource::CigreLv => "cigre-lv".into(),
            FeederSource::File(path) => path.display().to_string(),
        }
    }

    /// The checked feeder; built-in ones are drawn around `anchor` (the fleet's location).
    pub fn load(&self, meters: usize, anchor: Geo) -> Result<Feeder, String> {
        let spec = match self {
            FeederSource::Generated => grid::generated(meters, anchor),
            FeederSource::CigreLv => grid::cigre_lv(anchor),
            FeederSource::File(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read feeder file {}: {e}", path.display()))?;
                return Feeder::from_json(&text).map_err(|e| format!("feeder file {}: {e}", path.display()));
            }
        };
        Feeder::new(spec).map_err(|e| format!("{} feeder: {e}", self.label()))
    }
}

/// A fleet's feeder at run time: not saved (it is rebuilt from the recorded source), except
/// for each meter's bus, which the meter itself records.
pub struct FleetGrid {
    pub source: FeederSource,
    pub feeder: Feeder,
    pub limits: Limits,
    options: Options,
    work: Workspace,
    /// The bus of each fleet meter.
    bus_of: Vec<usize>,
    /// Each meter's (imported − exported, used) Wh when the interval being simulated began.
    baseline: Vec<(f64, f64)>,
    /// Reused per-bus injections.
    load: Vec<BusPower>,
    /// Bumped whenever a meter is attached: the topology changed.
    pub topology_version: u64,
    /// The last interval's state.
    pub latest: Option<Arc<GridStateV1>>,
}

impl FleetGrid {
    /// Builds the feeder and hangs every meter on it: a meter keeps the bus it records (from a
    /// saved run) — one the feeder lacks is refused —; the others are attached and record it.
    /// A fleet attached for the first time spreads its meters in contiguous blocks over the
    /// customer buses (`Feeder::attach_meters`); a meter added later goes to customer bus
    /// (its index mod their count).
    pub fn attach(
        source: FeederSource,
        feeder: Feeder,
        limits: Limits,
        meters: &mut [SimMeter],
    ) -> Result<FleetGrid, String> {
        let index: std::collections::HashMap<&str, usize> =
            feeder.spec.buses.iter().enumerate().map(|(i, b)| (b.id.as_str(), i)).collect();
        let first_time = meters.iter().all(|m| m.bus.is_none());
        let blocks = if first_time { feeder.attach_meters(meters.len()) } else { Vec::new() };
        let mut bus_of = Vec::with_capacity(meters.len());
        for (i, meter) in meters.iter_mut().enumerate() {
            let bus = match &meter.bus {
                Some(id) => *index.get(id.as_str()).ok_or_else(|| {
                    format!(
                        "meter {i} hangs on bus {id:?}, which the {} feeder {:?} has not: resume with the feeder it was simulated on",
                        source.label(),
                        feeder.spec.name
                    )
                })?,
                None if first_time => blocks[i],
                None => later_bus(&feeder, i),
            };
            meter.bus = Some(feeder.spec.buses[bus].id.clone());
            bus_of.push(bus);
        }
        let baseline = meters.iter().map(registers).collect();
        let load = vec![BusPower::default(); feeder.bus_count()];
        Ok(FleetGrid {
            source,
            feeder,
            limits,
            options: Options::default(),
            work: Workspace::default(),
            bus_of,
            baseline,
            load,
            topology_version: 0,
            latest: None,
        })
    }

    /// Attaches a meter just added to the fleet (index `meters.len() - 1`).
    pub fn attach_added(&mut self, meter: &mut SimMeter, index: usize) {
        let bus = later_bus(&self.feeder, index);
        meter.bus = Some(self.feeder.spec.buses[bus].id.clone());
        self.bus_of.push(bus);
        self.baseline.push(registers(meter));
        self.topology_version += 1;
    }

    /// The power flow of the interval that just ended, from each connected meter's mean
    /// power over it.
    pub fn step(
        &mut self,
        meters: &[SimMeter],
        interval_start_ts: i64,
        interval_secs: u32,
    ) -> Arc<GridStateV1> {
        let hours = f64::from(interval_secs.max(1)) / 3_600.0;
        let tan_phi = LOAD_POWER_FACTOR.acos().tan();
        self.load.iter_mut().for_each(|p| *p = BusPower::default());
        let mut on_bus = vec![0u32; self.feeder.bus_count()];
        for (i, meter) in meters.iter().enumerate() {
            let (net_wh, used_wh) = registers(meter);
            let (net_before, used_before) = std::mem::replace(&mut self.baseline[i], (net_wh, used_wh));
            if !meter.online {
                continue;
            }
            let bus = self.bus_of[i];
            on_bus[bus] += 1;
            // Wh over the interval / hours = mean W; MW on the feeder.
            self.load[bus].p_mw += (net_wh - net_before) / hours * 1e-6;
            self.load[bus].q_mvar += (used_wh - used_before) / hours * 1e-6 * tan_phi;
        }
        let state = self.feeder.step(&self.load, &self.options, &self.limits, &mut self.work);
        let message = Arc::new(self.message(state, &on_bus, interval_start_ts, interval_secs));
        self.latest = Some(message.clone());
        message
    }

    /// Meter injections of the last step, per bus (what the power flow was given).
    pub fn injections(&self) -> &[BusPower] {
        &self.load
    }

    fn message(
        &self,
        state: GridState,
        on_bus: &[u32],
        interval_start_ts: i64,
        interval_secs: u32,
    ) -> GridStateV1 {
        let spec = &self.feeder.spec;
        let flow = state.flow.map(|f| GridFlowV1 {
            iterations: u32::try_from(f.iterations).unwrap_or(u32::MAX),
            residual_pu: f.residual_pu,
            slack_p_mw: f.slack_p_mw,
            slack_q_mvar: f.slack_q_mvar,
            losses_mw: f.losses_mw,
            losses_mvar: f.losses_mvar,
            buses: (f.buses.iter().zip(&spec.buses).zip(on_bus))
                .map(|((r, b), &meters)| BusStateV1 {
                    id: b.id.clone(),
                    vm_pu: r.vm_pu,
                    va_degree: r.va_degree,
                    p_mw: r.p_mw,
                    q_mvar: r.q_mvar,
                    meters,
                })
                .collect(),
            lines: (f.lines.iter().zip(&spec.lines))
                .map(|(r, l)| LineStateV1 {
                    id: l.id.clone(),
                    p_from_mw: r.p_from_mw,
                    q_from_mvar: r.q_from_mvar,
                    p_to_mw: r.p_to_mw,
                    q_to_mvar: r.q_to_mvar,
                    i_from_ka: r.i_from_ka,
                    i_to_ka: r.i_to_ka,
                    loading_percent: r.loading_percent,
                    pl_mw: r.pl_mw,
                    ql_mvar: r.ql_mvar,
                })
                .collect(),
            transformers: (f.transformers.iter().zip(&spec.transformers))
                .map(|(r, t)| TransformerStateV1 {
                    id: t.id.clone(),
                    p_hv_mw: r.p_hv_mw,
                    q_hv_mvar: r.q_hv_mvar,
                    p_lv_mw: r.p_lv_mw,
                    q_lv_mvar: r.q_lv_mvar,
                    i_hv_ka: r.i_hv_ka,
                    i_lv_ka: r.i_lv_ka,
                    loading_percent: r.loading_percent,
                    pl_mw: r.pl_mw,
                    ql_mvar: r.ql_mvar,
                })
                .collect(),
        });
        GridStateV1 {
            schema: GRID_STATE_SCHEMA_V1.into(),
            feeder: spec.name.clone(),
            interval_start_ts,
            interval_secs,
            flow,
            events: state.events.into_iter().map(event).collect(),
        }
    }

    /// The feeder and every meter's bus, as published.
    pub fn topology(&self, meters: &[SimMeter]) -> GridTopologyV1 {
        GridTopologyV1 {
            schema: GRID_TOPOLOGY_SCHEMA_V1.into(),
            feeder: self.feeder.spec.clone(),
            source: self.source.label(),
            meters: meters
                .iter()
                .zip(&self.bus_of)
                .map(|(m, &bus)| MeterAttachmentV1 {
                    meter_id: hex(&m.meter_id),
                    bus: self.feeder.spec.buses[bus].id.clone(),
                    connected: m.online,
                })
                .collect(),
        }
    }
}

/// The customer bus of a meter attached after the fleet's first attachment.
fn later_bus(feeder: &Feeder, index: usize) -> usize {
    feeder.customer_buses[index % feeder.customer_buses.len()]
}

/// A meter's net import and its household's use so far, Wh.
fn registers(meter: &SimMeter) -> (f64, f64) {
    (meter.imported_wh - meter.exported_wh, meter.used_wh)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn event(e: GridEvent) -> GridEventV1 {
    match e {
        GridEvent::VoltageOutOfBand { bus, vm_pu, v_min_pu, v_max_pu } => {
            GridEventV1::VoltageOutOfBand { bus, vm_pu, v_min_pu, v_max_pu }
        }
        GridEvent::LineOverloaded { line, loading_percent, max_loading_percent } => {
            GridEventV1::LineOverloaded { line, loading_percent, max_loading_percent }
        }
        GridEvent::TransformerOverloaded { transformer, loading_percent, max_loading_percent } => {
            GridEventV1::TransformerOverloaded { transformer, loading_percent, max_loading_percent }
        }
        GridEvent::NotConverged { iterations, residual_pu, reason } => GridEventV1::NotConverged {
            iterations: u32::try_from(iterations).unwrap_or(u32::MAX),
            residual_pu: residual_pu.is_finite().then_some(residual_pu),
            reason,
        },
    }
}
