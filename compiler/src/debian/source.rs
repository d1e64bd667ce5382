//! A source package as the `Sources` index describes it: version, build-dependencies
//! evaluated for one architecture, and the binaries it lists in `Package-List`.

use super::arch::Arch;
use super::error::FieldError;
use super::formula::Formula;
use super::relation::{Group, parse_relations};
use super::stanza::{Field, Stanza};

#[derive(Clone, Debug)]
pub(crate) struct Source<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// The `Architecture` field: wildcards separated by blanks (`any all`, `linux-any`).
    pub architecture: &'a str,
    /// The `Binary` field.
    pub binaries: Vec<&'a str>,
    /// `None` for stanzas from before dpkg wrote `Package-List`.
    pub package_list: Option<Vec<ListedBinary<'a>>>,
    /// `Build-Depends`, `Build-Depends-Arch` and (unless dropped) `Build-Depends-Indep`,
    /// in that order, with `[arch]` lists evaluated: alternatives not for the
    /// architecture are gone, and so are the groups left empty.
    pub build_depends: Vec<Group<'a>>,
    /// Groups in `Build-Conflicts`, `Build-Conflicts-Arch` and `Build-Conflicts-Indep`.
    pub build_conflicts: usize,
    /// `Extra-Source-Only: yes`: kept in the archive for licence reasons, builds nothing.
    pub extra_source_only: bool,
}

/// One line of `Package-List`: `name type section priority key=value…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ListedBinary<'a> {
    pub name: &'a str,
    /// `deb` or `udeb`.
    pub kind: &'a str,
    /// The `arch=` value: wildcards separated by `,`. Old stanzas have none.
    pub arches: Option<&'a str>,
    /// From `profile=`.
    pub formula: Formula<'a>,
}

/// How to read a source stanza.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceOptions<'c> {
    pub arch: &'c Arch,
    pub drop_indep: bool,
}

pub(crate) fn is_package_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
}

pub(crate) fn is_version(version: &str) -> bool {
    !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'~' | b':' | b'-'))
}

/// Parses a relation field and keeps what applies to `arch`.
pub(crate) fn relations_for<'a>(
    field: Field<'a>,
    name: &'static str,
    arch: &Arch,
) -> Result<Vec<Group<'a>>, FieldError> {
    let mut groups = parse_relations(field.value).map_err(|e| FieldError::Malformed {
        field: name,
        line: field.line_at(e.offset),
        message: e.message,
    })?;
    groups.retain_mut(|group| {
        group.retain(|alt| alt.is_for(arch));
        for alt in group.iter_mut() {
            alt.arches = None;
        }
        !group.is_empty()
    });
    Ok(groups)
}

/// A field the stanza must have, which must be a package name or a version.
pub(crate) fn required<'a>(
    stanza: &Stanza<'a>,
    name: &'static str,
    valid: fn(&str) -> bool,
) -> Result<&'a str, FieldError> {
    let field = stanza.field(name).ok_or(FieldError::Missing { field: name, line: stanza.line })?;
    checked(field, name, valid)
}

/// The value of a field that must be a package name or a version.
pub(crate) fn checked<'a>(
    field: Field<'a>,
    name: &'static str,
    valid: fn(&str) -> bool,
) -> Result<&'a str, FieldError> {
    if valid(field.value) {
        Ok(field.value)
    } else {
        Err(FieldError::Malformed {
            field: name,
            line: field.line,
            message: format!("invalid value `{}`", field.value),
        })
    }
}

impl<'a> Source<'a> {
    /// Reads one stanza of a `Sources` file.
    pub(crate) fn from_stanza(
        stanza: &Stanza<'a>,
        options: SourceOptions<'_>,
    ) -> Result<Source<'a>, FieldError> {
        let name = required(stanza, "Package", is_package_name)?;
        let version = required(stanza, "Version", is_version)?;
        let extra_source_only = stanza
            .get("Extra-Source-Only")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));

        let mut build_depends = Vec::new();
        let mut build_conflicts = 0;
        if !extra_source_only {
            let mut dep_fields = vec!["Build-Depends", "Build-Depends-Arch"];
            if !options.drop_indep {
                dep_fields.push("Build-Depends-Indep");
            }
            for field_name in dep_fields {
                if let Some(field) = stanza.field(field_name) {
                    let groups = relations_for(field, field_name, options.arch)?;
                    if build_depends.is_empty() {
                        build_depends = groups;
                    } else {
                        // A group repeated from an earlier field says nothing new.
                        let earlier = build_depends.len();
                        for group in groups {
                            if !build_depends[..earlier].contains(&group) {
                                build_depends.push(group);
                            }
                        }
                    }
                }
            }
            for field_name in [
                "Build-Conflicts",
                "Build-Conflicts-Arch",
                "Build-Conflicts-Indep",
            ] {
                if let Some(field) = stanza.field(field_name) {
                    build_conflicts += relations_for(field, field_name, options.arch)?.len();
                }
            }
        }

        let package_list = match stanza.field("Package-List") {
            Some(field) => Some(parse_package_list(field)?),
            None => None,
        };
        let binaries = stanza
            .get("Binary")
            .map(|b| {
                b.split(',')
                    .map(str::trim_ascii)
                    .filter(|b| !b.is_empty())
                    .collect()
            })
            .unwrap_or_default();

        Ok(Source {
            name,
            version,
            architecture: stanza.get("Architecture").unwrap_or(""),
            binaries,
            package_list,
            build_depends,
            build_conflicts,
            extra_source_only,
        })
    }
}

fn parse_package_list(field: Field<'_>) -> Result<Vec<ListedBinary<'_>>, FieldError> {
    let mut listed = Vec::new();
    let mut offset = 0;
    for line in field.value.split('\n') {
        let line_offset = offset;
        offset += line.len() + 1;
        if line.trim_ascii().is_empty() {
            continue;
        }
        let error = |message: String| FieldError::Malformed {
            field: "Package-List",
            line: field.line_at(line_offset),
            message,
        };
        let mut parts = line.split_ascii_whitespace();
        let (Some(name), Some(kind), Some(_section), Some(_priority)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(error(format!(
                "expected `NAME TYPE SECTION PRIORITY [KEY=VALUE…]`, found `{}`",
                line.trim_ascii()
            )));
        };
        if !is_package_name(name) {
            return Err(error(format!("invalid package name `{name}`")));
        }
        let mut entry = ListedBinary {
            name,
            kind,
            arches: None,
            formula: Formula::always(),
        };
        for part in parts {
            let Some((key, value)) = part.split_once('=') else {
                return Err(error(format!("expected `KEY=VALUE`, found `{part}`")));
            };
            match key {
                "arch" => entry.arches = Some(value),
                "profile" => entry.formula = Formula::from_package_list(value).map_err(error)?,
                _ => {}
            }
        }
        listed.push(entry);
    }
    Ok(listed)
}
