//! The merged plan: every file's items together, templates applied and `extend` blocks
//! merged into their packages, sorted by name so that file and declaration order never
//! change the result.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::db::Db;
use crate::dependency::Dependency;
use crate::diagnostic::FileName;
use crate::front::lower_file;
use crate::index::plan_decl;
use crate::ir::PlanRoot;
use crate::items::{self, ArchiveRef, DepEntry, Output, PackageBody, SourceRef, StageBlock};
use crate::plan_files::{normalize, plan_files};
use crate::restriction::Formula;
use crate::syntax::Span;
use crate::threads::map_in_shares;

mod memo;
#[cfg(test)]
mod tests;

pub use memo::MergeMemo;

/// A dependency with the file it was written in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Dep {
    pub file: FileName,
    pub entry: DepEntry,
}

impl Dep {
    pub fn dep(&self) -> &Dependency {
        &self.entry.dep
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OutputDef {
    pub name: Box<str>,
    pub file: FileName,
    pub span: Span,
    pub version: Option<Box<str>>,
    pub when: Formula,
    pub depends: Vec<Dep>,
    /// Provided names with their versions (`provides "x (= 1)"`).
    pub provides: Vec<(Box<str>, Option<Box<str>>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StageDef {
    pub name: Box<str>,
    pub file: FileName,
    pub span: Span,
    pub deps: Option<Vec<Dep>>,
    pub drop: Vec<Box<str>>,
    pub outputs: Vec<OutputDef>,
    pub profiles: Vec<Box<str>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PackageDef {
    pub name: Box<str>,
    pub file: FileName,
    /// The package's name in its `package` node.
    pub span: Span,
    pub version: Option<Box<str>>,
    pub source: Option<crate::dag::Source>,
    /// The default build-dependency list: the template's, the package's, then extensions'.
    pub deps: Vec<Dep>,
    /// Declared outputs, or the one output named after the package.
    pub outputs: Vec<OutputDef>,
    pub stages: Vec<StageDef>,
    pub build: Vec<String>,
    pub check: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub timeout_secs: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SeedDef {
    pub name: Box<str>,
    pub file: FileName,
    pub span: Span,
    pub host_tools: Vec<Box<str>>,
    pub archive: Option<crate::dag::Archive>,
    /// Every name the seed provides (plain provides, host tools, outputs and their
    /// provides) with its version if any.
    pub provides: Vec<(Box<str>, Option<Box<str>>)>,
    pub outputs: Vec<OutputDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub file: FileName,
    pub item: T,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct MergedPlan {
    pub name: Box<str>,
    /// Declared stages in order (without `stage0`, `final`, `rebuild`).
    pub stages: Vec<Box<str>>,
    pub stage_profiles: HashMap<Box<str>, Vec<Box<str>>>,
    pub rebuild_tainted: bool,
    pub cycle_breaking: items::CycleBreaking,
    /// Shared, so that a patched plan (see [`MergeMemo`]) keeps every package it did not
    /// rebuild, and comparing it with the last plan is a pointer comparison for those.
    pub packages: Vec<Arc<PackageDef>>,
    pub seeds: Vec<SeedDef>,
    pub images: Vec<Located<items::Image>>,
    pub verifies: Vec<Located<items::Verify>>,
    /// The root plan file's directory; DAG paths are relative to it.
    pub root_dir: PathBuf,
}

impl MergedPlan {
    pub fn package(&self, name: &str) -> Option<usize> {
        self.packages.binary_search_by(|p| (*p.name).cmp(name)).ok()
    }
}

/// A path written in `file`, relative to the root plan's directory.
fn plan_relative(root_dir: &Path, file: &str, path: &str) -> String {
    let path = Path::new(path);
    if path.is_absolute() {
        return path.to_string_lossy().into_owned();
    }
    // Names alone (`source path="p1"`, thousands of times in a file) below a file in the
    // root's tree: the file's directory relative to the root, then the names.
    if path.components().all(|c| matches!(c, Component::Normal(_)))
        && let Some(mut out) = dir_below_root(root_dir, file)
    {
        out.extend(path.components());
        return if out.as_os_str().is_empty() { ".".into() } else { out.to_string_lossy().into_owned() };
    }
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    let full = normalize(&base.join(path));
    relative_to(root_dir, &full).to_string_lossy().into_owned()
}

/// The directory of `file` relative to `root_dir` (empty for the root's own), when it is
/// at or below it. The last answer is kept on each thread: a merge asks for one file's
/// packages one after another.
fn dir_below_root(root_dir: &Path, file: &str) -> Option<PathBuf> {
    type Last = Option<(PathBuf, String, Option<PathBuf>)>;
    thread_local!(static LAST: std::cell::RefCell<Last> = const { std::cell::RefCell::new(None) });
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if let Some((root, f, dir)) = &*last
            && root == root_dir
            && f == file
        {
            return dir.clone();
        }
        let base = normalize(Path::new(file).parent().unwrap_or(Path::new("")));
        let dir = relative_to(root_dir, &base);
        let dir = if dir.components().any(|c| c == Component::ParentDir) {
            None
        } else if dir == Path::new(".") {
            Some(PathBuf::new())
        } else {
            Some(dir)
        };
        *last = Some((root_dir.to_path_buf(), file.to_string(), dir.clone()));
        dir
    })
}

/// `target` relative to `base`, both lexically normalized and relative to the same place.
fn relative_to(base: &Path, target: &Path) -> PathBuf {
    let b: Vec<Component> = base.components().collect();
    let t: Vec<Component> = target.components().collect();
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

fn deps(file: &FileName, entries: &[DepEntry]) -> Vec<Dep> {
    with_file(file, entries).collect()
}

/// Each entry with the file it was written in.
fn with_file<'e>(file: &'e FileName, entries: &'e [DepEntry]) -> impl ExactSizeIterator<Item = Dep> + 'e {
    entries.iter().map(|e| Dep { file: file.clone(), entry: e.clone() })
}

fn output_def(file: &FileName, o: &Output) -> OutputDef {
    OutputDef {
        name: o.name.text.clone(),
        file: file.clone(),
        span: o.name.span,
        version: o.version.as_ref().map(|v| v.text.clone()),
        when: o.when.clone(),
        depends: deps(file, &o.depends),
        provides: o.provides.iter().map(|p| (p.name.text.clone(), p.version.clone())).collect(),
    }
}

fn stage_def(file: &FileName, s: &StageBlock) -> StageDef {
    StageDef {
        name: s.name.text.clone(),
        file: file.clone(),
        span: s.name.span,
        deps: s.build_depends.as_ref().map(|d| deps(file, d)),
        drop: s.drop.iter().map(|d| d.text.clone()).collect(),
        outputs: s.outputs.iter().map(|o| output_def(file, o)).collect(),
        profiles: s.profiles.iter().map(|p| p.text.clone()).collect(),
    }
}

/// Merges a stage block into `stages`: drops and profiles are added, dependency lists
/// concatenated, outputs appended.
fn merge_stage(stages: &mut Vec<StageDef>, new: StageDef) {
    match stages.iter_mut().find(|s| s.name == new.name) {
        None => stages.push(new),
        Some(existing) => {
            existing.drop.extend(new.drop);
            existing.profiles.extend(new.profiles);
            existing.outputs.extend(new.outputs);
            match (&mut existing.deps, new.deps) {
                (Some(list), Some(more)) => list.extend(more),
                (slot @ None, Some(more)) => *slot = Some(more),
                (_, None) => {}
            }
        }
    }
}

/// Adds a body's lists to a package definition (templates first, then the package, then
/// extensions); scalar fields are set by the later layer when it has them.
fn apply_body(def: &mut PackageDef, file: &FileName, body: &PackageBody, root_dir: &Path) {
    // Straight into the package's list: a list of its own first was one more allocation.
    def.deps.extend(with_file(file, &body.build_depends));
    def.outputs.extend(body.outputs.iter().map(|o| output_def(file, o)));
    for stage in &body.stages {
        merge_stage(&mut def.stages, stage_def(file, stage));
    }
    if let Some(source) = &body.source {
        def.source = Some(match source {
            SourceRef::Path(p) => crate::dag::Source::Path { path: plan_relative(root_dir, file, &p.text) },
            SourceRef::Archive(a) => crate::dag::Source::Archive(archive(root_dir, file, a)),
        });
    }
    if let Some(build) = &body.build {
        def.build = build.commands.iter().map(|c| c.text.to_string()).collect();
    }
    if let Some(check) = &body.check {
        def.check = check.commands.iter().map(|c| c.text.to_string()).collect();
    }
    for (k, v) in &body.env {
        def.env.insert(k.text.to_string(), v.text.to_string());
    }
    if let Some((secs, _)) = body.timeout {
        def.timeout_secs = Some(secs);
    }
}

fn archive(root_dir: &Path, file: &FileName, a: &ArchiveRef) -> crate::dag::Archive {
    crate::dag::Archive {
        path: plan_relative(root_dir, file, &a.path.text),
        sha256: a.sha256.as_ref().map(|s| s.text.to_string()),
    }
}

/// Where a package's layers come from besides its own body, read from every file as the
/// full merge reads them: the first template of each name, and every `extend` of each
/// target in file order. The full merge and the patch (`memo.rs`) both build packages
/// through [`Layers::package_def`], so the two cannot drift apart.
pub(crate) struct Layers<'a> {
    templates: HashMap<&'a str, (&'a FileName, &'a PackageBody)>,
    extends: HashMap<&'a str, Vec<(&'a FileName, &'a PackageBody)>>,
}

impl<'a> Layers<'a> {
    pub(crate) fn new(all: &'a [(FileName, Arc<items::FileItems>)]) -> Layers<'a> {
        let mut templates: HashMap<&str, (&FileName, &PackageBody)> = HashMap::new();
        let mut extends: HashMap<&str, Vec<(&FileName, &PackageBody)>> = HashMap::new();
        for (file, items) in all {
            for t in &items.templates {
                templates.entry(&t.name.text).or_insert((file, &t.body));
            }
            for e in &items.extends {
                extends.entry(&e.target.text).or_default().push((file, &e.body));
            }
        }
        Layers { templates, extends }
    }

    /// The definition of package `p` written in `file`: its template's body, its own, the
    /// default output if it declares none, then every `extend` of it in file order.
    pub(crate) fn package_def(&self, file: &FileName, p: &items::Package, root_dir: &Path) -> PackageDef {
        let mut def = PackageDef {
            name: p.name.text.clone(),
            file: file.clone(),
            span: p.name.span,
            version: p.version.as_ref().map(|v| v.text.clone()),
            source: None,
            deps: Vec::new(),
            outputs: Vec::new(),
            stages: Vec::new(),
            build: Vec::new(),
            check: Vec::new(),
            env: BTreeMap::new(),
            timeout_secs: None,
        };
        let template = p.template.as_ref().and_then(|t| self.templates.get(&*t.text));
        let extends = self.extends.get(&*p.name.text).map_or(&[][..], Vec::as_slice);
        // Sized once: grown layer by layer, the lists of the 30,000-package bench plan
        // held a quarter more than their entries.
        let bodies = || template.map(|(_, b)| *b).into_iter().chain([&p.body]).chain(extends.iter().map(|(_, b)| *b));
        def.deps.reserve_exact(bodies().map(|b| b.build_depends.len()).sum());
        def.outputs.reserve_exact(bodies().map(|b| b.outputs.len()).sum::<usize>().max(1));
        if let Some((tfile, body)) = template {
            apply_body(&mut def, tfile, body, root_dir);
        }
        apply_body(&mut def, file, &p.body, root_dir);
        // A package that declares no output has one named after it; outputs that
        // extensions add come on top of that one.
        if def.outputs.is_empty() {
            def.outputs.push(OutputDef {
                name: def.name.clone(),
                file: def.file.clone(),
                span: def.span,
                version: None,
                when: Formula::default(),
                depends: Vec::new(),
                provides: Vec::new(),
            });
        }
        for (efile, body) in extends {
            apply_body(&mut def, efile, body, root_dir);
        }
        def
    }
}

/// The merged plan. Every file's items are read on every run, so salsa records the same
/// dependencies whichever way the result is made; when the last merge (kept in the
/// database's [`MergeMemo`]) differs from this one only in files that [`MergeMemo`]'s
/// rules allow, it is patched (about a millisecond on a 30,000-package plan) rather than
/// merged again (about 0.1 s on two cores).
#[salsa::tracked]
pub(crate) fn merged_plan(db: &dyn Db, root: PlanRoot) -> Arc<MergedPlan> {
    let files = plan_files(db, root);
    let root_name = root.root(db).name(db);
    let root_dir = Path::new(&**root_name).parent().unwrap_or(Path::new("")).to_path_buf();
    let mut header = MergedPlan { root_dir, ..MergedPlan::default() };
    if let Some(decl) = plan_decl(db, root) {
        header.name = decl.name.text.clone();
        header.stages = decl.stages.iter().map(|s| s.text.clone()).collect();
        header.rebuild_tainted = decl.rebuild_tainted;
        header.cycle_breaking = decl.cycle_breaking;
        for sp in &decl.stage_profiles {
            header.stage_profiles.entry(sp.stage.text.clone()).or_default().extend(sp.profiles.iter().map(|p| p.text.clone()));
        }
    }
    let all: Vec<(FileName, Arc<items::FileItems>)> =
        files.files.iter().map(|&f| (f.name(db).clone(), lower_file(db, f).clone())).collect();
    // A poisoned lock only means a merge panicked while holding it; the memo is then
    // forgotten, never trusted.
    let mut memo = db.merge_memo().lock().unwrap_or_else(|poisoned| {
        let mut memo = poisoned.into_inner();
        memo.forget();
        memo
    });
    // Timed here, not only around the planner's call: salsa runs this query while it
    // checks whether planning's inputs changed, before the planner asks for it.
    let plan = match crate::timing::pass("plan: merge: try a patch", || memo.patch(root, &all, &header)) {
        Some(plan) => plan,
        None => crate::timing::pass("plan: merge: in full", || Arc::new(merge(header, &all))),
    };
    memo.keep(root, all, plan.clone());
    plan
}

/// Packages in one share of the full merge's work (see [`map_in_shares`]).
const SHARE: usize = 256;

/// The full merge: `header` (the plan-level fields and the root directory) with every
/// file's packages, seeds, images and verifies. The packages are built on every core.
fn merge(plan: MergedPlan, all: &[(FileName, Arc<items::FileItems>)]) -> MergedPlan {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    merge_on(plan, all, threads, SHARE)
}

/// The full merge, its packages built on `threads` threads in shares of `share`.
fn merge_on(mut plan: MergedPlan, all: &[(FileName, Arc<items::FileItems>)], threads: usize, share: usize) -> MergedPlan {
    let root_dir = plan.root_dir.clone();
    let layers = Layers::new(all);
    // Each name's first definition in file order; the others are duplicates, reported by
    // `duplicate_definitions`.
    let mut first: BTreeMap<&str, (&FileName, &items::Package)> = BTreeMap::new();
    for (file, items) in all {
        for p in &items.packages {
            first.entry(&p.name.text).or_insert((file, p));
        }
    }
    let first: Vec<(&FileName, &items::Package)> = first.into_values().collect();
    plan.packages = map_in_shares(threads, share, &first, || (), |(), &(file, p)| Arc::new(layers.package_def(file, p, &root_dir)));
    let mut seeds: BTreeMap<Box<str>, SeedDef> = BTreeMap::new();
    for (file, items) in all {
        for s in &items.seeds {
            if seeds.contains_key(&s.name.text) {
                continue;
            }
            let outputs: Vec<OutputDef> = s.outputs.iter().map(|o| output_def(file, o)).collect();
            let mut provides: Vec<(Box<str>, Option<Box<str>>)> =
                s.provides.iter().map(|p| (p.name.text.clone(), p.version.clone())).collect();
            provides.extend(s.from_host.iter().map(|t| (t.text.clone(), None)));
            for o in &outputs {
                provides.push((o.name.clone(), o.version.clone()));
                provides.extend(o.provides.iter().cloned());
            }
            seeds.insert(
                s.name.text.clone(),
                SeedDef {
                    name: s.name.text.clone(),
                    file: file.clone(),
                    span: s.name.span,
                    host_tools: s.from_host.iter().map(|t| t.text.clone()).collect(),
                    archive: s.archive.as_ref().map(|a| archive(&root_dir, file, a)),
                    provides,
                    outputs,
                },
            );
        }
        for image in &items.images {
            plan.images.push(Located { file: file.clone(), item: image.clone() });
        }
        for verify in &items.verifies {
            plan.verifies.push(Located { file: file.clone(), item: verify.clone() });
        }
    }
    plan.seeds = seeds.into_values().collect();
    plan.images.sort_by(|a, b| a.item.name.text.cmp(&b.item.name.text));
    plan.verifies.sort_by(|a, b| {
        (&a.item.left.text, &a.item.right.text, &a.file, a.item.span.start)
            .cmp(&(&b.item.left.text, &b.item.right.text, &b.file, b.item.span.start))
    });
    plan
}
