//! Planning: DAG invariants on random plans, minimality against brute force,
//! determinism, suggested breaks, and the semantics of stages on small cases.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use proptest::prelude::*;

use crate::dag::{Producer, StagedDag};
use crate::db::Db;
use crate::outcome::PlanOutcome;
use crate::session::{Session, SessionConfig};
use crate::test_dir::TempDir;

/// Writes the files and plans the root `plan.kdl` (with optional overlays).
fn plan_files(files: &[(&str, &str)], overlays: &[&str]) -> PlanOutcome {
    let dir = TempDir::new();
    for (name, text) in files {
        let path = dir.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = SessionConfig {
        overlays: overlays.iter().map(|o| dir.0.join(o)).collect(),
        ..SessionConfig::default()
    };
    let session = Session::open(&dir.0, &config).unwrap();
    let front: Vec<String> = session.diagnostics().iter().filter(|d| d.is_error()).map(|d| d.message()).collect();
    // `planc check` plans without building the DAG: it must report exactly what planning
    // with the DAG reports.
    assert_eq!(*session.diagnostics(), *session.planned().0, "check and plan disagree");
    match session.plan() {
        Some(outcome) => (*outcome).clone(),
        None => panic!("front-end errors: {front:?}"),
    }
}

fn plan_text(text: &str) -> PlanOutcome {
    plan_files(&[("plan.kdl", text)], &[])
}

fn ids(dag: &StagedDag) -> Vec<&str> {
    dag.actions.iter().map(|a| a.id.as_str()).collect()
}

fn producer_id<'a>(dag: &'a StagedDag, action: &str, name: &str) -> &'a str {
    let a = dag.actions.iter().position(|a| a.id == action).unwrap_or_else(|| panic!("no action {action}"));
    let input = dag.inputs_of(a).into_iter().find(|i| *i.name == *name).unwrap_or_else(|| panic!("{action} has no input {name}"));
    match &input.from {
        Producer::Action { action, .. } => &dag.actions[*action].id,
        Producer::Seed { seed } => seed,
    }
}

/// Every structural invariant of a DAG: producers come first, inputs never point to a
/// later stage, own-package inputs point strictly below, redirects name real actions.
fn assert_dag_invariants(dag: &StagedDag) {
    let stage_index: HashMap<&str, usize> = dag.stages.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut seen_ids = BTreeSet::new();
    dag.check_references().expect("every index is valid");
    for (i, a) in dag.actions.iter().enumerate() {
        assert!(seen_ids.insert(&a.id), "duplicate action {}", a.id);
        let si = stage_index[a.stage.as_str()];
        for input in dag.inputs_of(i) {
            if let Producer::Action { action, output } = &input.from {
                assert!(*action < i, "{} consumes {} which comes later", a.id, dag.actions[*action].id);
                let p = &dag.actions[*action];
                let pi = stage_index[p.stage.as_str()];
                assert!(pi <= si, "{} depends on the later {}", a.id, p.id);
                if p.package == a.package {
                    assert!(pi < si, "{} takes its own output from {}", a.id, p.id);
                }
                assert!(p.outputs.iter().any(|o| *o.name == **output), "{} has no output {output}", p.id);
            }
        }
    }
    for r in &dag.redirects {
        assert!(r.to < r.from);
    }
}

#[test]
fn rustc_chain_with_previous_pin_and_verify() {
    let outcome = plan_text(
        r#"
plan "rust" { stages "stage1" "stage2" }
seed "host" { from-host "cc" }
seed "rust-beta" { archive "seeds/rust-beta.tar.zst"; provides "rustc" "std" }
package "rustc" version="1.80" {
    build-depends "rustc" "cc"
    build-depends "std" stage="previous"
    output "rustc"
    output "std"
    stage "stage1"
    stage "stage2"
}
verify "stage2" "final" { packages "rustc" }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    assert_eq!(ids(&dag), ["rustc@stage1", "rustc@stage2", "rustc@final"]);
    assert_eq!(producer_id(&dag, "rustc@stage1", "rustc"), "rust-beta");
    assert_eq!(producer_id(&dag, "rustc@stage2", "rustc"), "rustc@stage1");
    assert_eq!(producer_id(&dag, "rustc@final", "std"), "rustc@stage2");
    assert_eq!(dag.verify.len(), 1);
    assert_eq!(dag.actions[dag.verify[0].left].id, "rustc@stage2");
    assert_eq!(dag.actions[1].outputs[0].version.as_deref(), Some("1.80~stage2"));
    assert_eq!(dag.actions[2].outputs[0].version.as_deref(), Some("1.80"));
    assert!(dag.redirects.is_empty());
}

#[test]
fn azure_style_toolchain_bootstrap() {
    // Every toolchain package is built at stage1 with host tools, then at final with the
    // stage1 toolchain; the final toolchain's mutual needs are broken by redirects.
    let outcome = plan_text(
        r#"
plan "azl" { stages "stage1" }
seed "host" { from-host "cc" "ld" "make" "sh" }
package "binutils" { build-depends "cc" "make"; output "ld"; stage "stage1" { build-depends "cc" "make" stage="stage0"; } }
package "gcc" { build-depends "cc" "ld" "libc" "make"; output "cc"; stage "stage1" { build-depends "cc" "ld" "make"; } }
package "glibc" { build-depends "cc" "ld" "make"; output "libc"; stage "stage1" }
package "zlib" { build-depends "cc" "libc" "make" }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    // gcc@final is built by the stage1 compiler; zlib@final by the final one.
    assert_eq!(producer_id(&dag, "gcc@final", "cc"), "gcc@stage1");
    assert_eq!(producer_id(&dag, "zlib@final", "cc"), "gcc@final");
    assert_eq!(producer_id(&dag, "gcc@stage1", "cc"), "host");
    assert_eq!(producer_id(&dag, "binutils@stage1", "cc"), "host");
    assert_eq!(producer_id(&dag, "gcc@stage1", "ld"), "binutils@stage1");
    assert_eq!(producer_id(&dag, "glibc@stage1", "cc"), "gcc@stage1");
    assert!(!dag.redirects.is_empty(), "the final toolchain's cycles are broken by redirects");
}

#[test]
fn profiles_drop_dependencies_and_outputs() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1"; stage "stage1" { profiles "nodoc" } }
seed "base" { from-host "cc" }
package "doctool" { build-depends "libx" "cc" }
package "x" {
    build-depends "cc"
    build-depends "doctool" when="<!nodoc>"
    output "libx"
    output "x-doc" when="<!nodoc>"
}
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    let x1 = dag.actions.iter().find(|a| a.id == "x@stage1").expect("x is built at stage1 to break the cycle");
    assert!(x1.inputs.iter().all(|i| &*i.name != "doctool"));
    assert!(x1.outputs.iter().all(|o| o.name != "x-doc"));
    assert_eq!(x1.profiles, ["nodoc", "stage1"]);
    assert_eq!(dag.redirects.len(), 1);
}

/// An installation set that holds the consumer's own output reads that output's
/// dependencies under the consumer's profiles, as every other consumer does: `a@stage1`'s
/// `liba` does not need `libx`, for `a@stage1` itself and for `0c` (named to be resolved
/// last, after `a@stage1` first read that output's dependencies).
#[test]
fn own_outputs_in_installation_sets_keep_their_instance_profiles() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1"; }
seed "base" { from-host "cc" }
package "a" {
    build-depends "libb"
    output "liba" { depends "libx" when="<!stage1>"; }
}
package "b" { output "libb" { depends "liba"; }; }
package "x" { build-depends "cc"; output "libx"; }
package "0c" { build-depends "liba" stage="stage1"; }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    for action in ["a@stage1", "0c@final"] {
        let a = dag.actions.iter().position(|a| a.id == action).unwrap_or_else(|| panic!("no action {action} in {:?}", ids(&dag)));
        let names: Vec<String> = dag.inputs_of(a).iter().map(|i| i.name.to_string()).collect();
        assert!(!names.contains(&"libx".to_string()), "{action} takes libx: {names:?}");
    }
    // Above stage1 the dependency holds.
    assert_eq!(producer_id(&dag, "a@final", "libx"), "x@final");
}

/// An installation set names each member by the first dependency that reaches it walking
/// its own `depends`, whichever sets were made before it: `o0`'s set takes `o1` as `o1`
/// (through `o4` and `alias2`), even once `o4`'s set (made first, for `z4`) took it as
/// `alias1` (through `o3`).
#[test]
fn installation_set_names_do_not_depend_on_which_sets_came_first() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1"; }
package "p0" { output "o0" { depends "o3" "o4"; }; }
package "p1" { output "o1" { provides "alias1"; }; }
package "p2" { output "o2" { depends "o1"; provides "alias2"; }; }
package "p3" { output "o3" { depends "alias1"; }; }
package "p4" { output "o4" { depends "o0" "alias2" "o3"; }; }
package "y0" { build-depends "o0"; }
package "z4" { build-depends "o4"; }
"#,
    );
    let dag = outcome.dag.expect("plans");
    let names = |action: &str| -> Vec<String> {
        let a = dag.actions.iter().position(|a| a.id == action).unwrap_or_else(|| panic!("no action {action}"));
        let mut names: Vec<String> = dag.inputs_of(a).iter().map(|i| i.name.to_string()).collect();
        names.sort();
        names
    };
    assert_eq!(names("y0@final"), ["alias2", "o0", "o1", "o3", "o4"]);
    assert_eq!(names("z4@final"), ["alias1", "alias2", "o0", "o3", "o4"]);
}

#[test]
fn stats_count_seed_builds_reduced_builds_and_redirect_targets() {
    // a and b build from the seed (b through a); x and doctool form a cycle that
    // x@stage1 (reduced by `nodoc`) breaks; y needs x, so it meets the cycle.
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1"; stage "stage1" { profiles "nodoc" } }
seed "base" { from-host "cc" }
package "a" { build-depends "cc" }
package "b" { build-depends "a" }
package "doctool" { build-depends "libx" "cc" }
package "x" {
    build-depends "cc"
    build-depends "doctool" when="<!nodoc>"
    output "libx"
}
package "y" { build-depends "libx" }
"#,
    );
    assert!(outcome.dag.is_some(), "{:?}", outcome.diagnostics);
    let s = &outcome.stats;
    assert_eq!((s.from_seed, s.from_seed_direct), (2, 1));
    assert_eq!(s.reduced, 1);
    assert_eq!(s.reduced_by, [("nodoc".to_string(), 1)]);
    assert_eq!(s.redirect_targets, 1);
    assert_eq!((s.outputs, s.seeded), (5, 1));
    assert!(outcome.stats_with_breaks.is_none());
}

#[test]
fn stats_with_suggested_breaks_are_those_of_the_overlay() {
    let text = r#"
plan "p" { stages "stage1" }
seed "base" { from-host "cc" }
package "a" { build-depends "b" "cc" }
package "b" { build-depends "a" "cc" }
"#;
    let outcome = plan_text(text);
    assert!(outcome.dag.is_none());
    let with_breaks = outcome.stats_with_breaks.clone().expect("the suggested breaks make it plan");
    let overlay = crate::overlay::suggested_overlay(&outcome.suggestions);
    let fixed = plan_files(&[("plan.kdl", text), ("breaks.kdl", &overlay)], &["breaks.kdl"]);
    assert!(fixed.dag.is_some());
    assert_eq!(fixed.stats.reduced_by, [("stage block".to_string(), 1)]);
    assert_eq!(fixed.stats, with_breaks);
}

#[test]
fn shared_installation_sets_are_listed_once() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1" }
seed "base" { from-host "cc" }
package "bar" { build-depends "cc"; output "libbar" }
package "foo" { build-depends "cc"; output "libfoo" { depends "libbar"; }; output "libfoo-dev" { depends "libfoo"; } }
package "app1" { build-depends "libfoo-dev" "cc" }
package "app2" { build-depends "libfoo-dev" "cc" }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    assert_eq!(dag.input_sets.len(), 1, "{:?}", dag.input_sets);
    for app in ["app1@final", "app2@final"] {
        let i = dag.actions.iter().position(|a| a.id == app).expect("built");
        assert_eq!(dag.actions[i].input_sets, [0]);
        let inputs: Vec<(&str, &str)> = dag
            .inputs_of(i)
            .iter()
            .map(|x| match &x.from {
                Producer::Action { action, .. } => (&*x.name, dag.actions[*action].id.as_str()),
                Producer::Seed { seed } => (&*x.name, &**seed),
            })
            .collect();
        assert_eq!(inputs, [("cc", "base"), ("libbar", "bar@final"), ("libfoo", "foo@final"), ("libfoo-dev", "foo@final")]);
    }
    // A DAG read from a file is checked before it is indexed.
    let mut bad = dag.clone();
    bad.actions[3].input_sets = vec![7];
    assert!(bad.check_references().unwrap_err().contains("input set #7"));
    let mut bad = dag;
    bad.input_sets[0][0].from = Producer::Action { action: 4, output: "x".into() };
    assert!(bad.check_references().unwrap_err().contains("does not come before it"));
}

#[test]
fn self_cycle_through_runtime_depends() {
    // libfoo's runtime closure needs foo's own output: foo@final takes it from below.
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1" }
seed "base" { from-host "cc"; provides "foo-data" }
package "foo" { build-depends "libfoo" "cc"; output "foo-data"; stage "stage1" { build-depends "cc"; } }
package "libfoo" { build-depends "cc"; output "libfoo" { depends "foo-data" } }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    assert_eq!(producer_id(&dag, "foo@final", "foo-data"), "foo@stage1");
}

#[test]
fn nested_sccs_and_minimum_redirects() {
    // a↔b and b↔c share b; one redirect into b breaks both.
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1" }
seed "base" { from-host "cc" }
package "a" { build-depends "b" "cc"; stage "stage1" { build-depends "cc"; } }
package "b" { build-depends "a" "c" "cc"; stage "stage1" { build-depends "cc"; } }
package "c" { build-depends "b" "cc"; stage "stage1" { build-depends "cc"; } }
"#,
    );
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    let redirected: BTreeSet<(usize, &str)> = dag.redirects.iter().map(|r| (r.from, r.original.as_str())).collect();
    assert_eq!(redirected.len(), 2, "{:?}", dag.redirects);
}

#[test]
fn unbreakable_cycle_and_the_overlay_that_fixes_it() {
    let text = r#"
plan "p" { stages "stage1" }
seed "base" { from-host "cc" }
package "a" { build-depends "b" "cc" }
package "b" { build-depends "a" "cc" "b-doc-tool" }
package "b-doc-tool" { build-depends "a"; }
"#;
    let outcome = plan_text(text);
    assert!(outcome.dag.is_none());
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code()).collect();
    assert!(codes.iter().all(|c| *c == "planc::unbreakable-cycle"), "{codes:?}");
    assert!(!outcome.suggestions.is_empty());
    let overlay = crate::overlay::suggested_overlay(&outcome.suggestions);
    let fixed = plan_files(&[("plan.kdl", text), ("breaks.kdl", &overlay)], &["breaks.kdl"]);
    let dag = fixed.dag.unwrap_or_else(|| panic!("still fails: {:?}\n{overlay}", fixed.diagnostics));
    assert_dag_invariants(&dag);
}

#[test]
fn monotonicity_and_later_stage_errors() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1" "stage2" }
seed "base" { from-host "cc" }
package "lib" { build-depends "cc"; output "lib"; output "lib-extra" when="<stage2>"; stage "stage2" }
package "app" {
    build-depends "cc"
    stage "stage1" {
        build-depends "lib" stage="stage2"
        build-depends "lib-extra"
    }
}
verify "stage1" "final" { packages "app" }
"#,
    );
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["planc::stage-monotonicity", "planc::no-producer-at-stage"]);
    assert!(outcome.diagnostics[1].help().unwrap().contains("stage2"));
}

#[test]
fn rebuild_tainted_and_images() {
    let text = r#"
plan "p" { stages "stage1"; rebuild-tainted #true }
seed "base" { from-host "cc" }
package "a" { build-depends "b" "cc"; output "liba" { depends "b" } }
package "b" { build-depends "liba" "cc"; stage "stage1" { build-depends "cc"; } }
image "core" { include "a" }
"#;
    let outcome = plan_text(text);
    let dag = outcome.dag.expect("plans");
    assert_dag_invariants(&dag);
    let a_final = dag.actions.iter().find(|a| a.id == "a@final").unwrap();
    assert!(a_final.tainted, "a@final consumed b@stage1");
    assert!(dag.actions.iter().any(|a| a.id == "a@rebuild" && !a.tainted));
    let image = &dag.images[0];
    let members: BTreeSet<&str> = image.outputs.iter().map(|o| dag.actions[o.action].id.as_str()).collect();
    assert_eq!(members, BTreeSet::from(["a@rebuild", "b@final"]));
    // Without rebuilding, the image would take a tainted instance: an error.
    let outcome = plan_text(&text.replace("rebuild-tainted #true", ""));
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["planc::image-tainted"]);
}

#[test]
fn version_constraints_use_dpkg_order() {
    let outcome = plan_text(
        r#"
plan "p" { }
seed "base" { from-host "cc"; provides "make (= 4.3)" }
package "x" version="1.0" { build-depends "make (>= 4.4~)" "cc"; }
"#,
    );
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["planc::version-unsatisfied"]);
    let outcome = plan_text(
        r#"
plan "p" { }
seed "base" { from-host "cc"; provides "make (= 4.3)" }
package "x" version="1.0" { build-depends "make (>= 4.3~rc1) | bmake" "cc"; }
"#,
    );
    assert!(outcome.dag.is_some(), "{:?}", outcome.diagnostics);
}

/// A version no producer meets is one error, not one per stage that needs the package.
#[test]
fn an_unmet_version_is_reported_once_across_stages() {
    let outcome = plan_text(
        r#"
plan "p" { stages "stage1" "stage2"; }
seed "base" { from-host "cc"; provides "make (= 4.3)" }
package "x" version="1.0" {
    build-depends "make (>= 4.4)" "cc"
    stage "stage1"
    stage "stage2"
}
package "y" version="1.0" { build-depends "x" stage="stage1"; }
package "z" version="1.0" { build-depends "x" stage="stage2"; }
"#,
    );
    let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["planc::version-unsatisfied"], "{:?}", outcome.diagnostics);
}

/// A plan planned choosing each instance's producers when it is resolved, and choosing
/// ahead on two threads for every wave of instances however small: with the producers
/// chosen beside resolving by a planner indexed on that thread, and by one indexed beside
/// this one as a cold plan does.
fn planned_one_at_a_time_and_ahead(text: &str) -> (PlanOutcome, PlanOutcome) {
    let dir = TempDir::new();
    std::fs::write(dir.0.join("plan.kdl"), text).unwrap();
    let session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let merged = crate::merged::merged_plan(session.db(), session.root());
    let planner = || super::Planner::new(merged, Vec::new(), super::ExtraDrops::default());
    let one_at_a_time = planner().run();
    let mut ahead = planner();
    (ahead.choose_ahead_min, ahead.threads) = (1, 2);
    let ahead = ahead.run();
    let mut beside = super::Planner::index_with_chooser(merged, Vec::new(), super::ExtraDrops::default(), Default::default(), true);
    (beside.choose_ahead_min, beside.threads) = (1, 2);
    assert_eq!(ahead, beside.run(), "a chooser indexed beside the planner chooses alike");
    (one_at_a_time, ahead)
}

/// The instances that resolving a redirect target makes (here `e@stage2`, which `b@stage2`
/// needs) have their producers chosen before they exist, with their stage's profiles:
/// `e` needs `x` everywhere but at `stage2`, where it needs `y`.
#[test]
fn instances_made_below_a_level_are_chosen_ahead_with_their_profiles() {
    let (one_at_a_time, ahead) = planned_one_at_a_time_and_ahead(
        r#"plan "p" { stages "stage1" "stage2" }
seed "base" { from-host "cc" }
package "a" { build-depends "cc" "b"; }
package "b" { build-depends "cc" "e" "a <!stage1>"; }
package "e" { build-depends "cc" "x <!stage2>" "y <stage2>"; }
package "x" { build-depends "cc"; }
package "y" { build-depends "cc"; }
"#,
    );
    let dag = ahead.dag.as_ref().expect("the plan has a DAG");
    let e2 = dag.actions.iter().find(|a| a.package == "e" && a.stage == "stage2").expect("e@stage2 is made");
    let inputs: Vec<&str> = e2.inputs.iter().map(|i| &*i.name).collect();
    assert!(inputs.contains(&"y") && !inputs.contains(&"x"), "{inputs:?}");
    assert_eq!(one_at_a_time, ahead);
}

// ----- random plans -----------------------------------------------------------------

#[derive(Clone, Debug)]
struct RandomPlan {
    /// deps[i] = packages i build-depends on (by index; may include i itself).
    deps: Vec<Vec<usize>>,
    /// stage1[i] = Some(kept deps) when package i has a stage1 block replacing its list.
    stage1: Vec<Option<Vec<usize>>>,
    /// runtime[i] = packages whose output package i's output depends on at run time.
    runtime: Vec<Vec<usize>>,
    /// Packages whose output is called `pIx` and provides `pI`.
    renamed: BTreeSet<usize>,
}

impl RandomPlan {
    fn text(&self, order: &[usize]) -> String {
        let mut out = String::from("plan \"random\" { stages \"stage1\" }\nseed \"base\" { from-host \"cc\"; provides \"p0\" }\n");
        for &i in order {
            out.push_str(&format!("package \"p{i}\" {{\n    build-depends \"cc\""));
            for d in &self.deps[i] {
                out.push_str(&format!(" \"p{d}\""));
            }
            out.push('\n');
            if self.renamed.contains(&i) {
                out.push_str(&format!("    output \"p{i}x\" {{ provides \"p{i}\"; }}\n"));
            }
            if !self.runtime[i].is_empty() {
                out.push_str(&format!("    output \"p{i}\" {{ depends"));
                for d in &self.runtime[i] {
                    out.push_str(&format!(" \"p{d}\""));
                }
                out.push_str("; }\n");
            }
            if let Some(kept) = &self.stage1[i] {
                out.push_str("    stage \"stage1\" { build-depends \"cc\"");
                for d in kept {
                    out.push_str(&format!(" \"p{d}\""));
                }
                out.push_str("; }\n");
            }
            out.push_str("}\n");
        }
        out
    }
}

fn random_plan(max: usize) -> impl Strategy<Value = RandomPlan> {
    (2..=max).prop_flat_map(|n| {
        let deps = proptest::collection::vec(proptest::collection::btree_set(0..n, 0..=3), n);
        let stage1 = proptest::collection::vec(proptest::option::of(proptest::collection::btree_set(0..n, 0..=1)), n);
        let runtime = proptest::collection::vec(proptest::collection::btree_set(0..n, 0..=1), n);
        (deps, stage1, runtime).prop_map(|(deps, stage1, runtime)| RandomPlan {
            deps: deps.into_iter().map(|s| s.into_iter().collect()).collect(),
            stage1: stage1.into_iter().map(|o| o.map(|s| s.into_iter().collect())).collect(),
            runtime: runtime.into_iter().map(|s| s.into_iter().collect()).collect(),
            renamed: BTreeSet::new(),
        })
    })
}

/// The fewest edges of the final-level graph whose removal makes it acyclic.
fn brute_force_min_fas(n: usize, edges: &[(usize, usize)]) -> usize {
    let acyclic = |mask: u32| {
        let mut indegree = vec![0; n];
        for (k, &(_, b)) in edges.iter().enumerate() {
            if mask & (1 << k) == 0 {
                indegree[b] += 1;
            }
        }
        let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
        let mut done = 0;
        while let Some(v) = ready.pop() {
            done += 1;
            for (k, &(a, b)) in edges.iter().enumerate() {
                if a == v && mask & (1 << k) == 0 {
                    indegree[b] -= 1;
                    if indegree[b] == 0 {
                        ready.push(b);
                    }
                }
            }
        }
        done == n
    };
    (0..=edges.len())
        .find(|&k| (0u32..(1 << edges.len())).filter(|m| m.count_ones() as usize == k).any(acyclic))
        .expect("removing every edge is acyclic")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever the plan, a DAG that is produced satisfies every invariant; when cycles
    /// remain, the only errors are unbreakable cycles and the suggested overlay fixes them.
    #[test]
    fn random_plans_plan_or_get_a_fix(plan in random_plan(7)) {
        let order: Vec<usize> = (0..plan.deps.len()).collect();
        let text = plan.text(&order);
        let outcome = plan_text(&text);
        match &outcome.dag {
            Some(dag) => assert_dag_invariants(dag),
            None => {
                for d in &outcome.diagnostics {
                    prop_assert_eq!(d.code(), "planc::unbreakable-cycle", "{}", text);
                }
                let overlay = crate::overlay::suggested_overlay(&outcome.suggestions);
                let fixed = plan_files(&[("plan.kdl", &text), ("breaks.kdl", &overlay)], &["breaks.kdl"]);
                prop_assert!(fixed.dag.is_some(), "overlay did not fix:\n{}\n{}\n{:?}", text, overlay, fixed.diagnostics);
                assert_dag_invariants(fixed.dag.as_ref().unwrap());
            }
        }
    }

    /// With stage1 builds that need only the seed, the number of redirected edges at
    /// final equals the brute-force minimum feedback arc set.
    #[test]
    fn redirects_are_minimal(plan in random_plan(8)) {
        let n = plan.deps.len();
        let plan = RandomPlan { deps: plan.deps, stage1: vec![Some(Vec::new()); n], runtime: vec![Vec::new(); n], renamed: BTreeSet::new() };
        let edges: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| plan.deps[i].iter().filter(move |&&d| d != i).map(move |&d| (i, d)))
            .collect();
        prop_assume!(edges.len() <= 16);
        let order: Vec<usize> = (0..n).collect();
        let outcome = plan_text(&plan.text(&order));
        let dag = outcome.dag.expect("stage1 needs only the seed, so everything plans");
        assert_dag_invariants(&dag);
        let redirected: BTreeSet<(usize, &str)> = dag.redirects.iter().map(|r| (r.from, r.original.as_str())).collect();
        prop_assert_eq!(redirected.len(), brute_force_min_fas(n, &edges));
    }

    /// Choosing producers ahead on several threads (as an archive's planning does) plans
    /// exactly as resolving one instance at a time.
    #[test]
    fn producers_chosen_ahead_plan_the_same(plan in random_plan(7)) {
        let order: Vec<usize> = (0..plan.deps.len()).collect();
        let (one_at_a_time, ahead) = planned_one_at_a_time_and_ahead(&plan.text(&order));
        prop_assert_eq!(one_at_a_time, ahead);
    }

    /// Declaration order and the split into files never change the DAG.
    #[test]
    fn shuffled_declarations_give_identical_json(plan in random_plan(7), seed in any::<u64>()) {
        let n = plan.deps.len();
        let forward: Vec<usize> = (0..n).collect();
        let mut shuffled = forward.clone();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let one = plan_text(&plan.text(&forward));
        // The shuffled plan split in two files, imported in reverse.
        let text = plan.text(&shuffled);
        let (head, packages) = text.split_at(text.find("package").unwrap_or(text.len()));
        let mid = packages.match_indices("package").nth(n / 2).map_or(packages.len(), |(i, _)| i);
        let (first, second) = packages.split_at(mid);
        let root = format!("{head}import \"./b.kdl\"\nimport \"./a.kdl\"\n");
        let two = plan_files(&[("plan.kdl", &root), ("a.kdl", first), ("b.kdl", second)], &[]);
        let json = |o: &PlanOutcome| o.dag.as_ref().map(|d| serde_json::to_string(d).unwrap());
        prop_assert_eq!(json(&one), json(&two));
        let messages = |o: &PlanOutcome| o.suggestions.iter().map(|s| format!("{} {} {}", s.package, s.stage, s.name)).collect::<Vec<_>>();
        prop_assert_eq!(messages(&one), messages(&two));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A session re-plans after an edit (one package's dependencies changed, in its own
    /// file, and now and then its output's) exactly as a fresh session plans the edited
    /// plan: what the session kept from the first plan (other packages' choices,
    /// components) never shows.
    #[test]
    fn replanning_after_an_edit_is_planning_afresh(
        plan in random_plan(7),
        which in any::<prop::sample::Index>(),
        new_deps in proptest::collection::btree_set(0usize..7, 0..=3),
        new_runtime in proptest::option::of(proptest::collection::btree_set(0usize..7, 0..=1)),
        renamed in any::<bool>(),
    ) {
        let n = plan.deps.len();
        let which = which.index(n);
        let mut edited = plan.clone();
        edited.deps[which] = new_deps.into_iter().filter(|&d| d < n).collect();
        // Now and then the edit changes an output's runtime dependencies too: the plan's
        // interface, which every other package's choices depend on.
        if let Some(runtime) = new_runtime {
            edited.runtime[which] = runtime.into_iter().filter(|&d| d < n).collect();
        }
        // Or adds an output that provides the package's own name: consumers then take
        // `pIx` (when the package has no output `pI` left) or keep `pI`.
        if renamed {
            edited.renamed.insert(which);
        }
        let write = |plan: &RandomPlan, dir: &std::path::Path| write_split(&plan.text(&(0..n).collect::<Vec<_>>()), dir);
        let dir = TempDir::new();
        write(&plan, &dir.0);
        let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
        let _ = session.diagnostics();
        let _ = session.plan();
        write(&edited, &dir.0);
        let name = dir.0.join(format!("p{which}.kdl"));
        session.set_text(&name.display().to_string(), &std::fs::read_to_string(&name).unwrap());
        let again = (session.diagnostics(), session.plan());
        prop_assert!(again.1.is_some(), "the front end is clean");
        // Each from a session of its own, so that neither takes what the other left.
        let fresh = || Session::open(&dir.0, &SessionConfig::default()).unwrap();
        prop_assert_eq!(again.0, fresh().diagnostics());
        prop_assert_eq!(again.1, fresh().plan());
        let (reused, _) = session.db().plan_memo().lock().unwrap().choice_counts();
        // (An edit that changes nothing plans nothing.)
        if n > 1 && edited.deps[which] != plan.deps[which] && edited.runtime[which] == plan.runtime[which] && !renamed {
            prop_assert!(reused > 0, "nothing reused");
        }
    }
}

/// Writes a plan of [`RandomPlan::text`]'s shape as a root holding everything before the
/// first package, and one file per package (`p0.kdl`, …) that the root imports.
fn write_split(text: &str, dir: &std::path::Path) {
    let (head, packages) = text.split_at(text.find("package").unwrap_or(text.len()));
    let mut root = head.to_string();
    for (i, package) in packages.split_inclusive("\n}\n").enumerate() {
        std::fs::write(dir.join(format!("p{i}.kdl")), package).unwrap();
        root.push_str(&format!("import \"./p{i}.kdl\"\n"));
    }
    std::fs::write(dir.join("plan.kdl"), root).unwrap();
}

/// `RandomPlan::text` with a seed providing `s1` too, and an output `s2` that needs
/// package `s2_needs` at run time (when there is one), and package `i` needing those of
/// `seeded[i]` (1 for `s1`, 2 for `s2`) after its other build dependencies, all pinned to
/// `final` when `pinned[i]`.
fn text_with_seed_names(plan: &RandomPlan, seeded: &[Vec<u8>], pinned: &[bool], s2_needs: usize) -> String {
    let s2 = if s2_needs < plan.deps.len() { format!("output \"s2\" {{ depends \"p{s2_needs}\"; }}") } else { "provides \"s2\"".into() };
    let text = plan.text(&(0..plan.deps.len()).collect::<Vec<_>>()).replace("provides \"p0\"", &format!("provides \"p0\" \"s1\"; {s2}"));
    let mut out = String::new();
    let mut package = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("    build-depends \"cc\"") {
            out.push_str(line.trim_end());
            for s in seeded.get(package).into_iter().flatten() {
                out.push_str(&format!(" \"s{s}\""));
            }
            if pinned.get(package).copied().unwrap_or(false) {
                out.push_str(" stage=\"final\"");
            }
            out.push('\n');
            package += 1;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Each action's id, taint, and the (action id, output) pairs it takes.
type ActionGraph = Vec<(String, bool, BTreeSet<(String, String)>)>;

/// A DAG's instance graph: each action with its taint and the actions whose outputs it
/// takes (directly or in installation sets), and the redirects, by action id; not the
/// names taken from seeds, nor places.
fn instance_graph(dag: &StagedDag) -> (ActionGraph, BTreeSet<(String, String, String)>) {
    let id = |a: usize| dag.actions[a].id.clone();
    let actions = dag
        .actions
        .iter()
        .map(|a| {
            let inputs = a.inputs.iter().chain(a.input_sets.iter().flat_map(|&s| &dag.input_sets[s]));
            let producers = inputs
                .filter_map(|i| match &i.from {
                    Producer::Action { action, output } => Some((id(*action), output.to_string())),
                    Producer::Seed { .. } => None,
                })
                .collect();
            (a.id.clone(), a.tainted, producers)
        })
        .collect();
    let redirects = dag.redirects.iter().map(|r| (id(r.from), r.original.clone(), id(r.to))).collect();
    (actions, redirects)
}

/// How an edit changes the build-dependency line of one package (see
/// `rechecking_an_edit_is_checking_afresh`).
#[derive(Clone, Debug)]
enum LineEdit {
    /// Swaps `s1` and `s2`: the same seed, another name.
    SwapSeedNames,
    /// Pins the whole line to `final`, or unpins it: the same producers, but pinned
    /// edges are never redirected.
    TogglePin,
    /// Moves the line's entries around (seed names to the front).
    SeedNamesFirst,
    /// Another list altogether.
    Replace(Vec<usize>),
}

impl LineEdit {
    fn apply(&self, line: &str) -> String {
        match self {
            LineEdit::SwapSeedNames => line.replace("\"s1\"", "\"sX\"").replace("\"s2\"", "\"s1\"").replace("\"sX\"", "\"s2\""),
            LineEdit::TogglePin => match line.strip_suffix(" stage=\"final\"") {
                Some(unpinned) => unpinned.to_string(),
                None => format!("{line} stage=\"final\""),
            },
            LineEdit::SeedNamesFirst => {
                let entries: Vec<&str> = line.trim_start_matches("    build-depends ").split(' ').collect();
                // (A pin, `stage="final"`, is not an `"s…` entry: it stays last.)
                let (seeds, rest): (Vec<&str>, Vec<&str>) = entries.iter().partition(|e| e.starts_with("\"s"));
                format!("    build-depends {}", seeds.iter().chain(&rest).copied().collect::<Vec<_>>().join(" "))
            }
            LineEdit::Replace(deps) => {
                let mut out = String::from("    build-depends \"cc\"");
                for d in deps {
                    out.push_str(&format!(" \"p{d}\""));
                }
                out
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A session re-checks after an edit of one package's build dependencies exactly as a
    /// fresh session checks the edited plan, whether the re-check planned again or showed
    /// that the edit leaves the last clean plan's graph as it was (then the edited plan's
    /// DAG has the same instance graph as the last one's); and plans it alike afterwards.
    /// The edits are the ones a re-check must tell apart: another name from the same
    /// seed (whose installation set may not be empty), a pin, entries moved, another
    /// list. Most packages have a stage1 build needing nothing, so that most plans are
    /// clean, which is when a re-check can plan nothing.
    #[test]
    fn rechecking_an_edit_is_checking_afresh(
        plan in random_plan(6),
        seeded in proptest::collection::vec(proptest::collection::vec(1u8..=2, 0..=2), 6),
        pinned in proptest::collection::vec(proptest::bool::weighted(0.3), 6),
        s2_needs in 0usize..12,
        unstaged in proptest::collection::vec(proptest::bool::weighted(0.2), 6),
        which in any::<prop::sample::Index>(),
        edit in prop_oneof![
            Just(LineEdit::SwapSeedNames),
            Just(LineEdit::TogglePin),
            Just(LineEdit::SeedNamesFirst),
            proptest::collection::vec(0usize..6, 0..=3).prop_map(LineEdit::Replace),
        ],
    ) {
        let n = plan.deps.len();
        let which = which.index(n);
        let mut plan = plan;
        for (i, stage1) in plan.stage1.iter_mut().enumerate() {
            if !unstaged[i] {
                *stage1 = Some(Vec::new());
            }
        }
        let dir = TempDir::new();
        write_split(&text_with_seed_names(&plan, &seeded, &pinned, s2_needs), &dir.0);
        let fresh = || Session::open(&dir.0, &SessionConfig::default()).unwrap();
        let before = fresh().plan();
        let mut session = fresh();
        let _ = session.diagnostics();
        let rechecks = |s: &Session| s.db().plan_memo().lock().unwrap().recheck_count();
        let name = dir.0.join(format!("p{which}.kdl"));
        let text = std::fs::read_to_string(&name).unwrap();
        let edited: String = text
            .split_inclusive('\n')
            .map(|line| match line.strip_suffix('\n') {
                Some(l) if l.starts_with("    build-depends \"cc\"") => match &edit {
                    LineEdit::Replace(deps) => LineEdit::Replace(deps.iter().copied().filter(|&d| d < n).collect()).apply(l) + "\n",
                    edit => edit.apply(l) + "\n",
                },
                _ => line.to_string(),
            })
            .collect();
        std::fs::write(&name, &edited).unwrap();
        session.set_text(&name.display().to_string(), &edited);
        let again = session.diagnostics();
        prop_assert_eq!(&again, &fresh().diagnostics());
        let after = fresh().plan();
        if rechecks(&session) > 0 {
            // Planning nothing is right when the instances, their taint and the redirects
            // are the same, and only the edited package's final instance may take
            // other producers (which may change the order the actions are built in).
            let edited = format!("p{which}@final");
            let graph = |o: &Option<Arc<PlanOutcome>>| {
                o.as_ref().and_then(|o| o.dag.as_ref()).map(instance_graph).map(|(mut actions, redirects)| {
                    for (id, _, producers) in &mut actions {
                        if *id == edited {
                            producers.clear();
                        }
                    }
                    actions.sort();
                    (actions, redirects)
                })
            };
            prop_assert!(graph(&before).is_some());
            prop_assert_eq!(graph(&before), graph(&after));
        }
        prop_assert_eq!(session.plan(), after);
    }
}

/// `a` and `b` need each other, each with a stage1 build that does not; `b` needs `a` at
/// `final` by a pin, so the cycle is broken by building `b` at stage1 for `a`.
const PINNED_CYCLE: &str = r#"plan "pinned" { stages "stage1"; }
import "./a.kdl"
seed "host" { from-host "cc"; provides "doc-a" "doc-b"; }
package "b" {
    build-depends "cc"
    build-depends "a" stage="final"
    stage "stage1" { build-depends "cc"; }
}
"#;

/// A re-check after an edit that changes no instance's producers plans nothing (and says
/// so in the memo's count); an edit that does, or that pins a dependency the last plan
/// redirected, is planned.
#[test]
fn rechecking_plans_nothing_when_the_graph_is_the_same() {
    let dir = TempDir::new();
    let a = dir.0.join("a.kdl");
    let a_name = a.display().to_string();
    std::fs::write(dir.0.join("plan.kdl"), PINNED_CYCLE).unwrap();
    let a_text = |deps: &str| format!("package \"a\" {{\n    build-depends {deps}\n    stage \"stage1\" {{ build-depends \"cc\"; }}\n}}\n");
    std::fs::write(&a, a_text(r#""cc" "b" "doc-a""#)).unwrap();
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let rechecks = |s: &Session| s.db().plan_memo().lock().unwrap().recheck_count();
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 0);
    // Another name the same seed provides, and the same text moved down a line: the
    // graph is the same.
    session.set_text(&a_name, &a_text(r#""cc" "b" "doc-b""#));
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 1);
    session.set_text(&a_name, &format!("\n{}", a_text(r#""cc" "b" "doc-b""#)));
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 2);
    // Pinning `a`'s need of `b` leaves no edge to redirect: the same producers, but a
    // cycle that cannot be broken, which the re-check must plan to see.
    let pinned = a_text(r#""cc"
    build-depends "b" stage="final"
    build-depends "doc-b""#);
    session.set_text(&a_name, &pinned);
    let diagnostics = session.diagnostics();
    assert_eq!(rechecks(&session), 2);
    assert_eq!(diagnostics.iter().map(|d| d.code()).collect::<Vec<_>>(), ["planc::unbreakable-cycle"], "{diagnostics:?}");
    std::fs::write(&a, &pinned).unwrap();
    assert_eq!(diagnostics, Session::open(&dir.0, &SessionConfig::default()).unwrap().diagnostics());
    // Back to a clean plan: planned (the last plan was not clean), then kept for the
    // next re-check.
    session.set_text(&a_name, &a_text(r#""cc" "b" "doc-a""#));
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 2);
    session.set_text(&a_name, &a_text(r#""cc" "doc-a" "b""#));
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 2, "entries in another order are planned");
    session.set_text(&a_name, &a_text(r#""cc" "doc-b" "b""#));
    assert_eq!(*session.diagnostics(), []);
    assert_eq!(rechecks(&session), 3);
}

/// A re-check after an edit that gives a final instance other final producers plans
/// nothing when the new edges close no cycle (even into a cycle's component), and plans
/// when they do, or when the instance takes a lower stage's. (The producers' installation
/// sets must be in the memo: `h` takes `e`, so that `e`'s is.)
#[test]
fn rechecking_plans_nothing_when_new_final_edges_close_no_cycle() {
    let dir = TempDir::new();
    let f = dir.0.join("f.kdl");
    let f_name = f.display().to_string();
    let root = r#"plan "p" { stages "stage1"; }
import "./f.kdl"
seed "host" { from-host "cc"; }
package "a" { build-depends "cc" "b"; stage "stage1" { build-depends "cc"; }; }
package "b" { build-depends "cc" "a"; stage "stage1" { build-depends "cc"; }; }
package "e" { build-depends "cc"; }
package "h" { build-depends "cc" "e"; }
"#;
    std::fs::write(dir.0.join("plan.kdl"), root).unwrap();
    let f_text = |deps: &str| format!("package \"f\" {{ build-depends {deps}; }}\npackage \"g\" {{ build-depends \"cc\" \"f\"; }}\n");
    std::fs::write(&f, f_text(r#""cc""#)).unwrap();
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let rechecks = |s: &Session| s.db().plan_memo().lock().unwrap().recheck_count();
    let fresh = |text: &str| {
        std::fs::write(&f, text).unwrap();
        Session::open(&dir.0, &SessionConfig::default()).unwrap().diagnostics()
    };
    assert_eq!(*session.diagnostics(), []);
    for (deps, planned_nothing) in [
        (r#""cc" "e""#, true),
        // Into the cycle of `a` and `b`, which does not reach `f`.
        (r#""cc" "a""#, true),
        (r#""cc" "e" "b""#, true),
        // A lower stage's instance: planned.
        (r#""cc" "a" stage="stage1""#, false),
        // `g` takes `f`: a cycle no stage block breaks.
        (r#""cc" "g""#, false),
    ] {
        let before = rechecks(&session);
        let text = f_text(deps);
        session.set_text(&f_name, &text);
        let diagnostics = session.diagnostics();
        assert_eq!(rechecks(&session) > before, planned_nothing, "{deps}: {diagnostics:?}");
        assert_eq!(diagnostics, fresh(&text), "{deps}");
    }
    let codes = session.diagnostics().iter().map(|d| d.code()).collect::<Vec<_>>();
    assert_eq!(codes, ["planc::unbreakable-cycle"]);
}

/// Two separate cycles of different shapes (a memo would rightly answer two alike ones
/// from one solution), each broken by stage1 builds, and in another file a package on
/// neither.
const TWO_CYCLES: &str = r#"plan "two" { stages "stage1"; }
import "./f.kdl"
seed "host" { from-host "cc"; }
package "a" { build-depends "cc" "b"; stage "stage1" { build-depends "cc"; }; }
package "b" { build-depends "cc" "a"; stage "stage1" { build-depends "cc"; }; }
package "c" { build-depends "cc" "d"; stage "stage1" { build-depends "cc"; }; }
package "d" { build-depends "cc" "g"; stage "stage1" { build-depends "cc"; }; }
package "g" { build-depends "cc" "c" "e"; stage "stage1" { build-depends "cc"; }; }
package "e" { build-depends "cc"; }
"#;

#[test]
fn replanning_reuses_what_an_edit_did_not_change() {
    let dir = TempDir::new();
    let (root, f) = (dir.0.join("plan.kdl"), dir.0.join("f.kdl"));
    std::fs::write(&root, TWO_CYCLES).unwrap();
    std::fs::write(&f, "package \"f\" { build-depends \"cc\" \"a\"; }\n").unwrap();
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let components = |s: &Session| s.db().plan_memo().lock().unwrap().fas_counts();
    let choices = |s: &Session| s.db().plan_memo().lock().unwrap().choice_counts();
    let first = session.plan().expect("plans");
    assert_eq!(first.dag.as_ref().map(|d| d.redirects.len()), Some(2), "{:?}", first.diagnostics);
    assert_eq!(components(&session), (0, 2), "both components solved once");
    // 7 final instances, the 2 stage1 instances the redirects lead to, and the 2
    // redirected consumers resolved again.
    assert_eq!(choices(&session), (0, 11));
    // `f` is on no cycle: both components are answered from the memo, and only `f`
    // chooses its producers again.
    session.set_text(&f.display().to_string(), "package \"f\" { build-depends \"cc\" \"b\"; }\n");
    let second = session.plan().expect("plans");
    assert_eq!(components(&session), (2, 2));
    assert_eq!(choices(&session), (10, 12));
    // `g` also needs `d`: only the component of `c`, `d` and `g` is solved again; the
    // packages of the edited file choose again, `f` does not.
    session.set_text(&root.display().to_string(), &TWO_CYCLES.replace(r#""cc" "c" "e";"#, r#""cc" "c" "d" "e";"#));
    let third = session.plan().expect("plans");
    assert_eq!(components(&session), (3, 3));
    let (reused, _) = choices(&session);
    assert_eq!(reused, 11, "f@final");
    assert_ne!(first, second);
    assert_ne!(second, third);
    // Asking again plans nothing again; a new session plans the same.
    assert_eq!(session.plan(), Some(third.clone()));
    std::fs::write(&root, TWO_CYCLES.replace(r#""cc" "c" "e";"#, r#""cc" "c" "d" "e";"#)).unwrap();
    std::fs::write(&f, "package \"f\" { build-depends \"cc\" \"b\"; }\n").unwrap();
    let fresh = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    assert_eq!(fresh.plan(), Some(third));
}

/// A cycle whose stage1 build needs a library whose installation set is incomplete at
/// stage1 (its documentation is not built there): the plan gets a suggested break.
const INCOMPLETE_AT_STAGE1: &str = r#"plan "incomplete" { stages "stage1"; }
import "./f.kdl"
seed "host" { from-host "cc"; }
package "lib" {
    build-depends "cc"
    output "lib" { depends "libdoc"; }
    output "libdoc" when="<!stage1>"
}
package "x" { build-depends "cc" "y"; stage "stage1" { build-depends "cc" "lib"; }; }
package "y" { build-depends "cc" "x" "lib"; stage "stage1" { build-depends "cc" "lib"; }; }
"#;

/// What a re-plan takes from the last plan includes neither its diagnostics nor its
/// suggested breaks: an installation set that could not be completed is computed again
/// (and reported again), not taken.
#[test]
fn replanning_reports_incomplete_installation_sets_again() {
    let dir = TempDir::new();
    let f = dir.0.join("f.kdl");
    std::fs::write(dir.0.join("plan.kdl"), INCOMPLETE_AT_STAGE1).unwrap();
    std::fs::write(&f, "package \"f\" { build-depends \"cc\" \"x\"; }\n").unwrap();
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let first = session.plan().expect("plans");
    assert!(!first.suggestions.is_empty(), "{first:?}");
    let edited = "package \"f\" { build-depends \"cc\" \"y\"; }\n";
    session.set_text(&f.display().to_string(), edited);
    let again = session.plan().expect("plans");
    std::fs::write(&f, edited).unwrap();
    let fresh = Session::open(&dir.0, &SessionConfig::default()).unwrap().plan().expect("plans");
    assert_eq!(again, fresh);
    assert_eq!(again.suggestions.len(), first.suggestions.len());
    assert!(session.db().plan_memo().lock().unwrap().choice_counts().0 > 0, "the re-plan took what it could");
}

#[test]
fn cycle_breaking_fewest_builds_redirects_to_fewer_instances() {
    // t ⇄ a, t ⇄ b, t ⇄ c. Redirecting t's three needs to a, b, c at stage1 (reduced
    // builds, so slightly cheaper) is as few redirects as redirecting a's, b's and c's
    // needs to t@stage1, but it takes three stage1 builds to that one's one.
    let text = r#"
plan "p" { stages "stage1"; CYCLE_BREAKING }
seed "base" { from-host "cc" }
package "t" { build-depends "liba" "libb" "libc" "cc"; output "libt"; }
package "a" { build-depends "libt" "cc"; output "liba"; stage "stage1" { drop "libt"; } }
package "b" { build-depends "libt" "cc"; output "libb"; stage "stage1" { drop "libt"; } }
package "c" { build-depends "libt" "cc"; output "libc"; stage "stage1" { drop "libt"; } }
"#;
    let redirected_to = |outcome: &PlanOutcome| {
        let dag = outcome.dag.as_ref().unwrap_or_else(|| panic!("{:?}", outcome.diagnostics));
        let mut to: Vec<&str> = dag.redirects.iter().map(|r| dag.actions[r.to].id.as_str()).collect();
        to.sort_unstable();
        to.dedup();
        (dag.redirects.len(), to.join(" "))
    };
    for default in ["", r#"cycle-breaking "fewest-redirects""#] {
        let outcome = plan_text(&text.replace("CYCLE_BREAKING", default));
        assert_eq!(redirected_to(&outcome), (3, "a@stage1 b@stage1 c@stage1".to_string()));
        assert_eq!(outcome.stats.redirect_targets, 3);
    }
    let outcome = plan_text(&text.replace("CYCLE_BREAKING", r#"cycle-breaking "fewest-builds""#));
    assert_eq!(redirected_to(&outcome), (3, "t@stage1".to_string()));
    assert_eq!(outcome.stats.redirect_targets, 1);
}



/// The packages producing each name, read from the merged plan (of outputs and stage
/// blocks' outputs, by their names and provided names), ascending, each once: the oracle
/// for the table a clean plan keeps for re-checks.
fn producers_read_from(plan: &crate::merged::MergedPlan) -> std::collections::BTreeMap<&str, Vec<u32>> {
    let mut by_name: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for (i, p) in plan.packages.iter().enumerate() {
        for output in p.outputs.iter().chain(p.stages.iter().flat_map(|s| &s.outputs)) {
            for name in std::iter::once(&output.name).chain(output.provides.iter().map(|(name, _)| name)) {
                let list = by_name.entry(name).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
    }
    by_name
}

/// Whether the table of packages by name a planner keeps for re-checks is the oracle's.
fn packages_by_name_agree(text: &str) -> Result<(), TestCaseError> {
    let dir = TempDir::new();
    std::fs::write(dir.0.join("plan.kdl"), text).unwrap();
    let session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let merged = crate::merged::merged_plan(session.db(), session.root());
    let planner = super::Planner::new(merged, Vec::new(), super::ExtraDrops::default());
    let table = planner.packages_by_name();
    let expected = producers_read_from(merged);
    for (name, packages) in &expected {
        let number = planner.names.get(name);
        prop_assert!(number.is_some(), "`{}` is numbered", name);
        prop_assert_eq!(table.of(number.unwrap()), &packages[..], "the packages producing `{}`", name);
    }
    // And no more: every listed package is one of a name above.
    prop_assert_eq!(table.packages.len(), expected.values().map(Vec::len).sum::<usize>());
    Ok(())
}

/// Names produced by several packages, by one package twice (an output's provided name
/// and a stage block's), by stage blocks alone, and by a seed alone.
#[test]
fn packages_by_name_list_every_producing_package_once() {
    packages_by_name_agree(
        r#"plan "p" { stages "stage1" }
seed "base" { from-host "cc"; provides "x" "only-seed"; }
package "a" {
    build-depends "cc"
    output "a" { provides "x" "v"; }
    stage "stage1" { output "a-mini" { provides "v"; } }
}
package "b" { build-depends "cc"; output "b" { provides "x"; } }
package "c" { build-depends "cc"; stage "stage1" { output "c-mini" { provides "x"; } } }
"#,
    )
    .unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn packages_by_name_agree_on_random_plans(plan in random_plan(7)) {
        let order: Vec<usize> = (0..plan.deps.len()).collect();
        packages_by_name_agree(&plan.text(&order))?;
    }
}
