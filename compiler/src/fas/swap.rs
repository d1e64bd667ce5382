//! Local improvement by exchanging one removed edge for a cheaper cut.

use std::cmp::Reverse;

use super::budget::Budget;
use super::component::Component;
use super::order::Order;
use super::reinsert::Witnesses;
use super::search::Outcome;

/// For each removed edge `x → y`, most expensive first: putting it back closes exactly
/// the cycles made of it and a kept path from `y` to `x`, and the cheapest way to break
/// those again is a minimum cut between `y` and `x` among the kept edges (unremovable
/// ones uncuttable). When that cut costs less than the edge, remove the cut and put the
/// edge back. Sifting only finds cuts made of one node's edges; this finds any cut, such
/// as a single cheap documentation edge deep inside the cycles.
///
/// The cut is found by augmenting paths (Ford–Fulkerson with breadth-first search) in
/// the kept edges between the two nodes' positions, stopped as soon as the flow reaches
/// the edge's cost, which is usually after a path or two. The ordering is then repaired
/// as when putting an edge back. Each exchange lowers the cost of the ordering's back
/// edges by at least the edge's cost minus the cut's. Returns the number of exchanges;
/// stops early when the budget runs out.
pub(super) fn swap_pass(
    c: &Component,
    order: &mut Order,
    witnesses: &mut Witnesses,
    budget: &mut Budget,
) -> u64 {
    let m = c.edges.len();
    let mut kept: Vec<bool> = (0..m as u32).map(|e| !order.is_back(c, e)).collect();
    let mut candidates: Vec<u32> = (0..m as u32)
        .filter(|&e| !kept[e as usize] && c.edges[e as usize].cost.is_some_and(|k| k > 0))
        .collect();
    candidates.sort_by_key(|&e| {
        let e = &c.edges[e as usize];
        (Reverse(e.cost), e.id)
    });
    let mut flow = Flow::new(c);
    let mut search = witnesses.take_search(c);
    budget.spend(m as u64);
    let mut swaps = 0u64;
    for e in candidates {
        if budget.exhausted() {
            break;
        }
        if kept[e as usize] {
            continue; // turned forward by an earlier repair
        }
        let edge = c.edges[e as usize];
        let price = u64::from(edge.cost.expect("candidates are removable"));
        let (x, y) = (edge.from, edge.to);
        let (px, py) = (order.pos[x as usize], order.pos[y as usize]);
        let mut work = 1;
        let known = witnesses.path(e);
        let known = if known.iter().all(|&f| kept[f as usize]) {
            known
        } else {
            &[]
        };
        if flow.min_cut_below(c, order, &kept, y, x, price, known, &mut work) {
            for &f in &flow.cut {
                kept[f as usize] = false;
            }
            kept[e as usize] = true;
            match search.path_exists(order, &kept, y, x, &mut work) {
                Outcome::Unreachable(side) => {
                    work += search.repair(order, side, py as usize, px as usize);
                }
                Outcome::Path => unreachable!("a minimum cut leaves a kept path"),
            }
            // The repair moved only nodes between the two positions: refresh their edges.
            // Now exactly the forward edges are kept again; some cut edges may have stayed
            // forward, and then they are not removed after all.
            for &v in &order.nodes[py as usize..=px as usize] {
                for &f in c.outgoing(v).iter().chain(c.incoming(v)) {
                    kept[f as usize] = !order.is_back(c, f);
                    work += 1;
                }
            }
            swaps += 1;
        }
        flow.reset();
        budget.spend(work);
    }
    witnesses.keep_search(search);
    swaps
}

/// Work after which a cut search gives up: cuts far from the removed edge are rare, and
/// expensive to prove. A cut that is returned is still a true minimum cut.
const SEARCH_LIMIT: u64 = 800;

/// Maximum-flow state over a component's edges, reset between runs.
struct Flow {
    flow: Vec<u64>,
    touched: Vec<u32>,
    seen: Vec<u32>,
    stamp: u32,
    /// `parent[v]`: the edge by which the search reached `v`, and whether it was
    /// crossed backwards (undoing flow).
    parent: Vec<(u32, bool)>,
    queue: Vec<u32>,
    /// The cut found by the last successful [`Flow::min_cut_below`].
    cut: Vec<u32>,
}

impl Flow {
    fn new(c: &Component) -> Flow {
        Flow {
            flow: vec![0; c.edges.len()],
            touched: Vec::new(),
            seen: vec![0; c.len()],
            stamp: 0,
            parent: vec![(0, false); c.len()],
            queue: Vec::new(),
            cut: Vec::new(),
        }
    }

    fn reset(&mut self) {
        for &f in &self.touched {
            self.flow[f as usize] = 0;
        }
        self.touched.clear();
    }

    /// Whether a cut of kept edges separating `source` from `sink` costs less than
    /// `limit`; if so, a minimum one is left in `self.cut`. `known` is a path of kept
    /// edges from `source` to `sink`, or empty. `order` is a
    /// topological order of the kept edges, so every path lies between the two nodes'
    /// positions.
    #[allow(clippy::too_many_arguments)]
    fn min_cut_below(
        &mut self,
        c: &Component,
        order: &Order,
        kept: &[bool],
        source: u32,
        sink: u32,
        limit: u64,
        known: &[u32],
        work: &mut u64,
    ) -> bool {
        let give_up = *work + SEARCH_LIMIT;
        let (lo, hi) = (order.pos[source as usize], order.pos[sink as usize]);
        let inside = |v: u32| (lo..=hi).contains(&order.pos[v as usize]);
        let capacity = |f: u32| c.edges[f as usize].cost.map_or(u64::MAX, u64::from);
        // A path already known (kept edges from source to sink) is the first augmenting
        // path: when its cheapest edge costs as much as the limit, no search is needed.
        let mut total = known
            .iter()
            .map(|&f| capacity(f))
            .min()
            .unwrap_or(0)
            .min(limit);
        if total > 0 {
            for &f in known {
                self.flow[f as usize] = total;
                self.touched.push(f);
            }
            *work += known.len() as u64;
            if total >= limit {
                return false;
            }
        }
        loop {
            // Breadth-first search for an augmenting path in the residual graph.
            self.stamp += 1;
            let stamp = self.stamp;
            self.queue.clear();
            self.queue.push(source);
            self.seen[source as usize] = stamp;
            let mut head = 0;
            let mut found = false;
            'bfs: while head < self.queue.len() {
                if *work > give_up {
                    return false;
                }
                let u = self.queue[head];
                head += 1;
                for &f in c.outgoing(u) {
                    *work += 1;
                    let w = c.edges[f as usize].to;
                    if kept[f as usize]
                        && self.seen[w as usize] != stamp
                        && inside(w)
                        && self.flow[f as usize] < capacity(f)
                    {
                        self.seen[w as usize] = stamp;
                        self.parent[w as usize] = (f, false);
                        if w == sink {
                            found = true;
                            break 'bfs;
                        }
                        self.queue.push(w);
                    }
                }
                for &f in c.incoming(u) {
                    *work += 1;
                    let w = c.edges[f as usize].from;
                    if kept[f as usize]
                        && self.seen[w as usize] != stamp
                        && self.flow[f as usize] > 0
                    {
                        self.seen[w as usize] = stamp;
                        self.parent[w as usize] = (f, true);
                        self.queue.push(w);
                    }
                }
            }
            if !found {
                break;
            }
            // Bottleneck, then augment.
            let mut bottleneck = limit - total;
            let mut v = sink;
            while v != source {
                let (f, back) = self.parent[v as usize];
                let e = &c.edges[f as usize];
                bottleneck = bottleneck.min(if back {
                    self.flow[f as usize]
                } else {
                    capacity(f) - self.flow[f as usize]
                });
                v = if back { e.to } else { e.from };
            }
            let mut v = sink;
            while v != source {
                let (f, back) = self.parent[v as usize];
                let e = &c.edges[f as usize];
                if back {
                    self.flow[f as usize] -= bottleneck;
                } else {
                    if self.flow[f as usize] == 0 {
                        self.touched.push(f);
                    }
                    self.flow[f as usize] += bottleneck;
                }
                *work += 1;
                v = if back { e.to } else { e.from };
            }
            total += bottleneck;
            if total >= limit {
                return false;
            }
        }
        // The nodes the last search reached are the source side of a minimum cut.
        let stamp = self.stamp;
        self.cut.clear();
        for &u in &self.queue {
            for &f in c.outgoing(u) {
                *work += 1;
                let w = c.edges[f as usize].to;
                if kept[f as usize] && inside(w) && self.seen[w as usize] != stamp {
                    self.cut.push(f);
                }
            }
        }
        true
    }
}
