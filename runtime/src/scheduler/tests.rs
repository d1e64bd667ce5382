//! Scheduler tests on the dry agent's virtual clock, asserting which actions started in
//! which order (ninja's `build_test.cc`).

use super::*;
use crate::dag_builder::DagBuilder;
use crate::dry_agent::{DryAgent, Scripted};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config() -> ScheduleConfig {
    ScheduleConfig {
        attempts: 1,
        on_failure: FailurePolicy::Stop,
        order: ReadyOrder::CriticalPath,
        retry_backoff: ms(100),
        deadline: None,
        poll: None,
    }
}

fn run(dag: &StagedDag, agent: &mut DryAgent<'_>, config: ScheduleConfig) -> ScheduleOutcome {
    let est: Vec<u64> = dag.actions.iter().map(|a| a.cost_ms).collect();
    let needed = vec![true; dag.actions.len()];
    Scheduler::new(dag, &needed, &est, config).unwrap().run(agent, &mut NoObserver, &|| false)
}

fn names(dag: &StagedDag, agent: &DryAgent<'_>) -> Vec<String> {
    agent.starts().iter().map(|(_, a)| dag.actions[*a].package.clone()).collect()
}

fn durations(dag: &StagedDag) -> Vec<Duration> {
    dag.actions.iter().map(|a| ms(a.cost_ms)).collect()
}

#[test]
fn dependencies_run_first_and_every_action_is_built() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    let bb = b.action("b", &[], &[a]);
    let c = b.action("c", &[], &[a]);
    b.action("d", &[], &[bb, c]);
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 2, durations(&dag));
    let out = run(&dag, &mut agent, config());
    let order = names(&dag, &agent);
    assert_eq!(order[0], "a");
    assert_eq!(order[3], "d");
    assert!(out.records.iter().all(|r| r.status == Status::Built));
    assert_eq!(out.makespan, ms(3000), "b and c in parallel");
}

#[test]
fn critical_path_goes_first_and_fifo_does_not() {
    // `short` is ready first but `long` heads the long chain.
    let mut b = DagBuilder::new();
    let short = b.action("short", &[], &[]);
    let long = b.action("long", &[], &[]);
    let tail = b.action("tail", &[], &[long]);
    b.get(short).cost_ms = 1000;
    b.get(long).cost_ms = 1000;
    b.get(tail).cost_ms = 5000;
    let dag = b.build();

    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    let cp = run(&dag, &mut agent, config());
    assert_eq!(names(&dag, &agent), ["long", "tail", "short"]);

    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    let fifo = run(&dag, &mut agent, ScheduleConfig { order: ReadyOrder::Fifo, ..config() });
    assert_eq!(names(&dag, &agent), ["short", "long", "tail"]);
    assert_eq!(cp.makespan, fifo.makespan, "one worker: same total");

    // With two workers the order matters.
    let mut b2 = DagBuilder::new();
    let s1 = b2.action("s1", &[], &[]);
    let s2 = b2.action("s2", &[], &[]);
    let l = b2.action("l", &[], &[]);
    let t = b2.action("t", &[], &[l]);
    for (i, c) in [(s1, 1000), (s2, 1000), (l, 1000), (t, 5000)] {
        b2.get(i).cost_ms = c;
    }
    let dag2 = b2.build();
    let mut agent = DryAgent::new(&dag2, 2, durations(&dag2));
    assert_eq!(run(&dag2, &mut agent, config()).makespan, ms(6000));
    let mut agent = DryAgent::new(&dag2, 2, durations(&dag2));
    assert_eq!(run(&dag2, &mut agent, ScheduleConfig { order: ReadyOrder::Fifo, ..config() }).makespan, ms(7000));
}

#[test]
fn never_more_than_the_slots_run() {
    let mut b = DagBuilder::new();
    for i in 0..10 {
        b.action(&format!("p{i}"), &[], &[]);
    }
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 3, durations(&dag));
    let out = run(&dag, &mut agent, config());
    assert_eq!(out.makespan, ms(4000), "ceil(10 / 3) rounds");
    let mut at = std::collections::HashMap::new();
    for (t, _) in agent.starts() {
        *at.entry(*t).or_insert(0) += 1;
    }
    assert!(at.values().all(|&n| n <= 3));
}

#[test]
fn retries_with_backoff_then_succeed() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    b.action("b", &[], &[a]);
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    agent.script(a, vec![Scripted::Fail(ms(10)), Scripted::Fail(ms(10)), Scripted::Succeed(ms(10))]);
    let out = run(&dag, &mut agent, ScheduleConfig { attempts: 3, ..config() });
    assert_eq!(out.records[a].status, Status::Built);
    assert_eq!(out.records[a].attempts, 3);
    let starts: Vec<Duration> = agent.starts().iter().map(|s| s.0).collect();
    // 10ms run, 100ms backoff, 10ms, 200ms backoff, 10ms.
    assert_eq!(starts, [ms(0), ms(110), ms(320), ms(330)]);

    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    agent.script(a, vec![Scripted::Fail(ms(10)), Scripted::Fail(ms(10))]);
    let out = run(&dag, &mut agent, ScheduleConfig { attempts: 2, ..config() });
    assert_eq!(out.records[a].status, Status::Failed);
    assert_eq!(out.records[a].attempts, 2);
    assert_eq!(out.records[1].status, Status::Blocked);
    assert_eq!(out.records[1].blocker.as_deref(), Some("a@final"));
}

#[test]
fn timeouts_fail_the_action() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    b.get(a).timeout_secs = Some(1);
    b.get(a).cost_ms = 5000;
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    let out = run(&dag, &mut agent, config());
    assert_eq!(out.records[a].status, Status::Failed);
    assert_eq!(out.records[a].failure.as_ref().unwrap().kind, FailureKind::TimedOut);
    assert_eq!(out.makespan, ms(1000));
}

#[test]
fn global_deadline_stops_the_run() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    b.action("b", &[], &[a]);
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    let out = run(&dag, &mut agent, ScheduleConfig { deadline: Some(ms(500)), ..config() });
    assert_eq!(out.stopped, Some(StopReason::Timeout));
    assert_eq!(out.records[0].status, Status::Failed);
    assert_eq!(out.records[1].status, Status::Blocked);
}

#[test]
fn stop_lets_running_finish_keep_going_builds_the_rest() {
    // fail (1s) and slow (3s) start together; other (1s) would start after fail.
    let mut b = DagBuilder::new();
    let fail = b.action("fail", &[], &[]);
    let slow = b.action("slow", &[], &[]);
    let other = b.action("other", &[], &[]);
    let after = b.action("after", &[], &[fail]);
    b.get(slow).cost_ms = 3000;
    b.get(fail).cost_ms = 2000;
    let dag = b.build();

    let mut agent = DryAgent::new(&dag, 2, durations(&dag));
    agent.script(fail, vec![Scripted::Fail(ms(1000))]);
    let out = run(&dag, &mut agent, config());
    assert_eq!(out.records[fail].status, Status::Failed);
    assert_eq!(out.records[slow].status, Status::Built, "running actions finish");
    assert_eq!(out.records[other].status, Status::Skipped);
    assert_eq!(out.records[other].blocker.as_deref(), Some("run stopped after `fail@final` failed"));
    assert_eq!(out.records[after].status, Status::Blocked);
    assert_eq!(out.records[after].blocker.as_deref(), Some("fail@final"));

    let mut agent = DryAgent::new(&dag, 2, durations(&dag));
    agent.script(fail, vec![Scripted::Fail(ms(1000))]);
    let out = run(&dag, &mut agent, ScheduleConfig { on_failure: FailurePolicy::KeepGoing, ..config() });
    assert_eq!(out.records[other].status, Status::Built);
    assert_eq!(out.records[after].status, Status::Blocked);
}

#[test]
fn cached_actions_do_not_use_slots_and_blockers_are_transitive() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    let bb = b.action("b", &[], &[a]);
    let c = b.action("c", &[], &[bb]);
    let dag = b.build();
    let mut agent = DryAgent::new(&dag, 1, durations(&dag));
    agent.cache(a);
    agent.script(bb, vec![Scripted::Fail(ms(5))]);
    let out = run(&dag, &mut agent, config());
    assert_eq!(out.records[a].status, Status::Cached);
    assert_eq!(names(&dag, &agent), ["b"]);
    assert_eq!(out.records[c].status, Status::Blocked);
    assert_eq!(out.records[c].blocker.as_deref(), Some("b@final"));
}

#[test]
fn not_topological_is_refused() {
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    b.action("b", &[], &[a]);
    let mut dag = b.build();
    dag.actions.swap(0, 1);
    if let compiler::dag::Producer::Action { action, .. } = &mut dag.actions[0].inputs[0].from {
        *action = 1;
    }
    let err = Scheduler::new(&dag, &[true, true], &[1, 1], config()).err().unwrap();
    assert_eq!(err.to_string(), "the DAG is not in topological order: `b@final` consumes `a@final`, which comes after it");
}
