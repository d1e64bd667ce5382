//! The KDL specification's test suite (`shared/data/kdl-spec-tests`), run as one test.

use std::path::PathBuf;

use crate::syntax::{parse, to_canonical};

fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/kdl-spec-tests")
}

/// Every `input/*.kdl` of the KDL spec suite: `_fail` files must give an error, the others
/// none, and their canonical form must match `expected_kdl/`. Lists every failing case.
#[test]
fn spec_suite() {
    let dir = spec_dir();
    let mut names: Vec<_> = std::fs::read_dir(dir.join("input"))
        .expect("spec test inputs (shared/data/kdl-spec-tests) are missing")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".kdl"))
        .collect();
    names.sort();
    assert!(names.len() > 300, "only {} spec cases found", names.len());
    let mut failures = Vec::new();
    for name in &names {
        let input = std::fs::read_to_string(dir.join("input").join(name)).unwrap();
        let doc = parse(&input);
        if name.ends_with("_fail.kdl") {
            if doc.errors.is_empty() {
                failures.push(format!("{name}: accepted, should fail\n{}", to_canonical(&doc)));
            }
            continue;
        }
        if !doc.errors.is_empty() {
            failures.push(format!("{name}: unexpected errors {:?}", doc.errors));
            continue;
        }
        let expected = std::fs::read_to_string(dir.join("expected_kdl").join(name)).unwrap();
        let actual = to_canonical(&doc);
        if actual != expected {
            failures.push(format!("{name}: expected\n{expected}got\n{actual}"));
        }
    }
    for failure in &failures {
        eprintln!("FAILED {failure}");
    }
    eprintln!("{} of {} spec cases passed", names.len() - failures.len(), names.len());
    assert!(failures.is_empty(), "{} of {} spec cases failed", failures.len(), names.len());
}
