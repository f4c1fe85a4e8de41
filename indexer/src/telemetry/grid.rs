//! Kafka `grid-state` → Postgres: feeder topologies and their latest power-flow state.
//!
//! The same machinery as the readings: a batch is decoded by the schema crate
//! (`gridtokenx_telemetry::decode_grid`), written with its dead letters in one database
//! transaction, and only then are its offsets committed. Both tables hold "the latest per
//! feeder", so within a batch only each feeder's newest topology (by offset) and newest
//! state (by interval) are written, and the database refuses to go backwards.
use std::collections::HashMap;
use std::time::Instant;

use gridtokenx_telemetry::{GridMessage, GridStateV1, GridTopologyV1};
use sqlx::PgPool;

use super::consumer::{self, Raw};
use super::grid_store;
use super::store::Rejected;
use crate::config::{backoff, KafkaArgs};
use crate::fanout::{Delta, Fanout};
use crate::metrics as m;

/// A decoded topology with where it came from (the offset orders a feeder's topologies).
pub struct TopologyAt {
    pub partition: i32,
    pub offset: i64,
    pub topology: GridTopologyV1,
}

pub struct StateAt {
    pub partition: i32,
    pub offset: i64,
    pub state: GridStateV1,
}

/// A batch split: each feeder's newest topology and state, and the dead letters.
#[derive(Default)]
pub struct GridBatch {
    pub topologies: Vec<TopologyAt>,
    pub states: Vec<StateAt>,
    pub rejected: Vec<Rejected>,
}

/// The consumer group of the grid member: its own, so that the readings' group keeps its
/// single subscription (and lag) and either can be reset alone.
pub fn group(args: &KafkaArgs) -> String {
    format!("{}-grid", args.kafka_group)
}

/// Consumes the grid topic forever; each batch that changed a feeder is published on the
/// `grid` channel through `fanout` once committed.
pub async fn run(pool: PgPool, args: KafkaArgs, fanout: Fanout) -> anyhow::Result<()> {
    let topic = args.kafka_grid_topic.clone();
    let consumer = consumer::subscribe(&args, &topic, &group(&args))?;
    tracing::info!("telemetry: consuming {topic} from {} as group {}", args.kafka_brokers, group(&args));
    let linger = std::time::Duration::from_millis(args.kafka_linger_ms);
    loop {
        let batch = consumer::next_batch(&consumer, args.kafka_batch, linger).await;
        let split = classify(&batch);
        if let Some(delta) = write_until_done(&pool, &topic, &split).await {
            fanout.publish(vec![delta]);
        }
        record(&split);
        consumer::commit(&consumer, &topic, &batch);
    }
}

/// Decodes a batch; keeps only the newest topology and state of each feeder.
pub fn classify(batch: &[Raw]) -> GridBatch {
    let mut topologies: HashMap<String, TopologyAt> = HashMap::new();
    let mut states: HashMap<String, StateAt> = HashMap::new();
    let mut rejected = Vec::new();
    for raw in batch {
        let payload = raw.payload.as_deref().unwrap_or_default();
        match gridtokenx_telemetry::decode_grid(payload) {
            Ok(GridMessage::Topology(topology)) => {
                let at = TopologyAt { partition: raw.partition, offset: raw.offset, topology };
                // A batch's messages arrive in offset order per partition: the later wins.
                topologies.insert(at.topology.feeder.name.clone(), at);
            }
            Ok(GridMessage::State(state)) => {
                let newer = states
                    .get(&state.feeder)
                    .is_none_or(|s| s.state.interval_start_ts <= state.interval_start_ts);
                if newer {
                    states.insert(
                        state.feeder.clone(),
                        StateAt { partition: raw.partition, offset: raw.offset, state },
                    );
                }
            }
            Err(rejection) => rejected.push(Rejected {
                raw: raw.clone(),
                code: rejection.code(),
                reason: rejection.to_string(),
            }),
        }
    }
    GridBatch {
        topologies: topologies.into_values().collect(),
        states: states.into_values().collect(),
        rejected,
    }
}

async fn write_until_done(pool: &PgPool, topic: &str, batch: &GridBatch) -> Option<Delta> {
    let mut attempt = 0;
    loop {
        let started = Instant::now();
        match grid_store::write(pool, topic, batch).await {
            Ok(delta) => {
                metrics::histogram!(m::TELEMETRY_BATCH_SECONDS).record(started.elapsed().as_secs_f64());
                return delta;
            }
            Err(e) => {
                metrics::counter!(m::DB_ERRORS).increment(1);
                tracing::warn!(
                    "telemetry: writing grid messages failed ({e}); retrying, offsets stay uncommitted"
                );
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
        }
    }
}

fn record(batch: &GridBatch) {
    for r in &batch.rejected {
        metrics::counter!(m::DEAD_LETTERS, "code" => r.code).increment(1);
    }
    if let Some(first) = batch.rejected.first() {
        tracing::warn!(
            "telemetry: {} grid message(s) dead-lettered (telemetry_dead_letters), e.g. {}@{}: {}",
            batch.rejected.len(),
            first.raw.partition,
            first.raw.offset,
            first.reason
        );
    }
}
