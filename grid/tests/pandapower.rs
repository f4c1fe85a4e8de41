//! Our power flow against pandapower's on the same networks with the same loads and
//! generation: bus voltages within 0.001 p.u., line and transformer loadings within 0.5 %
//! (relative) of pandapower's. pandapower (PyPI) lives in the project's venv
//! (scripts/python-venv.sh, run here when the venv lacks it); it is a test tool only.
//!
//! The CIGRE LV cases use pandapower's own `create_cigre_network_lv()`, so they check our
//! copy of the CIGRE data as well as the physics. The generated-feeder case builds our spec
//! in pandapower element by element and checks line capacitance and the transformer's
//! magnetizing branch (pandapower's `trafo_model="pi"`, the model we implement; CIGRE's
//! transformers have no magnetizing branch, where "t" and "pi" coincide).

use std::path::PathBuf;

use grid::{cigre_lv, generated, BusPower, Feeder, FeederSpec, Options, PowerFlow, DEFAULT_ANCHOR};
use serde_json::{json, Value};

const V_TOL_PU: f64 = 0.001;
const LOADING_TOL: f64 = 0.005;

struct Case {
    name: &'static str,
    feeder: Feeder,
    network: Value,
    trafo_model: &'static str,
    /// (bus, p_mw, q_mvar)
    loads: Vec<(String, f64, f64)>,
    sgens: Vec<(String, f64, f64)>,
}

impl Case {
    fn bus_power(&self) -> Vec<BusPower> {
        let mut power = vec![BusPower::default(); self.feeder.bus_count()];
        let index = |id: &str| self.feeder.spec.buses.iter().position(|b| b.id == id).unwrap_or_else(|| panic!("bus {id}"));
        for (b, p, q) in &self.loads {
            power[index(b)].p_mw += p;
            power[index(b)].q_mvar += q;
        }
        for (b, p, q) in &self.sgens {
            power[index(b)].p_mw -= p;
            power[index(b)].q_mvar -= q;
        }
        power
    }
}

fn cigre_loads(scale: impl Fn(&str) -> f64) -> Vec<(String, f64, f64)> {
    let spec = cigre_lv(DEFAULT_ANCHOR);
    spec.loads.iter().map(|l| (l.bus.clone(), l.p_mw * scale(&l.bus), l.q_mvar * scale(&l.bus))).collect()
}

fn cigre_case(name: &'static str, loads: Vec<(String, f64, f64)>, sgens: Vec<(String, f64, f64)>) -> Case {
    Case { name, feeder: Feeder::new(cigre_lv(DEFAULT_ANCHOR)).unwrap(), network: json!("cigre-lv"), trafo_model: "t", loads, sgens }
}

fn cases() -> Vec<Case> {
    let pv = |buses: &[&str], p_mw: f64, q_mvar: f64| -> Vec<(String, f64, f64)> {
        buses.iter().map(|b| (format!("Bus {b}"), p_mw, q_mvar)).collect()
    };
    let residential = ["R11", "R15", "R16", "R17", "R18"];
    let commercial = ["C12", "C13", "C14", "C17", "C18", "C19", "C20"];
    let mut cases = vec![
        // Evening/night peak: the report's peak loads everywhere, no sun.
        cigre_case("night peak load", cigre_loads(|_| 1.0), vec![]),
        // Noon: light load, rooftop PV well above it at every customer bus: the feeders
        // export through their transformers (checked below).
        cigre_case("noon PV surplus (reverse flow)", cigre_loads(|_| 0.25), {
            let mut g = pv(&residential, 0.09, 0.0);
            g.extend(pv(&commercial, 0.04, 0.0));
            g.extend(pv(&["I2"], 0.12, 0.0));
            g
        }),
        // Mixed: residential half loaded with some PV absorbing reactive power (cos φ 0.95
        // inductive), commercial at peak, industry exporting.
        cigre_case(
            "mixed",
            cigre_loads(|b| if b.starts_with("Bus R") { 0.5 } else if b.starts_with("Bus C") { 1.0 } else { 0.4 }),
            {
                let mut g = pv(&["R15", "R18"], 0.06, -0.0197);
                g.extend(pv(&["C12", "C20"], 0.015, 0.0));
                g.extend(pv(&["I2"], 0.15, 0.0));
                g
            },
        ),
        // Stressed: twice the peak load, voltages far below the band, transformers overloaded.
        cigre_case("stressed (2x peak)", cigre_loads(|_| 2.0), vec![]),
    ];
    // A generated feeder (cables with capacitance, transformers with iron losses), some
    // streets importing and some exporting.
    let spec = generated(200, DEFAULT_ANCHOR);
    let feeder = Feeder::new(spec.clone()).unwrap();
    let mut loads = Vec::new();
    let mut sgens = Vec::new();
    for (i, &b) in feeder.customer_buses.iter().enumerate() {
        let id = feeder.spec.buses[b].id.clone();
        loads.push((id.clone(), 0.004 + 0.002 * (i % 5) as f64, 0.0015));
        if i % 3 == 0 {
            sgens.push((id, 0.012, 0.0));
        }
    }
    cases.push(Case {
        name: "generated 200 meters",
        feeder,
        network: serde_json::to_value(&spec).unwrap(),
        trafo_model: "pi",
        loads,
        sgens,
    });
    cases
}

fn pandapower(cases: &[Case]) -> Vec<Value> {
    let input = json!({
        "cases": cases.iter().map(|c| json!({
            "network": c.network,
            "trafo_model": c.trafo_model,
            "loads": c.loads,
            "sgens": c.sgens,
        })).collect::<Vec<_>>()
    });
    let v = reference::run(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pandapower_ref.py"), &input);
    v["results"].as_array().expect("pandapower_ref.py returns results").clone()
}

#[derive(Default)]
struct Worst {
    what: String,
    ours: f64,
    theirs: f64,
    err: f64,
}

impl Worst {
    fn see(&mut self, what: &str, ours: f64, theirs: f64, err: f64) {
        if err > self.err || self.what.is_empty() {
            *self = Worst { what: what.into(), ours, theirs, err };
        }
    }
}

/// Relative error of a loading, guarded for unloaded branches.
fn rel(ours: f64, theirs: f64) -> f64 {
    (ours - theirs).abs() / theirs.abs().max(1e-3)
}

#[test]
fn matches_pandapower() {
    let cases = cases();
    let reference = pandapower(&cases);
    let mut failures = Vec::new();
    println!("{:<32} {:>12} {:>12} {:>12} {:>12} {:>10}", "case", "max dV p.u.", "max dθ °", "line ld rel", "trafo ld rel", "losses rel");
    for (case, pp) in cases.iter().zip(&reference) {
        let flow: PowerFlow = case.feeder.solve(&case.bus_power(), &Options::default()).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let spec: &FeederSpec = &case.feeder.spec;
        let (mut v, mut a, mut l, mut t) = (Worst::default(), Worst::default(), Worst::default(), Worst::default());
        for (i, bus) in spec.buses.iter().enumerate() {
            let r = &pp["buses"][&bus.id];
            let (vm, va) = (r[0].as_f64().unwrap(), r[1].as_f64().unwrap());
            v.see(&bus.id, flow.buses[i].vm_pu, vm, (flow.buses[i].vm_pu - vm).abs());
            a.see(&bus.id, flow.buses[i].va_degree, va, (flow.buses[i].va_degree - va).abs());
        }
        for (i, line) in spec.lines.iter().enumerate() {
            let theirs = pp["lines"][&line.id][0].as_f64().unwrap();
            l.see(&line.id, flow.lines[i].loading_percent, theirs, rel(flow.lines[i].loading_percent, theirs));
        }
        for (i, tr) in spec.transformers.iter().enumerate() {
            let theirs = pp["transformers"][&tr.id][0].as_f64().unwrap();
            t.see(&tr.id, flow.transformers[i].loading_percent, theirs, rel(flow.transformers[i].loading_percent, theirs));
        }
        let pp_losses = pp["losses_mw"].as_f64().unwrap();
        let losses_err = rel(flow.losses_mw, pp_losses);
        println!("{:<32} {:>12.2e} {:>12.2e} {:>12.2e} {:>12.2e} {:>10.2e}", case.name, v.err, a.err, l.err, t.err, losses_err);
        println!(
            "    worst bus {} ({:.6} vs {:.6}), worst line {} ({:.4} % vs {:.4} %), losses {:.6} vs {:.6} MW",
            v.what, v.ours, v.theirs, l.what, l.ours, l.theirs, flow.losses_mw, pp_losses
        );
        if v.err > V_TOL_PU {
            failures.push(format!("{}: bus {} at {:.6} p.u., pandapower {:.6} (|Δ| {:.2e} > {V_TOL_PU})", case.name, v.what, v.ours, v.theirs, v.err));
        }
        if a.err > 0.01 {
            failures.push(format!("{}: bus {} angle {:.4}°, pandapower {:.4}°", case.name, a.what, a.ours, a.theirs));
        }
        if l.err > LOADING_TOL {
            failures.push(format!("{}: line {} loading {:.4} %, pandapower {:.4} % (rel {:.2e} > {LOADING_TOL})", case.name, l.what, l.ours, l.theirs, l.err));
        }
        if t.err > LOADING_TOL {
            failures.push(format!("{}: transformer {} loading {:.4} %, pandapower {:.4} %", case.name, t.what, t.ours, t.theirs));
        }
        if losses_err > LOADING_TOL {
            failures.push(format!("{}: losses {:.6} MW, pandapower {:.6} MW", case.name, flow.losses_mw, pp_losses));
        }
        if case.name.starts_with("noon") {
            for tr in ["Trafo R0-R1", "Trafo C0-C1", "Trafo I0-I1"] {
                let i = spec.transformers.iter().position(|t| t.id == tr).unwrap();
                let theirs = pp["transformers"][tr][1].as_f64().unwrap();
                assert!(flow.transformers[i].p_hv_mw < 0.0 && theirs < 0.0, "{tr} must export at noon: ours {} MW, pandapower {theirs} MW", flow.transformers[i].p_hv_mw);
            }
        }
    }
    assert!(failures.is_empty(), "differences from pandapower:\n{}", failures.join("\n"));
}
