//! `ActionLog`: the encoding of the cache's action log (`STATE/cache/actions.bin`), an
//! append-only binary file read with one `read` at start.
//!
//! Format version 1: the 8-byte magic `PLNCAL` `\0` `\x01`, then records. A record is
//! its body's length (u32, little-endian), the body, and the body's 64-bit FNV-1a hash
//! (u64, little-endian). A body is a tag byte and fields:
//!
//! - tag 1, an entry: key (32 bytes), definition (32 bytes), duration in ms (u64), the
//!   action id (u32 length + UTF-8), the output count (u32), then per output its name
//!   (u32 length + UTF-8) and content hash (32 bytes);
//! - tag 2, a forgotten entry: key (32 bytes);
//! - tag 3, a small blob stored in the log instead of a file: its content hash (32
//!   bytes) and its compressed bytes (u32 length + bytes). It precedes the entries that
//!   refer to it.
//!
//! A record that ends past the end of the file or whose hash does not match (a write
//! cut short by a crash) ends the log: `decode` returns the length of the good prefix,
//! which `DiskStore::open` truncates the file to before appending.

use std::ops::Range;

use crate::content_store::{ActionEntry, OutputDigest};
use crate::digest::Digest;

pub const MAGIC: &[u8; 8] = b"PLNCAL\0\x01";

const ENTRY: u8 = 1;
const FORGET: u8 = 2;
const BLOB: u8 = 3;

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogRecord {
    Entry(ActionEntry),
    Forget(Digest),
    /// A small blob: its digest and zstd-compressed bytes.
    Blob(Digest, Vec<u8>),
}

/// What indexing the log needs of a record, read in place (no copy of its strings or
/// bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peek {
    /// An entry and its key.
    Entry(Digest),
    Forget(Digest),
    /// A small blob: its digest and where its compressed bytes are in the log.
    Blob(Digest, Range<usize>),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Each intact record: where it starts in the log, and what it is.
    pub records: Vec<(usize, Peek)>,
    /// Bytes of whole, intact records (with the magic); the rest is a torn tail.
    pub good_len: usize,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an action log of format version 1 (its first bytes are not the magic `PLNCAL`)")]
pub struct NotALog;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

/// Continues an FNV-1a hash `h` over `bytes`.
fn fnv1a_from(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    h
}

/// `fnv1a` of four bodies at once. One hash is a chain of multiplies, each waiting for
/// the last, so it runs at the multiplier's latency; four chains interleaved keep it
/// busy (several times faster over a large log).
fn fnv1a_x4(bodies: [&[u8]; 4]) -> [u64; 4] {
    let common = bodies.iter().map(|b| b.len()).min().unwrap_or(0);
    let [a, b, c, d] = bodies.map(|body| &body[..common]);
    let mut h = [FNV_OFFSET; 4];
    for (((&a, &b), &c), &d) in a.iter().zip(b).zip(c).zip(d) {
        h[0] = (h[0] ^ u64::from(a)).wrapping_mul(FNV_PRIME);
        h[1] = (h[1] ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        h[2] = (h[2] ^ u64::from(c)).wrapping_mul(FNV_PRIME);
        h[3] = (h[3] ^ u64::from(d)).wrapping_mul(FNV_PRIME);
    }
    std::array::from_fn(|k| fnv1a_from(h[k], &bodies[k][common..]))
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends the encoding of `record` to `out`.
pub fn encode(record: &LogRecord, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    match record {
        LogRecord::Entry(e) => {
            out.push(ENTRY);
            out.extend_from_slice(&e.key.0);
            out.extend_from_slice(&e.definition.0);
            out.extend_from_slice(&e.duration_ms.to_le_bytes());
            put_str(out, &e.action);
            out.extend_from_slice(&(e.outputs.len() as u32).to_le_bytes());
            for o in &e.outputs {
                put_str(out, &o.name);
                out.extend_from_slice(&o.digest.0);
            }
        }
        LogRecord::Forget(key) => {
            out.push(FORGET);
            out.extend_from_slice(&key.0);
        }
        LogRecord::Blob(digest, bytes) => {
            out.push(BLOB);
            out.extend_from_slice(&digest.0);
            out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        }
    }
    let body_len = out.len() - start - 4;
    out[start..start + 4].copy_from_slice(&(body_len as u32).to_le_bytes());
    let hash = fnv1a(&out[start + 4..]);
    out.extend_from_slice(&hash.to_le_bytes());
}

/// A cursor over a record body; `None` when it runs out.
struct Body<'a>(&'a [u8]);

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn digest(&mut self) -> Option<Digest> {
        Some(Digest(self.take(32)?.try_into().ok()?))
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }
    /// The outputs of an entry, from its output count on.
    fn outputs(&mut self) -> Option<Vec<OutputDigest>> {
        let n = self.u32()? as usize;
        let mut outputs = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let name = self.string()?;
            outputs.push(OutputDigest { name, digest: self.digest()? });
        }
        Some(outputs)
    }
}

/// The body of the record that starts at `at` in `log`.
fn body_at(log: &[u8], at: usize) -> Option<&[u8]> {
    let len = u32::from_le_bytes(log.get(at..at + 4)?.try_into().ok()?) as usize;
    log.get(at + 4..at + 4 + len)
}

/// The record that starts at `at` in `log`, decoded (its hash is not checked again).
pub fn record_at(log: &[u8], at: usize) -> Option<LogRecord> {
    decode_body(body_at(log, at)?)
}

/// The outputs of the entry whose record starts at `at` in `log`: what a cache hit
/// needs, without the entry's action id.
pub fn outputs_at(log: &[u8], at: usize) -> Option<Vec<OutputDigest>> {
    let mut b = Body(body_at(log, at)?);
    if b.take(1)?[0] != ENTRY {
        return None;
    }
    b.take(32 + 32 + 8)?;
    b.str()?;
    b.outputs()
}

/// The action id of the entry whose record starts at `at` in `log`.
pub fn action_at(log: &[u8], at: usize) -> Option<&str> {
    let mut b = Body(body_at(log, at)?);
    if b.take(1)?[0] != ENTRY {
        return None;
    }
    b.take(32 + 32 + 8)?;
    b.str()
}

/// What the record body at `body_start` in `log` is, when it decodes (as `decode_body`
/// would, without copying).
fn peek_body(log: &[u8], body_start: usize, body_end: usize) -> Option<Peek> {
    let mut b = Body(&log[body_start..body_end]);
    let peek = match b.take(1)?[0] {
        ENTRY => {
            let key = b.digest()?;
            b.take(32 + 8)?;
            b.str()?;
            for _ in 0..b.u32()? {
                b.str()?;
                b.digest()?;
            }
            Peek::Entry(key)
        }
        FORGET => Peek::Forget(b.digest()?),
        BLOB => {
            let digest = b.digest()?;
            let n = b.u32()? as usize;
            let start = body_end - b.0.len();
            b.take(n)?;
            Peek::Blob(digest, start..start + n)
        }
        _ => return None,
    };
    b.0.is_empty().then_some(peek)
}

fn decode_body(body: &[u8]) -> Option<LogRecord> {
    let mut b = Body(body);
    let record = match b.take(1)?[0] {
        ENTRY => {
            let key = b.digest()?;
            let definition = b.digest()?;
            let duration_ms = b.u64()?;
            let action = b.string()?;
            let outputs = b.outputs()?;
            LogRecord::Entry(ActionEntry { key, action, definition, outputs, duration_ms })
        }
        FORGET => LogRecord::Forget(b.digest()?),
        BLOB => {
            let digest = b.digest()?;
            let n = b.u32()? as usize;
            LogRecord::Blob(digest, b.take(n)?.to_vec())
        }
        _ => return None,
    };
    b.0.is_empty().then_some(record)
}

/// Decodes a whole log file. An empty file is an empty log.
///
/// The records' bounds are found first (their lengths alone); then the two halves are
/// checked and decoded on two threads: hashing every byte is most of the work, and a
/// large cache's log is megabytes.
pub fn decode(bytes: &[u8]) -> Result<Decoded, NotALog> {
    if bytes.is_empty() {
        return Ok(Decoded { records: vec![], good_len: 0 });
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(NotALog);
    }
    let spans = spans(bytes);
    let (first, second) = spans.split_at(spans.len() / 2);
    let (mut records, rest) = std::thread::scope(|s| {
        let rest = (second.len() > PARALLEL_MIN).then(|| s.spawn(|| decode_spans(bytes, second)));
        let mut records = decode_spans(bytes, first);
        let rest = match rest {
            Some(h) => h.join().expect("decoding the log panicked"),
            // Too small to be worth a thread, or nothing to do: decoded in line unless
            // the first half already stopped.
            None if records.len() == first.len() => decode_spans(bytes, second),
            None => vec![],
        };
        records.reserve(rest.len());
        (records, rest)
    });
    // The second half counts only when the first was intact.
    if records.len() == first.len() {
        records.extend(rest);
    }
    let good_len = match spans.get(records.len()) {
        Some(&(first_bad, _)) => first_bad,
        None => spans.last().map_or(MAGIC.len(), |&(_, end)| end),
    };
    Ok(Decoded { records, good_len })
}

/// Records in a half below this many are decoded on the calling thread.
const PARALLEL_MIN: usize = 4096;

/// The `(start, end)` of each record that fits in `bytes`, in order, from the magic on;
/// the first that ends past the end of the file ends the list.
pub fn spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = MAGIC.len();
    while let Some(len) = bytes.get(at..at + 4) {
        let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
        let Some(end) = at.checked_add(4 + len + 8).filter(|&e| e <= bytes.len()) else { break };
        out.push((at, end));
        at = end;
    }
    out
}

/// The records of `spans`, up to the first whose hash does not match or that does not
/// decode. Hashes are checked four records at a time (`fnv1a_x4`).
fn decode_spans(bytes: &[u8], spans: &[(usize, usize)]) -> Vec<(usize, Peek)> {
    let body = |&(start, end): &(usize, usize)| &bytes[start + 4..end - 8];
    let mut records = Vec::with_capacity(spans.len());
    for group in spans.chunks(4) {
        let hashes = match group {
            [a, b, c, d] => fnv1a_x4([body(a), body(b), body(c), body(d)]),
            _ => std::array::from_fn(|k| group.get(k).map_or(0, |span| fnv1a(body(span)))),
        };
        for (span, hash) in group.iter().zip(hashes) {
            let stored = u64::from_le_bytes(bytes[span.1 - 8..span.1].try_into().expect("8 bytes"));
            if stored != hash {
                return records;
            }
            let Some(record) = peek_body(bytes, span.0 + 4, span.1 - 8) else { return records };
            records.push((span.0, record));
        }
    }
    records
}

#[cfg(test)]
mod tests;
