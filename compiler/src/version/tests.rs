//! dpkg ordering checked against dpkg itself, and validation.

use std::cmp::Ordering;

use super::{compare, validate, Constraint, Relation};

const VERSIONS: &[&str] = &[
    "0", "1", "1.0", "1.0-1", "1.0-1~bpo1", "1.0~rc1", "1.0~rc1-1", "1.0+dfsg-1", "1:0.9", "1:1.0-1",
    "2:0", "1.0a", "1.0A", "1.00", "1.0.0", "1.2-3+b1", "1.2-3+deb11u1", "10", "9", "1.10", "1.9",
    "2.31-13+deb11u5", "2.31-13", "2.31-9", "0.0~git20200101", "1.0-0", "1.0-", "1.0-1.1", "1.0~~", "1.0~",
    "1.0+", "1.0.", "3.0.0~beta+really2.9", "7.0.0-1~exp1", "1:4.4.10-10~", "1:4.4.10-10",
];

/// dpkg's own answers for many pairs, in one shell process.
fn dpkg_compare(pairs: &[(String, String)]) -> Vec<Ordering> {
    let mut script = String::new();
    for (a, b) in pairs {
        script.push_str(&format!(
            "if dpkg --compare-versions '{a}' lt '{b}'; then echo L; elif dpkg --compare-versions '{a}' eq '{b}'; then echo E; else echo G; fi\n"
        ));
    }
    use std::io::Write;
    let mut child = std::process::Command::new("sh")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cannot start sh");
    child.stdin.take().expect("piped stdin").write_all(script.as_bytes()).expect("write the script");
    let out = child.wait_with_output().expect("these tests use dpkg as the oracle; run them on a Debian system");
    let answers: Vec<Ordering> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| match l {
            "L" => Ordering::Less,
            "E" => Ordering::Equal,
            _ => Ordering::Greater,
        })
        .collect();
    assert_eq!(answers.len(), pairs.len(), "dpkg failed: {}", String::from_utf8_lossy(&out.stderr));
    answers
}

fn assert_matches_dpkg(pairs: Vec<(String, String)>) {
    let expected = dpkg_compare(&pairs);
    let mismatches: Vec<String> = pairs
        .iter()
        .zip(expected)
        .filter(|((a, b), e)| compare(a, b) != *e)
        .map(|((a, b), e)| format!("{a} vs {b}: ours {:?}, dpkg {e:?}", compare(a, b)))
        .collect();
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn ordering_matches_dpkg() {
    let valid: Vec<&str> = VERSIONS.iter().copied().filter(|v| validate(v).is_ok()).collect();
    let pairs = valid.iter().flat_map(|a| valid.iter().map(|b| (a.to_string(), b.to_string()))).collect();
    assert_matches_dpkg(pairs);
}

#[test]
fn ordering_on_generated_versions_matches_dpkg() {
    // A deterministic generator over the characters that matter to dpkg's ordering.
    let pieces = ["0", "1", "01", "9", "10", "a", "b", "~", "+", ".", "-1", "-2", "1:"];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut pairs = Vec::new();
    while pairs.len() < 1500 {
        let mut make = || {
            let mut v = String::from("1");
            for _ in 0..(next() % 6) {
                v.push_str(pieces[(next() % pieces.len() as u64) as usize]);
            }
            v
        };
        let (a, b) = (make(), make());
        if validate(&a).is_ok() && validate(&b).is_ok() {
            pairs.push((a, b));
        }
    }
    assert_matches_dpkg(pairs);
}

#[test]
fn validation() {
    for ok in ["1", "1.0-1", "1:2.3~rc1+dfsg-4.1", "2.31-13+deb11u5", "1.0-1-2"] {
        assert_eq!(validate(ok), Ok(()), "{ok}");
    }
    for (bad, at) in [("", 0), ("a:1", 0), (":1", 0), ("1.0-", 3), ("1_0", 1), ("1.0-a_b", 5), ("1:", 2)] {
        assert_eq!(validate(bad).map_err(|e| e.at), Err(at), "{bad}");
    }
}

#[test]
fn constraints() {
    let c = |relation, v: &str| Constraint { relation, version: v.into() };
    assert!(c(Relation::GreaterEq, "4.0").allows("4.3"));
    assert!(!c(Relation::GreaterEq, "4.0").allows("3.99"));
    assert!(c(Relation::Less, "2.0").allows("2.0~rc1"));
    assert!(!c(Relation::Greater, "1.0").allows("1.0"));
    assert!(c(Relation::Eq, "1:1.0").allows("1:1.0"));
    assert!(c(Relation::LessEq, "1.0").allows("1.0"));
    assert_eq!(compare("1.0", "1.0"), Ordering::Equal);
}
