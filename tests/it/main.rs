//! The integration tests of the `planc` package: one binary, one module per concern.

mod allocator;
mod check;
mod debian;
mod cli;
mod demo;
mod docs;
mod incremental;
mod no_panic;
mod plan;
mod run_dag;
mod support;
