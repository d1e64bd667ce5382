//! `Trash`: where finished work dirs go until the end of the run.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
