//! The suggested-breaks overlay: `extend` blocks dropping dependencies at a stage.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::outcome::SuggestedBreak;

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    crate::syntax::write_quoted(&mut out, s);
    out
}

/// KDL text that, added with `--overlay` or imported, applies every suggested break.
pub fn suggested_overlay(suggestions: &[SuggestedBreak]) -> String {
    let mut by_package: BTreeMap<&str, BTreeMap<&str, BTreeMap<&str, &SuggestedBreak>>> = BTreeMap::new();
    for s in suggestions {
        by_package.entry(&s.package).or_default().entry(&s.stage).or_default().entry(&s.name).or_insert(s);
    }
    let mut out = String::new();
    out.push_str("// Dependencies to drop so that every remaining cycle is broken, written by\n");
    out.push_str("// `planc plan --suggest-breaks`. Add this file with `--overlay` or `import` it.\n");
    let dependencies = match suggestions.len() {
        1 => "1 dependency".to_string(),
        n => format!("{n} dependencies"),
    };
    let packages = match by_package.len() {
        1 => "1 package".to_string(),
        n => format!("{n} packages"),
    };
    let _ = writeln!(out, "// {dependencies} in {packages}.");
    for (package, stages) in by_package {
        let _ = writeln!(out, "\nextend {} {{", quote(package));
        for (stage, names) in stages {
            let _ = writeln!(out, "    stage {} {{", quote(stage));
            for (name, s) in names {
                if !s.breaks_a_cycle() {
                    let _ = writeln!(out, "        // nothing produces it at {stage}");
                } else {
                    let _ = writeln!(out, "        // breaks {}", s.cycle.join(" → "));
                }
                let _ = writeln!(out, "        drop {}", quote(name));
            }
            out.push_str("    }\n");
        }
        out.push_str("}\n");
    }
    out
}
