//! `Workspace`: an action's work dir (`STATE/work/ID/`): `src/` (the source, also the
//! commands' cwd and `HOME`'s parent), `sysroot/` (consumed outputs), `out/NAME/` (each
//! output), plus the command templates' expansion and the action's environment.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use compiler::dag::Action;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkspaceError {
    #[error("unknown variable `${{{var}}}` in a command of `{action}`\nhelp: known ones are `${{out}}`, `${{out.NAME}}`, `${{jobs}}` and `${{sysroot}}`; write `$VAR` for a shell variable")]
    UnknownVariable { action: String, var: String },
    #[error("unterminated `${{` in a command of `{action}`")]
    Unterminated { action: String },
    #[error("`${{out}}` in `{action}`, which has no output")]
    NoOutput { action: String },
}

pub struct Workspace {
    pub root: PathBuf,
    pub src: PathBuf,
    pub sysroot: PathBuf,
    pub outputs: Vec<(String, PathBuf)>,
}

/// A file-name-safe form of an action id.
pub fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._@+-".contains(c) { c } else { '_' })
        .collect()
}

impl Workspace {
    /// Where `action` works under `work_root`; nothing is created.
    pub fn locate(work_root: &Path, action: &Action) -> Workspace {
        let root = work_root.join(safe_name(&action.id));
        Workspace {
            src: root.join("src"),
            sysroot: root.join("sysroot"),
            outputs: action.outputs.iter().map(|o| (o.name.clone(), root.join("out").join(safe_name(&o.name)))).collect(),
            root,
        }
    }

    /// Moves what a previous attempt left to the trash and lays out the work dir: an
    /// idle skeleton from `pool`, renamed to `root`, with one empty dir per output.
    pub fn create(&self, pool: &WorkPool) -> io::Result<()> {
        pool.trash.take(&self.root)?;
        let skeleton = pool.take()?;
        if let Err(e) = fs::rename(&skeleton, &self.root) {
            pool.trash.take(&skeleton)?;
            return Err(e);
        }
        let out = self.root.join("out");
        let mut have = names(&out)?;
        for (_, dir) in &self.outputs {
            let name = dir.file_name().unwrap_or_default();
            if let Some(i) = have.iter().position(|h| h == name) {
                have.swap_remove(i);
            } else if let Some(spare) = have.pop() {
                fs::rename(out.join(spare), dir)?;
            } else {
                fs::create_dir(dir)?;
            }
        }
        for extra in have {
            pool.trash.take(&out.join(extra))?;
        }
        Ok(())
    }

    /// After a successful attempt: moves everything the action left to the trash and
    /// gives the empty skeleton back to `pool`.
    pub fn retire(&self, pool: &WorkPool) -> io::Result<()> {
        pool.give(&self.root)
    }

    /// Expands `${out}`, `${out.NAME}`, `${jobs}` and `${sysroot}`; `$VAR` and `$(…)`
    /// are left to the shell.
    pub fn expand(&self, action: &Action, template: &str, jobs: usize) -> Result<String, WorkspaceError> {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let end = after.find('}').ok_or_else(|| WorkspaceError::Unterminated { action: action.id.clone() })?;
            let var = &after[..end];
            match var {
                "out" => {
                    // The output named after the package, else the first.
                    let o = self
                        .outputs
                        .iter()
                        .find(|(n, _)| *n == action.package)
                        .or(self.outputs.first())
                        .ok_or_else(|| WorkspaceError::NoOutput { action: action.id.clone() })?;
                    out.push_str(&o.1.to_string_lossy());
                }
                "jobs" => out.push_str(&jobs.to_string()),
                "sysroot" => out.push_str(&self.sysroot.to_string_lossy()),
                _ => match var.strip_prefix("out.").and_then(|n| self.outputs.iter().find(|(o, _)| o == n)) {
                    Some((_, p)) => out.push_str(&p.to_string_lossy()),
                    None => return Err(WorkspaceError::UnknownVariable { action: action.id.clone(), var: var.into() }),
                },
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The whole environment of the action's commands: nothing of planc's own.
    pub fn env(&self, action: &Action, final_stages: &[&str], tool_dirs: &[PathBuf]) -> Vec<(OsString, OsString)> {
        let mut env: Vec<(OsString, OsString)> =
            action.env.iter().map(|(k, v)| (k.into(), v.into())).collect();
        let mut path = OsString::from(self.sysroot.join("bin"));
        for t in tool_dirs {
            path.push(":");
            path.push(t);
        }
        env.push(("PATH".into(), path));
        env.push(("HOME".into(), self.root.clone().into()));
        env.push(("PLANC_STAGE".into(), action.stage.clone().into()));
        if !final_stages.contains(&action.stage.as_str()) {
            env.push(("DEB_STAGE".into(), action.stage.clone().into()));
        }
        env.push(("DEB_BUILD_PROFILES".into(), action.profiles.join(" ").into()));
        env
    }
}

/// The names in a directory.
fn names(dir: &Path) -> io::Result<Vec<OsString>> {
    fs::read_dir(dir)?.map(|e| e.map(|e| e.file_name())).collect()
}

/// Idle work dir skeletons (`STATE/work/.slot-N/`, each holding empty `src/`,
/// `sysroot/bin/` and `out/`), so that an action's work dir is a rename away instead
/// of half a dozen new directories: on ext4 without a journal every new inode costs a
/// scan past the recently freed ones, and a run of trivial actions spends most of its
/// time there.
pub struct WorkPool {
    work_root: PathBuf,
    pub trash: Trash,
    idle: Mutex<Vec<PathBuf>>,
    next: AtomicU64,
}

impl WorkPool {
    /// The skeletons a previous run left under `work_root` are reused (emptied first).
    pub fn open(work_root: &Path) -> WorkPool {
        let trash = Trash::new(work_root);
        let mut idle = Vec::new();
        let mut next = 0;
        for name in names(work_root).unwrap_or_default() {
            let Some(n) = name.to_str().and_then(|n| n.strip_prefix(".slot-")).and_then(|n| n.parse::<u64>().ok()) else {
                continue;
            };
            next = next.max(n + 1);
            let dir = work_root.join(&name);
            match empty_skeleton(&dir, &trash) {
                Ok(()) => idle.push(dir),
                Err(_) => {
                    let _ = trash.take(&dir);
                }
            }
        }
        WorkPool { work_root: work_root.to_owned(), trash, idle: Mutex::new(idle), next: AtomicU64::new(next) }
    }

    fn take(&self) -> io::Result<PathBuf> {
        if let Some(dir) = self.idle.lock().expect("work pool poisoned").pop() {
            return Ok(dir);
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let dir = self.work_root.join(format!(".slot-{n}"));
        self.trash.take(&dir)?;
        fs::create_dir_all(dir.join("src"))?;
        fs::create_dir_all(dir.join("sysroot").join("bin"))?;
        fs::create_dir_all(dir.join("out"))?;
        Ok(dir)
    }

    /// Empties `dir` (a work dir) into the trash and keeps it as an idle skeleton; one
    /// that cannot be emptied goes to the trash whole.
    fn give(&self, dir: &Path) -> io::Result<()> {
        if empty_skeleton(dir, &self.trash).is_err() {
            return self.trash.take(dir);
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = self.work_root.join(format!(".slot-{n}"));
        fs::rename(dir, &slot)?;
        self.idle.lock().expect("work pool poisoned").push(slot);
        Ok(())
    }
}

/// Moves everything but the skeleton (`src/`, `sysroot/bin/`, `out/` and the output
/// dirs in it) to the trash.
fn empty_skeleton(dir: &Path, trash: &Trash) -> io::Result<()> {
    let skeleton = |name: &OsString| ["src", "sysroot", "out"].contains(&name.to_str().unwrap_or(""));
    for name in names(dir)? {
        if !skeleton(&name) {
            trash.take(&dir.join(name))?;
        }
    }
    let out = dir.join("out");
    for d in [dir.join("src"), dir.join("sysroot"), dir.join("sysroot").join("bin")]
        .into_iter()
        .chain(names(&out)?.into_iter().map(|n| out.join(n)))
    {
        if !fs::symlink_metadata(&d)?.is_dir() {
            return Err(io::Error::other("not a directory"));
        }
        for name in names(&d)? {
            if d.ends_with("sysroot") && name == "bin" {
                continue;
            }
            trash.take(&d.join(name))?;
        }
    }
    Ok(())
}

/// Where finished work dirs go until the end of the run (`STATE/work/.trash/`).
///
/// Deleting a work dir right after its action frees its inodes, and on ext4 without a
/// journal every later inode allocation skips the inodes freed in the last minute or
/// more (`recently_deleted`): deleting as we go makes a run's file creations quadratic.
/// A rename frees nothing; the trash is emptied once, after the last action (and at
/// the start of a run, for what a killed run left).
pub struct Trash {
    dir: PathBuf,
    next: AtomicU64,
}

impl Trash {
    pub fn new(work_root: &Path) -> Trash {
        Trash { dir: work_root.join(".trash"), next: AtomicU64::new(0) }
    }

    /// Moves `path` (if it exists) into the trash.
    pub fn take(&self, path: &Path) -> io::Result<()> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let dest = self.dir.join(n.to_string());
        match fs::rename(path, &dest) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !path.exists() => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&self.dir)?;
                fs::rename(path, &dest)
            }
            // Another file system or an odd name: delete it now.
            Err(_) => {
                let removed = match fs::symlink_metadata(path) {
                    Ok(m) if m.is_dir() => fs::remove_dir_all(path),
                    _ => fs::remove_file(path),
                };
                match removed {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Deletes everything in the trash.
    pub fn empty(&self) -> io::Result<()> {
        match fs::remove_dir_all(&self.dir) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;
