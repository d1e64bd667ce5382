//! The KDL 2.0 syntax tree: documents, nodes, entries and values, each with its byte span.
//!
//! The tree is lossless in the sense that matters to tools: every node, entry and value
//! points at the exact bytes it came from, and the text between them is trivia
//! (whitespace, comments, slashdashed items, line continuations), so the source can be
//! reproduced from the text and the spans. Slashdashed (`/-`) nodes, entries and
//! children blocks are comments: they are not in the tree.

use super::small_str::SmallStr;
use super::span::Span;

/// A parsed file: its top-level nodes and every syntax error found.
///
/// Parsing never fails: with errors, `nodes` holds as much of the document as could be
/// recovered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub nodes: Vec<Node>,
    pub errors: Vec<SyntaxError>,
}

/// `(type)name arg key=value { children }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// From the type annotation (or the name) to the end of the children block, or of
    /// the last entry when there are no children. Excludes leading trivia and the
    /// terminator.
    pub span: Span,
    /// Boxed, being rare: nodes and entries make up most of a tree's memory.
    pub ty: Option<Box<Ident>>,
    pub name: Ident,
    /// Arguments and properties in source order.
    pub entries: Vec<Entry>,
    pub children: Option<Children>,
}

/// A `{ … }` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Children {
    /// From `{` to `}` inclusive.
    pub span: Span,
    pub nodes: Vec<Node>,
}

/// An argument (`name` is `None`) or a property (`name=value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The whole entry: key, `=`, type annotation and value.
    pub span: Span,
    pub name: Option<Ident>,
    /// Boxed, being rare.
    pub ty: Option<Box<Ident>>,
    pub value: Value,
    /// The value's own text (a quoted string includes its quotes).
    pub value_span: Span,
    /// For a decimal float, its literal without `_` (e.g. `1.0e-10`), because `f64`
    /// cannot keep every KDL number (`1.23E+1000` overflows) nor tell `1e10` from `1.0e10`,
    /// and the canonical printer needs both. `None` for every other value.
    pub float_text: Option<Box<str>>,
}

/// A node name, property key or type annotation, after unescaping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub text: SmallStr,
    pub span: Span,
}

/// A KDL value after unescaping and number parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Identifier, quoted, raw and multi-line strings alike.
    String(SmallStr),
    /// Integers in any radix. Values outside `i128` are syntax errors.
    Integer(i128),
    /// Decimal floats and `#inf`, `#-inf`, `#nan`.
    Float(Float),
    Bool(bool),
    Null,
}

/// An `f64` compared by its bits, so that trees are `Eq` (salsa compares query results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Float(pub u64);

impl Float {
    pub fn new(value: f64) -> Float {
        Float(value.to_bits())
    }

    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// One syntax error: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub kind: SyntaxErrorKind,
}

/// What went wrong. Messages and help lines live in `SyntaxErrorKind::message` and
/// `SyntaxErrorKind::help` (in `syntax_error.rs`), the one place that words them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxErrorKind {
    /// A character that cannot start or continue anything here.
    UnexpectedChar(char),
    /// Text that does not fit here, e.g. a value where a node name is needed.
    Unexpected { found: &'static str, expected: &'static str },
    /// A string not closed before the end of its line (single-line strings; the span runs
    /// from the opening quote to the line's end) or of the input (multi-line strings; the
    /// span is the opening quotes).
    UnterminatedString,
    /// A block comment not closed before the end of input; the span is its `/*`.
    UnterminatedComment,
    InvalidEscape,
    /// A KDL 1 bare `true`, `false` or `null`, or a bare `inf`/`nan`.
    BareKeyword(&'static str),
    /// A `#word` that is not a KDL keyword.
    UnknownKeyword(Box<str>),
    /// A malformed number (`1.`, `0x`, `.5`); its entry is left out of the tree.
    InvalidNumber,
    /// An integer outside `i128`; its entry is left out of the tree.
    NumberOutOfRange,
    /// A multi-line string whose lines do not share the closing line's indentation.
    BadMultilineIndent,
    /// An identifier that is not allowed as a bare string (e.g. starts with a digit).
    InvalidIdentifier,
    /// A disallowed code point (e.g. a BiDi control or U+FEFF inside the document).
    DisallowedCodePoint(char),
    /// Two items without whitespace between them, e.g. `node"a"`.
    MissingWhitespace,
    /// A node not followed by `;`, a newline, `}` or the end of input.
    MissingTerminator,
    UnclosedBlock,
    UnmatchedCloseBrace,
    /// A `/-` with nothing it can comment out.
    DanglingSlashdash,
    /// Input that is not UTF-8.
    InvalidUtf8,
    /// A `\` line continuation followed by something other than a newline or a comment.
    InvalidLineContinuation,
    /// A `\u{…}` escape that is malformed or names no Unicode scalar value.
    InvalidUnicodeEscape,
    /// A multi-line string whose opening `"""` is not followed by a newline.
    MultilineStringStart,
    /// A multi-line string whose closing `"""` has more than whitespace before it on its line.
    MultilineStringEnd,
    /// A `/-` where nothing can be commented out, e.g. between a type annotation and
    /// its value, or before a property's value.
    MisplacedSlashdash,
    /// Children blocks nested deeper than the parser follows.
    NestingTooDeep,
    /// A file over 4 GiB, which `u32` spans cannot address.
    FileTooLarge,
}
