//! A checked plan held in a database: loads the root file and everything it imports, and
//! takes edits. The CLI uses one for a single check; the language server keeps one alive.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use salsa::Setter;

use crate::check::{check_file, plan_diagnostics, seeds_used};
use crate::db::Database;
use crate::diagnostic::{Diagnostic, FileName};
use crate::index::{file_names, name_index};
use crate::outcome::PlanOutcome;
use crate::threads::map_in_shares;
use crate::merged::{merged_plan, MergedPlan};
use crate::planner::{plan_check, plan_outcome};
use crate::ir::{PlanRoot, SourceFile, Workspace};
use crate::plan_files::{normalize, plan_files};
use crate::stdlib;

/// Options of a session.
#[derive(Clone, Debug, Default)]
pub struct SessionConfig {
    /// Files added as if the root plan imported them (`--overlay`).
    pub overlays: Vec<PathBuf>,
    /// Global build profiles (`--profile`).
    pub profiles: Vec<String>,
    /// Threads used to parse files on first load (at least 1).
    pub threads: usize,
}

/// Why a session could not start: the root file itself is unusable.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
}

/// Counts for the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanSummary {
    pub files: usize,
    pub packages: usize,
    pub outputs: usize,
}

pub struct Session {
    db: Database,
    workspace: Workspace,
    root: PlanRoot,
    threads: usize,
    /// Whether the plan was ever merged for planning alongside the front end (see
    /// `front_and_merge`).
    merged_early: std::sync::atomic::AtomicBool,
    /// Planning's large results as the session last saw them, so that they are freed
    /// off the edit's path (see [`Retained`]).
    retained: Mutex<Retained>,
}

/// Planning's large results, held so that salsa never frees them itself.
///
/// Salsa frees a memo that a query's re-execution replaced at the start of the next
/// revision, that is inside the next edit's `set_text`: for the merged plan of the
/// 30,000-package bench plan that was 44 ms of every front-end re-check (a profile of
/// `PLANC_BENCH_STEPS=recheck`), three times the rest of it. The session keeps its own
/// reference to each value it sees; salsa's release then only lowers a count, and the
/// edit hands the values no longer current to a thread that frees them meanwhile.
#[derive(Default)]
struct Retained {
    merged: Option<Arc<MergedPlan>>,
    outcome: Option<Arc<PlanOutcome>>,
    /// Values that a newer one replaced: salsa has let go of them, or does at the next
    /// revision.
    replaced: Vec<Box<dyn Send>>,
}

impl Retained {
    /// Keeps `value` as the latest of its query; the one it replaces waits for the next
    /// edit.
    fn keep<T: Send + Sync + 'static>(slot: &mut Option<Arc<T>>, replaced: &mut Vec<Box<dyn Send>>, value: &Arc<T>) {
        if let Some(old) = slot.replace(value.clone())
            && !Arc::ptr_eq(&old, value)
        {
            replaced.push(Box::new(old));
        }
    }
}

/// The plan file a path names: the path itself, or `plan.kdl` inside a directory.
pub fn root_file_path(path: &Path) -> PathBuf {
    if path.is_dir() { path.join("plan.kdl") } else { path.to_path_buf() }
}

fn display_name(path: &Path) -> FileName {
    normalize(path).to_string_lossy().into_owned().into()
}

/// Reads a plan file as text; a file that is not UTF-8 is refused with the offset.
fn read_text(name: &str) -> Result<String, String> {
    if let Some(module) = name.strip_prefix("std:") {
        return stdlib::module(module).map(str::to_string).ok_or_else(|| "no such stdlib module".into());
    }
    let bytes = std::fs::read(name).map_err(|e| io_reason(&e))?;
    String::from_utf8(bytes).map_err(|e| format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => {
            // `Is a directory (os error 21)`: the OS's words, without the number.
            let text = e.to_string().to_lowercase();
            match text.rfind(" (os error ") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

/// The front end's diagnostics followed by planning's.
fn with_planning(front: &Arc<Vec<Diagnostic>>, planning: &[Diagnostic]) -> Arc<Vec<Diagnostic>> {
    if planning.is_empty() {
        return front.clone();
    }
    let mut all = (**front).clone();
    all.extend(planning.iter().cloned());
    Arc::new(all)
}

impl Session {
    /// Opens the plan at `path` (a file, or a directory holding `plan.kdl`) and loads
    /// everything it imports.
    pub fn open(path: &Path, config: &SessionConfig) -> Result<Session, LoadError> {
        Session::open_with(Database::new(), path, config)
    }

    /// Like [`Session::open`], on a given database (e.g. one that logs executions).
    pub fn open_with(db: Database, path: &Path, config: &SessionConfig) -> Result<Session, LoadError> {
        let root_path = root_file_path(path);
        let root_name = display_name(&root_path);
        let text = read_text(&root_name)
            .map_err(|reason| LoadError::Unreadable { path: root_name.to_string(), reason })?;
        let mut files = BTreeMap::new();
        let root_file = SourceFile::new(&db, root_name.clone(), text.into());
        files.insert(root_name, root_file);
        let mut overlays = Vec::new();
        for overlay in &config.overlays {
            let name = display_name(overlay);
            let text = read_text(&name)
                .map_err(|reason| LoadError::Unreadable { path: name.to_string(), reason })?;
            let file = SourceFile::new(&db, name.clone(), text.into());
            files.insert(name, file);
            overlays.push(file);
        }
        let workspace = Workspace::new(&db, Arc::new(files), Arc::default());
        let root = PlanRoot::new(&db, workspace, root_file, overlays, config.profiles.clone());
        let mut session = Session {
            db,
            workspace,
            root,
            threads: config.threads.max(1),
            merged_early: Default::default(),
            retained: Default::default(),
        };
        crate::timing::pass("load and parse", || {
            session.prefetch(&session.plan_files_now());
            session.load_imports();
        });
        Ok(session)
    }

    fn plan_files_now(&self) -> Vec<SourceFile> {
        plan_files(&self.db, self.root).files.clone()
    }

    /// The front end's diagnostics, the files checked on several threads first. The
    /// first time, the plan is also merged for planning on another thread meanwhile (a
    /// cold check needs it whenever the front end finds no errors, the common case).
    /// Later calls do not: after an edit the front end takes milliseconds, and waiting for
    /// a merge that front-end errors make useless would slow an editor down.
    fn front_and_merge(&self) -> Arc<Vec<Diagnostic>> {
        if self.threads <= 1 || self.merged_early.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return self.front();
        }
        std::thread::scope(|scope| {
            let db = self.db.clone();
            let root = self.root;
            scope.spawn(move || {
                merged_plan(&db, root);
            });
            self.front()
        })
    }

    /// The front end's diagnostics, the files checked on several threads first.
    fn front(&self) -> Arc<Vec<Diagnostic>> {
        let files = self.plan_files_now();
        if self.threads > 1 && files.len() >= 2 {
            // Every file's check reads the name index: build it once, before the threads.
            crate::timing::pass("check: name index", || name_index(&self.db, self.root));
            let root = self.root;
            self.on_threads(&files, |db, file| {
                check_file(db, root, file);
                seeds_used(db, root, file);
            });
        }
        plan_diagnostics(&self.db, self.root).clone()
    }

    /// Lowers files on several threads so that the sequential import walk finds them done.
    fn prefetch(&self, files: &[SourceFile]) {
        if self.threads > 1 && files.len() >= 2 {
            // Each file's names too, so that the name index (which every file's check
            // waits for) only gathers them.
            self.on_threads(files, |db, file| {
                file_names(db, file);
            });
        }
    }

    /// Runs `query` on every file on the session's threads; salsa memoizes what it
    /// computes, so the callers then find the results done.
    fn on_threads(&self, files: &[SourceFile], query: impl Fn(&Database, SourceFile) + Sync) {
        map_in_shares(self.threads, 1, files, || self.db.clone(), |db, file| query(db, *file));
    }

    /// Loads imported files until nothing new is wanted.
    fn load_imports(&mut self) {
        loop {
            let wanted = plan_files(&self.db, self.root).wanted.clone();
            if wanted.is_empty() {
                return;
            }
            let mut files = (**self.workspace.files(&self.db)).clone();
            let mut unreadable = (**self.workspace.unreadable(&self.db)).clone();
            let mut new_files = Vec::new();
            // Read (and checked as UTF-8) on the threads too: 13 MB in 300 files.
            let texts = map_in_shares(self.threads, 1, &wanted, || (), |(), name| read_text(name));
            for (name, text) in wanted.into_iter().zip(texts) {
                match text {
                    Ok(text) => {
                        let file = SourceFile::new(&self.db, name.clone(), text.into());
                        files.insert(name, file);
                        new_files.push(file);
                    }
                    Err(reason) => {
                        unreadable.insert(name, reason);
                    }
                }
            }
            self.workspace.set_files(&mut self.db).to(Arc::new(files));
            self.workspace.set_unreadable(&mut self.db).to(Arc::new(unreadable));
            self.prefetch(&new_files);
        }
    }

    /// The root file's name as shown to users.
    pub fn root_name(&self) -> &str {
        self.root.root(&self.db).name(&self.db)
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn root(&self) -> PlanRoot {
        self.root
    }

    /// The loaded file called `name`.
    pub fn file(&self, name: &str) -> Option<SourceFile> {
        self.workspace.files(&self.db).get(name).copied()
    }

    /// Every file of the plan, root first.
    pub fn files(&self) -> Vec<SourceFile> {
        self.plan_files_now()
    }

    /// The text of a loaded file, for rendering diagnostics.
    pub fn text(&self, name: &str) -> Option<Arc<str>> {
        self.file(name).map(|f| f.text(&self.db).clone())
    }

    /// Replaces a file's text (an editor's unsaved buffer, or a file changed on disk) and
    /// loads whatever new imports it brings. Unchanged text is not set, so nothing re-runs.
    pub fn set_text(&mut self, name: &str, text: &str) {
        let file = self.file(name);
        if file.is_some_and(|file| **file.text(&self.db) == *text) {
            return;
        }
        let replaced = std::mem::take(&mut self.retained.get_mut().unwrap_or_else(|e| e.into_inner()).replaced);
        match file {
            Some(file) => {
                file.set_text(&mut self.db).to(text.into());
            }
            None => {
                let name: FileName = name.into();
                let file = SourceFile::new(&self.db, name.clone(), text.into());
                let mut files = (**self.workspace.files(&self.db)).clone();
                files.insert(name, file);
                self.workspace.set_files(&mut self.db).to(Arc::new(files));
            }
        }
        // The new revision has begun: salsa no longer holds the replaced values.
        if !replaced.is_empty() {
            std::thread::spawn(move || drop(replaced));
        }
        self.load_imports();
    }

    /// Records planning's results as the latest seen (see [`Retained`]).
    fn retain(&self, merged: Option<&Arc<MergedPlan>>, outcome: Option<&Arc<PlanOutcome>>) {
        let mut retained = self.retained.lock().unwrap_or_else(|e| e.into_inner());
        let Retained { merged: merged_slot, outcome: outcome_slot, replaced } = &mut *retained;
        if let Some(merged) = merged {
            Retained::keep(merged_slot, replaced, merged);
        }
        if let Some(outcome) = outcome {
            Retained::keep(outcome_slot, replaced, outcome);
        }
    }

    /// The front end's diagnostics alone (syntax, schema, names, imports): what an editor
    /// can show on every keystroke. Planning's come with [`Session::diagnostics`].
    pub fn front_diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        self.front()
    }

    /// Every diagnostic: the front end's, and planning's when the front end found no
    /// errors (planning a plan with unresolved names would only repeat them). Planning
    /// here stops short of building the DAG; [`Session::planned`] builds it.
    pub fn diagnostics(&self) -> Arc<Vec<Diagnostic>> {
        let front = crate::timing::pass("check: front end", || self.front_and_merge());
        if front.iter().any(Diagnostic::is_error) {
            return front.clone();
        }
        let planning = crate::timing::pass("check: planning", || plan_check(&self.db, self.root));
        self.retain(Some(merged_plan(&self.db, self.root)), None);
        with_planning(&front, &planning[..])
    }

    /// Every diagnostic, as [`Session::diagnostics`], and the planned campaign (`None`
    /// when the front end found errors), from one planning run.
    pub fn planned(&self) -> (Arc<Vec<Diagnostic>>, Option<Arc<PlanOutcome>>) {
        let front = crate::timing::pass("check: front end", || self.front_and_merge());
        match self.plan_after(&front) {
            Some(outcome) => (with_planning(&front, &outcome.diagnostics), Some(outcome)),
            None => (front, None),
        }
    }

    /// The planned campaign, or `None` when the front end found errors.
    pub fn plan(&self) -> Option<Arc<PlanOutcome>> {
        self.plan_after(&self.front())
    }

    /// The planned campaign, given the front end's diagnostics (`None` with errors).
    fn plan_after(&self, front: &[Diagnostic]) -> Option<Arc<PlanOutcome>> {
        if front.iter().any(Diagnostic::is_error) {
            return None;
        }
        let outcome = crate::timing::pass("plan", || plan_outcome(&self.db, self.root).clone());
        self.retain(Some(merged_plan(&self.db, self.root)), Some(&outcome));
        Some(outcome)
    }

    pub fn summary(&self) -> PlanSummary {
        let index = name_index(&self.db, self.root);
        PlanSummary {
            files: plan_files(&self.db, self.root).files.len(),
            packages: index.packages.len(),
            outputs: index.output_count,
        }
    }
}

#[cfg(test)]
mod tests;
