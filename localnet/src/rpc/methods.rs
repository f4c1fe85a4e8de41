//! The JSON-RPC methods. Shapes follow agave's RPC (camelCase, `{context, value}` wrappers),
//! and so do parameters: each method takes agave's positional parameters, decoded into
//! agave's own config types (`solana-rpc-client-types`), so a value agave refuses is refused
//! here with the same "Invalid params" error (-32602) — never a panic.
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use solana_account::Account;
use solana_program_pack::Pack;
use solana_rpc_client_types::config::{
    CommitmentConfig, RpcAccountInfoConfig, RpcContextConfig, RpcEncodingConfigWrapper,
    RpcProgramAccountsConfig, RpcRequestAirdropConfig, RpcSendTransactionConfig, RpcSignatureStatusConfig,
    RpcSignaturesForAddressConfig, RpcSimulateTransactionConfig, RpcTokenAccountsFilter,
    RpcTransactionConfig, UiAccountEncoding, UiTransactionEncoding,
};
use solana_rpc_client_types::filter::RpcFilterType;
use solana_rpc_client_types::request::{
    MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT, MAX_GET_PROGRAM_ACCOUNT_FILTERS,
    MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS, MAX_MULTIPLE_ACCOUNTS,
};
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::UiTransactionError;

use super::{code, RpcError, SharedChain};
use crate::chain::{Chain, Executed};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The agave version whose RPC behaviour localnet follows.
pub const CORE_VERSION: &str = "4.2.2";
/// The largest wire transaction (a packet), and its largest base58 / base64 encodings.
const PACKET_DATA_SIZE: usize = 1232;
const MAX_BASE58_SIZE: usize = 1683;
const MAX_BASE64_SIZE: usize = 1644;

type RpcResult = Result<Value, RpcError>;

pub async fn call(chain: &SharedChain, method: &str, params: Vec<Value>) -> RpcResult {
    let mut c = chain.lock().await;
    match method {
        "getHealth" => {
            Params::none(params)?;
            Ok(json!("ok"))
        }
        "getVersion" => {
            Params::none(params)?;
            Ok(json!({ "solana-core": CORE_VERSION, "feature-set": 0 }))
        }
        "getGenesisHash" => {
            Params::none(params)?;
            Ok(json!(c.genesis_hash()))
        }
        "getSlot" | "getBlockHeight" => {
            let p = Params::new(params, 1)?;
            let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            Ok(json!(c.slot))
        }
        "getLatestBlockhash" => {
            let p = Params::new(params, 1)?;
            let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let blockhash = c.latest_blockhash().await?;
            // The block height after which the bank refuses this blockhash (150 blocks on).
            let last_valid = c.last_valid_block_height(&blockhash).unwrap_or(c.slot + 150);
            Ok(with_context(
                &c,
                json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid }),
            ))
        }
        "isBlockhashValid" => {
            let p = Params::new(params, 2)?;
            let text: String = p.req(0)?;
            let config: RpcContextConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let hash = solana_hash::Hash::from_str(&text)
                .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
            let valid = c.is_blockhash_valid(hash).await;
            Ok(with_context(&c, json!(valid)))
        }
        "getBalance" => {
            let p = Params::new(params, 2)?;
            let key = pubkey(&p.req::<String>(0)?)?;
            let config: RpcContextConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let lamports = c.account(&key).await?.map_or(0, |a| a.lamports);
            Ok(with_context(&c, json!(lamports)))
        }
        "getMinimumBalanceForRentExemption" => {
            let p = Params::new(params, 2)?;
            let size: usize = p.req(0)?;
            let _: Option<CommitmentConfig> = p.opt(1)?;
            let minimum = c.rent_exempt_minimum(size).await?.ok_or_else(|| {
                RpcError::invalid_params(format!(
                    "Invalid param: data length {size} exceeds the maximum permitted account size ({} bytes)",
                    crate::chain::MAX_PERMITTED_DATA_LENGTH
                ))
            })?;
            Ok(json!(minimum))
        }
        "getAccountInfo" => {
            let p = Params::new(params, 2)?;
            let key = pubkey(&p.req::<String>(0)?)?;
            let config: RpcAccountInfoConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let encoding = account_encoding(config.encoding, "binary");
            let account = c.account(&key).await?;
            let value = match account {
                Some(a) => encode_account(&mut c, &a, encoding).await?,
                None => Value::Null,
            };
            Ok(with_context(&c, value))
        }
        "getMultipleAccounts" => {
            let p = Params::new(params, 2)?;
            let texts: Vec<String> = p.req(0)?;
            at_most(texts.len(), MAX_MULTIPLE_ACCOUNTS)?;
            let keys = texts.iter().map(|t| pubkey(t)).collect::<Result<Vec<_>, _>>()?;
            let config: RpcAccountInfoConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let encoding = account_encoding(config.encoding, "base64");
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                values.push(match c.account(&key).await? {
                    Some(a) => encode_account(&mut c, &a, encoding).await?,
                    None => Value::Null,
                });
            }
            Ok(with_context(&c, Value::Array(values)))
        }
        "getProgramAccounts" => get_program_accounts(&mut c, Params::new(params, 2)?).await,
        "getTokenAccountBalance" => {
            let p = Params::new(params, 2)?;
            let key = pubkey(&p.req::<String>(0)?)?;
            let _: Option<CommitmentConfig> = p.opt(1)?;
            let account = c
                .account(&key)
                .await?
                .ok_or_else(|| RpcError::invalid_params("Invalid param: could not find account"))?;
            let token = spl_token_interface::state::Account::unpack(&account.data)
                .map_err(|_| RpcError::invalid_params("Invalid param: not a Token account"))?;
            let decimals = mint_decimals(&mut c, &token.mint).await?;
            Ok(with_context(&c, token_amount(token.amount, decimals)))
        }
        "getTokenAccountsByOwner" => get_token_accounts_by_owner(&mut c, Params::new(params, 3)?).await,
        "requestAirdrop" => {
            let p = Params::new(params, 3)?;
            let to = pubkey(&p.req::<String>(0)?)?;
            let lamports: u64 = p.req(1)?;
            let _: Option<RpcRequestAirdropConfig> = p.opt(2)?;
            let executed = c.airdrop(&to, lamports).await?;
            match executed.err {
                None => Ok(json!(executed.signature.to_string())),
                Some(err) => Err(RpcError::internal(format!("airdrop failed: {err}"))),
            }
        }
        "sendTransaction" => {
            let p = Params::new(params, 2)?;
            let text: String = p.req(0)?;
            let config: RpcSendTransactionConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let tx = decode_transaction(&text, config.encoding)?;
            send_transaction(&mut c, tx, config.skip_preflight).await
        }
        "simulateTransaction" => {
            let p = Params::new(params, 2)?;
            let text: String = p.req(0)?;
            let config: RpcSimulateTransactionConfig = p.opt(1)?.unwrap_or_default();
            min_context_slot(&c, config.min_context_slot)?;
            let mut tx = decode_transaction(&text, config.encoding)?;
            if config.sig_verify && config.replace_recent_blockhash {
                return Err(RpcError::invalid_params(
                    "sigVerify may not be used with replaceRecentBlockhash",
                ));
            }
            if config.sig_verify {
                verify_signatures(&tx)?;
            }
            let replacement = if config.replace_recent_blockhash {
                let blockhash = c.latest_blockhash().await?;
                tx.message.set_recent_blockhash(blockhash);
                let last_valid = c.last_valid_block_height(&blockhash).unwrap_or(c.slot + 150);
                json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid })
            } else {
                Value::Null
            };
            let executed = c.simulate(tx).await?;
            let mut value = simulation_value(&executed);
            value["replacementBlockhash"] = replacement;
            Ok(with_context(&c, value))
        }
        "getSignatureStatuses" => {
            let p = Params::new(params, 2)?;
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
            Ok(with_context(&c, Value::Array(values)))
        }
        "getTransaction" => {
            let p = Params::new(params, 2)?;
            let signature = signature(&p.req::<String>(0)?)?;
            let _: Option<RpcEncodingConfigWrapper<RpcTransactionConfig>> = p.opt(1)?;
            let Some(r) = c.record(&signature) else { return Ok(Value::Null) };
            let bytes = bincode::serialize(&r.transaction).map_err(RpcError::internal)?;
            let version = match r.transaction.version() {
                solana_transaction::versioned::TransactionVersion::Legacy(_) => json!("legacy"),
                solana_transaction::versioned::TransactionVersion::Number(n) => json!(n),
            };
            Ok(json!({
                "slot": r.slot,
                "blockTime": r.block_time,
                "version": version,
                "transaction": [B64.encode(bytes), "base64"],
                "meta": {
                    "err": r.err.clone().map(UiTransactionError::from),
                    "status": match &r.err { None => json!({ "Ok": null }), Some(e) => json!({ "Err": UiTransactionError::from(e.clone()) }) },
                    "fee": r.fee,
                    "preBalances": [],
                    "postBalances": [],
                    "innerInstructions": [],
                    "logMessages": r.logs,
                    "preTokenBalances": [],
                    "postTokenBalances": [],
                    "rewards": [],
                    "loadedAddresses": { "writable": [], "readonly": [] },
                    "computeUnitsConsumed": r.compute_units,
                },
            }))
        }
        "getSignaturesForAddress" => get_signatures_for_address(&c, Params::new(params, 2)?),
        other => Err(RpcError {
            code: code::METHOD_NOT_FOUND,
            message: format!("Method not found: {other}"),
            data: None,
        }),
    }
}

/// `sendTransaction` as agave does it. With preflight (the default) the transaction's
/// signatures are verified and it is simulated on the bank first; if the simulation fails
/// the reply is "Transaction simulation failed" and nothing is committed — no fee, no status,
/// no history. With `skipPreflight` it goes straight to the bank: a transaction that fails in
/// execution is committed with its error and its fee charged; one the bank refuses before
/// executing it (bad signature, unknown or expired blockhash, duplicate) never lands, while
/// the reply is still its signature, as a validator's.
async fn send_transaction(c: &mut Chain, tx: VersionedTransaction, skip_preflight: bool) -> RpcResult {
    let signature = tx.signatures[0];
    if skip_preflight {
        // A validator's signature-verification stage drops a forged transaction unseen.
        if verify_signatures(&tx).is_ok() {
            c.execute(tx).await?;
        }
        return Ok(json!(signature.to_string()));
    }
    verify_signatures(&tx)?;
    let simulated = c.simulate(tx.clone()).await?;
    if simulated.err.is_some() {
        return Err(preflight_failure(&simulated));
    }
    // Under the chain lock nothing changed since the simulation.
    c.execute(tx).await?;
    Ok(json!(signature.to_string()))
}

/// Newest first, paged with `before` / `until` (exclusive), at most 1,000 per call, as agave.
fn get_signatures_for_address(c: &Chain, p: Params) -> RpcResult {
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
    let mut signatures = c.signatures_for(&address).peekable();
    if let Some(before) = before {
        // Skip through `before` itself; an unknown `before` yields nothing, as agave.
        if !signatures.by_ref().any(|s| *s == before) {
            return Ok(Value::Array(vec![]));
        }
    }
    let out = signatures
        .take_while(|s| Some(**s) != until)
        .take(limit)
        .filter_map(|s| c.record(s).map(|r| (s, r)))
        .map(|(s, r)| {
            json!({
                "signature": s.to_string(),
                "slot": r.slot,
                "err": r.err.clone().map(UiTransactionError::from),
                "memo": Value::Null,
                "blockTime": r.block_time,
                "confirmationStatus": c.commitment_of(r.slot),
            })
        })
        .collect();
    Ok(Value::Array(out))
}

/// agave's answer to a `minContextSlot` the node has not reached: -32016 with the slot.
fn min_context_slot(c: &Chain, min: Option<u64>) -> Result<(), RpcError> {
    match min {
        Some(min) if min > c.slot => Err(RpcError {
            code: code::MIN_CONTEXT_SLOT_NOT_REACHED,
            message: "Minimum context slot has not been reached".into(),
            data: Some(json!({ "contextSlot": c.slot })),
        }),
        _ => Ok(()),
    }
}

fn pubkey(text: &str) -> Result<Pubkey, RpcError> {
    Pubkey::from_str(text).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

fn signature(text: &str) -> Result<Signature, RpcError> {
    Signature::from_str(text).map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))
}

pub(crate) fn account_encoding(encoding: Option<UiAccountEncoding>, default: &'static str) -> &'static str {
    match encoding {
        None => default,
        Some(UiAccountEncoding::Binary) => "binary",
        Some(UiAccountEncoding::Base58) => "base58",
        Some(UiAccountEncoding::Base64) => "base64",
        Some(UiAccountEncoding::Base64Zstd) => "base64+zstd",
        Some(UiAccountEncoding::JsonParsed) => "jsonParsed",
    }
}

/// A wire transaction as agave's RPC decodes it: size limits checked before decoding, bincode
/// bounded by a packet, then sanitized (signature count, account indexes).
fn decode_transaction(
    text: &str,
    encoding: Option<UiTransactionEncoding>,
) -> Result<VersionedTransaction, RpcError> {
    let too_large = |len: usize, max: usize| {
        RpcError::invalid_params(format!(
            "encoded transaction too large: {len} bytes (max: encoded/raw {max}/{PACKET_DATA_SIZE})"
        ))
    };
    let bytes = match encoding.unwrap_or(UiTransactionEncoding::Base58) {
        UiTransactionEncoding::Base58 | UiTransactionEncoding::Binary => {
            if text.len() > MAX_BASE58_SIZE {
                return Err(too_large(text.len(), MAX_BASE58_SIZE));
            }
            bs58::decode(text)
                .into_vec()
                .map_err(|e| RpcError::invalid_params(format!("invalid base58 encoding: {e:?}")))?
        }
        UiTransactionEncoding::Base64 => {
            if text.len() > MAX_BASE64_SIZE {
                return Err(too_large(text.len(), MAX_BASE64_SIZE));
            }
            B64.decode(text)
                .map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e:?}")))?
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported encoding: {other}. Supported encodings: base58, base64"
            )))
        }
    };
    if bytes.len() > PACKET_DATA_SIZE {
        return Err(RpcError::invalid_params(format!(
            "decoded transaction too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            bytes.len()
        )));
    }
    let tx: VersionedTransaction = bincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize VersionedTransaction: {e}")))?;
    tx.sanitize().map_err(|e| RpcError::invalid_params(format!("invalid transaction: {e}")))?;
    if tx.signatures.is_empty() {
        return Err(RpcError::invalid_params("invalid transaction: no signatures"));
    }
    Ok(tx)
}

fn with_context(c: &Chain, value: Value) -> Value {
    json!({ "context": { "slot": c.slot, "apiVersion": CORE_VERSION }, "value": value })
}

fn verify_signatures(tx: &VersionedTransaction) -> Result<(), RpcError> {
    if tx.verify_with_results().iter().all(|ok| *ok) && !tx.signatures.is_empty() {
        Ok(())
    } else {
        Err(RpcError {
            code: code::TRANSACTION_SIGNATURE_VERIFICATION_FAILURE,
            message: "Transaction signature verification failure".into(),
            data: None,
        })
    }
}

fn simulation_value(e: &Executed) -> Value {
    json!({
        "err": e.err.clone().map(UiTransactionError::from),
        "logs": e.logs,
        "accounts": Value::Null,
        "unitsConsumed": e.compute_units,
        "returnData": Value::Null,
    })
}

/// What a validator answers when preflight simulation fails: code -32002, the error in the
/// message, and the simulation (logs included) as data.
fn preflight_failure(e: &Executed) -> RpcError {
    let err = e.err.clone().map(|e| e.to_string()).unwrap_or_default();
    RpcError {
        code: code::SEND_TRANSACTION_PREFLIGHT_FAILURE,
        message: format!("Transaction simulation failed: {err}"),
        data: Some(simulation_value(e)),
    }
}

fn token_amount(amount: u64, decimals: u8) -> Value {
    let ui = amount as f64 / 10f64.powi(i32::from(decimals));
    let s = if decimals == 0 {
        amount.to_string()
    } else {
        let digits = format!("{amount:0>width$}", width = usize::from(decimals) + 1);
        let (int, frac) = digits.split_at(digits.len() - usize::from(decimals));
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            int.to_string()
        } else {
            format!("{int}.{frac}")
        }
    };
    json!({ "amount": amount.to_string(), "decimals": decimals, "uiAmount": ui, "uiAmountString": s })
}

async fn mint_decimals(c: &mut Chain, mint: &Pubkey) -> Result<u8, RpcError> {
    let account =
        c.account(mint).await?.ok_or_else(|| RpcError::invalid_params("Invalid param: mint not found"))?;
    spl_token_interface::state::Mint::unpack(&account.data)
        .map(|m| m.decimals)
        .map_err(|_| RpcError::invalid_params("Invalid param: not a Token mint"))
}

pub(crate) async fn encode_account(c: &mut Chain, account: &Account, encoding: &str) -> RpcResult {
    let data = match encoding {
        "base64" => json!([B64.encode(&account.data), "base64"]),
        "base58" | "binary" => {
            if account.data.len() > 128 {
                return Err(RpcError::invalid_params(
                    "Encoded binary (base 58) data should be less than 128 bytes, please use Base64 encoding.",
                ));
            }
            json!([bs58::encode(&account.data).into_string(), "base58"])
        }
        "base64+zstd" => {
            let compressed = zstd::encode_all(account.data.as_slice(), 0).map_err(RpcError::internal)?;
            json!([B64.encode(compressed), "base64+zstd"])
        }
        "jsonParsed" => match parsed_token_account(c, account).await? {
            Some(parsed) => parsed,
            // Accounts we cannot parse fall back to base64, as on a validator.
            None => json!([B64.encode(&account.data), "base64"]),
        },
        other => return Err(RpcError::invalid_params(format!("Invalid param: unknown encoding {other}"))),
    };
    Ok(json!({
        "lamports": account.lamports,
        "data": data,
        "owner": account.owner.to_string(),
        "executable": account.executable,
        "rentEpoch": account.rent_epoch,
        "space": account.data.len(),
    }))
}

async fn parsed_token_account(c: &mut Chain, account: &Account) -> Result<Option<Value>, RpcError> {
    if account.owner != spl_token_interface::ID {
        return Ok(None);
    }
    let Ok(token) = spl_token_interface::state::Account::unpack(&account.data) else { return Ok(None) };
    let decimals = mint_decimals(c, &token.mint).await?;
    Ok(Some(json!({
        "program": "spl-token",
        "parsed": {
            "type": "account",
            "info": {
                "mint": token.mint.to_string(),
                "owner": token.owner.to_string(),
                "tokenAmount": token_amount(token.amount, decimals),
                "state": "initialized",
                "isNative": token.is_native(),
            },
        },
        "space": account.data.len(),
    })))
}

async fn get_program_accounts(c: &mut Chain, p: Params) -> RpcResult {
    let program = pubkey(&p.req::<String>(0)?)?;
    let config: RpcProgramAccountsConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.account_config.min_context_slot)?;
    let encoding = account_encoding(config.account_config.encoding, "binary");
    let filters = verify_filters(config.filters.unwrap_or_default())?;
    let keys: Vec<Pubkey> = c.known_accounts().copied().collect();
    let mut out = Vec::new();
    for key in keys {
        let Some(account) = c.account(&key).await? else { continue };
        if account.owner != program || !filters.iter().all(|f| filter_allows(f, &account.data)) {
            continue;
        }
        out.push(
            json!({ "pubkey": key.to_string(), "account": encode_account(c, &account, encoding).await? }),
        );
    }
    let value = Value::Array(out);
    Ok(if config.with_context.unwrap_or(false) { with_context(c, value) } else { value })
}

async fn get_token_accounts_by_owner(c: &mut Chain, p: Params) -> RpcResult {
    let owner = pubkey(&p.req::<String>(0)?)?;
    let selector: RpcTokenAccountsFilter = p.req(1)?;
    let config: RpcAccountInfoConfig = p.opt(2)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let mint = match &selector {
        RpcTokenAccountsFilter::Mint(m) => Some(pubkey(m)?),
        RpcTokenAccountsFilter::ProgramId(id) => {
            if pubkey(id)? != spl_token_interface::ID {
                return Err(RpcError::invalid_params("Invalid param: unrecognized Token program id"));
            }
            None
        }
    };
    let encoding = account_encoding(config.encoding, "base64");
    let keys: Vec<Pubkey> = c.known_accounts().copied().collect();
    let mut out = Vec::new();
    for key in keys {
        let Some(account) = c.account(&key).await? else { continue };
        if account.owner != spl_token_interface::ID {
            continue;
        }
        let Ok(token) = spl_token_interface::state::Account::unpack(&account.data) else { continue };
        if token.owner == owner && mint.is_none_or(|m| m == token.mint) {
            out.push(
                json!({ "pubkey": key.to_string(), "account": encode_account(c, &account, encoding).await? }),
            );
        }
    }
    Ok(with_context(c, Value::Array(out)))
}

/// Filters in the official wire format (solana-rpc-client-types), verified as agave does.
pub(crate) fn verify_filters(filters: Vec<RpcFilterType>) -> Result<Vec<RpcFilterType>, RpcError> {
    if filters.len() > MAX_GET_PROGRAM_ACCOUNT_FILTERS {
        return Err(RpcError::invalid_params(format!(
            "Too many filters provided; max {MAX_GET_PROGRAM_ACCOUNT_FILTERS}"
        )));
    }
    for f in &filters {
        f.verify().map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
    }
    Ok(filters)
}

pub(crate) fn filter_allows(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        RpcFilterType::TokenAccountState => spl_token_interface::state::Account::unpack(data).is_ok(),
    }
}

/// A method's positional parameters, decoded as agave's jsonrpc-core decodes them: at most
/// as many as the method takes, each into its type, missing trailing optional ones allowed.
struct Params(Vec<Value>);

impl Params {
    fn new(values: Vec<Value>, max: usize) -> Result<Params, RpcError> {
        if values.len() > max {
            return Err(RpcError::invalid_params(format!(
                "Invalid params: expected at most {max} parameters, got {}.",
                values.len()
            )));
        }
        Ok(Params(values))
    }

    /// A method that takes none, as agave's "No parameters were expected".
    fn none(values: Vec<Value>) -> Result<(), RpcError> {
        if values.is_empty() {
            Ok(())
        } else {
            Err(RpcError::invalid_params("No parameters were expected"))
        }
    }

    fn req<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        let value = self
            .0
            .get(i)
            .ok_or_else(|| RpcError::invalid_params(format!("Invalid params: missing parameter {i}.")))?;
        serde_json::from_value(value.clone())
            .map_err(|e| RpcError::invalid_params(format!("Invalid params: {e}.")))
    }

    /// Absent or `null`: `None`.
    fn opt<T: DeserializeOwned>(&self, i: usize) -> Result<Option<T>, RpcError> {
        match self.0.get(i) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.req(i).map(Some),
        }
    }
}

/// agave's refusal of a list longer than a method takes.
fn at_most(len: usize, max: usize) -> Result<(), RpcError> {
    if len > max {
        return Err(RpcError::invalid_params(format!("Too many inputs provided; max {max}")));
    }
    Ok(())
}
