//! `Workspace`: an action's work dir (`STATE/work/ID/`): `src/` (the source, also the
//! commands' cwd and `HOME`'s parent), `sysroot/` (consumed outputs), `out/NAME/` (each
//! output), plus the command templates' expansion and the action's environment.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use compiler::dag::Action;

use crate::work_pool::{WorkPool, names};

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

#[cfg(test)]
mod tests;
