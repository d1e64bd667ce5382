//! Tests of `DefinitionMemo`.

use super::*;
use crate::test_dir::TestDir;

fn memo() -> DefinitionMemo {
    DefinitionMemo {
        dag: Digest([7; 32]),
        checks: Checks::Skipped,
        hashes: vec![Some(Digest([1; 32])), None, Some(Digest([3; 32]))],
    }
}

#[test]
fn round_trip() {
    let m = memo();
    assert_eq!(DefinitionMemo::decode(&m.encode()), Some(m));
}

#[test]
fn read_returns_the_hashes_only_for_the_same_dag_checks_and_count() {
    let dir = TestDir::new("defs-read");
    let path = dir.path().join(DEFINITIONS_FILE);
    let m = memo();
    m.write(&path);
    assert_eq!(DefinitionMemo::read(&path, &m.dag, Checks::Skipped, 3), Some(m.hashes.clone()));
    assert_eq!(DefinitionMemo::read(&path, &Digest([8; 32]), Checks::Skipped, 3), None);
    assert_eq!(DefinitionMemo::read(&path, &m.dag, Checks::Run, 3), None);
    assert_eq!(DefinitionMemo::read(&path, &m.dag, Checks::Skipped, 4), None);
    assert_eq!(DefinitionMemo::read(&dir.path().join("missing"), &m.dag, Checks::Skipped, 3), None);
}

#[test]
fn truncated_damaged_or_other_version_memos_do_not_decode() {
    let file = memo().encode();
    for cut in [0, 7, 8, 40, file.len() / 2, file.len() - 33, file.len() - 1] {
        assert_eq!(DefinitionMemo::decode(&file[..cut]), None, "cut at {cut}");
    }
    for at in [0, 7, 9, 45, file.len() / 2, file.len() - 40, file.len() - 1] {
        let mut bad = file.clone();
        bad[at] ^= 1;
        assert_eq!(DefinitionMemo::decode(&bad), None, "byte {at} flipped");
    }
    // Another format version, even with a valid checksum, is not read.
    let mut other = file[..file.len() - 32].to_vec();
    other[7] = 2;
    let check = Digest::of(&other);
    other.extend_from_slice(&check.0);
    assert_eq!(DefinitionMemo::decode(&other), None);
}

#[test]
fn another_schema_is_not_read() {
    let file = memo().encode();
    let mut other = file[..file.len() - 32].to_vec();
    // The schema name follows the magic, the DAG digest and its length.
    let at = 8 + 32 + 4;
    assert_eq!(&other[at..at + DEFINITION_SCHEMA.len()], DEFINITION_SCHEMA.as_bytes());
    other[at + DEFINITION_SCHEMA.len() - 1] ^= 1;
    let check = Digest::of(&other);
    other.extend_from_slice(&check.0);
    assert_eq!(DefinitionMemo::decode(&other), None);
}
