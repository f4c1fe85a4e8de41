//! Grid messages for the tile tests and the tile benchmark: a feeder's topology with meters
//! attached as the simulator attaches them, and a state whose every number is distinct and
//! derived from the element's position (so a test can tell which element a property came
//! from, and an older state from a newer one by `shift`).
use gridtokenx_telemetry::{
    BusStateV1, GridEventV1, GridFlowV1, GridStateV1, GridTopologyV1, LineStateV1, MeterAttachmentV1,
    TransformerStateV1, GRID_STATE_SCHEMA_V1, GRID_TOPOLOGY_SCHEMA_V1,
};

pub const ANCHOR: grid::Geo = grid::Geo { lon: 100.5018, lat: 13.7563 };

pub fn cigre() -> grid::FeederSpec {
    grid::cigre_lv(ANCHOR)
}

pub fn generated(meters: usize) -> grid::FeederSpec {
    grid::generated(meters, ANCHOR)
}

/// The topology with `meters` meters spread over the customer buses; every fifth is
/// decommissioned.
pub fn topology(spec: grid::FeederSpec, source: &str, meters: usize) -> GridTopologyV1 {
    let feeder = grid::Feeder::new(spec.clone()).expect("a valid feeder");
    let meters = feeder
        .attach_meters(meters)
        .into_iter()
        .enumerate()
        .map(|(i, bus)| MeterAttachmentV1 {
            meter_id: format!("{:064x}", i + 1),
            bus: spec.buses[bus].id.clone(),
            connected: i % 5 != 4,
        })
        .collect();
    GridTopologyV1 { schema: GRID_TOPOLOGY_SCHEMA_V1.into(), feeder: spec, source: source.into(), meters }
}

/// Connected meters per bus id.
pub fn meters_at(topology: &GridTopologyV1, bus: &str) -> u32 {
    topology.meters.iter().filter(|m| m.connected && m.bus == bus).count() as u32
}

pub fn state(topology: &GridTopologyV1, interval_start_ts: i64, shift: f64) -> GridStateV1 {
    let spec = &topology.feeder;
    let buses = spec
        .buses
        .iter()
        .enumerate()
        .map(|(i, b)| BusStateV1 {
            id: b.id.clone(),
            vm_pu: 0.95 + 0.001 * i as f64 + shift,
            va_degree: -0.1 * i as f64,
            // Even buses draw, odd ones export.
            p_mw: if i % 2 == 0 { 0.002 + 0.0001 * i as f64 } else { -0.003 - 0.0001 * i as f64 },
            q_mvar: 0.0,
            meters: meters_at(topology, &b.id),
        })
        .collect();
    let lines = spec
        .lines
        .iter()
        .enumerate()
        .map(|(j, l)| LineStateV1 {
            id: l.id.clone(),
            p_from_mw: 0.001 * j as f64,
            q_from_mvar: 0.0,
            p_to_mw: -0.001 * j as f64,
            q_to_mvar: 0.0,
            i_from_ka: 0.010 * j as f64,
            i_to_ka: 0.011 * j as f64,
            loading_percent: 0.5 + 2.5 * j as f64 + shift,
            pl_mw: 1e-6 * j as f64,
            ql_mvar: 0.0,
        })
        .collect();
    let transformers = spec
        .transformers
        .iter()
        .enumerate()
        .map(|(k, t)| TransformerStateV1 {
            id: t.id.clone(),
            // The first transformer exports (reverse flow), the others import.
            p_hv_mw: if k == 0 { -0.01 } else { 0.02 + 0.001 * k as f64 },
            q_hv_mvar: 0.0,
            p_lv_mw: 0.0,
            q_lv_mvar: 0.0,
            i_hv_ka: 0.0,
            i_lv_ka: 0.0,
            loading_percent: 50.0 + 10.0 * k as f64 + shift,
            pl_mw: 1e-4,
            ql_mvar: 0.0,
        })
        .collect();
    let last_bus = spec.buses.last().expect("a bus").id.clone();
    GridStateV1 {
        schema: GRID_STATE_SCHEMA_V1.into(),
        feeder: spec.name.clone(),
        interval_start_ts,
        interval_secs: 900,
        flow: Some(GridFlowV1 {
            iterations: 6,
            residual_pu: 1e-10,
            slack_p_mw: 0.1,
            slack_q_mvar: 0.01,
            losses_mw: 0.004,
            losses_mvar: 0.001,
            buses,
            lines,
            transformers,
        }),
        events: vec![
            GridEventV1::VoltageOutOfBand { bus: last_bus, vm_pu: 1.2, v_min_pu: 0.9, v_max_pu: 1.1 },
            GridEventV1::LineOverloaded {
                line: spec.lines[0].id.clone(),
                loading_percent: 120.0,
                max_loading_percent: 100.0,
            },
        ],
    }
}
