//! `RunSummary`: `STATE/summary.json`, everything a run consumed and produced with
//! content hashes (Azure Linux's summary files, with the hashes they lack). A run from
//! a summary (`--from-summary`) refuses inputs that differ and reports outputs that do.

use std::collections::BTreeMap;
use std::path::Path;

use compiler::dag::StagedDag;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::scheduler::ActionRecord;

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

/// What a run's summary holds besides the DAG's ids and the records' outputs, gathered
/// while the agent is alive. The summary itself (maps of every action's outputs) is
/// built from them only when it is written or compared: a no-op whose reports are
/// already right builds none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SummaryParts {
    /// Per action, the sha256 of its source, when it has one and was prepared.
    pub sources: Vec<Option<Digest>>,
    pub seeds: BTreeMap<String, Digest>,
    /// Sorted by seed, then name.
    pub host_tools: Vec<SummaryTool>,
}

impl RunSummary {
    /// The summary of a run of `dag` that left `records`.
    pub fn build(dag: &StagedDag, records: &[ActionRecord], parts: &SummaryParts) -> RunSummary {
        let mut s = RunSummary {
            format: 1,
            plan: dag.plan.clone(),
            seeds: parts.seeds.clone(),
            host_tools: parts.host_tools.clone(),
            ..RunSummary::default()
        };
        for ((a, r), source) in dag.actions.iter().zip(records).zip(&parts.sources) {
            if let Some(src) = source {
                s.sources.insert(a.id.clone(), *src);
            }
            if let Some(outs) = &r.outputs {
                s.outputs.insert(a.id.clone(), outs.iter().map(|o| (o.name.clone(), o.digest)).collect());
            }
        }
        s
    }

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
