//! Parser throughput on an archive-size plan: `cargo bench --bench parse`.
//!
//! Generates a deterministic plan-shaped KDL text of about 13 MB and prints MB/s for
//! `compiler::syntax::parse` (median of several runs) and, for comparison, for the `kdl`
//! crate on a smaller slice.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

const PACKAGES: usize = 30_000;

/// A small deterministic generator (xorshift), so every run parses the same text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn name(&mut self) -> String {
        const SYLLABLES: [&str; 12] =
            ["lib", "gnu", "perl", "py", "x", "ssl", "core", "utils", "dev", "tools", "data", "z"];
        let mut s = String::new();
        for i in 0..2 + self.below(3) {
            if i > 0 && self.below(3) == 0 {
                s.push('-');
            }
            s.push_str(SYLLABLES[self.below(SYLLABLES.len() as u64) as usize]);
        }
        s
    }
}

/// One `package` node per iteration, with comments, properties, strings with escapes,
/// multi-line strings and nested children, the shape of a real distribution plan.
fn plan() -> String {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out = String::with_capacity(14 << 20);
    out.push_str("// Generated archive plan\n/- kdl-version 2\n\n");
    for i in 0..PACKAGES {
        let name = rng.name();
        let (major, minor, rev) = (rng.below(20), rng.below(100), rng.below(9) + 1);
        let _ = writeln!(out, "// {name}: package {i}");
        let _ = writeln!(out, "package \"{name}\" version=\"{major}.{minor}-{rev}\" {{");
        let (a, b, c) = (rng.name(), rng.name(), rng.name());
        let _ = writeln!(
            out,
            "    build-depends \"{a} (>= {}.0)\" \"{b} | {c}\" when=\"<!nocheck>\"",
            rng.below(10)
        );
        let _ =
            writeln!(out, "    section (text)admin size={} /* ok */", rng.below(1 << 20));
        let (d, e) = (rng.name(), rng.name());
        let _ = writeln!(
            out,
            "    output \"{name}\" {{ depends \"{d}\" \"libc6 (>= 2.36)\"; provides {e} }}"
        );
        out.push_str("    build {\n");
        out.push_str("        run \"./configure\" \\\n            parallel=#true\n");
        out.push_str("        run \"make -j${jobs}\" retries=3\n");
        if i % 16 == 0 {
            out.push_str("        /- run \"make check\"\n");
            out.push_str(
                "        script #\"\"\"\n            test -d /usr/share/doc\n            \"\"\"#\n",
            );
        }
        out.push_str("    }\n");
        let _ = writeln!(out, "    description \"{name} \\u{{2013}}\\n\"");
        out.push_str("}\n");
    }
    out
}

/// This thread's time on a CPU so far, from `/proc/thread-self/schedstat` (Linux), so that
/// a figure taken on a shared, loaded machine is not only wall-clock time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

fn main() {
    let text = plan();
    let doc = compiler::syntax::parse(&text);
    assert!(doc.errors.is_empty(), "generated plan has errors: {:?}", &doc.errors[..1]);
    assert_eq!(doc.nodes.len(), PACKAGES);

    let runs = 15;
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, start_cpu) = (Instant::now(), cpu_time());
        let doc = compiler::syntax::parse(std::hint::black_box(&text));
        wall.push(start.elapsed());
        if let (Some(a), Some(b)) = (start_cpu, cpu_time()) {
            cpu.push(b - a);
        }
        drop(std::hint::black_box(doc));
    }
    let mb = text.len() as f64 / 1e6;
    let report = |what: &str, times: Vec<Duration>| {
        let best = *times.iter().min().unwrap_or(&Duration::ZERO);
        let median = median(times);
        println!(
            "  {what}: median {:.1} ms = {:.0} MB/s, best {:.1} ms = {:.0} MB/s",
            median.as_secs_f64() * 1e3,
            mb_per_s(text.len(), median),
            best.as_secs_f64() * 1e3,
            mb_per_s(text.len(), best)
        );
    };
    println!("planc syntax::parse, {mb:.1} MB, {runs} runs:");
    report("wall clock", wall);
    if cpu.len() == runs {
        // On a shared machine the wall clock includes time spent waiting for a core.
        report("on-CPU time", cpu);
    }

    // The kdl crate is much slower: time it on about 1 MB, cut at a package boundary.
    let cut = text[..1 << 20].rfind("\n//").map_or(text.len(), |i| i + 1);
    let slice = &text[..cut];
    let theirs_runs = 3;
    let times = (0..theirs_runs)
        .map(|_| {
            let start = Instant::now();
            let doc = kdl::KdlDocument::parse_v2(std::hint::black_box(slice));
            let time = start.elapsed();
            assert!(doc.is_ok(), "kdl crate rejects the generated plan");
            time
        })
        .collect();
    let theirs = median(times);
    println!(
        "kdl 6.7 KdlDocument::parse_v2: {:.1} MB in {:.1} ms (median of {theirs_runs}) = {:.1} MB/s",
        slice.len() as f64 / 1e6,
        theirs.as_secs_f64() * 1e3,
        mb_per_s(slice.len(), theirs)
    );
}
