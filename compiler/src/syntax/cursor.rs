//! The parser's position in the text, its error list, and trivia: whitespace, newlines,
//! comments and line continuations.

use super::chars::{self, BAD, COMMENT_PLAIN, NEWLINE, SPACE};
use super::span::Span;
use super::tree::{Entry, Node, SyntaxError, SyntaxErrorKind};

pub(crate) struct Cursor<'a> {
    pub(crate) text: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    pub(crate) errors: Vec<SyntaxError>,
    /// Children blocks open around `pos`.
    pub(crate) depth: u32,
    /// Nodes and entries of the blocks and nodes being read, innermost last: each list is
    /// moved out in one exact-size allocation when complete, instead of growing its own
    /// `Vec` (which would leave up to half of a large tree unused).
    pub(crate) node_stack: Vec<Node>,
    pub(crate) entry_stack: Vec<Entry>,
    /// Reused for unescaping strings.
    pub(crate) scratch: String,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Cursor<'a> {
        Cursor {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            errors: Vec::new(),
            depth: 0,
            node_stack: Vec::new(),
            entry_stack: Vec::new(),
            scratch: String::new(),
        }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    #[inline]
    pub(crate) fn at(&self, s: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(s)
    }

    /// The code point starting at byte `pos`, which must be a char boundary.
    #[inline]
    pub(crate) fn char_at(&self, pos: usize) -> char {
        self.text[pos..].chars().next().unwrap_or('\0')
    }

    #[inline]
    pub(crate) fn span(start: usize, end: usize) -> Span {
        Span::new(start as u32, end as u32)
    }

    pub(crate) fn error(&mut self, start: usize, end: usize, kind: SyntaxErrorKind) {
        self.errors.push(SyntaxError { span: Cursor::span(start, end), kind });
    }

    /// Reports a disallowed code point at `pos` and returns its length.
    pub(crate) fn disallowed(&mut self, pos: usize) -> usize {
        let c = self.char_at(pos);
        let len = c.len_utf8();
        self.error(pos, pos + len, SyntaxErrorKind::DisallowedCodePoint(c));
        len
    }

    /// Length of the newline at `pos` (2 for CRLF), or 0.
    #[inline]
    pub(crate) fn newline_len(&self, pos: usize) -> usize {
        match self.bytes.get(pos) {
            Some(b'\n') => 1,
            Some(&b) if b < 0x80 && chars::class(b) & NEWLINE == 0 => 0,
            None => 0,
            _ => self.newline_len_slow(pos),
        }
    }

    fn newline_len_slow(&self, pos: usize) -> usize {
        let Some(&b) = self.bytes.get(pos) else { return 0 };
        if b < 0x80 {
            if chars::class(b) & NEWLINE == 0 {
                0
            } else if b == b'\r' && self.bytes.get(pos + 1) == Some(&b'\n') {
                2
            } else {
                1
            }
        } else if matches!(b, 0xC2 | 0xE2) && chars::is_newline(self.char_at(pos)) {
            self.char_at(pos).len_utf8()
        } else {
            0
        }
    }

    /// Length of the unicode space (not newline) at `pos`, or 0.
    #[inline]
    pub(crate) fn space_len(&self, pos: usize) -> usize {
        let Some(&b) = self.bytes.get(pos) else { return 0 };
        if b < 0x80 {
            usize::from(chars::class(b) & SPACE != 0)
        } else if matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3) && chars::is_space(self.char_at(pos)) {
            self.char_at(pos).len_utf8()
        } else {
            0
        }
    }

    /// Skips `ws*`: unicode spaces and block comments. Returns whether it moved.
    #[inline]
    pub(crate) fn skip_ws(&mut self) -> bool {
        match self.peek() {
            Some(b' ' | b'\t' | b'/') => self.skip_ws_slow(),
            Some(b) if b >= 0x80 => self.skip_ws_slow(),
            _ => false,
        }
    }

    fn skip_ws_slow(&mut self) -> bool {
        let start = self.pos;
        let bytes = self.bytes;
        loop {
            let mut pos = self.pos;
            while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t') {
                pos += 1;
            }
            self.pos = pos;
            match bytes.get(pos) {
                Some(b'/') if bytes.get(pos + 1) == Some(&b'*') => self.skip_block_comment(),
                Some(&b) if b >= 0x80 => {
                    let n = self.space_len(pos);
                    if n == 0 {
                        break;
                    }
                    self.pos += n;
                }
                _ => break,
            }
        }
        self.pos != start
    }

    /// Skips `node-space*`: whitespace, block comments and line continuations. Returns
    /// whether it moved.
    #[inline]
    pub(crate) fn skip_node_space(&mut self) -> bool {
        let start = self.pos;
        let mut pos = start;
        while let Some(b' ' | b'\t') = self.bytes.get(pos) {
            pos += 1;
        }
        self.pos = pos;
        match self.bytes.get(pos) {
            Some(b'/' | b'\\') => self.skip_node_space_slow() || pos != start,
            Some(&b) if b >= 0x80 => self.skip_node_space_slow() || pos != start,
            _ => pos != start,
        }
    }

    fn skip_node_space_slow(&mut self) -> bool {
        let start = self.pos;
        loop {
            self.skip_ws();
            if self.peek() == Some(b'\\') {
                self.skip_escline();
            } else {
                break;
            }
        }
        self.pos != start
    }

    /// Skips `line-space*`: node space, newlines and line comments.
    pub(crate) fn skip_line_space(&mut self) {
        let bytes = self.bytes;
        loop {
            // Fast path: indentation and plain newlines.
            let mut pos = self.pos;
            while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\n') {
                pos += 1;
            }
            self.pos = pos;
            self.skip_node_space();
            let n = self.newline_len(self.pos);
            if n > 0 {
                self.pos += n;
            } else if self.at(b"//") {
                self.skip_line_comment();
            } else {
                break;
            }
        }
    }

    /// At `\`: a line continuation, `\ ws* (single-line-comment | newline | eof)`. A `\`
    /// followed by anything else is reported and read as whitespace.
    fn skip_escline(&mut self) {
        let start = self.pos;
        self.pos += 1;
        self.skip_ws();
        let n = self.newline_len(self.pos);
        if n > 0 {
            self.pos += n;
        } else if self.at(b"//") {
            self.skip_line_comment();
        } else if self.pos < self.bytes.len() {
            self.error(start, start + 1, SyntaxErrorKind::InvalidLineContinuation);
        }
    }

    /// At `//`: skips through the end of the line, including the newline.
    pub(crate) fn skip_line_comment(&mut self) {
        self.pos += 2;
        let bytes = self.bytes;
        loop {
            let mut pos = self.pos;
            while pos < bytes.len() && chars::class(bytes[pos]) & COMMENT_PLAIN != 0 {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(self.pos) else { return };
            let n = self.newline_len(self.pos);
            if n > 0 {
                self.pos += n;
                return;
            }
            self.pos += self.comment_char_len(b);
        }
    }

    /// Length of a comment character that the fast scan stopped at, reporting it if
    /// disallowed.
    fn comment_char_len(&mut self, b: u8) -> usize {
        if b < 0x80 {
            if chars::class(b) & BAD != 0 { self.disallowed(self.pos) } else { 1 }
        } else {
            let c = self.char_at(self.pos);
            if chars::is_disallowed(c) { self.disallowed(self.pos) } else { c.len_utf8() }
        }
    }

    /// At `/*`: skips a (nested) block comment.
    pub(crate) fn skip_block_comment(&mut self) {
        let start = self.pos;
        self.pos += 2;
        let bytes = self.bytes;
        let mut depth = 1u32;
        loop {
            let mut pos = self.pos;
            while pos < bytes.len() && chars::class(bytes[pos]) & COMMENT_PLAIN != 0 {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(self.pos) else {
                self.error(start, start + 2, SyntaxErrorKind::UnterminatedComment);
                return;
            };
            match b {
                b'*' if bytes.get(self.pos + 1) == Some(&b'/') => {
                    self.pos += 2;
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                b'/' if bytes.get(self.pos + 1) == Some(&b'*') => {
                    self.pos += 2;
                    depth += 1;
                }
                b'*' | b'/' => self.pos += 1,
                _ => {
                    let n = self.newline_len(self.pos);
                    self.pos += if n > 0 { n } else { self.comment_char_len(b) };
                }
            }
        }
    }
}
