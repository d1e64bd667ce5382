//! The exact solver for small components: dynamic programming over node subsets.
//!
//! A set of edges is a feedback arc set exactly when some linear ordering of the nodes
//! points all the others forwards, so the minimum feedback arc set is the set of back
//! edges of a linear ordering of minimum back-edge cost. `best[S]` is the cheapest cost,
//! over the orderings of the subset `S` as a prefix, of the back edges that end in `S`;
//! appending `v` to a prefix `S` makes every edge `u → v` with `u ∉ S` a back edge. Parallel edges between a pair are summed (each is
//! paid for), so the work is `O(2^n · n²)` whatever the number of edges, and the memory
//! `9 · 2^n` bytes. Unremovable edges forbid a transition instead of costing.

use super::component::Component;
use super::order::Order;

/// The largest component the exact solver accepts: `2^20` states take 9 MiB and, on
/// dense components, about a second; [`super::FasConfig::exact_limit`] is capped here.
pub const MAX_EXACT_LIMIT: usize = 20;

const INFEASIBLE: u64 = u64::MAX;

/// The edges among at most [`MAX_EXACT_LIMIT`] nodes `0..n`, summed per ordered pair.
pub(super) struct PairCosts {
    n: usize,
    /// `cost[u * n + v]`: summed cost of the removable edges `u → v`.
    cost: Vec<u64>,
    /// `sources[v]`: the nodes `u` with a removable edge `u → v`.
    sources: Vec<u32>,
    /// `hard_sources[v]`: the nodes `u` with an unremovable edge `u → v`.
    hard_sources: Vec<u32>,
}

impl PairCosts {
    pub(super) fn new(n: usize) -> PairCosts {
        assert!(
            n <= MAX_EXACT_LIMIT,
            "{n} nodes are too many to order exactly"
        );
        PairCosts {
            n,
            cost: vec![0; n * n],
            sources: vec![0; n],
            hard_sources: vec![0; n],
        }
    }

    /// Adds an edge `u → v` between two different nodes (`None`: unremovable).
    pub(super) fn add(&mut self, u: usize, v: usize, cost: Option<u32>) {
        debug_assert_ne!(u, v, "self-loops are handled by the driver");
        match cost {
            Some(k) => {
                self.cost[u * self.n + v] += u64::from(k);
                self.sources[v] |= 1 << u;
            }
            None => self.hard_sources[v] |= 1 << u,
        }
    }

    /// The cost that placing `v` right after the nodes of `set` commits to: its edges from
    /// nodes not placed yet, which will come after it. `None` when one of them is
    /// unremovable. Counting back edges at their head rather than their tail makes the
    /// cost of a prefix include every back edge it already forces, which is what makes
    /// the bound in [`PairCosts::best_order`] bite.
    fn append_cost(&self, set: u32, v: usize) -> Option<u64> {
        let later = !set & !(1 << v);
        if self.hard_sources[v] & later != 0 {
            return None;
        }
        let mut total = 0;
        let mut back = self.sources[v] & later;
        while back != 0 {
            let u = back.trailing_zeros() as usize;
            back &= back - 1;
            total += self.cost[u * self.n + v];
        }
        Some(total)
    }

    /// Back-edge cost of the ordering `nodes` (a permutation of `0..n`); `None` when it
    /// points an unremovable edge backwards.
    pub(super) fn cost_of(&self, nodes: &[u32]) -> Option<u64> {
        let mut set = 0u32;
        let mut total = 0;
        for &v in nodes {
            total += self.append_cost(set, v as usize)?;
            set |= 1 << v;
        }
        Some(total)
    }

    /// A lower bound on the back-edge cost of any ordering: between two nodes with edges
    /// both ways, one direction points backwards.
    pub(super) fn two_cycle_bound(&self) -> u64 {
        let n = self.n;
        let mut bound = 0;
        for v in 0..n {
            for u in v + 1..n {
                let (vu, uv) = (self.cost[v * n + u], self.cost[u * n + v]);
                let hard_vu = self.hard_sources[u] & (1 << v) != 0;
                let hard_uv = self.hard_sources[v] & (1 << u) != 0;
                let has_vu = self.sources[u] & (1 << v) != 0 || hard_vu;
                let has_uv = self.sources[v] & (1 << u) != 0 || hard_uv;
                if has_vu && has_uv {
                    bound += match (hard_vu, hard_uv) {
                        (true, _) => uv,
                        (_, true) => vu,
                        _ => vu.min(uv),
                    };
                }
            }
        }
        bound
    }

    /// An ordering of minimum back-edge cost pointing no unremovable edge backwards, and
    /// its cost, if that cost is at most `bound`; `None` otherwise (in particular when the
    /// unremovable edges form a cycle). Prefixes costing more than `bound` are not
    /// extended, so a tight bound (the cost of a known ordering) saves most of the work.
    /// Ties go to the ordering found first; as no optimal ordering has a prefix above the
    /// bound, the result depends only on the edges, not on the bound.
    pub(super) fn best_order(&self, bound: u64) -> Option<(Vec<u32>, u64)> {
        let n = self.n;
        let states = 1usize << n;
        let mut best = vec![INFEASIBLE; states];
        // last[S]: the node placed last in the best ordering of S.
        let mut last = vec![0u8; states];
        best[0] = 0;
        for set in 0..states {
            let base = best[set];
            if base == INFEASIBLE {
                continue;
            }
            for v in 0..n {
                if set & (1 << v) != 0 {
                    continue;
                }
                let Some(extra) = self.append_cost(set as u32, v) else {
                    continue;
                };
                let next = set | (1 << v);
                let total = base.saturating_add(extra);
                if total <= bound && total < best[next] {
                    best[next] = total;
                    last[next] = v as u8;
                }
            }
        }
        let full = states - 1;
        if best[full] == INFEASIBLE {
            return None;
        }
        let mut nodes = Vec::with_capacity(n);
        let mut set = full;
        while set != 0 {
            let v = last[set];
            nodes.push(u32::from(v));
            set &= !(1 << v);
        }
        nodes.reverse();
        Some((nodes, best[full]))
    }
}

/// A linear ordering of the component of minimum back-edge cost that points no
/// unremovable edge backwards. `known` is a valid ordering (the heuristic's), whose cost
/// bounds the search.
///
/// # Panics
/// If the component has more than [`MAX_EXACT_LIMIT`] nodes or its unremovable edges
/// form a cycle (the driver rules out both).
pub(super) fn exact_order(c: &Component, known: &Order) -> Order {
    let mut pairs = PairCosts::new(c.len());
    for e in &c.edges {
        pairs.add(e.from as usize, e.to as usize, e.cost);
    }
    // Without a valid known ordering (a bug elsewhere), search unbounded.
    let bound = pairs.cost_of(&known.nodes).unwrap_or(INFEASIBLE - 1);
    let (nodes, _) = pairs
        .best_order(bound)
        .expect("unremovable edges of a component are acyclic");
    Order::new(nodes)
}
