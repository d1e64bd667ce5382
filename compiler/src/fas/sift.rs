//! Local improvement by sifting: move one node at a time to its best position.

use super::budget::Budget;
use super::component::{Arc, Component};
use super::order::Order;

/// One round of sifting from scratch: [`Sifter::round`] with nothing known settled.
#[cfg(test)]
pub(super) fn sift_round(c: &Component, order: &mut Order, budget: &mut Budget) -> (u64, u64) {
    Sifter::new(c).round(c, order, budget)
}

/// Sifting state kept across the rounds of one run of sifting, and across runs when
/// what the passes between them moved is forgotten ([`Sifter::unsettle_moved`]).
pub(super) struct Sifter {
    /// `settled[v]`: sifting `v` now would leave it where it is. Where a node goes (and
    /// whether it moves) depends only on the relative order of it and its neighbours,
    /// which changes only when it or one of its neighbours moves: so a node stays
    /// settled after it was sifted until a neighbour moves, and sifting it meanwhile is
    /// skipped, which gives the same ordering as doing it, only faster. In the last
    /// round of a run, which saves nothing, most nodes are settled.
    settled: Vec<bool>,
    /// `looked[v]`: the work units sifting `v` costs besides shifting nodes (its removable
    /// edges, plus one), also charged when it is skipped, so that the budget, and with it
    /// the result, is as without skipping.
    looked: Vec<u64>,
    /// Events, one per removable edge of the node being sifted: (position of the other
    /// end once the node is taken out) << 32 | (index into `deltas`), so that sorting
    /// plain integers sorts them by position. The sweep adds up all the events at one
    /// position before it looks at the cost, so their order among themselves does not
    /// matter.
    events: Vec<u64>,
    /// The cost change when the node passes the other end of the edge.
    deltas: Vec<i64>,
}

impl Sifter {
    /// A run of sifting on `c` where no node is known to be settled.
    pub(super) fn new(c: &Component) -> Sifter {
        let removable = |arcs: &[Arc]| arcs.iter().filter(|a| a.cost.is_some()).count() as u64;
        Sifter {
            settled: vec![false; c.len()],
            looked: (0..c.len() as u32)
                .map(|v| removable(c.out_arcs(v)) + removable(c.in_arcs(v)) + 1)
                .collect(),
            events: Vec::new(),
            deltas: Vec::new(),
        }
    }

    /// Forgets what other passes may have made unsettled since sifting last stopped at
    /// ordering `before` (its nodes by position). Whether a node is settled depends only
    /// on the relative order of it and its neighbours. The nodes outside a longest run
    /// that keeps its relative order from `before` to `order` (a longest increasing
    /// subsequence of new positions) are the ones that moved; everything else kept its
    /// relative order, so only the moved nodes and their neighbours are sifted again.
    pub(super) fn unsettle_moved(&mut self, c: &Component, before: &[u32], order: &Order) {
        let new_pos: Vec<u32> = before.iter().map(|&v| order.pos[v as usize]).collect();
        let kept = longest_increasing(&new_pos);
        for (i, &v) in before.iter().enumerate() {
            if !kept[i] {
                self.settled[v as usize] = false;
                for a in c.out_arcs(v).iter().chain(c.in_arcs(v)) {
                    self.settled[a.node as usize] = false;
                }
            }
        }
    }

    /// One round of sifting (Brandenburg and Hanauer, "Sorting heuristics for the
    /// feedback arc set problem", 2011): each node in turn, in the order of the round's
    /// start, is taken out and put back at the position where its edges cost least, if
    /// that is strictly cheaper than where it is. Only moves that keep unremovable edges
    /// pointing forwards are considered. Returns the total cost saved and the nodes
    /// moved; stops early when the budget runs out. Costs one unit of work per edge
    /// looked at and per position shifted. `order` must be the ordering the last round
    /// left, unless [`Sifter::unsettle_moved`] was told what changed since.
    pub(super) fn round(
        &mut self,
        c: &Component,
        order: &mut Order,
        budget: &mut Budget,
    ) -> (u64, u64) {
        let mut saved = 0u64;
        let mut moves = 0u64;
        let Sifter {
            settled,
            looked: looked_of,
            events,
            deltas,
        } = self;
        let snapshot = order.nodes.clone();
        for &v in &snapshot {
            if settled[v as usize] {
                if !budget.spend(looked_of[v as usize]) {
                    break;
                }
                continue;
            }
            let p = order.pos[v as usize];
            let gap_pos = |u: u32| {
                let q = order.pos[u as usize];
                if q > p { q - 1 } else { q }
            };
            events.clear();
            deltas.clear();
            // Insertion gaps allowed: lo..=hi (gap g puts v before the node now at g).
            let mut lo = 0u32;
            let mut hi = (c.len() - 1) as u32;
            // Cost of v's edges when v is put first: all its in-edges point backwards.
            let mut cost_first = 0i64;
            for a in c.out_arcs(v) {
                let q = gap_pos(a.node);
                match a.cost {
                    Some(k) => {
                        events.push(u64::from(q) << 32 | deltas.len() as u64);
                        deltas.push(i64::from(k));
                    }
                    None => hi = hi.min(q),
                }
            }
            for a in c.in_arcs(v) {
                let q = gap_pos(a.node);
                match a.cost {
                    Some(k) => {
                        events.push(u64::from(q) << 32 | deltas.len() as u64);
                        deltas.push(-i64::from(k));
                        cost_first += i64::from(k);
                    }
                    None => lo = lo.max(q + 1),
                }
            }
            let looked = events.len() as u64 + 1;
            debug_assert_eq!(looked, looked_of[v as usize]);
            events.sort_unstable();
            let event_pos = |i: usize| (events[i] >> 32) as u32;
            let event_delta = |i: usize| deltas[(events[i] & u64::from(u32::MAX)) as usize];

            // Sweep the gaps left to right: passing the node at q turns v's edge to it
            // backwards (out-edge) or forwards (in-edge).
            let mut running = cost_first;
            let mut here = None;
            let mut best = (i64::MAX, lo);
            let mut i = 0;
            let mut gap = 0u32;
            loop {
                // The cost is `running` on gaps gap..=next event position.
                let until = if i < events.len() {
                    event_pos(i)
                } else {
                    u32::MAX
                };
                let from = gap.max(lo);
                let to = until.min(hi);
                if from <= to {
                    if running < best.0 {
                        best = (running, from);
                    }
                    if (from..=to).contains(&p) {
                        here = Some(running);
                    }
                }
                if i == events.len() || until >= hi {
                    break;
                }
                while i < events.len() && event_pos(i) == until {
                    running += event_delta(i);
                    i += 1;
                }
                gap = until + 1;
            }
            let here = here.unwrap_or(i64::MIN);
            let mut shifted = 0;
            if best.0 < here {
                let to = best.1;
                shifted = u64::from(to.abs_diff(p));
                order.move_node(p as usize, to as usize);
                saved += (here - best.0) as u64;
                moves += 1;
                // v passed some nodes, and each neighbour of v sees the order of its own
                // neighbours, v among them, changed: it may go elsewhere now.
                for a in c.out_arcs(v).iter().chain(c.in_arcs(v)) {
                    settled[a.node as usize] = false;
                }
            }
            // Moved or not, v is now at a cheapest place for it.
            settled[v as usize] = true;
            if !budget.spend(looked + shifted) {
                break;
            }
        }
        (saved, moves)
    }
}

/// Marks the items of a longest strictly increasing subsequence of `seq`.
fn longest_increasing(seq: &[u32]) -> Vec<bool> {
    // tails[k]: index of the smallest last item of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; seq.len()];
    for (i, &x) in seq.iter().enumerate() {
        let k = tails.partition_point(|&t| seq[t] < x);
        if k > 0 {
            prev[i] = tails[k - 1];
        }
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut on = vec![false; seq.len()];
    let mut at = tails.last().copied().unwrap_or(usize::MAX);
    while at != usize::MAX {
        on[at] = true;
        at = prev[at];
    }
    on
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::longest_increasing;

    proptest! {
        /// The marked items increase, and there are as many as the longest increasing
        /// subsequence has (found by the quadratic recurrence).
        #[test]
        fn marks_a_longest_increasing_subsequence(seq in prop::collection::vec(0u32..40, 0..60)) {
            let on = longest_increasing(&seq);
            let marked: Vec<u32> = seq.iter().zip(&on).filter(|(_, on)| **on).map(|(x, _)| *x).collect();
            prop_assert!(marked.windows(2).all(|w| w[0] < w[1]));
            let mut best = vec![1usize; seq.len()];
            for i in 0..seq.len() {
                for j in 0..i {
                    if seq[j] < seq[i] {
                        best[i] = best[i].max(best[j] + 1);
                    }
                }
            }
            prop_assert_eq!(marked.len(), best.iter().copied().max().unwrap_or(0));
        }
    }
}
