//! The typed items of one plan file, lowered from its syntax tree, each with its spans.
//!
//! Items are plain data (no salsa ids), so the phases after lowering and their tests can
//! build and compare them freely.


use crate::dependency::Dependency;
use crate::diagnostic::Diagnostic;
use crate::restriction::Formula;
use crate::syntax::Span;

/// A name as written, with where.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub text: Box<str>,
    pub span: Span,
}

/// Everything one file declares, plus the diagnostics of parsing and lowering it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileItems {
    pub plan: Option<PlanDecl>,
    pub imports: Vec<Import>,
    pub seeds: Vec<Seed>,
    pub templates: Vec<Template>,
    pub packages: Vec<Package>,
    pub extends: Vec<Extend>,
    pub images: Vec<Image>,
    pub verifies: Vec<Verify>,
    pub diagnostics: Vec<Diagnostic>,
}

/// What cycle breaking minimizes in each cyclic component (`plan { cycle-breaking "…" }`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CycleBreaking {
    /// `"fewest-redirects"`: the number of redirected edges.
    #[default]
    FewestRedirects,
    /// `"fewest-builds"`: the number of earlier instances redirected edges lead to (each
    /// one more build), then the redirected edges into them.
    FewestBuilds,
}

impl CycleBreaking {
    /// Every value with its spelling in a plan.
    pub const ALL: [(CycleBreaking, &'static str); 2] =
        [(CycleBreaking::FewestRedirects, "fewest-redirects"), (CycleBreaking::FewestBuilds, "fewest-builds")];
}

/// `plan "NAME" { stages …; rebuild-tainted #true; cycle-breaking "…"; stage "S" { profiles … } }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanDecl {
    pub name: Name,
    /// The node's span, for "declared here" labels.
    pub span: Span,
    /// Declared stages in order (without `stage0` and `final`).
    pub stages: Vec<Name>,
    pub rebuild_tainted: bool,
    /// `cycle-breaking "…"`: what cycle breaking minimizes.
    pub cycle_breaking: CycleBreaking,
    /// Extra profiles active in every instance at a stage.
    pub stage_profiles: Vec<StageProfiles>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageProfiles {
    pub stage: Name,
    pub profiles: Vec<Name>,
}

/// `import "./x.kdl"` or `import "std:NAME"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    pub target: Name,
}

/// A stage0 producer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seed {
    pub name: Name,
    pub from_host: Vec<Name>,
    pub archive: Option<ArchiveRef>,
    pub provides: Vec<Provide>,
    /// Named outputs with versions and runtime dependencies (for seeds made from an
    /// archive's binaries).
    pub outputs: Vec<Output>,
}

/// A file and its checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveRef {
    pub path: Name,
    pub sha256: Option<Name>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceRef {
    Path(Name),
    Archive(ArchiveRef),
}

/// A provided name, optionally versioned: `provides "c-compiler (= 1.0)"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Provide {
    pub name: Name,
    pub version: Option<Box<str>>,
}

/// `template "NAME" { … }`: package fields that packages pull in with `use=`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub name: Name,
    pub body: PackageBody,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    pub name: Name,
    pub version: Option<Name>,
    pub template: Option<Name>,
    /// The whole `package` node.
    pub span: Span,
    pub body: PackageBody,
}

/// The fields a package, a template and an `extend` share.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageBody {
    pub source: Option<SourceRef>,
    pub build_depends: Vec<DepEntry>,
    pub outputs: Vec<Output>,
    pub stages: Vec<StageBlock>,
    pub build: Option<Steps>,
    pub check: Option<Steps>,
    pub env: Vec<(Name, Name)>,
    pub license: Option<Name>,
    /// Seconds.
    pub timeout: Option<(u64, Span)>,
}

/// One dependency with its node's conditions.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DepEntry {
    pub dep: Dependency,
    /// The string the dependency was written in; alternatives' `name_range`s are relative
    /// to `text_start` when the string has no escapes.
    pub span: Span,
    /// Absolute offset of the dependency text's first byte, when offsets map one to one.
    pub text_start: Option<u32>,
    /// `when=` on the node.
    pub when: Formula,
    /// Boxed: few entries have one, and every entry is copied into the merged plan.
    pub pin: Option<Box<Pin>>,
}

impl DepEntry {
    /// The span of alternative `i`'s name, falling back to the whole string.
    pub fn name_span(&self, i: usize) -> Span {
        match (self.text_start, self.dep.alternatives.get(i)) {
            (Some(start), Some(alt)) => Span::new(start + alt.name_range.start, start + alt.name_range.end),
            _ => self.span,
        }
    }
}

/// `stage="stage1"` or `stage="previous"` on a dependency.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pin {
    Stage(Name),
    Previous(Span),
}

/// `output "NAME" version="…" when="…" { depends …; provides … }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub name: Name,
    pub version: Option<Name>,
    pub when: Formula,
    pub depends: Vec<DepEntry>,
    pub provides: Vec<Provide>,
}

/// `stage "NAME" { build-depends …; drop …; output …; profiles … }` inside a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageBlock {
    pub name: Name,
    /// Replaces the package's default list at this stage when present.
    pub build_depends: Option<Vec<DepEntry>>,
    /// Removed from the stage's list: every dependency naming one of these.
    pub drop: Vec<Name>,
    /// Added to the package's outputs at this stage.
    pub outputs: Vec<Output>,
    /// Extra profiles active in this instance.
    pub profiles: Vec<Name>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Steps {
    pub span: Span,
    pub commands: Vec<Name>,
}

/// `extend "PKG" { … }`: additions to a package declared elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extend {
    pub target: Name,
    pub body: PackageBody,
}

/// `image "NAME" { include …; format "tar.zst" }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub name: Name,
    pub include: Vec<Name>,
    pub format: Option<Name>,
}

/// `verify "stage2" "final" { packages "rustc" }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verify {
    pub span: Span,
    pub left: Name,
    pub right: Name,
    pub packages: Vec<Name>,
}

