//! Benchmarks over a real localnet (ignored by default; docs/benchmarks.md has the figures):
//!
//! cargo test --release -p gridtokenx-indexer --test bench -- --ignored --nocapture --test-threads 1
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use gridtokenx_localnet::keys::DeploymentKeys;
use market::engine::{OrderType, Side};
use serde_json::{json, Value};
use support::{scenario, stack};
use tokio_tungstenite::tungstenite::Message;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn now_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() * 1_000.0
}

/// Commit-to-client and transaction-to-client latency of `trades:` deltas, 1,000 clients.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn websocket_latency_with_1000_clients() {
    const CLIENTS: usize = 1_000;
    const TRADES: u64 = 30;
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 100, 3_000).await;
    let (_url, pool) = support::fresh_database().await;
    let indexer = stack::indexer(pool.clone(), &node).await;
    let rpc = stack::rpc(&node);
    let seat = scenario::seat_and_deposit(&node, &rpc, &keys.traders[0], 0, 1_000_000_000).await;
    let prosumer = scenario::prosumer(&node, &keys, Arc::new(stack::rpc(&node)), [21; 32], 500_000).await;
    let p = scenario::seat_and_deposit(&node, &rpc, &prosumer.owner, 400_000, 0).await;
    scenario::place(&node, &rpc, &prosumer.owner, p, scenario::packet(Side::Ask, OrderType::Limit, 100, 300, 1)).await;
    let channel = format!("trades:{}", scenario::market_of(&node));

    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        let (mut ws, _) = tokio_tungstenite::connect_async(&indexer.ws).await.unwrap();
        ws.send(Message::text(json!({"op": "subscribe", "channel": channel}).to_string())).await.unwrap();
        clients.push(ws);
    }
    let readers: Vec<_> = clients
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                let mut got = Vec::new();
                while got.len() < TRADES as usize {
                    let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(Duration::from_secs(60), ws.next()).await else { break };
                    // Received now; parsing the frame is the client's own time.
                    let received = now_ms();
                    let m: Value = serde_json::from_str(t.as_str()).unwrap();
                    if m["type"] == "delta" {
                        got.push((received, m["at_ms"].as_f64().unwrap(), m["data"]["fills"][0]["slot"].as_u64().unwrap()));
                    }
                }
                got
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut sent_at = std::collections::HashMap::new();
    for i in 0..TRADES {
        let started = now_ms();
        let (_, slot) = scenario::place(&node, &rpc, &keys.traders[0], seat, scenario::packet(Side::Bid, OrderType::ImmediateOrCancel, 100, 1, 100 + i)).await;
        sent_at.insert(slot, started);
    }
    let (mut fanout, mut end_to_end) = (Vec::new(), Vec::new());
    for r in readers {
        for (received, at_ms, slot) in r.await.unwrap() {
            fanout.push(received - at_ms);
            if let Some(sent) = sent_at.get(&slot) {
                end_to_end.push(received - sent);
            }
        }
    }
    fanout.sort_by(f64::total_cmp);
    end_to_end.sort_by(f64::total_cmp);
    println!(
        "websocket, {CLIENTS} clients, {} deltas: commit→client p50 {:.1} ms p99 {:.1} ms; transaction sent→client p50 {:.1} ms p99 {:.1} ms",
        fanout.len(),
        percentile(&fanout, 0.5),
        percentile(&fanout, 0.99),
        percentile(&end_to_end, 0.5),
        percentile(&end_to_end, 0.99)
    );
}

/// Account updates/s from localnet into Postgres: a fleet's readings, end to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn end_to_end_updates_per_second_from_localnet() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 100, 3_000).await;
    let (_url, pool) = support::fresh_database().await;
    let _indexer = stack::indexer(pool.clone(), &node).await;
    let rpc = Arc::new(stack::rpc(&node));
    let cluster_tag = gridtokenx_simulator::post::cluster_tag(&rpc).await.unwrap();
    let poster = gridtokenx_simulator::post::Poster {
        rpc: rpc.clone(),
        oracle: gridtokenx_simulator::oracle::Oracle::new(keys.oracle.insecure_clone(), energy::ID, cluster_tag),
        payer: keys.traders[1].insecure_clone(),
        concurrency: 8,
    };
    let ids: Vec<[u8; 32]> = (0..200u32).map(|i| { let mut id = [3u8; 32]; id[..4].copy_from_slice(&i.to_le_bytes()); id }).collect();
    let meters = poster.register_meters(&ids).await.unwrap();
    let slot = rpc.get_slot().await.unwrap();
    stack::wait_for_checkpoint(&pool, slot).await;
    let written_before: i64 = sqlx::query_scalar("select count(*) from readings").fetch_one(&pool).await.unwrap();
    let now = gridtokenx_simulator::unix_now();
    let aligned = now - now % 900;
    let started = Instant::now();
    let mut readings = 0u64;
    for k in 0..20i64 {
        let batch: Vec<(usize, energy::reading::Reading)> = (0..meters.len())
            .map(|i| (i, energy::reading::Reading { interval_start_ts: aligned - (21 - k) * 900, produced_wh: (k as u64 + 1) * 100, consumed_wh: 0 }))
            .collect();
        let report = poster.post(&meters, &batch).await;
        readings += report.landed;
    }
    let last = rpc.get_slot().await.unwrap();
    stack::wait_for_checkpoint(&pool, last).await;
    let secs = started.elapsed().as_secs_f64();
    let written: i64 = sqlx::query_scalar("select count(*) from readings").fetch_one(&pool).await.unwrap();
    assert_eq!((written - written_before) as u64, readings);
    // Each reading writes its meter, the oracle and the energy config, and one event.
    let updates = readings * 3;
    println!(
        "end to end from localnet: {readings} readings ({updates} account updates + {readings} events) mirrored in {secs:.1} s = {:.0} updates/s, {:.0} readings/s",
        updates as f64 / secs,
        readings as f64 / secs
    );
}

/// REST p50/p99 of book depth and trades pages under 64 concurrent clients, over a mirror
/// holding 2,000 resting orders and 200,000 fills of one market (rows written by SQL: this
/// measures the API and its indexes, not ingest).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn rest_latency_under_concurrent_load() {
    const CLIENTS: usize = 64;
    const REQUESTS_PER_CLIENT: usize = 200;
    let (_url, pool) = support::fresh_database().await;
    let market = "BenchMarket111111111111111111111111111111111";
    sqlx::query(
        "insert into markets values ($1, 'a', 'c', 'b', 'q', 'bv', 'qv', null, 0, 0, 1000, 1000, 10, 3, 6, false, 0, 0, 1, 0)",
    )
    .bind(market)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into resting_orders select $1, i, case when i % 2 = 0 then 'bid' else 'ask' end, 'trader' || (i % 50), 0, i,
           case when i % 2 = 0 then 1000 - i % 400 else 1001 + i % 400 end, 1 + i % 7, 0 from generate_series(1, 2000) i",
    )
    .bind(market)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into fills select 'sig' || i, 0, 0, i / 4, 1800000000 + i, $1, i, i, 'trader' || (i % 50), 'trader' || (i % 37),
           case when i % 2 = 0 then 'bid' else 'ask' end, 1000, 1 + i % 5, 1000, 1 from generate_series(1, 200000) i",
    )
    .bind(market)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("analyze").execute(&pool).await.unwrap();
    let indexer = stack::api_only(pool.clone(), gridtokenx_indexer::fanout::Fanout::local(), None).await;
    for (name, path) in [("depth", format!("/markets/{market}/depth")), ("trades", format!("/markets/{market}/trades?limit=100"))] {
        let url = format!("{}{path}", indexer.api);
        let http = reqwest::Client::new();
        assert!(http.get(&url).send().await.unwrap().status().is_success(), "{url}");
        let started = Instant::now();
        let workers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (http, url) = (http.clone(), url.clone());
                tokio::spawn(async move {
                    let mut took = Vec::with_capacity(REQUESTS_PER_CLIENT);
                    for _ in 0..REQUESTS_PER_CLIENT {
                        let t = Instant::now();
                        let reply = http.get(&url).send().await.unwrap();
                        assert!(reply.status().is_success());
                        reply.bytes().await.unwrap();
                        took.push(t.elapsed().as_secs_f64() * 1_000.0);
                    }
                    took
                })
            })
            .collect();
        let mut all = Vec::new();
        for w in workers {
            all.extend(w.await.unwrap());
        }
        let secs = started.elapsed().as_secs_f64();
        all.sort_by(f64::total_cmp);
        println!(
            "REST {name}, {CLIENTS} concurrent clients, {} requests: p50 {:.1} ms p99 {:.1} ms, {:.0} requests/s",
            all.len(),
            percentile(&all, 0.5),
            percentile(&all, 0.99),
            all.len() as f64 / secs
        );
    }
}
