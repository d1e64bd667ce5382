//! `LogPool`: scratch log files (`STATE/logs/.scratch-N.log`) that an attempt writes
//! to, so that an action that prints nothing costs no new file: its scratch file is
//! truncated and reused by the next attempt. An attempt that printed something, or
//! failed, has its scratch file renamed to `logs/ID.log`. Scratch files are left in
//! place at the end of a run: the next run (the state dir is locked, so there is one
//! at a time) truncates and reuses them by name.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct LogPool {
    root: PathBuf,
    idle: Mutex<Vec<PathBuf>>,
    next: AtomicU64,
}

/// The scratch log of one attempt, holding `header` first.
pub struct ScratchLog {
    pub path: PathBuf,
    header_len: u64,
}

impl LogPool {
    pub fn new(root: &Path) -> LogPool {
        LogPool { root: root.to_owned(), idle: Mutex::new(Vec::new()), next: AtomicU64::new(0) }
    }

    /// A scratch log holding only `header`.
    pub fn take(&self, header: &str) -> io::Result<ScratchLog> {
        let idle = self.idle.lock().expect("log pool poisoned").pop();
        let path = idle.unwrap_or_else(|| {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            self.root.join(format!(".scratch-{n}.log"))
        });
        // Overwritten and cut to the header, not truncated to nothing: the file keeps
        // its block, so a reused scratch log frees and allocates nothing.
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(false).open(&path)?;
        f.write_all(header.as_bytes())?;
        f.set_len(header.len() as u64)?;
        Ok(ScratchLog { path, header_len: header.len() as u64 })
    }

    /// Ends an attempt: the scratch log becomes `log` when the attempt printed
    /// something or `keep` says so (a failure); otherwise it goes back to the pool and
    /// a `log` left by an earlier run is removed.
    pub fn finish(&self, scratch: ScratchLog, log: &Path, keep: bool) -> io::Result<()> {
        let printed = fs::metadata(&scratch.path).map(|m| m.len() > scratch.header_len).unwrap_or(true);
        if keep || printed {
            return fs::rename(&scratch.path, log);
        }
        self.idle.lock().expect("log pool poisoned").push(scratch.path);
        match fs::remove_file(log) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

}
