//! Debian build-profile restriction formulas: `<!stage1 !nocheck> <cross>`.
//!
//! Terms inside one `<…>` list are ANDed, the lists are ORed, and an empty formula is
//! always true (dpkg's evaluator; the BuildProfileSpec).

use std::fmt;
use std::sync::Arc;

/// `lists` ORed, each list's terms ANDed; no lists means always true.
///
/// Shared: a node's `when=` is copied into each of its dependency entries, and the merged
/// plan copies every entry into each package that reads it. A copy is a count (and
/// nothing at all for the usual empty formula).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Formula {
    lists: Option<Arc<[Vec<Term>]>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    pub negated: bool,
    pub profile: Box<str>,
}

/// A parse error at byte `at` of the formula text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormulaError {
    pub at: usize,
    pub len: usize,
    pub reason: String,
}

#[allow(dead_code, reason = "evaluation is used by the planner (issue 3)")]
impl Formula {
    fn of(lists: Vec<Vec<Term>>) -> Formula {
        Formula { lists: (!lists.is_empty()).then(|| lists.into()) }
    }

    /// The `<…>` lists, ORed.
    pub fn lists(&self) -> &[Vec<Term>] {
        self.lists.as_deref().unwrap_or_default()
    }

    pub fn is_always(&self) -> bool {
        self.lists.is_none()
    }

    /// True when the formula keeps its dependency (or output) under `active` profiles.
    pub fn eval(&self, active: impl Fn(&str) -> bool) -> bool {
        self.lists().is_empty() || self.lists().iter().any(|list| list.iter().all(|t| active(&t.profile) != t.negated))
    }
}

pub(crate) fn is_profile_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')
}

/// Parses a whole formula; whitespace around lists and terms is free.
pub fn parse_formula(text: &str) -> Result<Formula, FormulaError> {
    let mut p = FormulaParser { bytes: text.as_bytes(), pos: 0 };
    let mut lists = Vec::new();
    loop {
        p.skip_ws();
        if p.pos == p.bytes.len() {
            break;
        }
        lists.push(p.list()?);
    }
    Ok(Formula::of(lists))
}

/// Parses the `<…> <…>` lists at the start of `text`, stopping at the first byte that is
/// not whitespace or `<`; returns the formula and the number of bytes consumed.
pub(crate) fn parse_formula_prefix(text: &str) -> Result<(Formula, usize), FormulaError> {
    let mut p = FormulaParser { bytes: text.as_bytes(), pos: 0 };
    let mut lists = Vec::new();
    loop {
        let before = p.pos;
        p.skip_ws();
        if p.peek() != Some(b'<') {
            p.pos = before;
            break;
        }
        lists.push(p.list()?);
    }
    Ok((Formula::of(lists), p.pos))
}

struct FormulaParser<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl FormulaParser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn error(&self, reason: impl Into<String>) -> FormulaError {
        let len = if self.pos < self.bytes.len() { char_len(self.bytes[self.pos]) } else { 0 };
        FormulaError { at: self.pos, len, reason: reason.into() }
    }

    fn list(&mut self) -> Result<Vec<Term>, FormulaError> {
        if self.peek() != Some(b'<') {
            return Err(self.error("expected `<` to open a restriction list"));
        }
        let open = self.pos;
        self.pos += 1;
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'>') => {
                    if terms.is_empty() {
                        return Err(FormulaError {
                            at: open,
                            len: self.pos + 1 - open,
                            reason: "empty restriction list".into(),
                        });
                    }
                    self.pos += 1;
                    return Ok(terms);
                }
                None => {
                    return Err(FormulaError { at: open, len: 1, reason: "`<` is never closed".into() });
                }
                Some(_) => terms.push(self.term()?),
            }
        }
    }

    fn term(&mut self) -> Result<Term, FormulaError> {
        let negated = self.peek() == Some(b'!');
        if negated {
            self.pos += 1;
        }
        let start = self.pos;
        while self.peek().is_some_and(is_profile_char) {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error(match self.peek() {
                Some(b'!') => "`!` may appear only once, before a profile name",
                _ => "expected a profile name",
            }));
        }
        let profile = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or_default().into();
        Ok(Term { negated, profile })
    }
}

fn char_len(first: u8) -> usize {
    match first {
        0..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

impl fmt::Display for Formula {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, list) in self.lists().iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str("<")?;
            for (j, term) in list.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                if term.negated {
                    f.write_str("!")?;
                }
                f.write_str(&term.profile)?;
            }
            f.write_str(">")?;
        }
        Ok(())
    }
}
