//! Transactions: sendTransaction, simulateTransaction (preflight as agave: a failed one
//! commits nothing), getSignatureStatuses, getSignaturesForAddress and getTransaction (every
//! encoding, `maxSupportedTransactionVersion`, commitment `confirmed` or `finalized`).
use base64::Engine;
use serde_json::{json, Value};
use solana_rpc_client_types::config::{
    CommitmentConfig, RpcEncodingConfigWrapper, RpcSendTransactionConfig, RpcSignatureStatusConfig,
    RpcSignaturesForAddressConfig, RpcSimulateTransactionAccountsConfig, RpcSimulateTransactionConfig,
    RpcTransactionConfig, UiAccountEncoding, UiTransactionEncoding,
};
use solana_account_decoder_client_types::UiAccount;
use solana_rpc_client_types::response::{RpcBlockhash, RpcSimulateTransactionResult};
use solana_transaction_error::TransactionError;
use solana_rpc_client_types::request::{
    MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT, MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS,
};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::{
    EncodedConfirmedTransactionWithStatusMeta, UiLoadedAddresses, UiTransactionError, UiTransactionTokenBalance,
};

use super::accounts::encode;
use super::encoding::{encode_full, reply_version, return_data, token_balances};
use super::params::{
    at_least_confirmed, at_most, min_context_slot, pubkey, signature, slot_at, with_context, with_context_at, Params,
    RpcResult,
};
use super::{code, RpcError};
use crate::balances::TokenBalance;
use crate::chain::{Chain, Simulated};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// agave 4.2's limits: the largest legacy or v0 wire transaction (a packet) and its base58 /
/// base64 encodings; a v1 transaction (base64 from "gQ" on) may take 4,096 bytes.
const PACKET_DATA_SIZE: usize = 1232;
const MAX_BASE58_SIZE: usize = 1683;
const MAX_BASE64_LEGACY_SIZE: usize = 1644;
const MAX_BASE64_SIZE: usize = 5464;
const MAX_V1_TRANSACTION_SIZE: usize = solana_message::v1::MAX_TRANSACTION_SIZE;
const V1_BASE64_PREFIX: &[u8] = b"gQ";

pub async fn send(c: &mut Chain, p: Params) -> RpcResult {
    let text: String = p.req(0)?;
    let config: RpcSendTransactionConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let tx = decode_transaction(&text, config.encoding)?;
    let preflight_at = slot_at(c, config.preflight_commitment.map(|commitment| CommitmentConfig { commitment }));
    send_transaction(c, tx, config.skip_preflight, preflight_at).await
}

/// `simulateTransaction` as agave 4.2: the blockhash replaced when asked (and reported),
/// signatures verified when asked (a failure is the simulation's error), the whole result —
/// fee, balances, loaded data size, return data, inner instructions when asked — and the
/// accounts asked for as the simulation left them.
pub async fn simulate(c: &mut Chain, p: Params) -> RpcResult {
    let text: String = p.req(0)?;
    let config: RpcSimulateTransactionConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let mut tx = decode_transaction(&text, config.encoding)?;
    // The bank of the requested commitment (default finalized) simulates, as agave's: its
    // slot is the reply's, its latest blockhash the replacement.
    let at = slot_at(c, config.commitment);
    let replacement = if config.replace_recent_blockhash {
        if config.sig_verify {
            return Err(RpcError::invalid_params("sigVerify may not be used with replaceRecentBlockhash"));
        }
        let (_, blockhash, last_valid_block_height) = c.latest_blockhash_at(at).await?;
        tx.message.set_recent_blockhash(blockhash);
        Some(RpcBlockhash { blockhash: blockhash.to_string(), last_valid_block_height })
    } else {
        None
    };
    let keys = tx.message.static_account_keys().to_vec();
    let simulated = if config.sig_verify && !signatures_verify(&tx) {
        Simulated::refused(TransactionError::SignatureFailure)
    } else {
        simulate_at(c, tx, config.inner_instructions, at).await?
    };
    let accounts = match config.accounts {
        None => None,
        Some(wanted) => Some(simulated_accounts(c, &simulated, wanted, keys.len()).await?),
    };
    let inner_instructions = simulated.inner_instructions.clone().map(|list| {
        let keys = solana_message::AccountKeys::new(&keys, None);
        list.into_iter().map(|inner| solana_transaction_status::parse_ui_inner_instructions(inner, &keys)).collect()
    });
    let (pre_balances, post_balances, pre_token_balances, post_token_balances) = match &simulated.balances {
        Some(b) => (
            Some(b.pre.clone()),
            Some(b.post.clone()),
            Some(simulated_token_balances(&b.pre_token)),
            Some(simulated_token_balances(&b.post_token)),
        ),
        None => (None, None, None, None),
    };
    let result = RpcSimulateTransactionResult {
        accounts,
        inner_instructions,
        replacement_blockhash: replacement,
        pre_balances,
        post_balances,
        pre_token_balances,
        post_token_balances,
        loaded_addresses: Some(UiLoadedAddresses::default()),
        ..simulation_result(&simulated)
    };
    Ok(with_context_at(at, serde_json::to_value(result).map_err(RpcError::internal)?))
}

/// A simulation as the bank of slot `at` runs it, as far as localnet keeps that bank: its
/// blockhash queue decides (a blockhash newer than that bank is not found, as agave's
/// `BlockhashNotFound` for a `confirmed` blockhash simulated at `finalized`); the accounts
/// are the current bank's (docs/localnet.md, known gaps).
async fn simulate_at(c: &mut Chain, tx: VersionedTransaction, inner_instructions: bool, at: u64) -> Result<Simulated, RpcError> {
    let known_there = at >= c.slot || c.is_blockhash_valid_at(tx.message.recent_blockhash(), at);
    let simulated = c.simulate(tx, inner_instructions).await?;
    if known_there {
        return Ok(simulated);
    }
    // Refused before execution; agave 4.2 still reports the accounts' balances, unchanged.
    let balances = simulated.balances.map(|b| crate::balances::Balances {
        post: b.pre.clone(),
        post_token: b.pre_token.clone(),
        ..b
    });
    Ok(Simulated { balances, ..Simulated::refused(TransactionError::BlockhashNotFound) })
}

/// The part of a simulation's result that preflight failures report too.
fn simulation_result(s: &Simulated) -> RpcSimulateTransactionResult {
    RpcSimulateTransactionResult {
        err: s.err.clone().map(UiTransactionError::from),
        logs: Some(s.logs.clone()),
        accounts: None,
        units_consumed: Some(s.compute_units),
        loaded_accounts_data_size: Some(s.loaded_accounts_data_size),
        return_data: s.return_data.as_ref().map(return_data),
        inner_instructions: None,
        replacement_blockhash: None,
        fee: s.fee,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: None,
    }
}

/// Token balances of a simulation: agave converts the bank's figures directly (a zero
/// amount's `uiAmount` is 0, not the ledger's `null`).
fn simulated_token_balances(balances: &[TokenBalance]) -> Vec<UiTransactionTokenBalance> {
    let mut out = token_balances(balances);
    for (ui, b) in out.iter_mut().zip(balances) {
        if b.amount == 0 {
            ui.ui_token_amount.ui_amount = Some(0.0);
        }
    }
    out
}

/// The accounts `simulateTransaction`'s `accounts` option asks for, as agave answers them:
/// base58 refused, at most as many as the transaction names, all `null` when the simulation
/// failed, otherwise each as the simulation left it (or as the bank holds it, when the
/// transaction did not load it).
async fn simulated_accounts(
    c: &mut Chain,
    simulated: &Simulated,
    wanted: RpcSimulateTransactionAccountsConfig,
    transaction_accounts: usize,
) -> Result<Vec<Option<UiAccount>>, RpcError> {
    let encoding = wanted.encoding.unwrap_or(UiAccountEncoding::Base64);
    if matches!(encoding, UiAccountEncoding::Binary | UiAccountEncoding::Base58) {
        return Err(RpcError::invalid_params("base58 encoding not supported"));
    }
    if wanted.addresses.len() > transaction_accounts {
        return Err(RpcError::invalid_params(format!("Too many accounts provided; max {transaction_accounts}")));
    }
    if simulated.err.is_some() {
        return Ok(vec![None; wanted.addresses.len()]);
    }
    let mut out = Vec::with_capacity(wanted.addresses.len());
    for address in &wanted.addresses {
        let key = pubkey(address)?;
        let account = match simulated.accounts.iter().find(|(k, _)| *k == key) {
            Some((_, account)) => Some(account.clone()),
            None => c.account(&key).await?,
        };
        out.push(match account {
            Some(account) => {
                let encoded = encode(c, &key, &account, encoding, None, c.slot).await?;
                Some(serde_json::from_value(encoded).map_err(RpcError::internal)?)
            }
            None => None,
        });
    }
    Ok(out)
}

pub fn get_signature_statuses(c: &Chain, p: Params) -> RpcResult {
    let texts: Vec<String> = p.req(0)?;
    at_most(texts.len(), MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS)?;
    let signatures = texts.iter().map(|t| signature(t)).collect::<Result<Vec<_>, _>>()?;
    let _: Option<RpcSignatureStatusConfig> = p.opt(1)?;
    let values: Vec<Value> = signatures
        .iter()
        .map(|s| match c.record(s) {
            None => Value::Null,
            Some(r) => {
                let age = c.slot.saturating_sub(r.slot);
                let status = c.commitment_of(r.slot);
                json!({
                    "slot": r.slot,
                    "confirmations": if status == "finalized" { Value::Null } else { json!(age) },
                    "err": r.err.clone().map(UiTransactionError::from),
                    "status": match &r.err { None => json!({ "Ok": null }), Some(e) => json!({ "Err": UiTransactionError::from(e.clone()) }) },
                    "confirmationStatus": status,
                })
            }
        })
        .collect();
    Ok(with_context(c, Value::Array(values)))
}

/// A recorded transaction once it reached the requested commitment (agave's default:
/// finalized; `processed` is refused), in the requested encoding (default `json`).
pub fn get_transaction(c: &Chain, p: Params) -> RpcResult {
    let signature = signature(&p.req::<String>(0)?)?;
    let config: RpcTransactionConfig = p
        .opt::<RpcEncodingConfigWrapper<RpcTransactionConfig>>(1)?
        .map(|w| w.convert_to_current())
        .unwrap_or_default();
    at_least_confirmed(config.commitment)?;
    let Some(r) = c.record(&signature) else { return Ok(Value::Null) };
    if r.slot > slot_at(c, config.commitment) {
        return Ok(Value::Null);
    }
    let version = reply_version(&r.transaction, config.max_supported_transaction_version)?;
    let encoding = config.encoding.unwrap_or(UiTransactionEncoding::Json);
    let reply = EncodedConfirmedTransactionWithStatusMeta {
        slot: r.slot,
        transaction: encode_full(r, encoding, version)?,
        block_time: Some(r.block_time),
        transaction_index: index_in_block(c, &signature),
    };
    serde_json::to_value(reply).map_err(RpcError::internal)
}

/// Where a transaction sits in its block (getBlock's order), as agave 4.2 reports it.
fn index_in_block(c: &Chain, signature: &solana_signature::Signature) -> Option<u32> {
    let slot = c.record(signature)?.slot;
    let index = c.transactions_in(slot).position(|(s, _)| s == signature)?;
    u32::try_from(index).ok()
}

/// `sendTransaction` as agave does it. With preflight (the default) the transaction's
/// signatures are verified and it is simulated on the bank first; if the simulation fails
/// the reply is "Transaction simulation failed" and nothing is committed — no fee, no status,
/// no history. With `skipPreflight` it goes straight to the bank: a transaction that fails in
/// execution is committed with its error and its fee charged; one the bank refuses before
/// executing it (bad signature, unknown or expired blockhash, duplicate) never lands, while
/// the reply is still its signature, as a validator's.
/// `preflight_at`: the slot whose bank runs the preflight (`preflightCommitment`, default
/// finalized).
async fn send_transaction(c: &mut Chain, tx: VersionedTransaction, skip_preflight: bool, preflight_at: u64) -> RpcResult {
    let signature = tx.signatures[0];
    if skip_preflight {
        // A validator's signature-verification stage drops a forged transaction unseen.
        if signatures_verify(&tx) {
            c.execute(tx).await?;
        }
        return Ok(json!(signature.to_string()));
    }
    // A signature that does not verify fails preflight as its simulation's error, as agave.
    let simulated = if signatures_verify(&tx) {
        simulate_at(c, tx.clone(), false, preflight_at).await?
    } else {
        Simulated::refused(TransactionError::SignatureFailure)
    };
    if let Some(err) = &simulated.err {
        return Err(RpcError {
            code: code::SEND_TRANSACTION_PREFLIGHT_FAILURE,
            message: format!("Transaction simulation failed: {err}"),
            data: Some(serde_json::to_value(simulation_result(&simulated)).map_err(RpcError::internal)?),
        });
    }
    // Under the chain lock nothing changed since the simulation.
    c.execute(tx).await?;
    Ok(json!(signature.to_string()))
}

/// Newest first, paged with `before` / `until` (exclusive), at most 1,000 per call, as agave.
pub fn get_signatures_for_address(c: &Chain, p: Params) -> RpcResult {
    let address = pubkey(&p.req::<String>(0)?)?;
    let config: RpcSignaturesForAddressConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let before = config.before.as_deref().map(signature).transpose()?;
    let until = config.until.as_deref().map(signature).transpose()?;
    let limit = config.limit.unwrap_or(MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT);
    if limit == 0 || limit > MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT {
        return Err(RpcError::invalid_params(format!(
            "Invalid limit; max {MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT}"
        )));
    }
    // Only what reached the requested commitment (default finalized), as agave lists it.
    at_least_confirmed(config.commitment)?;
    let newest_slot = slot_at(c, config.commitment);
    let mut signatures = c.signatures_for(&address).peekable();
    if let Some(before) = before {
        // Skip through `before` itself; an unknown `before` yields nothing, as agave.
        if !signatures.by_ref().any(|s| *s == before) {
            return Ok(Value::Array(vec![]));
        }
    }
    let out = signatures
        .take_while(|s| Some(**s) != until)
        .filter_map(|s| c.record(s).map(|r| (s, r)))
        .filter(|(_, r)| r.slot <= newest_slot)
        .take(limit)
        .map(|(s, r)| {
            json!({
                "signature": s.to_string(),
                "slot": r.slot,
                "err": r.err.clone().map(UiTransactionError::from),
                "memo": Value::Null,
                "blockTime": r.block_time,
                "confirmationStatus": c.commitment_of(r.slot),
                "transactionIndex": index_in_block(c, s),
            })
        })
        .collect();
    Ok(Value::Array(out))
}

/// A wire transaction as agave's RPC decodes it: size limits checked before decoding, bincode
/// bounded by a packet, then sanitized (signature count, account indexes).
/// A wire transaction as agave 4.2's `decode_and_deserialize` reads it: the same size
/// limits (a v1 transaction's base64 starts at "gQ" and may be larger), wincode, and the same
/// messages, which name the type.
fn decode_transaction(
    text: &str,
    encoding: Option<UiTransactionEncoding>,
) -> Result<VersionedTransaction, RpcError> {
    const TYPE: &str = "solana_transaction::versioned::VersionedTransaction";
    let too_large = |kind: &str, len: usize, max: usize, raw: usize| {
        RpcError::invalid_params(format!(
            "{kind} encoded {TYPE} too large: {len} bytes (max: encoded/raw {max}/{raw})"
        ))
    };
    let (bytes, max_raw) = match encoding.unwrap_or(UiTransactionEncoding::Base58) {
        UiTransactionEncoding::Base58 | UiTransactionEncoding::Binary => {
            if text.len() > MAX_BASE58_SIZE {
                return Err(too_large("base58", text.len(), MAX_BASE58_SIZE, PACKET_DATA_SIZE));
            }
            let bytes = bs58::decode(text)
                .into_vec()
                .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e:?}")))?;
            (bytes, PACKET_DATA_SIZE)
        }
        UiTransactionEncoding::Base64 => {
            let (max_encoded, max_raw) = if text.as_bytes().get(..2).is_some_and(|p| p >= V1_BASE64_PREFIX) {
                (MAX_BASE64_SIZE, MAX_V1_TRANSACTION_SIZE)
            } else {
                (MAX_BASE64_LEGACY_SIZE, PACKET_DATA_SIZE)
            };
            if text.len() > max_encoded {
                return Err(too_large("base64", text.len(), max_encoded, max_raw));
            }
            let bytes = B64
                .decode(text)
                .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e:?}")))?;
            (bytes, max_raw)
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported encoding: {other}. Supported encodings: base58, base64"
            )))
        }
    };
    if bytes.len() > max_raw {
        return Err(RpcError::invalid_params(format!(
            "decoded {TYPE} too large: {} bytes (max: {max_raw} bytes)",
            bytes.len()
        )));
    }
    let tx: VersionedTransaction = wincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize {TYPE}: {e}")))?;
    tx.sanitize().map_err(|e| RpcError::invalid_params(format!("invalid transaction: {e}")))?;
    if tx.signatures.is_empty() {
        return Err(RpcError::invalid_params("invalid transaction: no signatures"));
    }
    Ok(tx)
}

fn signatures_verify(tx: &VersionedTransaction) -> bool {
    !tx.signatures.is_empty() && tx.verify_with_results().iter().all(|ok| *ok)
}
