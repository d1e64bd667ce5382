//! Local improvement by sifting: move one node at a time to its best position.

use super::budget::Budget;
use super::component::Component;
use super::order::Order;

/// One round of sifting (Brandenburg and Hanauer, "Sorting heuristics for the feedback
/// arc set problem", 2011): each node in turn, in the order of the round's start, is
/// taken out and put back at the position where its edges cost least, if that is
/// strictly cheaper than where it is. Only moves that keep unremovable edges pointing
/// forwards are considered. Returns the total cost saved; stops early when the budget
/// runs out. Costs one unit of work per edge looked at and per position shifted.
pub(super) fn sift_round(c: &Component, order: &mut Order, budget: &mut Budget) -> (u64, u64) {
    let mut saved = 0u64;
    let mut moves = 0u64;
    // Events, one per removable edge of v: (position of the other end once v is taken
    // out) << 32 | (index into `deltas`), so that sorting plain integers sorts them by
    // position. The sweep below adds up all the events at one position before it looks
    // at the cost, so their order among themselves does not matter.
    let mut events: Vec<u64> = Vec::new();
    // The cost change when v passes the other end of the edge.
    let mut deltas: Vec<i64> = Vec::new();
    let snapshot = order.nodes.clone();
    for &v in &snapshot {
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
            let until = if i < events.len() { event_pos(i) } else { u32::MAX };
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
        }
        if !budget.spend(looked + shifted) {
            break;
        }
    }
    (saved, moves)
}
