//! `DagBuilder`: builds small `StagedDag` values in Rust, for tests and benchmarks.

use std::collections::BTreeMap;

use compiler::dag::{Action, Archive, Input, Output, Producer, Seed, Source, StagedDag, FORMAT_VERSION};

pub struct DagBuilder {
    dag: StagedDag,
}

impl Default for DagBuilder {
    fn default() -> DagBuilder {
        DagBuilder::new()
    }
}

impl DagBuilder {
    /// A plan named `test` with stages `stage0`, `stage1`, `final`.
    pub fn new() -> DagBuilder {
        DagBuilder {
            dag: StagedDag {
                format_version: FORMAT_VERSION,
                plan: "test".into(),
                stages: vec!["stage0".into(), "stage1".into(), "final".into()],
                profiles: vec![],
                seeds: vec![],
                input_sets: vec![],
                actions: vec![],
                verify: vec![],
                images: vec![],
                redirects: vec![],
            },
        }
    }

    pub fn seed(&mut self, name: &str, host_tools: &[&str]) -> &mut DagBuilder {
        self.dag.seeds.push(Seed {
            name: name.into(),
            host_tools: host_tools.iter().map(|s| s.to_string()).collect(),
            archive: None,
            provides: vec![],
        });
        self
    }

    /// Adds `PACKAGE@final` with one output named after the package; returns its index.
    pub fn action(&mut self, package: &str, build: &[&str], deps: &[usize]) -> usize {
        self.action_at(package, "final", build, deps)
    }

    pub fn action_at(&mut self, package: &str, stage: &str, build: &[&str], deps: &[usize]) -> usize {
        let inputs = deps
            .iter()
            .map(|&d| {
                let p = &self.dag.actions[d];
                Input { name: p.package.as_str().into(), from: Producer::Action { action: d, output: p.outputs[0].name.as_str().into() } }
            })
            .collect::<Vec<_>>();
        let mut inputs = inputs;
        for s in &self.dag.seeds {
            inputs.push(Input { name: s.name.as_str().into(), from: Producer::Seed { seed: s.name.as_str().into() } });
        }
        let final_stage = stage == "final";
        self.dag.actions.push(Action {
            id: format!("{package}@{stage}"),
            package: package.into(),
            version: Some("1.0".into()),
            stage: stage.into(),
            profiles: if final_stage { vec![] } else { vec![stage.into()] },
            inputs,
            input_sets: vec![],
            outputs: vec![Output {
                name: package.into(),
                version: Some(if final_stage { "1.0".into() } else { format!("1.0~{stage}") }),
                depends: vec![],
                provides: vec![],
            }],
            source: None,
            build: build.iter().map(|s| s.to_string()).collect(),
            check: vec![],
            env: BTreeMap::new(),
            timeout_secs: None,
            tainted: false,
            cost_ms: 1000,
        });
        self.dag.actions.len() - 1
    }

    pub fn get(&mut self, action: usize) -> &mut Action {
        &mut self.dag.actions[action]
    }

    pub fn source_path(&mut self, action: usize, path: &str) -> &mut DagBuilder {
        self.dag.actions[action].source = Some(Source::Path { path: path.into() });
        self
    }

    pub fn source_archive(&mut self, action: usize, path: &str, sha256: Option<&str>) -> &mut DagBuilder {
        self.dag.actions[action].source =
            Some(Source::Archive(Archive { path: path.into(), sha256: sha256.map(str::to_owned) }));
        self
    }

    pub fn dag_mut(&mut self) -> &mut StagedDag {
        &mut self.dag
    }

    pub fn build(&self) -> StagedDag {
        self.dag.clone()
    }
}
