//! The retained window of updates every subscriber reads from. Ingest appends and never
//! waits for subscribers; a subscriber that falls out of the window is disconnected.
use std::collections::VecDeque;
use std::sync::Mutex;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_signature::Signature;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

use crate::blocks::BlockInfo;
use crate::chain::{Committed, TxRecord};
use crate::events::ChainEvent;
use crate::rpc::SharedChain;

/// Slots of history kept for `from_slot` replay and slow readers, by default.
pub const RETAIN_SLOTS: u64 = 3_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotStatus {
    Processed,
    Confirmed,
    Finalized,
}

/// What the feed holds. A transaction's `index` is its position in its slot's block; a
/// `BlockMeta` (a finished block) is in the feed at its own slot, after its transactions.
#[derive(Clone, Debug)]
pub enum Update {
    Account { pubkey: Pubkey, account: Account, write_version: u64, signature: Signature },
    Transaction { signature: Signature, record: TxRecord, index: u64 },
    Slot { slot: u64, parent: Option<u64>, status: SlotStatus },
    BlockMeta { block: BlockInfo, executed_transaction_count: u64 },
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub seq: u64,
    /// When the update entered the feed (sent to clients as `created_at`).
    pub created_at: std::time::SystemTime,
    /// The chain slot the update belongs to.
    pub slot: u64,
    pub update: Update,
}

struct State {
    entries: VecDeque<Entry>,
    next_seq: u64,
    write_version: u64,
    /// The oldest slot whose updates this feed still holds completely: the slot it started
    /// at (a restarted localnet has no stream history before it), raised as the window moves.
    floor: u64,
}

pub struct Feed {
    state: Mutex<State>,
    /// The chain's current slot; changes wake subscribers.
    slot: watch::Sender<u64>,
    pub confirm_after: u64,
    pub finalize_after: u64,
    retain_slots: u64,
    /// Set when the node stops: open subscriptions end, as a process exit would end them.
    stopped: watch::Sender<bool>,
}

/// What a subscriber reads at once.
pub enum Read {
    Entries(Vec<Entry>),
    /// The cursor points before the oldest retained entry.
    Lost {
        oldest_slot: u64,
    },
}

impl Feed {
    pub fn new(slot: u64, confirm_after: u64, finalize_after: u64, retain_slots: u64) -> Feed {
        Feed {
            state: Mutex::new(State { entries: VecDeque::new(), next_seq: 0, write_version: 0, floor: slot }),
            slot: watch::channel(slot).0,
            confirm_after,
            finalize_after,
            retain_slots,
            stopped: watch::channel(false).0,
        }
    }

    /// Ends every open subscription (the node is stopping).
    pub fn stop(&self) {
        self.stopped.send_replace(true);
    }

    /// Resolves once the node stops.
    pub fn watch_stopped(&self) -> watch::Receiver<bool> {
        self.stopped.subscribe()
    }

    /// The oldest slot a subscriber can replay from.
    pub fn first_available_slot(&self) -> u64 {
        self.lock().floor
    }

    pub fn current_slot(&self) -> u64 {
        *self.slot.borrow()
    }

    pub fn watch_slot(&self) -> watch::Receiver<u64> {
        self.slot.subscribe()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a reader panicked mid-read; the data is intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, slot: u64, updates: impl IntoIterator<Item = Update>) {
        let mut s = self.lock();
        let created_at = std::time::SystemTime::now();
        for update in updates {
            let seq = s.next_seq;
            s.next_seq += 1;
            s.entries.push_back(Entry { seq, created_at, slot, update });
        }
    }

    pub fn next_seq(&self) -> u64 {
        self.lock().next_seq
    }

    /// The sequence number of the first retained entry at or after `slot`, or the oldest
    /// replayable slot when `slot` is older (left the window, or before this process started:
    /// replaying from there would silently skip what happened in between).
    pub fn seq_from_slot(&self, slot: u64) -> Result<u64, u64> {
        let s = self.lock();
        if slot < s.floor {
            return Err(s.floor);
        }
        Ok(s.entries.iter().find(|e| e.slot >= slot).map_or(s.next_seq, |e| e.seq))
    }

    /// Entries from `cursor` on whose slot is at least `age` slots old.
    pub fn read(&self, cursor: u64, age: u64) -> Read {
        let current = self.current_slot();
        let s = self.lock();
        let Some(first) = s.entries.front() else { return Read::Entries(Vec::new()) };
        if cursor < first.seq {
            return Read::Lost { oldest_slot: first.slot };
        }
        let skip = (cursor - first.seq) as usize;
        Read::Entries(s.entries.iter().skip(skip).take_while(|e| e.slot + age <= current).cloned().collect())
    }

    /// Fills the window from what the ledger held at start (oldest first), as if the feed
    /// had followed it live; replay then reaches back to the first slot the ledger holds
    /// from its beginning, within the retained window, instead of only to the restart.
    pub fn restore<'a>(&self, replayed: impl IntoIterator<Item = Restored<'a>>) {
        let current = self.current_slot();
        let window_start = current.saturating_sub(self.retain_slots);
        // Only slots whose beginning the ledger holds are complete.
        let mut floor = None;
        // The slot being replayed and how many transactions it committed so far: each one's
        // index in its block, and the block's count (the ledger holds them in execution order).
        let mut counted = (0, 0);
        for item in replayed {
            match item {
                Restored::Slot(slot) => {
                    if floor.is_none() && slot >= window_start {
                        floor = Some(slot);
                    }
                    if floor.is_some() {
                        let updates = self.slot_updates(slot);
                        self.push(slot, updates);
                    }
                }
                Restored::Transaction(committed) => {
                    let slot = committed.record.slot;
                    if counted.0 != slot {
                        counted = (slot, 0);
                    }
                    let index = counted.1;
                    counted.1 += 1;
                    if floor.is_some() {
                        let updates = self.transaction_updates(committed, index);
                        self.push(slot, updates);
                    }
                }
                Restored::Block(block) if floor.is_some_and(|f| block.slot >= f) => {
                    let executed_transaction_count = if counted.0 == block.slot { counted.1 } else { 0 };
                    self.push(block.slot, [Update::BlockMeta { block, executed_transaction_count }]);
                }
                Restored::Block(_) => {}
            }
        }
        if let Some(floor) = floor {
            let mut s = self.lock();
            s.floor = s.floor.min(floor);
        }
    }

    fn transaction_updates(&self, committed: &Committed, index: u64) -> Vec<Update> {
        let signature = committed.signature();
        let mut updates = Vec::with_capacity(committed.writes.len() + 1);
        for (pubkey, account) in &committed.writes {
            let write_version = {
                let mut s = self.lock();
                s.write_version += 1;
                s.write_version
            };
            updates.push(Update::Account {
                pubkey: *pubkey,
                account: account.clone(),
                write_version,
                signature,
            });
        }
        updates.push(Update::Transaction { signature, record: committed.record.clone(), index });
        updates
    }

    /// The slot began (processed), and the slots it confirms and finalizes.
    fn slot_updates(&self, slot: u64) -> Vec<Update> {
        let mut updates =
            vec![Update::Slot { slot, parent: slot.checked_sub(1), status: SlotStatus::Processed }];
        if let Some(s) = slot.checked_sub(self.confirm_after) {
            updates.push(Update::Slot { slot: s, parent: s.checked_sub(1), status: SlotStatus::Confirmed });
        }
        if let Some(s) = slot.checked_sub(self.finalize_after) {
            updates.push(Update::Slot { slot: s, parent: s.checked_sub(1), status: SlotStatus::Finalized });
        }
        updates
    }

    /// Follows the chain's events forever, turning them into updates.
    pub async fn run(&self, chain: SharedChain) {
        let mut events = chain.lock().await.subscribe();
        loop {
            match events.recv().await {
                Ok(ChainEvent::Transaction { slot, index, committed, .. }) => {
                    let updates = self.transaction_updates(&committed, index);
                    self.push(slot, updates);
                    self.slot.send_replace(self.current_slot());
                }
                // At its own slot, so that it reaches a commitment with the block's
                // transactions; the next slot's updates follow it.
                Ok(ChainEvent::Block { block, executed_transaction_count }) => {
                    self.push(block.slot, [Update::BlockMeta { block, executed_transaction_count }]);
                }
                Ok(ChainEvent::Slot { slot, .. }) => {
                    let updates = self.slot_updates(slot);
                    self.push(slot, updates);
                    {
                        let mut s = self.lock();
                        while s.entries.front().is_some_and(|e| e.slot + self.retain_slots < slot) {
                            s.entries.pop_front();
                        }
                        s.floor = s.floor.max(slot.saturating_sub(self.retain_slots));
                    }
                    self.slot.send_replace(slot);
                }
                // Missed chain events cannot be recovered here; keep following.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        }
    }
}

/// What the ledger held at start, for `Feed::restore`.
pub enum Restored<'a> {
    Slot(u64),
    Transaction(&'a Committed),
    /// A finished block, after its transactions and before the next `Slot`.
    Block(BlockInfo),
}
