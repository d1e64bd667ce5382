//! `RunReport`: the outcome of a run, and the files written from it in the state dir:
//! `report.json`, `build-state.csv`, `dag.dot` and `trace.json` (Chrome trace format).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use compiler::dag::StagedDag;
use serde::Serialize;

use crate::scheduler::{ActionRecord, Status, StopReason};
use crate::workspace::safe_name;

/// The full report, in the state dir.
pub const REPORT_JSON: &str = "report.json";
/// Every file `write_files` writes.
pub const REPORT_FILES: [&str; 4] = [REPORT_JSON, "build-state.csv", "dag.dot", "trace.json"];

pub struct RunReport {
    pub records: Vec<ActionRecord>,
    pub makespan: Duration,
    pub stopped: Option<StopReason>,
    pub state_dir: PathBuf,
    /// Problems found after the build (verify mismatches, replay drift, images).
    pub problems: Vec<String>,
    /// Verify pairs found identical, as `LEFT = RIGHT`.
    pub verified: Vec<String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    plan: &'a str,
    makespan_ms: u64,
    stopped: Option<String>,
    counts: std::collections::BTreeMap<&'static str, usize>,
    actions: Vec<JsonAction<'a>>,
    problems: &'a [String],
    verified: &'a [String],
}

#[derive(Serialize)]
struct JsonAction<'a> {
    id: &'a str,
    package: &'a str,
    version: Option<&'a str>,
    stage: &'a str,
    status: Status,
    duration_ms: u64,
    attempts: u32,
    check_attempts: u32,
    blocker: Option<&'a str>,
    error: Option<&'a str>,
    note: Option<&'a str>,
    log: Option<String>,
    outputs: std::collections::BTreeMap<&'a str, crate::digest::Digest>,
}

impl RunReport {
    pub fn count(&self, status: Status) -> usize {
        self.records.iter().filter(|r| r.status == status).count()
    }

    /// Everything needed was built or cached, and nothing after the build failed.
    pub fn success(&self) -> bool {
        self.stopped.is_none()
            && self.problems.is_empty()
            && self.records.iter().all(|r| {
                matches!(r.status, Status::Built | Status::Cached)
                    || (r.status == Status::Skipped && r.blocker.as_deref() == Some("not selected by the targets"))
            })
    }

    pub fn stop_message(&self) -> Option<String> {
        self.stopped.as_ref().map(|s| match s {
            StopReason::Failure(a) => format!("stopped after `{a}` failed"),
            StopReason::Interrupted => "interrupted".into(),
            StopReason::Timeout => "timed out".into(),
        })
    }

    /// Writes `report.json`, `build-state.csv`, `dag.dot` and `trace.json`, each on
    /// its own thread (on a large DAG, formatting them is most of a no-op run).
    pub fn write_files(&self, dag: &StagedDag) -> std::io::Result<()> {
        let dir = &self.state_dir;
        let write = |name: &str, bytes: &[u8]| crate::atomic_file::write_atomic(&dir.join(name), bytes);
        std::thread::scope(|s| {
            let others = [
                s.spawn(|| write("build-state.csv", self.csv(dag).as_bytes())),
                s.spawn(|| write("dag.dot", self.dot(dag).as_bytes())),
                s.spawn(|| write("trace.json", &self.trace(dag))),
            ];
            let json = write(REPORT_JSON, &self.json(dag));
            others.into_iter().map(|h| h.join().expect("report writer panicked")).chain([json]).collect()
        })
    }

    pub fn json(&self, dag: &StagedDag) -> Vec<u8> {
        let actions = dag
            .actions
            .iter()
            .zip(&self.records)
            .map(|(a, r)| JsonAction {
                id: &a.id,
                package: &a.package,
                version: a.version.as_deref(),
                stage: &a.stage,
                status: r.status,
                duration_ms: r.duration().as_millis() as u64,
                attempts: r.attempts,
                check_attempts: r.check_attempts,
                blocker: r.blocker.as_deref(),
                error: r.failure.as_ref().map(|f| f.message.as_str()),
                note: r.note.as_deref(),
                // An action that printed nothing and succeeded has no log.
                log: Some(format!("logs/{}.log", safe_name(&a.id)))
                    .filter(|l| r.attempts > 0 && self.state_dir.join(l).exists()),
                outputs: r.outputs.iter().flatten().map(|o| (o.name.as_str(), o.digest)).collect(),
            })
            .collect();
        serde_json::to_vec_pretty(&self.json_report(dag, actions)).expect("report serializes")
    }

    /// `report.json` without its actions: up to the `actions` key, the same bytes as
    /// `json` (the makespan and counts come before it).
    pub fn json_header(&self, dag: &StagedDag) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.json_report(dag, vec![])).expect("report serializes")
    }

    fn json_report<'a>(&'a self, dag: &'a StagedDag, actions: Vec<JsonAction<'a>>) -> JsonReport<'a> {
        let mut counts = std::collections::BTreeMap::new();
        for s in [Status::Built, Status::Cached, Status::Failed, Status::Blocked, Status::Skipped] {
            counts.insert(s.as_str(), self.count(s));
        }
        JsonReport {
            plan: &dag.plan,
            makespan_ms: self.makespan.as_millis() as u64,
            stopped: self.stop_message(),
            counts,
            actions,
            problems: &self.problems,
            verified: &self.verified,
        }
    }

    pub fn csv(&self, dag: &StagedDag) -> String {
        fn field(s: &str) -> String {
            if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
        }
        let mut out = String::from("id,package,version,stage,status,duration_ms,attempts,blocker\n");
        for (a, r) in dag.actions.iter().zip(&self.records) {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                field(&a.id),
                field(&a.package),
                field(a.version.as_deref().unwrap_or("")),
                field(&a.stage),
                r.status.as_str(),
                r.duration().as_millis(),
                r.attempts,
                field(r.blocker.as_deref().unwrap_or(""))
            );
        }
        out
    }

    pub fn dot(&self, dag: &StagedDag) -> String {
        let mut out = String::from("digraph planc {\n  rankdir=LR;\n  node [shape=box, style=filled];\n");
        for (i, (a, r)) in dag.actions.iter().zip(&self.records).enumerate() {
            let color = match r.status {
                Status::Built => "palegreen",
                Status::Cached => "lightblue",
                Status::Failed => "salmon",
                Status::Blocked => "orange",
                Status::Skipped => "lightgrey",
            };
            let _ = writeln!(out, "  n{i} [label=\"{}\\n{}\", fillcolor={color}];", a.id.replace('"', "'"), r.status.as_str());
        }
        for (i, producers) in dag.all_producers().iter().enumerate() {
            for action in producers {
                let _ = writeln!(out, "  n{action} -> n{i};");
            }
        }
        out.push_str("}\n");
        out
    }

    /// The run's timeline in Chrome trace format: one complete event per action that
    /// ran, on the track of its worker.
    pub fn trace(&self, dag: &StagedDag) -> Vec<u8> {
        #[derive(Serialize)]
        struct Event<'a> {
            name: &'a str,
            cat: &'a str,
            ph: &'static str,
            ts: u64,
            dur: u64,
            pid: u32,
            tid: usize,
            args: serde_json::Value,
        }
        let events: Vec<Event<'_>> = dag
            .actions
            .iter()
            .zip(&self.records)
            .filter(|(_, r)| r.worker.is_some())
            .map(|(a, r)| Event {
                name: &a.id,
                cat: &a.stage,
                ph: "X",
                ts: r.start.unwrap_or_default().as_micros() as u64,
                dur: r.duration().as_micros() as u64,
                pid: 1,
                tid: r.worker.unwrap_or(0),
                args: serde_json::json!({ "status": r.status.as_str(), "attempts": r.attempts }),
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "traceEvents": events, "displayTimeUnit": "ms" })).expect("trace serializes")
    }

    /// The table printed at the end of a run.
    pub fn summary_table(&self, dag: &StagedDag) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{:<10} {:>7}", "status", "actions");
        for s in [Status::Built, Status::Cached, Status::Failed, Status::Blocked, Status::Skipped] {
            let n = self.count(s);
            if n > 0 {
                let _ = writeln!(out, "{:<10} {:>7}", s.as_str(), n);
            }
        }
        let needed = self.records.len() - self.count(Status::Skipped);
        if needed > 0 && self.count(Status::Cached) == needed {
            let _ = writeln!(out, "nothing to do: all {needed} actions cached");
        }
        for v in &self.verified {
            let _ = writeln!(out, "verified: {v}, bit for bit");
        }
        let failed: Vec<_> = dag.actions.iter().zip(&self.records).filter(|(_, r)| r.status == Status::Failed).collect();
        for (a, r) in failed {
            let _ = writeln!(out, "failed: `{}`: {}", a.id, r.failure.as_ref().map_or("", |f| f.message.as_str()));
        }
        let _ = writeln!(out, "wall time {:.1}s; reports in {}", self.makespan.as_secs_f64(), display(&self.state_dir));
        out
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}
