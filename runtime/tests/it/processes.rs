//! Real processes: timeouts, kills, concurrent runs, tool visibility, the sandbox.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use runtime::{DagBuilder, FailureKind, Isolation, RunError, StateLockMode, Status};

use crate::{Sandbox, built};

fn alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

#[test]
fn timeout_kills_an_action_and_everything_it_forked() {
    let s = Sandbox::new("timeout");
    let pids = s.path().join("pids");
    let script = format!(
        "(trap '' TERM; exec sleep 60) & echo $! >> {p}; (sleep 60; echo never) & echo $! >> {p}; sleep 60",
        p = pids.display()
    );
    let mut g = DagBuilder::new();
    g.seed("host", &["sleep"]);
    let a = g.action("slow", &[&script], &[]);
    g.get(a).timeout_secs = Some(1);
    let dag = g.build();
    let started = Instant::now();
    let r = s.run(&dag);
    assert_eq!(r.records[0].status, Status::Failed);
    assert_eq!(r.records[0].failure.as_ref().unwrap().kind, FailureKind::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(10));
    let pids: Vec<i32> = std::fs::read_to_string(&pids).unwrap().lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(pids.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(3);
    while pids.iter().any(|&p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in pids {
        assert!(!alive(p), "process {p} survived the timeout");
    }
}

#[test]
fn a_concurrent_run_is_refused() {
    let s = Sandbox::new("concurrent");
    let mut g = DagBuilder::new();
    g.action("a", &["echo > ${out}/f"], &[]);
    let dag = g.build();
    assert!(runtime::run(&dag, &s.config()).unwrap().success());
    let lock = nix::fcntl::Flock::lock(
        std::fs::OpenOptions::new().read(true).write(true).open(s.state().join("lock")).unwrap(),
        nix::fcntl::FlockArg::LockExclusiveNonblock,
    )
    .unwrap();
    let err = runtime::run(&dag, &s.config()).err().expect("refused");
    assert!(matches!(err, RunError::StateLock(_)));
    assert!(err.to_string().starts_with("another planc run"), "{err}");
    // With --wait it queues until the first one releases.
    let mut c = s.config();
    c.state_lock = StateLockMode::Wait;
    let dag2 = dag.clone();
    let h = std::thread::spawn(move || runtime::run(&dag2, &c).map(|r| r.success()));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!h.is_finished(), "waits while the lock is held");
    drop(lock);
    assert!(h.join().unwrap().unwrap());
}

#[test]
fn only_seed_tools_and_deps_are_visible() {
    let s = Sandbox::new("tools");
    let mut g = DagBuilder::new();
    g.action("no-tools", &["cat /dev/null"], &[]);
    let dag = g.build();
    let r = s.run(&dag);
    assert_eq!(r.records[0].status, Status::Failed, "`cat` is not declared");

    let mut g = DagBuilder::new();
    g.seed("host", &["cat", "mkdir"]);
    let a = g.action("tool", &["mkdir -p ${out}/bin", "echo 'echo from-tool' > ${out}/bin/mytool", "chmod +x ${out}/bin/mytool || true"], &[]);
    g.get(a).build = vec!["mkdir -p ${out}/bin".into(), "printf '#!/bin/sh\\necho from-tool\\n' > ${out}/bin/mytool".into(), "cat ${out}/bin/mytool > /dev/null".into()];
    g.action("user", &["test \"$(command -v cat)\" != \"\"", "echo \"$PATH\" > ${out}/path", "test -f ${sysroot}/bin/mytool"], &[a]);
    let dag = g.build();
    let r = s.run(&dag);
    assert!(r.success(), "{:?}", r.records);
}

/// The body of the child run that `killed_run_then_rerun_is_consistent` kills; when
/// run on its own it checks a plain build.
#[test]
fn child_runner() {
    if let Ok(dag_path) = std::env::var("PLANC_IT_CHILD_DAG") {
        let plan = Path::new(&dag_path).parent().unwrap().to_owned();
        let dag = serde_json::from_slice(&std::fs::read(&dag_path).unwrap()).unwrap();
        let mut c = runtime::RunConfig::new(plan.clone(), plan.join(".planc"));
        c.jobs = 2;
        c.progress = runtime::ProgressMode::Quiet;
        let _ = runtime::run(&dag, &c);
        return;
    }
    let s = Sandbox::new("child-plain");
    let mut g = DagBuilder::new();
    g.action("a", &["echo > ${out}/f"], &[]);
    assert!(s.run(&g.build()).success());
}

#[test]
fn killed_run_then_rerun_is_consistent() {
    let s = Sandbox::new("killed");
    let mut g = DagBuilder::new();
    g.seed("host", &["sleep"]);
    let mut prev = Vec::new();
    for i in 0..12 {
        let cmd = format!("i=0; while [ $i -lt 200 ]; do echo line$i >> ${{out}}/data; i=$((i+1)); done; sleep 0.1; echo {i} > ${{out}}/n");
        let deps: Vec<usize> = prev.iter().rev().take(1).copied().collect();
        prev.push(g.action(&format!("p{i}"), &[&cmd], &deps));
    }
    let dag = g.build();
    let dag_path = s.path().join("dag.json");
    std::fs::write(&dag_path, serde_json::to_vec(&dag).unwrap()).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "processes::child_runner", "--test-threads=1"])
        .env("PLANC_IT_CHILD_DAG", &dag_path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once a few actions are in the cache.
    // Each entry holds its action id in plain bytes (`pN@final`) in the binary log.
    let log = s.state().join("cache/actions.bin");
    let entries = |b: Vec<u8>| b.windows(6).filter(|w| w == b"@final").count();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read(&log).map_or(0, entries) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let r = s.run(&dag);
    assert!(r.success(), "{:?}", r.records);
    let cached = r.records.iter().filter(|r| r.status == Status::Cached).count();
    assert!(cached >= 3, "what the killed run committed is reused ({cached})");
    assert!(cached < 12, "the kill happened mid-run");
    // The cache is consistent: a third run is fully cached and every blob verifies.
    let r = s.run(&dag);
    assert!(r.records.iter().all(|r| r.status == Status::Cached));
    let mut c = s.config();
    c.rebuild = vec!["p11".into()];
    let r = runtime::run(&dag, &c).unwrap();
    assert_eq!(built(&dag, &r), ["p11"], "its inputs unpack from verified blobs");
}

#[test]
fn sandbox_denies_writes_outside_the_work_dir() {
    let s = Sandbox::new("sandbox");
    let outside = s.path().join("outside.txt");
    let mut g = DagBuilder::new();
    g.action("ok", &["echo fine > ${out}/f", "echo tmp > $HOME/scratch"], &[]);
    g.action("escape", &[&format!("echo bad > {}", outside.display())], &[]);
    let dag = g.build();
    let mut c = s.config();
    c.isolation = Isolation::Sandbox;
    c.on_failure = runtime::FailurePolicy::KeepGoing;
    let r = runtime::run(&dag, &c).unwrap();
    assert_eq!(r.records[0].status, Status::Built, "{:?}", r.records[0].failure);
    assert_eq!(r.records[1].status, Status::Failed);
    assert!(!outside.exists());
    let tail = r.records[1].failure.as_ref().unwrap().log_tail.clone().unwrap_or_default();
    assert!(tail.contains("Read-only file system"), "{tail}");
}
