//! What a merge keeps for the next one in a session, and when the next one may patch it
//! rather than merge every file again.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Layers, MergedPlan};
use crate::diagnostic::FileName;
use crate::ir::PlanRoot;
use crate::items::FileItems;

/// The last merge of a session: what it read and what it made. The database holds one.
///
/// A merge may patch the last one when it is for the same root (so the same root
/// directory, which seeds' and packages' paths are relative to), reads the same files in
/// the same order, and every file whose items changed (`Arc::ptr_eq`; the session
/// replaces a file's items only when its text changed) has, before and after the edit:
/// - no templates and no `extend` blocks, which change other files' packages;
/// - equal seeds, images and verifies, which the patch keeps as they were;
/// - the same package names in the same order, so every package keeps the file that
///   defines it (the first in file order, the others being duplicates) and its place.
///
/// The patch then rebuilds only the packages those files define, with
/// [`Layers::package_def`] reading templates and extensions from every file as the full
/// merge does. The plan-level fields (the `plan` declaration's) are always read afresh.
/// `edits_give_a_full_merges_plan` checks the result against fresh sessions.
#[derive(Default)]
pub struct MergeMemo {
    last: Option<LastMerge>,
    patched: u64,
    merged: u64,
}

struct LastMerge {
    root: PlanRoot,
    files: Vec<(FileName, Arc<FileItems>)>,
    plan: Arc<MergedPlan>,
}

impl MergeMemo {
    /// Merges made by patching the last one, and made in full, so far.
    pub fn merge_counts(&self) -> (u64, u64) {
        (self.patched, self.merged)
    }

    /// Drops the last merge, so the next one is made in full.
    pub(super) fn forget(&mut self) {
        self.last = None;
    }

    pub(super) fn keep(&mut self, root: PlanRoot, files: Vec<(FileName, Arc<FileItems>)>, plan: Arc<MergedPlan>) {
        self.last = Some(LastMerge { root, files, plan });
    }

    /// The merge of `all` with the plan-level fields of `header`, made by patching the
    /// last merge; `None` when the rules above do not allow it, for a full merge.
    pub(super) fn patch(&mut self, root: PlanRoot, all: &[(FileName, Arc<FileItems>)], header: &MergedPlan) -> Option<Arc<MergedPlan>> {
        let patched = self.last.as_ref().and_then(|last| patch(last, root, all, header));
        match patched {
            Some(_) => self.patched += 1,
            None => self.merged += 1,
        }
        patched.map(Arc::new)
    }
}

/// `header` (whose packages, seeds, images and verifies are empty) with the last merge's,
/// the changed files' packages built again.
fn patch(last: &LastMerge, root: PlanRoot, all: &[(FileName, Arc<FileItems>)], header: &MergedPlan) -> Option<MergedPlan> {
    let old = &*last.plan;
    let changed = changed_files(last, root, all, header)?;
    let rebuilt = rebuilt_packages(old, &changed, all)?;
    let mut packages = old.packages.clone();
    for (at, def) in rebuilt {
        packages[at] = def;
    }
    Some(MergedPlan { packages, seeds: old.seeds.clone(), images: old.images.clone(), verifies: old.verifies.clone(), ..header.clone() })
}

/// The packages that the files `changed` (indices into `all`) define, built again, with
/// their places in `old`'s packages.
fn rebuilt_packages(old: &MergedPlan, changed: &[usize], all: &[(FileName, Arc<FileItems>)]) -> Option<Vec<(usize, Arc<super::PackageDef>)>> {
    if changed.is_empty() {
        return Some(Vec::new());
    }
    let layers = Layers::new(all);
    let mut rebuilt = Vec::new();
    for &i in changed {
        let (file, items) = &all[i];
        let mut seen = HashSet::new();
        for p in &items.packages {
            if !seen.insert(&*p.name.text) {
                continue; // a duplicate in the same file: the first one is the package
            }
            // The names are the last merge's, so the package is there (if it were not,
            // `None` asks for a full merge, which is still right).
            let at = old.package(&p.name.text)?;
            if old.packages[at].file != *file {
                continue; // a duplicate of an earlier file's package
            }
            // A package the edit left as it was stays the last plan's: its users (a
            // re-check comparing packages, salsa comparing plans) see one pointer.
            let def = layers.package_def(file, p, &old.root_dir);
            if *old.packages[at] != def {
                rebuilt.push((at, Arc::new(def)));
            }
        }
    }
    Some(rebuilt)
}

/// The indices of the files whose items changed since `last`, when every one of them may
/// be patched (see [`MergeMemo`]); `None` when the plan must be merged in full.
fn changed_files(last: &LastMerge, root: PlanRoot, all: &[(FileName, Arc<FileItems>)], header: &MergedPlan) -> Option<Vec<usize>> {
    if last.root != root || last.plan.root_dir != header.root_dir || last.files.len() != all.len() {
        return None;
    }
    let mut changed = Vec::new();
    for (i, ((old_name, old), (name, new))) in last.files.iter().zip(all).enumerate() {
        if old_name != name {
            return None;
        }
        if Arc::ptr_eq(old, new) {
            continue;
        }
        if !patchable(old) || !patchable(new) || !same_shape(old, new) {
            return None;
        }
        changed.push(i);
    }
    Some(changed)
}

/// A file that changes no other file's packages.
fn patchable(items: &FileItems) -> bool {
    items.templates.is_empty() && items.extends.is_empty()
}

/// Whether the edit from `old` to `new` kept what the patch keeps: seeds, images,
/// verifies, and the package names in order.
fn same_shape(old: &FileItems, new: &FileItems) -> bool {
    old.seeds == new.seeds
        && old.images == new.images
        && old.verifies == new.verifies
        && old.packages.len() == new.packages.len()
        && old.packages.iter().zip(&new.packages).all(|(a, b)| a.name.text == b.name.text)
}
