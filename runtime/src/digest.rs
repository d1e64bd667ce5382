//! `Digest`: a sha256 content address, written as 64 lower-case hex digits.

use std::fmt;
use std::io::{self, Read};
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};

/// A sha256 hash: the address of a blob, the key of an action, the checksum of a file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest(Sha256::digest(bytes).into())
    }

    /// Hashes everything `reader` yields.
    pub fn of_reader(mut reader: impl Read) -> io::Result<Digest> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(Digest(hasher.finalize().into()))
    }

    /// The digest of `value`'s JSON serialization.
    pub fn of_json(value: &impl Serialize) -> Digest {
        Digest::of_written(|buf| serde_json::to_writer(buf, value).expect("serializes to JSON"))
    }

    /// The digest of what `write` appends to an empty buffer. The buffer is reused by
    /// the thread, then hashed at once: fed to sha256 piece by piece as it is written,
    /// the many small updates cost more than the hashing (a key per action).
    pub fn of_written(write: impl FnOnce(&mut Vec<u8>)) -> Digest {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        BUFFER.with(|b| {
            // A reentrant call (a writer that hashes itself) gets its own buffer.
            let mut own = Vec::new();
            let mut borrowed = b.try_borrow_mut();
            let buf = borrowed.as_deref_mut().unwrap_or(&mut own);
            buf.clear();
            write(buf);
            Digest::of(buf)
        })
    }

    /// The 64 lower-case hex digits, without formatting machinery.
    pub(crate) fn hex_bytes(&self) -> [u8; 64] {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 64];
        for (i, b) in self.0.iter().enumerate() {
            out[2 * i] = HEX[(b >> 4) as usize];
            out[2 * i + 1] = HEX[(b & 15) as usize];
        }
        out
    }

    pub fn of_file(path: &Path) -> io::Result<Digest> {
        Digest::of_reader(std::fs::File::open(path)?)
    }

    pub fn hex(&self) -> String {
        self.to_string()
    }

    /// The first 12 hex digits, for messages.
    pub fn short(&self) -> String {
        self.to_string()[..12].to_owned()
    }
}

/// A `Hasher` for maps keyed by digests: a sha256 is already uniform, so its first
/// bytes are the hash (SipHash over 32 bytes is most of a cache index's load time).
#[derive(Clone, Copy, Default)]
pub struct DigestHasher(u64);

impl std::hash::Hasher for DigestHasher {
    fn write(&mut self, bytes: &[u8]) {
        match bytes.first_chunk::<8>() {
            Some(head) => self.0 ^= u64::from_le_bytes(*head),
            None => {
                for &b in bytes {
                    self.0 = self.0.rotate_left(8) ^ u64::from(b);
                }
            }
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by digests, hashed by `DigestHasher`.
pub type DigestMap<V> = std::collections::HashMap<Digest, V, std::hash::BuildHasherDefault<DigestHasher>>;
/// A set of digests, hashed by `DigestHasher`.
pub type DigestSet = std::collections::HashSet<Digest, std::hash::BuildHasherDefault<DigestHasher>>;

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.hex_bytes()).expect("hex is ascii"))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.short())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a sha256 digest (64 lower-case hex digits)")]
pub struct ParseDigestError(pub String);

impl FromStr for Digest {
    type Err = ParseDigestError;

    fn from_str(s: &str) -> Result<Digest, ParseDigestError> {
        let err = || ParseDigestError(s.to_owned());
        if s.len() != 64 {
            return Err(err());
        }
        let mut out = [0u8; 32];
        for (i, pair) in s.as_bytes().chunks(2).enumerate() {
            let nibble = |c: u8| match c {
                b'0'..=b'9' => Some(c - b'0'),
                b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            };
            out[i] = (nibble(pair[0]).ok_or_else(err)? << 4) | nibble(pair[1]).ok_or_else(err)?;
        }
        Ok(Digest(out))
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // `serialize_str`, not `collect_str`: the same string without a `fmt` adapter.
        s.serialize_str(std::str::from_utf8(&self.hex_bytes()).expect("hex is ascii"))
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Digest, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
