//! Tests of the Debian import: relation syntax, architectures and profiles on stanzas
//! from the bullseye archive, the mapping on a small synthetic archive, the KDL output,
//! determinism, and the whole bullseye archive.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::arch::Arch;
use super::archive::{parse_packages, parse_sources};
use super::binary::Binary;
use super::formula::Formula;
use super::relation::{VersionOp, group_text, parse_provides, parse_relations};
use super::source::{Source, SourceOptions};
use super::stanza::stanzas;
use super::writer::{pool_prefix, quote};
use super::{ImportConfig, ImportError, import};

fn amd64() -> Arch {
    Arch::parse("amd64").unwrap()
}

/// Parses `text` as a `Sources` file for `arch`.
fn sources_for<'a>(text: &'a str, arch: &Arch) -> Result<Vec<Source<'a>>, ImportError> {
    parse_sources(
        text,
        Path::new("Sources"),
        SourceOptions {
            arch,
            drop_indep: false,
        },
    )
}

fn one_source<'a>(text: &'a str, arch: &Arch) -> Source<'a> {
    let mut sources = sources_for(text, arch).unwrap();
    assert_eq!(sources.len(), 1);
    sources.pop().unwrap()
}

fn build_depends_text(source: &Source<'_>) -> Vec<String> {
    source
        .build_depends
        .iter()
        .map(|g| group_text(g, true))
        .collect()
}

// From bullseye's Sources (apt 2.2.4), fields not needed here left out.
const APT: &str = "\
Package: apt
Binary: apt, libapt-pkg6.0, apt-doc, libapt-pkg-dev, libapt-pkg-doc, apt-utils, apt-transport-https
Version: 2.2.4
Build-Depends: cmake (>= 3.4), debhelper-compat (= 12), docbook-xml, docbook-xsl, dpkg-dev (>= 1.17.14), gettext (>= 0.12), googletest <!nocheck> | libgtest-dev <!nocheck>, libbz2-dev, libdb-dev, libgnutls28-dev (>= 3.4.6), libgcrypt20-dev, liblz4-dev (>= 0.0~r126), liblzma-dev, libseccomp-dev (>= 2.4.2) [amd64 arm64 armel armhf i386 mips mips64el mipsel ppc64el s390x hppa powerpc powerpcspe ppc64 x32], libsystemd-dev [linux-any], libudev-dev [linux-any], libxxhash-dev (>= 0.8), libzstd-dev (>= 1.0), ninja-build, pkg-config, po4a (>= 0.34-2), triehash, xsltproc, zlib1g-dev
Build-Depends-Indep: doxygen, graphviz, w3m
Architecture: any all
Format: 3.0 (native)
Package-List: 
 apt deb admin important arch=any
 apt-doc deb doc optional arch=all
 apt-transport-https deb oldlibs optional arch=all
 apt-utils deb admin important arch=any
 libapt-pkg-dev deb libdevel optional arch=any
 libapt-pkg-doc deb doc optional arch=all
 libapt-pkg6.0 deb libs optional arch=any
Directory: pool/main/a/apt
";

#[test]
fn alternatives_with_restrictions_per_alternative() {
    let apt = one_source(APT, &amd64());
    let deps = build_depends_text(&apt);
    assert!(
        deps.contains(&"googletest <!nocheck> | libgtest-dev <!nocheck>".to_owned()),
        "{deps:?}"
    );
    let gtest = apt
        .build_depends
        .iter()
        .find(|g| g[0].name == "googletest")
        .unwrap();
    assert_eq!(gtest.len(), 2);
    assert!(
        gtest
            .iter()
            .all(|alt| !alt.formula.eval(&["nocheck"]) && alt.formula.eval(&[]))
    );
    // Build-Depends-Indep comes after Build-Depends.
    assert_eq!(deps.last().map(String::as_str), Some("w3m"));
    assert_eq!(apt.build_conflicts, 0);
}

#[test]
fn architecture_lists_are_evaluated_for_the_architecture() {
    let on = |arch: &str| build_depends_text(&one_source(APT, &Arch::parse(arch).unwrap()));
    let amd64 = on("amd64");
    assert!(amd64.contains(&"libseccomp-dev (>= 2.4.2)".to_owned()));
    assert!(amd64.contains(&"libsystemd-dev".to_owned()));
    // `[linux-any]` excludes the Hurd; riscv64 is not in the libseccomp list.
    let hurd = on("hurd-i386");
    assert!(
        !hurd
            .iter()
            .any(|d| d.starts_with("libsystemd-dev") || d.starts_with("libseccomp-dev"))
    );
    let riscv = on("riscv64");
    assert!(riscv.contains(&"libsystemd-dev".to_owned()));
    assert!(!riscv.iter().any(|d| d.starts_with("libseccomp-dev")));
    assert_eq!(amd64.len(), hurd.len() + 3);
}

#[test]
fn architecture_wildcards_and_negation() {
    let amd64 = amd64();
    let x32 = Arch::parse("x32").unwrap();
    let armhf = Arch::parse("armhf").unwrap();
    let hurd = Arch::parse("hurd-i386").unwrap();
    let kfreebsd = Arch::parse("kfreebsd-amd64").unwrap();
    assert!(amd64.is("any") && amd64.is("linux-any") && amd64.is("any-amd64") && amd64.is("amd64"));
    assert!(
        amd64.is("gnu-linux-any") && amd64.is("any-any-any-any") && amd64.is("any-gnu-linux-any")
    );
    assert!(
        !amd64.is("all") && !amd64.is("i386") && !amd64.is("any-i386") && !amd64.is("hurd-any")
    );
    // x32 is base-less amd64 on Linux: any-amd64 matches, amd64 does not.
    assert!(x32.is("any-amd64") && x32.is("linux-any") && !x32.is("amd64"));
    assert!(armhf.is("any-arm") && armhf.is("linux-any") && !armhf.is("armel"));
    assert!(hurd.is("hurd-any") && hurd.is("any-i386") && !hurd.is("linux-any"));
    assert!(kfreebsd.is("kfreebsd-any") && kfreebsd.is("any-amd64") && !kfreebsd.is("linux-any"));
    assert!(
        Arch::parse("all").is_none()
            && Arch::parse("any").is_none()
            && Arch::parse("Amd64").is_none()
    );

    // From bullseye: `libibverbs-dev [!hurd-i386 !kfreebsd-i386 !kfreebsd-amd64]` (adios),
    // `yasm [any-amd64 any-i386]` (a cmake-built codec), `libfuse-dev [!hurd-i386]`.
    let text = "libibverbs-dev [!hurd-i386 !kfreebsd-i386 !kfreebsd-amd64], yasm [any-amd64 any-i386], libfuse-dev [!hurd-i386]";
    let groups = parse_relations(text).unwrap();
    let kept = |arch: &Arch| -> Vec<&str> {
        groups
            .iter()
            .flatten()
            .filter(|alt| alt.is_for(arch))
            .map(|alt| alt.name)
            .collect()
    };
    assert_eq!(kept(&amd64), ["libibverbs-dev", "yasm", "libfuse-dev"]);
    assert_eq!(kept(&hurd), ["yasm"]);
    assert_eq!(kept(&kfreebsd), ["yasm", "libfuse-dev"]);
    assert_eq!(kept(&armhf), ["libibverbs-dev", "libfuse-dev"]);
    // dpkg: with negations, an architecture not named is concerned.
    assert!(amd64.is_concerned(["!i386"]));
    assert!(!amd64.is_concerned(["!linux-any"]));
    assert!(!amd64.is_concerned(["i386", "arm64"]));
}

#[test]
fn an_alternative_for_another_architecture_leaves_the_group() {
    let text = "Package: demo\nVersion: 1\nBuild-Depends: libc6-dev [i386] | libc-dev, nasm [i386], gcc [amd64] | clang\n";
    let demo = one_source(text, &amd64());
    assert_eq!(build_depends_text(&demo), ["libc-dev", "gcc | clang"]);
    assert!(
        demo.build_depends
            .iter()
            .flatten()
            .all(|alt| alt.arches.is_none())
    );
}

#[test]
fn multiarch_qualifiers_are_parsed_and_not_written() {
    // From bullseye: `libpng-dev:native` (a cross-aware build-dependency) and
    // `python3:any` in a binary's Depends.
    let groups =
        parse_relations("libpng-dev, libpng-dev:native, python3-dev:native (>= 3.9), perl:any")
            .unwrap();
    let quals: Vec<Option<&str>> = groups.iter().map(|g| g[0].arch_qualifier).collect();
    assert_eq!(quals, [None, Some("native"), Some("native"), Some("any")]);
    let written: Vec<String> = groups.iter().map(|g| group_text(g, true)).collect();
    assert_eq!(
        written,
        ["libpng-dev", "libpng-dev", "python3-dev (>= 3.9)", "perl"]
    );
}

#[test]
fn version_constraints() {
    let groups = parse_relations(
        "a (<< 1), b (<= 1:2.0~rc1+dfsg-1), c (= 2), d (>= 3), e (>> 4), f (< 5), g (> 6), h(>=7)",
    )
    .unwrap();
    let ops: Vec<VersionOp> = groups.iter().map(|g| g[0].version.unwrap().0).collect();
    use VersionOp::*;
    assert_eq!(ops, [Lt, Le, Eq, Ge, Gt, Le, Ge, Ge]);
    assert_eq!(groups[1][0].version.unwrap().1, "1:2.0~rc1+dfsg-1");
    // The obsolete `<` and `>` are written as dpkg reads them.
    assert_eq!(group_text(&groups[5], true), "f (<= 5)");
    assert_eq!(group_text(&groups[7], true), "h (>= 7)");
}

#[test]
fn restriction_formulas() {
    // `<!nocheck> <!nodoc>` drops the dependency only when both are active;
    // `<!stage1 !nocheck>` when either is.
    let groups =
        parse_relations("a <!nocheck> <!nodoc>, b <!stage1 !nocheck>, c <stage1>, d").unwrap();
    let f = |i: usize| &groups[i][0].formula;
    assert!(f(0).eval(&["nocheck"]) && f(0).eval(&["nodoc"]) && !f(0).eval(&["nocheck", "nodoc"]));
    assert!(f(1).eval(&[]) && !f(1).eval(&["stage1"]) && !f(1).eval(&["nocheck"]));
    assert!(!f(2).eval(&[]) && f(2).eval(&["stage1"]));
    assert!(f(3).is_always() && f(3).eval(&["stage1"]));
    assert_eq!(f(0).to_string(), "<!nocheck> <!nodoc>");
    assert_eq!(f(1).to_string(), "<!stage1 !nocheck>");
    // Spread over continuation lines, with `pkg.` profiles.
    let groups = parse_relations("x <!pkg.cyrus-sasl2.nosql\n  !nocheck>\n <cross>").unwrap();
    assert_eq!(
        groups[0][0].formula.to_string(),
        "<!pkg.cyrus-sasl2.nosql !nocheck> <cross>"
    );
}

#[test]
fn versioned_provides() {
    // From bullseye's Packages: libapt-pkg6.0 provides `libapt-pkg (= 2.2.4)`.
    let text = "\
Package: libapt-pkg6.0
Source: apt
Version: 2.2.4
Architecture: amd64
Provides: libapt-pkg (= 2.2.4)
Depends: libbz2-1.0, libc6 (>= 2.27), libgcc-s1 (>= 3.0), zlib1g (>= 1:1.2.2.3)
Multi-Arch: same

Package: python3-acorn
Source: node-acorn (8.0.5+ds+~cs19.19.27-3)
Version: 8.0.5+ds+~cs19.19.27-3+b1
Architecture: all
Pre-Depends: dpkg (>= 1.17.14)
Depends: python3:any, nodejs
Provides: acorn (= 8.0.5+ds+~cs19.19.27-3), node-acorn (= 8.0.5), perlapi-5.32.1
";
    let (binaries, read) = parse_packages(text, Path::new("Packages"), &amd64()).unwrap();
    assert_eq!(read, 2);
    let apt = &binaries[0];
    assert_eq!((apt.source, apt.architecture), ("apt", "amd64"));
    assert_eq!(apt.provides[0].version, Some((VersionOp::Eq, "2.2.4")));
    let acorn = &binaries[1];
    assert_eq!(acorn.source, "node-acorn");
    let provides: Vec<String> = acorn
        .provides
        .iter()
        .map(|p| p.text(false).to_string())
        .collect();
    assert_eq!(
        provides,
        [
            "acorn (= 8.0.5+ds+~cs19.19.27-3)",
            "node-acorn (= 8.0.5)",
            "perlapi-5.32.1"
        ]
    );
    // Pre-Depends first, qualifiers gone from the written form.
    let depends: Vec<String> = acorn.depends.iter().map(|g| group_text(g, true)).collect();
    assert_eq!(depends, ["dpkg (>= 1.17.14)", "python3", "nodejs"]);
    assert!(parse_provides("a | b").is_err());
}

#[test]
fn binaries_of_other_architectures_are_counted_not_kept() {
    let text = "Package: a\nVersion: 1\nArchitecture: i386\n\nPackage: b\nVersion: 1\nArchitecture: amd64\n";
    let (binaries, read) = parse_packages(text, Path::new("Packages"), &amd64()).unwrap();
    assert_eq!(read, 2);
    assert_eq!(binaries.iter().map(|b| b.name).collect::<Vec<_>>(), ["b"]);
}

#[test]
fn package_list_profiles_and_architectures() {
    // From bullseye's glibc and linux stanzas (shortened).
    let text = "\
Package: glibc
Binary: libc-bin, libc-dev-bin, libc-devtools, libc6-udeb, libc6-i386, glibc-doc
Version: 2.31-13+deb11u5
Architecture: any all
Package-List:
 glibc-doc deb doc optional arch=all
 libc-bin deb libs required arch=any profile=!stage1 essential=yes
 libc-devtools deb devel optional arch=any profile=!stage1+!stage2
 libc6-i386 deb libs optional arch=amd64,x32 profile=!nobiarch
 libc6-udeb udeb debian-installer optional arch=amd64,arm64,i386 profile=!noudeb
 linux-image-amd64 deb kernel optional arch=amd64 profile=!stage1,!pkg.linux.nokernel
";
    let glibc = one_source(text, &amd64());
    let list = glibc.package_list.as_ref().unwrap();
    assert_eq!(list.len(), 6);
    let entry = |name: &str| list.iter().find(|e| e.name == name).unwrap();
    assert_eq!(entry("glibc-doc").arches, Some("all"));
    assert_eq!(entry("libc-bin").formula.to_string(), "<!stage1>");
    let devtools = &entry("libc-devtools").formula;
    assert_eq!(devtools.to_string(), "<!stage1> <!stage2>");
    assert!(devtools.eval(&["stage1"]) && !devtools.eval(&["stage1", "stage2"]));
    assert_eq!(entry("libc6-i386").arches, Some("amd64,x32"));
    assert_eq!(entry("libc6-udeb").kind, "udeb");
    let kernel = &entry("linux-image-amd64").formula;
    assert_eq!(kernel.to_string(), "<!stage1 !pkg.linux.nokernel>");
    assert!(kernel.eval(&[]) && !kernel.eval(&["pkg.linux.nokernel"]));
    assert_eq!(
        Formula::from_package_list("a,b+c").unwrap().to_string(),
        "<a b> <c>"
    );
    assert!(Formula::from_package_list("a,,b").is_err());
}

#[test]
fn stanzas_keep_lines_and_continuations() {
    let text = "\n\nA: 1\nB:\n two\n  three\nC:   x  \n\n\n \nD: 4\r\n";
    let all: Vec<_> = stanzas(text).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].line, 3);
    assert_eq!(all[0].get("a"), Some("1"));
    let b = all[0].field("B").unwrap();
    assert_eq!((b.value, b.line), ("\n two\n  three", 4));
    assert_eq!(b.line_at(b.value.find("three").unwrap()), 6);
    assert_eq!(all[0].get("C"), Some("x"));
    assert_eq!((all[1].line, all[1].get("D")), (11, Some("4")));
}

/// Every malformed field is an error naming the file, line, package and field.
#[test]
fn malformed_fields_are_errors_that_name_the_package_and_field() {
    let cases = [
        (
            "Build-Depends: foo (>= 1.0",
            "Build-Depends",
            "expected `)` after the version",
        ),
        (
            "Build-Depends: foo [amd64",
            "Build-Depends",
            "unterminated architecture list",
        ),
        (
            "Build-Depends: foo <!nocheck",
            "Build-Depends",
            "unterminated restriction list",
        ),
        (
            "Build-Depends: foo (~ 1)",
            "Build-Depends",
            "unexpected `~`, expected a version operator",
        ),
        (
            "Build-Depends: foo (>= )",
            "Build-Depends",
            "unexpected `)`, expected a version",
        ),
        (
            "Build-Depends: foo (>= 1 2)",
            "Build-Depends",
            "unexpected `2`, expected `)`",
        ),
        (
            "Build-Depends: a, | b",
            "Build-Depends",
            "empty alternative",
        ),
        (
            "Build-Depends: foo bar",
            "Build-Depends",
            "unexpected `b`, expected `,` or `|`",
        ),
        (
            "Build-Depends: foo <>",
            "Build-Depends",
            "empty restriction list",
        ),
        (
            "Build-Depends: foo []",
            "Build-Depends",
            "empty architecture list",
        ),
        (
            "Build-Depends: foo [amd64,i386]",
            "Build-Depends",
            "unterminated architecture list",
        ),
        (
            "Build-Depends: foo [amd64 i3/86]",
            "Build-Depends",
            "invalid architecture `i3/86`",
        ),
        (
            "Build-Depends: foo:",
            "Build-Depends",
            "expected an architecture qualifier",
        ),
        ("Build-Depends: föo", "Build-Depends", "unexpected `ö`"),
        (
            "Build-Depends-Indep: a (>= 1€)",
            "Build-Depends-Indep",
            "invalid version `1€`",
        ),
        (
            "Build-Conflicts: a (>>)",
            "Build-Conflicts",
            "expected a version",
        ),
        (
            "Package-List:\n a deb",
            "Package-List",
            "expected `NAME TYPE SECTION PRIORITY",
        ),
        (
            "Package-List:\n a deb x y arch",
            "Package-List",
            "expected `KEY=VALUE`",
        ),
        (
            "Package-List:\n a deb x y profile=!a,",
            "Package-List",
            "invalid build profile",
        ),
    ];
    for (field_text, field, message) in cases {
        let text = format!("Package: demo\nVersion: 1.0-1\n{field_text}\n");
        let error = sources_for(&text, &amd64()).unwrap_err();
        let ImportError::Field {
            line,
            package,
            field: f,
            message: m,
            ..
        } = &error
        else {
            panic!("{field_text}: {error:?}");
        };
        assert_eq!((package.as_str(), *f), ("demo", field), "{field_text}");
        assert!(m.contains(message), "{field_text}: {m}");
        assert!(*line >= 3, "{field_text}: line {line}");
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("Sources:{line}: malformed `{field}` of `demo`")),
            "{shown}"
        );
    }

    let error = sources_for("Package: demo\nVersion: 1\n\nVersion: 2\n", &amd64()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Sources:4: stanza without a `Package` field"
    );
    let error = sources_for("Package: demo\nVersion: 1\n  oops\nFoo\n", &amd64()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Sources:4: expected `Field: value`, found `Foo`"
    );
    let error = sources_for(" indented\n", &amd64()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Sources:1: continuation line outside a field"
    );
    let error = sources_for("Package: a b\nVersion: 1\n", &amd64()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("malformed `Package` of `a b`: invalid value"),
        "{error}"
    );
    let error = parse_packages(
        "Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b (= \n",
        Path::new("P"),
        &amd64(),
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("P:4: malformed `Depends` of `a`"),
        "{error}"
    );
    let error = parse_packages("Package: a\nVersion: 1\n", Path::new("P"), &amd64()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "P:1: stanza without a `Architecture` field"
    );
}

/// Cutting a real stanza anywhere gives a result or an error, never a panic.
#[test]
fn truncated_input_never_panics() {
    let arch = amd64();
    for end in (0..=APT.len()).filter(|&i| APT.is_char_boundary(i)) {
        let _ = sources_for(&APT[..end], &arch);
        let _ = parse_relations(&APT[end..]);
        let _ = parse_packages(&APT[..end], Path::new("P"), &arch);
    }
    for junk in [
        "(",
        ")",
        "[",
        "]",
        "<",
        ">",
        "|",
        ",",
        ":",
        "!",
        "a (",
        "a [!",
        "a <!",
        "a:any (>=",
        "a (= 1) [x] <y> <",
    ] {
        let _ = parse_relations(junk);
        let _ = Binary::from_stanza(
            &stanzas(&format!(
                "Package: a\nVersion: 1\nArchitecture: all\nProvides: {junk}\n"
            ))
            .next()
            .unwrap()
            .unwrap(),
            &arch,
        );
    }
}

#[test]
fn quoting_escapes_quotes_backslashes_and_control_characters() {
    let mut out = String::new();
    quote(&mut out, "a \"b\" \\c\nd\te\u{1}\u{85}\u{200e}é");
    assert_eq!(out, r#""a \"b\" \\c\nd\te\u{1}\u{85}\u{200e}é""#);
    assert_eq!(pool_prefix("libglib"), "libg");
    assert_eq!(pool_prefix("lib"), "l");
    assert_eq!(pool_prefix("glibc"), "g");
}

/// A rough KDL check: strings are closed on their line, braces balance, and every line
/// outside strings is a comment, a node or a closing brace.
fn check_kdl_shape(path: &Path, text: &str) {
    let mut depth = 0i64;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let at = format!("{}:{}", path.display(), n + 1);
        if trimmed.starts_with("//") {
            continue;
        }
        assert!(
            trimmed.is_empty()
                || trimmed == "}"
                || trimmed.starts_with(|c: char| c.is_ascii_lowercase()),
            "{at}: {line}"
        );
        let mut chars = trimmed.chars();
        let mut in_string = false;
        while let Some(c) = chars.next() {
            match (in_string, c) {
                (true, '\\') => {
                    chars.next();
                }
                (_, '"') => in_string = !in_string,
                (false, '{') => depth += 1,
                (false, '}') => depth -= 1,
                (false, '/' | '#' | '\\') => panic!("{at}: unexpected `{c}` outside a string"),
                _ => {}
            }
            assert!(depth >= 0, "{at}: unbalanced `}}`");
        }
        assert!(!in_string, "{at}: unterminated string");
    }
    assert_eq!(depth, 0, "{}: unbalanced `{{`", path.display());
}

fn read_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push((
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    files.sort();
    files
}

/// A small archive: an essential set with a seed closure, sources that the seed builds,
/// arch-all-only and foreign sources, restriction formulas, an unsatisfiable source and
/// one that only it could satisfy.
const SOURCES: &str = "\
Package: glibc
Binary: libc-bin, libc6, libc6-dev, libc6-prof, glibc-doc, libc6-udeb
Version: 2.31-13
Architecture: any all
Build-Depends: gettext, make
Package-List:
 glibc-doc deb doc optional arch=all
 libc-bin deb libs required arch=any profile=!stage1 essential=yes
 libc6 deb libs required arch=any
 libc6-dev deb libdevel optional arch=any
 libc6-prof deb libdevel optional arch=any
 libc6-udeb udeb debian-installer optional arch=any profile=!noudeb

Package: hello
Binary: hello, hello-doc, hello-udeb
Version: 2.10-2
Architecture: any all
Build-Depends: debhelper-compat (= 13) | debhelper, libc6-dev (>= 2.31) [linux-any], xsltproc <!nodoc>, check <!nocheck> | hello-check <!nocheck>
Build-Depends-Indep: docbook-xsl (>= 1.0)
Build-Conflicts: autoconf2.13
Package-List:
 hello deb devel optional arch=any
 hello-doc deb doc optional arch=all profile=!nodoc
 hello-udeb udeb debian-installer optional arch=linux-any

Package: xsltproc-src
Binary: xsltproc
Version: 1.1-1
Architecture: any
Build-Depends: libc6-dev:native, hello (>= 2)
Package-List:
 xsltproc deb text optional arch=any

Package: ancient
Binary: ancient
Version: 1-1
Architecture: any
Build-Depends: libc6-dev

Package: broken
Binary: libbroken1, libbroken-dev
Version: 1.0-1
Architecture: any
Build-Depends: missing-thing (>= 2), libc6-dev
Package-List:
 libbroken-dev deb libdevel optional arch=any
 libbroken1 deb libs optional arch=any

Package: needs-broken
Binary: needs-broken
Version: 3
Architecture: linux-any
Build-Depends: libbroken-dev | libnothing-dev
Package-List:
 needs-broken deb misc optional arch=linux-any

Package: newer-make-needed
Binary: make
Version: 1
Architecture: any
Build-Depends: make (>= 9)
Package-List:
 tool deb misc optional arch=any

Package: docs
Binary: docs
Version: 1
Architecture: all
Package-List:
 docs deb doc optional arch=all

Package: hurd-only
Binary: hurd-tool
Version: 1
Architecture: hurd-any
Package-List:
 hurd-tool deb misc optional arch=hurd-any

Package: hello
Binary: hello
Version: 2.9-1
Architecture: any
Extra-Source-Only: yes

Package: hello
Binary: hello
Version: 2.10-1
Architecture: any
Build-Depends: nonexistent
";

const PACKAGES: &str = "\
Package: dpkg
Version: 1.20.9
Architecture: amd64
Essential: yes
Pre-Depends: libc6 (>= 2.14), tar (>= 1.28-1)
Depends: libc-bin:any

Package: tar
Version: 1.34
Architecture: amd64
Essential: yes
Depends: libc6 (>= 2.28)

Package: libc6
Source: glibc
Version: 2.31-13
Architecture: amd64
Provides: libc-abi (= 2.31)

Package: libc-bin
Source: glibc
Version: 2.31-13
Architecture: amd64
Essential: yes

Package: libc6-dev
Source: glibc
Version: 2.31-13
Architecture: amd64
Provides: libc-dev
Depends: libc6 (= 2.31-13)

Package: libc6-prof
Source: glibc
Version: 2.31-13
Architecture: amd64

Package: glibc-doc
Source: glibc
Version: 2.31-13
Architecture: all

Package: build-essential
Version: 12.9
Architecture: amd64
Depends: libc-dev | libc6-dev, make (>= 4), gettext-ish | gettext

Package: make
Version: 4.3-4.1
Architecture: amd64
Depends: libc6 (>= 2.27)

Package: gettext
Version: 0.21-4
Architecture: amd64

Package: debhelper
Version: 13.3.4
Architecture: all
Depends: dpkg (>= 1.18.0)

Package: hello
Version: 2.10-2+b1
Source: hello (2.10-2)
Architecture: amd64
Depends: libc6 (>= 2.14)
Provides: greeter (= 2.10)

Package: hello-doc
Source: hello
Version: 2.10-2
Architecture: all

Package: docs
Version: 1
Architecture: all

Package: libbroken1
Source: broken
Version: 1.0-1
Architecture: amd64

Package: ancient
Version: 1-1
Architecture: amd64

Package: check
Version: 0.15
Architecture: all

Package: docbook-xsl
Version: 1.79.2
Architecture: all

Package: i386-only
Version: 1
Architecture: i386
";

fn write_archive(dir: &Path, compress: &str) -> (PathBuf, PathBuf) {
    let write = |name: &str, text: &str| {
        let bytes = match compress {
            "zst" => zstd::encode_all(text.as_bytes(), 3).unwrap(),
            "xz" => {
                let mut e = xz2::write::XzEncoder::new(Vec::new(), 6);
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            }
            "gz" => {
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            }
            _ => text.as_bytes().to_vec(),
        };
        // The names lie on purpose: the format is recognised by content.
        let path = dir.join(format!("{name}.data"));
        std::fs::write(&path, bytes).unwrap();
        path
    };
    (write("Sources", SOURCES), write("Packages", PACKAGES))
}

fn config(sources: PathBuf, packages: PathBuf, out_dir: PathBuf) -> ImportConfig {
    ImportConfig {
        sources,
        packages,
        arch: "amd64".into(),
        out_dir,
        drop_indep: false,
        name: None,
    }
}

#[test]
fn small_archive_maps_to_seed_packages_and_unsatisfiable() {
    let tmp = tempfile::tempdir().unwrap();
    let (sources, packages) = write_archive(tmp.path(), "plain");
    let out = tmp.path().join("plan");
    let name = Some("deb \"x\\y\"".to_owned());
    let report = import(&ImportConfig {
        name,
        ..config(sources, packages, out.clone())
    })
    .unwrap();

    assert_eq!(report.sources_read, 11);
    assert_eq!(
        (report.extra_source_only, report.superseded_sources),
        (1, 1)
    );
    assert_eq!((report.binaries_read, report.binaries_available), (19, 18));
    // dpkg, tar, libc-bin (Essential), build-essential, debhelper, and their closure:
    // libc6, libc6-dev (providing libc-dev), make, gettext.
    assert_eq!(report.minimal_system, 9);
    // … plus libc6-prof and glibc-doc (glibc's), and the `all` binaries hello-doc,
    // docs, check and docbook-xsl.
    assert_eq!(report.seed_binaries, 15);
    // glibc is the only source of the minimal system that `Sources` lists.
    assert_eq!(report.seed_sources, 1);
    // docs (all) and hurd-only (nothing for amd64).
    assert_eq!(report.sources_in_seed, 2);
    let unsatisfiable: Vec<(&str, &str, &str)> = report
        .unsatisfiable
        .iter()
        .map(|u| (u.source.as_str(), u.dependency.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        unsatisfiable,
        [
            (
                "broken",
                "missing-thing (>= 2)",
                "no binary in the seed or the plan is named so or provides it"
            ),
            (
                "needs-broken",
                "libbroken-dev | libnothing-dev",
                "only outputs of unsatisfiable sources provide it: `broken`"
            ),
            (
                "newer-make-needed",
                "make (>= 9)",
                "no binary in the seed or the plan has a version that satisfies it"
            ),
        ]
    );
    // Planned: ancient (no Package-List), hello and xsltproc-src (which need each other).
    assert_eq!(report.planned_sources, 3);
    assert_eq!(report.stage1_sources, 1);
    assert_eq!(report.udebs_skipped, 2);
    assert_eq!(report.build_conflicts_dropped, 1);
    // xsltproc, libbroken-dev, needs-broken and tool are not in Packages.
    assert_eq!(report.outputs_not_in_packages, 4);
    assert_eq!(report.output_conflicts, 0);

    let plan = std::fs::read_to_string(out.join("plan.kdl")).unwrap();
    assert!(plan.contains("plan \"deb \\\"x\\\\y\\\"\" {\n    stages \"stage1\"\n    cycle-breaking \"fewest-builds\"\n    stage \"stage1\" { profiles \"nocheck\" \"nodoc\" }\n}\n"));
    assert!(plan.ends_with(
        "import \"./seed.kdl\"\nimport \"./packages/a.kdl\"\nimport \"./packages/h.kdl\"\nimport \"./packages/x.kdl\"\n"
    ));
    let h = std::fs::read_to_string(out.join("packages/h.kdl")).unwrap();
    let expected = "\
package \"hello\" version=\"2.10-2\" {
    build-depends \"debhelper-compat (= 13) | debhelper\" \"libc6-dev (>= 2.31)\" \"docbook-xsl (>= 1.0)\"
    build-depends \"xsltproc\" when=\"<!nodoc>\"
    build-depends \"check | hello-check\" when=\"<!nocheck>\"
    output \"hello\" version=\"2.10-2+b1\" {
        depends \"libc6 (>= 2.14)\"
        provides \"greeter (= 2.10)\"
    }
    stage \"stage1\"
}
";
    assert!(h.ends_with(expected), "{h}");
    let x = std::fs::read_to_string(out.join("packages/x.kdl")).unwrap();
    assert!(x.contains("package \"xsltproc-src\" version=\"1.1-1\" {\n    build-depends \"libc6-dev\" \"hello (>= 2)\"\n    output \"xsltproc\" version=\"1.1-1\"\n}\n"), "{x}");
    let seed = std::fs::read_to_string(out.join("seed.kdl")).unwrap();
    assert!(seed.contains("    output \"dpkg\" version=\"1.20.9\" {\n        depends \"libc6 (>= 2.14)\" \"tar (>= 1.28-1)\" \"libc-bin\"\n    }\n"), "{seed}");
    assert!(seed.contains("    output \"libc6\" version=\"2.31-13\" {\n        provides \"libc-abi (= 2.31)\"\n    }\n"));
    let unsat = std::fs::read_to_string(out.join("unsatisfiable.txt")).unwrap();
    assert_eq!(unsat.lines().count(), 3);
    assert!(unsat.starts_with("broken 1.0-1: missing-thing (>= 2): no binary"));
    for (path, bytes) in read_tree(&out) {
        if path.extension().is_some_and(|e| e == "kdl") {
            check_kdl_shape(&path, std::str::from_utf8(&bytes).unwrap());
        }
    }
}

#[test]
fn drop_indep_leaves_build_depends_indep_out() {
    let tmp = tempfile::tempdir().unwrap();
    let (sources, packages) = write_archive(tmp.path(), "plain");
    let out = tmp.path().join("plan");
    import(&ImportConfig {
        drop_indep: true,
        ..config(sources, packages, out.clone())
    })
    .unwrap();
    let h = std::fs::read_to_string(out.join("packages/h.kdl")).unwrap();
    assert!(!h.contains("docbook") && h.contains("xsltproc"), "{h}");
}

#[test]
fn imports_are_deterministic_whatever_the_compression() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for compress in ["plain", "zst", "xz", "gz"] {
        let dir = tmp.path().join(compress);
        std::fs::create_dir(&dir).unwrap();
        let (sources, packages) = write_archive(&dir, compress);
        let out = dir.join("plan");
        let first = import(&config(sources.clone(), packages.clone(), out.clone())).unwrap();
        let tree = read_tree(&out);
        // Again into the same directory, with a stale file from an "older" import.
        std::fs::write(out.join("packages/zz-stale.kdl"), "package \"gone\"\n").unwrap();
        std::fs::write(out.join("packages/notes.txt"), "mine").unwrap();
        let again = import(&config(sources, packages, out.clone())).unwrap();
        assert_eq!((again.files_written, again.files_removed), (0, 1));
        assert_eq!(again.files_unchanged, first.files_written);
        std::fs::remove_file(out.join("packages/notes.txt")).unwrap();
        assert_eq!(read_tree(&out), tree);
        trees.push(tree);
    }
    assert!(trees.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn unreadable_and_unknown_inputs_are_io_or_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (sources, packages) = write_archive(tmp.path(), "plain");
    let out = tmp.path().join("plan");
    let missing = tmp.path().join("missing");
    let error = import(&config(missing.clone(), packages.clone(), out.clone())).unwrap_err();
    assert!(
        matches!(error, ImportError::Read { .. }) && error.is_io_or_usage(),
        "{error:?}"
    );
    let error = import(&ImportConfig {
        arch: "amd 64".into(),
        ..config(sources.clone(), packages.clone(), out.clone())
    })
    .unwrap_err();
    assert_eq!(error.to_string(), "unknown architecture `amd 64`");
    let corrupt = tmp.path().join("corrupt");
    std::fs::write(&corrupt, [0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]).unwrap();
    let error = import(&config(sources.clone(), corrupt, out.clone())).unwrap_err();
    assert!(
        matches!(error, ImportError::Decompress { format: "zstd", .. }),
        "{error:?}"
    );
    let malformed = tmp.path().join("malformed");
    std::fs::write(&malformed, "Package: x\nVersion: 1\nBuild-Depends: a (>=\n").unwrap();
    let error = import(&config(malformed, packages, out)).unwrap_err();
    assert!(!error.is_io_or_usage());
}

/// The development data set: bullseye's amd64 `Sources` and `Packages`.
#[test]
fn bullseye_imports_with_sane_counts() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/debian-bullseye");
    assert!(
        data.join("Sources.zst").exists(),
        "bullseye data missing at {}",
        data.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plan");
    let report = import(&ImportConfig {
        name: Some("debian-bullseye-amd64".into()),
        ..config(
            data.join("Sources.zst"),
            data.join("Packages.zst"),
            out.clone(),
        )
    })
    .unwrap();
    eprintln!("{report:#?}");
    assert_eq!(report.sources_read, 30943);
    assert_eq!(report.binaries_read, 58657);
    assert!(report.extra_source_only > 0 && report.superseded_sources > 0);
    assert!(report.minimal_system > 100 && report.minimal_system < 1000);
    assert!(report.seed_binaries > 28_000 && report.seed_binaries < report.binaries_available);
    assert!(report.planned_sources > 10_000 && report.planned_sources < report.sources_read / 2);
    assert!(report.stage1_sources > 500 && report.stage1_sources < report.planned_sources);
    assert!(!report.unsatisfiable.is_empty() && report.unsatisfiable.len() < 100);
    assert!(report.udebs_skipped > 0 && report.build_conflicts_dropped > 0);
    let accounted = report.extra_source_only
        + report.superseded_sources
        + report.seed_sources
        + report.sources_in_seed
        + report.planned_sources
        + report.unsatisfiable.len();
    assert_eq!(accounted, report.sources_read);

    let files = read_tree(&out);
    let package_files = files
        .iter()
        .filter(|(p, _)| p.starts_with("packages"))
        .count();
    assert!(
        package_files > 50 && package_files < 500,
        "{package_files} package files"
    );
    let mut packages = 0;
    for (path, bytes) in &files {
        let text = std::str::from_utf8(bytes).unwrap();
        if path.starts_with("packages") {
            let count = text.lines().filter(|l| l.starts_with("package ")).count();
            assert!(
                count <= super::writer::MAX_PER_FILE,
                "{}: {count} packages",
                path.display()
            );
            packages += count;
            check_kdl_shape(path, text);
        }
    }
    assert_eq!(packages, report.planned_sources);
    let root = std::str::from_utf8(
        &files
            .iter()
            .find(|(p, _)| p == Path::new("plan.kdl"))
            .unwrap()
            .1,
    )
    .unwrap();
    assert!(root.contains("plan \"debian-bullseye-amd64\""));
    assert_eq!(
        root.lines().filter(|l| l.starts_with("import ")).count(),
        package_files + 1
    );
}
