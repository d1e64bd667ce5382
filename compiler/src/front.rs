//! Per-file queries: a file's text to its items.

use std::sync::Arc;

use crate::db::Db;
use crate::ir::SourceFile;
use crate::items::FileItems;
use crate::lower::lower_document;
use crate::syntax;

/// The file's items and the diagnostics of parsing and lowering it.
///
/// The syntax tree is dropped once lowered, not memoized: it is about twenty times the
/// size of its text (300 MB for a 15 MB archive-size plan), and nothing after lowering
/// reads it. An edit changes the text, which re-runs this query, which parses again.
#[salsa::tracked]
pub fn lower_file(db: &dyn Db, file: SourceFile) -> Arc<FileItems> {
    let doc = syntax::parse(file.text(db));
    Arc::new(lower_document(&doc, file.text(db), file.name(db)))
}
