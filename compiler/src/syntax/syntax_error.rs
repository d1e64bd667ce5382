//! The words of syntax errors: one message and an optional help line per kind.

use super::tree::SyntaxErrorKind;

const KEYWORDS: &str = "`#true`, `#false`, `#null`, `#inf`, `#-inf` and `#nan`";

impl SyntaxErrorKind {
    /// What went wrong, in lower case without a trailing period.
    pub fn message(&self) -> String {
        use SyntaxErrorKind as K;
        match self {
            K::UnexpectedChar(c) => format!("unexpected character {}", show_char(*c)),
            K::Unexpected { found, expected } => format!("expected {expected}, found {found}"),
            K::UnterminatedString => "unterminated string".into(),
            K::UnterminatedComment => "unterminated block comment".into(),
            K::InvalidEscape => "invalid escape sequence".into(),
            K::BareKeyword(word) => format!("`{word}` is not a value in KDL 2.0"),
            K::UnknownKeyword(word) => format!("unknown keyword `#{word}`"),
            K::InvalidNumber => "invalid number".into(),
            K::NumberOutOfRange => "integer out of range".into(),
            K::BadMultilineIndent => {
                "line does not start with the indentation of the closing `\"\"\"`".into()
            }
            K::InvalidIdentifier => "this word cannot be an unquoted string".into(),
            K::DisallowedCodePoint(c) => {
                format!("code point {} is not allowed in KDL documents", show_char(*c))
            }
            K::MissingWhitespace => "missing whitespace before this item".into(),
            K::MissingTerminator => "missing newline or `;` after the node".into(),
            K::UnclosedBlock => "unclosed children block".into(),
            K::UnmatchedCloseBrace => "unmatched `}`".into(),
            K::DanglingSlashdash => "`/-` comments out nothing".into(),
            K::InvalidUtf8 => "file is not valid UTF-8".into(),
            K::InvalidLineContinuation => {
                "line continuation `\\` not at the end of the line".into()
            }
            K::InvalidUnicodeEscape => "invalid unicode escape".into(),
            K::MultilineStringStart => {
                "multi-line string must start with a newline after `\"\"\"`".into()
            }
            K::MultilineStringEnd => "closing `\"\"\"` must be on its own line".into(),
            K::MisplacedSlashdash => "`/-` cannot be used here".into(),
            K::NestingTooDeep => "children blocks nested too deeply".into(),
            K::FileTooLarge => "file is larger than 4 GiB".into(),
        }
    }

    /// How to fix it, when that is known.
    pub fn help(&self) -> Option<String> {
        use SyntaxErrorKind as K;
        let help = match self {
            K::UnexpectedChar(_) => "quote the text to make it a string, e.g. `\"a[1]\"`".into(),
            K::Unexpected { .. } => return None,
            K::UnterminatedString => {
                "close it with the quotes (and `#`s) that opened it; for text over several \
                 lines use a multi-line string `\"\"\"`"
                    .into()
            }
            K::UnterminatedComment => "close it with `*/`; block comments nest".into(),
            K::InvalidEscape => "escapes are `\\n`, `\\r`, `\\t`, `\\\\`, `\\\"`, `\\b`, `\\f`, \
                `\\s` and `\\u{…}`; for a literal backslash write `\\\\` or use a raw string \
                `#\"…\"#`"
                .into(),
            K::BareKeyword(word) => format!("write `#{word}`, or `\"{word}\"` for the string"),
            K::UnknownKeyword(word) => {
                format!("keywords are {KEYWORDS}; for a string write `\"#{word}\"`")
            }
            K::InvalidNumber => {
                "numbers look like `12`, `-3.5`, `1e10`, `0xff`, `0o17` or `0b1010`; quote other \
                 text to make a string"
                    .into()
            }
            K::NumberOutOfRange => {
                "integers must fit in a signed 128-bit integer; quote it to keep it as a string"
                    .into()
            }
            K::BadMultilineIndent => {
                "start every line with the exact whitespace before the closing `\"\"\"`".into()
            }
            K::InvalidIdentifier => "quote it: unquoted strings cannot start like a number".into(),
            K::DisallowedCodePoint('\u{FEFF}') => {
                "remove it: a byte order mark is only allowed at the start of the file".into()
            }
            K::DisallowedCodePoint(c) => format!(
                "remove it, or write it as `\\u{{{:x}}}` inside a quoted string",
                u32::from(*c)
            ),
            K::MissingWhitespace => "add a space before it".into(),
            K::MissingTerminator => "end the node with a newline or `;`".into(),
            K::UnclosedBlock => "add the `}` that closes this `{`".into(),
            K::UnmatchedCloseBrace => "remove it, or add the `{` it closes".into(),
            K::DanglingSlashdash => {
                "put a node, argument, property or children block after `/-`, or remove it".into()
            }
            K::InvalidUtf8 => "save the file as UTF-8".into(),
            K::InvalidLineContinuation => {
                "only whitespace and a `//` comment may follow `\\` on its line".into()
            }
            K::InvalidUnicodeEscape => {
                "write 1 to 6 hex digits naming a unicode scalar value, e.g. `\\u{1F600}`".into()
            }
            K::MultilineStringStart => {
                "start the text on the next line, or use a single-line string `\"…\"`".into()
            }
            K::MultilineStringEnd => {
                "put the closing `\"\"\"` on a line with only whitespace before it".into()
            }
            K::MisplacedSlashdash => {
                "`/-` comments out a whole node, argument, property or children block; put it \
                 before the type annotation or property name"
                    .into()
            }
            K::NestingTooDeep => "flatten the document: at most 256 levels are read".into(),
            K::FileTooLarge => "split the plan into smaller files".into(),
        };
        Some(help)
    }
}

/// A character for a message: itself in backticks when visible, else its code point.
fn show_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() || super::chars::is_disallowed(c) {
        format!("U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}
