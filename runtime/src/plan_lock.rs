//! `PlanLock`: `plan.lock`, every external input of a plan with its content hash: the
//! host tools seeds take from the host (resolved path, `--version` first line, sha256)
//! and the seed and source archives (sha256). JSON, sorted, one entry per input.

use std::path::Path;
use std::process::{Command, Stdio};

use compiler::dag::{Source, StagedDag};
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::seed_tools::which;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLock {
    pub format: u32,
    pub host_tools: Vec<LockedTool>,
    pub archives: Vec<LockedArchive>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedTool {
    pub seed: String,
    pub name: String,
    pub path: String,
    pub version: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedArchive {
    /// `seed NAME` or `source ACTION`.
    pub owner: String,
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("the plan drifted from plan.lock:\n{}\nhelp: run `planc lock` to accept the new inputs", .0.iter().map(|d| format!("  - {d}")).collect::<Vec<_>>().join("\n"))]
    Drift(Vec<String>),
}

fn version_line(path: &Path) -> String {
    let out = Command::new(path).arg("--version").stdin(Stdio::null()).env_clear().output();
    match out {
        Ok(o) => {
            let text = if o.stdout.is_empty() { o.stderr } else { o.stdout };
            String::from_utf8_lossy(&text).lines().next().unwrap_or("").trim().to_owned()
        }
        Err(_) => String::new(),
    }
}

impl PlanLock {
    /// Records the inputs as they are now.
    pub fn compute(dag: &StagedDag, plan_dir: &Path) -> Result<PlanLock, LockError> {
        let mut host_tools = Vec::new();
        let mut archives = Vec::new();
        let read_err = |path: &str, e: &dyn std::fmt::Display| LockError::Read { path: path.into(), message: e.to_string() };
        for seed in &dag.seeds {
            for name in &seed.host_tools {
                let found = which(name).ok_or_else(|| read_err(name, &"not on the host PATH"))?;
                let path = std::fs::canonicalize(&found).unwrap_or(found);
                let sha = Digest::of_file(&path).map_err(|e| read_err(name, &e))?;
                host_tools.push(LockedTool {
                    seed: seed.name.clone(),
                    name: name.clone(),
                    path: path.display().to_string(),
                    version: version_line(&path),
                    sha256: sha.to_string(),
                });
            }
            if let Some(a) = &seed.archive {
                let sha = Digest::of_file(&plan_dir.join(&a.path)).map_err(|e| read_err(&a.path, &e))?;
                archives.push(LockedArchive { owner: format!("seed {}", seed.name), path: a.path.clone(), sha256: sha.to_string() });
            }
        }
        for action in &dag.actions {
            if let Some(Source::Archive(a)) = &action.source {
                let sha = Digest::of_file(&plan_dir.join(&a.path)).map_err(|e| read_err(&a.path, &e))?;
                archives.push(LockedArchive { owner: format!("source {}", action.id), path: a.path.clone(), sha256: sha.to_string() });
            }
        }
        host_tools.sort_by(|a, b| (&a.seed, &a.name).cmp(&(&b.seed, &b.name)));
        archives.sort_by(|a, b| (&a.owner, &a.path).cmp(&(&b.owner, &b.path)));
        Ok(PlanLock { format: 1, host_tools, archives })
    }

    pub fn load(path: &Path) -> Result<PlanLock, LockError> {
        let err = |e: &dyn std::fmt::Display| LockError::Read { path: path.display().to_string(), message: e.to_string() };
        let bytes = std::fs::read(path).map_err(|e| err(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| err(&e))
    }

    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_vec_pretty(self).expect("lock serializes");
        text.push(b'\n');
        crate::atomic_file::write_durable(path, &text)
    }

    /// Every difference of `current` from this lock, named.
    pub fn drift(&self, current: &PlanLock) -> Vec<String> {
        let mut out = Vec::new();
        for t in &current.host_tools {
            match self.host_tools.iter().find(|l| l.seed == t.seed && l.name == t.name) {
                None => out.push(format!("host tool `{}` of seed `{}` is not in plan.lock", t.name, t.seed)),
                Some(l) if l.sha256 != t.sha256 || l.path != t.path => out.push(format!(
                    "host tool `{}` of seed `{}` changed: locked {} ({}, sha256 {}), now {} ({}, sha256 {})",
                    t.name, t.seed, l.path, l.version, &l.sha256[..12.min(l.sha256.len())], t.path, t.version, &t.sha256[..12]
                )),
                _ => {}
            }
        }
        for l in &self.host_tools {
            if !current.host_tools.iter().any(|t| t.seed == l.seed && t.name == l.name) {
                out.push(format!("host tool `{}` of seed `{}` is no longer used", l.name, l.seed));
            }
        }
        for a in &current.archives {
            match self.archives.iter().find(|l| l.owner == a.owner && l.path == a.path) {
                None => out.push(format!("archive `{}` ({}) is not in plan.lock", a.path, a.owner)),
                Some(l) if l.sha256 != a.sha256 => out.push(format!(
                    "archive `{}` ({}) changed: locked sha256 {}, now {}",
                    a.path, a.owner, l.sha256, a.sha256
                )),
                _ => {}
            }
        }
        out
    }
}
