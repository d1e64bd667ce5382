//! A focused reader for deb822 archive index files (`Sources`, `Packages`): stanzas of
//! `Field: value` lines with indented continuation lines, separated by blank lines.
//!
//! Why not a crate: measured on the bullseye `Sources` and `Packages` (90 MB
//! decompressed) on the 2-core development machine, deb822-lossless takes 6.7 s to parse
//! both, more than the whole import's budget of 5 s; deb822-fast's borrowed API takes
//! 0.54 s but reports errors without a position and hands multi-line values back as
//! separate lines. This reader keeps, for every field, its line number and its raw text
//! (continuation lines included), so relation fields spread over several lines are
//! parsed in place and every error names its line.
//!
//! Index files have no comments (those belong to `debian/control`), so a line that is
//! neither a field nor a continuation is an error.

/// One paragraph.
#[derive(Debug)]
pub(crate) struct Stanza<'a> {
    /// 1-based line of the first field.
    pub line: usize,
    fields: Vec<Field<'a>>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Field<'a> {
    pub name: &'a str,
    /// From the first non-blank character after the colon to the end of the last
    /// continuation line, newlines and indentation included, trailing blanks removed.
    pub value: &'a str,
    /// 1-based line of the field name.
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StanzaError {
    pub line: usize,
    pub message: String,
}

impl<'a> Stanza<'a> {
    /// The field named `name`, compared without case as deb822 requires.
    pub(crate) fn field(&self, name: &str) -> Option<Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .copied()
    }

    pub(crate) fn get(&self, name: &str) -> Option<&'a str> {
        self.field(name).map(|f| f.value)
    }
}

impl Field<'_> {
    /// The line on which byte `offset` of the value lies.
    pub(crate) fn line_at(&self, offset: usize) -> usize {
        let offset = offset.min(self.value.len());
        self.line
            + self.value.as_bytes()[..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
    }
}

/// Iterates over the stanzas of a whole file; stops after the first error.
pub(crate) struct Stanzas<'a> {
    text: &'a str,
    pos: usize,
    /// 1-based number of the line starting at `pos`.
    line: usize,
}

pub(crate) fn stanzas(text: &str) -> Stanzas<'_> {
    Stanzas {
        text,
        pos: 0,
        line: 1,
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r')
}

impl<'a> Stanzas<'a> {
    /// The next line as (start, end without the newline), advancing past it.
    fn next_line(&mut self) -> Option<(usize, usize)> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let end = match memchr::memchr(b'\n', &self.text.as_bytes()[start..]) {
            Some(len) => start + len,
            None => self.text.len(),
        };
        self.pos = end + 1;
        self.line += 1;
        Some((start, end))
    }

    fn fail(&mut self, line: usize, message: String) -> Option<Result<Stanza<'a>, StanzaError>> {
        self.pos = self.text.len();
        Some(Err(StanzaError { line, message }))
    }
}

impl<'a> Iterator for Stanzas<'a> {
    type Item = Result<Stanza<'a>, StanzaError>;

    fn next(&mut self) -> Option<Self::Item> {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut first_line = 0;
        let mut fields: Vec<Field<'a>> = Vec::with_capacity(24);
        // The last field's value, which continuation lines extend.
        let mut value_span = (0, 0);
        loop {
            let line = self.line;
            let Some((start, mut end)) = self.next_line() else {
                break;
            };
            while end > start && is_blank(bytes[end - 1]) {
                end -= 1;
            }
            if end == start {
                if fields.is_empty() {
                    continue;
                }
                break;
            }
            if is_blank(bytes[start]) {
                let Some(last) = fields.last_mut() else {
                    return self.fail(line, "continuation line outside a field".into());
                };
                value_span.1 = end;
                last.value = &text[value_span.0..value_span.1];
                continue;
            }
            let Some(colon) = memchr::memchr(b':', &bytes[start..end]).map(|c| start + c) else {
                let shown: String = text[start..end].chars().take(40).collect();
                return self.fail(line, format!("expected `Field: value`, found `{shown}`"));
            };
            let name = &text[start..colon];
            if name.bytes().any(|b| b.is_ascii_whitespace()) || name.is_empty() {
                return self.fail(line, format!("invalid field name `{name}`"));
            }
            let mut value_start = colon + 1;
            while value_start < end && is_blank(bytes[value_start]) {
                value_start += 1;
            }
            value_span = (value_start, end);
            if fields.is_empty() {
                first_line = line;
            }
            fields.push(Field {
                name,
                value: &text[value_start..end],
                line,
            });
        }
        if fields.is_empty() {
            return None;
        }
        Some(Ok(Stanza {
            line: first_line,
            fields,
        }))
    }
}
