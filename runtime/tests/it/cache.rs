//! The cache end to end: reruns, edits, early cutoff, corrupt blobs, export/import/gc.

use runtime::{CacheTransfer, DagBuilder, Status};

use crate::{Sandbox, built, statuses};

/// a → b → d, a → c → d; each output depends on its inputs' files.
fn diamond(a_cmd: &str, b_cmd: &str) -> compiler::dag::StagedDag {
    let mut g = DagBuilder::new();
    let a = g.action("a", &[a_cmd], &[]);
    let b = g.action("b", &[b_cmd], &[a]);
    let c = g.action("c", &["read x < ${sysroot}/a.txt; echo \"c($x)\" > ${out}/c.txt"], &[a]);
    g.action("d", &["read x < ${sysroot}/b.txt; read y < ${sysroot}/c.txt; echo \"d($x,$y)\" > ${out}/d.txt"], &[b, c]);
    g.build()
}

const A: &str = "echo a1 > ${out}/a.txt";
const B: &str = "read x < ${sysroot}/a.txt; echo \"b($x)\" > ${out}/b.txt";

#[test]
fn build_rerun_cached_edit_rebuilds_dependents() {
    let s = Sandbox::new("cache-edit");
    let dag = diamond(A, B);
    let r = s.run(&dag);
    assert!(r.success(), "{:?}", r.records);
    assert_eq!(built(&dag, &r), ["a", "b", "c", "d"]);

    let r = s.run(&dag);
    assert!(statuses(&dag, &r).iter().all(|(_, st)| *st == Status::Cached), "second run is all cached");

    let dag2 = diamond(A, "read x < ${sysroot}/a.txt; echo \"B($x)\" > ${out}/b.txt");
    let r = s.run(&dag2);
    assert_eq!(built(&dag2, &r), ["b", "d"], "exactly the edited action and what its output reaches");
    let report = std::fs::read_to_string(s.state().join("report.json")).unwrap();
    assert!(report.contains("\"status\": \"cached\""));
}

#[test]
fn early_cutoff_identical_output_does_not_cascade() {
    let s = Sandbox::new("cache-cutoff");
    let dag = diamond(A, B);
    assert!(s.run(&dag).success());
    // A different command with the same output.
    let dag2 = diamond("printf 'a1\\n' > ${out}/a.txt", B);
    let r = s.run(&dag2);
    assert_eq!(built(&dag2, &r), ["a"]);
    assert_eq!(r.records[1].status, Status::Cached);
}

#[test]
fn rebuild_no_cache_and_cascade_limit() {
    let s = Sandbox::new("cache-policy");
    let dag = diamond(A, B);
    assert!(s.run(&dag).success());
    let mut c = s.config();
    c.rebuild = vec!["c".into()];
    let r = runtime::run(&dag, &c).unwrap();
    assert_eq!(built(&dag, &r), ["c"], "same output: d stays cached");

    let mut c = s.config();
    c.cache = runtime::CacheMode::Ignore;
    assert_eq!(built(&dag, &runtime::run(&dag, &c).unwrap()), ["a", "b", "c", "d"]);

    // a changes its output: b and c cascade at depth 1, d at depth 2.
    let dag2 = diamond("echo a2 > ${out}/a.txt", B);
    let mut c = s.config();
    c.max_cascading_rebuilds = Some(1);
    let r = runtime::run(&dag2, &c).unwrap();
    assert_eq!(built(&dag2, &r), ["a", "b", "c"]);
    assert_eq!(r.records[3].status, Status::Cached);
    assert!(r.records[3].note.as_deref().unwrap().contains("max-cascading-rebuilds"));
}

#[test]
fn corrupt_blob_is_rebuilt_never_used() {
    let s = Sandbox::new("cache-corrupt");
    // Enough output not to fit in the log: a's blob is a file.
    let big = "i=0; while [ $i -lt 1500 ]; do echo $((i * i * 7919 % 1000003)); i=$((i+1)); done > ${out}/n; echo a1 > ${out}/a.txt";
    let dag = diamond(big, B);
    let r = s.run(&dag);
    assert!(r.success());
    let a_digest = r.records[0].outputs.as_ref().unwrap()[0].digest;
    let blob = s.state().join(format!("cache/blobs/{a_digest}.tar.zst"));
    let mut bytes = std::fs::read(&blob).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&blob, bytes).unwrap();
    // b must rebuild and needs a's blob.
    let dag2 = diamond(big, "read x < ${sysroot}/a.txt; echo \"B($x)\" > ${out}/b.txt");
    let r = s.run(&dag2);
    assert!(r.success(), "{:?}", r.records);
    assert_eq!(built(&dag2, &r), ["a", "b", "d"], "a rebuilt from scratch");
    assert!(r.records[1].note.as_deref().unwrap().contains("corrupt"));
    assert_eq!(r.records[0].outputs.as_ref().unwrap()[0].digest, a_digest, "same content, restored blob");
    assert!(blob.exists());
}

#[test]
fn export_import_gc() {
    let s = Sandbox::new("cache-transfer");
    let dag = diamond(A, B);
    assert!(s.run(&dag).success());
    let file = s.path().join("toolchain.tar.zst");
    let st = CacheTransfer::export(&s.state(), &file, &["a".into(), "b".into()]).unwrap();
    assert_eq!((st.entries, st.blobs), (2, 2));

    let s2 = Sandbox::new("cache-transfer-2");
    let st = CacheTransfer::import(&s2.state(), &file).unwrap();
    assert_eq!(st.entries, 2);
    let r = s2.run(&dag);
    assert_eq!(built(&dag, &r), ["c", "d"], "a and b come from the import");

    // An edit leaves a stale entry and blob; gc removes them.
    let dag2 = diamond(A, "read x < ${sysroot}/a.txt; echo \"B($x)\" > ${out}/b.txt");
    assert!(s.run(&dag2).success());
    let st = CacheTransfer::gc(&s.state()).unwrap();
    assert_eq!(st.entries, 4);
    assert_eq!(st.removed_blobs, 2, "old b and d outputs");
    let r = s.run(&dag2);
    assert!(r.records.iter().all(|r| r.status == Status::Cached));
}

/// The action log cut anywhere (a crash mid-append): the entries before the cut stay
/// cached, the ones after it run again, and the results are the same.
#[test]
fn truncated_action_log_reruns_what_it_lost() {
    let s = Sandbox::new("cache-truncated-log");
    let dag = diamond(A, B);
    assert!(s.run(&dag).success());
    let log = s.state().join("cache/actions.bin");
    let whole = std::fs::read(&log).unwrap();
    let d = std::fs::read_to_string(s.state().join("summary.json")).unwrap();
    // Cut into the last record: a, b and c stay, d runs again.
    std::fs::write(&log, &whole[..whole.len() - 10]).unwrap();
    let r = s.run(&dag);
    assert!(r.success(), "{:?}", r.records);
    assert_eq!(built(&dag, &r), ["d"]);
    assert_eq!(std::fs::read_to_string(s.state().join("summary.json")).unwrap(), d, "the same outputs");
    // Cut into the magic: the log is not one, the run refuses to guess.
    std::fs::write(&log, &whole[..4]).unwrap();
    let err = runtime::run(&dag, &s.config()).err().expect("a damaged magic is an error");
    assert!(err.to_string().contains("actions.bin"), "{err}");
    // An empty log is an empty cache.
    std::fs::write(&log, b"").unwrap();
    let r = s.run(&dag);
    assert_eq!(built(&dag, &r), ["a", "b", "c", "d"]);
    assert!(s.run(&dag).records.iter().all(|r| r.status == Status::Cached));
}

/// Work dirs are renamed in from idle skeletons and back: a built action leaves no work
/// dir, nothing of it is in the next action's, and a failed one keeps its own.
#[test]
fn work_dirs_are_reused_and_left_clean() {
    let s = Sandbox::new("work-reuse");
    let mut g = DagBuilder::new();
    // Each action checks that it starts from an empty layout, then litters it.
    // (Shell builtins only: the action's PATH holds no host tools.)
    let check = "for f in ${sysroot}/bin/* ./* ${out}/* $HOME/junk; do if [ -e $f ]; then echo left: $f; exit 9; fi; done; : > junk; : > $HOME/junk; : > ${sysroot}/bin/junk";
    let mut prev = vec![];
    for i in 0..6 {
        let cmd = format!("{check} && echo {i} > ${{out}}/f");
        prev = vec![g.action(&format!("p{i}"), &[&cmd], &prev)];
    }
    let fail = g.action("bad", &[": > ${out}/half; exit 3"], &[]);
    let dag = g.build();
    let mut c = s.config();
    c.on_failure = runtime::FailurePolicy::KeepGoing;
    let r = runtime::run(&dag, &c).unwrap();
    assert_eq!(built(&dag, &r), ["p0", "p1", "p2", "p3", "p4", "p5"], "{:?}", r.records);
    assert_eq!(r.records[fail].status, Status::Failed);
    let work: Vec<String> = std::fs::read_dir(s.state().join("work"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with(".slot-"))
        .collect();
    assert_eq!(work, ["bad@final"], "only the failed action's work dir, no trash");
    assert!(s.state().join("work/bad@final/out/bad/half").exists());
    // A rerun reuses the skeletons and re-runs the failed action in a clean dir.
    let r = runtime::run(&dag, &c).unwrap();
    assert!(built(&dag, &r).is_empty());
    assert_eq!(r.records[fail].status, Status::Failed);
}

/// A silent action leaves no log; one that prints, or fails, has `logs/ID.log`, and the
/// report names exactly the logs that exist.
#[test]
fn logs_only_where_there_is_output() {
    let s = Sandbox::new("lazy-logs");
    let mut g = DagBuilder::new();
    g.action("quiet", &["echo q > ${out}/f"], &[]);
    g.action("loud", &["echo hello; echo l > ${out}/f"], &[]);
    let dag = g.build();
    assert!(s.run(&dag).success());
    assert!(!s.state().join("logs/quiet@final.log").exists());
    let loud = std::fs::read_to_string(s.state().join("logs/loud@final.log")).unwrap();
    assert_eq!(loud, "# planc: loud@final attempt 1\nhello\n");
    let report = std::fs::read_to_string(s.state().join("report.json")).unwrap();
    assert!(report.contains("\"log\": \"logs/loud@final.log\""), "{report}");
    assert!(!report.contains("logs/quiet@final.log"), "{report}");
    // The loud action turns quiet: its old log goes.
    let mut g = DagBuilder::new();
    g.action("quiet", &["echo q > ${out}/f"], &[]);
    g.action("loud", &["echo l2 > ${out}/f"], &[]);
    assert!(s.run(&g.build()).success());
    assert!(!s.state().join("logs/loud@final.log").exists());
}
