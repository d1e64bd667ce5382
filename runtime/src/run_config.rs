//! `RunConfig`: every option of a run, as one struct (no boolean parameters).

use std::path::PathBuf;
use std::time::Duration;

use crate::action_key::Checks;
use crate::digest::Digest;

#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Actions run at once (`-j`).
    pub jobs: usize,
    pub agent: AgentKind,
    /// Where the cache, logs and reports live (`.planc/` beside the plan by default).
    pub state_dir: PathBuf,
    /// The directory DAG paths are relative to.
    pub plan_dir: PathBuf,
    /// Tries per action, the first included (`--attempts`).
    pub attempts: u32,
    /// Tries of the check commands per build (`--check-attempts`).
    pub check_attempts: u32,
    /// Run check commands (`--tests`).
    pub checks: Checks,
    /// Stop the whole run after this long (`--timeout`).
    pub timeout: Option<Duration>,
    pub on_failure: FailurePolicy,
    pub cache: CacheMode,
    /// Packages rebuilt even when cached (`--rebuild`).
    pub rebuild: Vec<String>,
    /// How many levels of dependents a changed output may rebuild
    /// (`--max-cascading-rebuilds`); deeper ones reuse their last cached result.
    pub max_cascading_rebuilds: Option<u32>,
    pub isolation: Isolation,
    pub lock: LockMode,
    /// Reproduce the external inputs recorded in this summary (`--from-summary`).
    pub from_summary: Option<PathBuf>,
    /// Stage names and package names; empty means everything.
    pub targets: Vec<String>,
    pub order: ReadyOrder,
    pub progress: ProgressMode,
    pub state_lock: StateLockMode,
    /// First retry delay; doubled for each further retry.
    pub retry_backoff: Duration,
    /// Time between SIGTERM and SIGKILL for a timed-out or cancelled action.
    pub kill_grace: Duration,
    pub signals: SignalMode,
    /// After the build: verify pairs and images (`planc run` without targets).
    pub finish: FinishSteps,
    pub teardown: Teardown,
    /// The sha256 of the DAG file the DAG was read from (`planc run-dag`): the state
    /// dir's definition memo (`dag.defs`) is kept for it. `None` for a DAG of no file.
    pub dag_file_digest: Option<Digest>,
}

impl RunConfig {
    pub fn new(plan_dir: PathBuf, state_dir: PathBuf) -> RunConfig {
        RunConfig {
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            agent: AgentKind::Local,
            state_dir,
            plan_dir,
            attempts: 1,
            check_attempts: 1,
            checks: Checks::Skipped,
            timeout: None,
            on_failure: FailurePolicy::Stop,
            cache: CacheMode::Use,
            rebuild: Vec::new(),
            max_cascading_rebuilds: None,
            isolation: Isolation::None,
            lock: LockMode::Unlocked,
            from_summary: None,
            targets: Vec::new(),
            order: ReadyOrder::CriticalPath,
            progress: ProgressMode::Auto,
            state_lock: StateLockMode::Refuse,
            retry_backoff: Duration::from_millis(500),
            kill_grace: Duration::from_secs(3),
            signals: SignalMode::Ignore,
            finish: FinishSteps::Auto,
            teardown: Teardown::Free,
            dag_file_digest: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgentKind {
    /// Real processes on this machine.
    Local,
    /// No processes: durations simulated on a virtual clock.
    Dry,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailurePolicy {
    /// Start nothing new after a failure; let running actions finish.
    Stop,
    /// Build everything that does not depend on a failure.
    KeepGoing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheMode {
    Use,
    /// Rebuild everything (results are still recorded).
    Ignore,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Isolation {
    None,
    /// User, mount, pid and network namespaces; host read-only.
    Sandbox,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    Unlocked,
    /// Refuse any drift from `plan.lock`.
    Locked,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadyOrder {
    /// Longest remaining path first, weighted by measured durations.
    CriticalPath,
    /// First ready, first started (Azure Linux's scheduler).
    Fifo,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgressMode {
    /// A status line on a TTY, plain lines otherwise.
    Auto,
    Plain,
    Quiet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateLockMode {
    /// A second concurrent run fails at once.
    Refuse,
    /// A second concurrent run waits for the first (`--wait`).
    Wait,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalMode {
    /// The caller handles signals.
    Ignore,
    /// Poll the flag `Signals::install` sets: stop dispatching, cancel, report.
    Handle,
}

/// What becomes of the cache's and the summary's memory when a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Teardown {
    /// Freed: the caller goes on (tests, a library user running several builds).
    Free,
    /// Left to the OS: the process exits right after the run (the `planc` commands).
    /// The cache is still closed (every write committed, its thread stopped); only the
    /// freeing of its index entry by entry, a tenth of a no-op's CPU on 20,000
    /// actions, is skipped.
    Leave,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishSteps {
    /// Verify pairs and images when no target is given and the build succeeded.
    Auto,
    Skip,
}
