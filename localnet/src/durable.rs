//! A data dir's chain: restored on start from the last snapshot and the ledger after it,
//! and checkpointed while running (a snapshot, which lets the ledger drop what it covers).
use std::collections::HashMap;
use std::path::Path;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;

use crate::bootstrap::Deployment;
use crate::ledger::{Ledger, LedgerError, Replayed};
use crate::rpc::SharedChain;
use crate::snapshot::{worth_saving, Snapshot, SnapshotError};

/// What a data dir held.
pub struct Restored {
    pub snapshot: Snapshot,
    /// The accounts after the last record on disk: the snapshot's, with the ledger's writes
    /// after it applied in order. Closed accounts are gone; programs, loaders and sysvars
    /// come from the new bank.
    pub accounts: Vec<(Pubkey, Account)>,
    /// The newest slot the snapshot or the ledger holds (reported, at most, as current).
    pub slot: u64,
    /// Every ledger record, in order: the history and the Geyser window are rebuilt from them.
    pub replayed: Vec<Replayed>,
    /// Open for appending, in a new segment.
    pub ledger: Ledger,
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Reads `dir`; `None` when it holds no chain yet.
pub fn restore(dir: &Path) -> Result<Option<Restored>, RestoreError> {
    let Some(snapshot) = Snapshot::load(dir)? else {
        if Ledger::exists(dir)? {
            return Err(LedgerError::WithoutSnapshot { dir: dir.to_path_buf() }.into());
        }
        return Ok(None);
    };
    let mut accounts: HashMap<Pubkey, Account> = snapshot.accounts().collect();
    let mut slot = snapshot.slot;
    let mut replayed = Vec::new();
    let ledger = Ledger::open(dir, &snapshot.genesis_hash, |record| {
        match &record {
            Replayed::Slot(s) => slot = slot.max(*s),
            // A block's slot is followed by the next `Slot` record.
            Replayed::Block(_) => {}
            Replayed::Transaction { segment, committed } => {
                slot = slot.max(committed.record.slot);
                // Older segments' writes are in the snapshot already (replaying them again
                // would be harmless, only slower: the newest write wins either way).
                if *segment >= snapshot.log_from {
                    accounts.extend(committed.writes.iter().cloned());
                }
            }
        }
        replayed.push(record);
    })?;
    let accounts = accounts.into_iter().filter(|(_, a)| a.lamports > 0 && worth_saving(a)).collect();
    Ok(Some(Restored { snapshot, accounts, slot, replayed, ledger }))
}

/// Saves a snapshot of the chain to `dir`, then deletes the ledger segments it covers that
/// the retained history and Geyser window no longer need. `serial` keeps checkpoints one at
/// a time: a later snapshot overwritten by an earlier one must not have deleted segments the
/// earlier one still needs.
pub async fn checkpoint(
    chain: &SharedChain,
    dir: &Path,
    genesis_hash: &str,
    deployment: Option<&Deployment>,
    serial: &tokio::sync::Mutex<()>,
) -> Result<(), SnapshotError> {
    let _one_at_a_time = serial.lock().await;
    let snapshot = {
        let mut c = chain.lock().await;
        let log_from = c.rotate_ledger().map_err(|e| SnapshotError::Ledger(e.to_string()))?;
        Snapshot::capture(&mut c, genesis_hash.to_string(), deployment, log_from).await
    };
    // Written without the chain: the chain keeps serving meanwhile.
    snapshot.save(dir)?;
    chain.lock().await.prune_ledger(snapshot.log_from);
    Ok(())
}
