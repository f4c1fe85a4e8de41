//! What a ledger record holds. bincode (the encoding the snapshot uses) inside a checksummed
//! frame (`frame`).
use serde::{Deserialize, Serialize};

use crate::chain::{Committed, TxRecord};
use crate::snapshot::SavedAccount;

/// Bumped when a record's layout changes; a segment of another version is refused.
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
pub enum Record {
    /// The first record of every segment: which chain it belongs to.
    Header { version: u32, genesis_hash: String },
    /// Slot `slot` began: from here on the chain reports it as its current slot, and the
    /// transactions of the slots before it as confirmed.
    Slot { slot: u64 },
    /// A committed transaction: what the history needs, and the state after it of every
    /// account it could write.
    Transaction { record: TxRecord, writes: Vec<SavedAccount> },
}

impl Record {
    pub fn transaction(committed: &Committed) -> Record {
        Record::Transaction {
            record: committed.record.clone(),
            writes: committed.writes.iter().map(|(key, account)| SavedAccount::new(key, account)).collect(),
        }
    }
}

impl From<(TxRecord, Vec<SavedAccount>)> for Committed {
    fn from((record, writes): (TxRecord, Vec<SavedAccount>)) -> Committed {
        Committed { record, writes: writes.iter().map(SavedAccount::to_account).collect() }
    }
}
