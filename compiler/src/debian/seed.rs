//! The seed of a native bootstrap, as botch assumes it: the minimal build system
//! (`Essential: yes`, build-essential, apt and debhelper, closed under their run-time
//! dependencies), every binary of the source packages those come from, and every
//! `Architecture: all` binary (those need no rebuild on a new architecture).

use std::collections::{BTreeSet, VecDeque};

use super::providers::Versions;
use super::universe::Universe;

/// Named roots of the minimal build system, besides the `Essential: yes` binaries.
pub(crate) const ROOTS: &[&str] = &["build-essential", "apt", "debhelper"];

pub(crate) struct Seed<'a> {
    /// Indexes into the universe's binaries, in name order.
    pub binaries: Vec<usize>,
    /// The minimal build system alone (before adding whole sources and `all` binaries).
    pub minimal: usize,
    /// The sources the minimal build system comes from: nothing of theirs is planned.
    pub sources: BTreeSet<&'a str>,
}

impl<'a> Seed<'a> {
    /// Closes the roots under `Pre-Depends` and `Depends`, taking in each group the first
    /// alternative that some binary satisfies (through `Provides` too).
    pub(crate) fn compute(universe: &Universe<'a, '_>, versions: &mut Versions<'a>) -> Seed<'a> {
        let binaries = &universe.binaries;
        let mut in_seed = vec![false; binaries.len()];
        let mut queue = VecDeque::new();
        let roots = binaries
            .iter()
            .enumerate()
            .filter(|(_, b)| b.essential)
            .map(|(i, _)| i)
            .chain(ROOTS.iter().filter_map(|name| universe.get(name)));
        for root in roots {
            if !in_seed[root] {
                in_seed[root] = true;
                queue.push_back(root);
            }
        }
        while let Some(i) = queue.pop_front() {
            for group in &binaries[i].depends {
                let chosen = group
                    .iter()
                    .find_map(|alt| universe.resolve(alt, versions, |j| in_seed[j]));
                if let Some(j) = chosen.filter(|&j| !in_seed[j]) {
                    in_seed[j] = true;
                    queue.push_back(j);
                }
            }
        }
        let minimal = in_seed.iter().filter(|&&s| s).count();
        let sources: BTreeSet<&str> = binaries
            .iter()
            .zip(&in_seed)
            .filter(|(_, s)| **s)
            .map(|(b, _)| b.source)
            .collect();
        for (b, s) in binaries.iter().zip(in_seed.iter_mut()) {
            *s |= b.architecture == "all" || sources.contains(b.source);
        }
        let binaries = (0..binaries.len()).filter(|&i| in_seed[i]).collect();
        Seed {
            binaries,
            minimal,
            sources,
        }
    }
}
