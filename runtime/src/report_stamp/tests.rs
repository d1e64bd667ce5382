//! Tests of the report stamp: a repeated no-op rewrites only the makespan, and anything
//! else that changed (or a report that went missing) writes every report again.

use std::time::Duration;

use super::*;
use crate::content_store::OutputDigest;
use crate::dag_builder::DagBuilder;
use crate::run_summary::SummaryTool;
use crate::scheduler::ActionRecord;
use crate::test_dir::TestDir;

fn dag() -> StagedDag {
    let mut b = DagBuilder::new();
    let a = b.action("a", &["true"], &[]);
    b.action("b", &["true"], &[a]);
    b.build()
}

fn cached(n: u8) -> ActionRecord {
    ActionRecord {
        status: Status::Cached,
        attempts: 0,
        check_attempts: 0,
        start: Some(Duration::from_millis(5)),
        end: Some(Duration::from_millis(5)),
        worker: None,
        blocker: None,
        failure: None,
        outputs: Some(vec![OutputDigest { name: format!("out{n}"), digest: Digest([n; 32]) }]),
        note: None,
    }
}

fn report(dir: &Path, makespan_ms: u64, records: Vec<ActionRecord>) -> RunReport {
    RunReport {
        records,
        makespan: Duration::from_millis(makespan_ms),
        stopped: None,
        state_dir: dir.to_owned(),
        problems: vec![],
        verified: vec![],
    }
}

/// The summary parts of a run of `dag()` with a source and a seed.
fn parts() -> SummaryParts {
    SummaryParts {
        sources: vec![Some(Digest([4; 32])), None],
        seeds: [("host".to_owned(), Digest([6; 32]))].into(),
        host_tools: vec![SummaryTool { seed: "host".into(), name: "sh".into(), path: "/bin/sh".into(), sha256: Digest([7; 32]) }],
    }
}

fn write(dir: &Path, dag: &StagedDag, r: &RunReport) -> bool {
    ReportWriter { dir, dag, report: r, summary: Some(&parts()) }.write().unwrap()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

/// Every file as a fresh full write would make it.
fn assert_reports_are(dir: &Path, dag: &StagedDag, r: &RunReport) {
    assert_eq!(read(dir, REPORT_JSON), r.json(dag));
    assert_eq!(read(dir, "build-state.csv"), r.csv(dag).into_bytes());
    assert_eq!(read(dir, "dag.dot"), r.dot(dag).into_bytes());
    assert_eq!(read(dir, "trace.json"), r.trace(dag));
    let summary = RunSummary::build(dag, &r.records, &parts());
    assert_eq!(read(dir, SUMMARY_FILE), serde_json::to_vec_pretty(&summary).unwrap());
}

#[test]
fn a_repeated_no_op_rewrites_only_the_makespan() {
    let t = TestDir::new("stamp-noop");
    let dag = dag();
    let first = report(t.path(), 7, vec![cached(1), cached(2)]);
    assert!(!write(t.path(), &dag, &first));
    assert!(t.path().join(STAMP_FILE).is_file());
    assert_reports_are(t.path(), &dag, &first);
    // The makespan grows a digit: report.json changes length, nothing else changes.
    let second = report(t.path(), 1234, vec![cached(1), cached(2)]);
    assert!(write(t.path(), &dag, &second));
    assert_reports_are(t.path(), &dag, &second);
    assert!(String::from_utf8(read(t.path(), REPORT_JSON)).unwrap().contains("\"makespan_ms\": 1234"));
    let third = report(t.path(), 3, vec![cached(1), cached(2)]);
    assert!(write(t.path(), &dag, &third));
    assert_reports_are(t.path(), &dag, &third);
}

#[test]
fn a_makespan_of_as_many_digits_is_written_in_place() {
    use std::os::unix::fs::MetadataExt as _;
    let t = TestDir::new("stamp-in-place");
    let dag = dag();
    let inode = || std::fs::metadata(t.path().join(REPORT_JSON)).unwrap().ino();
    assert!(!write(t.path(), &dag, &report(t.path(), 120, vec![cached(1), cached(2)])));
    let before = inode();
    let second = report(t.path(), 345, vec![cached(1), cached(2)]);
    assert!(write(t.path(), &dag, &second));
    assert_reports_are(t.path(), &dag, &second);
    assert_eq!(inode(), before, "same file, not a copy renamed over it");
}

#[test]
fn a_changed_output_writes_everything() {
    let t = TestDir::new("stamp-changed");
    let dag = dag();
    assert!(!write(t.path(), &dag, &report(t.path(), 7, vec![cached(1), cached(2)])));
    let other = report(t.path(), 7, vec![cached(1), cached(3)]);
    assert!(!write(t.path(), &dag, &other));
    assert_reports_are(t.path(), &dag, &other);
}

#[test]
fn a_missing_or_resized_report_writes_everything() {
    let t = TestDir::new("stamp-missing");
    let dag = dag();
    let r = report(t.path(), 7, vec![cached(1), cached(2)]);
    assert!(!write(t.path(), &dag, &r));
    std::fs::remove_file(t.path().join("dag.dot")).unwrap();
    assert!(!write(t.path(), &dag, &r));
    assert_reports_are(t.path(), &dag, &r);
    std::fs::write(t.path().join("build-state.csv"), b"x").unwrap();
    assert!(!write(t.path(), &dag, &r));
    assert_reports_are(t.path(), &dag, &r);
    std::fs::write(t.path().join(REPORT_JSON), b"{}").unwrap();
    assert!(!write(t.path(), &dag, &r));
    assert_reports_are(t.path(), &dag, &r);
}

#[test]
fn a_run_that_built_something_has_no_stamp() {
    let t = TestDir::new("stamp-built");
    let dag = dag();
    assert!(!write(t.path(), &dag, &report(t.path(), 7, vec![cached(1), cached(2)])));
    let mut built = cached(2);
    built.status = Status::Built;
    built.attempts = 1;
    built.worker = Some(0);
    let r = report(t.path(), 7, vec![cached(1), built]);
    assert_eq!(fingerprint(&dag, &r, None), None);
    assert!(!write(t.path(), &dag, &r));
    assert!(!t.path().join(STAMP_FILE).exists());
    assert_reports_are(t.path(), &dag, &r);
    // The next no-op writes everything (its durations differ from the build's) and stamps.
    let noop = report(t.path(), 2, vec![cached(1), cached(2)]);
    assert!(!write(t.path(), &dag, &noop));
    assert!(t.path().join(STAMP_FILE).is_file());
    assert!(write(t.path(), &dag, &noop));
}

#[test]
fn the_fingerprint_covers_what_the_reports_show() {
    let t = TestDir::new("stamp-fields");
    let dag = dag();
    let base = report(t.path(), 7, vec![cached(1), cached(2)]);
    let fp = |r: &RunReport| fingerprint(&dag, r, Some(&parts())).unwrap();
    let mut r = report(t.path(), 99, vec![cached(1), cached(2)]);
    assert_eq!(fp(&r), fp(&base), "the makespan is not part of it");
    r.problems.push("drift".into());
    assert_ne!(fp(&r), fp(&base));
    let mut r = report(t.path(), 7, vec![cached(1), cached(2)]);
    r.records[1].note = Some("stale".into());
    assert_ne!(fp(&r), fp(&base));
    let mut r = report(t.path(), 7, vec![cached(1), cached(2)]);
    r.records[1].status = Status::Skipped;
    r.records[1].blocker = Some("not selected by the targets".into());
    assert_ne!(fp(&r), fp(&base));
    let mut other = dag.clone();
    other.actions[1].version = Some("2.0".into());
    assert_ne!(fingerprint(&other, &base, Some(&parts())), Some(fp(&base)));
    let mut r = report(t.path(), 7, vec![cached(1), cached(2)]);
    r.records[1].outputs = Some(vec![]);
    let mut none = report(t.path(), 7, vec![cached(1), cached(2)]);
    none.records[1].outputs = None;
    assert_ne!(fp(&r), fp(&none), "no outputs is not an empty list of them");
    let mut s = parts();
    s.sources[1] = Some(Digest([5; 32]));
    assert_ne!(fingerprint(&dag, &base, Some(&s)), Some(fp(&base)));
    let mut s = parts();
    s.host_tools[0].path = "/usr/bin/sh".into();
    assert_ne!(fingerprint(&dag, &base, Some(&s)), Some(fp(&base)));
    assert_ne!(fingerprint(&dag, &base, None), Some(fp(&base)), "a run without a summary");
}

/// The summary is not built on a no-op whose reports are right: one whose parts changed
/// (a source's hash) is not such a no-op, and gets the summary built from them.
#[test]
fn changed_summary_parts_write_the_summary_again() {
    let t = TestDir::new("stamp-parts");
    let dag = dag();
    let r = report(t.path(), 7, vec![cached(1), cached(2)]);
    assert!(!write(t.path(), &dag, &r));
    let mut changed = parts();
    changed.sources[0] = Some(Digest([9; 32]));
    assert!(!ReportWriter { dir: t.path(), dag: &dag, report: &r, summary: Some(&changed) }.write().unwrap());
    let summary = RunSummary::build(&dag, &r.records, &changed);
    assert_eq!(read(t.path(), SUMMARY_FILE), serde_json::to_vec_pretty(&summary).unwrap());
    assert_eq!(summary.sources.get("a@final"), Some(&Digest([9; 32])));
}
