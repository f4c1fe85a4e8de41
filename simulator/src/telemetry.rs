//! The telemetry message every reading is published as (Kafka topic `meter-readings`,
//! keyed by `meter`, and the simulator's JSON-lines output). This struct is the schema's
//! single definition; consumers deserialize it from here.
use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};

use crate::fleet::{Fleet, IntervalReadings};
use crate::meter::MeterKind;
use crate::model::weather::Weather;
use crate::oracle::SignedReading;
use crate::Reading;

pub const SCHEMA_V1: &str = "gridtokenx.meter-reading.v1";
pub const TOPIC: &str = "meter-readings";

/// Version 1. Additive changes keep the version; anything else bumps `schema`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeterReadingV1 {
    /// Always `gridtokenx.meter-reading.v1`.
    pub schema: String,
    /// The meter's account address (base58); also the Kafka message key.
    pub meter: String,
    /// The meter's 32-byte id, hex.
    pub meter_id: String,
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

impl MeterReadingV1 {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        meter: &Pubkey,
        meter_id: &[u8; 32],
        kind: MeterKind,
        reading: &Reading,
        interval_secs: u32,
        weather: Weather,
        signed: Option<&SignedReading>,
    ) -> MeterReadingV1 {
        MeterReadingV1 {
            schema: SCHEMA_V1.to_string(),
            meter: meter.to_string(),
            meter_id: meter_id.iter().map(|b| format!("{b:02x}")).collect(),
            kind,
            interval_start_ts: reading.interval_start_ts,
            interval_secs,
            produced_wh: reading.produced_wh,
            consumed_wh: reading.consumed_wh,
            weather,
            oracle: signed.map(|s| s.oracle.to_string()),
            signature: signed.map(|s| s.signature.to_string()),
        }
    }
}

/// Unsigned messages for an interval's readings, in the same order.
pub fn for_interval(fleet: &Fleet, interval: &IntervalReadings) -> Vec<MeterReadingV1> {
    interval
        .readings
        .iter()
        .map(|(i, reading)| {
            let meter = &fleet.meters[*i];
            MeterReadingV1::new(
                &energy::client::meter_address(&meter.meter_id),
                &meter.meter_id,
                meter.kind,
                reading,
                fleet.config.interval_s,
                fleet.weather,
                None,
            )
        })
        .collect()
}
