//! `SeedTools`: a seed's host tools, found on the host `PATH` and exposed to actions as
//! symlinks in `STATE/tools/SEED/` (only these and declared deps are on an action's
//! `PATH`), and a seed's identity hash (its archive's sha256 and each tool's sha256).

use std::fs;
use std::path::{Path, PathBuf};

use compiler::dag::Seed;

use crate::digest::Digest;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostTool {
    pub name: String,
    /// Resolved through symlinks.
    pub path: PathBuf,
    pub sha256: Digest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedTools {
    pub dir: PathBuf,
    pub tools: Vec<HostTool>,
    pub identity: Digest,
}

/// Finds `name` on the host `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

impl SeedTools {
    /// Resolves and links a seed's tools under `tools_root/SEED`; `archive_sha` is the
    /// verified hash of the seed's archive, if any.
    pub fn prepare(tools_root: &Path, seed: &Seed, archive_sha: Option<Digest>) -> Result<SeedTools, String> {
        let dir = tools_root.join(crate::workspace::safe_name(&seed.name));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        let mut tools = Vec::new();
        for name in &seed.host_tools {
            let found = which(name).ok_or_else(|| {
                format!("host tool `{name}` of seed `{}` is not on the host PATH", seed.name)
            })?;
            let path = fs::canonicalize(&found).unwrap_or(found);
            let sha256 = Digest::of_file(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let base = Path::new(name).file_name().map_or_else(|| name.into(), |n| n.to_owned());
            std::os::unix::fs::symlink(&path, dir.join(base))
                .map_err(|e| format!("cannot link host tool `{name}`: {e}"))?;
            tools.push(HostTool { name: name.clone(), path, sha256 });
        }
        let mut id = format!("seed {}\n", seed.name);
        if let Some(a) = archive_sha {
            id.push_str(&format!("archive {a}\n"));
        }
        for t in &tools {
            id.push_str(&format!("tool {} {}\n", t.name, t.sha256));
        }
        Ok(SeedTools { dir, tools, identity: Digest::of(id.as_bytes()) })
    }
}
