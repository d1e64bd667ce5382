//! Who can satisfy a dependency: binaries under their own name (at their version) and
//! through `Provides` (at the provided version, or unversioned), with dpkg's rule that
//! a versioned dependency is met only by a real version or a versioned `Provides`.

use rustc_hash::FxHashMap;

use debversion::Version;

use super::relation::{Relation, VersionOp};

/// Parsed versions, so each version string is parsed by `debversion` at most once.
#[derive(Default)]
pub(crate) struct Versions<'a> {
    parsed: FxHashMap<&'a str, Option<Version>>,
}

impl<'a> Versions<'a> {
    fn parse(&mut self, text: &'a str) {
        self.parsed.entry(text).or_insert_with(|| text.parse().ok());
    }

    /// dpkg's version order; `None` when either version does not parse.
    pub(crate) fn compare(&mut self, a: &'a str, b: &'a str) -> Option<std::cmp::Ordering> {
        if a == b {
            return Some(std::cmp::Ordering::Equal);
        }
        self.parse(a);
        self.parse(b);
        Some(self.parsed[a].as_ref()?.cmp(self.parsed[b].as_ref()?))
    }

    /// Does version `have` satisfy `(op want)`?
    pub(crate) fn satisfies(&mut self, have: &'a str, op: VersionOp, want: &'a str) -> bool {
        self.compare(have, want).is_some_and(|ord| op.accepts(ord))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Provider<'a, O> {
    pub owner: O,
    /// The real version, the version of a `Provides: x (= v)`, or `None` for an
    /// unversioned `Provides`.
    pub version: Option<&'a str>,
}

/// Provided name → providers, in the order they were added.
pub(crate) struct Providers<'a, O> {
    by_name: FxHashMap<&'a str, Vec<Provider<'a, O>>>,
}

impl<'a, O: Copy> Providers<'a, O> {
    pub(crate) fn new() -> Self {
        Providers {
            by_name: FxHashMap::default(),
        }
    }

    /// Registers a binary under its name and everything it provides.
    pub(crate) fn add(
        &mut self,
        owner: O,
        name: &'a str,
        version: &'a str,
        provides: &[Relation<'a>],
    ) {
        self.by_name.entry(name).or_default().push(Provider {
            owner,
            version: Some(version),
        });
        for provided in provides {
            let version = match provided.version {
                Some((VersionOp::Eq, v)) => Some(v),
                _ => None,
            };
            self.by_name
                .entry(provided.name)
                .or_default()
                .push(Provider { owner, version });
        }
    }

    /// Is anything at all, at any version, called or providing `name`?
    pub(crate) fn has(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Calls `found` with the owner of every provider that satisfies `relation`, version
    /// included (its architecture qualifier is ignored: a native bootstrap has one
    /// architecture), in the order they were added.
    pub(crate) fn for_each_match(
        &self,
        relation: &Relation<'a>,
        versions: &mut Versions<'a>,
        mut found: impl FnMut(O),
    ) {
        let Some(providers) = self.by_name.get(relation.name) else {
            return;
        };
        for p in providers {
            let fits = match (relation.version, p.version) {
                (None, _) => true,
                (Some((op, want)), Some(have)) => versions.satisfies(have, op, want),
                (Some(_), None) => false,
            };
            if fits {
                found(p.owner);
            }
        }
    }
}
