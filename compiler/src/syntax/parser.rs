//! The KDL 2.0 parser: nodes, entries, type annotations, children blocks and slashdash
//! comments, recovering from errors so that every file gives a tree.
//!
//! Recovery rules, so that later phases see as much of the document as can be trusted:
//! - A value that is not a value (an invalid or out-of-range number, an unknown `#word`)
//!   is reported and its entry is left out of the tree; so is a property whose key is not
//!   a string or that has no value.
//! - A node name that is not a string is reported and kept as its source text.
//! - KDL 1 bare `true`, `false`, `null` (and `inf`, `-inf`, `nan`) are reported and read as
//!   the values they meant. Strings with bad escapes are reported and kept; a single-line
//!   string still open at the end of its line ends there (reported, and kept), so that one
//!   missing quote does not turn the rest of the file inside out.
//! - A character that cannot start anything is reported and skipped with the rest of its
//!   word; an unclosed `{` closes at the end of input; a stray `}` is reported and skipped.

use super::cursor::Cursor;
use super::lexer::{Token, TokenKind};
use super::span::Span;
use super::tree::{
    Children, Document, Entry, Float, Ident, Node, SyntaxError, SyntaxErrorKind, Value,
};

/// Children blocks nested deeper than this are reported and skipped, so that hostile input
/// cannot overflow the stack.
const MAX_DEPTH: u32 = 256;

const BOM: &str = "\u{FEFF}";

/// Parses a KDL 2.0 document. Never fails and never panics: errors are in
/// `Document::errors`, sorted by position, and `Document::nodes` holds what could be read.
pub fn parse(text: &str) -> Document {
    if u32::try_from(text.len()).is_err() {
        let error = SyntaxError { span: Span::empty(0), kind: SyntaxErrorKind::FileTooLarge };
        return Document { nodes: Vec::new(), errors: vec![error] };
    }
    let mut p = Cursor::new(text);
    if text.starts_with(BOM) {
        p.pos = BOM.len();
    }
    let nodes = p.nodes(None);
    let mut errors = p.errors;
    errors.sort_by_key(|e| e.span.start);
    Document { nodes, errors }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    Entries,
    SlashdashedChildren,
    Children,
}

impl Cursor<'_> {
    /// `nodes`, up to the end of input or, inside a block opened at `open`, its `}`.
    fn nodes(&mut self, open: Option<usize>) -> Vec<Node> {
        let base = self.node_stack.len();
        loop {
            self.skip_line_space();
            let Some(b) = self.peek() else {
                if let Some(open) = open {
                    self.error(open, open + 1, SyntaxErrorKind::UnclosedBlock);
                }
                if base == 0 {
                    // The document's own nodes: hand over the stack instead of copying it.
                    let mut nodes = std::mem::take(&mut self.node_stack);
                    nodes.shrink_to_fit();
                    return nodes;
                }
                return self.node_stack.split_off(base);
            };
            let here = self.pos;
            match b {
                b'}' if open.is_some() => return self.node_stack.split_off(base),
                b'}' => {
                    self.error(here, here + 1, SyntaxErrorKind::UnmatchedCloseBrace);
                    self.pos += 1;
                }
                b';' => {
                    let kind = SyntaxErrorKind::Unexpected { found: "`;`", expected: "a node" };
                    self.error(here, here + 1, kind);
                    self.pos += 1;
                }
                b'{' => {
                    let block = self.children();
                    let kind = SyntaxErrorKind::Unexpected {
                        found: "a children block",
                        expected: "a node name before it",
                    };
                    self.errors.push(SyntaxError { span: block.span, kind });
                }
                b'/' if self.peek_at(1) == Some(b'-') => {
                    self.pos += 2;
                    self.skip_line_space();
                    match self.peek() {
                        None | Some(b'}' | b';') => {
                            self.error(here, here + 2, SyntaxErrorKind::DanglingSlashdash);
                        }
                        Some(b'/') if self.peek_at(1) == Some(b'-') => {
                            self.error(self.pos, self.pos + 2, SyntaxErrorKind::MisplacedSlashdash);
                        }
                        _ => drop(self.node()),
                    }
                }
                _ => {
                    if let Some(node) = self.node() {
                        self.node_stack.push(node);
                    }
                }
            }
        }
    }

    /// `type? name entries children? terminator`, from just after leading trivia.
    fn node(&mut self) -> Option<Node> {
        let start = self.pos;
        let mut ty = None;
        if self.peek() == Some(b'(') {
            ty = self.type_annotation();
            self.skip_node_space();
            self.misplaced_slashdash();
        }
        let Some(tok) = self.lex_token() else {
            self.unexpected_here("a node name");
            return None;
        };
        let name = self.name(tok, "a node name");
        let base = self.entry_stack.len();
        let mut children = None;
        let mut end = name.span.end;
        let mut after = After::Entries;
        loop {
            let spaced = self.skip_node_space();
            let Some(b) = self.peek() else { break };
            let newline = self.newline_len(self.pos);
            if newline > 0 {
                self.pos += newline;
                break;
            }
            let here = self.pos;
            match b {
                b';' => {
                    self.pos += 1;
                    break;
                }
                b'}' => break,
                b'/' if self.peek_at(1) == Some(b'/') => {
                    self.skip_line_comment();
                    break;
                }
                b'/' if self.peek_at(1) == Some(b'-') => {
                    self.pos += 2;
                    self.skip_line_space();
                    match self.peek() {
                        None | Some(b'}' | b';') => {
                            self.error(here, here + 2, SyntaxErrorKind::DanglingSlashdash);
                        }
                        Some(b'{') => {
                            drop(self.children());
                            if after == After::Entries {
                                after = After::SlashdashedChildren;
                            }
                        }
                        Some(b'/') if self.peek_at(1) == Some(b'-') => {
                            self.error(self.pos, self.pos + 2, SyntaxErrorKind::MisplacedSlashdash);
                        }
                        _ => {
                            let entry_start = self.pos;
                            let kept = self.entry_stack.len();
                            self.entry();
                            self.entry_stack.truncate(kept);
                            if after != After::Entries {
                                self.entry_after_children(entry_start);
                            }
                        }
                    }
                }
                b'{' => {
                    let block = self.children();
                    if after == After::Children {
                        let kind = SyntaxErrorKind::Unexpected {
                            found: "a second children block",
                            expected: "the end of the node",
                        };
                        self.errors.push(SyntaxError { span: block.span, kind });
                    } else {
                        end = block.span.end;
                        children = Some(block);
                        after = After::Children;
                    }
                }
                _ => {
                    if after == After::Children {
                        let len = self.char_at(here).len_utf8();
                        self.error(here, here + len, SyntaxErrorKind::MissingTerminator);
                        break;
                    }
                    if let Some(entry_end) = self.entry() {
                        end = entry_end;
                    }
                    if after == After::SlashdashedChildren {
                        self.entry_after_children(here);
                    } else if !spaced {
                        self.error(here, self.pos, SyntaxErrorKind::MissingWhitespace);
                    }
                }
            }
        }
        let entries = self.entry_stack.split_off(base);
        Some(Node { span: Span::new(start as u32, end), ty, name, entries, children })
    }

    fn entry_after_children(&mut self, start: usize) {
        let kind = SyntaxErrorKind::Unexpected {
            found: "an argument or property",
            expected: "a children block or the end of the node",
        };
        self.error(start, self.pos.max(start + 1), kind);
    }

    /// An argument or property, at its first character: pushed on `entry_stack` unless it
    /// is left out of the tree. Returns its end.
    fn entry(&mut self) -> Option<u32> {
        let start = self.pos;
        if self.peek() == Some(b'(') {
            let ty = self.type_annotation();
            self.skip_node_space();
            self.misplaced_slashdash();
            let Some(tok) = self.lex_token() else {
                self.unexpected_here("a value after the type annotation");
                return None;
            };
            if matches!(tok.kind, TokenKind::Str { .. }) && self.eat_equals() {
                let kind = SyntaxErrorKind::Unexpected {
                    found: "a type annotation",
                    expected: "a property name",
                };
                self.error(start, tok.start, kind);
                return self.property(start, tok);
            }
            return self.push_entry(start, None, ty, tok);
        }
        let Some(tok) = self.lex_token() else {
            self.unexpected_here("an argument or property");
            return None;
        };
        if self.eat_equals() {
            return self.property(start, tok);
        }
        self.push_entry(start, None, None, tok)
    }

    /// After `key`: `node-space* '='`, consumed if there; otherwise nothing moves.
    fn eat_equals(&mut self) -> bool {
        // Fast path: plain spaces, then `=` or something that is certainly not trivia.
        let mut pos = self.pos;
        while let Some(b' ' | b'\t') = self.bytes.get(pos) {
            pos += 1;
        }
        match self.bytes.get(pos) {
            Some(b'=') => {
                self.pos = pos + 1;
                return true;
            }
            Some(b'/' | b'\\') => {}
            Some(&b) if b >= 0x80 => {}
            _ => return false,
        }
        let (pos, errors) = (self.pos, self.errors.len());
        self.skip_node_space();
        if self.peek() == Some(b'=') {
            self.pos += 1;
            return true;
        }
        self.pos = pos;
        self.errors.truncate(errors);
        false
    }

    /// The rest of `key=value`, after the `=`.
    fn property(&mut self, start: usize, key: Token) -> Option<u32> {
        let key = match key.kind {
            TokenKind::Str { .. } => Some(self.name(key, "a property name")),
            TokenKind::Bad => None,
            other => {
                let kind = SyntaxErrorKind::Unexpected {
                    found: other.describe(),
                    expected: "a property name",
                };
                self.error(key.start, key.end, kind);
                None
            }
        };
        self.skip_node_space();
        self.misplaced_slashdash();
        let mut ty = None;
        if self.peek() == Some(b'(') {
            ty = self.type_annotation();
            self.skip_node_space();
            self.misplaced_slashdash();
        }
        let Some(tok) = self.lex_token() else {
            self.unexpected_here("a value");
            return None;
        };
        self.push_entry(start, Some(key?), ty, tok)
    }

    #[inline]
    fn push_entry(
        &mut self,
        start: usize,
        name: Option<Ident>,
        ty: Option<Box<Ident>>,
        tok: Token,
    ) -> Option<u32> {
        let mut float_text = None;
        let value = match tok.kind {
            TokenKind::Str { value, keyword } => match keyword {
                None => Value::String(value),
                Some(word) => {
                    self.error(tok.start, tok.end, SyntaxErrorKind::BareKeyword(word));
                    match word {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        "inf" => Value::Float(Float::new(f64::INFINITY)),
                        "-inf" => Value::Float(Float::new(f64::NEG_INFINITY)),
                        _ => Value::Float(Float::new(f64::NAN)),
                    }
                }
            },
            TokenKind::Int(i) => Value::Integer(i),
            TokenKind::Float { value, text } => {
                float_text = text;
                Value::Float(Float::new(value))
            }
            TokenKind::Bool(b) => Value::Bool(b),
            TokenKind::Null => Value::Null,
            TokenKind::Bad => return None,
        };
        self.entry_stack.push(Entry {
            span: Cursor::span(start, tok.end),
            name,
            ty,
            value,
            value_span: Cursor::span(tok.start, tok.end),
            float_text,
        });
        Some(tok.end as u32)
    }

    /// A node name, property key or type name. Non-strings are reported and kept as their
    /// source text.
    #[inline]
    fn name(&mut self, tok: Token, expected: &'static str) -> Ident {
        let span = Cursor::span(tok.start, tok.end);
        match tok.kind {
            TokenKind::Str { value, keyword } => {
                if let Some(word) = keyword {
                    self.error(tok.start, tok.end, SyntaxErrorKind::BareKeyword(word));
                }
                Ident { text: value, span }
            }
            TokenKind::Bad => Ident { text: self.text[tok.start..tok.end].into(), span },
            other => {
                let kind = SyntaxErrorKind::Unexpected { found: other.describe(), expected };
                self.error(tok.start, tok.end, kind);
                Ident { text: self.text[tok.start..tok.end].into(), span }
            }
        }
    }

    /// At `(`: `'(' node-space* string node-space* ')'`.
    fn type_annotation(&mut self) -> Option<Box<Ident>> {
        let open = self.pos;
        self.pos += 1;
        self.skip_node_space();
        self.misplaced_slashdash();
        let ident = if self.peek() == Some(b')') {
            let kind = SyntaxErrorKind::Unexpected { found: "`)`", expected: "a type name" };
            self.error(open, self.pos + 1, kind);
            None
        } else if let Some(tok) = self.lex_token() {
            Some(self.name(tok, "a type name"))
        } else {
            self.unexpected_here("a type name");
            None
        };
        self.skip_node_space();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return ident.map(Box::new);
        }
        let kind = SyntaxErrorKind::Unexpected { found: self.found_here(), expected: "`)`" };
        let len = self.peek().map_or(0, |_| self.char_at(self.pos).len_utf8());
        self.error(self.pos, self.pos + len, kind);
        // Resynchronise at the `)` if it is on this line.
        let mut pos = self.pos;
        while let Some(&b) = self.bytes.get(pos) {
            if matches!(b, b'{' | b'}' | b';') || self.newline_len(pos) > 0 {
                break;
            }
            pos += 1;
            if b == b')' {
                self.pos = pos;
                break;
            }
        }
        ident.map(Box::new)
    }

    /// At `{`: a children block through its `}` (or the end of input).
    fn children(&mut self) -> Children {
        let open = self.pos;
        self.pos += 1;
        if self.depth >= MAX_DEPTH {
            self.error(open, open + 1, SyntaxErrorKind::NestingTooDeep);
            let mut depth = 1u32;
            while let Some(b) = self.peek() {
                self.pos += 1;
                match b {
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            // Stopping only after ASCII or at the end keeps `pos` on a char boundary.
            return Children { span: Cursor::span(open, self.pos), nodes: Vec::new() };
        }
        self.depth += 1;
        let nodes = self.nodes(Some(open));
        self.depth -= 1;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        }
        Children { span: Cursor::span(open, self.pos), nodes }
    }

    /// Reports and skips a `/-` where nothing can be commented out.
    fn misplaced_slashdash(&mut self) {
        if self.at(b"/-") {
            self.error(self.pos, self.pos + 2, SyntaxErrorKind::MisplacedSlashdash);
            self.pos += 2;
            self.skip_node_space();
        }
    }

    /// Reports that `expected` is missing here. A character that cannot start anything is
    /// skipped with the rest of its word (up to whitespace, a terminator, a quote or a `/`
    /// that may start a comment); terminators and the end of input are left.
    fn unexpected_here(&mut self, expected: &'static str) {
        let start = self.pos;
        let Some(b) = self.peek() else {
            self.error(
                start,
                start,
                SyntaxErrorKind::Unexpected { found: "end of input", expected },
            );
            return;
        };
        let newline = self.newline_len(start);
        if newline > 0 || matches!(b, b';' | b'{' | b'}') {
            let kind = SyntaxErrorKind::Unexpected { found: self.found_here(), expected };
            self.error(start, start + newline.max(1), kind);
            return;
        }
        let c = self.char_at(start);
        self.error(start, start + c.len_utf8(), SyntaxErrorKind::UnexpectedChar(c));
        self.pos += c.len_utf8();
        while let Some(b) = self.peek() {
            if matches!(b, b';' | b'{' | b'}' | b'"' | b'/')
                || self.space_len(self.pos) > 0
                || self.newline_len(self.pos) > 0
            {
                break;
            }
            self.pos += self.char_at(self.pos).len_utf8();
        }
    }

    /// How error messages name what is here.
    fn found_here(&self) -> &'static str {
        match self.peek() {
            None => "end of input",
            Some(_) if self.newline_len(self.pos) > 0 => "end of line",
            Some(b'"') => "a string",
            Some(b'0'..=b'9') => "a number",
            Some(b'{') => "`{`",
            Some(b'}') => "`}`",
            Some(b';') => "`;`",
            Some(b'=') => "`=`",
            Some(b'(') => "`(`",
            Some(_) => "more text",
        }
    }
}
