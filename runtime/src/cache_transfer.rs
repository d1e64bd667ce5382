//! `CacheTransfer`: `planc cache export FILE [PKG…]` (the latest entry of each action,
//! or of the named packages, with their blobs, in one `.tar.zst`: Azure Linux's
//! compressed toolchain), `planc cache import FILE` (every blob verified), and
//! `planc cache gc` (keep the latest entry of each action and the blobs it needs).

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use crate::content_store::{ActionEntry, ContentStore, DiskStore, StoreError};
use crate::digest::Digest;
use crate::run_config::StateLockMode;
use crate::state_lock::{StateLock, StateLockError};

#[derive(Debug, thiserror::Error)]
pub enum CacheTransferError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lock(#[from] StateLockError),
    #[error("`{path}`: {message}")]
    File { path: String, message: String },
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct TransferStats {
    pub entries: usize,
    pub blobs: usize,
    pub removed_blobs: usize,
}

pub struct CacheTransfer;

fn latest_entries(store: &DiskStore) -> Vec<ActionEntry> {
    let mut seen = HashSet::new();
    let mut out: Vec<ActionEntry> = store.entries().into_iter().rev().filter(|e| seen.insert(e.action.clone())).collect();
    out.reverse();
    out
}

impl CacheTransfer {
    pub fn export(state_dir: &Path, file: &Path, packages: &[String]) -> Result<TransferStats, CacheTransferError> {
        let _lock = StateLock::acquire(state_dir, StateLockMode::Wait)?;
        let store = DiskStore::open(&state_dir.join("cache"))?;
        let ferr = |e: &dyn std::fmt::Display| CacheTransferError::File { path: file.display().to_string(), message: e.to_string() };
        let entries: Vec<ActionEntry> = latest_entries(&store)
            .into_iter()
            .filter(|e| packages.is_empty() || packages.iter().any(|p| e.action.split('@').next() == Some(p.as_str())))
            .collect();
        let mut tar = tar::Builder::new(Vec::new());
        let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(0);
            tar.append_data(&mut h, name, bytes)
        };
        let mut lines = Vec::new();
        let mut blobs = HashSet::new();
        for e in &entries {
            serde_json::to_writer(&mut lines, e).expect("entry serializes");
            lines.push(b'\n');
            for o in &e.outputs {
                if blobs.insert(o.digest) {
                    let bytes = store.get_compressed(&o.digest)?;
                    add(&format!("blobs/{}.tar.zst", o.digest), &bytes).map_err(|e| ferr(&e))?;
                }
            }
        }
        add("entries.jsonl", &lines).map_err(|e| ferr(&e))?;
        let bytes = tar.into_inner().map_err(|e| ferr(&e))?;
        // The blobs are compressed already.
        let out = zstd::bulk::compress(&bytes, 1).map_err(|e| ferr(&e))?;
        crate::atomic_file::write_durable(file, &out).map_err(|e| ferr(&e))?;
        Ok(TransferStats { entries: entries.len(), blobs: blobs.len(), removed_blobs: 0 })
    }

    pub fn import(state_dir: &Path, file: &Path) -> Result<TransferStats, CacheTransferError> {
        let _lock = StateLock::acquire(state_dir, StateLockMode::Wait)?;
        let store = DiskStore::open(&state_dir.join("cache"))?;
        let ferr = |e: &dyn std::fmt::Display| CacheTransferError::File { path: file.display().to_string(), message: e.to_string() };
        let f = std::fs::File::open(file).map_err(|e| ferr(&e))?;
        let mut archive = tar::Archive::new(zstd::stream::read::Decoder::new(f).map_err(|e| ferr(&e))?);
        let mut stats = TransferStats::default();
        let mut entries = Vec::new();
        for entry in archive.entries().map_err(|e| ferr(&e))? {
            let mut entry = entry.map_err(|e| ferr(&e))?;
            let path = entry.path().map_err(|e| ferr(&e))?.to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(|e| ferr(&e))?;
            if path == "entries.jsonl" {
                for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    entries.push(serde_json::from_slice::<ActionEntry>(line).map_err(|e| ferr(&e))?);
                }
            } else if let Some(d) = path.strip_prefix("blobs/").and_then(|p| p.strip_suffix(".tar.zst")).and_then(|h| h.parse::<Digest>().ok()) {
                store.put_compressed(&d, &bytes)?;
                stats.blobs += 1;
            }
        }
        for e in entries {
            store.record(e)?;
            stats.entries += 1;
        }
        store.flush()?;
        Ok(stats)
    }

    pub fn gc(state_dir: &Path) -> Result<TransferStats, CacheTransferError> {
        let _lock = StateLock::acquire(state_dir, StateLockMode::Refuse)?;
        let store = DiskStore::open(&state_dir.join("cache"))?;
        let keep = latest_entries(&store);
        let live: HashSet<Digest> = keep.iter().flat_map(|e| e.outputs.iter().map(|o| o.digest)).collect();
        let mut removed = store.rewrite_log(&keep)?;
        for (d, path) in store.blob_files() {
            if !live.contains(&d) && std::fs::remove_file(path).is_ok() {
                removed += 1;
            }
        }
        Ok(TransferStats { entries: keep.len(), blobs: live.len(), removed_blobs: removed })
    }
}
