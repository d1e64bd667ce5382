//! Lock files, summaries, verify pairs and images.

use compiler::dag::{Image, OutputRef, Verify};
use runtime::{DagBuilder, LockMode, RunError, Status};

use crate::Sandbox;

#[test]
fn locked_run_refuses_drift_and_names_it() {
    let s = Sandbox::new("locked");
    std::fs::write(s.path().join("seed.tar"), tar::Builder::new(Vec::new()).into_inner().unwrap()).unwrap();
    let mut g = DagBuilder::new();
    g.seed("host", &["sh"]);
    g.dag_mut().seeds[0].archive = Some(compiler::dag::Archive { path: "seed.tar".into(), sha256: None });
    g.action("a", &["echo > ${out}/f"], &[]);
    let dag = g.build();
    let lock = runtime::lock(&dag, s.path()).unwrap();
    assert_eq!(lock.host_tools[0].name, "sh");
    let mut c = s.config();
    c.lock = LockMode::Locked;
    assert!(runtime::run(&dag, &c).unwrap().success());

    // The seed archive changes.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    b.append_data(&mut h, "x", &b"x"[..]).unwrap();
    std::fs::write(s.path().join("seed.tar"), b.into_inner().unwrap()).unwrap();
    let err = runtime::run(&dag, &c).err().unwrap();
    assert!(matches!(err, RunError::Lock(_)));
    let msg = err.to_string();
    assert!(msg.contains("archive `seed.tar` (seed host) changed: locked sha256"), "{msg}");

    // A host tool drifts (simulated by editing the lock).
    runtime::lock(&dag, s.path()).unwrap();
    let text = std::fs::read_to_string(s.path().join("plan.lock")).unwrap();
    let edited = text.replace(&lock.host_tools[0].sha256, &"f".repeat(64));
    std::fs::write(s.path().join("plan.lock"), edited).unwrap();
    let msg = runtime::run(&dag, &c).err().unwrap().to_string();
    assert!(msg.contains("host tool `sh` of seed `host` changed"), "{msg}");
}

#[test]
fn summary_replay_refuses_changed_inputs() {
    let s = Sandbox::new("summary");
    std::fs::create_dir_all(s.path().join("src")).unwrap();
    std::fs::write(s.path().join("src/v"), "1").unwrap();
    let mut g = DagBuilder::new();
    let a = g.action("a", &["read x < v; echo $x > ${out}/v"], &[]);
    g.source_path(a, "src");
    let dag = g.build();
    assert!(s.run(&dag).success());
    let saved = s.path().join("saved-summary.json");
    std::fs::copy(s.state().join("summary.json"), &saved).unwrap();
    let summary = runtime::RunSummary::load(&saved).unwrap();
    assert_eq!(summary.outputs["a@final"].len(), 1);
    assert!(summary.sources.contains_key("a@final"));

    let mut c = s.config();
    c.from_summary = Some(saved.clone());
    assert!(runtime::run(&dag, &c).unwrap().success(), "same inputs replay");
    std::fs::write(s.path().join("src/v"), "2").unwrap();
    let err = runtime::run(&dag, &c).err().unwrap();
    assert!(err.to_string().contains("source of `a@final` changed"), "{err}");
}

#[test]
fn verify_mismatch_lists_differing_files_and_images_are_deterministic() {
    let s = Sandbox::new("verify");
    let mut g = DagBuilder::new();
    let l = g.action_at("cc", "stage1", &["echo same > ${out}/README", "echo 1 > ${out}/bin"], &[]);
    let r = g.action("cc", &["echo same > ${out}/README", "echo 2 > ${out}/bin"], &[]);
    g.dag_mut().verify.push(Verify { left: l, right: r });
    let dag = g.build();
    let rep = s.run(&dag);
    assert!(!rep.success());
    assert_eq!(rep.problems.len(), 1);
    assert_eq!(rep.problems[0], "verify `cc@stage1` against `cc@final` failed:\n  cc/bin: differs");

    let s = Sandbox::new("image");
    let mut g = DagBuilder::new();
    let a = g.action("a", &["echo a > ${out}/a"], &[]);
    let b = g.action("b", &["echo b > ${out}/b"], &[]);
    g.dag_mut().images.push(Image {
        name: "core".into(),
        format: "tar.zst".into(),
        outputs: vec![OutputRef { action: a, output: "a".into() }, OutputRef { action: b, output: "b".into() }],
    });
    let dag = g.build();
    let rep = s.run(&dag);
    assert!(rep.success(), "{:?}", rep.problems);
    let first = std::fs::read(s.state().join("images/core.tar.zst")).unwrap();
    let manifest = std::fs::read_to_string(s.state().join("images/core.manifest.json")).unwrap();
    assert!(manifest.contains("\"output\": \"a\"") && manifest.contains("\"version\": \"1.0\""));
    let mut c = s.config();
    c.cache = runtime::CacheMode::Ignore;
    let rep = runtime::run(&dag, &c).unwrap();
    assert!(rep.records.iter().all(|r| r.status == Status::Built));
    assert_eq!(std::fs::read(s.state().join("images/core.tar.zst")).unwrap(), first, "rebuilt image is byte-identical");
}
