//! Readings to a real Kafka-protocol broker (tansu): every reading arrives once, keyed by its
//! meter, in the documented schema and in order per meter; a missing broker is named; on the
//! durable broker `make demo` runs, delivered readings survive the broker's kill -9.
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use gridtokenx_simulator::cli::outputs::OutputArgs;
use gridtokenx_simulator::fleet::FleetConfig;
use gridtokenx_simulator::sink::kafka::KafkaReport;
use gridtokenx_simulator::telemetry::{MeterReadingV1, SCHEMA_V1, TOPIC};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::Message;
use support::{Broker, TempDir};

/// The fields of `gridtokenx.meter-reading.v1`, as docs/telemetry.md documents them.
const V1_FIELDS: [&str; 12] = [
    "consumed_wh",
    "interval_secs",
    "interval_start_ts",
    "kind",
    "meter",
    "meter_id",
    "oracle",
    "owner",
    "produced_wh",
    "schema",
    "signature",
    "weather",
];

/// Outputs to `broker`'s topic only, signed by a fresh oracle key kept in `dir`.
fn to_kafka(dir: &TempDir, broker: &Broker) -> OutputArgs {
    OutputArgs {
        oracle_key: Some(dir.key_file("oracle.json", &solana_keypair::Keypair::new())),
        cluster_tag: "11111111111111111111111111111111".into(),
        kafka_brokers: Some(broker.address.clone()),
        kafka_topic: TOPIC.into(),
        ..OutputArgs::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_reaches_kafka_keyed_by_meter_in_the_documented_schema() {
    let broker = Broker::start();
    let dir = TempDir::new("kafka");
    let args = to_kafka(&dir, &broker);
    let mut opened = args.open(FleetConfig { meters: 5, seed: 3, ..FleetConfig::default() }).await.unwrap();
    let mut sent = Vec::new();
    for _ in 0..4 {
        let batch = opened.fleet.advance_interval();
        sent.extend(opened.outputs.emit(&opened.fleet, &batch).await.unwrap());
    }
    let report = opened.outputs.finish(&opened.fleet).unwrap();
    assert_eq!(report.kafka, Some(KafkaReport { sent: 20, delivered: 20, failed: 0, last_error: None }));

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker.address)
        .set("group.id", "kafka-test")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[TOPIC]).unwrap();
    let mut received = Vec::new();
    while received.len() < sent.len() {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("all readings arrive")
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(message.payload().unwrap()).unwrap();
        let fields: BTreeSet<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(fields, BTreeSet::from(V1_FIELDS));
        let reading: MeterReadingV1 = serde_json::from_value(value).unwrap();
        assert_eq!(reading.schema, SCHEMA_V1);
        assert_eq!(message.key(), Some(reading.meter.as_bytes()));
        assert!(reading.signature.is_some());
        received.push(reading);
    }
    // Nothing more than was sent, and each meter's readings in order (one key, one partition).
    assert!(tokio::time::timeout(Duration::from_secs(2), consumer.recv()).await.is_err());
    for meter in BTreeSet::<&str>::from_iter(sent.iter().map(|r| r.meter.as_str())) {
        let of = |v: &Vec<MeterReadingV1>| v.iter().filter(|r| r.meter == meter).cloned().collect::<Vec<_>>();
        assert_eq!(of(&received), of(&sent));
    }
}

/// `make demo` keeps telemetry in an SQLite file (scripts/demo.sh): what the broker acknowledged
/// is still there after a SIGKILL, for a consumer that starts after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivered_readings_survive_a_kill_9_of_the_durable_broker() {
    let dir = TempDir::new("kafka-durable");
    let broker = Broker::start_durable(&dir.0);
    let args = to_kafka(&dir, &broker);
    let mut opened = args.open(FleetConfig { meters: 4, seed: 5, ..FleetConfig::default() }).await.unwrap();
    let mut sent = Vec::new();
    for _ in 0..3 {
        let batch = opened.fleet.advance_interval();
        sent.extend(opened.outputs.emit(&opened.fleet, &batch).await.unwrap());
    }
    let report = opened.outputs.finish(&opened.fleet).unwrap();
    assert_eq!(report.kafka.map(|k| k.delivered), Some(12), "acknowledged by the broker before the kill");
    drop(broker); // SIGKILL

    let broker = Broker::start_durable(&dir.0);
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &broker.address)
        .set("group.id", "kafka-durable-test")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[TOPIC]).unwrap();
    let mut received = BTreeSet::new();
    while received.len() < sent.len() {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {} readings after the restart", received.len(), sent.len()))
            .unwrap();
        let reading: MeterReadingV1 = serde_json::from_slice(message.payload().unwrap()).unwrap();
        received.insert((reading.meter, reading.interval_start_ts));
    }
    let sent: BTreeSet<_> = sent.into_iter().map(|r| (r.meter, r.interval_start_ts)).collect();
    assert_eq!(received, sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_broker_is_an_error_that_names_the_fix() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let args = OutputArgs {
        cluster_tag: "11111111111111111111111111111111".into(),
        kafka_brokers: Some(closed.to_string()),
        kafka_topic: TOPIC.into(),
        ..OutputArgs::default()
    };
    let error = args.open(FleetConfig::default()).await.err().expect("no broker");
    assert!(
        error.contains("cannot reach a Kafka broker") && error.contains("gridtokenx-broker broker"),
        "{error}"
    );
}
