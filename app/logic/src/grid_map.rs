//! The grid map's core: the feeders kept from the indexer's `grid` channel (the encoding is
//! `wire::grid`, the indexer's own types), lon/lat projected onto the drawing, colour bands
//! for loading, voltage and net production, and every value in the units people use (kW,
//! %, p.u. with volts). `app/web/src/map.rs` only turns a [`Drawing`] into SVG.
use std::collections::BTreeMap;

pub use wire::grid::{FeederMap, GridMap, MapState, MapTopology};

use crate::indexer::Frame;
use crate::trader::Applied;

/// Every feeder as of the channel's number `seq`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridMapState {
    pub feeders: BTreeMap<String, FeederMap>,
    pub loaded: bool,
    /// Why the indexer's map cannot be drawn (it broke the encoding's rules).
    pub error: Option<String>,
    seq: Option<i64>,
}

impl GridMapState {
    /// A snapshot replaces every feeder; a delta replaces the topology and state of each
    /// feeder it names. A delta's state that does not fit the topology held means a
    /// topology change was missed: a fresh snapshot (`Gap`).
    pub fn apply_frame(&mut self, frame: &Frame) -> Result<Applied, serde_json::Error> {
        let (snapshot, seq, data) = match crate::indexer::frame_to_apply(self.seq, frame) {
            Ok(apply) => apply,
            Err(not) => return Ok(not),
        };
        let map = match GridMap::from_value(data) {
            Ok(map) => map,
            Err(e) => {
                self.error = Some(e);
                return Ok(Applied::Stale);
            }
        };
        let mut next = if snapshot { BTreeMap::new() } else { self.feeders.clone() };
        for change in map.feeders {
            let held = next.remove(&change.feeder);
            let topology = change.topology.or_else(|| held.as_ref().and_then(|h| h.topology.clone()));
            let Some(topology) = topology else {
                // A state of a feeder whose topology never arrived: ask for it.
                return Ok(Applied::Gap);
            };
            if let Err(e) = topology.check() {
                self.error = Some(format!("feeder {:?}: {e}", change.feeder));
                return Ok(Applied::Stale);
            }
            let state =
                change.state.or_else(|| held.and_then(|h| h.state)).filter(|s| s.check(&topology).is_ok());
            if let Some(Err(e)) = change_fits(&state, &topology) {
                self.error = Some(e);
            }
            next.insert(
                change.feeder.clone(),
                FeederMap { feeder: change.feeder, topology: Some(topology), state },
            );
        }
        self.feeders = next;
        self.seq = Some(seq);
        self.loaded = true;
        self.error = None;
        Ok(Applied::Applied)
    }
}

fn change_fits(state: &Option<MapState>, topology: &MapTopology) -> Option<Result<(), String>> {
    state.as_ref().map(|s| s.check(topology))
}

/// Band of a line's or transformer's loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loading {
    Light,
    Moderate,
    Heavy,
    Overloaded,
}

impl Loading {
    pub fn of(percent: f64) -> Loading {
        match percent {
            p if p > 100.0 => Loading::Overloaded,
            p if p >= 80.0 => Loading::Heavy,
            p if p >= 50.0 => Loading::Moderate,
            _ => Loading::Light,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Loading::Light => "load-light",
            Loading::Moderate => "load-moderate",
            Loading::Heavy => "load-heavy",
            Loading::Overloaded => "load-over",
        }
    }

    pub const LEGEND: [(Loading, &'static str); 4] = [
        (Loading::Light, "below 50 %"),
        (Loading::Moderate, "50–80 %"),
        (Loading::Heavy, "80–100 %"),
        (Loading::Overloaded, "over 100 %"),
    ];
}

/// Band of a bus voltage (EN 50160 allows ±10 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Voltage {
    Under,
    Low,
    Normal,
    High,
    Over,
}

impl Voltage {
    pub fn of(vm_pu: f64) -> Voltage {
        match vm_pu {
            v if v < 0.90 => Voltage::Under,
            v if v < 0.95 => Voltage::Low,
            v if v <= 1.05 => Voltage::Normal,
            v if v <= 1.10 => Voltage::High,
            _ => Voltage::Over,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Voltage::Under => "v-under",
            Voltage::Low => "v-low",
            Voltage::Normal => "v-normal",
            Voltage::High => "v-high",
            Voltage::Over => "v-over",
        }
    }

    pub const LEGEND: [(Voltage, &'static str); 5] = [
        (Voltage::Under, "below 0.90 p.u."),
        (Voltage::Low, "0.90–0.95 p.u."),
        (Voltage::Normal, "0.95–1.05 p.u."),
        (Voltage::High, "1.05–1.10 p.u."),
        (Voltage::Over, "above 1.10 p.u."),
    ];
}

/// What a meter does: below 10 W either way it is idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Net {
    Producing,
    Consuming,
    Idle,
    Disconnected,
}

impl Net {
    pub fn of(net_production_kw: f64) -> Net {
        match net_production_kw {
            p if p >= 0.01 => Net::Producing,
            p if p <= -0.01 => Net::Consuming,
            _ => Net::Idle,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Net::Producing => "net-prod",
            Net::Consuming => "net-cons",
            Net::Idle => "net-idle",
            Net::Disconnected => "net-off",
        }
    }

    pub const LEGEND: [(Net, &'static str); 4] = [
        (Net::Producing, "producing"),
        (Net::Consuming, "consuming"),
        (Net::Idle, "idle"),
        (Net::Disconnected, "disconnected"),
    ];
}

/// Power as people read it: W below 1 kW, kW, MW from 1,000 kW.
pub fn power(kw: f64) -> String {
    let a = kw.abs();
    if a >= 1_000.0 {
        format!("{:.2} MW", kw / 1_000.0)
    } else if a >= 1.0 {
        format!("{kw:.1} kW")
    } else {
        format!("{:.0} W", kw * 1_000.0)
    }
}

/// A bus voltage in p.u. and volts: phase to neutral on low voltage (230 V at 0.4 kV, what
/// a household measures), line to line in kV above.
pub fn voltage(vm_pu: f64, vn_kv: f64) -> String {
    if vn_kv <= 1.0 {
        format!("{vm_pu:.3} p.u. ({:.0} V)", vm_pu * vn_kv * 1_000.0 / 3f64.sqrt())
    } else {
        format!("{vm_pu:.3} p.u. ({:.2} kV)", vm_pu * vn_kv)
    }
}

/// A meter id as people tell meters apart: the text it encodes when printable (a person's
/// "ROOF-42"), else its hex with trailing zero bytes dropped, shortened to its ends.
pub fn meter_label(hex: &str) -> String {
    let bytes: Vec<u8> =
        (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect();
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    if let Ok(text) = std::str::from_utf8(&bytes[..end]) {
        if !text.is_empty() && text.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
            return text.to_string();
        }
    }
    let trimmed = &hex[..(2 * end).min(hex.len())];
    match trimmed.len() {
        0 => hex.to_string(),
        n if n <= 12 => trimmed.to_string(),
        n => format!("{}…{}", &trimmed[..4], &trimmed[n - 6..]),
    }
}

/// Longitude/latitude onto a `width` × `height` drawing (y down), the feeder's extent fitted
/// inside `margin`, north up. Equirectangular at the feeder's mean latitude: over a few km
/// that is the local map (Web Mercator differs by under 0.1 %), without a tile service.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    lon0: f64,
    lat0: f64,
    scale: f64,
    cos_lat: f64,
    x0: f64,
    y0: f64,
}

impl Projection {
    /// `None` when no position is known.
    pub fn fit(
        points: impl Iterator<Item = (f64, f64)> + Clone,
        width: f64,
        height: f64,
        margin: f64,
    ) -> Option<Projection> {
        let (mut min_lon, mut max_lon, mut min_lat, mut max_lat) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lon, lat) in points {
            (min_lon, max_lon, min_lat, max_lat) =
                (min_lon.min(lon), max_lon.max(lon), min_lat.min(lat), max_lat.max(lat));
        }
        if min_lon > max_lon {
            return None;
        }
        let cos_lat = ((min_lat + max_lat) / 2.0).to_radians().cos().max(0.01);
        let (span_x, span_y) = ((max_lon - min_lon) * cos_lat, max_lat - min_lat);
        let (room_x, room_y) = ((width - 2.0 * margin).max(1.0), (height - 2.0 * margin).max(1.0));
        // One bus alone (no extent) sits in the middle.
        let scale = match (span_x > 0.0, span_y > 0.0) {
            (false, false) => 1.0,
            _ => (room_x / span_x.max(f64::MIN_POSITIVE)).min(room_y / span_y.max(f64::MIN_POSITIVE)),
        };
        // Centred in the room the other axis leaves.
        let x0 = margin + (room_x - span_x * scale) / 2.0;
        let y0 = margin + (room_y - span_y * scale) / 2.0;
        Some(Projection { lon0: min_lon, lat0: max_lat, scale, cos_lat, x0, y0 })
    }

    pub fn at(&self, lon: f64, lat: f64) -> (f64, f64) {
        (self.x0 + (lon - self.lon0) * self.cos_lat * self.scale, self.y0 + (self.lat0 - lat) * self.scale)
    }
}

/// What the SVG draws, with each element's text for hover, focus and screen readers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Drawing {
    pub lines: Vec<Segment>,
    pub transformers: Vec<Mark>,
    pub buses: Vec<Mark>,
    pub meters: Vec<Mark>,
    /// The map in one sentence (the drawing's label, and shown under it).
    pub summary: String,
    /// Buses the feeder gives no position (not drawn).
    pub unplaced: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub x1: f64,
    pub y1: f64,
    pub x2: f64,
    pub y2: f64,
    pub class: &'static str,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub x: f64,
    pub y: f64,
    pub r: f64,
    pub class: &'static str,
    pub text: String,
}

/// How far meters sit around their bus, in drawing units.
const METER_RING: f64 = 7.0;

/// The feeder drawn on `width` × `height`: lines by loading, transformers by loading,
/// buses by voltage, meters around their bus by their share of the bus's net production.
pub fn draw(map: &FeederMap, width: f64, height: f64) -> Drawing {
    let Some(t) = map.topology.as_ref() else { return Drawing::default() };
    let state = map.state.as_ref().filter(|s| !s.bus_vm_pu.is_empty());
    let b = &t.buses;
    let placed = |i: usize| Some((b.lon.get(i).copied().flatten()?, b.lat.get(i).copied().flatten()?));
    let positions: Vec<Option<(f64, f64)>> = (0..b.id.len()).map(placed).collect();
    let Some(proj) = Projection::fit(positions.iter().flatten().copied(), width, height, 16.0) else {
        return Drawing {
            summary: format!("Feeder {}: no bus has a position to draw.", map.feeder),
            unplaced: b.id.len(),
            ..Drawing::default()
        };
    };
    let xy: Vec<Option<(f64, f64)>> =
        positions.iter().map(|p| p.map(|(lon, lat)| proj.at(lon, lat))).collect();
    let mut d = Drawing { unplaced: positions.iter().filter(|p| p.is_none()).count(), ..Drawing::default() };
    let bus_name = |i: u32| b.id.get(i as usize).map_or("?", String::as_str);
    let bus_ref = |i: u32| named_bus(bus_name(i));

    for (j, id) in t.lines.id.iter().enumerate() {
        let (from, to) = (t.lines.from_bus[j], t.lines.to_bus[j]);
        let (Some(a), Some(z)) = (xy[from as usize], xy[to as usize]) else { continue };
        let (class, text) = match state {
            Some(s) => {
                let (loading, p) = (s.line_loading_percent[j], s.line_p_from_kw[j]);
                let (src, dst) = if p >= 0.0 { (from, to) } else { (to, from) };
                (
                    Loading::of(loading).class(),
                    format!(
                        "Line {id}: {loading:.0} % of {:.0} A, {} from {} to {}",
                        t.lines.max_i_a[j],
                        power(p.abs()),
                        bus_name(src),
                        bus_name(dst)
                    ),
                )
            }
            None => ("load-none", format!("Line {id}: no power flow yet")),
        };
        d.lines.push(Segment { x1: a.0, y1: a.1, x2: z.0, y2: z.1, class, text });
    }
    for (k, id) in t.transformers.id.iter().enumerate() {
        let Some((x, y)) = xy[t.transformers.lv_bus[k] as usize] else { continue };
        let (class, text) = match state {
            Some(s) => {
                let (loading, p) = (s.transformer_loading_percent[k], s.transformer_p_hv_kw[k]);
                let direction =
                    if p < 0.0 { "exporting to the medium-voltage grid" } else { "supplying the street" };
                (
                    Loading::of(loading).class(),
                    format!(
                        "Transformer {id} ({:.0} kVA): {loading:.0} % loaded, {} {direction}",
                        t.transformers.sn_kva[k],
                        power(p.abs())
                    ),
                )
            }
            None => ("load-none", format!("Transformer {id} ({:.0} kVA)", t.transformers.sn_kva[k])),
        };
        d.transformers.push(Mark { x, y, r: 6.0, class, text });
    }
    for (i, id) in b.id.iter().enumerate() {
        let Some((x, y)) = xy[i] else { continue };
        let slack = i as u32 == t.slack_bus;
        let (class, text) = match state {
            Some(s) => (
                Voltage::of(s.bus_vm_pu[i]).class(),
                format!(
                    "{}{}: {}",
                    named_bus(id),
                    if slack { " (external grid)" } else { "" },
                    voltage(s.bus_vm_pu[i], b.vn_kv[i])
                ),
            ),
            None => ("v-none", named_bus(id)),
        };
        d.buses.push(Mark { x, y, r: if slack { 5.0 } else { 3.0 }, class, text });
    }
    // Meters on a ring around their bus, so that each can be seen and pointed at.
    let mut per_bus: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (m, bus) in t.meters.bus.iter().enumerate() {
        per_bus.entry(*bus).or_default().push(m);
    }
    for (bus, meters) in &per_bus {
        let Some((bx, by)) = xy[*bus as usize] else { continue };
        let share = state.and_then(|s| {
            let n = s.bus_meters[*bus as usize];
            (n > 0).then(|| s.bus_net_production_kw[*bus as usize] / f64::from(n))
        });
        for (k, &m) in meters.iter().enumerate() {
            let angle = std::f64::consts::TAU * k as f64 / meters.len() as f64;
            let (x, y) = (bx + METER_RING * angle.cos(), by + METER_RING * angle.sin());
            let name = meter_label(&t.meters.id[m]);
            let (net, text) = match (t.meters.connected[m], share) {
                (false, _) => (Net::Disconnected, format!("Meter {name} on {}: disconnected", bus_ref(*bus))),
                (true, None) => (Net::Idle, format!("Meter {name} on {}: no power flow yet", bus_ref(*bus))),
                (true, Some(kw)) => {
                    let net = Net::of(kw);
                    let doing = match net {
                        Net::Producing => format!("producing {} net", power(kw)),
                        Net::Consuming => format!("consuming {} net", power(-kw)),
                        _ => "neither producing nor consuming".into(),
                    };
                    (net, format!("Meter {name} on {}: {doing}", bus_ref(*bus)))
                }
            };
            d.meters.push(Mark { x, y, r: 2.5, class: net.class(), text });
        }
    }
    d.summary = summary(map, t, state);
    d
}

/// The drawing as SVG markup (the inside of the `<svg>`), set on the page in one go: one
/// string costs the app far less code and the browser far less time than an element-by-
/// element view for thousands of meters. Lines, transformers and meters are focusable and
/// carry their values as `aria-label` and `<title>` (hover); buses carry a title.
pub fn svg_markup(d: &Drawing) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(160 * (d.lines.len() + d.buses.len() + d.meters.len()));
    for l in &d.lines {
        let _ = write!(
            out,
            r#"<line class="line {}" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" tabindex="0" data-testid="map-line" aria-label="{t}"><title>{t}</title></line>"#,
            l.class,
            l.x1,
            l.y1,
            l.x2,
            l.y2,
            t = escape(&l.text)
        );
    }
    for m in &d.transformers {
        let _ = write!(
            out,
            r#"<rect class="trafo {}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" tabindex="0" data-testid="map-transformer" aria-label="{t}"><title>{t}</title></rect>"#,
            m.class,
            m.x - m.r,
            m.y - m.r,
            2.0 * m.r,
            2.0 * m.r,
            t = escape(&m.text)
        );
    }
    for m in &d.buses {
        let _ = write!(
            out,
            r#"<circle class="bus {}" cx="{:.1}" cy="{:.1}" r="{:.1}" data-testid="map-bus"><title>{}</title></circle>"#,
            m.class,
            m.x,
            m.y,
            m.r,
            escape(&m.text)
        );
    }
    for m in &d.meters {
        let _ = write!(
            out,
            r#"<circle class="meter {}" cx="{:.1}" cy="{:.1}" r="{:.1}" tabindex="0" data-testid="map-meter" aria-label="{t}"><title>{t}</title></circle>"#,
            m.class,
            m.x,
            m.y,
            m.r,
            t = escape(&m.text)
        );
    }
    out
}

/// Text safe inside an XML attribute or element (ids come from a feeder file).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// "bus R1" for an id "R1", but "Bus R1" as it is for CIGRE's "Bus R1".
fn named_bus(id: &str) -> String {
    if id.to_ascii_lowercase().starts_with("bus") {
        id.to_string()
    } else {
        format!("bus {id}")
    }
}

fn summary(map: &FeederMap, t: &MapTopology, state: Option<&MapState>) -> String {
    let counts = [
        (t.buses.id.len(), "bus", "buses"),
        (t.lines.id.len(), "line", "lines"),
        (t.transformers.id.len(), "transformer", "transformers"),
        (t.meters.id.len(), "meter", "meters"),
    ]
    .map(|(n, one, many)| plural(n, one, many))
    .join(", ");
    let Some(s) = state else {
        let why = map
            .state
            .as_ref()
            .and_then(|s| s.not_converged.clone())
            .map_or("no power flow yet".to_string(), |r| {
                format!("the last power flow did not converge ({r})")
            });
        return format!("Feeder {}: {counts}; {why}.", map.feeder);
    };
    let (mut produced, mut consumed) = (0.0, 0.0);
    for p in &s.bus_net_production_kw {
        if *p > 0.0 {
            produced += p
        } else {
            consumed -= p
        }
    }
    // The external grid's own bus carries the supply, not a household.
    if let Some(p) = s.bus_net_production_kw.get(t.slack_bus as usize) {
        if *p > 0.0 {
            produced -= p
        } else {
            consumed += p
        }
    }
    let max_line = s.line_loading_percent.iter().copied().fold(0.0, f64::max);
    let grid = if s.slack_p_kw < 0.0 {
        format!("exports {} to the grid", power(-s.slack_p_kw))
    } else {
        format!("draws {} from the grid", power(s.slack_p_kw))
    };
    let mut text = format!("Feeder {} at {}: {counts}; households produce {} and consume {}; the feeder {grid}; busiest line {max_line:.0} % loaded",
        map.feeder, clock(s.interval_start_ts), power(produced), power(consumed));
    if !s.voltage_out_of_band.is_empty() {
        text +=
            &format!("; {} outside the voltage band", plural(s.voltage_out_of_band.len(), "bus", "buses"));
    }
    let overloaded = s.overloaded_lines.len() + s.overloaded_transformers.len();
    if overloaded > 0 {
        text += &format!("; {} overloaded", plural(overloaded, "branch", "branches"));
    }
    text + "."
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The interval's start as UTC clock time (the map shows one interval at a time).
pub fn clock(unix_s: i64) -> String {
    let s = unix_s.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", s / 3_600, s % 3_600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn topology() -> serde_json::Value {
        json!({"source": "test", "slack_bus": 0,
            "buses": {"id": ["MV", "LV", "House"], "lon": [100.5, 100.5, 100.501], "lat": [13.75, 13.7495, 13.7495], "vn_kv": [20.0, 0.4, 0.4]},
            "lines": {"id": ["LV-House"], "from_bus": [1], "to_bus": [2], "max_i_a": [270.0]},
            "transformers": {"id": ["T1"], "hv_bus": [0], "lv_bus": [1], "sn_kva": [400.0]},
            "meters": {"id": ["ab".repeat(4) + &"00".repeat(28), "0".repeat(64)], "bus": [2, 2], "connected": [true, false]}})
    }

    fn state(ts: i64, house_kw: f64, loading: f64) -> serde_json::Value {
        json!({"interval_start_ts": ts, "interval_secs": 900, "slack_p_kw": -house_kw + 0.1, "losses_kw": 0.1,
            "bus_vm_pu": [1.0, 1.02, 1.061], "bus_net_production_kw": [house_kw - 0.1, 0.0, house_kw], "bus_meters": [0, 0, 1],
            "line_loading_percent": [loading], "line_p_from_kw": [-house_kw], "transformer_loading_percent": [12.5],
            "transformer_p_hv_kw": [-house_kw + 0.1], "voltage_out_of_band": [], "overloaded_lines": [], "overloaded_transformers": []})
    }

    fn snapshot(seq: i64, state: serde_json::Value) -> Frame {
        Frame::Snapshot {
            channel: "grid".into(),
            seq,
            data: json!({"feeders": [{"feeder": "F", "topology": topology(), "state": state}]}),
        }
    }

    fn delta(seq: i64, feeder: serde_json::Value) -> Frame {
        Frame::Delta {
            channel: "grid".into(),
            seq,
            prev: Some(seq - 1),
            at_ms: None,
            data: json!({"feeders": [feeder]}),
        }
    }

    #[test]
    fn the_channel_keeps_each_feeder_in_sequence() {
        let mut g = GridMapState::default();
        assert_eq!(g.apply_frame(&snapshot(4, state(900, 3.0, 20.0))).unwrap(), Applied::Applied);
        let f = &g.feeders["F"];
        assert_eq!(f.state.as_ref().unwrap().bus_net_production_kw[2], 3.0);
        // A new state only: the topology held stays.
        assert_eq!(
            g.apply_frame(&delta(5, json!({"feeder": "F", "state": state(1800, -2.0, 85.0)}))).unwrap(),
            Applied::Applied
        );
        assert_eq!(g.feeders["F"].state.as_ref().unwrap().interval_start_ts, 1800);
        assert!(g.feeders["F"].topology.is_some());
        assert_eq!(g.apply_frame(&delta(5, json!({"feeder": "F"}))).unwrap(), Applied::Stale);
        assert_eq!(
            g.apply_frame(&delta(7, json!({"feeder": "F"}))).unwrap(),
            Applied::Gap,
            "batch 6 was missed"
        );
        // A state for a feeder whose topology never came: a fresh snapshot is needed.
        assert_eq!(
            g.apply_frame(&delta(6, json!({"feeder": "G", "state": state(1800, 1.0, 1.0)}))).unwrap(),
            Applied::Gap
        );
    }

    #[test]
    fn a_map_that_breaks_the_encoding_is_refused_in_words() {
        let mut g = GridMapState::default();
        let mut bad = topology();
        bad["lines"]["to_bus"] = json!([9]);
        let frame = Frame::Snapshot {
            channel: "grid".into(),
            seq: 1,
            data: json!({"feeders": [{"feeder": "F", "topology": bad}]}),
        };
        assert_eq!(g.apply_frame(&frame).unwrap(), Applied::Stale);
        assert_eq!(g.error.as_deref(), Some("feeder \"F\": lines.to_bus names element 9 of 3"));
        let not_a_list = Frame::Snapshot { channel: "grid".into(), seq: 1, data: json!({"feeders": 3}) };
        assert_eq!(g.apply_frame(&not_a_list).unwrap(), Applied::Stale);
        assert_eq!(g.error.as_deref(), Some("feeders is not a list"));
    }

    #[test]
    fn bands_and_units_people_read() {
        assert_eq!(
            [10.0, 50.0, 80.0, 100.0, 100.1].map(|p| Loading::of(p)),
            [Loading::Light, Loading::Moderate, Loading::Heavy, Loading::Heavy, Loading::Overloaded]
        );
        assert_eq!(
            [0.89, 0.93, 1.0, 1.08, 1.11].map(Voltage::of),
            [Voltage::Under, Voltage::Low, Voltage::Normal, Voltage::High, Voltage::Over]
        );
        assert_eq!([2.0, -0.5, 0.004].map(Net::of), [Net::Producing, Net::Consuming, Net::Idle]);
        assert_eq!(power(0.25), "250 W");
        assert_eq!(power(-3.21), "-3.2 kW");
        assert_eq!(power(1_250.0), "1.25 MW");
        assert_eq!(voltage(1.0, 0.4), "1.000 p.u. (231 V)");
        assert_eq!(voltage(0.987, 20.0), "0.987 p.u. (19.74 kV)");
        assert_eq!(meter_label(&format!("{}{}", hex("ROOF-42"), "00".repeat(25))), "ROOF-42");
        assert_eq!(
            meter_label(&format!("0102{}0a0b0c0d{}", "00".repeat(10), "00".repeat(16))),
            "0102…0b0c0d"
        );
        assert_eq!(clock(1_800_000_900), "08:15 UTC");
    }

    fn hex(text: &str) -> String {
        text.bytes().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_projection_fits_the_feeder_north_up_at_true_proportions() {
        let pts = [(100.0, 10.0), (100.01, 10.0), (100.0, 10.005)];
        let p = Projection::fit(pts.iter().copied(), 300.0, 300.0, 10.0).unwrap();
        let (a, b, c) = (p.at(100.0, 10.0), p.at(100.01, 10.0), p.at(100.0, 10.005));
        assert!(
            (a.0 - 10.0).abs() < 1e-9 && (b.0 - 290.0).abs() < 1e-9,
            "the wider axis fills the room: {a:?} {b:?}"
        );
        assert!(c.1 < a.1, "north is up");
        // 0.01° of longitude at ~10° N (the mean latitude) is cos(10°) as long as 0.01° of latitude.
        let ratio = (a.1 - c.1) / (b.0 - a.0);
        assert!((ratio - 0.5 / 10.0025f64.to_radians().cos()).abs() < 1e-9, "{ratio}");
        assert!(((a.1 + c.1) / 2.0 - 150.0).abs() < 1e-9, "centred vertically");
        let one = Projection::fit([(5.0, 5.0)].into_iter(), 100.0, 100.0, 10.0).unwrap();
        assert_eq!(one.at(5.0, 5.0), (50.0, 50.0));
        assert!(Projection::fit(std::iter::empty(), 100.0, 100.0, 10.0).is_none());
    }

    #[test]
    fn the_drawing_colours_lines_buses_and_meters_by_their_values() {
        let mut g = GridMapState::default();
        g.apply_frame(&snapshot(1, state(1_800_000_900, 3.0, 85.0))).unwrap();
        let d = draw(&g.feeders["F"], 400.0, 300.0);
        assert_eq!((d.lines.len(), d.buses.len(), d.transformers.len(), d.meters.len()), (1, 3, 1, 2));
        assert_eq!(d.lines[0].class, "load-heavy");
        assert_eq!(d.lines[0].text, "Line LV-House: 85 % of 270 A, 3.0 kW from House to LV");
        assert_eq!(
            d.transformers[0].text,
            "Transformer T1 (400 kVA): 12 % loaded, 2.9 kW exporting to the medium-voltage grid"
        );
        assert_eq!(d.buses.iter().map(|b| b.class).collect::<Vec<_>>(), ["v-normal", "v-normal", "v-high"]);
        assert_eq!(d.buses[2].text, "bus House: 1.061 p.u. (245 V)");
        assert_eq!(d.meters[0].class, "net-prod");
        assert_eq!(d.meters[0].text, "Meter abababab on bus House: producing 3.0 kW net");
        assert_eq!(d.meters[1].class, "net-off");
        assert_eq!(
            d.summary,
            "Feeder F at 08:15 UTC: 3 buses, 1 line, 1 transformer, 2 meters; households produce 3.0 kW \
            and consume 0 W; the feeder exports 2.9 kW to the grid; busiest line 85 % loaded."
        );
        for m in d.buses.iter().chain(&d.meters) {
            assert!((0.0..=400.0).contains(&m.x) && (0.0..=300.0).contains(&m.y), "{m:?} inside the drawing");
        }
        let svg = svg_markup(&d);
        assert_eq!(svg.matches("data-testid=\"map-meter\"").count(), 2);
        assert!(svg.contains(r#"<line class="line load-heavy" x1="#), "{svg}");
        assert!(
            svg.contains(
                r#"aria-label="Meter abababab on bus House: producing 3.0 kW net"><title>Meter abababab"#
            ),
            "{svg}"
        );
        assert_eq!(escape(r#"Bus "A" <&>"#), "Bus &quot;A&quot; &lt;&amp;&gt;");
        // The evening: the house consumes, the line is light.
        g.apply_frame(&delta(2, json!({"feeder": "F", "state": state(1_800_003_600, -1.5, 10.0)}))).unwrap();
        let d = draw(&g.feeders["F"], 400.0, 300.0);
        assert_eq!((d.lines[0].class, d.meters[0].class), ("load-light", "net-cons"));
        assert!(d.meters[0].text.ends_with("consuming 1.5 kW net"), "{}", d.meters[0].text);
    }
}
