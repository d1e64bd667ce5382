//! Tests of the stat memo: round trip, damage, and which files are settled.

use std::time::{Duration, SystemTime};

use super::*;
use crate::test_dir::TestDir;

fn memo_of(path: &Path) -> StatMemo {
    StatMemo { stamp: FileStamp::of(&std::fs::metadata(path).unwrap()).unwrap(), digest: Digest([7; 32]) }
}

#[test]
fn a_memo_round_trips() {
    let dir = TestDir::new("memo-round-trip");
    let file = dir.path().join("dag.json");
    std::fs::write(&file, b"{}").unwrap();
    let memo = memo_of(&file);
    memo.write(&dir.path().join(MEMO_FILE));
    assert_eq!(StatMemo::read(&dir.path().join(MEMO_FILE)), Some(memo));
}

#[test]
fn a_damaged_or_cut_memo_is_ignored() {
    let dir = TestDir::new("memo-damaged");
    let file = dir.path().join("dag.json");
    std::fs::write(&file, b"{}").unwrap();
    let bytes = memo_of(&file).encode();
    for i in [0, 20, BODY_LEN - 1, BODY_LEN + 5] {
        let mut damaged = bytes.clone();
        damaged[i] ^= 1;
        assert_eq!(StatMemo::decode(&damaged), None, "byte {i} flipped");
    }
    assert_eq!(StatMemo::decode(&bytes[..bytes.len() - 1]), None);
    assert!(StatMemo::decode(&bytes).is_some());
}

#[test]
fn a_file_settles_only_once_it_is_older_than_the_margin() {
    let dir = TestDir::new("memo-settled");
    let file = dir.path().join("dag.json");
    std::fs::write(&file, b"{}").unwrap();
    let stamp = FileStamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
    assert!(!stamp.settled(SystemTime::now()));
    assert!(stamp.settled(SystemTime::now() + SETTLED + Duration::from_secs(1)));
    // An old mtime does not settle a file whose ctime (its last write) is recent.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(old).unwrap();
    assert!(!FileStamp::of(&std::fs::metadata(&file).unwrap()).unwrap().settled(SystemTime::now()));
}

#[test]
fn every_write_changes_the_stamp() {
    let dir = TestDir::new("memo-stamp");
    let file = dir.path().join("dag.json");
    std::fs::write(&file, b"abc").unwrap();
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    let before = FileStamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
    // Within the same second, same size, mtime put back: the ctime still moves.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&file, b"abd").unwrap();
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(mtime).unwrap();
    let after = FileStamp::of(&std::fs::metadata(&file).unwrap()).unwrap();
    assert_eq!((after.size, after.mtime), (before.size, before.mtime));
    assert_ne!(after, before);
}

#[test]
fn only_a_regular_file_has_a_stamp() {
    let dir = TestDir::new("memo-regular");
    assert_eq!(FileStamp::of(&std::fs::metadata(dir.path()).unwrap()), None);
    assert_eq!(FileStamp::of(&std::fs::metadata("/dev/null").unwrap()), None);
}
