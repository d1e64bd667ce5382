//! Value tokens: identifier, quoted, raw and multi-line strings, numbers and `#` keywords,
//! unescaped and parsed in one pass over the bytes.

use super::chars::{self, BAD, IDENT, STR_PLAIN};
use super::cursor::Cursor;
use super::small_str::SmallStr;
use super::tree::SyntaxErrorKind;

/// A scanned value token. Its errors, if any, are already reported.
pub(crate) struct Token {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: TokenKind,
}

pub(crate) enum TokenKind {
    /// `keyword` is the KDL 1 keyword (`true`) that an identifier string spells, if any.
    Str {
        value: SmallStr,
        keyword: Option<&'static str>,
    },
    Int(i128),
    /// `text` is the literal without `_`, for decimal floats; `None` for `#inf` etc.
    Float {
        value: f64,
        text: Option<Box<str>>,
    },
    Bool(bool),
    Null,
    /// Invalid or out of range: reported, and left out of the tree.
    Bad,
}

impl TokenKind {
    /// How error messages name this token.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            TokenKind::Str { .. } => "a string",
            TokenKind::Int(_) | TokenKind::Float { .. } => "a number",
            TokenKind::Bool(true) => "`#true`",
            TokenKind::Bool(false) => "`#false`",
            TokenKind::Null => "`#null`",
            TokenKind::Bad => "an invalid value",
        }
    }
}

/// The KDL 1 keywords and bare float words that KDL 2.0 reserves, as `'static` names.
pub(crate) fn reserved_word(s: &str) -> Option<&'static str> {
    Some(match s {
        "true" => "true",
        "false" => "false",
        "null" => "null",
        "inf" => "inf",
        "-inf" => "-inf",
        "nan" => "nan",
        _ => return None,
    })
}

impl Cursor<'_> {
    /// Scans the value or string starting here, or returns `None` (without moving) if no
    /// value can start here.
    pub(crate) fn lex_token(&mut self) -> Option<Token> {
        let start = self.pos;
        let b = self.peek()?;
        let digit_at = |c: &Cursor, i: usize| c.peek_at(i).is_some_and(|b| b.is_ascii_digit());
        let kind = match b {
            b'"' => self.lex_quoted(),
            b'#' => self.lex_hash(),
            b'0'..=b'9' => self.lex_number(),
            b'+' | b'-' if digit_at(self, 1) => self.lex_number(),
            b'+' | b'-' if self.peek_at(1) == Some(b'.') && digit_at(self, 2) => self.lex_number(),
            b'.' if digit_at(self, 1) => self.lex_number(),
            _ if b < 0x80 && chars::class(b) & (IDENT | BAD) != 0 => self.lex_ident(),
            _ if b >= 0x80 && self.space_len(start) == 0 && self.newline_len(start) == 0 => {
                self.lex_ident()
            }
            _ => return None,
        };
        Some(Token { start, end: self.pos, kind })
    }

    /// Scans identifier characters from here; disallowed code points are reported and
    /// taken as part of the word so that one bad character gives one error.
    pub(crate) fn scan_word(&mut self) {
        let bytes = self.bytes;
        loop {
            let mut pos = self.pos;
            while pos < bytes.len() && chars::class(bytes[pos]) & IDENT != 0 {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(pos) else { return };
            if b < 0x80 {
                if chars::class(b) & BAD != 0 && chars::class(b) & chars::NEWLINE == 0 {
                    self.disallowed(self.pos);
                    self.pos += 1;
                    continue;
                }
                return;
            }
            let c = self.char_at(self.pos);
            if chars::is_space(c) || chars::is_newline(c) {
                return;
            }
            if chars::is_disallowed(c) {
                self.disallowed(self.pos);
            }
            self.pos += c.len_utf8();
        }
    }

    #[inline]
    fn lex_ident(&mut self) -> TokenKind {
        let start = self.pos;
        self.scan_word();
        let word = &self.text[start..self.pos];
        let keyword = reserved_word(word);
        TokenKind::Str { value: SmallStr::from_source(self.text, start, self.pos), keyword }
    }

    /// At `#`: a raw string or a keyword.
    fn lex_hash(&mut self) -> TokenKind {
        let start = self.pos;
        let mut hashes = 0;
        while self.peek_at(hashes) == Some(b'#') {
            hashes += 1;
        }
        if self.peek_at(hashes) == Some(b'"') {
            return self.lex_raw(hashes);
        }
        self.pos += 1;
        let word_start = self.pos;
        self.scan_word();
        let word = &self.text[word_start..self.pos];
        match word {
            "true" => TokenKind::Bool(true),
            "false" => TokenKind::Bool(false),
            "null" => TokenKind::Null,
            "inf" => TokenKind::Float { value: f64::INFINITY, text: None },
            "-inf" => TokenKind::Float { value: f64::NEG_INFINITY, text: None },
            "nan" => TokenKind::Float { value: f64::NAN, text: None },
            _ => {
                // `##word`: scan_word stops at the second `#`; take the whole run.
                while self.peek() == Some(b'#') {
                    self.pos += 1;
                    self.scan_word();
                }
                let word = self.text[word_start..self.pos].into();
                self.error(start, self.pos, SyntaxErrorKind::UnknownKeyword(word));
                TokenKind::Bad
            }
        }
    }

    /// At a digit, a sign or `.`: scans the whole word and reads it as a number.
    fn lex_number(&mut self) -> TokenKind {
        let start = self.pos;
        self.scan_word();
        let word = &self.text[start..self.pos];
        match parse_number(word) {
            Ok(kind) => kind,
            Err(kind) => {
                self.error(start, self.pos, kind);
                TokenKind::Bad
            }
        }
    }

    /// At `"`: a quoted or multi-line string.
    fn lex_quoted(&mut self) -> TokenKind {
        if self.at(b"\"\"\"") {
            return self.lex_multiline(0);
        }
        let open = self.pos;
        self.pos += 1;
        let bytes = self.bytes;
        let mut seg = self.pos;
        // Unescaped text goes to a reused buffer, then into one exact allocation.
        let mut buf: Option<String> = None;
        let end = loop {
            self.pos = skip_plain_string(bytes, self.pos);
            let Some(&b) = bytes.get(self.pos) else {
                self.error(open, self.pos, SyntaxErrorKind::UnterminatedString);
                break self.pos;
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    break self.pos - 1;
                }
                b'\\' => {
                    let buf = buf.get_or_insert_with(|| {
                        let mut scratch = std::mem::take(&mut self.scratch);
                        scratch.clear();
                        scratch
                    });
                    buf.push_str(&self.text[seg..self.pos]);
                    self.escape(Some(buf));
                    seg = self.pos;
                }
                _ if self.newline_len(self.pos) > 0 => {
                    // Single-line strings end with their line: the rest of the file keeps
                    // its meaning instead of flipping inside out.
                    self.error(open, self.pos, SyntaxErrorKind::UnterminatedString);
                    break self.pos;
                }
                _ => self.pos += self.string_char_len(),
            }
        };
        let value = match buf {
            None => SmallStr::from_source(self.text, seg, end),
            Some(mut buf) => {
                buf.push_str(&self.text[seg..end]);
                let value = SmallStr::new(&buf);
                self.scratch = buf;
                value
            }
        };
        TokenKind::Str { value, keyword: None }
    }

    /// The length of the non-special string character here, reporting it if disallowed.
    fn string_char_len(&mut self) -> usize {
        let c = self.char_at(self.pos);
        if chars::is_disallowed(c) { self.disallowed(self.pos) } else { c.len_utf8() }
    }

    /// At `\` in a quoted string: reads one escape. With `out`, appends its value (nothing
    /// for a whitespace escape); without, only validates and skips it. Invalid escapes are
    /// reported and contribute nothing.
    fn escape(&mut self, out: Option<&mut String>) -> Escape {
        let start = self.pos;
        self.pos += 1;
        let Some(b) = self.peek() else { return Escape::Invalid };
        let c = match b {
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'\\' => '\\',
            b'"' => '"',
            b'b' => '\u{8}',
            b'f' => '\u{C}',
            b's' => ' ',
            b'u' => match self.unicode_escape(start) {
                Some(c) => c,
                None => return Escape::Invalid,
            },
            _ => {
                if self.skip_escaped_whitespace() {
                    return Escape::Whitespace;
                }
                let len = self.char_at(self.pos).len_utf8();
                self.error(start, self.pos + len, SyntaxErrorKind::InvalidEscape);
                self.pos += len;
                return Escape::Invalid;
            }
        };
        if b != b'u' {
            self.pos += 1;
        }
        if let Some(out) = out {
            out.push(c);
        }
        Escape::Char
    }

    /// Skips the whitespace and newlines of a whitespace escape; false if there are none.
    fn skip_escaped_whitespace(&mut self) -> bool {
        let start = self.pos;
        loop {
            let n = self.space_len(self.pos).max(self.newline_len(self.pos));
            if n == 0 {
                break;
            }
            self.pos += n;
        }
        self.pos != start
    }

    /// At the `u` of `\u{…}` (`start` is the `\`): reads the escape through `}`.
    fn unicode_escape(&mut self, start: usize) -> Option<char> {
        self.pos += 1;
        if self.peek() != Some(b'{') {
            self.error(start, self.pos, SyntaxErrorKind::InvalidUnicodeEscape);
            return None;
        }
        self.pos += 1;
        let digits_start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
            self.pos += 1;
        }
        let digits = &self.text[digits_start..self.pos];
        if self.peek() != Some(b'}') {
            self.error(start, self.pos, SyntaxErrorKind::InvalidUnicodeEscape);
            return None;
        }
        self.pos += 1;
        let c = if (1..=6).contains(&digits.len()) {
            u32::from_str_radix(digits, 16).ok().and_then(char::from_u32)
        } else {
            None
        };
        if c.is_none() {
            self.error(start, self.pos, SyntaxErrorKind::InvalidUnicodeEscape);
        }
        c
    }

    /// At the first `#` of a raw string with `hashes` hashes, just before its `"`.
    fn lex_raw(&mut self, hashes: usize) -> TokenKind {
        if self.bytes[self.pos + hashes..].starts_with(b"\"\"\"") {
            return self.lex_multiline(hashes);
        }
        let open = self.pos;
        self.pos += hashes + 1;
        let content = self.pos;
        let bytes = self.bytes;
        let end = loop {
            let Some(&b) = bytes.get(self.pos) else {
                self.error(open, self.pos, SyntaxErrorKind::UnterminatedString);
                break self.pos;
            };
            if chars::class(b) & STR_PLAIN != 0 || b == b'\\' {
                self.pos += 1;
            } else if b == b'"' {
                self.pos += 1;
                if self.closes_raw(self.pos, hashes) {
                    self.pos += hashes;
                    break self.pos - 1 - hashes;
                }
            } else if self.newline_len(self.pos) > 0 {
                self.error(open, self.pos, SyntaxErrorKind::UnterminatedString);
                break self.pos;
            } else {
                self.pos += self.string_char_len();
            }
        };
        TokenKind::Str { value: SmallStr::from_source(self.text, content, end), keyword: None }
    }

    /// Whether `hashes` `#`s start at `pos`.
    fn closes_raw(&self, pos: usize, hashes: usize) -> bool {
        self.bytes.len() >= pos + hashes && self.bytes[pos..pos + hashes].iter().all(|&b| b == b'#')
    }

    /// At the first `#` (or the `"""` when `hashes` is 0) of a multi-line string.
    ///
    /// Whitespace escapes are resolved first, splitting the body into logical lines; the
    /// last line's whitespace is the prefix removed from every other line; the remaining
    /// escapes are resolved last. Escapes are validated (and reported) on the way in.
    fn lex_multiline(&mut self, hashes: usize) -> TokenKind {
        let open = self.pos;
        let raw = hashes > 0;
        self.pos += hashes + 3;
        let open_end = self.pos;
        let bytes = self.bytes;
        // (text, source offset of its first byte)
        let mut lines: Vec<(String, usize)> = Vec::new();
        let mut line = String::new();
        let mut line_start = self.pos;
        let mut seg = self.pos;
        let mut has_escapes = false;
        let mut terminated = true;
        loop {
            while self.pos < bytes.len() && chars::class(bytes[self.pos]) & STR_PLAIN != 0 {
                self.pos += 1;
            }
            let Some(&b) = bytes.get(self.pos) else {
                line.push_str(&self.text[seg..self.pos]);
                self.error(open, open_end, SyntaxErrorKind::UnterminatedString);
                terminated = false;
                break;
            };
            match b {
                b'"' if self.at(b"\"\"\"") && self.closes_raw(self.pos + 3, hashes) => {
                    line.push_str(&self.text[seg..self.pos]);
                    self.pos += 3 + hashes;
                    break;
                }
                b'"' => self.pos += 1,
                b'\\' if raw => self.pos += 1,
                b'\\' => {
                    line.push_str(&self.text[seg..self.pos]);
                    let esc = self.pos;
                    if self.escape(None) != Escape::Whitespace {
                        has_escapes = true;
                        line.push_str(&self.text[esc..self.pos]);
                    }
                    seg = self.pos;
                }
                _ => {
                    let n = self.newline_len(self.pos);
                    if n > 0 {
                        line.push_str(&self.text[seg..self.pos]);
                        lines.push((std::mem::take(&mut line), line_start));
                        self.pos += n;
                        line_start = self.pos;
                        seg = self.pos;
                    } else if chars::is_disallowed(self.char_at(self.pos)) {
                        line.push_str(&self.text[seg..self.pos]);
                        self.pos += self.disallowed(self.pos);
                        seg = self.pos;
                    } else {
                        self.pos += self.char_at(self.pos).len_utf8();
                    }
                }
            }
        }
        let close_end = self.pos;
        lines.push((line, line_start));

        let mut out = String::new();
        let mut first = true;
        let mut push_line = |out: &mut String, s: &str| {
            if !first {
                out.push('\n');
            }
            first = false;
            out.push_str(s);
        };
        let starts_with_newline = lines.len() >= 2 && lines[0].0.is_empty();
        if !terminated {
            // Already reported: keep the text as it is, without dedent errors.
            let text: Vec<&str> = lines.iter().map(|(text, _)| text.as_str()).collect();
            push_line(&mut out, &text.join("\n"));
        } else if lines.len() == 1 {
            self.error(open, open_end, SyntaxErrorKind::MultilineStringStart);
            push_line(&mut out, &lines[0].0);
        } else {
            if !starts_with_newline {
                self.error(open, open_end, SyntaxErrorKind::MultilineStringStart);
            }
            let body = if starts_with_newline { &lines[1..] } else { &lines[..] };
            let (last, last_start) = &body[body.len() - 1];
            let prefix_len = last.len() - last.trim_start_matches(chars::is_space).len();
            let prefix = &last[..prefix_len];
            for (i, (text, start)) in body[..body.len() - 1].iter().enumerate() {
                if i == 0 && !starts_with_newline {
                    push_line(&mut out, text);
                } else if text.chars().all(chars::is_space) {
                    push_line(&mut out, "");
                } else if let Some(rest) = text.strip_prefix(prefix) {
                    push_line(&mut out, rest);
                } else {
                    let indent = text.len() - text.trim_start_matches(chars::is_space).len();
                    let len = indent.max(text.chars().next().map_or(0, char::len_utf8));
                    self.error(*start, start + len, SyntaxErrorKind::BadMultilineIndent);
                    push_line(&mut out, text.trim_start_matches(chars::is_space));
                }
            }
            if prefix_len != last.len() {
                self.error(*last_start, close_end, SyntaxErrorKind::MultilineStringEnd);
                push_line(&mut out, &last[prefix_len..]);
            }
        }
        let value = if has_escapes { unescape_checked(&out) } else { out };
        TokenKind::Str { value: value.into(), keyword: None }
    }
}

/// The position of the first byte at or after `pos` that is not plain string text (see
/// `STR_PLAIN`), or `bytes.len()`. Reads eight bytes at a time: most string text is ASCII.
#[inline]
fn skip_plain_string(bytes: &[u8], mut pos: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    loop {
        while let Some(chunk) = bytes.get(pos..pos + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            // Bytes below 0x20, `"`, `\`, DEL or non-ASCII. The lowest flagged byte is exact.
            let flagged = (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
                | has_zero_byte(w ^ (ONES * u64::from(b'"')))
                | has_zero_byte(w ^ (ONES * u64::from(b'\\')))
                | has_zero_byte(w ^ (ONES * 0x7F))
                | (w & HIGH);
            if flagged != 0 {
                pos += (flagged.trailing_zeros() / 8) as usize;
                break;
            }
            pos += 8;
        }
        // Tabs and most non-ASCII bytes are plain too.
        let start = pos;
        while pos < bytes.len() && chars::class(bytes[pos]) & STR_PLAIN != 0 {
            pos += 1;
            if pos - start == 8 {
                break;
            }
        }
        if pos == start || pos >= bytes.len() || chars::class(bytes[pos]) & STR_PLAIN == 0 {
            return pos;
        }
    }
}

/// The kind of escape read.
#[derive(PartialEq, Eq)]
enum Escape {
    Char,
    Whitespace,
    Invalid,
}

/// Resolves the (already validated) non-whitespace escapes of a multi-line string body.
/// Invalid escapes, already reported, contribute nothing.
fn unescape_checked(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(c) = s[i..].chars().next() {
        i += c.len_utf8();
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = s[i..].chars().next() else { break };
        i += e.len_utf8();
        let c = match e {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\\' => '\\',
            '"' => '"',
            'b' => '\u{8}',
            'f' => '\u{C}',
            's' => ' ',
            'u' => {
                let rest = &s[i..];
                let Some(digits) = rest.strip_prefix('{').and_then(|r| r.split('}').next()) else {
                    continue;
                };
                if !digits.bytes().all(|b| b.is_ascii_hexdigit())
                    || !rest[1 + digits.len()..].starts_with('}')
                {
                    continue;
                }
                i += digits.len() + 2;
                match u32::from_str_radix(digits, 16).ok().and_then(char::from_u32) {
                    Some(c) if (1..=6).contains(&digits.len()) => c,
                    _ => continue,
                }
            }
            _ => continue,
        };
        out.push(c);
    }
    out
}

/// Reads a number word: decimal (with optional fraction and exponent), `0x`, `0o` or `0b`,
/// with `_` separators after the first digit.
pub(crate) fn parse_number(word: &str) -> Result<TokenKind, SyntaxErrorKind> {
    let b = word.as_bytes();
    let (negative, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let radix = match digits {
        [b'0', b'x', ..] => 16,
        [b'0', b'o', ..] => 8,
        [b'0', b'b', ..] => 2,
        _ => 10,
    };
    if radix != 10 {
        return integer(&digits[2..], radix, negative).ok_or(SyntaxErrorKind::InvalidNumber)?;
    }
    // sign? integer ('.' integer)? (('e' | 'E') sign? integer)?
    let int_len = decimal_run(digits);
    if int_len == 0 {
        return Err(invalid_word(word));
    }
    let mut i = int_len;
    let mut is_float = false;
    if digits.get(i) == Some(&b'.') {
        let n = decimal_run(&digits[i + 1..]);
        if n == 0 {
            return Err(invalid_word(word));
        }
        i += 1 + n;
        is_float = true;
    }
    if matches!(digits.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(digits.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let n = decimal_run(&digits[i..]);
        if n == 0 {
            return Err(invalid_word(word));
        }
        i += n;
        is_float = true;
    }
    if i != digits.len() {
        return Err(invalid_word(word));
    }
    if !is_float {
        return integer(digits, 10, negative).ok_or(SyntaxErrorKind::InvalidNumber)?;
    }
    let text: String = word.chars().filter(|&c| c != '_').collect();
    let value = text.parse::<f64>().map_err(|_| SyntaxErrorKind::InvalidNumber)?;
    Ok(TokenKind::Float { value, text: Some(text.into_boxed_str()) })
}

/// A word that is neither a number nor an identifier: numbers get `InvalidNumber`, words
/// that merely start like one (`0n`, `1em`) get `InvalidIdentifier`.
fn invalid_word(word: &str) -> SyntaxErrorKind {
    if word
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        SyntaxErrorKind::InvalidNumber
    } else {
        SyntaxErrorKind::InvalidIdentifier
    }
}

/// Length of `digit (digit | '_')*` at the start of `b`.
fn decimal_run(b: &[u8]) -> usize {
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return 0;
    }
    b.iter().take_while(|&&b| b.is_ascii_digit() || b == b'_').count()
}

/// `digit (digit | '_')*` in `radix`: `None` if malformed, `Some(Err)` if out of range.
fn integer(b: &[u8], radix: u32, negative: bool) -> Option<Result<TokenKind, SyntaxErrorKind>> {
    if !b.first().is_some_and(|&d| (d as char).is_digit(radix)) {
        return None;
    }
    let mut value: u128 = 0;
    let mut overflow = false;
    for &d in b {
        if d == b'_' {
            continue;
        }
        let digit = (d as char).to_digit(radix)?;
        match value.checked_mul(u128::from(radix)).and_then(|v| v.checked_add(u128::from(digit))) {
            Some(v) => value = v,
            None => overflow = true,
        }
    }
    let limit = if negative { 1u128 << 127 } else { i128::MAX as u128 };
    if overflow || value > limit {
        return Some(Err(SyntaxErrorKind::NumberOutOfRange));
    }
    let value = if negative { (value as i128).wrapping_neg() } else { value as i128 };
    Some(Ok(TokenKind::Int(value)))
}
