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
}
