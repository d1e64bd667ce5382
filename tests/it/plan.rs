//! Golden snapshots of `planc plan`: the human report and the staged DAG (`--format json`)
//! of the plans in `tests/data/plan/`, and the suggested-breaks round trip.

use crate::support::{data_dir, planc, run, scratch_dir, snapshot_settings};

fn folder() -> std::path::PathBuf {
    data_dir().join("plan")
}

/// What a user sees: the report on stdout, then diagnostics on stderr.
fn shown(run: &crate::support::Run) -> String {
    format!("exit: {:?}\n--- stdout\n{}--- stderr\n{}", run.code, run.stdout, run.stderr)
}

fn plan_case(name: &str) {
    let file = format!("{name}.kdl");
    let human = run(planc(&folder()).args(["plan", &file]));
    let json = run(planc(&folder()).args(["plan", "--format", "json", &file]));
    snapshot_settings(&folder()).bind(|| {
        insta::assert_snapshot!(format!("{name}.human"), shown(&human));
        insta::assert_snapshot!(format!("{name}.json"), json.stdout);
    });
    assert_eq!(human.code, Some(0), "{name}: {}", human.stderr);
    assert_eq!(json.code, Some(0), "{name}: {}", json.stderr);
    let dag: serde_json::Value = serde_json::from_str(&json.stdout).expect("the DAG is JSON");
    assert_eq!(dag["format_version"], compiler::dag::FORMAT_VERSION, "{name}");
}

/// rustc-style: each stage's compiler builds the next, `std` comes from the previous
/// stage (`stage="previous"`), and `verify` pairs stage2 with final.
#[test]
fn rustc_chain() {
    plan_case("0001_rustc_chain");
}

/// Azure Linux-style: a stage1 toolchain from the host's compiler, the gcc/glibc cycle
/// broken by redirecting to it, and the tainted glibc rebuilt.
#[test]
fn azure_toolchain() {
    plan_case("0002_azure_toolchain");
}

/// Debian-style: glib and gtk-doc need each other; stage1's `nodoc` profile drops the
/// dependency, and the cycle at final is broken by taking glib from stage1.
#[test]
fn debian_cycle() {
    plan_case("0003_debian_cycle");
}

/// A scratch directory holding `0004_unbreakable_cycle.kdl` as its `plan.kdl`.
fn unbreakable_plan(name: &str) -> std::path::PathBuf {
    let dir = scratch_dir(name);
    std::fs::copy(folder().join("0004_unbreakable_cycle.kdl"), dir.join("plan.kdl")).expect("copy plan");
    dir
}

/// A cycle no stage block breaks: planning fails with the suggested breaks, which
/// `--suggest-breaks` writes as an overlay; with that overlay the plan plans.
#[test]
fn unbreakable_cycle_and_its_suggested_overlay() {
    let dir = unbreakable_plan("plan-unbreakable");
    let failed = run(planc(&dir).args(["plan", "plan.kdl", "--suggest-breaks", "breaks.kdl"]));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let overlay = std::fs::read_to_string(dir.join("breaks.kdl")).expect("the overlay is written");
    let planned = run(planc(&dir).args(["plan", "plan.kdl", "--overlay", "breaks.kdl"]));
    let checked = run(planc(&dir).args(["check", "plan.kdl", "--overlay", "breaks.kdl"]));
    let mut settings = snapshot_settings(&folder());
    settings.add_filter(&regex_escape(&dir.display().to_string()), "[tmp]");
    settings.bind(|| {
        insta::assert_snapshot!("0004_unbreakable_cycle.human", shown(&failed));
        insta::assert_snapshot!("0004_unbreakable_cycle.overlay", overlay);
        insta::assert_snapshot!("0004_unbreakable_cycle.with_overlay", shown(&planned));
    });
    assert_eq!(planned.code, Some(0), "{}", planned.stderr);
    assert_eq!(checked.code, Some(0), "{}", checked.stderr);
}

/// `--format stats`: the archive report. While cycles wait for suggested breaks it gives
/// the figures with them applied (and exits 1); they are the figures of the plan with
/// the written overlay.
#[test]
fn stats_report_with_and_without_the_suggested_overlay() {
    let dir = unbreakable_plan("plan-stats");
    let failed = run(planc(&dir).args(["plan", "plan.kdl", "--format", "stats", "--suggest-breaks", "breaks.kdl"]));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
    let planned = run(planc(&dir).args(["plan", "plan.kdl", "--format", "stats", "--overlay", "breaks.kdl"]));
    assert_eq!(planned.code, Some(0), "{}", planned.stderr);
    let (header, figures) = failed.stdout.split_once('\n').expect("a header line");
    assert!(header.starts_with("(the plan has errors; figures with the "), "{header}");
    let without_breaks_line = |text: &str| text.lines().filter(|l| !l.starts_with("suggested breaks:")).collect::<Vec<_>>().join("\n");
    assert_eq!(without_breaks_line(figures), without_breaks_line(&planned.stdout));
    let debian = run(planc(&folder()).args(["plan", "--format", "stats", "0003_debian_cycle.kdl"]));
    snapshot_settings(&folder()).bind(|| {
        insta::assert_snapshot!("0004_unbreakable_cycle.stats", figures);
        insta::assert_snapshot!("0003_debian_cycle.stats", shown(&debian));
    });
}

/// `--suggest-breaks` on top of an overlay writes only what is left to drop; aimed at a
/// file of the plan (here the overlay itself) it refuses, rather than replacing the
/// breaks with an empty overlay.
#[test]
fn suggest_breaks_does_not_overwrite_a_plan_file() {
    let dir = unbreakable_plan("plan-suggest-overwrite");
    let first = run(planc(&dir).args(["plan", "plan.kdl", "--suggest-breaks", "breaks.kdl"]));
    assert_eq!(first.code, Some(1), "{}", first.stderr);
    let breaks = std::fs::read_to_string(dir.join("breaks.kdl")).expect("the overlay is written");
    assert!(breaks.contains("drop "), "{breaks}");

    let on_top = run(planc(&dir).args(["plan", "plan.kdl", "--overlay", "breaks.kdl", "--suggest-breaks", "more.kdl"]));
    assert_eq!(on_top.code, Some(0), "{}", on_top.stderr);
    let more = std::fs::read_to_string(dir.join("more.kdl")).expect("the second overlay is written");
    assert!(more.contains("// 0 dependencies in 0 packages."), "{more}");

    for target in ["breaks.kdl", "./breaks.kdl", "plan.kdl"] {
        let refused = run(planc(&dir).args(["plan", "plan.kdl", "--overlay", "breaks.kdl", "--suggest-breaks", target]));
        assert_eq!(refused.code, Some(2), "{target}: {}", refused.stderr);
        assert!(refused.stderr.contains("would overwrite"), "{target}: {}", refused.stderr);
    }
    assert_eq!(std::fs::read_to_string(dir.join("breaks.kdl")).expect("still there"), breaks);
    let planned = run(planc(&dir).args(["plan", "plan.kdl", "--overlay", "breaks.kdl"]));
    assert_eq!(planned.code, Some(0), "{}", planned.stderr);
}

/// A cycle at `final` through outputs no earlier stage produces: the error shows each
/// need that keeps it, at its place, rather than edges a redirect could take.
#[test]
fn cycle_at_final_through_outputs_only_final_produces() {
    let name = "0005_doc_cycle_at_final";
    let failed = run(planc(&folder()).args(["plan", &format!("{name}.kdl")]));
    snapshot_settings(&folder()).bind(|| insta::assert_snapshot!(format!("{name}.human"), shown(&failed)));
    assert_eq!(failed.code, Some(1), "{}", failed.stderr);
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_alphanumeric() || c == '/' || c == '_' { vec![c] } else { vec!['\\', c] }).collect()
}

/// `--stage` shows the actions up to a stage, and only what concerns them: the redirect of
/// `gtk-doc@final` and the counts of later stages are left out.
#[test]
fn stage_shows_only_the_actions_up_to_it() {
    let run = run(planc(&folder()).args(["plan", "--stage", "stage1", "0003_debian_cycle.kdl"]));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "plan `debian`: 1 actions in 1 layers (stage1: 1)\n  layer  1: glib@stage1\n");
}
