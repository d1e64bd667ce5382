//! Bad input: missing sources, checksum mismatches, failing commands, unknown variables.

use runtime::{DagBuilder, Status};

use crate::Sandbox;

#[test]
fn missing_source_dir() {
    let s = Sandbox::new("missing-src");
    let mut g = DagBuilder::new();
    let a = g.action("a", &["true"], &[]);
    g.source_path(a, "src/a");
    let dag = g.build();
    let r = s.run(&dag);
    assert_eq!(r.records[0].status, Status::Failed);
    assert_eq!(r.records[0].failure.as_ref().unwrap().message, "source directory `src/a` of `a@final` does not exist");
}

#[test]
fn source_is_copied_and_archive_checksum_is_checked() {
    let s = Sandbox::new("sources");
    std::fs::create_dir_all(s.path().join("src/a")).unwrap();
    std::fs::write(s.path().join("src/a/input.txt"), "hello\n").unwrap();
    // A tar archive made with the tar crate (no host tools needed).
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o644);
    b.append_data(&mut h, "pkg-1.0/data.txt", &b"abc"[..]).unwrap();
    std::fs::write(s.path().join("pkg.tar"), b.into_inner().unwrap()).unwrap();
    let good = runtime::Digest::of_file(&s.path().join("pkg.tar")).unwrap().to_string();

    let mut g = DagBuilder::new();
    let a = g.action("a", &["read x < input.txt; echo \"$x\" > ${out}/copy"], &[]);
    g.source_path(a, "src/a");
    let b2 = g.action("b", &["read x < data.txt; echo \"$x\" > ${out}/copy"], &[]);
    g.source_archive(b2, "pkg.tar", Some(&good));
    let dag = g.build();
    let r = s.run(&dag);
    assert!(r.success(), "{:?}", r.records);

    let mut g = DagBuilder::new();
    let b3 = g.action("b", &["true"], &[]);
    g.source_archive(b3, "pkg.tar", Some(&"0".repeat(64)));
    let r = s.run(&g.build());
    let msg = &r.records[0].failure.as_ref().unwrap().message;
    assert!(msg.starts_with("source of `b@final`: checksum mismatch for `pkg.tar`: expected sha256 0000"), "{msg}");

    // Editing a source file rebuilds.
    let r = s.run(&dag);
    assert!(r.records.iter().all(|r| r.status == Status::Cached));
    std::fs::write(s.path().join("src/a/input.txt"), "changed\n").unwrap();
    let r = s.run(&dag);
    assert_eq!(r.records[0].status, Status::Built);
}

#[test]
fn failing_command_shows_the_log_tail_and_blocks_dependents() {
    let s = Sandbox::new("failing");
    let mut g = DagBuilder::new();
    let a = g.action("a", &["echo compiling foo.c", "echo 'foo.c:3: error: oops' >&2; exit 2"], &[]);
    g.action("b", &["true"], &[a]);
    let dag = g.build();
    let mut c = s.config();
    c.attempts = 2;
    let r = runtime::run(&dag, &c).unwrap();
    let f = r.records[0].failure.as_ref().unwrap();
    assert_eq!(r.records[0].attempts, 2);
    assert_eq!(f.message, "`echo 'foo.c:3: error: oops' >&2; exit 2` failed: exit status 2");
    assert!(f.log_tail.as_deref().unwrap().ends_with("compiling foo.c\nfoo.c:3: error: oops"), "{:?}", f.log_tail);
    assert_eq!(r.records[1].status, Status::Blocked);
    assert_eq!(r.records[1].blocker.as_deref(), Some("a@final"));
    let csv = std::fs::read_to_string(s.state().join("build-state.csv")).unwrap();
    assert!(csv.contains("b@final,b,1.0,final,blocked,0,0,a@final"), "{csv}");
    assert!(s.state().join("logs/a@final.log").exists());
    for f in ["report.json", "dag.dot", "trace.json", "summary.json"] {
        assert!(s.state().join(f).exists(), "{f}");
    }
}

#[test]
fn unknown_variable_names_the_action() {
    let s = Sandbox::new("unknown-var");
    let mut g = DagBuilder::new();
    g.action("a", &["echo ${prefix} $HOME"], &[]);
    let r = s.run(&g.build());
    assert!(r.records[0].failure.as_ref().unwrap().message.starts_with("unknown variable `${prefix}` in a command of `a@final`"));
}
