//! Minimum-cost feedback arc sets: which dependency edges to redirect or drop so that a
//! plan's instance graph becomes acyclic.
//!
//! [`min_feedback_arc_set`] works per strongly connected component ([`sccs`]): exact on
//! small ones, greedy ordering plus local improvement on large ones, deterministic
//! throughout; [`cycle_through`] explains which cycle a removed edge breaks.

mod budget;
mod component;
mod config;
mod cycle;
mod exact;
mod graph;
mod greedy;
mod heuristic;
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

pub use config::FasConfig;
pub use cycle::cycle_through;
pub use exact::MAX_EXACT_LIMIT;
pub use graph::{ArcGraph, EdgeId};
pub use scc::sccs;
pub use solve::{FasResult, FasStats, min_feedback_arc_set};
