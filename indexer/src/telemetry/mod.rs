//! Meter telemetry: Kafka topic `meter-readings` → Postgres, at least once.
//!
//! Per batch: decode every message with the schema crate (`gridtokenx_telemetry::decode`),
//! write the readings and the dead letters in one database transaction, and only then
//! commit the batch's offsets. A crash anywhere re-reads from the last committed offset,
//! and the writes are idempotent, so nothing is lost and nothing doubled. Bad input is
//! dead-lettered and never stops the consumer; a dead database holds the batch (retried
//! with backoff, offsets not committed); a dead broker is librdkafka's to reconnect.
//!
//! The grid topic (`grid-state`: feeder topologies and power-flow states) is consumed the
//! same way by a second member (`grid`), in the group `<group>-grid`.
pub mod consumer;
pub mod grid;
pub mod grid_store;
pub mod store;

use std::time::{Duration, Instant};

use sqlx::PgPool;

use self::consumer::Raw;
use self::store::{Accepted, Rejected, Written};
use crate::config::{backoff, KafkaArgs};
use crate::metrics as m;

/// Consumes telemetry (readings, and the grid unless its topic is empty) forever; returns
/// only on a configuration error. Grid changes go out on the `grid` channel via `fanout`.
pub async fn run(pool: PgPool, args: KafkaArgs, fanout: crate::fanout::Fanout) -> anyhow::Result<()> {
    if args.kafka_grid_topic.is_empty() {
        return run_readings(pool, args).await;
    }
    tokio::try_join!(run_readings(pool.clone(), args.clone()), grid::run(pool, args, fanout)).map(|_| ())
}

async fn run_readings(pool: PgPool, args: KafkaArgs) -> anyhow::Result<()> {
    let consumer = consumer::subscribe(&args, &args.kafka_topic, &args.kafka_group)?;
    tracing::info!(
        "telemetry: consuming {} from {} as group {}",
        args.kafka_topic,
        args.kafka_brokers,
        args.kafka_group
    );
    let linger = Duration::from_millis(args.kafka_linger_ms);
    loop {
        let batch = consumer::next_batch(&consumer, args.kafka_batch, linger).await;
        let (accepted, rejected) = classify(&batch, unix_now(), args.telemetry_max_future_secs);
        let written = write_until_done(&pool, &args.kafka_topic, &accepted, &rejected).await;
        record(&written, &rejected);
        consumer::commit(&consumer, &args.kafka_topic, &batch);
    }
}

/// Splits a batch into decoded readings and dead letters.
pub fn classify(batch: &[Raw], now_unix: i64, max_future_secs: i64) -> (Vec<Accepted>, Vec<Rejected>) {
    let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
    for raw in batch {
        // A tombstone (no payload) decodes like an empty one: unparseable.
        let payload = raw.payload.as_deref().unwrap_or_default();
        match gridtokenx_telemetry::decode_with_limit(payload, now_unix, max_future_secs) {
            Ok(reading) => accepted.push(Accepted { partition: raw.partition, offset: raw.offset, reading }),
            Err(rejection) => {
                tracing::debug!("telemetry: dead letter at {}@{}: {rejection}", raw.partition, raw.offset);
                rejected.push(Rejected { raw: raw.clone(), code: rejection.code(), reason: rejection.to_string() });
            }
        }
    }
    (accepted, rejected)
}

/// Writes the batch, retrying for as long as the database is down: the batch is held and
/// its offsets stay uncommitted, so waiting loses nothing.
async fn write_until_done(pool: &PgPool, topic: &str, accepted: &[Accepted], rejected: &[Rejected]) -> Written {
    let mut attempt = 0;
    loop {
        let started = Instant::now();
        match store::write(pool, topic, accepted, rejected).await {
            Ok(written) => {
                metrics::histogram!(m::TELEMETRY_BATCH_SECONDS).record(started.elapsed().as_secs_f64());
                if attempt > 0 {
                    tracing::info!("telemetry: database back; batch written");
                }
                return written;
            }
            Err(e) => {
                metrics::counter!(m::DB_ERRORS).increment(1);
                tracing::warn!(
                    "telemetry: writing {} messages failed ({e}); retrying, offsets stay uncommitted",
                    accepted.len() + rejected.len()
                );
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    }
}

fn record(written: &Written, rejected: &[Rejected]) {
    let messages = |outcome: &'static str, n: u64| metrics::counter!(m::TELEMETRY_MESSAGES, "outcome" => outcome).increment(n);
    messages("stored", written.stored);
    messages("duplicate", written.duplicates);
    messages("dead_letter", rejected.len() as u64);
    metrics::counter!(m::TELEMETRY_ROWS).increment(written.stored);
    for r in rejected {
        metrics::counter!(m::DEAD_LETTERS, "code" => r.code).increment(1);
    }
    if let Some(first) = rejected.first() {
        tracing::warn!(
            "telemetry: {} message(s) dead-lettered (telemetry_dead_letters), e.g. {}@{}: {}",
            rejected.len(),
            first.raw.partition,
            first.raw.offset,
            first.reason
        );
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
