//! `History`: each action's last measured duration (`STATE/durations.json`), which
//! weights the critical path of the next run.

use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::FxHashMap;

#[derive(Default, serde::Deserialize)]
pub struct History {
    /// Action id → milliseconds. Hashed, not ordered: every run looks up each action's
    /// id once, and a no-op writes nothing; `save` writes the ids in order.
    pub durations: FxHashMap<String, u64>,
}

impl History {
    pub fn load(path: &Path) -> History {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let sorted: BTreeMap<&str, u64> = self.durations.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let json = serde_json::to_vec(&serde_json::json!({ "durations": sorted })).expect("history serializes");
        crate::atomic_file::write_atomic(path, &json)
    }
}

#[cfg(test)]
mod tests;
