//! Planning: instances (package × stage), dependency resolution with installation sets,
//! cycle breaking stage by stage, taint and rebuilds, and the staged DAG.
//!
//! Stages are numbered: 0 holds the seeds, 1..=k the declared stages, k+1 is `final`,
//! k+2 the implicit `rebuild`. An instance P@s exists when something needs it: every
//! package's final instance is a target; a package needed at stage s gets an instance
//! at s (built with its stage block if it has one, and the stage's profiles).
//!
//! Cycles only ever join instances of one stage (dependencies never point up). From the
//! top stage down, each stage's cycles are broken by redirecting a minimum set of edges
//! X@s → Y@s to Y's instance one stage below; what is left at the lowest stage (where
//! only seeds are below) cannot be broken and becomes suggested breaks.

use std::collections::{BTreeMap, BinaryHeap};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cmp::Reverse;
use std::sync::{Arc, Mutex};

use crate::dag::{self, StagedDag};
use crate::db::Db;
use crate::dependency::Alternative;
use crate::diagnostic::{Diagnostic, FileName};
use crate::diagnostic_kind::DiagnosticKind;
use crate::fas::{self, ArcGraph, EdgeId, FasConfig, FasResult, Objective};
use crate::items::CycleBreaking;
use crate::ir::PlanRoot;
use crate::items::Pin;
use crate::merged::{merged_plan, Dep, MergedPlan, OutputDef, PackageDef};
use crate::threads::{join, map_in_shares};
use crate::outcome::{PlanOutcome, PlanStats, Reason, SuggestedBreak};
use crate::syntax::Span;
use crate::version::Constraint;

type Stage = u8;
type InstId = u32;
/// Suggested breaks that get their own cycle in the overlay's comments.
const MAX_EXPLAINED_SUGGESTIONS: usize = 500;
/// The needs of a reported cycle shown at their places, besides the primary one.
const MAX_CHAIN_LABELS: usize = 6;
/// A closure member: (name asked for, output name, where it comes from).
type Member = (Name, Name, From);
type Closure = Arc<Vec<Member>>;
/// An installation set's number in [`Sets`].
type SetId = u32;

/// The instances by package and stage: one table per stage, indexed by package (a
/// lookup per dependency is an array read, not a hash probe).
#[derive(Default)]
pub(super) struct InstIndex {
    by_stage: Vec<Vec<InstId>>,
}

impl InstIndex {
    pub(super) fn get(&self, pkg: u32, stage: Stage) -> Option<InstId> {
        let id = *self.by_stage.get(stage as usize)?.get(pkg as usize)?;
        (id != InstId::MAX).then_some(id)
    }

    fn insert(&mut self, pkg: u32, stage: Stage, id: InstId) {
        if self.by_stage.len() <= stage as usize {
            self.by_stage.resize_with(stage as usize + 1, Vec::new);
        }
        let table = &mut self.by_stage[stage as usize];
        if table.len() <= pkg as usize {
            table.resize(pkg as usize + 1, InstId::MAX);
        }
        table[pkg as usize] = id;
    }
}

/// Every installation set a plan computed, numbered. Instances and the memo hold numbers:
/// a set is taken by tens of consumers on an archive, and a number is copied without
/// touching the set (a reference count would be a cache miss per consumer).
#[derive(Default)]
struct Sets {
    sets: Vec<Closure>,
    /// By set: one bit per package number modulo 64 of its instance members, so that
    /// asking whether a set holds one package's instance rarely reads the set.
    packages: Vec<u64>,
}

impl Sets {
    fn add(&mut self, set: Closure, inst_pkg: &[u32]) -> SetId {
        let packages = set.iter().fold(0u64, |bits, m| match m.2 {
            From::Inst(i) => bits | 1 << (inst_pkg[i as usize] % 64),
            From::Seed(_) => bits,
        });
        self.sets.push(set);
        self.packages.push(packages);
        (self.sets.len() - 1) as SetId
    }

    fn get(&self, id: SetId) -> &Closure {
        &self.sets[id as usize]
    }

    fn len(&self) -> usize {
        self.sets.len()
    }

    /// Whether set `id` has an instance of package `pkg` among its members.
    fn holds_package(&self, id: SetId, pkg: u32, inst_pkg: &[u32]) -> bool {
        self.packages[id as usize] & 1 << (pkg % 64) != 0
            && self.get(id).iter().any(|m| matches!(m.2, From::Inst(i) if inst_pkg[i as usize] == pkg))
    }
}
/// Edges between instances of one stage, with the output names each carries.
/// Sorted by (consumer, producer), one entry per pair.
type LevelEdges = Vec<((InstId, InstId), LevelEdge)>;

/// An edge between two instances of one stage.
#[derive(Default)]
struct LevelEdge {
    /// The producer's outputs the consumer takes.
    names: Vec<Name>,
    /// Whether a pinned dependency makes it (pinned edges are never redirected).
    pinned: bool,
}

/// The planned campaign of a plan: the DAG (when there are no errors) and everything
/// `planc plan`/`explain` report. Planning runs only when the plan has no front-end
/// errors.
#[salsa::tracked]
pub fn plan_outcome(db: &dyn Db, root: PlanRoot) -> Arc<PlanOutcome> {
    let (plan, profiles) = planner_inputs(db, root);
    let memo = db.plan_memo();
    let files = planned_files(db, root);
    let first = Planner::with_memo(plan, profiles.clone(), ExtraDrops::default(), memo, &files).run();
    if first.suggestions.is_empty() {
        return Arc::new(first);
    }
    // Suggested breaks are a fixpoint: dropping them can change which instances are
    // needed and surface more to drop. Re-plan with them applied until nothing new
    // appears, so that the overlay they make always plans. The user sees the first
    // run's diagnostics and every suggestion.
    let mut drops = ExtraDrops::default();
    let mut all: Vec<SuggestedBreak> = Vec::new();
    let mut seen: HashSet<(String, String, String)> = HashSet::default();
    let mut round = first.suggestions.clone();
    let mut stats_with_breaks = None;
    for _ in 0..MAX_SUGGESTION_ROUNDS {
        let before = drops.len();
        for s in round {
            if let (Some(p), Some(stage)) = (plan.package(&s.package), plan.stages.iter().position(|n| **n == *s.stage)) {
                drops.insert((p as u32, stage as Stage + 1, s.name.as_str().into()));
            }
            if seen.insert((s.package.clone(), s.stage.clone(), s.name.clone())) {
                all.push(s);
            }
        }
        if drops.len() == before {
            break;
        }
        let next = Planner::with_memo(plan, profiles.clone(), drops.clone(), memo, &files).run();
        if next.suggestions.is_empty() {
            stats_with_breaks = next.dag.is_some().then_some(next.stats);
            break;
        }
        round = next.suggestions;
    }
    end_generation(memo);
    Arc::new(PlanOutcome { suggestions: all, stats_with_breaks, ..first })
}

/// Ends one query's use of the memo: what the last two queries (say a check and a plan)
/// did not use is forgotten.
fn end_generation(memo: &Mutex<PlanMemo>) {
    if let Ok(mut memo) = memo.lock() {
        memo.fas.end_generation(2);
    }
}

/// Planning's diagnostics alone, for `planc check` and editors: the same as
/// [`plan_outcome`]'s, without building the DAG or the suggested-breaks fixpoint.
#[salsa::tracked]
pub fn plan_check(db: &dyn Db, root: PlanRoot) -> Arc<Vec<Diagnostic>> {
    let (plan, profiles) = planner_inputs(db, root);
    let files = planned_files(db, root);
    if let Some(diagnostics) =
        crate::timing::pass("plan: re-check the edit alone", || recheck::unchanged(plan, &profiles, &files, db.plan_memo()))
    {
        return Arc::new(diagnostics);
    }
    let diagnostics = Planner::with_memo(plan, profiles, ExtraDrops::default(), db.plan_memo(), &files).check();
    end_generation(db.plan_memo());
    Arc::new(diagnostics)
}

/// The plan's files as the memo compares them between plans.
fn planned_files(db: &dyn Db, root: PlanRoot) -> Arc<memo::Files> {
    let mut files = memo::Files::default();
    for &file in &crate::plan_files::plan_files(db, root).files {
        let items = crate::front::lower_file(db, file).clone();
        files.files.insert(file.name(db).clone(), (file.text(db).clone(), items));
    }
    Arc::new(files)
}

/// What a planner starts from: the merged plan and the global profiles.
fn planner_inputs(db: &dyn Db, root: PlanRoot) -> (&Arc<MergedPlan>, Vec<Box<str>>) {
    // Not timed here: salsa merges (`merged_plan` times itself) while it verifies this
    // query's inputs, before the query runs.
    let plan = merged_plan(db, root);
    (plan, root.profiles(db).iter().map(|p| p.as_str().into()).collect())
}

/// A cyclic component's report: the cycle shown (edges), and its suggested drops (index
/// into the suggestions, text).
type ComponentReport = (Vec<EdgeId>, Vec<(usize, String)>);

/// From this many actions on, the DAG is built on the planner's threads.
const PARALLEL_EMIT_MIN: usize = 4096;
/// Instances in one share of the work done on several threads (see [`map_in_shares`]).
const PARALLEL_SHARE: usize = 256;
/// Instances chosen at a time while resolving (see [`Planner::resolve_choosing_alongside`]):
/// small, because the resolving thread waits for the share holding its next instance.
const ALONGSIDE_SHARE: usize = 64;

/// From this many instances waiting at once on, their producers are chosen on several
/// threads (`Planner::choose_pending`): an archive's final instances at the start, and
/// the earlier instances a stage's redirects make.
const PARALLEL_CHOICE_MIN: usize = 1024;

/// A set of stages, one bit each (stages are `u8`).
type StageMask = u128;

/// The greatest stage of a set.
fn highest_stage(mask: StageMask) -> Option<Stage> {
    (mask != 0).then(|| (StageMask::BITS - 1 - mask.leading_zeros()) as Stage)
}

/// A dependency entry none of whose alternatives resolved.
#[derive(Clone)]
struct Unresolved {
    /// The alternatives its restrictions keep, by index.
    kept: Vec<usize>,
    /// The best reason one did not resolve, with the alternative it concerns.
    miss: Option<(usize, Miss)>,
}

/// Rounds of re-planning with suggested breaks applied.
const MAX_SUGGESTION_ROUNDS: usize = 8;

/// Dependencies dropped on top of the plan's own: (package, stage, name).
type ExtraDrops = std::collections::BTreeSet<(u32, Stage, Box<str>)>;

/// Where a resolved name comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum From {
    Inst(InstId),
    Seed(u32),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Input {
    name: Name,
    /// The output name of the producing instance (or the seed's provided name).
    output: Name,
    from: From,
    /// Which dependency entry of the consumer pulled it in (index into `Inst::deps`).
    dep: u32,
    /// Whether it came through the runtime `depends` closure.
    closure: bool,
}

/// The sort order of names, as integers (see `Planner::name_ranks`).
struct NameRanks {
    /// By name: its place among the names sorted by text ([`Names::ranks`]).
    names: Vec<u32>,
    /// By seed index.
    seeds: Vec<u32>,
}

impl NameRanks {
    fn of(&self, name: Name) -> u32 {
        self.names[name.index()]
    }
}

/// What building the DAG's actions reads besides the planner.
struct EmitContext {
    ranks: NameRanks,
    actions: ActionIndex,
    /// By seed: its name, shared by every input it produces.
    seed_names: Vec<Arc<str>>,
    /// By installation set: its place among those listed once in the DAG, if it is one.
    shared: Vec<Option<u32>>,
    set_sizes: Vec<usize>,
}

/// By instance: the index of its action in the DAG, if it has one.
struct ActionIndex(Vec<usize>);

impl ActionIndex {
    /// The actions of `order`, in that order, among `instances` instances.
    fn of(order: &[InstId], instances: usize) -> ActionIndex {
        let mut index = vec![usize::MAX; instances];
        for (a, &i) in order.iter().enumerate() {
            index[i as usize] = a;
        }
        ActionIndex(index)
    }

    fn get(&self, i: InstId) -> Option<usize> {
        Some(self.0[i as usize]).filter(|&a| a != usize::MAX)
    }
}

/// An input of an instance, from its own list or a shared installation set.
#[derive(Clone, Copy)]
struct InputView {
    name: Name,
    output: Name,
    from: From,
    dep: u32,
}

struct Inst<'a> {
    pkg: u32,
    stage: Stage,
    profiles: Vec<Box<str>>,
    resolved: bool,
    /// What the dependency entries name, and the installation-set members that had to be
    /// changed for this instance (its own outputs, which come from below its stage).
    inputs: Vec<Input>,
    /// The other installation sets, by dependency entry: shared with every consumer of the
    /// same output, not copied (an archive's instances would hold ten million members).
    closures: Vec<(u32, SetId)>,
    /// The dependency entries in effect, for suggested breaks.
    deps: Vec<&'a Dep>,
    reason: Reason,
    /// Redirects applied to this consumer: (package, stage it resolved to, new stage).
    overrides: Vec<(u32, Stage, Stage)>,
    /// What its dependency entries chose before any redirect: redirects only substitute
    /// earlier instances of the producers chosen (see [`Planner::resolve_alt`]), so the
    /// consumer's choices with redirects are these, substituted, not chosen again.
    base_choices: Option<Arc<Vec<KeptChoice>>>,
    tainted: bool,
    /// On a cycle among the instances of its stage, before cycles were broken.
    cyclic: bool,
}

/// Each owner's output definitions by the names they answer to (their own and the ones
/// they provide): one sorted run per owner in shared arrays, found by binary search (an
/// archive's packages have a few outputs each; a map per package cost more to build
/// than to search).
struct OutputsByName<'a> {
    names: Vec<&'a str>,
    defs: Vec<&'a OutputDef>,
    /// By package, then by seed: where its run starts (one more entry ends the last).
    packages: Vec<u32>,
    seeds: Vec<u32>,
}

impl<'a> OutputsByName<'a> {
    /// Every seed's outputs, and every package's when `packages` (a re-check's planner
    /// reads none).
    fn new(plan: &'a MergedPlan, packages: bool) -> OutputsByName<'a> {
        let mut by = OutputsByName { names: Vec::new(), defs: Vec::new(), packages: vec![0], seeds: Vec::new() };
        let mut run: Vec<(&'a str, &'a OutputDef)> = Vec::new();
        for p in plan.packages.iter().filter(|_| packages) {
            for od in p.outputs.iter().chain(p.stages.iter().flat_map(|s| &s.outputs)) {
                run.push((&od.name, od));
                run.extend(od.provides.iter().map(|(name, _)| (&**name, od)));
            }
            let end = by.push_run(&mut run);
            by.packages.push(end);
        }
        by.packages.resize(plan.packages.len() + 1, by.names.len() as u32);
        by.seeds.push(by.names.len() as u32);
        for seed in &plan.seeds {
            run.extend(seed.outputs.iter().map(|od| (&*od.name, od)));
            let end = by.push_run(&mut run);
            by.seeds.push(end);
        }
        by
    }

    /// Appends one owner's run, sorted by name (stably: definitions of one name keep
    /// their order); returns where it ends.
    fn push_run(&mut self, run: &mut Vec<(&'a str, &'a OutputDef)>) -> u32 {
        run.sort_by(|a, b| a.0.cmp(b.0));
        self.names.extend(run.iter().map(|r| r.0));
        self.defs.extend(run.drain(..).map(|r| r.1));
        self.names.len() as u32
    }

    /// The output definitions of `owner` called `name` (or providing it).
    fn get(&self, owner: Owner, name: &str) -> &[&'a OutputDef] {
        let (starts, i) = match owner {
            Owner::Package(p) => (&self.packages, p as usize),
            Owner::Seed(s) => (&self.seeds, s as usize),
        };
        let (Some(&start), Some(&end)) = (starts.get(i), starts.get(i + 1)) else { return &[] };
        let (start, end) = (start as usize, end as usize);
        let names = &self.names[start..end];
        let lo = start + names.partition_point(|n| *n < name);
        let hi = start + names.partition_point(|n| *n <= name);
        &self.defs[lo..hi]
    }
}

/// Who declares an output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Package(u32),
    Seed(u32),
}

/// A producer flattened into what choosing reads, so that it need not follow the
/// pointers into the merged plan that `Producer` holds: on an archive, reading the
/// output's `when=` and the package's name for every candidate were the cost of
/// choosing (cache misses). Each name's run of them in `Planner::ranked` is sorted by
/// what breaks ties between producers at the same stage (output before provided before
/// seed, then the package's or seed's name), the plan's order kept among equals, so that
/// the first producer at the greatest stage is the one chosen.
#[derive(Clone, Copy, Debug)]
struct Ranked<'a> {
    /// The version it offers for the name.
    version: Option<&'a str>,
    /// The output's `when=`; `None` when it always holds (and for seeds).
    when: Option<&'a crate::restriction::Formula>,
    /// The package, or the seed.
    owner: u32,
    /// The output's name, an index into `Planner::output_names` (not used for seeds).
    out: u32,
    stage_only: Option<Stage>,
    seed: bool,
    /// A provided name rather than the output's own.
    provided: bool,
    /// A `from-host` tool, whose version is not checked here.
    host_tool: bool,
}

impl Ranked<'_> {
    /// What ranks producers at one stage first: 0 for an output, 1 for a provided name,
    /// 2 for a seed (the least wins).
    fn kind(&self) -> u8 {
        if self.seed {
            2
        } else {
            u8::from(self.provided)
        }
    }
}

/// A way a name can be produced.
#[derive(Clone, Copy, Debug)]
enum Producer<'a> {
    /// `out`: the output's name, an index into `Planner::output_names`.
    Output { pkg: u32, output: &'a OutputDef, out: u32, stage_only: Option<Stage>, provided: Option<(&'a str, Option<&'a str>)> },
    /// `host_tool`: a `from-host` tool, whose version is only known on the machine.
    Seed { seed: u32, version: Option<&'a str>, host_tool: bool },
}

/// What an alternative resolved to, before instances are created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Choice {
    Seed(u32),
    /// A package's instance at a stage (always ≥ 1).
    Package(u32, Stage),
}

/// Why an alternative did not resolve, best reason first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Miss {
    Nothing,
    Later(Stage),
    Version(Vec<String>),
    Monotonicity(Stage),
}

struct Planner<'a> {
    plan: &'a MergedPlan,
    global_profiles: Vec<Box<str>>,
    stage_names: Vec<Box<str>>,
    final_stage: Stage,
    rebuild_stage: Option<Stage>,
    /// Every name's producers, grouped by name number, each name's in the order the plan
    /// declares them (the order misses are reported in). Names are looked up through
    /// [`Names`], whose texts were copied together when they were interned: a lookup per
    /// dependency compares with those, not with texts spread through the merged plan.
    producers: Vec<Producer<'a>>,
    /// By name number: its run of `producers` (empty for a name nothing produces).
    producers_by_name: Vec<(u32, u32)>,
    /// Every name's producers as choosing reads them, grouped by name, best first among
    /// those that resolve at the same stage.
    ranked: Vec<Ranked<'a>>,
    /// By name number: its run of `ranked`.
    ranked_by_name: Vec<(u32, u32)>,
    /// Shared copies of output names, for `Producer::Output::out`.
    output_names: Vec<Name>,
    /// Suggested breaks applied while computing more of them.
    extra_drops: ExtraDrops,
    /// Each package's stage blocks by stage number.
    blocks: HashMap<(u32, Stage), &'a crate::merged::StageDef>,
    /// Profiles every instance of a stage has (the stage's name and its plan profiles).
    stage_profiles: Vec<Vec<Box<str>>>,
    insts: Vec<Inst<'a>>,
    /// By instance: its package. The same as `insts[i].pkg`, packed: scans of
    /// installation sets ask it for millions of members.
    inst_pkg: Vec<u32>,
    index: InstIndex,
    pending: Vec<InstId>,
    diagnostics: Vec<Diagnostic>,
    reported: HashSet<(FileName, Span, Stage)>,
    /// Packages with a rebuild instance.
    rebuilt: HashSet<u32>,
    closure_memo: HashMap<(From, Name, Stage), SetId>,
    sets: Sets,
    /// Closures and direct dependency lists with a dependency that could not be resolved.
    incomplete: HashSet<(From, Name, Stage)>,
    names: Names,
    direct_memo: HashMap<(From, Name, Stage), Closure>,
    /// Output definitions by owner and by output or provided name.
    outputs_by_name: OutputsByName<'a>,
    redirects: Vec<(InstId, Name, InstId, InstId)>,
    /// Parallel to `redirects`: (index into `level_graphs`, edge).
    redirect_edges: Vec<(usize, u32)>,
    level_graphs: Vec<crate::outcome::LevelGraph>,
    suggestions: Vec<SuggestedBreak>,
    scc_sizes: Vec<(String, Vec<usize>)>,
    exact: bool,
    /// By package: its place in the order that broke the last level's cycles, a start
    /// for the level below ([`fas::min_feedback_arc_set_from`]).
    level_ranks: HashMap<u32, u32>,
    /// By instance: producers chosen ahead on several threads, taken when it is resolved.
    chosen: Vec<Option<Vec<KeptChoice>>>,
    /// By package and stage: producers chosen ahead for instances not made yet (see
    /// [`Planner::choose_made`]), taken when one is resolved.
    predicted: HashMap<(u32, Stage), Vec<KeptChoice>>,
    /// A second planner indexed from the same plan and names, to choose producers on
    /// another thread while this one resolves ([`Planner::resolve_choosing_alongside`]).
    chooser: Option<Box<Planner<'a>>>,
    /// From how many instances waiting at once on their producers are chosen ahead...
    choose_ahead_min: usize,
    /// ...and on how many threads.
    threads: usize,
    /// Kept between plans, when the planner runs for a database.
    memo: Option<&'a Mutex<PlanMemo>>,
    /// This plan's dependency choices, and the last plan's that still hold.
    carry: Option<Carry>,
    /// The `final` stage's graph before cycle breaking, to keep for re-checks.
    final_level: Option<memo::KeptLevel>,
    /// By instance: its producers, each once, as the last order read them.
    producers_of: Vec<Vec<InstId>>,
}

/// A planner's dependency choices, to keep for the next plan (see [`memo`]).
struct Carry {
    options: memo::Fingerprint,
    files: Arc<memo::Files>,
    plan: Arc<MergedPlan>,
    reusable: Option<memo::Reusable>,
    kept: HashMap<memo::ChoiceKey, Arc<Vec<KeptChoice>>>,
    reused: u64,
    made: u64,
    /// By the last plan's instance number: this plan's instance, once made.
    renumbered: Vec<InstId>,
}

/// Each node's package's place in [`fas::acyclic_order`] of `g` without `removed` (its
/// first place, should a package have several nodes).
fn level_ranks(g: &ArcGraph, removed: &[EdgeId], pkg_of: impl Fn(u32) -> u32) -> HashMap<u32, u32> {
    let mut ranks = HashMap::default();
    for v in fas::acyclic_order(g, removed).unwrap_or_default() {
        let rank = ranks.len() as u32;
        ranks.entry(pkg_of(v)).or_insert(rank);
    }
    ranks
}

/// A package's dependency list under a stage block: the block's own list if it has one,
/// else the package's default list.
fn list_with_block<'p>(def: &'p PackageDef, block: Option<&'p crate::merged::StageDef>) -> &'p [Dep] {
    block.and_then(|b| b.deps.as_deref()).unwrap_or(&def.deps)
}

/// A consumer's choices with redirects, from its choices without: each chosen instance a
/// redirect names becomes the redirect's earlier instance, exactly as
/// [`Planner::resolve_alt`] substitutes it after ranking the producers.
fn redirected_choices(base: &[KeptChoice], overrides: &[(u32, Stage, Stage)]) -> Vec<KeptChoice> {
    base.iter()
        .map(|c| match &c.result {
            Ok((name, Choice::Package(p, t), output)) => match overrides.iter().find(|&&(q, from, _)| q == *p && from == *t) {
                Some(&(_, _, to)) => KeptChoice { slot: c.slot, result: Ok((*name, Choice::Package(*p, to), *output)) },
                None => c.clone(),
            },
            _ => c.clone(),
        })
        .collect()
}

/// By name number (below `names`): the range of `items` (grouped by name number) holding
/// that name's; empty for a name with none.
fn runs_by_name<T>(items: &[(u32, T)], names: usize) -> Vec<(u32, u32)> {
    let mut runs = vec![(0, 0); names];
    let mut start = 0;
    for group in items.chunk_by(|(a, _), (b, _)| a == b) {
        let end = start + group.len() as u32;
        runs[group[0].0 as usize] = (start, end);
        start = end;
    }
    runs
}

/// Sorted, without repeats.
fn sorted_dedup(mut v: Vec<Box<str>>) -> Vec<Box<str>> {
    v.sort();
    v.dedup();
    v
}

impl<'a> Planner<'a> {
    /// [`Planner::index`] of the whole plan; with `chooser`, and more than one thread, a
    /// second planner indexed alike at the same time on another thread, for
    /// [`Planner::resolve_choosing_alongside`]. Both intern the same names in the same
    /// order from the same `names`, so they number them alike.
    fn index_with_chooser(
        plan: &'a MergedPlan,
        global_profiles: Vec<Box<str>>,
        extra_drops: ExtraDrops,
        names: Names,
        chooser: bool,
    ) -> Planner<'a> {
        let parallel = chooser && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
        if !parallel {
            return Planner::index(plan, global_profiles, extra_drops, names, None);
        }
        let (profiles, drops, copy) = (global_profiles.clone(), extra_drops.clone(), names.clone());
        let (chooser, mut planner) = join(
            true,
            || Planner::index(plan, profiles, drops, copy, None),
            || Planner::index(plan, global_profiles, extra_drops, names, None),
        );
        planner.chooser = Some(Box::new(chooser));
        planner
    }

    /// A planner without a memo (tests compare it with the memo's).
    #[cfg(test)]
    fn new(plan: &'a MergedPlan, global_profiles: Vec<Box<str>>, extra_drops: ExtraDrops) -> Planner<'a> {
        crate::timing::pass("plan: index producers", || Planner::index(plan, global_profiles, extra_drops, Names::default(), None))
    }

    /// `names`: the names to number from (a memo's keys hold their numbers). `wanted`:
    /// when given, only the producers of these names, among these packages (ascending,
    /// every package producing one of them, and those whose lists are resolved), and the
    /// seeds' outputs are indexed: enough to choose the producers of dependency lists
    /// naming nothing else (a re-check).
    fn index(
        plan: &'a MergedPlan,
        global_profiles: Vec<Box<str>>,
        extra_drops: ExtraDrops,
        mut names: Names,
        wanted: Option<(&HashSet<&str>, &[u32])>,
    ) -> Planner<'a> {
        let packages: Vec<(u32, &'a PackageDef)> = match wanted {
            Some((_, subset)) => subset.iter().map(|&i| (i, &*plan.packages[i as usize])).collect(),
            None => plan.packages.iter().enumerate().map(|(i, p)| (i as u32, &**p)).collect(),
        };
        let wanted = wanted.map(|(names, _)| names);
        let mut stage_names: Vec<Box<str>> = vec!["stage0".into()];
        stage_names.extend(plan.stages.iter().cloned());
        stage_names.push("final".into());
        let final_stage = (stage_names.len() - 1) as Stage;
        let rebuild_stage = plan.rebuild_tainted.then_some(final_stage + 1);
        if rebuild_stage.is_some() {
            stage_names.push("rebuild".into());
        }
        // Every name is interned from the start, so that hot paths need not intern. The
        // tables are made at their size at once: growing them rehashes every name again.
        let count: usize = packages
            .iter()
            .flat_map(|(_, p)| p.outputs.iter().chain(p.stages.iter().flat_map(|s| &s.outputs)))
            .map(|o| 1 + o.provides.len())
            .sum::<usize>()
            + plan.seeds.iter().map(|s| s.provides.len()).sum::<usize>();
        // Every producer with its name's number, in the plan's order.
        let mut producers: Vec<(u32, Producer<'a>)> = Vec::with_capacity(count);
        names.reserve(count);
        // Each producer's `Ranked` record, made while its definition is at hand, with its
        // name's number.
        let mut records: Vec<(u32, Ranked<'a>)> = Vec::with_capacity(count);
        // Returns the name's number.
        let mut add_producer = |name: &'a str, producer: Producer<'a>| -> Name {
            let number = names.intern(name);
            producers.push((number.index() as u32, producer));
            records.push((number.index() as u32, Planner::ranked(plan, &producer)));
            number
        };
        let mut output_names: Vec<Name> = Vec::new();
        for &(i, p) in &packages {
            let mut add = |output: &'a OutputDef, stage_only: Option<Stage>| {
                let out = output_names.len() as u32;
                output_names.push(add_producer(&output.name, Producer::Output { pkg: i, output, out, stage_only, provided: None }));
                for (name, version) in &output.provides {
                    add_producer(name, Producer::Output { pkg: i, output, out, stage_only, provided: Some((name, version.as_deref())) });
                }
            };
            let indexed = |output: &OutputDef| {
                wanted.is_none_or(|w| w.contains(&*output.name) || output.provides.iter().any(|(name, _)| w.contains(&**name)))
            };
            for output in p.outputs.iter().filter(|o| indexed(o)) {
                add(output, None);
            }
            for stage in &p.stages {
                let Some(s) = stage_names.iter().position(|n| *n == stage.name) else { continue };
                for output in stage.outputs.iter().filter(|o| indexed(o)) {
                    add(output, Some(s as Stage));
                }
            }
        }
        for (i, seed) in plan.seeds.iter().enumerate() {
            for (name, version) in &seed.provides {
                let host_tool = version.is_none() && seed.host_tools.contains(name);
                add_producer(name, Producer::Seed { seed: i as u32, version: version.as_deref(), host_tool });
            }
        }
        // One vector for every name's records rather than one each (an archive has a
        // hundred thousand names, nearly all with one producer), grouped by name. The
        // sort is stable, so that the plan's order decides among equals, as it did;
        // names are only read to order the producers of one name.
        let owner = |r: &Ranked| if r.seed { &*plan.seeds[r.owner as usize].name } else { &*plan.packages[r.owner as usize].name };
        records.sort_by(|(a, x), (b, y)| a.cmp(b).then_with(|| (x.kind(), owner(x)).cmp(&(y.kind(), owner(y)))));
        let named = producers.iter().map(|&(n, _)| n as usize + 1).max().unwrap_or(0);
        let ranked_by_name = runs_by_name(&records, named);
        let ranked: Vec<Ranked<'a>> = records.into_iter().map(|(_, r)| r).collect();
        // Likewise the producers, in one vector rather than one per name. Names are
        // numbered as first met, so the list is nearly sorted already; the sort is stable,
        // keeping the plan's order among a name's producers.
        producers.sort_by_key(|&(n, _)| n);
        let producers_by_name = runs_by_name(&producers, named);
        let producers: Vec<Producer<'a>> = producers.into_iter().map(|(_, p)| p).collect();
        let outputs_by_name = OutputsByName::new(plan, wanted.is_none());
        let mut blocks = HashMap::default();
        for &(i, p) in &packages {
            for block in &p.stages {
                if let Some(s) = stage_names.iter().position(|n| *n == block.name) {
                    blocks.entry((i, s as Stage)).or_insert(block);
                }
            }
        }
        let stage_profiles = stage_names
            .iter()
            .enumerate()
            .map(|(s, name)| {
                let mut p = global_profiles.clone();
                if s > 0 && (s as Stage) < final_stage {
                    p.push(name.clone());
                    p.extend(plan.stage_profiles.get(name).into_iter().flatten().cloned());
                }
                sorted_dedup(p)
            })
            .collect();
        Planner {
            plan,
            extra_drops,
            blocks,
            stage_profiles,
            global_profiles,
            stage_names,
            final_stage,
            rebuild_stage,
            producers,
            producers_by_name,
            ranked,
            ranked_by_name,
            output_names,
            insts: Vec::new(),
            inst_pkg: Vec::new(),
            index: InstIndex::default(),
            pending: Vec::new(),
            diagnostics: Vec::new(),
            reported: HashSet::default(),
            rebuilt: HashSet::default(),
            closure_memo: HashMap::default(),
            sets: Sets::default(),
            incomplete: HashSet::default(),
            names,
            direct_memo: HashMap::default(),
            outputs_by_name,
            redirects: Vec::new(),
            redirect_edges: Vec::new(),
            level_graphs: Vec::new(),
            suggestions: Vec::new(),
            scc_sizes: Vec::new(),
            exact: true,
            level_ranks: HashMap::default(),
            chosen: Vec::new(),
            predicted: HashMap::default(),
            chooser: None,
            choose_ahead_min: PARALLEL_CHOICE_MIN,
            threads: std::thread::available_parallelism().map_or(1, usize::from),
            memo: None,
            carry: None,
            final_level: None,
            producers_of: Vec::new(),
        }
    }

    /// A planner that takes what the session's memo holds and leaves what it computes
    /// there ([`Planner::keep_memo`]).
    fn with_memo(
        plan: &'a Arc<MergedPlan>,
        global_profiles: Vec<Box<str>>,
        extra_drops: ExtraDrops,
        memo: &'a Mutex<PlanMemo>,
        files: &Arc<memo::Files>,
    ) -> Planner<'a> {
        let options = memo::options(&global_profiles, &extra_drops);
        // The rounds that look for more suggested breaks keep nothing: an edit changes
        // which drops they try, and their state kept beside the next round's would double
        // what planning an archive holds at once.
        let keeps = extra_drops.is_empty();
        let carried = if keeps { memo.lock().ok().and_then(|mut m| m.take(options)) } else { None };
        let (names, reusable) = match carried {
            Some(c) => {
                let reusable = crate::timing::pass("plan: what the last plan left", || {
                    memo::Reusable::new(c.choices, c.closures, &c.files, plan, files)
                });
                (c.names, reusable)
            }
            None => (Names::default(), None),
        };
        // With nothing to reuse, every instance's producers are chosen: on a plan large
        // enough to choose them beside resolving, index a second planner to choose with,
        // at the same time on the other thread.
        let alongside = reusable.is_none() && plan.packages.len() >= PARALLEL_CHOICE_MIN;
        let mut planner = crate::timing::pass("plan: index producers", || {
            Planner::index_with_chooser(plan, global_profiles, extra_drops, names, alongside)
        });
        planner.memo = Some(memo);
        planner.carry = keeps.then(|| Carry {
            options,
            files: files.clone(),
            plan: plan.clone(),
            reusable,
            kept: HashMap::default(),
            reused: 0,
            made: 0,
            renumbered: Vec::new(),
        });
        planner
    }

    /// Leaves this plan's dependency choices (and the names they use) in the memo;
    /// `clean` when it has no diagnostics and no suggested breaks.
    fn keep_memo(&mut self, clean: bool) {
        crate::timing::pass("plan: keep for the next plan", || self.keep_memo_now(clean));
    }

    fn keep_memo_now(&mut self, clean: bool) {
        let (Some(memo), Some(mut carry)) = (self.memo, self.carry.take()) else { return };
        // What the last plan left is freed off the planning thread: on an archive that is
        // tens of milliseconds of an edit's re-check.
        if let Some(old) = carry.reusable.take() {
            std::thread::spawn(move || drop(old));
        }
        if let Ok(mut memo) = memo.lock() {
            let carried = memo::Carried {
                options: carry.options,
                names: std::mem::take(&mut self.names),
                files: carry.files,
                choices: carry.kept,
                clean: clean.then(|| memo::Clean {
                    plan: carry.plan,
                    overrides: self.insts.iter_mut().map(|i| std::mem::take(&mut i.overrides)).collect(),
                    producers: self.packages_by_name(),
                    final_level: self.final_level.take(),
                }),
                closures: memo::KeptClosures {
                    memo: std::mem::take(&mut self.closure_memo),
                    sets: std::mem::take(&mut self.sets.sets),
                    incomplete: std::mem::take(&mut self.incomplete),
                    index: std::mem::take(&mut self.index),
                    instances: self.insts.iter().map(|i| (i.pkg, i.stage)).collect(),
                },
            };
            memo.keep(carried, carry.reused, carry.made);
        }
    }

    /// By name number: the packages producing it, from the producers indexed by name
    /// (each name's in the plan's order, so its packages ascending).
    fn packages_by_name(&self) -> memo::PackagesByName {
        let mut named: Vec<(u32, u32)> = Vec::with_capacity(self.producers.len());
        for (name, &(start, end)) in self.producers_by_name.iter().enumerate() {
            for producer in &self.producers[start as usize..end as usize] {
                if let Producer::Output { pkg, .. } = *producer
                    && named.last() != Some(&(name as u32, pkg))
                {
                    named.push((name as u32, pkg));
                }
            }
        }
        memo::PackagesByName {
            runs: runs_by_name(&named, self.producers_by_name.len()),
            packages: named.into_iter().map(|(_, pkg)| pkg).collect(),
        }
    }

    /// Hands what the planner holds longest, its instances' inputs and installation sets
    /// and the memos of sets not kept for the next plan, to a thread that frees them:
    /// millions of inputs and shared sets, whose freeing would otherwise come before the
    /// plan is reported (about 0.2 s of planning a 30,000-package plan).
    fn free_off_thread(&mut self) {
        let held: Vec<_> =
            self.insts.iter_mut().map(|i| (std::mem::take(&mut i.inputs), std::mem::take(&mut i.closures))).collect();
        let memos = (
            std::mem::take(&mut self.closure_memo),
            std::mem::take(&mut self.sets),
            std::mem::take(&mut self.direct_memo),
            std::mem::take(&mut self.producers_of),
        );
        std::thread::spawn(move || drop((held, memos)));
    }

    /// The producers of a name, in the plan's order (empty when nothing produces it).
    fn producers_of_name(&self, name: &str) -> &[Producer<'a>] {
        self.names.get(name).map_or(&[], |n| self.name_producers(n))
    }

    /// The producers of a numbered name, in the plan's order.
    fn name_producers(&self, name: Name) -> &[Producer<'a>] {
        let (start, end) = self.producers_by_name.get(name.index()).copied().unwrap_or((0, 0));
        &self.producers[start as usize..end as usize]
    }

    /// The number of a name.
    fn intern(&mut self, name: &str) -> Name {
        self.names.intern(name)
    }

    /// A name's text.
    fn text(&self, name: Name) -> &str {
        self.names.text(name)
    }

    fn pkg(&self, i: u32) -> &'a PackageDef {
        &self.plan.packages[i as usize]
    }

    fn stage_name(&self, s: Stage) -> &str {
        &self.stage_names[s as usize]
    }

    fn stage_of(&self, name: &str) -> Option<Stage> {
        self.stage_names.iter().position(|n| &**n == name).map(|s| s as Stage)
    }

    fn inst_name(&self, id: InstId) -> String {
        let inst = &self.insts[id as usize];
        format!("{}@{}", self.pkg(inst.pkg).name, self.stage_name(inst.stage))
    }

    fn describe(&self, from: From) -> String {
        match from {
            From::Inst(i) => self.inst_name(i),
            From::Seed(s) => format!("seed {}", self.plan.seeds[s as usize].name),
        }
    }

    fn block(&self, pkg: u32, stage: Stage) -> Option<&'a crate::merged::StageDef> {
        self.blocks.get(&(pkg, stage)).copied()
    }

    /// Profiles active in P@s: the stage's, plus its stage block's own.
    fn profiles(&self, pkg: u32, stage: Stage) -> Vec<Box<str>> {
        let base = &self.stage_profiles[stage as usize];
        match self.block(pkg, stage) {
            Some(b) if !b.profiles.is_empty() && stage < self.final_stage => {
                sorted_dedup(base.iter().chain(&b.profiles).cloned().collect())
            }
            _ => base.clone(),
        }
    }

    /// Whether `profile` is active in P@s, without allocating.
    fn profile_active(&self, pkg: u32, stage: Stage, profile: &str) -> bool {
        self.stage_profiles[stage as usize].iter().any(|p| &**p == profile)
            || (stage < self.final_stage
                && self.block(pkg, stage).is_some_and(|b| b.profiles.iter().any(|p| &**p == profile)))
    }

    /// Whether P@s produces `output` (its `when=` holds; a stage-only output at its stage).
    fn produces(&self, pkg: u32, output: &OutputDef, stage_only: Option<Stage>, stage: Stage) -> bool {
        self.produced(pkg, Some(&output.when), stage_only, stage)
    }

    /// [`Planner::produces`] of an output with this `when=` (`None`: always).
    fn produced(&self, pkg: u32, when: Option<&crate::restriction::Formula>, stage_only: Option<Stage>, stage: Stage) -> bool {
        if stage_only.is_some_and(|only| only != stage) {
            return false;
        }
        when.is_none_or(|when| when.is_always() || when.eval(|p| self.profile_active(pkg, stage, p)))
    }

    /// P@s, created on first need; `reason` is only made then (it formats names, and an
    /// archive asks for existing instances millions of times).
    fn instance(&mut self, pkg: u32, stage: Stage, reason: impl FnOnce(&Self) -> Reason) -> InstId {
        if let Some(id) = self.index.get(pkg, stage) {
            return id;
        }
        let reason = reason(self);
        let id = self.insts.len() as InstId;
        let profiles = self.profiles(pkg, stage);
        self.insts.push(Inst {
            pkg,
            stage,
            profiles,
            resolved: false,
            inputs: Vec::new(),
            closures: Vec::new(),
            deps: Vec::new(),
            reason,
            overrides: Vec::new(),
            base_choices: None,
            tainted: false,
            cyclic: false,
        });
        self.index.insert(pkg, stage, id);
        self.inst_pkg.push(pkg);
        self.pending.push(id);
        id
    }

    /// The dependency list of P@s: its stage block's, if that has one, else the default.
    fn dep_list(&self, pkg: u32, stage: Stage) -> &'a [Dep] {
        let block = if stage < self.final_stage { self.block(pkg, stage) } else { None };
        list_with_block(self.pkg(pkg), block)
    }

    /// The dependency entries in effect for P@s (their places in [`Planner::dep_list`]),
    /// with their kept alternatives. The alternatives kept are listed in `kept`, each
    /// entry's as a range of it.
    fn active_deps(&self, pkg: u32, stage: Stage, profiles: &[Box<str>], kept: &mut Vec<usize>) -> Vec<(u32, std::ops::Range<usize>)> {
        let block = if stage < self.final_stage { self.block(pkg, stage) } else { None };
        let list = self.dep_list(pkg, stage);
        let active = |p: &str| profiles.iter().any(|a| &**a == p);
        // Sized once (nearly every entry stays, most with one alternative).
        let mut out = Vec::with_capacity(list.len());
        kept.reserve(list.len());
        for (slot, dep) in list.iter().enumerate() {
            if let Some(block) = block
                && dep.dep().alternatives.iter().any(|a| block.drop.contains(&a.name))
            {
                continue;
            }
            if !self.extra_drops.is_empty()
                && dep.dep().alternatives.iter().any(|a| self.extra_drops.contains(&(pkg, stage, a.name.clone())))
            {
                continue;
            }
            if !dep.entry.when.eval(active) {
                continue;
            }
            let start = kept.len();
            kept.extend(dep.dep().alternatives.iter().enumerate().filter(|(_, a)| a.restrictions.eval(active)).map(|(i, _)| i));
            if kept.len() > start {
                out.push((slot as u32, start..kept.len()));
            }
        }
        out
    }

    /// Whether suggested breaks being tried drop dependencies of P@s.
    fn tries_drops(&self, pkg: u32, stage: Stage) -> bool {
        self.extra_drops.range((pkg, stage, Box::<str>::from(""))..).next().is_some_and(|d| (d.0, d.1) == (pkg, stage))
    }

    /// Whether P has a stage block at `stage`, counting the one that suggested breaks
    /// being tried would write (so that the plan with the written overlay is the same).
    fn has_block(&self, pkg: u32, stage: Stage) -> bool {
        self.block(pkg, stage).is_some() || self.tries_drops(pkg, stage)
    }

    /// What makes P@s a reduced build: whether its stage block (or a suggested break
    /// being tried) changes its dependencies or outputs, and each active profile without
    /// which they would differ. Final and rebuild instances are full builds.
    fn reductions(&self, pkg: u32, stage: Stage) -> (bool, Vec<Box<str>>) {
        if stage >= self.final_stage {
            return (false, Vec::new());
        }
        let block = self.block(pkg, stage).is_some_and(|b| b.deps.is_some() || !b.drop.is_empty() || !b.outputs.is_empty())
            || self.tries_drops(pkg, stage);
        let profiles = self.profiles(pkg, stage);
        let shape = |active: &[Box<str>]| {
            let mut kept = Vec::new();
            let deps = self.active_deps(pkg, stage, active, &mut kept);
            let outputs: Vec<bool> =
                self.pkg(pkg).outputs.iter().map(|o| o.when.eval(|p| active.iter().any(|a| &**a == p))).collect();
            (deps, kept, outputs)
        };
        let full = shape(&profiles);
        let by = profiles
            .iter()
            .filter(|p| {
                let without: Vec<Box<str>> = profiles.iter().filter(|q| q != p).cloned().collect();
                shape(&without) != full
            })
            .cloned()
            .collect();
        (block, by)
    }

    /// The version a producer offers for a name.
    fn version_of(plan: &'a MergedPlan, producer: &Producer<'a>) -> Option<&'a str> {
        match *producer {
            Producer::Output { provided: Some((_, v)), .. } => v,
            Producer::Output { pkg, output, .. } => output.version.as_deref().or(plan.packages[pkg as usize].version.as_deref()),
            Producer::Seed { version, .. } => version,
        }
    }

    /// A producer as a [`Ranked`] record.
    fn ranked(plan: &'a MergedPlan, producer: &Producer<'a>) -> Ranked<'a> {
        let version = Planner::version_of(plan, producer);
        match *producer {
            Producer::Output { pkg, output, out, stage_only, provided } => {
                let when = (!output.when.is_always()).then_some(&output.when);
                Ranked { version, when, owner: pkg, out, stage_only, seed: false, provided: provided.is_some(), host_tool: false }
            }
            Producer::Seed { seed, host_tool, .. } => {
                Ranked { version, when: None, owner: seed, out: 0, stage_only: None, seed: true, provided: false, host_tool }
            }
        }
    }

    /// Whether a producer's version meets a constraint. Host tools' versions are known
    /// only where the plan runs (`planc lock` records them), so they are not checked here.
    fn satisfies(&self, producer: &Producer, constraint: Option<&Constraint>) -> Result<(), String> {
        let Some(c) = constraint else { return Ok(()) };
        if let Producer::Seed { host_tool: true, .. } = producer {
            return Ok(());
        }
        match Planner::version_of(self.plan, producer) {
            Some(v) if c.allows(v) => Ok(()),
            Some(v) => Err(v.to_string()),
            None => Err("no version".into()),
        }
    }

    /// Resolves one alternative for consumer P@s: the producer at the greatest stage ≤ s
    /// (strictly below for P's own outputs), honouring a pin and the consumer's redirects.
    /// Among producers at the same stage, a real output beats a provided name, then the
    /// package name decides; seeds are at stage 0.
    fn resolve_alt(
        &self,
        consumer: Option<u32>,
        stage: Stage,
        alt: &Alternative,
        pin: Option<&Pin>,
        overrides: &[(u32, Stage, Stage)],
    ) -> Result<(Choice, Name, Name), Miss> {
        let Some(name) = self.names.get(&alt.name) else {
            return Err(Miss::Nothing);
        };
        // The name's records (only a miss reads its producers' list).
        let (start, end) = self.ranked_by_name.get(name.index()).copied().unwrap_or((0, 0));
        if start == end {
            return Err(Miss::Nothing);
        }
        let pinned: Option<Stage> = match pin {
            Some(Pin::Previous(_)) => Some(stage.saturating_sub(1)),
            Some(Pin::Stage(name)) => match self.stage_of(&name.text) {
                Some(p) if p > stage => return Err(Miss::Monotonicity(p)),
                Some(p) => Some(p),
                None => return Err(Miss::Nothing),
            },
            None => None,
        };
        // A pin resolves as if the consumer were at the pinned stage; no producer resolves
        // above that.
        let at = pinned.unwrap_or(stage);
        // The ranked order breaks ties, so a producer wins only at a greater stage than
        // the best so far, and none can beat one at `at`.
        let mut best: Option<(Stage, Choice, Name)> = None;
        for r in &self.ranked[start as usize..end as usize] {
            if let Some(c) = &alt.constraint
                && !r.host_tool
                && !r.version.is_some_and(|v| c.allows(v))
            {
                continue;
            }
            let (ranked, choice, output) = if r.seed {
                (0, Choice::Seed(r.owner), name)
            } else {
                let pkg = r.owner;
                // Own outputs always come from strictly below the consumer.
                let hi = if Some(pkg) == consumer { at.min(stage.saturating_sub(1)) } else { at };
                let Some(t) = self.resolved_stage(pkg, r.when, r.stage_only, hi) else { continue };
                // Rank by where the producer resolved; a redirect then substitutes its
                // earlier instance without letting another producer win instead.
                let to = overrides.iter().find(|(p, from, _)| *p == pkg && *from == t).map_or(t, |&(_, _, to)| to);
                (t, Choice::Package(pkg, to), self.output_names[r.out as usize])
            };
            if best.is_none_or(|(b, _, _)| ranked > b) {
                best = Some((ranked, choice, output));
                if ranked == at {
                    break;
                }
            }
        }
        match best {
            Some((_, choice, output)) => Ok((choice, output, name)),
            None => Err(self.miss(consumer, stage, alt, self.name_producers(name), at)),
        }
    }

    /// The greatest stage t ≤ `hi` (at least 1) at which P@t produces an output, once
    /// rebuild instances resolve as [`Planner::effective_stage`] says.
    fn resolved_stage(&self, pkg: u32, when: Option<&crate::restriction::Formula>, stage_only: Option<Stage>, hi: Stage) -> Option<Stage> {
        (1..=hi).rev().map(|t| self.effective_stage(pkg, t)).find(|&effective| effective <= hi && self.produced(pkg, when, stage_only, effective))
    }

    /// Why no producer in `list` resolves an alternative for consumer P@s, whose pin
    /// (if any) resolves it at stage `at`: the best reason among the producers', in the
    /// plan's order (a version miss lists the versions found in that order).
    fn miss(&self, consumer: Option<u32>, stage: Stage, alt: &Alternative, list: &[Producer<'a>], at: Stage) -> Miss {
        let mut miss = Miss::Nothing;
        for producer in list {
            if let Err(found) = self.satisfies(producer, alt.constraint.as_deref()) {
                let mut versions = match &miss {
                    Miss::Version(v) => v.clone(),
                    _ => Vec::new(),
                };
                if !versions.contains(&found) {
                    versions.push(found);
                }
                let candidate = Miss::Version(versions);
                if candidate > miss {
                    miss = candidate;
                }
                continue;
            }
            if let Producer::Output { pkg, output, stage_only, .. } = *producer {
                let hi = if Some(pkg) == consumer { at.min(stage.saturating_sub(1)) } else { at };
                if self.resolved_stage(pkg, Some(&output.when), stage_only, hi).is_some() {
                    continue;
                }
                // Produced only at a later stage? Say which.
                let later = (hi + 1..=self.final_stage).find(|&l| self.produces(pkg, output, stage_only, l));
                if let Some(l) = later
                    && Miss::Later(l) > miss
                {
                    miss = Miss::Later(l);
                }
            }
        }
        miss
    }

    /// For the rebuild stage, packages without a rebuild instance resolve to final.
    fn effective_stage(&self, pkg: u32, t: Stage) -> Stage {
        match self.rebuild_stage {
            Some(r) if t == r && !self.rebuilt.contains(&pkg) => self.final_stage,
            _ => t,
        }
    }

    fn resolve_pending(&mut self) {
        while let Some(id) = self.pending.pop() {
            if !self.insts[id as usize].resolved {
                self.resolve(id);
            }
        }
    }

    /// What each dependency entry of P@s in effect resolves to, before instances are
    /// made: reads the planner only, so that many instances' can be found at once.
    fn dep_choices(&self, pkg: u32, stage: Stage, profiles: &[Box<str>], overrides: &[(u32, Stage, Stage)]) -> Vec<KeptChoice> {
        let mut kept_alternatives = Vec::new();
        let deps = self.active_deps(pkg, stage, profiles, &mut kept_alternatives);
        let list = self.dep_list(pkg, stage);
        deps.into_iter()
            .map(|(slot, kept)| {
                let dep = &list[slot as usize];
                let kept = &kept_alternatives[kept];
                let mut first_miss: Option<(usize, Miss)> = None;
                for &i in kept {
                    let alt = &dep.dep().alternatives[i];
                    match self.resolve_alt(Some(pkg), stage, alt, dep.entry.pin.as_deref(), overrides) {
                        Ok((choice, output, name)) => return KeptChoice { slot, result: Ok((name, choice, output)) },
                        Err(miss) => {
                            if first_miss.as_ref().is_none_or(|(_, m)| miss > *m) {
                                first_miss = Some((i, miss));
                            }
                        }
                    }
                }
                KeptChoice { slot, result: Err(Box::new(Unresolved { kept: kept.to_vec(), miss: first_miss })) }
            })
            .collect()
    }

    /// Whether results at `stage` may be taken from the last plan: not at the rebuild
    /// stage, where resolution reads which packages are rebuilt, which they do not record.
    fn keeps_at(&self, stage: Stage) -> bool {
        Some(stage) != self.rebuild_stage
    }

    /// The choices the last plan made for P@s with these redirects, when they still hold.
    fn reusable_choices(&self, pkg: u32, stage: Stage, overrides: &[(u32, Stage, Stage)]) -> Option<Arc<Vec<KeptChoice>>> {
        let reusable = self.carry.as_ref()?.reusable.as_ref()?;
        if !self.keeps_at(stage) {
            return None;
        }
        reusable.get(&(pkg, stage, overrides.to_vec())).cloned()
    }

    /// [`Planner::dep_choices`] of P@s as it is made: with its stage's profiles and no
    /// redirects. What choosing ahead for instances not made yet, or on another planner,
    /// relies on.
    fn first_choices(&self, pkg: u32, stage: Stage) -> Vec<KeptChoice> {
        self.dep_choices(pkg, stage, &self.profiles(pkg, stage), &[])
    }

    /// [`Planner::dep_choices`] of every instance waiting to be resolved, on several
    /// threads, for [`Planner::resolve`] to take. Only worth it for many instances (see
    /// [`PARALLEL_CHOICE_MIN`]).
    fn choose_pending(&mut self) {
        let threads = self.threads;
        // Instances whose choices the last plan left are not chosen again.
        let pending: Vec<InstId> = self
            .pending
            .iter()
            .copied()
            .filter(|&i| {
                let inst = &self.insts[i as usize];
                // A redirected consumer's choices are its first ones, redirected: cheap.
                let redirected = !inst.overrides.is_empty() && inst.base_choices.is_some();
                !inst.resolved && !redirected && self.reusable_choices(inst.pkg, inst.stage, &inst.overrides).is_none()
            })
            .collect();
        if threads < 2 || pending.len() < self.choose_ahead_min.max(1) {
            return;
        }
        let this = &*self;
        let chosen = map_in_shares(threads, PARALLEL_SHARE, &pending, || (), |(), &i| {
            let inst = &this.insts[i as usize];
            this.dep_choices(inst.pkg, inst.stage, &inst.profiles, &inst.overrides)
        });
        self.choose_made(&chosen);
        self.chosen.resize_with(self.insts.len(), || None);
        for (i, choices) in pending.into_iter().zip(chosen) {
            self.chosen[i as usize] = Some(choices);
        }
    }

    /// Chooses ahead for the instances that resolving instances with the choices `chosen`
    /// will make (a producer chosen at a stage where it has no instance yet), then for
    /// those theirs will make, wave after wave while a wave fills more than one share of
    /// the threads' work: the instances cycle breaking adds below a level are mostly made
    /// this way, and resolving them would otherwise choose theirs one at a time. An
    /// instance is made with no redirects and its stage's profiles, so its choices are
    /// known before it exists.
    fn choose_made(&mut self, chosen: &[Vec<KeptChoice>]) {
        let smallest = self.choose_ahead_min.clamp(1, PARALLEL_SHARE);
        let mut made = self.made_by(chosen.iter());
        while made.len() >= smallest {
            let this = &*self;
            let wave = map_in_shares(self.threads, PARALLEL_SHARE, &made, || (), |(), &(q, t)| this.first_choices(q, t));
            for (&key, choices) in made.iter().zip(wave) {
                self.predicted.insert(key, choices);
            }
            made = self.made_by(made.iter().map(|key| &self.predicted[key]));
        }
    }

    /// The instances, not made nor chosen for yet, that resolving instances with these
    /// choices makes; sorted.
    fn made_by<'c>(&self, chosen: impl Iterator<Item = &'c Vec<KeptChoice>>) -> Vec<(u32, Stage)> {
        let mut made: Vec<(u32, Stage)> = chosen
            .flatten()
            .filter_map(|k| match k.result {
                Ok((_, Choice::Package(q, t), _)) => Some((q, t)),
                _ => None,
            })
            .filter(|&(q, t)| self.index.get(q, t).is_none() && !self.predicted.contains_key(&(q, t)))
            .collect();
        made.sort_unstable();
        made.dedup();
        made.retain(|&(q, t)| self.reusable_choices(q, t, &[]).is_none());
        made
    }

    /// Resolves the pending instances while another thread chooses their producers, in
    /// the order they are resolved, a share at a time; this thread chooses a share too
    /// whenever it would otherwise wait. Choosing every instance's first on both threads
    /// ([`Planner::choose_pending`]) left one of them idle while this one resolved.
    ///
    /// The other thread chooses with a planner of its own, indexed from the same plan
    /// and names (all interned already), so its choices are the ones this planner would
    /// make. Only instances without redirects or kept choices are chosen there: the
    /// plan's first instances, before cycle breaking.
    fn resolve_choosing_alongside(&mut self) {
        let order: Vec<InstId> = self
            .pending
            .iter()
            .rev()
            .copied()
            .filter(|&i| {
                let inst = &self.insts[i as usize];
                !inst.resolved && inst.overrides.is_empty() && self.reusable_choices(inst.pkg, inst.stage, &[]).is_none()
            })
            .collect();
        if self.threads < 2 || order.len() < self.choose_ahead_min.max(1) {
            self.chooser = None;
            self.resolve_pending();
            return;
        }
        let jobs: Vec<(u32, Stage)> = order.iter().map(|&i| (self.insts[i as usize].pkg, self.insts[i as usize].stage)).collect();
        let mut slot_of = vec![u32::MAX; self.insts.len()];
        for (k, &i) in order.iter().enumerate() {
            slot_of[i as usize] = k as u32;
        }
        let slots: Vec<Mutex<Option<Vec<KeptChoice>>>> = (0..jobs.len()).map(|_| Mutex::new(None)).collect();
        let shares = jobs.len().div_ceil(ALONGSIDE_SHARE);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slot = |k: usize| slots[k].lock().unwrap_or_else(|e| e.into_inner());
        // Chooses one share into its slots.
        let choose_share = |planner: &Planner, share: usize| {
            let start = share * ALONGSIDE_SHARE;
            for (k, &(pkg, stage)) in jobs.iter().enumerate().skip(start).take(ALONGSIDE_SHARE) {
                *slot(k) = Some(planner.first_choices(pkg, stage));
            }
        };
        let claim = || next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Indexed beside this planner when it was made, or now on the other thread.
        let chooser = self.chooser.take();
        let (plan, profiles, drops) = (self.plan, self.global_profiles.clone(), self.extra_drops.clone());
        let names = if chooser.is_some() { Names::default() } else { self.names.clone() };
        self.chosen.resize_with(self.insts.len(), || None);
        std::thread::scope(|scope| {
            let helper = scope.spawn(|| {
                let chooser = chooser.unwrap_or_else(|| Box::new(Planner::index(plan, profiles, drops, names, None)));
                loop {
                    let share = claim();
                    if share >= shares {
                        return;
                    }
                    choose_share(&chooser, share);
                }
            });
            while let Some(id) = self.pending.pop() {
                if self.insts[id as usize].resolved {
                    continue;
                }
                if let Some(&k) = slot_of.get(id as usize).filter(|&&k| k != u32::MAX) {
                    let k = k as usize;
                    let choices = loop {
                        if let Some(choices) = slot(k).take() {
                            break choices;
                        }
                        // Not chosen yet: choose the next share not taken here (the one
                        // holding this instance, or one needed later) rather than wait.
                        let share = claim();
                        if share < shares {
                            choose_share(self, share);
                        } else if helper.is_finished() {
                            // Every share is taken and the other thread is done: it filled
                            // this slot just now, or it panicked (chosen here then; the
                            // scope raises its panic when it ends).
                            if let Some(choices) = slot(k).take() {
                                break choices;
                            }
                            let (pkg, stage) = jobs[k];
                            break self.first_choices(pkg, stage);
                        } else {
                            std::thread::yield_now();
                        }
                    };
                    self.chosen[id as usize] = Some(choices);
                }
                self.resolve(id);
            }
        });
    }

    /// Resolves every dependency of one instance, with installation sets.
    fn resolve(&mut self, id: InstId) {
        let (pkg, stage) = (self.insts[id as usize].pkg, self.insts[id as usize].stage);
        // Taken for the duration (nothing below reads this instance's own), then restored.
        // Not its profiles: an installation set that holds its own outputs reads them.
        let overrides = std::mem::take(&mut self.insts[id as usize].overrides);
        let mut closures = Vec::new();
        let reusable = self.reusable_choices(pkg, stage, &overrides);
        let reused = reusable.is_some();
        let choices = match (self.chosen.get_mut(id as usize).and_then(Option::take), reusable) {
            (Some(choices), _) => Arc::new(choices),
            (None, Some(kept)) => kept,
            (None, None) => match &self.insts[id as usize].base_choices {
                Some(base) if !overrides.is_empty() => Arc::new(redirected_choices(base, &overrides)),
                _ => match overrides.is_empty().then(|| self.predicted.remove(&(pkg, stage))).flatten() {
                    Some(choices) => Arc::new(choices),
                    None => Arc::new(self.dep_choices(pkg, stage, &self.insts[id as usize].profiles, &overrides)),
                },
            },
        };
        if overrides.is_empty() {
            self.insts[id as usize].base_choices = Some(choices.clone());
        }
        if self.keeps_at(stage)
            && let Some(carry) = &mut self.carry
        {
            *if reused { &mut carry.reused } else { &mut carry.made } += 1;
            carry.kept.insert((pkg, stage, overrides.clone()), choices.clone());
        }
        let list = self.dep_list(pkg, stage);
        // Each resolved entry makes one input and at most one set: sized once.
        let mut inputs: Vec<Input> = Vec::with_capacity(choices.len());
        let mut entries = Vec::with_capacity(choices.len());
        closures.reserve(choices.len());
        for (dep_index, KeptChoice { slot, result }) in choices.iter().enumerate() {
            let dep = &list[*slot as usize];
            match result {
                Ok((name, choice, output)) => {
                    let (name, choice, output) = (*name, *choice, *output);
                    let from = self.materialize(choice, id, name);
                    inputs.push(Input { name, output, from, dep: dep_index as u32, closure: false });
                    let closure = if overrides.is_empty() {
                        self.closure(from, output, stage, id)
                    } else {
                        self.closure_redirected(from, output, stage, id, &overrides)
                    };
                    // Below final, an installation set that cannot be completed (a runtime
                    // dependency nothing produces here) is fixed by dropping this entry.
                    if stage < self.final_stage && self.incomplete.contains(&(from, output, stage)) {
                        self.suggestions.push(SuggestedBreak {
                            package: self.pkg(pkg).name.to_string(),
                            stage: self.stage_name(stage).to_string(),
                            name: self.text(name).to_string(),
                            file: dep.file.clone(),
                            span: dep.entry.name_span(dep.dep().alternatives.iter().position(|a| *a.name == *self.text(name)).unwrap_or(0)),
                            cycle: Vec::new(),
                        });
                    }
                    if !self.sets.holds_package(closure, pkg, &self.inst_pkg) {
                        closures.push((dep_index as u32, closure));
                        entries.push(dep);
                        continue;
                    }
                    let members = self.sets.get(closure).clone();
                    for &(cname, coutput, cfrom) in members.iter() {
                        let cfrom = self.own_output_fix(pkg, stage, cname, cfrom, &overrides, id);
                        if let Some(cfrom) = cfrom {
                            inputs.push(Input { name: cname, output: coutput, from: cfrom, dep: dep_index as u32, closure: true });
                        }
                    }
                }
                Err(unresolved) => {
                    let Unresolved { kept, miss: first_miss } = &**unresolved;
                    let first_miss = first_miss.clone();
                    let own = kept.iter().copied().find(|&i| self.is_own_output(pkg, &dep.dep().alternatives[i].name));
                    match own {
                        // Needing itself with nothing below: a cycle of one.
                        Some(i) if stage < self.final_stage || self.final_stage == 1 => {
                            self.self_cycle(dep, i, &self.inst_name(id), stage);
                        }
                        _ => {
                            let (i, miss) = first_miss.unwrap_or((kept[0], Miss::Nothing));
                            // Below final, a dependency nothing produces at this stage
                            // (e.g. a doc package under `nodoc`) is fixed by dropping it here.
                            if stage < self.final_stage && matches!(miss, Miss::Later(_) | Miss::Nothing) {
                                self.suggestions.push(SuggestedBreak {
                                    package: self.pkg(pkg).name.to_string(),
                                    stage: self.stage_name(stage).to_string(),
                                    name: dep.dep().alternatives[i].name.to_string(),
                                    file: dep.file.clone(),
                                    span: dep.entry.name_span(i),
                                    cycle: Vec::new(),
                                });
                            }
                            self.report_miss(dep, i, miss, &self.inst_name(id), stage);
                        }
                    }
                }
            }
            entries.push(dep);
        }
        // Kept per dependency entry: suggested breaks must drop every entry that pulls a
        // producer in. The DAG lists each input once.
        // Names are numbers: sorting by them groups duplicates cheaply. The DAG sorts each
        // action's inputs by name.
        let key = |i: &Input| (i.from, i.dep, i.output.index(), i.name.index());
        inputs.sort_unstable_by_key(key);
        inputs.dedup_by(|a, b| key(a) == key(b));
        let inst = &mut self.insts[id as usize];
        inst.inputs = inputs;
        inst.closures = closures;
        inst.deps = entries;
        inst.overrides = overrides;
        inst.resolved = true;
    }

    /// Every instance's producers, sorted, each once. An installation set's producers are
    /// found once however many instances share it (on an archive, two thirds of the ten
    /// million members are seeds' names and most sets are shared).
    ///
    /// Both steps (the sets' producers, then the instances') run on the planner's
    /// threads: each instance's and each set's list is independent of the others.
    fn all_producers(&self) -> Vec<Vec<InstId>> {
        let threads = if self.insts.len() >= PARALLEL_EMIT_MIN { self.threads } else { 1 };
        /// The instances among `members`, sorted, each once.
        fn instances(members: impl Iterator<Item = From>) -> Vec<InstId> {
            let mut v: Vec<InstId> = members
                .filter_map(|from| match from {
                    From::Inst(j) => Some(j),
                    From::Seed(_) => None,
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        }
        let by_set: Vec<Vec<InstId>> = map_in_shares(threads, PARALLEL_SHARE, &self.sets.sets, || (), |(), c| instances(c.iter().map(|m| m.2)));
        map_in_shares(threads, PARALLEL_SHARE, &self.insts, || (), |(), inst| {
            let sets = inst.closures.iter().flat_map(|&(_, c)| &by_set[c as usize]).map(|&j| From::Inst(j));
            instances(inst.inputs.iter().map(|i| i.from).chain(sets))
        })
    }

    /// Every input of an instance: its own list, then its shared installation sets.
    fn each_input(&self, id: InstId) -> impl Iterator<Item = InputView> + '_ {
        let inst = &self.insts[id as usize];
        let own = inst.inputs.iter().map(|i| InputView { name: i.name, output: i.output, from: i.from, dep: i.dep });
        let shared = inst.closures.iter().flat_map(|&(dep, set)| {
            self.sets.get(set).iter().map(move |&(name, output, from)| InputView { name, output, from, dep })
        });
        own.chain(shared)
    }

    fn is_own_output(&self, pkg: u32, name: &str) -> bool {
        self.producers_of_name(name).iter().any(|p| matches!(p, Producer::Output { pkg: q, .. } if *q == pkg))
    }

    /// A package needing its own output at the lowest stage, where nothing is below: an
    /// unbreakable cycle of one, fixed by dropping the dependency at this stage.
    fn self_cycle(&mut self, dep: &Dep, alt: usize, me: &str, stage: Stage) {
        let name = dep.dep().alternatives[alt].name.to_string();
        let package = me.split('@').next().unwrap_or_default().to_string();
        let cycle = vec![me.to_string(), me.to_string()];
        let can_drop = stage < self.final_stage;
        if can_drop {
            self.suggestions.push(SuggestedBreak {
                package: package.clone(),
                stage: self.stage_name(stage).to_string(),
                name: name.clone(),
                file: dep.file.clone(),
                span: dep.entry.name_span(alt),
                cycle: cycle.clone(),
            });
        }
        let suggestion = if can_drop { vec![format!("`{name}` from `{package}`")] } else { Vec::new() };
        self.diagnostics.push(Diagnostic::new(
            DiagnosticKind::UnbreakableCycle { chain: cycle, suggestion, stage: self.stage_name(stage).to_string() },
            &dep.file,
            dep.entry.name_span(alt),
        ));
    }

    /// The instance (created on demand, needed by `by`) or seed a choice names.
    fn materialize(&mut self, choice: Choice, by: InstId, name: Name) -> From {
        match choice {
            Choice::Seed(s) => From::Seed(s),
            Choice::Package(q, t) => From::Inst(self.instance(q, t, |p| p.needed(by, name))),
        }
    }

    /// Why an instance made for `by`'s need of `name` exists.
    fn needed(&self, by: InstId, name: Name) -> Reason {
        Reason::Needed { by: self.inst_name(by), name: self.text(name).to_string() }
    }

    /// A closure member produced by the consumer itself must come from below its stage.
    fn own_output_fix(
        &mut self,
        pkg: u32,
        stage: Stage,
        name: Name,
        from: From,
        overrides: &[(u32, Stage, Stage)],
        me: InstId,
    ) -> Option<From> {
        let From::Inst(i) = from else { return Some(from) };
        if self.insts[i as usize].pkg != pkg {
            return Some(from);
        }
        let alt = Alternative { name: self.text(name).into(), name_range: 0..0, constraint: None, restrictions: Default::default() };
        let (choice, ..) = self.resolve_alt(Some(pkg), stage, &alt, None, overrides).ok()?;
        Some(self.materialize(choice, me, name))
    }

    /// The runtime `depends` closure of one resolved output (its installation set),
    /// memoized. Dependencies of an instance's outputs resolve at that instance's stage;
    /// names the same instance produces come from it. Seeds' outputs resolve at the
    /// consumer's stage.
    ///
    /// A set is a function of its output alone: it is walked in full, depth first from
    /// the output, each member named by the first dependency that reaches it. Members'
    /// sets are not spliced in: that named a member as whichever set was memoized first
    /// did, so a set kept from the last plan could differ from the same set made afresh.
    fn closure(&mut self, from: From, output: Name, consumer_stage: Stage, me: InstId) -> SetId {
        // Seeds' runtime dependencies resolve at the consumer's stage, so a closure is
        // memoized per consumer stage (direct lists of instances are not: `direct_stage`).
        let key = (from, output, consumer_stage);
        if let Some(&hit) = self.closure_memo.get(&key) {
            return hit;
        }
        if let Some(kept) = self.carried_closure(key, me) {
            let id = self.sets.add(kept, &self.inst_pkg);
            self.closure_memo.insert(key, id);
            return id;
        }
        let mut out: Vec<Member> = Vec::new();
        // Members are told apart by producer and output.
        let mut seen: HashSet<(From, Name)> = HashSet::default();
        seen.insert((from, output));
        let mut queue: Vec<(From, Name)> = vec![(from, output)];
        let mut complete = true;
        while let Some((f, o)) = queue.pop() {
            let direct = self.direct_deps(f, o, consumer_stage, me);
            complete &= !self.incomplete.contains(&(f, o, Self::direct_stage(f, consumer_stage)));
            for m in direct.iter() {
                if seen.insert((m.2, m.1)) {
                    out.push(*m);
                    queue.push((m.2, m.1));
                }
            }
        }
        if !complete {
            self.incomplete.insert(key);
        }
        let id = self.sets.add(Arc::new(out), &self.inst_pkg);
        self.closure_memo.insert(key, id);
        id
    }

    /// The installation set the last plan computed for `key`, when it still holds (the
    /// plan's interface is the same, and it was complete), in this plan's instances. The
    /// instances it names that do not exist yet are made here, in the order computing it
    /// would make them, and for the same reason: so a plan that takes it is the plan
    /// that computes it.
    fn carried_closure(&mut self, key: (From, Name, Stage), me: InstId) -> Option<Closure> {
        let reusable = self.carry.as_ref()?.reusable.as_ref()?;
        let from_stage = match key.0 {
            From::Inst(i) => self.insts[i as usize].stage,
            From::Seed(_) => 0,
        };
        if !self.keeps_at(key.2) || !self.keeps_at(from_stage) {
            return None;
        }
        let (kept, instances) = reusable.closure(key, |i| (self.insts[i as usize].pkg, self.insts[i as usize].stage))?;
        let mut renumbered = std::mem::take(&mut self.carry.as_mut()?.renumbered);
        renumbered.resize(instances.len(), InstId::MAX);
        let mut out: Vec<Member> = Vec::with_capacity(kept.len());
        for &(name, output, from) in kept.iter() {
            let from = match from {
                From::Seed(s) => From::Seed(s),
                From::Inst(old) => From::Inst(match renumbered[old as usize] {
                    InstId::MAX => {
                        let (pkg, stage) = instances[old as usize];
                        let id = self.instance(pkg, stage, |p| p.needed(me, name));
                        renumbered[old as usize] = id;
                        id
                    }
                    id => id,
                }),
            };
            out.push((name, output, from));
        }
        if let Some(carry) = self.carry.as_mut() {
            carry.renumbered = renumbered;
        }
        Some(Arc::new(out))
    }

    /// The installation set of an output for a consumer with redirects: the consumer's
    /// redirects apply throughout it, not only to its direct dependencies (a runtime
    /// dependency must not bring back the instance a redirect took away).
    fn closure_redirected(
        &mut self,
        from: From,
        output: Name,
        consumer_stage: Stage,
        me: InstId,
        overrides: &[(u32, Stage, Stage)],
    ) -> SetId {
        // Most installation sets hold nothing a redirect applies to: those are the plain,
        // memoized ones.
        let plain = self.closure(from, output, consumer_stage, me);
        // The instances redirected away, by number: a set's members are compared with
        // these rather than looked up one by one.
        let away: Vec<InstId> = overrides.iter().filter_map(|&(p, s, _)| self.index.get(p, s)).collect();
        if !self.sets.get(plain).iter().any(|m| matches!(m.2, From::Inst(j) if away.contains(&j))) {
            return plain;
        }
        let mut out: Vec<Member> = Vec::new();
        // Members are told apart by producer and output.
        let mut seen: HashSet<(From, Name)> = HashSet::default();
        seen.insert((from, output));
        let mut queue: Vec<(From, Name)> = vec![(from, output)];
        while let Some((f, o)) = queue.pop() {
            let direct = self.direct_deps(f, o, consumer_stage, me);
            for &(name, o2, f2) in direct.iter() {
                let f2 = match f2 {
                    From::Inst(j) => {
                        let (p, st) = (self.insts[j as usize].pkg, self.insts[j as usize].stage);
                        match overrides.iter().find(|(q, from_stage, _)| *q == p && *from_stage == st) {
                            Some(&(_, _, to)) => self.materialize(Choice::Package(p, to), me, name),
                            None => f2,
                        }
                    }
                    From::Seed(_) => f2,
                };
                if seen.insert((f2, o2)) {
                    out.push((name, o2, f2));
                    queue.push((f2, o2));
                }
            }
        }
        self.sets.add(Arc::new(out), &self.inst_pkg)
    }

    /// The output definitions of an instance's package or a seed called `name`.
    fn output_defs(&self, from: From, name: &str) -> &[&'a OutputDef] {
        let owner = match from {
            From::Inst(i) => Owner::Package(self.insts[i as usize].pkg),
            From::Seed(s) => Owner::Seed(s),
        };
        self.outputs_by_name.get(owner, name)
    }

    /// The stage a direct dependency list is memoized at: a seed's resolves at its
    /// consumer's stage, an instance's at its own (whatever the consumer's).
    fn direct_stage(f: From, consumer_stage: Stage) -> Stage {
        match f {
            From::Seed(_) => consumer_stage,
            From::Inst(_) => 0,
        }
    }

    /// The runtime dependencies of one output, resolved (not transitive), memoized.
    fn direct_deps(&mut self, f: From, output: Name, consumer_stage: Stage, me: InstId) -> Closure {
        let key = (f, output, Self::direct_stage(f, consumer_stage));
        let o: &str = self.names.text(output);
        if let Some(hit) = self.direct_memo.get(&key) {
            return hit.clone();
        }
        let (deps, at, owner): (Vec<&'a Dep>, Stage, Option<u32>) = match f {
            From::Inst(i) => {
                let inst = &self.insts[i as usize];
                let active = |p: &str| inst.profiles.iter().any(|a| &**a == p);
                let deps = self
                    .output_defs(f, o)
                    .iter()
                    .flat_map(|od| od.depends.iter())
                    .filter(|d| d.entry.when.eval(active))
                    .collect();
                (deps, inst.stage, Some(inst.pkg))
            }
            From::Seed(_) => (self.output_defs(f, o).iter().flat_map(|od| od.depends.iter()).collect(), consumer_stage, None),
        };
        let mut out: Vec<Member> = Vec::new();
        for dep in deps {
            let mut resolved = None;
            let mut first_miss = None;
            for alt in dep.dep().alternatives.iter() {
                // A name the same instance produces comes from it (one build installs together).
                if let (From::Inst(i), Some(owner)) = (f, owner) {
                    let own = self
                        .outputs_by_name
                        .get(Owner::Package(owner), &alt.name)
                        .iter()
                        .copied()
                        .find(|od| self.produces(owner, od, None, at));
                    if let Some(od) = own {
                        resolved = Some((self.intern(&alt.name), self.intern(&od.name), From::Inst(i)));
                        break;
                    }
                }
                match self.resolve_alt(owner, at, alt, None, &[]) {
                    Ok((choice, o2, name)) => {
                        let f2 = self.materialize(choice, me, name);
                        resolved = Some((name, o2, f2));
                        break;
                    }
                    Err(miss) => {
                        if first_miss.is_none() {
                            first_miss = Some((alt.name.clone(), miss));
                        }
                    }
                }
            }
            match resolved {
                Some(member) => out.push(member),
                None => {
                    self.incomplete.insert(key);
                    if let Some((name, miss)) = first_miss {
                        let i = dep.dep().alternatives.iter().position(|a| a.name == name).unwrap_or(0);
                        let who = self.describe(f);
                        self.report_miss(dep, i, miss, &who, at);
                    }
                }
            }
        }
        let out = Arc::new(out);
        self.direct_memo.insert(key, out.clone());
        out
    }

    fn report_miss(&mut self, dep: &Dep, alt: usize, miss: Miss, instance: &str, stage: Stage) {
        let span = dep.entry.name_span(alt);
        // A version no producer meets fails the same way at every stage: it is reported
        // once, for the first instance that needs it. Other misses depend on the stage.
        let at = if matches!(miss, Miss::Version(_)) { Stage::MAX } else { stage };
        if !self.reported.insert((dep.file.clone(), span, at)) {
            return;
        }
        let alternative = &dep.dep().alternatives[alt];
        let name = alternative.name.to_string();
        let pinned = match dep.entry.pin.as_deref() {
            Some(Pin::Stage(pin)) => Some(pin.text.to_string()),
            Some(Pin::Previous(_)) => Some(self.stage_name(stage.saturating_sub(1)).to_string()),
            None => None,
        };
        let kind = match miss {
            Miss::Nothing => DiagnosticKind::NoProducerAtStage { name, instance: instance.into(), later: None, pinned },
            Miss::Later(l) => DiagnosticKind::NoProducerAtStage {
                name,
                instance: instance.into(),
                later: Some(self.stage_name(l).to_string()),
                pinned,
            },
            Miss::Version(found) => DiagnosticKind::VersionUnsatisfied {
                name,
                constraint: alternative.constraint.as_ref().map(|c| c.to_string()).unwrap_or_default(),
                instance: instance.into(),
                found,
            },
            Miss::Monotonicity(p) => DiagnosticKind::StageMonotonicity {
                name,
                instance: instance.into(),
                pinned: self.stage_name(p).to_string(),
            },
        };
        let mut d = Diagnostic::new(kind, &dep.file, span);
        if let (Some(Pin::Stage(pin)), true) = (dep.entry.pin.as_deref(), matches!(d.kind, DiagnosticKind::StageMonotonicity { .. })) {
            d = d.with_related(&dep.file, pin.span, "the pin");
        }
        self.diagnostics.push(d);
    }

    /// The stage Y's outputs `names` can be taken from instead of Y@stage, if any.
    fn redirect_target(&self, y: u32, stage: Stage, names: &[&str]) -> Option<Stage> {
        highest_stage(names.iter().fold(!0, |mask, name| mask & self.redirect_stages(y, stage, name)))
    }

    /// The stages below `stage` Y's outputs called `name` can be taken from instead of
    /// Y@stage, one bit each (`1 << t`): those of [`Planner::redirect_target`] for one
    /// name, whose answer for several names is the greatest stage all of theirs have.
    fn redirect_stages(&self, y: u32, stage: Stage, name: &str) -> StageMask {
        let lowest = if Some(stage) == self.rebuild_stage { self.final_stage } else { 1 };
        let defs = self.outputs_by_name.get(Owner::Package(y), name);
        if defs.is_empty() {
            return 0;
        }
        let mut mask = 0;
        // A plan declares at most `lower::MAX_STAGES` stages, so all of them fit (the
        // bound only keeps a shift from overflowing, should that change).
        for t in lowest..stage.min(StageMask::BITS as Stage) {
            let block = self.block(y, t);
            let ok = defs.iter().any(|od| {
                let stage_only = block.is_some_and(|b| b.outputs.iter().any(|o| std::ptr::eq(o, *od)));
                let in_other_block = !stage_only && self.pkg(y).stages.iter().any(|b| b.outputs.iter().any(|o| std::ptr::eq(o, *od)));
                !in_other_block && (stage_only || self.produces(y, od, None, t))
            });
            if ok {
                mask |= 1 << t;
            }
        }
        mask
    }

    /// Each listed instance's position in `nodes` (others: `u32::MAX`).
    fn positions(&self, nodes: &[InstId]) -> Vec<u32> {
        let mut pos = vec![u32::MAX; self.insts.len()];
        for (i, &n) in nodes.iter().enumerate() {
            pos[n as usize] = i as u32;
        }
        pos
    }

    /// The part of a stage's graph where cycles are: the instances in strongly connected
    /// components of more than one, the edges among them (consumer, producer; with the
    /// names each carries, sorted by the pair), and the components' sizes, largest first.
    /// Nothing outside can be on a cycle, so neither cycle breaking nor the graphs kept to
    /// explain it need the rest (most of an archive).
    ///
    /// Components are found on a graph where each installation set is one node between
    /// its consumers and its members: a consumer reaches a member through it exactly when
    /// the member is in the set, so the components' instances are the same, but the
    /// shared sets' members are visited once rather than once per consumer (ten million
    /// times on an archive). Edges are written out only inside components.
    ///
    /// At `final`, when the plan is kept for the next, the whole graph is kept too
    /// ([`memo::KeptLevel`]): an edit's re-check reads it.
    fn cyclic_level(&self, stage: Stage) -> (Vec<InstId>, LevelEdges, Vec<usize>, Option<memo::KeptLevel>) {
        let nodes: Vec<InstId> = (0..self.insts.len() as InstId)
            .filter(|&i| self.insts[i as usize].stage == stage && self.insts[i as usize].resolved)
            .collect();
        let pos = self.positions(&nodes);
        let same_stage = |y: InstId| pos[y as usize] != u32::MAX;
        let n = nodes.len() as u32;
        // By set: its node number, once taken.
        let mut set_node: Vec<u32> = vec![u32::MAX; self.sets.len()];
        let mut sets: Vec<SetId> = Vec::new();
        // Each node's successors in one array, node by node: the instances (numbered by
        // position), then the sets (numbered from `n` as they were first taken).
        let mut starts: Vec<u32> = Vec::with_capacity(nodes.len() + 1);
        // Sized for the instances' lists at once (an archive's final level has hundreds of
        // thousands).
        let mut successors: Vec<u32> = Vec::with_capacity(
            nodes.iter().map(|&x| self.insts[x as usize].inputs.len() + self.insts[x as usize].closures.len()).sum(),
        );
        for &x in &nodes {
            starts.push(successors.len() as u32);
            let inst = &self.insts[x as usize];
            for input in &inst.inputs {
                if let From::Inst(y) = input.from
                    && same_stage(y)
                {
                    successors.push(pos[y as usize]);
                }
            }
            for &(_, c) in &inst.closures {
                if set_node[c as usize] == u32::MAX {
                    sets.push(c);
                    set_node[c as usize] = n + sets.len() as u32 - 1;
                }
                successors.push(set_node[c as usize]);
            }
        }
        for &c in &sets {
            starts.push(successors.len() as u32);
            for (_, _, from) in self.sets.get(c).iter() {
                if let From::Inst(y) = *from
                    && same_stage(y)
                {
                    successors.push(pos[y as usize]);
                }
            }
        }
        starts.push(successors.len() as u32);
        let mut component = vec![u32::MAX; nodes.len()];
        let mut sizes = Vec::new();
        for (c, members) in fas::sccs_of_successors(&starts, &successors).iter().enumerate() {
            let instances: Vec<u32> = members.iter().copied().filter(|&m| m < n).collect();
            if instances.len() > 1 {
                sizes.push(instances.len());
                for m in instances {
                    component[m as usize] = c as u32;
                }
            }
        }
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let on_cycle = |i: InstId| component[pos[i as usize] as usize];
        let kept: Vec<InstId> = nodes.iter().copied().filter(|&x| on_cycle(x) != u32::MAX).collect();
        // Nodes ascend and each one's producers are sorted, so the edges come out in
        // (consumer, producer) order.
        let mut edges: LevelEdges = Vec::new();
        let mut found: Vec<(InstId, Name, bool)> = Vec::new();
        for &x in &kept {
            let inst = &self.insts[x as usize];
            found.clear();
            let inside = |y: InstId| same_stage(y) && on_cycle(y) == on_cycle(x);
            found.extend(inst.inputs.iter().filter_map(|input| match input.from {
                From::Inst(y) if inside(y) => {
                    Some((y, input.output, !input.closure && inst.deps[input.dep as usize].entry.pin.is_some()))
                }
                _ => None,
            }));
            // Installation-set members are never pinned.
            found.extend(inst.closures.iter().flat_map(|&(_, c)| self.sets.get(c).iter()).filter_map(|(_, output, from)| match *from {
                From::Inst(y) if inside(y) => Some((y, *output, false)),
                _ => None,
            }));
            found.sort_by_key(|f| f.0);
            for &(y, output, pinned) in &found {
                if edges.last().is_none_or(|(k, _)| *k != (x, y)) {
                    edges.push(((x, y), LevelEdge::default()));
                }
                let edge = &mut edges.last_mut().expect("just pushed").1;
                edge.names.push(output);
                edge.pinned |= pinned;
            }
        }
        debug_assert!(edges.windows(2).all(|w| w[0].0 < w[1].0));
        for (_, edge) in edges.iter_mut() {
            edge.names.sort_by(|&a, &b| self.text(a).cmp(self.text(b)));
            edge.names.dedup();
        }
        // At `final`, when the plan is kept for the next, so is the graph.
        let keep = stage == self.final_stage && self.carry.is_some();
        let level = keep.then(|| memo::KeptLevel { on_cycle: component.iter().map(|&c| c != u32::MAX).collect(), node: pos, starts, successors });
        (kept, edges, sizes, level)
    }

    /// Breaks the cycles among instances of one stage; returns false when some remain.
    fn break_cycles(&mut self, stage: Stage) -> bool {
        let (nodes, edges, sccs, level) = crate::timing::pass("plan: cyclic components", || self.cyclic_level(stage));
        if level.is_some() {
            self.final_level = level;
        }
        if edges.is_empty() {
            return true;
        }
        for &n in &nodes {
            self.insts[n as usize].cyclic = true;
        }
        let pos = self.positions(&nodes);
        let mut g = ArcGraph::new(nodes.len());
        let mut edge_info = Vec::new();
        // A producer's name is taken by many consumers: where it can be taken from instead
        // is found once for each (an edge's target is the greatest stage all its names
        // have).
        let mut stages_of: HashMap<(u32, Name), StageMask> = HashMap::default();
        for &((x, y), ref edge) in &edges {
            let y_pkg = self.insts[y as usize].pkg;
            let mut mask = !0;
            for &name in &edge.names {
                mask &= *stages_of.entry((y_pkg, name)).or_insert_with(|| self.redirect_stages(y_pkg, stage, self.text(name)));
            }
            let target = highest_stage(mask);
            let cost = match (target, edge.pinned) {
                (Some(t), false) => {
                    let reduced = self.has_block(self.insts[y as usize].pkg, t);
                    Some(1000 + u32::from(!reduced))
                }
                _ => None,
            };
            g.add_edge(pos[x as usize], pos[y as usize], cost);
            edge_info.push((x, y, target));
        }
        self.scc_sizes.push((self.stage_name(stage).to_string(), sccs));
        // With `fewest-builds`, a node's heads are the builds redirects add: minimize those.
        let cfg = FasConfig {
            objective: match self.plan.cycle_breaking {
                CycleBreaking::FewestRedirects => Objective::FewestEdges,
                CycleBreaking::FewestBuilds => Objective::FewestHeads,
            },
            ..FasConfig::default()
        };
        // The level above was solved on much the same packages (an instance at this stage
        // is mostly the same build with a few dependencies fewer): its order is a start.
        let hint: Vec<u32> =
            nodes.iter().map(|&n| self.level_ranks.get(&self.insts[n as usize].pkg).copied().unwrap_or(u32::MAX)).collect();
        let solved = crate::timing::pass("plan: feedback arc set", || {
            // A poisoned memo (a panic elsewhere while it was held) is only not used.
            let mut memo = self.memo.and_then(|m| m.lock().ok());
            fas::min_feedback_arc_set_memo(&g, &cfg, &hint, memo.as_deref_mut().map(|m| &mut m.fas))
        });
        match solved {
            FasResult::Acyclic { removed, exact, .. } => {
                self.exact &= exact;
                self.level_ranks = level_ranks(&g, &removed, |v| self.insts[nodes[v as usize] as usize].pkg);
                let mut by_consumer: BTreeMap<InstId, Vec<(u32, Stage, Stage, InstId)>> = BTreeMap::new();
                let graph_index = self.level_graphs.len();
                self.level_graphs.push(crate::outcome::LevelGraph {
                    stage: self.stage_name(stage).to_string(),
                    nodes: nodes.iter().map(|&n| self.inst_name(n)).collect(),
                    edges: g.edge_ids().map(|e| g.endpoints(e)).collect(),
                    removed: removed.iter().map(|e| e.index() as u32).collect(),
                });
                for e in &removed {
                    let (x, y, target) = edge_info[e.index()];
                    let Some(t) = target else { continue };
                    let y_pkg = self.insts[y as usize].pkg;
                    by_consumer.entry(x).or_default().push((y_pkg, stage, t, y));
                    let names = &edges[e.index()].1.names;
                    let to = self.instance(y_pkg, t, |p| p.needed(x, names[0]));
                    for n in names {
                        self.redirects.push((x, *n, y, to));
                        self.redirect_edges.push((graph_index, e.index() as u32));
                    }
                }
                for (x, list) in by_consumer {
                    let inst = &mut self.insts[x as usize];
                    inst.overrides.extend(list.iter().map(|&(p, from, to, _)| (p, from, to)));
                    inst.resolved = false;
                    self.pending.push(x);
                }
                crate::timing::pass("plan: resolve redirected", || {
                    // The earlier instances the redirects made wait together: choose theirs
                    // on the threads first.
                    self.choose_pending();
                    self.resolve_pending();
                    self.chosen = Vec::new();
                    self.predicted = HashMap::default();
                });
                true
            }
            FasResult::Unbreakable { .. } => {
                // Redirects break every cycle through a redirectable edge; what is left
                // to report (and to drop) are the cycles of edges no redirect can take.
                let stuck: LevelEdges = edges
                    .into_iter()
                    .zip(&edge_info)
                    .filter(|((_, edge), (_, _, target))| target.is_none() || edge.pinned)
                    .map(|(e, _)| e)
                    .collect();
                self.suggest_breaks(stage, &nodes, &stuck);
                false
            }
        }
    }

    /// Cost of dropping a dependency at the lowest stage: documentation and test tools,
    /// and dependencies already restricted under some profile, are cheaper (botch's
    /// "weak" dependencies), but only slightly: each drop is work for a maintainer, so
    /// the count comes first and the kind breaks ties. (With doc drops at a fifth of the
    /// cost, bullseye needed 209 drops; at 8/9/10, 192.)
    fn drop_cost(dep: &Dep, name: &str) -> u32 {
        let doc_or_test = [
            "doc", "sphinx", "doxygen", "texlive", "texinfo", "help2man", "xmlto", "docbook", "pandoc", "ronn",
            "asciidoc", "test", "check", "pytest", "xvfb", "xauth", "dbus-x11", "valgrind", "lcov", "gtk-doc",
        ];
        let restricted = !dep.entry.when.is_always() || dep.dep().alternatives.iter().any(|a| !a.restrictions.is_always());
        if doc_or_test.iter().any(|w| name.contains(w)) {
            8
        } else if restricted {
            9
        } else {
            10
        }
    }

    /// The alternative of dependency entry `d` that instance `x` resolved (the first when
    /// none did), with its place in the plan.
    fn dep_site(&self, x: InstId, d: u32) -> (String, FileName, Span) {
        let inst = &self.insts[x as usize];
        let dep = inst.deps[d as usize];
        let alt = inst
            .inputs
            .iter()
            .find(|i| i.dep == d && !i.closure)
            .and_then(|i| dep.dep().alternatives.iter().position(|a| *a.name == *self.text(i.name)))
            .unwrap_or(0);
        (dep.dep().alternatives[alt].name.to_string(), dep.file.clone(), dep.entry.name_span(alt))
    }

    /// Suggested breaks for the cycles left at `stage`: a minimum-cost set of dependency
    /// entries whose dropping at this stage leaves it acyclic.
    fn suggest_breaks(&mut self, stage: Stage, nodes: &[InstId], edges: &LevelEdges) {
        // Stage blocks apply below `final` only: a cycle at `final` or `rebuild` (of
        // pinned edges) is reported without drops, since no overlay could express them.
        let droppable = stage < self.final_stage;
        let start = self.suggestions.len();
        let pos = self.positions(nodes);
        let mut g = ArcGraph::new(nodes.len());
        // Each edge X→Y is removed by dropping every dependency entry of X that pulls Y in.
        let mut edge_entries: Vec<(InstId, InstId, Vec<u32>)> = Vec::new();
        for &((x, y), _) in edges {
            let mut entries: Vec<u32> =
                self.each_input(x).filter(|i| i.from == From::Inst(y)).map(|i| i.dep).collect();
            entries.sort_unstable();
            entries.dedup();
            let cost: u32 = entries
                .iter()
                .map(|&d| {
                    let dep = &self.insts[x as usize].deps[d as usize];
                    Self::drop_cost(dep, &dep.dep().alternatives[0].name)
                })
                .sum();
            g.add_edge(pos[x as usize], pos[y as usize], Some(cost.max(1)));
            edge_entries.push((x, y, entries));
        }
        let removed = match fas::min_feedback_arc_set(&g, &FasConfig::default()) {
            FasResult::Acyclic { removed, exact, .. } => {
                self.exact &= exact;
                removed
            }
            FasResult::Unbreakable { .. } => Vec::new(),
        };
        // One diagnostic per cyclic component, naming its cycle and its suggested drops.
        let components = fas::sccs(&g);
        let comp_of: HashMap<u32, usize> =
            components.iter().enumerate().flat_map(|(c, ns)| ns.iter().map(move |&n| (n, c))).collect();
        let mut per_comp: BTreeMap<usize, ComponentReport> = BTreeMap::new();
        let mut finder = fas::CycleFinder::new(&g, &removed);
        for (k, e) in removed.iter().enumerate() {
            let (x, y, entries) = &edge_entries[e.index()];
            // Past a few hundred, finding each suggestion's own cycle costs more than
            // planning; those get the edge itself.
            let found = if k < MAX_EXPLAINED_SUGGESTIONS { finder.cycle_through(*e) } else { None };
            let found = found.unwrap_or_else(|| vec![*e]);
            let mut cycle: Vec<String> = found.iter().map(|&ce| self.inst_name(nodes[g.endpoints(ce).0 as usize])).collect();
            if found.len() == 1 && x != y {
                cycle.push(self.inst_name(*y));
            } else if let Some(first) = cycle.first().cloned() {
                cycle.push(first);
            }
            let comp = per_comp.entry(comp_of[&pos[*x as usize]]).or_insert_with(|| (found.clone(), Vec::new()));
            for &d in entries {
                let (name, file, span) = self.dep_site(*x, d);
                let package = self.pkg(self.insts[*x as usize].pkg).name.to_string();
                comp.1.push((self.suggestions.len(), format!("`{name}` from `{package}`")));
                self.suggestions.push(SuggestedBreak {
                    package,
                    stage: self.stage_name(stage).to_string(),
                    name,
                    file,
                    span,
                    cycle: cycle.clone(),
                });
            }
        }
        for (_, (cycle_edges, items)) in per_comp {
            // The chain names what each instance needs from the next, each need shown at
            // its place in the plan.
            let mut chain = Vec::new();
            let mut sites = Vec::new();
            for &ce in &cycle_edges {
                let (x, y, entries) = &edge_entries[ce.index()];
                // Show the need that keeps the edge (one no earlier instance serves).
                let y_pkg = self.insts[*y as usize].pkg;
                let (name, file, span) = entries
                    .iter()
                    .map(|&d| self.dep_site(*x, d))
                    .find(|(name, ..)| self.redirect_target(y_pkg, stage, &[name.as_str()]).is_none())
                    .unwrap_or_else(|| self.dep_site(*x, entries[0]));
                chain.push(format!("{} needs `{name}`", self.inst_name(*x)));
                sites.push((file, span, format!("`{}` needs `{name}` from `{}`", self.inst_name(*x), self.inst_name(*y))));
            }
            if let Some(&last) = cycle_edges.last() {
                chain.push(self.inst_name(edge_entries[last.index()].1));
            }
            let mut suggestion: Vec<String> = items.iter().take(5).map(|(_, s)| s.clone()).collect();
            if items.len() > 5 {
                suggestion.push(format!("and {} more", items.len() - 5));
            }
            // The primary place is the first need of the chain (on the edge the drops cut).
            let (file, span) = match sites.first() {
                Some((f, sp, _)) => (f.clone(), *sp),
                None => (self.suggestions[items[0].0].file.clone(), self.suggestions[items[0].0].span),
            };
            let suggestion = if droppable { suggestion } else { Vec::new() };
            let kind = DiagnosticKind::UnbreakableCycle { chain, suggestion, stage: self.stage_name(stage).to_string() };
            let mut diagnostic = Diagnostic::new(kind, &file, span);
            for (f, sp, message) in sites.into_iter().filter(|(f, sp, _)| (f, *sp) != (&file, span)).take(MAX_CHAIN_LABELS) {
                diagnostic = diagnostic.with_related(&f, sp, message);
            }
            self.diagnostics.push(diagnostic);
        }
        if !droppable {
            self.suggestions.truncate(start);
        }
    }

    /// Marks final (and rebuild) instances that consumed an output of another package's
    /// non-final instance (DESIGN: taint is direct consumption; what consumed a tainted
    /// instance is not itself tainted). Own-package inputs (a compiler built by its
    /// previous stage) do not taint.
    fn compute_taint(&mut self, order: &[InstId]) {
        for &i in order {
            let inst = &self.insts[i as usize];
            if inst.stage < self.final_stage {
                continue;
            }
            let tainted = self.each_input(i).any(|input| match input.from {
                From::Inst(j) => {
                    let p = &self.insts[j as usize];
                    p.pkg != inst.pkg && p.stage < self.final_stage
                }
                From::Seed(_) => false,
            });
            self.insts[i as usize].tainted = tainted;
        }
    }

    /// Every instance reachable from the targets, in a deterministic topological order
    /// (stage, then package name, among the ready ones); `None` if a cycle remains.
    /// Leaves every instance's producers in `producers_of` (the DAG's figures read them).
    fn topo_order(&mut self, targets: &[InstId]) -> Option<Vec<InstId>> {
        let all = self.all_producers();
        let mut reachable = vec![false; self.insts.len()];
        let mut stack: Vec<InstId> = targets.to_vec();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reachable[i as usize], true) {
                continue;
            }
            stack.extend_from_slice(&all[i as usize]);
        }
        // Each instance's users, in one array: counted, then placed.
        let mut indegree = vec![0u32; self.insts.len()];
        let mut starts = vec![0u32; self.insts.len() + 1];
        for i in (0..self.insts.len()).filter(|&i| reachable[i]) {
            indegree[i] = all[i].len() as u32;
            for &j in &all[i] {
                starts[j as usize + 1] += 1;
            }
        }
        for j in 0..self.insts.len() {
            starts[j + 1] += starts[j];
        }
        let mut placed = starts.clone();
        let mut users = vec![0 as InstId; starts[self.insts.len()] as usize];
        for i in (0..self.insts.len()).filter(|&i| reachable[i]) {
            for &j in &all[i] {
                users[placed[j as usize] as usize] = i as InstId;
                placed[j as usize] += 1;
            }
        }
        let rank = self.package_name_ranks();
        let key = |i: InstId| {
            let inst = &self.insts[i as usize];
            Reverse((inst.stage, rank[inst.pkg as usize]))
        };
        let mut ready: BinaryHeap<(Reverse<(Stage, u32)>, InstId)> = (0..self.insts.len() as InstId)
            .filter(|&i| reachable[i as usize] && indegree[i as usize] == 0)
            .map(|i| (key(i), i))
            .collect();
        let mut order = Vec::new();
        while let Some((_, i)) = ready.pop() {
            order.push(i);
            for &u in &users[starts[i as usize] as usize..starts[i as usize + 1] as usize] {
                indegree[u as usize] -= 1;
                if indegree[u as usize] == 0 {
                    ready.push((key(u), u));
                }
            }
        }
        let expected = reachable.iter().filter(|&&r| r).count();
        self.producers_of = all;
        (order.len() == expected).then_some(order)
    }

    /// By package: its place among the packages sorted by name (equal names, equal
    /// places), so that orders by name compare integers.
    fn package_name_ranks(&self) -> Vec<u32> {
        let packages = &self.plan.packages;
        // The merged plan keeps its packages sorted by name, each name once (it finds
        // them by binary search): then a package's place is its number.
        if packages.windows(2).all(|w| w[0].name < w[1].name) {
            return (0..packages.len() as u32).collect();
        }
        let mut by_name: Vec<u32> = (0..packages.len() as u32).collect();
        by_name.sort_unstable_by(|&a, &b| packages[a as usize].name.cmp(&packages[b as usize].name));
        let mut rank = vec![0u32; packages.len()];
        for (k, w) in by_name.windows(2).enumerate() {
            let same = packages[w[0] as usize].name == packages[w[1] as usize].name;
            rank[w[1] as usize] = if same { rank[w[0] as usize] } else { k as u32 + 1 };
        }
        rank
    }

    /// A cycle among the instances reachable from the targets, if there is one.
    fn remaining_cycle(&self, targets: &[InstId]) -> Vec<String> {
        // Depth-first search with colours: 1 on the stack, 2 done.
        let mut colour = vec![0u8; self.insts.len()];
        let producers = self.all_producers();
        let mut path: Vec<(InstId, usize)> = Vec::new();
        for &t in targets {
            if colour[t as usize] != 0 {
                continue;
            }
            path.push((t, 0));
            colour[t as usize] = 1;
            while let Some(&mut (v, ref mut next)) = path.last_mut() {
                let inputs = &producers[v as usize];
                if *next >= inputs.len() {
                    colour[v as usize] = 2;
                    path.pop();
                    continue;
                }
                let w = inputs[*next];
                *next += 1;
                {
                    match colour[w as usize] {
                        0 => {
                            colour[w as usize] = 1;
                            path.push((w, 0));
                        }
                        1 => {
                            let start = path.iter().position(|(p, _)| *p == w).unwrap_or(0);
                            let mut chain: Vec<String> = path[start..].iter().map(|(p, _)| self.inst_name(*p)).collect();
                            chain.push(self.inst_name(w));
                            return chain;
                        }
                        _ => {}
                    }
                }
            }
        }
        Vec::new()
    }

    /// Plans and builds the DAG.
    fn run(mut self) -> PlanOutcome {
        let (order, targets) = self.solve();
        let stats_base = self.stats_base();
        let outcome = match order {
            Some(order) if self.diagnostics.is_empty() => crate::timing::pass("plan: emit", || self.emit(order, stats_base)),
            _ => self.failed(&targets, stats_base),
        };
        let clean = outcome.dag.is_some() && outcome.diagnostics.is_empty() && outcome.suggestions.is_empty();
        self.keep_memo(clean);
        self.free_off_thread();
        outcome
    }

    /// Plans for the diagnostics alone, as `planc check` wants them: everything but
    /// building the DAG's actions (images are still resolved for their errors).
    fn check(mut self) -> Vec<Diagnostic> {
        let (order, targets) = self.solve();
        let planned = order.is_some();
        let diagnostics = match order {
            Some(order) if self.diagnostics.is_empty() => {
                let actions = ActionIndex::of(&order, self.insts.len());
                self.images(&actions);
                self.diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
                std::mem::take(&mut self.diagnostics)
            }
            _ => {
                let stats = self.stats_base();
                self.failed(&targets, stats).diagnostics
            }
        };
        self.keep_memo(planned && diagnostics.is_empty() && self.suggestions.is_empty());
        self.free_off_thread();
        diagnostics
    }

    /// Instances, resolution, cycle breaking, taint and rebuilds: the order of the
    /// instances to build when every cycle could be broken, and the targets.
    fn solve(&mut self) -> (Option<Vec<InstId>>, Vec<InstId>) {
        let mut targets: Vec<InstId> = Vec::new();
        for p in 0..self.plan.packages.len() as u32 {
            targets.push(self.instance(p, self.final_stage, |_| Reason::Target("every package is built at `final`")));
        }
        for verify in &self.plan.verifies {
            for package in &verify.item.packages {
                let Some(p) = self.plan.package(&package.text) else { continue };
                for stage in [&verify.item.left, &verify.item.right] {
                    match self.stage_of(&stage.text) {
                        Some(s) if s >= 1 && Some(s) != self.rebuild_stage => {
                            targets.push(self.instance(p as u32, s, |_| Reason::Target("a `verify` pair compares it")));
                        }
                        _ => {}
                    }
                }
            }
        }
        crate::timing::pass("plan: resolve", || {
            self.resolve_choosing_alongside();
            self.chosen = Vec::new();
        });
        let ok = crate::timing::pass("plan: break cycles", || {
            let mut ok = true;
            for stage in (1..=self.final_stage).rev() {
                ok &= self.break_cycles(stage);
            }
            ok
        });
        let mut order = if ok { crate::timing::pass("plan: order", || self.topo_order(&targets)) } else { None };
        if let Some(o) = &order {
            let o = o.clone();
            self.compute_taint(&o);
            if let Some(rebuild) = self.rebuild_stage {
                let tainted: Vec<u32> = o
                    .iter()
                    .filter(|&&i| self.insts[i as usize].tainted && self.insts[i as usize].stage == self.final_stage)
                    .map(|&i| self.insts[i as usize].pkg)
                    .collect();
                if !tainted.is_empty() {
                    self.rebuilt.extend(tainted.iter().copied());
                    for p in tainted {
                        targets.push(self.instance(p, rebuild, |_| Reason::Target("`rebuild-tainted` rebuilds tainted instances")));
                    }
                    self.resolve_pending();
                    if self.break_cycles(rebuild) {
                        order = self.topo_order(&targets);
                        if let Some(o) = &order {
                            let o = o.clone();
                            self.compute_taint(&o);
                        }
                    } else {
                        order = None;
                    }
                }
            }
        }
        let mut verify_errors = Vec::new();
        for verify in &self.plan.verifies {
            for package in &verify.item.packages {
                let Some(p) = self.plan.package(&package.text) else { continue };
                for stage in [&verify.item.left, &verify.item.right] {
                    let exists = self.stage_of(&stage.text).and_then(|s| self.index.get(p as u32, s)).is_some();
                    if !exists {
                        verify_errors.push(Diagnostic::new(
                            DiagnosticKind::VerifyMissingInstance { package: package.text.to_string(), stage: stage.text.to_string() },
                            &verify.file,
                            stage.span,
                        ));
                    }
                }
            }
        }
        self.diagnostics.extend(verify_errors);
        (order, targets)
    }

    fn stats_base(&mut self) -> PlanStats {
        PlanStats {
            packages: self.plan.packages.len(),
            scc_sizes: std::mem::take(&mut self.scc_sizes),
            exact: self.exact,
            ..PlanStats::default()
        }
    }

    /// The outcome of a plan that has errors (or cycles left for suggested breaks).
    fn failed(&mut self, targets: &[InstId], stats_base: PlanStats) -> PlanOutcome {
        if self.diagnostics.is_empty() && self.suggestions.is_empty() {
            // Cycle breaking either succeeds or reports; this names what is left
            // if it ever does neither.
            let mut chain = vec!["(internal: a cycle survived cycle breaking)".to_string()];
            chain.extend(self.remaining_cycle(targets));
            self.diagnostics.push(Diagnostic::new(
                DiagnosticKind::UnbreakableCycle { chain, suggestion: vec![], stage: String::new() },
                &FileName::from(""),
                Span::empty(0),
            ));
        }
        self.diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.diagnostics.dedup();
        PlanOutcome {
            dag: None,
            diagnostics: std::mem::take(&mut self.diagnostics),
            reasons: Vec::new(),
            redirect_edges: Vec::new(),
            level_graphs: Vec::new(),
            suggestions: std::mem::take(&mut self.suggestions),
            stats: stats_base,
            stats_with_breaks: None,
        }
    }

    /// Every name's position in the sorted order of all of them, and the seeds'
    /// positions in the sorted order of their names.
    fn name_ranks(&self) -> NameRanks {
        let mut seeds: Vec<u32> = (0..self.plan.seeds.len() as u32).collect();
        seeds.sort_by_key(|&s| &self.plan.seeds[s as usize].name);
        let mut by_seed = vec![0; seeds.len()];
        for (r, s) in seeds.into_iter().enumerate() {
            by_seed[s as usize] = r as u32;
        }
        NameRanks { names: self.names.ranks(), seeds: by_seed }
    }

    /// Inputs as the DAG lists them: producers by action index, sorted by name, then
    /// producer (compared through the names' ranks: an archive has millions of inputs,
    /// and comparing integers is what makes sorting them cheap), without duplicates.
    fn dag_inputs(&self, views: impl Iterator<Item = InputView>, e: &EmitContext) -> Vec<dag::Input> {
        let mut keyed: Vec<((u32, usize, u32), InputView)> = views
            .map(|input| {
                let key = match input.from {
                    From::Inst(j) => (e.ranks.of(input.name), e.actions.0[j as usize], e.ranks.of(input.output)),
                    From::Seed(s) => (e.ranks.of(input.name), usize::MAX, e.ranks.seeds[s as usize]),
                };
                (key, input)
            })
            .collect();
        keyed.sort_unstable_by_key(|(key, _)| *key);
        keyed.dedup_by_key(|(key, _)| *key);
        keyed
            .into_iter()
            .map(|(key, input)| dag::Input {
                name: self.names.text(input.name).clone(),
                from: match input.from {
                    From::Inst(_) => dag::Producer::Action { action: key.1, output: self.names.text(input.output).clone() },
                    From::Seed(s) => dag::Producer::Seed { seed: e.seed_names[s as usize].clone() },
                },
            })
            .collect()
    }

    /// The installation sets that go to the DAG's shared `input_sets`: those taken by two
    /// actions or more (the others are listed in their one action's inputs), numbered
    /// in order of first use.
    fn shared_sets(&self, order: &[InstId]) -> (Vec<Option<u32>>, Vec<SetId>) {
        let mut uses: Vec<u32> = vec![0; self.sets.len()];
        for &i in order {
            for &(_, c) in &self.insts[i as usize].closures {
                uses[c as usize] += 1;
            }
        }
        let mut index: Vec<Option<u32>> = vec![None; self.sets.len()];
        let mut sets = Vec::new();
        for &i in order {
            for &(_, c) in &self.insts[i as usize].closures {
                if uses[c as usize] >= 2 && self.sets.get(c).len() >= 2 && index[c as usize].is_none() {
                    index[c as usize] = Some(sets.len() as u32);
                    sets.push(c);
                }
            }
        }
        (index, sets)
    }

    /// The DAG action of instance `i`.
    fn action(&self, i: InstId, e: &EmitContext) -> dag::Action {
        let inst = &self.insts[i as usize];
        let def = self.pkg(inst.pkg);
        let non_final = inst.stage < self.final_stage;
        let suffix = |v: Option<&str>| -> Option<String> {
            v.map(|v| if non_final { format!("{v}~{}", self.stage_name(inst.stage)) } else { v.to_string() })
        };
        let mut outputs: Vec<dag::Output> = def
            .outputs
            .iter()
            .filter(|o| self.produces(inst.pkg, o, None, inst.stage))
            .chain(def.stages.iter().filter(|s| self.stage_of(&s.name) == Some(inst.stage)).flat_map(|s| &s.outputs))
            .map(|o| dag::Output {
                name: o.name.to_string(),
                version: suffix(o.version.as_deref().or(def.version.as_deref())),
                depends: o.depends.iter().map(|d| d.dep().to_string()).collect(),
                provides: o.provides.iter().map(|(n, _)| n.to_string()).collect(),
            })
            .collect();
        outputs.sort_by(|x, y| x.name.cmp(&y.name));
        outputs.dedup_by(|x, y| x.name == y.name);
        let shared = |c: SetId| e.shared[c as usize].map(|s| s as usize);
        let mut input_sets: Vec<usize> = inst.closures.iter().filter_map(|&(_, c)| shared(c)).collect();
        input_sets.sort_unstable();
        input_sets.dedup();
        let own = inst.inputs.iter().map(|i| InputView { name: i.name, output: i.output, from: i.from, dep: i.dep });
        let unshared = inst.closures.iter().filter(|&&(_, c)| shared(c).is_none()).flat_map(|&(dep, c)| {
            self.sets.get(c).iter().map(move |&(name, output, from)| InputView { name, output, from, dep })
        });
        let inputs = self.dag_inputs(own.chain(unshared), e);
        let in_sets: usize = input_sets.iter().map(|&s| e.set_sizes[s]).sum();
        dag::Action {
            id: self.inst_name(i),
            package: def.name.to_string(),
            version: def.version.as_ref().map(|v| v.to_string()),
            stage: self.stage_name(inst.stage).to_string(),
            profiles: inst.profiles.iter().map(|p| p.to_string()).collect(),
            cost_ms: 1000 + 20 * (inputs.len() + in_sets) as u64,
            inputs,
            input_sets,
            outputs,
            source: def.source.clone(),
            build: def.build.clone(),
            check: def.check.clone(),
            env: def.env.clone(),
            timeout_secs: def.timeout_secs,
            tainted: inst.tainted,
        }
    }

    /// Builds the DAG from a topological order of the instances.
    fn emit(&mut self, order: Vec<InstId>, mut stats: PlanStats) -> PlanOutcome {
        // Actions and shared sets are independent of one another: they are built on the
        // planner's threads (an archive's DAG has millions of inputs to copy and sort), and
        // so are the names' order and the sets to share, before them.
        let threads = if order.len() >= PARALLEL_EMIT_MIN { self.threads } else { 1 };
        let (ranks, (shared, set_closures)) = join(threads > 1, || self.name_ranks(), || self.shared_sets(&order));
        let mut e = EmitContext {
            ranks,
            actions: ActionIndex::of(&order, self.insts.len()),
            seed_names: self.plan.seeds.iter().map(|s| Arc::from(&*s.name)).collect(),
            shared,
            set_sizes: Vec::new(),
        };
        let input_sets: Vec<Vec<dag::Input>> = map_in_shares(threads, PARALLEL_SHARE, &set_closures, || (), |(), &c| {
            self.dag_inputs(self.sets.get(c).iter().map(|&(name, output, from)| InputView { name, output, from, dep: 0 }), &e)
        });
        e.set_sizes = input_sets.iter().map(Vec::len).collect();
        let actions: Vec<dag::Action> = map_in_shares(threads, PARALLEL_SHARE, &order, || (), |(), &i| self.action(i, &e));
        let action_at = e.actions;
        let reasons: Vec<Reason> = order.iter().map(|&i| self.insts[i as usize].reason.clone()).collect();
        let mut redirects = Vec::new();
        let mut redirect_edges = Vec::new();
        for (k, (x, name, original, to)) in self.redirects.iter().enumerate() {
            if let (Some(from), Some(to)) = (action_at.get(*x), action_at.get(*to)) {
                redirects.push(dag::Redirect { from, name: self.text(*name).to_string(), original: self.inst_name(*original), to });
                redirect_edges.push(self.redirect_edges[k]);
            }
        }
        let targets: HashSet<InstId> = self.redirects.iter().map(|r| r.3).filter(|&t| action_at.get(t).is_some()).collect();
        stats.redirect_targets = targets.len();
        let images = self.images(&action_at);
        let verify = self.verify_pairs(&action_at);
        let dag = StagedDag {
            format_version: dag::FORMAT_VERSION,
            plan: self.plan.name.to_string(),
            stages: self.stage_names.iter().map(|s| s.to_string()).collect(),
            profiles: self.global_profiles.iter().map(|p| p.to_string()).collect(),
            seeds: self
                .plan
                .seeds
                .iter()
                .map(|s| dag::Seed {
                    name: s.name.to_string(),
                    host_tools: s.host_tools.iter().map(|t| t.to_string()).collect(),
                    archive: s.archive.clone(),
                    provides: s.provides.iter().map(|(n, _)| n.to_string()).collect(),
                })
                .collect(),
            input_sets,
            actions,
            verify,
            images,
            redirects,
        };
        self.fill_stats(&mut stats, &order, &action_at, dag.redirects.len());
        self.diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let ok = self.diagnostics.is_empty();
        PlanOutcome {
            dag: ok.then_some(dag),
            diagnostics: std::mem::take(&mut self.diagnostics),
            reasons,
            redirect_edges,
            level_graphs: std::mem::take(&mut self.level_graphs),
            suggestions: std::mem::take(&mut self.suggestions),
            stats,
            stats_with_breaks: None,
        }
    }

    /// The DAG's figures: instances per stage, layers, taint, reduced builds, and what
    /// builds from the seed without meeting a cycle (botch's build fixpoint).
    /// Reads each instance's producers as the order left them (`producers_of`), by action
    /// the same as the DAG's `all_producers`.
    fn fill_stats(&self, stats: &mut PlanStats, order: &[InstId], action_at: &ActionIndex, redirects: usize) {
        let mut per_stage = vec![0usize; self.stage_names.len()];
        let mut depth = vec![0usize; order.len()];
        let mut from_seed = vec![false; order.len()];
        let mut reduced_by: BTreeMap<String, usize> = BTreeMap::new();
        for (a, &i) in order.iter().enumerate() {
            let inst = &self.insts[i as usize];
            let producers = || self.producers_of[i as usize].iter().map(|&p| action_at.0[p as usize]);
            depth[a] = producers().map(|p| depth[p] + 1).max().unwrap_or(0);
            if inst.stage == self.final_stage && !inst.cyclic {
                from_seed[a] = producers().all(|p| from_seed[p]);
                stats.from_seed_direct += usize::from(self.producers_of[i as usize].is_empty());
            }
            let (block, profiles) = self.reductions(inst.pkg, inst.stage);
            if block || !profiles.is_empty() {
                stats.reduced += 1;
                if block {
                    *reduced_by.entry("stage block".into()).or_default() += 1;
                }
                for p in profiles {
                    *reduced_by.entry(p.into()).or_default() += 1;
                }
            }
            per_stage[inst.stage as usize] += 1;
        }
        stats.instances = order.len();
        stats.per_stage =
            self.stage_names.iter().zip(&per_stage).filter(|(_, n)| **n > 0).map(|(s, n)| (s.to_string(), *n)).collect();
        stats.redirects = redirects;
        stats.tainted = order.iter().filter(|&&i| self.insts[i as usize].tainted).count();
        stats.rebuilt = self.rebuilt.len();
        stats.layers = depth.iter().max().map_or(0, |d| d + 1);
        stats.from_seed = from_seed.iter().filter(|&&f| f).count();
        stats.reduced_by = reduced_by.into_iter().collect();
        stats.outputs = self.plan.packages.iter().map(|p| p.outputs.len()).sum();
        stats.seeded = self.plan.seeds.iter().map(|s| s.provides.len()).sum();
    }

    /// The instance an image takes a package from: the rebuild if there is one, else final.
    fn image_instance(&self, pkg: u32) -> Option<InstId> {
        self.rebuild_stage
            .and_then(|r| self.index.get(pkg, r))
            .or_else(|| self.index.get(pkg, self.final_stage))
    }

    fn images(&mut self, action_at: &ActionIndex) -> Vec<dag::Image> {
        let mut out = Vec::new();
        for image in &self.plan.images {
            let mut members: Vec<(InstId, Name)> = Vec::new();
            for name in &image.item.include {
                if let Some(p) = self.plan.package(&name.text) {
                    if let Some(i) = self.image_instance(p as u32) {
                        let def = self.pkg(p as u32);
                        for o in &def.outputs {
                            if self.produces(p as u32, o, None, self.insts[i as usize].stage) {
                                members.push((i, self.intern(&o.name)));
                            }
                        }
                    }
                } else {
                    let found = self.producers_of_name(&name.text).iter().find_map(|p| match p {
                        Producer::Output { pkg, out, .. } => self.image_instance(*pkg).map(|i| (i, self.output_names[*out as usize])),
                        Producer::Seed { .. } => None,
                    });
                    members.extend(found);
                }
            }
            let mut seen: HashSet<(InstId, Name)> = HashSet::default();
            let mut queue = members;
            let mut refs = Vec::new();
            while let Some((i, o)) = queue.pop() {
                if !seen.insert((i, o)) {
                    continue;
                }
                let inst = &self.insts[i as usize];
                if inst.stage < self.final_stage || inst.tainted {
                    let d = Diagnostic::new(
                        DiagnosticKind::ImageTainted {
                            image: image.item.name.text.to_string(),
                            output: self.text(o).to_string(),
                            instance: self.inst_name(i),
                            tainted: inst.tainted,
                        },
                        &image.file,
                        image.item.name.span,
                    );
                    self.diagnostics.push(d);
                    continue;
                }
                let Some(action) = action_at.get(i) else { continue };
                refs.push(dag::OutputRef { action, output: self.text(o).to_string() });
                let stage = inst.stage;
                let set = self.closure(From::Inst(i), o, stage, i);
                for &(_, o2, f2) in self.sets.get(set).iter() {
                    if let From::Inst(j) = f2 {
                        let j_pkg = self.insts[j as usize].pkg;
                        let best = self.image_instance(j_pkg).unwrap_or(j);
                        queue.push((best, o2));
                    }
                }
            }
            refs.sort_by(|a, b| (a.action, &a.output).cmp(&(b.action, &b.output)));
            refs.dedup();
            out.push(dag::Image {
                name: image.item.name.text.to_string(),
                format: image.item.format.as_ref().map_or("tar.zst".to_string(), |f| f.text.to_string()),
                outputs: refs,
            });
        }
        out
    }

    fn verify_pairs(&self, action_at: &ActionIndex) -> Vec<dag::Verify> {
        let mut out = Vec::new();
        for verify in &self.plan.verifies {
            for package in &verify.item.packages {
                let Some(p) = self.plan.package(&package.text) else { continue };
                let find = |stage: &str| {
                    self.stage_of(stage).and_then(|s| self.index.get(p as u32, s)).and_then(|i| action_at.get(i))
                };
                if let (Some(left), Some(right)) = (find(&verify.item.left.text), find(&verify.item.right.text)) {
                    out.push(dag::Verify { left, right });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;

mod memo;
mod names;
mod recheck;
pub use memo::PlanMemo;
use memo::KeptChoice;
use names::{Name, Names};
