//! A checked radial feeder: every value validated, every bus reached from the slack by
//! exactly one path, and the per-unit branch data the sweep needs laid out in its order.

use std::collections::{HashMap, HashSet, VecDeque};
use std::f64::consts::PI;
use std::fmt;

use num_complex::Complex64 as C64;

use crate::file::FeederSpec;

/// System base power of the per-unit system (pandapower's default `sn_mva`).
pub const BASE_MVA: f64 = 1.0;

#[derive(Clone, Debug, PartialEq)]
pub enum FeederError {
    /// A value of the description is missing, malformed or impossible; `field` is its path.
    Field { field: String, message: String },
    /// The branches close a loop: `buses` and `branches` name it in order around the loop.
    Meshed { buses: Vec<String>, branches: Vec<String> },
    /// These buses cannot be reached from the slack.
    Disconnected { buses: Vec<String> },
}

impl fmt::Display for FeederError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeederError::Field { field, message } if field.is_empty() => write!(f, "feeder: {message}"),
            FeederError::Field { field, message } => write!(f, "feeder field {field}: {message}"),
            FeederError::Meshed { buses, branches } => {
                write!(f, "meshed topology, not radial: loop ")?;
                for (b, br) in buses.iter().zip(branches) {
                    write!(f, "{b} -[{br}]- ")?;
                }
                write!(f, "{}", buses[0])
            }
            FeederError::Disconnected { buses } => {
                let shown: Vec<&str> = buses.iter().take(10).map(String::as_str).collect();
                write!(f, "{} bus(es) not connected to the slack: {}", buses.len(), shown.join(", "))?;
                if buses.len() > 10 {
                    write!(f, ", …")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FeederError {}

fn field(field: impl Into<String>, message: impl Into<String>) -> FeederError {
    FeederError::Field { field: field.into(), message: message.into() }
}

/// Which element feeds a bus from its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branch {
    /// A line; `reversed` when the line's `to_bus` is the parent side.
    Line { index: usize, reversed: bool },
    Transformer { index: usize },
}

/// A feeder checked and ready for power flows. Bus, line and transformer indices are those
/// of `spec`'s lists.
#[derive(Clone, Debug)]
pub struct Feeder {
    pub spec: FeederSpec,
    pub slack_bus: usize,
    /// Net load of the description (loads − generation) per bus, MW and Mvar.
    pub base_load: Vec<(f64, f64)>,
    /// Buses meters can be attached to, in the order meters are spread over them.
    pub customer_buses: Vec<usize>,
    pub(crate) radial: Radial,
}

/// The sweep's arrays, by position in breadth-first order from the slack (position 0).
#[derive(Clone, Debug)]
pub(crate) struct Radial {
    pub order: Vec<usize>,
    pub parent: Vec<usize>,
    pub branch: Vec<Branch>,
    /// Series impedance, p.u.
    pub z: Vec<C64>,
    /// Complex ratio at the parent side (ratio·e^{j·shift}); 1 for lines.
    pub tap: Vec<C64>,
    /// Half the shunt admittance at each end, behind the ideal ratio, p.u.
    pub y_half: Vec<C64>,
    /// Current base at each bus, kA.
    pub i_base_ka: Vec<f64>,
}

impl Feeder {
    pub fn from_json(text: &str) -> Result<Self, FeederError> {
        Self::new(FeederSpec::from_json(text)?)
    }

    pub fn new(spec: FeederSpec) -> Result<Self, FeederError> {
        let n = spec.buses.len();
        if n == 0 {
            return Err(field("buses", "a feeder needs at least one bus"));
        }
        if !(spec.f_hz.is_finite() && spec.f_hz > 0.0) {
            return Err(field("f_hz", format!("must be > 0, got {}", spec.f_hz)));
        }
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, b) in spec.buses.iter().enumerate() {
            let at = |f: &str| format!("buses[{i}].{f}");
            if b.id.is_empty() {
                return Err(field(at("id"), "must not be empty"));
            }
            if index.insert(b.id.as_str(), i).is_some() {
                return Err(field(at("id"), format!("duplicate bus id {:?}", b.id)));
            }
            positive(&at("vn_kv"), b.vn_kv)?;
            match (b.lon, b.lat) {
                (Some(lon), Some(lat)) => {
                    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                        return Err(field(at("lon"), format!("must be within [-180, 180], got {lon}")));
                    }
                    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                        return Err(field(at("lat"), format!("must be within [-90, 90], got {lat}")));
                    }
                }
                (Some(_), None) => return Err(field(at("lat"), "missing: lon is given, give both or neither")),
                (None, Some(_)) => return Err(field(at("lon"), "missing: lat is given, give both or neither")),
                (None, None) => {}
            }
        }
        let bus = |path: String, id: &str| -> Result<usize, FeederError> {
            index.get(id).copied().ok_or_else(|| field(path, format!("unknown bus {id:?}")))
        };
        let slack_bus = bus("slack.bus".into(), &spec.slack.bus)?;
        positive("slack.vm_pu", spec.slack.vm_pu)?;
        finite("slack.va_degree", spec.slack.va_degree)?;

        let mut branch_ids: HashSet<&str> = HashSet::new();
        // Edges of the graph: (bus a, bus b, branch).
        let mut edges: Vec<(usize, usize, Branch)> = Vec::new();
        for (i, l) in spec.lines.iter().enumerate() {
            let at = |f: &str| format!("lines[{i}].{f}");
            if l.id.is_empty() {
                return Err(field(at("id"), "must not be empty"));
            }
            if !branch_ids.insert(l.id.as_str()) {
                return Err(field(at("id"), format!("duplicate branch id {:?}", l.id)));
            }
            let from = bus(at("from_bus"), &l.from_bus)?;
            let to = bus(at("to_bus"), &l.to_bus)?;
            if from == to {
                return Err(field(at("to_bus"), format!("the line starts and ends at bus {:?}", l.to_bus)));
            }
            positive(&at("length_km"), l.length_km)?;
            non_negative(&at("r_ohm_per_km"), l.r_ohm_per_km)?;
            non_negative(&at("x_ohm_per_km"), l.x_ohm_per_km)?;
            non_negative(&at("c_nf_per_km"), l.c_nf_per_km)?;
            positive(&at("max_i_ka"), l.max_i_ka)?;
            let (vf, vt) = (spec.buses[from].vn_kv, spec.buses[to].vn_kv);
            if (vf - vt).abs() > 1e-9 * vf {
                return Err(field(
                    at("to_bus"),
                    format!("a line joins buses of one voltage: {:?} is {vf} kV, {:?} is {vt} kV", l.from_bus, l.to_bus),
                ));
            }
            edges.push((from, to, Branch::Line { index: i, reversed: false }));
        }
        for (i, t) in spec.transformers.iter().enumerate() {
            let at = |f: &str| format!("transformers[{i}].{f}");
            if t.id.is_empty() {
                return Err(field(at("id"), "must not be empty"));
            }
            if !branch_ids.insert(t.id.as_str()) {
                return Err(field(at("id"), format!("duplicate branch id {:?}", t.id)));
            }
            let hv = bus(at("hv_bus"), &t.hv_bus)?;
            let lv = bus(at("lv_bus"), &t.lv_bus)?;
            if hv == lv {
                return Err(field(at("lv_bus"), format!("the transformer starts and ends at bus {:?}", t.lv_bus)));
            }
            positive(&at("sn_mva"), t.sn_mva)?;
            positive(&at("vn_hv_kv"), t.vn_hv_kv)?;
            positive(&at("vn_lv_kv"), t.vn_lv_kv)?;
            positive(&at("vk_percent"), t.vk_percent)?;
            non_negative(&at("vkr_percent"), t.vkr_percent)?;
            if t.vkr_percent > t.vk_percent {
                return Err(field(at("vkr_percent"), format!("must not exceed vk_percent ({} > {})", t.vkr_percent, t.vk_percent)));
            }
            non_negative(&at("pfe_kw"), t.pfe_kw)?;
            non_negative(&at("i0_percent"), t.i0_percent)?;
            finite(&at("shift_degree"), t.shift_degree)?;
            edges.push((hv, lv, Branch::Transformer { index: i }));
        }
        let mut base_load = vec![(0.0, 0.0); n];
        for (list, sign, name) in [(&spec.loads, 1.0, "loads"), (&spec.generation, -1.0, "generation")] {
            for (i, p) in list.iter().enumerate() {
                let b = bus(format!("{name}[{i}].bus"), &p.bus)?;
                finite(&format!("{name}[{i}].p_mw"), p.p_mw)?;
                finite(&format!("{name}[{i}].q_mvar"), p.q_mvar)?;
                base_load[b].0 += sign * p.p_mw;
                base_load[b].1 += sign * p.q_mvar;
            }
        }

        let radial = radial(&spec, slack_bus, &edges)?;

        let mut customer_buses: Vec<usize> = Vec::new();
        let explicit = spec.buses.iter().any(|b| b.customer.is_some());
        for &b in &radial.order {
            let is_customer = if explicit {
                spec.buses[b].customer == Some(true)
            } else if !spec.loads.is_empty() {
                spec.loads.iter().any(|l| index[l.bus.as_str()] == b)
            } else {
                b != slack_bus && spec.buses[b].vn_kv < 1.0
            };
            if is_customer {
                customer_buses.push(b);
            }
        }
        if customer_buses.is_empty() {
            // A feeder with nowhere to attach meters still attaches them: at the slack.
            customer_buses.push(slack_bus);
        }
        Ok(Feeder { spec, slack_bus, base_load, customer_buses, radial })
    }

    pub fn bus_count(&self) -> usize {
        self.spec.buses.len()
    }

    /// The bus each of `meters` meters is attached to: spread evenly, in order, over the
    /// customer buses.
    pub fn attach_meters(&self, meters: usize) -> Vec<usize> {
        let c = &self.customer_buses;
        // Contiguous blocks, so that meters numbered together sit on the same street.
        (0..meters).map(|m| c[m * c.len() / meters.max(1)]).collect()
    }

    /// The element feeding `bus` from the slack side (None for the slack).
    pub fn parent_branch(&self, bus: usize) -> Option<Branch> {
        let pos = self.radial.order.iter().position(|&b| b == bus)?;
        (pos > 0).then(|| self.radial.branch[pos])
    }

    pub fn branch_id(&self, branch: Branch) -> &str {
        match branch {
            Branch::Line { index, .. } => &self.spec.lines[index].id,
            Branch::Transformer { index } => &self.spec.transformers[index].id,
        }
    }
}

fn finite(path: &str, v: f64) -> Result<(), FeederError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(field(path, format!("must be a finite number, got {v}")))
    }
}

fn positive(path: &str, v: f64) -> Result<(), FeederError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(field(path, format!("must be > 0, got {v}")))
    }
}

fn non_negative(path: &str, v: f64) -> Result<(), FeederError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(field(path, format!("must be >= 0, got {v}")))
    }
}

/// Breadth-first from the slack. An edge that reaches an already reached bus closes a loop,
/// which is named by walking both ends up to their common ancestor.
fn radial(spec: &FeederSpec, slack: usize, edges: &[(usize, usize, Branch)]) -> Result<Radial, FeederError> {
    let n = spec.buses.len();
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, &(a, b, _)) in edges.iter().enumerate() {
        adjacent[a].push(e);
        adjacent[b].push(e);
    }
    const NONE: usize = usize::MAX;
    let mut parent_bus = vec![NONE; n];
    let mut parent_edge = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut queue = VecDeque::from([slack]);
    seen[slack] = true;
    while let Some(u) = queue.pop_front() {
        order.push(u);
        for &e in &adjacent[u] {
            if e == parent_edge[u] {
                continue;
            }
            let (a, b, _) = edges[e];
            let v = if a == u { b } else { a };
            if seen[v] {
                return Err(name_loop(spec, edges, &parent_bus, &parent_edge, u, v, e));
            }
            seen[v] = true;
            parent_bus[v] = u;
            parent_edge[v] = e;
            queue.push_back(v);
        }
    }
    if order.len() < n {
        let buses = (0..n).filter(|&b| !seen[b]).map(|b| spec.buses[b].id.clone()).collect();
        return Err(FeederError::Disconnected { buses });
    }

    let mut pos_of = vec![0usize; n];
    for (p, &b) in order.iter().enumerate() {
        pos_of[b] = p;
    }
    let one = C64::new(1.0, 0.0);
    let mut r = Radial {
        parent: vec![0; n],
        branch: vec![Branch::Transformer { index: usize::MAX }; n],
        z: vec![C64::new(0.0, 0.0); n],
        tap: vec![one; n],
        y_half: vec![C64::new(0.0, 0.0); n],
        i_base_ka: order.iter().map(|&b| BASE_MVA / (3f64.sqrt() * spec.buses[b].vn_kv)).collect(),
        order,
    };
    for p in 1..n {
        let b = r.order[p];
        let e = parent_edge[b];
        let (a, _, kind) = edges[e];
        r.parent[p] = pos_of[parent_bus[b]];
        match kind {
            Branch::Line { index, .. } => {
                let l = &spec.lines[index];
                let z_base = spec.buses[b].vn_kv.powi(2) / BASE_MVA;
                r.z[p] = C64::new(l.r_ohm_per_km, l.x_ohm_per_km) * l.length_km / z_base;
                let b_siemens = 2.0 * PI * spec.f_hz * l.c_nf_per_km * 1e-9 * l.length_km;
                r.y_half[p] = C64::new(0.0, b_siemens * z_base / 2.0);
                r.branch[p] = Branch::Line { index, reversed: a == b };
            }
            Branch::Transformer { index } => {
                let t = &spec.transformers[index];
                if a == b {
                    return Err(field(
                        format!("transformers[{index}].hv_bus"),
                        format!("the HV side must face the slack, but {:?} is fed through {:?}", t.hv_bus, t.lv_bus),
                    ));
                }
                let (hv_bus_kv, lv_bus_kv) = (spec.buses[parent_bus[b]].vn_kv, spec.buses[b].vn_kv);
                // pandapower: impedances on the transformer's LV rating, referred to the LV
                // bus's base; an off-nominal ratio sits on the HV side.
                let refer = (t.vn_lv_kv / lv_bus_kv).powi(2);
                let zk = t.vk_percent / 100.0 * BASE_MVA / t.sn_mva * refer;
                let rk = t.vkr_percent / 100.0 * BASE_MVA / t.sn_mva * refer;
                r.z[p] = C64::new(rk, (zk * zk - rk * rk).max(0.0).sqrt());
                let ratio = (t.vn_hv_kv / hv_bus_kv) / (t.vn_lv_kv / lv_bus_kv);
                r.tap[p] = C64::from_polar(ratio, t.shift_degree.to_radians());
                let pfe_mw = t.pfe_kw / 1000.0;
                let s0 = t.i0_percent / 100.0 * t.sn_mva;
                let bm = (s0 * s0 - pfe_mw * pfe_mw).max(0.0).sqrt();
                let ym = C64::new(pfe_mw, -bm) / BASE_MVA / refer;
                r.y_half[p] = ym / 2.0;
                r.branch[p] = Branch::Transformer { index };
            }
        }
    }
    Ok(r)
}

fn name_loop(
    spec: &FeederSpec,
    edges: &[(usize, usize, Branch)],
    parent_bus: &[usize],
    parent_edge: &[usize],
    u: usize,
    v: usize,
    closing: usize,
) -> FeederError {
    let up = |mut b: usize| {
        let mut path = vec![b];
        while parent_bus[b] != usize::MAX {
            b = parent_bus[b];
            path.push(b);
        }
        path
    };
    let (pu, pv) = (up(u), up(v));
    let on_v: HashSet<usize> = pv.iter().copied().collect();
    let lca = *pu.iter().find(|b| on_v.contains(b)).expect("both paths end at the slack");
    // Around the loop: lca … u, then the closing edge to v, then v … back to lca.
    let mut buses: Vec<usize> = pu.iter().copied().take_while(|&b| b != lca).collect();
    buses.push(lca);
    buses.reverse();
    let down_v: Vec<usize> = pv.iter().copied().take_while(|&b| b != lca).collect();
    let mut branches: Vec<usize> = buses[1..].iter().map(|&b| parent_edge[b]).collect();
    branches.push(closing);
    branches.extend(down_v.iter().map(|&b| parent_edge[b]));
    buses.extend(down_v.iter().copied());
    let id = |e: usize| match edges[e].2 {
        Branch::Line { index, .. } => spec.lines[index].id.clone(),
        Branch::Transformer { index } => spec.transformers[index].id.clone(),
    };
    FeederError::Meshed {
        buses: buses.iter().map(|&b| spec.buses[b].id.clone()).collect(),
        branches: branches.into_iter().map(id).collect(),
    }
}
