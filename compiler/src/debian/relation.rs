//! Debian relation fields (`Depends`, `Build-Depends`, `Provides`, …): groups of
//! alternatives, each with an optional multiarch qualifier, version constraint,
//! architecture list and build-profile restriction formula.
//!
//! The grammar is dpkg's (Dpkg::Deps::Simple):
//! `name[:qual] [(op version)] [[arch …]] [<profile …> …]`, alternatives joined by `|`,
//! groups by `,`. The parser borrows from the field text: no allocation for a relation
//! without a restriction formula.
//!
//! Why not debian-control's relation parser: on the bullseye `Sources` and `Packages`
//! (518,000 groups) its lossy `Relations` took 1.37 s (a `String` per token, every
//! version parsed eagerly by a regex) against an import budget of 5 s; this parser keeps
//! versions as text (compared with `debversion` only when a constraint must be checked)
//! and reports the byte offset of every error.

use std::cmp::Ordering;

use super::arch::Arch;
use super::formula::{Formula, Term};

/// A version constraint operator. The obsolete `<` and `>` mean `<=` and `>=`, as in dpkg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum VersionOp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl VersionOp {
    fn parse(text: &str) -> Option<VersionOp> {
        Some(match text {
            "<<" => VersionOp::Lt,
            "<=" | "<" => VersionOp::Le,
            "=" => VersionOp::Eq,
            ">=" | ">" => VersionOp::Ge,
            ">>" => VersionOp::Gt,
            _ => return None,
        })
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            VersionOp::Lt => "<<",
            VersionOp::Le => "<=",
            VersionOp::Eq => "=",
            VersionOp::Ge => ">=",
            VersionOp::Gt => ">>",
        }
    }

    /// Does a version comparing `ord` to the constraint's version satisfy it?
    pub(crate) fn accepts(self, ord: Ordering) -> bool {
        match self {
            VersionOp::Lt => ord == Ordering::Less,
            VersionOp::Le => ord != Ordering::Greater,
            VersionOp::Eq => ord == Ordering::Equal,
            VersionOp::Ge => ord != Ordering::Less,
            VersionOp::Gt => ord == Ordering::Greater,
        }
    }
}

/// One alternative of a relation group.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Relation<'a> {
    pub name: &'a str,
    /// `any`, `native` or an architecture, after `:`.
    pub arch_qualifier: Option<&'a str>,
    pub version: Option<(VersionOp, &'a str)>,
    /// The whitespace-separated terms between `[` and `]`.
    pub arches: Option<&'a str>,
    pub formula: Formula<'a>,
}

/// Alternatives: the first that can be satisfied is used.
pub(crate) type Group<'a> = Vec<Relation<'a>>;

/// A syntax error at a byte offset into the field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RelationError {
    pub offset: usize,
    pub message: String,
}

impl Relation<'_> {
    /// Does the `[…]` list keep this alternative on `arch`?
    pub(crate) fn is_for(&self, arch: &Arch) -> bool {
        self.arches
            .is_none_or(|list| arch.is_concerned(list.split_ascii_whitespace()))
    }
}

/// Parses a whole relation field. Empty groups (`a, , b`, a trailing comma) are
/// skipped, as dpkg does; an empty alternative (`a | | b`) is an error.
pub(crate) fn parse_relations(text: &str) -> Result<Vec<Group<'_>>, RelationError> {
    let mut groups = Vec::new();
    let mut start = 0;
    for group_text in text.split(',') {
        let group_end = start + group_text.len();
        if !group_text.trim_ascii().is_empty() {
            let mut group = Vec::with_capacity(1);
            let mut alt_start = start;
            for alt_text in group_text.split('|') {
                let alt_end = alt_start + alt_text.len();
                let mut cursor = Cursor {
                    text,
                    pos: alt_start,
                    end: alt_end,
                };
                group.push(cursor.relation()?);
                alt_start = alt_end + 1;
            }
            groups.push(group);
        }
        start = group_end + 1;
    }
    Ok(groups)
}

/// Parses a `Provides` field: like a relation field, without alternatives.
pub(crate) fn parse_provides(text: &str) -> Result<Vec<Relation<'_>>, RelationError> {
    let groups = parse_relations(text)?;
    let mut provides = Vec::with_capacity(groups.len());
    for mut group in groups {
        if group.len() != 1 {
            let offset = text.find('|').unwrap_or(0);
            return Err(RelationError {
                offset,
                message: "alternatives (`|`) are not allowed here".into(),
            });
        }
        provides.extend(group.pop());
    }
    Ok(provides)
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    end: usize,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

fn is_version_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~' | b':' | b'-')
}

fn is_arch_term(term: &str) -> bool {
    let name = term.strip_prefix('!').unwrap_or(term);
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        (self.pos < self.end).then(|| self.text.as_bytes()[self.pos])
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// Everything up to the next `close` (exclusive), leaving the cursor after it.
    fn take_until(&mut self, close: u8, what: &str) -> Result<&'a str, RelationError> {
        let start = self.pos;
        match self.text.as_bytes()[start..self.end]
            .iter()
            .position(|&b| b == close)
        {
            Some(len) => {
                self.pos = start + len + 1;
                Ok(&self.text[start..start + len])
            }
            None => Err(self.error(format!("unterminated {what}"))),
        }
    }

    fn error(&self, message: String) -> RelationError {
        RelationError {
            offset: self.pos,
            message,
        }
    }

    /// An error at the cursor: what was found instead of `expected`.
    fn unexpected(&self, expected: &str) -> RelationError {
        match self.text[self.pos..self.end].chars().next() {
            Some(c) => self.error(format!("unexpected `{c}`, expected {expected}")),
            None if expected == "a package name" => self.error("empty alternative".into()),
            None => self.error(format!("expected {expected}")),
        }
    }

    fn relation(&mut self) -> Result<Relation<'a>, RelationError> {
        self.skip_ws();
        if !self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Err(self.unexpected("a package name"));
        }
        let name = self.take_while(is_name_byte);
        let arch_qualifier = if self.peek() == Some(b':') {
            self.pos += 1;
            let qualifier = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
            if qualifier.is_empty() {
                return Err(self.unexpected("an architecture qualifier after `:`"));
            }
            Some(qualifier)
        } else {
            None
        };
        self.skip_ws();

        let version = if self.peek() == Some(b'(') {
            self.pos += 1;
            self.skip_ws();
            let op_text = self.take_while(|b| matches!(b, b'<' | b'=' | b'>'));
            let op = VersionOp::parse(op_text).ok_or_else(|| {
                if op_text.is_empty() {
                    self.unexpected("a version operator (`<<`, `<=`, `=`, `>=`, `>>`)")
                } else {
                    self.error(format!("invalid version operator `{op_text}`"))
                }
            })?;
            self.skip_ws();
            let start = self.pos;
            let version = self.take_while(|b| !b.is_ascii_whitespace() && b != b')');
            if version.is_empty() {
                return Err(self.unexpected("a version"));
            }
            if !version.bytes().all(is_version_byte) {
                self.pos = start;
                return Err(self.error(format!("invalid version `{version}`")));
            }
            self.skip_ws();
            if self.peek() != Some(b')') {
                return Err(self.unexpected("`)` after the version"));
            }
            self.pos += 1;
            Some((op, version))
        } else {
            None
        };
        self.skip_ws();

        let arches = if self.peek() == Some(b'[') {
            self.pos += 1;
            let start = self.pos;
            let list = self.take_until(b']', "architecture list (missing `]`)")?;
            if let Some(bad) = list.split_ascii_whitespace().find(|t| !is_arch_term(t)) {
                self.pos = start;
                return Err(self.error(format!("invalid architecture `{bad}`")));
            }
            if list.trim_ascii().is_empty() {
                self.pos = start;
                return Err(self.error("empty architecture list".into()));
            }
            Some(list.trim_ascii())
        } else {
            None
        };
        self.skip_ws();

        let mut lists = Vec::new();
        while self.peek() == Some(b'<') {
            self.pos += 1;
            let start = self.pos;
            let list = self.take_until(b'>', "restriction list (missing `>`)")?;
            let terms = list
                .split_ascii_whitespace()
                .map(|t| Term::parse(t).ok_or(t))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|bad| RelationError {
                    offset: start,
                    message: format!("invalid build profile `{bad}`"),
                })?;
            if terms.is_empty() {
                self.pos = start;
                return Err(self.error("empty restriction list `<>`".into()));
            }
            lists.push(terms);
            self.skip_ws();
        }
        if self.pos < self.end {
            return Err(self.unexpected("`,` or `|`"));
        }
        Ok(Relation {
            name,
            arch_qualifier,
            version,
            arches,
            formula: Formula::from_lists(lists),
        })
    }
}

/// How a relation is written in a plan: `name (op version)`, no architecture list nor
/// qualifier, and the restriction formula only if asked for.
pub(crate) struct RelationText<'r, 'a> {
    relation: &'r Relation<'a>,
    with_formula: bool,
}

impl<'a> Relation<'a> {
    pub(crate) fn text(&self, with_formula: bool) -> RelationText<'_, 'a> {
        RelationText {
            relation: self,
            with_formula,
        }
    }
}

impl std::fmt::Display for RelationText<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.relation;
        f.write_str(r.name)?;
        if let Some((op, version)) = r.version {
            write!(f, " ({} {version})", op.as_str())?;
        }
        if self.with_formula && !r.formula.is_always() {
            write!(f, " {}", r.formula)?;
        }
        Ok(())
    }
}

/// A group as written in a plan, with each alternative's formula: `a <!nocheck> | b`.
pub(crate) fn group_text(group: &[Relation<'_>], with_formulas: bool) -> String {
    let mut text = String::new();
    for (i, alt) in group.iter().enumerate() {
        if i > 0 {
            text.push_str(" | ");
        }
        use std::fmt::Write;
        let _ = write!(text, "{}", alt.text(with_formulas));
    }
    text
}
