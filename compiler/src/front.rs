//! Per-file queries: parse a file and lower it to items.

use std::sync::Arc;

use crate::db::Db;
use crate::ir::SourceFile;
use crate::items::FileItems;
use crate::lower::lower_document;
use crate::syntax::{self, Document};

/// The file's syntax tree (with its syntax errors).
#[salsa::tracked(lru = 512)]
pub fn parse_file(db: &dyn Db, file: SourceFile) -> Arc<Document> {
    Arc::new(syntax::parse(file.text(db)))
}

/// The file's items and the diagnostics of parsing and lowering it.
#[salsa::tracked]
pub fn lower_file(db: &dyn Db, file: SourceFile) -> Arc<FileItems> {
    let doc = parse_file(db, file);
    Arc::new(lower_document(doc, file.text(db), file.name(db)))
}
