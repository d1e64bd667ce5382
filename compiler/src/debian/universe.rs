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
        let mut binaries: Vec<&Binary<'a>> = all.iter().collect();
        // By name, then highest version first, so the first of each name is kept.
        binaries.sort_by(|a, b| {
            a.name.cmp(b.name).then_with(|| {
                versions
                    .compare(b.version, a.version)
                    .unwrap_or_else(|| b.version.cmp(a.version))
            })
        });
        binaries.dedup_by(|later, first| later.name == first.name);
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
        let candidates = self.providers.matching(relation, versions);
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
