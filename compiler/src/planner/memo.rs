//! What planning keeps from one plan to the next in a session.
//!
//! Everything kept is the result of a pure function, stored with what decides whether
//! it still holds, so a plan that takes it is the plan that computes everything afresh
//! (`replanning_after_an_edit_is_planning_afresh` checks this on random plans and edits):
//! - cycle breaking's components ([`fas::FasMemo`]), keyed by their full content;
//! - each instance's dependency choices ([`Carried`]), kept while the plan's interface
//!   (every output, provided name, version, stage block and seed; [`file_interface`]
//!   of each changed file) is the same and none of the files the package's dependency
//!   lists come from changed;
//! - installation sets ([`KeptClosures`]), which depend on the interface alone.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::names::{Name, Names};
use super::{Choice, Closure, ExtraDrops, From, InstId, InstIndex, SetId, Stage, Unresolved};
use crate::diagnostic::FileName;
use crate::fas;
use crate::items::{DepEntry, FileItems, Name as ItemName, Output, Pin, Provide};
use crate::merged::{Dep, MergedPlan, PackageDef};

/// How many plans' results are kept: a check and a plan share one (the rounds of
/// suggested breaks keep none); another set of global profiles takes a second.
const MAX_CARRIED: usize = 2;

/// What planning keeps between plans; the database holds one.
#[derive(Default)]
pub struct PlanMemo {
    /// Cycle breaking's components: an edit outside a component leaves its solution.
    pub(super) fas: fas::FasMemo,
    /// Dependency choices of recent plans, most recent last.
    carried: Vec<Carried>,
    choices_reused: u64,
    choices_made: u64,
    /// Re-checks answered without planning ([`super::recheck`]).
    rechecks: u64,
    /// The interfaces of the files the last re-check compared.
    pub(super) interfaces: InterfaceCache,
}

impl PlanMemo {
    /// Components of cycle breaking answered from the memo and solved, so far.
    pub fn fas_counts(&self) -> (u64, u64) {
        self.fas.counts()
    }

    /// Instances whose dependency choices were reused and made, so far.
    pub fn choice_counts(&self) -> (u64, u64) {
        (self.choices_reused, self.choices_made)
    }

    /// Re-checks answered from the last clean plan without planning, so far.
    pub fn recheck_count(&self) -> u64 {
        self.rechecks
    }

    pub(super) fn count_recheck(&mut self) {
        self.rechecks += 1;
    }

    /// The choices kept for a plan with these options, in place.
    pub(super) fn carried_mut(&mut self, options: Fingerprint) -> Option<&mut Carried> {
        self.carried.iter_mut().find(|c| c.options == options)
    }

    /// The choices kept for a plan with these options ([`options`]), taken out (the
    /// planner gives them back, updated, with [`PlanMemo::keep`]).
    pub(super) fn take(&mut self, options: Fingerprint) -> Option<Carried> {
        let at = self.carried.iter().position(|c| c.options == options)?;
        Some(self.carried.remove(at))
    }

    pub(super) fn keep(&mut self, carried: Carried, reused: u64, made: u64) {
        self.choices_reused += reused;
        self.choices_made += made;
        self.carried.retain(|c| c.options != carried.options);
        if self.carried.len() == MAX_CARRIED {
            self.carried.remove(0);
        }
        self.carried.push(carried);
    }
}

/// A 128-bit hash: two SipHash states, one salted, so that an accidental collision
/// (which would reuse stale choices) is out of reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fingerprint(u64, u64);

struct FingerprintHasher(DefaultHasher, DefaultHasher);

impl FingerprintHasher {
    fn new() -> FingerprintHasher {
        let mut salted = DefaultHasher::new();
        salted.write(b"planc fingerprint");
        FingerprintHasher(DefaultHasher::new(), salted)
    }

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint(self.0.finish(), self.1.finish())
    }
}

impl Hasher for FingerprintHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
        self.1.write(bytes);
    }

    fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// A dependency entry without its place: what resolving it reads.
fn hash_dep(d: &DepEntry, h: &mut impl Hasher) {
    // Alternatives' name ranges are within the dependency's own string, not the file.
    d.dep.alternatives.hash(h);
    d.when.hash(h);
    match d.pin.as_deref() {
        None => 0u8.hash(h),
        Some(Pin::Previous(_)) => 1u8.hash(h),
        Some(Pin::Stage(stage)) => {
            2u8.hash(h);
            stage.text.hash(h);
        }
    }
}

fn hash_names(names: &[ItemName], h: &mut impl Hasher) {
    names.len().hash(h);
    for n in names {
        n.text.hash(h);
    }
}

fn hash_outputs(outputs: &[Output], h: &mut impl Hasher) {
    outputs.len().hash(h);
    for o in outputs {
        o.name.text.hash(h);
        o.version.as_ref().map(|v| &v.text).hash(h);
        o.when.hash(h);
        o.depends.len().hash(h);
        for d in &o.depends {
            hash_dep(d, h);
        }
        hash_provides(&o.provides, h);
    }
}

fn hash_provides(provides: &[Provide], h: &mut impl Hasher) {
    provides.len().hash(h);
    for p in provides {
        p.name.text.hash(h);
        p.version.hash(h);
    }
}

/// What planning reads of one file's items besides packages' build-dependency lists
/// (and steps, sources and the like, which only the DAG's actions read), without
/// places: the plan's stages and options, imports, seeds, and each package's name,
/// version, template, outputs and stage blocks' names, profiles and outputs. Two
/// versions of a file with the same interface give every other package the same
/// producers and installation sets.
fn file_interface(items: &FileItems) -> Fingerprint {
    let mut h = FingerprintHasher::new();
    let h = &mut h;
    match &items.plan {
        None => 0u8.hash(h),
        Some(decl) => {
            1u8.hash(h);
            hash_names(&decl.stages, h);
            decl.rebuild_tainted.hash(h);
            decl.cycle_breaking.hash(h);
            decl.stage_profiles.len().hash(h);
            for sp in &decl.stage_profiles {
                sp.stage.text.hash(h);
                hash_names(&sp.profiles, h);
            }
        }
    }
    items.imports.len().hash(h);
    for i in &items.imports {
        i.target.text.hash(h);
    }
    items.seeds.len().hash(h);
    for s in &items.seeds {
        s.name.text.hash(h);
        hash_names(&s.from_host, h);
        hash_provides(&s.provides, h);
        hash_outputs(&s.outputs, h);
    }
    items.packages.len().hash(h);
    for p in &items.packages {
        p.name.text.hash(h);
        p.version.as_ref().map(|v| &v.text).hash(h);
        p.template.as_ref().map(|t| &t.text).hash(h);
        hash_outputs(&p.body.outputs, h);
        p.body.stages.len().hash(h);
        for s in &p.body.stages {
            s.name.text.hash(h);
            hash_names(&s.profiles, h);
            hash_outputs(&s.outputs, h);
        }
    }
    // Templates and extensions change other files' packages: a file with any is never
    // compared (`Files::changed_since`), their count only keeps the hash honest.
    (items.templates.len(), items.extends.len()).hash(h);
    h.fingerprint()
}

/// The options a plan is made with besides its files: the global profiles and the
/// suggested breaks being tried. Kept choices are only for a plan with the same ones.
pub(super) fn options(global_profiles: &[Box<str>], extra_drops: &ExtraDrops) -> Fingerprint {
    let mut h = FingerprintHasher::new();
    global_profiles.hash(&mut h);
    extra_drops.hash(&mut h);
    h.fingerprint()
}

/// The plan's files as planned: each one's text (an unchanged file keeps its text's
/// allocation, as the session sets a text only when it changed) and items.
#[derive(Default)]
pub(super) struct Files {
    pub(super) files: HashMap<FileName, (Arc<str>, Arc<FileItems>)>,
}

impl Files {
    /// The files changed since `old` (with another text), when what they changed can
    /// only be packages' build-dependency lists; `None` when the plan's interface may
    /// have changed: a file added or removed, a changed file's interface
    /// ([`file_interface`]) differs, or a changed file declares (or declared) templates
    /// or extensions, which change packages of other files.
    pub(super) fn changed_since(&self, old: &Files) -> Option<HashSet<FileName>> {
        self.changed_since_with(old, &mut |items| file_interface(items))
    }

    /// [`Files::changed_since`], with interfaces computed before taken from `cache`
    /// (every edit's re-check compares the same edited files with the kept plan's).
    pub(super) fn changed_since_cached(&self, old: &Files, cache: &mut InterfaceCache) -> Option<HashSet<FileName>> {
        let mut used = HashMap::default();
        let changed = self.changed_since_with(old, &mut |items| {
            let key = Arc::as_ptr(items) as usize;
            let interface = cache.0.get(&key).map_or_else(|| file_interface(items), |(_, i)| *i);
            used.insert(key, (items.clone(), interface));
            interface
        });
        cache.0 = used;
        changed
    }

    fn changed_since_with(&self, old: &Files, interface: &mut dyn FnMut(&Arc<FileItems>) -> Fingerprint) -> Option<HashSet<FileName>> {
        if self.files.len() != old.files.len() {
            return None;
        }
        let mut changed = HashSet::default();
        for (name, (text, items)) in &self.files {
            let (old_text, old_items) = old.files.get(name)?;
            if Arc::ptr_eq(text, old_text) {
                continue;
            }
            let layered = |i: &FileItems| !i.templates.is_empty() || !i.extends.is_empty();
            if layered(items) || layered(old_items) || interface(items) != interface(old_items) {
                return None;
            }
            changed.insert(name.clone());
        }
        Some(changed)
    }
}

/// Files' interfaces by the address of their items, which each entry holds so that the
/// address is not reused.
#[derive(Default)]
pub(super) struct InterfaceCache(HashMap<usize, (Arc<FileItems>, Fingerprint)>);

/// One dependency entry's choice as kept: its place in the package's list, and what it
/// resolved to.
#[derive(Clone)]
pub(super) struct KeptChoice {
    pub(super) slot: u32,
    /// Boxed: nearly every choice resolves, and an instance's choices are kept twice.
    pub(super) result: Result<(Name, Choice, Name), Box<Unresolved>>,
}

/// Key of an instance's choices: package, stage, and the redirects applied to it.
pub(super) type ChoiceKey = (u32, Stage, Vec<(u32, Stage, Stage)>);

/// One plan's dependency choices, for the next plan with the same options and interface.
pub(super) struct Carried {
    pub(super) options: Fingerprint,
    /// The planner's names: kept choices and memo keys hold their numbers.
    pub(super) names: Names,
    pub(super) files: Arc<Files>,
    pub(super) choices: HashMap<ChoiceKey, Arc<Vec<KeptChoice>>>,
    pub(super) closures: KeptClosures,
    /// Present when the plan was clean (no diagnostics, no suggested breaks): what a
    /// re-check needs to show that an edit leaves it clean ([`super::recheck`]).
    pub(super) clean: Option<Clean>,
}

/// What a clean plan leaves for re-checks besides its choices.
pub(super) struct Clean {
    /// The merged plan it was made from (its dependency lists are compared with the
    /// edited plan's).
    pub(super) plan: Arc<MergedPlan>,
    /// By instance number: the redirects applied to it, which with its package and stage
    /// make the key of the choices in effect.
    pub(super) overrides: Vec<Vec<(u32, Stage, Stage)>>,
    /// By the number of an output or provided name: the packages producing it.
    pub(super) producers: PackagesByName,
    /// The `final` stage's graph as cycle breaking found it, for a re-check to show that
    /// an edit's new edges close no cycle.
    pub(super) final_level: Option<KeptLevel>,
}

/// By name number (in the kept [`Names`]): the packages producing the name (of outputs and
/// stage blocks' outputs, by their names and provided names), ascending, each once. Made
/// as the plan is kept, from the producers the planner indexed: two vectors of numbers.
/// A map by text made by the first re-check was most of that re-check's time (12 ms of
/// 13 on the 30,000-package bench plan).
pub(super) struct PackagesByName {
    /// By name number: its run of `packages`, as the planner keeps its producers'.
    pub(super) runs: Vec<(u32, u32)>,
    pub(super) packages: Vec<u32>,
}

impl PackagesByName {
    /// The packages producing `name`; none for a name numbered after the plan was kept
    /// (whose interface, which every re-check keeps, names no such output).
    pub(super) fn of(&self, name: Name) -> &[u32] {
        let (start, end) = self.runs.get(name.index()).copied().unwrap_or((0, 0));
        &self.packages[start as usize..end as usize]
    }
}

/// One stage's graph before its cycles were broken, in a plan's instance numbers: each
/// instance of the stage a node, and each installation set its consumers share one more
/// node between them and its members (as [`super::Planner::cyclic_level`] builds it).
pub(super) struct KeptLevel {
    /// By instance number: its node, or `u32::MAX` for an instance of another stage.
    pub(super) node: Vec<u32>,
    /// By node: where its successors (the nodes it takes outputs from) start in
    /// `successors`; one more entry ends the last node's.
    pub(super) starts: Vec<u32>,
    pub(super) successors: Vec<u32>,
    /// By instance node: whether it is on a cycle (in a strongly connected component of
    /// more than one).
    pub(super) on_cycle: Vec<bool>,
}

impl KeptLevel {
    /// The node of an instance of this stage.
    pub(super) fn node_of(&self, i: InstId) -> Option<u32> {
        self.node.get(i as usize).copied().filter(|&n| n != u32::MAX)
    }

    /// Whether `target` is reached from `from` through successors, with `edited` nodes'
    /// successors replaced.
    pub(super) fn reaches(&self, from: &[u32], target: u32, edited: &HashMap<u32, Vec<u32>>) -> bool {
        let mut seen = vec![false; self.starts.len() - 1];
        let mut stack: Vec<u32> = from.to_vec();
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            if std::mem::replace(&mut seen[n as usize], true) {
                continue;
            }
            match edited.get(&n) {
                Some(next) => stack.extend_from_slice(next),
                None => stack.extend_from_slice(&self.successors[self.starts[n as usize] as usize..self.starts[n as usize + 1] as usize]),
            }
        }
        false
    }
}

/// A plan's installation sets as it left them: its memo, which of them are
/// incomplete, and what its instance numbers are. Nothing is renumbered when they are
/// kept (that would cost every plan what only a re-plan needs); a re-plan looks a set
/// up by package and stage, and renumbers the members of the sets it takes.
pub(super) struct KeptClosures {
    pub(super) memo: HashMap<(From, Name, Stage), SetId>,
    /// By number: the sets the memo names.
    pub(super) sets: Vec<Closure>,
    pub(super) incomplete: HashSet<(From, Name, Stage)>,
    /// The plan's instance numbers by package and stage...
    pub(super) index: InstIndex,
    /// ...and each number's package and stage.
    pub(super) instances: Instances,
}

impl KeptClosures {
    /// The set kept for `key` (in the kept plan's instance numbers), when it was complete.
    pub(super) fn complete(&self, key: (From, Name, Stage)) -> Option<&Closure> {
        if self.incomplete.contains(&key) {
            return None;
        }
        Some(&self.sets[*self.memo.get(&key)? as usize])
    }
}

/// By a plan's instance number: the instance's package and stage.
pub(super) type Instances = Arc<[(u32, Stage)]>;

/// Kept choices a new plan may take: those of packages none of whose dependency lists'
/// files changed.
pub(super) struct Reusable {
    choices: HashMap<ChoiceKey, Arc<Vec<KeptChoice>>>,
    /// Installation sets depend on the interface alone: they all hold.
    closures: KeptClosures,
    /// By package: whether its kept choices hold.
    fresh: Vec<bool>,
}

impl Reusable {
    /// What of `choices`, made when the plan's files were `old`, still holds for `plan`,
    /// whose files are `files`.
    pub(super) fn new(
        choices: HashMap<ChoiceKey, Arc<Vec<KeptChoice>>>,
        closures: KeptClosures,
        old: &Files,
        plan: &MergedPlan,
        files: &Files,
    ) -> Option<Reusable> {
        let changed = files.changed_since(old)?;
        let fresh = plan.packages.iter().map(|p| !touches(p, &changed)).collect();
        Some(Reusable { choices, closures, fresh })
    }

    /// The complete installation set the last plan computed for `key` (in this plan's
    /// instance numbers, whose package and stage `of` gives), with its members in the
    /// last plan's instance numbers, and the package and stage of each of those.
    pub(super) fn closure(&self, key: (From, Name, Stage), of: impl Fn(InstId) -> (u32, Stage)) -> Option<(Closure, Instances)> {
        let kept = &self.closures;
        let from = match key.0 {
            From::Inst(i) => {
                let (pkg, stage) = of(i);
                From::Inst(kept.index.get(pkg, stage)?)
            }
            seed @ From::Seed(_) => seed,
        };
        Some((kept.complete((from, key.1, key.2))?.clone(), kept.instances.clone()))
    }

    pub(super) fn get(&self, key: &ChoiceKey) -> Option<&Arc<Vec<KeptChoice>>> {
        if !self.fresh.get(key.0 as usize).copied().unwrap_or(false) {
            return None;
        }
        self.choices.get(key)
    }
}

/// Whether a package's dependency lists (or the package) come from a file in `changed`.
fn touches(p: &PackageDef, changed: &HashSet<FileName>) -> bool {
    if changed.is_empty() {
        return false;
    }
    let from_changed = |deps: &[Dep]| deps.iter().any(|d| changed.contains(&d.file));
    changed.contains(&p.file)
        || from_changed(&p.deps)
        || p.stages.iter().any(|s| changed.contains(&s.file) || s.deps.as_deref().is_some_and(from_changed))
}
