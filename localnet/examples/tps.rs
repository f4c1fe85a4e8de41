//! Sustained sendTransaction throughput through localnet's JSON-RPC (docs/benchmarks.md).
//! cargo run -p gridtokenx-localnet --example tps -- [transactions] [concurrency]
use std::time::Instant;

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("numbers"));
    let total = args.next().unwrap_or(2_000);
    let concurrency = args.next().unwrap_or(16);
    let keys = DeploymentKeys::random();
    let options = Options {
        rpc_addr: ([127, 0, 0, 1], 0).into(),
        pubsub_addr: ([127, 0, 0, 1], 0).into(),
        grpc_addr: ([127, 0, 0, 1], 0).into(),
        ..Options::default()
    };
    let node = Node::start(&keys, options).await.expect("localnet");
    let rpc = std::sync::Arc::new(RpcClient::new_with_commitment(
        node.rpc_url.clone(),
        CommitmentConfig::processed(),
    ));
    let payer = std::sync::Arc::new(keys.traders[0].insecure_clone());
    let blockhash = rpc.get_latest_blockhash().await.unwrap();

    // Distinct transfers (distinct amounts make distinct signatures) signed up front, so
    // the measurement is the chain and its RPC, not client-side signing.
    let txs: Vec<Transaction> = (0..total)
        .map(|i| {
            let ix = solana_system_interface::instruction::transfer(
                &payer.pubkey(),
                &Keypair::new().pubkey(),
                1_000_000 + i as u64,
            );
            Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer.as_ref()], blockhash)
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total);
    for chunk in txs.chunks(concurrency) {
        let handles: Vec<_> = chunk
            .iter()
            .map(|tx| {
                let (rpc, tx) = (rpc.clone(), tx.clone());
                tokio::spawn(async move {
                    let t = Instant::now();
                    rpc.send_transaction(&tx).await.expect("lands");
                    t.elapsed()
                })
            })
            .collect();
        for h in handles {
            latencies.push(h.await.expect("task"));
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{total} transfers, concurrency {concurrency}: {:.0} tx/s; sendTransaction latency p50 {:?}, p99 {:?}",
        total as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99)
    );
}
