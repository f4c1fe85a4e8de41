//! The grid messages the simulator publishes beside the meter readings (Kafka topic
//! `grid-state`, keyed by the feeder's name; the control API's `/grid/*` and `/stream`):
//! each interval's power-flow result ([`GridStateV1`]) and the feeder it was computed on
//! ([`GridTopologyV1`]). Versioned like `MeterReadingV1`: additive changes keep `v1`,
//! anything else bumps `schema`, and consumers dispatch on `schema`. docs/telemetry.md.

use serde::{Deserialize, Serialize};

pub const GRID_TOPIC: &str = "grid-state";
pub const GRID_STATE_SCHEMA_V1: &str = "gridtokenx.grid-state.v1";
pub const GRID_TOPOLOGY_SCHEMA_V1: &str = "gridtokenx.grid-topology.v1";

/// One interval's power flow on one feeder. Element vectors list every bus, line and
/// transformer in the order of the topology's `feeder` lists, each named by its `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GridStateV1 {
    /// Always `gridtokenx.grid-state.v1`.
    pub schema: String,
    /// The feeder's name (as in its topology); also the Kafka message key.
    pub feeder: String,
    /// The interval the meters' mean powers are taken over (unix seconds), as in readings.
    pub interval_start_ts: i64,
    pub interval_secs: u32,
    /// The solved state; `null` when the power flow did not converge (a `not_converged`
    /// event then says why): a half-computed state is never published.
    pub flow: Option<GridFlowV1>,
    /// Limits broken in this interval (or the non-convergence), in bus, line, transformer order.
    pub events: Vec<GridEventV1>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GridFlowV1 {
    /// Backward/forward sweeps until no voltage moved more than the tolerance.
    pub iterations: u32,
    /// Largest voltage change of the last sweep, p.u.
    pub residual_pu: f64,
    /// Drawn from the external grid (negative: the feeder exports, reverse flow), MW / Mvar.
    pub slack_p_mw: f64,
    pub slack_q_mvar: f64,
    /// Lines and transformers together.
    pub losses_mw: f64,
    pub losses_mvar: f64,
    pub buses: Vec<BusStateV1>,
    pub lines: Vec<LineStateV1>,
    pub transformers: Vec<TransformerStateV1>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BusStateV1 {
    pub id: String,
    /// Voltage magnitude, per unit of the bus's nominal voltage.
    pub vm_pu: f64,
    pub va_degree: f64,
    /// Net power drawn at the bus (load − generation; at the slack, minus the supply), MW.
    pub p_mw: f64,
    pub q_mvar: f64,
    /// Meters attached to the bus (those still connected).
    pub meters: u32,
}

/// Power positive into the line at each of its own ends (`from_bus`, `to_bus`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineStateV1 {
    pub id: String,
    pub p_from_mw: f64,
    pub q_from_mvar: f64,
    pub p_to_mw: f64,
    pub q_to_mvar: f64,
    pub i_from_ka: f64,
    pub i_to_ka: f64,
    /// The larger end current over the rating, %.
    pub loading_percent: f64,
    pub pl_mw: f64,
    pub ql_mvar: f64,
}

/// Power positive into the transformer at the HV side and out of it at the LV side:
/// `p_hv_mw < 0` is reverse flow (the LV network exports to MV).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransformerStateV1 {
    pub id: String,
    pub p_hv_mw: f64,
    pub q_hv_mvar: f64,
    pub p_lv_mw: f64,
    pub q_lv_mvar: f64,
    pub i_hv_ka: f64,
    pub i_lv_ka: f64,
    /// The larger side current over its rated current, %.
    pub loading_percent: f64,
    pub pl_mw: f64,
    pub ql_mvar: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GridEventV1 {
    /// A bus outside the voltage band (EN 50160: ±10 % by default).
    VoltageOutOfBand {
        bus: String,
        vm_pu: f64,
        v_min_pu: f64,
        v_max_pu: f64,
    },
    LineOverloaded {
        line: String,
        loading_percent: f64,
        max_loading_percent: f64,
    },
    TransformerOverloaded {
        transformer: String,
        loading_percent: f64,
        max_loading_percent: f64,
    },
    /// The power flow did not settle: the feeder cannot carry this load, or ran out of
    /// iterations. `residual_pu` is the last sweep's largest voltage change, `null` once the
    /// voltages collapsed (no finite residual exists then).
    NotConverged {
        iterations: u32,
        residual_pu: Option<f64>,
        reason: String,
    },
}

/// The feeder the states are computed on, and where each meter hangs. Published when the
/// simulator starts and again whenever a meter is attached.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GridTopologyV1 {
    /// Always `gridtokenx.grid-topology.v1`.
    pub schema: String,
    /// The feeder in the grid crate's file format (docs/grid.md, "File format"): buses with
    /// coordinates, lines, transformers, the slack. A file written from it loads back.
    #[schema(value_type = Object)]
    pub feeder: ::grid::FeederSpec,
    /// Where the feeder came from: `generated`, `cigre-lv` or the file's path.
    pub source: String,
    /// Every meter of the fleet and its bus, in fleet order.
    pub meters: Vec<MeterAttachmentV1>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeterAttachmentV1 {
    /// The meter's 32-byte id, hex (as `meter_id` in its readings).
    pub meter_id: String,
    pub bus: String,
    /// False once the meter was decommissioned: its household draws nothing any more.
    pub connected: bool,
}

/// A message of the `grid-state` topic.
#[derive(Clone, Debug, PartialEq)]
pub enum GridMessage {
    State(GridStateV1),
    Topology(GridTopologyV1),
}

/// Decodes a `grid-state` topic payload by its `schema` (the consumer's single gate, as
/// [`crate::decode`] is for readings).
pub fn decode_grid(payload: &[u8]) -> Result<GridMessage, crate::Rejection> {
    use crate::Rejection;
    let value: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| Rejection::Unparseable(e.to_string()))?;
    let schema =
        value.get("schema").and_then(serde_json::Value::as_str).unwrap_or("(no schema field)").to_string();
    let unparseable = |e: serde_json::Error| Rejection::Unparseable(e.to_string());
    match schema.as_str() {
        GRID_STATE_SCHEMA_V1 => serde_json::from_value(value).map(GridMessage::State).map_err(unparseable),
        GRID_TOPOLOGY_SCHEMA_V1 => {
            serde_json::from_value(value).map(GridMessage::Topology).map_err(unparseable)
        }
        _ => Err(Rejection::UnknownSchema(schema)),
    }
}
