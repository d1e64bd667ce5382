//! No panic on any input: random bytes and mutated copies of the `ok/` snippets go through
//! the parser and a whole check (library and binary). Along the way: every diagnostic's
//! span lies inside its file on character boundaries, and a session that took the edit
//! with `set_text` reports exactly what a fresh session on the edited files reports.
//!
//! `PROPTEST_CASES=5000 cargo test --release --test it no_panic` searches longer.

use std::path::{Path, PathBuf};

use compiler::{Session, SessionConfig};
use proptest::prelude::*;

use crate::support::{cases, copy_dir, planc, run, scratch_dir};

/// One file of an `ok/` case: the case, the file's path inside the case, its text.
struct Sample {
    case: PathBuf,
    file: PathBuf,
    text: String,
}

fn corpus() -> Vec<Sample> {
    let mut out = Vec::new();
    for case in cases("ok") {
        let path = case.folder.join(&case.target);
        if path.is_dir() {
            collect(&path, &path, &mut out);
        } else {
            let text = std::fs::read_to_string(&path).expect("read snippet");
            out.push(Sample { case: path, file: PathBuf::from("plan.kdl"), text });
        }
    }
    out
}

fn collect(case: &Path, dir: &Path, out: &mut Vec<Sample>) {
    for entry in std::fs::read_dir(dir).expect("read case") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(case, &path, out);
        } else if path.extension().is_some_and(|e| e == "kdl") {
            let text = std::fs::read_to_string(&path).expect("read snippet");
            let file = path.strip_prefix(case).expect("inside the case").to_path_buf();
            out.push(Sample { case: case.to_path_buf(), file, text });
        }
    }
}

/// Text that tends to break parsers and checkers.
const TOKENS: &[&str] = &[
    "{", "}", "\"", "#", "/-", "\\", "\n", ";", "=", "(", ")", "<", ">", "!", "|", ",", ":", "é", "\u{202e}",
    "\u{feff}", "\u{0}", "\t", "\r\n", "#true", "true", "null", "\"\"\"", "#\"", "\"#", "/*", "*/", "//", "0x",
    "1e", "-", "(t)", "package \"x\"", "import \"./plan.kdl\"", "import \"std:autotools\"", "import \"../x.kdl\"",
    "stage \"stage9\"", "output \"o\"", "build-depends \"a (>= 1\"", "when=\"<!x\"", "version=\"1:\"",
    "use=\"configure-make\"", "extend \"x\"", "\\u{110000}", "stage=\"previous\"",
];

#[derive(Clone, Debug)]
enum Edit {
    Delete { at: u16, len: u8 },
    Insert { at: u16, token: usize },
    Duplicate { at: u16, len: u8 },
    Replace { at: u16, c: char },
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<u16>(), any::<u8>()).prop_map(|(at, len)| Edit::Delete { at, len }),
        (any::<u16>(), 0..TOKENS.len()).prop_map(|(at, token)| Edit::Insert { at, token }),
        (any::<u16>(), any::<u8>()).prop_map(|(at, len)| Edit::Duplicate { at, len }),
        (any::<u16>(), any::<char>()).prop_map(|(at, c)| Edit::Replace { at, c }),
    ]
}

/// A char boundary near `fraction` of the text.
fn position(text: &str, fraction: u16) -> usize {
    let mut at = text.len() * usize::from(fraction) / usize::from(u16::MAX);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn range(text: &str, at: u16, len: u8) -> (usize, usize) {
    let start = position(text, at);
    let mut end = (start + usize::from(len) % 40).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end)
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut text = text.to_string();
    for edit in edits {
        match *edit {
            Edit::Delete { at, len } => {
                let (start, end) = range(&text, at, len);
                text.replace_range(start..end, "");
            }
            Edit::Insert { at, token } => text.insert_str(position(&text, at), TOKENS[token]),
            Edit::Duplicate { at, len } => {
                let (start, end) = range(&text, at, len);
                let copy = text[start..end].to_string();
                text.insert_str(end, &copy);
            }
            Edit::Replace { at, c } => {
                let start = position(&text, at);
                let end = text[start..].chars().next().map_or(start, |old| start + old.len_utf8());
                text.replace_range(start..end, c.encode_utf8(&mut [0; 4]));
            }
        }
    }
    text
}

fn config() -> SessionConfig {
    SessionConfig { threads: 2, ..SessionConfig::default() }
}

/// Every diagnostic points into a loaded file, within its text, on character boundaries.
fn assert_spans_valid(session: &Session) {
    for d in session.diagnostics().iter() {
        let text = session.text(&d.file).unwrap_or_else(|| panic!("{} reported in unknown file {}", d.code(), d.file));
        for (file, span) in std::iter::once((&d.file, d.span)).chain(d.related.iter().map(|l| (&l.file, l.span))) {
            let text = if *file == d.file { text.clone() } else { session.text(file).expect("related file loaded") };
            let (start, end) = (span.start as usize, span.end as usize);
            assert!(start <= end && end <= text.len(), "{} span {start}..{end} outside {file}", d.code());
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{} span {start}..{end} splits a character", d.code());
        }
    }
}

/// Sets up the sample's case in `dir` with `file` holding `text`; returns the root path.
fn materialize(sample: &Sample, dir: &Path, text: &str) -> PathBuf {
    let _ = std::fs::remove_dir_all(dir);
    if sample.case.is_dir() {
        copy_dir(&sample.case, dir);
    } else {
        std::fs::create_dir_all(dir).expect("create dir");
    }
    std::fs::write(dir.join(&sample.file), text).expect("write mutated file");
    dir.join("plan.kdl")
}

proptest! {
    #[test]
    fn random_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        let doc = compiler::syntax::parse(&text);
        let _ = compiler::syntax::to_canonical(&doc);
        let dir = scratch_dir("no-panic-bytes");
        std::fs::write(dir.join("plan.kdl"), &bytes).expect("write plan");
        // Not UTF-8 is a load error, not a panic.
        if let Ok(session) = Session::open(&dir, &config()) {
            assert_spans_valid(&session);
            let _ = session.summary();
        }
    }

    #[test]
    fn mutated_plans_do_not_panic(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit_strategy(), 1..8),
    ) {
        let corpus = corpus();
        let sample = &corpus[pick.index(corpus.len())];
        let mutated = apply(&sample.text, &edits);
        let doc = compiler::syntax::parse(&mutated);
        let _ = compiler::syntax::to_canonical(&doc);

        // A session on the original takes the edit…
        let dir = scratch_dir("no-panic-mutated");
        let root = materialize(sample, &dir, &sample.text);
        let mut session = Session::open(&root, &config()).expect("open the original");
        let before = session.diagnostics();
        let name = format!("{}", dir.join(&sample.file).display());
        session.set_text(&name, &mutated);
        assert_spans_valid(&session);
        let incremental = (session.diagnostics(), session.summary());

        // …and must agree with a fresh session on the edited files.
        materialize(sample, &dir, &mutated);
        if let Ok(fresh) = Session::open(&root, &config()) {
            prop_assert_eq!(&*incremental.0, &*fresh.diagnostics());
            prop_assert_eq!(incremental.1, fresh.summary());
        }

        // Undoing the edit gives the original diagnostics back.
        session.set_text(&name, &sample.text);
        prop_assert_eq!(&*session.diagnostics(), &*before);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The binary renders whatever the compiler reports, for people and as JSON.
    #[test]
    fn the_binary_renders_mutated_plans(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec(edit_strategy(), 1..6),
    ) {
        let corpus = corpus();
        let sample = &corpus[pick.index(corpus.len())];
        let dir = scratch_dir("no-panic-binary");
        let root = materialize(sample, &dir.join("case"), &apply(&sample.text, &edits));
        for format in ["human", "json"] {
            let run = run(planc(&dir).args(["check", "--format", format]).arg(&root));
            prop_assert!(matches!(run.code, Some(0..=2)), "exit {:?}: {}", run.code, run.stderr);
            prop_assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            if format == "json" && run.code != Some(2) {
                prop_assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_ok(), "{}", run.stdout);
            }
        }
    }
}
