//! The grid as MVT layers: `buses`, `lines`, `transformers` and `meters`, each feature with
//! its latest state as properties. The layer list here (fields and zoom range) is also the
//! TileJSON's `vector_layers`, so the document and the tiles cannot disagree.
use std::collections::{HashMap, HashSet};

use gridtokenx_telemetry::GridEventV1;

use super::mercator::{clip_point, clip_segment, TileId};
use super::mvt::{LayerBuilder, Prop};
use super::vector_tile::Tile;
use crate::StoredFeeder;

/// A layer: its name, the shallowest zoom it is drawn at, and its fields as
/// (name, TileJSON type, meaning).
pub struct LayerSpec {
    pub name: &'static str,
    pub minzoom: u8,
    pub fields: &'static [(&'static str, &'static str, &'static str)],
}

/// Meters are drawn from this zoom on (a tile ~2.4 km a side at the equator, where map tile
/// servers start drawing house-level detail). They sit on their bus, so at shallower zooms
/// a tile would stack thousands of identical points (a 10,000-meter feeder's whole-feeder
/// tile was 1.5 MB, two thirds of it meter ids): there the `buses` layer stands for them,
/// with each bus's connected `meters` and their `net_production_kw`.
pub const METERS_MIN_ZOOM: u8 = 14;

pub const LAYERS: [LayerSpec; 4] = [
    LayerSpec {
        name: "buses",
        minzoom: 0,
        fields: &[
            ("id", "String", "bus id"),
            ("feeder", "String", "feeder name"),
            ("vn_kv", "Number", "nominal voltage, kV"),
            ("slack", "Boolean", "the external grid's bus"),
            ("vm_pu", "Number", "voltage magnitude, p.u. (latest state)"),
            ("va_degree", "Number", "voltage angle, degrees"),
            ("net_production_kw", "Number", "generation − load at the bus, kW (negative: it draws)"),
            ("meters", "Number", "connected meters at the bus"),
            ("out_of_band", "Boolean", "the voltage is outside the band (an event)"),
        ],
    },
    LayerSpec {
        name: "lines",
        minzoom: 0,
        fields: &[
            ("id", "String", "line id"),
            ("feeder", "String", "feeder name"),
            ("from_bus", "String", "bus id"),
            ("to_bus", "String", "bus id"),
            ("length_km", "Number", "length, km"),
            ("max_i_ka", "Number", "rating, kA"),
            ("loading_percent", "Number", "larger end current over the rating, %"),
            ("i_ka", "Number", "larger end current, kA"),
            (
                "p_from_mw",
                "Number",
                "power into the line at from_bus, MW (negative: it flows towards from_bus)",
            ),
            ("pl_mw", "Number", "losses, MW"),
            ("overloaded", "Boolean", "above the loading limit (an event)"),
        ],
    },
    LayerSpec {
        name: "transformers",
        minzoom: 0,
        fields: &[
            ("id", "String", "transformer id"),
            ("feeder", "String", "feeder name"),
            ("hv_bus", "String", "bus id"),
            ("lv_bus", "String", "bus id (where the point is drawn)"),
            ("sn_mva", "Number", "rated power, MVA"),
            ("loading_percent", "Number", "larger side current over its rating, %"),
            ("p_hv_mw", "Number", "power into the HV side, MW (negative: reverse flow)"),
            ("pl_mw", "Number", "losses, MW"),
            ("reverse_flow", "Boolean", "the LV network exports to MV"),
            ("overloaded", "Boolean", "above the loading limit (an event)"),
        ],
    },
    LayerSpec {
        name: "meters",
        minzoom: METERS_MIN_ZOOM,
        fields: &[
            ("meter_id", "String", "the meter's 32-byte id, hex"),
            ("feeder", "String", "feeder name"),
            ("bus", "String", "bus id (where the point is drawn)"),
            ("connected", "Boolean", "false once decommissioned"),
            ("net_production_kw", "Number", "the bus's net production shared over its connected meters, kW"),
        ],
    },
];

fn s(v: &str) -> Option<Prop<'_>> {
    Some(Prop::Str(v))
}
fn n(v: f64) -> Option<Prop<'static>> {
    Some(Prop::Num(v))
}

/// Draws every feeder's part in `tile`, each layer from its `minzoom`. Feature ids number
/// each layer's elements across the feeders in order (1-based), the same in every tile, so
/// a client can join tiles.
pub fn draw(feeders: &[StoredFeeder], tile: TileId) -> Tile {
    let [mut buses, mut lines, mut transformers, mut meters] = LAYERS.map(|l| LayerBuilder::new(l.name));
    let with_meters = tile.z >= METERS_MIN_ZOOM;
    let (mut bus_id, mut line_id, mut trafo_id, mut meter_id) = (0u64, 0u64, 0u64, 0u64);
    for f in feeders {
        let spec = &f.topology.feeder;
        let feeder = spec.name.as_str();
        // Bus index by id (lines, transformers and meters name their buses), and each bus's
        // position in the tile by index.
        let bus_index: HashMap<&str, usize> =
            spec.buses.iter().enumerate().map(|(i, b)| (b.id.as_str(), i)).collect();
        let at: Vec<Option<(f64, f64)>> =
            spec.buses.iter().map(|b| Some(tile.project(b.lon?, b.lat?))).collect();
        let position = |bus: &str| bus_index.get(bus).and_then(|&i| at[i]);
        let flow = f.flow.as_ref();
        let bus_state = in_order(&spec.buses, |b| &b.id, flow.map_or(&[][..], |f| &f.buses), |s| &s.id);
        let line_state = in_order(&spec.lines, |l| &l.id, flow.map_or(&[][..], |f| &f.lines), |s| &s.id);
        let trafo_state =
            in_order(&spec.transformers, |t| &t.id, flow.map_or(&[][..], |f| &f.transformers), |s| &s.id);
        let (mut bad_bus, mut hot) = (HashSet::new(), HashSet::new());
        for e in &f.events {
            match e {
                GridEventV1::VoltageOutOfBand { bus, .. } => bad_bus.insert(bus.as_str()),
                GridEventV1::LineOverloaded { line: id, .. }
                | GridEventV1::TransformerOverloaded { transformer: id, .. } => hot.insert(id.as_str()),
                GridEventV1::NotConverged { .. } => false,
            };
        }
        // State properties exist only when a converged state is stored.
        let stated = flow.is_some();
        for (i, b) in spec.buses.iter().enumerate() {
            bus_id += 1;
            let Some(p) = at[i].and_then(clip_point) else { continue };
            let st = bus_state[i];
            buses.point(
                bus_id,
                p,
                &[
                    ("id", s(&b.id)),
                    ("feeder", s(feeder)),
                    ("vn_kv", n(b.vn_kv)),
                    ("slack", Some(Prop::Bool(b.id == spec.slack.bus))),
                    ("vm_pu", st.and_then(|s| n(s.vm_pu))),
                    ("va_degree", st.and_then(|s| n(s.va_degree))),
                    ("net_production_kw", st.and_then(|s| n(-s.p_mw * 1000.0))),
                    ("meters", st.map(|s| Prop::Int(i64::from(s.meters)))),
                    ("out_of_band", stated.then(|| Prop::Bool(bad_bus.contains(b.id.as_str())))),
                ],
            );
        }
        for (j, l) in spec.lines.iter().enumerate() {
            line_id += 1;
            let (Some(a), Some(b)) = (position(&l.from_bus), position(&l.to_bus)) else {
                continue;
            };
            let Some(segment) = clip_segment(a, b) else { continue };
            let st = line_state[j];
            lines.line(
                line_id,
                &segment,
                &[
                    ("id", s(&l.id)),
                    ("feeder", s(feeder)),
                    ("from_bus", s(&l.from_bus)),
                    ("to_bus", s(&l.to_bus)),
                    ("length_km", n(l.length_km)),
                    ("max_i_ka", n(l.max_i_ka)),
                    ("loading_percent", st.and_then(|s| n(s.loading_percent))),
                    ("i_ka", st.and_then(|s| n(s.i_from_ka.max(s.i_to_ka)))),
                    ("p_from_mw", st.and_then(|s| n(s.p_from_mw))),
                    ("pl_mw", st.and_then(|s| n(s.pl_mw))),
                    ("overloaded", stated.then(|| Prop::Bool(hot.contains(l.id.as_str())))),
                ],
            );
        }
        for (k, t) in spec.transformers.iter().enumerate() {
            trafo_id += 1;
            // Drawn at its LV bus: substations share their HV bus (or sit on the slack).
            let Some(p) = position(&t.lv_bus).and_then(clip_point) else { continue };
            let st = trafo_state[k];
            transformers.point(
                trafo_id,
                p,
                &[
                    ("id", s(&t.id)),
                    ("feeder", s(feeder)),
                    ("hv_bus", s(&t.hv_bus)),
                    ("lv_bus", s(&t.lv_bus)),
                    ("sn_mva", n(t.sn_mva)),
                    ("loading_percent", st.and_then(|s| n(s.loading_percent))),
                    ("p_hv_mw", st.and_then(|s| n(s.p_hv_mw))),
                    ("pl_mw", st.and_then(|s| n(s.pl_mw))),
                    ("reverse_flow", st.map(|s| Prop::Bool(s.p_hv_mw < 0.0))),
                    ("overloaded", stated.then(|| Prop::Bool(hot.contains(t.id.as_str())))),
                ],
            );
        }
        if !with_meters {
            continue;
        }
        for m in &f.topology.meters {
            meter_id += 1;
            let Some(&i) = bus_index.get(m.bus.as_str()) else { continue };
            let Some(p) = at[i].and_then(clip_point) else { continue };
            // The state has power per bus, not per meter: a connected meter shows its bus's
            // mean (the simulator injects each meter's own mean power at its bus).
            let share = bus_state[i]
                .filter(|s| m.connected && s.meters > 0)
                .and_then(|s| n(-s.p_mw * 1000.0 / f64::from(s.meters)));
            meters.point(
                meter_id,
                p,
                &[
                    ("meter_id", s(&m.meter_id)),
                    ("feeder", s(feeder)),
                    ("bus", s(&m.bus)),
                    ("connected", Some(Prop::Bool(m.connected))),
                    ("net_production_kw", share),
                ],
            );
        }
    }
    Tile {
        layers: [buses, lines, transformers, meters].into_iter().filter_map(LayerBuilder::finish).collect(),
    }
}

/// Each element's state, in the topology's order. The simulator writes a state's results in
/// its topology's order, so they are taken by position when the ids agree there (no map of
/// thousands of ids built per tile); a state in another order is matched by id.
fn in_order<'a, E, S>(
    elements: &[E],
    element_id: impl Fn(&E) -> &str,
    states: &'a [S],
    state_id: impl Fn(&S) -> &str,
) -> Vec<Option<&'a S>> {
    if states.len() == elements.len()
        && states.iter().zip(elements).all(|(s, e)| state_id(s) == element_id(e))
    {
        return states.iter().map(Some).collect();
    }
    let by_id: HashMap<&str, &S> = states.iter().map(|s| (state_id(s), s)).collect();
    elements.iter().map(|e| by_id.get(element_id(e)).copied()).collect()
}

/// The WGS84 box around every bus of every feeder: [west, south, east, north].
pub fn bounds(feeders: &[StoredFeeder]) -> Option<[f64; 4]> {
    let mut points =
        feeders.iter().flat_map(|f| f.topology.feeder.buses.iter().filter_map(|b| Some((b.lon?, b.lat?))));
    let first = points.next()?;
    Some(points.fold([first.0, first.1, first.0, first.1], |[w, s, e, n], (lon, lat)| {
        [w.min(lon), s.min(lat), e.max(lon), n.max(lat)]
    }))
}
