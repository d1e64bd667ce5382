//! `planc run`: the command line of the runtime (options → `RunConfig`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use compiler::dag::StagedDag;
use runtime::{
    AgentKind, CacheMode, Checks, FailurePolicy, Isolation, LockMode, ProgressMode, RunConfig, SignalMode,
    Signals, StateLockMode, Teardown,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AgentArg {
    Local,
    Dry,
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Stages (everything up to them) or packages (and what they need) to build.
    pub targets: Vec<String>,
    /// Actions run at once (default: the CPU count).
    #[arg(short = 'j', long = "jobs")]
    pub jobs: Option<usize>,
    /// `local` runs processes; `dry` simulates durations and reports the makespan.
    #[arg(long, value_enum, default_value = "local")]
    pub agent: AgentArg,
    /// The state dir (cache, logs, reports); default `.planc/` beside the plan.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Tries per action (retried with backoff).
    #[arg(long, default_value_t = 1)]
    pub attempts: u32,
    /// Tries of an action's check commands.
    #[arg(long, default_value_t = 1)]
    pub check_attempts: u32,
    /// Run the check commands.
    #[arg(long)]
    pub tests: bool,
    /// Stop the whole run after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Build everything that does not depend on a failure.
    #[arg(long, conflicts_with = "stop_on_failure")]
    pub keep_going: bool,
    /// Start nothing new after a failure (the default).
    #[arg(long)]
    pub stop_on_failure: bool,
    /// Ignore cached results (results are still recorded).
    #[arg(long)]
    pub no_cache: bool,
    /// Rebuild these packages even when cached.
    #[arg(long, value_name = "PKG", num_args = 1..)]
    pub rebuild: Vec<String>,
    /// Rebuild at most N levels of dependents of a changed output.
    #[arg(long, value_name = "N")]
    pub max_cascading_rebuilds: Option<u32>,
    /// Run actions in user, mount, pid and network namespaces, host read-only.
    #[arg(long)]
    pub sandbox: bool,
    /// Refuse any drift from plan.lock.
    #[arg(long)]
    pub locked: bool,
    /// Reproduce the inputs recorded in a summary.json.
    #[arg(long, value_name = "FILE")]
    pub from_summary: Option<PathBuf>,
    /// Wait for another run holding the state dir instead of failing.
    #[arg(long)]
    pub wait: bool,
    /// Ready order: critical path (default) or fifo.
    #[arg(long, hide = true)]
    pub fifo: bool,
}

impl RunArgs {
    pub fn config(&self, plan_dir: &Path) -> RunConfig {
        let state_dir = self.state_dir.clone().unwrap_or_else(|| plan_dir.join(".planc"));
        let mut c = RunConfig::new(plan_dir.to_owned(), state_dir);
        if let Some(j) = self.jobs {
            c.jobs = j.max(1);
        }
        c.agent = match self.agent {
            AgentArg::Local => AgentKind::Local,
            AgentArg::Dry => AgentKind::Dry,
        };
        c.attempts = self.attempts.max(1);
        c.check_attempts = self.check_attempts.max(1);
        c.checks = if self.tests { Checks::Run } else { Checks::Skipped };
        c.timeout = self.timeout.map(Duration::from_secs);
        c.on_failure = if self.keep_going { FailurePolicy::KeepGoing } else { FailurePolicy::Stop };
        c.cache = if self.no_cache { CacheMode::Ignore } else { CacheMode::Use };
        c.rebuild = self.rebuild.clone();
        c.max_cascading_rebuilds = self.max_cascading_rebuilds;
        c.isolation = if self.sandbox { Isolation::Sandbox } else { Isolation::None };
        c.lock = if self.locked { LockMode::Locked } else { LockMode::Unlocked };
        c.from_summary = self.from_summary.clone();
        c.targets = self.targets.clone();
        c.state_lock = if self.wait { StateLockMode::Wait } else { StateLockMode::Refuse };
        c.progress = ProgressMode::Auto;
        c.signals = SignalMode::Handle;
        if self.fifo {
            c.order = runtime::ReadyOrder::Fifo;
        }
        // Both commands exit right after the run.
        c.teardown = Teardown::Leave;
        c
    }
}

/// Runs `dag` (compiled from the plan in `plan_dir`).
pub fn run(args: &RunArgs, dag: &StagedDag, plan_dir: &Path) -> ExitCode {
    let config = args.config(plan_dir);
    install_signals();
    exit_code(runtime::run(dag, &config), &config)
}

/// Runs the DAG in the JSON file `file` (`planc run-dag`; paths relative to `dir`). The
/// state dir is locked and its cache opened while the DAG is read; the DAG comes from
/// the state dir's snapshot when the file's bytes are those it was taken of.
pub fn run_dag(args: &RunArgs, file: &Path, dir: &Path) -> ExitCode {
    let mut config = args.config(dir);
    let unreadable = |e: &dyn std::fmt::Display| {
        eprintln!("error: cannot read the DAG `{}`: {e}", file.display());
        ExitCode::from(crate::exit::USAGE)
    };
    // Opened before the state dir is made: a mistyped path creates nothing.
    let json = match std::fs::File::open(file) {
        Ok(f) => f,
        Err(e) => return unreadable(&e),
    };
    install_signals();
    let state = match runtime::OpenState::open(&config) {
        Ok(s) => s,
        Err(e) => return exit_code(Err(e), &config),
    };
    match runtime::load_dag(json, &config.state_dir) {
        Ok(runtime::LoadedDag { dag, json, .. }) => {
            config.dag_file_digest = Some(json);
            let code = exit_code(runtime::run_in(state, &dag, &config), &config);
            // The process ends next: freeing a large DAG's strings one by one would only
            // delay the exit (milliseconds on 20,000 actions).
            std::mem::forget(dag);
            code
        }
        Err(e) => unreadable(&e),
    }
}

fn install_signals() {
    if let Err(e) = Signals::install() {
        eprintln!("warning: cannot install signal handlers: {e}");
    }
}

/// 0 when the run succeeded, 130 after an interrupt, 1 after a failure, 2 when it could
/// not start.
fn exit_code(result: Result<runtime::RunReport, runtime::RunError>, config: &RunConfig) -> ExitCode {
    match result {
        Ok(report) => {
            if config.agent == AgentKind::Dry {
                println!("makespan {:.1}s with {} workers", report.makespan.as_secs_f64(), config.jobs);
            }
            let success = report.success();
            // The process ends next: the OS reclaims the records at once.
            std::mem::forget(report);
            if success {
                ExitCode::SUCCESS
            } else if Signals::interrupted() {
                ExitCode::from(130)
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Writes `plan.lock` beside the plan (`planc lock`).
pub fn lock(dag: &StagedDag, plan_dir: &Path) -> ExitCode {
    match runtime::lock(dag, plan_dir) {
        Ok(lock) => {
            eprintln!(
                "wrote {}: {} host tools, {} archives",
                plan_dir.join("plan.lock").display(),
                lock.host_tools.len(),
                lock.archives.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
