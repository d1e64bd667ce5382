//! `planc cache`: export, import and garbage-collect the content-addressed cache.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use runtime::CacheTransfer;

#[derive(Debug, clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    pub command: CacheCommand,
    /// The state dir; default `.planc/` beside the plan.
    #[arg(long, global = true)]
    pub state_dir: Option<PathBuf>,
    /// The plan whose cache this is (a file, or a directory holding `plan.kdl`).
    #[arg(long, global = true, default_value = ".")]
    pub plan: PathBuf,
}

#[derive(Debug, clap::Subcommand)]
pub enum CacheCommand {
    /// Write the latest results (of every action, or of PKG…) and their blobs to FILE.
    Export { file: PathBuf, packages: Vec<String> },
    /// Add the results and blobs of an exported FILE (every blob verified).
    Import { file: PathBuf },
    /// Keep the latest result of each action; delete every other blob.
    Gc,
}

pub fn run(args: &CacheArgs, plan_dir: &Path) -> ExitCode {
    let state = args.state_dir.clone().unwrap_or_else(|| plan_dir.join(".planc"));
    let result = match &args.command {
        CacheCommand::Export { file, packages } => CacheTransfer::export(&state, file, packages)
            .map(|s| format!("exported {} results, {} blobs to {}", s.entries, s.blobs, file.display())),
        CacheCommand::Import { file } => CacheTransfer::import(&state, file)
            .map(|s| format!("imported {} results, {} blobs", s.entries, s.blobs)),
        CacheCommand::Gc => CacheTransfer::gc(&state)
            .map(|s| format!("kept {} results and {} blobs; removed {} blobs", s.entries, s.blobs, s.removed_blobs)),
    };
    match result {
        Ok(msg) => {
            eprintln!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
