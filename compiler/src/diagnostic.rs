//! Diagnostics: what the compiler reports about a plan, as plain values.
//!
//! The compiler never fails on user input: every phase returns its result together with
//! the diagnostics it found. Messages are written in one place, `diagnostic_kind.rs`.

use serde::Serialize;

use crate::diagnostic_kind::DiagnosticKind;
use crate::syntax::Span;

/// A file's display name: a path as the user wrote or passed it (`plans/demo/plan.kdl`)
/// or `std:NAME` for a stdlib module.
pub type FileName = std::sync::Arc<str>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a file with an optional label.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    pub file: FileName,
    pub span: Span,
    pub message: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// Where it is; its label is `kind.primary_label()`.
    pub file: FileName,
    pub span: Span,
    /// Other places that explain it (the first definition of a duplicate, the other end
    /// of a cycle), possibly in other files.
    pub related: Vec<Label>,
}

impl Diagnostic {
    pub fn new(kind: DiagnosticKind, file: &FileName, span: Span) -> Diagnostic {
        Diagnostic { kind, file: file.clone(), span, related: Vec::new() }
    }

    pub fn with_related(mut self, file: &FileName, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label { file: file.clone(), span, message: Some(message.into()) });
        self
    }

    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    pub fn message(&self) -> String {
        self.kind.message()
    }

    pub fn help(&self) -> Option<String> {
        self.kind.help()
    }

    pub fn label(&self) -> Option<String> {
        self.kind.label()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// The order diagnostics are shown in: by file, then position, then code.
    pub fn sort_key(&self) -> (&str, u32, u32, &'static str) {
        (&self.file, self.span.start, self.span.end, self.code())
    }
}
