//! One strongly connected component, renumbered `0..len` for the solvers.

use super::graph::{counting_sort, Adjacency, ArcGraph, EdgeId};

/// An edge inside a [`Component`], between local node numbers.
#[derive(Clone, Copy, Debug)]
pub(super) struct LocalEdge {
    pub(super) from: u32,
    pub(super) to: u32,
    /// `None`: unremovable.
    pub(super) cost: Option<u32>,
    pub(super) id: EdgeId,
}

/// An edge as seen from one of its ends: the node at its other end and its cost, stored per node so that a pass over a node's edges reads one contiguous run
/// instead of looking each edge up in [`Component::edges`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Arc {
    pub(super) node: u32,
    /// `None`: unremovable.
    pub(super) cost: Option<u32>,
}

/// The nodes of one strongly connected component (local node `i` is `nodes[i]`, so local
/// order is global order) and the edges between them, self-loops left out: the driver
/// handles those.
#[derive(Clone)]
pub(super) struct Component {
    pub(super) nodes: Vec<u32>,
    pub(super) edges: Vec<LocalEdge>,
    out_start: Vec<u32>,
    out_list: Vec<u32>,
    in_start: Vec<u32>,
    in_list: Vec<u32>,
    /// `out_arcs[i]` is the edge `out_list[i]` seen from its tail, `in_arcs[i]` the edge
    /// `in_list[i]` seen from its head.
    out_arcs: Vec<Arc>,
    in_arcs: Vec<Arc>,
}

impl Component {
    /// `nodes` ascending; `comp_of[v]` is the component number of every node of `g`, and
    /// `this` the number of this one. `local` is scratch space of `g.node_count()`.
    pub(super) fn new(
        g: &ArcGraph,
        adj: &Adjacency,
        nodes: &[u32],
        comp_of: &[u32],
        this: u32,
        local: &mut [u32],
    ) -> Component {
        for (i, &v) in nodes.iter().enumerate() {
            local[v as usize] = i as u32;
        }
        let mut edges = Vec::new();
        for &v in nodes {
            for &i in adj.of(v) {
                let id = EdgeId::from_index(i as usize);
                let e = g.edge(id);
                if e.to != e.from && comp_of[e.to as usize] == this {
                    edges.push(LocalEdge {
                        from: local[e.from as usize],
                        to: local[e.to as usize],
                        cost: e.cost,
                        id,
                    });
                }
            }
        }
        let n = nodes.len();
        let (out_start, out_list) = counting_sort(n, edges.iter().map(|e| e.from));
        let (in_start, in_list) = counting_sort(n, edges.iter().map(|e| e.to));
        let mut c = Component {
            nodes: nodes.to_vec(),
            edges,
            out_start,
            out_list,
            in_start,
            in_list,
            out_arcs: Vec::new(),
            in_arcs: Vec::new(),
        };
        c.fill_arcs();
        c
    }

    /// Derives the arcs from the edge lists (again after the costs change).
    fn fill_arcs(&mut self) {
        let edges = &self.edges;
        self.out_arcs = self
            .out_list
            .iter()
            .map(|&i| Arc { node: edges[i as usize].to, cost: edges[i as usize].cost })
            .collect();
        self.in_arcs = self
            .in_list
            .iter()
            .map(|&i| Arc { node: edges[i as usize].from, cost: edges[i as usize].cost })
            .collect();
    }

    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Local indices of the edges leaving `v`.
    pub(super) fn outgoing(&self, v: u32) -> &[u32] {
        &self.out_list[self.out_start[v as usize] as usize..self.out_start[v as usize + 1] as usize]
    }

    /// Local indices of the edges entering `v`.
    pub(super) fn incoming(&self, v: u32) -> &[u32] {
        &self.in_list[self.in_start[v as usize] as usize..self.in_start[v as usize + 1] as usize]
    }

    /// The edges leaving `v`, in the order of [`Component::outgoing`].
    pub(super) fn out_arcs(&self, v: u32) -> &[Arc] {
        &self.out_arcs[self.out_start[v as usize] as usize..self.out_start[v as usize + 1] as usize]
    }

    /// The edges entering `v`, in the order of [`Component::incoming`].
    pub(super) fn in_arcs(&self, v: u32) -> &[Arc] {
        &self.in_arcs[self.in_start[v as usize] as usize..self.in_start[v as usize + 1] as usize]
    }

    /// The largest removal cost in the component (0 when none is removable).
    pub(super) fn max_cost(&self) -> u32 {
        self.edges.iter().filter_map(|e| e.cost).max().unwrap_or(0)
    }

    /// The same component where only the edges `removable` accepts may be removed.
    pub(super) fn restricted(&self, removable: impl Fn(&LocalEdge) -> bool) -> Component {
        let mut c = self.clone();
        for e in &mut c.edges {
            if !removable(e) {
                e.cost = None;
            }
        }
        c.fill_arcs();
        c
    }
}
