//! The telemetry message every meter reading is published as (Kafka topic `meter-readings`,
//! keyed by `meter`, and the simulator's JSON-lines output). This crate is the schema's
//! single definition: the simulator serializes it, the indexer decodes and validates it
//! with [`decode`], so producer and consumer cannot drift apart. The grid messages (topic
//! `grid-state`: each interval's power flow and the feeder's topology) are defined here too,
//! in [`grid_state`].
mod decode;
pub mod grid_state;

pub use decode::{decode, decode_with_limit, validate, Rejection, MAX_FUTURE_SECS};
pub use grid_state::{
    decode_grid, BusStateV1, GridEventV1, GridFlowV1, GridMessage, GridStateV1, GridTopologyV1, LineStateV1,
    MeterAttachmentV1, TransformerStateV1, GRID_STATE_SCHEMA_V1, GRID_TOPIC, GRID_TOPOLOGY_SCHEMA_V1,
};

use serde::{Deserialize, Serialize};

pub const SCHEMA_V1: &str = "gridtokenx.meter-reading.v1";
pub const TOPIC: &str = "meter-readings";

/// What is behind the meter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeterKind {
    /// PV and household load.
    Prosumer,
    /// Household load only.
    Consumer,
    /// PV, battery, EV charger and household load.
    Hybrid,
}

/// The sky over the fleet during the interval (the simulator's weather state).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weather {
    Clear,
    PartlyCloudy,
    Overcast,
    Rain,
}

impl Weather {
    pub const ALL: [Weather; 4] = [Weather::Clear, Weather::PartlyCloudy, Weather::Overcast, Weather::Rain];
}

/// Version 1. Additive changes keep the version; anything else bumps `schema`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeterReadingV1 {
    /// Always `gridtokenx.meter-reading.v1`.
    pub schema: String,
    /// The meter's account address (base58); also the Kafka message key.
    pub meter: String,
    /// The meter's 32-byte id, hex.
    pub meter_id: String,
    /// The meter owner's wallet (base58): the owner on the oracle's customer record, whom
    /// the signature binds and the only wallet the reading can mint to. `meter` is this
    /// owner's account for `meter_id`. Absent from messages of producers older than it.
    #[serde(default)]
    pub owner: Option<String>,
    pub kind: MeterKind,
    /// Start of the interval whose end the counters describe (unix seconds).
    pub interval_start_ts: i64,
    pub interval_secs: u32,
    /// Cumulative Wh exported to the grid at the interval's end.
    pub produced_wh: u64,
    /// Cumulative Wh imported from the grid at the interval's end.
    pub consumed_wh: u64,
    pub weather: Weather,
    /// Oracle key and Ed25519 signature (base58), when an oracle key was given.
    pub oracle: Option<String>,
    pub signature: Option<String>,
}
