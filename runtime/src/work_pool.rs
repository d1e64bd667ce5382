//! `WorkPool`: idle work dir skeletons, renamed into place for each action and back
//! after it, and the trash their contents go to.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::trash::Trash;

/// The names in a directory.
pub(crate) fn names(dir: &Path) -> io::Result<Vec<OsString>> {
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

    pub(crate) fn take(&self) -> io::Result<PathBuf> {
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
    pub(crate) fn give(&self, dir: &Path) -> io::Result<()> {
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

