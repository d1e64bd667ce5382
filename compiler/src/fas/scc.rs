//! Strongly connected components (iterative Tarjan, so no recursion depth limit).

use super::graph::{Adjacency, ArcGraph, Edge};

/// The strongly connected components of `g`. Every node is in exactly one component;
/// each component lists its nodes in ascending order.
///
/// Components come in build order (the reverse topological order of the condensation):
/// if an edge goes from a node of component X to a node of another component Y, Y comes
/// before X. The result depends only on the graph, not on any hashing or timing.
pub fn sccs(g: &ArcGraph) -> Vec<Vec<u32>> {
    components(g, &Adjacency::outgoing(g), |_| true)
}

/// Tarjan's algorithm on the edges for which `keep` holds, visiting roots in ascending
/// node order and edges in `adj` order.
pub(super) fn components(
    g: &ArcGraph,
    adj: &Adjacency,
    keep: impl Fn(&Edge) -> bool,
) -> Vec<Vec<u32>> {
    let edges = g.edges();
    tarjan(g.node_count(), |v| adj.of(v).len(), |v, i| {
        let e = &edges[adj.of(v)[i] as usize];
        keep(e).then_some(e.to)
    })
}

/// [`sccs`] of a graph given as each node's successors, in one array: node `v`'s are
/// `successors[starts[v]..starts[v + 1]]` (so `starts` has one entry more than there are
/// nodes). The same components, in the same order, as [`sccs`] of an `ArcGraph` with
/// those edges added in that order, without building one.
pub fn sccs_of_successors(starts: &[u32], successors: &[u32]) -> Vec<Vec<u32>> {
    let n = starts.len().saturating_sub(1);
    tarjan(n, |v| (starts[v as usize + 1] - starts[v as usize]) as usize, |v, i| Some(successors[starts[v as usize] as usize + i]))
}

/// Tarjan's algorithm over `n` nodes, visiting roots in ascending node order and each
/// node's edges in order: node `v` has `degree(v)` edges, the `i`-th going to
/// `target(v, i)` (`None` for an edge left out).
fn tarjan(n: usize, degree: impl Fn(u32) -> usize, target: impl Fn(u32, usize) -> Option<u32>) -> Vec<Vec<u32>> {
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<u32> = Vec::new();
    // Call stack of the depth-first search: (node, next position in its edge list).
    let mut calls: Vec<(u32, usize)> = Vec::new();
    let mut next_index = 0u32;
    let mut out = Vec::new();

    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN {
            continue;
        }
        index[root as usize] = next_index;
        low[root as usize] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root as usize] = true;
        calls.push((root, 0));

        while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
            let degree = degree(v);
            let mut descended = false;
            while *pos < degree {
                let edge = target(v, *pos);
                *pos += 1;
                let Some(w) = edge else { continue };
                if index[w as usize] == UNSEEN {
                    index[w as usize] = next_index;
                    low[w as usize] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    calls.push((w, 0));
                    descended = true;
                    break;
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
            }
            if descended {
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent as usize] = low[parent as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                let mut comp = Vec::new();
                loop {
                    let w = stack.pop().expect("tarjan stack holds the component");
                    on_stack[w as usize] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comp.sort_unstable();
                out.push(comp);
            }
        }
    }
    out
}
