//! The `planc` command line: argument parsing, rendering and exit codes. Everything
//! else lives in the `compiler` and `runtime` crates.

mod cache;
mod check;
mod fmt;
mod import;
mod plan;
mod render;
mod run;

use std::path::{Path, PathBuf};
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
    /// Build the plan (everything, a stage, or targets) with the cache.
    Run {
        #[command(flatten)]
        plan: PlanArgs,
        #[command(flatten)]
        args: run::RunArgs,
    },
    /// Write `plan.lock`: every external input with its content hash.
    Lock {
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Export, import or collect the plan's cache.
    Cache(cache::CacheArgs),
    /// Turn an archive's metadata into a plan.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run a staged DAG from its JSON form (runtime testing; paths relative to the file).
    #[command(hide = true)]
    RunDag {
        file: PathBuf,
        #[command(flatten)]
        args: run::RunArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A Debian archive's `Sources` and `Packages` files (plain, .zst, .xz or .gz).
    Debian(import::ImportArgs),
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

    /// The directory holding the root plan file (DAG paths are relative to it).
    pub fn plan_dir(&self) -> PathBuf {
        let root = compiler::root_file_path(&self.path);
        match root.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
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

/// `planc run stage1` means the plan in `.`: a first positional that is not a path is a
/// target.
fn split_path_and_targets(mut plan: PlanArgs, mut args: run::RunArgs) -> (PlanArgs, run::RunArgs) {
    if !plan.path.exists() && Path::new("plan.kdl").exists() {
        args.targets.insert(0, plan.path.to_string_lossy().into_owned());
        plan.path = PathBuf::from(".");
    }
    (plan, args)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Plan(args) => plan::run(&args),
        Command::Explain(args) => plan::explain(&args),
        Command::Run { plan, args } => {
            let (plan, args) = split_path_and_targets(plan, args);
            match plan::planned(&plan) {
                Ok((_, outcome)) => match &outcome.dag {
                    Some(dag) => run::run(&args, dag, &plan.plan_dir()),
                    None => ExitCode::from(exit::ERRORS),
                },
                Err(code) => code,
            }
        }
        Command::Lock { plan } => match plan::planned(&plan) {
            Ok((_, outcome)) => match &outcome.dag {
                Some(dag) => run::lock(dag, &plan.plan_dir()),
                None => ExitCode::from(exit::ERRORS),
            },
            Err(code) => code,
        },
        Command::Cache(args) => {
            let plan = PlanArgs { path: args.plan.clone(), overlays: Vec::new(), profiles: Vec::new() };
            cache::run(&args, &plan.plan_dir())
        }
        Command::Import(ImportCommand::Debian(args)) => import::run(&args),
        Command::RunDag { file, args } => {
            let dir = match file.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            run::run_dag(&args, &file, &dir)
        }
    }
}

/// Planning an archive allocates millions of small strings and vectors; mimalloc serves
/// them at a fraction of the C library allocator's cost. It is built without
/// transparent huge pages, which are slow to fault on virtual machines that return freed
/// memory to their host (see ARCHITECTURE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
