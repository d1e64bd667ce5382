//! Local improvement by reordering short runs of consecutive nodes exactly.

use super::budget::Budget;
use super::component::Component;
use super::exact::PairCosts;
use super::order::Order;

/// Nodes per window: `2^8` subset states, a few thousand steps per window.
const WIDTH: usize = 8;

/// Slides a window of [`WIDTH`] consecutive positions over the ordering, half a window
/// at a time, and reorders each window optimally (by the exact solver's dynamic
/// programming) when that is strictly cheaper. Edges between a window and the rest keep
/// their direction whatever the order inside, so only edges inside count. Sifting moves
/// one node at a time; this finds joint moves of neighbours that no single move
/// improves. Returns the number of windows reordered; stops early when the budget runs
/// out.
pub(super) fn window_pass(c: &Component, order: &mut Order, budget: &mut Budget) -> u64 {
    let n = c.len();
    if n < 2 {
        return 0;
    }
    let width = WIDTH.min(n);
    let mut reordered = 0;
    let mut start = 0;
    let mut local = Vec::with_capacity(width);
    loop {
        let end = start + width;
        let mut pairs = PairCosts::new(width);
        let mut work = 1u64 << width;
        for (i, &v) in order.nodes[start..end].iter().enumerate() {
            for &e in c.outgoing(v) {
                work += 1;
                let e = &c.edges[e as usize];
                let p = order.pos[e.to as usize] as usize;
                if (start..end).contains(&p) {
                    pairs.add(i, p - start, e.cost);
                }
            }
        }
        local.clear();
        local.extend(0..width as u32);
        // `None` only if an unremovable edge points backwards (a bug the driver's final
        // check catches): then leave the window alone.
        let here = pairs.cost_of(&local).unwrap_or(0);
        if here > pairs.two_cycle_bound() {
            // Only strictly cheaper orderings are of interest.
            if let Some((best, _)) = pairs.best_order(here - 1) {
                let old: Vec<u32> = order.nodes[start..end].to_vec();
                for (i, &k) in best.iter().enumerate() {
                    let v = old[k as usize];
                    order.nodes[start + i] = v;
                    order.pos[v as usize] = (start + i) as u32;
                }
                reordered += 1;
            }
            work += ((width * width) as u64) << width;
        } else {
            work += (width * width) as u64;
        }
        if !budget.spend(work) || end == n {
            break;
        }
        start = (start + width / 2).min(n - width);
    }
    reordered
}
