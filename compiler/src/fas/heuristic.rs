//! The solver for large components: a greedy ordering, then local improvement until a
//! local optimum or the work budget.

use super::budget::Budget;
use super::component::Component;
use super::greedy::greedy_order;
use super::order::Order;
use super::reinsert::{Witnesses, reinsert};
use super::sift::sift_round;

/// What the heuristic did on one component, for [`super::FasStats`].
#[derive(Debug, Default)]
pub(super) struct HeuristicRun {
    pub(super) greedy_cost: u64,
    pub(super) final_cost: u64,
    pub(super) sift_moves: u64,
    pub(super) put_back: u64,
    pub(super) work: u64,
    pub(super) budget_exhausted: bool,
}

/// Greedy ordering ([`greedy_order`]), then, while the budget lasts, rounds of sifting
/// until a round saves nothing, followed by putting back redundant removals; repeated
/// while putting back changes anything (it reorders nodes, which can open new sifting
/// moves). Every step keeps the ordering valid, so stopping anywhere is safe.
pub(super) fn heuristic_order(c: &Component, budget_units: u64) -> (Order, HeuristicRun) {
    let mut order = greedy_order(c);
    let greedy_cost = order
        .back_cost(c)
        .expect("greedy points no unremovable edge backwards");
    let mut run = HeuristicRun {
        greedy_cost,
        final_cost: greedy_cost,
        ..HeuristicRun::default()
    };
    if budget_units == 0 {
        return (order, run);
    }
    let mut budget = Budget::new(budget_units);
    let mut cost = greedy_cost;
    let mut witnesses = Witnesses::new(c);
    loop {
        while !budget.exhausted() {
            let (saved, moves) = sift_round(c, &mut order, &mut budget);
            cost -= saved;
            run.sift_moves += moves;
            if saved == 0 {
                break;
            }
        }
        if budget.exhausted() {
            break;
        }
        let (saved, put_back) = reinsert(c, &mut order, &mut witnesses, &mut budget);
        cost -= saved;
        run.put_back += put_back;
        if put_back == 0 || budget.exhausted() {
            break;
        }
    }
    debug_assert_eq!(order.back_cost(c), Some(cost));
    run.final_cost = cost;
    run.work = budget.spent();
    run.budget_exhausted = budget.exhausted();
    (order, run)
}
