//! The staged DAG: the plain-data contract between the compiler and the runtime.
//!
//! Everything the runtime needs to execute a plan, and nothing that ties it to the
//! compiler's internals (no salsa ids, no syntax). It is serialized as JSON by
//! `planc plan --format json` and versioned by [`FORMAT_VERSION`]; docs/dag-format.md
//! documents every field.
//!
//! Paths are relative to the directory of the root plan file, so a DAG does not depend
//! on where the checkout lives.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Bumped on every change a consumer could notice.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedDag {
    pub format_version: u32,
    /// The plan's name (`plan "NAME"`).
    pub plan: String,
    /// Every stage in order: `stage0`, the declared stages, `final`, and `rebuild` when
    /// the plan rebuilds tainted instances.
    pub stages: Vec<String>,
    /// Profiles active in every instance (`--profile`), sorted.
    pub profiles: Vec<String>,
    pub seeds: Vec<Seed>,
    /// Installation sets shared by several actions, each sorted like an action's inputs.
    /// An archive's actions install the same closures over and over: listed once here,
    /// they make its DAG ten times smaller.
    pub input_sets: Vec<Vec<Input>>,
    /// In a topological order: every action's producers come before it.
    pub actions: Vec<Action>,
    pub verify: Vec<Verify>,
    pub images: Vec<Image>,
    /// Dependency edges redirected to an earlier instance to break a cycle.
    pub redirects: Vec<Redirect>,
}

/// A stage0 producer: exists without being built by the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seed {
    pub name: String,
    /// Host programs made visible to actions that use this seed (`from-host`).
    pub host_tools: Vec<String>,
    pub archive: Option<Archive>,
    /// Output names the seed provides (its host tools are provided too).
    pub provides: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Archive {
    pub path: String,
    /// Lower-case hex; `None` when the plan gives none (the lock file then records it).
    pub sha256: Option<String>,
}

/// One package instance (package × stage) to build.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// `PACKAGE@STAGE`, unique in the DAG.
    pub id: String,
    pub package: String,
    pub version: Option<String>,
    pub stage: String,
    /// Active build profiles: the stage's name (for non-final stages), the stage's own
    /// profiles and the global ones; sorted.
    pub profiles: Vec<String>,
    /// Resolved build dependencies not in a shared set, sorted by name, then producer.
    pub inputs: Vec<Input>,
    /// Indices into [`StagedDag::input_sets`]: the shared installation sets it also
    /// takes. All its inputs are [`StagedDag::inputs_of`].
    pub input_sets: Vec<usize>,
    pub outputs: Vec<Output>,
    pub source: Option<Source>,
    /// Shell commands, `${out}`, `${out.NAME}`, `${jobs}` and `${sysroot}` not yet expanded.
    pub build: Vec<String>,
    pub check: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_secs: Option<u64>,
    /// Consumed an output of a non-final instance of another package (directly: what
    /// consumes a tainted instance is not tainted itself; see docs/stages.md).
    pub tainted: bool,
    /// Estimated cost in milliseconds, used until a measured duration exists.
    pub cost_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Source {
    /// A directory copied into the work dir.
    Path { path: String },
    /// An archive unpacked into the work dir after its checksum is verified.
    Archive(Archive),
}

/// A resolved build dependency. Ordered by name, then producer (actions by index, then
/// output; seeds last, by name).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Input {
    /// The name the dependency asked for (an output or a provided name). Shared: an
    /// archive's DAG holds millions of inputs naming a few thousand outputs.
    pub name: Arc<str>,
    pub from: Producer,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Producer {
    /// `output` of `actions[action]`.
    Action { action: usize, output: Arc<str> },
    /// A seed, by name.
    Seed { seed: Arc<str> },
}

impl StagedDag {
    /// Checks every index the DAG holds: shared sets exist, producers are earlier
    /// actions, and verify pairs, images and redirects name actions. A DAG read from a
    /// file is checked before anything indexes with it.
    pub fn check_references(&self) -> Result<(), String> {
        let n = self.actions.len();
        let action = |i: usize, what: &str| if i < n { Ok(()) } else { Err(format!("{what} names action #{i}; the DAG has {n}")) };
        // A shared set's latest producer is found once, not once per action taking it.
        let set_latest: Vec<Option<(usize, &Input)>> = self.input_sets.iter().map(|set| latest_producer(set)).collect();
        for (i, a) in self.actions.iter().enumerate() {
            for &s in &a.input_sets {
                if s >= self.input_sets.len() {
                    return Err(format!("`{}` takes input set #{s}; the DAG has {}", a.id, self.input_sets.len()));
                }
            }
            let sets = a.input_sets.iter().filter_map(|&s| set_latest[s]);
            if let Some((p, input)) = latest_producer(&a.inputs).into_iter().chain(sets).max_by_key(|(p, _)| *p)
                && p >= i
            {
                let producer = self.actions.get(p).map_or_else(|| format!("#{p}"), |x| format!("`{}`", x.id));
                return Err(format!("`{}` takes `{}` from {producer}, which does not come before it", a.id, input.name));
            }
        }
        for v in &self.verify {
            action(v.left, "a verify pair")?;
            action(v.right, "a verify pair")?;
        }
        for image in &self.images {
            for o in &image.outputs {
                action(o.action, &format!("image `{}`", image.name))?;
            }
        }
        for r in &self.redirects {
            action(r.from, "a redirect")?;
            action(r.to, "a redirect")?;
        }
        Ok(())
    }

    /// Every input of `actions[action]`: its own and its shared sets' members, sorted by
    /// name, then producer, without duplicates.
    pub fn inputs_of(&self, action: usize) -> Vec<&Input> {
        let a = &self.actions[action];
        if a.input_sets.is_empty() {
            return a.inputs.iter().collect();
        }
        let mut all: Vec<&Input> = a.inputs.iter().chain(a.input_sets.iter().flat_map(|&s| &self.input_sets[s])).collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Every action's producers (the actions it takes outputs of), ascending, each once.
    /// A shared set's producers are found once, however many actions take it.
    pub fn all_producers(&self) -> Vec<Vec<usize>> {
        let by_set: Vec<Vec<usize>> = self.input_sets.iter().map(|set| producer_actions(set)).collect();
        self.actions
            .iter()
            .map(|a| {
                let mut out = producer_actions(&a.inputs);
                if !a.input_sets.is_empty() {
                    out.extend(a.input_sets.iter().flat_map(|&s| &by_set[s]));
                    out.sort_unstable();
                    out.dedup();
                }
                out
            })
            .collect()
    }
}

/// The input with the latest producing action, and that action.
fn latest_producer(inputs: &[Input]) -> Option<(usize, &Input)> {
    inputs
        .iter()
        .filter_map(|input| match input.from {
            Producer::Action { action, .. } => Some((action, input)),
            Producer::Seed { .. } => None,
        })
        .max_by_key(|(p, _)| *p)
}

/// The actions that produce `inputs`, ascending, each once.
fn producer_actions(inputs: &[Input]) -> Vec<usize> {
    let mut out: Vec<usize> = inputs
        .iter()
        .filter_map(|i| match i.from {
            Producer::Action { action, .. } => Some(action),
            Producer::Seed { .. } => None,
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    pub name: String,
    /// The package version, with `~STAGE` appended for non-final instances.
    pub version: Option<String>,
    /// Runtime dependencies (output or provided names), as declared.
    pub depends: Vec<String>,
    pub provides: Vec<String>,
}

/// Two instances whose outputs must be identical bit for bit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verify {
    pub left: usize,
    pub right: usize,
}

/// An image: the listed outputs, already closed over runtime `depends`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub name: String,
    pub format: String,
    pub outputs: Vec<OutputRef>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputRef {
    pub action: usize,
    pub output: String,
}

/// `from` needed `name`, which resolved to `original`; it was redirected to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub from: usize,
    pub name: String,
    pub original: String,
    pub to: usize,
}
