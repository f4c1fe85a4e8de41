//! WebSocket fan-out: a client that never reads is dropped while others keep every delta
//! in order; two API processes behind Redis send the same deltas; with Redis down the API
//! still answers from Postgres.
mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::Node;
use market::engine::{OrderType, Side};
use serde_json::{json, Value};
use solana_signer::Signer;
use support::{scenario, stack};
use tokio_tungstenite::tungstenite::Message;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn subscribe(ws: &mut Ws, channel: &str) {
    ws.send(Message::text(json!({"op": "subscribe", "channel": channel}).to_string())).await.unwrap();
}

/// Reads `channel`'s messages until `fills` fills arrived in deltas; returns the deltas
/// and checks that each continues the state held (`prev` ≤ held < `seq`): none was lost.
async fn fills_in_sequence(ws: &mut Ws, channel: &str, fills: usize) -> Vec<Value> {
    let mut seq: Option<i64> = None;
    let mut deltas = Vec::new();
    let mut seen = 0;
    while seen < fills {
        let msg = tokio::time::timeout(stack::WAIT, ws.next()).await.expect("deltas keep coming").unwrap().unwrap();
        let Message::Text(text) = msg else { continue };
        let m: Value = serde_json::from_str(text.as_str()).unwrap();
        if m["channel"] != channel {
            continue;
        }
        let n = m["seq"].as_i64().unwrap();
        if m["type"] == "delta" {
            let (prev, held) = (m["prev"].as_i64().unwrap(), seq.expect("a snapshot comes first"));
            assert!(prev <= held && held < n, "{channel}: delta {n} (prev {prev}) does not continue {held}");
            seen += m["data"]["fills"].as_array().unwrap().len();
            deltas.push(m.clone());
        }
        seq = Some(n);
    }
    deltas
}

async fn setup(node: &Node, keys: &DeploymentKeys) -> (u32, u32) {
    let rpc = stack::rpc(node);
    let a = scenario::seat_and_deposit(node, &rpc, &keys.traders[0], 0, 1_000_000_000).await;
    let prosumer = scenario::prosumer(node, keys, Arc::new(stack::rpc(node)), [11; 32], 500_000).await;
    let p = scenario::seat_and_deposit(node, &rpc, &prosumer.owner, 400_000, 0).await;
    // A deep ask for the bids to take, one lot at a time.
    scenario::place(node, &rpc, &prosumer.owner, p, scenario::packet(Side::Ask, OrderType::Limit, 100, 300, 1)).await;
    (a, p)
}

async fn take(node: &Node, keys: &DeploymentKeys, seat: u32, n: u64) -> u64 {
    let rpc = stack::rpc(node);
    let mut last = 0;
    for i in 0..n {
        last = scenario::place(node, &rpc, &keys.traders[0], seat, scenario::packet(Side::Bid, OrderType::ImmediateOrCancel, 100, 1, 100 + i)).await.1;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_that_never_reads_is_dropped_and_others_keep_every_delta() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 50, 3_000).await;
    let (_url, pool) = support::fresh_database().await;
    let indexer = stack::indexer(pool.clone(), &node).await;
    let (seat, _) = setup(&node, &keys).await;
    let last = take(&node, &keys, seat, 20).await;
    stack::wait_for_checkpoint(&pool, last).await;
    let market = scenario::market_of(&node).to_string();
    let alice = keys.traders[0].pubkey().to_string();

    let (mut reader, _) = tokio_tungstenite::connect_async(&indexer.ws).await.unwrap();
    subscribe(&mut reader, &format!("trades:{market}")).await;
    // The silent client asks for Alice's large snapshot again and again and reads nothing.
    let (mut silent, _) = tokio_tungstenite::connect_async(&indexer.ws).await.unwrap();
    for _ in 0..2_000 {
        if silent.send(Message::text(json!({"op": "subscribe", "channel": format!("trader:{alice}")}).to_string())).await.is_err() {
            break;
        }
    }
    let _ = silent.flush().await;

    let taking = tokio::spawn({
        let (rpc_url, market_key) = (node.rpc_url.clone(), scenario::market_of(&node));
        let trader = keys.traders[0].insecure_clone();
        async move {
            let rpc = solana_rpc_client::nonblocking::rpc_client::RpcClient::new_with_commitment(
                rpc_url, solana_commitment_config::CommitmentConfig::confirmed());
            for i in 0..15u64 {
                let p = scenario::packet(Side::Bid, OrderType::ImmediateOrCancel, 100, 1, 500 + i);
                stack::send(&rpc, &[market::client::place_order(trader.pubkey(), market_key, seat, p, None)], &[&trader]).await;
            }
        }
    });
    fills_in_sequence(&mut reader, &format!("trades:{market}"), 15).await;
    taking.await.unwrap();

    // The server drops the silent client while it still reads nothing. (Reading before that
    // would drain its buffer and let a server slowed by a loaded machine keep up.)
    let metrics_url = indexer.api.replace("/api/v1", "/metrics");
    let dropped = tokio::time::timeout(stack::WAIT, async {
        loop {
            let metrics = reqwest::get(&metrics_url).await.unwrap().text().await.unwrap();
            if metrics.lines().any(|l| l.starts_with("indexer_ws_dropped_total") && !l.ends_with(" 0")) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    assert!(dropped.is_ok(), "the silent client was not dropped");

    // The server closed the silent client: reading now reaches the end, not endless data.
    let ended = tokio::time::timeout(stack::WAIT, async {
        loop {
            match silent.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(Message::Close(frame))) => return frame.map(|f| f.reason.to_string()),
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .expect("the silent client was disconnected");
    if let Some(reason) = ended {
        assert!(reason.contains("too slow"), "close reason: {reason}");
    }
}

fn spawn(role: &str, node: &Node, db_url: &str, listen: Option<&str>) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridtokenx-indexer"));
    cmd.arg(role)
        .env("DATABASE_URL", db_url)
        .env("REDIS_URL", redis_url())
        .env("INDEXER_GRPC_URL", &node.grpc_url)
        .env("INDEXER_RPC_URL", &node.rpc_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(addr) = listen {
        cmd.env("INDEXER_LISTEN", addr);
    }
    cmd.spawn().expect("the indexer binary starts")
}

struct Killed(Vec<Child>);

impl Drop for Killed {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

async fn connect_when_up(addr: &str) -> Ws {
    let deadline = std::time::Instant::now() + stack::WAIT;
    loop {
        match tokio_tungstenite::connect_async(format!("ws://{addr}/api/v1/ws")).await {
            Ok((ws, _)) => return ws,
            Err(_) if std::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("API at {addr} did not come up: {e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_api_processes_behind_redis_send_the_same_deltas() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 50, 3_000).await;
    let (url, pool) = support::fresh_database().await;
    let (seat, _) = setup(&node, &keys).await;
    let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().to_string();
    let (one, two) = (free(), free());
    let _children = Killed(vec![
        spawn("ingest", &node, &url, None),
        spawn("api", &node, &url, Some(&one)),
        spawn("api", &node, &url, Some(&two)),
    ]);
    let slot = stack::rpc(&node).get_slot().await.unwrap();
    stack::wait_for_checkpoint(&pool, slot).await;
    let market = scenario::market_of(&node).to_string();
    let channel = format!("trades:{market}");
    let (mut a, mut b) = (connect_when_up(&one).await, connect_when_up(&two).await);
    subscribe(&mut a, &channel).await;
    subscribe(&mut b, &channel).await;
    // Both snapshots arrive before any trade, so both sessions follow from the same number.
    tokio::time::sleep(Duration::from_millis(500)).await;
    take(&node, &keys, seat, 8).await;
    let (from_a, from_b) = (fills_in_sequence(&mut a, &channel, 8).await, fills_in_sequence(&mut b, &channel, 8).await);
    assert_eq!(from_a, from_b, "both API processes sent the same deltas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_redis_down_the_api_answers_from_postgres() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 50, 3_000).await;
    let (_url, pool) = support::fresh_database().await;
    let indexer = stack::indexer(pool.clone(), &node).await;
    let (seat, _) = setup(&node, &keys).await;
    let last = take(&node, &keys, seat, 2).await;
    stack::wait_for_checkpoint(&pool, last).await;
    // A second API whose Redis is a closed port.
    let dead = format!("redis://127.0.0.1:{}", std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port());
    let api = stack::api_only(pool.clone(), Fanout::local(), Some(&dead)).await;
    let market = scenario::market_of(&node).to_string();
    let depth = stack::get_json(&format!("{}/markets/{market}/depth", api.api)).await;
    let expected = stack::get_json(&format!("{}/markets/{market}/depth", indexer.api)).await;
    assert_eq!(depth["asks"], expected["asks"]);
    assert_eq!(depth["asks"][0]["lots"], "298");
}
