//! The session's hold on planning's results: salsa's release of a replaced value is never
//! the last reference, and the session lets go of it at the next edit.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::*;

const PLAN: &str = "plan \"p\" { stages \"stage1\"; }\nseed \"host\" { from-host \"cc\" \"make\"; }\npackage \"zlib\" { build-depends \"cc\"; }\n";

fn latest_merged(session: &Session) -> Arc<MergedPlan> {
    let retained = session.retained.lock().expect("not poisoned");
    retained.merged.clone().expect("planning ran")
}

#[test]
fn replaced_planning_results_are_held_until_the_next_edit_then_freed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.kdl");
    std::fs::write(&path, PLAN).expect("write plan");
    let name = path.display().to_string();
    let mut session = Session::open(&path, &SessionConfig { threads: 1, ..SessionConfig::default() }).expect("open");
    assert_eq!(session.diagnostics().len(), 0);
    let first: Weak<MergedPlan> = Arc::downgrade(&latest_merged(&session));

    // The edit changes the merged plan and what `zlib` needs, so it is planned again
    // (the plan memo then lets go of the first merged plan, which it kept for re-checks);
    // the first value, which salsa lets go of at the next revision, is kept by the
    // session meanwhile.
    session.set_text(&name, &PLAN.replace("\"cc\";", "\"cc\" \"make\";"));
    assert_eq!(session.diagnostics().len(), 0);
    let second = latest_merged(&session);
    assert!(!std::ptr::eq(first.as_ptr(), Arc::as_ptr(&second)), "merged again");
    assert_eq!(session.retained.lock().expect("not poisoned").replaced.len(), 1);
    assert!(first.upgrade().is_some(), "held by the session");

    // The next edit starts a revision (salsa drops its memo) and hands the first value to
    // a thread that frees it; the latest stays held.
    session.set_text(&name, PLAN);
    assert!(session.retained.lock().expect("not poisoned").replaced.is_empty());
    let deadline = Instant::now() + Duration::from_secs(10);
    while first.upgrade().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(first.upgrade().is_none(), "the replaced merged plan is freed");
    assert!(Arc::ptr_eq(&latest_merged(&session), &second));
    assert_eq!(session.diagnostics().len(), 0);
}
