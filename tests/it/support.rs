//! Shared helpers: running the built `planc`, finding the data-driven cases, snapshot
//! settings and scratch directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/data`, where the plan snippets live.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The built binary, with the environment every test runs it in: no colour, 100 columns.
pub fn planc(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_planc"));
    command.current_dir(cwd).env("NO_COLOR", "1").env("COLUMNS", "100").env_remove("CLICOLOR_FORCE");
    command
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(command: &mut Command) -> Run {
    let Output { status, stdout, stderr } = command.output().expect("cannot run the planc binary");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// One data-driven case: `NNNN_name.kdl`, or a directory `NNNN_name/` holding `plan.kdl`,
/// other plan files and optionally `args` (extra command-line arguments, one a line,
/// resolved from the case's folder, e.g. `--overlay` and `0005_overlay/overlay.kdl`).
pub struct Case {
    /// `NNNN_name`, also the snapshot's name.
    pub name: String,
    /// The folder holding the case (`tests/data/err`); planc runs there.
    pub folder: PathBuf,
    /// The path passed to `planc check`, relative to `folder`.
    pub target: String,
    pub args: Vec<String>,
}

impl Case {
    /// The snippet file, or the directory's `plan.kdl`.
    pub fn root_file(&self) -> PathBuf {
        let path = self.folder.join(&self.target);
        if path.is_dir() { path.join("plan.kdl") } else { path }
    }

    /// `planc check` of this case.
    pub fn check(&self) -> Run {
        run(planc(&self.folder).arg("check").arg(&self.target).args(&self.args))
    }
}

/// Every case in `tests/data/<folder>`, sorted by name.
pub fn cases(folder: &str) -> Vec<Case> {
    let folder = data_dir().join(folder);
    let mut cases: Vec<Case> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter_map(|path| {
            let file_name = path.file_name()?.to_str()?.to_string();
            if path.is_dir() {
                let args = match std::fs::read_to_string(path.join("args")) {
                    Ok(text) => text.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect(),
                    Err(_) => Vec::new(),
                };
                Some(Case { name: file_name.clone(), folder: folder.clone(), target: file_name, args })
            } else {
                let name = file_name.strip_suffix(".kdl")?.to_string();
                Some(Case { name, folder: folder.clone(), target: file_name, args: Vec::new() })
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(!cases.is_empty(), "no cases in {}", folder.display());
    cases
}

/// Snapshot settings for output that lives beside the data in `folder`: no module prefix,
/// no expression, and the elapsed time of the summary line redacted.
pub fn snapshot_settings(folder: &Path) -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(folder);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(r"\(\d+(\.\d+)?(ns|µs|ms|s)\)", "([elapsed])");
    settings
}

/// Runs `check` on every case, collecting failures so that one run reports them all.
pub fn check_all(cases: &[Case], check: impl Fn(&Case)) {
    let failed: Vec<&str> = cases
        .iter()
        .filter(|case| std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(case))).is_err())
        .map(|case| case.name.as_str())
        .collect();
    assert!(failed.is_empty(), "{} of {} cases failed: {}", failed.len(), cases.len(), failed.join(", "));
}

/// A fresh, empty scratch directory under the target directory.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("planc-it").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch directory");
    dir
}

/// Copies a directory tree (plan snippets only: small, no symlinks).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create directory");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let path = entry.expect("directory entry").path();
        let target = to.join(path.file_name().expect("file name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy file");
        }
    }
}
