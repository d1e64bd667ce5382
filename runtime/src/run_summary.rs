//! `RunSummary`: `STATE/summary.json`, everything a run consumed and produced with
//! content hashes (Azure Linux's summary files, with the hashes they lack). A run from
//! a summary (`--from-summary`) refuses inputs that differ and reports outputs that do.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// Its file name in the state dir.
pub const SUMMARY_FILE: &str = "summary.json";

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    pub format: u32,
    pub plan: String,
    /// Action id → sha256 of its source (tree or archive).
    pub sources: BTreeMap<String, Digest>,
    /// Seed name → its identity hash (archive and host tools).
    pub seeds: BTreeMap<String, Digest>,
    pub host_tools: Vec<SummaryTool>,
    /// Action id → output name → content hash.
    pub outputs: BTreeMap<String, BTreeMap<String, Digest>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryTool {
    pub seed: String,
    pub name: String,
    pub path: String,
    pub sha256: Digest,
}

impl RunSummary {
    pub fn load(path: &Path) -> Result<RunSummary, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read summary `{}`: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("summary `{}` is not valid: {e}", path.display()))
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic_file::write_atomic(path, &serde_json::to_vec_pretty(self).expect("summary serializes"))
    }

    /// Inputs of `current` that differ from this summary's (only those both know).
    pub fn input_drift(&self, current: &RunSummary) -> Vec<String> {
        let mut out = Vec::new();
        for (id, d) in &current.sources {
            if let Some(old) = self.sources.get(id)
                && old != d
            {
                out.push(format!("source of `{id}` changed: recorded {}, now {}", old.short(), d.short()));
            }
        }
        for (s, d) in &current.seeds {
            if let Some(old) = self.seeds.get(s)
                && old != d
            {
                let tools: Vec<String> = current
                    .host_tools
                    .iter()
                    .filter(|t| t.seed == *s && !self.host_tools.contains(t))
                    .map(|t| format!("`{}` ({})", t.name, t.path))
                    .collect();
                out.push(format!("seed `{s}` changed{}", if tools.is_empty() { String::new() } else { format!(": host tools {}", tools.join(", ")) }));
            }
        }
        out
    }

    /// Outputs of `current` whose hash differs from this summary's.
    pub fn output_drift(&self, current: &RunSummary) -> Vec<String> {
        let mut out = Vec::new();
        for (id, outs) in &current.outputs {
            for (name, d) in outs {
                if let Some(old) = self.outputs.get(id).and_then(|o| o.get(name))
                    && old != d
                {
                    out.push(format!("output `{name}` of `{id}` not reproduced: recorded {}, now {}", old.short(), d.short()));
                }
            }
        }
        out
    }
}
