//! Showing diagnostics: miette's graphical report for people, JSON for tools.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use compiler::{Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;

/// Looks up a file's text by name.
pub trait Sources {
    fn text(&self, file: &str) -> Option<Arc<str>>;
}

impl Sources for compiler::Session {
    fn text(&self, file: &str) -> Option<Arc<str>> {
        compiler::Session::text(self, file)
    }
}

/// Whether to colour output: only on a terminal, and never with `NO_COLOR` set.
pub fn use_color(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub struct Renderer {
    handler: GraphicalReportHandler,
}

impl Renderer {
    pub fn new(color: bool, width: usize) -> Renderer {
        let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
        Renderer { handler }
    }

    pub fn render(&self, diagnostic: &Diagnostic, sources: &dyn Sources) -> String {
        let report = Report::new(diagnostic, sources);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.handler.render_report(&mut out, &report);
        out
    }
}

/// A compiler diagnostic shaped for miette.
#[derive(Debug)]
struct Report {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

/// How many lines apart a related label may be and still share the primary snippet.
const NEAR_LINES: usize = 8;

fn source_span(span: compiler::syntax::Span, text: &str) -> SourceSpan {
    let start = (span.start as usize).min(text.len());
    let end = (span.end as usize).clamp(start, text.len());
    SourceSpan::new(start.into(), end - start)
}

impl Report {
    fn new(d: &Diagnostic, sources: &dyn Sources) -> Report {
        let text = sources.text(&d.file);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        if let Some(text) = &text {
            labels.push(LabeledSpan::new_primary_with_span(d.label(), source_span(d.span, text)));
        }
        for label in &d.related {
            // miette draws one snippet spanning all of a source's labels: a label far
            // from the primary one gets its own snippet instead.
            let near = |text: &str| {
                let (a, b) = (d.span.start.min(label.span.start) as usize, d.span.end.max(label.span.end) as usize);
                text.get(a.min(text.len())..b.min(text.len())).is_some_and(|between| between.matches('\n').count() <= NEAR_LINES)
            };
            match (&text, label.file == d.file) {
                (Some(text), true) if near(text) => {
                    labels.push(LabeledSpan::new_with_span(label.message.clone(), source_span(label.span, text)));
                }
                _ => {
                    let other = sources.text(&label.file);
                    related.push(Report {
                        message: label.message.clone().unwrap_or_else(|| "related".into()),
                        code: "",
                        severity: miette::Severity::Advice,
                        help: None,
                        labels: other
                            .as_ref()
                            .map(|t| vec![LabeledSpan::new_primary_with_span(None, source_span(label.span, t))])
                            .unwrap_or_default(),
                        source: other.map(|t| NamedSource::new(&label.file, t)),
                        related: Vec::new(),
                    });
                }
            }
        }
        Report {
            message: d.message(),
            code: d.code(),
            severity: match d.severity() {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: d.help(),
            source: text.map(|t| NamedSource::new(&d.file, t)),
            labels,
            related,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as Box<dyn Iterator<Item = _>>)
    }
}

/// Byte offset → 1-based line and column (in characters).
pub struct LineIndex {
    text: Arc<str>,
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: Arc<str>) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = (offset as usize).min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

#[derive(Serialize)]
pub struct JsonSpan {
    pub start: u32,
    pub end: u32,
}

#[derive(Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub span: JsonSpan,
    pub message: Option<String>,
}

#[derive(Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub span: JsonSpan,
    pub message: String,
    pub labels: Vec<JsonLabel>,
    pub help: Option<String>,
}

/// Diagnostics as JSON values, with line and column numbers.
pub fn to_json(diagnostics: &[Diagnostic], sources: &dyn Sources) -> Vec<JsonDiagnostic> {
    let mut indexes: HashMap<String, Option<LineIndex>> = HashMap::new();
    let mut locate = |file: &str, offset: u32| -> (usize, usize) {
        let index = indexes.entry(file.to_string()).or_insert_with(|| sources.text(file).map(LineIndex::new));
        index.as_ref().map_or((0, 0), |i| i.line_col(offset))
    };
    diagnostics
        .iter()
        .map(|d| {
            let (line, column) = locate(&d.file, d.span.start);
            let mut labels = vec![JsonLabel {
                file: d.file.to_string(),
                line,
                column,
                span: JsonSpan { start: d.span.start, end: d.span.end },
                message: d.label(),
            }];
            for label in &d.related {
                let (line, column) = locate(&label.file, label.span.start);
                labels.push(JsonLabel {
                    file: label.file.to_string(),
                    line,
                    column,
                    span: JsonSpan { start: label.span.start, end: label.span.end },
                    message: label.message.clone(),
                });
            }
            JsonDiagnostic {
                code: d.code(),
                severity: d.severity(),
                file: d.file.to_string(),
                line,
                column,
                span: JsonSpan { start: d.span.start, end: d.span.end },
                message: d.message(),
                labels,
                help: d.help(),
            }
        })
        .collect()
}
