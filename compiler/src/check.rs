//! Name checks of one file against the plan's index, and every diagnostic of a plan.

use std::sync::Arc;

use crate::db::Db;
use crate::diagnostic::{Diagnostic, FileName};
use crate::diagnostic_kind::DiagnosticKind;
use crate::front::lower_file;
use crate::index::{duplicate_definitions, name_index, plan_decl, NameIndex};
use crate::ir::{PlanRoot, SourceFile};
use crate::items::{DepEntry, FileItems, Name, Output, PackageBody, Pin, StageBlock, Template};
use crate::plan_files::plan_files;
use crate::suggest::did_you_mean;
use crate::syntax::Span;

/// Unresolved names in one file: dependencies, templates, stages, extended packages,
/// image contents and verify pairs.
#[salsa::tracked]
pub fn check_file(db: &dyn Db, root: PlanRoot, file: SourceFile) -> Arc<Vec<Diagnostic>> {
    let index = name_index(db, root);
    let items = lower_file(db, file);
    let mut checker = Checker { index, file: file.name(db), in_stdlib: file.name(db).starts_with("std:"), out: Vec::new() };
    checker.items(items);
    Arc::new(checker.out)
}

/// The seeds one file's dependencies use (to warn about unused seeds).
#[salsa::tracked]
pub fn seeds_used(db: &dyn Db, root: PlanRoot, file: SourceFile) -> Arc<Vec<Arc<str>>> {
    let index = name_index(db, root);
    let items = lower_file(db, file);
    let in_stdlib = file.name(db).starts_with("std:");
    let mut used: Vec<Arc<str>> = Vec::new();
    let template_counts = |t: &Template| !in_stdlib || index.used_templates.contains(&*t.name.text);
    for_each_dep(items, &template_counts, &mut |dep| {
        for alt in dep.dep.alternatives.iter() {
            if let Some(seeds) = index.seed_provides.get(&*alt.name) {
                used.extend(seeds.iter().cloned());
            }
        }
    });
    used.sort();
    used.dedup();
    Arc::new(used)
}

/// Every diagnostic of the plan, in file order then position.
#[salsa::tracked]
pub fn plan_diagnostics(db: &dyn Db, root: PlanRoot) -> Arc<Vec<Diagnostic>> {
    let files = plan_files(db, root);
    let mut out: Vec<Diagnostic> = files.diagnostics.clone();
    for &file in &files.files {
        out.extend(lower_file(db, file).diagnostics.iter().cloned());
        out.extend(check_file(db, root, file).iter().cloned());
    }
    out.extend(crate::timing::pass("check: duplicates", || duplicate_definitions(db, root)).iter().cloned());
    if plan_decl(db, root).is_none() {
        out.push(Diagnostic::new(DiagnosticKind::MissingPlan, root.root(db).name(db), Span::empty(0)));
    }
    out.extend(crate::timing::pass("check: unused", || unused_warnings(db, root)));
    let order: rustc_hash::FxHashMap<&FileName, usize> =
        files.files.iter().enumerate().map(|(i, f)| (f.name(db), i)).collect();
    out.sort_by(|a, b| {
        let fa = order.get(&a.file).copied().unwrap_or(usize::MAX);
        let fb = order.get(&b.file).copied().unwrap_or(usize::MAX);
        (fa, a.sort_key()).cmp(&(fb, b.sort_key()))
    });
    out.dedup();
    Arc::new(out)
}

fn unused_warnings(db: &dyn Db, root: PlanRoot) -> Vec<Diagnostic> {
    let files = plan_files(db, root);
    let index = name_index(db, root);
    let mut used_seeds: rustc_hash::FxHashSet<Arc<str>> = Default::default();
    for &file in &files.files {
        used_seeds.extend(seeds_used(db, root, file).iter().cloned());
    }
    let mut out = Vec::new();
    for &file in &files.files {
        let items = lower_file(db, file);
        for template in &items.templates {
            if !index.used_templates.contains(&*template.name.text) && !file.name(db).starts_with("std:") {
                out.push(Diagnostic::new(
                    DiagnosticKind::UnusedTemplate { name: template.name.text.to_string() },
                    file.name(db),
                    template.name.span,
                ));
            }
        }
        for seed in &items.seeds {
            if !used_seeds.contains(&*seed.name.text) {
                out.push(Diagnostic::new(
                    DiagnosticKind::UnusedSeed { name: seed.name.text.to_string() },
                    file.name(db),
                    seed.name.span,
                ));
            }
        }
    }
    out
}

/// Calls `f` on every dependency entry of a file's items (of the templates `template`
/// accepts).
pub(crate) fn for_each_dep(items: &FileItems, template: &dyn Fn(&Template) -> bool, f: &mut impl FnMut(&DepEntry)) {
    fn outputs(outputs: &[Output], f: &mut impl FnMut(&DepEntry)) {
        outputs.iter().flat_map(|o| &o.depends).for_each(&mut *f);
    }
    fn body(body: &PackageBody, f: &mut impl FnMut(&DepEntry)) {
        body.build_depends.iter().for_each(&mut *f);
        outputs(&body.outputs, f);
        for stage in &body.stages {
            stage.build_depends.iter().flatten().for_each(&mut *f);
            outputs(&stage.outputs, f);
        }
    }
    items.packages.iter().for_each(|p| body(&p.body, f));
    items.templates.iter().filter(|t| template(t)).for_each(|t| body(&t.body, f));
    items.extends.iter().for_each(|e| body(&e.body, f));
    items.seeds.iter().for_each(|s| outputs(&s.outputs, f));
}

struct Checker<'a> {
    index: &'a NameIndex,
    file: &'a FileName,
    in_stdlib: bool,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, kind: DiagnosticKind, span: Span) {
        self.out.push(Diagnostic::new(kind, self.file, span));
    }

    fn items(&mut self, items: &FileItems) {
        if let Some(plan) = &items.plan {
            for stage in &plan.stage_profiles {
                self.stage_name(&stage.stage);
            }
        }
        for package in &items.packages {
            if let Some(template) = &package.template
                && !self.index.templates.contains(&*template.text)
            {
                let suggestion = did_you_mean(&template.text, self.index.templates.iter().map(|t| &**t));
                self.error(
                    DiagnosticKind::UnknownTemplate { name: template.text.to_string(), suggestion },
                    template.span,
                );
            }
            self.body(&package.body);
        }
        for template in &items.templates {
            // A stdlib module's templates are checked only where a plan uses them: importing
            // `std:autotools` must not demand what its unused templates need.
            if self.in_stdlib && !self.index.used_templates.contains(&*template.name.text) {
                continue;
            }
            self.body(&template.body);
        }
        for extend in &items.extends {
            self.package_name(&extend.target, "`extend` names an");
            self.body(&extend.body);
        }
        for seed in &items.seeds {
            for output in &seed.outputs {
                let condition = format!("when seed `{}` installs `{}`", seed.name.text, output.name.text);
                self.deps_when(&output.depends, Some(&condition));
            }
        }
        for image in &items.images {
            for name in &image.include {
                if !self.index.packages.contains(&*name.text) && !self.index.produced.contains(&*name.text) {
                    self.package_name(name, "`include` names an");
                }
            }
        }
        for verify in &items.verifies {
            for stage in [&verify.left, &verify.right] {
                if &*stage.text != "final" && &*stage.text != "rebuild" {
                    self.stage_name(stage);
                }
            }
            for package in &verify.packages {
                self.package_name(package, "`verify` names an");
            }
        }
    }

    fn body(&mut self, body: &PackageBody) {
        self.deps(&body.build_depends);
        self.outputs(&body.outputs);
        for stage in &body.stages {
            self.stage_block(stage);
        }
    }

    fn stage_block(&mut self, stage: &StageBlock) {
        self.stage_name(&stage.name);
        if let Some(deps) = &stage.build_depends {
            self.deps(deps);
        }
        self.outputs(&stage.outputs);
    }

    fn outputs(&mut self, outputs: &[Output]) {
        for output in outputs {
            self.deps(&output.depends);
        }
    }

    fn deps(&mut self, deps: &[DepEntry]) {
        self.deps_when(deps, None);
    }

    /// Checks dependency names; `condition` says when a whole list only sometimes matters.
    fn deps_when(&mut self, deps: &[DepEntry], condition: Option<&str>) {
        for dep in deps {
            let resolves = dep.dep.alternatives.iter().any(|alt| self.index.produced.contains(&*alt.name));
            if !resolves {
                for (i, alt) in dep.dep.alternatives.iter().enumerate() {
                    let suggestion = did_you_mean(&alt.name, self.index.produced.iter().map(|n| &**n));
                    let formula = if !alt.restrictions.is_always() { &alt.restrictions } else { &dep.when };
                    let condition = match condition {
                        Some(c) => Some(c.to_string()),
                        None if !formula.is_always() => Some(format!("under `{formula}`")),
                        None => None,
                    };
                    let kind = match condition {
                        Some(condition) => {
                            DiagnosticKind::UnresolvedConditionalDep { name: alt.name.to_string(), condition, suggestion }
                        }
                        None => DiagnosticKind::UnresolvedDep { name: alt.name.to_string(), suggestion },
                    };
                    self.error(kind, dep.name_span(i));
                }
            }
            if let Some(Pin::Stage(stage)) = dep.pin.as_deref()
                && &*stage.text != "final" && &*stage.text != "stage0"
            {
                self.stage_name(stage);
            }
        }
    }

    fn stage_name(&mut self, stage: &Name) {
        if !self.index.stages.contains(&stage.text) {
            let suggestion = did_you_mean(&stage.text, self.index.stages.iter().map(|s| &**s));
            self.error(DiagnosticKind::UnknownStage { name: stage.text.to_string(), suggestion }, stage.span);
        }
    }

    fn package_name(&mut self, name: &Name, context: &'static str) {
        if !self.index.packages.contains(&*name.text) {
            let suggestion = did_you_mean(&name.text, self.index.packages.iter().map(|p| &**p));
            self.error(DiagnosticKind::UnknownPackage { name: name.text.to_string(), context, suggestion }, name.span);
        }
    }
}
