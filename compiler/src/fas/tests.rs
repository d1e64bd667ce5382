//! Tests of the feedback-arc-set solver: hand cases, and properties checked against
//! brute force and independent reference implementations kept deliberately naive.

use proptest::prelude::*;

use super::budget::Budget;
use super::component::Component;
use super::graph::Adjacency;
use super::order::Order;
use super::reinsert::{Witnesses, reinsert};
use super::greedy::greedy_order;
use super::sift::{Sifter, sift_round};
use super::solve::{fallback_removal, is_acyclic_removal};
use super::swap::swap_pass;
use super::window::window_pass;
use super::{
    ArcGraph, CycleFinder, EdgeId, FasConfig, FasResult, MAX_EXACT_LIMIT, Objective,
    FasMemo, acyclic_order, cycle_through, min_feedback_arc_set, min_feedback_arc_set_from,
    min_feedback_arc_set_memo, sccs,
};

type Spec = (u32, u32, Option<u32>);

fn graph(n: usize, edges: &[Spec]) -> ArcGraph {
    let mut g = ArcGraph::new(n);
    for &(a, b, c) in edges {
        g.add_edge(a, b, c);
    }
    g
}

fn ids(list: &[usize]) -> Vec<EdgeId> {
    list.iter().map(|&i| EdgeId::from_index(i)).collect()
}

/// Solves and unpacks an acyclic result, checking everything that must hold of any one.
fn solve_with(g: &ArcGraph, cfg: &FasConfig) -> (Vec<EdgeId>, u64, bool) {
    match min_feedback_arc_set(g, cfg) {
        FasResult::Acyclic {
            removed,
            cost,
            exact,
            stats,
        } => {
            assert!(!stats.fallback, "fallback used");
            check_removal(g, &removed, cost);
            (removed, cost, exact)
        }
        FasResult::Unbreakable { cycle } => panic!("unexpected unbreakable cycle {cycle:?}"),
    }
}

/// [`solve_with`] from a hinted start.
fn solve_with_hint(g: &ArcGraph, cfg: &FasConfig, hint: &[u32]) -> (Vec<EdgeId>, u64, bool) {
    match min_feedback_arc_set_from(g, cfg, hint) {
        FasResult::Acyclic { removed, cost, exact, stats } => {
            assert!(!stats.fallback, "fallback used");
            check_removal(g, &removed, cost);
            (removed, cost, exact)
        }
        FasResult::Unbreakable { cycle } => panic!("unexpected unbreakable cycle {cycle:?}"),
    }
}

fn solve(g: &ArcGraph) -> (Vec<EdgeId>, u64, bool) {
    solve_with(g, &FasConfig::default())
}

fn heuristic() -> FasConfig {
    FasConfig {
        exact_limit: 0,
        ..FasConfig::default()
    }
}

/// A removal is sorted, removable, costs what it says, leaves the graph acyclic, and is
/// minimal: putting back any one removed edge closes a cycle.
fn check_removal(g: &ArcGraph, removed: &[EdgeId], cost: u64) {
    assert!(
        removed.windows(2).all(|w| w[0] < w[1]),
        "not sorted: {removed:?}"
    );
    let mut total = 0;
    for &e in removed {
        total += u64::from(g.cost(e).expect("removed an unremovable edge"));
    }
    assert_eq!(total, cost);
    let mut gone = vec![false; g.edge_count()];
    for &e in removed {
        gone[e.index()] = true;
    }
    assert!(
        naive_acyclic(g, &gone),
        "cycle left after removing {removed:?}"
    );
    for &e in removed {
        gone[e.index()] = false;
        assert!(!naive_acyclic(g, &gone), "removing {e:?} was not needed");
        gone[e.index()] = true;
    }
}

/// Acyclicity of the edges not `gone`, by Kahn's algorithm on an edge list.
fn naive_acyclic(g: &ArcGraph, gone: &[bool]) -> bool {
    let n = g.node_count();
    let mut succ = vec![Vec::new(); n];
    let mut indegree = vec![0usize; n];
    for (i, &out) in gone.iter().enumerate() {
        if !out {
            let (a, b) = g.endpoints(EdgeId::from_index(i));
            succ[a as usize].push(b as usize);
            indegree[b as usize] += 1;
        }
    }
    let mut free: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut count = 0;
    while let Some(v) = free.pop() {
        count += 1;
        for &w in &succ[v] {
            indegree[w] -= 1;
            if indegree[w] == 0 {
                free.push(w);
            }
        }
    }
    count == n
}

/// Acyclicity by peeling nodes without in-edges, with one bitmask of in-neighbours per
/// node (at most 32 nodes): fast enough to run for every subset of edges.
fn mask_acyclic(n: usize, kept: &[(u32, u32)]) -> bool {
    let mut preds = vec![0u32; n];
    for &(a, b) in kept {
        preds[b as usize] |= 1 << a;
    }
    let mut alive: u32 = if n == 32 { u32::MAX } else { (1 << n) - 1 };
    while alive != 0 {
        match (0..n).find(|&v| alive & (1 << v) != 0 && preds[v] & alive == 0) {
            Some(v) => alive &= !(1 << v),
            None => return false,
        }
    }
    true
}

/// The minimum removal cost by trying every subset of removable edges; `None` when no
/// subset makes the graph acyclic.
fn brute_force(g: &ArcGraph) -> Option<u64> {
    let m = g.edge_count();
    assert!(m <= 16, "brute force over {m} edges");
    let mut best = None;
    let mut kept = Vec::with_capacity(m);
    'subsets: for mask in 0u32..1 << m {
        let mut cost = 0u64;
        kept.clear();
        for i in 0..m {
            let e = EdgeId::from_index(i);
            if mask & (1 << i) == 0 {
                kept.push(g.endpoints(e));
            } else {
                match g.cost(e) {
                    Some(c) => cost += u64::from(c),
                    None => continue 'subsets,
                }
            }
        }
        if best.is_none_or(|b| cost < b) && mask_acyclic(g.node_count(), &kept) {
            best = Some(cost);
        }
    }
    best
}

/// `d[a][b]`: edges on a shortest path of at least one edge from `a` to `b` avoiding
/// `gone` edges, by Floyd–Warshall (`u32::MAX`: none).
fn distances(g: &ArcGraph, gone: &[bool]) -> Vec<Vec<u32>> {
    let n = g.node_count();
    let mut d = vec![vec![u32::MAX; n]; n];
    for (i, &out) in gone.iter().enumerate() {
        if !out {
            let (a, b) = g.endpoints(EdgeId::from_index(i));
            d[a as usize][b as usize] = 1;
        }
    }
    for k in 0..n {
        for a in 0..n {
            for b in 0..n {
                let via = d[a][k].saturating_add(d[k][b]);
                if via < d[a][b] {
                    d[a][b] = via;
                }
            }
        }
    }
    d
}

/// `cycle` is a closed walk that starts with `first` (when given).
fn assert_cycle(g: &ArcGraph, cycle: &[EdgeId], first: Option<EdgeId>) {
    assert!(!cycle.is_empty());
    if let Some(f) = first {
        assert_eq!(cycle[0], f);
    }
    for (i, &e) in cycle.iter().enumerate() {
        let next = cycle[(i + 1) % cycle.len()];
        assert_eq!(
            g.endpoints(e).1,
            g.endpoints(next).0,
            "cycle {cycle:?} is broken after {e:?}"
        );
    }
}

// ---------------------------------------------------------------- hand cases

#[test]
fn acyclic_graph_removes_nothing() {
    let g = graph(
        4,
        &[
            (0, 1, Some(1)),
            (1, 2, None),
            (0, 2, Some(1)),
            (3, 0, Some(1)),
        ],
    );
    assert_eq!(solve(&g), (vec![], 0, true));
    assert_eq!(solve(&ArcGraph::new(0)), (vec![], 0, true));
}

#[test]
fn two_cycle_removes_the_cheaper_edge() {
    let g = graph(2, &[(0, 1, Some(5)), (1, 0, Some(3))]);
    assert_eq!(solve(&g), (ids(&[1]), 3, true));
    assert_eq!(solve_with(&g, &heuristic()), (ids(&[1]), 3, false));
}

#[test]
fn removable_self_loop_is_removed() {
    let g = graph(2, &[(0, 1, Some(1)), (1, 1, Some(7))]);
    assert_eq!(solve(&g), (ids(&[1]), 7, true));
}

#[test]
fn unremovable_self_loop_is_unbreakable() {
    let g = graph(3, &[(0, 1, Some(1)), (1, 0, Some(1)), (2, 2, None)]);
    assert_eq!(
        min_feedback_arc_set(&g, &FasConfig::default()),
        FasResult::Unbreakable { cycle: ids(&[2]) }
    );
}

#[test]
fn edges_between_components_are_never_removed() {
    // Two 2-cycles {0,1} and {2,3}, joined by an expensive-to-keep-looking 1 -> 2.
    let g = graph(
        4,
        &[
            (0, 1, Some(2)),
            (1, 0, Some(2)),
            (1, 2, Some(0)),
            (2, 3, Some(1)),
            (3, 2, Some(4)),
        ],
    );
    let (removed, cost, exact) = solve(&g);
    assert_eq!(removed.len(), 2);
    assert!(!removed.contains(&EdgeId::from_index(2)));
    assert_eq!((cost, exact), (3, true));
    // Build order: {2,3} (depended upon) before {0,1}.
    assert_eq!(sccs(&g), vec![vec![2, 3], vec![0, 1]]);
}

#[test]
fn nested_cycles_inside_one_component() {
    // Outer ring 0->1->2->3->0, inner chord cycle 1->3->1; one edge of each ring is not
    // enough unless it is shared: cheapest is cutting 3->0 (ring) and 3->1 (chord).
    let g = graph(
        4,
        &[
            (0, 1, Some(5)),
            (1, 2, Some(5)),
            (2, 3, Some(5)),
            (3, 0, Some(2)),
            (1, 3, Some(4)),
            (3, 1, Some(1)),
        ],
    );
    assert_eq!(sccs(&g), vec![vec![0, 1, 2, 3]]);
    assert_eq!(solve(&g), (ids(&[3, 5]), 3, true));
}

#[test]
fn cycles_sharing_an_edge_cut_it_once() {
    // Triangles 0->1->2->0 and 0->1->3->0 share 0->1 (cost 3); cutting each triangle
    // elsewhere costs 2 + 2.
    let g = graph(
        4,
        &[
            (0, 1, Some(3)),
            (1, 2, Some(2)),
            (2, 0, Some(2)),
            (1, 3, Some(2)),
            (3, 0, Some(2)),
        ],
    );
    assert_eq!(solve(&g), (ids(&[0]), 3, true));
    assert_eq!(solve_with(&g, &heuristic()).1, 3);
}

#[test]
fn parallel_edges_are_paid_for_each() {
    // Two parallel 0->1 of cost 1 beat 1->0 of cost 3 ...
    let g = graph(2, &[(0, 1, Some(1)), (0, 1, Some(1)), (1, 0, Some(3))]);
    assert_eq!(solve(&g), (ids(&[0, 1]), 2, true));
    // ... three do not beat 1->0 of cost 2.
    let g = graph(
        2,
        &[
            (0, 1, Some(1)),
            (0, 1, Some(1)),
            (0, 1, Some(1)),
            (1, 0, Some(2)),
        ],
    );
    assert_eq!(solve(&g), (ids(&[3]), 2, true));
    // An unremovable parallel edge forces cutting the other direction.
    let g = graph(2, &[(0, 1, Some(1)), (0, 1, None), (1, 0, Some(9))]);
    assert_eq!(solve(&g), (ids(&[2]), 9, true));
}

#[test]
fn unremovable_edges_force_the_expensive_cut() {
    let g = graph(
        3,
        &[
            (0, 1, None),
            (1, 2, None),
            (2, 0, Some(100)),
            (1, 0, Some(1)),
        ],
    );
    assert_eq!(solve(&g), (ids(&[2, 3]), 101, true));
    assert_eq!(solve_with(&g, &heuristic()), (ids(&[2, 3]), 101, false));
}

#[test]
fn shortest_unremovable_cycle_is_reported() {
    // Hard 4-cycle 0->1->2->3->0 and hard 2-cycle 2->4->2, all in one component.
    let g = graph(
        5,
        &[
            (0, 1, None),
            (1, 2, None),
            (2, 3, None),
            (3, 0, None),
            (2, 4, None),
            (4, 2, None),
            (4, 0, Some(1)),
        ],
    );
    match min_feedback_arc_set(&g, &FasConfig::default()) {
        FasResult::Unbreakable { cycle } => {
            assert_eq!(cycle.len(), 2);
            assert_cycle(&g, &cycle, None);
            assert!(cycle.iter().all(|&e| g.cost(e).is_none()));
        }
        other => panic!("expected unbreakable, got {other:?}"),
    }
}

#[test]
fn zero_cost_removals_are_not_overdone() {
    let g = graph(2, &[(0, 1, Some(0)), (1, 0, Some(0))]);
    let (removed, cost, _) = solve(&g);
    assert_eq!((removed.len(), cost), (1, 0));
    let (removed, cost, exact) = solve_with(&g, &heuristic());
    assert_eq!((removed.len(), cost, exact), (1, 0, true));
}

#[test]
fn long_ring_is_cut_at_its_cheapest_edge() {
    // Deep enough to overflow a recursive Tarjan or DFS.
    let n = 200_000u32;
    let mut g = ArcGraph::new(n as usize);
    for i in 0..n {
        g.add_edge(i, (i + 1) % n, Some(if i == 77_777 { 1 } else { 10 }));
    }
    let cheap = EdgeId::from_index(77_777);
    match min_feedback_arc_set(&g, &FasConfig::default()) {
        FasResult::Acyclic {
            removed,
            cost,
            exact,
            stats,
        } => {
            assert_eq!((removed, cost, exact), (vec![cheap], 1, false));
            assert_eq!((stats.largest_scc, stats.heuristic_sccs), (n as usize, 1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sccs(&g).len(), 1);
    assert_eq!(
        cycle_through(&g, cheap, &[]).map(|c| c.len()),
        Some(n as usize)
    );
}

#[test]
fn exact_limit_is_capped() {
    // A 2-cycle-rich ring of MAX_EXACT_LIMIT + 1 nodes goes to the heuristic even when
    // the configured limit is larger.
    let n = MAX_EXACT_LIMIT as u32 + 1;
    let mut g = ArcGraph::new(n as usize);
    for i in 0..n {
        g.add_edge(i, (i + 1) % n, Some(2));
        g.add_edge((i + 1) % n, i, Some(1));
    }
    let cfg = FasConfig {
        exact_limit: 1000,
        ..FasConfig::default()
    };
    match min_feedback_arc_set(&g, &cfg) {
        FasResult::Acyclic { exact, stats, .. } => {
            assert!(!exact);
            assert_eq!((stats.exact_sccs, stats.heuristic_sccs), (0, 1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cycle_through_explains_a_removed_edge() {
    // Two triangles through 0->1: 0->1->2->0 and 0->1->3->4->0.
    let g = graph(
        5,
        &[
            (0, 1, Some(1)),
            (1, 2, Some(1)),
            (2, 0, Some(1)),
            (1, 3, Some(1)),
            (3, 4, Some(1)),
            (4, 0, Some(1)),
        ],
    );
    let e01 = EdgeId::from_index(0);
    assert_eq!(cycle_through(&g, e01, &[]), Some(ids(&[0, 1, 2])));
    // With 2->0 removed, the explanation takes the long way round.
    assert_eq!(cycle_through(&g, e01, &ids(&[2])), Some(ids(&[0, 3, 4, 5])));
    assert_eq!(cycle_through(&g, e01, &ids(&[2, 5])), None);
    // The edge itself being in the removed set does not matter.
    assert_eq!(cycle_through(&g, e01, &ids(&[0])), Some(ids(&[0, 1, 2])));
    let g = graph(2, &[(0, 1, Some(1)), (1, 1, None)]);
    assert_eq!(
        cycle_through(&g, EdgeId::from_index(1), &[]),
        Some(ids(&[1]))
    );
    assert_eq!(cycle_through(&g, EdgeId::from_index(0), &[]), None);
}

#[test]
fn sccs_cover_every_node_in_build_order() {
    let g = graph(
        6,
        &[
            (0, 1, Some(1)),
            (1, 0, Some(1)),
            (1, 2, Some(1)),
            (3, 3, Some(1)),
            (4, 2, None),
            (2, 5, None),
        ],
    );
    assert_eq!(
        sccs(&g),
        vec![vec![5], vec![2], vec![0, 1], vec![3], vec![4]]
    );
}

// ---------------------------------------------------------------- single passes

/// The whole graph as one component (it need not be strongly connected for a pass).
fn whole(g: &ArcGraph) -> Component {
    let nodes: Vec<u32> = (0..g.node_count() as u32).collect();
    let comp_of = vec![0; g.node_count()];
    let mut local = vec![0; g.node_count()];
    Component::new(g, &Adjacency::outgoing(g), &nodes, &comp_of, 0, &mut local)
}

#[test]
fn swap_exchanges_a_removed_edge_for_a_cheaper_cut() {
    // 3 -> 0 (cost 10) is removed by the order 0 1 2 3; the kept path 0 -> 1 -> 2 -> 3
    // can instead be cut at 1 -> 2 (cost 1).
    let g = graph(
        4,
        &[
            (0, 1, Some(10)),
            (1, 2, Some(1)),
            (2, 3, Some(10)),
            (3, 0, Some(10)),
        ],
    );
    let c = whole(&g);
    let mut order = Order::new(vec![0, 1, 2, 3]);
    let swaps = swap_pass(
        &c,
        &mut order,
        &mut Witnesses::new(&c),
        &mut Budget::new(u64::MAX),
    );
    assert_eq!((swaps, order.back_cost(&c)), (1, Some(1)));
    assert_eq!(order.back_edges(&c), vec![1]);

    // With a second path 0 -> 2 of cost 10, the cut costs 11: no exchange.
    let g = graph(
        4,
        &[
            (0, 1, Some(10)),
            (1, 2, Some(1)),
            (2, 3, Some(10)),
            (3, 0, Some(10)),
            (0, 2, Some(10)),
        ],
    );
    let c = whole(&g);
    let mut order = Order::new(vec![0, 1, 2, 3]);
    let swaps = swap_pass(
        &c,
        &mut order,
        &mut Witnesses::new(&c),
        &mut Budget::new(u64::MAX),
    );
    assert_eq!((swaps, order.back_cost(&c)), (0, Some(10)));

    // An unremovable edge is never cut.
    let g = graph(
        4,
        &[
            (0, 1, Some(10)),
            (1, 2, None),
            (2, 3, Some(10)),
            (3, 0, Some(10)),
        ],
    );
    let c = whole(&g);
    let mut order = Order::new(vec![0, 1, 2, 3]);
    let swaps = swap_pass(
        &c,
        &mut order,
        &mut Witnesses::new(&c),
        &mut Budget::new(u64::MAX),
    );
    assert_eq!((swaps, order.back_cost(&c)), (0, Some(10)));
}

#[test]
fn window_reorders_a_run_of_nodes() {
    // The order 1 0 2 points 0 -> 1 (cost 5) backwards; 0 1 2 would point 1 -> 0
    // (cost 1) backwards instead.
    let g = graph(3, &[(0, 1, Some(5)), (1, 0, Some(1)), (1, 2, Some(1))]);
    let c = whole(&g);
    let mut order = Order::new(vec![1, 0, 2]);
    assert_eq!(window_pass(&c, &mut order, &mut Budget::new(u64::MAX)), 1);
    assert_eq!(
        (order.nodes.clone(), order.back_cost(&c)),
        (vec![0, 1, 2], Some(1))
    );
    // Already optimal: nothing to do.
    assert_eq!(window_pass(&c, &mut order, &mut Budget::new(u64::MAX)), 0);
}

#[test]
fn sifting_moves_a_node_to_its_cheapest_place() {
    // Node 0 first makes 1 -> 0 and 2 -> 0 (cost 3 each) back edges; last, only 0 -> 1.
    let g = graph(
        3,
        &[
            (0, 1, Some(1)),
            (1, 0, Some(3)),
            (2, 0, Some(3)),
            (1, 2, Some(1)),
        ],
    );
    let c = whole(&g);
    let mut order = Order::new(vec![0, 1, 2]);
    let (saved, moves) = sift_round(&c, &mut order, &mut Budget::new(u64::MAX));
    assert_eq!((saved, moves), (5, 1));
    assert_eq!(
        (order.nodes.clone(), order.back_cost(&c)),
        (vec![1, 2, 0], Some(1))
    );
}

#[test]
fn reinsert_puts_back_what_closes_no_cycle() {
    // The order 2 1 0 removes 0 -> 1 (cost 1) and 1 -> 2 (cost 3); only 0 -> 1 is needed.
    let g = graph(3, &[(0, 1, Some(1)), (1, 0, Some(1)), (1, 2, Some(3))]);
    let c = whole(&g);
    let mut order = Order::new(vec![2, 1, 0]);
    let (saved, put_back) = reinsert(
        &c,
        &mut order,
        &mut Witnesses::new(&c),
        &mut Budget::new(u64::MAX),
    );
    assert_eq!((saved, put_back), (3, 1));
    assert_eq!(order.back_edges(&c), vec![0]);
}

// ---------------------------------------------------------------- properties

/// Random graphs on `1..=max_n` nodes with up to `max_m` edges (self-loops and parallel
/// edges included), costs 0..=5, and about one edge in `1 / hard` unremovable.
fn arb_graph(max_n: u32, max_m: usize, hard: u32) -> impl Strategy<Value = ArcGraph> {
    (1..=max_n).prop_flat_map(move |n| {
        let edge =
            (0..n, 0..n, 0..=5u32, 0..hard).prop_map(|(a, b, c, h)| (a, b, (h != 0).then_some(c)));
        prop::collection::vec(edge, 0..=max_m).prop_map(move |edges| graph(n as usize, &edges))
    })
}

/// A graph whose unremovable edges all go from a lower to a higher node (so it is never
/// unbreakable), with extra edges between near neighbours to make large components.
fn arb_breakable(max_n: u32, density: usize) -> impl Strategy<Value = ArcGraph> {
    (2..=max_n).prop_flat_map(move |n| {
        let edge = (0..n, 0..n, 0..=9u32, 0..8u32).prop_map(|(a, b, c, h)| {
            if h == 0 && a < b {
                (a, b, None)
            } else {
                (a, b, Some(c))
            }
        });
        prop::collection::vec(edge, 0..=density * n as usize)
            .prop_map(move |edges| graph(n as usize, &edges))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn exact_matches_brute_force(g in arb_graph(10, 14, 6)) {
        let brute = brute_force(&g);
        match (min_feedback_arc_set(&g, &FasConfig::default()), brute) {
            (FasResult::Acyclic { removed, cost, exact, stats }, Some(best)) => {
                check_removal(&g, &removed, cost);
                prop_assert_eq!(cost, best);
                prop_assert!(exact);
                prop_assert!(!stats.fallback);
            }
            (FasResult::Unbreakable { cycle }, None) => {
                assert_cycle(&g, &cycle, None);
                prop_assert!(cycle.iter().all(|&e| g.cost(e).is_none()));
                // Shortest: no hard cycle has fewer edges.
                let soft: Vec<bool> = (0..g.edge_count()).map(|i| g.cost(EdgeId::from_index(i)).is_some()).collect();
                let d = distances(&g, &soft);
                let shortest = (0..g.node_count()).map(|v| d[v][v]).min().unwrap();
                prop_assert_eq!(cycle.len() as u32, shortest);
            }
            (got, brute) => prop_assert!(false, "solver {:?} but brute force {:?}", got, brute),
        }
    }

    #[test]
    fn heuristic_is_valid_and_no_better_than_exact(g in arb_graph(12, 40, 8)) {
        let exact = min_feedback_arc_set(&g, &FasConfig::default());
        let heur = min_feedback_arc_set(&g, &heuristic());
        let greedy = min_feedback_arc_set(&g, &FasConfig { exact_limit: 0, improve_budget: 0, ..FasConfig::default() });
        match (exact, heur, greedy) {
            (
                FasResult::Acyclic { cost: best, .. },
                FasResult::Acyclic { removed, cost, stats, .. },
                FasResult::Acyclic { removed: g_removed, cost: g_cost, .. },
            ) => {
                check_removal(&g, &removed, cost);
                prop_assert!(cost >= best);
                prop_assert!(cost <= g_cost);
                prop_assert_eq!(stats.improved_cost + self_loop_cost(&g), cost);
                // The plain greedy ordering need not be minimal, but it is acyclic.
                let mut gone = vec![false; g.edge_count()];
                for e in g_removed { gone[e.index()] = true; }
                prop_assert!(naive_acyclic(&g, &gone));
            }
            (FasResult::Unbreakable { cycle: a }, FasResult::Unbreakable { cycle: b }, FasResult::Unbreakable { .. }) => {
                prop_assert_eq!(a, b);
            }
            (a, b, c) => prop_assert!(false, "exact {:?}, heuristic {:?}, greedy {:?}", a, b, c),
        }
    }

    #[test]
    fn same_graph_same_answer(g in arb_graph(40, 160, 10)) {
        for cfg in [FasConfig::default(), heuristic()] {
            let a = min_feedback_arc_set(&g, &cfg);
            let b = min_feedback_arc_set(&g.clone(), &cfg);
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
        prop_assert_eq!(sccs(&g), sccs(&g.clone()));
    }

    #[test]
    fn cycle_through_is_a_shortest_cycle(g in arb_graph(10, 30, 4), pick in any::<prop::sample::Index>(), drop in prop::collection::vec(any::<prop::sample::Index>(), 0..4)) {
        prop_assume!(g.edge_count() > 0);
        let edge = EdgeId::from_index(pick.index(g.edge_count()));
        let removed: Vec<EdgeId> = drop.iter().map(|i| EdgeId::from_index(i.index(g.edge_count()))).collect();
        let mut gone = vec![false; g.edge_count()];
        for e in &removed { gone[e.index()] = true; }
        gone[edge.index()] = false;
        let (a, b) = g.endpoints(edge);
        let expected = if a == b { Some(1) } else {
            let d = distances(&g, &gone)[b as usize][a as usize];
            (d != u32::MAX).then_some(d as usize + 1)
        };
        let got = cycle_through(&g, edge, &removed);
        prop_assert_eq!(got.as_ref().map(Vec::len), expected);
        // A finder reused across edges answers the same.
        let mut finder = CycleFinder::new(&g, &removed);
        for other in g.edge_ids() {
            prop_assert_eq!(finder.cycle_through(other), cycle_through(&g, other, &removed));
        }
        if let Some(cycle) = got {
            assert_cycle(&g, &cycle, Some(edge));
            prop_assert!(cycle[1..].iter().all(|e| !gone[e.index()]));
        }
    }

    #[test]
    fn sccs_are_mutual_reachability(g in arb_graph(12, 30, 3)) {
        let comps = sccs(&g);
        let n = g.node_count();
        let mut comp_of = vec![usize::MAX; n];
        for (i, c) in comps.iter().enumerate() {
            prop_assert!(c.windows(2).all(|w| w[0] < w[1]));
            for &v in c {
                prop_assert_eq!(comp_of[v as usize], usize::MAX);
                comp_of[v as usize] = i;
            }
        }
        prop_assert!(comp_of.iter().all(|&c| c != usize::MAX));
        let d = distances(&g, &vec![false; g.edge_count()]);
        for a in 0..n {
            for b in 0..n {
                let mutual = a == b || (d[a][b] != u32::MAX && d[b][a] != u32::MAX);
                prop_assert_eq!(comp_of[a] == comp_of[b], mutual);
            }
        }
        for i in 0..g.edge_count() {
            let (a, b) = g.endpoints(EdgeId::from_index(i));
            prop_assert!(comp_of[b as usize] <= comp_of[a as usize], "edge {}->{} goes to a later component", a, b);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn heuristic_on_larger_graphs(g in arb_breakable(300, 4)) {
        let (removed, cost, _) = solve_with(&g, &heuristic());
        let greedy = min_feedback_arc_set(&g, &FasConfig { exact_limit: 0, improve_budget: 0, ..FasConfig::default() });
        let FasResult::Acyclic { cost: greedy_cost, .. } = greedy else { panic!("{greedy:?}") };
        prop_assert!(cost <= greedy_cost);
        for &e in &removed {
            let cycle = cycle_through(&g, e, &removed).expect("a removed edge breaks a cycle of its own");
            assert_cycle(&g, &cycle, Some(e));
        }
    }

    /// A start ranked by a solution's order is taken (without improvement the result
    /// is then as cheap as that solution), and any ranks at all leave a valid removal.
    #[test]
    fn hinted_starts(g in arb_breakable(60, 3), noise in proptest::collection::vec(any::<u32>(), 60)) {
        let FasResult::Acyclic { removed: known, cost: known_cost, .. } = min_feedback_arc_set(&g, &heuristic()) else { panic!() };
        let mut ranks = vec![u32::MAX; g.node_count()];
        for (rank, v) in acyclic_order(&g, &known).expect("the heuristic's removal is acyclic").into_iter().enumerate() {
            ranks[v as usize] = rank as u32;
        }
        let no_improvement = FasConfig { exact_limit: 0, improve_budget: 0, ..FasConfig::default() };
        let FasResult::Acyclic { removed, cost, .. } = min_feedback_arc_set_from(&g, &no_improvement, &ranks) else { panic!() };
        prop_assert!(is_acyclic_removal(&g, &Adjacency::outgoing(&g), &removed));
        prop_assert!(cost <= known_cost, "{} > {}", cost, known_cost);
        let (_, _, _) = solve_with_hint(&g, &heuristic(), &noise);
    }

    #[test]
    fn tiny_budgets_stay_acyclic_and_minimal(g in arb_breakable(60, 3), budget in 0u64..400) {
        let cfg = FasConfig { exact_limit: 0, improve_budget: budget, ..FasConfig::default() };
        if let FasResult::Acyclic { removed, cost, stats, .. } = min_feedback_arc_set(&g, &cfg) {
            prop_assert!(!stats.fallback);
            if budget > 0 {
                check_removal(&g, &removed, cost);
            } else {
                let mut gone = vec![false; g.edge_count()];
                for e in removed { gone[e.index()] = true; }
                prop_assert!(naive_acyclic(&g, &gone));
            }
        } else {
            prop_assert!(false, "breakable graph reported unbreakable");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// The driver's last line of defence: its check agrees with the naive one, and its
    /// fallback removal is acyclic.
    #[test]
    fn check_and_fallback(g in arb_breakable(60, 3), drop in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let adj = Adjacency::outgoing(&g);
        let mut removed: Vec<EdgeId> = drop.iter().map(|i| EdgeId::from_index(i.index(g.edge_count().max(1)))).filter(|e| e.index() < g.edge_count()).collect();
        removed.sort_unstable();
        removed.dedup();
        let mut gone = vec![false; g.edge_count()];
        for e in &removed { gone[e.index()] = true; }
        let removable = removed.iter().all(|&e| g.cost(e).is_some());
        prop_assert_eq!(is_acyclic_removal(&g, &adj, &removed), removable && naive_acyclic(&g, &gone));

        let comps = sccs(&g);
        let mut comp_of = vec![0u32; g.node_count()];
        for (i, c) in comps.iter().enumerate() {
            for &v in c { comp_of[v as usize] = i as u32; }
        }
        let mut local = vec![0u32; g.node_count()];
        let components: Vec<Component> = comps.iter().enumerate().filter(|(_, c)| c.len() > 1)
            .map(|(i, c)| Component::new(&g, &adj, c, &comp_of, i as u32, &mut local)).collect();
        let fallback = fallback_removal(&g, &components);
        prop_assert!(is_acyclic_removal(&g, &adj, &fallback));
        let mut gone = vec![false; g.edge_count()];
        for e in &fallback { gone[e.index()] = true; }
        prop_assert!(naive_acyclic(&g, &gone));
    }
}

fn self_loop_cost(g: &ArcGraph) -> u64 {
    (0..g.edge_count())
        .map(EdgeId::from_index)
        .filter(|&e| g.endpoints(e).0 == g.endpoints(e).1)
        .map(|e| u64::from(g.cost(e).unwrap_or(0)))
        .sum()
}

/// A quality check, not a property: on a fixed set of random 16-node graphs (too large
/// for the default exact limit) the heuristic stays within 5% of the optimum in total,
/// and its local improvement beats the plain greedy ordering.
#[test]
fn heuristic_is_close_to_optimal_on_small_graphs() {
    let mut seed = 12345u64;
    let mut rnd = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let (mut exact, mut heur, mut greedy) = (0, 0, 0);
    for _ in 0..30 {
        let mut g = ArcGraph::new(16);
        for _ in 0..40 {
            let (a, b) = (rnd(16) as u32, rnd(16) as u32);
            if a != b {
                g.add_edge(a, b, Some(if rnd(10) == 0 { 1 } else { 10 }));
            }
        }
        exact += solve_with(
            &g,
            &FasConfig {
                exact_limit: 16,
                ..FasConfig::default()
            },
        )
        .1;
        heur += solve_with(&g, &heuristic()).1;
        greedy += match min_feedback_arc_set(
            &g,
            &FasConfig {
                exact_limit: 0,
                improve_budget: 0,
                ..FasConfig::default()
            },
        ) {
            FasResult::Acyclic { cost, .. } => cost,
            other => panic!("{other:?}"),
        };
    }
    assert!(
        heur * 100 <= exact * 105,
        "heuristic {heur} against optimum {exact}"
    );
    assert!(heur < greedy, "heuristic {heur} against greedy {greedy}");
}

// The fewest-heads objective.

fn fewest_heads() -> FasConfig {
    FasConfig {
        objective: Objective::FewestHeads,
        ..FasConfig::default()
    }
}

fn fewest_heads_heuristic() -> FasConfig {
    FasConfig {
        exact_limit: 0,
        ..fewest_heads()
    }
}

/// The distinct heads of `removed`.
fn heads(g: &ArcGraph, removed: &[EdgeId]) -> usize {
    let mut heads: Vec<u32> = removed.iter().map(|&e| g.endpoints(e).1).collect();
    heads.sort_unstable();
    heads.dedup();
    heads.len()
}

/// The fewest heads by trying every node subset: a subset works when removing every
/// removable edge into it leaves the graph acyclic. `None` when none does.
fn brute_force_heads(g: &ArcGraph) -> Option<usize> {
    let n = g.node_count();
    assert!(n <= 12, "brute force over {n} nodes");
    let mut best = None;
    let mut kept = Vec::new();
    for mask in 0u32..1 << n {
        let size = mask.count_ones() as usize;
        if best.is_some_and(|b| size >= b) {
            continue;
        }
        kept.clear();
        for e in g.edge_ids() {
            let (a, b) = g.endpoints(e);
            if mask & (1 << b) == 0 || g.cost(e).is_none() {
                kept.push((a, b));
            }
        }
        if mask_acyclic(n, &kept) {
            best = Some(size);
        }
    }
    best
}

/// Three two-cycles through `t`: the edges into `t` cost 2, the ones out of it 1.
fn star() -> ArcGraph {
    graph(
        4,
        &[
            (1, 0, Some(2)),
            (0, 1, Some(1)),
            (2, 0, Some(2)),
            (0, 2, Some(1)),
            (3, 0, Some(2)),
            (0, 3, Some(1)),
        ],
    )
}

#[test]
fn fewest_heads_and_fewest_edges_disagree() {
    let g = star();
    // Fewest edges (by cost): the three cheap edges out of node 0, into three heads.
    let (removed, cost, exact) = solve(&g);
    assert_eq!((removed, cost, exact), (ids(&[1, 3, 5]), 3, true));
    // Fewest heads: node 0 alone, all three edges into it, although they cost more.
    let (removed, cost, exact) = solve_with(&g, &fewest_heads());
    assert_eq!((removed.clone(), cost, exact), (ids(&[0, 2, 4]), 6, true));
    assert_eq!(heads(&g, &removed), 1);
    // The heuristic finds the same.
    let (removed, _, _) = solve_with(&g, &fewest_heads_heuristic());
    assert_eq!(removed, ids(&[0, 2, 4]));
}

#[test]
fn fewest_heads_keeps_unremovable_edges() {
    // As `star`, but 1 → 0 cannot go: node 0 does not break that cycle, node 1 must.
    let mut g = star();
    g = graph(
        4,
        &g.edge_ids()
            .map(|e| {
                let (a, b) = g.endpoints(e);
                (a, b, if e.index() == 0 { None } else { g.cost(e) })
            })
            .collect::<Vec<_>>(),
    );
    for cfg in [fewest_heads(), fewest_heads_heuristic()] {
        let (removed, _, _) = solve_with(&g, &cfg);
        assert_eq!(removed, ids(&[1, 2, 4]), "{cfg:?}");
        assert_eq!(heads(&g, &removed), 2);
    }
}

#[test]
fn fewest_heads_removes_only_needed_edges_into_its_heads() {
    // Two two-cycles 0 ⇄ 1 and 2 ⇄ 3 joined by 1 → 2 and 3 → 0. Two heads are needed;
    // heads 0 and 2 would take four edges (one, 3 → 0 or 1 → 2, needlessly), while the
    // best pair of heads needs only two.
    let g = graph(4, &[(1, 0, Some(1)), (0, 1, Some(1)), (3, 2, Some(1)), (2, 3, Some(1)), (1, 2, Some(1)), (3, 0, Some(1))]);
    let (removed, cost, exact) = solve_with(&g, &fewest_heads());
    assert_eq!((heads(&g, &removed), removed.len(), cost, exact), (2, 2, 2, true));
    let (removed, _, _) = solve_with(&g, &fewest_heads_heuristic());
    assert_eq!(heads(&g, &removed), 2);
}

#[test]
fn fewest_heads_reports_unbreakable_cycles_alike() {
    let g = graph(2, &[(0, 1, None), (1, 0, None)]);
    assert!(matches!(min_feedback_arc_set(&g, &fewest_heads()), FasResult::Unbreakable { .. }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn fewest_heads_matches_brute_force(g in arb_graph(9, 18, 6)) {
        let brute = brute_force_heads(&g);
        match (min_feedback_arc_set(&g, &fewest_heads()), brute) {
            (FasResult::Acyclic { removed, cost, exact, stats }, Some(best)) => {
                check_removal(&g, &removed, cost);
                prop_assert_eq!(heads(&g, &removed), best);
                prop_assert!(exact);
                prop_assert!(!stats.fallback);
                // The heuristic alone is valid and never better.
                let (h_removed, _, _) = solve_with(&g, &fewest_heads_heuristic());
                prop_assert!(heads(&g, &h_removed) >= best);
            }
            (FasResult::Unbreakable { .. }, None) => {}
            (got, brute) => prop_assert!(false, "solver {:?} but brute force {:?}", got, brute),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn fewest_heads_on_larger_graphs(g in arb_breakable(300, 4)) {
        let (removed, _, _) = solve_with(&g, &fewest_heads());
        let (again, _, _) = solve_with(&g, &fewest_heads());
        prop_assert_eq!(&removed, &again);
        let (by_edges, _, _) = solve_with(&g, &FasConfig::default());
        // Only a heuristic on both sides, but choosing heads first should not lose.
        prop_assert!(heads(&g, &removed) <= heads(&g, &by_edges) + 1);
    }
}

/// `a` and `b` side by side: `b`'s nodes after `a`'s, its edges after `a`'s.
fn side_by_side(a: &ArcGraph, b: &ArcGraph) -> ArcGraph {
    let offset = a.node_count() as u32;
    let mut g = ArcGraph::new(a.node_count() + b.node_count());
    for e in a.edge_ids() {
        let (x, y) = a.endpoints(e);
        g.add_edge(x, y, a.cost(e));
    }
    for e in b.edge_ids() {
        let (x, y) = b.endpoints(e);
        g.add_edge(x + offset, y + offset, b.cost(e));
    }
    g
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// A memo answers exactly as solving does (removal, cost, exactness and stats), for
    /// both objectives, after the graph around a component changed and the hint's ranks
    /// shifted; and it does answer: the untouched part's components are not solved again.
    #[test]
    fn memo_answers_as_solving_does(
        a in arb_breakable(40, 3),
        b in arb_breakable(40, 3),
        drop in any::<prop::sample::Index>(),
        noise in proptest::collection::vec(0u32..50, 80),
        heads in any::<bool>(),
    ) {
        let cfg = FasConfig {
            exact_limit: 6,
            objective: if heads { Objective::FewestHeads } else { Objective::FewestEdges },
            ..FasConfig::default()
        };
        // The edit: `a` loses one edge; the hint's ranks all move up by 7.
        let mut edited = ArcGraph::new(a.node_count());
        let gone = drop.index(a.edge_count().max(1));
        for e in a.edge_ids().filter(|e| e.index() != gone) {
            let (x, y) = a.endpoints(e);
            edited.add_edge(x, y, a.cost(e));
        }
        let before = side_by_side(&a, &b);
        let after = side_by_side(&edited, &b);
        let shifted: Vec<u32> = noise.iter().map(|r| r + 7).collect();
        let mut memo = FasMemo::new();
        for (g, hint) in [(&before, &noise), (&after, &shifted), (&after, &shifted)] {
            let fresh = min_feedback_arc_set_from(g, &cfg, hint);
            let kept = min_feedback_arc_set_memo(g, &cfg, hint, Some(&mut memo));
            prop_assert_eq!(kept, fresh);
            memo.end_generation(2);
        }
        let (hits, misses) = memo.counts();
        let b_components = sccs(&b).iter().filter(|c| c.len() > 1).count() as u64;
        // The second solve finds `b`'s components (same edges, same hint order), the
        // third every component.
        prop_assert!(hits >= 2 * b_components, "{hits} hits, {misses} misses, {b_components} components in b");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Components of a graph given as successor arrays are those of the same edges in an
    /// `ArcGraph`, in the same order.
    #[test]
    fn sccs_of_successors_are_sccs(g in arb_graph(30, 90, 6)) {
        let n = g.node_count();
        let mut by_node: Vec<Vec<u32>> = vec![Vec::new(); n];
        for e in g.edge_ids() {
            let (from, to) = g.endpoints(e);
            by_node[from as usize].push(to);
        }
        let mut starts = vec![0u32];
        let mut successors = Vec::new();
        for list in &by_node {
            successors.extend_from_slice(list);
            starts.push(successors.len() as u32);
        }
        prop_assert_eq!(crate::fas::sccs_of_successors(&starts, &successors), sccs(&g));
    }
}

// ------------------------------------------------------ faster passes, same answers

/// The greedy ordering as first written: a binary heap of every delta update, stale
/// entries skipped when popped. [`greedy_order`] keeps each node in its heap once; the
/// orderings must be the same.
fn greedy_by_lazy_heap(c: &Component, reversed: bool) -> Vec<u32> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = c.len();
    let arcs = |v: u32| if reversed { (c.in_arcs(v), c.out_arcs(v)) } else { (c.out_arcs(v), c.in_arcs(v)) };
    let hard = i64::from(c.max_cost()) + 1;
    let weight = |cost: Option<u32>| cost.map_or(hard, i64::from);
    let (mut out_left, mut in_left, mut hard_in, mut delta) = (vec![0u32; n], vec![0u32; n], vec![0u32; n], vec![0i64; n]);
    for e in &c.edges {
        let (tail, head) = if reversed { (e.to, e.from) } else { (e.from, e.to) };
        out_left[tail as usize] += 1;
        in_left[head as usize] += 1;
        hard_in[head as usize] += u32::from(e.cost.is_none());
        delta[tail as usize] += weight(e.cost);
        delta[head as usize] -= weight(e.cost);
    }
    let mut placed = vec![false; n];
    let mut sinks: Vec<u32> = (0..n as u32).rev().filter(|&v| out_left[v as usize] == 0).collect();
    let mut sources: Vec<u32> = (0..n as u32).rev().filter(|&v| in_left[v as usize] == 0).collect();
    let mut heap: BinaryHeap<(i64, Reverse<u32>)> =
        (0..n as u32).filter(|&v| hard_in[v as usize] == 0).map(|v| (delta[v as usize], Reverse(v))).collect();
    let (mut left, mut right) = (Vec::new(), Vec::new());
    while left.len() + right.len() < n {
        let pop = |stack: &mut Vec<u32>, ok: &dyn Fn(usize) -> bool| {
            while let Some(v) = stack.pop() {
                if ok(v as usize) {
                    return Some(v);
                }
            }
            None
        };
        let v = if let Some(v) = pop(&mut sinks, &|v| !placed[v] && out_left[v] == 0) {
            right.push(v);
            v
        } else if let Some(v) = pop(&mut sources, &|v| !placed[v] && in_left[v] == 0) {
            left.push(v);
            v
        } else {
            let v = loop {
                let (d, Reverse(v)) = heap.pop().expect("a node is eligible");
                if !placed[v as usize] && hard_in[v as usize] == 0 && delta[v as usize] == d {
                    break v;
                }
            };
            left.push(v);
            v
        };
        placed[v as usize] = true;
        for a in arcs(v).0 {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            in_left[u] -= 1;
            delta[u] += weight(a.cost);
            hard_in[u] -= u32::from(a.cost.is_none());
            if in_left[u] == 0 {
                sources.push(u as u32);
            }
            if hard_in[u] == 0 {
                heap.push((delta[u], Reverse(u as u32)));
            }
        }
        for a in arcs(v).1 {
            let u = a.node as usize;
            if placed[u] {
                continue;
            }
            out_left[u] -= 1;
            delta[u] -= weight(a.cost);
            if out_left[u] == 0 {
                sinks.push(u as u32);
            }
            if hard_in[u] == 0 {
                heap.push((delta[u], Reverse(u as u32)));
            }
        }
    }
    right.reverse();
    left.extend(right);
    if reversed {
        left.reverse();
    }
    left
}

/// Sifts until a round saves nothing; returns what each round saved and moved.
fn sift_to_the_end(sifter: &mut Sifter, c: &Component, order: &mut Order, budget: &mut Budget) -> Vec<(u64, u64)> {
    let mut rounds = Vec::new();
    loop {
        let (saved, moves) = sifter.round(c, order, budget);
        rounds.push((saved, moves));
        if saved == 0 || budget.exhausted() {
            return rounds;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn greedy_matches_a_heap_of_every_update(g in arb_breakable(80, 4)) {
        let c = whole(&g);
        for reversed in [false, true] {
            prop_assert_eq!(greedy_order(&c, reversed).nodes, greedy_by_lazy_heap(&c, reversed));
        }
    }

    /// A sifter kept across other passes, told what they moved, sifts exactly as a new
    /// one would, and charges the same work.
    #[test]
    fn a_kept_sifter_sifts_as_a_new_one(
        g in arb_breakable(60, 4),
        shuffle in prop::collection::vec(any::<u32>(), 60),
        moves in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..6),
    ) {
        let c = whole(&g);
        let n = c.len();
        let mut nodes: Vec<u32> = (0..n as u32).collect();
        nodes.sort_by_key(|&v| shuffle[v as usize % shuffle.len()]);
        let mut order = Order::new(nodes);
        let mut kept = Sifter::new(&c);
        sift_to_the_end(&mut kept, &c, &mut order, &mut Budget::new(u64::MAX));
        // Another pass reorders some nodes.
        let before = order.nodes.clone();
        for (from, to) in &moves {
            order.move_node(from.index(n), to.index(n));
        }
        let mut again = order.clone();
        let (mut budget, mut new_budget) = (Budget::new(u64::MAX), Budget::new(u64::MAX));
        kept.unsettle_moved(&c, &before, &order);
        let rounds = sift_to_the_end(&mut kept, &c, &mut order, &mut budget);
        let new_rounds = sift_to_the_end(&mut Sifter::new(&c), &c, &mut again, &mut new_budget);
        prop_assert_eq!(rounds, new_rounds);
        prop_assert_eq!(order.nodes, again.nodes);
        prop_assert_eq!(budget.spent(), new_budget.spent());
    }
}
