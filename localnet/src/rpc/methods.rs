//! The JSON-RPC method table. Shapes follow agave's RPC (camelCase, `{context, value}`
//! wrappers), and so do parameters: each method takes agave's positional parameters, decoded
//! into agave's own config types (`solana-rpc-client-types`), so a value agave refuses is
//! refused here with the same "Invalid params" error (-32602) — never a panic. The methods
//! live by family: `basics`, `accounts`, `tokens`, `transactions`, `blocks`, `cluster`.
use serde_json::Value;
use solana_rpc_client_types::config::UiAccountEncoding;

use super::params::{Params, RpcResult};
use super::tokens::Holder;
use super::{accounts, basics, blocks, cluster, code, known, tokens, transactions, RpcError, SharedChain};
use crate::chain::Chain;

pub use super::params::CORE_VERSION;

/// Every method localnet serves, each with how many positional parameters it requires and
/// how many it takes (agave's method signatures).
pub const SERVED: &[(&str, usize, usize)] = &[
    ("getAccountInfo", 1, 2),
    ("getBalance", 1, 2),
    ("getBlock", 1, 2),
    ("getBlockCommitment", 1, 1),
    ("getBlockHeight", 0, 1),
    ("getBlockProduction", 0, 1),
    ("getBlockTime", 1, 1),
    ("getBlocks", 1, 3),
    ("getBlocksWithLimit", 2, 3),
    ("getClusterNodes", 0, 0),
    ("getEpochInfo", 0, 1),
    ("getEpochSchedule", 0, 0),
    ("getFeeForMessage", 1, 2),
    ("getFirstAvailableBlock", 0, 0),
    ("getGenesisHash", 0, 0),
    ("getHealth", 0, 0),
    ("getHighestSnapshotSlot", 0, 0),
    ("getIdentity", 0, 0),
    ("getInflationGovernor", 0, 1),
    ("getInflationRate", 0, 0),
    ("getLargestAccounts", 0, 1),
    ("getLatestBlockhash", 0, 1),
    ("getLeaderSchedule", 0, 2),
    ("getMaxRetransmitSlot", 0, 0),
    ("getMaxShredInsertSlot", 0, 0),
    ("getMinimumBalanceForRentExemption", 1, 2),
    ("getMultipleAccounts", 1, 2),
    ("getProgramAccounts", 1, 2),
    ("getRecentPerformanceSamples", 0, 1),
    ("getRecentPrioritizationFees", 0, 1),
    ("getSignatureStatuses", 1, 2),
    ("getSignaturesForAddress", 1, 2),
    ("getSlot", 0, 1),
    ("getSlotLeader", 0, 1),
    ("getSlotLeaders", 2, 2),
    ("getStakeMinimumDelegation", 0, 1),
    ("getSupply", 0, 1),
    ("getTokenAccountBalance", 1, 2),
    ("getTokenAccountsByDelegate", 2, 3),
    ("getTokenAccountsByOwner", 2, 3),
    ("getTokenLargestAccounts", 1, 2),
    ("getTokenSupply", 1, 2),
    ("getTransaction", 1, 2),
    ("getTransactionCount", 0, 1),
    ("getVersion", 0, 0),
    ("getVoteAccounts", 0, 1),
    ("isBlockhashValid", 1, 2),
    ("minimumLedgerSlot", 0, 0),
    ("requestAirdrop", 2, 3),
    ("sendTransaction", 1, 2),
    ("simulateTransaction", 1, 2),
];

pub async fn call(chain: &SharedChain, method: &str, params: Vec<Value>) -> RpcResult {
    let Some(&(_, required, max_params)) = SERVED.iter().find(|(name, ..)| *name == method) else {
        return Err(unknown(method));
    };
    let mut c = chain.lock().await;
    let c = &mut *c;
    // Methods without parameters check their own ("No parameters were expected").
    if max_params == 0 {
        return call_without_params(c, method, params).await;
    }
    let p = Params::new(params, required, max_params)?;
    match method {
        "getAccountInfo" => accounts::get_account_info(c, p).await,
        "getBalance" => accounts::get_balance(c, p).await,
        "getBlock" => blocks::get_block(c, p),
        "getBlockCommitment" => blocks::get_block_commitment(c, p),
        "getBlockHeight" | "getSlot" => basics::get_slot(c, p),
        "getBlockProduction" => cluster::get_block_production(c, p),
        "getBlockTime" => blocks::get_block_time(c, p),
        "getBlocks" => blocks::get_blocks(c, p),
        "getBlocksWithLimit" => blocks::get_blocks_with_limit(c, p),
        "getEpochInfo" => cluster::get_epoch_info(c, p),
        "getFeeForMessage" => cluster::get_fee_for_message(c, p).await,
        "getInflationGovernor" => cluster::get_inflation_governor(c, p),
        "getLargestAccounts" => accounts::get_largest_accounts(c, p).await,
        "getLatestBlockhash" => basics::get_latest_blockhash(c, p).await,
        "getLeaderSchedule" => cluster::get_leader_schedule(c, p),
        "getMinimumBalanceForRentExemption" => basics::get_minimum_balance_for_rent_exemption(c, p).await,
        "getMultipleAccounts" => accounts::get_multiple_accounts(c, p).await,
        "getProgramAccounts" => accounts::get_program_accounts(c, p).await,
        "getRecentPerformanceSamples" => cluster::get_recent_performance_samples(c, p),
        "getRecentPrioritizationFees" => cluster::get_recent_prioritization_fees(c, p),
        "getSignatureStatuses" => transactions::get_signature_statuses(c, p),
        "getSignaturesForAddress" => transactions::get_signatures_for_address(c, p),
        "getSlotLeader" => cluster::get_slot_leader(c, p),
        "getSlotLeaders" => cluster::get_slot_leaders(c, p),
        "getStakeMinimumDelegation" => cluster::get_stake_minimum_delegation(c, p),
        "getSupply" => cluster::get_supply(c, p),
        "getTokenAccountBalance" => tokens::get_token_account_balance(c, p).await,
        "getTokenAccountsByDelegate" => tokens::get_token_accounts_by(c, p, Holder::Delegate).await,
        "getTokenAccountsByOwner" => tokens::get_token_accounts_by(c, p, Holder::Owner).await,
        "getTokenLargestAccounts" => tokens::get_token_largest_accounts(c, p).await,
        "getTokenSupply" => tokens::get_token_supply(c, p).await,
        "getTransaction" => transactions::get_transaction(c, p),
        "getTransactionCount" => cluster::get_transaction_count(c, p),
        "getVoteAccounts" => cluster::get_vote_accounts(c, p),
        "isBlockhashValid" => basics::is_blockhash_valid(c, p).await,
        "requestAirdrop" => basics::request_airdrop(c, p).await,
        "sendTransaction" => transactions::send(c, p).await,
        "simulateTransaction" => transactions::simulate(c, p).await,
        other => Err(RpcError::internal(format!("{other} is listed as served but has no handler"))),
    }
}

async fn call_without_params(c: &mut Chain, method: &str, params: Vec<Value>) -> RpcResult {
    match method {
        "getClusterNodes" => cluster::get_cluster_nodes(c, params),
        "getEpochSchedule" => cluster::get_epoch_schedule(c, params),
        "getFirstAvailableBlock" | "minimumLedgerSlot" => blocks::first_available(c, params),
        "getGenesisHash" => basics::get_genesis_hash(c, params),
        "getHealth" => basics::get_health(params),
        "getHighestSnapshotSlot" => cluster::get_highest_snapshot_slot(params),
        "getIdentity" => cluster::get_identity(c, params),
        "getInflationRate" => cluster::get_inflation_rate(c, params),
        "getMaxRetransmitSlot" | "getMaxShredInsertSlot" => cluster::current_slot(c, params),
        "getVersion" => basics::get_version(params),
        other => Err(RpcError::internal(format!("{other} is listed as served but has no handler"))),
    }
}

/// A real Solana method localnet does not serve, or no Solana method at all (agave's
/// "Method not found"); both -32601.
fn unknown(method: &str) -> RpcError {
    let message = if known::is_agave_method(method) {
        format!("{method} is not supported by localnet; see docs/localnet.md")
    } else {
        "Method not found".to_string()
    };
    RpcError { code: code::METHOD_NOT_FOUND, message, data: None }
}

/// One account as PubSub notifies it (`accountSubscribe`), in the encoding named as the
/// subscription named it.
pub(crate) async fn encode_account(
    c: &mut Chain,
    account: &solana_account::Account,
    encoding: &str,
) -> RpcResult {
    let encoding: UiAccountEncoding = serde_json::from_value(Value::String(encoding.to_string()))
        .map_err(|_| RpcError::invalid_params(format!("Invalid param: unknown encoding {encoding}")))?;
    // PubSub does not say which account it is: only sysvars need to know to parse.
    let now = c.slot;
    accounts::encode(c, &anchor_lang::prelude::Pubkey::default(), account, encoding, None, now).await
}

/// The encoding name a PubSub subscription keeps (`default` when it names none).
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

pub(crate) use super::accounts::{filter_allows, verify_filters};
