//! `run`: one `planc run` from start to end: lock the state dir, select the actions,
//! check the lock file or summary, schedule on the chosen agent, then verify pairs,
//! assemble images and write every report.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use compiler::dag::{FORMAT_VERSION, Source, StagedDag};

use crate::action_executor::{ActionExecutor, ExecutorConfig};
use crate::content_store::{ContentStore, DiskStore, StoreError};
use crate::definition_memo::{DEFINITIONS_FILE, DefinitionMemo};
use crate::dry_agent::DryAgent;
use crate::history::History;
use crate::image_writer::ImageWriter;
use crate::local_agent::{CachePolicy, LocalAgent};
use crate::log_pool::LogPool;
use crate::plan_lock::{LockError, PlanLock};
use crate::process_runner::ProcessRunner;
use crate::progress::Progress;
use crate::report_stamp::ReportWriter;
use crate::run_config::{AgentKind, FinishSteps, Isolation, LockMode, ProgressMode, RunConfig, SignalMode, Teardown};
use crate::run_report::RunReport;
use crate::run_summary::{RunSummary, SummaryParts, SummaryTool};
use crate::sandbox::{SandboxError, SandboxSpec};
use crate::scheduler::{ScheduleConfig, ScheduleError, Scheduler, Status};
use crate::seed_tools::SeedTools;
use crate::selection::{Selection, SelectionError};
use crate::signals::Signals;
use crate::state_lock::{StateLock, StateLockError};
use crate::tree_archive::TreeArchive;
use crate::verify_pair::VerifyPair;
use crate::work_pool::WorkPool;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the DAG has format version {0}; this planc reads version {FORMAT_VERSION}")]
    Format(u32),
    #[error("malformed DAG: {0}")]
    Malformed(String),
    #[error(transparent)]
    StateLock(#[from] StateLockError),
    #[error(transparent)]
    Selection(#[from] SelectionError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the inputs differ from the summary `{summary}`:\n{}", .drift.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    SummaryDrift { summary: PathBuf, drift: Vec<String> },
    #[error("{0}")]
    Summary(String),
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Where things live in the state dir.
pub struct StatePaths {
    pub root: PathBuf,
}

impl StatePaths {
    pub fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    pub fn tools(&self) -> PathBuf {
        self.root.join("tools")
    }
    pub fn images(&self) -> PathBuf {
        self.root.join("images")
    }
}

/// The state dir of a run, locked, with its cache (for the local agent) opening on
/// another thread: reading the action log of a large cache overlaps whatever the caller
/// does next (`planc run-dag` reads the DAG).
pub struct OpenState {
    paths: StatePaths,
    store: Option<JoinHandle<Result<DiskStore, StoreError>>>,
    _lock: StateLock,
}

impl OpenState {
    /// Locks `config`'s state dir and starts opening its cache.
    pub fn open(config: &RunConfig) -> Result<OpenState, RunError> {
        // Absolute: `${out}` and `${sysroot}` name paths under it, and commands run in
        // the action's own work dir.
        let root = std::path::absolute(&config.state_dir)
            .map_err(|source| RunError::Io { path: config.state_dir.clone(), source })?;
        let paths = StatePaths { root };
        let lock = StateLock::acquire(&paths.root, config.state_lock)?;
        let store = (config.agent == AgentKind::Local).then(|| {
            let cache = paths.cache();
            std::thread::spawn(move || DiskStore::open(&cache))
        });
        Ok(OpenState { paths, store, _lock: lock })
    }

    /// The opened cache (opened now when `open` was given a config without the local
    /// agent).
    fn store(&mut self) -> Result<DiskStore, RunError> {
        match self.store.take() {
            Some(opening) => Ok(opening.join().expect("opening the cache panicked")?),
            None => Ok(DiskStore::open(&self.paths.cache())?),
        }
    }
}

impl Drop for OpenState {
    /// A run that stops before using the cache still waits for it to open: the log may
    /// be being repaired, which only the lock's holder may do.
    fn drop(&mut self) {
        if let Some(h) = self.store.take() {
            let _ = h.join();
        }
    }
}

/// Runs `dag` as `config` says. Errors are for runs that could not start or finish
/// their bookkeeping; failed actions are in the report.
pub fn run(dag: &StagedDag, config: &RunConfig) -> Result<RunReport, RunError> {
    check_dag(dag)?;
    run_checked(OpenState::open(config)?, dag, config)
}

/// `run` on a state dir already opened (`OpenState::open` with the same `config`).
pub fn run_in(state: OpenState, dag: &StagedDag, config: &RunConfig) -> Result<RunReport, RunError> {
    check_dag(dag)?;
    run_checked(state, dag, config)
}

/// A DAG this runtime reads, every index of it valid.
fn check_dag(dag: &StagedDag) -> Result<(), RunError> {
    if dag.format_version != FORMAT_VERSION {
        return Err(RunError::Format(dag.format_version));
    }
    dag.check_references().map_err(RunError::Malformed)
}

fn run_checked(mut state: OpenState, dag: &StagedDag, config: &RunConfig) -> Result<RunReport, RunError> {
    let paths = StatePaths { root: state.paths.root.clone() };
    let selection = Selection::new(dag, &config.targets)?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| RunError::Io { path, source }
    };
    for d in [paths.logs(), paths.work(), paths.tools()] {
        std::fs::create_dir_all(&d).map_err(io(&d))?;
    }
    if config.lock == LockMode::Locked {
        let lock_path = config.plan_dir.join("plan.lock");
        let locked = PlanLock::load(&lock_path)?;
        let drift = locked.drift(&PlanLock::compute(dag, &config.plan_dir)?);
        if !drift.is_empty() {
            return Err(LockError::Drift(drift).into());
        }
    }
    if config.isolation == Isolation::Sandbox && config.agent == AgentKind::Local {
        SandboxSpec::probe()?;
    }
    let replay = match &config.from_summary {
        None => None,
        Some(p) => {
            let recorded = RunSummary::load(p).map_err(RunError::Summary)?;
            let current = current_inputs(dag, &selection.needed, &config.plan_dir, &paths.tools());
            let drift = recorded.input_drift(&current);
            if !drift.is_empty() {
                return Err(RunError::SummaryDrift { summary: p.clone(), drift });
            }
            Some(recorded)
        }
    };

    let history_path = paths.root.join("durations.json");
    let estimate: Vec<u64> = (dag.actions.iter())
        .zip(History::durations_of(&history_path, dag.actions.iter().map(|a| a.id.as_str())))
        .map(|(a, known)| known.unwrap_or(a.cost_ms))
        .collect();
    let handle_signals = config.signals == SignalMode::Handle;
    let schedule = ScheduleConfig {
        attempts: config.attempts.max(1),
        on_failure: config.on_failure,
        order: config.order,
        retry_backoff: config.retry_backoff,
        deadline: config.timeout,
        poll: handle_signals.then(|| Duration::from_millis(100)),
    };
    let scheduler = Scheduler::new(dag, &selection.needed, &estimate, schedule)?;
    let total = selection.needed.iter().filter(|&&b| b).count();
    let mut progress = Progress::new(dag, total, config.progress);
    let interrupted = move || handle_signals && Signals::interrupted();

    let (mut report, summary, store) = match config.agent {
        AgentKind::Dry => {
            let durations = estimate.iter().map(|&ms| Duration::from_millis(ms)).collect();
            let mut agent = DryAgent::new(dag, config.jobs.max(1), durations);
            let out = scheduler.run(&mut agent, &mut progress, &interrupted);
            progress.clear();
            let report = RunReport { records: out.records, makespan: out.makespan, stopped: out.stopped, state_dir: paths.root.clone(), problems: vec![], verified: vec![] };
            (report, None, None)
        }
        AgentKind::Local => {
            let store = Arc::new(state.store()?);
            let executor = ActionExecutor {
                dag,
                config: ExecutorConfig {
                    work_root: paths.work(),
                    log_root: paths.logs(),
                    plan_dir: config.plan_dir.clone(),
                    jobs: config.jobs.max(1),
                    checks: config.checks,
                    check_attempts: config.check_attempts,
                    isolation: config.isolation,
                    final_stages: final_stages(dag),
                },
                store: Arc::clone(&store) as Arc<dyn ContentStore>,
                runner: Arc::new(ProcessRunner::new(config.kill_grace)),
                pool: WorkPool::open(&paths.work()),
                logs: LogPool::new(&paths.logs()),
            };
            // What a killed run left.
            let _ = executor.pool.trash.empty();
            let policy = CachePolicy {
                mode: config.cache,
                rebuild: config.rebuild.iter().cloned().collect::<HashSet<_>>(),
                max_cascading_rebuilds: config.max_cascading_rebuilds,
            };
            let memo_path = paths.root.join(DEFINITIONS_FILE);
            let known = config
                .dag_file_digest
                .and_then(|d| DefinitionMemo::read(&memo_path, &d, config.checks, dag.actions.len()));
            let (report, summary) = std::thread::scope(|scope| {
                let mut agent = LocalAgent::new(scope, &executor, policy, config.jobs.max(1), paths.tools(), known);
                let out = scheduler.run(&mut agent, &mut progress, &interrupted);
                progress.clear();
                if let Some(memo) = config.dag_file_digest.and_then(|d| agent.definition_memo(d)) {
                    memo.write(&memo_path);
                }
                let _ = agent.trash().empty();
                let flushed = store.flush();
                let mut report =
                    RunReport { records: out.records, makespan: out.makespan, stopped: out.stopped, state_dir: paths.root.clone(), problems: vec![], verified: vec![] };
                if let Err(e) = flushed {
                    report.problems.push(e.to_string());
                }
                // Durations of what ran feed the next critical path (unchanged when
                // nothing ran).
                let mut built = (dag.actions.iter().zip(&report.records)).filter(|(_, r)| r.status == Status::Built).peekable();
                if built.peek().is_some() {
                    let mut history = History::load(&history_path);
                    for (a, r) in built {
                        history.durations.insert(a.id.clone(), r.duration().as_millis() as u64);
                    }
                    let _ = history.save(&history_path);
                }
                let summary = summary_parts(&agent);
                if let Some(recorded) = &replay {
                    report.problems.extend(recorded.output_drift(&RunSummary::build(dag, &report.records, &summary)));
                }
                drop(agent);
                if config.finish == FinishSteps::Auto && config.targets.is_empty() && report.success() {
                    finish(dag, &*store, &mut report, &paths);
                }
                (report, Some(summary))
            });
            drop(executor);
            (report, summary, Some(store))
        }
    };
    // Closing the cache (its last commit, then freeing its index: milliseconds on a
    // large cache) overlaps writing the reports; it is done before the run returns.
    let teardown = config.teardown;
    let closing = store.map(|s| std::thread::spawn(move || close_store(s, teardown)));
    // A no-op whose reports are already those in the state dir rewrites only the
    // makespan; otherwise the summary and each report are written on their own thread.
    let written = ReportWriter { dir: &paths.root, dag, report: &report, summary: summary.as_ref() }.write();
    if let Some(h) = closing {
        h.join().expect("closing the cache panicked");
    }
    written.map_err(|(path, source)| RunError::Io { path, source })?;
    if config.progress != ProgressMode::Quiet {
        eprint!("{}", report.summary_table(dag));
        for p in &report.problems {
            eprintln!("error: {p}");
        }
    }
    report.records.shrink_to_fit();
    Ok(report)
}

/// Closes the cache: commits its writes and stops its thread; under `Teardown::Leave`
/// without freeing its index.
fn close_store(store: Arc<DiskStore>, teardown: Teardown) {
    if let (Teardown::Leave, Ok(disk)) = (teardown, Arc::try_unwrap(store)) {
        disk.close_leaving_memory();
    }
}

/// Stages after which `DEB_STAGE` is not set.
fn final_stages(dag: &StagedDag) -> Vec<String> {
    let _ = dag;
    vec!["final".into(), "rebuild".into()]
}

/// Verify pairs, then images.
fn finish(dag: &StagedDag, store: &dyn ContentStore, report: &mut RunReport, paths: &StatePaths) {
    // Nothing to do without them: spares copying every action's outputs.
    if dag.verify.is_empty() && dag.images.is_empty() {
        return;
    }
    let results: Vec<_> = report.records.iter().map(|r| r.outputs.clone()).collect();
    for v in &dag.verify {
        let (Some(l), Some(r)) = (&results[v.left], &results[v.right]) else { continue };
        match VerifyPair::compare(dag, store, (v.left, l), (v.right, r)) {
            Some(problem) => report.problems.push(problem),
            None => report.verified.push(format!("`{}` = `{}`", dag.actions[v.left].id, dag.actions[v.right].id)),
        }
    }
    if !dag.images.is_empty() {
        let _ = std::fs::create_dir_all(paths.images());
        for image in &dag.images {
            if let Err(e) = ImageWriter::write(dag, store, &results, image, &paths.images()) {
                report.problems.push(e);
            }
        }
    }
}

fn summary_parts(agent: &LocalAgent) -> SummaryParts {
    let mut parts = SummaryParts { sources: agent.inputs.iter().map(|i| i.source).collect(), ..SummaryParts::default() };
    for (name, tools) in agent.seeds() {
        if let Ok(t) = tools {
            parts.seeds.insert(name.clone(), t.identity);
            for h in &t.tools {
                parts.host_tools.push(SummaryTool { seed: name.clone(), name: h.name.clone(), path: h.path.display().to_string(), sha256: h.sha256 });
            }
        }
    }
    parts.host_tools.sort_by(|a, b| (&a.seed, &a.name).cmp(&(&b.seed, &b.name)));
    parts
}

/// The external inputs of the needed actions as they are now (for `--from-summary`).
fn current_inputs(dag: &StagedDag, needed: &[bool], plan_dir: &Path, tools_root: &Path) -> RunSummary {
    let mut s = RunSummary { format: 1, plan: dag.plan.clone(), ..RunSummary::default() };
    for (a, _) in dag.actions.iter().zip(needed).filter(|(_, n)| **n) {
        let d = match &a.source {
            Some(Source::Path { path }) => TreeArchive::pack(&plan_dir.join(path)).ok().map(|t| t.digest),
            Some(Source::Archive(arch)) => crate::digest::Digest::of_file(&plan_dir.join(&arch.path)).ok(),
            None => None,
        };
        if let Some(d) = d {
            s.sources.insert(a.id.clone(), d);
        }
    }
    for seed in &dag.seeds {
        let sha = seed.archive.as_ref().and_then(|a| crate::digest::Digest::of_file(&plan_dir.join(&a.path)).ok());
        if let Ok(t) = SeedTools::prepare(tools_root, seed, sha) {
            s.seeds.insert(seed.name.clone(), t.identity);
            for h in &t.tools {
                s.host_tools.push(SummaryTool { seed: seed.name.clone(), name: h.name.clone(), path: h.path.display().to_string(), sha256: h.sha256 });
            }
        }
    }
    s
}

/// Writes `plan.lock` beside the plan (`planc lock`).
pub fn lock(dag: &StagedDag, plan_dir: &Path) -> Result<PlanLock, RunError> {
    let l = PlanLock::compute(dag, plan_dir)?;
    let path = plan_dir.join("plan.lock");
    l.write(&path).map_err(|source| RunError::Io { path, source })?;
    Ok(l)
}
