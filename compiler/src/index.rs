//! The plan's name index: which packages, outputs, provided names, templates, seeds,
//! images and stages exist.
//!
//! The index holds names only, never spans: editing a file without changing what it
//! defines leaves the index equal, so salsa reuses every other file's checks.

use std::collections::hash_map::Entry;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use crate::db::Db;
use crate::diagnostic::{Diagnostic, FileName};
use crate::diagnostic_kind::DiagnosticKind;
use crate::front::lower_file;
use crate::ir::{PlanRoot, SourceFile};
use crate::items::{FileItems, Name, Output, PlanDecl};
use crate::syntax::Span;
use crate::plan_files::plan_files;

/// The names one file defines. Names are shared (`Arc<str>`): the index takes them from
/// every file by a count, not a copy (on the 30,000-package bench plan, copying 160,000
/// names was a third of building the index, which every file's check waits for).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileNames {
    pub packages: Vec<Arc<str>>,
    /// Outputs and provided names of packages and seeds, and seeds' host tools.
    pub produced: Vec<Arc<str>>,
    /// The names of the outputs packages build (declared, default and stage outputs, and
    /// those `extend` adds), for the summary.
    pub outputs: Vec<Arc<str>>,
    pub templates: Vec<Arc<str>>,
    /// Templates named by the file's packages (`use=`).
    pub used_templates: Vec<Arc<str>>,
    pub seeds: Vec<(Arc<str>, Vec<Arc<str>>)>,
    pub images: Vec<Arc<str>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameIndex {
    pub packages: HashSet<Arc<str>>,
    /// Copied, not shared with the files' names: every dependency of every file is looked
    /// up here, and copies made one after another sit together in memory (the files'
    /// names lie among their items, a cache miss per lookup).
    pub produced: HashSet<Box<str>>,
    pub templates: HashSet<Arc<str>>,
    /// Templates some package uses.
    pub used_templates: HashSet<Arc<str>>,
    /// Provided name → the seeds providing it.
    pub seed_provides: HashMap<Arc<str>, Vec<Arc<str>>>,
    pub images: HashSet<Arc<str>>,
    /// Declared stages, in order, from the plan declaration.
    pub stages: Vec<Box<str>>,
    /// Distinct output names that packages build (not provided names, not seeds).
    pub output_count: usize,
}

/// The outputs a package has when it declares none: one named after it.
pub(crate) fn default_output_name(package: &Name, outputs: &[Output]) -> Option<Arc<str>> {
    outputs.is_empty().then(|| shared(package))
}

fn shared(name: &Name) -> Arc<str> {
    Arc::from(&*name.text)
}

fn outputs_produced(outputs: &[Output], into: &mut Vec<Arc<str>>) {
    for output in outputs {
        into.push(shared(&output.name));
        into.extend(output.provides.iter().map(|p| shared(&p.name)));
    }
}

fn output_names(outputs: &[Output], into: &mut Vec<Arc<str>>) {
    into.extend(outputs.iter().map(|o| shared(&o.name)));
}

pub(crate) fn collect_names(items: &FileItems) -> FileNames {
    let mut names = FileNames::default();
    for package in &items.packages {
        names.packages.push(shared(&package.name));
        names.produced.extend(default_output_name(&package.name, &package.body.outputs));
        names.outputs.extend(default_output_name(&package.name, &package.body.outputs));
        for outputs in std::iter::once(&package.body.outputs).chain(package.body.stages.iter().map(|s| &s.outputs)) {
            outputs_produced(outputs, &mut names.produced);
            output_names(outputs, &mut names.outputs);
        }
    }
    for extend in &items.extends {
        for outputs in std::iter::once(&extend.body.outputs).chain(extend.body.stages.iter().map(|s| &s.outputs)) {
            outputs_produced(outputs, &mut names.produced);
            output_names(outputs, &mut names.outputs);
        }
    }
    for seed in &items.seeds {
        let mut provided: Vec<Arc<str>> = seed.provides.iter().map(|p| shared(&p.name)).collect();
        provided.extend(seed.from_host.iter().map(shared));
        outputs_produced(&seed.outputs, &mut provided);
        names.produced.extend(provided.iter().cloned());
        names.seeds.push((shared(&seed.name), provided));
    }
    names.templates.extend(items.templates.iter().map(|t| shared(&t.name)));
    names.used_templates.extend(items.packages.iter().filter_map(|p| p.template.as_ref()).map(shared));
    names.images.extend(items.images.iter().map(|i| shared(&i.name)));
    names
}

#[salsa::tracked]
pub fn file_names(db: &dyn Db, file: SourceFile) -> Arc<FileNames> {
    Arc::new(collect_names(lower_file(db, file)))
}

/// The plan declaration: the first one in file order.
#[salsa::tracked]
pub fn plan_decl(db: &dyn Db, root: PlanRoot) -> Option<Arc<PlanDecl>> {
    let files = plan_files(db, root);
    files.files.iter().find_map(|&f| lower_file(db, f).plan.clone().map(Arc::new))
}

#[salsa::tracked]
pub fn name_index(db: &dyn Db, root: PlanRoot) -> Arc<NameIndex> {
    let files = plan_files(db, root);
    let mut index = NameIndex::default();
    let all: Vec<Arc<FileNames>> = files.files.iter().map(|&file| file_names(db, file).clone()).collect();
    // Sized once, from the files' counts (an upper bound): growing the sets rehashed every
    // name several times.
    let total = |count: fn(&FileNames) -> usize| all.iter().map(|names| count(names)).sum::<usize>();
    let mut outputs: HashSet<&str> = HashSet::with_capacity_and_hasher(total(|n| n.outputs.len()), Default::default());
    index.packages.reserve(total(|n| n.packages.len()));
    index.produced.reserve(total(|n| n.produced.len()));
    for names in &all {
        outputs.extend(names.outputs.iter().map(|o| &**o));
        index.packages.extend(names.packages.iter().cloned());
        index.produced.extend(names.produced.iter().map(|n| Box::from(&**n)));
        index.templates.extend(names.templates.iter().cloned());
        index.used_templates.extend(names.used_templates.iter().cloned());
        index.images.extend(names.images.iter().cloned());
        for (seed, provided) in &names.seeds {
            for name in provided {
                let seeds = index.seed_provides.entry(name.clone()).or_default();
                if !seeds.contains(seed) {
                    seeds.push(seed.clone());
                }
            }
        }
    }
    index.output_count = outputs.len();
    if let Some(plan) = plan_decl(db, root) {
        index.stages = plan.stages.iter().map(|s| s.text.clone()).collect();
    }
    Arc::new(index)
}

impl FileNames {
    /// Every definition `duplicate_definitions` looks at, by kind, and a few more (the
    /// outputs of stage blocks): a superset is enough to find the files involved.
    fn definitions(&self) -> impl Iterator<Item = (&'static str, &str)> {
        fn named<'a>(kind: &'static str, names: &'a [Arc<str>]) -> impl Iterator<Item = (&'static str, &'a str)> {
            names.iter().map(move |n| (kind, &**n))
        }
        named("package", &self.packages)
            .chain(named("output", &self.outputs))
            .chain(self.seeds.iter().map(|(seed, _)| ("seed", &**seed)))
            .chain(named("template", &self.templates))
            .chain(named("image", &self.images))
    }
}

/// The files that define a name defined more than once, in plan order, found from the
/// names alone: an edit that leaves every file's names as they were reuses this, so
/// `duplicate_definitions` (which needs spans) reads only these files' items.
#[salsa::tracked]
pub fn files_with_duplicates(db: &dyn Db, root: PlanRoot) -> Arc<Vec<SourceFile>> {
    let files = plan_files(db, root);
    let names: Vec<Arc<FileNames>> = files.files.iter().map(|&f| file_names(db, f).clone()).collect();
    let total = names.iter().map(|n| n.definitions().count()).sum();
    let mut seen: HashSet<(&'static str, &str)> = HashSet::with_capacity_and_hasher(total, Default::default());
    let mut twice: HashSet<(&'static str, &str)> = HashSet::default();
    for definition in names.iter().flat_map(|n| n.definitions()) {
        if !seen.insert(definition) {
            twice.insert(definition);
        }
    }
    // Usually nothing is defined twice, and no file needs a second look.
    if twice.is_empty() {
        return Arc::new(Vec::new());
    }
    let involved = files.files.iter().zip(&names).filter(|(_, n)| n.definitions().any(|d| twice.contains(&d)));
    Arc::new(involved.map(|(&file, _)| file).collect())
}

/// Names defined twice: packages, outputs (across packages), seeds, templates, images.
#[salsa::tracked]
pub fn duplicate_definitions(db: &dyn Db, root: PlanRoot) -> Arc<Vec<Diagnostic>> {
    // Only the files involved: a name's first definition is the first among them. Stdlib
    // modules go first, so that a clash with one is reported in the plan's own file,
    // which the user can change.
    let files = files_with_duplicates(db, root);
    let mut all: Vec<(FileName, Arc<FileItems>)> =
        files.iter().map(|&f| (f.name(db).clone(), lower_file(db, f).clone())).collect();
    all.sort_by_key(|(name, _)| !name.starts_with("std:"));
    let mut first = FirstDefinitions::default();
    let mut out = Vec::new();
    for (file, items) in &all {
        for package in &items.packages {
            let new = first.define("package", &package.name, &package.name.text, file, &mut out);
            // A second package of the same name is reported once, not again for its
            // default output.
            if new && package.body.outputs.is_empty() {
                first.define("output", &package.name, &package.name.text, file, &mut out);
            }
            for output in &package.body.outputs {
                first.define("output", &output.name, &package.name.text, file, &mut out);
            }
        }
        for extend in &items.extends {
            for output in &extend.body.outputs {
                first.define("output", &output.name, &extend.target.text, file, &mut out);
            }
        }
        for seed in &items.seeds {
            first.define("seed", &seed.name, &seed.name.text, file, &mut out);
        }
        for template in &items.templates {
            first.define("template", &template.name, &template.name.text, file, &mut out);
        }
        for image in &items.images {
            first.define("image", &image.name, &image.name.text, file, &mut out);
        }
    }
    Arc::new(out)
}

/// The first definition of each (kind, name), with the package that owns it.
#[derive(Default)]
struct FirstDefinitions<'a> {
    seen: HashMap<(&'static str, &'a str), (&'a FileName, Span, &'a str)>,
}

impl<'a> FirstDefinitions<'a> {
    /// Records a definition; reports it and returns false when the name was defined before.
    fn define(&mut self, what: &'static str, name: &'a Name, owner: &'a str, file: &'a FileName, out: &mut Vec<Diagnostic>) -> bool {
        match self.seen.entry((what, &name.text)) {
            Entry::Vacant(slot) => {
                slot.insert((file, name.span, owner));
                true
            }
            Entry::Occupied(slot) => {
                let &(first_file, first_span, first_owner) = slot.get();
                let label = if what == "output" && first_owner != owner {
                    format!("also produced by package `{first_owner}`")
                } else {
                    "first defined here".to_string()
                };
                out.push(
                    Diagnostic::new(DiagnosticKind::Duplicate { what, name: name.text.to_string() }, file, name.span)
                        .with_related(first_file, first_span, label),
                );
                false
            }
        }
    }
}
