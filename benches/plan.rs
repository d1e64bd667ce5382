//! `planc plan` on a generated archive-shaped plan: 30,000 packages, ~500,000 dependency
//! edges, a strongly connected core of 5,000 packages; a cold run in a child process
//! (wall time, peak RSS) and re-plans in the same process after editing one file, in the
//! core and outside it, with what the re-plan reused.
//!
//! `cargo bench --bench plan` (PLANC_BENCH_N sets the package count).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use compiler::{Db, Session, SessionConfig};

/// xorshift: deterministic input.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Writes the plan: `per_file` packages a file. Packages below `core` depend on each
/// other at random (the cycle core); the rest only on lower-numbered ones. Each package
/// has a `-dev` output depending on its `-lib` output, and a `-doc` output under
/// `<!nodoc>`, which stage1 (`nodoc`) leaves out.
fn generate(dir: &Path, n: usize, core: usize, per_file: usize) -> u64 {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut root = String::from(
        "plan \"archive\" {\n    stages \"stage1\"\n    stage \"stage1\" { profiles \"nocheck\" \"nodoc\" }\n}\nseed \"base\" { from-host \"cc\" \"make\" \"sh\" }\n",
    );
    std::fs::create_dir_all(dir.join("pkgs")).expect("create the plan directory");
    let mut edges = 0;
    for f in 0..n.div_ceil(per_file) {
        let mut text = String::new();
        for i in f * per_file..((f + 1) * per_file).min(n) {
            let mut deps: Vec<usize> = (0..12 + rng.below(9))
                .map(|_| if i < core { rng.below(core) } else { rng.below(i.max(1)) })
                .filter(|&j| j != i)
                .collect();
            deps.sort_unstable();
            deps.dedup();
            // Every entry of `build-depends` is an edge: the two tools and the packages.
            edges += 2 + deps.len() as u64;
            let _ = write!(text, "package \"p{i}\" version=\"1.{}-{}\" {{\n    build-depends \"cc\" \"make\"", i % 7, i % 3);
            for d in &deps {
                // In the core, needs on later packages are dropped at stage1 (as an
                // archive's `<!stage1>` annotations would), so stage1 is acyclic and the
                // cycles at final are broken by redirects.
                let annotation = if i < core && *d > i { " <!stage1>" } else { "" };
                let _ = write!(text, " \"p{d}-dev{annotation}\"");
            }
            text.push('\n');
            // Documentation needs point down: `final` has no stage below it that builds
            // documentation, so a cycle of them would be one no stage can break.
            if i < core && i % 3 == 0 && i > 0 {
                let _ = writeln!(text, "    build-depends \"p{}-doc\" when=\"<!nodoc>\"", i / 2);
                edges += 1;
            }
            let _ = writeln!(
                text,
                "    output \"p{i}-dev\" {{ depends \"p{i}-lib\"; }}\n    output \"p{i}-lib\"\n    output \"p{i}-doc\" when=\"<!nodoc>\"\n    build {{ run \"make -j${{jobs}}\"; }}\n}}"
            );
        }
        std::fs::write(dir.join(format!("pkgs/f{f}.kdl")), text).expect("write a plan file");
        let _ = writeln!(root, "import \"./pkgs/f{f}.kdl\"");
    }
    std::fs::write(dir.join("plan.kdl"), root).expect("write plan.kdl");
    edges
}

fn main() {
    let n: usize = std::env::var("PLANC_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(30_000);
    // PLANC_BENCH_DIR keeps the generated plan there (for profiling); by default it is a
    // temporary directory, removed at the end.
    let keep = std::env::var_os("PLANC_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("planc-bench-plan-{}", std::process::id())));
    let edges = generate(&dir, n, n / 6, 100);
    println!("plan: {n} packages, {edges} build-dependency edges, a core of {} packages", n / 6);

    // Cold, in a child process, as a user runs it: wall time and peak RSS.
    let planc = env!("CARGO_BIN_EXE_planc");
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", planc, "plan", "--format", "stats"])
        .arg(&dir)
        .output()
        .or_else(|_| Command::new(planc).args(["plan", "--format", "stats"]).arg(&dir).output())
        .expect("run planc");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let rss_kib: Option<u64> = stderr.lines().last().and_then(|l| l.trim().parse().ok());
    println!("cold `planc plan`: {:.2} s wall, peak RSS {}", wall.as_secs_f64(), rss_kib.map_or("unknown".into(), |k| format!("{} MiB", k / 1024)));
    println!("{}", String::from_utf8_lossy(&out.stdout).trim_end());
    if !out.status.success() {
        let lines: Vec<&str> = stderr.lines().collect();
        println!("planc plan failed; the end of its report:\n{}", lines[lines.len().saturating_sub(8)..].join("\n"));
    }

    // In process: plan, then change one package's dependencies and plan again; first in
    // the core (its component is solved again), then outside it (every component is
    // reused). Each edit adds a dependency on a package numbered lower, as most are.
    let session_config = SessionConfig { threads: 2, ..SessionConfig::default() };
    let mut session = Session::open(&dir, &session_config).expect("open the plan");
    let start = Instant::now();
    let first = session.plan();
    println!("in-process plan: {:.2} s", start.elapsed().as_secs_f64());
    let last = n.div_ceil(100) - 1;
    for (what, file, dep) in [("in the core", 0, "p9-dev"), ("outside the core", last, "p29000-dev")] {
        let file = dir.join(format!("pkgs/f{file}.kdl"));
        let name = file.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).expect("read a plan file").replacen("\"make\"", &format!("\"make\" \"{dep}\""), 1);
        let memo = |s: &Session| {
            let m = s.db().plan_memo().lock().expect("the memo");
            (m.fas_counts(), m.choice_counts())
        };
        let ((hits0, solved0), (reused0, made0)) = memo(&session);
        let start = Instant::now();
        session.set_text(&name, &text);
        let again = session.plan();
        let elapsed = start.elapsed();
        let ((hits, solved), (reused, made)) = memo(&session);
        println!(
            "re-plan after editing one package's dependencies {what}: {:.2} s; components reused {}, solved {}; instances' choices reused {}, made {}",
            elapsed.as_secs_f64(),
            hits - hits0,
            solved - solved0,
            reused - reused0,
            made - made0,
        );
        assert!(again.is_some_and(|o| o.dag.is_some()) && first.as_ref().is_some_and(|o| o.dag.is_some()), "the edited plan plans");
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The allocator of the `planc` binary, so that in-process figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
