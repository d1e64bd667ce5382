//! KDL 2.0 syntax: a fast, error-recovering parser producing a spanned tree.

mod chars;
mod cursor;
mod lexer;
mod parser;
mod printer;
mod small_str;
mod span;
mod syntax_error;
mod tree;

#[cfg(test)]
mod tests;

pub use parser::parse;
pub use printer::to_canonical;
pub(crate) use printer::write_quoted;
pub use small_str::SmallStr;
pub use span::Span;
pub use tree::{Children, Document, Entry, Float, Ident, Node, SyntaxError, SyntaxErrorKind, Value};
