//! `CommandRunner`: runs one shell command of an action to completion, abstract so that
//! the action executor can be tested without processes (ninja's `CommandRunner`). The
//! real implementation is `ProcessRunner`; `FakeRunner` records and scripts.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::sandbox::SandboxSpec;

/// One command: `/bin/sh -c SCRIPT` with exactly `env`, in `cwd`, stdout and stderr
/// appended to `log`.
#[derive(Clone, Debug)]
pub struct CommandSpec {
    pub script: String,
    pub env: Vec<(OsString, OsString)>,
    pub cwd: PathBuf,
    pub log: PathBuf,
    pub timeout: Option<Duration>,
    /// Run inside namespaces (`--sandbox`).
    pub sandbox: Option<SandboxSpec>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandOutcome {
    Exited(i32),
    Signaled(i32),
    /// Killed, with its whole process group, after its timeout.
    TimedOut,
    /// Killed, with its whole process group, because the run was cancelled.
    Cancelled,
}

impl CommandOutcome {
    pub fn success(self) -> bool {
        self == CommandOutcome::Exited(0)
    }
}

impl std::fmt::Display for CommandOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommandOutcome::Exited(c) => write!(f, "exit status {c}"),
            CommandOutcome::Signaled(s) => write!(f, "killed by signal {s}"),
            CommandOutcome::TimedOut => write!(f, "timed out"),
            CommandOutcome::Cancelled => write!(f, "cancelled"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    #[error("cannot open log `{path}`: {source}")]
    Log { path: PathBuf, source: std::io::Error },
    #[error("cannot start `/bin/sh`: {0}")]
    Spawn(std::io::Error),
    #[error("cannot wait for the command: {0}")]
    Wait(String),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
}

pub trait CommandRunner: Send + Sync {
    /// Runs the command and its whole process group to completion. Blocks.
    fn run(&self, spec: &CommandSpec) -> Result<CommandOutcome, RunnerError>;
    /// Terminates every running command's process group (SIGTERM, then SIGKILL after a
    /// grace period); later `run` calls return `Cancelled` at once.
    fn cancel_all(&self);
}

/// A runner that starts nothing: records every command and answers from a script.
#[derive(Default)]
pub struct FakeRunner {
    pub ran: Mutex<Vec<CommandSpec>>,
    /// `(substring, outcome)`: the first rule whose substring the script contains wins;
    /// otherwise `Exited(0)`.
    pub rules: Vec<(String, CommandOutcome)>,
}

impl FakeRunner {
    pub fn scripts(&self) -> Vec<String> {
        self.ran.lock().unwrap().iter().map(|s| s.script.clone()).collect()
    }
}

impl CommandRunner for FakeRunner {
    fn run(&self, spec: &CommandSpec) -> Result<CommandOutcome, RunnerError> {
        self.ran.lock().unwrap().push(spec.clone());
        Ok(self
            .rules
            .iter()
            .find(|(pat, _)| spec.script.contains(pat.as_str()))
            .map_or(CommandOutcome::Exited(0), |r| r.1))
    }

    fn cancel_all(&self) {}
}
