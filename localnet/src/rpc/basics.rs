//! The node and its bank in a word: getHealth, getVersion, getGenesisHash, getSlot,
//! getBlockHeight, getLatestBlockhash, isBlockhashValid, getMinimumBalanceForRentExemption,
//! requestAirdrop.
use std::str::FromStr;

use serde_json::{json, Value};
use solana_rpc_client_types::config::{CommitmentConfig, RpcContextConfig, RpcRequestAirdropConfig};

use super::params::{
    min_context_slot, min_context_slot_at, pubkey, slot_at, with_context_at, Params, RpcResult,
    CORE_VERSION,
};
use super::RpcError;
use crate::chain::Chain;

pub fn get_health(params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!("ok"))
}

/// The feature set this build of agave runs, as agave's `getVersion` and gossip name it:
/// the first four bytes of agave-feature-set's identifier, little-endian.
pub fn feature_set_id() -> u32 {
    let id = agave_feature_set::ID.to_bytes();
    u32::from_le_bytes([id[0], id[1], id[2], id[3]])
}

pub fn get_version(params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!({ "solana-core": CORE_VERSION, "feature-set": feature_set_id() }))
}

pub fn get_genesis_hash(c: &Chain, params: Vec<Value>) -> RpcResult {
    Params::none(params)?;
    Ok(json!(c.genesis_hash()))
}

/// getSlot and getBlockHeight: the newest slot at the commitment (agave's default:
/// finalized), as agave answers from the bank at that commitment; `minContextSlot` is
/// checked against that bank's slot. One block per slot: the block height is the slot.
pub fn get_slot(c: &Chain, p: Params) -> RpcResult {
    let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
    let slot = slot_at(c, config.commitment);
    min_context_slot_at(slot, config.min_context_slot)?;
    Ok(json!(slot))
}

/// The latest blockhash of the bank at the commitment (agave's default: finalized) and the
/// last block height at which it is accepted, as agave's `get_latest_blockhash`: a finished
/// block's own hash, valid through its height + 150; at `processed`, the current slot's
/// (the previous block's hash, `Chain::latest_blockhash_at`).
pub async fn get_latest_blockhash(c: &mut Chain, p: Params) -> RpcResult {
    let config: RpcContextConfig = p.opt(0)?.unwrap_or_default();
    let slot = slot_at(c, config.commitment);
    min_context_slot_at(slot, config.min_context_slot)?;
    let (context, blockhash, last_valid) = c.latest_blockhash_at(slot).await?;
    Ok(with_context_at(
        context,
        json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid }),
    ))
}

pub async fn is_blockhash_valid(c: &mut Chain, p: Params) -> RpcResult {
    let text: String = p.req(0)?;
    let config: RpcContextConfig = p.opt(1)?.unwrap_or_default();
    min_context_slot(c, config.min_context_slot)?;
    let hash = solana_hash::Hash::from_str(&text)
        .map_err(|e| RpcError::invalid_params(format!("Invalid param: {e:?}")))?;
    // Asked of the bank at the commitment (finalized by default), as agave.
    let at = slot_at(c, config.commitment);
    Ok(with_context_at(at, json!(c.is_blockhash_valid_at(&hash, at))))
}

pub async fn get_minimum_balance_for_rent_exemption(c: &mut Chain, p: Params) -> RpcResult {
    let size: usize = p.req(0)?;
    let _: Option<CommitmentConfig> = p.opt(1)?;
    // Above the 10 MiB an account may hold agave answers a bare "Invalid request".
    let minimum = c.rent_exempt_minimum(size).await?.ok_or_else(RpcError::invalid_request)?;
    Ok(json!(minimum))
}

pub async fn request_airdrop(c: &mut Chain, p: Params) -> RpcResult {
    let to = pubkey(&p.req::<String>(0)?)?;
    let lamports: u64 = p.req(1)?;
    let _: Option<RpcRequestAirdropConfig> = p.opt(2)?;
    let executed = c.airdrop(&to, lamports).await?;
    match executed.err {
        None => Ok(json!(executed.signature.to_string())),
        Some(err) => Err(RpcError::internal(format!("airdrop failed: {err}"))),
    }
}
