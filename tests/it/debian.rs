//! The whole Debian bullseye archive, end to end: import, check, plan, suggested breaks,
//! and planning again with them; the invariants of the result and its statistics.

use std::path::{Path, PathBuf};

use compiler::dag::{Producer, StagedDag};
use compiler::debian::{ImportConfig, import};
use compiler::{PlanOutcome, Session, SessionConfig};


fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/debian-bullseye").join(name)
}

fn plan(dir: &Path, overlays: &[PathBuf]) -> PlanOutcome {
    let config = SessionConfig { overlays: overlays.to_vec(), threads: 2, ..SessionConfig::default() };
    let session = Session::open(dir, &config).expect("the imported plan opens");
    (*session.plan().expect("the front end has no errors")).clone()
}

/// Producers come before consumers, and nothing depends on a later stage.
fn assert_acyclic_and_monotonic(dag: &StagedDag) {
    let stage = |name: &str| dag.stages.iter().position(|s| s == name).expect("a known stage");
    dag.check_references().expect("every index is valid");
    for (i, action) in dag.actions.iter().enumerate() {
        for input in dag.inputs_of(i) {
            if let Producer::Action { action: p, .. } = input.from {
                assert!(p < i, "{} consumes the later {}", action.id, dag.actions[p].id);
                assert!(stage(&dag.actions[p].stage) <= stage(&action.stage), "{} depends on a later stage", action.id);
            }
        }
    }
}

#[test]
fn bullseye_imports_plans_and_plans_acyclic_with_its_suggested_breaks() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let report = import(&ImportConfig {
        sources: data("Sources.zst"),
        packages: data("Packages.zst"),
        arch: "amd64".into(),
        out_dir: dir.path().to_path_buf(),
        drop_indep: false,
        name: Some("debian-bullseye-amd64".into()),
    })
    .expect("bullseye imports");
    assert!(report.planned_sources > 10_000, "{} planned", report.planned_sources);

    // With only the archive's own annotations, cycles remain at stage1 (and some stage1
    // builds need what `nodoc` does not build): every error comes with a suggested drop.
    let first = plan(dir.path(), &[]);
    assert!(first.dag.is_none());
    assert!(!first.suggestions.is_empty());
    for d in &first.diagnostics {
        assert!(
            matches!(d.code(), "planc::unbreakable-cycle" | "planc::no-producer-at-stage"),
            "unexpected: {}: {}",
            d.code(),
            d.message()
        );
    }
    let overlay = dir.path().join("breaks.kdl");
    std::fs::write(&overlay, compiler::suggested_overlay(&first.suggestions)).expect("write the overlay");

    // With the suggested overlay, the whole archive plans to an acyclic, monotonic DAG.
    let outcome = plan(dir.path(), std::slice::from_ref(&overlay));
    let dag = outcome.dag.as_ref().unwrap_or_else(|| panic!("still fails: {:?}", outcome.diagnostics.first()));
    assert_acyclic_and_monotonic(dag);

    // Every redirect is needed: putting its edge back closes a cycle.
    let all: Vec<usize> = (0..dag.redirects.len()).collect();
    for (k, cycle) in outcome.redirect_cycles(&all).iter().enumerate() {
        assert!(cycle.len() >= 3, "redirect {:?} breaks no cycle", dag.redirects[k]);
    }

    // The figures reported with the breaks applied (`--format stats` on the plan without
    // the overlay) are those of the plan with the overlay.
    assert_eq!(first.stats_with_breaks.as_ref(), Some(&outcome.stats));

    // Deterministic: a fresh session gives the same DAG byte for byte.
    let again = plan(dir.path(), std::slice::from_ref(&overlay));
    assert_eq!(serde_json::to_string(&outcome.dag).ok(), serde_json::to_string(&again.dag).ok());

    let s = &outcome.stats;
    let suggested_sources: std::collections::BTreeSet<&str> = first.suggestions.iter().map(|b| b.package.as_str()).collect();
    let stats = format!(
        "suggested breaks without overlay: {} in {} sources, {} breaking cycles\npackages: {}\noutputs: {} (seeded names {})\ninstances: {}\nper stage: {:?}\nfrom the seed without a cycle: {} (directly {})\nlargest cycles: {:?}\nredirects: {} to {} instances\nreduced builds: {} {:?}\ntainted: {}\nrebuilt: {}\nlayers: {}",
        first.suggestions.len(),
        suggested_sources.len(),
        first.suggestions.iter().filter(|b| b.breaks_a_cycle()).count(),
        s.packages,
        s.outputs,
        s.seeded,
        s.instances,
        s.per_stage,
        s.from_seed,
        s.from_seed_direct,
        s.scc_sizes.iter().map(|(st, sizes)| (st.clone(), sizes.iter().take(5).copied().collect::<Vec<_>>())).collect::<Vec<_>>(),
        s.redirects,
        s.redirect_targets,
        s.reduced,
        s.reduced_by,
        s.tainted,
        s.rebuilt,
        s.layers,
    );
    insta::assert_snapshot!("bullseye_stats", stats);
}
