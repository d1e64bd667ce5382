//! Dropping redundant removals: put back every removed edge that closes no cycle.

use std::cmp::Reverse;

use super::budget::Budget;
use super::component::Component;
use super::order::Order;
use super::search::{Outcome, Search};

/// Cycles found by earlier passes, so that a removal proven necessary once is proven
/// again by checking its cycle's edges are still kept instead of by searching; and the
/// search that finds them, whose adjacency is made once per component rather than once
/// per pass.
pub(super) struct Witnesses {
    /// `paths[e]`: local edges leading from the head of removed edge `e` back to its
    /// tail; empty when unknown.
    paths: Vec<Vec<u32>>,
    search: Option<Search>,
}

impl Witnesses {
    pub(super) fn new(c: &Component) -> Witnesses {
        Witnesses {
            paths: vec![Vec::new(); c.edges.len()],
            search: None,
        }
    }

    /// The component's search, made on first use; give it back with
    /// [`Witnesses::keep_search`].
    pub(super) fn take_search(&mut self, c: &Component) -> Search {
        self.search.take().unwrap_or_else(|| Search::new(c))
    }

    pub(super) fn keep_search(&mut self, search: Search) {
        self.search = Some(search);
    }

    /// The last path found from the head of removed edge `e` back to its tail (possibly
    /// no longer kept, or empty).
    pub(super) fn path(&self, e: u32) -> &[u32] {
        &self.paths[e as usize]
    }
}

/// Tries the back edges of `order`, most expensive first (ties by edge id), and keeps
/// each one that closes no cycle with the edges kept so far, repairing the ordering so
/// that it stays a topological order of the kept edges (see [`Search::repair`]).
/// Afterwards the back edges are exactly the edges still removed, and putting any one of
/// them back closes a cycle: the removal is minimal. Returns the cost saved and the
/// number of edges put back; stops early when the budget runs out.
pub(super) fn reinsert(
    c: &Component,
    order: &mut Order,
    witnesses: &mut Witnesses,
    budget: &mut Budget,
) -> (u64, u64) {
    let mut kept: Vec<bool> = (0..c.edges.len() as u32)
        .map(|e| !order.is_back(c, e))
        .collect();
    let mut candidates: Vec<u32> = (0..c.edges.len() as u32)
        .filter(|&e| !kept[e as usize])
        .collect();
    candidates.sort_by_key(|&e| {
        let e = &c.edges[e as usize];
        (
            // An unremovable back edge would be a bug; try it first, as if infinitely
            // expensive, which can only repair the ordering.
            Reverse(e.cost.map_or(u64::MAX, u64::from)),
            e.id,
        )
    });
    let mut search = witnesses.take_search(c);
    budget.spend(2 * c.edges.len() as u64);

    let (mut saved, mut put_back) = (0u64, 0u64);
    for e in candidates {
        if budget.exhausted() {
            break;
        }
        let edge = c.edges[e as usize];
        let (x, y) = (edge.from, edge.to);
        let known = &mut witnesses.paths[e as usize];
        let mut work = 1 + known.len() as u64;
        if !known.is_empty() && known.iter().all(|&f| kept[f as usize]) {
            // Kept edges only accumulate during a pass, so the cycle is still there.
            budget.spend(work);
            continue;
        }
        let (px, py) = (
            order.pos[x as usize] as usize,
            order.pos[y as usize] as usize,
        );
        if px > py {
            let moved = match search.path_exists(order, &kept, y, x, &mut work) {
                Outcome::Path => {
                    search.path(c, known);
                    work += known.len() as u64;
                    budget.spend(work);
                    continue;
                }
                Outcome::Unreachable(side) => side,
            };
            work += search.repair(order, moved, py, px);
        }
        known.clear();
        kept[e as usize] = true;
        saved += edge.cost.map_or(0, u64::from);
        put_back += 1;
        budget.spend(work);
    }
    witnesses.keep_search(search);
    (saved, put_back)
}
