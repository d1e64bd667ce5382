//! Tests of `ActionExecutor` with the fake runner and the memory store.

use compiler::dag::Input;

use super::*;
use crate::action_key::ConsumedDigest;
use crate::command_runner::{CommandOutcome, FakeRunner};
use crate::content_store::MemoryStore;
use crate::dag_builder::DagBuilder;
use crate::test_dir::TestDir;

fn executor(t: &TestDir, dag: StagedDag, runner: FakeRunner, store: Arc<MemoryStore>) -> (ActionExecutor<'static>, Arc<FakeRunner>) {
    let runner = Arc::new(runner);
    fs::create_dir_all(t.path().join("logs")).unwrap();
    let ex = ActionExecutor {
        // Leaked: a test's executor lives as long as the test.
        dag: Box::leak(Box::new(dag)),
        config: ExecutorConfig {
            work_root: t.path().join("work"),
            log_root: t.path().join("logs"),
            plan_dir: t.path().to_owned(),
            jobs: 3,
            checks: Checks::Run,
            check_attempts: 2,
            isolation: Isolation::None,
            final_stages: vec!["final".into()],
        },
        store,
        runner: runner.clone(),
        pool: crate::work_pool::WorkPool::open(&t.path().join("work")),
        logs: LogPool::new(&t.path().join("logs")),
    };
    (ex, runner)
}

fn job(ex: &ActionExecutor, action: usize, inputs: Vec<(usize, OutputDigest)>) -> Job {
    let consumed: Vec<_> = inputs.iter().map(|(_, o)| ConsumedDigest { name: o.name.clone(), digest: o.digest }).collect();
    Job {
        action,
        attempt: 1,
        key: ActionKey::compute(&ex.dag.actions[action], None, &[], &consumed, Checks::Run),
        source_tar: None,
        inputs,
        tool_dirs: vec![],
        seed_archives: vec![],
    }
}

#[test]
fn runs_expanded_commands_then_checks_and_records() {
    let t = TestDir::new("exec");
    let mut b = DagBuilder::new();
    let a = b.action("a", &["make -j${jobs}", "install ${out}"], &[]);
    b.get(a).check = vec!["make check".into()];
    let store = Arc::new(MemoryStore::new());
    let runner = FakeRunner { rules: vec![("make check".into(), CommandOutcome::Exited(1))], ..FakeRunner::default() };
    let (ex, runner) = executor(&t, b.build(), runner, store.clone());
    let j = job(&ex, a, vec![]);
    let r = ex.execute(&j);
    let JobResult::Failed(f) = r else { panic!("checks fail: {r:?}") };
    assert_eq!(f.kind, FailureKind::Check);
    let out = t.path().join("work/a@final/out/a");
    assert_eq!(
        runner.scripts(),
        ["make -j3".to_string(), format!("install {}", out.display()), "make check".into(), "make check".into()],
        "check attempts: 2"
    );
    assert!(store.lookup(&j.key.key).is_none(), "nothing recorded for a failure");

    let runner = FakeRunner::default();
    let (ex, _) = executor(&t, ex.dag.clone(), runner, store.clone());
    let JobResult::Built { outputs, check_attempts } = ex.execute(&j) else { panic!() };
    assert_eq!(check_attempts, 1);
    assert_eq!(store.lookup(&j.key.key).unwrap().outputs, outputs);
    assert!(!t.path().join("work/a@final").exists(), "work dir removed after success");
}

#[test]
fn corrupt_input_blob_asks_for_the_producer() {
    let t = TestDir::new("exec-corrupt");
    let mut b = DagBuilder::new();
    let a = b.action("a", &[], &[]);
    let c = b.action("c", &[], &[a]);
    let store = Arc::new(MemoryStore::new());
    let (ex, _) = executor(&t, b.build(), FakeRunner::default(), store.clone());
    let JobResult::Built { outputs, .. } = ex.execute(&job(&ex, a, vec![])) else { panic!() };
    store.corrupt(&outputs[0].digest);
    let r = ex.execute(&job(&ex, c, vec![(a, outputs[0].clone())]));
    assert!(matches!(r, JobResult::InputLost { producer, .. } if producer == a), "{r:?}");
}

#[test]
fn an_output_asked_for_under_two_names_is_consumed_once() {
    let t = TestDir::new("exec-consumed");
    let mut b = DagBuilder::new();
    let p = b.action("p", &[], &[]);
    let c = b.action("c", &[], &[p]);
    // `c` asks for `p`'s output by its name and by a name it provides; the provided name
    // sorts first.
    b.get(p).outputs[0].provides = vec!["a-abi".into()];
    let from = b.get(c).inputs[0].from.clone();
    b.get(c).inputs.insert(0, Input { name: "a-abi".into(), from });
    let store = Arc::new(MemoryStore::new());
    let (ex, _) = executor(&t, b.build(), FakeRunner::default(), store);
    let JobResult::Built { outputs, .. } = ex.execute(&job(&ex, p, vec![])) else { panic!() };
    let mut results: Vec<Option<Vec<OutputDigest>>> = vec![None; 2];
    results[p] = Some(outputs.clone());
    let consumed = ex.consumed(c, &results).unwrap();
    assert_eq!(consumed.len(), 1, "one output, unpacked and keyed once: {consumed:?}");
    assert_eq!((consumed[0].0, consumed[0].1.digest), (p, outputs[0].digest));
}
