//! The CIGRE European LV benchmark network: CIGRE Task Force C6.04.02, "Benchmark Systems for
//! Network Integration of Renewable and Distributed Energy Resources", TB 575 (2014), §5.2.
//! The data are those of pandapower's `pandapower.networks.create_cigre_network_lv()`
//! (pandapower 3.5.6, `pandapower/networks/cigre_networks.py`): residential (R), industrial
//! (I) and commercial (C) feeders, each behind its own 20/0.4 kV transformer from one 20 kV
//! bus where the external grid sits. As in pandapower: the line ratings are 1 kA (the
//! report gives none) and the loads are the report's peak loads. pandapower's 20 kV buses
//! R0, I0 and C0 hang on Bus 0 through closed breakers (S1–S3), so here they are Bus 0 itself.

use crate::file::{BusSpec, FeederSpec, LineSpec, PowerSpec, SlackSpec, TransformerSpec};
use crate::Geo;

/// Line types: r, x in Ω/km (c = 0 in the report), by name.
const TYPES: [(&str, f64, f64); 6] = [
    ("UG1", 0.162, 0.0832),
    ("UG2", 0.2647, 0.0823),
    ("UG3", 0.822, 0.0847),
    ("OH1", 0.4917, 0.2847),
    ("OH2", 1.3207, 0.321),
    ("OH3", 2.0167, 0.3343),
];

/// (from, to, length km, type), bus names without the "Bus " prefix.
const LINES: [(&str, &str, f64, &str); 37] = [
    ("R1", "R2", 0.035, "UG1"),
    ("R2", "R3", 0.035, "UG1"),
    ("R3", "R4", 0.035, "UG1"),
    ("R4", "R5", 0.035, "UG1"),
    ("R5", "R6", 0.035, "UG1"),
    ("R6", "R7", 0.035, "UG1"),
    ("R7", "R8", 0.035, "UG1"),
    ("R8", "R9", 0.035, "UG1"),
    ("R9", "R10", 0.035, "UG1"),
    ("R3", "R11", 0.030, "UG3"),
    ("R4", "R12", 0.035, "UG3"),
    ("R12", "R13", 0.035, "UG3"),
    ("R13", "R14", 0.035, "UG3"),
    ("R14", "R15", 0.030, "UG3"),
    ("R6", "R16", 0.030, "UG3"),
    ("R9", "R17", 0.030, "UG3"),
    ("R10", "R18", 0.030, "UG3"),
    ("I1", "I2", 0.2, "UG2"),
    ("C1", "C2", 0.030, "OH1"),
    ("C2", "C3", 0.030, "OH1"),
    ("C3", "C4", 0.030, "OH1"),
    ("C4", "C5", 0.030, "OH1"),
    ("C5", "C6", 0.030, "OH1"),
    ("C6", "C7", 0.030, "OH1"),
    ("C7", "C8", 0.030, "OH1"),
    ("C8", "C9", 0.030, "OH1"),
    ("C3", "C10", 0.030, "OH2"),
    ("C10", "C11", 0.030, "OH2"),
    ("C11", "C12", 0.030, "OH3"),
    ("C11", "C13", 0.030, "OH3"),
    ("C10", "C14", 0.030, "OH3"),
    ("C5", "C15", 0.030, "OH2"),
    ("C15", "C16", 0.030, "OH2"),
    ("C15", "C17", 0.030, "OH3"),
    ("C16", "C18", 0.030, "OH3"),
    ("C8", "C19", 0.030, "OH3"),
    ("C9", "C20", 0.030, "OH3"),
];

/// (name, LV bus, sn MVA, vkr %, vk %); 20/0.4 kV, Dyn1 (30°), no magnetizing branch.
const TRANSFORMERS: [(&str, &str, f64, f64, f64); 3] = [
    ("Trafo R0-R1", "R1", 0.5, 1.0, 4.123106),
    ("Trafo I0-I1", "I1", 0.15, 1.003125, 4.126896),
    ("Trafo C0-C1", "C1", 0.3, 0.993750, 4.115529),
];

/// Peak loads (bus, P MW, Q Mvar): cos φ 0.95 residential, 0.85 industrial, 0.9 commercial.
pub const LOADS: [(&str, f64, f64); 15] = [
    ("R1", 0.19, 0.062449980),
    ("R11", 0.01425, 0.004683748),
    ("R15", 0.0494, 0.016236995),
    ("R16", 0.05225, 0.017173744),
    ("R17", 0.03325, 0.010928746),
    ("R18", 0.04465, 0.014675745),
    ("I2", 0.0850, 0.052678269),
    ("C1", 0.1080, 0.052306787),
    ("C12", 0.018, 0.008717798),
    ("C13", 0.018, 0.008717798),
    ("C14", 0.0225, 0.010897247),
    ("C17", 0.0225, 0.010897247),
    ("C18", 0.0072, 0.003487119),
    ("C19", 0.0144, 0.006974238),
    ("C20", 0.0072, 0.003487119),
];

/// pandapower's schematic coordinates (x, y) of the LV buses, one unit drawn as 35 m.
const XY: [(&str, f64, f64); 41] = [
    ("0", 0.2, 1.0),
    ("R1", -1.4583333333, 2.0),
    ("R2", -1.4583333333, 3.0),
    ("R3", -1.4583333333, 4.0),
    ("R4", -1.9583333333, 5.0),
    ("R5", -2.7083333333, 6.0),
    ("R6", -2.7083333333, 7.0),
    ("R7", -3.2083333333, 8.0),
    ("R8", -3.2083333333, 9.0),
    ("R9", -3.2083333333, 10.0),
    ("R10", -3.7083333333, 11.0),
    ("R11", -0.9583333333, 5.0),
    ("R12", -1.2083333333, 6.0),
    ("R13", -1.2083333333, 7.0),
    ("R14", -1.2083333333, 8.0),
    ("R15", -1.2083333333, 9.0),
    ("R16", -2.2083333333, 8.0),
    ("R17", -2.7083333333, 11.0),
    ("R18", -3.7083333333, 12.0),
    ("I1", 0.2, 2.0),
    ("I2", 0.2, 3.0),
    ("C1", 1.9166666667, 2.0),
    ("C2", 1.9166666667, 3.0),
    ("C3", 1.9166666667, 4.0),
    ("C4", 0.5416666667, 5.0),
    ("C5", 0.5416666667, 6.0),
    ("C6", -0.2083333333, 7.0),
    ("C7", -0.2083333333, 8.0),
    ("C8", -0.2083333333, 9.0),
    ("C9", -0.7083333333, 10.0),
    ("C10", 3.2916666667, 5.0),
    ("C11", 2.7916666667, 6.0),
    ("C12", 2.2916666667, 7.0),
    ("C13", 3.2916666667, 7.0),
    ("C14", 3.7916666667, 6.0),
    ("C15", 1.2916666667, 7.0),
    ("C16", 0.7916666667, 8.0),
    ("C17", 1.7916666667, 8.0),
    ("C18", 0.7916666667, 9.0),
    ("C19", 0.2916666667, 10.0),
    ("C20", -0.7083333333, 11.0),
];

const UNIT_M: f64 = 35.0;

fn bus(name: &str) -> String {
    format!("Bus {name}")
}

/// The whole CIGRE LV network (three feeders) with its peak loads, drawn with Bus 0 at
/// `anchor` (the report's layout is a schematic; north is up, one unit 35 m).
pub fn cigre_lv(anchor: Geo) -> FeederSpec {
    let buses = XY
        .iter()
        .map(|&(name, x, y)| {
            let geo = anchor.offset_m(x * UNIT_M, -(y - 1.0) * UNIT_M);
            BusSpec { id: bus(name), vn_kv: if name == "0" { 20.0 } else { 0.4 }, lon: Some(geo.lon), lat: Some(geo.lat), customer: None }
        })
        .collect();
    let lines = LINES
        .iter()
        .map(|&(from, to, length_km, ty)| {
            let &(_, r, x) = TYPES.iter().find(|t| t.0 == ty).expect("a listed type");
            LineSpec {
                id: format!("Line {from}-{to}"),
                from_bus: bus(from),
                to_bus: bus(to),
                length_km,
                r_ohm_per_km: r,
                x_ohm_per_km: x,
                c_nf_per_km: 0.0,
                max_i_ka: 1.0,
            }
        })
        .collect();
    let transformers = TRANSFORMERS
        .iter()
        .map(|&(name, lv, sn_mva, vkr_percent, vk_percent)| TransformerSpec {
            id: name.into(),
            hv_bus: bus("0"),
            lv_bus: bus(lv),
            sn_mva,
            vn_hv_kv: 20.0,
            vn_lv_kv: 0.4,
            vk_percent,
            vkr_percent,
            pfe_kw: 0.0,
            i0_percent: 0.0,
            shift_degree: 30.0,
        })
        .collect();
    let loads = LOADS.iter().map(|&(b, p_mw, q_mvar)| PowerSpec { bus: bus(b), p_mw, q_mvar }).collect();
    FeederSpec {
        name: "CIGRE LV".into(),
        f_hz: 50.0,
        slack: SlackSpec { bus: bus("0"), vm_pu: 1.0, va_degree: 0.0 },
        buses,
        lines,
        transformers,
        loads,
        generation: Vec::new(),
    }
}
