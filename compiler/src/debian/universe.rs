//! The binaries available for one architecture (its own and `Architecture: all`), one per
//! name, with lookups by name and by provided name.

use rustc_hash::FxHashMap;

use super::binary::Binary;
use super::providers::{Providers, Versions};
use super::relation::Relation;

pub(crate) struct Universe<'a, 'b> {
    /// Sorted by name; of several versions of one name, the highest.
    pub binaries: Vec<&'b Binary<'a>>,
    by_name: FxHashMap<&'a str, usize>,
    /// Owners are indexes into `binaries`.
    providers: Providers<'a, usize>,
}

impl<'a, 'b> Universe<'a, 'b> {
    pub(crate) fn new(all: &'b [Binary<'a>], versions: &mut Versions<'a>) -> Universe<'a, 'b> {
        // Sorting (name, index) pairs keeps the keys together in memory: sorting the
        // binaries themselves chased two pointers per comparison and took twice as long.
        let mut order: Vec<(&'a str, usize)> =
            all.iter().enumerate().map(|(i, b)| (b.name, i)).collect();
        order.sort_unstable();
        // Of several versions of one name, the highest (the first listed on a tie).
        let binaries: Vec<&Binary<'a>> = order
            .chunk_by(|x, y| x.0 == y.0)
            .map(|run| {
                run.iter()
                    .map(|&(_, i)| &all[i])
                    .reduce(|best, b| match versions.compare(b.version, best.version) {
                        Some(std::cmp::Ordering::Greater) => b,
                        _ => best,
                    })
                    .unwrap_or(&all[run[0].1])
            })
            .collect();
        let by_name = binaries
            .iter()
            .enumerate()
            .map(|(i, b)| (b.name, i))
            .collect();
        let mut providers = Providers::new();
        for (i, binary) in binaries.iter().enumerate() {
            providers.add(i, binary.name, binary.version, &binary.provides);
        }
        Universe {
            binaries,
            by_name,
            providers,
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The binary that installing `relation` would bring in: the binary of that name if
    /// its version fits, otherwise a provider (one already `chosen` if any, then the
    /// first by name).
    pub(crate) fn resolve(
        &self,
        relation: &Relation<'a>,
        versions: &mut Versions<'a>,
        chosen: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut candidates = Vec::new();
        self.providers
            .for_each_match(relation, versions, |i| candidates.push(i));
        if let Some(real) = self.get(relation.name).filter(|i| candidates.contains(i)) {
            return Some(real);
        }
        candidates
            .iter()
            .copied()
            .find(|&i| chosen(i))
            .or_else(|| candidates.into_iter().min())
    }
}
