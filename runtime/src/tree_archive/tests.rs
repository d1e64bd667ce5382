//! Tests of `TreeArchive`.

use super::*;
use crate::test_dir::TestDir;

#[test]
fn same_tree_same_hash_whatever_the_mtime_or_place() {
    let t = TestDir::new("tree");
    for name in ["a", "b"] {
        let d = t.path().join(name);
        fs::create_dir_all(d.join("bin")).unwrap();
        fs::write(d.join("bin/tool"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(d.join("bin/tool"), fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(d.join("z.txt"), "z").unwrap();
        std::os::unix::fs::symlink("bin/tool", d.join("link")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let a = TreeArchive::pack(&t.path().join("a")).unwrap();
    let b = TreeArchive::pack(&t.path().join("b")).unwrap();
    assert_eq!(a.digest, b.digest);

    fs::set_permissions(t.path().join("b/bin/tool"), fs::Permissions::from_mode(0o600)).unwrap();
    let b2 = TreeArchive::pack(&t.path().join("b")).unwrap();
    assert_ne!(a.digest, b2.digest, "the executable bit is content");

    TreeArchive::unpack(&a.tar, &t.path().join("c")).unwrap();
    let c = TreeArchive::pack(&t.path().join("c")).unwrap();
    assert_eq!(a.digest, c.digest);
    let files: Vec<String> = TreeArchive::files(&a.tar).unwrap().into_iter().map(|f| f.0).collect();
    assert_eq!(files, ["bin/tool", "link", "z.txt"]);
}
