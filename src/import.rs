//! `planc import debian`: command-line arguments, and the summary and warnings it prints.

use std::path::PathBuf;
use std::process::ExitCode;

use compiler::debian::{ImportConfig, ImportError, ImportReport, import};

/// Turn a Debian archive's `Sources` and `Packages` into a plan.
#[derive(Clone, Debug, clap::Args)]
pub struct ImportArgs {
    /// The `Sources` index (plain, .zst, .xz or .gz)
    #[arg(long, value_name = "FILE")]
    pub sources: PathBuf,
    /// The `Packages` index of the architecture (plain, .zst, .xz or .gz)
    #[arg(long, value_name = "FILE")]
    pub packages: PathBuf,
    /// The Debian architecture to plan for
    #[arg(long, value_name = "ARCH")]
    pub arch: String,
    /// The plan directory to write (created if missing)
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Leave out Build-Depends-Indep (like botch's --deb-drop-b-d-indep)
    #[arg(long)]
    pub drop_indep: bool,
    /// The plan's name [default: debian-ARCH]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Runs the import; diagnostics and the summary go to stderr. Exit code 0 on success
/// (unsatisfiable sources are a warning), 1 when the archive is malformed, 2 when a file
/// cannot be read or written or the arguments are wrong.
pub fn run(args: &ImportArgs) -> ExitCode {
    let cfg = ImportConfig {
        sources: args.sources.clone(),
        packages: args.packages.clone(),
        arch: args.arch.clone(),
        out_dir: args.out_dir.clone(),
        drop_indep: args.drop_indep,
        name: args.name.clone(),
    };
    match import(&cfg) {
        Ok(report) => {
            eprint!("{}", summary(&report, &cfg));
            ExitCode::SUCCESS
        }
        Err(error) => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            if let ImportError::UnknownArch(_) = error {
                eprintln!(
                    "  help: give a Debian architecture name, such as `amd64`, `arm64` or `hurd-i386`"
                );
            }
            ExitCode::from(if error.is_io_or_usage() { 2 } else { 1 })
        }
    }
}

fn summary(report: &ImportReport, cfg: &ImportConfig) -> String {
    let mut text = format!(
        "imported {} sources and {} binaries in {:.2}s ({})\n\
         seed: {} binaries (minimal build system: {}, from {} sources)\n\
         planned: {} sources, {} with a stage1 instance\n\
         not planned: {} sources whose binaries are all in the seed, {} unsatisfiable\n\
         dropped: {} build-conflicts, {} udebs\n\
         files: {} written, {} unchanged, {} removed in `{}`\n",
        report.sources_read,
        report.binaries_read,
        report.total_duration().as_secs_f64(),
        report
            .phases
            .iter()
            .map(|p| format!("{} {:.2}s", p.name, p.duration.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", "),
        report.seed_binaries,
        report.minimal_system,
        report.seed_sources,
        report.planned_sources,
        report.stage1_sources,
        report.sources_in_seed,
        report.unsatisfiable.len(),
        report.build_conflicts_dropped,
        report.udebs_skipped,
        report.files_written,
        report.files_unchanged,
        report.files_removed,
        cfg.out_dir.display(),
    );
    if !report.unsatisfiable.is_empty() {
        text.push_str(&format!(
            "warning: {} sources have build-dependencies that cannot be met and are not planned\n  \
             help: see `{}` for each source and its first unmet dependency\n",
            report.unsatisfiable.len(),
            cfg.out_dir.join("unsatisfiable.txt").display(),
        ));
    }
    text
}
