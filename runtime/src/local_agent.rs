//! `LocalAgent`: runs actions as processes on this machine, `slots` at a time, each on
//! a worker thread; decides cache hits in `prepare` (on the scheduler's thread, so a
//! fully cached run never touches a worker).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{Scope, ScopedJoinHandle};
use std::time::{Duration, Instant};

use compiler::dag::{Action, Producer, Source};

use crate::action_executor::{ActionExecutor, Job};
use crate::action_key::{ActionKey, Checks, ConsumedDigest};
use crate::agent::{Agent, Completion, Prepared, Results};
use crate::definition_memo::DefinitionMemo;
use crate::digest::Digest;
use crate::run_config::CacheMode;
use crate::seed_tools::SeedTools;
use crate::tree_archive::TreeArchive;

/// The cache policy of a run.
pub struct CachePolicy {
    pub mode: CacheMode,
    /// Packages rebuilt whatever the cache says.
    pub rebuild: HashSet<String>,
    pub max_cascading_rebuilds: Option<u32>,
}

/// The external inputs an action used, for the summary and lock files.
#[derive(Clone, Debug, Default)]
pub struct ActionInputs {
    pub key: Option<ActionKey>,
    pub source: Option<Digest>,
}

pub struct LocalAgent<'s> {
    executor: &'s ActionExecutor<'s>,
    policy: CachePolicy,
    slots: usize,
    started: Instant,
    tools_root: PathBuf,
    jobs_tx: Option<Sender<Job>>,
    done_rx: Receiver<Completion>,
    workers: Workers<'s>,
    pending: HashMap<usize, Job>,
    seeds: HashMap<String, Result<SeedTools, String>>,
    /// Per action: its key, and how deep in a cascade of input-only rebuilds it is.
    pub inputs: Vec<ActionInputs>,
    cascade: Vec<u32>,
    rebuilt: Vec<bool>,
    /// Definition hashes of the actions without source or seeds: from a
    /// `DefinitionMemo`, or filled from the last action backwards by `ahead` while the
    /// scheduler works forwards.
    definitions: Arc<Vec<OnceLock<Digest>>>,
    /// The definitions came from a `DefinitionMemo` (and `ahead` is not started).
    remembered: bool,
    ahead: Option<ScopedJoinHandle<'s, ()>>,
    stop_ahead: Arc<AtomicBool>,
}

/// The worker threads, started by the first job: a fully cached run (a no-op) starts
/// and stops none, and on a busy machine each thread to wake costs a time slice.
struct Workers<'s> {
    spawn: Option<Box<dyn FnOnce() -> Vec<ScopedJoinHandle<'s, ()>> + 's>>,
    running: Vec<ScopedJoinHandle<'s, ()>>,
}

impl Workers<'_> {
    fn start(&mut self) {
        if let Some(spawn) = self.spawn.take() {
            self.running = spawn();
        }
    }
}

/// An action whose definition hash depends on nothing outside the DAG: no source to
/// hash, no seed tools to look at.
fn self_contained(a: &Action) -> bool {
    a.source.is_none() && !a.inputs.iter().any(|i| matches!(i.from, Producer::Seed { .. }))
}

/// Computes the definition hash of each self-contained action from the last one
/// backwards, until all are done or `stop` is set: on a fully cached run, hashing
/// definitions is most of the scheduler's work, and this uses the other core.
fn hash_definitions_ahead(actions: &[Action], checks: Checks, definitions: &[OnceLock<Digest>], stop: &AtomicBool) {
    for (a, slot) in actions.iter().zip(definitions).rev() {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if self_contained(a) {
            slot.get_or_init(|| ActionKey::definition(a, None, &[], checks));
        }
    }
}

impl<'s> LocalAgent<'s> {
    /// Workers are threads of `scope`: the agent must be dropped inside it. `known`
    /// holds definition hashes of a `DefinitionMemo` of this DAG: with them, no thread
    /// hashes definitions ahead.
    pub fn new(
        scope: &'s Scope<'s, '_>,
        executor: &'s ActionExecutor<'s>,
        policy: CachePolicy,
        slots: usize,
        tools_root: PathBuf,
        known: Option<Vec<Option<Digest>>>,
    ) -> LocalAgent<'s> {
        let n = executor.dag.actions.len();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let (done_tx, done_rx) = mpsc::channel();
        let started = Instant::now();
        let spawn: Box<dyn FnOnce() -> _> = Box::new(move || {
            (0..slots.max(1))
                .map(|worker| {
                    let jobs_rx = Arc::clone(&jobs_rx);
                    let done_tx = done_tx.clone();
                    std::thread::Builder::new()
                        .name(format!("planc-worker-{worker}"))
                        .spawn_scoped(scope, move || {
                            loop {
                                let job = { jobs_rx.lock().unwrap().recv() };
                                let Ok(job) = job else { return };
                                let start = started.elapsed();
                                let result = executor.execute(&job);
                                let end = started.elapsed();
                                if done_tx.send(Completion { action: job.action, worker, start, end, result }).is_err() {
                                    return;
                                }
                            }
                        })
                        .expect("spawn a worker thread")
                })
                .collect()
        });
        let workers = Workers { spawn: Some(spawn), running: Vec::new() };
        let remembered = known.is_some();
        let definitions: Arc<Vec<OnceLock<Digest>>> = Arc::new(match known {
            Some(hashes) => hashes.into_iter().map(|h| h.map_or_else(OnceLock::new, OnceLock::from)).collect(),
            None => (0..n).map(|_| OnceLock::new()).collect(),
        });
        let stop_ahead = Arc::new(AtomicBool::new(false));
        let ahead = if remembered {
            None
        } else {
            let (definitions, stop) = (Arc::clone(&definitions), Arc::clone(&stop_ahead));
            let checks = executor.config.checks;
            std::thread::Builder::new()
                .name("planc-definitions".into())
                .spawn_scoped(scope, move || hash_definitions_ahead(&executor.dag.actions, checks, &definitions, &stop))
                .ok()
        };
        LocalAgent {
            executor,
            policy,
            slots: slots.max(1),
            started,
            tools_root,
            jobs_tx: Some(jobs_tx),
            done_rx,
            workers,
            pending: HashMap::new(),
            seeds: HashMap::new(),
            inputs: vec![ActionInputs::default(); n],
            cascade: vec![0; n],
            rebuilt: vec![false; n],
            definitions,
            remembered,
            ahead,
            stop_ahead,
        }
    }

    /// The definition hashes of every self-contained action, to be remembered for the
    /// DAG file `dag`; `None` when they came from such a memo. Hashes what neither the
    /// scheduler nor the thread ahead did (actions a run with targets did not need).
    pub fn definition_memo(&self, dag: Digest) -> Option<DefinitionMemo> {
        if self.remembered {
            return None;
        }
        let checks = self.executor.config.checks;
        let hashes = (self.executor.dag.actions.iter().zip(self.definitions.iter()))
            .map(|(a, slot)| self_contained(a).then(|| *slot.get_or_init(|| ActionKey::definition(a, None, &[], checks))))
            .collect();
        Some(DefinitionMemo { dag, checks, hashes })
    }

    /// Where the executor puts finished work dirs.
    pub fn trash(&self) -> &crate::trash::Trash {
        &self.executor.pool.trash
    }

    pub fn seeds(&self) -> &HashMap<String, Result<SeedTools, String>> {
        &self.seeds
    }

    fn seed(&mut self, name: &str) -> Result<SeedTools, String> {
        if let Some(s) = self.seeds.get(name) {
            return s.clone();
        }
        let dag = &self.executor.dag;
        let result = match dag.seeds.iter().find(|s| s.name == name) {
            None => Err(format!("unknown seed `{name}`")),
            Some(seed) => {
                let archive_sha = match &seed.archive {
                    None => Ok(None),
                    Some(a) => checked_archive(&self.executor.config.plan_dir, &a.path, a.sha256.as_deref()).map(Some),
                };
                archive_sha.and_then(|sha| SeedTools::prepare(&self.tools_root, seed, sha))
            }
        };
        self.seeds.insert(name.to_owned(), result.clone());
        result
    }

    fn prepare_job(&mut self, action: usize, results: &Results) -> Result<Job, String> {
        let executor = self.executor;
        let dag = executor.dag;
        let a = &dag.actions[action];
        let plan_dir = &executor.config.plan_dir;
        let (source, source_tar) = match &a.source {
            None => (None, None),
            Some(Source::Path { path }) => {
                let dir = plan_dir.join(path);
                if !dir.is_dir() {
                    return Err(format!("source directory `{path}` of `{}` does not exist", a.id));
                }
                let archive = TreeArchive::pack(&dir).map_err(|e| format!("source of `{}`: {e}", a.id))?;
                (Some(archive.digest), Some(Arc::new(archive.tar)))
            }
            Some(Source::Archive(arch)) => {
                let d = checked_archive(plan_dir, &arch.path, arch.sha256.as_deref())
                    .map_err(|e| format!("source of `{}`: {e}", a.id))?;
                (Some(d), None)
            }
        };
        let mut seeds = Vec::new();
        let mut tool_dirs = Vec::new();
        let mut seed_archives = Vec::new();
        for input in dag.inputs_of(action) {
            if let Producer::Seed { seed } = &input.from {
                if seeds.iter().any(|s: &ConsumedDigest| *s.name == **seed) {
                    continue;
                }
                let tools = self.seed(seed)?;
                seeds.push(ConsumedDigest { name: seed.to_string(), digest: tools.identity });
                tool_dirs.push(tools.dir.clone());
                if let Some(arch) = dag.seeds.iter().find(|s| *s.name == **seed).and_then(|s| s.archive.as_ref()) {
                    seed_archives.push(plan_dir.join(&arch.path));
                }
            }
        }
        let inputs = executor.consumed(action, results)?;
        let checks = executor.config.checks;
        let key = if source.is_none() && seeds.is_empty() {
            let definition = *self.definitions[action].get_or_init(|| ActionKey::definition(a, None, &[], checks));
            ActionKey::with_named_inputs(definition, inputs.iter().map(|(_, o)| (o.name.as_str(), o.digest)))
        } else {
            let consumed: Vec<ConsumedDigest> =
                inputs.iter().map(|(_, o)| ConsumedDigest { name: o.name.clone(), digest: o.digest }).collect();
            ActionKey::compute(a, source, &seeds, &consumed, checks)
        };
        self.inputs[action] = ActionInputs { key: Some(key), source };
        Ok(Job { action, attempt: 0, key, source_tar, inputs, tool_dirs, seed_archives })
    }
}

/// The sha256 of an archive, checked against the expected one when given.
pub fn checked_archive(plan_dir: &std::path::Path, path: &str, expected: Option<&str>) -> Result<Digest, String> {
    let full = plan_dir.join(path);
    let d = Digest::of_file(&full).map_err(|e| format!("cannot read archive `{path}`: {e}"))?;
    if let Some(exp) = expected
        && !exp.eq_ignore_ascii_case(&d.to_string())
    {
        return Err(format!("checksum mismatch for `{path}`: expected sha256 {exp}, got {d}"));
    }
    Ok(d)
}

impl Agent for LocalAgent<'_> {
    fn slots(&self) -> usize {
        self.slots
    }

    fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn prepare(&mut self, action: usize, results: &Results) -> Prepared {
        let job = match self.prepare_job(action, results) {
            Ok(j) => j,
            Err(e) => return Prepared::Error(e),
        };
        let a = &self.executor.dag.actions[action];
        let forced = self.policy.mode == CacheMode::Ignore || self.policy.rebuild.contains(&a.package);
        if !forced {
            let store = &self.executor.store;
            if let Some(outputs) = store.cached_outputs(&job.key.key) {
                return Prepared::Cached { outputs, note: None };
            }
            // Same definition, different inputs: a cascading rebuild.
            if let Some(latest) = store.latest(&a.id)
                && latest.definition == job.key.definition
            {
                let depth = 1 + self
                    .executor
                    .consumed(action, results)
                    .unwrap_or_default()
                    .iter()
                    .filter(|(p, _)| self.rebuilt[*p])
                    .map(|(p, _)| self.cascade[*p])
                    .max()
                    .unwrap_or(0);
                if let Some(max) = self.policy.max_cascading_rebuilds
                    && depth > max
                {
                    return Prepared::Cached {
                        outputs: latest.outputs,
                        note: Some(format!("stale: --max-cascading-rebuilds {max} reached")),
                    };
                }
                self.cascade[action] = depth;
            }
        }
        self.rebuilt[action] = true;
        self.pending.insert(action, job);
        Prepared::Run
    }

    fn start(&mut self, action: usize, attempt: u32) {
        let mut job = match self.pending.get(&action) {
            Some(j) => Job {
                action,
                attempt,
                key: j.key,
                source_tar: j.source_tar.clone(),
                inputs: j.inputs.clone(),
                tool_dirs: j.tool_dirs.clone(),
                seed_archives: j.seed_archives.clone(),
            },
            None => panic!("start of an unprepared action"),
        };
        job.attempt = attempt;
        self.workers.start();
        self.jobs_tx.as_ref().expect("agent running").send(job).expect("workers alive");
    }

    fn wait(&mut self, until: Option<Duration>) -> Option<Completion> {
        let c = match until {
            None => self.done_rx.recv().ok(),
            Some(u) => match self.done_rx.recv_timeout(u.saturating_sub(self.now())) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => None,
            },
        };
        if let Some(c) = &c
            && !matches!(c.result, crate::agent::JobResult::Failed(_))
        {
            self.pending.remove(&c.action);
        }
        c
    }

    fn cancel(&mut self) {
        self.executor.runner.cancel_all();
    }

    fn forget(&mut self, action: usize) {
        if let Some(k) = self.inputs[action].key {
            let _ = self.executor.store.forget(&k.key);
        }
    }
}

impl Drop for LocalAgent<'_> {
    fn drop(&mut self) {
        self.stop_ahead.store(true, Ordering::Relaxed);
        if let Some(h) = self.ahead.take() {
            let _ = h.join();
        }
        self.jobs_tx = None;
        for w in self.workers.running.drain(..) {
            let _ = w.join();
        }
    }
}
