//! Solutions of components kept between solves ([`super::min_feedback_arc_set_memo`]).
//!
//! A planner re-plans after every edit, and an edit changes one or two components of a
//! level graph at most; the large component of an archive takes most of the solve. The
//! memo keys each component by everything its solution depends on (the solver's
//! options, its edges in local numbering with their costs, the self-loops paid for, and
//! the order of the hint when the solver reads it) and compares keys in full, so a hit
//! returns exactly what solving would.

use std::hash::{Hash, Hasher};

use rustc_hash::{FxHashMap, FxHasher};

use super::component::Component;
use super::config::{FasConfig, Objective};
use super::solve::ComponentRun;

/// Kept component solutions. See the module documentation.
#[derive(Default)]
pub struct FasMemo {
    entries: FxHashMap<u64, Vec<Entry>>,
    /// Counts calls to [`FasMemo::end_generation`]; entries remember the last one they
    /// were used in.
    generation: u64,
    hits: u64,
    misses: u64,
}

struct Entry {
    key: Key,
    run: ComponentRun,
    used: u64,
}

#[derive(PartialEq, Eq, Hash)]
struct Key {
    objective: Objective,
    exact_limit: usize,
    improve_budget: u64,
    nodes: usize,
    edges: Vec<(u32, u32, Option<u32>)>,
    paid: Vec<bool>,
    /// Empty unless the solver reads the hint for this component.
    ranks: Vec<u32>,
}

impl Key {
    fn of(c: &Component, cfg: &FasConfig, paid: &[bool], ranks: &[u32]) -> Key {
        // Only the heuristic of the fewest-edges objective reads the hint (see
        // `solve_component`): other components hit whatever the hint.
        let reads_hint = cfg.objective == Objective::FewestEdges && c.len() > cfg.effective_exact_limit();
        Key {
            objective: cfg.objective,
            exact_limit: cfg.effective_exact_limit(),
            improve_budget: cfg.improve_budget,
            nodes: c.len(),
            edges: c.edges.iter().map(|e| (e.from, e.to, e.cost)).collect(),
            paid: if cfg.objective == Objective::FewestHeads { paid.to_vec() } else { Vec::new() },
            ranks: if reads_hint { ranks.to_vec() } else { Vec::new() },
        }
    }
}

impl FasMemo {
    pub fn new() -> FasMemo {
        FasMemo::default()
    }

    /// The solution of `c`, kept or computed by `solve` (and then kept).
    pub(super) fn solve(
        &mut self,
        c: &Component,
        cfg: &FasConfig,
        paid: &[bool],
        ranks: &[u32],
        solve: impl FnOnce(&Component, &FasConfig, &[bool], &[u32]) -> ComponentRun,
    ) -> ComponentRun {
        let key = Key::of(c, cfg, paid, ranks);
        let mut h = FxHasher::default();
        key.hash(&mut h);
        let bucket = self.entries.entry(h.finish()).or_default();
        if let Some(entry) = bucket.iter_mut().find(|e| e.key == key) {
            entry.used = self.generation;
            self.hits += 1;
            return entry.run.clone();
        }
        self.misses += 1;
        let run = solve(c, cfg, paid, ranks);
        bucket.push(Entry { key, run: run.clone(), used: self.generation });
        run
    }

    /// Ends a generation (for a planner: one plan), forgetting the solutions not used
    /// in the last `keep` generations, so that the memo holds about what a plan needs
    /// rather than every component ever solved.
    pub fn end_generation(&mut self, keep: u64) {
        let oldest = self.generation.saturating_sub(keep.saturating_sub(1));
        self.entries.retain(|_, bucket| {
            bucket.retain(|e| e.used >= oldest);
            !bucket.is_empty()
        });
        self.generation += 1;
    }

    /// Components answered from the memo and solved, since it was made.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits, self.misses)
    }
}
