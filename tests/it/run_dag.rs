//! End to end: `planc run-dag` on a small JSON DAG, reusing the parsed DAG kept in the
//! state dir (`dag.bin`) and the reports of the last no-op (`reports.stamp`) without ever
//! hiding an edit.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use runtime::DagBuilder;

use crate::support::{Run, planc, run, scratch_dir};

/// A chain of three `echo` actions as `dir/dag.json`; returns its path.
fn write_dag(dir: &Path, last_word: &str) -> PathBuf {
    let mut g = DagBuilder::new();
    let a = g.action("a", &["echo a > ${out}/f"], &[]);
    let b = g.action("b", &["echo b > ${out}/f"], &[a]);
    g.action("c", &[&format!("echo {last_word} > ${{out}}/f")], &[b]);
    let path = dir.join("dag.json");
    std::fs::write(&path, serde_json::to_vec(&g.build()).unwrap()).unwrap();
    path
}

fn run_dag(dir: &Path) -> Run {
    let r = run(planc(dir).args(["run-dag", "-j2", "dag.json"]));
    assert_eq!(r.code, Some(0), "planc run-dag failed:\n{}", r.stderr);
    r
}

/// `(id, status)` of every action in `report.json`.
fn statuses(state: &Path) -> Vec<(String, String)> {
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(state.join("report.json")).unwrap()).unwrap();
    report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_str().unwrap().to_owned(), a["status"].as_str().unwrap().to_owned()))
        .collect()
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options().write(true).open(path).unwrap().set_modified(t).unwrap();
}

fn all(status: &str) -> Vec<(String, String)> {
    ["a@final", "b@final", "c@final"].iter().map(|id| (id.to_string(), status.to_owned())).collect()
}

#[test]
fn an_edit_of_the_same_size_and_mtime_is_rebuilt_despite_the_snapshot() {
    let dir = scratch_dir("run-dag-edit");
    let state = dir.join(".planc");
    let json = write_dag(&dir, "c");
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    set_mtime(&json, mtime);
    run_dag(&dir);
    assert_eq!(statuses(&state), all("built"));
    assert!(state.join("dag.bin").is_file());
    let defs = std::fs::read(state.join("dag.defs")).unwrap();
    // Twice: the first no-op writes the reports and stamps them, the second reuses them.
    for _ in 0..2 {
        assert!(run_dag(&dir).stderr.contains("nothing to do: all 3 actions cached"));
        assert_eq!(statuses(&state), all("cached"));
    }
    assert!(state.join("reports.stamp").is_file());
    let size = std::fs::metadata(&json).unwrap().len();
    write_dag(&dir, "C");
    set_mtime(&json, mtime);
    assert_eq!(std::fs::metadata(&json).unwrap().len(), size);
    run_dag(&dir);
    let mut expected = all("cached");
    expected[2].1 = "built".into();
    assert_eq!(statuses(&state), expected);
    assert_ne!(std::fs::read(state.join("dag.defs")).unwrap(), defs, "the edited DAG's definitions are remembered");
    assert!(run_dag(&dir).stderr.contains("nothing to do"));
}

/// The keys of a rerun come from `dag.defs` when it is intact and of the same DAG; a
/// damaged or cut one is ignored and rewritten.
#[test]
fn definition_hashes_come_from_an_intact_memo_only() {
    let dir = scratch_dir("run-dag-defs");
    let state = dir.join(".planc");
    write_dag(&dir, "c");
    run_dag(&dir);
    let defs = std::fs::read(state.join("dag.defs")).unwrap();
    for damaged in [&defs[..defs.len() - 1], &defs[..8], b"PLNCDEF\x02".as_slice()] {
        std::fs::write(state.join("dag.defs"), damaged).unwrap();
        assert!(run_dag(&dir).stderr.contains("nothing to do: all 3 actions cached"));
        assert_eq!(std::fs::read(state.join("dag.defs")).unwrap(), defs, "rewritten");
    }
    let mut flipped = defs.clone();
    flipped[20] ^= 1;
    std::fs::write(state.join("dag.defs"), &flipped).unwrap();
    assert!(run_dag(&dir).stderr.contains("nothing to do: all 3 actions cached"), "a bad checksum is not trusted");
    // An intact memo whose hash of `c` differs: the memo is what `c`'s key is made of.
    let mut forged = defs[..defs.len() - 32].to_vec();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let check = runtime::Digest::of(&forged);
    forged.extend_from_slice(&check.0);
    std::fs::write(state.join("dag.defs"), &forged).unwrap();
    run_dag(&dir);
    let mut expected = all("cached");
    expected[2].1 = "built".into();
    assert_eq!(statuses(&state), expected);
}

#[test]
fn a_damaged_snapshot_or_report_is_not_trusted() {
    let dir = scratch_dir("run-dag-damaged");
    let state = dir.join(".planc");
    write_dag(&dir, "c");
    run_dag(&dir);
    run_dag(&dir);
    std::fs::write(state.join("dag.bin"), b"PLNCDAG\x01 not a snapshot").unwrap();
    std::fs::write(state.join("dag.dot"), b"digraph {}").unwrap();
    assert!(run_dag(&dir).stderr.contains("nothing to do: all 3 actions cached"));
    assert_eq!(statuses(&state), all("cached"));
    let dot = std::fs::read_to_string(state.join("dag.dot")).unwrap();
    assert!(dot.contains("n0 -> n1") && dot.contains("lightblue"), "{dot}");
    // The snapshot was rewritten: a damaged one is replaced, not kept.
    assert!(std::fs::read(state.join("dag.bin")).unwrap().len() > 100);
}

#[test]
fn a_mistyped_dag_path_creates_nothing() {
    let dir = scratch_dir("run-dag-missing");
    let r = run(planc(&dir).args(["run-dag", "missing/dag.json"]));
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("cannot read the DAG"), "{}", r.stderr);
    assert!(!dir.join("missing").exists());
}
