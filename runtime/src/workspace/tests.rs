//! Tests of `Workspace` expansion and environment.

use super::*;
use crate::dag_builder::DagBuilder;

#[test]
fn expansion() {
    let mut b = DagBuilder::new();
    let a = b.action("p", &[], &[]);
    b.get(a).outputs.push(compiler::dag::Output { name: "p-doc".into(), version: None, depends: vec![], provides: vec![] });
    let dag = b.build();
    let action = &dag.actions[a];
    let ws = Workspace::locate(Path::new("/w"), action);
    assert_eq!(
        ws.expand(action, "make -j${jobs} DESTDIR=${out} DOC=${out.p-doc} S=${sysroot} $HOME $(pwd)", 4).unwrap(),
        "make -j4 DESTDIR=/w/p@final/out/p DOC=/w/p@final/out/p-doc S=/w/p@final/sysroot $HOME $(pwd)"
    );
    let err = ws.expand(action, "echo ${prefix}", 1).unwrap_err();
    assert_eq!(err, WorkspaceError::UnknownVariable { action: "p@final".into(), var: "prefix".into() });
    assert!(err.to_string().starts_with("unknown variable `${prefix}` in a command of `p@final`"));
    assert!(ws.expand(action, "echo ${out.nope}", 1).is_err());
    assert!(ws.expand(action, "echo ${out", 1).is_err());
}

#[test]
fn environment() {
    let mut b = DagBuilder::new();
    let a = b.action_at("p", "stage1", &[], &[]);
    b.get(a).env.insert("CFLAGS".into(), "-O2".into());
    let dag = b.build();
    let action = &dag.actions[a];
    let ws = Workspace::locate(Path::new("/w"), action);
    let env = ws.env(action, &["final"], &[PathBuf::from("/t/host")]);
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.to_string_lossy().into_owned());
    assert_eq!(get("CFLAGS").as_deref(), Some("-O2"));
    assert_eq!(get("PATH").as_deref(), Some("/w/p@stage1/sysroot/bin:/t/host"));
    assert_eq!(get("DEB_STAGE").as_deref(), Some("stage1"));
    assert_eq!(get("PLANC_STAGE").as_deref(), Some("stage1"));
    assert_eq!(get("DEB_BUILD_PROFILES").as_deref(), Some("stage1"));
    assert_eq!(get("HOME").as_deref(), Some("/w/p@stage1"));
    assert_eq!(env.len(), 6);
}
