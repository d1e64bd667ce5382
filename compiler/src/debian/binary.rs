//! A binary package as the `Packages` index describes it: what it needs at run time
//! (`Pre-Depends`, `Depends`) and what it provides.

use super::arch::Arch;
use super::error::FieldError;
use super::relation::{Group, Relation, parse_provides};
use super::source::{is_package_name, is_version, relations_for, required};
use super::stanza::Stanza;

#[derive(Clone, Debug)]
pub(crate) struct Binary<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// `all` or one architecture.
    pub architecture: &'a str,
    /// The source package (`Source:` without its version, or the binary's own name).
    pub source: &'a str,
    pub essential: bool,
    /// `Pre-Depends` then `Depends`, evaluated for the architecture.
    pub depends: Vec<Group<'a>>,
    pub provides: Vec<Relation<'a>>,
}

impl<'a> Binary<'a> {
    /// Reads one stanza of a `Packages` file. Relation fields are parsed only for
    /// binaries of `arch` or `all` (`None` for other architectures).
    pub(crate) fn from_stanza(
        stanza: &Stanza<'a>,
        arch: &Arch,
    ) -> Result<Option<Binary<'a>>, FieldError> {
        let missing = |field: &'static str| FieldError::Missing {
            field,
            line: stanza.line,
        };
        let name = required(stanza, "Package", is_package_name)?;
        let version = required(stanza, "Version", is_version)?;
        let architecture = stanza
            .get("Architecture")
            .ok_or_else(|| missing("Architecture"))?;
        if architecture != "all" && architecture != arch.name() {
            return Ok(None);
        }
        let source = match stanza.field("Source") {
            Some(field) => {
                let source_name = field.value.split_ascii_whitespace().next().unwrap_or("");
                if !is_package_name(source_name) {
                    return Err(FieldError::Malformed {
                        field: "Source",
                        line: field.line,
                        message: format!("expected `NAME [(VERSION)]`, found `{}`", field.value),
                    });
                }
                source_name
            }
            None => name,
        };
        let mut depends = Vec::new();
        for field_name in ["Pre-Depends", "Depends"] {
            if let Some(field) = stanza.field(field_name) {
                depends.extend(relations_for(field, field_name, arch)?);
            }
        }
        let provides = match stanza.field("Provides") {
            Some(field) => parse_provides(field.value).map_err(|e| FieldError::Malformed {
                field: "Provides",
                line: field.line_at(e.offset),
                message: e.message,
            })?,
            None => Vec::new(),
        };
        Ok(Some(Binary {
            name,
            version,
            architecture,
            source,
            essential: stanza
                .get("Essential")
                .is_some_and(|v| v.eq_ignore_ascii_case("yes")),
            depends,
            provides,
        }))
    }
}
