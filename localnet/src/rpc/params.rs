//! What every method shares: positional parameters decoded as agave's jsonrpc-core decodes
//! them, the `{context, value}` wrapper, commitment and `minContextSlot`, and agave's custom
//! server errors (`solana-rpc-client-api`'s `custom_error.rs`), with their codes and words.
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_rpc_client_types::config::{CommitmentConfig, CommitmentLevel};
use solana_signature::Signature;

use super::{code, RpcError};
use crate::chain::Chain;

/// The agave version whose RPC behaviour localnet follows.
pub const CORE_VERSION: &str = "4.2.2";

pub type RpcResult = Result<Value, RpcError>;

/// A method's positional parameters, decoded as agave's jsonrpc-core decodes them: at most
/// as many as the method takes, each into its type, missing trailing optional ones allowed.
pub struct Params {
    values: Vec<Value>,
    /// How many the method requires: a missing one is refused naming this many.
    required: usize,
}

impl Params {
    pub fn new(values: Vec<Value>, required: usize, max: usize) -> Result<Params, RpcError> {
        if values.len() > max {
            return Err(RpcError::invalid_params(format!(
                "Invalid params: expected at most {max} parameters, got {}.",
                values.len()
            )));
        }
        Ok(Params { values, required })
    }

    /// A method that takes none, answered as jsonrpc-core answers for agave: the parameters
    /// it got, in Rust's debug form, as the error's data.
    pub fn none(values: Vec<Value>) -> Result<(), RpcError> {
        if values.is_empty() {
            Ok(())
        } else {
            Err(RpcError {
                data: Some(Value::String(format!("Array({values:?})"))),
                ..RpcError::invalid_params("Invalid parameters: No parameters were expected")
            })
        }
    }

    pub fn req<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        let value = self.values.get(i).ok_or_else(|| {
            // jsonrpc-derive's check, as agave answers it: it names how many the method requires.
            let required = self.required.max(i + 1);
            RpcError::invalid_params(format!("`params` should have at least {required} argument(s)"))
        })?;
        serde_json::from_value(value.clone())
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}.")))
    }

    /// Absent or `null`: `None`.
    pub fn opt<T: DeserializeOwned>(&self, i: usize) -> Result<Option<T>, RpcError> {
        match self.values.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.req(i).map(Some),
        }
    }
}

/// agave's refusal of a list longer than a method takes.
pub fn at_most(len: usize, max: usize) -> Result<(), RpcError> {
    if len > max {
        return Err(RpcError::invalid_params(format!("Too many inputs provided; max {max}")));
    }
    Ok(())
}

/// agave's answer to a `minContextSlot` the node has not reached: -32016 with the slot.
pub fn min_context_slot(c: &Chain, min: Option<u64>) -> Result<(), RpcError> {
    min_context_slot_at(c.slot, min)
}

/// The same for a method answered by the bank of `slot` (a commitment's): agave compares
/// `minContextSlot` with that bank's slot.
pub fn min_context_slot_at(slot: u64, min: Option<u64>) -> Result<(), RpcError> {
    match min {
        Some(min) if min > slot => Err(RpcError {
            code: code::MIN_CONTEXT_SLOT_NOT_REACHED,
            message: "Minimum context slot has not been reached".into(),
            data: Some(json!({ "contextSlot": slot })),
        }),
        _ => Ok(()),
    }
}

/// The newest slot that has reached `commitment` (agave's default: finalized).
pub fn slot_at(c: &Chain, commitment: Option<CommitmentConfig>) -> u64 {
    match commitment.map_or(CommitmentLevel::Finalized, |c| c.commitment) {
        CommitmentLevel::Processed => c.slot,
        CommitmentLevel::Confirmed => c.slot.saturating_sub(c.confirm_after),
        CommitmentLevel::Finalized => c.slot.saturating_sub(c.finalize_after),
    }
}

/// Methods that read the ledger (blocks, transactions) refuse `processed`, as agave.
pub fn at_least_confirmed(commitment: Option<CommitmentConfig>) -> Result<(), RpcError> {
    match commitment {
        Some(c) if c.commitment == CommitmentLevel::Processed => {
            Err(RpcError::invalid_params("Method does not support commitment below `confirmed`"))
        }
        _ => Ok(()),
    }
}

pub fn pubkey(text: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(text).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

pub fn signature(text: &str) -> Result<Signature, RpcError> {
    Signature::from_str(text).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

pub fn with_context(c: &Chain, value: Value) -> Value {
    with_context_at(c.slot, value)
}

/// The `{context, value}` wrapper of a reply from the bank of `slot`.
pub fn with_context_at(slot: u64, value: Value) -> Value {
    json!({ "context": { "slot": slot, "apiVersion": CORE_VERSION }, "value": value })
}

/// agave's custom server errors that the ledger methods answer.
pub mod ledger_error {
    use super::RpcError;

    fn server(code: i64, message: String) -> RpcError {
        RpcError { code, message, data: None }
    }

    pub fn block_cleaned_up(slot: u64, first_available: u64) -> RpcError {
        server(
            -32001,
            format!(
                "Block {slot} cleaned up, does not exist on node. First available block: {first_available}"
            ),
        )
    }

    pub fn block_not_available(slot: u64) -> RpcError {
        server(-32004, format!("Block not available for slot {slot}"))
    }

    pub fn unsupported_transaction_version(version: u8) -> RpcError {
        server(
            -32015,
            format!(
                "Transaction version ({version}) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": {version}"
            ),
        )
    }

    pub fn no_snapshot() -> RpcError {
        server(-32008, "No snapshot".into())
    }
}
