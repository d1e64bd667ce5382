//! What planning produces besides the DAG: diagnostics, redirects with the cycles they
//! break, suggested breaks, why each instance exists, and statistics.

use crate::dag::StagedDag;
use crate::diagnostic::{Diagnostic, FileName};
use crate::syntax::Span;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanOutcome {
    /// `None` when planning found errors.
    pub dag: Option<StagedDag>,
    pub diagnostics: Vec<Diagnostic>,
    /// Why each action of the DAG exists, by action index.
    pub reasons: Vec<Reason>,
    /// One per redirected edge, in the DAG's `redirects` order.
    pub redirect_cycles: Vec<Vec<String>>,
    pub suggestions: Vec<SuggestedBreak>,
    pub stats: PlanStats,
}

/// Why an instance is built: a target, or needed by another instance through a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Every package's final instance, rebuilds and verify instances.
    Target(&'static str),
    /// `by` (an instance id) needs `name`.
    Needed { by: String, name: String },
}

/// Dropping `name` from `package`'s build dependencies at `stage` breaks `cycle`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedBreak {
    pub package: String,
    pub stage: String,
    pub name: String,
    /// Where the dependency is written.
    pub file: FileName,
    pub span: Span,
    /// `a@stage1 → b@stage1 → a@stage1`
    pub cycle: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanStats {
    pub packages: usize,
    pub instances: usize,
    /// Instances per stage, in stage order.
    pub per_stage: Vec<(String, usize)>,
    /// Sizes of the cyclic strongly connected components met, largest first, per stage.
    pub scc_sizes: Vec<(String, Vec<usize>)>,
    pub redirects: usize,
    pub tainted: usize,
    pub rebuilt: usize,
    pub layers: usize,
    /// Whether every cycle-breaking problem was solved exactly.
    pub exact: bool,
}
