//! The canonical text of a document, as the KDL specification's test suite prints it:
//! no comments, 4-space indents, arguments then properties (sorted, last one wins),
//! strings bare when they can be, numbers in decimal.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::chars;
use super::lexer::reserved_word;
use super::tree::{Document, Entry, Ident, Node, Value};

/// Prints `doc` in the spec test suite's canonical form (see the KDL repository's
/// `tests/README.md`): the text a conforming parser's `expected_kdl` output is compared to.
pub fn to_canonical(doc: &Document) -> String {
    let mut out = String::new();
    if doc.nodes.is_empty() {
        out.push('\n');
    }
    for node in &doc.nodes {
        write_node(&mut out, node, 0);
    }
    out
}

fn write_node(out: &mut String, node: &Node, depth: usize) {
    indent(out, depth);
    write_type(out, node.ty.as_deref());
    write_string(out, &node.name.text);
    let mut props = BTreeMap::new();
    for entry in &node.entries {
        match &entry.name {
            None => {
                out.push(' ');
                write_entry_value(out, entry);
            }
            Some(name) => {
                props.insert(&*name.text, entry);
            }
        }
    }
    for (name, entry) in props {
        out.push(' ');
        write_string(out, name);
        out.push('=');
        write_entry_value(out, entry);
    }
    if let Some(children) = node.children.as_ref().filter(|c| !c.nodes.is_empty()) {
        out.push_str(" {\n");
        for child in &children.nodes {
            write_node(out, child, depth + 1);
        }
        indent(out, depth);
        out.push('}');
    }
    out.push('\n');
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

fn write_type(out: &mut String, ty: Option<&Ident>) {
    if let Some(ty) = ty {
        out.push('(');
        write_string(out, &ty.text);
        out.push(')');
    }
}

fn write_entry_value(out: &mut String, entry: &Entry) {
    write_type(out, entry.ty.as_deref());
    match &entry.value {
        Value::String(s) => write_string(out, s),
        Value::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => match &entry.float_text {
            Some(text) => out.push_str(&canonical_float(text)),
            None => write_float(out, f.get()),
        },
        Value::Bool(b) => out.push_str(if *b { "#true" } else { "#false" }),
        Value::Null => out.push_str("#null"),
    }
}

/// A float without its literal: `#inf`, `#-inf`, `#nan`, or Rust's shortest round-trip form.
pub(crate) fn write_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("#nan");
    } else if f == f64::INFINITY {
        out.push_str("#inf");
    } else if f == f64::NEG_INFINITY {
        out.push_str("#-inf");
    } else {
        let _ = write!(out, "{f:?}");
    }
}

/// A decimal float literal (without `_`) in canonical form: no `+` sign, no leading zeros,
/// `E` with an explicit exponent sign, e.g. `+01.5e3` → `1.5E+3`.
pub(crate) fn canonical_float(text: &str) -> String {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'-') => ("-", &text[1..]),
        Some(b'+') => ("", &text[1..]),
        _ => ("", text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let mut out = String::from(sign);
    out.push_str(strip_leading_zeros(mantissa));
    if let Some(exponent) = exponent {
        let (exp_sign, digits) = match exponent.as_bytes().first() {
            Some(b'-') => ("-", &exponent[1..]),
            Some(b'+') => ("+", &exponent[1..]),
            _ => ("+", exponent),
        };
        out.push('E');
        out.push_str(exp_sign);
        out.push_str(strip_leading_zeros(digits));
    }
    out
}

fn strip_leading_zeros(digits: &str) -> &str {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() == digits.len() {
        digits
    } else if trimmed.is_empty() || !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        &digits[digits.len() - trimmed.len() - 1..]
    } else {
        trimmed
    }
}

/// A string as a bare identifier when it can be one, else as a quoted string.
pub(crate) fn write_string(out: &mut String, s: &str) {
    if is_bare_identifier(s) {
        out.push_str(s);
    } else {
        write_quoted(out, s);
    }
}

/// Appends `s` as a KDL 2.0 quoted string, escaping what must be escaped: the one
/// quoting routine of the crate (the canonical printer, `planc import debian` and the
/// suggested-breaks overlay all write through it).
pub(crate) fn write_quoted(out: &mut String, s: &str) {
    out.push('"');
    if s.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\' || b == b' ') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{C}' => out.push_str("\\f"),
            c if c.is_control() || chars::is_newline(c) || chars::is_disallowed(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `s` reads back as the same string when written bare.
pub(crate) fn is_bare_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let looks_numeric = match b.first() {
        None => return false,
        Some(b'0'..=b'9') => true,
        Some(b'+' | b'-') => digit(1) || (b.get(1) == Some(&b'.') && digit(2)),
        Some(b'.') => digit(1),
        Some(_) => false,
    };
    !looks_numeric && reserved_word(s).is_none() && s.chars().all(chars::is_ident_char)
}
