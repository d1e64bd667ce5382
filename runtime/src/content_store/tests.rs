//! Tests of the disk and memory stores.

use super::*;
use crate::test_dir::TestDir;

fn archive(text: &str) -> TreeArchive {
    let t = TestDir::new("store-src");
    fs::write(t.path().join("f"), text).unwrap();
    TreeArchive::pack(t.path()).unwrap()
}

/// Content that does not compress below `INLINE_MAX`: its blob is a file.
fn noise(seed: u64) -> String {
    let mut x = seed | 1;
    (0..4000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b'!' + (x % 90) as u8)
        })
        .collect()
}

fn entry(key: &str, action: &str, a: &TreeArchive) -> ActionEntry {
    ActionEntry {
        key: Digest::of(key.as_bytes()),
        action: action.into(),
        definition: Digest::of(b"def"),
        outputs: vec![OutputDigest { name: "o".into(), digest: a.digest }],
        duration_ms: 5,
    }
}

#[test]
fn disk_store_round_trip_and_reload() {
    let t = TestDir::new("store");
    let a = archive(&noise(1));
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&a).unwrap();
        assert_eq!(s.get(&a.digest).unwrap(), a.tar, "readable while pending");
        s.record(entry("k1", "p@final", &a)).unwrap();
        s.flush().unwrap();
        assert!(s.root().join("blobs").join(format!("{}.tar.zst", a.digest)).exists());
    }
    let s = DiskStore::open(t.path()).unwrap();
    assert_eq!(s.lookup(&Digest::of(b"k1")).unwrap().action, "p@final");
    assert_eq!(s.cached_outputs(&Digest::of(b"k1")), Some(entry("k1", "p@final", &a).outputs));
    assert_eq!(s.cached_outputs(&Digest::of(b"k2")), None);
    assert_eq!(s.latest("p@final").unwrap().key, Digest::of(b"k1"));
    assert_eq!(s.get(&a.digest).unwrap(), a.tar);
    s.forget(&Digest::of(b"k1")).unwrap();
    drop(s);
    let s = DiskStore::open(t.path()).unwrap();
    assert!(s.lookup(&Digest::of(b"k1")).is_none());
    assert!(s.cached_outputs(&Digest::of(b"k1")).is_none());
}

#[test]
fn closing_without_freeing_commits_every_write() {
    let t = TestDir::new("store-close");
    let a = archive(&noise(7));
    let s = DiskStore::open(t.path()).unwrap();
    s.put(&a).unwrap();
    s.record(entry("k1", "p@final", &a)).unwrap();
    s.close_leaving_memory();
    let s = DiskStore::open(t.path()).unwrap();
    assert_eq!(s.lookup(&Digest::of(b"k1")).unwrap().action, "p@final");
    assert_eq!(s.get(&a.digest).unwrap(), a.tar);
}

#[test]
fn corrupt_blob_is_detected_and_deleted() {
    let t = TestDir::new("store-corrupt");
    let a = archive(&noise(2));
    let s = DiskStore::open(t.path()).unwrap();
    s.put(&a).unwrap();
    s.record(entry("k", "p@final", &a)).unwrap();
    s.flush().unwrap();
    let path = t.path().join("blobs").join(format!("{}.tar.zst", a.digest));
    let mut bytes = fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n - 5] ^= 0x55;
    fs::write(&path, bytes).unwrap();
    assert!(matches!(s.get(&a.digest), Err(StoreError::Corrupt(_))));
    assert!(!path.exists());
    assert!(matches!(s.get(&a.digest), Err(StoreError::Missing(_))));
    // A later put writes it again.
    s.put(&a).unwrap();
    s.flush().unwrap();
    assert_eq!(s.get(&a.digest).unwrap(), a.tar);
}

#[test]
fn torn_log_tail_is_cut_off() {
    let t = TestDir::new("store-torn");
    let a = archive("x");
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&a).unwrap();
        s.record(entry("k", "p@final", &a)).unwrap();
        s.record(entry("k1", "p1@final", &a)).unwrap();
    }
    // A crash in the middle of the second record's write.
    let log = t.path().join(LOG);
    let whole = fs::read(&log).unwrap();
    fs::write(&log, &whole[..whole.len() - 5]).unwrap();
    let s = DiskStore::open(t.path()).unwrap();
    assert!(s.lookup(&Digest::of(b"k")).is_some());
    assert!(s.lookup(&Digest::of(b"k1")).is_none(), "a torn record is not an entry");
    s.record(entry("k2", "q@final", &a)).unwrap();
    drop(s);
    let s = DiskStore::open(t.path()).unwrap();
    assert!(s.lookup(&Digest::of(b"k2")).is_some(), "appends after a torn record survive");
    assert!(s.lookup(&Digest::of(b"k")).is_some());
}

#[test]
fn json_log_of_an_older_planc_is_converted() {
    let t = TestDir::new("store-json");
    let a = archive("x");
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&a).unwrap();
    }
    let e = entry("k", "p@final", &a);
    let mut text = format!("{{\"record\":{}}}\n", serde_json::to_string(&e).unwrap());
    text.push_str(&format!("{{\"forget\":{{\"key\":\"{}\"}}}}\n", Digest::of(b"gone")));
    text.push_str("{\"record\":{\"key\":\"ab");
    fs::remove_file(t.path().join(LOG)).unwrap();
    fs::write(t.path().join(JSON_LOG), text).unwrap();
    let s = DiskStore::open(t.path()).unwrap();
    assert_eq!(s.lookup(&e.key), Some(e.clone()));
    assert_eq!(s.entries().len(), 1);
    drop(s);
    assert!(!t.path().join(JSON_LOG).exists());
    assert_eq!(DiskStore::open(t.path()).unwrap().lookup(&e.key), Some(e));
}

#[test]
fn a_log_of_another_format_is_an_error() {
    let t = TestDir::new("store-format");
    fs::write(t.path().join(LOG), b"PLNCAL\0\x09future").unwrap();
    assert!(matches!(DiskStore::open(t.path()), Err(StoreError::Log { .. })));
}

/// A small blob lives in the log: no file, back after a reopen, exported as it is,
/// and dropped by a log rewrite that keeps no entry referring to it.
#[test]
fn small_blobs_are_stored_in_the_log() {
    let t = TestDir::new("store-inline");
    let (small, big) = (archive("hello"), archive(&noise(3)));
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&small).unwrap();
        s.put(&big).unwrap();
        s.record(entry("k", "p@final", &small)).unwrap();
        s.record(entry("k2", "q@final", &big)).unwrap();
        assert_eq!(s.get(&small.digest).unwrap(), small.tar, "readable before the commit");
    }
    let blobs: Vec<_> = fs::read_dir(t.path().join("blobs")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(blobs, [std::ffi::OsString::from(format!("{}.tar.zst", big.digest))], "only the big one is a file");
    let s = DiskStore::open(t.path()).unwrap();
    assert_eq!(s.get(&small.digest).unwrap(), small.tar);
    let compressed = s.get_compressed(&small.digest).unwrap();
    let t2 = TestDir::new("store-inline-import");
    let s2 = DiskStore::open(t2.path()).unwrap();
    s2.put_compressed(&small.digest, &compressed).unwrap();
    assert_eq!(s2.get(&small.digest).unwrap(), small.tar);
    // Keep only q: p's small blob goes with its entry.
    let keep = vec![s.lookup(&Digest::of(b"k2")).unwrap()];
    assert_eq!(s.rewrite_log(&keep).unwrap(), 1);
    drop(s);
    let s = DiskStore::open(t.path()).unwrap();
    assert!(matches!(s.get(&small.digest), Err(StoreError::Missing(_))));
    assert_eq!(s.get(&big.digest).unwrap(), big.tar);
}

#[test]
fn memory_store_detects_corruption() {
    let s = MemoryStore::new();
    let a = archive("y");
    s.put(&a).unwrap();
    s.corrupt(&a.digest);
    assert!(matches!(s.get(&a.digest), Err(StoreError::Corrupt(_))));
}

#[test]
fn memory_store_looks_up_outputs() {
    let s = MemoryStore::new();
    let a = archive("z");
    let e = entry("k1", "p@final", &a);
    s.record(e.clone()).unwrap();
    assert_eq!(s.cached_outputs(&e.key), Some(e.outputs));
    s.forget(&e.key).unwrap();
    assert_eq!(s.cached_outputs(&e.key), None);
}

/// The latest entry of an action id, replayed from a reopened log and then kept up to
/// date: a newer entry replaces it, forgetting it leaves none (not the one before).
#[test]
fn latest_entry_follows_records_and_forgets_across_reopens() {
    let t = TestDir::new("store-latest");
    let a = archive("l");
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.record(entry("k1", "p@final", &a)).unwrap();
        s.record(entry("k2", "p@final", &a)).unwrap();
        s.record(entry("q1", "q@final", &a)).unwrap();
        s.forget(&Digest::of(b"q1")).unwrap();
        s.record(entry("r1", "r@final", &a)).unwrap();
        s.record(entry("r2", "r@final", &a)).unwrap();
        s.forget(&Digest::of(b"r1")).unwrap();
    }
    let s = DiskStore::open(t.path()).unwrap();
    assert_eq!(s.latest("p@final").unwrap().key, Digest::of(b"k2"));
    assert!(s.latest("q@final").is_none(), "its only entry was forgotten");
    assert_eq!(s.latest("r@final").unwrap().key, Digest::of(b"r2"), "an older entry's forget leaves the latest");
    // Built now: later records and forgets keep it right.
    s.record(entry("k3", "p@final", &a)).unwrap();
    assert_eq!(s.latest("p@final").unwrap().key, Digest::of(b"k3"));
    s.forget(&Digest::of(b"k3")).unwrap();
    assert!(s.latest("p@final").is_none(), "the latest forgotten leaves none");
    assert_eq!(s.lookup(&Digest::of(b"k2")).unwrap().action, "p@final", "older entries stay");
    let keys: Vec<_> = s.entries().iter().map(|e| e.key).collect();
    assert_eq!(keys, [b"k1".as_slice(), b"k2", b"r2"].map(Digest::of), "entries in the order they were logged");
}

/// A small blob damaged in the log is detected by its hash when read, and not used.
#[test]
fn corrupt_small_blob_in_the_log_is_detected() {
    let t = TestDir::new("store-inline-corrupt");
    let small = archive("tiny");
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&small).unwrap();
    }
    // A log whose blob record is intact (its hash matches) but whose compressed bytes
    // are not those of the digest, as a disk returning wrong data under a right
    // checksum would leave.
    let log = t.path().join(LOG);
    let old = fs::read(&log).unwrap();
    let d = action_log::decode(&old).unwrap();
    let Some((_, Peek::Blob(_, range))) = d.records.first().cloned() else { panic!("no blob record") };
    let mut damaged = old[range].to_vec();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x20;
    let mut bytes = action_log::MAGIC.to_vec();
    action_log::encode(&LogRecord::Blob(small.digest, damaged), &mut bytes);
    fs::write(&log, &bytes).unwrap();
    let s = DiskStore::open(t.path()).unwrap();
    assert!(matches!(s.get(&small.digest), Err(StoreError::Corrupt(_))));
    assert!(matches!(s.get(&small.digest), Err(StoreError::Missing(_))), "dropped after it was found corrupt");
    s.put(&small).unwrap();
    assert_eq!(s.get(&small.digest).unwrap(), small.tar, "put again");
}

/// A blob referred to by an entry of the opened log is known complete: putting it again
/// writes nothing; one missing from `blobs/` is put again after a read finds it gone.
#[test]
fn blobs_of_logged_entries_are_not_written_again() {
    let t = TestDir::new("store-committed");
    let a = archive(&noise(11));
    {
        let s = DiskStore::open(t.path()).unwrap();
        s.put(&a).unwrap();
        s.record(entry("k", "p@final", &a)).unwrap();
    }
    let path = t.path().join("blobs").join(format!("{}.tar.zst", a.digest));
    fs::remove_file(&path).unwrap();
    let s = DiskStore::open(t.path()).unwrap();
    s.put(&a).unwrap();
    s.flush().unwrap();
    assert!(!path.exists(), "the log says it is committed: not written again");
    assert!(matches!(s.get(&a.digest), Err(StoreError::Missing(_))));
    s.put(&a).unwrap();
    s.flush().unwrap();
    assert_eq!(s.get(&a.digest).unwrap(), a.tar, "put again once found missing");
}
