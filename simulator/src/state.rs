//! A run's state on disk, so that a restarted simulator continues where it stopped instead of
//! replaying: the whole fleet (meters' registers, batteries, random generators, clock) and
//! the on-chain meters' owner keys, per cluster.
//!
//! The file is rewritten atomically (temp file + rename) after an interval has been emitted,
//! at most every `SAVE_EVERY`. A crash between two saves re-simulates the same intervals from
//! the saved generators, so the readings are byte-identical and the chain refuses the ones
//! that already landed as `ReadingReplayed`: nothing is minted twice and nothing is skipped.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;

use crate::fleet::Fleet;
use crate::post::ChainMeter;

pub const SCHEMA: &str = "gridtokenx.simulator-state.v1";
pub const SAVE_EVERY: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize)]
pub struct SavedRun {
    pub schema: String,
    pub fleet: Fleet,
    /// Where the meters below are registered: the energy program's cluster tag (base58).
    pub cluster_tag: Option<String>,
    /// On-chain meters, by fleet index (a prefix of the fleet when meters were added later).
    pub chain_meters: Vec<SavedMeter>,
}

#[derive(Serialize, Deserialize)]
pub struct SavedMeter {
    /// The household's key: it owns the meter account and receives the minted energy.
    pub owner: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read state file {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("state file {0} is not a simulator state ({1}); move it away or pass another --state")]
    Format(PathBuf, String),
    #[error("cannot write state file {0}: {1}")]
    Write(PathBuf, std::io::Error),
    #[error(
        "state file {path} belongs to cluster {saved}, not {current}; pass another --state for this cluster"
    )]
    OtherCluster { path: PathBuf, saved: String, current: String },
}

pub struct StateFile {
    path: PathBuf,
    last_save: Option<Instant>,
}

impl StateFile {
    pub fn new(path: impl Into<PathBuf>) -> StateFile {
        StateFile { path: path.into(), last_save: None }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved run, or `None` when the file does not exist yet.
    pub fn load(&self) -> Result<Option<SavedRun>, StateError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StateError::Read(self.path.clone(), e)),
        };
        let saved: SavedRun =
            serde_json::from_str(&text).map_err(|e| StateError::Format(self.path.clone(), e.to_string()))?;
        if saved.schema != SCHEMA {
            return Err(StateError::Format(self.path.clone(), format!("schema {:?}", saved.schema)));
        }
        Ok(Some(saved))
    }

    /// Saves unless the last save was less than `SAVE_EVERY` ago (or `force`).
    pub fn save(
        &mut self,
        fleet: &Fleet,
        cluster_tag: Option<&[u8; 32]>,
        chain_meters: &[ChainMeter],
        force: bool,
    ) -> Result<(), StateError> {
        if !force && self.last_save.is_some_and(|t| t.elapsed() < SAVE_EVERY) {
            return Ok(());
        }
        let saved = SavedRunRef {
            schema: SCHEMA,
            fleet,
            cluster_tag: cluster_tag.map(bs58_encode),
            chain_meters: chain_meters
                .iter()
                .map(|m| SavedMeter { owner: m.owner.to_bytes().to_vec() })
                .collect(),
        };
        let write_err = |e| StateError::Write(self.path.clone(), e);
        let tmp = self.path.with_extension("tmp");
        let mut file = create_private(&tmp).map_err(write_err)?;
        let mut writer = std::io::BufWriter::new(&mut file);
        serde_json::to_writer(&mut writer, &saved).map_err(|e| write_err(std::io::Error::other(e)))?;
        writer.flush().map_err(write_err)?;
        drop(writer);
        file.sync_all().map_err(write_err)?;
        std::fs::rename(&tmp, &self.path).map_err(write_err)?;
        self.last_save = Some(Instant::now());
        Ok(())
    }
}

impl SavedRun {
    /// Checks that the saved meters belong to `cluster_tag` and returns their owners' keys.
    pub fn owners_for(&self, path: &Path, cluster_tag: &[u8; 32]) -> Result<Vec<Keypair>, StateError> {
        let current = bs58_encode(cluster_tag);
        match &self.cluster_tag {
            Some(saved) if *saved != current => {
                return Err(StateError::OtherCluster { path: path.into(), saved: saved.clone(), current })
            }
            None if !self.chain_meters.is_empty() => {
                return Err(StateError::Format(path.into(), "meters without a cluster".into()))
            }
            _ => {}
        }
        self.chain_meters
            .iter()
            .map(|m| {
                Keypair::try_from(m.owner.as_slice())
                    .map_err(|_| StateError::Format(path.into(), "a meter owner key is not 64 bytes".into()))
            })
            .collect()
    }
}

/// Borrowing twin of `SavedRun`, so that saving does not clone a large fleet.
#[derive(Serialize)]
struct SavedRunRef<'a> {
    schema: &'static str,
    fleet: &'a Fleet,
    cluster_tag: Option<String>,
    chain_meters: Vec<SavedMeter>,
}

fn bs58_encode(bytes: &[u8; 32]) -> String {
    anchor_lang::prelude::Pubkey::new_from_array(*bytes).to_string()
}

/// The file holds households' private keys: readable by its owner only.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
