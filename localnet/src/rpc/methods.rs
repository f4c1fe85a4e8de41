//! The JSON-RPC methods. Shapes follow agave's RPC (camelCase, `{context, value}` wrappers).
use std::str::FromStr;

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_account::Account;
use solana_program_pack::Pack;
use solana_rpc_client_types::filter::RpcFilterType;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_status_client_types::UiTransactionError;

use super::{code, RpcError, SharedChain};
use crate::chain::{Chain, Executed};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The agave version whose RPC behaviour localnet follows.
pub const CORE_VERSION: &str = "4.2.2";

type RpcResult = Result<Value, RpcError>;

pub async fn call(chain: &SharedChain, method: &str, params: Vec<Value>) -> RpcResult {
    let p = Params(params);
    let mut c = chain.lock().await;
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({ "solana-core": CORE_VERSION, "feature-set": 0 })),
        "getGenesisHash" => Ok(json!(c.genesis_hash())),
        "getSlot" | "getBlockHeight" => Ok(json!(c.slot)),
        "getLatestBlockhash" => {
            let blockhash = c.latest_blockhash().await?;
            // A blockhash lives for 150 blocks.
            Ok(with_context(
                &c,
                json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": c.slot + 150 }),
            ))
        }
        "isBlockhashValid" => {
            let text = p.string(0)?;
            let hash = solana_hash::Hash::from_str(&text).map_err(|_| {
                RpcError::invalid_params(format!("Invalid param: {text:?} is not a base58 blockhash"))
            })?;
            let valid = c.is_blockhash_valid(hash).await;
            Ok(with_context(&c, json!(valid)))
        }
        "getBalance" => {
            let key = p.pubkey(0)?;
            let lamports = c.account(&key).await?.map_or(0, |a| a.lamports);
            Ok(with_context(&c, json!(lamports)))
        }
        "getMinimumBalanceForRentExemption" => {
            let size =
                p.0.first()
                    .and_then(Value::as_u64)
                    .ok_or_else(|| RpcError::invalid_params("expected a data size"))?;
            Ok(json!(c.rent_exempt_minimum(size as usize).await?))
        }
        "getAccountInfo" => {
            let key = p.pubkey(0)?;
            let encoding = p.encoding(1, "base58")?;
            let account = c.account(&key).await?;
            let value = match account {
                Some(a) => encode_account(&mut c, &a, &encoding).await?,
                None => Value::Null,
            };
            Ok(with_context(&c, value))
        }
        "getMultipleAccounts" => {
            let keys = p.pubkeys(0)?;
            let encoding = p.encoding(1, "base64")?;
            let mut values = Vec::with_capacity(keys.len());
            for key in keys {
                values.push(match c.account(&key).await? {
                    Some(a) => encode_account(&mut c, &a, &encoding).await?,
                    None => Value::Null,
                });
            }
            Ok(with_context(&c, Value::Array(values)))
        }
        "getProgramAccounts" => get_program_accounts(&mut c, &p).await,
        "getTokenAccountBalance" => {
            let key = p.pubkey(0)?;
            let account = c
                .account(&key)
                .await?
                .ok_or_else(|| RpcError::invalid_params("Invalid param: could not find account"))?;
            let token = spl_token_interface::state::Account::unpack(&account.data)
                .map_err(|_| RpcError::invalid_params("Invalid param: not a Token account"))?;
            let decimals = mint_decimals(&mut c, &token.mint).await?;
            Ok(with_context(&c, token_amount(token.amount, decimals)))
        }
        "getTokenAccountsByOwner" => get_token_accounts_by_owner(&mut c, &p).await,
        "requestAirdrop" => {
            let to = p.pubkey(0)?;
            let lamports =
                p.0.get(1)
                    .and_then(Value::as_u64)
                    .ok_or_else(|| RpcError::invalid_params("expected lamports"))?;
            let executed = c.airdrop(&to, lamports).await?;
            match executed.err {
                None => Ok(json!(executed.signature.to_string())),
                Some(err) => Err(RpcError::internal(format!("airdrop failed: {err}"))),
            }
        }
        "sendTransaction" => {
            let tx = p.transaction()?;
            verify_signatures(&tx)?;
            let executed = c.execute(tx).await?;
            match executed.err {
                None => Ok(json!(executed.signature.to_string())),
                Some(_) => Err(preflight_failure(&executed)),
            }
        }
        "simulateTransaction" => {
            let tx = p.transaction()?;
            let verify =
                p.config(1).and_then(|c| c.get("sigVerify")).and_then(Value::as_bool).unwrap_or(false);
            if verify {
                verify_signatures(&tx)?;
            }
            let executed = c.simulate(tx).await?;
            Ok(with_context(&c, simulation_value(&executed)))
        }
        "getSignatureStatuses" => {
            let signatures = p.signatures(0)?;
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
            let signature = p.signatures_one(0)?;
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
        "getSignaturesForAddress" => get_signatures_for_address(&c, &p),
        other => Err(RpcError {
            code: code::METHOD_NOT_FOUND,
            message: format!("Method not found: {other}"),
            data: None,
        }),
    }
}

/// Newest first, paged with `before` / `until` (exclusive), at most 1,000 per call, as agave.
fn get_signatures_for_address(c: &Chain, p: &Params) -> RpcResult {
    let address = p.pubkey(0)?;
    let config = p.config(1);
    let signature_param = |name: &str| -> Result<Option<Signature>, RpcError> {
        match config.and_then(|c| c.get(name)).and_then(Value::as_str) {
            None => Ok(None),
            Some(s) => Signature::from_str(s)
                .map(Some)
                .map_err(|_| RpcError::invalid_params(format!("Invalid param: {name} is not a signature"))),
        }
    };
    let (before, until) = (signature_param("before")?, signature_param("until")?);
    let limit = match config.and_then(|c| c.get("limit")) {
        None | Some(Value::Null) => 1_000,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=1_000) => n as usize,
            _ => return Err(RpcError::invalid_params("Invalid limit; max 1000")),
        },
    };
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

async fn get_program_accounts(c: &mut Chain, p: &Params) -> RpcResult {
    let program = p.pubkey(0)?;
    let config = p.config(1).cloned().unwrap_or(Value::Null);
    let encoding = config.get("encoding").and_then(Value::as_str).unwrap_or("base58").to_string();
    let filters = parse_filters(config.get("filters"))?;
    let keys: Vec<Pubkey> = c.known_accounts().copied().collect();
    let mut out = Vec::new();
    for key in keys {
        let Some(account) = c.account(&key).await? else { continue };
        if account.owner != program || !filters.iter().all(|f| filter_allows(f, &account.data)) {
            continue;
        }
        out.push(
            json!({ "pubkey": key.to_string(), "account": encode_account(c, &account, &encoding).await? }),
        );
    }
    let value = Value::Array(out);
    let with = config.get("withContext").and_then(Value::as_bool).unwrap_or(false);
    Ok(if with { with_context(c, value) } else { value })
}

async fn get_token_accounts_by_owner(c: &mut Chain, p: &Params) -> RpcResult {
    let owner = p.pubkey(0)?;
    let selector =
        p.config(1).ok_or_else(|| RpcError::invalid_params("expected {mint} or {programId}"))?.clone();
    let mint = match selector.get("mint").and_then(Value::as_str) {
        Some(m) => Some(Pubkey::from_str(m).map_err(|_| RpcError::invalid_params("Invalid param: mint"))?),
        None => None,
    };
    let encoding =
        p.config(2).and_then(|c| c.get("encoding")).and_then(Value::as_str).unwrap_or("base64").to_string();
    let keys: Vec<Pubkey> = c.known_accounts().copied().collect();
    let mut out = Vec::new();
    for key in keys {
        let Some(account) = c.account(&key).await? else { continue };
        if account.owner != spl_token_interface::ID {
            continue;
        }
        let Ok(token) = spl_token_interface::state::Account::unpack(&account.data) else { continue };
        if token.owner == owner && mint.is_none_or(|m| m == token.mint) {
            out.push(json!({ "pubkey": key.to_string(), "account": encode_account(c, &account, &encoding).await? }));
        }
    }
    Ok(with_context(c, Value::Array(out)))
}

/// Filters in the official wire format (solana-rpc-client-types), verified as agave does.
fn parse_filters(filters: Option<&Value>) -> Result<Vec<RpcFilterType>, RpcError> {
    // agave treats `"filters": null` (what solana-rpc-client sends without filters) as none.
    let Some(value) = filters.filter(|v| !v.is_null()) else { return Ok(Vec::new()) };
    let filters: Vec<RpcFilterType> = serde_json::from_value(value.clone())
        .map_err(|e| RpcError::invalid_params(format!("Invalid param: filters: {e}")))?;
    for f in &filters {
        f.verify().map_err(|e| RpcError::invalid_params(format!("Invalid param: {e}")))?;
    }
    Ok(filters)
}

fn filter_allows(filter: &RpcFilterType, data: &[u8]) -> bool {
    match filter {
        RpcFilterType::DataSize(n) => data.len() as u64 == *n,
        RpcFilterType::Memcmp(m) => m.bytes_match(data),
        RpcFilterType::TokenAccountState => spl_token_interface::state::Account::unpack(data).is_ok(),
    }
}

struct Params(Vec<Value>);

impl Params {
    fn string(&self, i: usize) -> Result<String, RpcError> {
        self.0
            .get(i)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| RpcError::invalid_params(format!("missing parameter {i}")))
    }

    fn pubkey(&self, i: usize) -> Result<Pubkey, RpcError> {
        let s = self.string(i)?;
        Pubkey::from_str(&s)
            .map_err(|_| RpcError::invalid_params(format!("Invalid param: {s:?} is not a base58 public key")))
    }

    fn pubkeys(&self, i: usize) -> Result<Vec<Pubkey>, RpcError> {
        let list = self
            .0
            .get(i)
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::invalid_params("expected an array of public keys"))?;
        list.iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| Pubkey::from_str(s).ok())
                    .ok_or_else(|| RpcError::invalid_params("Invalid param: public key"))
            })
            .collect()
    }

    fn signatures(&self, i: usize) -> Result<Vec<Signature>, RpcError> {
        let list = self
            .0
            .get(i)
            .and_then(Value::as_array)
            .ok_or_else(|| RpcError::invalid_params("expected an array of signatures"))?;
        list.iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| Signature::from_str(s).ok())
                    .ok_or_else(|| RpcError::invalid_params("Invalid param: signature"))
            })
            .collect()
    }

    fn signatures_one(&self, i: usize) -> Result<Signature, RpcError> {
        let s = self.string(i)?;
        Signature::from_str(&s).map_err(|_| RpcError::invalid_params("Invalid param: signature"))
    }

    fn config(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| v.is_object())
    }

    fn encoding(&self, i: usize, default: &str) -> Result<String, RpcError> {
        Ok(self
            .config(i)
            .and_then(|c| c.get("encoding"))
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_string())
    }

    /// Param 0 is the wire transaction, base58 unless param 1 says `"encoding": "base64"`.
    fn transaction(&self) -> Result<VersionedTransaction, RpcError> {
        let text = self.string(0)?;
        let bytes = match self.encoding(1, "base58")?.as_str() {
            "base58" => bs58::decode(&text)
                .into_vec()
                .map_err(|_| RpcError::invalid_params("invalid base58 encoding"))?,
            "base64" => B64.decode(&text).map_err(|_| RpcError::invalid_params("invalid base64 encoding"))?,
            other => {
                return Err(RpcError::invalid_params(format!(
                    "unsupported encoding: {other}. Supported encodings: base58, base64"
                )))
            }
        };
        if bytes.len() > 1232 {
            return Err(RpcError::invalid_params(format!(
                "encoded transaction too large: {} bytes (max: 1232 bytes)",
                bytes.len()
            )));
        }
        bincode::deserialize(&bytes)
            .map_err(|e| RpcError::invalid_params(format!("failed to deserialize VersionedTransaction: {e}")))
    }
}
