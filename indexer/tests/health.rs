//! `/health/ready` follows the Kafka broker where the process consumes telemetry: ready
//! while the broker answers, unready with the reason once it is gone. Its own test binary:
//! the broker verdict is process-wide.
mod support;

use std::time::Duration;

use gridtokenx_indexer::config::KafkaArgs;
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_indexer::telemetry::{self, consumer::broker_reachable};
use serde_json::Value;
use support::broker::Broker;
use support::stack;

async fn ready(api: &str) -> (u16, Value) {
    let reply = reqwest::get(format!("{}/health/ready", api.trim_end_matches("/api/v1"))).await.unwrap();
    (reply.status().as_u16(), reply.json().await.unwrap())
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "{what} within 45 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_while_the_kafka_broker_is_down() {
    let broker = Broker::start();
    let (_url, pool) = support::fresh_database().await;
    // A fresh checkpoint, so that ingest is not what makes the API unready.
    sqlx::query("insert into ingest_checkpoint (source, slot) values ('chain', 1)").execute(&pool).await.unwrap();
    let args = KafkaArgs {
        kafka_brokers: broker.address.clone(),
        kafka_topic: gridtokenx_telemetry::TOPIC.into(),
        kafka_grid_topic: String::new(),
        kafka_group: "health".into(),
        kafka_batch: 100,
        kafka_linger_ms: 20,
        telemetry_max_future_secs: gridtokenx_telemetry::MAX_FUTURE_SECS,
    };
    let consumer = tokio::spawn(telemetry::run(pool.clone(), args, gridtokenx_indexer::fanout::Fanout::local()));
    let indexer = stack::api_only(pool.clone(), Fanout::local(), None).await;

    wait_until("the consumer reaches the broker", async || broker_reachable() == Some(true)).await;
    let (status, body) = ready(&indexer.api).await;
    assert_eq!(status, 200, "{body}");

    drop(broker);
    wait_until("readiness fails", async || ready(&indexer.api).await.0 == 503).await;
    let (_, body) = ready(&indexer.api).await;
    assert!(body["reason"].as_str().unwrap().contains("Kafka"), "the reason names the broker: {body}");
    consumer.abort();
}
