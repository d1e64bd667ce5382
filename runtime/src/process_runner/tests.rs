//! Tests of `ProcessRunner` with real processes.

use super::*;
use crate::test_dir::TestDir;

fn spec(t: &TestDir, script: &str, timeout: Option<Duration>) -> CommandSpec {
    CommandSpec {
        script: script.into(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        cwd: t.path().to_owned(),
        log: t.path().join("log"),
        timeout,
        sandbox: None,
    }
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose: read its state.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

#[test]
fn exit_codes_env_and_log() {
    let t = TestDir::new("runner");
    let r = ProcessRunner::default();
    assert_eq!(r.run(&spec(&t, "echo out; echo err >&2; exit 3", None)).unwrap(), CommandOutcome::Exited(3));
    assert_eq!(fs::read_to_string(t.path().join("log")).unwrap(), "out\nerr\n");
    let mut s = spec(&t, "test -z \"$HOME\" && test \"$X\" = y", None);
    s.env.push(("X".into(), "y".into()));
    assert!(r.run(&s).unwrap().success(), "env is exactly the given one");
}

#[test]
fn timeout_kills_the_whole_group() {
    let t = TestDir::new("runner-timeout");
    let r = ProcessRunner::new(Duration::from_millis(300));
    let started = Instant::now();
    // A child that ignores SIGTERM and a grandchild: both must die.
    let script = "trap '' TERM; (trap '' TERM; sleep 60) & echo $! > pids; sh -c 'sleep 60' & echo $! >> pids; wait";
    let out = r.run(&spec(&t, script, Some(Duration::from_millis(200)))).unwrap();
    assert_eq!(out, CommandOutcome::TimedOut);
    assert!(started.elapsed() < Duration::from_secs(5));
    let pids: Vec<i32> = fs::read_to_string(t.path().join("pids"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(3);
    while pids.iter().any(|&p| alive(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in pids {
        assert!(!alive(p), "process {p} of the timed-out group survived");
    }
}

#[test]
fn background_leftovers_are_killed_when_the_shell_exits() {
    let t = TestDir::new("runner-leftover");
    let r = ProcessRunner::default();
    let out = r.run(&spec(&t, "sleep 60 & echo $! > pid", None)).unwrap();
    assert!(out.success());
    let pid: i32 = fs::read_to_string(t.path().join("pid")).unwrap().trim().parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(3);
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!alive(pid));
}

#[test]
fn cancel_terminates_running_commands() {
    let t = TestDir::new("runner-cancel");
    let r = Arc::new(ProcessRunner::new(Duration::from_millis(200)));
    let r2 = Arc::clone(&r);
    let s = spec(&t, "sleep 30", None);
    let h = std::thread::spawn(move || r2.run(&s).unwrap());
    std::thread::sleep(Duration::from_millis(200));
    r.cancel_all();
    assert_eq!(h.join().unwrap(), CommandOutcome::Cancelled);
    assert_eq!(r.run(&spec(&t, "true", None)).unwrap(), CommandOutcome::Cancelled);
}
