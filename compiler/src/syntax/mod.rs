//! KDL 2.0 syntax: a fast, error-recovering parser producing a spanned tree.

mod span;
mod tree;

pub use span::Span;
pub use tree::{Children, Document, Entry, Float, Ident, Node, SyntaxError, SyntaxErrorKind, Value};
