//! Shortest cycles: the witness for an unbreakable cycle, and "which cycle does this
//! removed edge break" explanations.

use super::graph::{Adjacency, ArcGraph, EdgeId};
use super::scc;

/// A shortest cycle of `g` that uses `edge` and no edge of `removed` other than `edge`
/// itself; `None` when there is none. The cycle starts with `edge`, and each edge starts
/// where the previous one ends. Shortest means fewest edges; among equally short cycles
/// the result depends only on the graph.
///
/// Passing the solver's removed set gives, for a removed edge, a cycle that it alone
/// breaks (one exists for every edge the solver removes, as its result is minimal); pass
/// `&[]` for a shortest cycle through the edge in the whole graph. Each call indexes the
/// whole graph; to explain many edges, use one [`CycleFinder`].
pub fn cycle_through(g: &ArcGraph, edge: EdgeId, removed: &[EdgeId]) -> Option<Vec<EdgeId>> {
    CycleFinder::new(g, removed).cycle_through(edge)
}

/// [`cycle_through`] for many edges of one graph and one removed set, indexing the graph
/// once.
pub struct CycleFinder<'g> {
    g: &'g ArcGraph,
    adj: Adjacency,
    skip: Vec<bool>,
    bfs: Bfs,
}

impl<'g> CycleFinder<'g> {
    pub fn new(g: &'g ArcGraph, removed: &[EdgeId]) -> Self {
        let mut skip = vec![false; g.edge_count()];
        for r in removed {
            skip[r.index()] = true;
        }
        CycleFinder {
            g,
            adj: Adjacency::outgoing(g),
            skip,
            bfs: Bfs::new(g.node_count()),
        }
    }

    /// As [`cycle_through`] with this finder's graph and removed set.
    pub fn cycle_through(&mut self, edge: EdgeId) -> Option<Vec<EdgeId>> {
        let e = self.g.edge(edge);
        if e.from == e.to {
            return Some(vec![edge]);
        }
        let skip = &self.skip;
        let mut unlimited = u64::MAX;
        let path = self.bfs.shortest_path(
            self.g,
            &self.adj,
            e.to,
            e.from,
            usize::MAX,
            &mut unlimited,
            |i| !skip[i as usize],
        )?;
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(edge);
        cycle.extend(path);
        Some(cycle)
    }
}

/// Edge visits allowed when looking for a shortest unbreakable cycle, before settling for
/// the shortest found so far.
const UNBREAKABLE_SEARCH_BUDGET: u64 = 20_000_000;

/// A cycle made only of unremovable edges, if `g` has one: a shortest one when the search
/// fits in [`UNBREAKABLE_SEARCH_BUDGET`] edge visits, otherwise the shortest found.
pub(super) fn unbreakable_cycle(g: &ArcGraph, adj: &Adjacency) -> Option<Vec<EdgeId>> {
    let edges = g.edges();
    let comps = scc::components(g, adj, |e| e.cost.is_none());
    let mut comp_of = vec![0u32; g.node_count()];
    for (i, c) in comps.iter().enumerate() {
        for &v in c {
            comp_of[v as usize] = i as u32;
        }
    }
    let mut best: Option<Vec<EdgeId>> = None;
    let mut budget = UNBREAKABLE_SEARCH_BUDGET;
    let mut bfs = Bfs::new(g.node_count());
    for (ci, comp) in comps.iter().enumerate() {
        for &s in comp {
            let limit = best.as_ref().map_or(usize::MAX, Vec::len);
            if limit <= 1 || budget == 0 {
                return best;
            }
            let path = bfs.shortest_path(g, adj, s, s, limit, &mut budget, |i| {
                let e = &edges[i as usize];
                e.cost.is_none() && comp_of[e.to as usize] == ci as u32
            });
            if let Some(p) = path {
                best = Some(p);
            }
        }
    }
    best
}

/// Breadth-first search state, reused across searches on one graph.
struct Bfs {
    /// `parent[v]`: the edge by which the current search reached `v`.
    parent: Vec<u32>,
    /// `seen[v] == stamp`: `v` was reached by the current search.
    seen: Vec<u32>,
    stamp: u32,
    queue: Vec<(u32, usize)>,
}

impl Bfs {
    fn new(n: usize) -> Bfs {
        Bfs {
            parent: vec![0; n],
            seen: vec![0; n],
            stamp: 0,
            queue: Vec::new(),
        }
    }

    /// A shortest non-empty path from `start` to `goal` (which may be equal) over the
    /// edges for which `usable` holds, if one has fewer than `limit` edges. Each edge
    /// visited costs one unit of `budget`; the search gives up when it runs out.
    #[allow(clippy::too_many_arguments)]
    fn shortest_path(
        &mut self,
        g: &ArcGraph,
        adj: &Adjacency,
        start: u32,
        goal: u32,
        limit: usize,
        budget: &mut u64,
        usable: impl Fn(u32) -> bool,
    ) -> Option<Vec<EdgeId>> {
        let edges = g.edges();
        self.stamp += 1;
        self.queue.clear();
        self.queue.push((start, 0));
        self.seen[start as usize] = self.stamp;
        let mut head = 0;
        while head < self.queue.len() {
            let (u, dist) = self.queue[head];
            head += 1;
            if dist + 1 >= limit {
                return None;
            }
            for &i in adj.of(u) {
                if *budget == 0 {
                    return None;
                }
                *budget -= 1;
                if !usable(i) {
                    continue;
                }
                let w = edges[i as usize].to;
                if w == goal {
                    let mut path = vec![EdgeId::from_index(i as usize)];
                    let mut v = u;
                    while v != start {
                        let p = self.parent[v as usize];
                        path.push(EdgeId::from_index(p as usize));
                        v = edges[p as usize].from;
                    }
                    path.reverse();
                    return Some(path);
                }
                if self.seen[w as usize] != self.stamp {
                    self.seen[w as usize] = self.stamp;
                    self.parent[w as usize] = i;
                    self.queue.push((w, dist + 1));
                }
            }
        }
        None
    }
}
