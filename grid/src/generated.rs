//! A radial feeder generated for a number of meters, shaped like a European suburban network:
//! a 20 kV bus with the external grid, 20 kV cable feeders of up to ten 400 kVA substations,
//! and from each substation three 0.4 kV cable feeders of ten street cabinets (buses) 35 m
//! apart, with four meters per cabinet. Line and transformer data are pandapower's standard
//! types ("NA2XS2Y 1x185 RM/25 12/20 kV", "NAYY 4x150 SE", "0.4 MVA 20/0.4 kV"), so the
//! shunt capacitance and the magnetizing branch are exercised too.

use std::f64::consts::PI;

use crate::file::{BusSpec, FeederSpec, LineSpec, SlackSpec, TransformerSpec};
use crate::Geo;

pub const METERS_PER_BUS: usize = 4;
pub const BUSES_PER_LV_FEEDER: usize = 10;
pub const LV_FEEDERS_PER_SUBSTATION: usize = 3;
pub const SUBSTATIONS_PER_MV_FEEDER: usize = 10;
const LV_SPAN_KM: f64 = 0.035;
const MV_SPAN_KM: f64 = 0.3;

/// A feeder with room for `meters` meters (at least one substation and one bus), spread
/// around `anchor`. Its customer buses are the street cabinets, in order, so
/// `Feeder::attach_meters(meters)` puts at most four meters on each.
pub fn generated(meters: usize, anchor: Geo) -> FeederSpec {
    let cabinets = meters.div_ceil(METERS_PER_BUS).max(1);
    let per_substation = BUSES_PER_LV_FEEDER * LV_FEEDERS_PER_SUBSTATION;
    let substations = cabinets.div_ceil(per_substation);
    let mv_feeders = substations.div_ceil(SUBSTATIONS_PER_MV_FEEDER);

    let geo_bus = |id: String, vn_kv: f64, geo: Geo, customer: bool| BusSpec {
        id,
        vn_kv,
        lon: Some(geo.lon),
        lat: Some(geo.lat),
        customer: Some(customer),
    };
    let mut buses = vec![geo_bus("MV".into(), 20.0, anchor, false)];
    let mut lines = Vec::new();
    let mut transformers = Vec::new();
    let mv_line = |id: String, from: String, to: String| LineSpec {
        id,
        from_bus: from,
        to_bus: to,
        length_km: MV_SPAN_KM,
        r_ohm_per_km: 0.161,
        x_ohm_per_km: 0.117,
        c_nf_per_km: 273.0,
        max_i_ka: 0.362,
    };
    let lv_line = |id: String, from: String, to: String| LineSpec {
        id,
        from_bus: from,
        to_bus: to,
        length_km: LV_SPAN_KM,
        r_ohm_per_km: 0.208,
        x_ohm_per_km: 0.08,
        c_nf_per_km: 261.0,
        max_i_ka: 0.27,
    };

    let mut placed = 0;
    for f in 0..mv_feeders {
        let heading = 2.0 * PI * f as f64 / mv_feeders as f64;
        let mut upstream = "MV".to_string();
        for s in 0..SUBSTATIONS_PER_MV_FEEDER {
            if placed == cabinets {
                break;
            }
            let d = MV_SPAN_KM * 1000.0 * (s + 1) as f64;
            let at = anchor.offset_m(d * heading.cos(), d * heading.sin());
            let mv = format!("F{f} S{s} MV");
            let lv = format!("F{f} S{s} LV");
            buses.push(geo_bus(mv.clone(), 20.0, at, false));
            buses.push(geo_bus(lv.clone(), 0.4, at, false));
            lines.push(mv_line(format!("F{f} MV {s}"), upstream.clone(), mv.clone()));
            transformers.push(TransformerSpec {
                id: format!("F{f} S{s} trafo"),
                hv_bus: mv.clone(),
                lv_bus: lv.clone(),
                sn_mva: 0.4,
                vn_hv_kv: 20.0,
                vn_lv_kv: 0.4,
                vk_percent: 6.0,
                vkr_percent: 1.425,
                pfe_kw: 1.35,
                i0_percent: 0.3375,
                shift_degree: 150.0,
            });
            upstream = mv;
            for k in 0..LV_FEEDERS_PER_SUBSTATION {
                // Streets leave the substation at right angles to the MV route and along it.
                let street = heading + PI / 2.0 * (k as f64 + 1.0);
                let mut from = lv.clone();
                for c in 0..BUSES_PER_LV_FEEDER {
                    if placed == cabinets {
                        break;
                    }
                    let d = LV_SPAN_KM * 1000.0 * (c + 1) as f64;
                    let id = format!("F{f} S{s} L{k} B{c}");
                    buses.push(geo_bus(id.clone(), 0.4, at.offset_m(d * street.cos(), d * street.sin()), true));
                    lines.push(lv_line(format!("F{f} S{s} L{k} {c}"), from, id.clone()));
                    from = id;
                    placed += 1;
                }
            }
        }
    }
    FeederSpec {
        name: format!("generated feeder for {meters} meters"),
        f_hz: 50.0,
        slack: SlackSpec { bus: "MV".into(), vm_pu: 1.0, va_degree: 0.0 },
        buses,
        lines,
        transformers,
        loads: Vec::new(),
        generation: Vec::new(),
    }
}
