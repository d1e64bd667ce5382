//! The `planc` command line.

mod cache;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(name = "planc", version, about = "Declarative build-plan compiler and runtime for staged bootstraps")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Run a staged DAG from its JSON form (runtime testing; paths relative to the file).
    #[command(hide = true)]
    RunDag {
        file: PathBuf,
        #[command(flatten)]
        args: run::RunArgs,
    },
    /// Manage the cache of the plan in PLAN_DIR.
    #[command(hide = true)]
    CacheDag {
        plan_dir: PathBuf,
        #[command(flatten)]
        args: cache::CacheArgs,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::RunDag { file, args } => {
            let dag = match std::fs::read(&file).map_err(|e| e.to_string()).and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string())) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("error: cannot read the DAG `{}`: {e}", file.display());
                    return ExitCode::from(2);
                }
            };
            let dir = file.parent().map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_owned() }).unwrap_or_default();
            run::run(&args, &dag, &dir)
        }
        Command::CacheDag { plan_dir, args } => cache::run(&args, &plan_dir),
    }
}
