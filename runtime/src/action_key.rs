//! `ActionKey`: the cache key of an action: a hash of its normalized definition, its
//! source's content hash and the content hashes of everything it consumes.
//!
//! Architecture invariant: keys never include mtimes, absolute paths, the worker count
//! or anything else of the machine; two checkouts of a plan produce the same keys.

use std::collections::BTreeMap;

use compiler::dag::Action;
use serde::Serialize;

use crate::digest::Digest;

/// The parts of an action's key that do not come from its dependencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActionKey {
    /// The action's own definition plus its source hash and seeds: what an edit changes.
    pub definition: Digest,
    /// The full key: the definition plus the content hashes of consumed outputs.
    pub key: Digest,
}

/// What an action consumes, by the name it asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsumedDigest {
    pub name: String,
    pub digest: Digest,
}

#[derive(Serialize)]
struct Definition<'a> {
    schema: &'static str,
    package: &'a str,
    version: &'a Option<String>,
    stage: &'a str,
    profiles: &'a [String],
    build: &'a [String],
    /// Check commands count only when checks run.
    check: Option<&'a [String]>,
    env: &'a BTreeMap<String, String>,
    outputs: Vec<OutputSpec<'a>>,
    source: Option<Digest>,
    seeds: &'a [ConsumedDigest],
}

/// An output's name, version, runtime depends and provides.
type OutputSpec<'a> = (&'a str, &'a Option<String>, &'a [String], &'a [String]);

/// The name of the definition document's layout, hashed into every definition: a
/// change to what a definition hash covers renames it, which also retires the
/// definition hashes `DefinitionMemo` recorded under the old name.
pub const DEFINITION_SCHEMA: &str = "planc-action-1";

/// Whether check commands are part of the build (`--tests`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checks {
    Skipped,
    Run,
}

impl ActionKey {
    /// `inputs` are the outputs of other actions consumed, `seeds` the seeds used (with
    /// the hash of their archive and host tools); both in any order.
    pub fn compute(
        action: &Action,
        source: Option<Digest>,
        seeds: &[ConsumedDigest],
        inputs: &[ConsumedDigest],
        checks: Checks,
    ) -> ActionKey {
        ActionKey::with_inputs(ActionKey::definition(action, source, seeds, checks), inputs)
    }

    /// The definition hash alone: it does not depend on other actions, so it can be
    /// computed ahead of the scheduler (`LocalAgent` does, on its spare core).
    pub fn definition(action: &Action, source: Option<Digest>, seeds: &[ConsumedDigest], checks: Checks) -> Digest {
        let mut seeds = seeds.to_vec();
        seeds.sort_by(|a, b| a.name.cmp(&b.name));
        let def = Definition {
            schema: DEFINITION_SCHEMA,
            package: &action.package,
            version: &action.version,
            stage: &action.stage,
            profiles: &action.profiles,
            build: &action.build,
            check: (checks == Checks::Run).then_some(&action.check[..]),
            env: &action.env,
            outputs: action
                .outputs
                .iter()
                .map(|o| (&o.name[..], &o.version, &o.depends[..], &o.provides[..]))
                .collect(),
            source,
            seeds: &seeds,
        };
        Digest::of_json(&def)
    }

    /// The key of an action with `definition` consuming `inputs` (in any order).
    pub fn with_inputs(definition: Digest, inputs: &[ConsumedDigest]) -> ActionKey {
        ActionKey::with_named_inputs(definition, inputs.iter().map(|i| (i.name.as_str(), i.digest)))
    }

    /// `with_inputs` of `(name, digest)` pairs borrowed from wherever they are: a cache
    /// hit copies no name to compute its key.
    pub fn with_named_inputs<'a>(definition: Digest, inputs: impl Iterator<Item = (&'a str, Digest)>) -> ActionKey {
        let mut inputs: Vec<(&str, Digest)> = inputs.collect();
        // By name, then digest; equal pairs are identical, so an unstable sort is exact.
        inputs.sort_unstable();
        let key = Digest::of_written(|out| key_json(&definition, &inputs, out));
        ActionKey { definition, key }
    }
}

/// The key document, `{"definition": D, "inputs": [{"name": N, "digest": D}, …]}`, as
/// serde_json writes it compactly (a test checks they agree byte for byte), written
/// directly: through serde, escaping every hex digit of every digest was most of the
/// cost of a fully cached run's keys.
fn key_json(definition: &Digest, inputs: &[(&str, Digest)], out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"definition\":\"");
    out.extend_from_slice(&definition.hex_bytes());
    out.extend_from_slice(b"\",\"inputs\":[");
    for (i, (name, digest)) in inputs.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"name\":");
        serde_json::to_writer(&mut *out, name).expect("a string serializes");
        out.extend_from_slice(b",\"digest\":\"");
        out.extend_from_slice(&digest.hex_bytes());
        out.extend_from_slice(b"\"}");
    }
    out.extend_from_slice(b"]}");
}

#[cfg(test)]
mod tests;
