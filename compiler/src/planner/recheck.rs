//! A re-check that plans nothing: after an edit that leaves a clean plan's instance graph
//! as it was, the plan is still clean.
//!
//! Planning is a function of the merged plan. When the edited files keep the plan's
//! interface (`Files::changed_since`: the same outputs, provided names, versions, seeds,
//! stages and stage blocks), only dependency lists (and steps, sources and the like,
//! which checking never reads) differ, and every package's producers and installation
//! sets are what they were. Planning the edited plan then differs from the last plan
//! only where it resolves the dependency entries of the packages whose definitions
//! changed. If each of their instances chooses, entry for entry, what it chose before
//! (the same instance of the same package for the same names, pinned or not alike; or
//! the same seed for a name whose installation set is empty), resolution makes the same
//! instances, inputs and installation sets, so cycle breaking, order, taint and images
//! see the same graph and the plan has the same diagnostics as before: none, as only a
//! clean plan is kept for this. What differs (the names taken from a seed, the places of
//! the entries) is what the DAG would show and checking does not read.
//!
//! A choice may also differ at a changed package's `final` instance when it takes, before
//! and after, only final instances of other packages (directly and through complete
//! installation sets the last plan computed), was on no cycle and had no redirect. Such
//! an instance makes no instance (every final one is a target) and is not tainted (it
//! takes nothing from below `final`), and nothing else reads its choices. If its new
//! edges close no cycle in the kept `final` graph ([`KeptLevel`]), cycle breaking sees
//! the same components and does what it did, and the edited plan is clean too. The kept
//! plan stays as it was: the next re-check compares with it again.
//!
//! Anything else (another choice at a lower stage, one that closes a cycle, an instance at
//! the rebuild stage, whose choices read which packages are rebuilt, too many changed
//! packages) plans in full.

use std::sync::{Arc, Mutex};

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::memo::{self, Carried, Files, InterfaceCache, KeptChoice, KeptClosures, KeptLevel, PlanMemo};
use super::names::Name;
use super::{Choice, ExtraDrops, From, InstId, Planner, Stage};
use crate::diagnostic::Diagnostic;
use crate::merged::{Dep, MergedPlan};

/// Past this many changed packages a re-check plans in full: choosing producers for them
/// alone would no longer be much cheaper.
const MAX_CHANGED_PACKAGES: usize = 512;

/// The edited plan's diagnostics when it can be shown to plan as the last clean plan did
/// (none), else `None`.
pub(super) fn unchanged(plan: &MergedPlan, profiles: &[Box<str>], files: &Files, memo: &Mutex<PlanMemo>) -> Option<Vec<Diagnostic>> {
    let mut memo = memo.lock().ok()?;
    let mut interfaces = std::mem::take(&mut memo.interfaces);
    let same = memo
        .carried_mut(memo::options(profiles, &ExtraDrops::default()))
        .and_then(|carried| same_graph(plan, profiles, files, carried, &mut interfaces));
    memo.interfaces = interfaces;
    if same != Some(true) {
        return None;
    }
    memo.count_recheck();
    Some(Vec::new())
}

/// Whether the edited plan resolves to the kept plan's instance graph; `None` when that
/// cannot be decided without planning.
fn same_graph(plan: &MergedPlan, profiles: &[Box<str>], files: &Files, carried: &mut Carried, interfaces: &mut InterfaceCache) -> Option<bool> {
    let Carried { files: kept_files, choices, closures: kept, clean, names, .. } = carried;
    let clean = clean.as_mut()?;
    let changed = files.changed_since_cached(kept_files, interfaces)?;
    // Images and verify pairs are not part of the interface; checking reads them.
    for name in &changed {
        let (new, old) = (&files.files.get(name)?.1, &kept_files.files.get(name)?.1);
        if new.images != old.images || new.verifies != old.verifies {
            return None;
        }
    }
    let old = &*clean.plan;
    if old.packages.len() != plan.packages.len() {
        return None;
    }
    // `Arc<PackageDef>` compares pointers first: the merge shares unchanged packages.
    let differ: Vec<u32> = (0..plan.packages.len() as u32)
        .filter(|&p| old.packages[p as usize] != plan.packages[p as usize])
        .take(MAX_CHANGED_PACKAGES + 1)
        .collect();
    if differ.len() > MAX_CHANGED_PACKAGES {
        return None;
    }
    if differ.is_empty() {
        return Some(true);
    }
    let mut wanted: HashSet<&str> = HashSet::default();
    for &p in &differ {
        let def = &plan.packages[p as usize];
        let lists = std::iter::once(&def.deps).chain(def.stages.iter().filter_map(|s| s.deps.as_ref()));
        wanted.extend(lists.flatten().flat_map(|d| d.dep().alternatives.iter().map(|a| &*a.name)));
    }
    // The packages to index: those producing a wanted name, and the changed ones.
    let producers = wanted.iter().filter_map(|name| names.get(name)).flat_map(|name| clean.producers.of(name));
    let mut packages: Vec<u32> = producers.copied().chain(differ.iter().copied()).collect();
    packages.sort_unstable();
    packages.dedup();
    // The planner takes the kept names, so that its choices name what the kept ones do
    // alike, and gives them back (with the names it added).
    let mut planner = Planner::index(plan, profiles.to_vec(), ExtraDrops::default(), std::mem::take(names), Some((&wanted, &packages)));
    let same = choose_alike(&planner, old, &differ, choices, kept, clean);
    *names = std::mem::take(&mut planner.names);
    same
}

/// Whether the changed packages' instances, chosen again by `planner`, make the kept
/// plan's graph, or one with only final instances' producers changed and no new cycle.
fn choose_alike(
    planner: &Planner,
    old: &MergedPlan,
    differ: &[u32],
    choices: &HashMap<memo::ChoiceKey, Arc<Vec<KeptChoice>>>,
    kept: &KeptClosures,
    clean: &memo::Clean,
) -> Option<bool> {
    let final_stage = planner.final_stage;
    // Final instances whose producers changed, with their new producers.
    let mut edited: Vec<(InstId, Vec<InstId>)> = Vec::new();
    for &p in differ {
        for stage in 1..planner.stage_names.len() as Stage {
            let Some(id) = kept.index.get(p, stage) else { continue };
            if !planner.keeps_at(stage) {
                return None;
            }
            let overrides = clean.overrides.get(id as usize)?;
            let before = choices.get(&(p, stage, overrides.clone()))?;
            let now = planner.dep_choices(p, stage, &planner.profiles(p, stage), overrides);
            let lists = (list_at(planner, old, p, stage), planner.dep_list(p, stage));
            if same_choices(planner, before, &now, lists) {
                continue;
            }
            // Other producers: only a final instance taking final instances of other
            // packages before and after, with no redirect, may (see `closes_no_cycle`).
            if stage != final_stage || !overrides.is_empty() {
                return Some(false);
            }
            let producers = |choices: &[KeptChoice]| final_producers(choices, p, final_stage, kept);
            let (Some(_), Some(new)) = (producers(before), producers(&now)) else { return Some(false) };
            edited.push((id, new));
        }
    }
    if edited.is_empty() {
        return Some(true);
    }
    Some(closes_no_cycle(clean.final_level.as_ref()?, &edited))
}

/// The final instances (in the kept plan's numbers) an instance of package `pkg` at
/// `final` with these choices takes outputs of, directly or through installation sets;
/// `None` when one is not a final instance of another package, or a set is not kept
/// complete (or at all, when nothing took that output at `final`), or an entry does not
/// resolve.
///
/// Such an instance makes no instance (every final one is a target), is not tainted (it
/// takes nothing from below `final`), and no instance exists for it alone.
fn final_producers(
    choices: &[KeptChoice],
    pkg: u32,
    final_stage: Stage,
    kept: &KeptClosures,
) -> Option<Vec<InstId>> {
    let mut out = Vec::new();
    let mut take = |i: InstId| {
        let (q, stage) = *kept.instances.get(i as usize)?;
        (q != pkg && stage == final_stage).then(|| out.push(i))
    };
    for choice in choices {
        let Ok((_, choice, output)) = &choice.result else { return None };
        let from = match *choice {
            Choice::Seed(s) => From::Seed(s),
            Choice::Package(q, stage) => {
                let i = kept.index.get(q, stage)?;
                take(i)?;
                From::Inst(i)
            }
        };
        for (_, _, member) in kept.complete((from, *output, final_stage))?.iter() {
            if let From::Inst(i) = *member {
                take(i)?;
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

/// Whether the kept plan's `final` graph, with the `edited` instances taking outputs of
/// the new producers instead, has the same cycles: then cycle breaking redirects what it
/// did, and makes the instances it made, and the edited plan is as clean as the kept one.
///
/// The edited instances were on no cycle. A cycle of the edited graph that passes none of
/// them is one of the kept graph, and the kept graph's cycles pass none of them and keep
/// their edges; so the cycles are the same exactly when no edited instance reaches itself.
fn closes_no_cycle(level: &KeptLevel, edited: &[(InstId, Vec<InstId>)]) -> bool {
    let mut successors: HashMap<u32, Vec<u32>> = HashMap::default();
    for (x, producers) in edited {
        let (Some(x), Some(producers)) = (level.node_of(*x), producers.iter().map(|&y| level.node_of(y)).collect::<Option<Vec<u32>>>())
        else {
            return false;
        };
        if level.on_cycle[x as usize] {
            return false;
        }
        successors.insert(x, producers);
    }
    successors.iter().all(|(&x, producers)| !level.reaches(producers, x, &successors))
}

/// The dependency list of P@s in `plan` (the kept plan), as [`Planner::dep_list`] reads it
/// in the plan it indexes.
fn list_at<'p>(planner: &Planner, plan: &'p MergedPlan, p: u32, stage: Stage) -> &'p [Dep] {
    let def = &plan.packages[p as usize];
    let block = if stage < planner.final_stage { def.stages.iter().find(|b| *b.name == *planner.stage_names[stage as usize]) } else { None };
    super::list_with_block(def, block)
}

/// Whether the choices `now` make the inputs `before` made, as far as planning's checks
/// read them: entry for entry, the same instance for the same names and outputs, pinned
/// or not alike; or the same seed for names whose installation sets are empty (a seed's
/// inputs are never on a cycle, and its provided names have no runtime dependencies).
/// Unresolved entries are never the same: they are reported.
fn same_choices(planner: &Planner, before: &[KeptChoice], now: &[KeptChoice], (old, new): (&[Dep], &[Dep])) -> bool {
    let pinned = |list: &[Dep], c: &KeptChoice| list.get(c.slot as usize).map(|d| d.entry.pin.is_some());
    let no_set = |s: u32, output: &Name| planner.output_defs(From::Seed(s), planner.text(*output)).iter().all(|od| od.depends.is_empty());
    before.len() == now.len()
        && before.iter().zip(now).all(|(b, n)| match (&b.result, &n.result) {
            (Ok((name_b, choice_b @ Choice::Package(..), output_b)), Ok((name_n, choice_n, output_n))) => {
                choice_b == choice_n
                    && name_b == name_n
                    && output_b == output_n
                    && pinned(old, b).is_some()
                    && pinned(old, b) == pinned(new, n)
            }
            (Ok((_, Choice::Seed(s), output_b)), Ok((_, Choice::Seed(t), output_n))) => {
                s == t && no_set(*s, output_b) && no_set(*t, output_n)
            }
            _ => false,
        })
}
