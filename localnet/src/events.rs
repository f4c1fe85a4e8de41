//! What the chain announces to its subscribers (PubSub and the Geyser stream).
use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use solana_transaction_error::TransactionError;

#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A block finished: sent right before the `Slot` event of the slot after it.
    /// `executed_transaction_count` counts the transactions committed in it (failed ones
    /// included), as `getBlock` lists them.
    Block { block: crate::blocks::BlockInfo, executed_transaction_count: u64 },
    /// A new slot began.
    Slot { slot: u64, parent: u64 },
    /// A transaction was executed in `slot`; `index` is its position among the slot's
    /// committed transactions (its block's order), `accounts` are all it named, `committed`
    /// what it left behind.
    Transaction {
        signature: Signature,
        slot: u64,
        index: u64,
        err: Option<TransactionError>,
        accounts: Vec<Pubkey>,
        committed: std::sync::Arc<crate::chain::Committed>,
    },
}

/// Subscribers that fall this far behind miss events and are disconnected rather than
/// allowed to hold the chain back.
pub const EVENT_BUFFER: usize = 4_096;
