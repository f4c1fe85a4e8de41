//! What a ledger record holds. bincode (the encoding the snapshot uses) inside a checksummed
//! frame (`frame`).
//!
//! Versions: 1 recorded transactions without their balances and no blocks; 2 adds both as new
//! variants; 3 (this one) adds a transaction's inner instructions, cost units and return data,
//! as a new variant too. New variants go after the old ones, so an older segment still
//! decodes: its transactions are served without what it did not record (`null` where agave
//! reports "not recorded").
use serde::{Deserialize, Serialize};
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

use crate::blocks::BlockInfo;
use crate::chain::{Committed, TxRecord};
use crate::snapshot::SavedAccount;

/// Bumped when a record's layout changes; segments of `READABLE_VERSIONS` are read, others
/// refused.
pub const VERSION: u32 = 3;
pub const READABLE_VERSIONS: [u32; 3] = [1, 2, VERSION];

#[derive(Serialize, Deserialize)]
pub enum Record {
    /// The first record of every segment: which chain it belongs to.
    Header { version: u32, genesis_hash: String },
    /// Slot `slot` began: from here on the chain reports it as its current slot, and the
    /// transactions of the slots before it as confirmed.
    Slot { slot: u64 },
    /// Version 1's committed transaction (read, never written).
    TransactionV1 { record: TxRecordV1, writes: Vec<SavedAccount> },
    /// Version 2's committed transaction (read, never written).
    TransactionV2 { record: TxRecordV2, writes: Vec<SavedAccount> },
    /// A block finished (written right before the next slot's `Slot`).
    Block(BlockInfo),
    /// A committed transaction: what the history needs (balances, inner instructions, cost
    /// units, return data), and the state after it of every account it could write.
    Transaction { record: TxRecord, writes: Vec<SavedAccount> },
}

/// Version 1's transaction record: `TxRecord` without balances.
#[derive(Serialize, Deserialize)]
pub struct TxRecordV1 {
    slot: u64,
    err: Option<TransactionError>,
    logs: Vec<String>,
    compute_units: u64,
    fee: u64,
    block_time: i64,
    transaction: VersionedTransaction,
}

impl From<TxRecordV1> for TxRecord {
    fn from(r: TxRecordV1) -> TxRecord {
        TxRecord {
            slot: r.slot,
            err: r.err,
            logs: r.logs,
            compute_units: r.compute_units,
            fee: r.fee,
            block_time: r.block_time,
            transaction: r.transaction,
            balances: None,
            inner_instructions: None,
            cost_units: None,
            return_data: None,
        }
    }
}

/// Version 2's transaction record: `TxRecord` without inner instructions, cost units and
/// return data.
#[derive(Serialize, Deserialize)]
pub struct TxRecordV2 {
    slot: u64,
    err: Option<TransactionError>,
    logs: Vec<String>,
    compute_units: u64,
    fee: u64,
    block_time: i64,
    transaction: VersionedTransaction,
    balances: Option<crate::balances::Balances>,
}

impl From<TxRecordV2> for TxRecord {
    fn from(r: TxRecordV2) -> TxRecord {
        TxRecord {
            balances: r.balances,
            ..TxRecordV1 {
                slot: r.slot,
                err: r.err,
                logs: r.logs,
                compute_units: r.compute_units,
                fee: r.fee,
                block_time: r.block_time,
                transaction: r.transaction,
            }
            .into()
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use solana_keypair::Keypair;
    use solana_signature::Signature;
    use solana_signer::Signer;

    /// Version 1's layout, as it was written: the variant order is what keeps it readable.
    #[derive(Serialize)]
    enum RecordV1 {
        #[allow(dead_code)]
        Header {
            version: u32,
            genesis_hash: String,
        },
        #[allow(dead_code)]
        Slot {
            slot: u64,
        },
        Transaction {
            record: TxRecordV1,
            writes: Vec<SavedAccount>,
        },
    }

    /// Version 2's layout, as it was written.
    #[derive(Serialize)]
    enum RecordV2 {
        #[allow(dead_code)]
        Header { version: u32, genesis_hash: String },
        #[allow(dead_code)]
        Slot { slot: u64 },
        #[allow(dead_code)]
        TransactionV1 { record: TxRecordV1, writes: Vec<SavedAccount> },
        Transaction { record: TxRecordV2, writes: Vec<SavedAccount> },
        #[allow(dead_code)]
        Block(BlockInfo),
    }

    fn a_transfer() -> solana_transaction::Transaction {
        let payer = Keypair::new();
        let ix = solana_system_interface::instruction::transfer(&payer.pubkey(), &payer.pubkey(), 1);
        solana_transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&payer.pubkey()),
            &[&payer],
            solana_hash::Hash::new_unique(),
        )
    }

    #[test]
    fn a_version_2_transaction_still_decodes_without_what_it_did_not_record() {
        let tx = a_transfer();
        let signature: Signature = tx.signatures[0];
        let balances = crate::balances::Balances { pre: vec![10], post: vec![5], ..Default::default() };
        let old = RecordV2::Transaction {
            record: TxRecordV2 {
                slot: 9,
                err: None,
                logs: vec![],
                compute_units: 150,
                fee: 5_000,
                block_time: 1,
                transaction: tx.into(),
                balances: Some(balances.clone()),
            },
            writes: Vec::new(),
        };
        let bytes = bincode::serialize(&old).unwrap();
        let Record::TransactionV2 { record, .. } = bincode::deserialize(&bytes).unwrap() else {
            panic!("a version 2 transaction record")
        };
        let record = TxRecord::from(record);
        assert_eq!((record.slot, record.transaction.signatures[0]), (9, signature));
        assert_eq!(record.balances, Some(balances));
        assert_eq!((record.inner_instructions, record.cost_units, record.return_data), (None, None, None));
    }

    #[test]
    fn a_version_1_transaction_still_decodes() {
        let tx = a_transfer();
        let signature: Signature = tx.signatures[0];
        let old = RecordV1::Transaction {
            record: TxRecordV1 {
                slot: 7,
                err: None,
                logs: vec!["log".into()],
                compute_units: 150,
                fee: 5_000,
                block_time: 1,
                transaction: tx.into(),
            },
            writes: Vec::new(),
        };
        let bytes = bincode::serialize(&old).unwrap();
        let Record::TransactionV1 { record, .. } = bincode::deserialize(&bytes).unwrap() else {
            panic!("a version 1 transaction record")
        };
        let record = TxRecord::from(record);
        assert_eq!((record.slot, record.fee, record.transaction.signatures[0]), (7, 5_000, signature));
        assert!(record.balances.is_none());
    }
}
