//! The command line as users and tools see it: exit codes, the summary line, `--format
//! json`, path resolution and `planc fmt`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{data_dir, planc, run, scratch_dir, snapshot_settings};

fn folder(name: &str) -> PathBuf {
    data_dir().join(name)
}

fn snapshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots")
}

/// Replaces the elapsed time at the end of a summary line.
fn redact(summary: &str) -> String {
    match summary.rfind(" (") {
        Some(at) if summary.ends_with(")\n") || summary.ends_with(')') => format!("{} ([elapsed])", &summary[..at]),
        _ => summary.to_string(),
    }
}

// ----- exit codes --------------------------------------------------------------------------

#[test]
fn exit_0_when_clean() {
    let run = run(planc(&folder("ok")).args(["check", "0002_minimal.kdl"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

#[test]
fn exit_0_with_warnings_only() {
    let run = run(planc(&folder("warn")).args(["check", "0002_unused_seed.kdl"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("0 errors, 1 warning"), "{}", run.stderr);
}

#[test]
fn exit_1_on_errors() {
    let run = run(planc(&folder("err")).args(["check", "0001_kdl1_true.kdl"]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
}

#[test]
fn exit_2_when_the_path_is_missing() {
    let run = run(planc(&folder("ok")).args(["check", "no/such/plan.kdl"]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stderr, "error: cannot read `no/such/plan.kdl`: no such file\n");
    assert_eq!(run.stdout, "");
}

#[test]
fn exit_2_when_a_directory_has_no_plan_kdl() {
    let dir = scratch_dir("empty-directory");
    let run = run(planc(&dir).args(["check", "."]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stderr, "error: cannot read `plan.kdl`: no such file\n");
}

#[test]
fn exit_2_when_an_overlay_is_missing() {
    let run = run(planc(&folder("ok")).args(["check", "0002_minimal.kdl", "--overlay", "missing.kdl"]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stderr, "error: cannot read `missing.kdl`: no such file\n");
}

#[test]
fn exit_2_when_the_root_is_not_utf8() {
    let dir = scratch_dir("not-utf8");
    std::fs::write(dir.join("plan.kdl"), b"plan \"x\"\npackage \"\xff\"\n").expect("write plan");
    let run = run(planc(&dir).args(["check", "plan.kdl"]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stderr, "error: cannot read `plan.kdl`: not UTF-8 text (invalid byte at offset 18)\n");
}

#[test]
fn exit_2_on_bad_usage() {
    for args in [
        &["check", "--format", "yaml"][..],
        &["check", "--no-such-flag"],
        &["check", "a.kdl", "b.kdl"],
        &["frobnicate"],
        &[],
    ] {
        let run = run(planc(&folder("ok")).args(args));
        assert_eq!(run.code, Some(2), "planc {args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "planc {args:?} explains the usage error");
    }
}

// ----- summary line and paths --------------------------------------------------------------

#[test]
fn summary_line_counts_packages_outputs_files_and_diagnostics() {
    let clean = run(planc(&folder("ok")).args(["check", "0001_design_example"]));
    assert_eq!(
        redact(clean.stderr.trim_end()),
        "checked 0001_design_example/plan.kdl: 10 packages, 12 outputs in 3 files; 0 errors, 0 warnings ([elapsed])"
    );
    let missing = run(planc(&folder("err")).args(["check", "0032_missing_plan.kdl"]));
    assert_eq!(
        redact(missing.stderr.lines().last().unwrap_or_default()),
        "checked 0032_missing_plan.kdl: 1 package, 1 output in 1 file; 1 error, 0 warnings ([elapsed])"
    );
}

#[test]
fn summary_line_is_the_last_line_of_stderr_and_stdout_stays_empty() {
    let run = run(planc(&folder("err")).args(["check", "0033_many_errors.kdl"]));
    assert_eq!(run.stdout, "");
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("checked 0033_many_errors.kdl: "), "{last}");
    assert!(last.contains("; 13 errors, 0 warnings ("), "{last}");
}

#[test]
fn a_directory_path_means_its_plan_kdl() {
    let by_dir = run(planc(&folder("ok")).args(["check", "0003_relative_imports"]));
    let by_file = run(planc(&folder("ok")).args(["check", "0003_relative_imports/plan.kdl"]));
    assert_eq!(by_dir.code, Some(0), "{}", by_dir.stderr);
    assert_eq!(redact(&by_dir.stderr), redact(&by_file.stderr));
    assert!(by_dir.stderr.starts_with("checked 0003_relative_imports/plan.kdl: 2 packages"), "{}", by_dir.stderr);
    // Without a path, the current directory.
    let here = run(planc(&folder("ok").join("0003_relative_imports")).arg("check"));
    assert_eq!(here.code, Some(0), "{}", here.stderr);
    assert!(here.stderr.starts_with("checked plan.kdl: 2 packages"), "{}", here.stderr);
}

// ----- --format json -----------------------------------------------------------------------

fn json(folder_name: &str, target: &str) -> (Option<i32>, Value, String) {
    let run = run(planc(&folder(folder_name)).args(["check", target, "--format", "json"]));
    let value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    (run.code, value, run.stderr)
}

#[test]
fn json_output_snapshot() {
    let run = run(planc(&folder("err")).args(["check", "0017_duplicates_across_files", "--format", "json"]));
    assert_eq!(run.code, Some(1));
    // Diagnostics go to stdout as JSON; stderr keeps only the summary line.
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(value.as_array().map(Vec::len), Some(3));
    let settings = snapshot_settings(&snapshots());
    settings.bind(|| insta::assert_snapshot!("json_duplicates_across_files", run.stdout));
}

#[test]
fn json_lines_and_columns_are_one_based() {
    let (code, value, _) = json("err", "0001_kdl1_true.kdl");
    assert_eq!(code, Some(1));
    let d = &value[0];
    assert_eq!(d["code"], "planc::syntax");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "0001_kdl1_true.kdl");
    // `    rebuild-tainted true` is line 4; `true` starts at column 21.
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(4), Some(21)));
    let text = std::fs::read_to_string(folder("err").join("0001_kdl1_true.kdl")).expect("read snippet");
    let (start, end) = (d["span"]["start"].as_u64().unwrap() as usize, d["span"]["end"].as_u64().unwrap() as usize);
    assert_eq!(&text[start..end], "true");
    assert_eq!(d["help"], "write `#true`, or `\"true\"` for the string");
    assert_eq!(d["labels"][0]["message"], "here");
}

#[test]
fn json_columns_count_characters() {
    let dir = scratch_dir("json-columns");
    std::fs::write(dir.join("plan.kdl"), "plan \"x\" // é\npackage \"a\" { license \"é\"; build-depends \"nope\"; }\n").expect("write plan");
    let run = run(planc(&dir).args(["check", "--format", "json"]));
    let value: Value = serde_json::from_str(&run.stdout).expect("json");
    let d = &value[0];
    assert_eq!(d["code"], "planc::unresolved-dep");
    // `package "a" { license "é"; build-depends "` is 42 characters (43 bytes): the name is
    // at column 43, after the 15 bytes of line 1.
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(43)));
    assert_eq!(d["span"]["start"].as_u64(), Some(15 + 43));
}

#[test]
fn json_is_an_empty_array_when_clean_and_lists_warnings() {
    let (code, value, _) = json("ok", "0002_minimal.kdl");
    assert_eq!((code, value), (Some(0), Value::Array(Vec::new())));
    let (code, value, _) = json("warn", "0002_unused_seed.kdl");
    assert_eq!(code, Some(0));
    assert_eq!(value[0]["severity"], "warning");
    assert_eq!(value[0]["code"], "planc::unused-seed");
}

// ----- fmt ---------------------------------------------------------------------------------

const UNFORMATTED: &str = "// The demo plan.\nplan   \"demo\"   {\n  stages \"stage1\"     // ordered\n}\n\npackage \"a\"  version=\"1.0\" { build-depends \"a\" ; /* inline */ }\n";

#[test]
fn fmt_check_accepts_a_formatted_plan() {
    let dir = scratch_dir("fmt-formatted");
    std::fs::write(dir.join("plan.kdl"), UNFORMATTED).expect("write plan");
    assert_eq!(run(planc(&dir).arg("fmt")).code, Some(0));
    let run = run(planc(&dir).args(["fmt", "--check"]));
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (Some(0), "", ""));
}

#[test]
fn fmt_check_lists_unformatted_files_and_changes_nothing() {
    let dir = scratch_dir("fmt-check");
    std::fs::write(dir.join("plan.kdl"), format!("{UNFORMATTED}import \"./more.kdl\"\n")).expect("write plan");
    std::fs::write(dir.join("more.kdl"), "package b\n").expect("write import");
    let run = run(planc(&dir).args(["fmt", "--check", "plan.kdl"]));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stdout, "plan.kdl\n", "only the unformatted file is listed");
    assert_eq!(run.stderr, "1 file(s) not formatted; run `planc fmt`\n");
    let after = std::fs::read_to_string(dir.join("plan.kdl")).expect("read plan");
    assert_eq!(after, format!("{UNFORMATTED}import \"./more.kdl\"\n"));
}

#[test]
fn fmt_rewrites_files_keeping_comments() {
    let dir = scratch_dir("fmt-rewrite");
    std::fs::write(dir.join("plan.kdl"), UNFORMATTED).expect("write plan");
    let run = run(planc(&dir).arg("fmt"));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "formatted plan.kdl\n");
    let formatted = std::fs::read_to_string(dir.join("plan.kdl")).expect("read plan");
    let settings = snapshot_settings(&snapshots());
    settings.bind(|| insta::assert_snapshot!("fmt_rewrites_files_keeping_comments", formatted));
    for comment in ["// The demo plan.", "// ordered", "/* inline */"] {
        assert!(formatted.contains(comment), "`{comment}` kept in:\n{formatted}");
    }
    // The formatted plan means the same: it still checks, with the same summary.
    let check = crate::support::run(planc(&dir).arg("check"));
    assert!(check.stderr.contains("1 package, 1 output in 1 file"), "{}", check.stderr);
}

#[test]
fn fmt_refuses_a_plan_with_syntax_errors() {
    let dir = scratch_dir("fmt-syntax-error");
    std::fs::write(dir.join("plan.kdl"), "plan \"x\" {\n").expect("write plan");
    let run = run(planc(&dir).arg("fmt"));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.starts_with("error: cannot format `plan.kdl`: syntax error"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(dir.join("plan.kdl")).expect("read plan"), "plan \"x\" {\n");
}

#[test]
fn fmt_refuses_to_drop_a_comment_it_cannot_place() {
    let dir = scratch_dir("fmt-drop");
    let text = "plan \"x\"\npackage \"a\" {\n    build-depends \"a\" /* between values */ \"b\"\n}\n";
    std::fs::write(dir.join("plan.kdl"), text).expect("write plan");
    let run = run(planc(&dir).arg("fmt"));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "error: cannot format `plan.kdl`: formatting would drop the comment `/* between values */`; move it to a line of its own\n"
    );
    assert_eq!(std::fs::read_to_string(dir.join("plan.kdl")).expect("read plan"), text);
}

/// Formatting every `ok/` case keeps its meaning (same summary, still clean), keeps its
/// comments, and is idempotent; or, for the cases listed here, refuses and changes nothing.
#[test]
fn fmt_on_every_ok_case_is_idempotent_and_keeps_the_plan_clean() {
    // A comment after a `\` line continuation sits between two arguments: the kdl crate's
    // formatter has nowhere to keep it.
    const REFUSED: &[&str] = &["0007_kdl_syntax"];
    for case in crate::support::cases("ok") {
        let dir = scratch_dir(&format!("fmt-ok-{}", case.name));
        let source = case.folder.join(&case.target);
        let target = if source.is_dir() {
            crate::support::copy_dir(&source, &dir);
            dir.join("plan.kdl")
        } else {
            std::fs::copy(&source, dir.join("plan.kdl")).expect("copy snippet");
            dir.join("plan.kdl")
        };
        // The case's `args` name files from the data folder (`0005_overlay/overlay.kdl`);
        // here the case's files sit directly in `dir`.
        let prefix = format!("{}/", case.name);
        let args: Vec<&str> = case.args.iter().map(|a| a.strip_prefix(&prefix).unwrap_or(a)).collect();
        let before = run(planc(&dir).arg("check").arg(&target).args(&args));
        assert_eq!(before.code, Some(0), "{}: not clean before formatting: {}", case.name, before.stderr);
        let original = std::fs::read_to_string(&target).expect("read plan");
        let formatted = run(planc(&dir).arg("fmt").arg(&target));
        if REFUSED.contains(&case.name.as_str()) {
            assert_eq!(formatted.code, Some(2), "{}: {}", case.name, formatted.stderr);
            assert!(formatted.stderr.contains("formatting would drop the comment"), "{}", formatted.stderr);
            assert_eq!(std::fs::read_to_string(&target).expect("read plan"), original, "{}", case.name);
            continue;
        }
        assert_eq!(formatted.code, Some(0), "{}: {}", case.name, formatted.stderr);
        let again = run(planc(&dir).args(["fmt", "--check"]).arg(&target));
        assert_eq!(again.code, Some(0), "{}: not idempotent: {}", case.name, again.stdout);
        let after = run(planc(&dir).arg("check").arg(&target).args(&args));
        assert_eq!(redact(&after.stderr), redact(&before.stderr), "{}", case.name);
    }
}

#[test]
fn exit_2_when_an_overlay_is_a_directory() {
    let run = run(planc(&folder("ok")).args(["check", "0002_minimal.kdl", "--overlay", "0003_relative_imports"]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_eq!(run.stderr, "error: cannot read `0003_relative_imports`: is a directory\n");
}

/// The README's first command checks the example plan without a diagnostic.
#[test]
fn the_readme_example_plan_is_clean() {
    let run = run(planc(Path::new(env!("CARGO_MANIFEST_DIR"))).args(["check", "plans/demo"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.starts_with("checked plans/demo/plan.kdl: 4 packages"), "{}", run.stderr);
    assert!(run.stderr.contains("; 0 errors, 0 warnings ("), "{}", run.stderr);
}

/// A DAG file with an index that points nowhere is refused with the place, not a panic.
#[test]
fn run_dag_refuses_a_dag_with_a_missing_input_set() {
    let dir = scratch_dir("run-dag-malformed");
    let json = format!(
        r#"{{"format_version": {}, "plan": "p", "stages": ["stage0", "final"], "profiles": [], "seeds": [],
            "input_sets": [], "verify": [], "images": [], "redirects": [],
            "actions": [{{"id": "a@final", "package": "a", "version": null, "stage": "final", "profiles": [],
                "inputs": [], "input_sets": [3], "outputs": [], "source": null, "build": [], "check": [],
                "env": {{}}, "timeout_secs": null, "tainted": false, "cost_ms": 1000}}]}}"#,
        compiler::dag::FORMAT_VERSION
    );
    std::fs::write(dir.join("dag.json"), json).expect("write the DAG");
    let run = run(planc(&dir).args(["run-dag", "dag.json", "--state-dir", "state"]));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("malformed DAG: `a@final` takes input set #3; the DAG has 0"), "{}", run.stderr);
}
