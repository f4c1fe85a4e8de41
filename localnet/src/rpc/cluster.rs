//! The cluster as its one validator sees it: epochs, fees, supply, the validator itself
//! (identity, vote account, leader schedule, contact info) and its performance. Values come
//! from the bank and its genesis (`Chain`'s cluster facts); shapes are the official reply
//! types (`solana-rpc-client-types`, `solana-epoch-info`, `solana-epoch-schedule`).
use std::collections::{BTreeMap, HashMap};

use base64::Engine;
use serde_json::{json, Value};
use solana_epoch_info::EpochInfo;
use solana_message::VersionedMessage;
use solana_rpc_client_types::config::{
    CommitmentConfig, RpcBlockProductionConfig, RpcContextConfig, RpcGetVoteAccountsConfig,
    RpcLeaderScheduleConfig, RpcLeaderScheduleConfigWrapper, RpcSupplyConfig,
};
use solana_rpc_client_types::request::MAX_GET_SLOT_LEADERS;
use solana_rpc_client_types::response::{
    RpcBlockProduction, RpcBlockProductionRange, RpcContactInfo, RpcInflationGovernor, RpcInflationRate,
    RpcPerfSample, RpcPrioritizationFee, RpcSupply, RpcVoteAccountInfo, RpcVoteAccountStatus,
};

use super::params::{
    at_most, ledger_error, min_context_slot, pubkey, slot_at, with_context, Params, RpcResult, CORE_VERSION,
};
use super::RpcError;
use crate::chain::Chain;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// agave's limits: accounts per `getRecentPrioritizationFees` (a transaction's account
/// locks), blocks its fee cache keeps, samples `getRecentPerformanceSamples` keeps, and the
/// seconds each one covers.
const MAX_TX_ACCOUNT_LOCKS: usize = 128;
const PRIORITIZATION_FEE_BLOCKS: u64 = 150;
const MAX_PERF_SAMPLES: usize = 720;
const PERF_SAMPLE_SECS: i64 = 60;
/// The Compute Budget program and its `SetComputeUnitPrice` instruction (micro-lamports per
/// compute unit: what prioritization fees are quoted in).
const COMPUTE_BUDGET: anchor_lang::prelude::Pubkey =
    anchor_lang::prelude::Pubkey::from_str_const("ComputeBudget111111111111111111111111111111");
const SET_COMPUTE_UNIT_PRICE: u8 = 3;
/// With this feature active the stake program's minimum delegation is 1 SOL, else 1 lamport.
const STAKE_RAISE_MINIMUM_DELEGATION_TO_1_SOL: anchor_lang::prelude::Pubkey =
    anchor_lang::prelude::Pubkey::from_str_const("9onWzzvCzNC2jfhxxeqRgs5q7nFAAKpCUvkj6T6GJK9i");

fn to_value(v: impl serde::Serialize) -> RpcResult {
    serde_json::to_value(v).map_err(RpcError::internal)
}

pub fn get_epoch_info(c: &Chain, p: Params) -> RpcResult {
    let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let slot = slot_at(c, config.commitment);
    let schedule = c.epoch_schedule();
    let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
    to_value(EpochInfo {
        epoch,
        slot_index,
        slots_in_epoch: schedule.get_slots_in_epoch(epoch),
        absolute_slot: slot,
        block_height: slot,
        transaction_count: Some(c.transaction_count()),
    })
}

pub fn get_epoch_schedule(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    to_value(c.epoch_schedule())
}

/// The fee of a base64 message, or `null` once its blockhash is no longer accepted.
pub async fn get_fee_for_message(c: &mut Chain, p: Params) -> RpcResult {
    let text: String = p.req(0)?;
    let config: RpcContextConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let bytes =
        B64.decode(&text).map_err(|e| RpcError::invalid_params(format!("invalid base64 encoding: {e:?}")))?;
    let message: VersionedMessage = bincode::options()
        .with_limit(1232)
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize VersionedMessage: {e}")))?;
    message.sanitize().map_err(|e| RpcError::invalid_params(format!("invalid transaction message: {e}")))?;
    let fee = c.fee_for_message(&message).await?;
    Ok(with_context(c, json!(fee)))
}

use bincode::Options;

/// Per recent block, the lowest compute-unit price a transaction paid to land in it — or,
/// given accounts, the highest of those accounts' lowest write-lock prices, as agave's
/// prioritization fee cache answers.
pub fn get_recent_prioritization_fees(c: &Chain, p: Params) -> RpcResult {
    let texts: Vec<String> = p.opt(0)?.unwrap_or_default();
    at_most(texts.len(), MAX_TX_ACCOUNT_LOCKS)?;
    let accounts = texts.iter().map(|t| pubkey(t)).collect::<Result<Vec<_>, _>>()?;
    let newest = c.slot.saturating_sub(1);
    let oldest = c.slot.saturating_sub(PRIORITIZATION_FEE_BLOCKS);
    let fees: Vec<RpcPrioritizationFee> = c
        .blocks()
        .slots_in(oldest, newest)
        .map(|slot| {
            let mut block_min: Option<u64> = None;
            let mut account_min: HashMap<_, u64> = HashMap::new();
            for (_, r) in c.transactions_in(slot) {
                let price = compute_unit_price(&r.transaction.message);
                block_min = Some(block_min.map_or(price, |m| m.min(price)));
                let message = &r.transaction.message;
                for (i, key) in message.static_account_keys().iter().enumerate() {
                    if message
                        .is_maybe_writable_with_reserved_addresses(i, None::<&std::collections::BTreeSet<_>>)
                    {
                        let e = account_min.entry(*key).or_insert(price);
                        *e = (*e).min(price);
                    }
                }
            }
            let fee = accounts
                .iter()
                .filter_map(|a| account_min.get(a))
                .fold(block_min.unwrap_or(0), |f, a| f.max(*a));
            RpcPrioritizationFee { slot, prioritization_fee: fee }
        })
        .collect();
    to_value(fees)
}

/// The micro-lamports per compute unit a message's `SetComputeUnitPrice` offers (0 without).
fn compute_unit_price(message: &VersionedMessage) -> u64 {
    let keys = message.static_account_keys();
    message
        .instructions()
        .iter()
        .filter(|ix| keys.get(usize::from(ix.program_id_index)) == Some(&COMPUTE_BUDGET))
        .filter(|ix| ix.data.len() == 9 && ix.data[0] == SET_COMPUTE_UNIT_PRICE)
        .filter_map(|ix| ix.data[1..9].try_into().ok().map(u64::from_le_bytes))
        .last()
        .unwrap_or(0)
}

pub fn get_identity(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!({ "identity": c.validator().identity.to_string() }))
}

pub fn get_transaction_count(c: &Chain, p: Params) -> RpcResult {
    let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    Ok(json!(c.transaction_count()))
}

pub fn get_slot_leader(c: &Chain, p: Params) -> RpcResult {
    let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    Ok(json!(c.validator().identity.to_string()))
}

pub fn get_slot_leaders(c: &Chain, p: Params) -> RpcResult {
    let _start: u64 = p.req(0)?;
    let limit: usize = p.req(1)?;
    if limit > MAX_GET_SLOT_LEADERS {
        return Err(RpcError::invalid_params(format!("Invalid limit; max {MAX_GET_SLOT_LEADERS}")));
    }
    Ok(json!(vec![c.validator().identity.to_string(); limit]))
}

/// Every slot of the epoch is the one validator's.
pub fn get_leader_schedule(c: &Chain, p: Params) -> RpcResult {
    let wrapper: Option<RpcLeaderScheduleConfigWrapper> = p.opt(0)?;
    let config: Option<RpcLeaderScheduleConfig> = p.opt(1)?;
    let (slot, wrapped) = wrapper.map(|w| w.unzip()).unwrap_or_default();
    let config = config.or(wrapped).unwrap_or_default();
    let schedule = c.epoch_schedule();
    let current = slot_at(c, config.commitment);
    let epoch = schedule.get_epoch(slot.unwrap_or(current));
    if epoch > schedule.get_leader_schedule_epoch(current) {
        return Ok(Value::Null);
    }
    let identity = c.validator().identity.to_string();
    if let Some(wanted) = &config.identity {
        pubkey(wanted)?;
        if *wanted != identity {
            return Ok(json!({}));
        }
    }
    let slots: Vec<u64> = (0..schedule.get_slots_in_epoch(epoch)).collect();
    Ok(json!({ identity: slots }))
}

pub fn get_block_production(c: &Chain, p: Params) -> RpcResult {
    let config: RpcBlockProductionConfig = p.opt(0)?.unwrap_or_default();
    let newest = slot_at(c, config.commitment);
    let schedule = c.epoch_schedule();
    let (first_slot, last_slot) = match config.range {
        Some(r) => (r.first_slot, r.last_slot.unwrap_or(newest)),
        None => (schedule.get_first_slot_in_epoch(schedule.get_epoch(newest)), newest),
    };
    if last_slot < first_slot {
        return Err(RpcError::invalid_params(format!(
            "lastSlot, {last_slot}, cannot be less than firstSlot, {first_slot}"
        )));
    }
    let identity = c.validator().identity.to_string();
    let mut by_identity = HashMap::new();
    if config.identity.as_ref().is_none_or(|i| *i == identity) {
        let produced = c.blocks().slots_in(first_slot, last_slot.min(newest)).count();
        by_identity.insert(identity, (produced, produced));
    }
    let reply = RpcBlockProduction { by_identity, range: RpcBlockProductionRange { first_slot, last_slot } };
    Ok(with_context(c, to_value(reply)?))
}

/// The one node: its identity, JSON-RPC and PubSub addresses and version; it has no
/// gossip, TPU or repair ports (transactions go through JSON-RPC).
pub fn get_cluster_nodes(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    let (rpc, pubsub) = c.endpoints.map_or((None, None), |(r, p)| (Some(r), Some(p)));
    to_value([RpcContactInfo {
        pubkey: c.validator().identity.to_string(),
        gossip: None,
        tvu: None,
        tpu: None,
        tpu_quic: None,
        tpu_forwards: None,
        tpu_forwards_quic: None,
        tpu_vote: None,
        serve_repair: None,
        rpc,
        pubsub,
        version: Some(CORE_VERSION.into()),
        client_id: None,
        feature_set: Some(super::basics::feature_set_id()),
        shred_version: None,
    }])
}

/// The one validator, current (never delinquent): it votes every block as it finishes.
pub fn get_vote_accounts(c: &Chain, p: Params) -> RpcResult {
    let config: RpcGetVoteAccountsConfig = p.opt(0)?.unwrap_or_default();
    let v = c.validator();
    if let Some(wanted) = &config.vote_pubkey {
        pubkey(wanted)?;
    }
    let wanted = config.vote_pubkey.as_ref().is_none_or(|k| *k == v.vote_account.to_string());
    let newest = slot_at(c, config.commitment);
    let current = wanted.then(|| RpcVoteAccountInfo {
        vote_pubkey: v.vote_account.to_string(),
        node_pubkey: v.identity.to_string(),
        activated_stake: v.stake_lamports,
        commission: v.commission,
        inflation_rewards_commission_bps: Some(u16::from(v.commission) * 100),
        epoch_vote_account: true,
        epoch_credits: Vec::new(),
        last_vote: c.slot.saturating_sub(1),
        root_slot: newest.min(c.slot.saturating_sub(c.finalize_after)),
    });
    to_value(RpcVoteAccountStatus { current: current.into_iter().collect(), delinquent: Vec::new() })
}

pub fn get_inflation_governor(c: &Chain, p: Params) -> RpcResult {
    let _: Option<CommitmentConfig> = p.opt(0)?;
    to_value(RpcInflationGovernor::from(c.inflation()))
}

pub fn get_inflation_rate(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    let inflation = c.inflation();
    let year = c.slot as f64 / c.slots_per_year();
    to_value(RpcInflationRate {
        total: inflation.total(year),
        validator: inflation.validator(year),
        foundation: inflation.foundation(year),
        epoch: c.epoch_schedule().get_epoch(c.slot),
    })
}

pub fn get_stake_minimum_delegation(c: &Chain, p: Params) -> RpcResult {
    let _: Option<CommitmentConfig> = p.opt(0)?;
    let minimum =
        if c.is_feature_active(&STAKE_RAISE_MINIMUM_DELEGATION_TO_1_SOL) { 1_000_000_000u64 } else { 1 };
    Ok(with_context(c, json!(minimum)))
}

/// One sample per minute of block time since the oldest block kept, newest first, as agave's
/// sampler takes one a minute after it starts and every minute after that: only minutes that
/// are over.
pub fn get_recent_performance_samples(c: &Chain, p: Params) -> RpcResult {
    let limit: usize = p.opt(0)?.unwrap_or(MAX_PERF_SAMPLES);
    if limit > MAX_PERF_SAMPLES {
        return Err(RpcError::invalid_params(format!("Invalid limit; max {MAX_PERF_SAMPLES}")));
    }
    let first = c.blocks().first().map_or(c.slot, |b| b.slot);
    let started = c.blocks().get(first).map_or(c.slot_time, |b| b.block_time);
    let mut minutes: BTreeMap<i64, RpcPerfSample> = BTreeMap::new();
    for slot in c.blocks().slots_in(first, c.slot) {
        let Some(block) = c.blocks().get(slot) else { continue };
        let transactions = c.transactions_in(slot).count() as u64;
        let minute = (block.block_time - started) / PERF_SAMPLE_SECS;
        let sample = minutes.entry(minute).or_insert(RpcPerfSample {
            slot,
            num_transactions: 0,
            num_non_vote_transactions: Some(0),
            num_slots: 0,
            sample_period_secs: PERF_SAMPLE_SECS as u16,
        });
        sample.slot = slot;
        sample.num_slots += 1;
        sample.num_transactions += transactions;
        sample.num_non_vote_transactions = Some(sample.num_transactions);
    }
    let current_minute = (c.slot_time - started) / PERF_SAMPLE_SECS;
    let finished = minutes.into_iter().filter(|(minute, _)| *minute < current_minute).map(|(_, s)| s);
    to_value(finished.rev().take(limit).collect::<Vec<_>>())
}

/// localnet's snapshots are its own format, not agave's: a validator could not boot from
/// them, so none is offered.
pub fn get_highest_snapshot_slot(params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Err(ledger_error::no_snapshot())
}

pub fn get_supply(c: &Chain, p: Params) -> RpcResult {
    let _: Option<RpcSupplyConfig> = p.opt(0)?;
    let total = c.capitalization();
    // No account is locked up: everything circulates.
    let supply =
        RpcSupply { total, circulating: total, non_circulating: 0, non_circulating_accounts: Vec::new() };
    Ok(with_context(c, to_value(supply)?))
}

/// getMaxRetransmitSlot / getMaxShredInsertSlot: every slot is produced here, the current one.
pub fn current_slot(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!(c.slot))
}
