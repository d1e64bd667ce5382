//! `ActionExecutor`: everything one attempt of an action does: lay out its work dir,
//! stage the source and the consumed outputs, run the build (and check) commands, pack
//! and store the outputs, record the cache entry.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use compiler::dag::{Producer, Source, StagedDag};

use crate::action_key::{ActionKey, Checks};
use crate::agent::{Failure, FailureKind, JobResult};
use crate::command_runner::{CommandRunner, CommandSpec};
use crate::content_store::{ActionEntry, ContentStore, OutputDigest, StoreError};
use crate::run_config::Isolation;
use crate::sandbox::SandboxSpec;
use crate::tree_archive::{TreeArchive, unpack_reader};
use crate::log_pool::LogPool;
use crate::work_pool::WorkPool;
use crate::workspace::{Workspace, safe_name};

/// What the executor needs besides the DAG.
pub struct ExecutorConfig {
    pub work_root: PathBuf,
    pub log_root: PathBuf,
    pub plan_dir: PathBuf,
    pub jobs: usize,
    pub checks: Checks,
    pub check_attempts: u32,
    pub isolation: Isolation,
    pub final_stages: Vec<String>,
}

/// One attempt to run.
pub struct Job {
    pub action: usize,
    pub attempt: u32,
    pub key: ActionKey,
    /// The source tree already read (and hashed) by `prepare`.
    pub source_tar: Option<Arc<Vec<u8>>>,
    /// `(producer, output digest)` of every consumed action output.
    pub inputs: Vec<(usize, OutputDigest)>,
    /// Tool dirs of the seeds used, and seed archives to unpack in the sysroot.
    pub tool_dirs: Vec<PathBuf>,
    pub seed_archives: Vec<PathBuf>,
}

pub struct ActionExecutor<'a> {
    /// Borrowed: the run's workers are scoped threads, so the DAG is never copied.
    pub dag: &'a StagedDag,
    pub config: ExecutorConfig,
    pub store: Arc<dyn ContentStore>,
    pub runner: Arc<dyn CommandRunner>,
    /// Idle work dirs, and the trash where finished ones go (emptied by the caller
    /// after the run).
    pub pool: WorkPool,
    /// Scratch logs, renamed to `logs/ID.log` when there is something to read.
    pub logs: LogPool,
}

fn setup(message: String) -> JobResult {
    JobResult::Failed(Failure { message, log_tail: None, kind: FailureKind::Setup })
}

/// The last `n` lines of a log.
pub fn log_tail(path: &Path, n: usize) -> Option<String> {
    let text = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text);
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(n)..].join("\n");
    (!tail.is_empty()).then_some(tail)
}

/// Unpacks a source or seed archive (`.tar`, `.tar.gz`/`.tgz`, `.tar.zst`).
pub fn unpack_archive(path: &Path, dest: &Path) -> Result<(), String> {
    let file = fs::File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    let name = path.to_string_lossy();
    let reader: Box<dyn Read> = if name.ends_with(".gz") || name.ends_with(".tgz") {
        Box::new(flate2::read::GzDecoder::new(file))
    } else if name.ends_with(".zst") {
        Box::new(zstd::stream::read::Decoder::new(file).map_err(|e| e.to_string())?)
    } else {
        Box::new(file)
    };
    unpack_reader(reader, dest).map_err(|e| format!("cannot unpack `{}`: {e}", path.display()))?;
    // An archive holding one top-level directory is entered (`foo-1.0/`).
    let entries: Vec<_> = fs::read_dir(dest).map_err(|e| e.to_string())?.flatten().collect();
    if let [only] = &entries[..]
        && only.file_type().is_ok_and(|t| t.is_dir())
    {
        let inner = only.path();
        let tmp = dest.with_extension("unwrap");
        fs::rename(&inner, &tmp).map_err(|e| e.to_string())?;
        fs::remove_dir(dest).map_err(|e| e.to_string())?;
        fs::rename(&tmp, dest).map_err(|e| e.to_string())?;
    }
    Ok(())
}

impl ActionExecutor<'_> {
    pub fn log_path(&self, action: usize) -> PathBuf {
        self.config.log_root.join(format!("{}.log", safe_name(&self.dag.actions[action].id)))
    }

    pub fn execute(&self, job: &Job) -> JobResult {
        let action = &self.dag.actions[job.action];
        let log = self.log_path(job.action);
        let scratch = match self.logs.take(&format!("# planc: {} attempt {}\n", action.id, job.attempt)) {
            Ok(s) => s,
            Err(e) => return setup(format!("cannot write a log in `{}`: {e}", self.config.log_root.display())),
        };
        let result = self.attempt(job, &scratch.path);
        let failed = matches!(result, JobResult::Failed(_));
        if let Err(e) = self.logs.finish(scratch, &log, failed)
            && !failed
        {
            return setup(format!("cannot write `{}`: {e}", log.display()));
        }
        result
    }

    /// One attempt, its commands' output appended to `log`.
    fn attempt(&self, job: &Job, log: &Path) -> JobResult {
        let started = Instant::now();
        let action = &self.dag.actions[job.action];
        let ws = Workspace::locate(&self.config.work_root, action);
        if let Err(e) = ws.create(&self.pool) {
            return setup(format!("cannot create the work dir `{}`: {e}", ws.root.display()));
        }

        // The source.
        if let Some(tar) = &job.source_tar {
            if let Err(e) = TreeArchive::unpack(tar, &ws.src) {
                return setup(e.to_string());
            }
        } else if let Some(Source::Archive(a)) = &action.source
            && let Err(e) = unpack_archive(&self.config.plan_dir.join(&a.path), &ws.src)
        {
            return setup(e);
        }
        // The sysroot: seed archives, then consumed outputs.
        for archive in &job.seed_archives {
            if let Err(e) = unpack_archive(archive, &ws.sysroot) {
                return setup(e);
            }
        }
        for (producer, out) in &job.inputs {
            let tar = match self.store.get(&out.digest) {
                Ok(t) => t,
                Err(e @ (StoreError::Corrupt(_) | StoreError::Missing(_))) => {
                    return JobResult::InputLost { producer: *producer, message: e.to_string() };
                }
                Err(e) => return setup(e.to_string()),
            };
            if let Err(e) = TreeArchive::unpack(&tar, &ws.sysroot) {
                return setup(e.to_string());
            }
        }

        let env = ws.env(action, &self.config.final_stages.iter().map(String::as_str).collect::<Vec<_>>(), &job.tool_dirs);
        let deadline = action.timeout_secs.map(|s| started + Duration::from_secs(s));
        let sandbox = (self.config.isolation == Isolation::Sandbox).then(|| SandboxSpec {
            writable: vec![ws.root.clone(), self.config.log_root.clone()],
        });
        let run_all = |commands: &[String], kind: FailureKind| -> Result<(), JobResult> {
            for template in commands {
                let script = ws.expand(action, template, self.config.jobs).map_err(|e| setup(e.to_string()))?;
                let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
                let spec = CommandSpec {
                    script,
                    env: env.clone(),
                    cwd: ws.src.clone(),
                    log: log.to_owned(),
                    timeout,
                    sandbox: sandbox.clone(),
                };
                let outcome = self.runner.run(&spec).map_err(|e| setup(e.to_string()))?;
                if !outcome.success() {
                    let kind = match outcome {
                        crate::command_runner::CommandOutcome::TimedOut => FailureKind::TimedOut,
                        crate::command_runner::CommandOutcome::Cancelled => FailureKind::Cancelled,
                        _ => kind,
                    };
                    let message = match kind {
                        FailureKind::TimedOut => format!("timed out after {}s running `{template}`", action.timeout_secs.unwrap_or(0)),
                        _ => format!("`{template}` failed: {outcome}"),
                    };
                    return Err(JobResult::Failed(Failure { message, log_tail: log_tail(log, 20), kind }));
                }
            }
            Ok(())
        };
        if let Err(r) = run_all(&action.build, FailureKind::Command) {
            return r;
        }
        let mut check_attempts = 0;
        if self.config.checks == Checks::Run && !action.check.is_empty() {
            loop {
                check_attempts += 1;
                match run_all(&action.check, FailureKind::Check) {
                    Ok(()) => break,
                    Err(r) if check_attempts >= self.config.check_attempts.max(1) => return r,
                    Err(JobResult::Failed(f)) if f.kind == FailureKind::Check => {}
                    Err(r) => return r,
                }
            }
        }

        // Pack and store the outputs, then record the entry.
        let mut outputs = Vec::with_capacity(ws.outputs.len());
        for (name, dir) in &ws.outputs {
            let archive = match TreeArchive::pack(dir) {
                Ok(a) => a,
                Err(e) => return setup(e.to_string()),
            };
            if let Err(e) = self.store.put(&archive) {
                return setup(e.to_string());
            }
            outputs.push(OutputDigest { name: name.clone(), digest: archive.digest });
        }
        let entry = ActionEntry {
            key: job.key.key,
            action: action.id.clone(),
            definition: job.key.definition,
            outputs: outputs.clone(),
            duration_ms: started.elapsed().as_millis() as u64,
        };
        if let Err(e) = self.store.record(entry) {
            return setup(e.to_string());
        }
        let _ = ws.retire(&self.pool);
        JobResult::Built { outputs, check_attempts }
    }

    /// The producers' output digests an action consumes, resolved from `results`.
    pub fn consumed(&self, action: usize, results: &crate::agent::Results) -> Result<Vec<(usize, OutputDigest)>, String> {
        let a = &self.dag.actions[action];
        let mut out = Vec::new();
        // (producer, output) of what is in `out`, each listed once however many of the
        // names an action asks for it provides (an output and a name it provides are two
        // inputs): an archive's action has hundreds of inputs. FxHash: SipHash of a pair
        // per input of every action was a visible part of a fully cached run.
        let mut taken: rustc_hash::FxHashSet<(usize, &str)> = Default::default();
        for input in self.dag.inputs_of(action) {
            if let Producer::Action { action: p, output } = &input.from {
                let digest = results[*p]
                    .as_ref()
                    .and_then(|outs| outs.iter().find(|o| *o.name == **output))
                    .ok_or_else(|| {
                        format!("`{}` needs output `{output}` of `{}`, which did not produce it", a.id, self.dag.actions[*p].id)
                    })?;
                if taken.insert((*p, &**output)) {
                    out.push((*p, OutputDigest { name: String::from(&*input.name), digest: digest.digest }));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
