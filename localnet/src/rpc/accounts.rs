//! Account reads: getBalance, getAccountInfo, getMultipleAccounts, getProgramAccounts,
//! getLargestAccounts. Accounts are encoded by agave's own encoder (`solana-account-decoder`:
//! base58, base64, base64+zstd, `dataSlice`, and `jsonParsed` for SPL Token and Token-2022
//! accounts and mints, stake, vote, nonce, sysvars, …), with agave's checks around it.
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder::parse_account_data::AccountAdditionalDataV3;
use solana_account_decoder::{encode_ui_account, UiDataSliceConfig, MAX_BASE58_BYTES};
use solana_rpc_client_types::config::{
    RpcAccountInfoConfig, RpcContextConfig, RpcLargestAccountsConfig, RpcLargestAccountsFilter,
    RpcProgramAccountsConfig, UiAccountEncoding,
};
use solana_rpc_client_types::filter::RpcFilterType;
use solana_rpc_client_types::request::{MAX_GET_PROGRAM_ACCOUNT_FILTERS, MAX_MULTIPLE_ACCOUNTS};

use super::params::{at_most, min_context_slot, pubkey, slot_at, with_context_at, Params, RpcResult};
use super::{code, RpcError};
use crate::chain::Chain;

/// agave's `getLargestAccounts` answer size.
const LARGEST_ACCOUNTS: usize = 20;

pub async fn get_balance(c: &mut Chain, p: Params) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let config: RpcContextConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let at = slot_at(c, config.commitment);
    let lamports = c.account_at(&key, at).await?.map_or(0, |a| a.lamports);
    Ok(with_context_at(at, json!(lamports)))
}

pub async fn get_account_info(c: &mut Chain, p: Params) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let config: RpcAccountInfoConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
    let at = slot_at(c, config.commitment);
    let value = match c.account_at(&key, at).await? {
        Some(a) => encode(c, &key, &a, encoding, config.data_slice, at).await?,
        None => Value::Null,
    };
    Ok(with_context_at(at, value))
}

pub async fn get_multiple_accounts(c: &mut Chain, p: Params) -> RpcResult {
    let texts: Vec<String> = p.req(0)?;
    at_most(texts.len(), MAX_MULTIPLE_ACCOUNTS)?;
    let keys = texts.iter().map(|t| pubkey(t)).collect::<Result<Vec<_>, _>>()?;
    let config: RpcAccountInfoConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Base64);
    let at = slot_at(c, config.commitment);
    let mut values = Vec::with_capacity(keys.len());
    for key in keys {
        values.push(match c.account_at(&key, at).await? {
            Some(a) => encode(c, &key, &a, encoding, config.data_slice, at).await?,
            None => Value::Null,
        });
    }
    Ok(with_context_at(at, Value::Array(values)))
}

pub async fn get_program_accounts(c: &mut Chain, p: Params) -> RpcResult {
    let program = pubkey(&p.req::<String>(0)?)?;
    let config: RpcProgramAccountsConfig = p.opt(1)?.unwrap_or_default();
    let account_config = config.account_config;
    min_context_slot(c, account_config.min_context_slot)?;
    let encoding = account_config.encoding.unwrap_or(UiAccountEncoding::Binary);
    let filters = verify_filters(config.filters.unwrap_or_default())?;
    let at = slot_at(c, account_config.commitment);
    let mut out = Vec::new();
    for (key, account) in scan(c, Some(program), at).await? {
        if !filters.iter().all(|f| filter_allows(f, &account.data)) {
            continue;
        }
        let encoded = encode(c, &key, &account, encoding, account_config.data_slice, at).await?;
        out.push(json!({ "pubkey": key.to_string(), "account": encoded }));
    }
    let value = Value::Array(out);
    Ok(if config.with_context.unwrap_or(false) { with_context_at(at, value) } else { value })
}

/// The 20 accounts holding the most lamports, as agave; localnet has no non-circulating
/// accounts, so the `nonCirculating` filter is empty and `circulating` is every account.
pub async fn get_largest_accounts(c: &mut Chain, p: Params) -> RpcResult {
    let config: RpcLargestAccountsConfig = p.opt(0)?.unwrap_or_default();
    let at = slot_at(c, config.commitment);
    if config.filter == Some(RpcLargestAccountsFilter::NonCirculating) {
        return Ok(with_context_at(at, json!([])));
    }
    let mut accounts: Vec<(Pubkey, u64)> = scan(c, None, at)
        .await?
        .into_iter()
        .filter(|(_, a)| a.lamports > 0)
        .map(|(k, a)| (k, a.lamports))
        .collect();
    accounts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    accounts.truncate(LARGEST_ACCOUNTS);
    let value: Vec<Value> =
        accounts.iter().map(|(k, l)| json!({ "address": k.to_string(), "lamports": l })).collect();
    Ok(with_context_at(at, Value::Array(value)))
}

/// Every account any transaction or the bootstrap named that `owner` owns (complete: this
/// process is the chain's only writer; see `Chain::known_accounts`); any owner with `None`;
/// as the bank of slot `at` holds them.
pub async fn scan(c: &mut Chain, owner: Option<Pubkey>, at: u64) -> Result<Vec<(Pubkey, Account)>, RpcError> {
    let keys: Vec<Pubkey> = c.known_accounts().copied().collect();
    let mut out = Vec::new();
    for key in keys {
        if let Some(account) = c.account_at(&key, at).await? {
            if owner.is_none_or(|o| o == account.owner) {
                out.push((key, account));
            }
        }
    }
    Ok(out)
}

/// One account in `encoding`, as agave's `get_encoded_account`: token accounts and mints in
/// `jsonParsed` with their mint's decimals (parsed whole: a data slice applies only to what
/// is not parsed), base58 refused above 128 bytes (-32600).
pub async fn encode(
    c: &mut Chain,
    key: &Pubkey,
    account: &Account,
    encoding: UiAccountEncoding,
    data_slice: Option<UiDataSliceConfig>,
    at: u64,
) -> RpcResult {
    if matches!(encoding, UiAccountEncoding::Binary | UiAccountEncoding::Base58) {
        let len = data_slice
            .map_or(account.data.len(), |s| s.length.min(account.data.len().saturating_sub(s.offset)));
        if len > MAX_BASE58_BYTES {
            return Err(RpcError {
                code: code::INVALID_REQUEST,
                message: format!(
                    "Encoded binary (base 58) data should be less than {MAX_BASE58_BYTES} bytes, please use Base64 encoding."
                ),
                data: None,
            });
        }
    }
    let additional = match encoding {
        UiAccountEncoding::JsonParsed => token_additional_data(c, account, at).await?,
        _ => None,
    };
    let ui = encode_ui_account(key, account, encoding, additional, data_slice);
    serde_json::to_value(ui).map_err(RpcError::internal)
}

/// What a token account's amount is shown with: its mint's decimals and Token-2022 UI
/// extensions (interest, multiplier), as agave's `get_parsed_token_account`.
async fn token_additional_data(
    c: &mut Chain,
    account: &Account,
    at: u64,
) -> Result<Option<AccountAdditionalDataV3>, RpcError> {
    let Some(token) = crate::balances::token_account(account) else { return Ok(None) };
    let mint = c.account_at(&token.mint, at).await?;
    let now = c.slot_time;
    Ok(mint
        .as_ref()
        .and_then(|m| super::tokens::mint_data(m, now))
        .map(|data| AccountAdditionalDataV3 { spl_token_additional_data: Some(data) }))
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
        RpcFilterType::TokenAccountState => {
            use solana_program_pack::Pack;
            spl_token_interface::state::Account::unpack(data).is_ok()
        }
    }
}
