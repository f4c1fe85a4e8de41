//! Sustained load on a localnet with a data dir (docs/benchmarks.md, "Localnet: durability"):
//! `total` SOL transfers through JSON-RPC, 16 in flight, between a fixed set of 1,000
//! accounts (so the accounts stay few and what grows is history); the process's RSS, the
//! history and the ledger on disk every `total / 10`; then localnet is dropped without a
//! final snapshot (as `kill -9` leaves it) and the restart on that data dir is timed.
//! cargo run -p gridtokenx-localnet --example ledger_load -- [total] [history_transactions] [geyser_retain_slots]
use std::time::{Duration, Instant};

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

const RECIPIENTS: u64 = 1_000;
const IN_FLIGHT: usize = 16;

fn rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    kb / 1024
}

fn dir_mb(dir: &std::path::Path) -> u64 {
    let size = |d: &std::path::Path| -> u64 {
        std::fs::read_dir(d)
            .map_or(0, |e| e.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
    };
    (size(dir) + size(&dir.join("ledger"))) >> 20
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("numbers"));
    let total = args.next().unwrap_or(100_000) as u64;
    let history = args.next().unwrap_or(gridtokenx_localnet::history::DEFAULT_CAPACITY);
    let window = args.next().map_or(gridtokenx_localnet::geyser::feed::RETAIN_SLOTS, |w| w as u64);
    let dir = std::env::temp_dir().join(format!("gtx-ledger-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let keys = DeploymentKeys::random();
    let options = || Options {
        data_dir: Some(dir.clone()),
        history_transactions: history,
        geyser_retain_slots: window,
        ..Options::ephemeral(Options::default().slot_duration)
    };
    let node = Node::start(&keys, options()).await.expect("localnet");
    let rpc = std::sync::Arc::new(RpcClient::new_with_commitment(
        node.rpc_url.clone(),
        CommitmentConfig::processed(),
    ));
    let payer = keys.traders[0].insecure_clone();
    let recipients: Vec<_> = (0..RECIPIENTS).map(|_| Keypair::new().pubkey()).collect();
    println!(
        "{total} transfers, history {history} transactions, Geyser window {window} slots, 400 ms slots, data dir {}",
        dir.display()
    );
    let started = Instant::now();
    let mut last_report = Instant::now();
    let step = (total / 10).max(1);
    let mut sent = 0u64;
    while sent < total {
        // A fresh blockhash for every batch (a blockhash lives 60 s).
        let blockhash = rpc.get_latest_blockhash().await.unwrap();
        let batch = (total - sent).min(1_000);
        let txs: Vec<Transaction> = (sent..sent + batch)
            .map(|i| {
                // The first transfer to each recipient makes it rent-exempt; the amounts make
                // every signature distinct.
                let lamports = if i < RECIPIENTS { 1_000_000 } else { 1 + i / RECIPIENTS };
                let to = recipients[(i % RECIPIENTS) as usize];
                let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &to, lamports);
                Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[&payer], blockhash)
            })
            .collect();
        for chunk in txs.chunks(IN_FLIGHT) {
            let handles: Vec<_> = chunk
                .iter()
                .map(|tx| {
                    let (rpc, tx) = (rpc.clone(), tx.clone());
                    tokio::spawn(async move { rpc.send_transaction(&tx).await.expect("lands") })
                })
                .collect();
            for h in handles {
                h.await.expect("task");
            }
        }
        sent += batch;
        if sent % step == 0 || sent == total {
            let c = node.chain.lock().await;
            println!(
                "{sent:>9} sent  {:>6.0} tx/s  RSS {:>5} MB  history {:>7}  ledger segments {:>3}  data dir {:>5} MB",
                step.min(sent) as f64 / last_report.elapsed().as_secs_f64(),
                rss_mb(),
                c.history_len(),
                c.ledger_segments(),
                dir_mb(&dir),
            );
            last_report = Instant::now();
        }
    }
    println!(
        "{total} transfers in {:.1} s: {:.0} tx/s",
        started.elapsed().as_secs_f64(),
        total as f64 / started.elapsed().as_secs_f64()
    );
    // Everything sent is confirmed once two slots have passed.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    drop(node);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t = Instant::now();
    let node = Node::start(&keys, options()).await.expect("restart");
    let restart = t.elapsed();
    let c = node.chain.lock().await;
    println!(
        "restart on {} MB of data dir ({} ledger segments): {:.2} s; history {} transactions; RSS {} MB",
        dir_mb(&dir),
        c.ledger_segments() - 1,
        restart.as_secs_f64(),
        c.history_len(),
        rss_mb()
    );
    drop(c);
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
}
