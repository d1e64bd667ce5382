//! `History`: each action's last measured duration (`STATE/durations.json`), which
//! weights the critical path of the next run.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::FxHashMap;

#[derive(Default, serde::Deserialize)]
pub struct History {
    /// Action id → milliseconds. Hashed, not ordered: every run looks up each action's
    /// id once, and a no-op writes nothing; `save` writes the ids in order.
    pub durations: FxHashMap<String, u64>,
}

/// The history as read, its ids borrowed from the file's bytes (copied only when one
/// has an escape).
#[derive(serde::Deserialize)]
struct Borrowed<'a> {
    #[serde(borrow)]
    durations: FxHashMap<Cow<'a, str>, u64>,
}

impl History {
    /// The last duration of each of `ids` (`None` for one never measured), read from
    /// the history in `path` without copying 20,000 ids into a map of its own: every
    /// run needs the durations, only a run that built something the history itself.
    pub fn durations_of<'i>(path: &Path, ids: impl Iterator<Item = &'i str>) -> Vec<Option<u64>> {
        let bytes = std::fs::read(path).unwrap_or_default();
        let durations = serde_json::from_slice::<Borrowed>(&bytes).map(|h| h.durations).unwrap_or_default();
        ids.map(|id| durations.get(id).copied()).collect()
    }

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
