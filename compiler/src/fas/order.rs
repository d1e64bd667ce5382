//! A linear ordering of a component's nodes: the edges it points backwards are the ones
//! removed.

use super::component::Component;

/// A permutation of a component's local nodes. An edge `a → b` is kept when `a` comes
/// before `b` and removed (a back edge) otherwise. Every solver works on one of these,
/// so every result is acyclic by construction as long as no unremovable edge points
/// backwards.
#[derive(Clone, Debug)]
pub(super) struct Order {
    /// `nodes[i]`: the node at position `i`.
    pub(super) nodes: Vec<u32>,
    /// `pos[v]`: the position of node `v`.
    pub(super) pos: Vec<u32>,
}

impl Order {
    pub(super) fn new(nodes: Vec<u32>) -> Order {
        let mut pos = vec![0u32; nodes.len()];
        for (i, &v) in nodes.iter().enumerate() {
            pos[v as usize] = i as u32;
        }
        Order { nodes, pos }
    }

    /// Whether the edge with local index `e` points backwards.
    pub(super) fn is_back(&self, c: &Component, e: u32) -> bool {
        let e = &c.edges[e as usize];
        self.pos[e.from as usize] > self.pos[e.to as usize]
    }

    /// Local indices of the back edges.
    pub(super) fn back_edges(&self, c: &Component) -> Vec<u32> {
        (0..c.edges.len() as u32)
            .filter(|&e| self.is_back(c, e))
            .collect()
    }

    /// Total cost of the back edges; `None` when an unremovable edge points backwards.
    #[cfg(test)]
    pub(super) fn back_cost(&self, c: &Component) -> Option<u64> {
        let mut total = 0u64;
        for e in self.back_edges(c) {
            total += u64::from(c.edges[e as usize].cost?);
        }
        Some(total)
    }

    /// Total cost of the removable back edges, ignoring any unremovable one.
    pub(super) fn removable_back_cost(&self, c: &Component) -> u64 {
        self.back_edges(c)
            .into_iter()
            .filter_map(|e| c.edges[e as usize].cost)
            .map(u64::from)
            .sum()
    }

    /// Moves the node at position `from` to position `to`, shifting the ones between.
    pub(super) fn move_node(&mut self, from: usize, to: usize) {
        let v = self.nodes[from];
        if to < from {
            self.nodes.copy_within(to..from, to + 1);
        } else {
            self.nodes.copy_within(from + 1..=to, from);
        }
        self.nodes[to] = v;
        for i in from.min(to)..=from.max(to) {
            self.pos[self.nodes[i] as usize] = i as u32;
        }
    }
}
