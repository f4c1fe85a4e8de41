//! Persistence: the chain's accounts, slot and identity, saved to a data dir and restored
//! on start, so a demo and an indexer's checkpoint survive a restart. Transaction history
//! and the Geyser replay window are not kept: subscribers reconnecting across a restart
//! backfill over RPC, as they must against any cluster.
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use solana_account::Account;

use crate::bootstrap::Deployment;
use crate::chain::Chain;

const FILE: &str = "localnet-snapshot.bin";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct SavedAccount {
    pubkey: [u8; 32],
    lamports: u64,
    owner: [u8; 32],
    executable: bool,
    rent_epoch: u64,
    data: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct SavedDeployment {
    energy_mint: [u8; 32],
    quote_mint: [u8; 32],
    market: [u8; 32],
    cluster_tag: [u8; 32],
    next_proposal: u64,
}

#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    /// The chain's identity: kept across restarts (a new bank gets a new genesis).
    pub genesis_hash: String,
    pub slot: u64,
    accounts: Vec<SavedAccount>,
    deployment: Option<SavedDeployment>,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a localnet snapshot of this version ({reason}); move it away to start fresh")]
    Format { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
}

/// State worth saving: data accounts. Programs, loaders and sysvars come from the new bank.
fn worth_saving(account: &Account) -> bool {
    const NATIVE_LOADER: Pubkey = anchor_lang::pubkey!("NativeLoader1111111111111111111111111111111");
    const SYSVAR: Pubkey = anchor_lang::pubkey!("Sysvar1111111111111111111111111111111111111");
    !account.executable
        && account.owner != NATIVE_LOADER
        && account.owner != SYSVAR
        && account.owner != anchor_lang::solana_program::bpf_loader_upgradeable::ID
}

impl Snapshot {
    pub async fn capture(
        chain: &mut Chain,
        genesis_hash: String,
        deployment: Option<&Deployment>,
    ) -> Snapshot {
        let keys: Vec<Pubkey> = chain.known_accounts().copied().collect();
        let mut accounts = Vec::with_capacity(keys.len());
        for key in keys {
            if let Ok(Some(a)) = chain.account(&key).await {
                if worth_saving(&a) {
                    accounts.push(SavedAccount {
                        pubkey: key.to_bytes(),
                        lamports: a.lamports,
                        owner: a.owner.to_bytes(),
                        executable: a.executable,
                        rent_epoch: a.rent_epoch,
                        data: a.data,
                    });
                }
            }
        }
        let deployment = deployment.map(|d| SavedDeployment {
            energy_mint: d.energy_mint.to_bytes(),
            quote_mint: d.quote_mint.to_bytes(),
            market: d.market.to_bytes(),
            cluster_tag: d.cluster_tag,
            next_proposal: d.next_proposal,
        });
        Snapshot { version: VERSION, genesis_hash, slot: chain.slot, accounts, deployment }
    }

    /// Writes atomically: a crash mid-write leaves the previous snapshot intact.
    pub fn save(&self, dir: &Path) -> Result<(), SnapshotError> {
        let path = dir.join(FILE);
        let tmp = dir.join(format!("{FILE}.tmp"));
        let write_err = |source| SnapshotError::Write { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let bytes = bincode::serialize(self).map_err(|e| write_err(std::io::Error::other(e)))?;
        std::fs::write(&tmp, bytes).map_err(write_err)?;
        std::fs::rename(&tmp, &path).map_err(write_err)
    }

    pub fn load(dir: &Path) -> Result<Option<Snapshot>, SnapshotError> {
        let path = dir.join(FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SnapshotError::Read { path, source }),
        };
        let snapshot: Snapshot = bincode::deserialize(&bytes)
            .map_err(|e| SnapshotError::Format { path: path.clone(), reason: e.to_string() })?;
        if snapshot.version != VERSION {
            return Err(SnapshotError::Format { path, reason: format!("version {}", snapshot.version) });
        }
        Ok(Some(snapshot))
    }

    pub fn accounts(&self) -> impl Iterator<Item = (Pubkey, Account)> + '_ {
        self.accounts.iter().map(|a| {
            (
                Pubkey::new_from_array(a.pubkey),
                Account {
                    lamports: a.lamports,
                    data: a.data.clone(),
                    owner: Pubkey::new_from_array(a.owner),
                    executable: a.executable,
                    rent_epoch: a.rent_epoch,
                },
            )
        })
    }

    pub fn deployment(&self) -> Option<Deployment> {
        self.deployment.as_ref().map(|d| Deployment {
            energy_mint: Pubkey::new_from_array(d.energy_mint),
            quote_mint: Pubkey::new_from_array(d.quote_mint),
            market: Pubkey::new_from_array(d.market),
            cluster_tag: d.cluster_tag,
            next_proposal: d.next_proposal,
        })
    }
}
