//! Lowering: items and their fields, and the schema's diagnostics.

use crate::diagnostic::FileName;
use crate::items::{CycleBreaking, FileItems, Pin, SourceRef};
use crate::syntax;

fn lower(text: &str) -> FileItems {
    let file: FileName = "plan.kdl".into();
    super::lower_document(&syntax::parse(text), text, &file)
}

fn codes(items: &FileItems) -> Vec<&'static str> {
    items.diagnostics.iter().map(|d| d.code()).collect()
}

#[test]
fn every_package_field() {
    let items = lower(
        r#"
package "libc" version="2.40" {
    source path="src/libc"
    build-depends "cc" "make (>= 4.0)"
    build-depends "docgen | doxygen" when="<!nodoc !stage1>"
    output "libc" { depends "libc-common"; provides "c-library" "libc-x (= 2)" }
    output "libc-doc" when="<!nodoc>"
    stage "stage1" { build-depends "cc" stage="previous"; drop "make"; profiles "nocheck" }
    build { run "make -j${jobs} PREFIX=${out}"; }
    check { run "make test"; }
    env CFLAGS="-O2" LDFLAGS="-s"
    license "LGPL-2.1-or-later"
    timeout "1h30m"
}
"#,
    );
    assert_eq!(codes(&items), Vec::<&str>::new());
    let p = &items.packages[0];
    assert_eq!(&*p.name.text, "libc");
    assert_eq!(p.version.as_ref().map(|v| &*v.text), Some("2.40"));
    assert!(matches!(&p.body.source, Some(SourceRef::Path(path)) if &*path.text == "src/libc"));
    assert_eq!(p.body.build_depends.len(), 3);
    assert_eq!(p.body.build_depends[2].when.to_string(), "<!nodoc !stage1>");
    assert_eq!(p.body.outputs.len(), 2);
    assert_eq!(p.body.outputs[0].provides[1].version.as_deref(), Some("2"));
    assert_eq!(p.body.outputs[1].when.to_string(), "<!nodoc>");
    let stage = &p.body.stages[0];
    assert_eq!(&*stage.name.text, "stage1");
    assert!(matches!(stage.build_depends.as_ref().unwrap()[0].pin.as_deref(), Some(Pin::Previous(_))));
    assert_eq!(&*stage.drop[0].text, "make");
    assert_eq!(&*stage.profiles[0].text, "nocheck");
    assert_eq!(p.body.build.as_ref().unwrap().commands.len(), 1);
    assert_eq!(p.body.env.len(), 2);
    assert_eq!(p.body.timeout.map(|t| t.0), Some(5400));
}

#[test]
fn dependency_name_spans_point_into_the_file() {
    let text = r#"package "a" { build-depends "cc | gcc (>= 1)"; }"#;
    let items = lower(text);
    let dep = &items.packages[0].body.build_depends[0];
    assert_eq!(&text[dep.name_span(0).range()], "cc");
    assert_eq!(&text[dep.name_span(1).range()], "gcc");
}

#[test]
fn plan_seed_template_extend_image_verify() {
    let items = lower(
        r#"
plan "demo" { stages "stage1" "stage2"; rebuild-tainted #true; stage "stage1" { profiles "nocheck" } }
import "./toolchain.kdl"
seed "rust-beta" {
    archive "seeds/rust-beta.tar.zst" sha256="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    provides "rustc" "cargo"
}
seed "host" { from-host "cc" "make" "sh" }
template "configure-make" { build { run "./configure --prefix=${out}"; } }
extend "python3" { stage "stage1" { drop "libglib-dev" } }
image "core" { include "libc" "docgen"; format "tar.zst" }
verify "stage2" "final" { packages "rustc" }
"#,
    );
    assert_eq!(codes(&items), Vec::<&str>::new());
    let plan = items.plan.as_ref().unwrap();
    assert_eq!(plan.stages.len(), 2);
    assert!(plan.rebuild_tainted);
    assert_eq!(&*plan.stage_profiles[0].profiles[0].text, "nocheck");
    assert_eq!(items.imports.len(), 1);
    let sum = items.seeds[0].archive.as_ref().unwrap().sha256.as_ref().unwrap();
    assert_eq!(&*sum.text, &"a".repeat(64));
    assert_eq!(items.seeds[1].from_host.len(), 3);
    assert_eq!(items.templates.len(), 1);
    assert_eq!(&*items.extends[0].target.text, "python3");
    assert_eq!(items.images[0].include.len(), 2);
    assert_eq!(&*items.verifies[0].left.text, "stage2");
}

#[test]
fn schema_errors_keep_going() {
    let items = lower(
        r#"
package "a" version="1..x_" colour="red" {
    biuld { run "x"; }
    timeout "2 hours"
    license #true
    build-depends "python3:any" "b (> 1)"
    source path="x" archive="y"
}
package { }
stage "stage1"
"#,
    );
    assert_eq!(
        codes(&items),
        [
            "planc::unknown-property",
            "planc::bad-version",
            "planc::unknown-node",
            "planc::bad-duration",
            "planc::wrong-type",
            "planc::bad-dependency",
            "planc::bad-version",
            "planc::invalid-value",
            "planc::missing-value",
            "planc::unknown-node",
        ]
    );
    // The package is still there, with what could be lowered.
    assert_eq!(items.packages.len(), 1);
}

#[test]
fn too_many_stages_is_one_error_and_keeps_the_first_ones() {
    let names = |range: std::ops::Range<usize>| range.map(|i| format!("\"s{i}\"")).collect::<Vec<_>>().join(" ");
    let text = format!("plan \"p\" {{ stages {}; stages {}; }}", names(0..30), names(30..40));
    let items = lower(&text);
    assert_eq!(codes(&items), ["planc::too-many-stages"]);
    let stages = items.plan.unwrap().stages;
    assert_eq!(stages.len(), super::MAX_STAGES);
    assert_eq!(&*stages[super::MAX_STAGES - 1].text, "s31");
    let items = lower(&format!("plan \"p\" {{ stages {}; }}", names(0..super::MAX_STAGES)));
    assert_eq!(codes(&items), [] as [&str; 0]);
}

#[test]
fn reserved_and_duplicate_stages() {
    let items = lower(r#"plan "p" { stages "stage1" "final" "stage1"; }"#);
    assert_eq!(codes(&items), ["planc::reserved-stage", "planc::duplicate"]);
    assert_eq!(items.plan.unwrap().stages.len(), 1);
}

#[test]
fn version_errors_point_at_a_whole_character() {
    let text = "package \"a\" version=\"1.0\u{e9}\"";
    let items = lower(text);
    assert_eq!(codes(&items), ["planc::bad-version"]);
    assert_eq!(&text[items.diagnostics[0].span.range()], "\u{e9}");
}

#[test]
fn spans_inside_empty_and_raw_strings() {
    // An empty dependency: the error sits between the quotes, not on the first one.
    let text = r#"package "a" { build-depends ""; }"#;
    let items = lower(text);
    assert_eq!(codes(&items), ["planc::bad-dependency"]);
    assert_eq!(items.diagnostics[0].span.start as usize, text.find(r#""""#).unwrap() + 1);
    // A raw string that starts with `#`: offsets map past `#"`.
    let text = r##"package "a" { build-depends #"#x"#; }"##;
    let items = lower(text);
    assert_eq!(codes(&items), ["planc::bad-dependency"]);
    assert_eq!(&text[items.diagnostics[0].span.range()], "#");
    assert_eq!(items.diagnostics[0].span.start as usize, text.find("#x").unwrap());
    // A bare identifier maps from its first byte.
    let text = r#"package "a" { build-depends x:any; }"#;
    let items = lower(text);
    assert_eq!(&text[items.diagnostics[0].span.range()], ":");
}

#[test]
fn a_plan_without_a_name_still_declares_its_stages() {
    let items = lower(r#"plan { stages "stage1"; }"#);
    assert_eq!(codes(&items), ["planc::missing-value"]);
    assert_eq!(items.plan.unwrap().stages.len(), 1);
    let items = lower(r#"plan 1 { stages "stage1"; }"#);
    assert_eq!(codes(&items), ["planc::wrong-type"]);
    assert!(items.plan.is_some());
}

#[test]
fn cycle_breaking_values() {
    let items = lower(r#"plan "p" { cycle-breaking "fewest-builds" }"#);
    assert_eq!(codes(&items), Vec::<&str>::new());
    assert_eq!(items.plan.as_ref().unwrap().cycle_breaking, CycleBreaking::FewestBuilds);
    let items = lower(r#"plan "p" { cycle-breaking "fewest-redirects" }"#);
    assert_eq!(items.plan.as_ref().unwrap().cycle_breaking, CycleBreaking::FewestRedirects);
    let items = lower(r#"plan "p""#);
    assert_eq!(items.plan.as_ref().unwrap().cycle_breaking, CycleBreaking::FewestRedirects);

    let text = r#"plan "p" { cycle-breaking "fewest-sources" }"#;
    let items = lower(text);
    assert_eq!(codes(&items), ["planc::invalid-value"]);
    let d = &items.diagnostics[0];
    assert_eq!(&text[d.span.range()], "\"fewest-sources\"");
    assert_eq!(
        d.message(),
        "invalid `cycle-breaking`: `fewest-sources` is not one of `fewest-redirects`, `fewest-builds`"
    );
    // The default stays.
    assert_eq!(items.plan.as_ref().unwrap().cycle_breaking, CycleBreaking::FewestRedirects);
}
