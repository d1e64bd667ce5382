//! Dependency string parsing.

use super::{parse_dependency, DependencyErrorKind};
use crate::version::Relation;

#[test]
fn plain_and_versioned_alternatives() {
    let dep = parse_dependency("make (>= 4.0) | bmake").unwrap();
    assert_eq!(dep.alternatives.len(), 2);
    let make = &dep.alternatives[0];
    assert_eq!(&*make.name, "make");
    assert_eq!(make.name_range, 0..4);
    let c = make.constraint.as_ref().unwrap();
    assert_eq!((c.relation, &*c.version), (Relation::GreaterEq, "4.0"));
    assert_eq!(&*dep.alternatives[1].name, "bmake");
    assert_eq!(dep.alternatives[1].name_range, 16..21);
    assert_eq!(dep.to_string(), "make (>= 4.0) | bmake");
}

#[test]
fn inline_restrictions() {
    let dep = parse_dependency("libfoo-dev <!stage1> <cross> | libbar(<<2)").unwrap();
    assert_eq!(dep.alternatives[0].restrictions.to_string(), "<!stage1> <cross>");
    assert!(!dep.alternatives[0].restrictions.eval(|p| p == "stage1"));
    assert!(dep.alternatives[0].restrictions.eval(|_| false));
    assert_eq!(dep.to_string(), "libfoo-dev <!stage1> <cross> | libbar (<< 2)");
}

#[test]
fn errors_point_at_the_character() {
    let cases: &[(&str, std::ops::Range<usize>, DependencyErrorKind)] = &[
        ("make (> 4)", 6..7, DependencyErrorKind::Version),
        ("make (>= 4", 5..6, DependencyErrorKind::Version),
        ("make (>= 4_0)", 10..11, DependencyErrorKind::Version),
        ("make (4.0)", 6..7, DependencyErrorKind::Version),
        ("python3:any", 7..8, DependencyErrorKind::Syntax),
        ("foo [amd64]", 4..11, DependencyErrorKind::Syntax),
        ("a |", 3..3, DependencyErrorKind::Syntax),
        ("| a", 0..1, DependencyErrorKind::Syntax),
        ("a, b", 1..2, DependencyErrorKind::Syntax),
        ("a <!stage1", 2..3, DependencyErrorKind::Restriction),
        ("a <>", 2..4, DependencyErrorKind::Restriction),
        ("a <!!x>", 4..5, DependencyErrorKind::Restriction),
        ("", 0..0, DependencyErrorKind::Syntax),
        ("a (", 3..3, DependencyErrorKind::Version),
        ("a (\n", 4..4, DependencyErrorKind::Version),
        ("a (é)", 3..5, DependencyErrorKind::Version),
    ];
    for (text, range, kind) in cases {
        let err = parse_dependency(text).unwrap_err();
        assert_eq!((&err.range, err.kind), (range, *kind), "{text}: {}", err.reason);
    }
}

/// Every error range lies inside the text and on character boundaries, whatever the input.
#[test]
fn error_ranges_stay_inside_the_text() {
    let pieces = ["a", " ", "(", ")", ">=", "<<", "=", "1.0", "é", "|", "<", ">", "!", "x", "[", "]", ":", ",", "\n"];
    let mut texts = vec![String::new()];
    for _ in 0..4 {
        texts = texts.iter().flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}"))).collect();
        for text in &texts {
            if let Err(e) = parse_dependency(text) {
                assert!(e.range.start <= e.range.end && e.range.end <= text.len(), "{text:?}: {:?}", e.range);
                assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end), "{text:?}: {:?}", e.range);
            }
        }
    }
}
