//! Persistence: the chain's accounts, slot and identity, saved to a data dir every
//! `SNAPSHOT_INTERVAL` and restored on start. What happened since the last snapshot — and
//! the transaction history and Geyser window — is in the ledger (`crate::ledger`), which a
//! snapshot compacts: it names the first ledger segment whose account writes it does not
//! hold.
use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Serialize};
use solana_account::Account;

use crate::bootstrap::Deployment;
use crate::chain::Chain;

const FILE: &str = "localnet-snapshot.bin";
/// Version 2 added `log_from`; a version 1 snapshot (no ledger) is still read.
const VERSION: u32 = 2;

/// An account as snapshots and ledger records hold it.
#[derive(Serialize, Deserialize)]
pub struct SavedAccount {
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
    /// The first ledger segment whose account writes this snapshot does not hold.
    pub log_from: u64,
}

/// What version 1 wrote: no ledger.
#[derive(Deserialize)]
struct SnapshotV1 {
    version: u32,
    genesis_hash: String,
    slot: u64,
    accounts: Vec<SavedAccount>,
    deployment: Option<SavedDeployment>,
}

impl SavedAccount {
    pub fn new(key: &Pubkey, a: &Account) -> SavedAccount {
        SavedAccount {
            pubkey: key.to_bytes(),
            lamports: a.lamports,
            owner: a.owner.to_bytes(),
            executable: a.executable,
            rent_epoch: a.rent_epoch,
            data: a.data.clone(),
        }
    }

    pub fn to_account(&self) -> (Pubkey, Account) {
        (
            Pubkey::new_from_array(self.pubkey),
            Account {
                lamports: self.lamports,
                data: self.data.clone(),
                owner: Pubkey::new_from_array(self.owner),
                executable: self.executable,
                rent_epoch: self.rent_epoch,
            },
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a localnet snapshot of this version ({reason}); move it away to start fresh")]
    Format { path: PathBuf, reason: String },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot start a new ledger segment for the snapshot: {0}")]
    Ledger(String),
}

/// State worth saving: data accounts. Programs, loaders and sysvars come from the new bank.
pub fn worth_saving(account: &Account) -> bool {
    const NATIVE_LOADER: Pubkey = anchor_lang::pubkey!("NativeLoader1111111111111111111111111111111");
    const SYSVAR: Pubkey = anchor_lang::pubkey!("Sysvar1111111111111111111111111111111111111");
    !account.executable
        && account.owner != NATIVE_LOADER
        && account.owner != SYSVAR
        && account.owner != anchor_lang::solana_program::bpf_loader_upgradeable::ID
}

impl Snapshot {
    /// The chain's accounts now; `log_from` is the ledger segment that starts now.
    pub async fn capture(
        chain: &mut Chain,
        genesis_hash: String,
        deployment: Option<&Deployment>,
        log_from: u64,
    ) -> Snapshot {
        let keys: Vec<Pubkey> = chain.known_accounts().copied().collect();
        let mut accounts = Vec::with_capacity(keys.len());
        for key in keys {
            if let Ok(Some(a)) = chain.account(&key).await {
                if worth_saving(&a) {
                    accounts.push(SavedAccount::new(&key, &a));
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
        Snapshot { version: VERSION, genesis_hash, slot: chain.slot, accounts, deployment, log_from }
    }

    /// Writes atomically and durably (the ledger segments it covers are deleted next): a
    /// crash mid-write leaves the previous snapshot intact.
    pub fn save(&self, dir: &Path) -> Result<(), SnapshotError> {
        let path = dir.join(FILE);
        let tmp = dir.join(format!("{FILE}.tmp"));
        let write_err = |source| SnapshotError::Write { path: path.clone(), source };
        std::fs::create_dir_all(dir).map_err(write_err)?;
        let bytes = bincode::serialize(self).map_err(|e| write_err(std::io::Error::other(e)))?;
        let mut file = std::fs::File::create(&tmp).map_err(write_err)?;
        std::io::Write::write_all(&mut file, &bytes).map_err(write_err)?;
        file.sync_all().map_err(write_err)?;
        std::fs::rename(&tmp, &path).map_err(write_err)?;
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(write_err)
    }

    pub fn load(dir: &Path) -> Result<Option<Snapshot>, SnapshotError> {
        let path = dir.join(FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(SnapshotError::Read { path, source }),
        };
        let format_err = |reason: String| SnapshotError::Format { path: path.clone(), reason };
        // bincode writes the leading u32 as 4 little-endian bytes.
        let version = bytes.first_chunk::<4>().map(|v| u32::from_le_bytes(*v));
        let snapshot = match version {
            Some(VERSION) => {
                bincode::deserialize::<Snapshot>(&bytes).map_err(|e| format_err(e.to_string()))?
            }
            Some(1) => {
                let v1: SnapshotV1 = bincode::deserialize(&bytes).map_err(|e| format_err(e.to_string()))?;
                Snapshot {
                    version: v1.version,
                    genesis_hash: v1.genesis_hash,
                    slot: v1.slot,
                    accounts: v1.accounts,
                    deployment: v1.deployment,
                    log_from: 0,
                }
            }
            Some(other) => return Err(format_err(format!("version {other}"))),
            None => return Err(format_err("shorter than its version".into())),
        };
        Ok(Some(snapshot))
    }

    pub fn accounts(&self) -> impl Iterator<Item = (Pubkey, Account)> + '_ {
        self.accounts.iter().map(SavedAccount::to_account)
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
