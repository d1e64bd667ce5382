//! Is there a path of kept edges from one node to another? The question behind putting
//! removed edges back, asked thousands of times per pass.

use super::component::Component;
use super::order::Order;

/// An edge as the searches see it: its local index and the node at its other end.
#[derive(Clone, Copy)]
struct Arc {
    edge: u32,
    node: u32,
}

/// Bidirectional breadth-first search for a path of kept edges, reused across candidates.
pub(super) struct Search {
    /// Each node's out-edges (`succ`) and in-edges (`pred`), with the node at the other end
    /// at hand so that a search touches little memory.
    succ: Vec<Arc>,
    succ_start: Vec<u32>,
    pred: Vec<Arc>,
    pred_start: Vec<u32>,
    seen_forward: Vec<u32>,
    seen_backward: Vec<u32>,
    /// The edge by which a search first reached each node.
    parent_forward: Vec<u32>,
    parent_backward: Vec<u32>,
    stamp: u32,
    /// Nodes found by the last search from its start (forwards) and its goal (backwards),
    /// in the order found: the searches' queues.
    forward: Vec<u32>,
    backward: Vec<u32>,
    forward_head: usize,
    backward_head: usize,
    start: u32,
    goal: u32,
    /// Where the searches met: (forward node, edge, backward node).
    meeting: (u32, u32, u32),
    scratch: Vec<u32>,
}

impl Search {
    pub(super) fn new(c: &Component) -> Search {
        let mut succ = Vec::with_capacity(c.edges.len());
        let mut succ_start = Vec::with_capacity(c.len() + 1);
        let mut pred = Vec::with_capacity(c.edges.len());
        let mut pred_start = Vec::with_capacity(c.len() + 1);
        for v in 0..c.len() as u32 {
            succ_start.push(succ.len() as u32);
            succ.extend(c.outgoing(v).iter().map(|&edge| Arc {
                edge,
                node: c.edges[edge as usize].to,
            }));
            pred_start.push(pred.len() as u32);
            pred.extend(c.incoming(v).iter().map(|&edge| Arc {
                edge,
                node: c.edges[edge as usize].from,
            }));
        }
        succ_start.push(succ.len() as u32);
        pred_start.push(pred.len() as u32);
        let n = c.len();
        Search {
            succ,
            succ_start,
            pred,
            pred_start,
            seen_forward: vec![0; n],
            seen_backward: vec![0; n],
            parent_forward: vec![0; n],
            parent_backward: vec![0; n],
            stamp: 0,
            forward: Vec::new(),
            backward: Vec::new(),
            forward_head: 0,
            backward_head: 0,
            start: 0,
            goal: 0,
            meeting: (0, 0, 0),
            scratch: Vec::new(),
        }
    }

    /// Whether kept edges lead from `start` to `goal`, where `order` is a topological
    /// order of the kept edges and `start` comes before `goal`, so only nodes between
    /// them are searched. The two searches take turns; the first to run dry proves
    /// there is no path, and has then found all the nodes `start` reaches (forwards) or
    /// that reach `goal` (backwards) between those positions: see [`Search::in_group`].
    pub(super) fn path_exists(
        &mut self,
        order: &Order,
        kept: &[bool],
        start: u32,
        goal: u32,
        work: &mut u64,
    ) -> Outcome {
        let (lo, hi) = (order.pos[start as usize], order.pos[goal as usize]);
        self.stamp += 1;
        let stamp = self.stamp;
        self.start = start;
        self.goal = goal;
        self.forward.clear();
        self.backward.clear();
        self.forward_head = 0;
        self.backward_head = 0;
        self.seen_forward[start as usize] = stamp;
        self.forward.push(start);
        self.seen_backward[goal as usize] = stamp;
        self.backward.push(goal);
        loop {
            match self.step_forward(order, kept, hi, work) {
                Step::Met => return Outcome::Path,
                Step::Done => return Outcome::Unreachable(Side::Forward),
                Step::Expanded => {}
            }
            match self.step_backward(order, kept, lo, work) {
                Step::Met => return Outcome::Path,
                Step::Done => return Outcome::Unreachable(Side::Backward),
                Step::Expanded => {}
            }
        }
    }

    /// After [`Outcome::Unreachable`]`(side)` for a search from the node at position
    /// `from` to the one at `to`, makes `order` a topological order of the kept edges
    /// plus an edge `to → from`: either everything the start reaches (within the goal's
    /// position) moves to just after the goal, or everything that reaches the goal
    /// (from the start's position on) moves to just before the start, each group keeping
    /// its relative order. Edges into a group that moves right, or out of one that moves
    /// left, come from (go to) nodes that stay on the same side of it, so the order stays
    /// topological. This is Pearce and Kelly's dynamic topological sort, moving only the
    /// side whose search ran dry first. Returns the work done.
    pub(super) fn repair(&mut self, order: &mut Order, side: Side, from: usize, to: usize) -> u64 {
        let window = &mut order.nodes[from..=to];
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let first = matches!(side, Side::Backward);
        for group in [first, !first] {
            scratch.extend(
                window
                    .iter()
                    .copied()
                    .filter(|&v| self.in_group(side, v) == group),
            );
        }
        window.copy_from_slice(&scratch);
        for (i, &v) in scratch.iter().enumerate() {
            order.pos[v as usize] = (from + i) as u32;
        }
        let work = scratch.len() as u64;
        self.scratch = scratch;
        work
    }

    /// After [`Outcome::Unreachable`]`(side)`: whether the search on that side found `v`.
    fn in_group(&self, side: Side, v: u32) -> bool {
        match side {
            Side::Forward => self.seen_forward[v as usize] == self.stamp,
            Side::Backward => self.seen_backward[v as usize] == self.stamp,
        }
    }

    /// Expands the next node of the forward search.
    fn step_forward(&mut self, order: &Order, kept: &[bool], hi: u32, work: &mut u64) -> Step {
        let Some(&u) = self.forward.get(self.forward_head) else {
            return Step::Done;
        };
        self.forward_head += 1;
        let stamp = self.stamp;
        let arcs = &self.succ
            [self.succ_start[u as usize] as usize..self.succ_start[u as usize + 1] as usize];
        *work += arcs.len() as u64;
        for &Arc { edge, node: w } in arcs {
            let wi = w as usize;
            if !kept[edge as usize] || self.seen_forward[wi] == stamp || order.pos[wi] > hi {
                continue;
            }
            if self.seen_backward[wi] == stamp {
                self.meeting = (u, edge, w);
                return Step::Met;
            }
            self.seen_forward[wi] = stamp;
            self.parent_forward[wi] = edge;
            self.forward.push(w);
        }
        Step::Expanded
    }

    /// Expands the next node of the backward search.
    fn step_backward(&mut self, order: &Order, kept: &[bool], lo: u32, work: &mut u64) -> Step {
        let Some(&u) = self.backward.get(self.backward_head) else {
            return Step::Done;
        };
        self.backward_head += 1;
        let stamp = self.stamp;
        let arcs = &self.pred
            [self.pred_start[u as usize] as usize..self.pred_start[u as usize + 1] as usize];
        *work += arcs.len() as u64;
        for &Arc { edge, node: w } in arcs {
            let wi = w as usize;
            if !kept[edge as usize] || self.seen_backward[wi] == stamp || order.pos[wi] < lo {
                continue;
            }
            if self.seen_forward[wi] == stamp {
                self.meeting = (w, edge, u);
                return Step::Met;
            }
            self.seen_backward[wi] = stamp;
            self.parent_backward[wi] = edge;
            self.backward.push(w);
        }
        Step::Expanded
    }

    /// The path the last successful search found, as local edges from start to goal.
    pub(super) fn path(&self, c: &Component, out: &mut Vec<u32>) {
        let (mut v, edge, mut w) = self.meeting;
        out.clear();
        while v != self.start {
            let f = self.parent_forward[v as usize];
            out.push(f);
            v = c.edges[f as usize].from;
        }
        out.reverse();
        out.push(edge);
        while w != self.goal {
            let f = self.parent_backward[w as usize];
            out.push(f);
            w = c.edges[f as usize].to;
        }
    }
}

pub(super) enum Outcome {
    Path,
    /// No path; the search on this side ran dry.
    Unreachable(Side),
}

#[derive(Clone, Copy)]
pub(super) enum Side {
    Forward,
    Backward,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Expanded,
    Met,
    Done,
}
