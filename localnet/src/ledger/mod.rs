//! The ledger: an append-only log, in the data dir, of everything the chain committed — one
//! record per slot and per transaction, the transaction carrying the state of every account
//! it could write and what its history needs. The chain writes a transaction's record when
//! the bank commits it and fsyncs the log when the next slot begins, before that slot (and so
//! the transaction's `confirmed`) is reported to anyone; a restart loads the last snapshot
//! and replays the log over it. Snapshots compact it: each one starts a new segment file and
//! names the first segment whose account writes it does not hold, and segments older than
//! both that and what the retained history and Geyser window need are deleted.
//! (docs/architecture.md, "localnet survives kill -9")
pub mod frame;
mod record;

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use record::{Record, READABLE_VERSIONS, VERSION};

use crate::blocks::BlockInfo;

use crate::chain::{Committed, TxRecord};

const FOLDER: &str = "ledger";
const EXTENSION: &str = "log";
/// Records are buffered until the slot's fsync; a fuller buffer is written through earlier.
const BUFFER: usize = 256 * 1024;

/// One record read back when the ledger is opened, in the order it was written.
pub enum Replayed {
    Slot(u64),
    /// A transaction, and the segment it came from (a snapshot names the first segment whose
    /// account writes it does not already hold).
    Transaction {
        segment: u64,
        committed: Committed,
    },
    /// A block finished.
    Block(BlockInfo),
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("cannot read the ledger at {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write the ledger at {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{path} is damaged at byte {offset} ({reason}); only the newest segment can end in a torn record. Move the data dir away to start a fresh chain")]
    Corrupt { path: PathBuf, offset: usize, reason: String },
    #[error("{path} belongs to another chain (genesis hash {found}, the snapshot's is {expected}); move the data dir away to start a fresh chain")]
    OtherChain { path: PathBuf, found: String, expected: String },
    #[error("{path} is a ledger segment of version {found}; this localnet reads versions 1 to {VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error(
        "{dir} holds a ledger but no snapshot to replay it on; move the data dir away to start a fresh chain"
    )]
    WithoutSnapshot { dir: PathBuf },
}

struct Segment {
    id: u64,
    /// The newest slot this segment holds a record of.
    last_slot: u64,
}

pub struct Ledger {
    dir: PathBuf,
    genesis_hash: String,
    /// Segments no longer written to, oldest first.
    closed: VecDeque<Segment>,
    current: Segment,
    out: File,
    /// Records appended since the last write to `out`. Dropped, not written, when the ledger
    /// is: a chain that is gone writes nothing more (a restarted one may be reading the file).
    buffer: Vec<u8>,
}

fn segment_path(dir: &Path, id: u64) -> PathBuf {
    dir.join(format!("{id:020}.{EXTENSION}"))
}

/// The ids of the segments in `dir`, oldest first.
fn segment_ids(dir: &Path) -> Result<Vec<u64>, LedgerError> {
    let read_err = |source| LedgerError::Read { path: dir.to_path_buf(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_err(e)),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let path = entry.map_err(read_err)?.path();
        if path.extension().is_some_and(|e| e == EXTENSION) {
            if let Some(id) = path.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse().ok()) {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Makes a new or removed file name in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Ledger {
    /// Whether `data_dir` holds ledger segments.
    pub fn exists(data_dir: &Path) -> Result<bool, LedgerError> {
        Ok(!segment_ids(&data_dir.join(FOLDER))?.is_empty())
    }

    /// Reads every segment, oldest first, handing each record to `replay`; cuts a torn tail
    /// off the newest segment (and says so on stderr: those bytes were never fsynced, so
    /// nothing in them was ever reported confirmed); then starts a new segment for what
    /// comes next.
    pub fn open(
        data_dir: &Path,
        genesis_hash: &str,
        mut replay: impl FnMut(Replayed),
    ) -> Result<Ledger, LedgerError> {
        let dir = data_dir.join(FOLDER);
        let ids = segment_ids(&dir)?;
        let mut closed = VecDeque::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            let newest = i + 1 == ids.len();
            closed.push_back(read_segment(&dir, id, newest, genesis_hash, &mut replay)?);
        }
        let next = ids.last().map_or(0, |id| id + 1);
        let last_slot = closed.back().map_or(0, |s| s.last_slot);
        let out = create_segment(&dir, next, genesis_hash)?;
        Ok(Ledger {
            dir,
            genesis_hash: genesis_hash.to_string(),
            closed,
            current: Segment { id: next, last_slot },
            out,
            buffer: Vec::with_capacity(BUFFER),
        })
    }

    /// Appends `record` to the current segment (buffered: durable at the next `seal`).
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let payload = bincode::serialize(record).map_err(std::io::Error::other)?;
        frame::write(&mut self.buffer, &payload)?;
        if self.buffer.len() >= BUFFER {
            self.out.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        match record {
            Record::Slot { slot } => self.current.last_slot = self.current.last_slot.max(*slot),
            Record::Transaction { record, .. } => {
                self.current.last_slot = self.current.last_slot.max(record.slot)
            }
            Record::Block(block) => self.current.last_slot = self.current.last_slot.max(block.slot),
            Record::Header { .. } | Record::TransactionV1 { .. } | Record::TransactionV2 { .. } => {}
        }
        Ok(())
    }

    /// Makes everything appended so far durable.
    pub fn seal(&mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        self.out.sync_data()
    }

    /// Seals the current segment and starts a new one; returns the new segment's id (a
    /// snapshot taken now holds every account write of the segments before it).
    pub fn rotate(&mut self) -> Result<u64, LedgerError> {
        let next = self.current.id + 1;
        self.seal().map_err(|source| LedgerError::Write {
            path: segment_path(&self.dir, self.current.id),
            source,
        })?;
        let out = create_segment(&self.dir, next, &self.genesis_hash)?;
        let last_slot = self.current.last_slot;
        let old = std::mem::replace(&mut self.current, Segment { id: next, last_slot });
        self.closed.push_back(old);
        self.out = out;
        Ok(next)
    }

    /// Deletes the oldest segments that a saved snapshot covers (their id is below
    /// `covered_below`) and that hold nothing of `keep_from_slot` or later (what the retained
    /// history and Geyser window still need). A segment that cannot be deleted is kept, and
    /// said so on stderr; it is tried again at the next snapshot.
    pub fn prune(&mut self, covered_below: u64, keep_from_slot: u64) {
        while let Some(oldest) = self.closed.front() {
            if oldest.id >= covered_below || oldest.last_slot >= keep_from_slot {
                return;
            }
            let path = segment_path(&self.dir, oldest.id);
            if let Err(e) = std::fs::remove_file(&path) {
                eprintln!("localnet: cannot delete the compacted ledger segment {}: {e}", path.display());
                return;
            }
            self.closed.pop_front();
        }
        // A deleted segment that reappears after a crash is only replayed again: harmless.
        let _ = sync_dir(&self.dir);
    }

    /// Segments on disk (the current one included).
    pub fn segments(&self) -> usize {
        self.closed.len() + 1
    }
}

fn create_segment(dir: &Path, id: u64, genesis_hash: &str) -> Result<File, LedgerError> {
    let path = segment_path(dir, id);
    let write_err = |source| LedgerError::Write { path: path.clone(), source };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    let mut file =
        std::fs::OpenOptions::new().create_new(true).append(true).open(&path).map_err(write_err)?;
    let header = Record::Header { version: VERSION, genesis_hash: genesis_hash.to_string() };
    let payload = bincode::serialize(&header).map_err(|e| write_err(std::io::Error::other(e)))?;
    let mut framed = Vec::new();
    frame::write(&mut framed, &payload).map_err(write_err)?;
    file.write_all(&framed).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    sync_dir(dir).map_err(write_err)?;
    Ok(file)
}

fn read_segment(
    dir: &Path,
    id: u64,
    newest: bool,
    genesis_hash: &str,
    replay: &mut impl FnMut(Replayed),
) -> Result<Segment, LedgerError> {
    let path = segment_path(dir, id);
    let bytes = std::fs::read(&path).map_err(|source| LedgerError::Read { path: path.clone(), source })?;
    let frames = frame::read(&bytes);
    if let Some(reason) = &frames.torn {
        if !newest {
            return Err(LedgerError::Corrupt { path, offset: frames.complete, reason: reason.clone() });
        }
        eprintln!(
            "localnet: dropped a torn tail of {} bytes at the end of {} ({reason}): a record the last run was writing when it stopped, never fsynced and so never reported confirmed",
            bytes.len() - frames.complete,
            path.display()
        );
        let cut = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_len(frames.complete as u64).and_then(|()| f.sync_all()));
        cut.map_err(|source| LedgerError::Write { path: path.clone(), source })?;
    }
    let mut segment = Segment { id, last_slot: 0 };
    let mut offset = 0usize;
    for (i, payload) in frames.payloads.iter().enumerate() {
        let corrupt = |reason: String| LedgerError::Corrupt { path: path.clone(), offset, reason };
        let record: Record = bincode::deserialize(payload).map_err(|e| corrupt(e.to_string()))?;
        match (i, record) {
            (0, Record::Header { version, genesis_hash: found }) => {
                if !READABLE_VERSIONS.contains(&version) {
                    return Err(LedgerError::Version { path, found: version });
                }
                if found != genesis_hash {
                    return Err(LedgerError::OtherChain { path, found, expected: genesis_hash.to_string() });
                }
            }
            (0, _) | (_, Record::Header { .. }) => {
                return Err(corrupt("a segment starts with its header, and has only one".into()))
            }
            (_, Record::Slot { slot }) => {
                segment.last_slot = segment.last_slot.max(slot);
                replay(Replayed::Slot(slot));
            }
            (_, Record::Transaction { record, writes }) => {
                segment.last_slot = segment.last_slot.max(record.slot);
                replay(Replayed::Transaction { segment: id, committed: (record, writes).into() });
            }
            (_, Record::TransactionV2 { record, writes }) => {
                let record = TxRecord::from(record);
                segment.last_slot = segment.last_slot.max(record.slot);
                replay(Replayed::Transaction { segment: id, committed: (record, writes).into() });
            }
            (_, Record::TransactionV1 { record, writes }) => {
                let record = TxRecord::from(record);
                segment.last_slot = segment.last_slot.max(record.slot);
                replay(Replayed::Transaction { segment: id, committed: (record, writes).into() });
            }
            (_, Record::Block(block)) => {
                segment.last_slot = segment.last_slot.max(block.slot);
                replay(Replayed::Block(block));
            }
        }
        offset += frame::HEADER + payload.len();
    }
    Ok(segment)
}
