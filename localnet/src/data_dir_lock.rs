//! One localnet per data dir. Two chains appending to one ledger would interleave their
//! records and leave a data dir neither can restart from, so the first holds an exclusive
//! lock on `<data dir>/LOCK` (an OS file lock: the kernel releases it when the process ends,
//! even by SIGKILL, so a killed localnet never leaves a stale lock behind).
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a start waits for the lock: long enough for a node of this process that was
/// just dropped to let go of it, short enough that a second localnet fails promptly.
const WAIT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("the data dir {dir} is in use by another localnet ({holder}): stop it, or give this one another --data-dir")]
    InUse { dir: PathBuf, holder: String },
    #[error("cannot lock the data dir {dir}: {source}")]
    Io { dir: PathBuf, source: std::io::Error },
}

/// Held for as long as the node runs; dropping it releases the data dir.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    pub async fn acquire(dir: &Path) -> Result<DataDirLock, LockError> {
        let io = |source| LockError::Io { dir: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("LOCK"))
            .map_err(io)?;
        let deadline = Instant::now() + WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                Err(TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    let holder = match holder.trim() {
                        "" => "pid unknown".to_string(),
                        pid => format!("pid {pid}"),
                    };
                    return Err(LockError::InUse { dir: dir.to_path_buf(), holder });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        // Who holds it, for the next one's error message.
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DataDirLock { _file: file })
    }
}
