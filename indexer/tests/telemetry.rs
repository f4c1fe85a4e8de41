//! Telemetry end to end against a real Kafka-protocol broker (tansu) and a real Postgres:
//! simulator readings, duplicates and every kind of bad message in; rows exactly once and
//! dead letters with their reason and raw bytes out; at-least-once across a consumer
//! restart; a database outage that holds the batch instead of losing it.
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridtokenx_indexer::config::KafkaArgs;
use gridtokenx_indexer::telemetry::{self, store};
use gridtokenx_simulator::fleet::{Fleet, FleetConfig};
use gridtokenx_telemetry::{MeterReadingV1, MAX_FUTURE_SECS};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{Offset, TopicPartitionList};
use rust_decimal::Decimal;
use sqlx::PgPool;
use support::broker::Broker;
use tokio::task::JoinHandle;

const TOPIC: &str = gridtokenx_telemetry::TOPIC;
const PARTITIONS: i32 = 3;

/// A broker with the topic created (3 partitions, as the simulator creates it) and a producer.
struct Kafka {
    broker: Broker,
    producer: FutureProducer,
}

impl Kafka {
    async fn start() -> Kafka {
        Kafka::on(Broker::start()).await
    }

    async fn on(broker: Broker) -> Kafka {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &broker.address);
        let admin: AdminClient<DefaultClientContext> = config.create().unwrap();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
        for result in admin.create_topics([&NewTopic::new(TOPIC, PARTITIONS, TopicReplication::Fixed(1))], &options).await.unwrap() {
            result.expect("topic created");
        }
        let producer = config.set("acks", "all").set("linger.ms", "5").create().unwrap();
        Kafka { broker, producer }
    }

    /// Sends one message, keyed (so one meter's messages stay in order on one partition).
    async fn send(&self, key: &[u8], payload: Option<&[u8]>) {
        let mut record = FutureRecord::<[u8], [u8]>::to(TOPIC).key(key);
        if let Some(payload) = payload {
            record = record.payload(payload);
        }
        self.producer.send(record, Duration::from_secs(10)).await.map_err(|(e, _)| e).expect("delivered");
    }

    async fn send_reading(&self, reading: &MeterReadingV1) {
        self.send(reading.meter.as_bytes(), Some(&serde_json::to_vec(reading).unwrap())).await;
    }

    fn args(&self, group: &str, batch: usize) -> KafkaArgs {
        KafkaArgs {
            kafka_brokers: self.broker.address.clone(),
            kafka_topic: TOPIC.into(),
            kafka_grid_topic: String::new(),
            kafka_group: group.into(),
            kafka_batch: batch,
            kafka_linger_ms: 20,
            telemetry_max_future_secs: MAX_FUTURE_SECS,
        }
    }

    /// Messages in the topic that `group` has not committed yet.
    async fn uncommitted(&self, group: &str) -> i64 {
        let address = self.broker.address.clone();
        let group = group.to_string();
        tokio::task::spawn_blocking(move || {
            let consumer: BaseConsumer =
                ClientConfig::new().set("bootstrap.servers", &address).set("group.id", &group).create().unwrap();
            let mut list = TopicPartitionList::new();
            let mut high = 0;
            for p in 0..PARTITIONS {
                list.add_partition(TOPIC, p);
                high += consumer.fetch_watermarks(TOPIC, p, Duration::from_secs(10)).unwrap().1;
            }
            let committed: i64 = consumer
                .committed_offsets(list, Duration::from_secs(10))
                .unwrap()
                .elements()
                .iter()
                .map(|e| if let Offset::Offset(o) = e.offset() { o } else { 0 })
                .sum();
            high - committed
        })
        .await
        .unwrap()
    }
}

/// Readings exactly as the simulator publishes them: `meters` meters over `intervals`
/// 15-minute intervals, the first `skip` intervals after a start a day ago left out.
fn simulated(meters: usize, skip: usize, intervals: usize) -> Vec<MeterReadingV1> {
    let start = gridtokenx_simulator::unix_now() - 86_400;
    let mut fleet = Fleet::new(FleetConfig { meters, seed: 7, start_unix_s: start, ..FleetConfig::default() });
    let owners: Vec<Pubkey> = (0..meters).map(|_| Pubkey::new_unique()).collect();
    let mut out = Vec::new();
    for i in 0..skip + intervals {
        let batch = fleet.advance_interval();
        if i >= skip {
            out.extend(gridtokenx_simulator::telemetry::for_interval(&fleet, &batch, &owners));
        }
    }
    assert_eq!(out.len(), meters * intervals, "every simulated meter reports every interval");
    out
}

fn spawn(pool: &PgPool, args: KafkaArgs) -> JoinHandle<anyhow::Result<()>> {
    tokio::spawn(telemetry::run(pool.clone(), args, gridtokenx_indexer::fanout::Fanout::local()))
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table}"))).fetch_one(pool).await.unwrap()
}

/// Polls until `probe` returns `want`, or fails naming what it last saw.
async fn wait_for<F, Fut>(what: &str, want: i64, timeout: Duration, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let got = probe().await;
        if got == want {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {got} after {timeout:?}, expected {want}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

type Row = (i64, Decimal, Decimal, String, String, Option<String>);
/// A stored row as selected: (meter, interval_start_ts) then [`Row`].
type Selected = (String, i64, i64, Decimal, Decimal, String, String, Option<String>);
/// A dead letter as selected: code, reason, key, payload.
type Letter = (String, String, Option<Vec<u8>>, Option<Vec<u8>>);

/// The stored rows by (meter, interval).
async fn rows(pool: &PgPool) -> BTreeMap<(String, i64), Row> {
    let all: Vec<Selected> = sqlx::query_as(
        "select meter, interval_start_ts, interval_secs, produced_wh, consumed_wh, kind, weather, oracle from telemetry_readings",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    all.into_iter().map(|(m, t, s, p, c, k, w, o)| ((m, t), (s, p, c, k, w, o))).collect()
}

fn expected(readings: &[MeterReadingV1]) -> BTreeMap<(String, i64), Row> {
    let name = |v: serde_json::Value| v.as_str().unwrap().to_string();
    readings
        .iter()
        .map(|r| {
            let row = (
                i64::from(r.interval_secs),
                Decimal::from(r.produced_wh),
                Decimal::from(r.consumed_wh),
                name(serde_json::to_value(r.kind).unwrap()),
                name(serde_json::to_value(r.weather).unwrap()),
                r.oracle.clone(),
            );
            ((r.meter.clone(), r.interval_start_ts), row)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_readings_stored_once_bad_ones_dead_lettered_and_the_consumer_keeps_going() {
    let kafka = Kafka::start().await;
    let (_, pool) = support::fresh_database().await;
    let good = simulated(5, 0, 3);
    for r in &good {
        kafka.send_reading(r).await;
    }
    // Duplicates: two exact redeliveries and a second, different copy of one interval
    // (same key, so after the original on its partition: the first copy wins).
    kafka.send_reading(&good[0]).await;
    kafka.send_reading(&good[7]).await;
    kafka.send_reading(&MeterReadingV1 { produced_wh: good[3].produced_wh + 1_000, ..good[3].clone() }).await;

    // One of each kind of bad message, with the reason it must be filed under.
    let value = |i: usize, field: &str, v: serde_json::Value| {
        let mut json = serde_json::to_value(&good[i]).unwrap();
        json[field] = v;
        serde_json::to_vec(&json).unwrap()
    };
    let now = gridtokenx_simulator::unix_now();
    let bad: Vec<(Option<Vec<u8>>, &str, &str)> = vec![
        (Some(b"\x00\xffnot json at all".to_vec()), "unparseable", "unparseable: "),
        (Some(value(1, "schema", "gridtokenx.meter-reading.v2".into())), "unknown_schema", "unknown schema \"gridtokenx.meter-reading.v2\""),
        (Some(value(2, "produced_wh", (-42).into())), "negative_energy", "negative energy: produced_wh is -42"),
        (Some(value(4, "interval_start_ts", (now + 3 * 86_400).into())), "future_timestamp", "timestamp in the future"),
        (Some(value(5, "interval_secs", 0.into())), "invalid", "invalid interval_secs"),
        (Some(value(6, "meter_id", "xyz".into())), "invalid", "invalid meter_id"),
        (None, "unparseable", "unparseable: EOF"),
    ];
    for (payload, _, _) in &bad {
        kafka.send(b"bad-key", payload.as_deref()).await;
    }

    let consumer = spawn(&pool, kafka.args("telemetry-test", 100));
    wait_for("dead letters", bad.len() as i64, Duration::from_secs(60), || count(&pool, "telemetry_dead_letters")).await;
    wait_for("readings", good.len() as i64, Duration::from_secs(60), || count(&pool, "telemetry_readings")).await;
    assert_eq!(rows(&pool).await, expected(&good), "every reading once, as first sent");

    let letters: Vec<Letter> =
        sqlx::query_as("select code, reason, key, payload from telemetry_dead_letters").fetch_all(&pool).await.unwrap();
    assert_eq!(letters.len(), bad.len());
    for (payload, code, reason) in &bad {
        let letter = letters.iter().find(|l| &l.3 == payload).unwrap_or_else(|| panic!("no dead letter for {code}"));
        assert_eq!(letter.0, *code, "{}", letter.1);
        assert!(letter.1.starts_with(reason), "{code}: {:?} should start with {reason:?}", letter.1);
        assert_eq!(letter.2.as_deref(), Some(&b"bad-key"[..]), "the raw key is kept");
    }

    // Still consuming: a later reading lands.
    let later = simulated(1, 3, 1).remove(0);
    kafka.send_reading(&later).await;
    wait_for("readings after bad input", good.len() as i64 + 1, Duration::from_secs(30), || count(&pool, "telemetry_readings")).await;
    assert!(!consumer.is_finished(), "the consumer never stops on bad input");
    // And the offsets of everything it wrote get committed.
    wait_for("uncommitted messages", 0, Duration::from_secs(30), || kafka.uncommitted("telemetry-test")).await;
    consumer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_consumer_loses_nothing_and_doubles_nothing() {
    let kafka = Kafka::start().await;
    let (_, pool) = support::fresh_database().await;
    let group = "telemetry-restart";
    let first = simulated(10, 0, 20);
    for r in &first {
        kafka.send_reading(r).await;
    }
    // Small batches, killed mid-stream: some written, maybe not yet committed.
    let a = spawn(&pool, kafka.args(group, 10));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while count(&pool, "telemetry_readings").await < 50 {
        assert!(tokio::time::Instant::now() < deadline, "the first consumer stored nothing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.abort();
    assert!(a.await.unwrap_err().is_cancelled());
    let b = spawn(&pool, kafka.args(group, 10));
    wait_for("readings after restart", first.len() as i64, Duration::from_secs(90), || count(&pool, "telemetry_readings")).await;
    assert_eq!(rows(&pool).await, expected(&first));
    wait_for("uncommitted messages", 0, Duration::from_secs(30), || kafka.uncommitted(group)).await;
    b.abort();
    let _ = b.await;

    // Committed offsets are honoured: with the table emptied, a third consumer in the same
    // group stores only what was sent after them, not the whole log again.
    sqlx::query("delete from telemetry_readings").execute(&pool).await.unwrap();
    let second = simulated(10, 20, 2);
    for r in &second {
        kafka.send_reading(r).await;
    }
    let c = spawn(&pool, kafka.args(group, 10));
    wait_for("new readings", second.len() as i64, Duration::from_secs(90), || count(&pool, "telemetry_readings")).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rows(&pool).await, expected(&second), "nothing before the committed offsets was re-read");
    c.abort();
}

/// What `make demo`'s restart after a SIGKILL does to the group: the broker (durable, as the
/// demo runs it) and the consumer die together, so the dead consumer never leaves the group
/// and the broker comes back still counting it as a member holding the partitions. The new
/// consumer must get them and read on from the committed offsets, not wait forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_with_the_broker_does_not_hold_its_partitions_after_the_restart() {
    let dir = std::env::temp_dir().join(format!("gtx-telemetry-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut kafka = Kafka::on(Broker::start_durable(&dir)).await;
    let (url, pool) = support::fresh_database().await;
    let group = "telemetry-killed";
    let readings = simulated(6, 0, 4);
    let (before, after) = readings.split_at(12);
    for r in before {
        kafka.send_reading(r).await;
    }
    // The first consumer is the indexer's own binary, as `make demo` runs it.
    let mut a = std::process::Command::new(env!("CARGO_BIN_EXE_gridtokenx-indexer"))
        .args(["telemetry", "--kafka-brokers", &kafka.broker.address, "--kafka-group", group, "--kafka-grid-topic", ""])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .spawn()
        .expect("the indexer starts");
    wait_for("readings before the kill", 12, Duration::from_secs(60), || count(&pool, "telemetry_readings")).await;
    wait_for("uncommitted before the kill", 0, Duration::from_secs(30), || kafka.uncommitted(group)).await;
    // SIGKILL to both: the consumer never leaves the group.
    a.kill().unwrap();
    a.wait().unwrap();
    kafka.broker.restart();
    for r in after {
        kafka.send_reading(r).await;
    }
    let b = spawn(&pool, kafka.args(group, 100));
    wait_for("readings after the restart", readings.len() as i64, Duration::from_secs(90), || {
        count(&pool, "telemetry_readings")
    })
    .await;
    assert_eq!(rows(&pool).await, expected(&readings));
    b.abort();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A broker that dies while a commit is in flight holds nothing up: committing returns at
/// once and closing the consumer within seconds, so the indexer stops on Ctrl-C whatever the
/// broker's state. A synchronous commit waited for the reply without a timeout: a warm `make
/// test` hung for ten minutes at the end of the test above, in the runtime's shutdown,
/// because the broker was killed while the last batch's commit was in flight. librdkafka's
/// close waits for that reply too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_in_flight_when_the_broker_dies_holds_nothing_up() {
    let mut kafka = Kafka::start().await;
    for r in &simulated(3, 0, 2) {
        kafka.send_reading(r).await;
    }
    let args = kafka.args("telemetry-broker-dies", 100);
    let consumer = telemetry::consumer::subscribe(&args, TOPIC, &args.kafka_group).unwrap();
    let batch = telemetry::consumer::next_batch(&consumer, 100, Duration::from_millis(500)).await;
    assert!(!batch.is_empty(), "the consumer read the readings");
    // The broker stops answering, the commit is sent, then the broker dies.
    kafka.broker.freeze();
    // On a thread of its own: if it blocks, the test fails here instead of hanging in the
    // runtime's shutdown.
    let (done, returned) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        telemetry::consumer::commit(&consumer, TOPIC, &batch);
        let _ = done.send("commit");
        std::thread::sleep(Duration::from_millis(500));
        drop(consumer);
        let _ = done.send("close");
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    kafka.broker.kill_9();
    for step in ["commit", "close"] {
        let got = returned.recv_timeout(Duration::from_secs(30));
        assert_eq!(got, Ok(step), "{step} with the broker dead must return within 30 s");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_holds_the_batch_and_commits_nothing() {
    let kafka = Kafka::start().await;
    let (_, pool) = support::fresh_database().await;
    let group = "telemetry-outage";
    // The table gone is the database failing every write; the consumer must wait it out.
    sqlx::query("alter table telemetry_readings rename to telemetry_readings_away").execute(&pool).await.unwrap();
    let readings = simulated(4, 0, 5);
    for r in &readings {
        kafka.send_reading(r).await;
    }
    let consumer = spawn(&pool, kafka.args(group, 100));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(kafka.uncommitted(group).await, readings.len() as i64, "no offset committed while the write fails");
    assert_eq!(count(&pool, "telemetry_dead_letters").await, 0, "a failing database is not bad input");
    sqlx::query("alter table telemetry_readings_away rename to telemetry_readings").execute(&pool).await.unwrap();
    wait_for("readings after the outage", readings.len() as i64, Duration::from_secs(60), || count(&pool, "telemetry_readings")).await;
    assert_eq!(rows(&pool).await, expected(&readings));
    wait_for("uncommitted messages", 0, Duration::from_secs(30), || kafka.uncommitted(group)).await;
    assert!(!consumer.is_finished());
    consumer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_serves_a_meters_newest_readings_first() {
    let (_, pool) = support::fresh_database().await;
    let readings = simulated(2, 0, 4);
    let accepted: Vec<store::Accepted> = readings
        .iter()
        .enumerate()
        .map(|(i, r)| store::Accepted { partition: 0, offset: i as i64, reading: r.clone() })
        .collect();
    let written = store::write(&pool, TOPIC, &accepted, &[]).await.unwrap();
    assert_eq!((written.stored, written.duplicates), (8, 0));
    // Writing the same batch again is a no-op.
    let again = store::write(&pool, TOPIC, &accepted, &[]).await.unwrap();
    assert_eq!((again.stored, again.duplicates), (0, 8));

    let meter = &readings[0].meter;
    let mut mine: Vec<&MeterReadingV1> = readings.iter().filter(|r| &r.meter == meter).collect();
    mine.sort_by_key(|r| std::cmp::Reverse(r.interval_start_ts));
    let got = store::latest(&pool, meter, 3).await.unwrap();
    assert_eq!(got.len(), 3);
    for (row, r) in got.iter().zip(&mine) {
        assert_eq!(row.meter, r.meter);
        assert_eq!(row.interval_start_ts, r.interval_start_ts);
        assert_eq!(row.interval_secs, i64::from(r.interval_secs));
        assert_eq!(row.meter_id, r.meter_id);
        assert_eq!(row.produced_wh, Decimal::from(r.produced_wh));
        assert_eq!(row.consumed_wh, Decimal::from(r.consumed_wh));
        assert_eq!(serde_json::to_value(r.kind).unwrap(), row.kind.as_str());
        assert_eq!(serde_json::to_value(r.weather).unwrap(), row.weather.as_str());
    }
    assert!(store::latest(&pool, "no-such-meter", 10).await.unwrap().is_empty());
}

/// Telemetry messages/s from Kafka into Postgres (docs/benchmarks.md): 100,000 simulator
/// readings produced first, then one consumer drains them.
///
/// cargo test --release -p gridtokenx-indexer --test telemetry -- --ignored --nocapture
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn throughput_messages_per_second() {
    const METERS: usize = 1_000;
    const INTERVALS: usize = 100;
    let kafka = Kafka::start().await;
    let (_url, pool) = support::fresh_database().await;
    let readings = simulated(METERS, 0, INTERVALS);
    let payloads: Vec<(String, Vec<u8>)> =
        readings.iter().map(|r| (r.meter.clone(), serde_json::to_vec(r).unwrap())).collect();
    for chunk in payloads.chunks(5_000) {
        let sends = chunk.iter().map(|(key, payload)| {
            kafka.producer.send(FutureRecord::to(TOPIC).key(key.as_bytes()).payload(payload), Duration::from_secs(30))
        });
        for delivered in futures_util::future::join_all(sends).await {
            delivered.map_err(|(e, _)| e).expect("delivered");
        }
    }
    let consumer = spawn(&pool, kafka.args("bench", 5_000));
    // Timed from the first stored batch: joining the group is not throughput.
    let first = loop {
        let n = count(&pool, "telemetry_readings").await;
        if n > 0 {
            break n;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let started = std::time::Instant::now();
    let total = (METERS * INTERVALS) as i64;
    wait_for("every reading stored", total, Duration::from_secs(300), || count(&pool, "telemetry_readings")).await;
    let secs = started.elapsed().as_secs_f64();
    consumer.abort();
    println!(
        "telemetry: {} messages from Kafka into Postgres in {secs:.2} s after the first batch = {:.0} messages/s",
        total - first,
        (total - first) as f64 / secs
    );
}
