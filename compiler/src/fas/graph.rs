//! The input of the feedback-arc-set solver: a directed multigraph with per-edge removal costs.

/// Names one edge of an [`ArcGraph`]: edges are numbered `0..edge_count()` in the order
/// they were added, so a caller can keep its own data in a `Vec` indexed by
/// [`EdgeId::index`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EdgeId(u32);

impl EdgeId {
    /// The edge's position in insertion order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    pub(super) fn from_index(index: usize) -> EdgeId {
        EdgeId(u32::try_from(index).expect("edge index fits in u32"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Edge {
    pub(super) from: u32,
    pub(super) to: u32,
    /// `None`: the edge can never be removed.
    pub(super) cost: Option<u32>,
}

/// A directed multigraph on the nodes `0..n`. An edge `a → b` means "a build-depends on
/// something b produces". Each edge has the cost of removing it, or `None` when it
/// cannot be removed. Parallel edges and self-loops are allowed; each edge is removed
/// (and paid for) on its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArcGraph {
    nodes: u32,
    edges: Vec<Edge>,
}

impl ArcGraph {
    /// A graph with the nodes `0..n` and no edges.
    ///
    /// # Panics
    /// If `n` does not fit in a `u32`.
    pub fn new(n: usize) -> Self {
        ArcGraph {
            nodes: u32::try_from(n).expect("node count fits in u32"),
            edges: Vec::new(),
        }
    }

    /// Adds the edge `from → to`; `cost: None` makes it unremovable.
    ///
    /// # Panics
    /// If `from` or `to` is not a node of the graph, or there are already `u32::MAX` edges.
    pub fn add_edge(&mut self, from: u32, to: u32, cost: Option<u32>) -> EdgeId {
        assert!(
            from < self.nodes && to < self.nodes,
            "edge {from} -> {to} outside the graph's {} nodes",
            self.nodes
        );
        let id = EdgeId::from_index(self.edges.len());
        assert!(id.0 < u32::MAX, "too many edges");
        self.edges.push(Edge { from, to, cost });
        id
    }

    pub fn node_count(&self) -> usize {
        self.nodes as usize
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len()
    }

    /// Every edge, in insertion order.
    pub fn edge_ids(&self) -> impl Iterator<Item = EdgeId> + use<> {
        (0..self.edges.len()).map(EdgeId::from_index)
    }

    /// The edge's `(from, to)`.
    pub fn endpoints(&self, edge: EdgeId) -> (u32, u32) {
        let e = self.edges[edge.index()];
        (e.from, e.to)
    }

    /// The cost of removing the edge; `None` when it cannot be removed.
    pub fn cost(&self, edge: EdgeId) -> Option<u32> {
        self.edges[edge.index()].cost
    }

    pub(super) fn edge(&self, edge: EdgeId) -> Edge {
        self.edges[edge.index()]
    }

    pub(super) fn edges(&self) -> &[Edge] {
        &self.edges
    }
}

/// Compressed adjacency of an [`ArcGraph`]: for every node, its out-edges in insertion
/// order. Every traversal in this module goes through one, so that visiting
/// order, and with it every result, depends only on the graph.
pub(super) struct Adjacency {
    start: Vec<u32>,
    edges: Vec<u32>,
}

impl Adjacency {
    /// Out-edges of every node.
    pub(super) fn outgoing(g: &ArcGraph) -> Adjacency {
        Adjacency::build(g.node_count(), g.edges().iter().map(|e| e.from))
    }

    fn build(n: usize, keys: impl Iterator<Item = u32> + Clone) -> Adjacency {
        let (start, edges) = counting_sort(n, keys);
        Adjacency { start, edges }
    }

    /// The edges of `node`, as edge indices.
    pub(super) fn of(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.edges[self.start[n] as usize..self.start[n + 1] as usize]
    }
}

/// Counting sort of the positions `0..` of `keys` by key, stable, so each key's list is in
/// position order: (start offsets, positions); key `k`'s positions are
/// `list[start[k]..start[k + 1]]`.
pub(super) fn counting_sort(n: usize, keys: impl Iterator<Item = u32> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for k in keys.clone() {
        start[k as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut list = vec![0u32; start[n] as usize];
    for (i, k) in keys.enumerate() {
        let slot = &mut fill[k as usize];
        list[*slot as usize] = i as u32;
        *slot += 1;
    }
    (start, list)
}
