//! What an import did: counts, unsatisfiable sources and time per phase.

use std::time::Duration;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Stanzas in `Sources`.
    pub sources_read: usize,
    /// `Extra-Source-Only: yes` stanzas (kept for licence reasons; they build nothing).
    pub extra_source_only: usize,
    /// Older versions of a source that `Sources` also lists at a higher version.
    pub superseded_sources: usize,
    /// Stanzas in `Packages`, of every architecture.
    pub binaries_read: usize,
    /// Binaries of the architecture and of `all`, one per name.
    pub binaries_available: usize,
    /// The minimal build system: roots and their run-time closure.
    pub minimal_system: usize,
    /// Every output of the seed.
    pub seed_binaries: usize,
    /// Sources whose binaries are all in the seed because they build the minimal system.
    pub seed_sources: usize,
    /// Sources with no binary for the architecture other than in the seed (most build
    /// only `Architecture: all` binaries).
    pub sources_in_seed: usize,
    /// Sources written as packages.
    pub planned_sources: usize,
    /// Planned sources with a `stage "stage1"` instance.
    pub stage1_sources: usize,
    /// Sources whose build-dependencies cannot be met, sorted by name.
    pub unsatisfiable: Vec<Unsatisfiable>,
    /// Groups in the planned sources' `Build-Conflicts*` fields: conflicts are not modelled.
    pub build_conflicts_dropped: usize,
    /// `udeb` entries of `Package-List` for the architecture: not outputs.
    pub udebs_skipped: usize,
    /// Binary names listed by two sources for the architecture; the one that `Packages`
    /// says built it (or the first by name) keeps it.
    pub output_conflicts: usize,
    /// Outputs listed in `Package-List` that `Packages` does not have (not built in the
    /// archive, or only under a profile): written at the source's version, without
    /// `depends` or `provides`.
    pub outputs_not_in_packages: usize,
    /// Files written because their content changed, files left as they were, and stale
    /// files from an earlier import removed.
    pub files_written: usize,
    pub files_unchanged: usize,
    pub files_removed: usize,
    pub phases: Vec<Phase>,
}

/// A source package left out of the plan, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsatisfiable {
    pub source: String,
    pub version: String,
    /// The first build-dependency that cannot be met, as the plan would write it.
    pub dependency: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    pub name: &'static str,
    pub duration: Duration,
}

impl ImportReport {
    pub fn total_duration(&self) -> Duration {
        self.phases.iter().map(|p| p.duration).sum()
    }
}
