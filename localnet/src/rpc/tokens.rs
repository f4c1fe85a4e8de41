//! SPL Token and Token-2022 reads: getTokenAccountBalance, getTokenSupply,
//! getTokenLargestAccounts, getTokenAccountsByOwner, getTokenAccountsByDelegate — with
//! agave's checks and messages (`rpc.rs`: "could not find mint", "not a Token mint", …) and
//! amounts as agave's `token_amount_to_ui_amount_v3` writes them.
use anchor_lang::prelude::Pubkey;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder::parse_account_data::SplTokenAdditionalDataV2;
use solana_account_decoder::parse_token::token_amount_to_ui_amount_v3;
use solana_account_decoder_client_types::token::UiTokenAmount;
use solana_rpc_client_types::config::{
    CommitmentConfig, RpcAccountInfoConfig, RpcTokenAccountsFilter, UiAccountEncoding,
};

use super::accounts::{encode, scan};
use super::params::{min_context_slot, pubkey, slot_at, with_context_at, Params, RpcResult};
use super::RpcError;
use crate::balances::{is_token_program, mint, token_account};
use crate::chain::Chain;

/// agave's `getTokenLargestAccounts` answer size.
const LARGEST_ACCOUNTS: usize = 20;

fn ui_amount(amount: u64, mint_data: &SplTokenAdditionalDataV2) -> UiTokenAmount {
    token_amount_to_ui_amount_v3(amount, mint_data)
}

/// What amounts of a mint's tokens are shown with, as agave's `get_additional_mint_data`:
/// the decimals, and Token-2022's interest-bearing rate and UI multiplier at `unix_timestamp`
/// (the bank's clock). `None`: not a mint of either token program.
pub(crate) fn mint_data(mint: &Account, unix_timestamp: i64) -> Option<SplTokenAdditionalDataV2> {
    use spl_token_2022_interface::extension::interest_bearing_mint::InterestBearingConfig;
    use spl_token_2022_interface::extension::scaled_ui_amount::ScaledUiAmountConfig;
    use spl_token_2022_interface::extension::{BaseStateWithExtensions, StateWithExtensions};
    if !is_token_program(&mint.owner) {
        return None;
    }
    let state = StateWithExtensions::<spl_token_2022_interface::state::Mint>::unpack(&mint.data).ok()?;
    Some(SplTokenAdditionalDataV2 {
        decimals: state.base.decimals,
        interest_bearing_config: state
            .get_extension::<InterestBearingConfig>()
            .ok()
            .map(|config| (*config, unix_timestamp)),
        scaled_ui_amount_config: state
            .get_extension::<ScaledUiAmountConfig>()
            .ok()
            .map(|config| (*config, unix_timestamp)),
    })
}

fn to_value(v: impl serde::Serialize) -> RpcResult {
    serde_json::to_value(v).map_err(RpcError::internal)
}

/// A mint's token program and what its amounts are shown with, as agave's
/// `get_mint_owner_and_additional_data`, in the bank of slot `at`.
async fn mint_owner_and_data(
    c: &mut Chain,
    key: &Pubkey,
    at: u64,
) -> Result<(Pubkey, SplTokenAdditionalDataV2), RpcError> {
    let account = c
        .account_at(key, at)
        .await?
        .ok_or_else(|| RpcError::invalid_params("Invalid param: could not find mint"))?;
    let data = mint_data(&account, c.slot_time)
        .ok_or_else(|| RpcError::invalid_params("Invalid param: Token mint could not be unpacked"))?;
    Ok((account.owner, data))
}

/// The account at `key` in the bank of slot `at`, owned by a token program, else agave's
/// error naming `what` it should have been.
async fn token_program_account(c: &mut Chain, key: &Pubkey, what: &str, at: u64) -> Result<Account, RpcError> {
    let account = c
        .account_at(key, at)
        .await?
        .ok_or_else(|| RpcError::invalid_params("Invalid param: could not find account"))?;
    if !is_token_program(&account.owner) {
        return Err(RpcError::invalid_params(format!("Invalid param: not a {what}")));
    }
    Ok(account)
}

pub async fn get_token_account_balance(c: &mut Chain, p: Params) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let at = slot_at(c, p.opt::<CommitmentConfig>(1)?);
    let account = token_program_account(c, &key, "Token account", at).await?;
    let token = token_account(&account)
        .ok_or_else(|| RpcError::invalid_params("Invalid param: not a v2.0 Token account"))?;
    let (_, mint_data) = mint_owner_and_data(c, &token.mint, at).await?;
    Ok(with_context_at(at, to_value(ui_amount(token.amount, &mint_data))?))
}

pub async fn get_token_supply(c: &mut Chain, p: Params) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let at = slot_at(c, p.opt::<CommitmentConfig>(1)?);
    let account = token_program_account(c, &key, "Token mint", at).await?;
    let state = mint(&account)
        .ok_or_else(|| RpcError::invalid_params("Invalid param: mint could not be unpacked"))?;
    let data = mint_data(&account, c.slot_time).unwrap_or(SplTokenAdditionalDataV2::with_decimals(state.decimals));
    Ok(with_context_at(at, to_value(ui_amount(state.supply, &data))?))
}

pub async fn get_token_largest_accounts(c: &mut Chain, p: Params) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let at = slot_at(c, p.opt::<CommitmentConfig>(1)?);
    let (program, mint_data) = mint_owner_and_data(c, &key, at).await?;
    if !is_token_program(&program) {
        return Err(RpcError::invalid_params("Invalid param: not a Token mint"));
    }
    let mut holders: Vec<(Pubkey, u64)> = scan(c, Some(program), at)
        .await?
        .into_iter()
        .filter_map(|(k, a)| token_account(&a).filter(|t| t.mint == key).map(|t| (k, t.amount)))
        .collect();
    holders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    holders.truncate(LARGEST_ACCOUNTS);
    let value = holders
        .into_iter()
        .map(|(k, amount)| {
            let mut v = to_value(ui_amount(amount, &mint_data))?;
            v["address"] = json!(k.to_string());
            Ok(v)
        })
        .collect::<Result<Vec<Value>, RpcError>>()?;
    Ok(with_context_at(at, Value::Array(value)))
}

/// Whose token accounts `getTokenAccountsBy*` lists.
#[derive(Clone, Copy)]
pub enum Holder {
    Owner,
    Delegate,
}

pub async fn get_token_accounts_by(c: &mut Chain, p: Params, holder: Holder) -> RpcResult {
    let key = pubkey(&p.req::<String>(0)?)?;
    let selector: RpcTokenAccountsFilter = p.req(1)?;
    let config: RpcAccountInfoConfig = p.opt(2)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
    let at = slot_at(c, config.commitment);
    let (program, mint_filter) = match &selector {
        RpcTokenAccountsFilter::Mint(m) => {
            let mint_key = pubkey(m)?;
            let (program, _) = mint_owner_and_data(c, &mint_key, at).await?;
            if !is_token_program(&program) {
                return Err(RpcError::invalid_params("Invalid param: not a Token mint"));
            }
            (program, Some(mint_key))
        }
        RpcTokenAccountsFilter::ProgramId(id) => {
            let program = pubkey(id)?;
            if !is_token_program(&program) {
                return Err(RpcError::invalid_params("Invalid param: unrecognized Token program id"));
            }
            (program, None)
        }
    };
    let held: Vec<(Pubkey, Account)> = scan(c, Some(program), at)
        .await?
        .into_iter()
        .filter(|(_, a)| token_account(a).is_some_and(|t| holds(&t, holder, &key, mint_filter)))
        .collect();
    let mut out = Vec::new();
    for (k, account) in held {
        let encoded = encode(c, &k, &account, encoding, config.data_slice, at).await?;
        out.push(json!({ "pubkey": k.to_string(), "account": encoded }));
    }
    Ok(with_context_at(at, Value::Array(out)))
}

fn holds(
    t: &spl_token_interface::state::Account,
    holder: Holder,
    key: &Pubkey,
    mint: Option<Pubkey>,
) -> bool {
    let held = match holder {
        Holder::Owner => t.owner == *key,
        Holder::Delegate => t.delegate == Some(*key).into(),
    };
    held && mint.is_none_or(|m| m == t.mint)
}
