//! What the import writes: planned packages and their outputs, and the seed's outputs,
//! borrowing their dependencies from the parsed archive.

use super::formula::Formula;
use super::relation::{Group, Relation};

/// A source package to build: `package "NAME" version="V" { … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Package<'a, 'b> {
    pub name: &'a str,
    pub version: &'a str,
    /// Evaluated for the architecture; restriction formulas kept.
    pub build_depends: &'b [Group<'a>],
    /// Sorted by name.
    pub outputs: Vec<Output<'a, 'b>>,
    /// Build-dependencies or outputs differ under the stage1, nocheck and nodoc profiles.
    pub stage1: bool,
}

/// A binary package: `output "NAME" version="V" { depends …; provides … }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Output<'a, 'b> {
    pub name: &'a str,
    pub version: &'a str,
    /// From `Package-List`'s `profile=`: when the output is built.
    pub formula: Formula<'a>,
    /// `Pre-Depends` and `Depends`.
    pub depends: &'b [Group<'a>],
    pub provides: &'b [Relation<'a>],
}
