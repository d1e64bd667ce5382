//! `DagSnapshot`: `STATE/dag.bin`, the parsed form of the last `dag.json` a run read, so
//! that a rerun on an unchanged DAG skips the JSON parser (most of a no-op run on a
//! large DAG).
//!
//! The snapshot is keyed by the sha256 of the JSON file's bytes, never by its mtime or
//! size: a DAG edited within the same second and to the same length still misses. It is
//! only a cache: one that is missing, of another format version, for other bytes,
//! damaged (its body's sha256 differs) or that does not decode is ignored, the JSON is
//! parsed and the snapshot rewritten. Bump the version with any change to `StagedDag`.
//! The JSON's sha256 itself is remembered by `StatMemo` (`STATE/dag.stat`) for a file
//! whose stat is unchanged, so an unchanged DAG is not read at all.
//!
//! Format version 2 (version 1 had no shared input sets): the 8-byte magic `PLNCDAG`
//! `\x02`, the sha256 of the JSON (32 bytes), the body's length (u64), the body, and the
//! body's sha256 (32 bytes; hashed in hardware, several times faster than a byte-wise
//! FNV); integers are little-endian. The body is the `StagedDag`'s fields in declaration
//! order: integers as u64 (u32 where the type is u32), strings as a u32 length and
//! UTF-8, `Option` as a byte 0 or 1 then the value, sequences and maps as a u32 count
//! then their items, enums as a tag byte then the variant's fields.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use compiler::dag::{
    Action, Archive, Image, Input, Output, OutputRef, Producer, Redirect, Seed, Source, StagedDag, Verify,
};

use crate::digest::Digest;
use crate::stat_memo::{FileStamp, MEMO_FILE, StatMemo};

/// The snapshot's file name in the state dir.
pub const SNAPSHOT_FILE: &str = "dag.bin";

const MAGIC: &[u8; 8] = b"PLNCDAG\x02";
/// Magic, JSON digest and body length.
const HEADER_LEN: usize = 8 + 32 + 8;

/// Where the DAG a run uses came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DagOrigin {
    /// The snapshot matched the JSON's bytes.
    Snapshot,
    /// The JSON was parsed (and the snapshot rewritten).
    Parsed,
}

/// A DAG as `load_dag` read it.
pub struct LoadedDag {
    pub dag: StagedDag,
    pub origin: DagOrigin,
    /// The sha256 of the DAG file's bytes: what the state dir's memos of it are keyed by.
    pub json: Digest,
}

/// Why the DAG file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DagFileError {
    #[error(transparent)]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// The DAG in the JSON `file`, from the snapshot in `state_dir` when it was taken of
/// the same bytes; otherwise parses the JSON and rewrites the snapshot (best effort: a
/// state dir that cannot be written only costs the next run a parse). The file's sha256
/// comes from the state dir's `StatMemo` when the file's stamp is the one it recorded:
/// then the JSON is not even read.
pub fn load_dag(file: File, state_dir: &Path) -> Result<LoadedDag, DagFileError> {
    load_dag_at(file, state_dir, SystemTime::now())
}

/// `load_dag` for a run that started at `started` (before `file` was stamped).
fn load_dag_at(mut file: File, state_dir: &Path, started: SystemTime) -> Result<LoadedDag, DagFileError> {
    let stamp = FileStamp::of(&file.metadata()?);
    let memo_path = state_dir.join(MEMO_FILE);
    let remembered = stamp.and_then(|stamp| StatMemo::read(&memo_path).filter(|m| m.stamp == stamp)).map(|m| m.digest);
    let snapshot_path = state_dir.join(SNAPSHOT_FILE);
    let snapshot = std::fs::read(&snapshot_path).ok();
    let decode = || snapshot.as_deref().and_then(decode_any);
    let (json, decoded) = match remembered {
        Some(digest) => (Ok((None, digest)), decode()),
        // The JSON is read and hashed while the snapshot decodes: on two cores, the
        // cost of the slower of the two.
        None => std::thread::scope(|s| {
            let hashing = s.spawn(|| {
                read_all(&mut file).map(|bytes| {
                    let digest = Digest::of(&bytes);
                    (Some(bytes), digest)
                })
            });
            let decoded = decode();
            (hashing.join().expect("hashing the DAG panicked"), decoded)
        }),
    };
    drop(snapshot);
    let (bytes, digest) = json?;
    let remember = |digest| {
        if let Some(stamp) = stamp
            && remembered != Some(digest)
            && stamp.settled(started)
        {
            StatMemo { stamp, digest }.write(&memo_path);
        }
    };
    if let Some((of, dag)) = decoded
        && of == digest
    {
        remember(digest);
        return Ok(LoadedDag { dag, origin: DagOrigin::Snapshot, json: digest });
    }
    let (bytes, digest) = match bytes {
        Some(b) => (b, digest),
        None => {
            let b = read_all(&mut file)?;
            let d = Digest::of(&b);
            (b, d)
        }
    };
    let dag: StagedDag = serde_json::from_slice(&bytes)?;
    let _ = std::fs::create_dir_all(state_dir)
        .and_then(|()| crate::atomic_file::write_atomic(&snapshot_path, &encode(&dag, &digest)));
    remember(digest);
    Ok(LoadedDag { dag, origin: DagOrigin::Parsed, json: digest })
}

fn read_all(file: &mut File) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The snapshot file of `dag`, parsed from JSON whose sha256 is `json`.
pub fn encode(dag: &StagedDag, json: &Digest) -> Vec<u8> {
    let mut body = Writer(Vec::with_capacity(1 << 20));
    body.dag(dag);
    let body = body.0;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + 32);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&json.0);
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    out.extend_from_slice(&Digest::of(&body).0);
    out
}

/// The DAG in `file` when it is an intact snapshot of JSON whose sha256 is `json`.
#[cfg(test)]
fn decode(file: &[u8], json: &Digest) -> Option<StagedDag> {
    decode_any(file).and_then(|(of, dag)| (of == *json).then_some(dag))
}

/// The sha256 of the JSON `file` is a snapshot of, and its DAG, when it is intact.
fn decode_any(file: &[u8]) -> Option<(Digest, StagedDag)> {
    if file.len() < HEADER_LEN + 32 || &file[..8] != MAGIC {
        return None;
    }
    let of = Digest(file[8..40].try_into().ok()?);
    let len = usize::try_from(u64::from_le_bytes(file[40..48].try_into().ok()?)).ok()?;
    if file.len() != HEADER_LEN.checked_add(len)?.checked_add(32)? {
        return None;
    }
    let body = &file[HEADER_LEN..HEADER_LEN + len];
    if file[HEADER_LEN + len..] != Digest::of(body).0 {
        return None;
    }
    let mut r = Reader(body);
    let dag = r.dag()?;
    r.0.is_empty().then_some((of, dag))
}

/// Appends the body encoding.
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("fewer than 2^32 items"));
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn opt<T>(&mut self, v: &Option<T>, mut f: impl FnMut(&mut Writer, &T)) {
        match v {
            None => self.u8(0),
            Some(x) => {
                self.u8(1);
                f(self, x);
            }
        }
    }
    fn seq<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Writer, &T)) {
        self.len(items.len());
        for x in items {
            f(self, x);
        }
    }
    fn strs(&mut self, items: &[String]) {
        self.seq(items, |w, s| w.str(s));
    }

    fn dag(&mut self, d: &StagedDag) {
        self.u32(d.format_version);
        self.str(&d.plan);
        self.strs(&d.stages);
        self.strs(&d.profiles);
        self.seq(&d.seeds, Writer::seed);
        self.seq(&d.input_sets, |w, set| w.seq(set, Writer::input));
        self.seq(&d.actions, Writer::action);
        self.seq(&d.verify, |w, v| {
            w.u64(v.left as u64);
            w.u64(v.right as u64);
        });
        self.seq(&d.images, Writer::image);
        self.seq(&d.redirects, |w, r| {
            w.u64(r.from as u64);
            w.str(&r.name);
            w.str(&r.original);
            w.u64(r.to as u64);
        });
    }
    fn seed(&mut self, s: &Seed) {
        self.str(&s.name);
        self.strs(&s.host_tools);
        self.opt(&s.archive, Writer::archive);
        self.strs(&s.provides);
    }
    fn archive(&mut self, a: &Archive) {
        self.str(&a.path);
        self.opt(&a.sha256, |w, s| w.str(s));
    }
    fn action(&mut self, a: &Action) {
        self.str(&a.id);
        self.str(&a.package);
        self.opt(&a.version, |w, s| w.str(s));
        self.str(&a.stage);
        self.strs(&a.profiles);
        self.seq(&a.inputs, Writer::input);
        self.seq(&a.input_sets, |w, s| w.u64(*s as u64));
        self.seq(&a.outputs, Writer::output);
        self.opt(&a.source, Writer::source);
        self.strs(&a.build);
        self.strs(&a.check);
        self.len(a.env.len());
        for (k, v) in &a.env {
            self.str(k);
            self.str(v);
        }
        self.opt(&a.timeout_secs, |w, t| w.u64(*t));
        self.u8(u8::from(a.tainted));
        self.u64(a.cost_ms);
    }
    fn input(&mut self, i: &Input) {
        self.str(&i.name);
        match &i.from {
            Producer::Action { action, output } => {
                self.u8(0);
                self.u64(*action as u64);
                self.str(output);
            }
            Producer::Seed { seed } => {
                self.u8(1);
                self.str(seed);
            }
        }
    }
    fn output(&mut self, o: &Output) {
        self.str(&o.name);
        self.opt(&o.version, |w, s| w.str(s));
        self.strs(&o.depends);
        self.strs(&o.provides);
    }
    fn source(&mut self, s: &Source) {
        match s {
            Source::Path { path } => {
                self.u8(0);
                self.str(path);
            }
            Source::Archive(a) => {
                self.u8(1);
                self.archive(a);
            }
        }
    }
    fn image(&mut self, i: &Image) {
        self.str(&i.name);
        self.str(&i.format);
        self.seq(&i.outputs, |w, o| {
            w.u64(o.action as u64);
            w.str(&o.output);
        });
    }
}

/// Reads the body encoding; `None` on anything that does not decode.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn index(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn bool(&mut self) -> Option<bool> {
        match self.u8()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }
    fn opt<T>(&mut self, f: impl FnOnce(&mut Reader<'a>) -> Option<T>) -> Option<Option<T>> {
        if self.bool()? { f(self).map(Some) } else { Some(None) }
    }
    fn seq<T>(&mut self, mut f: impl FnMut(&mut Reader<'a>) -> Option<T>) -> Option<Vec<T>> {
        let n = self.u32()? as usize;
        // Every item takes at least one byte: a damaged count cannot allocate much.
        let mut out = Vec::with_capacity(n.min(self.0.len()));
        for _ in 0..n {
            out.push(f(self)?);
        }
        Some(out)
    }
    fn strings(&mut self) -> Option<Vec<String>> {
        self.seq(Reader::string)
    }

    fn dag(&mut self) -> Option<StagedDag> {
        Some(StagedDag {
            format_version: self.u32()?,
            plan: self.string()?,
            stages: self.strings()?,
            profiles: self.strings()?,
            seeds: self.seq(Reader::seed)?,
            input_sets: self.seq(|r| r.seq(Reader::input))?,
            actions: self.seq(Reader::action)?,
            verify: self.seq(|r| Some(Verify { left: r.index()?, right: r.index()? }))?,
            images: self.seq(Reader::image)?,
            redirects: self.seq(|r| {
                Some(Redirect { from: r.index()?, name: r.string()?, original: r.string()?, to: r.index()? })
            })?,
        })
    }
    fn seed(&mut self) -> Option<Seed> {
        Some(Seed {
            name: self.string()?,
            host_tools: self.strings()?,
            archive: self.opt(Reader::archive)?,
            provides: self.strings()?,
        })
    }
    fn archive(&mut self) -> Option<Archive> {
        Some(Archive { path: self.string()?, sha256: self.opt(Reader::string)? })
    }
    fn action(&mut self) -> Option<Action> {
        Some(Action {
            id: self.string()?,
            package: self.string()?,
            version: self.opt(Reader::string)?,
            stage: self.string()?,
            profiles: self.strings()?,
            inputs: self.seq(Reader::input)?,
            input_sets: self.seq(Reader::index)?,
            outputs: self.seq(Reader::output)?,
            source: self.opt(Reader::source)?,
            build: self.strings()?,
            check: self.strings()?,
            env: self.env()?,
            timeout_secs: self.opt(Reader::u64)?,
            tainted: self.bool()?,
            cost_ms: self.u64()?,
        })
    }
    fn env(&mut self) -> Option<BTreeMap<String, String>> {
        let n = self.u32()? as usize;
        let mut env = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            env.insert(k, self.string()?);
        }
        Some(env)
    }
    fn input(&mut self) -> Option<Input> {
        let name: Arc<str> = self.str()?.into();
        let from = match self.u8()? {
            0 => Producer::Action { action: self.index()?, output: self.str()?.into() },
            1 => Producer::Seed { seed: self.str()?.into() },
            _ => return None,
        };
        Some(Input { name, from })
    }
    fn output(&mut self) -> Option<Output> {
        Some(Output {
            name: self.string()?,
            version: self.opt(Reader::string)?,
            depends: self.strings()?,
            provides: self.strings()?,
        })
    }
    fn source(&mut self) -> Option<Source> {
        match self.u8()? {
            0 => Some(Source::Path { path: self.string()? }),
            1 => Some(Source::Archive(self.archive()?)),
            _ => None,
        }
    }
    fn image(&mut self) -> Option<Image> {
        Some(Image {
            name: self.string()?,
            format: self.string()?,
            outputs: self.seq(|r| Some(OutputRef { action: r.index()?, output: r.string()? }))?,
        })
    }
}

#[cfg(test)]
mod tests;
