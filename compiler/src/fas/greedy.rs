//! The starting ordering for large components: Eades–Lin–Smyth's greedy heuristic with
//! edge costs and unremovable edges.

use super::component::Component;
use super::order::Order;

/// Eades, Lin and Smyth (1993), weighted: repeatedly take a sink (placed at the right end,
/// all its remaining edges point into it), else a source (placed at the left end), else
/// the node that maximizes (cost of its remaining out-edges − cost of its remaining
/// in-edges) and place it at the left end, which makes its remaining in-edges back edges.
///
/// A node with a remaining unremovable in-edge is never picked that way, so no
/// unremovable edge points backwards; since the unremovable edges are acyclic, some node
/// is always eligible. An unremovable out-edge weighs one more than the largest removal
/// cost, pushing nodes that unlock others to the front. Ties among the best go to the
/// lowest node number; sinks and sources are taken most recent first. With `reversed`,
/// the same runs on the reversed graph and its ordering is reversed.
pub(super) fn greedy_order(c: &Component, reversed: bool) -> Order {
    let n = c.len();
    // Run on the reversed graph when asked, and reverse the ordering found: a node's
    // out-arcs there are its in-arcs here, each naming the node at its other end.
    let outgoing = |v: u32| {
        if reversed {
            c.in_arcs(v)
        } else {
            c.out_arcs(v)
        }
    };
    let incoming = |v: u32| {
        if reversed {
            c.out_arcs(v)
        } else {
            c.in_arcs(v)
        }
    };
    let hard_weight = i64::from(c.max_cost()) + 1;
    let weight = |cost: Option<u32>| cost.map_or(hard_weight, i64::from);

    let mut placed = vec![false; n];
    let mut out_left = vec![0u32; n];
    let mut in_left = vec![0u32; n];
    let mut hard_in_left = vec![0u32; n];
    let mut delta = vec![0i64; n];
    for e in &c.edges {
        let (tail, head) = if reversed {
            (e.to, e.from)
        } else {
            (e.from, e.to)
        };
        out_left[tail as usize] += 1;
        in_left[head as usize] += 1;
        if e.cost.is_none() {
            hard_in_left[head as usize] += 1;
        }
        delta[tail as usize] += weight(e.cost);
        delta[head as usize] -= weight(e.cost);
    }
    // Sink and source lists are checked when popped, so stale entries are harmless.
    let mut sinks: Vec<u32> = (0..n as u32)
        .filter(|&v| out_left[v as usize] == 0)
        .collect();
    let mut sources: Vec<u32> = (0..n as u32)
        .filter(|&v| in_left[v as usize] == 0)
        .collect();
    // The nodes that may be taken by delta: unplaced, no unremovable in-edge left.
    let mut eligible = Eligible::new(n);
    for v in 0..n as u32 {
        if hard_in_left[v as usize] == 0 {
            eligible.insert(v, &delta);
        }
    }
    sinks.reverse();
    sources.reverse();

    let mut left = Vec::with_capacity(n);
    let mut right = Vec::new();
    while left.len() + right.len() < n {
        let v = if let Some(v) = pop_valid(&mut sinks, |v| !placed[v] && out_left[v] == 0) {
            right.push(v);
            v
        } else if let Some(v) = pop_valid(&mut sources, |v| !placed[v] && in_left[v] == 0) {
            left.push(v);
            v
        } else {
            let v = eligible.best().expect("an unplaced node has no unremovable in-edge left");
            left.push(v);
            v
        };
        placed[v as usize] = true;
        eligible.remove(v, &delta);
        for a in outgoing(v) {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            in_left[u] -= 1;
            delta[u] += weight(a.cost);
            if a.cost.is_none() {
                hard_in_left[u] -= 1;
            }
            if in_left[u] == 0 {
                sources.push(u as u32);
            }
            if hard_in_left[u] == 0 {
                eligible.insert_or_raise(u as u32, &delta);
            }
        }
        for a in incoming(v) {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            out_left[u] -= 1;
            delta[u] -= weight(a.cost);
            if out_left[u] == 0 {
                sinks.push(u as u32);
            }
            eligible.lower(u as u32, &delta);
        }
    }
    right.reverse();
    left.extend(right);
    if reversed {
        left.reverse();
    }
    Order::new(left)
}

fn pop_valid(stack: &mut Vec<u32>, valid: impl Fn(usize) -> bool) -> Option<u32> {
    while let Some(v) = stack.pop() {
        if valid(v as usize) {
            return Some(v);
        }
    }
    None
}

/// The nodes the greedy ordering may take by delta, as a max-heap on (delta, lowest node
/// number first) that holds each node once and moves it when its delta changes: a heap
/// of every update instead (stale entries skipped when popped) held one entry per edge
/// and most of the ordering's time went into popping them.
struct Eligible {
    /// The heap, by node.
    heap: Vec<u32>,
    /// `slot[v]`: where node `v` is in `heap`, `u32::MAX` when it is not.
    slot: Vec<u32>,
}

impl Eligible {
    fn new(n: usize) -> Eligible {
        Eligible { heap: Vec::with_capacity(n), slot: vec![u32::MAX; n] }
    }

    /// Whether `a` comes before `b`: the greater delta, then the lower number.
    fn before(delta: &[i64], a: u32, b: u32) -> bool {
        (delta[a as usize], std::cmp::Reverse(a)) > (delta[b as usize], std::cmp::Reverse(b))
    }

    /// The best node, left in the heap (taking it removes it, as any placed node).
    fn best(&self) -> Option<u32> {
        self.heap.first().copied()
    }

    fn insert(&mut self, v: u32, delta: &[i64]) {
        self.slot[v as usize] = self.heap.len() as u32;
        self.heap.push(v);
        self.up(self.heap.len() - 1, delta);
    }

    /// Inserts `v`, or moves it up after its delta grew.
    fn insert_or_raise(&mut self, v: u32, delta: &[i64]) {
        match self.position(v) {
            None => self.insert(v, delta),
            Some(at) => self.up(at, delta),
        }
    }

    /// Moves `v` down after its delta fell (nothing when it is not in the heap).
    fn lower(&mut self, v: u32, delta: &[i64]) {
        if let Some(at) = self.position(v) {
            self.down(at, delta);
        }
    }

    fn remove(&mut self, v: u32, delta: &[i64]) {
        let Some(at) = self.position(v) else { return };
        self.slot[v as usize] = u32::MAX;
        let last = self.heap.pop().expect("a node in the heap");
        if at < self.heap.len() {
            self.heap[at] = last;
            self.slot[last as usize] = at as u32;
            // The moved node may belong above or below its new place.
            self.up(at, delta);
            let at = self.slot[last as usize] as usize;
            self.down(at, delta);
        }
    }

    fn position(&self, v: u32) -> Option<usize> {
        match self.slot[v as usize] {
            u32::MAX => None,
            at => Some(at as usize),
        }
    }

    fn up(&mut self, mut at: usize, delta: &[i64]) {
        let v = self.heap[at];
        while at > 0 {
            let parent = (at - 1) / 2;
            let p = self.heap[parent];
            if !Self::before(delta, v, p) {
                break;
            }
            self.heap[at] = p;
            self.slot[p as usize] = at as u32;
            at = parent;
        }
        self.heap[at] = v;
        self.slot[v as usize] = at as u32;
    }

    fn down(&mut self, mut at: usize, delta: &[i64]) {
        let v = self.heap[at];
        loop {
            let left = 2 * at + 1;
            if left >= self.heap.len() {
                break;
            }
            let right = left + 1;
            let child = if right < self.heap.len() && Self::before(delta, self.heap[right], self.heap[left]) { right } else { left };
            let c = self.heap[child];
            if !Self::before(delta, c, v) {
                break;
            }
            self.heap[at] = c;
            self.slot[c as usize] = at as u32;
            at = child;
        }
        self.heap[at] = v;
        self.slot[v as usize] = at as u32;
    }
}
