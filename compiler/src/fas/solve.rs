//! The entry point: minimum-cost feedback arc set, component by component, checked
//! before it is returned.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::budget::Budget;
use super::component::Component;
use super::config::{FasConfig, Objective};
use super::cycle::unbreakable_cycle;
use super::exact::exact_order;
use super::graph::{Adjacency, ArcGraph, EdgeId};
use super::heads::fewest_heads_order;
use super::heuristic::{heuristic_order, heuristic_order_from};
use super::memo::FasMemo;
use super::order::Order;
use super::reinsert::{Witnesses, reinsert};
use super::scc;

/// The answer of [`min_feedback_arc_set`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FasResult {
    /// Removing `removed` (ascending, each removable) leaves the graph acyclic.
    Acyclic {
        removed: Vec<EdgeId>,
        /// The summed cost of `removed`.
        cost: u64,
        /// Whether `cost` is proven minimal: every cyclic component was solved exactly
        /// (or needed nothing but zero-cost removals).
        exact: bool,
        stats: FasStats,
    },
    /// No removal can help: `cycle` is a cycle of unremovable edges, each starting where
    /// the previous one ends and the last ending where the first starts. It is a shortest
    /// one unless the graph is too large to search all of them (20 million edge visits).
    Unbreakable { cycle: Vec<EdgeId> },
}

/// What the solver did, for progress output and tests; deterministic like the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FasStats {
    /// Components with a cycle (more than one node, or a self-loop).
    pub cyclic_sccs: usize,
    /// Nodes of the largest component.
    pub largest_scc: usize,
    /// Cyclic components of more than one node solved exactly.
    pub exact_sccs: usize,
    /// Components solved by the heuristic.
    pub heuristic_sccs: usize,
    /// Removal cost of the greedy orderings of the heuristic components...
    pub greedy_cost: u64,
    /// ...and after local improvement.
    pub improved_cost: u64,
    /// Nodes moved by sifting.
    pub sift_moves: u64,
    /// Runs of consecutive nodes reordered exactly.
    pub windows: u64,
    /// Removed edges exchanged for a cheaper cut of kept edges.
    pub swaps: u64,
    /// Removed edges put back because they closed no cycle.
    pub put_back: u64,
    /// Work units spent on local improvement.
    pub work: u64,
    /// Whether some component used its whole improvement budget.
    pub budget_exhausted: bool,
    /// With [`Objective::FewestHeads`]: the heads of removed edges chosen (summed over
    /// the components)...
    pub targets: u64,
    /// ...by the greedy choice, before exchanging two of them for one...
    pub greedy_targets: u64,
    /// ...and the exchanges made.
    pub target_swaps: u64,
    /// Whether the solution failed its final check and a safe fallback was returned
    /// instead (a bug if it ever happens).
    pub fallback: bool,
}

/// A removal of minimum (small components) or low (large ones) total cost that makes `g`
/// acyclic. Only edges inside strongly connected components are ever removed. Every
/// removable self-loop is removed. The result depends only on `g` and `cfg`, and it is
/// checked to be acyclic before it is returned.
///
/// Components of at most [`FasConfig::exact_limit`] nodes are solved exactly by dynamic
/// programming over node subsets; larger ones by a greedy ordering (Eades–Lin–Smyth with
/// costs) improved within [`FasConfig::improve_budget`] by sifting, exact reordering of
/// short runs of nodes, exchanging removed edges for cheaper cuts, and putting back
/// redundant removals. The removal is minimal (putting back any removed edge closes a
/// cycle) except with `improve_budget: 0`, which returns the plain greedy ordering's.
pub fn min_feedback_arc_set(g: &ArcGraph, cfg: &FasConfig) -> FasResult {
    min_feedback_arc_set_from(g, cfg, &[])
}

/// [`min_feedback_arc_set`], the heuristic's large components (of the fewest-edges
/// objective) also trying an ordering by `hint` as a start: `hint[v]` ranks node `v`
/// (`u32::MAX`, or past the end of `hint`: no rank). A caller that solved a similar graph
/// before passes that solution's order, and local improvement then starts close to its
/// optimum instead of from the greedy ordering. Still deterministic: the result depends
/// only on `g`, `cfg` and `hint`.
pub fn min_feedback_arc_set_from(g: &ArcGraph, cfg: &FasConfig, hint: &[u32]) -> FasResult {
    min_feedback_arc_set_memo(g, cfg, hint, None)
}

/// [`min_feedback_arc_set_from`], taking each component's solution from `memo` when a
/// component with the same edges (and the same hint order) was solved before, and
/// keeping the new ones there: a caller that solves much the same graph again (a planner
/// after an edit) pays only for the components that changed. The result is the one
/// without a memo: a component's solution depends only on what the key holds.
pub fn min_feedback_arc_set_memo(g: &ArcGraph, cfg: &FasConfig, hint: &[u32], mut memo: Option<&mut FasMemo>) -> FasResult {
    let adj = Adjacency::outgoing(g);
    if let Some(cycle) = unbreakable_cycle(g, &adj) {
        return FasResult::Unbreakable { cycle };
    }
    let comps = scc::components(g, &adj, |_| true);
    let mut comp_of = vec![0u32; g.node_count()];
    for (i, comp) in comps.iter().enumerate() {
        for &v in comp {
            comp_of[v as usize] = i as u32;
        }
    }
    let mut stats = FasStats::default();
    let mut exact = true;
    let mut removed: Vec<EdgeId> = Vec::new();
    let mut self_loops = vec![false; g.node_count()];
    for (i, e) in g.edges().iter().enumerate() {
        if e.from == e.to {
            // Unremovable self-loops were reported as unbreakable above.
            removed.push(EdgeId::from_index(i));
            self_loops[e.from as usize] = true;
        }
    }

    let mut local = vec![0u32; g.node_count()];
    let mut components = Vec::new();
    for (i, nodes) in comps.iter().enumerate() {
        if nodes.len() == 1 {
            if self_loops[nodes[0] as usize] {
                stats.cyclic_sccs += 1;
                stats.largest_scc = stats.largest_scc.max(1);
            }
            continue;
        }
        stats.cyclic_sccs += 1;
        stats.largest_scc = stats.largest_scc.max(nodes.len());
        let c = Component::new(g, &adj, nodes, &comp_of, i as u32, &mut local);
        let paid: Vec<bool> = c.nodes.iter().map(|&v| self_loops[v as usize]).collect();
        let ranks = dense_ranks(c.nodes.iter().map(|&v| hint.get(v as usize).copied().unwrap_or(u32::MAX)));
        let run = match memo.as_deref_mut() {
            Some(memo) => memo.solve(&c, cfg, &paid, &ranks, solve_component),
            None => solve_component(&c, cfg, &paid, &ranks),
        };
        exact &= run.exact;
        stats.add(&run.stats);
        removed.extend(run.back_edges.iter().map(|&e| c.edges[e as usize].id));
        components.push(c);
    }
    removed.sort_unstable();

    if !is_acyclic_removal(g, &adj, &removed) {
        stats.fallback = true;
        exact = false;
        removed = fallback_removal(g, &components);
        assert!(
            is_acyclic_removal(g, &adj, &removed),
            "internal error: the fallback feedback arc set leaves a cycle"
        );
    }
    let cost = removed
        .iter()
        .map(|&e| u64::from(g.cost(e).unwrap_or(0)))
        .sum();
    FasResult::Acyclic {
        removed,
        cost,
        exact,
        stats,
    }
}

/// Hint ranks renumbered `0..k` in the same order (ties kept, `u32::MAX` kept): the
/// solver reads only their order, and a memo key must not change when ranks elsewhere
/// in the graph shift.
fn dense_ranks(ranks: impl Iterator<Item = u32>) -> Vec<u32> {
    let ranks: Vec<u32> = ranks.collect();
    let mut distinct: Vec<u32> = ranks.iter().copied().filter(|&r| r != u32::MAX).collect();
    distinct.sort_unstable();
    distinct.dedup();
    ranks
        .iter()
        .map(|&r| if r == u32::MAX { r } else { distinct.binary_search(&r).map_or(u32::MAX, |i| i as u32) })
        .collect()
}

/// One component solved: its back edges (local edge numbers, ascending) and what it took.
#[derive(Clone, Debug)]
pub(super) struct ComponentRun {
    pub(super) back_edges: Vec<u32>,
    pub(super) exact: bool,
    pub(super) stats: FasStats,
}

/// Solves one component: `paid[v]` says local node `v` has a removable self-loop (a head
/// already paid for), `ranks[v]` is its hint rank (`u32::MAX`: none). Every input it
/// reads is an argument, so [`FasMemo`] may key its answer by them.
pub(super) fn solve_component(c: &Component, cfg: &FasConfig, paid: &[bool], ranks: &[u32]) -> ComponentRun {
    let mut stats = FasStats::default();
    let (order, exact) = if cfg.objective == Objective::FewestHeads {
        let (order, run) = fewest_heads_order(c, paid, cfg.effective_exact_limit(), cfg.improve_budget);
        if run.exact {
            stats.exact_sccs += 1;
        } else {
            stats.heuristic_sccs += 1;
        }
        stats.targets += run.targets;
        stats.greedy_targets += run.greedy_targets;
        stats.target_swaps += run.swaps;
        stats.work += run.work + run.edges.work;
        stats.budget_exhausted |= run.budget_exhausted || run.edges.budget_exhausted;
        stats.sift_moves += run.edges.sift_moves;
        stats.windows += run.edges.windows;
        stats.swaps += run.edges.swaps;
        stats.put_back += run.edges.put_back;
        (order, run.exact)
    } else if c.len() <= cfg.effective_exact_limit() {
        stats.exact_sccs += 1;
        let (known, _) = heuristic_order(c, cfg.improve_budget);
        let mut order = exact_order(c, &known);
        // Optimal already; this only drops removals of zero cost that are not needed.
        reinsert(c, &mut order, &mut Witnesses::new(c), &mut Budget::new(u64::MAX));
        (order, true)
    } else {
        stats.heuristic_sccs += 1;
        let ranked = ranks.iter().any(|&r| r != u32::MAX);
        let (order, run) = heuristic_order_from(c, cfg.improve_budget, ranked.then_some(ranks));
        stats.greedy_cost += run.greedy_cost;
        stats.improved_cost += run.final_cost;
        stats.sift_moves += run.sift_moves;
        stats.windows += run.windows;
        stats.swaps += run.swaps;
        stats.put_back += run.put_back;
        stats.work += run.work;
        stats.budget_exhausted |= run.budget_exhausted;
        (order, run.final_cost == 0)
    };
    ComponentRun { back_edges: order.back_edges(c), exact, stats }
}

impl FasStats {
    /// Adds one component's counts (the component counts and sizes are the driver's).
    fn add(&mut self, other: &FasStats) {
        // Destructured, so that a new field cannot be forgotten here.
        let FasStats {
            cyclic_sccs: _,
            largest_scc: _,
            exact_sccs,
            heuristic_sccs,
            greedy_cost,
            improved_cost,
            sift_moves,
            windows,
            swaps,
            put_back,
            work,
            budget_exhausted,
            targets,
            greedy_targets,
            target_swaps,
            fallback: _,
        } = other;
        self.exact_sccs += exact_sccs;
        self.heuristic_sccs += heuristic_sccs;
        self.greedy_cost += greedy_cost;
        self.improved_cost += improved_cost;
        self.sift_moves += sift_moves;
        self.windows += windows;
        self.swaps += swaps;
        self.put_back += put_back;
        self.work += work;
        self.budget_exhausted |= budget_exhausted;
        self.targets += targets;
        self.greedy_targets += greedy_targets;
        self.target_swaps += target_swaps;
    }
}

/// Whether `removed` (ascending) holds only removable edges, each once, and leaves `g`
/// acyclic.
pub(super) fn is_acyclic_removal(g: &ArcGraph, adj: &Adjacency, removed: &[EdgeId]) -> bool {
    if removed.windows(2).any(|w| w[0] >= w[1]) || removed.iter().any(|&e| g.cost(e).is_none()) {
        return false;
    }
    topological_order(g, adj, removed).is_some()
}

/// A topological order of `g` without the edges `removed`, or `None` when a cycle is
/// left. Ready nodes are taken lowest first, so the order depends on `g` and `removed`
/// alone: a caller can pass it on as [`min_feedback_arc_set_from`]'s hint.
pub fn acyclic_order(g: &ArcGraph, removed: &[EdgeId]) -> Option<Vec<u32>> {
    topological_order(g, &Adjacency::outgoing(g), removed)
}

/// [`acyclic_order`] with the adjacency at hand (Kahn's algorithm).
fn topological_order(g: &ArcGraph, adj: &Adjacency, removed: &[EdgeId]) -> Option<Vec<u32>> {
    let mut gone = vec![false; g.edge_count()];
    for &e in removed {
        gone[e.index()] = true;
    }
    let edges = g.edges();
    let mut indegree = vec![0u32; g.node_count()];
    for (i, e) in edges.iter().enumerate() {
        if !gone[i] {
            indegree[e.to as usize] += 1;
        }
    }
    let mut ready: BinaryHeap<Reverse<u32>> = (0..g.node_count() as u32)
        .filter(|&v| indegree[v as usize] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(g.node_count());
    while let Some(Reverse(v)) = ready.pop() {
        order.push(v);
        for &i in adj.of(v) {
            if !gone[i as usize] {
                let w = edges[i as usize].to as usize;
                indegree[w] -= 1;
                if indegree[w] == 0 {
                    ready.push(Reverse(w as u32));
                }
            }
        }
    }
    (order.len() == g.node_count()).then_some(order)
}

/// A removal that is acyclic by construction: in each component, the back edges of a
/// topological order of its unremovable edges (which are acyclic), plus every self-loop.
pub(super) fn fallback_removal(g: &ArcGraph, components: &[Component]) -> Vec<EdgeId> {
    let mut removed: Vec<EdgeId> = (0..g.edge_count())
        .map(EdgeId::from_index)
        .filter(|&e| {
            let (a, b) = g.endpoints(e);
            a == b
        })
        .collect();
    for c in components {
        let mut indegree = vec![0u32; c.len()];
        for e in c.edges.iter().filter(|e| e.cost.is_none()) {
            indegree[e.to as usize] += 1;
        }
        let mut ready: Vec<u32> = (0..c.len() as u32)
            .filter(|&v| indegree[v as usize] == 0)
            .collect();
        let mut nodes = Vec::with_capacity(c.len());
        while let Some(v) = ready.pop() {
            nodes.push(v);
            for &e in c.outgoing(v) {
                let e = &c.edges[e as usize];
                if e.cost.is_none() {
                    indegree[e.to as usize] -= 1;
                    if indegree[e.to as usize] == 0 {
                        ready.push(e.to);
                    }
                }
            }
        }
        let order = Order::new(nodes);
        removed.extend(
            order
                .back_edges(c)
                .into_iter()
                .map(|e| c.edges[e as usize].id),
        );
    }
    removed.sort_unstable();
    removed
}
