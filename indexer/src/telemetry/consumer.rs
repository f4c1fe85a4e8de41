//! The Kafka side: a consumer-group member that hands out batches and commits offsets only
//! when told (after the database commit), so delivery is at-least-once.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientContext, Message, Offset, TopicPartitionList};

use crate::config::{backoff, KafkaArgs};
use crate::metrics as m;

/// One message, copied out of librdkafka's buffer so that a batch outlives `recv`.
#[derive(Clone, Debug)]
pub struct Raw {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Option<Vec<u8>>,
}

/// Whether this process's telemetry consumer reaches a broker: -1 no consumer here (or not
/// known yet), 0 none reachable, 1 reachable. Read by `/health/ready`.
static BROKER_REACHABLE: AtomicI8 = AtomicI8::new(-1);

/// `None` when no telemetry consumer runs in this process or it has no verdict yet.
pub fn broker_reachable() -> Option<bool> {
    match BROKER_REACHABLE.load(Ordering::Relaxed) {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// Logs the client's errors and turns its statistics into the lag gauge and the broker
/// verdict (statistics arrive every 5 s, so health follows within that).
pub struct KafkaContext {
    topic: String,
}

impl ClientContext for KafkaContext {
    fn stats(&self, stats: Statistics) {
        let up = stats.brokers.values().any(|b| b.state == "UP");
        BROKER_REACHABLE.store(i8::from(up), Ordering::Relaxed);
        // Lag = high watermark − committed offset, summed over our partitions (-1: unknown).
        if let Some(topic) = stats.topics.get(&self.topic) {
            let lag: i64 =
                topic.partitions.values().filter(|p| p.partition >= 0 && p.consumer_lag >= 0).map(|p| p.consumer_lag).sum();
            metrics::gauge!(m::KAFKA_LAG, "topic" => self.topic.clone()).set(lag as f64);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        if error.rdkafka_error_code() == Some(rdkafka::types::RDKafkaErrorCode::AllBrokersDown) {
            BROKER_REACHABLE.store(0, Ordering::Relaxed);
        }
        // Broker down, DNS, …: librdkafka keeps reconnecting on its own; nothing to do but say so.
        tracing::warn!("Kafka: {error}: {reason} (retrying; check --kafka-brokers / INDEXER_KAFKA_BROKERS)");
    }
}

impl ConsumerContext for KafkaContext {
    /// The outcome of an asynchronous commit (see `commit`), served while the consumer polls.
    fn commit_callback(&self, result: KafkaResult<()>, offsets: &TopicPartitionList) {
        if let Err(e) = result {
            let offsets: Vec<(i32, Offset)> = offsets.elements().iter().map(|e| (e.partition(), e.offset())).collect();
            tracing::warn!("Kafka: committing offsets {offsets:?} failed ({e}); the next commit covers them, or they are re-read");
        }
    }
}

/// How long dropping a consumer waits for librdkafka to close it (leave the group, finish
/// in-flight requests).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// The group member. Dropping it closes it for at most `CLOSE_WAIT`: librdkafka's close
/// waits, without a timeout, for a commit in flight when the broker died (seen > 5 min), and a
/// process asked to stop (Ctrl-C) must stop. A consumer that could not close is left to its
/// thread; the broker ends its membership after the session timeout, as for a SIGKILL.
pub struct TelemetryConsumer(Option<StreamConsumer<KafkaContext>>);

impl std::ops::Deref for TelemetryConsumer {
    type Target = StreamConsumer<KafkaContext>;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref().expect("only Drop takes the consumer")
    }
}

impl Drop for TelemetryConsumer {
    fn drop(&mut self) {
        let Some(consumer) = self.0.take() else { return };
        let (closed, waited) = std::sync::mpsc::channel();
        let closing = std::thread::Builder::new().name("kafka-close".into()).spawn(move || {
            drop(consumer);
            let _ = closed.send(());
        });
        if closing.is_ok() && waited.recv_timeout(CLOSE_WAIT).is_err() {
            tracing::warn!(
                "Kafka: the consumer did not close within {} s (broker unreachable?); going on without it, \
                 the broker gives its partitions to another member after the session timeout",
                CLOSE_WAIT.as_secs()
            );
        }
    }
}

/// Joins the group and subscribes to `topic`. Fails only on configuration errors: an
/// unreachable broker is not an error here, the client waits for it.
pub fn subscribe(args: &KafkaArgs, topic: &str, group: &str) -> anyhow::Result<Arc<TelemetryConsumer>> {
    let consumer: TelemetryConsumer = ClientConfig::new()
        .set("bootstrap.servers", &args.kafka_brokers)
        .set("group.id", group)
        .set("client.id", "gridtokenx-indexer")
        // Offsets are committed by hand, after the rows they cover are in Postgres.
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        // A new group starts at the beginning of the log: no reading is skipped.
        .set("auto.offset.reset", "earliest")
        // A member that dies without leaving (SIGKILL) holds its partitions until its
        // session ends: 10 s rather than 45, so a restarted indexer resumes quickly.
        // Heartbeats come from librdkafka's own thread, so a slow batch does not end it.
        .set("session.timeout.ms", "10000")
        .set("heartbeat.interval.ms", "3000")
        // A topic that does not exist yet (the simulator not started) is looked for again
        // every 10 s rather than librdkafka's default 5 min.
        .set("topic.metadata.refresh.interval.ms", "10000")
        .set("statistics.interval.ms", "5000")
        .create_with_context(KafkaContext { topic: topic.to_string() })
        .map(|consumer| TelemetryConsumer(Some(consumer)))
        .with_context(|| format!("creating a Kafka consumer for {} (check --kafka-brokers)", args.kafka_brokers))?;
    consumer
        .subscribe(&[topic])
        .with_context(|| format!("subscribing to Kafka topic {topic:?} (check --kafka-topic / --kafka-grid-topic)"))?;
    Ok(Arc::new(consumer))
}

/// How long a consumer waits for a message before it checks that the group is not stuck.
const STALL_CHECK: Duration = Duration::from_secs(15);

/// Waits for a message, then takes what else arrives within `linger`, up to `max`.
pub async fn next_batch(consumer: &Arc<TelemetryConsumer>, max: usize, linger: Duration) -> Vec<Raw> {
    let mut batch = Vec::new();
    let mut errors = 0;
    let mut stall = Stall::default();
    while batch.is_empty() {
        let received = match tokio::time::timeout(STALL_CHECK, consumer.recv()).await {
            Ok(received) => received,
            Err(_) => {
                stall.check(consumer).await;
                continue;
            }
        };
        match received {
            Ok(message) => batch.push(raw(&message)),
            Err(e) => {
                // Consumer-side errors (e.g. an unknown topic) repeat until fixed: slow down.
                tracing::warn!("Kafka consumer: {e}");
                tokio::time::sleep(backoff(errors)).await;
                errors += 1;
            }
        }
    }
    let deadline = tokio::time::Instant::now() + linger;
    while batch.len() < max.max(1) {
        match tokio::time::timeout_at(deadline, consumer.recv()).await {
            Ok(Ok(message)) => batch.push(raw(&message)),
            Ok(Err(e)) => {
                tracing::warn!("Kafka consumer: {e}");
                break;
            }
            Err(_) => break,
        }
    }
    batch
}

/// Detects a group that no member consumes for: messages wait in the topic, and nobody in
/// the group read any of them between two checks `STALL_CHECK` apart. Found by `make test`'s
/// restart drill: after `make demo` was killed with SIGKILL (the indexer and tansu with it)
/// and started again, tansu kept the dead member holding the partitions and the new indexer
/// read nothing until another member happened to join the group. A consumer that sees the
/// group stuck leaves and joins again, which makes the broker assign the partitions anew.
#[derive(Default)]
struct Stall {
    /// Messages waiting per partition at the previous check.
    waiting: Option<Vec<i64>>,
}

impl Stall {
    async fn check(&mut self, consumer: &Arc<TelemetryConsumer>) {
        let c = consumer.clone();
        let now = tokio::task::spawn_blocking(move || waiting(&c)).await.ok().flatten();
        let stuck = matches!((&self.waiting, &now), (Some(before), Some((_, now))) if before == now && now.iter().sum::<i64>() > 0);
        self.waiting = now.as_ref().map(|(_, w)| w.clone());
        if let (true, Some((topic, waiting))) = (stuck, now) {
            tracing::warn!(
                "Kafka: {} messages wait in {topic} and no member of the group read any for {} s; \
                 leaving and rejoining the group (a member that died without leaving may hold its partitions)",
                waiting.iter().sum::<i64>(),
                STALL_CHECK.as_secs()
            );
            consumer.unsubscribe();
            if let Err(e) = consumer.subscribe(&[&topic]) {
                tracing::warn!("Kafka: rejoining {topic}: {e}");
            }
            self.waiting = None;
        }
    }
}

/// The subscribed topic and, per partition, the messages past the group's committed offset
/// (`None` when the broker cannot say). Blocking: the broker is asked over the network.
fn waiting(consumer: &TelemetryConsumer) -> Option<(String, Vec<i64>)> {
    const ASK: Duration = Duration::from_secs(5);
    let topic = consumer.subscription().ok()?.elements().first()?.topic().to_string();
    let metadata = consumer.fetch_metadata(Some(&topic), ASK).ok()?;
    let mut list = TopicPartitionList::new();
    for p in metadata.topics().first()?.partitions() {
        list.add_partition(&topic, p.id());
    }
    let committed = consumer.committed_offsets(list, ASK).ok()?;
    let mut waiting = Vec::new();
    for e in committed.elements() {
        let (low, high) = consumer.fetch_watermarks(&topic, e.partition(), ASK).ok()?;
        let from = if let Offset::Offset(o) = e.offset() { o } else { low };
        waiting.push((high - from).max(0));
    }
    Some((topic, waiting))
}

fn raw(message: &impl Message) -> Raw {
    Raw {
        partition: message.partition(),
        offset: message.offset(),
        key: message.key().map(<[u8]>::to_vec),
        payload: message.payload().map(<[u8]>::to_vec),
    }
}

/// Commits, per partition, the offset after the batch's last message. A failure is only
/// logged: the next commit covers these offsets too, and a re-read is idempotent.
///
/// Asynchronous: librdkafka sends the commit and reports the outcome to
/// `KafkaContext::commit_callback`. A synchronous commit waits, without a timeout, for the
/// group's coordinator: with the broker down it blocked a thread until the broker came back,
/// and a process asked to stop (Ctrl-C) could not, since the runtime waits for that thread
/// (found by a test that killed the broker right after the consumer's last batch;
/// dropping the consumer is bounded for the same reason).
pub fn commit(consumer: &TelemetryConsumer, topic: &str, batch: &[Raw]) {
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    for r in batch {
        let o = next.entry(r.partition).or_insert(r.offset + 1);
        *o = (*o).max(r.offset + 1);
    }
    let mut list = TopicPartitionList::new();
    for (partition, offset) in &next {
        if let Err(e) = list.add_partition_offset(topic, *partition, Offset::Offset(*offset)) {
            tracing::warn!("Kafka: cannot commit {topic}/{partition}@{offset}: {e}");
        }
    }
    if let Err(e) = consumer.commit(&list, CommitMode::Async) {
        tracing::warn!("Kafka: committing offsets {next:?} failed ({e}); they will be re-read");
    }
}
