//! The feeder description: what a JSON feeder file holds, and what the built-in feeders
//! produce before it is checked and resolved into a [`crate::Feeder`]. docs/grid.md documents
//! every field; the names and units are pandapower's, so a pandapower user reads it at once.

use serde::{Deserialize, Serialize};

use crate::FeederError;

/// A whole feeder, exactly as a file spells it. Buses are referred to by their `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeederSpec {
    pub name: String,
    /// System frequency, for the lines' shunt capacitance.
    #[serde(default = "default_f_hz")]
    pub f_hz: f64,
    pub slack: SlackSpec,
    pub buses: Vec<BusSpec>,
    #[serde(default)]
    pub lines: Vec<LineSpec>,
    #[serde(default)]
    pub transformers: Vec<TransformerSpec>,
    /// The feeder's own loads (a base case); the simulator replaces them every step.
    #[serde(default)]
    pub loads: Vec<PowerSpec>,
    #[serde(default)]
    pub generation: Vec<PowerSpec>,
}

fn default_f_hz() -> f64 {
    50.0
}

fn default_vm_pu() -> f64 {
    1.0
}

/// The external grid: an ideal voltage source at one bus (pandapower's `ext_grid` in a power
/// flow; its short-circuit power plays no part there).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSpec {
    pub bus: String,
    #[serde(default = "default_vm_pu")]
    pub vm_pu: f64,
    #[serde(default)]
    pub va_degree: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    pub id: String,
    /// Nominal line-to-line voltage, the bus's per-unit base.
    pub vn_kv: f64,
    /// WGS84 longitude and latitude in degrees; both or neither.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Whether meters (service connections) may be attached here. Absent: the buses that
    /// carry a load in the file, or every LV bus but the slack when no bus does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<bool>,
}

/// A three-phase line or cable, pi model (series r + jx, half the shunt c at each end).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSpec {
    pub id: String,
    pub from_bus: String,
    pub to_bus: String,
    pub length_km: f64,
    pub r_ohm_per_km: f64,
    pub x_ohm_per_km: f64,
    #[serde(default)]
    pub c_nf_per_km: f64,
    /// Thermal rating: loading 100 % at this current.
    pub max_i_ka: f64,
}

/// A two-winding transformer from its nameplate, as pandapower defines it: short-circuit
/// voltage `vk_percent` and its real part `vkr_percent` on `sn_mva`, iron losses `pfe_kw`,
/// open-circuit current `i0_percent`, and the vector group's phase shift (LV lags HV).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransformerSpec {
    pub id: String,
    pub hv_bus: String,
    pub lv_bus: String,
    pub sn_mva: f64,
    pub vn_hv_kv: f64,
    pub vn_lv_kv: f64,
    pub vk_percent: f64,
    pub vkr_percent: f64,
    #[serde(default)]
    pub pfe_kw: f64,
    #[serde(default)]
    pub i0_percent: f64,
    #[serde(default)]
    pub shift_degree: f64,
}

/// Power at a bus: consumed for a load, produced for generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PowerSpec {
    pub bus: String,
    pub p_mw: f64,
    #[serde(default)]
    pub q_mvar: f64,
}

impl FeederSpec {
    /// Parses a feeder file. A field of the wrong type, a missing or unknown field is refused
    /// with its path (`lines[3].r_ohm_per_km`); the values are checked by [`crate::Feeder::new`].
    pub fn from_json(text: &str) -> Result<Self, FeederError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let mut path = e.path().to_string();
            if path == "." {
                path.clear();
            }
            let message = e.into_inner().to_string();
            // serde reports a missing field at its parent's path, naming it in the message:
            // put it in the path, where a reader looks.
            for prefix in ["missing field `", "unknown field `"] {
                if let Some(rest) = message.strip_prefix(prefix) {
                    let name = rest.split('`').next().unwrap_or_default();
                    if !path.ends_with(name) {
                        path = if path.is_empty() { name.to_string() } else { format!("{path}.{name}") };
                    }
                }
            }
            FeederError::Field { field: path, message }
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a feeder spec always serializes")
    }
}
