//! `planc import debian`: an archive's `Sources` and `Packages` to a plan directory.

use std::path::PathBuf;
use std::time::Instant;

use super::arch::Arch;
use super::archive::{Archive, read_both};
use super::error::ImportError;
use super::plan::Plan;
use super::report::{ImportReport, Phase};
use super::source::SourceOptions;
use super::writer::{render, write_files};

/// What to import, and where to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportConfig {
    /// The `Sources` index: plain, `.zst`, `.xz` or `.gz` (recognised by content).
    pub sources: PathBuf,
    /// The `Packages` index of the architecture.
    pub packages: PathBuf,
    /// The Debian architecture to plan for (`amd64`).
    pub arch: String,
    /// The plan directory: `plan.kdl`, `seed.kdl`, `packages/`, `unsatisfiable.txt`.
    pub out_dir: PathBuf,
    /// Leave `Build-Depends-Indep` out (botch's `--deb-drop-b-d-indep`).
    pub drop_indep: bool,
    /// The plan's name; `debian-ARCH` when `None`.
    pub name: Option<String>,
}

/// Imports the archive into `cfg.out_dir`. Sources whose build-dependencies cannot be
/// met are left out and listed in the report and in `unsatisfiable.txt`.
pub fn import(cfg: &ImportConfig) -> Result<ImportReport, ImportError> {
    let arch = Arch::parse(&cfg.arch).ok_or_else(|| ImportError::UnknownArch(cfg.arch.clone()))?;
    let mut phases = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str| {
        let now = Instant::now();
        phases.push(Phase {
            name,
            duration: now - clock,
        });
        clock = now;
    };

    let (sources_text, packages_text) = read_both(&cfg.sources, &cfg.packages)?;
    lap("read");
    let options = SourceOptions {
        arch: &arch,
        drop_indep: cfg.drop_indep,
    };
    let archive = Archive::parse(
        (&sources_text, &cfg.sources),
        (&packages_text, &cfg.packages),
        options,
    )?;
    lap("parse");
    let plan = Plan::build(&archive, &arch);
    lap("plan");
    let name = cfg
        .name
        .clone()
        .unwrap_or_else(|| format!("debian-{}", arch.name()));
    let files = render(&plan, &name);
    lap("render");
    let written = write_files(&cfg.out_dir, &files)?;
    lap("write");

    let counts = plan.counts;
    Ok(ImportReport {
        sources_read: archive.sources.len(),
        extra_source_only: counts.extra_source_only,
        superseded_sources: counts.superseded_sources,
        binaries_read: archive.binary_stanzas,
        binaries_available: counts.binaries_available,
        minimal_system: counts.minimal_system,
        seed_binaries: plan.seed.len(),
        seed_sources: counts.seed_sources,
        sources_in_seed: counts.sources_in_seed,
        planned_sources: plan.packages.len(),
        stage1_sources: plan.packages.iter().filter(|p| p.stage1).count(),
        unsatisfiable: plan.unsatisfiable,
        build_conflicts_dropped: counts.build_conflicts_dropped,
        udebs_skipped: counts.udebs_skipped,
        output_conflicts: counts.output_conflicts,
        outputs_not_in_packages: counts.outputs_not_in_packages,
        files_written: written.written,
        files_unchanged: written.unchanged,
        files_removed: written.removed,
        phases,
    })
}
