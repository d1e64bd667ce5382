//! `History`: each action's last measured duration (`STATE/durations.json`), which
//! weights the critical path of the next run.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// Action id → milliseconds.
    pub durations: BTreeMap<String, u64>,
}

impl History {
    pub fn load(path: &Path) -> History {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::atomic_file::write_atomic(path, &serde_json::to_vec(self).expect("history serializes"))
    }
}
