//! Dropping redundant removals: put back every removed edge that closes no cycle.

use super::budget::Budget;
use super::component::Component;
use super::order::Order;

/// Tries the back edges of `order`, most expensive first (ties by edge id), and keeps
/// each one that closes no cycle with the edges kept so far, repairing the ordering with
/// Pearce and Kelly's dynamic topological sort so that it stays a topological order of
/// the kept edges. Afterwards the back edges are exactly the edges still removed, and
/// putting any one of them back closes a cycle: the removal is minimal. Returns the
/// cost saved and the number of edges put back; stops early when the budget runs out.
pub(super) fn reinsert(c: &Component, order: &mut Order, budget: &mut Budget) -> (u64, u64) {
    let mut kept: Vec<bool> = (0..c.edges.len() as u32)
        .map(|e| !order.is_back(c, e))
        .collect();
    let mut candidates: Vec<u32> = (0..c.edges.len() as u32)
        .filter(|&e| !kept[e as usize])
        .collect();
    candidates.sort_by_key(|&e| {
        let e = &c.edges[e as usize];
        (
            std::cmp::Reverse(e.cost.expect("unremovable edges point forwards")),
            e.id,
        )
    });

    let mut seen = vec![0u32; c.len()];
    let mut stamp = 0u32;
    let mut stack = Vec::new();
    let mut forward = Vec::new();
    let mut backward = Vec::new();
    let mut slots = Vec::new();
    let (mut saved, mut put_back) = (0u64, 0u64);
    for e in candidates {
        if budget.exhausted() {
            break;
        }
        let edge = c.edges[e as usize];
        let (x, y) = (edge.from, edge.to);
        let (px, py) = (order.pos[x as usize], order.pos[y as usize]);
        let mut work = 1u64;
        if px > py {
            // Nodes reachable from y that sit at most at x's position; reaching x is a cycle.
            stamp += 1;
            forward.clear();
            stack.clear();
            stack.push(y);
            seen[y as usize] = stamp;
            let mut cycle = false;
            'search: while let Some(u) = stack.pop() {
                forward.push(u);
                for &f in c.outgoing(u) {
                    work += 1;
                    let w = c.edges[f as usize].to;
                    if !kept[f as usize] || seen[w as usize] == stamp || order.pos[w as usize] > px
                    {
                        continue;
                    }
                    if w == x {
                        cycle = true;
                        break 'search;
                    }
                    seen[w as usize] = stamp;
                    stack.push(w);
                }
            }
            if cycle {
                budget.spend(work);
                continue;
            }
            // Nodes that reach x and sit after y.
            backward.clear();
            stack.push(x);
            seen[x as usize] = stamp;
            while let Some(u) = stack.pop() {
                backward.push(u);
                for &f in c.incoming(u) {
                    work += 1;
                    let w = c.edges[f as usize].from;
                    if !kept[f as usize] || seen[w as usize] == stamp || order.pos[w as usize] < py
                    {
                        continue;
                    }
                    seen[w as usize] = stamp;
                    stack.push(w);
                }
            }
            // Everything that reaches x goes before everything y reaches, each group in its
            // old relative order, into the positions the two groups held.
            forward.sort_unstable_by_key(|&u| order.pos[u as usize]);
            backward.sort_unstable_by_key(|&u| order.pos[u as usize]);
            slots.clear();
            slots.extend(
                forward
                    .iter()
                    .chain(backward.iter())
                    .map(|&u| order.pos[u as usize]),
            );
            slots.sort_unstable();
            for (&slot, &u) in slots.iter().zip(backward.iter().chain(forward.iter())) {
                order.nodes[slot as usize] = u;
                order.pos[u as usize] = slot;
            }
            work += slots.len() as u64;
        }
        kept[e as usize] = true;
        saved += u64::from(edge.cost.expect("candidates are removable"));
        put_back += 1;
        budget.spend(work);
    }
    (saved, put_back)
}
