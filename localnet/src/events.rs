//! What the chain announces to its subscribers (PubSub now, the Geyser stream later).
use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;
use solana_transaction_error::TransactionError;

#[derive(Clone, Debug)]
pub enum ChainEvent {
    /// A new slot began.
    Slot { slot: u64, parent: u64 },
    /// A transaction was executed in `slot`; `accounts` are all it named, `committed` what it
    /// left behind.
    Transaction {
        signature: Signature,
        slot: u64,
        err: Option<TransactionError>,
        accounts: Vec<Pubkey>,
        committed: std::sync::Arc<crate::chain::Committed>,
    },
}

/// Subscribers that fall this far behind miss events and are disconnected rather than
/// allowed to hold the chain back.
pub const EVENT_BUFFER: usize = 4_096;
