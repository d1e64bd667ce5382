//! Options of the feedback-arc-set solver.

use super::exact::MAX_EXACT_LIMIT;

/// How hard [`super::min_feedback_arc_set`] works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FasConfig {
    /// Strongly connected components of at most this many nodes are solved exactly, with
    /// any number of edges (parallel edges are summed per pair). Values above
    /// [`MAX_EXACT_LIMIT`] (20) act as 20. The exact solver takes `O(2^n · n²)` time at
    /// worst (much less in practice: it is bounded by the heuristic's cost) and `9 · 2^n`
    /// bytes: at the default of 16, at most about 10 ms and 600 KiB per component on
    /// random components; at 20, up to about 0.2 s and 9 MiB.
    pub exact_limit: usize,
    /// Work units (about one edge looked at, or one node shifted, each) that the local
    /// improvement may spend on each component after its greedy ordering; 0 keeps the
    /// plain greedy ordering (and then the removal need not be minimal). Counted in steps,
    /// never in time, so the answer is the same on every machine. The default, 20
    /// million, lets a 5,000-node component with 48,000 edges reach its local optimum
    /// (about 12 million units, 150 ms).
    pub improve_budget: u64,
    /// What "minimum" means.
    pub objective: Objective,
}

/// What [`super::min_feedback_arc_set`] minimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Objective {
    /// The summed cost of the removed edges.
    #[default]
    FewestEdges,
    /// The number of distinct heads of removed edges (for a planner: the earlier
    /// instances redirected edges lead to, each one more build), and then, among the
    /// edges into those heads, the summed cost of the ones removed. A feedback vertex set
    /// in disguise: choosing a head lets every removable edge into it go; unremovable
    /// edges stay whatever the choice.
    FewestHeads,
}

impl FasConfig {
    /// The exact limit actually applied.
    pub(super) fn effective_exact_limit(&self) -> usize {
        self.exact_limit.min(MAX_EXACT_LIMIT)
    }
}

impl Default for FasConfig {
    fn default() -> Self {
        FasConfig {
            exact_limit: 16,
            improve_budget: 20_000_000,
            objective: Objective::FewestEdges,
        }
    }
}
