//! The import graph: which files make up a plan, and the import diagnostics.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::db::Db;
use crate::diagnostic::{Diagnostic, FileName};
use crate::diagnostic_kind::DiagnosticKind;
use crate::front::lower_file;
use crate::ir::{PlanRoot, SourceFile};
use crate::items::Import;
use crate::stdlib;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanFiles {
    /// Every file of the plan once: the root, then imports depth first, then overlays.
    pub files: Vec<SourceFile>,
    /// Imported names the workspace has not loaded yet; drivers load them and ask again.
    pub wanted: Vec<FileName>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The file name an import refers to: `std:NAME`, or a path relative to the importer.
pub fn import_target(importer: &str, target: &str) -> Result<FileName, String> {
    if let Some(module) = target.strip_prefix("std:") {
        return Ok(format!("std:{module}").into());
    }
    if importer.starts_with("std:") {
        return Err("stdlib modules import only other `std:` modules".into());
    }
    if target.is_empty() {
        return Err("the path is empty".into());
    }
    let base = Path::new(importer).parent().unwrap_or(Path::new(""));
    let joined = base.join(target);
    Ok(normalize(&joined).to_string_lossy().into_owned().into())
}

/// Removes `.` and resolves `..` lexically (files may exist only in an editor's memory).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                match last {
                    Some(Component::Normal(_)) => {
                        out.pop();
                    }
                    Some(Component::RootDir) => {}
                    _ => out.push(".."),
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A file's imports alone. An edit that keeps them (most edits: imports come first, and a
/// change below them does not move them) leaves this equal, so salsa backdates it and
/// `plan_files`, which reads every file's imports, is not walked again.
#[salsa::tracked]
pub fn file_imports(db: &dyn Db, file: SourceFile) -> Arc<Vec<Import>> {
    Arc::new(lower_file(db, file).imports.clone())
}

#[salsa::tracked]
pub fn plan_files(db: &dyn Db, root: PlanRoot) -> Arc<PlanFiles> {
    let workspace = root.workspace(db);
    let loaded = workspace.files(db);
    let unreadable = workspace.unreadable(db);
    let root_file = root.root(db);
    let mut out = PlanFiles::default();
    let mut visited: HashSet<SourceFile> = HashSet::new();
    let mut wanted: HashSet<FileName> = HashSet::new();

    // Iterative depth-first walk; `stack` holds (file, next import index).
    visited.insert(root_file);
    out.files.push(root_file);
    let mut stack: Vec<(SourceFile, usize)> = vec![(root_file, 0)];
    let overlays = root.overlays(db);
    loop {
        let is_root = stack.len() == 1;
        let Some((file, next)) = stack.last_mut() else { break };
        let file = *file;
        let imports = file_imports(db, file);
        let import_count = imports.len();
        if *next >= import_count + if is_root { overlays.len() } else { 0 } {
            stack.pop();
            continue;
        }
        let index = *next;
        *next += 1;
        let child = if index < import_count {
            let import = &imports[index];
            let importer = file.name(db);
            let name = match import_target(importer, &import.target.text) {
                Ok(name) => name,
                Err(reason) => {
                    out.diagnostics.push(Diagnostic::new(
                        DiagnosticKind::ImportNotFound { path: import.target.text.to_string(), reason: Some(reason) },
                        importer,
                        import.target.span,
                    ));
                    continue;
                }
            };
            if let Some(module) = name.strip_prefix("std:")
                && stdlib::module(module).is_none()
            {
                out.diagnostics.push(Diagnostic::new(
                    DiagnosticKind::UnknownStdModule { name: module.to_string(), available: stdlib::module_names() },
                    importer,
                    import.target.span,
                ));
                continue;
            }
            match loaded.get(&name) {
                Some(&child) => {
                    if let Some(pos) = stack.iter().position(|(f, _)| *f == child) {
                        let mut chain: Vec<String> = stack[pos..].iter().map(|(f, _)| f.name(db).to_string()).collect();
                        chain.push(child.name(db).to_string());
                        out.diagnostics.push(Diagnostic::new(
                            DiagnosticKind::ImportCycle { chain },
                            importer,
                            import.target.span,
                        ));
                        continue;
                    }
                    child
                }
                None => {
                    let reason = unreadable.get(&name).cloned();
                    if reason.is_none() && wanted.insert(name.clone()) {
                        out.wanted.push(name.clone());
                    }
                    out.diagnostics.push(Diagnostic::new(
                        DiagnosticKind::ImportNotFound { path: import.target.text.to_string(), reason },
                        importer,
                        import.target.span,
                    ));
                    continue;
                }
            }
        } else {
            // Overlays are imported by the root, after its own imports.
            overlays[index - import_count]
        };
        if visited.insert(child) {
            out.files.push(child);
            stack.push((child, 0));
        }
    }
    Arc::new(out)
}
