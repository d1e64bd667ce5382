//! The merged plan after edits: a session that patches its last merge gives exactly the
//! plan that a fresh session merges in full, on random plans with templates, `extend`
//! blocks and duplicates, and the patch is taken where the rules allow it.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::merged_plan;
use crate::db::Db;
use crate::session::{Session, SessionConfig};
use crate::test_dir::TempDir;

/// The files the root imports, in this order: package files around the templates file
/// and the extensions file, so that a template or an `extend` added to a package file
/// may come before or after the others.
const FILES: [&str; 5] = ["a.kdl", "t.kdl", "b.kdl", "e.kdl", "c.kdl"];
/// Package names: few, so that files define some twice.
const NAMES: u8 = 6;

#[derive(Clone, Debug)]
struct Pkg {
    name: u8,
    version: u8,
    /// `t0`, `t1` (in `t.kdl`) or `t9` (nowhere).
    template: Option<u8>,
    deps: Vec<u8>,
    outputs: u8,
    env: Option<u8>,
    build: u8,
    stage: bool,
}

#[derive(Clone, Debug)]
enum Item {
    Package(Pkg),
    Template { name: u8, deps: Vec<u8> },
    Extend { target: u8, deps: Vec<u8> },
    Seed { name: u8 },
}

/// A dependency: `cc` (from the seed) or a package.
fn dep(d: u8) -> String {
    if d == NAMES { "cc".to_string() } else { format!("p{d}") }
}

fn depends(out: &mut String, deps: &[u8]) {
    if !deps.is_empty() {
        out.push_str("    build-depends");
        for &d in deps {
            let _ = write!(out, " \"{}\"", dep(d));
        }
        out.push('\n');
    }
}

impl Item {
    fn text(&self, out: &mut String) {
        match self {
            Item::Package(p) => {
                let _ = write!(out, "package \"p{}\" version=\"1.{}\"", p.name, p.version);
                if let Some(t) = p.template {
                    let _ = write!(out, " use=\"t{t}\"");
                }
                out.push_str(" {\n");
                depends(out, &p.deps);
                for o in 0..p.outputs {
                    let _ = writeln!(out, "    output \"p{}-{o}\" {{ depends \"cc\"; }}", p.name);
                }
                if let Some(e) = p.env {
                    let _ = writeln!(out, "    env E=\"{e}\"");
                }
                if p.stage {
                    out.push_str("    stage \"stage1\" { build-depends \"cc\"; }\n");
                }
                let _ = writeln!(out, "    build {{ run \"make {}\"; }}\n}}", p.build);
            }
            Item::Template { name, deps } => {
                let _ = writeln!(out, "template \"t{name}\" {{");
                depends(out, deps);
                let _ = writeln!(out, "    env T=\"{name}\"\n    build {{ run \"template {name}\"; }}\n}}");
            }
            Item::Extend { target, deps } => {
                let _ = writeln!(out, "extend \"p{target}\" {{");
                depends(out, deps);
                let _ = writeln!(out, "    output \"p{target}-extra\"\n    stage \"stage1\" {{ build-depends \"cc\"; }}\n}}");
            }
            Item::Seed { name } => {
                let _ = writeln!(out, "seed \"s{name}\" {{ provides \"extra{name}\"; }}");
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Plan {
    files: Vec<Vec<Item>>,
    /// Whether the root imports the files in reverse, which changes which of two
    /// definitions of a package or template comes first.
    reversed: bool,
}

impl Plan {
    fn file_text(&self, f: usize) -> String {
        let mut out = String::new();
        for item in &self.files[f] {
            item.text(&mut out);
        }
        out
    }

    fn write(&self, dir: &std::path::Path) {
        let mut root = String::from("plan \"merge\" { stages \"stage1\"; }\nseed \"host\" { from-host \"cc\"; }\n");
        let mut names = FILES;
        if self.reversed {
            names.reverse();
        }
        for name in names {
            let _ = writeln!(root, "import \"./{name}\"");
        }
        std::fs::write(dir.join("plan.kdl"), root).unwrap();
        for (f, name) in FILES.iter().enumerate() {
            std::fs::write(dir.join(name), self.file_text(f)).unwrap();
        }
    }
}

#[derive(Clone, Debug)]
enum Edit {
    /// Replaces the first build dependency (or adds one).
    Dep(u8),
    AddDep(u8),
    RemoveDep,
    Version(u8),
    Env(Option<u8>),
    Build(u8),
    Outputs(u8),
    Use(Option<u8>),
    Stage(bool),
    Rename(u8),
    AddTemplate(u8, Vec<u8>),
    AddExtend(u8, Vec<u8>),
    AddSeed(u8),
    /// Removes an item.
    Remove,
}

impl Edit {
    /// Whether the edit changes only a package's body (not its name), which a patch may
    /// apply when its file has no templates, extensions or seeds.
    fn of_a_body(&self) -> bool {
        !matches!(self, Edit::Rename(_) | Edit::AddTemplate(..) | Edit::AddExtend(..) | Edit::AddSeed(_) | Edit::Remove)
    }

    /// Applies the edit to item `at` of `items` (or adds an item after it).
    fn apply(&self, items: &mut Vec<Item>, at: usize) {
        let at = at % (items.len() + 1);
        match self {
            Edit::AddTemplate(name, deps) => items.insert(at, Item::Template { name: *name, deps: deps.clone() }),
            Edit::AddExtend(target, deps) => items.insert(at, Item::Extend { target: *target, deps: deps.clone() }),
            Edit::AddSeed(name) => items.insert(at, Item::Seed { name: *name }),
            Edit::Remove if at < items.len() => {
                items.remove(at);
            }
            _ => {
                let Some(item) = items.get_mut(at) else { return };
                let deps = match item {
                    Item::Package(p) => {
                        match *self {
                            Edit::Version(v) => p.version = v,
                            Edit::Env(e) => p.env = e,
                            Edit::Build(b) => p.build = b,
                            Edit::Outputs(n) => p.outputs = n,
                            Edit::Use(t) => p.template = t,
                            Edit::Stage(s) => p.stage = s,
                            Edit::Rename(n) => p.name = n,
                            _ => {}
                        }
                        &mut p.deps
                    }
                    Item::Template { deps, .. } | Item::Extend { deps, .. } => deps,
                    Item::Seed { .. } => return,
                };
                match *self {
                    Edit::Dep(d) if deps.is_empty() => deps.push(d),
                    Edit::Dep(d) => deps[0] = d,
                    Edit::AddDep(d) => deps.push(d),
                    Edit::RemoveDep => {
                        deps.pop();
                    }
                    _ => {}
                }
            }
        }
    }
}

fn name() -> impl Strategy<Value = u8> {
    0..NAMES
}

fn deps() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(0..=NAMES, 0..=3)
}

fn package() -> impl Strategy<Value = Pkg> {
    (name(), 0u8..3, proptest::option::of(0u8..3), deps(), 0u8..3, proptest::option::of(0u8..2), 0u8..2, any::<bool>())
        .prop_map(|(name, version, template, deps, outputs, env, build, stage)| Pkg {
            name,
            version,
            template: template.map(|t| if t == 2 { 9 } else { t }),
            deps,
            outputs,
            env,
            build,
            stage,
        })
}

fn packages() -> impl Strategy<Value = Vec<Item>> {
    proptest::collection::vec(package().prop_map(Item::Package), 1..=4)
}

fn random_plan() -> impl Strategy<Value = Plan> {
    let templates = proptest::collection::vec((0u8..2, deps()).prop_map(|(name, deps)| Item::Template { name, deps }), 0..=2);
    let extends = proptest::collection::vec((name(), deps()).prop_map(|(target, deps)| Item::Extend { target, deps }), 0..=3);
    (packages(), templates, packages(), extends, packages()).prop_map(|(a, t, b, e, c)| Plan { files: vec![a, t, b, e, c], reversed: false })
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (0..=NAMES).prop_map(Edit::Dep),
        2 => (0..=NAMES).prop_map(Edit::AddDep),
        2 => Just(Edit::RemoveDep),
        1 => (0u8..3).prop_map(Edit::Version),
        1 => proptest::option::of(0u8..2).prop_map(Edit::Env),
        1 => (0u8..2).prop_map(Edit::Build),
        1 => (0u8..3).prop_map(Edit::Outputs),
        1 => proptest::option::of(0u8..2).prop_map(Edit::Use),
        1 => any::<bool>().prop_map(Edit::Stage),
        1 => name().prop_map(Edit::Rename),
        1 => (0u8..2, deps()).prop_map(|(n, d)| Edit::AddTemplate(n, d)),
        1 => (name(), deps()).prop_map(|(n, d)| Edit::AddExtend(n, d)),
        1 => (0u8..2).prop_map(Edit::AddSeed),
        2 => Just(Edit::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// After each of a few edits to one file, the session's merged plan (patched from the
    /// last one where allowed) equals a fresh session's full merge of the same texts; an
    /// edit of a package's body in a file without templates, extensions or seeds is
    /// patched, every other edit merges in full. An "edit" of the root (file 5) reverses
    /// its imports.
    #[test]
    fn edits_give_a_full_merges_plan(
        plan in random_plan(),
        edits in proptest::collection::vec((0..=FILES.len(), any::<prop::sample::Index>(), edit()), 1..=4),
    ) {
        let dir = TempDir::new();
        plan.write(&dir.0);
        let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
        let counts = |s: &Session| s.db().merge_memo().lock().unwrap().merge_counts();
        let _ = merged_plan(session.db(), session.root());
        prop_assert_eq!(counts(&session), (0, 1));
        let mut plan = plan;
        for (file, at, edit) in edits {
            if file == FILES.len() {
                plan.reversed = !plan.reversed;
                plan.write(&dir.0);
                let root = dir.0.join("plan.kdl");
                session.set_text(&root.display().to_string(), &std::fs::read_to_string(&root).unwrap());
                let (patched, merged) = counts(&session);
                let again = merged_plan(session.db(), session.root());
                let fresh = Session::open(&dir.0, &SessionConfig::default()).unwrap();
                prop_assert_eq!(again, merged_plan(fresh.db(), fresh.root()), "after reversing the imports");
                prop_assert_eq!(counts(&session), (patched, merged + 1), "another order of files merges in full");
                continue;
            }
            let before = plan.file_text(file);
            let at = at.index(plan.files[file].len() + 1);
            let edited_package = matches!(plan.files[file].get(at), Some(Item::Package(_)));
            edit.apply(&mut plan.files[file], at);
            let after = plan.file_text(file);
            let has = |kind: fn(&Item) -> bool| plan.files[file].iter().any(kind);
            let layered = has(|i| matches!(i, Item::Template { .. } | Item::Extend { .. }));
            let seeded = has(|i| matches!(i, Item::Seed { .. }));
            let (patched, merged) = counts(&session);
            plan.write(&dir.0);
            let name = dir.0.join(FILES[file]);
            session.set_text(&name.display().to_string(), &after);
            let again = merged_plan(session.db(), session.root());
            let fresh = Session::open(&dir.0, &SessionConfig::default()).unwrap();
            prop_assert_eq!(again, merged_plan(fresh.db(), fresh.root()), "after {:?} in {}", edit, FILES[file]);
            let now = counts(&session);
            if before == after {
                prop_assert_eq!(now, (patched, merged), "an unchanged text merges nothing");
                continue;
            }
            // A seed that the edit leaves may still have moved (its span changed): then
            // the merge is full, otherwise patched.
            if seeded && edit.of_a_body() {
                prop_assert_eq!(now.0 + now.1, patched + merged + 1);
                continue;
            }
            let expected = if edit.of_a_body() && edited_package && !layered {
                (patched + 1, merged)
            } else {
                (patched, merged + 1)
            };
            prop_assert_eq!(counts(&session), expected, "after {:?} in {}", edit, FILES[file]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The full merge with its packages built on several threads, one package a share (so
    /// that the threads interleave), is the merge built on one thread.
    #[test]
    fn merging_on_threads_is_merging_on_one(plan in random_plan(), threads in 2usize..=4) {
        let dir = TempDir::new();
        plan.write(&dir.0);
        let session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
        let db = session.db();
        let all: Vec<_> = crate::plan_files::plan_files(db, session.root())
            .files
            .iter()
            .map(|&f| (f.name(db).clone(), crate::front::lower_file(db, f).clone()))
            .collect();
        let header = super::MergedPlan { root_dir: dir.0.clone(), ..super::MergedPlan::default() };
        let one = super::merge_on(header.clone(), &all, 1, usize::MAX);
        prop_assert_eq!(super::merge_on(header, &all, threads, 1), one);
    }
}

/// An edit of a package's build dependencies in one of several files rebuilds that
/// file's packages and shares every other package with the last plan.
#[test]
fn a_dependency_edit_shares_the_other_packages() {
    let dir = TempDir::new();
    let plan = Plan {
        files: vec![
            vec![Item::Package(Pkg { name: 0, version: 0, template: Some(0), deps: vec![NAMES], outputs: 1, env: None, build: 0, stage: false })],
            vec![Item::Template { name: 0, deps: vec![1] }],
            vec![Item::Package(Pkg { name: 1, version: 0, template: None, deps: vec![NAMES], outputs: 0, env: None, build: 0, stage: false })],
            vec![Item::Extend { target: 0, deps: vec![2] }],
            vec![Item::Package(Pkg { name: 2, version: 0, template: None, deps: vec![NAMES], outputs: 0, env: None, build: 0, stage: false })],
        ],
        reversed: false,
    };
    plan.write(&dir.0);
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let first = merged_plan(session.db(), session.root()).clone();
    let a = dir.0.join("a.kdl");
    let text = std::fs::read_to_string(&a).unwrap().replace("\"cc\"", "\"cc\" \"p2\"");
    session.set_text(&a.display().to_string(), &text);
    let second = merged_plan(session.db(), session.root());
    assert_eq!(session.db().merge_memo().lock().unwrap().merge_counts(), (1, 1));
    let deps = |p: &super::PackageDef| p.deps.iter().map(|d| d.dep().to_string()).collect::<Vec<_>>();
    // The template's dependency, the package's own, then the extension's.
    assert_eq!(deps(&second.packages[0]), ["p1", "cc", "p2", "p2"]);
    assert!(!std::sync::Arc::ptr_eq(&first.packages[0], &second.packages[0]));
    assert!(std::sync::Arc::ptr_eq(&first.packages[1], &second.packages[1]));
    assert!(std::sync::Arc::ptr_eq(&first.packages[2], &second.packages[2]));
}

/// The packages of an edited file that the edit left as they were stay the last plan's.
#[test]
fn an_edit_keeps_the_unchanged_packages_of_its_file() {
    let dir = TempDir::new();
    std::fs::write(dir.0.join("plan.kdl"), "plan \"p\"\nimport \"./x.kdl\"\nseed \"host\" { from-host \"cc\" \"make\"; }\n").unwrap();
    let x = dir.0.join("x.kdl");
    let text = "package \"a\" { build-depends \"cc\"; }\npackage \"b\" { build-depends \"cc\"; }\n";
    std::fs::write(&x, text).unwrap();
    let mut session = Session::open(&dir.0, &SessionConfig::default()).unwrap();
    let first = merged_plan(session.db(), session.root()).clone();
    session.set_text(&x.display().to_string(), &text.replacen("package \"b\" { build-depends \"cc\"", "package \"b\" { build-depends \"make\"", 1));
    let second = merged_plan(session.db(), session.root());
    assert_eq!(session.db().merge_memo().lock().unwrap().merge_counts(), (1, 1));
    assert!(std::sync::Arc::ptr_eq(&first.packages[0], &second.packages[0]), "a is unchanged");
    assert!(!std::sync::Arc::ptr_eq(&first.packages[1], &second.packages[1]), "b needs make");
}

/// The shortcut for name-only paths gives what normalizing and relating the whole path
/// gives, for files below, at and outside the root's directory.
#[test]
fn name_only_source_paths_are_relative_to_the_root_as_any_other() {
    use std::path::Path;
    let slow = |root: &str, file: &str, path: &str| {
        let base = Path::new(file).parent().unwrap_or(Path::new(""));
        let full = crate::plan_files::normalize(&base.join(path));
        super::relative_to(Path::new(root), &full).to_string_lossy().into_owned()
    };
    let roots = ["", "plans", "plans/demo", "../up", "a/b"];
    let files = ["plan.kdl", "plans/demo/plan.kdl", "plans/demo/pkgs/x.kdl", "plans/other/y.kdl", "./plans/./demo/../demo/z.kdl", "../up/q.kdl", "a/w.kdl", "a/b/c/v.kdl"];
    let paths = ["p1", "src/p1", "p1/", "", "b/c", "demo/src"];
    for root in roots {
        for file in files {
            for path in paths {
                // Twice: the second answer comes from the kept one.
                for _ in 0..2 {
                    assert_eq!(super::plan_relative(Path::new(root), file, path), slow(root, file, path), "root {root:?}, file {file:?}, path {path:?}");
                }
            }
        }
    }
}
