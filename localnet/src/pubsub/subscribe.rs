//! Subscribe and unsubscribe requests: each parsed and checked as agave's PubSub does, into
//! the subscription it creates.
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_rpc_client_types::config::{
    CommitmentConfig, CommitmentLevel, RpcAccountInfoConfig, RpcProgramAccountsConfig,
    RpcSignatureSubscribeConfig, RpcTransactionLogsConfig, RpcTransactionLogsFilter,
};
use solana_rpc_client_types::filter::RpcFilterType;
use solana_signature::Signature;
use solana_transaction_status_client_types::UiTransactionError;

use super::Subscriptions;
use crate::rpc::methods::{account_encoding, verify_filters};
use crate::rpc::{code, SharedChain};

pub enum Sub {
    Slot,
    /// The highest finalized slot, on every new one.
    Root,
    /// Waits for the transaction, then for `age` more slots (the commitment).
    Signature {
        signature: Signature,
        age: u64,
        landed: Option<(u64, Value)>,
    },
    Account {
        key: Pubkey,
        encoding: &'static str,
        age: u64,
    },
    /// Every account owned by `program` that a transaction writes, if it passes `filters`.
    Program {
        program: Pubkey,
        encoding: &'static str,
        filters: Vec<RpcFilterType>,
        age: u64,
    },
    /// Transactions' logs: all of them, or those that name `mentions`.
    Logs {
        mentions: Option<Pubkey>,
        age: u64,
    },
}

/// Slots a notification waits at `commitment` (agave's default is finalized).
fn age(chain_confirm: u64, chain_finalize: u64, commitment: Option<CommitmentConfig>) -> u64 {
    match commitment.map(|c| c.commitment) {
        Some(CommitmentLevel::Processed) => 0,
        Some(CommitmentLevel::Confirmed) => chain_confirm,
        Some(CommitmentLevel::Finalized) | None => chain_finalize,
    }
}

fn error(id: &Value, code: i64, message: String) -> Value {
    json!({ "jsonrpc": "2.0", "error": { "code": code, "message": message }, "id": id })
}

fn pubkey(params: &[Value], at: usize) -> Result<Pubkey, String> {
    params
        .get(at)
        .and_then(Value::as_str)
        .and_then(|s| Pubkey::from_str(s).ok())
        .ok_or_else(|| "Invalid Request: Invalid pubkey provided".to_string())
}

/// The optional configuration object at `at`, decoded into its official type.
fn config<T: DeserializeOwned + Default>(params: &[Value], at: usize) -> Result<T, String> {
    match params.get(at) {
        None | Some(Value::Null) => Ok(T::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("Invalid params: {e}")),
    }
}

pub async fn request(chain: &SharedChain, state: &mut Subscriptions, text: &str) -> Value {
    let Ok(call) = serde_json::from_str::<Value>(text) else {
        return json!({ "jsonrpc": "2.0", "error": { "code": code::PARSE_ERROR, "message": "Parse error" }, "id": null });
    };
    let id = call.get("id").cloned().unwrap_or(Value::Null);
    let params: Vec<Value> = call.get("params").and_then(Value::as_array).cloned().unwrap_or_default();
    let method = call.get("method").and_then(Value::as_str).unwrap_or_default();
    if method.ends_with("Unsubscribe") && subscription(method.trim_end_matches("Unsubscribe")) {
        let removed = params.first().and_then(Value::as_u64).and_then(|n| state.subs.remove(&n)).is_some();
        if !removed {
            return error(&id, code::INVALID_PARAMS, "Invalid subscription id.".into());
        }
        return json!({ "jsonrpc": "2.0", "result": true, "id": id });
    }
    let (confirm, finalize) = {
        let c = chain.lock().await;
        (c.confirm_after, c.finalize_after)
    };
    let sub = match method {
        "slotSubscribe" => Ok(Sub::Slot),
        "rootSubscribe" => Ok(Sub::Root),
        "signatureSubscribe" => signature(chain, &params, confirm, finalize).await,
        "accountSubscribe" => account(&params, confirm, finalize),
        "programSubscribe" => program(&params, confirm, finalize),
        "logsSubscribe" => logs(&params, confirm, finalize),
        _ => return error(&id, code::METHOD_NOT_FOUND, "Method not found".into()),
    };
    match sub {
        Ok(sub) => {
            state.next_id += 1;
            state.subs.insert(state.next_id, sub);
            json!({ "jsonrpc": "2.0", "result": state.next_id, "id": id })
        }
        Err(message) => error(&id, code::INVALID_PARAMS, message),
    }
}

/// Whether `name` + "Subscribe" is a subscription localnet serves.
fn subscription(name: &str) -> bool {
    matches!(name, "slot" | "root" | "signature" | "account" | "program" | "logs")
}

async fn signature(chain: &SharedChain, params: &[Value], confirm: u64, finalize: u64) -> Result<Sub, String> {
    let signature = params
        .first()
        .and_then(Value::as_str)
        .and_then(|s| Signature::from_str(s).ok())
        .ok_or_else(|| "Invalid Request: Invalid signature provided".to_string())?;
    let config: RpcSignatureSubscribeConfig = config(params, 1)?;
    let age = age(confirm, finalize, config.commitment);
    let landed = chain
        .lock()
        .await
        .record(&signature)
        .map(|r| (r.slot, json!(r.err.clone().map(UiTransactionError::from))));
    Ok(Sub::Signature { signature, age, landed })
}

fn account(params: &[Value], confirm: u64, finalize: u64) -> Result<Sub, String> {
    let key = pubkey(params, 0)?;
    let config: RpcAccountInfoConfig = config(params, 1)?;
    let age = age(confirm, finalize, config.commitment);
    // agave's default: `binary`, the legacy base58 string without its encoding's name.
    Ok(Sub::Account { key, encoding: account_encoding(config.encoding, "binary"), age })
}

fn program(params: &[Value], confirm: u64, finalize: u64) -> Result<Sub, String> {
    let program = pubkey(params, 0)?;
    let config: RpcProgramAccountsConfig = config(params, 1)?;
    let filters = verify_filters(config.filters.unwrap_or_default()).map_err(|e| e.message)?;
    let account = config.account_config;
    let age = age(confirm, finalize, account.commitment);
    Ok(Sub::Program { program, encoding: account_encoding(account.encoding, "binary"), filters, age })
}

fn logs(params: &[Value], confirm: u64, finalize: u64) -> Result<Sub, String> {
    let filter: RpcTransactionLogsFilter = match params.first() {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("Invalid params: {e}"))?,
        None => return Err("Invalid params: missing logs filter".into()),
    };
    let mentions = match filter {
        RpcTransactionLogsFilter::All | RpcTransactionLogsFilter::AllWithVotes => None,
        RpcTransactionLogsFilter::Mentions(keys) => {
            let [key] = keys.as_slice() else {
                return Err("Invalid Request: Only 1 address supported".into());
            };
            Some(Pubkey::from_str(key).map_err(|_| "Invalid Request: Invalid mentions provided".to_string())?)
        }
    };
    // Its config type has no Default: absent means agave's default commitment.
    let commitment = match params.get(1) {
        None | Some(Value::Null) => None,
        Some(v) => serde_json::from_value::<RpcTransactionLogsConfig>(v.clone())
            .map_err(|e| format!("Invalid params: {e}"))?
            .commitment,
    };
    let age = age(confirm, finalize, commitment);
    Ok(Sub::Logs { mentions, age })
}
