//! Integration tests of the runtime: real processes, a real cache on disk.

mod bad_input;
mod cache;
mod processes;
mod reproducibility;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use compiler::dag::StagedDag;
use runtime::{ProgressMode, RunConfig, RunReport, Status};

/// A temp dir holding a plan dir and its state dir, removed on drop.
pub struct Sandbox(PathBuf);

impl Sandbox {
    pub fn new(name: &str) -> Sandbox {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!("planc-it-{name}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Sandbox(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn state(&self) -> PathBuf {
        self.0.join(".planc")
    }
    pub fn config(&self) -> RunConfig {
        let mut c = RunConfig::new(self.0.clone(), self.state());
        c.jobs = 2;
        c.progress = ProgressMode::Quiet;
        c.kill_grace = Duration::from_millis(300);
        c.retry_backoff = Duration::from_millis(10);
        c
    }
    pub fn run(&self, dag: &StagedDag) -> RunReport {
        runtime::run(dag, &self.config()).unwrap()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `(package, status)` of every action.
pub fn statuses(dag: &StagedDag, r: &RunReport) -> Vec<(String, Status)> {
    dag.actions.iter().zip(&r.records).map(|(a, r)| (a.package.clone(), r.status)).collect()
}

pub fn built(dag: &StagedDag, r: &RunReport) -> Vec<String> {
    statuses(dag, r).into_iter().filter(|(_, s)| *s == Status::Built).map(|(p, _)| p).collect()
}
