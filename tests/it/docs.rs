//! The docs stay true to the code: every diagnostic code has a section in
//! docs/diagnostics.md whose example reports it, and every KDL example in the docs is
//! valid KDL 2.0.

use std::path::Path;

use compiler::{Session, SessionConfig};

use crate::support::scratch_dir;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fenced code block: the heading it is under, its language and its text.
struct Block {
    heading: String,
    language: String,
    text: String,
}

fn blocks(markdown: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut heading = String::new();
    let mut open: Option<Block> = None;
    for line in markdown.lines() {
        match &mut open {
            Some(block) if line.trim_start().starts_with("```") => {
                out.push(std::mem::replace(block, Block { heading: String::new(), language: String::new(), text: String::new() }));
                open = None;
            }
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            None if line.trim_start().starts_with("```") => {
                let language = line.trim_start().trim_start_matches('`').trim().to_string();
                open = Some(Block { heading: heading.clone(), language, text: String::new() });
            }
            None if line.starts_with('#') => heading = line.trim_start_matches('#').trim().to_string(),
            None => {}
        }
    }
    out
}

fn codes() -> Vec<String> {
    let source = include_str!("../../compiler/src/diagnostic_kind.rs");
    source
        .split('"')
        .filter(|s| s.starts_with("planc::") && s[7..].bytes().all(|b| b.is_ascii_lowercase() || b == b'-'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_code_has_a_section_and_every_section_a_code() {
    let doc = read("docs/diagnostics.md");
    let sections: Vec<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### `").and_then(|l| l.strip_suffix('`')))
        .map(str::to_string)
        .collect();
    let codes = codes();
    let missing: Vec<&String> = codes.iter().filter(|c| !sections.contains(c)).collect();
    let unknown: Vec<&String> = sections.iter().filter(|s| !codes.contains(s)).collect();
    assert!(missing.is_empty(), "codes without a section in docs/diagnostics.md: {missing:?}");
    assert!(unknown.is_empty(), "sections for codes that do not exist: {unknown:?}");
}

/// Each section's first example, checked as a plan of its own, reports the section's code.
#[test]
fn every_diagnostics_example_reports_its_code() {
    let doc = read("docs/diagnostics.md");
    let mut seen = Vec::new();
    let mut failures = Vec::new();
    for block in blocks(&doc) {
        let Some(code) = block.heading.strip_prefix('`').and_then(|h| h.strip_suffix('`')) else { continue };
        if block.language != "kdl" || seen.iter().any(|c| c == code) {
            continue;
        }
        seen.push(code.to_string());
        let dir = scratch_dir(&format!("docs-{}", &code[7..]));
        std::fs::write(dir.join("plan.kdl"), &block.text).expect("write example");
        let session = Session::open(&dir, &SessionConfig::default()).expect("open example");
        let reported: Vec<&str> = session.diagnostics().iter().map(|d| d.code()).collect();
        if !reported.contains(&code) {
            failures.push(format!("{code}: the example reports {reported:?}"));
        }
    }
    assert_eq!(seen.len(), codes().len(), "an example per code");
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Every `kdl` block of the docs parses without a syntax error (but the one showing a
/// syntax error).
#[test]
fn every_kdl_example_in_the_docs_is_valid_kdl() {
    let mut count = 0;
    for path in ["README.md", "ARCHITECTURE.md", "docs/getting-started.md", "docs/language.md", "docs/cli.md", "docs/diagnostics.md", "docs/stages.md", "docs/dag-format.md"] {
        for block in blocks(&read(path)) {
            if block.language != "kdl" || block.heading == "`planc::syntax`" {
                continue;
            }
            count += 1;
            let doc = compiler::syntax::parse(&block.text);
            assert!(doc.errors.is_empty(), "{path}, under \"{}\":\n{}\n{:?}", block.heading, block.text, doc.errors);
        }
    }
    assert!(count > 30, "found only {count} KDL examples");
}

/// The tutorial's plans are clean once its steps are done: its first plan, and the final
/// two-file plan with the fix of step 4.
#[test]
fn the_tutorial_plans_check_clean() {
    let tutorial = read("docs/getting-started.md");
    let kdl: Vec<Block> = blocks(&tutorial).into_iter().filter(|b| b.language == "kdl").collect();
    let dir = scratch_dir("docs-tutorial");
    std::fs::write(dir.join("plan.kdl"), &kdl[0].text).expect("write");
    let session = Session::open(&dir, &SessionConfig::default()).expect("open");
    assert_eq!(session.diagnostics().len(), 0, "{:?}", session.diagnostics());
    std::fs::write(dir.join("libs.kdl"), &kdl[1].text).expect("write");
    let fixed = kdl[2].text.replace("\"perl\"\n", "\"perl\" \"python3\"\n");
    assert_ne!(fixed, kdl[2].text, "step 4's fix applies");
    std::fs::write(dir.join("plan.kdl"), fixed).expect("write");
    let session = Session::open(&dir, &SessionConfig::default()).expect("open");
    assert_eq!(session.diagnostics().len(), 0, "{:?}", session.diagnostics());
    assert_eq!((session.summary().packages, session.summary().files), (3, 3));
}
