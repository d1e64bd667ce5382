//! The solver for large components: a greedy ordering, then local improvement until a
//! local optimum or the work budget.

use super::budget::Budget;
use super::component::Component;
use super::greedy::greedy_order;
use super::order::Order;
use super::reinsert::{Witnesses, reinsert};
use super::sift::Sifter;
use super::swap::swap_pass;
use super::window::window_pass;

/// What the heuristic did on one component, for [`super::FasStats`].
#[derive(Debug, Default)]
pub(super) struct HeuristicRun {
    pub(super) greedy_cost: u64,
    pub(super) final_cost: u64,
    pub(super) sift_moves: u64,
    pub(super) windows: u64,
    pub(super) swaps: u64,
    pub(super) put_back: u64,
    pub(super) work: u64,
    pub(super) budget_exhausted: bool,
}

/// The better of two greedy orderings ([`greedy_order`] on the graph and on its
/// reverse), then, while the budget lasts, rounds of local improvement until none of
/// them changes anything:
/// 1. sifting rounds until one saves nothing ([`Sifter::round`]);
/// 2. exact reordering of short runs of nodes ([`window_pass`]); back to 1 if it helped;
/// 3. putting back redundant removals ([`reinsert`]), which also reorders nodes; back
///    to 1 if it put any back;
/// 4. exchanging removed edges for cheaper cuts ([`swap_pass`]); back to 1 if it did.
///
/// Each change lowers the cost, or keeps it and removes fewer edges, so this ends. Every
/// step keeps the ordering valid, so stopping anywhere is safe; when the budget stops
/// it, one more re-insertion pass, outside the budget, keeps the removal minimal.
pub(super) fn heuristic_order(c: &Component, budget_units: u64) -> (Order, HeuristicRun) {
    heuristic_order_from(c, budget_units, None)
}

/// [`heuristic_order`], also trying the ordering by `ranks` (one per local node,
/// `u32::MAX` for none; ties and unranked nodes in the forward greedy order) as the start
/// when it is valid (no unremovable edge backwards) and cheaper than both greedy ones.
pub(super) fn heuristic_order_from(c: &Component, budget_units: u64, ranks: Option<&[u32]>) -> (Order, HeuristicRun) {
    // No step points an unremovable edge backwards; if one did (a bug), the driver's
    // final check would catch it, so do not fail here.
    let cost_of = |o: &Order| o.removable_back_cost(c);
    let (forward, backward) = both_greedy_orders(c);
    let (forward_cost, backward_cost) = (cost_of(&forward), cost_of(&backward));
    let hinted = ranks.map(|ranks| {
        let mut nodes = forward.nodes.clone();
        nodes.sort_by_key(|&v| (ranks[v as usize], forward.pos[v as usize]));
        Order::new(nodes)
    });
    let (mut order, greedy_cost) = if backward_cost < forward_cost {
        (backward, backward_cost)
    } else {
        (forward, forward_cost)
    };
    let mut run = HeuristicRun {
        greedy_cost,
        final_cost: greedy_cost,
        ..HeuristicRun::default()
    };
    if let Some(hinted) = hinted
        && c.edges.iter().enumerate().all(|(e, edge)| edge.cost.is_some() || !hinted.is_back(c, e as u32))
    {
        let cost = cost_of(&hinted);
        if cost < run.final_cost {
            (order, run.final_cost) = (hinted, cost);
        }
    }
    if budget_units == 0 {
        return (order, run);
    }
    improve(c, &mut order, budget_units, &mut run);
    (order, run)
}

/// Components with at least this many edges compute their two greedy orderings at once
/// on two threads: on smaller ones (a few milliseconds each) starting a thread is not
/// worth it.
const PARALLEL_GREEDY_EDGES: usize = 20_000;

/// [`greedy_order`] forwards and backwards; each depends only on `c`, so running them on
/// two threads changes nothing but the time.
fn both_greedy_orders(c: &Component) -> (Order, Order) {
    let parallel = c.edges.len() >= PARALLEL_GREEDY_EDGES
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    let (backward, forward) = crate::threads::join(parallel, || greedy_order(c, true), || greedy_order(c, false));
    (forward, backward)
}

/// The improvement loop of [`heuristic_order`] from a valid `order` (no unremovable edge
/// pointing backwards), counted into `run`; ends with a minimal removal.
pub(super) fn improve(c: &Component, order: &mut Order, budget_units: u64, run: &mut HeuristicRun) {
    let cost_of = |o: &Order| o.removable_back_cost(c);
    let mut budget = Budget::new(budget_units);
    let mut witnesses = Witnesses::new(c);
    // One sifter for the whole loop: the passes after sifting move few nodes, and a new
    // sifter would look at every node again (most of a round's time on a large
    // component).
    let mut sifter = Sifter::new(c);
    let mut sifted: Option<Vec<u32>> = None;
    while !budget.exhausted() {
        if let Some(before) = &sifted {
            sifter.unsettle_moved(c, before, order);
        }
        loop {
            let (saved, moves) = sifter.round(c, order, &mut budget);
            run.sift_moves += moves;
            if saved == 0 || budget.exhausted() {
                break;
            }
        }
        sifted = Some(order.nodes.clone());
        if budget.exhausted() {
            break;
        }
        let windows = window_pass(c, order, &mut budget);
        run.windows += windows;
        if windows > 0 {
            continue;
        }
        if budget.exhausted() {
            break;
        }
        let (_, put_back) = reinsert(c, order, &mut witnesses, &mut budget);
        run.put_back += put_back;
        if put_back > 0 {
            continue;
        }
        if budget.exhausted() {
            break;
        }
        let swaps = swap_pass(c, order, &mut witnesses, &mut budget);
        run.swaps += swaps;
        if swaps == 0 {
            break;
        }
    }
    run.work = budget.spent();
    run.budget_exhausted = budget.exhausted();
    if run.budget_exhausted {
        // Whatever the budget, every removal left must be needed.
        let mut unlimited = Budget::new(u64::MAX);
        let (_, put_back) = reinsert(c, order, &mut witnesses, &mut unlimited);
        run.put_back += put_back;
        run.work += unlimited.spent();
    }
    run.final_cost = cost_of(order);
}
