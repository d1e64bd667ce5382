//! The `planc` command line: argument parsing, rendering and exit codes. Everything
//! else lives in the `compiler` and `runtime` crates.

mod check;
mod fmt;
mod plan;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative build plans for staged bootstraps.
#[derive(Parser)]
#[command(name = "planc", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a plan and everything it imports; print diagnostics.
    Check(check::CheckArgs),
    /// Format plan files in place (or check that they are formatted).
    Fmt(fmt::FmtArgs),
    /// Plan the campaign: instances, build layers, redirects, taint; JSON DAG or DOT.
    Plan(plan::PlanCmdArgs),
    /// Why an instance is built, through which dependencies, and which cycle it breaks.
    Explain(plan::ExplainArgs),
}

/// What every command that reads a plan takes.
#[derive(Args, Clone, Debug)]
pub struct PlanArgs {
    /// A plan file, or a directory holding `plan.kdl`.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Add a file as if the root plan imported it (repeatable).
    #[arg(long = "overlay", value_name = "FILE")]
    pub overlays: Vec<PathBuf>,
    /// A build profile active in every instance (repeatable), e.g. `nocheck`.
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
}

impl PlanArgs {
    pub fn session_config(&self) -> compiler::SessionConfig {
        compiler::SessionConfig {
            overlays: self.overlays.clone(),
            profiles: self.profiles.clone(),
            threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Reports for people, on stderr.
    #[default]
    Human,
    /// One JSON array on stdout.
    Json,
}

/// Exit status: 0 clean (warnings allowed), 1 errors in the plan, 2 usage or I/O error.
pub mod exit {
    pub const ERRORS: u8 = 1;
    pub const USAGE: u8 = 2;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Explain(args) => plan::explain(&args),
    }
}
