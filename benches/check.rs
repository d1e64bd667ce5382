//! The front end's benchmark: parse throughput, a cold `planc check` and in-process
//! re-checks after edits (ones that leave the instance graph as it was, which a re-check
//! shows without planning, and ones that change it), on a generated archive-size plan (30,000 packages, ~13 MB of
//! KDL in 300 files imported by one root). Prints a table against the targets of issue 2.
//!
//! Run it with `cargo bench --bench check`; `PLANC_BENCH_PACKAGES=3000` makes a smaller
//! plan. The plan is deterministic (a fixed-seed generator) and is written under the
//! target directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use compiler::{Session, SessionConfig};

const PACKAGES_PER_FILE: usize = 100;
const EDITS: usize = 20;
const GRAPH_EDITS: usize = 4;

/// splitmix64: a small deterministic generator, so every run benchmarks the same plan.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A library output another package can depend on.
fn lib(rng: &mut Rng, packages: usize) -> String {
    format!("lib{}", rng.below(packages))
}

/// A library of a package before `i`, as most of an archive's dependencies are: the plan
/// is acyclic but for the core's dependencies that `<!stage1>` restricts, so it plans
/// cleanly, as a real bootstrap plan does (planning is part of `planc check`).
fn lower_lib(rng: &mut Rng, i: usize) -> String {
    if i == 0 { "cc".to_string() } else { lib(rng, i) }
}

/// One package: a version, a source, 15 to 20 build dependencies (alternatives, version
/// constraints, inline and node-level restriction formulas), two or three outputs with
/// runtime dependencies and provides, steps, and now and then a stage block.
fn package(out: &mut String, rng: &mut Rng, i: usize, packages: usize, marker: bool) {
    let version = format!("{}.{}-{}", 1 + rng.below(9), rng.below(20), 1 + rng.below(3));
    let template = if rng.chance(30) { " use=\"configure-make\"" } else { "" };
    let _ = writeln!(out, "package \"p{i}\" version=\"{version}\"{template} {{");
    if rng.chance(5) {
        let _ = writeln!(out, "    source archive=\"p{i}.tar.xz\" sha256=\"{:016x}{:016x}{:016x}{:016x}\"", rng.next(), rng.next(), rng.next(), rng.next());
    } else {
        let _ = writeln!(out, "    source path=\"p{i}\"");
    }
    if marker {
        // The dependency the benchmark's edits switch between `marker-a` and `marker-b`.
        out.push_str("    build-depends \"marker-a\"\n");
    }
    let deps = 15 + rng.below(6);
    let mut plain = Vec::new();
    let mut nocheck = Vec::new();
    for _ in 0..deps {
        let dep = match rng.below(10) {
            // Versions are 1.0-1 or later, so these constraints hold.
            0 if i > 0 => format!("{} (>= {}.{})", lower_lib(rng, i), 0, rng.below(10)),
            1 => format!("{} | {}", lower_lib(rng, i), lower_lib(rng, i)),
            // Cycles only among the first sixth, the archive's core (toolchain, perl,
            // python, documentation tools), as in `benches/plan.rs`.
            2 if i < packages / 6 => format!("{} <!stage1>", lib(rng, packages / 6)),
            2 => format!("{} <!stage1>", lower_lib(rng, i)),
            3 => ["cc", "make", "sh", "perl", "pkgconf"][rng.below(5)].to_string(),
            _ => lower_lib(rng, i),
        };
        if rng.chance(8) { nocheck.push(dep) } else { plain.push(dep) }
    }
    for (deps, when) in [(&plain, ""), (&nocheck, " when=\"<!nocheck> <cross>\"")] {
        for chunk in deps.chunks(9) {
            out.push_str("    build-depends");
            for dep in chunk {
                let _ = write!(out, " \"{dep}\"");
            }
            let _ = writeln!(out, "{when}");
        }
    }
    if rng.chance(20) {
        let _ = writeln!(out, "    output \"lib{i}\" {{ depends \"libc6 (>= 2.36)\"; provides \"lib{i}-abi-{}\"; }}", rng.below(3));
    } else {
        let _ = writeln!(out, "    output \"lib{i}\" {{ depends \"libc6\"; }}");
    }
    let _ = writeln!(out, "    output \"lib{i}-dev\" {{ depends \"lib{i} (= {version})\"; }}");
    if rng.chance(10) {
        let _ = writeln!(out, "    output \"p{i}-doc\" when=\"<!nodoc>\"");
    }
    if rng.chance(3) {
        let _ = writeln!(out, "    stage \"stage1\" {{ drop \"{}\"; profiles \"nocheck\"; }}", plain.first().map_or("cc", |d| d.split(' ').next().unwrap_or("cc")));
    }
    if template.is_empty() {
        out.push_str("    build { run \"make install\"; }\n");
    }
    out.push_str("}\n");
}

/// Writes the plan into `dir`; returns the root file and the package files.
fn generate(dir: &Path, packages: usize) -> (PathBuf, Vec<PathBuf>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir.join("packages")).expect("create plan directory");
    let mut rng = Rng(0x0070_6c61_6e63);
    let files = packages.div_ceil(PACKAGES_PER_FILE);
    let mut root = String::from(
        "// Generated by benches/check.rs: an archive-size plan.\nplan \"bench\" {\n    stages \"stage1\" \"stage2\"\n}\nimport \"std:autotools\"\n\nseed \"host\" {\n    from-host \"cc\" \"make\" \"sh\" \"perl\" \"pkgconf\"\n    provides \"libc6 (= 2.36)\" \"marker-a\" \"marker-b\"\n}\n\n",
    );
    let mut paths = Vec::new();
    for f in 0..files {
        let name = format!("packages/part{f:03}.kdl");
        let _ = writeln!(root, "import \"./{name}\"");
        let mut text = format!("// Packages {} to {}.\n", f * PACKAGES_PER_FILE, ((f + 1) * PACKAGES_PER_FILE).min(packages) - 1);
        for i in f * PACKAGES_PER_FILE..((f + 1) * PACKAGES_PER_FILE).min(packages) {
            package(&mut text, &mut rng, i, packages, i == f * PACKAGES_PER_FILE);
        }
        let path = dir.join(&name);
        std::fs::write(&path, text).expect("write package file");
        paths.push(path);
    }
    let root_path = dir.join("plan.kdl");
    std::fs::write(&root_path, root).expect("write root file");
    (root_path, paths)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// The median, or zero for none.
fn median_of(values: impl Iterator<Item = Duration>) -> Duration {
    let values: Vec<Duration> = values.collect();
    if values.is_empty() { Duration::ZERO } else { median(values) }
}

/// How long runs wait before their cold check: longer than the 2 seconds Linux waits
/// before it reports freed memory to the host.
const PAUSE: Duration = Duration::from_secs(5);

/// One `planc check` in a child process, as `/usr/bin/time` measured it.
struct ChildRun {
    wall: Duration,
    user: Duration,
    sys: Duration,
    rss_kib: u64,
    /// The check's summary line.
    summary: String,
}

fn check_in_child(planc: &str, root: &Path) -> ChildRun {
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M", planc, "check"])
        .arg(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run /usr/bin/time planc check");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the generated plan checks clean:\n{stderr}");
    let mut lines = stderr.lines().rev();
    let time_line = lines.next().unwrap_or_default();
    let summary = lines.next().unwrap_or_default().to_string();
    let mut fields = time_line.split_whitespace();
    let mut field = || fields.next().and_then(|v| v.parse::<f64>().ok()).expect("a figure from /usr/bin/time");
    let (wall, user, sys, rss) = (field(), field(), field(), field());
    ChildRun {
        wall: Duration::from_secs_f64(wall),
        user: Duration::from_secs_f64(user),
        sys: Duration::from_secs_f64(sys),
        rss_kib: rss as u64,
        summary,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo test --benches` runs this unoptimized: only smoke-test it there.
    let quick = cfg!(debug_assertions);
    if quick {
        eprintln!("unoptimized build: a small plan, figures not meaningful; run `cargo bench --bench check`");
    }
    let packages: usize = std::env::var("PLANC_BENCH_PACKAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 1000 } else { 30_000 });
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("planc-bench-plan-{packages}"));
    let started = Instant::now();
    let (root, files) = generate(&dir, packages);
    let texts: Vec<String> = std::iter::once(&root)
        .chain(&files)
        .map(|p| std::fs::read_to_string(p).expect("read plan file"))
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    eprintln!(
        "generated {packages} packages in {} files, {:.1} MB, in {:.1?}: {}",
        texts.len(),
        bytes as f64 / 1e6,
        started.elapsed(),
        dir.display()
    );

    // `PLANC_BENCH_STEPS=parse` only parses (ten passes), `recheck` runs only (c): for
    // profilers.
    let steps = std::env::var("PLANC_BENCH_STEPS").unwrap_or_default();
    let all = steps.is_empty();
    if steps == "parse" {
        for _ in 0..10 {
            for text in &texts {
                std::hint::black_box(compiler::syntax::parse(text));
            }
        }
        return;
    }

    // (a) Parse throughput, one thread, best and median of 5 passes over every file.
    let mut passes = Vec::new();
    for _ in 0..if all { 5 } else { 1 } {
        let start = Instant::now();
        let mut nodes = 0;
        for text in &texts {
            let doc = compiler::syntax::parse(text);
            assert!(doc.errors.is_empty(), "the generated plan parses");
            nodes += doc.nodes.len();
        }
        std::hint::black_box(nodes);
        passes.push(start.elapsed());
    }
    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    let parse_best = mbps(*passes.iter().min().expect("passes"));
    let parse_median = mbps(median(passes));

    // (b) A cold `planc check` in a child process: wall time and peak RSS. Three runs
    // right after each other, then three after a pause each: a virtual machine may hand
    // the memory a run freed back to its host within seconds, and faulting it in again
    // is then much slower (see ARCHITECTURE.md, on huge pages).
    let planc = env!("CARGO_BIN_EXE_planc");
    let mut runs: [Vec<ChildRun>; 2] = Default::default();
    for paused in [false, false, false, true, true, true] {
        if !all {
            break;
        }
        // The smoke test has no figures to keep honest, and no time to wait.
        if paused && !quick {
            std::thread::sleep(PAUSE);
        }
        runs[paused as usize].push(check_in_child(planc, &root));
    }
    let [back_to_back, after_pause] = &runs;
    let all_runs = || back_to_back.iter().chain(after_pause);
    let rss_kib = all_runs().map(|r| r.rss_kib).max().unwrap_or(0);
    let check_wall = median_of(back_to_back.iter().map(|r| r.wall));
    let paused_wall = median_of(after_pause.iter().map(|r| r.wall));
    let check_cpu = median_of(all_runs().map(|r| r.user + r.sys));
    let check_sys = median_of(all_runs().map(|r| r.sys));

    // (c) In process: open, then edit one package file's dependency and re-check.
    let config = SessionConfig { threads: std::thread::available_parallelism().map_or(1, usize::from), ..SessionConfig::default() };
    let start = Instant::now();
    let mut session = Session::open(&root, &config).expect("open the generated plan");
    let diagnostics = session.diagnostics();
    let open = start.elapsed();
    assert!(diagnostics.is_empty(), "clean plan: {:?}", diagnostics.first());
    let names: Vec<String> = session.files().iter().skip(1).map(|f| f.name(session.db()).to_string()).collect();
    let mut rechecks = Vec::new();
    let mut diagnostics_only = Vec::new();
    let mut front_rechecks = Vec::new();
    for edit in 0..EDITS {
        let name = &names[(edit * 37) % names.len()];
        let text = session.text(name).expect("loaded file");
        let new = if text.contains("\"marker-a\"") {
            text.replacen("\"marker-a\"", "\"marker-b\"", 1)
        } else {
            text.replacen("\"marker-b\"", "\"marker-a\"", 1)
        };
        let start = Instant::now();
        session.set_text(name, &new);
        let set = start.elapsed();
        assert!(session.front_diagnostics().is_empty(), "the front end is still clean after the edit");
        front_rechecks.push(start.elapsed());
        let diagnostics = session.diagnostics();
        let total = start.elapsed();
        assert!(diagnostics.is_empty(), "still clean after the edit");
        rechecks.push(total);
        diagnostics_only.push(total - set);
    }
    let recheck = median(rechecks.clone());
    // Edits that change the instance graph: a package outside the core takes a library of
    // the core instead of a seed's name, then the seed's again. These plan again (reusing
    // what the memo holds); the edits above leave the graph as it was.
    let mut graph_rechecks = Vec::new();
    for edit in 0..GRAPH_EDITS {
        let name = &names[(names.len() / 3 + (edit / 2) * 17) % names.len()];
        let text = session.text(name).expect("loaded file");
        let new = if edit % 2 == 0 {
            text.replacen("\"marker-a\"", "\"lib1-dev\"", 1).replacen("\"marker-b\"", "\"lib1-dev\"", 1)
        } else {
            text.replacen("\"lib1-dev\"", "\"marker-a\"", 1)
        };
        assert_ne!(*text, *new, "the file has a marker");
        let start = Instant::now();
        session.set_text(name, &new);
        let diagnostics = session.diagnostics();
        graph_rechecks.push(start.elapsed());
        assert!(diagnostics.is_empty(), "still clean after the edit");
    }

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // Other work on the machine slows every figure here; the load average says how much.
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    println!();
    println!("planc front-end benchmark: {packages} packages, {} files, {:.1} MB of KDL", texts.len(), bytes as f64 / 1e6);
    println!("machine: {cores} cores, {cpu}; load average {load}");
    if let Some(run) = all_runs().next() {
        println!("`planc check` summary: {}", run.summary);
    }
    println!();
    println!("| measure                                   | result       | target     |");
    println!("|-------------------------------------------|--------------|------------|");
    println!("| parse throughput, 1 thread (best/median)  | {:>4.0}/{:<4.0} MB/s | ≥ 100 MB/s |", parse_best, parse_median);
    println!("| cold `planc check`, wall (median of 3)    | {:>9.2} s  | ≤ 1 s      |", check_wall.as_secs_f64());
    let paused_label = format!("  each after a {} s pause (median of 3)", PAUSE.as_secs());
    println!("| {paused_label:<41} | {:>9.2} s  | ≤ 1 s      |", paused_wall.as_secs_f64());
    println!("| cold `planc check`, CPU user+sys (median) | {:>9.2} s  |            |", check_cpu.as_secs_f64());
    println!("|   of which system (median)                | {:>9.2} s  |            |", check_sys.as_secs_f64());
    println!("| cold `planc check`, peak RSS (max of 6)   | {:>8.0} MiB | ≤ 1024 MiB |", rss_kib as f64 / 1024.0);
    println!("| in-process open + first check             | {:>12} |            |", ms(open));
    println!("| re-check, edit keeping the graph (med. {EDITS}) | {:>12} | ≤ 20 ms    |", ms(recheck));
    println!("|   front end only (median)                 | {:>12} |            |", ms(median(front_rechecks)));
    println!("|   of which `diagnostics()` (median)       | {:>12} |            |", ms(median(diagnostics_only)));
    println!("|   slowest of the {EDITS} edits                 | {:>12} |            |", ms(*rechecks.iter().max().expect("edits")));
    println!("| re-check, edit changing the graph (med. {GRAPH_EDITS}) | {:>12} |            |", ms(median(graph_rechecks)));
}

/// The allocator of the `planc` binary, so that in-process figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
