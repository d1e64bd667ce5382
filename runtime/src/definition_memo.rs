//! `DefinitionMemo`: `STATE/dag.defs`, the definition hash of every self-contained
//! action (no source, no seeds) of the last DAG file a run read, so that a rerun on the
//! same DAG does not serialize and hash 20,000 definitions to find its keys.
//!
//! A definition hash depends only on the action, whether checks run (`--tests`) and the
//! key schema (`ActionKey`'s `DEFINITION_SCHEMA`); the memo records all three: the
//! sha256 of the DAG file's bytes, the schema name and the checks flag. One that is
//! missing, for other DAG bytes, another schema or checks mode, another action count,
//! damaged (its trailing sha256 differs) or of another format version is ignored: the
//! hashes are computed as without it, and the memo rewritten. Like `dag.bin`, it is
//! only a cache, written atomically, and a run never needs it.
//!
//! Format version 1: the 8-byte magic `PLNCDEF\x01`, the DAG file's sha256 (32 bytes),
//! the schema name (u32 length + UTF-8), the checks flag (a byte, 1 when checks run),
//! the action count (u64), then per action a byte 0 (not recorded) or 1 followed by its
//! definition hash (32 bytes); then the sha256 of everything before it. Integers are
//! little-endian.

use std::path::Path;

use crate::action_key::{Checks, DEFINITION_SCHEMA};
use crate::digest::Digest;

/// The memo's file name in the state dir.
pub const DEFINITIONS_FILE: &str = "dag.defs";

const MAGIC: &[u8; 8] = b"PLNCDEF\x01";

/// The definition hashes of one DAG file's actions, by action index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionMemo {
    /// The sha256 of the DAG file's bytes.
    pub dag: Digest,
    pub checks: Checks,
    /// `None` for an action whose hash depends on more than the DAG.
    pub hashes: Vec<Option<Digest>>,
}

impl DefinitionMemo {
    /// The hashes recorded in `path` for the DAG file `dag` with `actions` actions under
    /// `checks`, when the memo is intact and was taken of exactly that.
    pub fn read(path: &Path, dag: &Digest, checks: Checks, actions: usize) -> Option<Vec<Option<Digest>>> {
        let memo = DefinitionMemo::decode(&std::fs::read(path).ok()?)?;
        (memo.dag == *dag && memo.checks == checks && memo.hashes.len() == actions).then_some(memo.hashes)
    }

    /// Replaces the memo in `path` (best effort: without it, the next run hashes).
    pub fn write(&self, path: &Path) {
        let _ = crate::atomic_file::write_atomic(path, &self.encode());
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + DEFINITION_SCHEMA.len() + 33 * self.hashes.len() + 32);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.dag.0);
        out.extend_from_slice(&(DEFINITION_SCHEMA.len() as u32).to_le_bytes());
        out.extend_from_slice(DEFINITION_SCHEMA.as_bytes());
        out.push(u8::from(self.checks == Checks::Run));
        out.extend_from_slice(&(self.hashes.len() as u64).to_le_bytes());
        for h in &self.hashes {
            match h {
                None => out.push(0),
                Some(d) => {
                    out.push(1);
                    out.extend_from_slice(&d.0);
                }
            }
        }
        let check = Digest::of(&out);
        out.extend_from_slice(&check.0);
        out
    }

    fn decode(bytes: &[u8]) -> Option<DefinitionMemo> {
        let body_len = bytes.len().checked_sub(32)?;
        let (body, check) = bytes.split_at(body_len);
        if !body.starts_with(MAGIC) || check != Digest::of(body).0 {
            return None;
        }
        let mut r = &body[MAGIC.len()..];
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, rest) = r.split_at_checked(n)?;
            r = rest;
            Some(head)
        };
        let dag = Digest(take(32)?.try_into().ok()?);
        let schema_len = u32::from_le_bytes(take(4)?.try_into().ok()?) as usize;
        if take(schema_len)? != DEFINITION_SCHEMA.as_bytes() {
            return None;
        }
        let checks = match take(1)?[0] {
            0 => Checks::Skipped,
            1 => Checks::Run,
            _ => return None,
        };
        let count = usize::try_from(u64::from_le_bytes(take(8)?.try_into().ok()?)).ok()?;
        // Every action takes at least a byte: a damaged count cannot allocate much.
        let mut hashes = Vec::with_capacity(count.min(body.len()));
        for _ in 0..count {
            hashes.push(match take(1)?[0] {
                0 => None,
                1 => Some(Digest(take(32)?.try_into().ok()?)),
                _ => return None,
            });
        }
        r.is_empty().then_some(DefinitionMemo { dag, checks, hashes })
    }
}

#[cfg(test)]
mod tests;
