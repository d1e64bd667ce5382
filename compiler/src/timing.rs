//! Pass timings for profiling: with `PLANC_TIME_PASSES=1` in the environment, each timed
//! pass prints its wall time (and the resident set after it) on stderr (like rustc's `-Z time-passes`). Off, a pass costs
//! one relaxed load.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("PLANC_TIME_PASSES").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Runs `f`, printing `time: NAME: MS ms` on stderr when pass timings are on.
pub fn pass<T>(name: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    match resident_mib() {
        Some(rss) => eprintln!("time: {name}: {ms:.1} ms (rss {rss} MiB)"),
        None => eprintln!("time: {name}: {ms:.1} ms"),
    }
    out
}

/// The process's resident set in MiB, where `/proc` tells it (as rustc's time-passes
/// prints it beside each pass).
fn resident_mib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / (1 << 20))
}
