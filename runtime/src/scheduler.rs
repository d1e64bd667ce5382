//! `Scheduler`: decides what starts when. Ready actions wait in a priority queue ordered
//! by critical path (the longest chain of estimated durations from the action to the end
//! of the DAG) or first-in first-out; failures are retried with exponential backoff; a
//! failure stops new work or, with keep-going, only what depends on it. Every action not
//! built ends with a blocker.

use std::collections::{BinaryHeap, VecDeque};
use std::cmp::Reverse;
use std::time::Duration;

use compiler::dag::StagedDag;

use crate::agent::{Agent, Completion, Failure, FailureKind, JobResult, Prepared};
use crate::content_store::OutputDigest;
use crate::run_config::{FailurePolicy, ReadyOrder};

/// What the scheduler needs to know about a run.
#[derive(Clone, Debug)]
pub struct ScheduleConfig {
    pub attempts: u32,
    pub on_failure: FailurePolicy,
    pub order: ReadyOrder,
    pub retry_backoff: Duration,
    /// Deadline of the whole run on the agent's clock.
    pub deadline: Option<Duration>,
    /// How often to poll `interrupted` while waiting.
    pub poll: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Built,
    Cached,
    Failed,
    Blocked,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Built => "built",
            Status::Cached => "cached",
            Status::Failed => "failed",
            Status::Blocked => "blocked",
            Status::Skipped => "skipped",
        }
    }
}

/// The fate of one action in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    pub status: Status,
    pub attempts: u32,
    pub check_attempts: u32,
    /// Of the last attempt, on the agent's clock.
    pub start: Option<Duration>,
    pub end: Option<Duration>,
    pub worker: Option<usize>,
    /// For every action not built or cached: what stopped it.
    pub blocker: Option<String>,
    pub failure: Option<Failure>,
    pub outputs: Option<Vec<OutputDigest>>,
    pub note: Option<String>,
}

impl ActionRecord {
    pub fn duration(&self) -> Duration {
        match (self.start, self.end) {
            (Some(s), Some(e)) => e.saturating_sub(s),
            _ => Duration::ZERO,
        }
    }
}

/// Why the run stopped early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    Failure(String),
    Interrupted,
    Timeout,
}

#[derive(Clone, Debug)]
pub struct ScheduleOutcome {
    pub records: Vec<ActionRecord>,
    pub makespan: Duration,
    pub stopped: Option<StopReason>,
}

/// Notified as the run goes (progress output).
pub trait Observer {
    fn started(&mut self, _action: usize, _attempt: u32) {}
    fn finished(&mut self, _action: usize, _record: &ActionRecord) {}
    fn retrying(&mut self, _action: usize, _failure: &Failure, _next_attempt: u32) {}
}

/// An observer that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Unneeded,
    Waiting,
    Ready,
    Delayed,
    Running,
    Done,
    Failed,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("the DAG is not in topological order: `{action}` consumes `{producer}`, which comes after it")]
    NotTopological { action: String, producer: String },
}

pub struct Scheduler<'a> {
    dag: &'a StagedDag,
    config: ScheduleConfig,
    producers: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
    priority: Vec<u64>,
    state: Vec<State>,
    records: Vec<ActionRecord>,
    results: Vec<Option<Vec<OutputDigest>>>,
    heap: BinaryHeap<(u64, Reverse<u64>, usize)>,
    fifo_seq: u64,
    delayed: Vec<(Duration, usize)>,
    resolve: VecDeque<usize>,
    running: usize,
    stopped: Option<StopReason>,
}

impl<'a> Scheduler<'a> {
    /// `needed` from a `Selection`; `estimate[i]` the expected duration of action `i`
    /// in milliseconds (its last measured duration, or the DAG's `cost_ms`).
    pub fn new(
        dag: &'a StagedDag,
        needed: &[bool],
        estimate: &[u64],
        config: ScheduleConfig,
    ) -> Result<Scheduler<'a>, ScheduleError> {
        let n = dag.actions.len();
        let producers = dag.all_producers();
        let mut dependents = vec![Vec::new(); n];
        for (i, a) in dag.actions.iter().enumerate() {
            for &p in &producers[i] {
                if p >= i {
                    return Err(ScheduleError::NotTopological {
                        action: a.id.clone(),
                        producer: dag.actions.get(p).map_or_else(|| format!("#{p}"), |x| x.id.clone()),
                    });
                }
                dependents[p].push(i);
            }
        }
        // Critical path: an action's estimate plus the heaviest chain of needed dependents.
        let mut priority = vec![0u64; n];
        for i in (0..n).rev() {
            if needed[i] {
                let tail = dependents[i].iter().filter(|&&d| needed[d]).map(|&d| priority[d]).max().unwrap_or(0);
                priority[i] = estimate[i].max(1).saturating_add(tail);
            }
        }
        let state = needed.iter().map(|&b| if b { State::Waiting } else { State::Unneeded }).collect();
        let blank = ActionRecord {
            status: Status::Skipped,
            attempts: 0,
            check_attempts: 0,
            start: None,
            end: None,
            worker: None,
            blocker: None,
            failure: None,
            outputs: None,
            note: None,
        };
        Ok(Scheduler {
            dag,
            config,
            producers,
            dependents,
            priority,
            state,
            records: vec![blank; n],
            results: vec![None; n],
            heap: BinaryHeap::new(),
            fifo_seq: 0,
            delayed: Vec::new(),
            resolve: VecDeque::new(),
            running: 0,
            stopped: None,
        })
    }

    /// The critical-path weight of each action (milliseconds).
    pub fn priorities(&self) -> &[u64] {
        &self.priority
    }

    /// Runs to completion. `interrupted` is polled between events.
    pub fn run(
        mut self,
        agent: &mut dyn Agent,
        observer: &mut dyn Observer,
        interrupted: &dyn Fn() -> bool,
    ) -> ScheduleOutcome {
        for i in 0..self.state.len() {
            if self.state[i] == State::Waiting && self.inputs_done(i) {
                self.resolve.push_back(i);
            }
        }
        loop {
            self.resolve_ready(agent, observer);
            if self.stopped.is_none() {
                if interrupted() {
                    self.stop(StopReason::Interrupted, agent);
                } else if self.config.deadline.is_some_and(|d| agent.now() >= d) {
                    self.stop(StopReason::Timeout, agent);
                }
            }
            let now = agent.now();
            let mut i = 0;
            while i < self.delayed.len() {
                if self.delayed[i].0 <= now || self.stopped.is_some() {
                    let (_, a) = self.delayed.swap_remove(i);
                    if self.stopped.is_none() {
                        self.state[a] = State::Ready;
                        self.push_ready(a);
                    } else {
                        self.state[a] = State::Failed;
                        self.finish_failed(a, observer);
                    }
                } else {
                    i += 1;
                }
            }
            while self.stopped.is_none() && self.running < agent.slots() {
                let Some((_, _, a)) = self.heap.pop() else { break };
                if self.state[a] != State::Ready {
                    continue; // requeued meanwhile
                }
                self.state[a] = State::Running;
                self.running += 1;
                let attempt = self.records[a].attempts + 1;
                self.records[a].attempts = attempt;
                observer.started(a, attempt);
                agent.start(a, attempt);
            }
            let next_delayed = self.delayed.iter().map(|d| d.0).min();
            if self.running == 0 && next_delayed.is_none() && (self.heap.is_empty() || self.stopped.is_some()) && self.resolve.is_empty() {
                break;
            }
            let mut until = next_delayed;
            if self.stopped.is_none() {
                if let Some(d) = self.config.deadline {
                    until = Some(until.map_or(d, |u| u.min(d)));
                }
                if let Some(p) = self.config.poll {
                    let t = agent.now() + p;
                    until = Some(until.map_or(t, |u| u.min(t)));
                }
            }
            if let Some(c) = agent.wait(until) {
                self.complete(c, agent, observer);
            }
        }
        self.finalize()
    }

    fn inputs_done(&self, i: usize) -> bool {
        self.producers[i].iter().all(|&p| self.state[p] == State::Done)
    }

    fn push_ready(&mut self, a: usize) {
        self.fifo_seq += 1;
        let prio = match self.config.order {
            ReadyOrder::CriticalPath => self.priority[a],
            ReadyOrder::Fifo => 0,
        };
        // Ties: critical path breaks them by DAG order, FIFO by arrival.
        let tie = match self.config.order {
            ReadyOrder::CriticalPath => a as u64,
            ReadyOrder::Fifo => self.fifo_seq,
        };
        self.heap.push((prio, Reverse(tie), a));
    }

    /// Asks the agent about every action whose inputs are done: cached ones finish at
    /// once (and may make more ready), the others join the ready queue.
    fn resolve_ready(&mut self, agent: &mut dyn Agent, observer: &mut dyn Observer) {
        while let Some(a) = self.resolve.pop_front() {
            if self.state[a] != State::Waiting || !self.inputs_done(a) {
                continue;
            }
            if self.stopped.is_some() {
                continue;
            }
            match agent.prepare(a, &self.results) {
                Prepared::Cached { outputs, note } => {
                    let now = agent.now();
                    let r = &mut self.records[a];
                    r.status = Status::Cached;
                    r.note = note;
                    r.start = Some(now);
                    r.end = Some(now);
                    r.outputs = Some(outputs.clone());
                    self.results[a] = Some(outputs);
                    self.state[a] = State::Done;
                    observer.finished(a, &self.records[a]);
                    self.release(a);
                }
                Prepared::Run => {
                    self.state[a] = State::Ready;
                    self.push_ready(a);
                }
                Prepared::Error(message) => {
                    self.records[a].failure = Some(Failure { message, log_tail: None, kind: FailureKind::Setup });
                    self.state[a] = State::Failed;
                    self.finish_failed(a, observer);
                    self.after_failure(a, agent);
                }
            }
        }
    }

    fn release(&mut self, a: usize) {
        for k in 0..self.dependents[a].len() {
            let d = self.dependents[a][k];
            if self.state[d] == State::Waiting && self.inputs_done(d) {
                self.resolve.push_back(d);
            }
        }
    }

    fn complete(&mut self, c: Completion, agent: &mut dyn Agent, observer: &mut dyn Observer) {
        let a = c.action;
        self.running -= 1;
        let r = &mut self.records[a];
        r.start = Some(c.start);
        r.end = Some(c.end);
        r.worker = Some(c.worker);
        match c.result {
            JobResult::Built { outputs, check_attempts } => {
                r.status = Status::Built;
                r.check_attempts = check_attempts;
                r.failure = None;
                r.outputs = Some(outputs.clone());
                self.results[a] = Some(outputs);
                self.state[a] = State::Done;
                observer.finished(a, &self.records[a]);
                self.release(a);
            }
            JobResult::InputLost { producer, message } => {
                // The producer's blob went bad: rebuild it, then this one; not an attempt.
                r.attempts -= 1;
                r.note = Some(message);
                agent.forget(producer);
                if self.state[producer] == State::Done {
                    self.state[producer] = State::Waiting;
                    self.results[producer] = None;
                    self.records[producer].status = Status::Skipped;
                    // Dependents queued but not started wait again.
                    for k in 0..self.dependents[producer].len() {
                        let d = self.dependents[producer][k];
                        if self.state[d] == State::Ready {
                            self.state[d] = State::Waiting;
                        }
                    }
                    self.resolve.push_back(producer);
                }
                self.state[a] = State::Waiting;
                if self.inputs_done(a) {
                    self.resolve.push_back(a);
                }
            }
            JobResult::Failed(f) => {
                let cancelled = f.kind == FailureKind::Cancelled;
                let attempt = r.attempts;
                if attempt < self.config.attempts && !cancelled && self.stopped.is_none() {
                    observer.retrying(a, &f, attempt + 1);
                    r.failure = Some(f);
                    let backoff = self.config.retry_backoff * 2u32.saturating_pow(attempt - 1);
                    self.state[a] = State::Delayed;
                    self.delayed.push((agent.now() + backoff, a));
                } else {
                    r.failure = Some(f);
                    self.state[a] = State::Failed;
                    self.finish_failed(a, observer);
                    if !cancelled {
                        self.after_failure(a, agent);
                    }
                }
            }
        }
    }

    fn finish_failed(&mut self, a: usize, observer: &mut dyn Observer) {
        self.records[a].status = Status::Failed;
        observer.finished(a, &self.records[a]);
    }

    fn after_failure(&mut self, a: usize, agent: &mut dyn Agent) {
        if self.config.on_failure == FailurePolicy::Stop && self.stopped.is_none() {
            let _ = agent;
            self.stopped = Some(StopReason::Failure(self.dag.actions[a].id.clone()));
        }
    }

    fn stop(&mut self, reason: StopReason, agent: &mut dyn Agent) {
        self.stopped = Some(reason);
        agent.cancel();
    }

    fn finalize(mut self) -> ScheduleOutcome {
        let n = self.state.len();
        let mut makespan = Duration::ZERO;
        for i in 0..n {
            if let Some(e) = self.records[i].end {
                makespan = makespan.max(e);
            }
            match self.state[i] {
                State::Done | State::Failed => {}
                State::Unneeded => {
                    self.records[i].status = Status::Skipped;
                    self.records[i].blocker = Some("not selected by the targets".into());
                }
                _ => {
                    // Producers come first: their blockers are already known.
                    let mut blocker = None;
                    for &p in &self.producers[i] {
                        match self.records[p].status {
                            Status::Failed => {
                                blocker = Some(self.dag.actions[p].id.clone());
                                break;
                            }
                            Status::Blocked if blocker.is_none() => blocker = self.records[p].blocker.clone(),
                            _ => {}
                        }
                    }
                    let r = &mut self.records[i];
                    match blocker {
                        Some(b) => {
                            r.status = Status::Blocked;
                            r.blocker = Some(b);
                        }
                        None => {
                            r.status = Status::Skipped;
                            r.blocker = Some(match &self.stopped {
                                Some(StopReason::Failure(f)) => format!("run stopped after `{f}` failed"),
                                Some(StopReason::Interrupted) => "run interrupted".into(),
                                Some(StopReason::Timeout) => "run timed out".into(),
                                None => "not started".into(),
                            });
                        }
                    }
                }
            }
            if self.records[i].status == Status::Failed && self.records[i].blocker.is_none() {
                let f = self.records[i].failure.as_ref();
                self.records[i].blocker = Some(f.map_or_else(|| "failed".into(), |f| f.message.clone()));
            }
        }
        ScheduleOutcome { records: self.records, makespan, stopped: self.stopped }
    }
}

#[cfg(test)]
mod tests;
