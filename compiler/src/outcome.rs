//! What planning produces besides the DAG: diagnostics, redirects with the cycles they
//! break, suggested breaks, why each instance exists, and statistics.

use crate::dag::StagedDag;
use crate::fas::{ArcGraph, CycleFinder, EdgeId};
use crate::diagnostic::{Diagnostic, FileName};
use crate::syntax::Span;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanOutcome {
    /// `None` when planning found errors.
    pub dag: Option<StagedDag>,
    pub diagnostics: Vec<Diagnostic>,
    /// Why each action of the DAG exists, by action index.
    pub reasons: Vec<Reason>,
    /// One per redirect of the DAG, in its order: the stage graph and edge it removed.
    pub redirect_edges: Vec<(usize, u32)>,
    /// The graphs of the stages where cycles were broken, kept to explain redirects.
    pub level_graphs: Vec<LevelGraph>,
    pub suggestions: Vec<SuggestedBreak>,
    pub stats: PlanStats,
    /// When cycles are left to suggested breaks: the figures of the plan with every
    /// suggested break applied, if it then plans (what `--format stats` reports).
    pub stats_with_breaks: Option<PlanStats>,
}

/// The instances of one stage and the edges between them, with those removed to break
/// its cycles: enough to say which cycle a redirect breaks, on demand (finding a cycle
/// for every redirect of an archive up front would cost more than planning it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelGraph {
    pub stage: String,
    pub nodes: Vec<String>,
    pub edges: Vec<(u32, u32)>,
    pub removed: Vec<u32>,
}

impl LevelGraph {
    fn finder_graph(&self) -> ArcGraph {
        let mut g = ArcGraph::new(self.nodes.len());
        for &(a, b) in &self.edges {
            g.add_edge(a, b, Some(1));
        }
        g
    }

    /// `a@s → b@s → a@s`: the cycle through each edge that no other removed edge breaks.
    pub fn cycles(&self, edges: &[u32]) -> Vec<Vec<String>> {
        let g = self.finder_graph();
        let removed: Vec<EdgeId> = g.edge_ids().filter(|e| self.removed.contains(&(e.index() as u32))).collect();
        let mut finder = CycleFinder::new(&g, &removed);
        let all: Vec<EdgeId> = g.edge_ids().collect();
        edges
            .iter()
            .map(|&e| {
                finder
                    .cycle_through(all[e as usize])
                    .map(|c| {
                        let mut names: Vec<String> =
                            c.iter().map(|&ce| self.nodes[g.endpoints(ce).0 as usize].clone()).collect();
                        if let Some(first) = names.first().cloned() {
                            names.push(first);
                        }
                        names
                    })
                    .unwrap_or_default()
            })
            .collect()
    }
}

impl PlanOutcome {
    /// The cycle each listed redirect (index into the DAG's `redirects`) breaks.
    pub fn redirect_cycles(&self, redirects: &[usize]) -> Vec<Vec<String>> {
        let mut out = vec![Vec::new(); redirects.len()];
        for (g, graph) in self.level_graphs.iter().enumerate() {
            let (positions, edges): (Vec<usize>, Vec<u32>) = redirects
                .iter()
                .enumerate()
                .filter_map(|(i, &r)| self.redirect_edges.get(r).filter(|(rg, _)| *rg == g).map(|&(_, e)| (i, e)))
                .unzip();
            if edges.is_empty() {
                continue;
            }
            for (i, cycle) in positions.into_iter().zip(graph.cycles(&edges)) {
                out[i] = cycle;
            }
        }
        out
    }
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
    /// `a@stage1 → b@stage1 → a@stage1`; empty for a drop of a dependency nothing
    /// produces at that stage.
    pub cycle: Vec<String>,
}

impl SuggestedBreak {
    /// Whether dropping it breaks a cycle (what botch's feedback arc set counts), rather
    /// than a dependency nothing produces at its stage.
    pub fn breaks_a_cycle(&self) -> bool {
        !self.cycle.is_empty()
    }
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
    /// Outputs the packages declare, and names the seeds provide.
    pub outputs: usize,
    pub seeded: usize,
    /// `final` instances built from the seed without meeting a cycle: in all (every
    /// input a seed's or such an instance's; botch's build fixpoint), and directly
    /// (every input a seed's).
    pub from_seed: usize,
    pub from_seed_direct: usize,
    /// Instances built reduced (below `final`, with other dependencies or outputs), and
    /// what reduces them: each profile, and `stage block` (a replaced or trimmed
    /// dependency list, or outputs of its own). One build can count under several.
    pub reduced: usize,
    pub reduced_by: Vec<(String, usize)>,
    /// Instances that redirects point to: the builds that break cycles (what botch's
    /// feedback vertex set counts).
    pub redirect_targets: usize,
}
