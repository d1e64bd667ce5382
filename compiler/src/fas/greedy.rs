//! The starting ordering for large components: Eades–Lin–Smyth's greedy heuristic with
//! edge costs and unremovable edges.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::component::Component;
use super::order::Order;

/// Eades, Lin and Smyth (1993), weighted: repeatedly take a sink (placed at the right end,
/// all its remaining edges point into it), else a source (placed at the left end), else
/// the node that maximizes (cost of its remaining out-edges − cost of its remaining
/// in-edges) and place it at the left end, which makes its remaining in-edges back edges.
///
/// A node with a remaining unremovable in-edge is never picked that way, so no
/// unremovable edge points backwards; since the unremovable edges are acyclic, some node
/// is always eligible. An unremovable out-edge weighs one more than the largest removal
/// cost, pushing nodes that unlock others to the front. Ties among the best go to the
/// lowest node number; sinks and sources are taken most recent first. With `reversed`,
/// the same runs on the reversed graph and its ordering is reversed.
pub(super) fn greedy_order(c: &Component, reversed: bool) -> Order {
    let n = c.len();
    // Run on the reversed graph when asked, and reverse the ordering found: a node's
    // out-arcs there are its in-arcs here, each naming the node at its other end.
    let outgoing = |v: u32| {
        if reversed {
            c.in_arcs(v)
        } else {
            c.out_arcs(v)
        }
    };
    let incoming = |v: u32| {
        if reversed {
            c.out_arcs(v)
        } else {
            c.in_arcs(v)
        }
    };
    let hard_weight = i64::from(c.max_cost()) + 1;
    let weight = |cost: Option<u32>| cost.map_or(hard_weight, i64::from);

    let mut placed = vec![false; n];
    let mut out_left = vec![0u32; n];
    let mut in_left = vec![0u32; n];
    let mut hard_in_left = vec![0u32; n];
    let mut delta = vec![0i64; n];
    for e in &c.edges {
        let (tail, head) = if reversed {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        out_left[tail as usize] += 1;
        in_left[head as usize] += 1;
        if e.cost.is_none() {
            hard_in_left[head as usize] += 1;
        }
        delta[tail as usize] += weight(e.cost);
        delta[head as usize] -= weight(e.cost);
    }
    // Candidate lists are checked when popped, so stale entries are harmless.
    let mut sinks: Vec<u32> = (0..n as u32)
        .filter(|&v| out_left[v as usize] == 0)
        .collect();
    let mut sources: Vec<u32> = (0..n as u32)
        .filter(|&v| in_left[v as usize] == 0)
        .collect();
    let mut heap: BinaryHeap<(i64, Reverse<u32>)> = (0..n as u32)
        .filter(|&v| hard_in_left[v as usize] == 0)
        .map(|v| (delta[v as usize], Reverse(v)))
        .collect();
    sinks.reverse();
    sources.reverse();

    let mut left = Vec::with_capacity(n);
    let mut right = Vec::new();
    while left.len() + right.len() < n {
        let v = if let Some(v) = pop_valid(&mut sinks, |v| !placed[v] && out_left[v] == 0) {
            right.push(v);
            v
        } else if let Some(v) = pop_valid(&mut sources, |v| !placed[v] && in_left[v] == 0) {
            left.push(v);
            v
        } else {
            let v = loop {
                let (d, Reverse(v)) = heap
                    .pop()
                    .expect("an unplaced node has no unremovable in-edge left");
                let vi = v as usize;
                if !placed[vi] && hard_in_left[vi] == 0 && delta[vi] == d {
                    break v;
                }
            };
            left.push(v);
            v
        };
        placed[v as usize] = true;
        for a in outgoing(v) {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            in_left[u] -= 1;
            delta[u] += weight(a.cost);
            if a.cost.is_none() {
                hard_in_left[u] -= 1;
            }
            if in_left[u] == 0 {
                sources.push(u as u32);
            }
            if hard_in_left[u] == 0 {
                heap.push((delta[u], Reverse(u as u32)));
            }
        }
        for a in incoming(v) {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            out_left[u] -= 1;
            delta[u] -= weight(a.cost);
            if out_left[u] == 0 {
                sinks.push(u as u32);
            }
            if hard_in_left[u] == 0 {
                heap.push((delta[u], Reverse(u as u32)));
            }
        }
    }
    right.reverse();
    left.extend(right);
    if reversed {
        left.reverse();
    }
    Order::new(left)
}

fn pop_valid(stack: &mut Vec<u32>, valid: impl Fn(usize) -> bool) -> Option<u32> {
    while let Some(v) = stack.pop() {
        if valid(v as usize) {
            return Some(v);
        }
    }
    None
}
