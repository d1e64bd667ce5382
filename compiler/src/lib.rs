//! The planc compiler: KDL plans to a checked, staged, cycle-broken DAG.

pub mod dag;
pub mod debian;
pub mod syntax;
