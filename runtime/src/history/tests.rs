//! Tests of the duration history.

use super::*;
use crate::test_dir::TestDir;

#[test]
fn durations_round_trip_and_are_written_in_id_order() {
    let dir = TestDir::new("history");
    let path = dir.path().join("durations.json");
    let mut h = History::default();
    for (id, ms) in [("b@final", 2), ("a@final", 1), ("c@stage1", 3)] {
        h.durations.insert(id.into(), ms);
    }
    h.save(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), r#"{"durations":{"a@final":1,"b@final":2,"c@stage1":3}}"#);
    assert_eq!(History::load(&path).durations, h.durations);
    let ids = ["c@stage1", "x@final", "a@final"];
    assert_eq!(History::durations_of(&path, ids.into_iter()), [Some(3), None, Some(1)]);
}

#[test]
fn durations_are_read_through_escapes_and_despite_a_bad_file() {
    let dir = TestDir::new("history-escapes");
    let path = dir.path().join("durations.json");
    std::fs::write(&path, r#"{"durations":{"a\"b@final":4,"c@final":5}}"#).unwrap();
    assert_eq!(History::durations_of(&path, ["a\"b@final", "c@final"].into_iter()), [Some(4), Some(5)]);
    std::fs::write(&path, b"{not json").unwrap();
    assert_eq!(History::durations_of(&path, ["c@final"].into_iter()), [None]);
    assert_eq!(History::durations_of(&dir.path().join("missing"), ["c@final"].into_iter()), [None]);
}

#[test]
fn plain_ids_are_borrowed_and_escaped_ones_copied() {
    let h: Borrowed = serde_json::from_slice(br#"{"durations":{"a@final":1,"b\u0040final":2}}"#).unwrap();
    let borrowed = |id: &str| h.durations.keys().find(|k| k.0 == id).map(|k| matches!(k.0, Cow::Borrowed(_)));
    assert_eq!(borrowed("a@final"), Some(true));
    assert_eq!(borrowed("b@final"), Some(false));
}
