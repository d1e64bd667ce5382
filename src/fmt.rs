//! `planc fmt`: formats every file of a plan with the kdl crate, keeping comments.

use std::process::ExitCode;

use clap::Args;
use compiler::syntax::Node;

use crate::{check, exit, PlanArgs};

#[derive(Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

/// The formatted text of a KDL document, or the reason it cannot be formatted.
///
/// The kdl crate's `autoformat` drops end-of-line comments (`stages "s1"  // why`; after a
/// children block its parser already loses them), blank lines between nodes and the
/// indentation of a comment before a closing `}`; this puts them back, finding end-of-line
/// comments with planc's own lossless parser. A comment it would still lose (e.g. `/* c */`
/// between two arguments) makes the file unformattable rather than silently dropped.
pub fn format_kdl(text: &str) -> Result<String, String> {
    let mut doc = kdl::KdlDocument::parse_v2(text).map_err(|e| {
        let first = e.diagnostics.first();
        match first {
            Some(d) => format!(
                "syntax error at byte {}: {}; run `planc check` for details",
                d.span.offset(),
                d.message.clone().unwrap_or_default()
            ),
            None => "syntax error; run `planc check` for details".to_string(),
        }
    })?;
    let ours = compiler::syntax::parse(text);
    let mut kept = Kept::default();
    kept.remember(&doc, &ours.nodes, text, 0);
    doc.autoformat();
    kept.restore(&mut doc, 0, &mut 0, &mut 0);
    let formatted = doc.to_string();
    let mut after = comments(&formatted);
    for comment in comments(text) {
        match after.iter().position(|c| *c == comment) {
            Some(i) => {
                after.swap_remove(i);
            }
            None => {
                return Err(format!(
                    "formatting would drop the comment `{comment}`; move it to a line of its own"
                ));
            }
        }
    }
    Ok(formatted)
}

/// What `autoformat` loses, in document order: per node its end-of-line comment and
/// whether a blank line came before it; per children block its closing comments.
#[derive(Default)]
struct Kept {
    nodes: Vec<(Option<String>, bool)>,
    closing: Vec<Vec<String>>,
}

impl Kept {
    /// `ours` is the same document as parsed by planc (slashdashed nodes are in neither).
    fn remember(&mut self, doc: &kdl::KdlDocument, ours: &[Node], text: &str, depth: usize) {
        let mut previous_ends_line = false;
        for (i, node) in doc.nodes().iter().enumerate() {
            let ours = ours.get(i);
            let comment = ours.and_then(|n| {
                let rest = text.get(n.span.end as usize..)?;
                let line = rest.lines().next()?.trim_start_matches([' ', '\t']);
                (line.starts_with("//") || line.starts_with("/*")).then(|| line.trim_end().to_string())
            });
            let blank = node.format().is_some_and(|f| {
                let space = &f.leading[..f.leading.len() - f.leading.trim_start().len()];
                let newlines = space.matches('\n').count() + usize::from(previous_ends_line);
                previous_ends_line = f.terminator.ends_with('\n');
                i > 0 && newlines >= 2
            });
            self.nodes.push((comment, blank));
            if let Some(children) = node.children() {
                let our_children = ours.and_then(|n| n.children.as_ref()).map_or(&[][..], |c| &c.nodes);
                self.remember(children, our_children, text, depth + 1);
            }
        }
        if depth > 0 {
            let trailing = doc.format().map_or("", |f| f.trailing.as_str());
            self.closing.push(trailing.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect());
        }
    }

    fn restore(&self, doc: &mut kdl::KdlDocument, depth: usize, node_index: &mut usize, block_index: &mut usize) {
        const INDENT: &str = "    ";
        for node in doc.nodes_mut() {
            let (comment, blank) = &self.nodes[*node_index];
            *node_index += 1;
            if let Some(f) = node.format_mut() {
                if let Some(comment) = comment.as_ref().filter(|c| !f.before_terminator.contains(c.as_str())) {
                    f.before_terminator = format!("{} {comment}", f.before_terminator.trim_end());
                    f.terminator = "\n".into();
                }
                if *blank {
                    f.leading.insert(0, '\n');
                }
            }
            if let Some(children) = node.children_mut() {
                self.restore(children, depth + 1, node_index, block_index);
            }
        }
        if depth > 0 {
            let closing = &self.closing[*block_index];
            *block_index += 1;
            if let (false, Some(f)) = (closing.is_empty(), doc.format_mut()) {
                f.trailing = closing.iter().map(|c| format!("{}{c}\n", INDENT.repeat(depth))).collect();
                f.trailing += &INDENT.repeat(depth - 1);
            }
        }
    }
}

/// The comments and slashdash markers of a KDL text, whitespace-normalized, skipping
/// strings: the formatter's output must keep every one of them.
fn comments(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let find = |from: usize, needle: &[u8]| {
        b[from.min(b.len())..].windows(needle.len()).position(|w| w == needle).map_or(b.len(), |p| from + p + needle.len())
    };
    while i < b.len() {
        match b[i] {
            b'"' if b[i..].starts_with(b"\"\"\"") => i = find(i + 3, b"\"\"\""),
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
                let open = i + hashes;
                if b.get(open) == Some(&b'"') {
                    let quotes = if b[open..].starts_with(b"\"\"\"") { 3 } else { 1 };
                    let close: Vec<u8> = std::iter::repeat_n(b'"', quotes).chain(std::iter::repeat_n(b'#', hashes)).collect();
                    i = find(open + quotes, &close);
                } else {
                    i = open;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = b[i..].iter().position(|&c| c == b'\n' || c == b'\r').map_or(b.len(), |p| i + p);
                out.push(normalize(&text[i..end]));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                let mut depth = 0;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        depth += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                out.push(normalize(&text[start..i.min(b.len())]));
            }
            b'/' if b.get(i + 1) == Some(&b'-') => {
                out.push("/-".into());
                i += 2;
            }
            _ => i += 1,
        }
    }
    out
}

fn normalize(comment: &str) -> String {
    comment.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn run(args: &FmtArgs) -> ExitCode {
    let session = match check::open(&args.plan) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let mut unformatted = 0;
    let mut failed = false;
    for file in session.files() {
        let name = file.name(session.db()).to_string();
        if name.starts_with("std:") {
            continue;
        }
        let text = file.text(session.db());
        match format_kdl(text) {
            Ok(formatted) if formatted == **text => {}
            Ok(formatted) => {
                unformatted += 1;
                if args.check {
                    println!("{name}");
                } else if let Err(e) = std::fs::write(&name, formatted) {
                    eprintln!("error: cannot write `{name}`: {e}");
                    failed = true;
                } else {
                    eprintln!("formatted {name}");
                }
            }
            Err(reason) => {
                eprintln!("error: cannot format `{name}`: {reason}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(exit::USAGE)
    } else if args.check && unformatted > 0 {
        eprintln!("{unformatted} file(s) not formatted; run `planc fmt`");
        ExitCode::from(exit::ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}
