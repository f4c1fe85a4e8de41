//! The ledger of blocks: getBlock, getBlockTime, getBlocks, getBlocksWithLimit,
//! getFirstAvailableBlock, minimumLedgerSlot, getBlockCommitment. localnet makes a block
//! every slot and skips none; a block is served once it reached the requested commitment
//! (agave's default: finalized; `processed` refused), and as long as the chain keeps it and
//! every one of its transactions (`Blocks`, the history's retention).
use serde_json::{json, Value};
use solana_rpc_client_types::config::{
    RpcBlockConfig, RpcBlocksConfigWrapper, RpcContextConfig, RpcEncodingConfigWrapper, UiTransactionEncoding,
};
use solana_rpc_client_types::request::MAX_GET_CONFIRMED_BLOCKS_RANGE;
use solana_transaction_status_client_types::{TransactionDetails, UiConfirmedBlock};

use super::encoding::{encode_accounts, encode_full, reply_version};
use super::params::{at_least_confirmed, ledger_error, min_context_slot, slot_at, Params, RpcResult};
use super::RpcError;
use crate::blocks::BlockInfo;
use crate::chain::Chain;

/// The oldest block served whole: the oldest kept, unless the history has since forgotten
/// transactions of later ones. Before the first block ends, the current slot.
pub fn first_available_block(c: &Chain) -> u64 {
    let first_kept = c.blocks().first().map_or(c.slot, |b| b.slot);
    first_kept.max(c.history_complete_from())
}

/// The block at `slot`, or agave's error for a slot it cannot serve.
fn available_block(c: &Chain, slot: u64, newest: u64) -> Result<BlockInfo, RpcError> {
    if slot > newest {
        return Err(ledger_error::block_not_available(slot));
    }
    let first = first_available_block(c);
    if slot < first {
        return Err(ledger_error::block_cleaned_up(slot, first));
    }
    c.blocks().get(slot).copied().ok_or_else(|| ledger_error::block_not_available(slot))
}

pub fn get_block(c: &Chain, p: Params) -> RpcResult {
    let slot: u64 = p.req(0)?;
    let config: RpcBlockConfig = p
        .opt::<RpcEncodingConfigWrapper<RpcBlockConfig>>(1)?
        .map(|w| w.convert_to_current())
        .unwrap_or_default();
    at_least_confirmed(config.commitment)?;
    let block = available_block(c, slot, slot_at(c, config.commitment))?;
    let encoding = config.encoding.unwrap_or(UiTransactionEncoding::Json);
    let show_rewards = config.rewards.unwrap_or(true);
    let max_version = config.max_supported_transaction_version;
    let records: Vec<_> = c.transactions_in(slot).collect();
    let (transactions, signatures) = match config.transaction_details.unwrap_or_default() {
        TransactionDetails::Full => {
            let encoded = records
                .iter()
                .map(|(_, r)| encode_full(r, encoding, reply_version(&r.transaction, max_version)?))
                .collect::<Result<Vec<_>, _>>()?;
            (Some(encoded), None)
        }
        TransactionDetails::Accounts => {
            let encoded = records
                .iter()
                .map(|(_, r)| {
                    Ok(encode_accounts(r, reply_version(&r.transaction, max_version)?, show_rewards))
                })
                .collect::<Result<Vec<_>, RpcError>>()?;
            (Some(encoded), None)
        }
        TransactionDetails::Signatures => (None, Some(records.iter().map(|(s, _)| s.to_string()).collect())),
        TransactionDetails::None => (None, None),
    };
    let reply = UiConfirmedBlock {
        previous_blockhash: solana_hash::Hash::new_from_array(block.previous_blockhash).to_string(),
        blockhash: solana_hash::Hash::new_from_array(block.blockhash).to_string(),
        parent_slot: block.parent_slot(),
        transactions,
        signatures,
        rewards: show_rewards.then(Vec::new),
        num_reward_partitions: None,
        block_time: Some(block.block_time),
        // One block per slot since the first: the block height is the slot.
        block_height: Some(block.slot),
    };
    serde_json::to_value(reply).map_err(RpcError::internal)
}

/// A block's time: finished blocks and the current slot (its bank's clock), as agave's
/// answer from its banks; a future slot is not available yet.
pub fn get_block_time(c: &Chain, p: Params) -> RpcResult {
    let slot: u64 = p.req(0)?;
    if slot == c.slot {
        return Ok(json!(c.slot_time));
    }
    if slot > c.slot {
        return Err(ledger_error::block_not_available(slot));
    }
    match c.blocks().get(slot) {
        Some(block) => Ok(json!(block.block_time)),
        None => Err(ledger_error::block_cleaned_up(slot, c.blocks().first().map_or(c.slot, |b| b.slot))),
    }
}

/// Blocks in `start..=end` (end: the newest at the commitment), at most 500,000 slots apart.
pub fn get_blocks(c: &Chain, p: Params) -> RpcResult {
    let start: u64 = p.req(0)?;
    let wrapper: Option<RpcBlocksConfigWrapper> = p.opt(1)?;
    let config: Option<RpcContextConfig> = p.opt(2)?;
    let (end, wrapped_config) = wrapper.map(|w| w.unzip()).unwrap_or_default();
    let config = config.or(wrapped_config).unwrap_or_default();
    at_least_confirmed(config.commitment)?;
    min_context_slot(c, config.min_context_slot)?;
    let newest = slot_at(c, config.commitment);
    let end = end.unwrap_or_else(|| start.saturating_add(MAX_GET_CONFIRMED_BLOCKS_RANGE)).min(newest);
    if end < start {
        return Ok(json!([]));
    }
    if end - start > MAX_GET_CONFIRMED_BLOCKS_RANGE {
        return Err(RpcError::invalid_params(format!(
            "Slot range too large; max {MAX_GET_CONFIRMED_BLOCKS_RANGE}"
        )));
    }
    let from = start.max(first_available_block(c));
    Ok(json!(c.blocks().slots_in(from, end).collect::<Vec<_>>()))
}

pub fn get_blocks_with_limit(c: &Chain, p: Params) -> RpcResult {
    let start: u64 = p.req(0)?;
    let limit: usize = p.req(1)?;
    let config: RpcContextConfig = p.opt(2)?.unwrap_or_default();
    if limit as u64 > MAX_GET_CONFIRMED_BLOCKS_RANGE {
        return Err(RpcError::invalid_params(format!(
            "Limit too large; max {MAX_GET_CONFIRMED_BLOCKS_RANGE}"
        )));
    }
    at_least_confirmed(config.commitment)?;
    min_context_slot(c, config.min_context_slot)?;
    let newest = slot_at(c, config.commitment);
    let from = start.max(first_available_block(c));
    Ok(json!(c.blocks().slots_in(from, newest).take(limit).collect::<Vec<_>>()))
}

/// How much stake has voted on `slot` at each lockout: localnet's one validator votes every
/// block as it finishes, so a block not yet finalized has all the stake at its depth; a
/// finalized (rooted) or future one has none, as agave's commitment cache answers.
/// Slots a bank's status cache remembers (agave's `MAX_CACHE_ENTRIES`).
const STATUS_CACHE_SLOTS: u64 = 300;

pub fn get_block_commitment(c: &Chain, p: Params) -> RpcResult {
    let slot: u64 = p.req(0)?;
    let total_stake = c.validator().stake_lamports;
    // agave keeps a block's commitment while its bank's status cache remembers the slot (the
    // last 300 roots), finalized or not; the one validator's stake sits at the block's depth.
    let commitment = (slot < c.slot && c.slot - slot <= STATUS_CACHE_SLOTS).then(|| {
        let mut by_lockout = [0u64; 32];
        by_lockout[((c.slot - slot - 1) as usize).min(31)] = total_stake;
        by_lockout
    });
    Ok(json!({ "commitment": commitment, "totalStake": total_stake }))
}

pub fn first_available(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!(first_available_block(c)))
}
