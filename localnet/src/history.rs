//! The transaction history the RPC serves (`getSignatureStatuses`, `getTransaction`,
//! `getSignaturesForAddress`), bounded: the newest `capacity` transactions, the oldest
//! forgotten first, as a validator's ledger limit forgets them.
use std::collections::{BTreeMap, HashMap, VecDeque};

use anchor_lang::prelude::Pubkey;
use solana_signature::Signature;

use crate::chain::TxRecord;

/// Transactions kept by default (~1 KB each for a transfer; see docs/benchmarks.md).
pub const DEFAULT_CAPACITY: usize = 200_000;

pub struct History {
    capacity: usize,
    txs: HashMap<Signature, TxRecord>,
    /// Every kept signature, oldest first: what to forget next.
    order: VecDeque<Signature>,
    /// Per account, the kept signatures of the transactions that named it, oldest first.
    by_address: HashMap<Pubkey, VecDeque<Signature>>,
    /// Per slot, its kept signatures in execution order (a block's transactions).
    by_slot: BTreeMap<u64, VecDeque<Signature>>,
    /// The slot of the newest forgotten transaction: blocks up to it are incomplete.
    forgotten_through: Option<u64>,
}

impl History {
    pub fn new(capacity: usize) -> History {
        History {
            capacity,
            txs: HashMap::new(),
            order: VecDeque::new(),
            by_address: HashMap::new(),
            by_slot: BTreeMap::new(),
            forgotten_through: None,
        }
    }

    pub fn insert(&mut self, signature: Signature, record: TxRecord) {
        if self.capacity == 0 {
            return;
        }
        while self.order.len() >= self.capacity {
            self.forget_oldest();
        }
        for key in record.transaction.message.static_account_keys() {
            self.by_address.entry(*key).or_default().push_back(signature);
        }
        self.by_slot.entry(record.slot).or_default().push_back(signature);
        self.order.push_back(signature);
        self.txs.insert(signature, record);
    }

    fn forget_oldest(&mut self) {
        let Some(signature) = self.order.pop_front() else { return };
        let Some(record) = self.txs.remove(&signature) else { return };
        self.forgotten_through = Some(record.slot);
        if let Some(list) = self.by_slot.get_mut(&record.slot) {
            // The oldest kept transaction is the first of its slot.
            if list.front() == Some(&signature) {
                list.pop_front();
            }
            if list.is_empty() {
                self.by_slot.remove(&record.slot);
            }
        }
        for key in record.transaction.message.static_account_keys() {
            if let Some(list) = self.by_address.get_mut(key) {
                // The oldest kept transaction is the oldest in each of its accounts' lists.
                if list.front() == Some(&signature) {
                    list.pop_front();
                }
                if list.is_empty() {
                    self.by_address.remove(key);
                }
            }
        }
    }

    pub fn get(&self, signature: &Signature) -> Option<&TxRecord> {
        self.txs.get(signature)
    }

    /// Signatures of kept transactions that named `address`, newest first.
    pub fn signatures_for(&self, address: &Pubkey) -> impl Iterator<Item = &Signature> {
        self.by_address.get(address).into_iter().flat_map(|s| s.iter().rev())
    }

    /// Signatures of the kept transactions of `slot`, in execution order.
    pub fn in_slot(&self, slot: u64) -> impl Iterator<Item = &Signature> {
        self.by_slot.get(&slot).into_iter().flatten()
    }

    /// The oldest slot whose transactions are all kept (every slot, until one is forgotten).
    pub fn complete_from(&self) -> u64 {
        self.forgotten_through.map_or(0, |s| s + 1)
    }

    /// The slot of the oldest kept transaction.
    pub fn oldest_slot(&self) -> Option<u64> {
        self.order.front().and_then(|s| self.txs.get(s)).map(|r| r.slot)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_keypair::Keypair;
    use solana_signer::Signer;

    fn transfer(from: &Keypair, to: &Pubkey, slot: u64) -> (Signature, TxRecord) {
        let ix = solana_system_interface::instruction::transfer(&from.pubkey(), to, slot + 1);
        let tx = solana_transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&from.pubkey()),
            &[from],
            solana_hash::Hash::new_unique(),
        );
        let record = TxRecord {
            slot,
            err: None,
            logs: Vec::new(),
            compute_units: 150,
            fee: 5_000,
            block_time: 0,
            transaction: tx.into(),
            balances: None,
            inner_instructions: None,
            cost_units: None,
            return_data: None,
        };
        (record.transaction.signatures[0], record)
    }

    #[test]
    fn keeps_the_newest_transactions_and_forgets_the_oldest_everywhere() {
        let alice = Keypair::new();
        let (bob, carol) = (Pubkey::new_unique(), Pubkey::new_unique());
        let mut history = History::new(2);
        let (s1, r1) = transfer(&alice, &bob, 1);
        let (s2, r2) = transfer(&alice, &carol, 2);
        let (s3, r3) = transfer(&alice, &carol, 3);
        history.insert(s1, r1);
        history.insert(s2, r2);
        history.insert(s3, r3);
        assert_eq!(history.len(), 2);
        assert!(history.get(&s1).is_none());
        assert_eq!(history.oldest_slot(), Some(2));
        assert_eq!(history.signatures_for(&alice.pubkey()).copied().collect::<Vec<_>>(), vec![s3, s2]);
        assert_eq!(history.signatures_for(&bob).count(), 0, "bob's only transaction is forgotten");
        assert_eq!(history.signatures_for(&carol).copied().collect::<Vec<_>>(), vec![s3, s2]);
        assert_eq!(history.in_slot(1).count(), 0);
        assert_eq!(history.in_slot(3).copied().collect::<Vec<_>>(), vec![s3]);
        assert_eq!(history.complete_from(), 2, "slot 1 lost a transaction");
    }
}
