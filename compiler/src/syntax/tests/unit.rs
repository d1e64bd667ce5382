//! Unit tests: spans, error recovery, KDL 1 keywords, and every error kind the parser emits.

use crate::syntax::{
    Document, Entry, Node, SmallStr, Span, SyntaxErrorKind as K, Value, parse, to_canonical,
};

/// The errors of `text`, each with the text its span covers.
fn errors(text: &str) -> Vec<(K, &str)> {
    parse(text).errors.into_iter().map(|e| (e.kind, &text[e.span.range()])).collect()
}

/// The one error of `text`.
fn error(text: &str) -> (K, &str) {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
    errors.into_iter().next().unwrap()
}

fn clean(text: &str) -> Document {
    let doc = parse(text);
    assert_eq!(doc.errors, [], "{text:?}");
    doc
}

fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn values(node: &Node) -> Vec<&Value> {
    node.entries.iter().map(|e: &Entry| &e.value).collect()
}

// ---- spans ----

#[test]
fn spans_of_node_entries_and_children() {
    let text = "  (t)node a=(u)\"s\" 2 {\n    child\n}\n";
    let doc = clean(text);
    let node = &doc.nodes[0];
    assert_eq!(at(text, node.span), &text[2..text.len() - 1]);
    assert_eq!(at(text, node.ty.as_ref().unwrap().span), "t");
    assert_eq!(at(text, node.name.span), "node");
    let prop = &node.entries[0];
    assert_eq!(at(text, prop.span), "a=(u)\"s\"");
    assert_eq!(at(text, prop.name.as_ref().unwrap().span), "a");
    assert_eq!(at(text, prop.ty.as_ref().unwrap().span), "u");
    assert_eq!(at(text, prop.value_span), "\"s\"");
    assert_eq!(prop.value, Value::String("s".into()));
    assert_eq!(at(text, node.entries[1].span), "2");
    let children = node.children.as_ref().unwrap();
    assert_eq!(at(text, children.span), "{\n    child\n}");
    assert_eq!(at(text, children.nodes[0].span), "child");
}

#[test]
fn node_span_ends_at_last_kept_item() {
    let text = "node 1 /- 2 /-{ x }; next";
    let doc = clean(text);
    assert_eq!(at(text, doc.nodes[0].span), "node 1");
    assert_eq!(at(text, doc.nodes[1].span), "next");
    let text = "(ty) name \\\n  x=1 // c\n";
    let doc = clean(text);
    assert_eq!(at(text, doc.nodes[0].span), "(ty) name \\\n  x=1");
}

#[test]
fn spans_of_strings_and_numbers() {
    let text = "n #\"raw\"# \"\"\"\n  ml\n  \"\"\" 0x_ff_ 1.5e3 #true (t) \"q\"";
    let doc = clean(text.replace("0x_ff_", "0xff_").as_str());
    let text = text.replace("0x_ff_", "0xff_");
    let spans: Vec<&str> =
        doc.nodes[0].entries.iter().map(|e| &text[e.value_span.range()]).collect();
    assert_eq!(spans, ["#\"raw\"#", "\"\"\"\n  ml\n  \"\"\"", "0xff_", "1.5e3", "#true", "\"q\""]);
    assert_eq!(at(&text, doc.nodes[0].entries[5].span), "(t) \"q\"");
}

#[test]
fn spans_count_bytes_not_chars() {
    let text = "ノード é=\"ü\"";
    let doc = clean(text);
    let node = &doc.nodes[0];
    assert_eq!(node.name.span, Span::new(0, 9));
    assert_eq!(at(text, node.entries[0].span), "é=\"ü\"");
}

#[test]
fn bom_only_at_start() {
    let doc = clean("\u{FEFF}node");
    assert_eq!(doc.nodes[0].name.span, Span::new(3, 7));
    assert_eq!(error("node \u{FEFF}x"), (K::DisallowedCodePoint('\u{FEFF}'), "\u{FEFF}"));
}

// ---- values ----

#[test]
fn numbers() {
    let doc = clean(
        "n 0 -7 +7 1_000 0x7f 0o17 0b101 -0x10 1.5 -2.5e-3 1E3 #inf #-inf #nan \
         170141183460469231731687303715884105727 -170141183460469231731687303715884105728",
    );
    let v = values(&doc.nodes[0]);
    let ints: Vec<i128> =
        v.iter().filter_map(|v| if let Value::Integer(i) = v { Some(*i) } else { None }).collect();
    assert_eq!(ints, [0, -7, 7, 1000, 127, 15, 5, -16, i128::MAX, i128::MIN]);
    let floats: Vec<f64> = v
        .iter()
        .filter_map(|v| if let Value::Float(f) = v { Some(f.get()) } else { None })
        .collect();
    assert_eq!(&floats[..5], [1.5, -2.5e-3, 1e3, f64::INFINITY, f64::NEG_INFINITY]);
    assert!(floats[5].is_nan());
    assert_eq!(doc.nodes[0].entries[8].float_text.as_deref(), Some("1.5"));
    assert_eq!(doc.nodes[0].entries[11].float_text, None);
}

#[test]
fn strings_and_escapes() {
    let doc = clean(
        "n \"a\\tb\\u{1F600}\\s\\\"\" \"x \\\n   y\" #\"\\n\"# ##\"a\"#b\"## \"\"\"\n    one\n\n      two\n    \"\"\"",
    );
    let v = values(&doc.nodes[0]);
    let s = |i: usize| match v[i] {
        Value::String(s) => &**s,
        other => panic!("{other:?}"),
    };
    assert_eq!(s(0), "a\tb😀 \"");
    assert_eq!(s(1), "x y");
    assert_eq!(s(2), "\\n");
    assert_eq!(s(3), "a\"#b");
    assert_eq!(s(4), "one\n\n  two");
}

#[test]
fn properties_keep_order_and_duplicates() {
    let doc = clean("n a=1 b=2 a=3 x");
    let names: Vec<_> =
        doc.nodes[0].entries.iter().map(|e| e.name.as_ref().map(|n| &*n.text)).collect();
    assert_eq!(names, [Some("a"), Some("b"), Some("a"), None]);
    assert_eq!(to_canonical(&doc), "n x a=3 b=2\n");
}

#[test]
fn canonical_printing() {
    let doc = clean("(t)n \"a b\" \"0x\" +1.5e3 0xff \"true\" \"r\" { c; }");
    assert_eq!(to_canonical(&doc), "(t)n \"a b\" \"0x\" 1.5E+3 255 \"true\" r {\n    c\n}\n");
}

// ---- KDL 1 keywords ----

#[test]
fn bare_keywords_are_errors_with_their_values() {
    let doc = parse("node true false null x=true inf");
    let kinds: Vec<_> = doc.errors.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            K::BareKeyword("true"),
            K::BareKeyword("false"),
            K::BareKeyword("null"),
            K::BareKeyword("true"),
            K::BareKeyword("inf")
        ]
    );
    let v = values(&doc.nodes[0]);
    assert_eq!(v[..4], [&Value::Bool(true), &Value::Bool(false), &Value::Null, &Value::Bool(true)]);
    assert!(matches!(v[4], Value::Float(f) if f.get() == f64::INFINITY));
    assert_eq!(K::BareKeyword("true").message(), "`true` is not a value in KDL 2.0");
    assert_eq!(
        K::BareKeyword("true").help().unwrap(),
        "write `#true`, or `\"true\"` for the string"
    );
    // As a name or key it is still reported, and kept as a string.
    let doc = parse("null true=1");
    assert_eq!(doc.errors.len(), 2);
    assert_eq!(&*doc.nodes[0].name.text, "null");
    assert_eq!(&*doc.nodes[0].entries[0].name.as_ref().unwrap().text, "true");
}

// ---- recovery ----

#[test]
fn many_errors_one_partial_tree() {
    let text = "a 1 #bad 2\nb \"open\nc (t)\nd { e true; f 0x }\n}\ng [x] h";
    let doc = parse(text);
    let got: Vec<_> = doc.errors.iter().map(|e| (e.kind.clone(), at(text, e.span))).collect();
    assert_eq!(
        got,
        [
            (K::UnknownKeyword("bad".into()), "#bad"),
            (K::UnterminatedString, "\"open"),
            (
                K::Unexpected {
                    found: "end of line",
                    expected: "a value after the type annotation"
                },
                "\n"
            ),
            (K::BareKeyword("true"), "true"),
            (K::InvalidNumber, "0x"),
            (K::UnmatchedCloseBrace, "}"),
            (K::UnexpectedChar('['), "["),
        ]
    );
    let names: Vec<_> = doc.nodes.iter().map(|n| &*n.name.text).collect();
    assert_eq!(names, ["a", "b", "c", "d", "g"]);
    assert_eq!(values(&doc.nodes[0]), [&Value::Integer(1), &Value::Integer(2)]);
    assert_eq!(values(&doc.nodes[1]), [&Value::String("open".into())]);
    let d = doc.nodes[3].children.as_ref().unwrap();
    assert_eq!(values(&d.nodes[0]), [&Value::Bool(true)]);
    assert_eq!(d.nodes[1].entries, []);
    assert_eq!(values(&doc.nodes[4]), [&Value::String("h".into())]);
}

#[test]
fn unclosed_block_closes_at_end_of_input() {
    let text = "a {\n  b {\n    c 1\n";
    let doc = parse(text);
    let got: Vec<_> = doc.errors.iter().map(|e| (e.kind.clone(), e.span)).collect();
    assert_eq!(got, [(K::UnclosedBlock, Span::new(2, 3)), (K::UnclosedBlock, Span::new(8, 9))]);
    let b = &doc.nodes[0].children.as_ref().unwrap().nodes[0];
    assert_eq!(b.children.as_ref().unwrap().span, Span::new(8, text.len() as u32));
    assert_eq!(&*b.children.as_ref().unwrap().nodes[0].name.text, "c");
}

#[test]
fn stray_close_braces_are_skipped() {
    let doc = parse("} a }} b");
    assert_eq!(doc.errors.iter().filter(|e| e.kind == K::UnmatchedCloseBrace).count(), 3);
    let names: Vec<_> = doc.nodes.iter().map(|n| &*n.name.text).collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn out_of_range_and_invalid_numbers_drop_their_entry() {
    let text =
        "n 1 170141183460469231731687303715884105728 1.2.3 k=0xfffffffffffffffffffffffffffffffff 2";
    let doc = parse(text);
    let got: Vec<_> = doc.errors.iter().map(|e| (e.kind.clone(), at(text, e.span))).collect();
    assert_eq!(
        got,
        [
            (K::NumberOutOfRange, "170141183460469231731687303715884105728"),
            (K::InvalidNumber, "1.2.3"),
            (K::NumberOutOfRange, "0xfffffffffffffffffffffffffffffffff"),
        ]
    );
    assert_eq!(values(&doc.nodes[0]), [&Value::Integer(1), &Value::Integer(2)]);
}

#[test]
fn bad_node_name_is_kept_as_text() {
    let doc = parse("1 a\n#true b");
    assert_eq!(doc.errors.len(), 2);
    assert_eq!(&*doc.nodes[0].name.text, "1");
    assert_eq!(&*doc.nodes[1].name.text, "#true");
}

#[test]
fn deep_nesting_is_cut_off_not_overflowed() {
    let text = "a {".repeat(10_000);
    let doc = parse(&text);
    assert_eq!(doc.errors.iter().filter(|e| e.kind == K::NestingTooDeep).count(), 1);
    let text = format!("{}{}", "a {".repeat(300), "}".repeat(300));
    let doc = parse(&text);
    let kinds: Vec<_> = doc.errors.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(kinds, [K::NestingTooDeep]);
}

// ---- every error kind the parser emits ----

#[test]
fn each_error_kind() {
    let cases: &[(&str, K, &str)] = &[
        ("n [a]", K::UnexpectedChar('['), "["),
        ("n a=\n", K::Unexpected { found: "end of line", expected: "a value" }, "\n"),
        (";", K::Unexpected { found: "`;`", expected: "a node" }, ";"),
        ("()n", K::Unexpected { found: "`)`", expected: "a type name" }, "()"),
        ("(a b)n", K::Unexpected { found: "more text", expected: "`)`" }, "b"),
        (
            "n (t)k=1",
            K::Unexpected { found: "a type annotation", expected: "a property name" },
            "(t)",
        ),
        ("n 1=2", K::Unexpected { found: "a number", expected: "a property name" }, "1"),
        (
            "n {} {}",
            K::Unexpected { found: "a second children block", expected: "the end of the node" },
            "{}",
        ),
        (
            "n /-{} a",
            K::Unexpected {
                found: "an argument or property",
                expected: "a children block or the end of the node",
            },
            "a",
        ),
        (
            "{ a }",
            K::Unexpected { found: "a children block", expected: "a node name before it" },
            "{ a }",
        ),
        ("n \"abc\nm", K::UnterminatedString, "\"abc"),
        ("n ##\"abc\"#", K::UnterminatedString, "##\"abc\"#"),
        ("n \"\"\"\nabc", K::UnterminatedString, "\"\"\""),
        ("n /* a /* b */", K::UnterminatedComment, "/*"),
        ("n \"a\\qb\"", K::InvalidEscape, "\\q"),
        ("n \"\\u{D800}\"", K::InvalidUnicodeEscape, "\\u{D800}"),
        ("n \"\\u{1234567}\"", K::InvalidUnicodeEscape, "\\u{1234567}"),
        ("n \"\\u12\"", K::InvalidUnicodeEscape, "\\u"),
        ("n false", K::BareKeyword("false"), "false"),
        ("n #yes", K::UnknownKeyword("yes".into()), "#yes"),
        ("n 1.", K::InvalidNumber, "1."),
        ("n .5", K::InvalidNumber, ".5"),
        ("n 0x", K::InvalidNumber, "0x"),
        ("n 0b12", K::InvalidNumber, "0b12"),
        (
            "n -0x8000000000000000000000000000000_1",
            K::NumberOutOfRange,
            "-0x8000000000000000000000000000000_1",
        ),
        ("n 0n", K::InvalidIdentifier, "0n"),
        ("n \"\"\"\n  a\n b\n  \"\"\"", K::BadMultilineIndent, " "),
        ("n \"\"\"\n\ta\n  \"\"\"", K::BadMultilineIndent, "\t"),
        ("n a\u{200E}b", K::DisallowedCodePoint('\u{200E}'), "\u{200E}"),
        ("n \"\u{7}\"", K::DisallowedCodePoint('\u{7}'), "\u{7}"),
        ("n // \u{202E}\n", K::DisallowedCodePoint('\u{202E}'), "\u{202E}"),
        ("n\"a\"", K::MissingWhitespace, "\"a\""),
        ("n a=1\"b\"", K::MissingWhitespace, "\"b\""),
        ("n {}m", K::MissingTerminator, "m"),
        ("n {", K::UnclosedBlock, "{"),
        ("}", K::UnmatchedCloseBrace, "}"),
        ("n /-", K::DanglingSlashdash, "/-"),
        ("n { /- }", K::DanglingSlashdash, "/-"),
        ("/-", K::DanglingSlashdash, "/-"),
        ("n \\ a", K::InvalidLineContinuation, "\\"),
        ("n \"\"\"a\"\"\"", K::MultilineStringStart, "\"\"\""),
        ("n #\"\"\"a\"\"\"#", K::MultilineStringStart, "#\"\"\""),
        ("n \"\"\"\n  a\"\"\"", K::MultilineStringEnd, "  a\"\"\""),
        ("n (t)/-1", K::MisplacedSlashdash, "/-"),
        ("n k=/-1", K::MisplacedSlashdash, "/-"),
        ("(/-t)n", K::MisplacedSlashdash, "/-"),
        ("/- /- n", K::MisplacedSlashdash, "/-"),
    ];
    for (text, kind, covered) in cases {
        assert_eq!(error(text), (kind.clone(), *covered), "{text:?}");
    }
}

#[test]
fn every_kind_has_words() {
    let kinds = [
        K::UnexpectedChar('\u{1}'),
        K::Unexpected { found: "x", expected: "y" },
        K::UnterminatedString,
        K::UnterminatedComment,
        K::InvalidEscape,
        K::BareKeyword("null"),
        K::UnknownKeyword("x".into()),
        K::InvalidNumber,
        K::NumberOutOfRange,
        K::BadMultilineIndent,
        K::InvalidIdentifier,
        K::DisallowedCodePoint('\u{FEFF}'),
        K::DisallowedCodePoint('\u{202E}'),
        K::MissingWhitespace,
        K::MissingTerminator,
        K::UnclosedBlock,
        K::UnmatchedCloseBrace,
        K::DanglingSlashdash,
        K::InvalidUtf8,
        K::InvalidLineContinuation,
        K::InvalidUnicodeEscape,
        K::MultilineStringStart,
        K::MultilineStringEnd,
        K::MisplacedSlashdash,
        K::NestingTooDeep,
        K::FileTooLarge,
    ];
    for kind in kinds {
        let message = kind.message();
        assert!(!message.is_empty() && !message.ends_with('.'), "{kind:?}: {message}");
        assert!(message.starts_with(|c: char| !c.is_uppercase()), "{kind:?}: {message}");
        if let Some(help) = kind.help() {
            assert!(
                !help.ends_with('.') && help.starts_with(|c: char| !c.is_uppercase()),
                "{kind:?}: {help}"
            );
        }
    }
    assert_eq!(K::UnexpectedChar('\u{1}').message(), "unexpected character U+0001");
    assert_eq!(
        K::Unexpected { found: "`;`", expected: "a node" }.message(),
        "expected a node, found `;`"
    );
    assert_eq!(
        K::DisallowedCodePoint('\u{202E}').help().unwrap(),
        "remove it, or write it as `\\u{202e}` inside a quoted string"
    );
}

#[test]
fn all_whitespace_and_newlines() {
    let spaces = "\t \u{A0}\u{1680}\u{2000}\u{2005}\u{200A}\u{202F}\u{205F}\u{3000}";
    let doc = clean(&format!("a{spaces}1{spaces}b=2"));
    assert_eq!(doc.nodes[0].entries.len(), 2);
    for newline in ["\n", "\r\n", "\r", "\u{85}", "\u{B}", "\u{C}", "\u{2028}", "\u{2029}"] {
        let doc = clean(&format!("a{newline}b{newline}"));
        assert_eq!(doc.nodes.len(), 2, "{newline:?}");
        let doc = clean(&format!("a \\{newline} 1 // x{newline}b"));
        assert_eq!(doc.nodes.len(), 2, "{newline:?}");
        let doc = clean(&format!("a \"\"\"{newline}  x{newline}  \"\"\""));
        assert_eq!(values(&doc.nodes[0]), [&Value::String("x".into())], "{newline:?}");
    }
}

#[test]
fn comments_and_slashdash() {
    let doc = clean(
        "/* a /* nested */ comment */ a /- b=1 c /-(t)d /- {\n x\n} { y }\n/- z {\n}\n// end\nlast",
    );
    let names: Vec<_> = doc.nodes.iter().map(|n| &*n.name.text).collect();
    assert_eq!(names, ["a", "last"]);
    assert_eq!(values(&doc.nodes[0]), [&Value::String("c".into())]);
    assert_eq!(&*doc.nodes[0].children.as_ref().unwrap().nodes[0].name.text, "y");
}

#[test]
fn random_bytes_spans_are_in_bounds() {
    // A fixed, varied input: every prefix parses without panicking and with sane spans.
    let text = "a \"b\\u{41}\" #\"c\"# \"\"\"\n d\n \"\"\" 0x1f (t)e=1.5 /- f {\n g; h \\\n i }\n";
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        let doc = parse(&text[..end]);
        for e in &doc.errors {
            assert!(e.span.start <= e.span.end && e.span.end as usize <= end, "{end}: {e:?}");
        }
    }
}

#[test]
fn small_str_reads_back_inline_and_boxed() {
    assert_eq!(std::mem::size_of::<SmallStr>(), 24);
    // Short and long, ASCII and not, near the end of the text and far from it.
    let text = format!("{}{}", "é".repeat(15), "abcdefghijklmnopqrstuvwxyz");
    for start in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        for end in (start..=text.len()).filter(|&i| text.is_char_boundary(i)) {
            let want = &text[start..end];
            assert_eq!(&*SmallStr::from_source(&text, start, end), want);
            assert_eq!(&*SmallStr::new(want), want);
            assert_eq!(&*SmallStr::from(want.to_string()), want);
            assert_eq!(SmallStr::from_source(&text, start, end), SmallStr::new(want));
        }
    }
}
