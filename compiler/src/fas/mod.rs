//! Minimum-cost feedback arc sets: which dependency edges to redirect or drop so that a
//! plan's instance graph becomes acyclic.
//!
//! [`min_feedback_arc_set`] works per strongly connected component ([`sccs`]): exact on
//! small ones, greedy ordering plus local improvement on large ones, deterministic
//! throughout; [`cycle_through`] explains which cycle a removed edge breaks.

mod cycle;
mod graph;
mod scc;

pub use cycle::cycle_through;
pub use graph::{ArcGraph, EdgeId};
pub use scc::sccs;
