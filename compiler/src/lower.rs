//! Lowering: one file's KDL syntax tree to typed items, checking every node, property
//! and value against the plan language's schema.
//!
//! Lowering is local to the file: names defined elsewhere are checked by `check.rs`.

use crate::dependency::{self, DependencyErrorKind};
use crate::diagnostic::{Diagnostic, FileName};
use crate::diagnostic_kind::DiagnosticKind;
use crate::duration::parse_duration;
use crate::items::*;
use crate::restriction::{self, Formula};
use crate::suggest::did_you_mean;
use crate::syntax::{Document, Entry, Node, SmallStr, Span, Value};
use crate::version;

/// Lowers a parsed document; syntax errors become diagnostics first.
pub(crate) fn lower_document(doc: &Document, text: &str, file: &FileName) -> FileItems {
    let mut lower = Lower { text, file, items: FileItems::default() };
    // A package is a few hundred bytes and a file holds a hundred of them: growing the
    // vector by doubling copied each one several times into freshly faulted-in memory, a
    // tenth of lowering the 30,000-package bench plan (a profile of a cold check).
    let packages = doc.nodes.iter().filter(|node| node.name.text == "package").count();
    lower.items.packages.reserve_exact(packages);
    for error in &doc.errors {
        lower.error(DiagnosticKind::Syntax(error.kind.clone()), error.span);
    }
    for node in &doc.nodes {
        lower.top_level(node);
    }
    lower.items
}

const TOP_LEVEL: &[&str] = &["plan", "import", "seed", "template", "package", "extend", "image", "verify"];
const PLAN_CHILDREN: &[&str] = &["stages", "rebuild-tainted", "cycle-breaking", "stage"];
/// The most stages a plan declares. The planner numbers stages in a byte (with `stage0`,
/// `final` and `rebuild` besides) and finds redirects through a 128-bit set of them; a
/// bootstrap needs a handful.
pub const MAX_STAGES: usize = 32;
const SEED_CHILDREN: &[&str] = &["from-host", "archive", "provides", "output"];
const BODY_CHILDREN: &[&str] = &[
    "source",
    "build-depends",
    "output",
    "stage",
    "build",
    "check",
    "env",
    "license",
    "timeout",
];
const OUTPUT_CHILDREN: &[&str] = &["depends", "provides"];
const STAGE_CHILDREN: &[&str] = &["build-depends", "drop", "output", "profiles"];
const STEPS_CHILDREN: &[&str] = &["run"];
const IMAGE_CHILDREN: &[&str] = &["include", "format"];
const VERIFY_CHILDREN: &[&str] = &["packages"];

struct Lower<'a> {
    text: &'a str,
    file: &'a FileName,
    items: FileItems,
}

/// What a body may contain beyond the shared fields.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Package,
    Template,
    Extend,
}

impl<'a> Lower<'a> {
    fn error(&mut self, kind: DiagnosticKind, span: Span) {
        self.items.diagnostics.push(Diagnostic::new(kind, self.file, span));
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        self.items.diagnostics.push(diagnostic);
    }

    fn top_level(&mut self, node: &Node) {
        self.no_annotation(node);
        match node.name.text.as_bytes() {
            b"plan" => self.plan(node),
            b"import" => self.import(node),
            b"seed" => self.seed(node),
            b"template" => self.template(node),
            b"package" => self.package(node),
            b"extend" => self.extend(node),
            b"image" => self.image(node),
            b"verify" => self.verify(node),
            _ => self.unknown_node(node, "a plan file", TOP_LEVEL),
        }
    }

    // ----- generic helpers -------------------------------------------------------------

    fn unknown_node(&mut self, node: &Node, parent: &'static str, known: &[&str]) {
        let suggestion = did_you_mean(&node.name.text, known.iter().copied());
        self.error(
            DiagnosticKind::UnknownNode { name: node.name.text.to_string(), parent, suggestion },
            node.name.span,
        );
    }

    fn no_annotation(&mut self, node: &Node) {
        if let Some(ty) = &node.ty {
            self.error(DiagnosticKind::UnexpectedAnnotation, ty.span);
        }
    }

    /// Checks properties against `allowed`; reports unknown and repeated ones.
    fn check_props(&mut self, node: &Node, allowed: &[&str]) {
        let mut seen: Vec<&str> = Vec::new();
        for entry in &node.entries {
            let Some(key) = &entry.name else { continue };
            if let Some(ty) = &entry.ty {
                self.error(DiagnosticKind::UnexpectedAnnotation, ty.span);
            }
            if !allowed.iter().any(|a| key.text == *a) {
                let suggestion = did_you_mean(&key.text, allowed.iter().copied());
                self.error(
                    DiagnosticKind::UnknownProperty {
                        name: key.text.to_string(),
                        node: node.name.text.to_string(),
                        suggestion,
                    },
                    key.span,
                );
            } else if seen.contains(&&*key.text) {
                self.error(DiagnosticKind::DuplicateProperty { name: key.text.to_string() }, entry.span);
            } else {
                seen.push(&key.text);
            }
        }
    }

    /// The entry's value as a string, or a wrong-type error.
    fn string_value(&mut self, entry: &Entry, what: impl FnOnce() -> String) -> Option<Name> {
        if entry.name.is_none()
            && let Some(ty) = &entry.ty
        {
            self.error(DiagnosticKind::UnexpectedAnnotation, ty.span);
        }
        match &entry.value {
            Value::String(s) => Some(Name { text: s.as_str().into(), span: entry.value_span }),
            other => {
                self.error(
                    DiagnosticKind::WrongType { what: what(), expected: "a string", found: value_kind(other) },
                    entry.value_span,
                );
                None
            }
        }
    }

    /// All arguments as strings (at least one).
    fn string_args(&mut self, node: &Node, what: &'static str) -> Vec<Name> {
        let mut out = Vec::with_capacity(node.entries.len());
        self.each_string_arg(node, what, |_, text, span, _| out.push(Name { text: text.into(), span }));
        out
    }

    /// Calls `f` with each argument's text, span and [`Lower::text_start`], without copying
    /// the text (the hot path of lowering: every dependency string); reports arguments that
    /// are not strings, and a missing value when there is none.
    fn each_string_arg(
        &mut self,
        node: &Node,
        what: &'static str,
        mut f: impl FnMut(&mut Self, &str, Span, Option<u32>),
    ) {
        let mut any = false;
        for entry in args(node) {
            any = true;
            if let Some(ty) = &entry.ty {
                self.error(DiagnosticKind::UnexpectedAnnotation, ty.span);
            }
            match &entry.value {
                Value::String(text) => {
                    let start = self.text_start(text.as_bytes(), entry.value_span);
                    let text = self.value_text(text, start);
                    f(self, text, entry.value_span, start)
                }
                other => self.error(
                    DiagnosticKind::WrongType {
                        what: format!("each value of `{}`", node.name.text),
                        expected: "a string",
                        found: value_kind(other),
                    },
                    entry.value_span,
                ),
            }
        }
        if !any {
            self.error(
                DiagnosticKind::MissingValue { node: node.name.text.to_string(), what },
                node.name.span,
            );
        }
    }

    /// Exactly one string argument.
    fn one_string(&mut self, node: &Node, what: &'static str) -> Option<Name> {
        let args: Vec<&Entry> = args(node).collect();
        let Some(first) = args.first() else {
            self.error(
                DiagnosticKind::MissingValue { node: node.name.text.to_string(), what },
                node.name.span,
            );
            return None;
        };
        if let Some(extra) = args.get(1) {
            self.error(
                DiagnosticKind::TooManyValues { node: node.name.text.to_string(), expected: 1 },
                extra.span,
            );
        }
        self.string_value(first, || format!("the value of `{}`", node.name.text))
    }

    /// A name argument that must also be a valid name.
    fn name_arg(&mut self, node: &Node, what: &'static str) -> Option<Name> {
        let name = self.one_string(node, what)?;
        self.check_name(&name);
        Some(name)
    }

    fn check_name(&mut self, name: &Name) {
        if let Err(reason) = dependency::check_name(&name.text) {
            self.error(DiagnosticKind::InvalidName { name: name.text.to_string(), reason }, name.span);
        }
    }

    fn names(&mut self, node: &Node, what: &'static str) -> Vec<Name> {
        let names = self.string_args(node, what);
        for name in &names {
            self.check_name(name);
        }
        names
    }

    fn no_args(&mut self, node: &Node) {
        if let Some(extra) = args(node).next() {
            self.error(
                DiagnosticKind::TooManyValues { node: node.name.text.to_string(), expected: 0 },
                extra.span,
            );
        }
    }

    fn no_children(&mut self, node: &Node) {
        if let Some(children) = &node.children {
            self.error(
                DiagnosticKind::InvalidValue {
                    what: format!("`{}` node", node.name.text),
                    reason: "it takes no children block".into(),
                },
                children.span,
            );
        }
    }

    fn children<'n>(&self, node: &'n Node) -> &'n [Node] {
        node.children.as_ref().map_or(&[], |c| &c.nodes)
    }

    fn string_prop(&mut self, node: &Node, key: &str) -> Option<Name> {
        let entry = prop(node, key)?;
        self.string_value(entry, || format!("the `{key}` property"))
    }

    /// Where the text of a string value starts, when its bytes are the value's bytes: after
    /// the `"` or `#"` that open it (nothing opens a bare identifier).
    fn text_start(&self, value: &[u8], span: Span) -> Option<u32> {
        let raw = self.text.get(span.range())?;
        let hashes = raw.bytes().take_while(|&b| b == b'#').count();
        let open = match &raw.as_bytes()[hashes..] {
            [b'"', b'"', b'"', ..] => hashes + 3,
            [b'"', ..] => hashes + 1,
            _ => 0,
        };
        (raw.as_bytes().get(open..open + value.len()) == Some(value)).then(|| span.start + open as u32)
    }

    /// A string value's text, taken from the source when `start` says it is written there
    /// as it is (no escapes, the common case): a slice of the source needs no UTF-8 check,
    /// and reading a `SmallStr` makes one (2.8% of the instructions of a cold front end on
    /// the 30,000-package bench plan, for the dependency strings alone).
    fn value_text<'n>(&self, value: &'n SmallStr, start: Option<u32>) -> &'n str
    where
        'a: 'n,
    {
        start
            .and_then(|start| self.text.get(start as usize..start as usize + value.as_bytes().len()))
            .unwrap_or_else(|| value.as_str())
    }

    /// A span inside a string value, or the whole value when offsets do not map.
    fn inner_span(&self, start: Option<u32>, whole: Span, range: std::ops::Range<usize>) -> Span {
        match start {
            Some(s) => Span::new(s + range.start as u32, s + range.end.max(range.start) as u32),
            None => whole,
        }
    }

    fn formula_prop(&mut self, node: &Node, key: &str) -> Formula {
        let Some(value) = self.string_prop(node, key) else { return Formula::default() };
        match restriction::parse_formula(&value.text) {
            Ok(f) => f,
            Err(e) => {
                let start = self.text_start(value.text.as_bytes(), value.span);
                let span = self.inner_span(start, value.span, e.at..e.at + e.len);
                self.error(DiagnosticKind::BadRestriction { reason: e.reason }, span);
                Formula::default()
            }
        }
    }

    fn version_prop(&mut self, node: &Node) -> Option<Name> {
        let version = self.string_prop(node, "version")?;
        if let Err(e) = version::validate(&version.text) {
            let start = self.text_start(version.text.as_bytes(), version.span);
            let len = version.text.get(e.at..).and_then(|rest| rest.chars().next()).map_or(0, char::len_utf8);
            let span = self.inner_span(start, version.span, e.at..e.at + len);
            self.error(DiagnosticKind::BadVersion { reason: e.reason.into() }, span);
        }
        Some(version)
    }

    // ----- items ----------------------------------------------------------------------

    fn plan(&mut self, node: &Node) {
        self.check_props(node, &[]);
        // A plan node without a usable name still declares the plan (and its stages), so
        // that the missing name is the only error, not also a missing plan.
        let name = self
            .name_arg(node, "a name")
            .unwrap_or_else(|| Name { text: "".into(), span: node.name.span });
        let mut decl = PlanDecl {
            name,
            span: node.span,
            stages: Vec::new(),
            rebuild_tainted: false,
            cycle_breaking: CycleBreaking::default(),
            stage_profiles: Vec::new(),
        };
        let mut too_many = false;
        for child in self.children(node) {
            self.no_annotation(child);
            match child.name.text.as_bytes() {
                b"stages" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    for stage in self.names(child, "at least one stage name") {
                        if matches!(&*stage.text, "stage0" | "final" | "rebuild") {
                            self.error(DiagnosticKind::ReservedStage { name: stage.text.to_string() }, stage.span);
                        } else if let Some(first) = decl.stages.iter().find(|s| s.text == stage.text) {
                            let d = Diagnostic::new(
                                DiagnosticKind::Duplicate { what: "stage", name: stage.text.to_string() },
                                self.file,
                                stage.span,
                            )
                            .with_related(self.file, first.span, "first declared here");
                            self.push(d);
                        } else if decl.stages.len() == MAX_STAGES {
                            // Reported once; the stages after it are left out alike.
                            if !too_many {
                                self.error(DiagnosticKind::TooManyStages { max: MAX_STAGES }, stage.span);
                                too_many = true;
                            }
                        } else {
                            decl.stages.push(stage);
                        }
                    }
                }
                b"rebuild-tainted" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    decl.rebuild_tainted = self.bool_arg(child);
                }
                b"cycle-breaking" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    if let Some(value) = self.one_string(child, "`fewest-redirects` or `fewest-builds`") {
                        match CycleBreaking::ALL.iter().find(|(_, name)| *name == &*value.text) {
                            Some(&(c, _)) => decl.cycle_breaking = c,
                            None => {
                                let valid: Vec<String> = CycleBreaking::ALL.iter().map(|(_, n)| format!("`{n}`")).collect();
                                self.error(
                                    DiagnosticKind::InvalidValue {
                                        what: "`cycle-breaking`".into(),
                                        reason: format!("`{}` is not one of {}", value.text, valid.join(", ")),
                                    },
                                    value.span,
                                );
                            }
                        }
                    }
                }
                b"stage" => {
                    self.check_props(child, &[]);
                    let Some(stage) = self.name_arg(child, "a stage name") else { continue };
                    let mut profiles = Vec::new();
                    for grandchild in self.children(child) {
                        self.no_annotation(grandchild);
                        if grandchild.name.text == "profiles" {
                            self.check_props(grandchild, &[]);
                            self.no_children(grandchild);
                            profiles.extend(self.profile_names(grandchild));
                        } else {
                            self.unknown_node(grandchild, "a plan's `stage` block", &["profiles"]);
                        }
                    }
                    decl.stage_profiles.push(StageProfiles { stage, profiles });
                }
                _ => self.unknown_node(child, "`plan`", PLAN_CHILDREN),
            }
        }
        if let Some(first) = &self.items.plan {
            let d = Diagnostic::new(
                DiagnosticKind::Duplicate { what: "plan", name: decl.name.text.to_string() },
                self.file,
                decl.name.span,
            )
            .with_related(self.file, first.name.span, "first declared here");
            self.push(d);
        } else {
            self.items.plan = Some(decl);
        }
    }

    fn profile_names(&mut self, node: &Node) -> Vec<Name> {
        let names = self.string_args(node, "at least one profile name");
        for name in &names {
            if name.text.is_empty() || !name.text.bytes().all(restriction::is_profile_char) {
                self.error(
                    DiagnosticKind::InvalidName {
                        name: name.text.to_string(),
                        reason: "profile names use letters, digits and `. + - _`",
                    },
                    name.span,
                );
            }
        }
        names
    }

    fn bool_arg(&mut self, node: &Node) -> bool {
        let args: Vec<&Entry> = args(node).collect();
        match args.as_slice() {
            [] => true,
            [entry, rest @ ..] => {
                if let Some(extra) = rest.first() {
                    self.error(
                        DiagnosticKind::TooManyValues { node: node.name.text.to_string(), expected: 1 },
                        extra.span,
                    );
                }
                match entry.value {
                    Value::Bool(b) => b,
                    ref other => {
                        self.error(
                            DiagnosticKind::WrongType {
                                what: format!("the value of `{}`", node.name.text),
                                expected: "`#true` or `#false`",
                                found: value_kind(other),
                            },
                            entry.value_span,
                        );
                        false
                    }
                }
            }
        }
    }

    fn import(&mut self, node: &Node) {
        self.check_props(node, &[]);
        self.no_children(node);
        if let Some(target) = self.one_string(node, "a path or `std:NAME`") {
            self.items.imports.push(Import { target });
        }
    }

    fn seed(&mut self, node: &Node) {
        self.check_props(node, &[]);
        let Some(name) = self.name_arg(node, "a name") else { return };
        let mut seed = Seed { name, from_host: Vec::new(), archive: None, provides: Vec::new(), outputs: Vec::new() };
        for child in self.children(node) {
            self.no_annotation(child);
            match child.name.text.as_bytes() {
                b"from-host" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    seed.from_host.extend(self.names(child, "at least one host tool name"));
                }
                b"archive" => {
                    self.check_props(child, &["sha256"]);
                    self.no_children(child);
                    if let Some(path) = self.one_string(child, "a path") {
                        let sha256 = self.sha256_prop(child);
                        seed.archive = Some(ArchiveRef { path, sha256 });
                    }
                }
                b"provides" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    let provides = self.provides(child);
                    seed.provides.extend(provides);
                }
                b"output" => {
                    if let Some(output) = self.output(child) {
                        seed.outputs.push(output);
                    }
                }
                _ => self.unknown_node(child, "`seed`", SEED_CHILDREN),
            }
        }
        self.items.seeds.push(seed);
    }

    fn sha256_prop(&mut self, node: &Node) -> Option<Name> {
        let sum = self.string_prop(node, "sha256")?;
        if sum.text.len() != 64 || !sum.text.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.error(
                DiagnosticKind::InvalidValue {
                    what: "sha256".into(),
                    reason: "expected 64 hexadecimal digits".into(),
                },
                sum.span,
            );
            return None;
        }
        Some(Name { text: sum.text.to_ascii_lowercase().into(), span: sum.span })
    }

    /// `provides "name" "other (= 1.0)"`
    fn provides(&mut self, node: &Node) -> Vec<Provide> {
        let mut out = Vec::new();
        for value in self.string_args(node, "at least one name") {
            match dependency::parse_dependency(&value.text) {
                Ok(dep)
                    if dep.alternatives.len() == 1
                        && dep.alternatives[0].restrictions.is_always()
                        && dep.alternatives[0]
                            .constraint
                            .as_ref()
                            .is_none_or(|c| c.relation == version::Relation::Eq) =>
                {
                    let alt = &dep.alternatives[0];
                    let start = self.text_start(value.text.as_bytes(), value.span);
                    let span = self.inner_span(start, value.span, alt.name_range.start as usize..alt.name_range.end as usize);
                    out.push(Provide {
                        name: Name { text: alt.name.clone(), span },
                        version: alt.constraint.as_ref().map(|c| c.version.clone()),
                    });
                }
                Ok(_) => self.error(
                    DiagnosticKind::BadDependency {
                        reason: "a provided name is a name, optionally with `(= VERSION)`".into(),
                    },
                    value.span,
                ),
                Err(e) => self.dependency_error(&value.text, value.span, e),
            }
        }
        out
    }

    fn dependency_error(&mut self, text: &str, whole: Span, e: dependency::DependencyError) {
        let start = self.text_start(text.as_bytes(), whole);
        let span = self.inner_span(start, whole, e.range);
        let kind = match e.kind {
            DependencyErrorKind::Syntax => DiagnosticKind::BadDependency { reason: e.reason },
            DependencyErrorKind::Version => DiagnosticKind::BadVersion { reason: e.reason },
            DependencyErrorKind::Restriction => DiagnosticKind::BadRestriction { reason: e.reason },
        };
        self.error(kind, span);
    }

    /// `build-depends "a" "b | c" when="…" stage="…"` or `depends …`
    fn dep_entries(&mut self, node: &Node, allow_pin: bool) -> Vec<DepEntry> {
        let mut out = Vec::with_capacity(args(node).count());
        self.dep_entries_into(node, allow_pin, &mut out);
        out
    }

    /// [`Lower::dep_entries`], appended to `out`: a body's nodes fill its one list.
    fn dep_entries_into(&mut self, node: &Node, allow_pin: bool, out: &mut Vec<DepEntry>) {
        self.check_props(node, if allow_pin { &["when", "stage"] } else { &["when"] });
        self.no_children(node);
        let when = self.formula_prop(node, "when");
        let pin = if allow_pin {
            self.string_prop(node, "stage").map(|stage| {
                Box::new(if &*stage.text == "previous" { Pin::Previous(stage.span) } else { Pin::Stage(stage) })
            })
        } else {
            None
        };
        self.each_string_arg(node, "at least one dependency", |this, text, span, text_start| {
            match dependency::parse_dependency(text) {
                Ok(dep) => {
                    out.push(DepEntry { dep, span, text_start, when: when.clone(), pin: pin.clone() });
                }
                Err(e) => this.dependency_error(text, span, e),
            }
        });
    }

    fn output(&mut self, node: &Node) -> Option<Output> {
        self.check_props(node, &["version", "when"]);
        let name = self.name_arg(node, "a name")?;
        let version = self.version_prop(node);
        let when = self.formula_prop(node, "when");
        let mut output = Output { name, version, when, depends: Vec::new(), provides: Vec::new() };
        for child in self.children(node) {
            self.no_annotation(child);
            match child.name.text.as_bytes() {
                b"depends" => {
                    let deps = self.dep_entries(child, false);
                    // Usually the only `depends` node: its vector is taken as it is.
                    if output.depends.is_empty() {
                        output.depends = deps;
                    } else {
                        output.depends.extend(deps);
                    }
                }
                b"provides" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    let provides = self.provides(child);
                    output.provides.extend(provides);
                }
                _ => self.unknown_node(child, "`output`", OUTPUT_CHILDREN),
            }
        }
        Some(output)
    }

    fn template(&mut self, node: &Node) {
        self.check_props(node, &[]);
        let Some(name) = self.name_arg(node, "a name") else { return };
        let body = self.body(node, BodyKind::Template);
        self.items.templates.push(Template { name, body });
    }

    fn package(&mut self, node: &Node) {
        self.check_props(node, &["version", "use"]);
        let Some(name) = self.name_arg(node, "a name") else { return };
        let version = self.version_prop(node);
        let template = self.string_prop(node, "use");
        let body = self.body(node, BodyKind::Package);
        self.items.packages.push(Package { name, version, template, span: node.span, body });
    }

    fn extend(&mut self, node: &Node) {
        self.check_props(node, &[]);
        let Some(target) = self.name_arg(node, "the name of the package it extends") else { return };
        let body = self.body(node, BodyKind::Extend);
        self.items.extends.push(Extend { target, body });
    }

    fn body(&mut self, node: &Node, kind: BodyKind) -> PackageBody {
        let mut body = PackageBody::default();
        // Dependencies come in several `build-depends` nodes (an archive's 15 to 20 in
        // chunks): one vector of the right size, not one per node appended and regrown.
        let dependencies = self
            .children(node)
            .iter()
            .filter(|child| child.name.text == "build-depends")
            .map(|child| args(child).count())
            .sum();
        body.build_depends.reserve_exact(dependencies);
        let parent = match kind {
            BodyKind::Package => "`package`",
            BodyKind::Template => "`template`",
            BodyKind::Extend => "`extend`",
        };
        for child in self.children(node) {
            self.no_annotation(child);
            let field = child.name.text.as_bytes();
            if kind == BodyKind::Extend && matches!(field, b"source" | b"license" | b"timeout" | b"build" | b"check") {
                let field = &child.name.text;
                self.error(
                    DiagnosticKind::InvalidValue {
                        what: format!("`{field}` in `extend`"),
                        reason: "an extension adds build dependencies, outputs, stage blocks and env; it does not replace the package's own fields".into(),
                    },
                    child.name.span,
                );
                continue;
            }
            match field {
                b"source" => {
                    if let Some(source) = self.source(child) {
                        body.source = Some(source);
                    }
                }
                b"build-depends" => self.dep_entries_into(child, true, &mut body.build_depends),
                b"output" => {
                    if let Some(output) = self.output(child) {
                        body.outputs.push(output);
                    }
                }
                b"stage" => {
                    if let Some(stage) = self.stage_block(child) {
                        body.stages.push(stage);
                    }
                }
                b"build" => body.build = self.steps(child),
                b"check" => body.check = self.steps(child),
                b"env" => {
                    self.no_children(child);
                    if let Some(extra) = args(child).next() {
                        self.error(
                            DiagnosticKind::InvalidValue {
                                what: "`env`".into(),
                                reason: "variables are properties: `env NAME=\"value\"`".into(),
                            },
                            extra.span,
                        );
                    }
                    for entry in &child.entries {
                        let Some(key) = &entry.name else { continue };
                        if let Some(value) = self.string_value(entry, || format!("the value of `{}`", key.text)) {
                            let valid = !key.text.is_empty()
                                && !key.text.starts_with(|c: char| c.is_ascii_digit())
                                && key.text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                            if valid {
                                body.env.push((Name { text: key.text.as_str().into(), span: key.span }, value));
                            } else {
                                self.error(
                                    DiagnosticKind::InvalidName {
                                        name: key.text.to_string(),
                                        reason: "environment variable names use letters, digits and `_`",
                                    },
                                    key.span,
                                );
                            }
                        }
                    }
                }
                b"license" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    body.license = self.one_string(child, "an SPDX expression");
                }
                b"timeout" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    if let Some(value) = self.one_string(child, "a duration") {
                        match parse_duration(&value.text) {
                            Some(secs) => body.timeout = Some((secs, value.span)),
                            None => self.error(DiagnosticKind::BadDuration { text: value.text.to_string() }, value.span),
                        }
                    }
                }
                _ => self.unknown_node(child, parent, BODY_CHILDREN),
            }
        }
        body
    }

    fn source(&mut self, node: &Node) -> Option<SourceRef> {
        self.check_props(node, &["path", "archive", "sha256"]);
        self.no_children(node);
        self.no_args_hint(node);
        let path = self.string_prop(node, "path");
        let archive = self.string_prop(node, "archive");
        match (path, archive) {
            (Some(path), None) => {
                if let Some(sum) = prop(node, "sha256") {
                    self.error(
                        DiagnosticKind::InvalidValue {
                            what: "`sha256`".into(),
                            reason: "a checksum goes with `archive=`, not `path=`".into(),
                        },
                        sum.span,
                    );
                }
                Some(SourceRef::Path(path))
            }
            (None, Some(path)) => {
                let sha256 = self.sha256_prop(node);
                Some(SourceRef::Archive(ArchiveRef { path, sha256 }))
            }
            (Some(_), Some(archive)) => {
                self.error(
                    DiagnosticKind::InvalidValue {
                        what: "`source`".into(),
                        reason: "give either `path=` or `archive=`, not both".into(),
                    },
                    archive.span,
                );
                None
            }
            (None, None) => {
                self.error(
                    DiagnosticKind::MissingValue { node: "source".into(), what: "`path=\"DIR\"` or `archive=\"FILE\"`" },
                    node.name.span,
                );
                None
            }
        }
    }

    fn no_args_hint(&mut self, node: &Node) {
        if let Some(extra) = args(node).next() {
            self.error(
                DiagnosticKind::InvalidValue {
                    what: format!("`{}`", node.name.text),
                    reason: "write `source path=\"DIR\"` or `source archive=\"FILE\" sha256=\"…\"`".into(),
                },
                extra.span,
            );
        }
    }

    fn stage_block(&mut self, node: &Node) -> Option<StageBlock> {
        self.check_props(node, &[]);
        let name = self.name_arg(node, "a stage name")?;
        let mut block = StageBlock {
            name,
            build_depends: None,
            drop: Vec::new(),
            outputs: Vec::new(),
            profiles: Vec::new(),
        };
        for child in self.children(node) {
            self.no_annotation(child);
            match child.name.text.as_bytes() {
                b"build-depends" => {
                    let deps = self.dep_entries(child, true);
                    block.build_depends.get_or_insert_with(Vec::new).extend(deps);
                }
                b"drop" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    block.drop.extend(self.names(child, "at least one dependency name"));
                }
                b"output" => {
                    if let Some(output) = self.output(child) {
                        block.outputs.push(output);
                    }
                }
                b"profiles" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    block.profiles.extend(self.profile_names(child));
                }
                _ => self.unknown_node(child, "a package's `stage` block", STAGE_CHILDREN),
            }
        }
        Some(block)
    }

    fn steps(&mut self, node: &Node) -> Option<Steps> {
        self.check_props(node, &[]);
        self.no_args(node);
        if node.children.is_none() {
            self.error(DiagnosticKind::MissingChild { node: node.name.text.to_string(), child: "run" }, node.name.span);
            return None;
        }
        let mut commands = Vec::new();
        for child in self.children(node) {
            self.no_annotation(child);
            if child.name.text == "run" {
                self.check_props(child, &[]);
                self.no_children(child);
                if let Some(command) = self.one_string(child, "a shell command") {
                    commands.push(command);
                }
            } else {
                self.unknown_node(child, "a steps block", STEPS_CHILDREN);
            }
        }
        Some(Steps { span: node.span, commands })
    }

    fn image(&mut self, node: &Node) {
        self.check_props(node, &[]);
        let Some(name) = self.name_arg(node, "a name") else { return };
        let mut image = Image { name, include: Vec::new(), format: None };
        for child in self.children(node) {
            self.no_annotation(child);
            match child.name.text.as_bytes() {
                b"include" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    image.include.extend(self.names(child, "at least one package or output name"));
                }
                b"format" => {
                    self.check_props(child, &[]);
                    self.no_children(child);
                    if let Some(format) = self.one_string(child, "a format") {
                        if matches!(&*format.text, "tar.zst" | "dir") {
                            image.format = Some(format);
                        } else {
                            self.error(
                                DiagnosticKind::InvalidValue {
                                    what: "image format".into(),
                                    reason: format!("`{}` is not one of `tar.zst`, `dir`", format.text),
                                },
                                format.span,
                            );
                        }
                    }
                }
                _ => self.unknown_node(child, "`image`", IMAGE_CHILDREN),
            }
        }
        self.items.images.push(image);
    }

    fn verify(&mut self, node: &Node) {
        self.check_props(node, &[]);
        let args: Vec<&Entry> = args(node).collect();
        if args.len() < 2 {
            self.error(
                DiagnosticKind::MissingValue { node: "verify".into(), what: "two stage names, e.g. `verify \"stage2\" \"final\"`" },
                node.name.span,
            );
            return;
        }
        if let Some(extra) = args.get(2) {
            self.error(DiagnosticKind::TooManyValues { node: "verify".into(), expected: 2 }, extra.span);
        }
        let left = self.string_value(args[0], || "the first stage of `verify`".into());
        let right = self.string_value(args[1], || "the second stage of `verify`".into());
        let mut packages = Vec::new();
        for child in self.children(node) {
            self.no_annotation(child);
            if child.name.text == "packages" {
                self.check_props(child, &[]);
                self.no_children(child);
                packages.extend(self.names(child, "at least one package name"));
            } else {
                self.unknown_node(child, "`verify`", VERIFY_CHILDREN);
            }
        }
        if packages.is_empty() {
            self.error(DiagnosticKind::MissingChild { node: "verify".into(), child: "packages" }, node.name.span);
        }
        if let (Some(left), Some(right)) = (left, right) {
            self.items.verifies.push(Verify { span: node.span, left, right, packages });
        }
    }
}

fn prop<'n>(node: &'n Node, key: &str) -> Option<&'n Entry> {
    node.entries.iter().find(|e| e.name.as_ref().is_some_and(|k| k.text == key))
}

fn args(node: &Node) -> impl Iterator<Item = &Entry> {
    node.entries.iter().filter(|e| e.name.is_none())
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "`#null`",
    }
}

#[cfg(test)]
mod tests;
