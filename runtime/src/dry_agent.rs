//! `DryAgent`: runs nothing. Each action takes its estimated duration on a virtual
//! clock, so a 30,000-action campaign can be planned in milliseconds (Azure Linux's test
//! build agent). Scripts make it fail, time out or hit the cache, for scheduler tests.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::Duration;

use compiler::dag::StagedDag;

use crate::agent::{Agent, Completion, Failure, FailureKind, JobResult, Prepared, Results};
use crate::content_store::OutputDigest;
use crate::digest::Digest;

/// What one attempt of a scripted action does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scripted {
    Succeed(Duration),
    Fail(Duration),
}

pub struct DryAgent<'a> {
    dag: &'a StagedDag,
    slots: usize,
    now: Duration,
    durations: Vec<Duration>,
    events: BinaryHeap<Reverse<(Duration, u64, usize, usize)>>,
    seq: u64,
    free_workers: Vec<usize>,
    script: HashMap<usize, Vec<Scripted>>,
    cached: HashSet<usize>,
    started: Vec<(Duration, usize)>,
    start_times: HashMap<usize, Duration>,
    results: HashMap<usize, JobResult>,
    cancelled: bool,
}

impl<'a> DryAgent<'a> {
    /// `durations[i]`: how long action `i` takes (its history or `cost_ms`).
    pub fn new(dag: &'a StagedDag, slots: usize, durations: Vec<Duration>) -> DryAgent<'a> {
        DryAgent {
            dag,
            slots,
            now: Duration::ZERO,
            durations,
            events: BinaryHeap::new(),
            seq: 0,
            free_workers: (0..slots).rev().collect(),
            script: HashMap::new(),
            cached: HashSet::new(),
            started: Vec::new(),
            start_times: HashMap::new(),
            results: HashMap::new(),
            cancelled: false,
        }
    }

    /// The attempts of action `i`, in order; after the last, it succeeds.
    pub fn script(&mut self, action: usize, attempts: Vec<Scripted>) {
        self.script.insert(action, attempts);
    }

    /// Action `i` is found in the cache.
    pub fn cache(&mut self, action: usize) {
        self.cached.insert(action);
    }

    /// Every start so far: (virtual time, action).
    pub fn starts(&self) -> &[(Duration, usize)] {
        &self.started
    }

    fn outputs(&self, action: usize) -> Vec<OutputDigest> {
        let a = &self.dag.actions[action];
        a.outputs
            .iter()
            .map(|o| OutputDigest { name: o.name.clone(), digest: Digest::of(format!("{}/{}", a.id, o.name).as_bytes()) })
            .collect()
    }
}

impl Agent for DryAgent<'_> {
    fn slots(&self) -> usize {
        self.slots
    }

    fn now(&self) -> Duration {
        self.now
    }

    fn prepare(&mut self, action: usize, _results: &Results) -> Prepared {
        if self.cached.contains(&action) {
            Prepared::Cached { outputs: self.outputs(action), note: None }
        } else {
            Prepared::Run
        }
    }

    fn start(&mut self, action: usize, attempt: u32) {
        let worker = self.free_workers.pop().expect("the scheduler respects slots");
        self.started.push((self.now, action));
        let a = &self.dag.actions[action];
        let timeout = a.timeout_secs.map(Duration::from_secs);
        let scripted = self.script.get(&action).and_then(|s| s.get(attempt as usize - 1)).copied();
        let (mut took, mut result) = match scripted {
            Some(Scripted::Fail(d)) => (
                d,
                JobResult::Failed(Failure { message: "exit status 1".into(), log_tail: None, kind: FailureKind::Command }),
            ),
            Some(Scripted::Succeed(d)) => (d, JobResult::Built { outputs: self.outputs(action), check_attempts: 0 }),
            None => (self.durations[action], JobResult::Built { outputs: self.outputs(action), check_attempts: 0 }),
        };
        if let Some(t) = timeout
            && took > t
        {
            took = t;
            result = JobResult::Failed(Failure {
                message: format!("timed out after {}s", t.as_secs()),
                log_tail: None,
                kind: FailureKind::TimedOut,
            });
        }
        self.seq += 1;
        self.start_times.insert(action, self.now);
        self.results.insert(action, result);
        self.events.push(Reverse((self.now + took, self.seq, action, worker)));
    }

    fn wait(&mut self, until: Option<Duration>) -> Option<Completion> {
        match self.events.peek() {
            Some(Reverse((end, ..))) if until.is_none_or(|u| *end <= u) => {
                let Reverse((end, _, action, worker)) = self.events.pop().expect("peeked");
                self.now = self.now.max(end);
                self.free_workers.push(worker);
                let mut result = self.results.remove(&action).expect("started");
                if self.cancelled {
                    result = JobResult::Failed(Failure { message: "cancelled".into(), log_tail: None, kind: FailureKind::Cancelled });
                }
                Some(Completion { action, worker, start: self.start_times[&action], end, result })
            }
            _ => {
                if let Some(u) = until {
                    self.now = self.now.max(u);
                }
                None
            }
        }
    }

    fn cancel(&mut self) {
        // Everything running stops now.
        self.cancelled = true;
        let now = self.now;
        self.events = self.events.drain().map(|Reverse((end, s, a, w))| Reverse((end.min(now), s, a, w))).collect();
    }

    fn forget(&mut self, action: usize) {
        self.cached.remove(&action);
    }
}
