//! Minimum-cost feedback arc sets: which dependency edges to redirect or drop so that a
//! plan's instance graph becomes acyclic.
//!
//! The problem is the weighted minimum feedback arc set, NP-hard. An [`ArcGraph`] holds
//! the edges with their removal costs (`None`: never removable); [`min_feedback_arc_set`]
//! returns the edges to remove, or a cycle of unremovable edges when no removal helps.
//! It works per strongly connected component ([`sccs`]), never removing an edge between
//! two: components of up to [`FasConfig::exact_limit`] nodes are solved exactly,
//! larger ones by a greedy ordering and local improvement. With
//! [`Objective::FewestHeads`] it first minimizes the number of distinct heads of removed
//! edges (a feedback vertex set over the heads, `heads`), then the edges into them.
//! [`cycle_through`] explains which cycle a removed edge breaks.
//!
//! Every solver produces a linear ordering of a component's nodes (`order`) and
//! removes its back edges, so a result is acyclic by construction; it is checked anyway
//! before it is returned. Results depend only on the input: no hashing, no clocks,
//! budgets counted in work units.
//!
//! Codemap: `graph` (input), `scc`, `cycle` (shortest cycles), `solve` (the driver and
//! the result), `component` (one SCC renumbered), `exact` (subset DP), `greedy`
//! (Eades–Lin–Smyth), `memo` (solutions kept between solves), `heuristic` (the improvement loop) with its passes `sift`,
//! `window`, `swap`, `reinsert`, and their helpers `search`, `budget`; `heads` (the
//! fewest-heads objective).

mod budget;
mod component;
mod config;
mod cycle;
mod exact;
mod graph;
mod greedy;
mod heads;
mod heuristic;
mod memo;
mod order;
mod reinsert;
mod scc;
mod search;
mod sift;
mod solve;
mod swap;
mod window;

#[cfg(test)]
mod tests;

pub use config::{FasConfig, Objective};
pub use cycle::{CycleFinder, cycle_through};
pub use exact::MAX_EXACT_LIMIT;
pub use graph::{ArcGraph, EdgeId};
pub use memo::FasMemo;
pub use scc::{sccs, sccs_of_successors};
pub use solve::{FasResult, FasStats, acyclic_order, min_feedback_arc_set, min_feedback_arc_set_from, min_feedback_arc_set_memo};
