//! Backfill over JSON-RPC, for when the stream cannot replay from the checkpoint
//! (localnet keeps a window, hosted providers ~100 slots): the programs' current accounts
//! (`getProgramAccounts`) and every successful transaction since the checkpoint
//! (`getSignaturesForAddress` + `getTransaction`, for the events). Everything goes through
//! the same queue and writer as the stream; the checkpoint moves only at the very end, to
//! the slot the account snapshot was read at, so a failed backfill moves nothing.
use std::collections::BTreeSet;
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{decode, AccountUpdate, TransactionUpdate, Update};
use crate::config::{Commitment, IngestArgs};

#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("JSON-RPC {0} failed: {1}; check INDEXER_RPC_URL")]
    Rpc(&'static str, String),
    #[error("the writer stopped")]
    Closed,
}

struct Rpc {
    http: reqwest::Client,
    url: String,
    commitment: &'static str,
}

impl Rpc {
    async fn call(&self, method: &'static str, params: Value) -> Result<Value, BackfillError> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let reply: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| BackfillError::Rpc(method, e.to_string()))?
            .json()
            .await
            .map_err(|e| BackfillError::Rpc(method, e.to_string()))?;
        if let Some(error) = reply.get("error") {
            return Err(BackfillError::Rpc(method, error.to_string()));
        }
        Ok(reply.get("result").cloned().unwrap_or(Value::Null))
    }
}

fn commitment_name(c: Commitment) -> &'static str {
    match c {
        // Backfill reads settled history: never below confirmed.
        Commitment::Processed | Commitment::Confirmed => "confirmed",
        Commitment::Finalized => "finalized",
    }
}

/// Sends everything from `from_slot` on into `out`, then `SlotDone` at the snapshot slot.
/// Returns that slot.
pub async fn run(args: &IngestArgs, from_slot: u64, out: &mpsc::Sender<Update>) -> Result<u64, BackfillError> {
    let rpc = Rpc {
        http: reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| BackfillError::Rpc("client", e.to_string()))?,
        url: args.rpc_url.clone(),
        commitment: commitment_name(args.commitment),
    };
    let send = |u: Update| async move { out.send(u).await.map_err(|_| BackfillError::Closed) };

    // Accounts: the current state of every account of our programs.
    let mut snapshot_slot = 0u64;
    for program in decode::programs() {
        let result = rpc
            .call(
                "getProgramAccounts",
                json!([program.to_string(), {"encoding": "base64", "commitment": rpc.commitment, "withContext": true}]),
            )
            .await?;
        let slot = result["context"]["slot"].as_u64().unwrap_or(0);
        snapshot_slot = snapshot_slot.max(slot);
        for entry in result["value"].as_array().into_iter().flatten() {
            let (Ok(pubkey), Some(data)) = (
                Pubkey::from_str(entry["pubkey"].as_str().unwrap_or_default()),
                entry["account"]["data"][0].as_str(),
            ) else {
                continue;
            };
            let Ok(data) = base64::engine::general_purpose::STANDARD.decode(data) else { continue };
            send(Update::Account(AccountUpdate {
                pubkey,
                owner: program,
                slot,
                write_version: 0,
                lamports: entry["account"]["lamports"].as_u64().unwrap_or(0),
                data,
            }))
            .await?;
        }
    }

    // Events: every successful transaction of our programs since `from_slot`, oldest first.
    let mut signatures: BTreeSet<(u64, String)> = BTreeSet::new();
    for program in decode::programs() {
        let mut before: Option<String> = None;
        loop {
            let mut config = json!({"limit": 1000, "commitment": rpc.commitment});
            if let Some(b) = &before {
                config["before"] = json!(b);
            }
            let page = rpc.call("getSignaturesForAddress", json!([program.to_string(), config])).await?;
            let page = page.as_array().cloned().unwrap_or_default();
            let mut reached_checkpoint = false;
            for entry in &page {
                let slot = entry["slot"].as_u64().unwrap_or(0);
                if slot < from_slot {
                    reached_checkpoint = true;
                    break;
                }
                if entry["err"].is_null() {
                    if let Some(sig) = entry["signature"].as_str() {
                        signatures.insert((slot, sig.to_string()));
                    }
                }
            }
            before = page.last().and_then(|e| e["signature"].as_str()).map(str::to_string);
            if reached_checkpoint || page.len() < 1000 || before.is_none() {
                break;
            }
        }
    }
    for (slot, signature) in signatures {
        let tx = rpc
            .call(
                "getTransaction",
                json!([signature, {"encoding": "json", "commitment": rpc.commitment, "maxSupportedTransactionVersion": 0}]),
            )
            .await?;
        if tx.is_null() || !tx["meta"]["err"].is_null() {
            continue;
        }
        let logs = tx["meta"]["logMessages"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str().map(str::to_string))
            .collect();
        let block_time = tx["blockTime"].as_i64().unwrap_or_else(super::source::now_secs);
        send(Update::Transaction(TransactionUpdate { signature, slot, block_time, logs })).await?;
    }
    send(Update::SlotDone(snapshot_slot)).await?;
    Ok(snapshot_slot)
}
