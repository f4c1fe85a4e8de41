//! The telemetry message every reading is published as (Kafka topic `meter-readings`,
//! keyed by `meter`, and the simulator's JSON-lines output). The schema itself lives in the
//! `gridtokenx-telemetry` crate, shared with the indexer that consumes it; this module
//! builds messages from the simulation's state.
use anchor_lang::prelude::Pubkey;

pub use gridtokenx_telemetry::{MeterReadingV1, SCHEMA_V1, TOPIC};

use crate::fleet::{Fleet, IntervalReadings};
use crate::meter::MeterKind;
use crate::model::weather::Weather;
use crate::oracle::SignedReading;
use crate::Reading;

/// One meter's message for one reading (a free function: the type is the schema crate's).
/// `meter` is `owner`'s account for `meter_id`.
#[allow(clippy::too_many_arguments)]
pub fn message(
    meter: &Pubkey,
    meter_id: &[u8; 32],
    owner: &Pubkey,
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
        owner: Some(owner.to_string()),
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

/// Unsigned messages for an interval's readings, in the same order; `owners[i]` is the
/// owner of fleet meter `i` on the customer record.
pub fn for_interval(fleet: &Fleet, interval: &IntervalReadings, owners: &[Pubkey]) -> Vec<MeterReadingV1> {
    interval
        .readings
        .iter()
        .map(|(i, reading)| {
            let meter = &fleet.meters[*i];
            let owner = &owners[*i];
            message(
                &energy::client::meter_address(&meter.meter_id, owner),
                &meter.meter_id,
                owner,
                meter.kind,
                reading,
                fleet.config.interval_s,
                fleet.weather,
                None,
            )
        })
        .collect()
}
