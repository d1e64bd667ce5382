//! Data-driven tests of `planc check` over the plan snippets in `tests/data`.
//!
//! - `ok/`: must exit 0 and print nothing but the summary line (no errors, no warnings).
//! - `warn/`: must exit 0 with at least one warning and no error; stderr is snapshotted.
//! - `err/`: must exit 1; stderr is snapshotted.
//!
//! A case is `NNNN_name.kdl` or a directory `NNNN_name/` with `plan.kdl` (see
//! `support::Case`). Snapshots are `NNNN_name.snap` beside the case, rendered exactly as
//! users see them (miette, no colour, 100 columns) with the elapsed time redacted.
//! Regenerate with `INSTA_UPDATE=always cargo test --test it` or `cargo insta review`.

use compiler::{Session, SessionConfig};

use crate::support::{cases, check_all, data_dir, snapshot_settings, Case};

fn snapshot(case: &Case, stderr: &str) {
    let mut settings = snapshot_settings(&case.folder);
    settings.set_input_file(case.root_file());
    settings.bind(|| insta::assert_snapshot!(case.name.as_str(), stderr));
}

/// The counts of the summary line, `…; N errors, M warnings (…)`.
fn counts(stderr: &str) -> (usize, usize) {
    let summary = stderr.lines().last().unwrap_or_default();
    let tail = summary.rsplit_once("; ").map_or("", |(_, tail)| tail);
    let mut numbers = tail.split(", ").map(|part| part.split(' ').next().and_then(|n| n.parse().ok()));
    match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(errors), Some(warnings)) => (errors, warnings),
        _ => panic!("no summary line in:\n{stderr}"),
    }
}

#[test]
fn ok_cases_are_clean() {
    check_all(&cases("ok"), |case| {
        let run = case.check();
        assert_eq!(run.code, Some(0), "{}: exit code\n{}", case.name, run.stderr);
        assert_eq!(run.stdout, "", "{}: stdout", case.name);
        assert_eq!(run.stderr.lines().count(), 1, "{}: only the summary line\n{}", case.name, run.stderr);
        assert!(run.stderr.starts_with("checked "), "{}: {}", case.name, run.stderr);
        assert_eq!(counts(&run.stderr), (0, 0), "{}", case.name);
    });
}

#[test]
fn warn_cases_warn_and_pass() {
    check_all(&cases("warn"), |case| {
        let run = case.check();
        assert_eq!(run.code, Some(0), "{}: exit code\n{}", case.name, run.stderr);
        let (errors, warnings) = counts(&run.stderr);
        assert_eq!(errors, 0, "{}: no errors\n{}", case.name, run.stderr);
        assert!(warnings > 0, "{}: at least one warning", case.name);
        snapshot(case, &run.stderr);
    });
}

#[test]
fn err_cases_fail() {
    check_all(&cases("err"), |case| {
        let run = case.check();
        assert_eq!(run.code, Some(1), "{}: exit code\n{}", case.name, run.stderr);
        assert_eq!(run.stdout, "", "{}: stdout", case.name);
        assert!(counts(&run.stderr).0 > 0, "{}: at least one error", case.name);
        snapshot(case, &run.stderr);
    });
}

/// Files are lowered, named and checked on several threads when the session has them:
/// every case gives the same diagnostics, in the same order, as on one thread.
#[test]
fn diagnostics_do_not_depend_on_threads() {
    for case in ["ok", "warn", "err"].into_iter().flat_map(cases) {
        let diagnostics = |threads| {
            let config = SessionConfig { threads, ..SessionConfig::default() };
            Session::open(&case.root_file(), &config).map(|session| (*session.diagnostics()).clone()).map_err(|e| e.to_string())
        };
        assert_eq!(diagnostics(1), diagnostics(2), "{}", case.name);
    }
}

/// Every code `diagnostic_kind.rs` defines appears in at least one `err/` or `warn/`
/// snapshot, so each diagnostic is shown rendered at least once.
#[test]
fn every_diagnostic_code_is_covered() {
    let source = include_str!("../../compiler/src/diagnostic_kind.rs");
    let codes: Vec<&str> = source
        .split('"')
        .filter(|s| s.starts_with("planc::") && s[7..].bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .collect();
    assert!(codes.len() >= 20, "found only {} codes in diagnostic_kind.rs", codes.len());
    let mut snapshots = String::new();
    for folder in ["err", "warn"] {
        for entry in std::fs::read_dir(data_dir().join(folder)).expect("read data folder") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "snap") {
                snapshots += &std::fs::read_to_string(&path).expect("read snapshot");
            }
        }
    }
    let missing: Vec<&str> = codes.iter().copied().filter(|code| !snapshots.contains(&format!("{code}\n"))).collect();
    assert!(missing.is_empty(), "codes without an err/ or warn/ snippet: {missing:?}");
}
