//! Tests of the DAG snapshot: round trip of every field, reuse, and every way a snapshot
//! must be ignored (other bytes of the same size and mtime, damage, truncation).

use std::time::{Duration, SystemTime};

use super::*;
use crate::dag_builder::DagBuilder;
use crate::test_dir::TestDir;

/// A DAG with every field set to something other than its default.
fn rich_dag() -> StagedDag {
    let mut b = DagBuilder::new();
    b.seed("host", &["sh", "cc"]);
    let a = b.action_at("gen", "stage1", &["echo a > ${out}/a", "true"], &[]);
    let c = b.action("lib", &["cc -o ${out.lib}/x"], &[a]);
    b.source_path(a, "src/gen").source_archive(c, "lib.tar.gz", Some("ab12"));
    {
        let act = b.get(c);
        act.check = vec!["make check".into()];
        act.env.insert("CFLAGS".into(), "-O2".into());
        act.env.insert("LANG".into(), "C".into());
        act.timeout_secs = Some(60);
        act.tainted = true;
        act.cost_ms = 4321;
        act.outputs[0].depends = vec!["libc".into()];
        act.outputs[0].provides = vec!["lib-virtual".into()];
        act.version = None;
        act.outputs.push(Output { name: "lib-doc".into(), version: None, depends: vec![], provides: vec![] });
    }
    let d = b.dag_mut();
    d.profiles = vec!["nocheck".into()];
    d.seeds[0].archive = Some(Archive { path: "seed.tar".into(), sha256: None });
    d.seeds[0].provides = vec!["libc".into()];
    d.verify.push(Verify { left: a, right: c });
    d.images.push(Image { name: "img".into(), format: "tar".into(), outputs: vec![OutputRef { action: c, output: "lib".into() }] });
    d.redirects.push(Redirect { from: c, name: "gen".into(), original: "gen@final".into(), to: a });
    d.input_sets.push(vec![
        Input { name: "gen".into(), from: Producer::Action { action: a, output: "gen".into() } },
        Input { name: "sh".into(), from: Producer::Seed { seed: "host".into() } },
    ]);
    d.actions[c].input_sets = vec![0];
    b.build()
}

/// `load_dag` of the file at `json`.
fn load(json: &Path, state: &Path) -> Result<(StagedDag, DagOrigin), DagFileError> {
    load_dag(File::open(json).unwrap(), state).map(|l| (l.dag, l.origin))
}

/// `load_dag` as if the run started long after `json` was last written.
fn load_later(json: &Path, state: &Path) -> (StagedDag, DagOrigin) {
    let l = load_dag_at(File::open(json).unwrap(), state, SystemTime::now() + Duration::from_secs(60)).unwrap();
    (l.dag, l.origin)
}

fn write_json(path: &Path, dag: &StagedDag) {
    std::fs::write(path, serde_json::to_vec(dag).unwrap()).unwrap();
}

#[test]
fn round_trip_keeps_every_field() {
    let dag = rich_dag();
    let digest = Digest([9; 32]);
    assert_eq!(decode(&encode(&dag, &digest), &digest), Some(dag));
}

#[test]
fn a_snapshot_of_other_bytes_is_not_used() {
    let dag = rich_dag();
    assert_eq!(decode(&encode(&dag, &Digest([9; 32])), &Digest([8; 32])), None);
}

#[test]
fn damaged_or_truncated_snapshots_do_not_decode() {
    let dag = rich_dag();
    let digest = Digest([9; 32]);
    let file = encode(&dag, &digest);
    for cut in [0, 7, HEADER_LEN, file.len() / 2, file.len() - 1] {
        assert_eq!(decode(&file[..cut], &digest), None, "cut at {cut}");
    }
    for at in [0, 9, 41, HEADER_LEN + 3, file.len() / 2, file.len() - 2] {
        let mut bad = file.clone();
        bad[at] ^= 0x20;
        assert_eq!(decode(&bad, &digest), None, "byte {at} flipped");
    }
    let mut longer = file.clone();
    longer.push(0);
    assert_eq!(decode(&longer, &digest), None);
}

#[test]
fn the_second_load_uses_the_snapshot() {
    let dir = TestDir::new("snapshot-reuse");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let dag = rich_dag();
    write_json(&json, &dag);
    assert_eq!(load(&json, &state).unwrap(), (dag.clone(), DagOrigin::Parsed));
    assert!(state.join(SNAPSHOT_FILE).is_file());
    assert_eq!(load(&json, &state).unwrap(), (dag, DagOrigin::Snapshot));
}

#[test]
fn an_edit_of_the_same_size_and_mtime_is_parsed() {
    let dir = TestDir::new("snapshot-edit");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let mut dag = rich_dag();
    write_json(&json, &dag);
    let mtime = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    std::fs::File::options().write(true).open(&json).unwrap().set_modified(mtime).unwrap();
    load(&json, &state).unwrap();
    // One digit of a command changes: same length, same mtime.
    let before = std::fs::metadata(&json).unwrap().len();
    dag.actions[0].build[0] = "echo b > ${out}/a".into();
    write_json(&json, &dag);
    std::fs::File::options().write(true).open(&json).unwrap().set_modified(mtime).unwrap();
    assert_eq!(std::fs::metadata(&json).unwrap().len(), before);
    assert_eq!(load(&json, &state).unwrap(), (dag.clone(), DagOrigin::Parsed));
    assert_eq!(load(&json, &state).unwrap(), (dag, DagOrigin::Snapshot));
}

#[test]
fn a_corrupt_snapshot_is_ignored_and_rewritten() {
    let dir = TestDir::new("snapshot-corrupt");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let dag = rich_dag();
    write_json(&json, &dag);
    load(&json, &state).unwrap();
    let snap = state.join(SNAPSHOT_FILE);
    let mut bytes = std::fs::read(&snap).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&snap, &bytes).unwrap();
    assert_eq!(load(&json, &state).unwrap(), (dag.clone(), DagOrigin::Parsed));
    assert_eq!(load(&json, &state).unwrap(), (dag.clone(), DagOrigin::Snapshot));
    std::fs::write(&snap, b"garbage").unwrap();
    assert_eq!(load(&json, &state).unwrap(), (dag, DagOrigin::Parsed));
}

#[test]
fn invalid_json_is_an_error_even_beside_a_snapshot() {
    let dir = TestDir::new("snapshot-invalid");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    write_json(&json, &rich_dag());
    load(&json, &state).unwrap();
    std::fs::write(&json, b"{not json").unwrap();
    assert!(load(&json, &state).is_err());
}

#[test]
fn a_file_written_just_now_is_hashed_every_run() {
    let dir = TestDir::new("snapshot-fresh");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let dag = rich_dag();
    write_json(&json, &dag);
    assert_eq!(load(&json, &state).unwrap(), (dag.clone(), DagOrigin::Parsed));
    assert_eq!(load(&json, &state).unwrap(), (dag, DagOrigin::Snapshot));
    // Its last write may share a timestamp with the next one: nothing is remembered.
    assert!(!state.join(MEMO_FILE).exists());
}

#[test]
fn a_settled_file_is_remembered_and_the_memo_is_trusted_for_its_stamp() {
    let dir = TestDir::new("snapshot-memo");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let dag = rich_dag();
    write_json(&json, &dag);
    assert_eq!(load_later(&json, &state), (dag.clone(), DagOrigin::Parsed));
    let memo = StatMemo::read(&state.join(MEMO_FILE)).expect("a memo");
    assert_eq!(memo.digest, Digest::of(&std::fs::read(&json).unwrap()));
    assert_eq!(load_later(&json, &state), (dag.clone(), DagOrigin::Snapshot));
    // The file is not hashed while its stamp is the memo's: a memo naming other bytes
    // sends the run to the parser, which remembers the right digest again.
    StatMemo { digest: Digest([1; 32]), ..memo }.write(&state.join(MEMO_FILE));
    assert_eq!(load_later(&json, &state), (dag.clone(), DagOrigin::Parsed));
    assert_eq!(StatMemo::read(&state.join(MEMO_FILE)), Some(memo));
    assert_eq!(load_later(&json, &state), (dag, DagOrigin::Snapshot));
}

#[test]
fn a_same_second_same_size_rewrite_of_a_remembered_file_is_parsed() {
    let dir = TestDir::new("snapshot-memo-edit");
    let json = dir.path().join("dag.json");
    let state = dir.path().join(".planc");
    let mut dag = rich_dag();
    write_json(&json, &dag);
    let meta = std::fs::metadata(&json).unwrap();
    assert_eq!(load_later(&json, &state), (dag.clone(), DagOrigin::Parsed));
    assert!(state.join(MEMO_FILE).is_file());
    // One digit changes, in place, mtime put back: only the ctime tells.
    std::thread::sleep(Duration::from_millis(20));
    dag.actions[0].build[0] = "echo b > ${out}/a".into();
    write_json(&json, &dag);
    std::fs::File::options().write(true).open(&json).unwrap().set_modified(meta.modified().unwrap()).unwrap();
    let now = std::fs::metadata(&json).unwrap();
    assert_eq!((now.len(), now.modified().unwrap()), (meta.len(), meta.modified().unwrap()));
    assert_eq!(load_later(&json, &state), (dag.clone(), DagOrigin::Parsed));
    assert_eq!(load_later(&json, &state), (dag, DagOrigin::Snapshot));
}
