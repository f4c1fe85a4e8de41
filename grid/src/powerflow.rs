//! Radial AC power flow by backward/forward sweep in complex per unit, and the events a
//! solved state raises. The branch model is MATPOWER's (pandapower's): an ideal ratio
//! `tap = ratio·e^{j·shift}` at the parent end, then half the shunt admittance, the series
//! impedance and the other half; a line is the same with `tap = 1`.

use std::fmt;

use num_complex::Complex64 as C64;
use serde::{Deserialize, Serialize};

use crate::topology::{Branch, Feeder, BASE_MVA};

/// Net power drawn at a bus: load minus generation (negative when a bus exports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BusPower {
    pub p_mw: f64,
    pub q_mvar: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Converged when no bus voltage moved more than this in one sweep, p.u.
    pub tolerance_pu: f64,
    pub max_iterations: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { tolerance_pu: 1e-9, max_iterations: 100 }
    }
}

/// What raises an event (EN 50160: ±10 % of nominal voltage).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub v_min_pu: f64,
    pub v_max_pu: f64,
    /// A line or transformer above this loading is overloaded.
    pub max_loading_percent: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { v_min_pu: 0.9, v_max_pu: 1.1, max_loading_percent: 100.0 }
    }
}

impl Limits {
    /// A symmetric band, e.g. `band(0.10)` for ±10 %.
    pub fn band(fraction: f64) -> Self {
        Limits { v_min_pu: 1.0 - fraction, v_max_pu: 1.0 + fraction, ..Limits::default() }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BusResult {
    pub vm_pu: f64,
    pub va_degree: f64,
    /// Net power drawn at the bus (at the slack: minus what the external grid supplies).
    pub p_mw: f64,
    pub q_mvar: f64,
}

/// Flows at the line's own `from_bus` and `to_bus` ends, positive into the line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LineResult {
    pub p_from_mw: f64,
    pub q_from_mvar: f64,
    pub p_to_mw: f64,
    pub q_to_mvar: f64,
    pub i_from_ka: f64,
    pub i_to_ka: f64,
    /// max(i_from_ka, i_to_ka) / max_i_ka · 100, as pandapower.
    pub loading_percent: f64,
    pub pl_mw: f64,
    pub ql_mvar: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransformerResult {
    pub p_hv_mw: f64,
    pub q_hv_mvar: f64,
    pub p_lv_mw: f64,
    pub q_lv_mvar: f64,
    pub i_hv_ka: f64,
    pub i_lv_ka: f64,
    /// The larger side current over its rated current (sn / (√3·vn)) · 100, as pandapower.
    pub loading_percent: f64,
    pub pl_mw: f64,
    pub ql_mvar: f64,
}

/// A solved feeder. Vectors are indexed like the feeder's buses, lines and transformers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerFlow {
    pub iterations: usize,
    /// Largest voltage change of the last sweep, p.u.
    pub residual_pu: f64,
    pub buses: Vec<BusResult>,
    pub lines: Vec<LineResult>,
    pub transformers: Vec<TransformerResult>,
    /// Supplied by the external grid.
    pub slack_p_mw: f64,
    pub slack_q_mvar: f64,
    /// Lines and transformers together.
    pub losses_mw: f64,
    pub losses_mvar: f64,
}

/// The sweep did not settle: the feeder cannot carry this load (voltage collapse) or needs
/// more iterations. Nothing of the half-computed state is returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotConverged {
    pub iterations: usize,
    /// Largest voltage change of the last sweep, p.u. (infinite once voltages collapsed).
    pub residual_pu: f64,
    pub reason: String,
}

impl fmt::Display for NotConverged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "power flow did not converge after {} iterations (residual {:.3e} p.u.): {}", self.iterations, self.residual_pu, self.reason)
    }
}

impl std::error::Error for NotConverged {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GridEvent {
    VoltageOutOfBand { bus: String, vm_pu: f64, v_min_pu: f64, v_max_pu: f64 },
    LineOverloaded { line: String, loading_percent: f64, max_loading_percent: f64 },
    TransformerOverloaded { transformer: String, loading_percent: f64, max_loading_percent: f64 },
    NotConverged { iterations: usize, residual_pu: f64, reason: String },
}

/// One step's outcome: the flow when it converged, and every event either way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GridState {
    pub flow: Option<PowerFlow>,
    pub events: Vec<GridEvent>,
}

/// Reusable work arrays, so that a step allocates nothing but its result.
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    v: Vec<C64>,
    s: Vec<C64>,
    i_series: Vec<C64>,
    acc: Vec<C64>,
}

impl Feeder {
    /// Net load per bus of the feeder's own description (loads − generation).
    pub fn base_case(&self) -> Vec<BusPower> {
        self.base_load.iter().map(|&(p_mw, q_mvar)| BusPower { p_mw, q_mvar }).collect()
    }

    pub fn solve(&self, load: &[BusPower], options: &Options) -> Result<PowerFlow, NotConverged> {
        self.solve_with(load, options, &mut Workspace::default())
    }

    /// Solves and checks against `limits`: never fails, a non-convergence is an event.
    pub fn step(&self, load: &[BusPower], options: &Options, limits: &Limits, work: &mut Workspace) -> GridState {
        match self.solve_with(load, options, work) {
            Ok(flow) => {
                let events = self.events(&flow, limits);
                GridState { flow: Some(flow), events }
            }
            Err(e) => GridState {
                flow: None,
                events: vec![GridEvent::NotConverged { iterations: e.iterations, residual_pu: e.residual_pu, reason: e.reason }],
            },
        }
    }

    pub fn events(&self, flow: &PowerFlow, limits: &Limits) -> Vec<GridEvent> {
        let mut events = Vec::new();
        for (b, r) in flow.buses.iter().enumerate() {
            if r.vm_pu < limits.v_min_pu || r.vm_pu > limits.v_max_pu {
                events.push(GridEvent::VoltageOutOfBand {
                    bus: self.spec.buses[b].id.clone(),
                    vm_pu: r.vm_pu,
                    v_min_pu: limits.v_min_pu,
                    v_max_pu: limits.v_max_pu,
                });
            }
        }
        for (l, r) in flow.lines.iter().enumerate() {
            if r.loading_percent > limits.max_loading_percent {
                events.push(GridEvent::LineOverloaded {
                    line: self.spec.lines[l].id.clone(),
                    loading_percent: r.loading_percent,
                    max_loading_percent: limits.max_loading_percent,
                });
            }
        }
        for (t, r) in flow.transformers.iter().enumerate() {
            if r.loading_percent > limits.max_loading_percent {
                events.push(GridEvent::TransformerOverloaded {
                    transformer: self.spec.transformers[t].id.clone(),
                    loading_percent: r.loading_percent,
                    max_loading_percent: limits.max_loading_percent,
                });
            }
        }
        events
    }

    pub fn solve_with(&self, load: &[BusPower], options: &Options, work: &mut Workspace) -> Result<PowerFlow, NotConverged> {
        let r = &self.radial;
        let n = r.order.len();
        assert_eq!(load.len(), n, "one BusPower per bus of the feeder");
        let fail = |iterations, residual_pu, reason: String| NotConverged { iterations, residual_pu, reason };
        if let Some(b) = load.iter().position(|p| !(p.p_mw.is_finite() && p.q_mvar.is_finite())) {
            return Err(fail(0, f64::INFINITY, format!("the power at bus {:?} is not a finite number", self.spec.buses[b].id)));
        }
        let Workspace { v, s, i_series, acc } = work;
        let zero = C64::new(0.0, 0.0);
        s.clear();
        s.extend(r.order.iter().map(|&b| C64::new(load[b].p_mw, load[b].q_mvar) / BASE_MVA));
        v.clear();
        v.push(C64::from_polar(self.spec.slack.vm_pu, self.spec.slack.va_degree.to_radians()));
        for p in 1..n {
            let start = v[r.parent[p]] / r.tap[p];
            v.push(start);
        }
        i_series.clear();
        i_series.resize(n, zero);
        acc.clear();
        acc.resize(n, zero);

        let mut residual = f64::INFINITY;
        let mut iterations = 0;
        while residual > options.tolerance_pu {
            if iterations == options.max_iterations {
                return Err(fail(iterations, residual, "iteration limit reached (the feeder is likely overloaded beyond its capacity)".into()));
            }
            iterations += 1;
            // Backward: currents from the leaves up, constant-power loads at the present voltages.
            acc.iter_mut().for_each(|a| *a = zero);
            for p in (1..n).rev() {
                let own = (s[p] / v[p]).conj() + r.y_half[p] * v[p];
                let is = acc[p] + own;
                i_series[p] = is;
                let v_inner = v[r.parent[p]] / r.tap[p];
                acc[r.parent[p]] += (is + r.y_half[p] * v_inner) / r.tap[p].conj();
            }
            // Forward: voltages from the slack down.
            // Squared magnitudes in the loop (hypot is slow); one square root per sweep.
            let mut dv2_max: f64 = 0.0;
            let mut v2_min = f64::INFINITY;
            for p in 1..n {
                let new = v[r.parent[p]] / r.tap[p] - r.z[p] * i_series[p];
                let dv2 = (new - v[p]).norm_sqr();
                // A NaN takes the `!(… <= …)` branch, so it is never lost by a comparison.
                if !(dv2 <= dv2_max) {
                    dv2_max = if dv2.is_nan() { f64::INFINITY } else { dv2 };
                }
                v2_min = v2_min.min(new.norm_sqr());
                v[p] = new;
            }
            residual = dv2_max.sqrt();
            if !residual.is_finite() || !(v2_min >= 0.05 * 0.05) {
                return Err(fail(iterations, f64::INFINITY, "voltage collapse: the feeder cannot carry this load".into()));
            }
        }
        Ok(self.results(load, v, i_series, iterations, residual))
    }

    fn results(&self, load: &[BusPower], v: &[C64], i_series: &[C64], iterations: usize, residual_pu: f64) -> PowerFlow {
        let r = &self.radial;
        let spec = &self.spec;
        let n = r.order.len();
        let mut flow = PowerFlow {
            iterations,
            residual_pu,
            buses: vec![BusResult::default(); n],
            lines: vec![LineResult::default(); spec.lines.len()],
            transformers: vec![TransformerResult::default(); spec.transformers.len()],
            ..PowerFlow::default()
        };
        let mut slack_out = C64::new(0.0, 0.0);
        for p in 0..n {
            let b = r.order[p];
            flow.buses[b] = BusResult { vm_pu: v[p].norm(), va_degree: v[p].arg().to_degrees(), p_mw: load[b].p_mw, q_mvar: load[b].q_mvar };
            if p == 0 {
                continue;
            }
            let parent = r.parent[p];
            let v_inner = v[parent] / r.tap[p];
            let i_parent = (i_series[p] + r.y_half[p] * v_inner) / r.tap[p].conj();
            let i_child = i_series[p] - r.y_half[p] * v[p];
            // Into the branch at the parent end; out of it at the child end.
            let s_parent = v[parent] * i_parent.conj() * BASE_MVA;
            let s_child = v[p] * i_child.conj() * BASE_MVA;
            let loss = s_parent - s_child;
            flow.losses_mw += loss.re;
            flow.losses_mvar += loss.im;
            if parent == 0 {
                slack_out += s_parent;
            }
            let ia_parent = i_parent.norm() * r.i_base_ka[parent];
            let ia_child = i_child.norm() * r.i_base_ka[p];
            match r.branch[p] {
                Branch::Line { index, reversed } => {
                    let (s_from, s_to, i_from, i_to) = if reversed {
                        (-s_child, s_parent, ia_child, ia_parent)
                    } else {
                        (s_parent, -s_child, ia_parent, ia_child)
                    };
                    let max_i = spec.lines[index].max_i_ka;
                    flow.lines[index] = LineResult {
                        p_from_mw: s_from.re,
                        q_from_mvar: s_from.im,
                        p_to_mw: s_to.re,
                        q_to_mvar: s_to.im,
                        i_from_ka: i_from,
                        i_to_ka: i_to,
                        loading_percent: i_from.max(i_to) / max_i * 100.0,
                        pl_mw: loss.re,
                        ql_mvar: loss.im,
                    };
                }
                Branch::Transformer { index } => {
                    let t = &spec.transformers[index];
                    let i_hv_rated = t.sn_mva / (3f64.sqrt() * t.vn_hv_kv);
                    let i_lv_rated = t.sn_mva / (3f64.sqrt() * t.vn_lv_kv);
                    flow.transformers[index] = TransformerResult {
                        p_hv_mw: s_parent.re,
                        q_hv_mvar: s_parent.im,
                        p_lv_mw: -s_child.re,
                        q_lv_mvar: -s_child.im,
                        i_hv_ka: ia_parent,
                        i_lv_ka: ia_child,
                        loading_percent: (ia_parent / i_hv_rated).max(ia_child / i_lv_rated) * 100.0,
                        pl_mw: loss.re,
                        ql_mvar: loss.im,
                    };
                }
            }
        }
        let slack = r.order[0];
        flow.slack_p_mw = slack_out.re + load[slack].p_mw;
        flow.slack_q_mvar = slack_out.im + load[slack].q_mvar;
        flow.buses[slack].p_mw = -flow.slack_p_mw + load[slack].p_mw;
        flow.buses[slack].q_mvar = -flow.slack_q_mvar + load[slack].q_mvar;
        flow
    }
}
