//! The two engines issue #11 asks us to choose between, measured in one harness: agave's
//! test validator (as a library, in this process) and localnet. For each: time to serving,
//! CPU and RSS while idle, SOL transfers per second (pre-signed, sent over JSON-RPC with
//! preflight, counted when all are confirmed), and send → confirmed latency one at a time.
//!
//! cargo run --locked -p gridtokenx-conformance --example engines -- <reference|localnet> [transfers] [in_flight]
use std::time::{Duration, Instant};

use base64::Engine;
use futures_util::stream::{self, StreamExt};
use gridtokenx_conformance::chains::{Endpoint, Localnet, Reference};
use gridtokenx_conformance::rpc::{call, result, wait_for};
use gridtokenx_conformance::scenario;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

/// This process's user + system CPU seconds and resident set (bytes), from /proc.
fn cpu_and_rss() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(") ").map(|(_, rest)| rest.split(' ').collect()).unwrap_or_default();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 (1-based), 11 and 12 after the command name.
    let cpu = (ticks(11) + ticks(12)) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    (cpu, rss_kb * 1024)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = args.get(1).map(String::as_str).unwrap_or("localnet");
    let transfers: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let in_flight: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(16);

    let started = Instant::now();
    let (_reference, _localnet, endpoint): (Option<Reference>, Option<Localnet>, Endpoint) = match engine {
        "reference" => {
            let r = Reference::start().await;
            let e = r.endpoint.clone();
            (Some(r), None, e)
        }
        _ => {
            let l = Localnet::start().await;
            let e = l.endpoint.clone();
            (None, Some(l), e)
        }
    };
    let serving = started.elapsed();
    let e = &endpoint;

    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, _) = cpu_and_rss();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (cpu1, idle_rss) = cpu_and_rss();
    let idle_cores = (cpu1 - cpu0) / 10.0;

    // Payers: one per in-flight lane, each funded by the faucet.
    let payers: Vec<Keypair> = (0..in_flight).map(|_| Keypair::new()).collect();
    let mut airdrops = Vec::new();
    for payer in &payers {
        let signature = result(e, "requestAirdrop", json!([payer.pubkey().to_string(), 100_000_000_000u64])).await;
        airdrops.push(signature.as_str().unwrap().to_string());
    }
    for signature in &airdrops {
        wait_for(e, signature, "confirmed").await;
    }

    // Throughput: pre-signed transfers over one blockhash, `in_flight` at a time.
    let blockhash = scenario::blockhash(e).await;
    let to = Keypair::new().pubkey();
    let wires: Vec<(String, String)> = (0..transfers)
        .map(|i| {
            let payer = &payers[i % in_flight];
            let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &to, 1_000 + i as u64);
            let message = solana_message::Message::new_with_blockhash(&[ix], Some(&payer.pubkey()), &blockhash);
            let tx = solana_transaction::Transaction::new(&[payer], message, blockhash);
            let wire = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap());
            (wire, tx.signatures[0].to_string())
        })
        .collect();
    let (cpu_before, _) = cpu_and_rss();
    let sending = Instant::now();
    let accepted: Vec<bool> = stream::iter(wires.iter())
        .map(|(wire, _)| async move {
            call(e, "sendTransaction", json!([wire, { "encoding": "base64" }])).await.get("result").is_some()
        })
        .buffer_unordered(in_flight)
        .collect()
        .await;
    let mut unconfirmed: Vec<&String> = wires.iter().map(|(_, s)| s).collect();
    while !unconfirmed.is_empty() {
        let batch: Vec<&String> = unconfirmed.iter().take(256).copied().collect();
        let statuses = result(e, "getSignatureStatuses", json!([batch])).await;
        let done: Vec<bool> = statuses["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| matches!(s["confirmationStatus"].as_str(), Some("confirmed" | "finalized")))
            .collect();
        let before = unconfirmed.len();
        let mut i = 0;
        unconfirmed.retain(|_| {
            let keep = i >= done.len() || !done[i];
            i += 1;
            keep
        });
        if unconfirmed.len() == before {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A validator may drop what it cannot take (its queues are bounded): counted, not awaited.
        if sending.elapsed() > Duration::from_secs(120) {
            break;
        }
    }
    let dropped = unconfirmed.len();
    let elapsed = sending.elapsed().as_secs_f64();
    let (cpu_after, loaded_rss) = cpu_and_rss();
    let refused = accepted.iter().filter(|a| !**a).count();

    // Latency: one at a time, send → confirmed (statuses polled every 5 ms).
    let mut latencies = Vec::new();
    for i in 0..30u64 {
        let (wire, signature) = scenario::signed(
            e,
            &[solana_system_interface::instruction::transfer(&payers[0].pubkey(), &to, 7 + i)],
            &[&payers[0]],
        )
        .await;
        let sent = Instant::now();
        call(e, "sendTransaction", json!([wire, { "encoding": "base64" }])).await;
        loop {
            let statuses = result(e, "getSignatureStatuses", json!([[signature]])).await;
            if matches!(statuses["value"][0]["confirmationStatus"].as_str(), Some("confirmed" | "finalized")) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);

    println!(
        "{engine}: serving after {:.2} s; idle {:.2} cores, RSS {} MB; {transfers} transfers ({in_flight} in flight, {refused} refused, {dropped} never confirmed) in {:.2} s = {:.0} tx/s, {:.2} cores while sending, RSS {} MB after; send → confirmed p50 {:.0} ms, p99 {:.0} ms",
        serving.as_secs_f64(),
        idle_cores,
        idle_rss / 1_000_000,
        elapsed,
        (transfers - dropped) as f64 / elapsed,
        (cpu_after - cpu_before) / elapsed,
        loaded_rss / 1_000_000,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );
    std::process::exit(0);
}
