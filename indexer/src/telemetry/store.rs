//! Telemetry in Postgres: a batch's readings and dead letters in one transaction, and the
//! reads the API serves.
use gridtokenx_telemetry::MeterReadingV1;
use rust_decimal::Decimal;
use sqlx::{PgExecutor, PgPool};

use super::consumer::Raw;
use crate::model::TelemetryReading;

/// A message that decoded, with where it came from.
pub struct Accepted {
    pub partition: i32,
    pub offset: i64,
    pub reading: MeterReadingV1,
}

/// A message refused by `gridtokenx_telemetry::decode`, kept byte for byte.
pub struct Rejected {
    pub raw: Raw,
    pub code: &'static str,
    pub reason: String,
}

/// What a write did: new rows, readings already stored, dead letters recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub stored: u64,
    pub duplicates: u64,
    pub dead_letters: u64,
}

/// Writes a batch in one transaction. Idempotent: a reading already stored for its
/// (meter, interval) and a dead letter already recorded for its offset are skipped, so a
/// batch redelivered after a crash before the offset commit changes nothing.
pub async fn write(pool: &PgPool, topic: &str, accepted: &[Accepted], rejected: &[Rejected]) -> sqlx::Result<Written> {
    let mut tx = pool.begin().await?;
    let stored = insert_readings(&mut *tx, accepted).await?;
    let dead_letters = insert_dead_letters(&mut *tx, topic, rejected).await?;
    tx.commit().await?;
    Ok(Written { stored, duplicates: accepted.len() as u64 - stored, dead_letters })
}

async fn insert_readings<'e>(db: impl PgExecutor<'e>, accepted: &[Accepted]) -> sqlx::Result<u64> {
    if accepted.is_empty() {
        return Ok(0);
    }
    // Column arrays for one multi-row insert through unnest.
    let mut meter = Vec::with_capacity(accepted.len());
    let (mut start, mut secs, mut meter_id) = (Vec::new(), Vec::new(), Vec::new());
    let (mut produced, mut consumed, mut kind, mut weather) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut oracle, mut signature, mut partition, mut offset) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for a in accepted {
        let r = &a.reading;
        meter.push(r.meter.clone());
        start.push(r.interval_start_ts);
        secs.push(i64::from(r.interval_secs));
        meter_id.push(r.meter_id.clone());
        produced.push(Decimal::from(r.produced_wh));
        consumed.push(Decimal::from(r.consumed_wh));
        kind.push(wire_name(&r.kind));
        weather.push(wire_name(&r.weather));
        oracle.push(r.oracle.clone());
        signature.push(r.signature.clone());
        partition.push(a.partition);
        offset.push(a.offset);
    }
    // The first copy of a (meter, interval) wins, also within one batch.
    let done = sqlx::query!(
        r#"insert into telemetry_readings
               (meter, interval_start_ts, interval_secs, meter_id, produced_wh, consumed_wh,
                kind, weather, oracle, signature, kafka_partition, kafka_offset)
           select * from unnest($1::text[], $2::int8[], $3::int8[], $4::text[], $5::numeric[],
                                $6::numeric[], $7::text[], $8::text[], $9::text[], $10::text[],
                                $11::int4[], $12::int8[])
           on conflict (meter, interval_start_ts) do nothing"#,
        &meter,
        &start,
        &secs,
        &meter_id,
        &produced,
        &consumed,
        &kind,
        &weather,
        &oracle as &[Option<String>],
        &signature as &[Option<String>],
        &partition,
        &offset,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn insert_dead_letters<'e>(db: impl PgExecutor<'e>, topic: &str, rejected: &[Rejected]) -> sqlx::Result<u64> {
    if rejected.is_empty() {
        return Ok(0);
    }
    let partition: Vec<i32> = rejected.iter().map(|r| r.raw.partition).collect();
    let offset: Vec<i64> = rejected.iter().map(|r| r.raw.offset).collect();
    let key: Vec<Option<Vec<u8>>> = rejected.iter().map(|r| r.raw.key.clone()).collect();
    let payload: Vec<Option<Vec<u8>>> = rejected.iter().map(|r| r.raw.payload.clone()).collect();
    let code: Vec<String> = rejected.iter().map(|r| r.code.to_string()).collect();
    let reason: Vec<String> = rejected.iter().map(|r| r.reason.clone()).collect();
    let done = sqlx::query!(
        r#"insert into telemetry_dead_letters (topic, kafka_partition, kafka_offset, key, payload, code, reason)
           select $1::text, * from unnest($2::int4[], $3::int8[], $4::bytea[], $5::bytea[], $6::text[], $7::text[])
           on conflict (topic, kafka_partition, kafka_offset) do nothing"#,
        topic,
        &partition,
        &offset,
        &key as &[Option<Vec<u8>>],
        &payload as &[Option<Vec<u8>>],
        &code,
        &reason,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// An enum's serde name (`partly_cloudy`), as the message spells it.
fn wire_name(value: &impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        other => unreachable!("a unit enum serializes to a string, not {other:?}"),
    }
}

/// The meter's latest telemetry readings, newest first.
pub async fn latest<'e>(db: impl PgExecutor<'e>, meter: &str, limit: i64) -> sqlx::Result<Vec<TelemetryReading>> {
    // Served by the primary key (meter, interval_start_ts), scanned backwards.
    sqlx::query_as!(
        TelemetryReading,
        r#"select meter, interval_start_ts, interval_secs, meter_id, produced_wh, consumed_wh,
                  kind, weather, oracle, signature
           from telemetry_readings where meter = $1
           order by interval_start_ts desc limit $2"#,
        meter,
        limit
    )
    .fetch_all(db)
    .await
}
