//! `Selection`: which actions a run needs, from its targets. A stage name selects every
//! action at that stage or an earlier one; a package name its final (or latest)
//! instance; an action id (`PKG@STAGE`) that instance; each with everything it consumes.

use compiler::dag::StagedDag;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectionError {
    #[error("unknown target `{0}`: not a stage, a package or an action id")]
    Unknown(String),
}

/// `needed[i]`: action `i` is part of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub needed: Vec<bool>,
}

impl Selection {
    pub fn new(dag: &StagedDag, targets: &[String]) -> Result<Selection, SelectionError> {
        let n = dag.actions.len();
        if targets.is_empty() {
            return Ok(Selection { needed: vec![true; n] });
        }
        let stage_rank = |s: &str| dag.stages.iter().position(|x| x == s);
        let mut roots = vec![false; n];
        for t in targets {
            let mut found = false;
            if let Some(rank) = stage_rank(t) {
                for (i, a) in dag.actions.iter().enumerate() {
                    if stage_rank(&a.stage).is_some_and(|r| r <= rank) {
                        roots[i] = true;
                    }
                }
                found = true;
            } else if let Some(i) = dag.actions.iter().position(|a| a.id == *t) {
                roots[i] = true;
                found = true;
            } else {
                // The latest instance of the package (final, or `rebuild` when present).
                let best = dag
                    .actions
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.package == *t)
                    .max_by_key(|(_, a)| stage_rank(&a.stage));
                if let Some((i, _)) = best {
                    roots[i] = true;
                    found = true;
                }
            }
            if !found {
                return Err(SelectionError::Unknown(t.clone()));
            }
        }
        // Producers come first in the DAG: one backward sweep closes over inputs.
        let mut needed = roots;
        let producers = dag.all_producers();
        for i in (0..n).rev() {
            if needed[i] {
                for &action in &producers[i] {
                    needed[action] = true;
                }
            }
        }
        Ok(Selection { needed })
    }

    pub fn all(&self) -> bool {
        self.needed.iter().all(|&b| b)
    }
}
