//! Dependency strings: `make (>= 4.0)`, `docgen | doxygen`, `libfoo <!stage1> | libbar`.
//!
//! Debian's relation syntax for one relation, without architecture lists and multiarch
//! qualifiers (planc plans are for one architecture; `planc import debian` evaluates
//! those away).

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use crate::restriction::{self, Formula};
use crate::version::{self, Constraint, Relation};

/// One dependency: alternatives, the first that resolves wins.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dependency {
    /// Shared, because the merged plan copies every dependency entry into each package
    /// whose definition reads it (a template's into every package that uses it): a copy
    /// is then a count, not an allocation for the list and one for each name.
    pub alternatives: Arc<[Alternative]>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Alternative {
    pub name: Box<str>,
    /// Byte range of the name within the dependency string.
    pub name_range: Range<u32>,
    /// Boxed: most alternatives have none.
    pub constraint: Option<Box<Constraint>>,
    /// Inline restriction lists; an alternative whose formula is false is left out.
    pub restrictions: Formula,
}

/// A syntax error at `range` of the dependency string; `version` tells which diagnostic
/// family it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DependencyError {
    pub range: Range<usize>,
    pub reason: String,
    pub kind: DependencyErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependencyErrorKind {
    Syntax,
    Version,
    Restriction,
}

/// True for bytes that may appear in package, output and provided names.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_' | b'/' | b'@')
}

/// Checks a bare name (package, output, seed, template, image, stage).
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("names cannot be empty");
    }
    if !name.bytes().all(is_name_byte) {
        return Err("use letters, digits and `. + - _ / @`");
    }
    Ok(())
}

pub fn parse_dependency(text: &str) -> Result<Dependency, DependencyError> {
    let bytes = text.as_bytes();
    let (first, next) = parse_alternative(text, 0)?;
    let mut pos = skip_ws(bytes, next);
    if bytes.get(pos).is_none() {
        // Almost every dependency has one alternative: made shared at once, without a
        // list to copy from.
        return Ok(Dependency { alternatives: Arc::new([first]) });
    }
    let mut alternatives = vec![first];
    loop {
        match bytes.get(pos) {
            None => break,
            Some(b'|') => pos += 1,
            Some(&b) => {
                let reason = match b {
                    b',' => "one dependency per string: write `build-depends \"a\" \"b\"` instead of `a, b`".to_string(),
                    _ => format!("unexpected `{}` after a dependency", char_at(text, pos)),
                };
                let _ = b;
                return Err(syntax(pos..pos + char_at(text, pos).len_utf8(), reason));
            }
        }
        let (alt, next) = parse_alternative(text, pos)?;
        alternatives.push(alt);
        pos = skip_ws(bytes, next);
    }
    Ok(Dependency { alternatives: alternatives.into() })
}

fn parse_alternative(text: &str, start: usize) -> Result<(Alternative, usize), DependencyError> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, start);
    let name_start = pos;
    while bytes.get(pos).is_some_and(|&b| is_name_byte(b)) {
        pos += 1;
    }
    if pos == name_start {
        let reason = match bytes.get(pos) {
            None | Some(b'|') => "expected a name".to_string(),
            Some(_) => format!("`{}` cannot start a name", char_at(text, pos)),
        };
        let end = (pos + bytes.get(pos).map_or(0, |_| char_at(text, pos).len_utf8())).max(pos);
        return Err(syntax(pos..end, reason));
    }
    let name_range = name_start as u32..pos as u32;
    let name: Box<str> = text[name_start..pos].into();
    match bytes.get(pos) {
        Some(b':') => {
            return Err(syntax(
                pos..pos + 1,
                "multiarch qualifiers (`:any`, `:native`) are not part of plans; write the name alone".into(),
            ));
        }
        Some(&b) if !b.is_ascii_whitespace() && !matches!(b, b'(' | b'<' | b'|') => {
            return Err(syntax(
                pos..pos + char_at(text, pos).len_utf8(),
                format!("`{}` is not allowed in a name", char_at(text, pos)),
            ));
        }
        _ => {}
    }
    pos = skip_ws(bytes, pos);
    let mut constraint = None;
    if bytes.get(pos) == Some(&b'(') {
        let (c, next) = parse_constraint(text, pos)?;
        constraint = Some(Box::new(c));
        pos = skip_ws(bytes, next);
    }
    if bytes.get(pos) == Some(&b'[') {
        let end = text[pos..].find(']').map_or(text.len(), |i| pos + i + 1);
        return Err(syntax(
            pos..end,
            "architecture lists are not part of plans; use `when=` with a profile instead".into(),
        ));
    }
    let (restrictions, used) = restriction::parse_formula_prefix(&text[pos..]).map_err(|e| {
        DependencyError {
            range: pos + e.at..pos + e.at + e.len,
            reason: e.reason,
            kind: DependencyErrorKind::Restriction,
        }
    })?;
    pos += used;
    Ok((Alternative { name, name_range, constraint, restrictions }, pos))
}

fn parse_constraint(text: &str, open: usize) -> Result<(Constraint, usize), DependencyError> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, open + 1);
    let op_start = pos;
    while bytes.get(pos).is_some_and(|b| matches!(b, b'<' | b'>' | b'=')) {
        pos += 1;
    }
    let relation = match &text[op_start..pos] {
        "<<" => Relation::Less,
        "<=" => Relation::LessEq,
        "=" => Relation::Eq,
        ">=" => Relation::GreaterEq,
        ">>" => Relation::Greater,
        "" => {
            let len = bytes.get(op_start).map_or(0, |_| char_at(text, op_start).len_utf8());
            return Err(version_error(
                op_start..op_start + len,
                "expected one of `<<`, `<=`, `=`, `>=`, `>>`".into(),
            ));
        }
        op @ ("<" | ">") => {
            return Err(version_error(
                op_start..pos,
                format!("`{op}` is ambiguous; write `{op}{op}` (strictly) or `{op}=`"),
            ));
        }
        op => return Err(version_error(op_start..pos, format!("`{op}` is not a relation"))),
    };
    pos = skip_ws(bytes, pos);
    let v_start = pos;
    while bytes.get(pos).is_some_and(|&b| !b.is_ascii_whitespace() && b != b')') {
        pos += 1;
    }
    let v_end = pos;
    pos = skip_ws(bytes, pos);
    if bytes.get(pos) != Some(&b')') {
        return Err(version_error(open..open + 1, "`(` is never closed".into()));
    }
    let version = &text[v_start..v_end];
    version::validate(version).map_err(|e| {
        let at = v_start + e.at;
        let len = if version.is_empty() { 0 } else { char_at(text, at).len_utf8() };
        version_error(at..at + len, e.reason.into())
    })?;
    Ok((Constraint { relation, version: version.into() }, pos + 1))
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).is_some_and(u8::is_ascii_whitespace) {
        pos += 1;
    }
    pos
}

fn char_at(text: &str, pos: usize) -> char {
    text[pos..].chars().next().unwrap_or(' ')
}

fn syntax(range: Range<usize>, reason: String) -> DependencyError {
    DependencyError { range, reason, kind: DependencyErrorKind::Syntax }
}

fn version_error(range: Range<usize>, reason: String) -> DependencyError {
    DependencyError { range, reason, kind: DependencyErrorKind::Version }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, alt) in self.alternatives.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            f.write_str(&alt.name)?;
            if let Some(c) = &alt.constraint {
                write!(f, " {c}")?;
            }
            if !alt.restrictions.is_always() {
                write!(f, " {}", alt.restrictions)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
