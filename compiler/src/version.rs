//! Debian versions: validation and dpkg's ordering, and version constraints `(>= 1.2-3)`.
//!
//! Written here rather than taken from the `debversion` crate because constraint checks
//! are on the planner's hot path (hundreds of thousands per archive) and debversion
//! parses every version with a regex into owned strings; it also disagrees with dpkg on
//! trailing zero groups (dpkg holds `1b0` = `1b`). dpkg itself is the oracle in this
//! module's tests.

use std::cmp::Ordering;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `<<`
    Less,
    /// `<=`
    LessEq,
    /// `=`
    Eq,
    /// `>=`
    GreaterEq,
    /// `>>`
    Greater,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Less => "<<",
            Relation::LessEq => "<=",
            Relation::Eq => "=",
            Relation::GreaterEq => ">=",
            Relation::Greater => ">>",
        }
    }

    #[allow(dead_code, reason = "dpkg ordering is used by the planner (issue 3)")]
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Relation::Less => ordering.is_lt(),
            Relation::LessEq => ordering.is_le(),
            Relation::Eq => ordering.is_eq(),
            Relation::GreaterEq => ordering.is_ge(),
            Relation::Greater => ordering.is_gt(),
        }
    }
}

/// `(OP VERSION)`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Constraint {
    pub relation: Relation,
    pub version: Box<str>,
}

#[allow(dead_code, reason = "dpkg ordering is used by the planner (issue 3)")]
impl Constraint {
    /// Whether a producer of version `version` satisfies the constraint.
    pub fn allows(&self, version: &str) -> bool {
        self.relation.holds(compare(version, &self.version))
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({} {})", self.relation.as_str(), self.version)
    }
}

/// A version syntax error at byte `at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionError {
    pub at: usize,
    pub reason: &'static str,
}

/// Checks `[epoch:]upstream[-revision]` as dpkg does (without its warnings).
pub fn validate(text: &str) -> Result<(), VersionError> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(VersionError { at: 0, reason: "empty version" });
    }
    let (upstream_start, has_epoch) = match text.find(':') {
        Some(colon) => {
            if colon == 0 || !bytes[..colon].iter().all(u8::is_ascii_digit) {
                return Err(VersionError { at: 0, reason: "the epoch before `:` must be a number" });
            }
            (colon + 1, true)
        }
        None => (0, false),
    };
    let revision_start = text.rfind('-').filter(|&i| i >= upstream_start).map(|i| i + 1);
    let upstream_end = revision_start.map_or(bytes.len(), |r| r - 1);
    if upstream_end == upstream_start {
        return Err(VersionError { at: upstream_start, reason: "empty upstream version" });
    }
    for (i, &b) in bytes.iter().enumerate().take(upstream_end).skip(upstream_start) {
        let ok = b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'+' | b'~')
            || (b == b'-' && revision_start.is_some())
            || (b == b':' && has_epoch);
        if !ok {
            return Err(VersionError { at: i, reason: "character not allowed in a version" });
        }
    }
    if let Some(r) = revision_start {
        if r == bytes.len() {
            return Err(VersionError { at: r - 1, reason: "empty revision after `-`" });
        }
        for (i, &b) in bytes.iter().enumerate().skip(r) {
            if !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~')) {
                return Err(VersionError { at: i, reason: "character not allowed in a revision" });
            }
        }
    }
    Ok(())
}

/// dpkg's ordering of two versions (assumed valid; invalid ones still order totally).
#[allow(dead_code, reason = "dpkg ordering is used by the planner (issue 3)")]
pub fn compare(a: &str, b: &str) -> Ordering {
    let (ea, a) = split_epoch(a);
    let (eb, b) = split_epoch(b);
    ea.cmp(&eb).then_with(|| {
        let (ua, ra) = split_revision(a);
        let (ub, rb) = split_revision(b);
        verrevcmp(ua.as_bytes(), ub.as_bytes()).then_with(|| verrevcmp(ra.as_bytes(), rb.as_bytes()))
    })
}

fn split_epoch(v: &str) -> (u64, &str) {
    match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (e.parse().unwrap_or(u64::MAX), rest)
        }
        _ => (0, v),
    }
}

fn split_revision(v: &str) -> (&str, &str) {
    match v.rfind('-') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, ""),
    }
}

fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => c as i32,
        Some(b'~') => -1,
        Some(c) => c as i32 + 256,
    }
}

fn verrevcmp(mut a: &[u8], mut b: &[u8]) -> Ordering {
    while !a.is_empty() || !b.is_empty() {
        while a.first().is_some_and(|c| !c.is_ascii_digit()) || b.first().is_some_and(|c| !c.is_ascii_digit()) {
            let (ac, bc) = (order(a.first().copied()), order(b.first().copied()));
            if ac != bc {
                return ac.cmp(&bc);
            }
            a = a.get(1..).unwrap_or_default();
            b = b.get(1..).unwrap_or_default();
        }
        while a.first() == Some(&b'0') {
            a = &a[1..];
        }
        while b.first() == Some(&b'0') {
            b = &b[1..];
        }
        let mut first_diff = Ordering::Equal;
        while let (Some(x), Some(y)) = (a.first(), b.first()) {
            if !x.is_ascii_digit() || !y.is_ascii_digit() {
                break;
            }
            if first_diff == Ordering::Equal {
                first_diff = x.cmp(y);
            }
            a = &a[1..];
            b = &b[1..];
        }
        if a.first().is_some_and(u8::is_ascii_digit) {
            return Ordering::Greater;
        }
        if b.first().is_some_and(u8::is_ascii_digit) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests;
