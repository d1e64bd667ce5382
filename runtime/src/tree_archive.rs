//! `TreeArchive`: a directory as a deterministic tar stream (sorted entries, zero mtimes,
//! uid/gid 0, no owner names), the unit the cache stores and images are made of.
//!
//! The sha256 of the uncompressed stream is the tree's content hash: two trees with the
//! same files, symlinks and executable bits have the same hash, wherever they live and
//! whenever they were written.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum TreeArchiveError {
    #[error("cannot read `{path}`: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("`{path}` is neither a file, a directory nor a symlink")]
    Special { path: PathBuf },
    #[error("cannot unpack into `{dest}`: {source}")]
    Unpack { dest: PathBuf, source: io::Error },
}

/// The uncompressed canonical tar stream of a directory and its content hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeArchive {
    pub tar: Vec<u8>,
    pub digest: Digest,
}

impl TreeArchive {
    /// Packs `dir` (which must exist). Entry names are relative to `dir`.
    pub fn pack(dir: &Path) -> Result<TreeArchive, TreeArchiveError> {
        let mut builder = tar::Builder::new(Vec::new());
        builder.follow_symlinks(false);
        append_dir(&mut builder, dir, Path::new(""))?;
        let tar = builder
            .into_inner()
            .map_err(|source| TreeArchiveError::Read { path: dir.to_owned(), source })?;
        let digest = Digest::of(&tar);
        Ok(TreeArchive { tar, digest })
    }

    /// Unpacks a tar stream into `dest` (created if missing), over what is there.
    pub fn unpack(tar: &[u8], dest: &Path) -> Result<(), TreeArchiveError> {
        unpack_reader(tar, dest)
    }

    /// The regular files of a tar stream with their content hashes, sorted by path;
    /// symlinks appear as `-> TARGET` hashes of their target.
    pub fn files(tar: &[u8]) -> io::Result<Vec<(String, Digest)>> {
        let mut archive = tar::Archive::new(tar);
        let mut out = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.to_string_lossy().into_owned();
            let kind = entry.header().entry_type();
            if kind.is_file() {
                let mode = entry.header().mode()?;
                let mut digest = Digest::of_reader(&mut entry)?;
                if mode & 0o111 != 0 {
                    // The executable bit is part of a file's identity.
                    digest = Digest::of(&[&digest.0[..], b"x"].concat());
                }
                out.push((path, digest));
            } else if kind.is_symlink() {
                let target = entry.link_name()?.unwrap_or_default().to_string_lossy().into_owned();
                out.push((path, Digest::of(format!("-> {target}").as_bytes())));
            }
        }
        out.sort();
        Ok(out)
    }
}

/// Unpacks any tar stream (the cache's, or a source archive's) into `dest`.
pub(crate) fn unpack_reader(reader: impl io::Read, dest: &Path) -> Result<(), TreeArchiveError> {
    let err = |source| TreeArchiveError::Unpack { dest: dest.to_owned(), source };
    fs::create_dir_all(dest).map_err(err)?;
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_overwrite(true);
    archive.unpack(dest).map_err(err)
}

fn append_dir(
    builder: &mut tar::Builder<Vec<u8>>,
    dir: &Path,
    rel: &Path,
) -> Result<(), TreeArchiveError> {
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| TreeArchiveError::Read { path, source }
    };
    let mut entries = fs::read_dir(dir)
        .map_err(read_err(dir))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err(dir))?;
    entries.sort();
    for name in entries {
        let path = dir.join(&name);
        let rel = rel.join(&name);
        let meta = fs::symlink_metadata(&path).map_err(read_err(&path))?;
        let mut header = tar::Header::new_gnu();
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(read_err(&path))?;
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_mode(0o777);
            header.set_size(0);
            builder.append_link(&mut header, &rel, &target).map_err(read_err(&path))?;
        } else if ft.is_dir() {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
            header.set_size(0);
            builder.append_data(&mut header, &rel, io::empty()).map_err(read_err(&path))?;
            append_dir(builder, &path, &rel)?;
        } else if ft.is_file() {
            let exec = meta.permissions().mode() & 0o111 != 0;
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(if exec { 0o755 } else { 0o644 });
            header.set_size(meta.len());
            let file = fs::File::open(&path).map_err(read_err(&path))?;
            builder.append_data(&mut header, &rel, file).map_err(read_err(&path))?;
        } else {
            return Err(TreeArchiveError::Special { path });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
