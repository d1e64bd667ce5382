//! `StatMemo`: `STATE/dag.stat`, the sha256 of the last DAG file a run read, keyed by
//! what `stat` says of the file (like git's index), so that a rerun on an unchanged DAG
//! neither reads nor hashes megabytes of JSON to find its snapshot.
//!
//! The stamp is the file's device, inode, size, mtime and ctime (seconds and
//! nanoseconds). Any write to the file changes its ctime, which no program can set back;
//! a file replaced by another gets another inode. A write within the timestamp
//! granularity of the write the memo was taken after could leave the same stamp (git's
//! "racy clean" problem), so a memo is only recorded for a file whose mtime and ctime are
//! at least `SETTLED` older than the moment, before the file was looked at, the hash was
//! started: a later write then stamps a later time. A file modified more recently is
//! hashed again next run, until it has settled. Only regular files have a stamp: what
//! a pipe or a device yields is not described by its stat, so it is hashed every run.
//!
//! The memo is only a cache, and it never enters an action key: one that is missing,
//! damaged (its sha256 differs) or of another stamp is ignored and the file hashed.
//!
//! Format version 1 (128 bytes): the 8-byte magic `PLNCSTM\x01`, the device, inode and
//! size (u64), the mtime and ctime (seconds and nanoseconds, i64), the file's sha256 (32
//! bytes), then the sha256 of everything before it; integers little-endian.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::digest::Digest;

/// The memo's file name in the state dir.
pub const MEMO_FILE: &str = "dag.stat";

const MAGIC: &[u8; 8] = b"PLNCSTM\x01";
/// Magic, seven integers and the file's digest: what the trailing sha256 covers.
const BODY_LEN: usize = 8 + 7 * 8 + 32;

/// How long ago a file must have last changed for its memo to be recorded: well above
/// any filesystem's timestamp granularity and the lag of the kernel's coarse clock.
const SETTLED: Duration = Duration::from_secs(2);

/// What `stat` says of a file: it changes with every write to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileStamp {
    /// The stamp of a regular file; `None` for anything else (a pipe's or a device's
    /// content is not what its stat describes).
    pub fn of(meta: &Metadata) -> Option<FileStamp> {
        meta.is_file().then(|| FileStamp {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Whether the file last changed `SETTLED` or more before `started`, the moment
    /// before it was stamped and read: then a write after the read stamps a later time.
    pub fn settled(&self, started: SystemTime) -> bool {
        let Ok(since_epoch) = started.duration_since(UNIX_EPOCH) else { return false };
        let Some(limit) = since_epoch.checked_sub(SETTLED) else { return false };
        let before = |(s, ns): (i64, i64)| {
            u64::try_from(s).is_ok_and(|s| Duration::new(s, ns.clamp(0, 999_999_999) as u32) < limit)
        };
        before(self.mtime) && before(self.ctime)
    }
}

/// The sha256 of a file as it was when it had `stamp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatMemo {
    pub stamp: FileStamp,
    pub digest: Digest,
}

impl StatMemo {
    /// The memo in `path`, when it is intact.
    pub fn read(path: &Path) -> Option<StatMemo> {
        StatMemo::decode(&std::fs::read(path).ok()?)
    }

    /// Replaces the memo in `path` (best effort: without it, the next run hashes).
    pub fn write(&self, path: &Path) {
        let _ = crate::atomic_file::write_atomic(path, &self.encode());
    }

    fn encode(&self) -> Vec<u8> {
        let s = &self.stamp;
        let mut out = Vec::with_capacity(BODY_LEN + 32);
        out.extend_from_slice(MAGIC);
        for n in [s.dev, s.ino, s.size] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        for n in [s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&self.digest.0);
        let check = Digest::of(&out);
        out.extend_from_slice(&check.0);
        out
    }

    fn decode(bytes: &[u8]) -> Option<StatMemo> {
        if bytes.len() != BODY_LEN + 32 || &bytes[..8] != MAGIC || bytes[BODY_LEN..] != Digest::of(&bytes[..BODY_LEN]).0 {
            return None;
        }
        let word = |i: usize| -> [u8; 8] { bytes[8 + 8 * i..16 + 8 * i].try_into().expect("8 bytes") };
        let (u, i) = (|n| u64::from_le_bytes(word(n)), |n| i64::from_le_bytes(word(n)));
        let stamp = FileStamp { dev: u(0), ino: u(1), size: u(2), mtime: (i(3), i(4)), ctime: (i(5), i(6)) };
        Some(StatMemo { stamp, digest: Digest(bytes[BODY_LEN - 32..BODY_LEN].try_into().ok()?) })
    }
}

#[cfg(test)]
mod tests;
