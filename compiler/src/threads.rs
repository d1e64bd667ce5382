//! Work spread over threads that take the next share of it as they finish the last,
//! rather than a fixed part each: on a machine shared with other work, a thread that
//! gets less of a core then does less of the work instead of holding up the others
//! (fixed halves left one thread idle for as long as the other was descheduled).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of every item, in order, on up to `threads` threads taking `share` items at a
/// time. Each thread gets its own `state` (say, a database handle), made on the calling
/// thread. One share or less is done on the calling thread alone.
pub(crate) fn map_in_shares<T: Sync, S: Send, R: Send>(
    threads: usize,
    share: usize,
    items: &[T],
    mut state: impl FnMut() -> S,
    f: impl Fn(&S, &T) -> R + Sync,
) -> Vec<R> {
    let share = share.max(1);
    let threads = threads.min(items.len().div_ceil(share));
    if threads <= 1 {
        let state = state();
        return items.iter().map(|item| f(&state, item)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = |state: S| {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let start = at * share;
            if start >= items.len() {
                return done;
            }
            let part = &items[start..items.len().min(start + share)];
            done.push((at, part.iter().map(|item| f(&state, item)).collect()));
        }
    };
    let mut parts = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads)
            .map(|_| {
                let state = state();
                let work = &work;
                scope.spawn(move || work(state))
            })
            .collect();
        let mut parts = work(state());
        for other in others {
            parts.extend(other.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        parts
    });
    parts.sort_unstable_by_key(|&(at, _)| at);
    parts.into_iter().flat_map(|(_, part)| part).collect()
}

/// `a()` and `b()`, `a` on another thread when `parallel` (else one after the other on
/// this one): for two independent pieces of work. A panic in either is the caller's.
pub(crate) fn join<A: Send, B>(parallel: bool, a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    if !parallel {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        (a.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), b)
    })
}
