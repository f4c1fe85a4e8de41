//! A chain (localnet) and an indexer (in-process or as its binary) for the mirror tests.
#![allow(dead_code)]
use std::sync::Arc;
use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use gridtokenx_indexer::api::{self, AppState};
use gridtokenx_indexer::config::{ApiArgs, Commitment, IngestArgs};
use gridtokenx_indexer::fanout::Fanout;
use gridtokenx_localnet::keys::DeploymentKeys;
use gridtokenx_localnet::node::{Node, Options};
use solana_commitment_config::CommitmentConfig;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_signer::Signer;
use solana_transaction::Transaction;
use sqlx::PgPool;

pub const WAIT: Duration = Duration::from_secs(60);

pub async fn localnet(keys: &DeploymentKeys, slot_ms: u64, retain_slots: u64) -> Node {
    let options = Options { geyser_retain_slots: retain_slots, ..Options::ephemeral(Duration::from_millis(slot_ms)) };
    Node::start(keys, options).await.expect("localnet starts")
}

pub fn ingest_args(node: &Node) -> IngestArgs {
    IngestArgs {
        grpc_url: node.grpc_url.clone(),
        grpc_x_token: None,
        rpc_url: node.rpc_url.clone(),
        commitment: Commitment::Confirmed,
        batch: 20_000,
        queue: 50_000,
    }
}

/// The indexer's ingest and API in this process; both stop when this is dropped.
pub struct Indexer {
    pub api: String,
    pub ws: String,
    pub fanout: Fanout,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Indexer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

pub async fn api_only(pool: PgPool, fanout: Fanout, redis_url: Option<&str>) -> Indexer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let redis = redis_url.map(|u| redis::Client::open(u).unwrap());
    if let Some(url) = redis_url {
        fanout.follow_redis(url).unwrap();
    }
    let state = AppState {
        pool,
        fanout: fanout.clone(),
        redis,
        metrics: gridtokenx_indexer::metrics::install(),
        args: Arc::new(ApiArgs {
            listen: addr,
            app_dir: None,
            max_lag_secs: 30,
            ws_buffer: 64,
        }),
    };
    let server = tokio::spawn(async move {
        let _ = api::serve(state, listener, std::future::pending()).await;
    });
    Indexer { api: format!("http://{addr}/api/v1"), ws: format!("ws://{addr}/api/v1/ws"), fanout, tasks: vec![server] }
}

pub async fn indexer(pool: PgPool, node: &Node) -> Indexer {
    let fanout = Fanout::local();
    let mut indexer = api_only(pool.clone(), fanout.clone(), None).await;
    let args = ingest_args(node);
    indexer.tasks.push(tokio::spawn(gridtokenx_indexer::ingest::pipeline::run(pool, fanout, args)));
    indexer
}

pub fn rpc(node: &Node) -> RpcClient {
    RpcClient::new_with_commitment(node.rpc_url.clone(), CommitmentConfig::confirmed())
}

/// Sends and waits for confirmation; returns the signature and its slot.
pub async fn send(rpc: &RpcClient, ixs: &[Instruction], signers: &[&Keypair]) -> (String, u64) {
    let blockhash = rpc.get_latest_blockhash().await.unwrap();
    let tx = Transaction::new_signed_with_payer(ixs, Some(&signers[0].pubkey()), signers, blockhash);
    let sig = rpc.send_and_confirm_transaction(&tx).await.unwrap_or_else(|e| panic!("transaction failed: {e:?}"));
    let status = rpc.get_signature_statuses(&[sig]).await.unwrap().value[0].clone().unwrap();
    (sig.to_string(), status.slot)
}

pub async fn airdrop(rpc: &RpcClient, to: &Pubkey, lamports: u64) {
    let sig = rpc.request_airdrop(to, lamports).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while !rpc.confirm_transaction(&sig).await.unwrap() {
        assert!(std::time::Instant::now() < deadline, "airdrop not confirmed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the indexer's checkpoint passed `slot` (every slot below it is mirrored).
pub async fn wait_for_checkpoint(pool: &PgPool, slot: u64) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let at: Option<i64> = sqlx::query_scalar("select slot from ingest_checkpoint where source = 'chain'")
            .fetch_optional(pool)
            .await
            .ok()
            .flatten();
        if at.is_some_and(|s| s as u64 > slot) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "indexer checkpoint {at:?} did not pass slot {slot}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn get_json(url: &str) -> serde_json::Value {
    let response = reqwest::get(url).await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.json().await.unwrap()
}
