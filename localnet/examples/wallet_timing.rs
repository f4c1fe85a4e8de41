//! What a wallet sees of localnet's clock (docs/benchmarks.md): how long a blockhash from
//! `getLatestBlockhash` is accepted, and how long a transfer takes to be confirmed, at a
//! given slot time.
//! cargo run -p gridtokenx-localnet --example wallet_timing -- [slot_ms] [transfers]
use std::time::{Duration, Instant};

use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::RpcSimulateTransactionConfig;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::TransactionConfirmationStatus;

#[path = "support/percentiles.rs"]
mod support;
use support::percentiles;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("numbers"));
    let slot_ms = args.next().unwrap_or(400);
    let transfers = args.next().unwrap_or(50) as usize;
    let keys = DeploymentKeys::random();
    let node =
        Node::start(&keys, Options::ephemeral(Duration::from_millis(slot_ms))).await.expect("localnet");
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let payer = &keys.traders[0];
    let transfer = |lamports: u64, blockhash| {
        let ix = solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Keypair::new().pubkey(),
            lamports,
        );
        Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash)
    };

    // Confirmation latency: sendTransaction called → getSignatureStatuses says confirmed.
    let mut latencies = Vec::with_capacity(transfers);
    for i in 0..transfers {
        let blockhash = rpc.get_latest_blockhash().await.unwrap();
        let tx = transfer(1_000_000 + i as u64, blockhash);
        let start = Instant::now();
        let signature = rpc.send_transaction(&tx).await.unwrap();
        loop {
            let status = rpc.get_signature_statuses(&[signature]).await.unwrap().value[0].clone();
            if status
                .and_then(|s| s.confirmation_status)
                .is_some_and(|c| c != TransactionConfirmationStatus::Processed)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(start.elapsed());
    }
    println!("slot {slot_ms} ms: send → confirmed {}", percentiles(latencies));

    // Blockhash lifetime: how long isBlockhashValid says yes, and how long a transaction
    // signed with the blockhash passes preflight (simulation, which checks its age).
    let (blockhash, last_valid) =
        rpc.get_latest_blockhash_with_commitment(CommitmentConfig::processed()).await.unwrap();
    let height = rpc.get_block_height().await.unwrap();
    let start = Instant::now();
    let probe = transfer(2_000_000, blockhash);
    let (mut valid_until, mut preflight_until) = (None, None);
    while valid_until.is_none() || preflight_until.is_none() {
        if valid_until.is_none()
            && !rpc.is_blockhash_valid(&blockhash, CommitmentConfig::processed()).await.unwrap()
        {
            valid_until = Some(start.elapsed());
        }
        if preflight_until.is_none() {
            let config = RpcSimulateTransactionConfig { sig_verify: true, ..Default::default() };
            let sim = rpc.simulate_transaction_with_config(&probe, config).await.unwrap().value;
            if sim.err.is_some() {
                preflight_until = Some(start.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(start.elapsed() < Duration::from_secs(600), "still valid after 10 minutes");
    }
    println!(
        "slot {slot_ms} ms: blockhash promised {} blocks; isBlockhashValid true for {:?}, preflight accepts it for {:?}; block height then {}",
        last_valid - height,
        valid_until.unwrap(),
        preflight_until.unwrap(),
        rpc.get_block_height().await.unwrap(),
    );
}
