//! Ingest: chain updates in (Yellowstone gRPC, or JSON-RPC when the stream cannot replay
//! far enough), Postgres out. Three seams, as in Carbon: `source` yields [`Update`]s into a
//! bounded queue, `decode` turns bytes into the programs' own types, `sink` writes batches
//! and the checkpoint in one transaction. Nothing here signs or holds keys.
pub mod backfill;
pub mod decode;
pub mod logs;
pub mod pipeline;
pub mod sink;
pub mod source;

use anchor_lang::prelude::Pubkey;

/// One thing the chain told us, in stream order.
#[derive(Clone, Debug)]
pub enum Update {
    Account(AccountUpdate),
    Transaction(TransactionUpdate),
    /// Every update of slots up to and including this one has been delivered (the slot
    /// reached the followed commitment). The checkpoint only ever moves on these.
    SlotDone(u64),
}

#[derive(Clone, Debug)]
pub struct AccountUpdate {
    pub pubkey: Pubkey,
    pub owner: Pubkey,
    pub slot: u64,
    /// Orders writes within a slot; 0 for a snapshot read over RPC, which any streamed
    /// write of the same slot supersedes (the stream replays that slot after a backfill).
    pub write_version: u64,
    pub lamports: u64,
    pub data: Vec<u8>,
}

/// A successful transaction that touched one of our programs (failed ones emit nothing
/// that happened: their logs may still hold events, so they are never asked for).
#[derive(Clone, Debug)]
pub struct TransactionUpdate {
    pub signature: String,
    pub slot: u64,
    /// Unix seconds: the block time where the source gives it, else when it was streamed.
    pub block_time: i64,
    pub logs: Vec<String>,
}

/// Where the checkpoint row lives (one per source; there is one chain).
pub const CHECKPOINT_SOURCE: &str = "chain";
