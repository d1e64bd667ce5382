//! `Agent`: what executes the actions the scheduler starts, on a real or a virtual
//! clock. `LocalAgent` runs processes; `DryAgent` simulates durations.

use std::time::Duration;

use crate::content_store::OutputDigest;

/// The outputs of every finished action, by action index.
pub type Results = [Option<Vec<OutputDigest>>];

/// What `Agent::prepare` decided for an action whose producers are all done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prepared {
    /// Up to date: its outputs from the cache.
    Cached { outputs: Vec<OutputDigest>, note: Option<String> },
    /// Must run.
    Run,
    /// Cannot run (a missing source, a bad checksum): fails without retries.
    Error(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub action: usize,
    pub worker: usize,
    pub start: Duration,
    pub end: Duration,
    pub result: JobResult,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobResult {
    Built { outputs: Vec<OutputDigest>, check_attempts: u32 },
    Failed(Failure),
    /// A consumed output's blob was corrupt or missing: its producer must be rebuilt.
    InputLost { producer: usize, message: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    /// The last lines of the action's log.
    pub log_tail: Option<String>,
    pub kind: FailureKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    Command,
    Check,
    TimedOut,
    Cancelled,
    Setup,
}

pub trait Agent {
    /// Actions it runs at once.
    fn slots(&self) -> usize;
    /// Time since the run started, on the agent's clock.
    fn now(&self) -> Duration;
    fn prepare(&mut self, action: usize, results: &Results) -> Prepared;
    /// Starts a prepared action; `attempt` counts from 1.
    fn start(&mut self, action: usize, attempt: u32);
    /// The next completion, or `None` once `until` (on the agent's clock) has passed.
    fn wait(&mut self, until: Option<Duration>) -> Option<Completion>;
    /// Terminates everything running; their completions still arrive.
    fn cancel(&mut self);
    /// Drops an action's cached result (its blob was lost).
    fn forget(&mut self, action: usize);
}
