//! Latency of localnet's Geyser stream (docs/benchmarks.md): slot updates from the moment
//! the slot begins, and transaction updates from the moment sendTransaction is called.
//! cargo run -p gridtokenx-localnet --example geyser_latency -- [samples]
use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;
use yellowstone_grpc_client::GeyserGrpcClient;
use yellowstone_grpc_proto::geyser::subscribe_update::UpdateOneof;
use yellowstone_grpc_proto::geyser::{
    SubscribeRequest, SubscribeRequestFilterSlots, SubscribeRequestFilterTransactions,
};

#[path = "support/percentiles.rs"]
mod support;
use support::percentiles;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let samples: usize = std::env::args().nth(1).map_or(300, |a| a.parse().expect("a number"));
    let keys = DeploymentKeys::random();
    let options = Options::ephemeral(Duration::from_millis(20));
    let node = Node::start(&keys, options).await.expect("localnet");
    let mut client =
        GeyserGrpcClient::build_from_shared(node.grpc_url.clone()).unwrap().connect().await.unwrap();
    let payer = &keys.traders[0];
    let request = SubscribeRequest {
        slots: HashMap::from([("slots".into(), SubscribeRequestFilterSlots::default())]),
        transactions: HashMap::from([(
            "payer".into(),
            SubscribeRequestFilterTransactions {
                account_include: vec![payer.pubkey().to_string()],
                ..Default::default()
            },
        )]),
        ..Default::default()
    };
    let (_sink, mut stream) = client.subscribe_with_request(Some(request)).await.unwrap();

    // Slot updates: age of each update (its created_at stamp) when it reaches the client.
    let mut slot_latency = Vec::new();
    while slot_latency.len() < samples {
        let update = stream.next().await.unwrap().unwrap();
        if let (Some(UpdateOneof::Slot(_)), Some(created)) = (update.update_oneof, update.created_at) {
            let created =
                SystemTime::UNIX_EPOCH + Duration::new(created.seconds as u64, created.nanos as u32);
            slot_latency.push(SystemTime::now().duration_since(created).unwrap_or_default());
        }
    }

    // Transactions: sendTransaction called → the transaction's update arrives.
    let rpc = RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::processed());
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let mut tx_latency = Vec::new();
    for i in 0..samples {
        let ix = solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Keypair::new().pubkey(),
            1_000_000 + i as u64,
        );
        let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
        let sent = Instant::now();
        let signature = rpc.send_transaction(&tx).await.unwrap();
        loop {
            let update = stream.next().await.unwrap().unwrap();
            if let Some(UpdateOneof::Transaction(t)) = update.update_oneof {
                if t.transaction.is_some_and(|info| info.signature == signature.as_ref()) {
                    tx_latency.push(sent.elapsed());
                    break;
                }
            }
        }
    }
    println!("slot start -> gRPC slot update:        {}", percentiles(slot_latency));
    println!("sendTransaction -> gRPC tx update:     {}", percentiles(tx_latency));
}
