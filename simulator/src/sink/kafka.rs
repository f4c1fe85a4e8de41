//! Readings to Kafka: topic `meter-readings` (by default), keyed by the meter's address so a
//! meter's readings stay ordered within one partition, JSON values of the schema in
//! `telemetry`. librdkafka batches, compresses and retries in its own thread; delivery
//! outcomes are counted in its callback, so a slow or dead broker never stalls the
//! simulation. A full local queue is backpressure (the simulation waits), never a drop; what
//! is still undelivered when the run ends is reported, never hidden. The same producer
//! publishes the grid messages (topic `grid-state` by default, keyed by the feeder's name),
//! counted apart.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::{ClientContext, DefaultClientContext};
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use serde::Serialize;

use crate::telemetry::MeterReadingV1;

/// Partitions for a topic this sink creates (keys spread meters over them).
const PARTITIONS: i32 = 3;

/// A grid state holds every bus and line of the feeder (≈ 0.23 kB each: 1.2 MB for the
/// 10,000-meter generated feeder) and a topology the whole feeder description; librdkafka
/// refuses a message above `message.max.bytes` (1 MB by default) before compression, so the
/// limit is raised. lz4 shrinks these repetitive JSON objects several-fold on the wire, under
/// a broker's usual 1 MB batch limit.
const MAX_MESSAGE_BYTES: &str = "33554432";

/// Which topic a delivery verdict belongs to (librdkafka's per-message opaque).
const READINGS: usize = 0;
const GRID: usize = 1;

#[derive(Default)]
struct Counts {
    delivered: AtomicU64,
    failed: AtomicU64,
    last_error: Mutex<Option<String>>,
}

#[derive(Default)]
struct Deliveries([Counts; 2]);

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, topic: usize) {
        let Some(counts) = self.0.get(topic) else { return };
        match result {
            Ok(_) => {
                counts.delivered.fetch_add(1, Ordering::Relaxed);
            }
            Err((error, _)) => {
                counts.failed.fetch_add(1, Ordering::Relaxed);
                *counts.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
            }
        }
    }
}

/// What happened to the messages handed to Kafka.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KafkaReport {
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub last_error: Option<String>,
}

pub struct KafkaSink {
    producer: ThreadedProducer<Deliveries>,
    topic: String,
    grid_topic: String,
    /// Messages queued, per topic (`READINGS`, `GRID`).
    sent: [u64; 2],
}

#[derive(Debug, thiserror::Error)]
pub enum KafkaSinkError {
    #[error("Kafka client: {0}")]
    Client(#[from] KafkaError),
    #[error(
        "cannot reach a Kafka broker at {brokers}: {reason} (start one, e.g. the workspace's `gridtokenx-broker broker --storage-engine memory://tansu/`, or drop --kafka-brokers)"
    )]
    Unreachable { brokers: String, reason: String },
    #[error("cannot create topic {topic}: {reason}")]
    Topic { topic: String, reason: String },
}

impl KafkaSink {
    /// Connects, creates `topic` and `grid_topic` if they are missing, and returns a ready
    /// producer. `options` are passed to librdkafka as they are (e.g. `message.timeout.ms=600000`).
    pub async fn connect(
        brokers: &str,
        topic: &str,
        grid_topic: &str,
        options: &[(String, String)],
    ) -> Result<KafkaSink, KafkaSinkError> {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", brokers)
            .set("client.id", "gridtokenx-simulator")
            // Every message is acknowledged by the partition leader before it counts as delivered.
            .set("acks", "all")
            .set("enable.idempotence", "false")
            .set("linger.ms", "20")
            .set("compression.type", "lz4")
            .set("message.max.bytes", MAX_MESSAGE_BYTES);
        for (key, value) in options {
            config.set(key, value);
        }
        ensure_topic(&config, brokers, topic).await?;
        ensure_topic(&config, brokers, grid_topic).await?;
        let producer = config.create_with_context(Deliveries::default())?;
        Ok(KafkaSink { producer, topic: topic.to_string(), grid_topic: grid_topic.to_string(), sent: [0; 2] })
    }

    /// Queues one reading; waits while librdkafka's local queue is full.
    pub async fn publish(&mut self, reading: &MeterReadingV1) -> Result<(), KafkaSinkError> {
        let payload = serde_json::to_vec(reading).expect("a reading serializes");
        self.send(READINGS, reading.meter.as_str(), &payload).await
    }

    /// Queues one grid message (state or topology, already JSON), keyed by its feeder.
    pub async fn publish_grid(&mut self, feeder: &str, payload: &[u8]) -> Result<(), KafkaSinkError> {
        self.send(GRID, feeder, payload).await
    }

    async fn send(&mut self, which: usize, key: &str, payload: &[u8]) -> Result<(), KafkaSinkError> {
        let topic = if which == GRID { &self.grid_topic } else { &self.topic };
        let mut record = BaseRecord::with_opaque_to(topic, which).key(key).payload(payload);
        loop {
            match self.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    record = back;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err((e, _)) => return Err(e.into()),
            }
        }
        self.sent[which] += 1;
        Ok(())
    }

    /// The readings topic's counts.
    pub fn report(&self) -> KafkaReport {
        self.counts(READINGS)
    }

    /// The grid topic's counts.
    pub fn grid_report(&self) -> KafkaReport {
        self.counts(GRID)
    }

    fn counts(&self, which: usize) -> KafkaReport {
        let counts = &self.producer.context().0[which];
        KafkaReport {
            sent: self.sent[which],
            delivered: counts.delivered.load(Ordering::Relaxed),
            failed: counts.failed.load(Ordering::Relaxed),
            last_error: counts.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }

    /// Waits up to `timeout` for every queued message's verdict, then reports.
    pub fn finish(&self, timeout: Duration) -> KafkaReport {
        // A timeout here leaves the rest counted as neither delivered nor failed.
        let _ = self.producer.flush(timeout);
        self.report()
    }
}

async fn ensure_topic(config: &ClientConfig, brokers: &str, topic: &str) -> Result<(), KafkaSinkError> {
    let admin: AdminClient<DefaultClientContext> = config.create()?;
    let unreachable =
        |e: KafkaError| KafkaSinkError::Unreachable { brokers: brokers.into(), reason: e.to_string() };
    // Metadata first: it fails fast and clearly when nothing listens at `brokers`.
    let metadata = admin.inner().fetch_metadata(None, Duration::from_secs(10)).map_err(unreachable)?;
    if metadata.topics().iter().any(|t| t.name() == topic && t.error().is_none()) {
        return Ok(());
    }
    let new = NewTopic::new(topic, PARTITIONS, TopicReplication::Fixed(1));
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = admin.create_topics([&new], &options).await.map_err(unreachable)?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((name, code)) => return Err(KafkaSinkError::Topic { topic: name, reason: code.to_string() }),
        }
    }
    Ok(())
}
