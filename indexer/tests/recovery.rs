//! The mirror converges, with nothing missing and nothing counted twice, after the
//! indexer is killed (SIGKILL, and an abort between a batch's writes and its commit),
//! after a disconnect longer than the stream's replay window (the JSON-RPC backfill), and
//! after localnet itself restarts.
mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use market::engine::{OrderType, Side};
use solana_signer::Signer;
use support::{scenario, stack, verify};

/// Where a spawned indexer's log goes.
fn log_path(db_url: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("gtx-indexer-{}.log", db_url.rsplit('/').next().unwrap_or("db")))
}

/// The indexer binary's ingest role against `node`, writing to `db_url`; its log is
/// appended to `log_path(db_url)`.
fn spawn_ingest(node: &Node, db_url: &str, crash_before_commit: Option<u64>) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path(db_url)).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridtokenx-indexer"));
    cmd.arg("ingest")
        .env("DATABASE_URL", db_url)
        .env("REDIS_URL", "")
        .env("INDEXER_GRPC_URL", &node.grpc_url)
        .env("INDEXER_RPC_URL", &node.rpc_url)
        .env("RUST_LOG", std::env::var("GTX_TEST_INDEXER_LOG").unwrap_or_else(|_| "warn".into()))
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(n) = crash_before_commit {
        cmd.env("GRIDTOKENX_INDEXER_CRASH_BEFORE_COMMIT", n.to_string());
    }
    cmd.spawn().expect("the indexer binary starts")
}

fn sigkill(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
}

/// Orders that rest and cross, so every batch carries accounts and events.
async fn trade_burst(node: &Node, keys: &DeploymentKeys, rounds: u64) -> u64 {
    let rpc = stack::rpc(node);
    let (a, b) = (&keys.traders[0], &keys.traders[1]);
    let sa = scenario::seat_of(&rpc, &scenario::market_of(node), &a.pubkey()).await;
    let mut last = 0;
    for i in 0..rounds {
        scenario::place(node, &rpc, a, sa, scenario::packet(Side::Bid, OrderType::Limit, 100 + i % 7, 2, i)).await;
        let sb = scenario::seat_of(&rpc, &scenario::market_of(node), &b.pubkey()).await;
        last = scenario::place(node, &rpc, b, sb, scenario::packet(Side::Ask, OrderType::ImmediateOrCancel, 90, 1, i)).await.1;
    }
    last
}

async fn seats_for_both(node: &Node, keys: &DeploymentKeys) {
    let rpc = stack::rpc(node);
    scenario::seat_and_deposit(node, &rpc, &keys.traders[0], 0, 1_000_000_000).await;
    let prosumer = scenario::prosumer(node, keys, Arc::new(stack::rpc(node)), [9; 32], 500_000).await;
    // The second trader sells energy it received from the prosumer.
    let b = &keys.traders[1];
    let mint = energy::client::energy_mint_address();
    let create = spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent(
        &b.pubkey(), &b.pubkey(), &mint, &spl_token_interface::ID);
    let to = spl_associated_token_account_interface::address::get_associated_token_address(&b.pubkey(), &mint);
    let from = spl_associated_token_account_interface::address::get_associated_token_address(&prosumer.owner.pubkey(), &mint);
    let transfer = spl_token_interface::instruction::transfer(&spl_token_interface::ID, &from, &to, &prosumer.owner.pubkey(), &[], 400_000).unwrap();
    stack::send(&rpc, &[create], &[b]).await;
    stack::send(&rpc, &[transfer], &[&prosumer.owner]).await;
    scenario::seat_and_deposit(node, &rpc, b, 400_000, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_indexer_converges_without_loss_or_duplicates() {
    let keys = DeploymentKeys::random();
    let node = stack::localnet(&keys, 50, 3_000).await;
    let (url, pool) = support::fresh_database().await;
    seats_for_both(&node, &keys).await;

    // 1. Abort between a batch's writes and its commit, while trades flow.
    let mut first = spawn_ingest(&node, &url, Some(6));
    trade_burst(&node, &keys, 10).await;
    let status = first.wait().unwrap();
    assert!(!status.success(), "the crash point aborted the indexer: {status}");

    // 2. Restart, then SIGKILL mid-stream.
    let mut second = spawn_ingest(&node, &url, None);
    trade_burst(&node, &keys, 10).await;
    sigkill(&mut second);
    let last = trade_burst(&node, &keys, 5).await;

    // 3. Restart and converge.
    let mut third = spawn_ingest(&node, &url, None);
    stack::wait_for_checkpoint(&pool, last).await;
    let rpc = stack::rpc(&node);
    verify::accounts_match(&rpc, &pool).await;
    verify::events_match(&rpc, &pool, true).await;
    sigkill(&mut third);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_disconnect_longer_than_the_replay_window_is_backfilled_over_rpc() {
    let keys = DeploymentKeys::random();
    // 40 slots of 50 ms: two seconds of replay.
    let node = stack::localnet(&keys, 50, 40).await;
    let (url, pool) = support::fresh_database().await;
    seats_for_both(&node, &keys).await;
    let mut ingest = spawn_ingest(&node, &url, None);
    let last = trade_burst(&node, &keys, 3).await;
    stack::wait_for_checkpoint(&pool, last).await;
    sigkill(&mut ingest);

    trade_burst(&node, &keys, 5).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let last = trade_burst(&node, &keys, 2).await;
    let mut ingest = spawn_ingest(&node, &url, None);
    stack::wait_for_checkpoint(&pool, last).await;
    let rpc = stack::rpc(&node);
    verify::accounts_match(&rpc, &pool).await;
    verify::events_match(&rpc, &pool, true).await;
    sigkill(&mut ingest);
    let log = std::fs::read_to_string(log_path(&url)).unwrap();
    assert!(log.contains("backfilling over JSON-RPC"), "the restart took the RPC backfill path: {log}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_mirror_follows_a_restarted_localnet() {
    let keys = DeploymentKeys::random();
    let dir = std::env::temp_dir().join(format!("gtx-indexer-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let at = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let options = Options {
        rpc_addr: at(free_port()),
        pubsub_addr: at(free_port()),
        grpc_addr: at(free_port()),
        data_dir: Some(dir.clone()),
        ..Options::ephemeral(Duration::from_millis(50))
    };
    let node = Node::start(&keys, options.clone()).await.unwrap();
    let (url, pool) = support::fresh_database().await;
    seats_for_both(&node, &keys).await;
    let mut ingest = spawn_ingest(&node, &url, None);
    let last = trade_burst(&node, &keys, 3).await;
    stack::wait_for_checkpoint(&pool, last).await;

    node.save().await.unwrap();
    drop(node);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let node = Node::start(&keys, options).await.unwrap();
    let last = trade_burst(&node, &keys, 3).await;
    stack::wait_for_checkpoint(&pool, last).await;
    let rpc = stack::rpc(&node);
    verify::accounts_match(&rpc, &pool).await;
    // localnet keeps no transaction history across a restart (yet): the mirror holds
    // more than the chain can show, and never less.
    verify::events_match(&rpc, &pool, false).await;
    sigkill(&mut ingest);
    let _ = std::fs::remove_dir_all(&dir);
}
