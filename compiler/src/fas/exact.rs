//! The exact solver for small components: dynamic programming over node subsets.
//!
//! A set of edges is a feedback arc set exactly when some linear ordering of the nodes
//! points all the others forwards, so the minimum feedback arc set is the set of back
//! edges of a linear ordering of minimum back-edge cost. `best[S]` is the cheapest cost of
//! ordering the subset `S` as a prefix; appending `v` to a prefix `S` makes every edge
//! `v → u` with `u ∈ S` a back edge. Parallel edges between a pair are summed (each is
//! paid for), so the work is `O(2^n · n²)` whatever the number of edges, and the memory
//! `9 · 2^n` bytes. Unremovable edges forbid a transition instead of costing.

use super::component::Component;
use super::order::Order;

/// The largest component the exact solver accepts: `2^20` states take 9 MiB and, on
/// dense components, about a second; [`super::FasConfig::exact_limit`] is capped here.
pub const MAX_EXACT_LIMIT: usize = 20;

const INFEASIBLE: u64 = u64::MAX;

/// A linear ordering of the component of minimum back-edge cost that points no
/// unremovable edge backwards. Ties go to the ordering found first, so the result
/// depends only on the component.
///
/// # Panics
/// If the component has more than [`MAX_EXACT_LIMIT`] nodes or its unremovable edges
/// form a cycle (the driver rules out both).
pub(super) fn exact_order(c: &Component) -> Order {
    let n = c.len();
    assert!(
        n <= MAX_EXACT_LIMIT,
        "component of {n} nodes is too large to solve exactly"
    );
    // cost[v * n + u]: summed cost of the removable edges v → u.
    let mut cost = vec![0u64; n * n];
    // hard[v]: the nodes u with an unremovable edge v → u.
    let mut hard = vec![0u32; n];
    // targets[v]: the nodes u with a removable edge v → u.
    let mut targets = vec![0u32; n];
    for e in &c.edges {
        let (v, u) = (e.from as usize, e.to as usize);
        match e.cost {
            Some(k) => {
                cost[v * n + u] += u64::from(k);
                targets[v] |= 1 << u;
            }
            None => hard[v] |= 1 << u,
        }
    }

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
        let set_bits = set as u32;
        for v in 0..n {
            if set_bits & (1 << v) != 0 || hard[v] & set_bits != 0 {
                continue;
            }
            let mut total = base;
            let mut back = targets[v] & set_bits;
            while back != 0 {
                let u = back.trailing_zeros() as usize;
                back &= back - 1;
                total += cost[v * n + u];
            }
            let next = set | (1 << v);
            if total < best[next] {
                best[next] = total;
                last[next] = v as u8;
            }
        }
    }

    let full = states - 1;
    assert!(
        best[full] != INFEASIBLE,
        "unremovable edges of the component form a cycle"
    );
    let mut nodes = Vec::with_capacity(n);
    let mut set = full;
    while set != 0 {
        let v = last[set];
        nodes.push(u32::from(v));
        set &= !(1 << v);
    }
    nodes.reverse();
    Order::new(nodes)
}
