//! `StateLock`: an exclusive `flock` on `STATE/lock` for the length of a run; a second
//! concurrent run refuses with a clear message, or waits (`--wait`).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use crate::run_config::StateLockMode;

#[derive(Debug, thiserror::Error)]
pub enum StateLockError {
    #[error("another planc run (pid {pid}) is using the state dir `{dir}`\nhelp: wait for it to finish, or pass `--wait` to queue behind it")]
    Busy { dir: PathBuf, pid: String },
    #[error("cannot lock the state dir `{dir}`: {source}")]
    Io { dir: PathBuf, source: std::io::Error },
}

pub struct StateLock {
    _lock: Flock<File>,
}

impl StateLock {
    pub fn acquire(state_dir: &Path, mode: StateLockMode) -> Result<StateLock, StateLockError> {
        let io = |source| StateLockError::Io { dir: state_dir.to_owned(), source };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(state_dir.join("lock")).map_err(io)?;
        let arg = match mode {
            StateLockMode::Refuse => FlockArg::LockExclusiveNonblock,
            StateLockMode::Wait => FlockArg::LockExclusive,
        };
        let mut lock = match Flock::lock(file, arg) {
            Ok(l) => l,
            Err((mut file, _)) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                return Err(StateLockError::Busy { dir: state_dir.to_owned(), pid: pid.trim().to_owned() });
            }
        };
        let _ = lock.set_len(0);
        let _ = lock.rewind();
        let _ = write!(lock, "{}", std::process::id());
        Ok(StateLock { _lock: lock })
    }
}
