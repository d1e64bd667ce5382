//! `ContentStore`: the cache. Blobs (zstd-compressed canonical tar streams) addressed by
//! the sha256 of their uncompressed content, and action entries mapping an action key to
//! the digests of the outputs it produced. A real store on disk and a fake in memory.
//!
//! On disk (`STATE/cache/`): `blobs/HASH.tar.zst`, `tmp/` for writes in flight, and
//! `actions.bin`, the binary action log (`action_log`), read with one `read` at open and
//! indexed in place (`Index`: key → where the entry is in the log's bytes); blobs of at
//! most `INLINE_MAX` compressed bytes are records of the log, not files.
//! Durability is a group commit: a blob is written to `tmp/`; a committer thread
//! gathers for up to `COMMIT_WINDOW`, then fsyncs every pending blob (in parallel, so
//! the filesystem merges them), renames them into `blobs/`, fsyncs the directory, and
//! only then appends the records that refer to them to the log and fsyncs it. A run
//! killed at any moment leaves every logged entry pointing at complete blobs; a torn or
//! damaged tail of the log is cut off on load. Every read re-hashes the blob: a corrupt
//! one is deleted and reported, never used. A JSON `actions.log` of an older planc is
//! converted on open.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::action_log::{self, Decoded, LogRecord, NotALog, Peek};
use crate::digest::{Digest, DigestMap, DigestSet};
use crate::tree_archive::TreeArchive;

/// What a successful action left in the cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionEntry {
    pub key: Digest,
    /// The action id (`PACKAGE@STAGE`): `cache gc` keeps the latest entry of each.
    pub action: String,
    /// The hash of the action's own definition (without its inputs), to tell a rebuild
    /// caused by an edit from one cascading from a dependency.
    pub definition: Digest,
    pub outputs: Vec<OutputDigest>,
    pub duration_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputDigest {
    pub name: String,
    pub digest: Digest,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cache blob {0} is missing")]
    Missing(Digest),
    #[error("cache blob {0} was corrupt (its content does not match its hash); it was deleted")]
    Corrupt(Digest),
    #[error("cache i/o on `{path}`: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cache commit failed: {0}")]
    Commit(String),
    #[error("cache log `{path}`: {source}\nhelp: move it away to start with an empty cache")]
    Log { path: PathBuf, source: NotALog },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_owned(), source }
}

/// The cache, abstract so that the scheduler and executor can be tested without disks
/// (ninja's `DiskInterface`).
pub trait ContentStore: Send + Sync {
    /// Stores a tree's archive under its digest (a no-op if present).
    fn put(&self, archive: &TreeArchive) -> Result<(), StoreError>;
    /// The uncompressed tar stream of a blob, verified against its digest.
    fn get(&self, digest: &Digest) -> Result<Vec<u8>, StoreError>;
    /// The compressed bytes of a blob as stored (for exports), not verified.
    fn get_compressed(&self, digest: &Digest) -> Result<Vec<u8>, StoreError>;
    /// Stores already-compressed bytes after checking they decompress to `digest`.
    fn put_compressed(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError>;
    fn lookup(&self, key: &Digest) -> Option<ActionEntry>;
    /// The outputs of `key`'s entry: all a cache hit needs, without copying the entry's
    /// action id (20,000 strings on a large no-op).
    fn cached_outputs(&self, key: &Digest) -> Option<Vec<OutputDigest>>;
    /// The most recently recorded entry of an action id.
    fn latest(&self, action: &str) -> Option<ActionEntry>;
    fn record(&self, entry: ActionEntry) -> Result<(), StoreError>;
    /// Drops an entry (its blob was found corrupt or missing).
    fn forget(&self, key: &Digest) -> Result<(), StoreError>;
    /// Returns once everything put or recorded so far is durable.
    fn flush(&self) -> Result<(), StoreError>;
    /// Every entry, latest last.
    fn entries(&self) -> Vec<ActionEntry>;
}

/// A line of the JSON `actions.log` of older plancs (converted on open).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum JsonLogLine {
    Record(ActionEntry),
    Forget { key: Digest },
}

impl From<JsonLogLine> for LogRecord {
    fn from(l: JsonLogLine) -> LogRecord {
        match l {
            JsonLogLine::Record(e) => LogRecord::Entry(e),
            JsonLogLine::Forget { key } => LogRecord::Forget(key),
        }
    }
}

/// The action log as it stands, indexed in place: the bytes of its intact records (the
/// file's, then each one this process logged), and where each live entry and small blob
/// is in them. Opening a large cache copies no action id, output or blob out of the
/// log; an entry is decoded when it is looked up.
struct Index {
    log: Vec<u8>,
    /// Where each live entry's record starts: later records of a key replace earlier
    /// ones, so the order of the starts is the order the entries were logged in.
    by_key: DigestMap<usize>,
    /// Small blobs kept in the log: where their compressed bytes are.
    blobs: DigestMap<Range<usize>>,
    /// The latest entry of each action id, built by replaying the log the first time it
    /// is asked for: only a cache miss needs it, and a no-op has none.
    latest: Option<FxHashMap<String, Digest>>,
}

impl Default for Index {
    /// An empty log.
    fn default() -> Index {
        Index::open(action_log::MAGIC.to_vec(), &[])
    }
}

impl Index {
    /// The index of `log`, whose intact records are `records`.
    fn open(log: Vec<u8>, records: &[(usize, Peek)]) -> Index {
        // Sized once and exactly: growing them record by record rehashes a large log
        // several times, and room for every record in each would double the pages
        // they touch (a cache of small outputs has a blob record per entry).
        let blobs = records.iter().filter(|(_, p)| matches!(p, Peek::Blob(..))).count();
        let mut index = Index {
            log,
            by_key: DigestMap::with_capacity_and_hasher(records.len() - blobs, Default::default()),
            blobs: DigestMap::with_capacity_and_hasher(blobs, Default::default()),
            latest: None,
        };
        for (at, peek) in records {
            index.apply(*at, peek);
        }
        index
    }

    fn apply(&mut self, at: usize, peek: &Peek) {
        match peek {
            Peek::Entry(key) => {
                if let Some(latest) = &mut self.latest
                    && let Some(action) = action_log::action_at(&self.log, at)
                {
                    latest.insert(action.to_owned(), *key);
                }
                self.by_key.insert(*key, at);
            }
            Peek::Forget(key) => {
                if let Some(was) = self.by_key.remove(key)
                    && let Some(latest) = &mut self.latest
                    && let Some(action) = action_log::action_at(&self.log, was)
                    && latest.get(action) == Some(key)
                {
                    latest.remove(action);
                }
            }
            Peek::Blob(digest, bytes) => {
                self.blobs.insert(*digest, bytes.clone());
            }
        }
    }

    /// Appends `record` to the log and indexes it.
    fn log(&mut self, record: &LogRecord) {
        let at = self.log.len();
        action_log::encode(record, &mut self.log);
        let peek = match record {
            LogRecord::Entry(e) => Peek::Entry(e.key),
            LogRecord::Forget(key) => Peek::Forget(*key),
            LogRecord::Blob(digest, bytes) => {
                // The bytes end the body, which the 8-byte hash follows.
                let end = self.log.len() - 8;
                Peek::Blob(*digest, end - bytes.len()..end)
            }
        };
        self.apply(at, &peek);
    }

    fn get(&self, key: &Digest) -> Option<ActionEntry> {
        match action_log::record_at(&self.log, *self.by_key.get(key)?)? {
            LogRecord::Entry(e) => Some(e),
            _ => None,
        }
    }

    fn outputs(&self, key: &Digest) -> Option<Vec<OutputDigest>> {
        action_log::outputs_at(&self.log, *self.by_key.get(key)?)
    }

    fn latest(&mut self, action: &str) -> Option<ActionEntry> {
        let latest = self.latest.get_or_insert_with(|| replay_latest(&self.log));
        let key = *latest.get(action)?;
        self.get(&key)
    }

    fn blob(&self, digest: &Digest) -> Option<&[u8]> {
        self.blobs.get(digest).map(|r| &self.log[r.clone()])
    }

    fn entries(&self) -> Vec<ActionEntry> {
        let mut starts: Vec<_> = self.by_key.values().copied().collect();
        starts.sort_unstable();
        starts
            .into_iter()
            .filter_map(|at| match action_log::record_at(&self.log, at)? {
                LogRecord::Entry(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// The output digests of the entries whose records start before `end`.
    fn outputs_before(&self, end: usize) -> DigestSet {
        let mut set = DigestSet::default();
        for &at in self.by_key.values().filter(|&&at| at < end) {
            set.extend(action_log::outputs_at(&self.log, at).into_iter().flatten().map(|o| o.digest));
        }
        set
    }
}

/// The latest entry of each action id in `log`: the last one logged, unless it was
/// forgotten since.
fn replay_latest(log: &[u8]) -> FxHashMap<String, Digest> {
    let mut latest = FxHashMap::default();
    let mut action_of = DigestMap::default();
    for (at, _) in action_log::spans(log) {
        match action_log::record_at(log, at) {
            Some(LogRecord::Entry(e)) => {
                latest.insert(e.action.clone(), e.key);
                action_of.insert(e.key, e.action);
            }
            Some(LogRecord::Forget(key)) => {
                if let Some(action) = action_of.remove(&key)
                    && latest.get(&action) == Some(&key)
                {
                    latest.remove(&action);
                }
            }
            _ => {}
        }
    }
    latest
}

fn compress(tar: &[u8]) -> io::Result<Vec<u8>> {
    zstd::bulk::compress(tar, 3)
}

fn decompress_verified(digest: &Digest, compressed: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(compressed).ok()?.read_to_end(&mut out).ok()?;
    (Digest::of(&out) == *digest).then_some(out)
}

/// The on-disk store. See the module doc for the layout and the commit protocol.
pub struct DiskStore {
    shared: Arc<Shared>,
    /// Started by the first write: a run that writes nothing (a no-op) has no thread to
    /// start and stop.
    committer: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    root: PathBuf,
    state: Mutex<DiskState>,
    wake: Condvar,
    done: Condvar,
    tmp_counter: AtomicU64,
}

#[derive(Default)]
struct DiskState {
    /// The log, with the small blobs kept in it (compressed) instead of in `blobs/`.
    index: Index,
    /// Blobs whose committed copy is known complete (referenced by an entry of the log
    /// as it was opened, or renamed by a commit of this process). Built when first
    /// needed (`committed()`): a run that writes and reads no blob never needs it.
    committed: Option<DigestSet>,
    /// The log's length when it was opened (or last rewritten): the entries before it
    /// are those whose blobs are known complete.
    opened_len: usize,
    /// Written to `tmp/`, not yet durable: digest → temp path.
    pending_blobs: DigestMap<PathBuf>,
    pending_lines: Vec<LogRecord>,
    submitted: u64,
    committed_gen: u64,
    /// A `flush` is waiting: commit now instead of gathering more.
    flushing: bool,
    error: Option<String>,
    shutdown: bool,
}

impl DiskStore {
    /// Opens (creating) the store under `root` (normally `STATE/cache`).
    pub fn open(root: &Path) -> Result<DiskStore, StoreError> {
        for sub in ["blobs", "tmp"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(io_err(&p))?;
        }
        // Leftovers of a killed run: never committed, never referenced.
        let tmp = root.join("tmp");
        for e in fs::read_dir(&tmp).map_err(io_err(&tmp))?.flatten() {
            let _ = fs::remove_file(e.path());
        }
        let (log, decoded) = load_log(root)?;
        let state = DiskState { opened_len: log.len(), index: Index::open(log, &decoded.records), ..DiskState::default() };
        let shared = Arc::new(Shared {
            root: root.to_owned(),
            state: Mutex::new(state),
            wake: Condvar::new(),
            done: Condvar::new(),
            tmp_counter: AtomicU64::new(0),
        });
        Ok(DiskStore { shared, committer: Mutex::new(None) })
    }

    /// Starts the committer thread unless it runs already; called after each submit.
    /// A thread that cannot start is the store's error, so `flush` does not wait for it.
    fn start_committer(&self) -> Result<(), StoreError> {
        let mut committer = self.committer.lock().expect("committer handle poisoned");
        if committer.is_none() {
            let shared = Arc::clone(&self.shared);
            let spawned = std::thread::Builder::new().name("planc-cache-commit".into()).spawn(move || commit_loop(&shared));
            match spawned {
                Ok(handle) => *committer = Some(handle),
                Err(e) => {
                    self.lock().error = Some(format!("cannot start the committer: {e}"));
                    return Err(io_err(&self.shared.root)(e));
                }
            }
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        blob_path(&self.shared.root, digest)
    }

    fn lock(&self) -> MutexGuard<'_, DiskState> {
        self.shared.state.lock().expect("cache state poisoned")
    }

    fn stage_compressed(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError> {
        let n = self.shared.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = self.shared.root.join("tmp").join(format!("{digest}.{}.{n}", std::process::id()));
        fs::write(&tmp, compressed).map_err(io_err(&tmp))?;
        let mut st = self.lock();
        if st.committed().contains(digest) || st.pending_blobs.contains_key(digest) {
            drop(st);
            let _ = fs::remove_file(&tmp);
            return Ok(());
        }
        st.pending_blobs.insert(*digest, tmp);
        st.submitted += 1;
        self.shared.wake.notify_one();
        drop(st);
        self.start_committer()
    }

    fn has_blob(&self, digest: &Digest) -> bool {
        let mut st = self.lock();
        st.index.blob(digest).is_some() || st.pending_blobs.contains_key(digest) || st.committed().contains(digest)
    }

    /// Stores a small blob in the log: no file, no fsync of its own.
    fn stage_inline(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError> {
        let mut st = self.lock();
        if let Some(e) = &st.error {
            return Err(StoreError::Commit(e.clone()));
        }
        if st.index.blob(digest).is_some() || st.committed().contains(digest) || st.pending_blobs.contains_key(digest) {
            return Ok(());
        }
        let record = LogRecord::Blob(*digest, compressed.to_vec());
        st.index.log(&record);
        st.pending_lines.push(record);
        st.submitted += 1;
        self.shared.wake.notify_one();
        drop(st);
        self.start_committer()
    }

    /// Stores compressed bytes in the log when small, else as a file.
    fn stage(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError> {
        if compressed.len() <= INLINE_MAX {
            self.stage_inline(digest, compressed)
        } else {
            self.stage_compressed(digest, compressed)
        }
    }

    fn push_line(&self, line: LogRecord) -> Result<(), StoreError> {
        let mut st = self.lock();
        if let Some(e) = &st.error {
            return Err(StoreError::Commit(e.clone()));
        }
        st.index.log(&line);
        st.pending_lines.push(line);
        st.submitted += 1;
        self.shared.wake.notify_one();
        drop(st);
        self.start_committer()
    }

    /// Every blob file present (for `cache gc`).
    pub fn blob_files(&self) -> Vec<(Digest, PathBuf)> {
        let dir = self.shared.root.join("blobs");
        let mut out = Vec::new();
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(d) = name.strip_suffix(".tar.zst").and_then(|h| h.parse::<Digest>().ok()) {
                out.push((d, e.path()));
            }
        }
        out
    }

    /// Rewrites the log with exactly `keep` and the small blobs they refer to (for
    /// `cache gc`), atomically. Returns how many small blobs were dropped.
    pub fn rewrite_log(&self, keep: &[ActionEntry]) -> Result<usize, StoreError> {
        self.flush()?;
        let log = self.shared.root.join(LOG);
        let mut index = Index::default();
        {
            let st = self.lock();
            for e in keep {
                for o in &e.outputs {
                    if let Some(b) = st.index.blob(&o.digest)
                        && index.blob(&o.digest).is_none()
                    {
                        index.log(&LogRecord::Blob(o.digest, b.to_vec()));
                    }
                }
                index.log(&LogRecord::Entry(e.clone()));
            }
        }
        crate::atomic_file::write_durable(&log, &index.log).map_err(io_err(&log))?;
        let mut st = self.lock();
        let dropped = st.index.blobs.len() - index.blobs.len();
        st.opened_len = index.log.len();
        st.index = index;
        st.committed = None;
        Ok(dropped)
    }
}

impl DiskState {
    /// The blobs known complete, built from the log on first use.
    fn committed(&mut self) -> &mut DigestSet {
        let (index, end) = (&self.index, self.opened_len);
        self.committed.get_or_insert_with(|| index.outputs_before(end))
    }
}

/// The action log, under the store's root.
const LOG: &str = "actions.bin";
/// The JSON action log of older plancs.
const JSON_LOG: &str = "actions.log";

/// Reads the action log: cuts a torn tail off, creates it (with its magic) when absent
/// and converts a JSON log of an older planc. Returns the log's bytes, all of them
/// intact records, and where they are.
fn load_log(root: &Path) -> Result<(Vec<u8>, Decoded), StoreError> {
    let log = root.join(LOG);
    let not_a_log = |source| StoreError::Log { path: log.clone(), source };
    let mut bytes = match fs::read(&log) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io_err(&log)(e)),
    };
    let decoded = action_log::decode(&bytes).map_err(not_a_log)?;
    let json = root.join(JSON_LOG);
    let old = match fs::read(&json) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(&json)(e)),
    };
    if !bytes.is_empty() && decoded.good_len == bytes.len() && old.is_none() {
        return Ok((bytes, decoded));
    }
    if bytes.is_empty() {
        bytes = action_log::MAGIC.to_vec();
    } else {
        bytes.truncate(decoded.good_len);
    }
    let mut decoded = Decoded { good_len: bytes.len(), ..decoded };
    if let Some(old) = &old {
        // Whole lines only: a torn last line is dropped.
        let end = old.iter().rposition(|&b| b == b'\n').map_or(0, |e| e + 1);
        for line in old[..end].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            if let Ok(line) = serde_json::from_slice::<JsonLogLine>(line) {
                action_log::encode(&LogRecord::from(line), &mut bytes);
            }
        }
        decoded = action_log::decode(&bytes).map_err(not_a_log)?;
    }
    crate::atomic_file::write_durable(&log, &bytes).map_err(io_err(&log))?;
    if old.is_some() {
        fs::remove_file(&json).map_err(io_err(&json))?;
    }
    Ok((bytes, decoded))
}

/// Blobs at most this big (compressed) are stored in the log instead of as files: a
/// file per blob is an inode, an fsync and a rename per action.
const INLINE_MAX: usize = 1024;

/// How long the committer gathers blobs and entries before it makes them durable.
const COMMIT_WINDOW: std::time::Duration = std::time::Duration::from_millis(500);

fn blob_path(root: &Path, digest: &Digest) -> PathBuf {
    root.join("blobs").join(format!("{digest}.tar.zst"))
}

fn commit_loop(shared: &Shared) {
    loop {
        let (blobs, lines, generation) = {
            let mut st = shared.state.lock().expect("cache state poisoned");
            while st.pending_lines.is_empty()
                && st.pending_blobs.is_empty()
                && !st.shutdown
            {
                st = shared.wake.wait(st).expect("cache state poisoned");
            }
            // Gather for a while: one batch of fsyncs for many actions. What a crash
            // loses is at most this window's entries (their actions run again).
            let until = std::time::Instant::now() + COMMIT_WINDOW;
            while !st.flushing && !st.shutdown {
                let now = std::time::Instant::now();
                if now >= until {
                    break;
                }
                st = shared.wake.wait_timeout(st, until - now).expect("cache state poisoned").0;
            }
            if st.shutdown && st.pending_lines.is_empty() && st.pending_blobs.is_empty() {
                return;
            }
            // Lines first, then blobs: every blob a taken line refers to was put before
            // the line was recorded, so it is in this batch or an earlier one.
            let lines = std::mem::take(&mut st.pending_lines);
            let blobs: Vec<(Digest, PathBuf)> =
                st.pending_blobs.iter().map(|(d, p)| (*d, p.clone())).collect();
            (blobs, lines, st.submitted)
        };
        let result = commit_batch(shared, &blobs, &lines);
        let mut st = shared.state.lock().expect("cache state poisoned");
        for (d, _) in &blobs {
            st.pending_blobs.remove(d);
            if result.is_ok() {
                st.committed().insert(*d);
            }
        }
        if let Err(e) = result {
            st.error = Some(e);
        }
        st.committed_gen = generation;
        if st.committed_gen >= st.submitted {
            st.flushing = false;
        }
        shared.done.notify_all();
    }
}

fn commit_batch(shared: &Shared, blobs: &[(Digest, PathBuf)], lines: &[LogRecord]) -> Result<(), String> {
    let root = &shared.root;
    if !blobs.is_empty() {
        // Parallel fsyncs: the journal commits them together.
        let chunk = blobs.len().div_ceil(16).max(1);
        let failures: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = blobs
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        for (_, tmp) in part {
                            if let Err(e) = fs::File::open(tmp).and_then(|f| f.sync_all()) {
                                return Err(format!("fsync `{}`: {e}", tmp.display()));
                            }
                        }
                        Ok(())
                    })
                })
                .collect();
            handles.into_iter().filter_map(|h| h.join().expect("fsync thread").err()).collect()
        });
        if let Some(f) = failures.into_iter().next() {
            return Err(f);
        }
        for (d, tmp) in blobs {
            let dest = blob_path(root, d);
            fs::rename(tmp, &dest).map_err(|e| format!("rename into `{}`: {e}", dest.display()))?;
        }
        crate::atomic_file::sync_dir(&root.join("blobs")).map_err(|e| format!("fsync blobs dir: {e}"))?;
    }
    if !lines.is_empty() {
        let mut text = Vec::new();
        for l in lines {
            action_log::encode(l, &mut text);
        }
        let log = root.join(LOG);
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("open `{}`: {e}", log.display()))?;
        f.write_all(&text).and_then(|_| f.sync_data()).map_err(|e| format!("append to `{}`: {e}", log.display()))?;
    }
    Ok(())
}

impl ContentStore for DiskStore {
    fn put(&self, archive: &TreeArchive) -> Result<(), StoreError> {
        if self.has_blob(&archive.digest) {
            return Ok(());
        }
        let compressed = compress(&archive.tar).map_err(io_err(&self.shared.root))?;
        self.stage(&archive.digest, &compressed)
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let inline = self.lock().index.blob(digest).map(<[u8]>::to_vec);
        if let Some(bytes) = inline {
            return match decompress_verified(digest, &bytes) {
                Some(tar) => Ok(tar),
                None => {
                    self.lock().index.blobs.remove(digest);
                    Err(StoreError::Corrupt(*digest))
                }
            };
        }
        let pending = self.lock().pending_blobs.get(digest).cloned();
        let path = pending.clone().unwrap_or_else(|| self.blob_path(digest));
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            // A pending blob renamed meanwhile.
            Err(e) if e.kind() == io::ErrorKind::NotFound && pending.is_some() => {
                fs::read(self.blob_path(digest)).map_err(io_err(&path))?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Put again when rebuilt.
                self.lock().committed().remove(digest);
                return Err(StoreError::Missing(*digest));
            }
            Err(e) => return Err(io_err(&path)(e)),
        };
        match decompress_verified(digest, &bytes) {
            Some(tar) => Ok(tar),
            None => {
                let _ = fs::remove_file(&path);
                self.lock().committed().remove(digest);
                Err(StoreError::Corrupt(*digest))
            }
        }
    }

    fn get_compressed(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        if let Some(bytes) = self.lock().index.blob(digest) {
            return Ok(bytes.to_vec());
        }
        self.flush()?;
        let path = self.blob_path(digest);
        fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::Missing(*digest),
            _ => io_err(&path)(e),
        })
    }

    fn put_compressed(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError> {
        if self.has_blob(digest) {
            return Ok(());
        }
        if decompress_verified(digest, compressed).is_none() {
            return Err(StoreError::Corrupt(*digest));
        }
        self.stage(digest, compressed)
    }

    fn lookup(&self, key: &Digest) -> Option<ActionEntry> {
        self.lock().index.get(key)
    }

    fn cached_outputs(&self, key: &Digest) -> Option<Vec<OutputDigest>> {
        self.lock().index.outputs(key)
    }

    fn latest(&self, action: &str) -> Option<ActionEntry> {
        self.lock().index.latest(action)
    }

    fn record(&self, entry: ActionEntry) -> Result<(), StoreError> {
        self.push_line(LogRecord::Entry(entry))
    }

    fn forget(&self, key: &Digest) -> Result<(), StoreError> {
        self.push_line(LogRecord::Forget(*key))
    }

    fn flush(&self) -> Result<(), StoreError> {
        let mut st = self.lock();
        let target = st.submitted;
        if st.committed_gen < target {
            st.flushing = true;
            self.shared.wake.notify_one();
        }
        while st.committed_gen < target && st.error.is_none() {
            st = self.shared.done.wait(st).expect("cache state poisoned");
        }
        match &st.error {
            Some(e) => Err(StoreError::Commit(e.clone())),
            None => Ok(()),
        }
    }

    fn entries(&self) -> Vec<ActionEntry> {
        self.lock().index.entries()
    }
}

impl DiskStore {
    /// Commits what was written and stops the committer thread, as dropping the store
    /// does, but leaves the index's memory (tens of thousands of entries, each freed one
    /// by one on a drop) to the OS: for a process that exits next.
    pub fn close_leaving_memory(mut self) {
        self.close();
        std::mem::forget(self);
    }

    fn close(&mut self) {
        let _ = self.flush();
        self.lock().shutdown = true;
        self.shared.wake.notify_one();
        if let Some(h) = self.committer.get_mut().ok().and_then(Option::take) {
            let _ = h.join();
        }
    }
}

impl Drop for DiskStore {
    fn drop(&mut self) {
        self.close();
    }
}

/// The in-memory fake: same contract, nothing durable. `corrupt` damages a blob.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<(HashMap<Digest, Vec<u8>>, Index)>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Flips a byte of a stored blob (tests).
    pub fn corrupt(&self, digest: &Digest) {
        let mut st = self.state.lock().unwrap();
        if let Some(b) = st.0.get_mut(digest) {
            let mid = b.len() / 2;
            b[mid] ^= 0xff;
        }
    }
}

impl ContentStore for MemoryStore {
    fn put(&self, archive: &TreeArchive) -> Result<(), StoreError> {
        let compressed = compress(&archive.tar).map_err(io_err(Path::new("memory")))?;
        self.state.lock().unwrap().0.entry(archive.digest).or_insert(compressed);
        Ok(())
    }

    fn get(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let mut st = self.state.lock().unwrap();
        let bytes = st.0.get(digest).ok_or(StoreError::Missing(*digest))?;
        match decompress_verified(digest, bytes) {
            Some(tar) => Ok(tar),
            None => {
                st.0.remove(digest);
                Err(StoreError::Corrupt(*digest))
            }
        }
    }

    fn get_compressed(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        self.state.lock().unwrap().0.get(digest).cloned().ok_or(StoreError::Missing(*digest))
    }

    fn put_compressed(&self, digest: &Digest, compressed: &[u8]) -> Result<(), StoreError> {
        if decompress_verified(digest, compressed).is_none() {
            return Err(StoreError::Corrupt(*digest));
        }
        self.state.lock().unwrap().0.insert(*digest, compressed.to_vec());
        Ok(())
    }

    fn lookup(&self, key: &Digest) -> Option<ActionEntry> {
        self.state.lock().unwrap().1.get(key)
    }

    fn cached_outputs(&self, key: &Digest) -> Option<Vec<OutputDigest>> {
        self.state.lock().unwrap().1.outputs(key)
    }

    fn latest(&self, action: &str) -> Option<ActionEntry> {
        self.state.lock().unwrap().1.latest(action)
    }

    fn record(&self, entry: ActionEntry) -> Result<(), StoreError> {
        self.state.lock().unwrap().1.log(&LogRecord::Entry(entry));
        Ok(())
    }

    fn forget(&self, key: &Digest) -> Result<(), StoreError> {
        self.state.lock().unwrap().1.log(&LogRecord::Forget(*key));
        Ok(())
    }

    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    fn entries(&self) -> Vec<ActionEntry> {
        self.state.lock().unwrap().1.entries()
    }
}

#[cfg(test)]
mod tests;
