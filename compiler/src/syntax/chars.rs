//! KDL 2.0 character classes: whitespace, newlines, identifier characters and disallowed
//! code points, with byte tables for the ASCII hot path.

/// May appear in a bare identifier.
pub(crate) const IDENT: u8 = 1;
/// Tab or space.
pub(crate) const SPACE: u8 = 2;
/// LF, VT, FF or CR.
pub(crate) const NEWLINE: u8 = 4;
/// A disallowed ASCII control character (including DEL).
pub(crate) const BAD: u8 = 8;
/// Plain text inside a quoted string: needs no attention from the string scanner.
pub(crate) const STR_PLAIN: u8 = 16;
/// Plain text inside a comment: not a newline, `*`, `/` or a disallowed character.
pub(crate) const COMMENT_PLAIN: u8 = 32;

/// Lead bytes of the only non-ASCII newlines and disallowed code points: U+0085 (`C2`),
/// U+2000–U+206F (`E2`) and U+FEFF (`EF`). Text inside strings and comments needs a closer
/// look only at these.
const fn special_lead(b: u8) -> bool {
    matches!(b, 0xC2 | 0xE2 | 0xEF)
}

const fn build() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut c = 0;
        match b {
            b'\t' | b' ' => c |= SPACE,
            b'\n' | 0x0B | 0x0C | b'\r' => c |= NEWLINE,
            0x00..=0x1F | 0x7F => c |= BAD,
            b'(' | b')' | b'{' | b'}' | b'[' | b']' | b'/' | b'\\' | b'"' | b'#' | b';' | b'=' => {}
            0x80..=0xFF => {}
            _ => c |= IDENT,
        }
        let string_plain = match b {
            b'"' | b'\\' => false,
            b'\t' | b' ' => true,
            0x00..=0x1F | 0x7F => false,
            _ => !special_lead(b),
        };
        if string_plain {
            c |= STR_PLAIN;
        }
        let comment_plain = match b {
            b'*' | b'/' => false,
            b'\t' => true,
            0x00..=0x1F | 0x7F => false,
            _ => !special_lead(b),
        };
        if comment_plain {
            c |= COMMENT_PLAIN;
        }
        t[i] = c;
        i += 1;
    }
    t
}

pub(crate) static CLASS: [u8; 256] = build();

#[inline]
pub(crate) fn class(b: u8) -> u8 {
    CLASS[b as usize]
}

/// Unicode whitespace that is not a newline (the spec's `unicode-space`).
pub(crate) fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// A newline code point (CRLF is two of these, read as one newline by the cursor).
pub(crate) fn is_newline(c: char) -> bool {
    matches!(c, '\n' | '\u{B}' | '\u{C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// A code point that may not appear literally anywhere in a document (the BOM is allowed
/// only as the very first code point, which the parser strips before scanning).
pub(crate) fn is_disallowed(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{E}'..='\u{1F}'
            | '\u{7F}'
            | '\u{200E}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// May appear in a bare identifier.
pub(crate) fn is_ident_char(c: char) -> bool {
    if c.is_ascii() {
        class(c as u8) & IDENT != 0
    } else {
        !is_space(c) && !is_newline(c) && !is_disallowed(c)
    }
}
