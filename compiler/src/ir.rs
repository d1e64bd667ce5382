//! The salsa inputs: every file's text, the set of loaded files, and the plan's root.
//!
//! All inputs live here (salsa's `examples/calc/ir.rs` layout). Tracked functions are in
//! the phase files: `front.rs` (parse, lower), `plan_files.rs` (imports), `index.rs`
//! (names), `check.rs` (name checks and the diagnostics of a whole plan).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diagnostic::FileName;

/// One file's text. Drivers set the text only when it really changed, so that an
/// unchanged file's queries are never re-run.
#[salsa::input(debug)]
pub struct SourceFile {
    #[returns(ref)]
    pub name: FileName,
    #[returns(ref)]
    pub text: Arc<str>,
}

/// The files loaded so far, by name, and the names that could not be loaded.
#[salsa::input(debug)]
pub struct Workspace {
    #[returns(ref)]
    pub files: Arc<BTreeMap<FileName, SourceFile>>,
    /// Why a file could not be read (`permission denied`, …), for import diagnostics.
    #[returns(ref)]
    pub unreadable: Arc<BTreeMap<FileName, String>>,
}

/// A plan: its root file, the overlays added as if the root imported them, and the
/// global build profiles.
#[salsa::input(debug)]
pub struct PlanRoot {
    #[returns(copy)]
    pub workspace: Workspace,
    #[returns(copy)]
    pub root: SourceFile,
    #[returns(ref)]
    pub overlays: Vec<SourceFile>,
    #[returns(ref)]
    pub profiles: Vec<String>,
}
