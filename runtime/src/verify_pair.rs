//! `VerifyPair`: two instances whose outputs must be identical bit for bit (a stage2 /
//! stage3 compare); on a difference, the files that differ.

use std::collections::BTreeMap;

use compiler::dag::StagedDag;

use crate::content_store::{ContentStore, OutputDigest};
use crate::tree_archive::TreeArchive;

pub struct VerifyPair;

impl VerifyPair {
    /// `None` when identical, else a message listing the differing files.
    pub fn compare(
        dag: &StagedDag,
        store: &dyn ContentStore,
        left: (usize, &[OutputDigest]),
        right: (usize, &[OutputDigest]),
    ) -> Option<String> {
        let (l, r) = (&dag.actions[left.0].id, &dag.actions[right.0].id);
        let mut diffs = Vec::new();
        for lo in left.1 {
            let Some(ro) = right.1.iter().find(|o| o.name == lo.name) else {
                diffs.push(format!("output `{}` only in `{l}`", lo.name));
                continue;
            };
            if lo.digest == ro.digest {
                continue;
            }
            let files = |d| store.get(d).ok().and_then(|t| TreeArchive::files(&t).ok()).unwrap_or_default();
            let a: BTreeMap<_, _> = files(&lo.digest).into_iter().collect();
            let b: BTreeMap<_, _> = files(&ro.digest).into_iter().collect();
            for (path, d) in &a {
                match b.get(path) {
                    None => diffs.push(format!("{}/{path}: only in `{l}`", lo.name)),
                    Some(e) if e != d => diffs.push(format!("{}/{path}: differs", lo.name)),
                    _ => {}
                }
            }
            for path in b.keys().filter(|p| !a.contains_key(*p)) {
                diffs.push(format!("{}/{path}: only in `{r}`", lo.name));
            }
            if a.is_empty() && b.is_empty() {
                diffs.push(format!("output `{}` differs", lo.name));
            }
        }
        (!diffs.is_empty()).then(|| format!("verify `{l}` against `{r}` failed:\n  {}", diffs.join("\n  ")))
    }
}
