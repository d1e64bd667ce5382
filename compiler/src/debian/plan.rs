//! From a parsed archive to what the plan holds: the seed, the source packages to build
//! with their outputs, the sources whose build-dependencies cannot be met, and which
//! sources change under the stage1 profiles.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;

use super::arch::Arch;
use super::archive::Archive;
use super::formula::Formula;
use super::package::{Output, Package};
use super::providers::{Providers, Versions};
use super::relation::{Relation, group_text};
use super::report::Unsatisfiable;
use super::seed::Seed;
use super::source::Source;
use super::universe::Universe;

/// The profiles every instance at stage1 builds with (`stage "stage1" { profiles … }`).
pub(crate) const STAGE1_PROFILES: &[&str] = &["stage1", "nocheck", "nodoc"];

/// No profile: a normal build, the one satisfiability is judged by.
const NO_PROFILES: &[&str] = &[];

pub(crate) struct Plan<'a, 'b> {
    /// The seed's outputs, sorted by name.
    pub seed: Vec<Output<'a, 'b>>,
    /// Sorted by name.
    pub packages: Vec<Package<'a, 'b>>,
    /// Sorted by source name.
    pub unsatisfiable: Vec<Unsatisfiable>,
    pub counts: PlanCounts,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct PlanCounts {
    pub extra_source_only: usize,
    pub superseded_sources: usize,
    pub binaries_available: usize,
    pub minimal_system: usize,
    pub seed_sources: usize,
    pub sources_in_seed: usize,
    pub udebs_skipped: usize,
    pub output_conflicts: usize,
    pub outputs_not_in_packages: usize,
    pub build_conflicts_dropped: usize,
}

/// A source with outputs of its own outside the seed: planned unless unsatisfiable.
struct Candidate<'a, 'b> {
    source: &'b Source<'a>,
    outputs: Vec<Output<'a, 'b>>,
}

/// What one build-dependency group needs, under no profile.
enum Need {
    /// Something in the seed satisfies it.
    Met,
    /// Some output of these candidates does (sorted, without duplicates).
    AnyOf(Vec<usize>),
    /// Nothing does; `true` when some binary has the name, at another version.
    Unmet { version_mismatch: bool },
}

impl<'a, 'b> Plan<'a, 'b> {
    pub(crate) fn build(archive: &'b Archive<'a>, arch: &Arch) -> Plan<'a, 'b> {
        let mut counts = PlanCounts::default();
        let mut versions = Versions::default();

        let mut sources: Vec<&'b Source<'a>> = archive
            .sources
            .iter()
            .filter(|s| !s.extra_source_only)
            .collect();
        counts.extra_source_only = archive.sources.len() - sources.len();
        sources.sort_by(|a, b| {
            a.name.cmp(b.name).then_with(|| {
                versions
                    .compare(b.version, a.version)
                    .unwrap_or_else(|| b.version.cmp(a.version))
            })
        });
        let listed = sources.len();
        sources.dedup_by(|later, first| later.name == first.name);
        counts.superseded_sources = listed - sources.len();

        let universe = Universe::new(&archive.binaries, &mut versions);
        counts.binaries_available = universe.binaries.len();
        let seed = Seed::compute(&universe, &mut versions);
        counts.minimal_system = seed.minimal;
        let in_seed: FxHashSet<&str> = seed
            .binaries
            .iter()
            .map(|&i| universe.binaries[i].name)
            .collect();

        let candidates = candidates(&sources, &universe, &seed, &in_seed, arch, &mut counts);
        let alive = satisfiable(&candidates, &universe, &seed, &mut versions);

        let mut packages = Vec::new();
        let mut unsatisfiable = Vec::new();
        for (c, candidate) in candidates.into_iter().enumerate() {
            let source = candidate.source;
            match &alive[c] {
                Ok(()) => {
                    counts.build_conflicts_dropped += source.build_conflicts;
                    let stage1 = changes_at_stage1(source, &candidate.outputs);
                    packages.push(Package {
                        name: source.name,
                        version: source.version,
                        build_depends: &source.build_depends,
                        outputs: candidate.outputs,
                        stage1,
                    });
                }
                Err((dependency, reason)) => unsatisfiable.push(Unsatisfiable {
                    source: source.name.to_owned(),
                    version: source.version.to_owned(),
                    dependency: dependency.clone(),
                    reason: reason.clone(),
                }),
            }
        }

        let seed = seed
            .binaries
            .iter()
            .map(|&i| {
                let b = universe.binaries[i];
                Output {
                    name: b.name,
                    version: b.version,
                    formula: Formula::always(),
                    depends: &b.depends,
                    provides: &b.provides,
                }
            })
            .collect();
        Plan {
            seed,
            packages,
            unsatisfiable,
            counts,
        }
    }
}

/// The binaries a source builds for `arch`, from `Package-List` (or `Binary` and
/// `Packages` for stanzas without one), sorted by name; udebs are counted, not kept.
fn arch_outputs<'a>(
    source: &Source<'a>,
    universe: &Universe<'a, '_>,
    arch: &Arch,
    udebs: &mut usize,
) -> Vec<(&'a str, Formula<'a>)> {
    // Without `arch=`: what `Packages` says, else the source's `Architecture` if it
    // builds no `all` binary.
    let guessed = |name: &str| match universe.get(name).map(|i| universe.binaries[i]) {
        Some(b) if b.source == source.name => b.architecture != "all",
        _ => {
            let wildcards = source.architecture.split_ascii_whitespace();
            !source
                .architecture
                .split_ascii_whitespace()
                .any(|w| w == "all")
                && arch.is_any_of(wildcards)
        }
    };
    let mut outputs = Vec::new();
    match &source.package_list {
        Some(list) => {
            for entry in list {
                let for_arch = match entry.arches {
                    Some(arches) => arch.is_any_of(arches.split(',')),
                    None => guessed(entry.name),
                };
                match entry.kind {
                    _ if !for_arch => {}
                    "deb" => outputs.push((entry.name, entry.formula.clone())),
                    "udeb" => *udebs += 1,
                    _ => {}
                }
            }
        }
        None => {
            for &name in &source.binaries {
                if !guessed(name) {
                } else if name.ends_with("-udeb") {
                    *udebs += 1;
                } else {
                    outputs.push((name, Formula::always()));
                }
            }
        }
    }
    outputs.sort_by(|a, b| a.0.cmp(b.0));
    outputs.dedup_by(|later, first| later.0 == first.0);
    outputs
}

/// The sources that build something for the architecture that the seed does not hold,
/// with those outputs. A binary listed by two sources goes to the one `Packages` says
/// built it, else to the first by name.
fn candidates<'a, 'b>(
    sources: &[&'b Source<'a>],
    universe: &Universe<'a, 'b>,
    seed: &Seed<'a>,
    in_seed: &FxHashSet<&str>,
    arch: &Arch,
    counts: &mut PlanCounts,
) -> Vec<Candidate<'a, 'b>> {
    let listed: Vec<_> = sources
        .iter()
        .map(|s| arch_outputs(s, universe, arch, &mut counts.udebs_skipped))
        .collect();
    let built_by = |name: &str, source: &str| {
        universe
            .get(name)
            .is_some_and(|i| universe.binaries[i].source == source)
    };
    let mut owner: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, source) in sources.iter().enumerate() {
        if seed.sources.contains(source.name) {
            continue;
        }
        for (name, _) in &listed[i] {
            if in_seed.contains(name) {
                continue;
            }
            match owner.entry(name) {
                Entry::Vacant(e) => {
                    e.insert(i);
                }
                Entry::Occupied(mut e) => {
                    counts.output_conflicts += 1;
                    if built_by(name, source.name) && !built_by(name, sources[*e.get()].name) {
                        e.insert(i);
                    }
                }
            }
        }
    }

    let mut candidates = Vec::new();
    for (i, (source, listed)) in sources.iter().zip(listed).enumerate() {
        if seed.sources.contains(source.name) {
            counts.seed_sources += 1;
            continue;
        }
        let outputs: Vec<Output<'a, 'b>> = listed
            .into_iter()
            .filter(|(name, _)| owner.get(name) == Some(&i))
            .map(|(name, formula)| {
                let built = universe
                    .get(name)
                    .map(|b| universe.binaries[b])
                    .filter(|b| b.architecture != "all" && b.source == source.name);
                match built {
                    Some(b) => Output {
                        name,
                        version: b.version,
                        formula,
                        depends: &b.depends,
                        provides: &b.provides,
                    },
                    None => {
                        counts.outputs_not_in_packages += 1;
                        Output {
                            name,
                            version: source.version,
                            formula,
                            depends: &[],
                            provides: &[],
                        }
                    }
                }
            })
            .collect();
        if outputs.is_empty() {
            counts.sources_in_seed += 1;
        } else {
            candidates.push(Candidate { source, outputs });
        }
    }
    candidates
}

/// The alternatives of a group that a build with exactly these profiles uses.
fn active<'r, 'a>(
    group: &'r [Relation<'a>],
    profiles: &[&str],
) -> impl Iterator<Item = &'r Relation<'a>> {
    group.iter().filter(move |alt| alt.formula.eval(profiles))
}

/// For each candidate, `Ok` when its build-dependencies can be met under no profile by
/// the seed and the outputs of satisfiable candidates (a fixpoint: dropping a source
/// drops its outputs), else the first unmet group and why.
fn satisfiable<'a>(
    candidates: &[Candidate<'a, '_>],
    universe: &Universe<'a, '_>,
    seed: &Seed<'a>,
    versions: &mut Versions<'a>,
) -> Vec<Result<(), (String, String)>> {
    // `None` owns the seed's binaries, `Some(c)` candidate c's outputs.
    let mut providers: Providers<'a, Option<usize>> = Providers::new();
    for &i in &seed.binaries {
        let b = universe.binaries[i];
        providers.add(None, b.name, b.version, &b.provides);
    }
    for (c, candidate) in candidates.iter().enumerate() {
        for output in candidate
            .outputs
            .iter()
            .filter(|o| o.formula.eval(NO_PROFILES))
        {
            providers.add(Some(c), output.name, output.version, output.provides);
        }
    }

    // needs[c]: (index of the group in build_depends, what it needs).
    let needs: Vec<Vec<(usize, Need)>> = candidates
        .iter()
        .map(|candidate| {
            let mut needs = Vec::new();
            let mut owners = Vec::new();
            for (g, group) in candidate.source.build_depends.iter().enumerate() {
                owners.clear();
                let mut named = false;
                let mut any = false;
                for alt in active(group, NO_PROFILES) {
                    any = true;
                    named |= providers.has(alt.name);
                    providers.for_each_match(alt, versions, |owner| owners.push(owner));
                    if owners.contains(&None) {
                        break;
                    }
                }
                if !any {
                    continue;
                }
                let need = if owners.contains(&None) {
                    Need::Met
                } else if owners.is_empty() {
                    Need::Unmet {
                        version_mismatch: named,
                    }
                } else {
                    let mut owners: Vec<usize> = owners.iter().flatten().copied().collect();
                    owners.sort_unstable();
                    owners.dedup();
                    Need::AnyOf(owners)
                };
                needs.push((g, need));
            }
            needs
        })
        .collect();

    // Propagate: `remaining[c][k]` counts the live providers of candidate c's k-th need.
    let mut alive = vec![true; candidates.len()];
    let mut remaining: Vec<Vec<usize>> = Vec::with_capacity(candidates.len());
    let mut dependents: Vec<Vec<(usize, usize)>> = vec![Vec::new(); candidates.len()];
    let mut dead = Vec::new();
    for (c, needs) in needs.iter().enumerate() {
        let mut counts = Vec::with_capacity(needs.len());
        for (k, (_, need)) in needs.iter().enumerate() {
            match need {
                Need::Met => counts.push(usize::MAX),
                Need::AnyOf(owners) => {
                    counts.push(owners.len());
                    for &owner in owners {
                        dependents[owner].push((c, k));
                    }
                }
                Need::Unmet { .. } => {
                    counts.push(0);
                    if alive[c] {
                        alive[c] = false;
                        dead.push(c);
                    }
                }
            }
        }
        remaining.push(counts);
    }
    while let Some(d) = dead.pop() {
        for &(c, k) in &dependents[d] {
            remaining[c][k] -= 1;
            if remaining[c][k] == 0 && alive[c] {
                alive[c] = false;
                dead.push(c);
            }
        }
    }

    // Reasons: the first group that nothing satisfies, else the first that only
    // unsatisfiable sources would (a group the source itself provides is never the cause).
    candidates
        .iter()
        .enumerate()
        .map(|(c, candidate)| {
            if alive[c] {
                return Ok(());
            }
            let unmet = needs[c].iter().find_map(|(g, need)| match need {
                Need::Unmet {
                    version_mismatch: false,
                } => Some((
                    g,
                    "no binary in the seed or the plan is named so or provides it".to_owned(),
                )),
                Need::Unmet {
                    version_mismatch: true,
                } => Some((
                    g,
                    "no binary in the seed or the plan has a version that satisfies it".to_owned(),
                )),
                _ => None,
            });
            let cascade = || {
                needs[c].iter().find_map(|(g, need)| match need {
                    Need::AnyOf(owners) if owners.iter().all(|&o| !alive[o] && o != c) => {
                        let names: Vec<String> = owners
                            .iter()
                            .map(|&o| format!("`{}`", candidates[o].source.name))
                            .collect();
                        Some((
                            g,
                            format!(
                                "only outputs of unsatisfiable sources provide it: {}",
                                names.join(", ")
                            ),
                        ))
                    }
                    _ => None,
                })
            };
            let (g, reason) = unmet
                .or_else(cascade)
                .unwrap_or((&usize::MAX, "unknown".to_owned()));
            let dependency = candidate
                .source
                .build_depends
                .get(*g)
                .map(|group| {
                    let active: Vec<Relation<'_>> = active(group, NO_PROFILES).cloned().collect();
                    group_text(&active, false)
                })
                .unwrap_or_default();
            Err((dependency, reason))
        })
        .collect()
}

/// Do the build-dependencies or outputs differ between a normal build and one with the
/// stage1 profiles? Only then is a stage1 instance worth declaring.
fn changes_at_stage1(source: &Source<'_>, outputs: &[Output<'_, '_>]) -> bool {
    let differs =
        |formula: &Formula<'_>| formula.eval(NO_PROFILES) != formula.eval(STAGE1_PROFILES);
    source
        .build_depends
        .iter()
        .flatten()
        .any(|alt| differs(&alt.formula))
        || outputs.iter().any(|o| differs(&o.formula))
}
