//! The grid map's encoding: `GET /api/v1/grid` and the `grid` channel (docs/indexer.md,
//! "Grid map"). Built for a browser drawing a feeder live, so it is compact: columns of
//! numbers rather than an object per element (a 10,000-meter feeder's state is ~80 kB a
//! step instead of the 1.2 MB `grid-state` message), elements referred to by their index in
//! the topology's columns, numbers rounded to what a map shows, units in the names.
use serde::{Deserialize, Serialize};

/// Every feeder the indexer holds (the snapshot), or the feeders that changed in one batch
/// (a delta).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GridMap {
    pub feeders: Vec<FeederMap>,
}

/// One feeder. In a snapshot the topology is always present and `state` is absent before
/// the first power flow; in a delta each is present only when it changed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeederMap {
    pub feeder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<MapTopology>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<MapState>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTopology {
    /// `generated`, `cigre-lv` or the feeder file's path.
    pub source: String,
    /// Index of the external grid's bus.
    pub slack_bus: u32,
    pub buses: MapBuses,
    pub lines: MapLines,
    pub transformers: MapTransformers,
    pub meters: MapMeters,
}

/// Columns, one value per bus, in topology order.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapBuses {
    pub id: Vec<String>,
    /// WGS84 degrees, 6 decimals (~0.1 m); null for a bus the feeder gives no position.
    pub lon: Vec<Option<f64>>,
    pub lat: Vec<Option<f64>>,
    /// Nominal voltage, line to line.
    pub vn_kv: Vec<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapLines {
    pub id: Vec<String>,
    /// Bus indices of each line's ends.
    pub from_bus: Vec<u32>,
    pub to_bus: Vec<u32>,
    /// Rated current, A.
    pub max_i_a: Vec<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapTransformers {
    pub id: Vec<String>,
    pub hv_bus: Vec<u32>,
    pub lv_bus: Vec<u32>,
    pub sn_kva: Vec<f64>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapMeters {
    /// The 32-byte meter id, hex (as in its readings).
    pub id: Vec<String>,
    /// Index of the bus it hangs on.
    pub bus: Vec<u32>,
    /// False once decommissioned.
    pub connected: Vec<bool>,
}

/// One interval's power flow; every column follows the topology's order. The columns are
/// empty when the power flow did not converge (`not_converged` says why).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapState {
    pub interval_start_ts: i64,
    pub interval_secs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_converged: Option<String>,
    /// Drawn from the external grid, kW (negative: the feeder exports).
    pub slack_p_kw: f64,
    pub losses_kw: f64,
    /// Voltage magnitude, p.u. of the bus's nominal voltage, 4 decimals.
    pub bus_vm_pu: Vec<f64>,
    /// Generation − load at the bus, kW, 2 decimals (positive: the bus exports).
    pub bus_net_production_kw: Vec<f64>,
    /// Connected meters on the bus (a meter's share of its bus's net production).
    pub bus_meters: Vec<u32>,
    /// Loading, % of rating, 1 decimal.
    pub line_loading_percent: Vec<f64>,
    /// Power into the line at its `from_bus` end, kW (negative: it flows towards `from_bus`).
    pub line_p_from_kw: Vec<f64>,
    pub transformer_loading_percent: Vec<f64>,
    /// Power into the HV side, kW (negative: reverse flow, the LV side exports).
    pub transformer_p_hv_kw: Vec<f64>,
    /// Indices of the buses outside the voltage band, and of overloaded branches (the
    /// simulator's own verdicts, with its limits).
    pub voltage_out_of_band: Vec<u32>,
    pub overloaded_lines: Vec<u32>,
    pub overloaded_transformers: Vec<u32>,
}

fn same_len(what: &str, len: usize, want: usize) -> Result<(), String> {
    if len == want {
        Ok(())
    } else {
        Err(format!("{what} has {len} values for {want} elements"))
    }
}

fn indices(what: &str, list: &[u32], count: usize) -> Result<(), String> {
    match list.iter().find(|&&i| i as usize >= count) {
        Some(i) => Err(format!("{what} names element {i} of {count}")),
        None => Ok(()),
    }
}

impl MapTopology {
    /// Every column as long as its element list, every index in range.
    pub fn check(&self) -> Result<(), String> {
        let (b, l, t, m) = (&self.buses, &self.lines, &self.transformers, &self.meters);
        let buses = b.id.len();
        same_len("buses.lon", b.lon.len(), buses)?;
        same_len("buses.lat", b.lat.len(), buses)?;
        same_len("buses.vn_kv", b.vn_kv.len(), buses)?;
        for (name, len) in [
            ("lines.from_bus", l.from_bus.len()),
            ("lines.to_bus", l.to_bus.len()),
            ("lines.max_i_a", l.max_i_a.len()),
        ] {
            same_len(name, len, l.id.len())?;
        }
        for (name, len) in [
            ("transformers.hv_bus", t.hv_bus.len()),
            ("transformers.lv_bus", t.lv_bus.len()),
            ("transformers.sn_kva", t.sn_kva.len()),
        ] {
            same_len(name, len, t.id.len())?;
        }
        same_len("meters.bus", m.bus.len(), m.id.len())?;
        same_len("meters.connected", m.connected.len(), m.id.len())?;
        indices("slack_bus", &[self.slack_bus], buses)?;
        for (name, list) in [
            ("lines.from_bus", &l.from_bus),
            ("lines.to_bus", &l.to_bus),
            ("transformers.hv_bus", &t.hv_bus),
            ("transformers.lv_bus", &t.lv_bus),
            ("meters.bus", &m.bus),
        ] {
            indices(name, list, buses)?;
        }
        Ok(())
    }
}

impl MapState {
    /// The state fits `topology`: one value per element (or none at all, not converged).
    pub fn check(&self, topology: &MapTopology) -> Result<(), String> {
        let (buses, lines, trafos) =
            (topology.buses.id.len(), topology.lines.id.len(), topology.transformers.id.len());
        if self.not_converged.is_some() && self.bus_vm_pu.is_empty() {
            return Ok(());
        }
        same_len("bus_vm_pu", self.bus_vm_pu.len(), buses)?;
        same_len("bus_net_production_kw", self.bus_net_production_kw.len(), buses)?;
        same_len("bus_meters", self.bus_meters.len(), buses)?;
        same_len("line_loading_percent", self.line_loading_percent.len(), lines)?;
        same_len("line_p_from_kw", self.line_p_from_kw.len(), lines)?;
        same_len("transformer_loading_percent", self.transformer_loading_percent.len(), trafos)?;
        same_len("transformer_p_hv_kw", self.transformer_p_hv_kw.len(), trafos)?;
        indices("voltage_out_of_band", &self.voltage_out_of_band, buses)?;
        indices("overloaded_lines", &self.overloaded_lines, lines)?;
        indices("overloaded_transformers", &self.overloaded_transformers, trafos)
    }
}

/// Reads a map from parsed JSON without serde's derived visitors: the same encoding as the
/// derived `Deserialize` (a test holds them equal), in far less wasm — the app's budget
/// is counted in kilobytes and this replaces eight structs' worth of generated code.
/// A missing or mistyped field is an error naming it.
impl GridMap {
    pub fn from_value(v: &serde_json::Value) -> Result<GridMap, String> {
        let list = field(v, "feeders")?.as_array().ok_or("feeders is not a list")?;
        let feeders = list.iter().map(FeederMap::from_value).collect::<Result<_, _>>()?;
        Ok(GridMap { feeders })
    }
}

impl FeederMap {
    fn from_value(v: &serde_json::Value) -> Result<FeederMap, String> {
        let present = |key| v.get(key).filter(|x| !x.is_null());
        Ok(FeederMap {
            feeder: field(v, "feeder")?.as_str().ok_or("feeder is not a string")?.to_string(),
            topology: present("topology").map(MapTopology::from_value).transpose()?,
            state: present("state").map(MapState::from_value).transpose()?,
        })
    }
}

impl MapTopology {
    fn from_value(v: &serde_json::Value) -> Result<MapTopology, String> {
        let (b, l, t, m) =
            (field(v, "buses")?, field(v, "lines")?, field(v, "transformers")?, field(v, "meters")?);
        Ok(MapTopology {
            source: field(v, "source")?.as_str().unwrap_or_default().to_string(),
            slack_bus: int(field(v, "slack_bus")?, "slack_bus")?,
            buses: MapBuses {
                id: column(b, "buses.id", |x| x.as_str().map(str::to_string))?,
                lon: column(b, "buses.lon", |x| if x.is_null() { Some(None) } else { x.as_f64().map(Some) })?,
                lat: column(b, "buses.lat", |x| if x.is_null() { Some(None) } else { x.as_f64().map(Some) })?,
                vn_kv: column(b, "buses.vn_kv", serde_json::Value::as_f64)?,
            },
            lines: MapLines {
                id: column(l, "lines.id", |x| x.as_str().map(str::to_string))?,
                from_bus: column(l, "lines.from_bus", index)?,
                to_bus: column(l, "lines.to_bus", index)?,
                max_i_a: column(l, "lines.max_i_a", serde_json::Value::as_f64)?,
            },
            transformers: MapTransformers {
                id: column(t, "transformers.id", |x| x.as_str().map(str::to_string))?,
                hv_bus: column(t, "transformers.hv_bus", index)?,
                lv_bus: column(t, "transformers.lv_bus", index)?,
                sn_kva: column(t, "transformers.sn_kva", serde_json::Value::as_f64)?,
            },
            meters: MapMeters {
                id: column(m, "meters.id", |x| x.as_str().map(str::to_string))?,
                bus: column(m, "meters.bus", index)?,
                connected: column(m, "meters.connected", serde_json::Value::as_bool)?,
            },
        })
    }
}

impl MapState {
    fn from_value(v: &serde_json::Value) -> Result<MapState, String> {
        let f = |key: &str| field(v, key)?.as_f64().ok_or_else(|| format!("{key} is not a number"));
        let floats = |key: &str| column(v, key, serde_json::Value::as_f64);
        let indices = |key: &str| column(v, key, index);
        Ok(MapState {
            interval_start_ts: field(v, "interval_start_ts")?
                .as_i64()
                .ok_or("interval_start_ts is not an integer")?,
            interval_secs: int(field(v, "interval_secs")?, "interval_secs")?,
            not_converged: v.get("not_converged").and_then(|x| x.as_str()).map(str::to_string),
            slack_p_kw: f("slack_p_kw")?,
            losses_kw: f("losses_kw")?,
            bus_vm_pu: floats("bus_vm_pu")?,
            bus_net_production_kw: floats("bus_net_production_kw")?,
            bus_meters: indices("bus_meters")?,
            line_loading_percent: floats("line_loading_percent")?,
            line_p_from_kw: floats("line_p_from_kw")?,
            transformer_loading_percent: floats("transformer_loading_percent")?,
            transformer_p_hv_kw: floats("transformer_p_hv_kw")?,
            voltage_out_of_band: indices("voltage_out_of_band")?,
            overloaded_lines: indices("overloaded_lines")?,
            overloaded_transformers: indices("overloaded_transformers")?,
        })
    }
}

fn field<'a>(v: &'a serde_json::Value, key: &str) -> Result<&'a serde_json::Value, String> {
    v.get(key).ok_or_else(|| format!("missing field {key}"))
}

fn index(v: &serde_json::Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}

fn int(v: &serde_json::Value, what: &str) -> Result<u32, String> {
    index(v).ok_or_else(|| format!("{what} is not a count"))
}

/// The list under `key` (the last part of `what`), each value read by `one`.
fn column<T>(
    v: &serde_json::Value,
    what: &str,
    one: impl Fn(&serde_json::Value) -> Option<T>,
) -> Result<Vec<T>, String> {
    let key = what.rsplit('.').next().unwrap_or(what);
    let list = field(v, key)?.as_array().ok_or_else(|| format!("{what} is not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, x)| one(x).ok_or_else(|| format!("{what}[{i}] is {x}, not what it should be")))
        .collect()
}

/// `value` rounded to `decimals` places: what the map shows, in fewer bytes.
pub fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    // -0.0 reads as "-0" on a map.
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topology() -> MapTopology {
        MapTopology {
            source: "test".into(),
            slack_bus: 0,
            buses: MapBuses {
                id: vec!["A".into(), "B".into()],
                lon: vec![Some(100.5), None],
                lat: vec![Some(13.7), None],
                vn_kv: vec![20.0, 0.4],
            },
            lines: MapLines {
                id: vec!["A-B".into()],
                from_bus: vec![0],
                to_bus: vec![1],
                max_i_a: vec![270.0],
            },
            transformers: MapTransformers::default(),
            meters: MapMeters { id: vec!["ab".repeat(32)], bus: vec![1], connected: vec![true] },
        }
    }

    #[test]
    fn a_topology_whose_columns_disagree_is_refused_by_name() {
        assert_eq!(topology().check(), Ok(()));
        let mut t = topology();
        t.buses.lat.pop();
        assert_eq!(t.check().unwrap_err(), "buses.lat has 1 values for 2 elements");
        let mut t = topology();
        t.meters.bus[0] = 2;
        assert_eq!(t.check().unwrap_err(), "meters.bus names element 2 of 2");
    }

    #[test]
    fn a_state_must_fit_its_topology() {
        let t = topology();
        let mut s = MapState {
            bus_vm_pu: vec![1.0, 0.98],
            bus_net_production_kw: vec![0.0, 2.5],
            bus_meters: vec![0, 1],
            line_loading_percent: vec![3.2],
            line_p_from_kw: vec![-2.5],
            ..MapState::default()
        };
        assert_eq!(s.check(&t), Ok(()));
        s.line_p_from_kw.clear();
        assert!(s.check(&t).unwrap_err().starts_with("line_p_from_kw"));
        let failed = MapState { not_converged: Some("voltage collapse".into()), ..MapState::default() };
        assert_eq!(failed.check(&t), Ok(()), "no columns when it did not converge");
    }

    #[test]
    fn the_lean_reader_reads_what_serde_writes() {
        let state = MapState {
            interval_start_ts: 1_800_000_900,
            interval_secs: 900,
            slack_p_kw: -2.4,
            bus_vm_pu: vec![1.0, 0.98],
            bus_net_production_kw: vec![0.0, 2.5],
            bus_meters: vec![0, 1],
            line_loading_percent: vec![3.2],
            line_p_from_kw: vec![-2.5],
            voltage_out_of_band: vec![1],
            ..MapState::default()
        };
        let map = GridMap {
            feeders: vec![
                FeederMap { feeder: "F".into(), topology: Some(topology()), state: Some(state) },
                FeederMap {
                    feeder: "G".into(),
                    topology: None,
                    state: Some(MapState { not_converged: Some("collapse".into()), ..MapState::default() }),
                },
            ],
        };
        let json = serde_json::to_value(&map).unwrap();
        assert_eq!(GridMap::from_value(&json), Ok(map.clone()));
        assert_eq!(serde_json::from_value::<GridMap>(json.clone()).unwrap(), map);
        let mut bad = json.clone();
        bad["feeders"][0]["topology"]["lines"]["to_bus"][0] = serde_json::json!("B");
        assert_eq!(GridMap::from_value(&bad).unwrap_err(), "lines.to_bus[0] is \"B\", not what it should be");
        bad["feeders"][0]["state"].as_object_mut().unwrap().remove("bus_vm_pu");
        bad["feeders"][0]["topology"]["lines"]["to_bus"][0] = serde_json::json!(1);
        assert_eq!(GridMap::from_value(&bad).unwrap_err(), "missing field bus_vm_pu");
    }

    #[test]
    fn numbers_are_rounded_and_never_negative_zero() {
        assert_eq!(round(0.987_349, 4), 0.9873);
        assert_eq!(round(-0.0004, 2).to_string(), "0");
        assert_eq!(serde_json::to_string(&round(1.234_567_8, 2)).unwrap(), "1.23");
    }
}
