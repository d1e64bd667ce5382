//! Pass timings for profiling: with `PLANC_TIME_PASSES=1` in the environment, each timed
//! pass prints its wall time on stderr (like rustc's `-Z time-passes`). Off, a pass costs
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
    eprintln!("time: {name}: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    out
}
