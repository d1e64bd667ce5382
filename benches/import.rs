//! Benchmark: `planc import debian` of the whole bullseye amd64 archive, with the time of
//! each phase and the peak resident memory. Run with `cargo bench --bench import`.
//!
//! Set `PLANC_DEBIAN_DATA` to a directory with `Sources.zst` and `Packages.zst` to
//! import another archive; the default is `../shared/data/debian-bullseye`.

use std::path::PathBuf;
use std::time::Instant;

use compiler::debian::{ImportConfig, import};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let data = std::env::var_os("PLANC_DEBIAN_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/debian-bullseye")
        });
    let out = std::env::temp_dir().join(format!("planc-bench-import-{}", std::process::id()));
    let cfg = ImportConfig {
        sources: data.join("Sources.zst"),
        packages: data.join("Packages.zst"),
        arch: "amd64".into(),
        out_dir: out.clone(),
        drop_indep: false,
        name: Some("debian-bullseye-amd64".into()),
    };
    // The first run writes every file into an empty directory; the others find them
    // unchanged (a re-import).
    for run in ["fresh", "again", "again"] {
        let start = Instant::now();
        let report = match import(&cfg) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        };
        let wall = start.elapsed();
        let phases: Vec<String> = report
            .phases
            .iter()
            .map(|p| format!("{} {:.3}s", p.name, p.duration.as_secs_f64()))
            .collect();
        println!(
            "import ({run}): {:.3}s wall [{}]; {} sources, {} binaries, seed {}, planned {}, stage1 {}, unsatisfiable {}",
            wall.as_secs_f64(),
            phases.join(", "),
            report.sources_read,
            report.binaries_read,
            report.seed_binaries,
            report.planned_sources,
            report.stage1_sources,
            report.unsatisfiable.len(),
        );
    }
    if let Some(kib) = peak_rss_kib() {
        println!("peak RSS (VmHWM): {:.1} MiB", kib as f64 / 1024.0);
    }
    let _ = std::fs::remove_dir_all(&out);
}
