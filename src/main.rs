//! The `planc` command line.

mod import;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "planc",
    version,
    about = "Declarative build-plan compiler and runtime for staged bootstraps"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Turn another system's metadata into a plan
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A Debian archive's Sources and Packages
    Debian(import::ImportArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Import(ImportCommand::Debian(args)) => import::run(&args),
    }
}
