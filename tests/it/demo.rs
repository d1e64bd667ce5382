//! End to end: `planc run` on `plans/demo` (real processes, real `cc`), each test on its
//! own copy of the plan with its own state dir.

use std::path::{Path, PathBuf};

use crate::support::{Run, copy_dir, planc, run, scratch_dir};

/// A copy of `plans/demo` (without its state dir) in a fresh scratch dir; returns the
/// plan's copy and a state dir beside it.
fn demo_copy(name: &str) -> (PathBuf, PathBuf) {
    let scratch = scratch_dir(name);
    let plan = scratch.join("demo");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("plans/demo");
    std::fs::create_dir_all(&plan).unwrap();
    std::fs::copy(source.join("plan.kdl"), plan.join("plan.kdl")).unwrap();
    copy_dir(&source.join("src"), &plan.join("src"));
    (plan, scratch.join("state"))
}

fn planc_run(plan: &Path, state: &Path) -> Run {
    let r = run(planc(plan).args(["run", ".", "-j2", "--state-dir"]).arg(state));
    assert_eq!(r.code, Some(0), "planc run failed:\n{}", r.stderr);
    r
}

/// The ids of the actions whose status in `report.json` is `status`, sorted.
fn with_status(state: &Path, status: &str) -> Vec<String> {
    let text = std::fs::read_to_string(state.join("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut ids: Vec<String> = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == status)
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// Every action of the demo, in the order `with_status` sorts them.
const ALL: [&str; 6] = ["genc@final", "genc@stage1", "hello@final", "libgreet@final", "mkdoc@final", "mkdoc@rebuild"];

#[test]
fn the_demo_builds_verifies_and_assembles_its_image_then_reruns_from_the_cache() {
    let (plan, state) = demo_copy("demo-run");
    let first = planc_run(&plan, &state);
    assert_eq!(with_status(&state, "built"), ALL, "{}", first.stderr);
    assert!(first.stderr.contains("verified: `genc@stage1` = `genc@final`, bit for bit"), "{}", first.stderr);

    let image = state.join("images");
    assert!(image.join("demo.tar.zst").is_file());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(image.join("demo.manifest.json")).unwrap()).unwrap();
    let outputs: Vec<(&str, &str)> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["output"].as_str().unwrap(), o["action"].as_str().unwrap()))
        .collect();
    // The closure of `hello` over runtime `depends` brings `libgreet`; every output comes
    // from an untainted instance: `mkdoc@final`, built with genc@stage1, is tainted.
    assert_eq!(
        outputs,
        [
            ("genc", "genc@final"),
            ("genc-doc", "genc@final"),
            ("hello", "hello@final"),
            ("libgreet", "libgreet@final"),
            ("mkdoc", "mkdoc@rebuild")
        ]
    );
    // The image's program runs and finds its library beside it.
    let hello = std::process::Command::new(image.join("demo/bin/hello")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&hello.stdout), "hello from the demo distribution\n");

    let second = planc_run(&plan, &state);
    assert_eq!(with_status(&state, "cached"), ALL);
    assert!(second.stderr.contains("nothing to do: all 6 actions cached"), "{}", second.stderr);
    assert!(second.stderr.contains("verified: `genc@stage1` = `genc@final`, bit for bit"), "{}", second.stderr);
}

/// Edits one file of a source and returns what the next run built.
fn rebuilt_after_editing(name: &str, file: &str, from: &str, to: &str) -> Vec<String> {
    let (plan, state) = demo_copy(name);
    planc_run(&plan, &state);
    let path = plan.join("src").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replace(from, to)).unwrap();
    planc_run(&plan, &state);
    with_status(&state, "built")
}

#[test]
fn editing_the_program_rebuilds_only_it() {
    let built = rebuilt_after_editing("demo-edit-hello", "hello/hello.c", "printf(\"%s\\n\"", "printf(\"%s!\\n\"");
    assert_eq!(built, ["hello@final"]);
}

#[test]
fn editing_the_library_rebuilds_it_and_the_program_that_uses_it() {
    let built = rebuilt_after_editing("demo-edit-libgreet", "libgreet/greet.def", "hello from", "greetings from");
    assert_eq!(built, ["hello@final", "libgreet@final"]);
}

/// The doc tool's new footer changes `genc-doc` but not the `genc` binary, so nothing
/// that consumes only `genc` is rebuilt (early cutoff).
#[test]
fn editing_the_doc_tool_stops_at_the_unchanged_compiler() {
    let built = rebuilt_after_editing("demo-edit-mkdoc", "mkdoc/messages.def", "(formatted by mkdoc)", "(made by mkdoc)");
    assert_eq!(built, ["genc@final", "mkdoc@final", "mkdoc@rebuild"]);
}

/// The README's command: the plan given by a relative path, the default state dir beside
/// it (commands run in their work dir, so `${out}` must not be relative).
#[test]
fn the_demo_runs_from_a_relative_path_with_the_default_state_dir() {
    let (plan, _) = demo_copy("demo-relative");
    let r = run(planc(plan.parent().unwrap()).args(["run", "demo"]));
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("/demo/.planc\n"), "{}", r.stderr);
    assert!(plan.join(".planc/images/demo.tar.zst").is_file());
}
