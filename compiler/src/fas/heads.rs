//! The fewest-heads objective ([`super::Objective::FewestHeads`]): choose a small set of
//! heads ("targets") such that removing every removable edge into them leaves the
//! component acyclic, then remove only the edges into them that are needed.
//!
//! Choosing the targets is a feedback vertex set problem with a twist: a target only
//! loses its removable in-edges, so a cycle entering it through an unremovable edge
//! stays. The heuristic is the classic one (as botch's): trim nodes on no cycle (no live
//! in- or out-edge), take the node with the highest degree score, repeat; then drop
//! targets whose removal keeps the component acyclic, exchange two targets for one
//! while the work budget lasts, and exchange a target for one with fewer edges into it
//! to remove. Components of at most `exact_limit` nodes are solved
//! exactly by trying target sets by increasing size. Given the targets, the edges to
//! remove are a feedback arc set in which only the edges into targets are removable,
//! solved by the usual passes from a topological order of the kept edges.

use std::cmp::Reverse;

use super::budget::Budget;
use super::component::Component;
use super::exact::exact_order;
use super::heuristic::{HeuristicRun, improve};
use super::order::Order;
use super::reinsert::{Witnesses, reinsert};

/// What [`fewest_heads_order`] did on one component.
#[derive(Debug, Default)]
pub(super) struct HeadsRun {
    /// Targets of the greedy choice (the better of its variants) after dropping the
    /// redundant ones...
    pub(super) greedy_targets: u64,
    /// ...and at the end.
    pub(super) targets: u64,
    /// Pairs of targets exchanged for one.
    pub(super) swaps: u64,
    /// Targets exchanged for one with fewer edges into it to remove.
    pub(super) lightened: u64,
    /// Whether the target count is proven minimal.
    pub(super) exact: bool,
    /// Work units spent choosing targets.
    pub(super) work: u64,
    pub(super) budget_exhausted: bool,
    /// The edge pass, on the edges into the targets.
    pub(super) edges: HeuristicRun,
}

/// Candidates tried for each pair of targets by [`Targets::swap_pass`]: past the
/// first few by degree, a pair is rarely exchanged, and trying them all used up the budget
/// on bullseye's large component before the pass could reach its last pairs.
const SWAP_CANDIDATES: usize = 8;

/// Candidates tried for each target by [`Targets::lighten`].
const LIGHTEN_CANDIDATES: usize = 16;

/// Target sets tried at most by the exact search, whatever the component's size.
const MAX_EXACT_SUBSETS: u64 = 1 << 16;

/// An ordering of `c` whose back edges all end in a small set of targets, few of them,
/// and few edges into them. `paid[v]`: node `v` is a head anyway (of a removed
/// self-loop), so it is a target for free. The result is deterministic.
pub(super) fn fewest_heads_order(
    c: &Component,
    paid: &[bool],
    exact_limit: usize,
    budget_units: u64,
) -> (Order, HeadsRun) {
    let mut run = HeadsRun::default();
    let mut t = Targets::new(c, paid);
    let mut budget = Budget::new(budget_units);
    let mut best: Option<Vec<u32>> = None;
    for score in [product as fn(u32, u32) -> u64, sum] {
        let mut list = t.greedy(score);
        t.set(&list);
        t.drop_redundant(&mut list, &mut budget);
        if best.as_ref().is_none_or(|b| list.len() < b.len()) {
            best = Some(list);
        }
    }
    let mut list = best.unwrap_or_default();
    t.set(&list);
    run.greedy_targets = list.len() as u64;
    if c.len() <= exact_limit {
        if let Some(exact) = t.exact(list.len()) {
            list = exact;
            run.exact = true;
        }
        t.set(&list);
    } else {
        run.swaps = t.swap_pass(&mut list, &mut budget);
        // Its own budget, so that the exchanges above cannot starve it.
        let mut lighten_budget = Budget::new(budget_units);
        run.lightened = t.lighten(&mut list, &mut lighten_budget);
        run.work += lighten_budget.spent();
    }
    run.targets = list.len() as u64;
    run.work += budget.spent();
    run.budget_exhausted = budget.exhausted();

    let restricted = c.restricted(|e| t.is[e.to as usize]);
    let mut order = Order::new(t.topo().expect("the targets leave the component acyclic"));
    if c.len() <= exact_limit {
        reinsert(
            &restricted,
            &mut order,
            &mut Witnesses::new(&restricted),
            &mut Budget::new(u64::MAX),
        );
        order = exact_order(&restricted, &order);
        reinsert(
            &restricted,
            &mut order,
            &mut Witnesses::new(&restricted),
            &mut Budget::new(u64::MAX),
        );
    } else {
        improve(&restricted, &mut order, budget_units, &mut run.edges);
    }
    (order, run)
}

fn product(into: u32, out: u32) -> u64 {
    u64::from(into) * u64::from(out)
}

fn sum(into: u32, out: u32) -> u64 {
    u64::from(into) + u64::from(out)
}

/// A set of targets of one component, and scratch space for searches.
struct Targets<'c> {
    c: &'c Component,
    /// Targets for free, always chosen (and never in a list of targets).
    paid: Vec<bool>,
    /// `is[v]`: whether `v` is a target; its removable in-edges are then cut.
    is: Vec<bool>,
    /// Whether a node has a removable in-edge, so that choosing it can help.
    eligible: Vec<bool>,
    /// `degree[v]`: in-degree times out-degree, to try candidates in a fixed order.
    degree: Vec<u64>,
    mark: Vec<u32>,
    epoch: u32,
    stack: Vec<u32>,
}

impl<'c> Targets<'c> {
    fn new(c: &'c Component, paid: &[bool]) -> Targets<'c> {
        let n = c.len();
        let mut eligible = vec![false; n];
        for e in &c.edges {
            if e.cost.is_some() && !paid[e.to as usize] {
                eligible[e.to as usize] = true;
            }
        }
        let degree = (0..n as u32)
            .map(|v| product(c.incoming(v).len() as u32, c.outgoing(v).len() as u32))
            .collect();
        Targets {
            c,
            paid: paid.to_vec(),
            is: paid.to_vec(),
            eligible,
            degree,
            mark: vec![0; n],
            epoch: 0,
            stack: Vec::new(),
        }
    }

    fn set(&mut self, list: &[u32]) {
        self.is.clone_from(&self.paid);
        for &v in list {
            self.is[v as usize] = true;
        }
    }

    /// Whether local edge `e` is kept (not an edge into a target that may be removed).
    fn live(&self, e: u32) -> bool {
        let e = &self.c.edges[e as usize];
        !(self.is[e.to as usize] && e.cost.is_some())
    }

    fn next_epoch(&mut self) -> u32 {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.epoch = 1;
        }
        self.epoch
    }

    /// Whether a cycle of kept edges passes through `v`.
    fn on_cycle(&mut self, v: u32, budget: &mut Budget) -> bool {
        let epoch = self.next_epoch();
        self.stack.clear();
        self.stack.push(v);
        self.mark[v as usize] = epoch;
        let mut work = 0u64;
        let mut found = false;
        'search: while let Some(u) = self.stack.pop() {
            for &e in self.c.outgoing(u) {
                work += 1;
                if !self.live(e) {
                    continue;
                }
                let w = self.c.edges[e as usize].to;
                if w == v {
                    found = true;
                    break 'search;
                }
                if self.mark[w as usize] != epoch {
                    self.mark[w as usize] = epoch;
                    self.stack.push(w);
                }
            }
        }
        budget.spend(work);
        found
    }

    /// The nodes `v` reaches (`forward`) or that reach `v` along kept edges, as a bitset.
    fn reach(&mut self, v: u32, forward: bool, budget: &mut Budget) -> Vec<u64> {
        let mut set = vec![0u64; self.c.len().div_ceil(64)];
        set[v as usize / 64] |= 1 << (v % 64);
        self.stack.clear();
        self.stack.push(v);
        let mut work = 0u64;
        while let Some(u) = self.stack.pop() {
            let edges = if forward {
                self.c.outgoing(u)
            } else {
                self.c.incoming(u)
            };
            for &e in edges {
                work += 1;
                if !self.live(e) {
                    continue;
                }
                let edge = &self.c.edges[e as usize];
                let w = if forward { edge.to } else { edge.from };
                let (word, bit) = (w as usize / 64, 1u64 << (w % 64));
                if set[word] & bit == 0 {
                    set[word] |= bit;
                    self.stack.push(w);
                }
            }
        }
        budget.spend(work);
        set
    }

    /// A topological order of the kept edges (Kahn's algorithm), or `None` when they
    /// leave a cycle.
    fn topo(&self) -> Option<Vec<u32>> {
        let n = self.c.len();
        let mut indegree = vec![0u32; n];
        for e in 0..self.c.edges.len() as u32 {
            if self.live(e) {
                indegree[self.c.edges[e as usize].to as usize] += 1;
            }
        }
        let mut ready: Vec<u32> = (0..n as u32)
            .rev()
            .filter(|&v| indegree[v as usize] == 0)
            .collect();
        let mut nodes = Vec::with_capacity(n);
        while let Some(v) = ready.pop() {
            nodes.push(v);
            for &e in self.c.outgoing(v).iter().rev() {
                if self.live(e) {
                    let w = self.c.edges[e as usize].to as usize;
                    indegree[w] -= 1;
                    if indegree[w] == 0 {
                        ready.push(w as u32);
                    }
                }
            }
        }
        (nodes.len() == n).then_some(nodes)
    }

    /// Greedy targets, in the order chosen: trim every node with no kept in- or
    /// out-edge among the nodes left (it is on no cycle), choose the node with the highest
    /// `score(removable kept in-edges, kept out-edges)` (ties: the lowest number), cut
    /// its removable in-edges, and repeat until no node is left.
    fn greedy(&self, score: fn(u32, u32) -> u64) -> Vec<u32> {
        let c = self.c;
        let n = c.len();
        let mut is = self.paid.clone();
        let mut alive = vec![true; n];
        let (mut into, mut out, mut removable_into) = (vec![0u32; n], vec![0u32; n], vec![0u32; n]);
        for e in c
            .edges
            .iter()
            .filter(|e| !(is[e.to as usize] && e.cost.is_some()))
        {
            into[e.to as usize] += 1;
            out[e.from as usize] += 1;
            if e.cost.is_some() {
                removable_into[e.to as usize] += 1;
            }
        }
        let mut queue: Vec<u32> = (0..n as u32)
            .rev()
            .filter(|&v| into[v as usize] == 0 || out[v as usize] == 0)
            .collect();
        let mut chosen = Vec::new();
        loop {
            while let Some(v) = queue.pop() {
                if !alive[v as usize] {
                    continue;
                }
                alive[v as usize] = false;
                for &e in c.outgoing(v) {
                    let e = &c.edges[e as usize];
                    let w = e.to as usize;
                    if !alive[w] || (is[w] && e.cost.is_some()) {
                        continue;
                    }
                    into[w] -= 1;
                    if e.cost.is_some() {
                        removable_into[w] -= 1;
                    }
                    if into[w] == 0 {
                        queue.push(w as u32);
                    }
                }
                for &e in c.incoming(v) {
                    let e = &c.edges[e as usize];
                    let u = e.from as usize;
                    if !alive[u] || (is[v as usize] && e.cost.is_some()) {
                        continue;
                    }
                    out[u] -= 1;
                    if out[u] == 0 {
                        queue.push(u as u32);
                    }
                }
            }
            let best = (0..n as u32)
                .filter(|&v| alive[v as usize] && removable_into[v as usize] > 0)
                .max_by_key(|&v| {
                    (
                        score(removable_into[v as usize], out[v as usize]),
                        Reverse(v),
                    )
                });
            let Some(v) = best else { break };
            is[v as usize] = true;
            chosen.push(v);
            for &e in c.incoming(v) {
                let e = &c.edges[e as usize];
                let u = e.from as usize;
                if e.cost.is_none() || !alive[u] {
                    continue;
                }
                into[v as usize] -= 1;
                removable_into[v as usize] -= 1;
                out[u] -= 1;
                if out[u] == 0 {
                    queue.push(u as u32);
                }
            }
            if into[v as usize] == 0 {
                queue.push(v);
            }
        }
        chosen
    }

    /// Drops every target (the last chosen first) without which no cycle comes back:
    /// one that does not reach itself once its in-edges are kept. `list` must be the
    /// current targets.
    fn drop_redundant(&mut self, list: &mut Vec<u32>, budget: &mut Budget) {
        let mut keep = vec![true; list.len()];
        for i in (0..list.len()).rev() {
            let v = list[i];
            self.is[v as usize] = false;
            if self.on_cycle(v, budget) {
                self.is[v as usize] = true;
            } else {
                keep[i] = false;
            }
        }
        let mut k = keep.iter();
        list.retain(|_| *k.next().expect("one flag per target"));
    }

    /// Exchanges two targets `a`, `b` for one node `s` while that keeps the component
    /// acyclic and the budget lasts. `s` must be on a cycle through `a` once `a` is no
    /// target, and on one through `b`: the pairs whose sets of such nodes meet are tried,
    /// each with the first [`SWAP_CANDIDATES`] nodes in both sets by degree. Every new cycle would pass
    /// through `a` or `b`, so a try is two searches. Returns the number of exchanges.
    fn swap_pass(&mut self, list: &mut Vec<u32>, budget: &mut Budget) -> u64 {
        let mut swaps = 0;
        loop {
            let mut swapped = false;
            let mut sets: Vec<Option<Vec<u64>>> = Vec::with_capacity(list.len());
            for &t in list.iter() {
                if budget.exhausted() {
                    return swaps;
                }
                sets.push(Some(self.cycles_through(t, budget)));
            }
            let mut i = 0;
            while i < list.len() {
                let mut j = i + 1;
                while j < list.len() {
                    if budget.exhausted() {
                        return swaps;
                    }
                    let (Some(si), Some(sj)) = (&sets[i], &sets[j]) else {
                        j += 1;
                        continue;
                    };
                    let mut candidates: Vec<u32> = Vec::new();
                    for (w, (x, y)) in si.iter().zip(sj).enumerate() {
                        let mut both = x & y;
                        while both != 0 {
                            let v = (w * 64) as u32 + both.trailing_zeros();
                            both &= both - 1;
                            if self.eligible[v as usize] && !self.is[v as usize] {
                                candidates.push(v);
                            }
                        }
                    }
                    budget.spend(si.len() as u64);
                    candidates.sort_by_key(|&v| (Reverse(self.degree[v as usize]), v));
                    let (a, b) = (list[i], list[j]);
                    let mut done = None;
                    for s in candidates.into_iter().take(SWAP_CANDIDATES) {
                        if budget.exhausted() {
                            break;
                        }
                        self.is[a as usize] = false;
                        self.is[b as usize] = false;
                        self.is[s as usize] = true;
                        if !self.on_cycle(a, budget) && !self.on_cycle(b, budget) {
                            done = Some(s);
                            break;
                        }
                        self.is[a as usize] = true;
                        self.is[b as usize] = true;
                        self.is[s as usize] = false;
                    }
                    if let Some(s) = done {
                        swaps += 1;
                        swapped = true;
                        // `s` takes `a`'s place; `b` leaves. Their sets are stale: the
                        // new target's is found on the next round.
                        list[i] = s;
                        sets[i] = None;
                        list.remove(j);
                        sets.remove(j);
                        break;
                    }
                    j += 1;
                }
                i += 1;
            }
            if !swapped {
                return swaps;
            }
            self.drop_redundant(list, budget);
        }
    }

    /// The removable edges into target `v` that may close a cycle: those from nodes `v`
    /// reaches along kept edges. Every edge into `v` that has to be removed is one.
    fn load(&mut self, v: u32, budget: &mut Budget) -> u64 {
        let reached = self.reach(v, true, budget);
        let c = self.c;
        let load = c
            .incoming(v)
            .iter()
            .map(|&e| &c.edges[e as usize])
            .filter(|e| {
                e.cost.is_some() && reached[e.from as usize / 64] & (1 << (e.from % 64)) != 0
            })
            .count();
        budget.spend(c.incoming(v).len() as u64);
        load as u64
    }

    /// Exchanges targets for one with a lower [`Targets::load`] where that keeps the
    /// component acyclic: fewer edges to remove for as many targets. For each target,
    /// the candidates are nodes on a cycle through it with fewer removable in-edges than
    /// its load, fewest first, at most [`LIGHTEN_CANDIDATES`]. Returns the exchanges.
    fn lighten(&mut self, list: &mut [u32], budget: &mut Budget) -> u64 {
        let c = self.c;
        let mut exchanges = 0;
        for slot in list.iter_mut() {
            if budget.exhausted() {
                break;
            }
            let t = *slot;
            let load = self.load(t, budget);
            let through = self.cycles_through(t, budget);
            let mut candidates: Vec<(u64, u32)> = Vec::new();
            for (w, &bits) in through.iter().enumerate() {
                let mut bits = bits;
                while bits != 0 {
                    let v = (w * 64) as u32 + bits.trailing_zeros();
                    bits &= bits - 1;
                    if self.eligible[v as usize] && !self.is[v as usize] {
                        let removable = c
                            .incoming(v)
                            .iter()
                            .filter(|&&e| c.edges[e as usize].cost.is_some())
                            .count() as u64;
                        if removable < load {
                            candidates.push((removable, v));
                        }
                    }
                }
            }
            candidates.sort_unstable();
            let mut best: Option<(u64, u32)> = None;
            for &(_, s) in candidates.iter().take(LIGHTEN_CANDIDATES) {
                if budget.exhausted() {
                    break;
                }
                self.is[t as usize] = false;
                self.is[s as usize] = true;
                if !self.on_cycle(t, budget) {
                    let l = self.load(s, budget);
                    if l < best.map_or(load, |b| b.0) {
                        best = Some((l, s));
                    }
                }
                self.is[t as usize] = true;
                self.is[s as usize] = false;
            }
            if let Some((_, s)) = best {
                self.is[t as usize] = false;
                self.is[s as usize] = true;
                *slot = s;
                exchanges += 1;
            }
        }
        exchanges
    }

    /// The nodes on a cycle through target `v` once `v` is no target (a bitset).
    fn cycles_through(&mut self, v: u32, budget: &mut Budget) -> Vec<u64> {
        self.is[v as usize] = false;
        let forward = self.reach(v, true, budget);
        let backward = self.reach(v, false, budget);
        self.is[v as usize] = true;
        forward.iter().zip(&backward).map(|(f, b)| f & b).collect()
    }

    /// A smallest target set, trying sets of the eligible nodes by increasing size up
    /// to `known` (the size of a set known to work), ties broken by the cost of the edges
    /// they need removed, then by the first found; `None` when that would take more than
    /// [`MAX_EXACT_SUBSETS`] tries. Leaves `is` unspecified.
    fn exact(&mut self, known: usize) -> Option<Vec<u32>> {
        let candidates: Vec<u32> = (0..self.c.len() as u32)
            .filter(|&v| self.eligible[v as usize])
            .collect();
        let m = candidates.len();
        if m >= 32 {
            return None;
        }
        let mut tries = 0u64;
        let mut binomial = 1u64;
        for k in 0..=known.min(m) {
            tries += binomial;
            binomial = binomial * (m - k) as u64 / (k + 1) as u64;
        }
        if tries > MAX_EXACT_SUBSETS {
            return None;
        }
        for k in 0..=known.min(m) {
            let mut best: Option<(u64, Vec<u32>)> = None;
            let mut mask: u64 = (1u64 << k) - 1;
            while mask < (1u64 << m) {
                let list: Vec<u32> = (0..m)
                    .filter(|&i| mask & (1 << i) != 0)
                    .map(|i| candidates[i])
                    .collect();
                self.set(&list);
                if let Some(nodes) = self.topo() {
                    let restricted = self.c.restricted(|e| self.is[e.to as usize]);
                    let mut order = Order::new(nodes);
                    reinsert(
                        &restricted,
                        &mut order,
                        &mut Witnesses::new(&restricted),
                        &mut Budget::new(u64::MAX),
                    );
                    let cost = order.removable_back_cost(&restricted);
                    if best.as_ref().is_none_or(|(b, _)| cost < *b) {
                        best = Some((cost, list));
                    }
                }
                if k == 0 {
                    break;
                }
                // The next mask with k bits set (Gosper's hack).
                let low = mask & mask.wrapping_neg();
                let ripple = mask + low;
                mask = (((ripple ^ mask) >> 2) / low) | ripple;
            }
            if let Some((_, list)) = best {
                return Some(list);
            }
        }
        None
    }
}
