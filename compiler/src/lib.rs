//! The planc compiler: KDL plans to a checked, staged, cycle-broken DAG.
//!
//! Pipeline: text → `syntax` (lossless tree) → `lower` (typed items) → `plan_files`
//! (imports) → `index` and `check` (names) → … Every step after parsing is a salsa query
//! over the inputs in `ir`, so the CLI and the language server share one incremental
//! database (`db`). Diagnostics are returned as values, never accumulated.

mod check;
mod db;
pub mod dag;
mod dependency;
mod diagnostic;
mod diagnostic_kind;
mod duration;
mod front;
mod index;
mod ir;
mod items;
mod lower;
mod merged;
mod outcome;
mod overlay;
mod planner;
mod plan_files;
mod restriction;
mod session;
mod stdlib;
mod suggest;
mod threads;
#[cfg(test)]
mod test_dir;
pub mod timing;
pub mod fas;
pub mod debian;
pub mod syntax;
mod version;

pub use db::{Database, Db};
pub use merged::MergeMemo;
pub use planner::PlanMemo;
pub use diagnostic::{Diagnostic, FileName, Label, Severity};
pub use diagnostic_kind::DiagnosticKind;
pub use ir::SourceFile;
pub use outcome::{PlanOutcome, PlanStats, Reason, SuggestedBreak};
pub use overlay::suggested_overlay;
pub use session::{root_file_path, LoadError, PlanSummary, Session, SessionConfig};
