//! Every diagnostic the compiler can report, with its stable code: the one place that
//! words messages, labels and help lines.
//!
//! Style: lower case, names in backticks, no trailing period; a help line whenever a fix
//! is known. Every code has an entry in docs/diagnostics.md.

use crate::diagnostic::Severity;
use crate::syntax::SyntaxErrorKind;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    Syntax(SyntaxErrorKind),
    /// A child node the enclosing node does not have.
    UnknownNode { name: String, parent: &'static str, suggestion: Option<String> },
    UnknownProperty { name: String, node: String, suggestion: Option<String> },
    /// A value of the wrong type: `what` names the place (``the `version` property``).
    WrongType { what: String, expected: &'static str, found: &'static str },
    /// Too many values for a node.
    TooManyValues { node: String, expected: usize },
    MissingValue { node: String, what: &'static str },
    MissingChild { node: String, child: &'static str },
    DuplicateProperty { name: String },
    UnexpectedAnnotation,
    InvalidName { name: String, reason: &'static str },
    InvalidValue { what: String, reason: String },
    /// Two definitions of one name; `what` is "package", "output", "seed", ….
    Duplicate { what: &'static str, name: String },
    UnresolvedDep { name: String, suggestion: Option<String> },
    /// A name nothing produces, in a dependency that only matters sometimes: under a
    /// restriction formula, or in a seed output's runtime dependencies. Planning reports
    /// it as an error if it is ever needed.
    UnresolvedConditionalDep { name: String, condition: String, suggestion: Option<String> },
    UnknownStage { name: String, suggestion: Option<String> },
    ReservedStage { name: String },
    TooManyStages { max: usize },
    UnknownTemplate { name: String, suggestion: Option<String> },
    UnknownPackage { name: String, context: &'static str, suggestion: Option<String> },
    BadDependency { reason: String },
    BadVersion { reason: String },
    BadRestriction { reason: String },
    BadDuration { text: String },
    ImportNotFound { path: String, reason: Option<String> },
    ImportCycle { chain: Vec<String> },
    UnknownStdModule { name: String, available: Vec<&'static str> },
    MissingPlan,
    UnusedTemplate { name: String },
    UnusedSeed { name: String },
    /// Planning: nothing produces `name` at or below `stage`; `later` names a stage
    /// where something does.
    NoProducerAtStage { name: String, instance: String, later: Option<String>, pinned: Option<String> },
    /// Planning: producers exist but none satisfies the version constraint.
    VersionUnsatisfied { name: String, constraint: String, instance: String, found: Vec<String> },
    /// Planning: a pin to a stage after the instance's own.
    StageMonotonicity { name: String, instance: String, pinned: String },
    /// Planning: a dependency cycle that no declared stage can break.
    UnbreakableCycle { chain: Vec<String>, suggestion: Vec<String>, stage: String },
    /// Planning: an image would take an output of a non-final or tainted instance.
    ImageTainted { image: String, output: String, instance: String, tainted: bool },
    /// Planning: a verify pair names an instance the plan does not build.
    VerifyMissingInstance { package: String, stage: String },
}

impl DiagnosticKind {
    /// The stable code, `planc::…`.
    pub fn code(&self) -> &'static str {
        use DiagnosticKind::*;
        match self {
            Syntax(_) => "planc::syntax",
            UnknownNode { .. } => "planc::unknown-node",
            UnknownProperty { .. } => "planc::unknown-property",
            WrongType { .. } => "planc::wrong-type",
            TooManyValues { .. } => "planc::too-many-values",
            MissingValue { .. } => "planc::missing-value",
            MissingChild { .. } => "planc::missing-child",
            DuplicateProperty { .. } => "planc::duplicate-property",
            UnexpectedAnnotation => "planc::unexpected-annotation",
            InvalidName { .. } => "planc::invalid-name",
            InvalidValue { .. } => "planc::invalid-value",
            Duplicate { .. } => "planc::duplicate",
            UnresolvedDep { .. } => "planc::unresolved-dep",
            UnresolvedConditionalDep { .. } => "planc::unresolved-conditional-dep",
            UnknownStage { .. } => "planc::unknown-stage",
            ReservedStage { .. } => "planc::reserved-stage",
            TooManyStages { .. } => "planc::too-many-stages",
            UnknownTemplate { .. } => "planc::unknown-template",
            UnknownPackage { .. } => "planc::unknown-package",
            BadDependency { .. } => "planc::bad-dependency",
            BadVersion { .. } => "planc::bad-version",
            BadRestriction { .. } => "planc::bad-restriction",
            BadDuration { .. } => "planc::bad-duration",
            ImportNotFound { .. } => "planc::import-not-found",
            ImportCycle { .. } => "planc::import-cycle",
            UnknownStdModule { .. } => "planc::unknown-std-module",
            MissingPlan => "planc::missing-plan",
            UnusedTemplate { .. } => "planc::unused-template",
            UnusedSeed { .. } => "planc::unused-seed",
            NoProducerAtStage { .. } => "planc::no-producer-at-stage",
            VersionUnsatisfied { .. } => "planc::version-unsatisfied",
            StageMonotonicity { .. } => "planc::stage-monotonicity",
            UnbreakableCycle { .. } => "planc::unbreakable-cycle",
            ImageTainted { .. } => "planc::image-tainted",
            VerifyMissingInstance { .. } => "planc::verify-missing-instance",
        }
    }

    pub fn severity(&self) -> Severity {
        match self {
            DiagnosticKind::UnusedTemplate { .. }
            | DiagnosticKind::UnusedSeed { .. }
            | DiagnosticKind::UnresolvedConditionalDep { .. } => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }

    pub fn message(&self) -> String {
        use DiagnosticKind::*;
        match self {
            Syntax(kind) => kind.message(),
            UnknownNode { name, parent, .. } => format!("unknown node `{name}` in {parent}"),
            UnknownProperty { name, node, .. } => {
                format!("unknown property `{name}` on `{node}`")
            }
            WrongType { what, expected, found } => {
                format!("{what} must be {expected}, found {found}")
            }
            TooManyValues { node, expected } => match expected {
                0 => format!("`{node}` takes no values"),
                1 => format!("`{node}` takes one value"),
                n => format!("`{node}` takes at most {n} values"),
            },
            MissingValue { node, what } => format!("`{node}` needs {what}"),
            MissingChild { node, child } => format!("`{node}` needs a `{child}` node"),
            DuplicateProperty { name } => format!("property `{name}` is given twice"),
            UnexpectedAnnotation => "type annotations have no meaning in a plan".to_string(),
            InvalidName { name, reason } => format!("`{name}` is not a valid name: {reason}"),
            InvalidValue { what, reason } => format!("invalid {what}: {reason}"),
            Duplicate { what, name } => format!("{what} `{name}` is defined more than once"),
            UnresolvedDep { name, .. } => {
                format!("no package output, seed or provided name is called `{name}`")
            }
            UnresolvedConditionalDep { name, condition, .. } => {
                format!("nothing produces `{name}`, needed only {condition}")
            }
            UnknownStage { name, .. } => format!("unknown stage `{name}`"),
            ReservedStage { name } => format!("`{name}` is a built-in stage and cannot be declared"),
            TooManyStages { max } => format!("a plan declares at most {max} stages; this is one more"),
            UnknownTemplate { name, .. } => format!("unknown template `{name}`"),
            UnknownPackage { name, context, .. } => format!("{context} unknown package `{name}`"),
            BadDependency { reason } => format!("malformed dependency: {reason}"),
            BadVersion { reason } => format!("malformed version: {reason}"),
            BadRestriction { reason } => format!("malformed restriction formula: {reason}"),
            BadDuration { text } => format!("`{text}` is not a duration"),
            ImportNotFound { path, reason } => match reason {
                Some(reason) => format!("cannot read import `{path}`: {reason}"),
                None => format!("import `{path}` not found"),
            },
            ImportCycle { chain } => format!("import cycle: {}", chain.join(" → ")),
            UnknownStdModule { name, .. } => format!("no stdlib module `std:{name}`"),
            MissingPlan => "the root file has no `plan` node".to_string(),
            UnusedTemplate { name } => format!("template `{name}` is never used"),
            UnusedSeed { name } => format!("seed `{name}` provides nothing the plan uses"),
            NoProducerAtStage { name, instance, pinned: Some(pinned), .. } => {
                format!("nothing produces `{name}` for `{instance}` at or below the pinned stage `{pinned}`")
            }
            NoProducerAtStage { name, instance, pinned: None, .. } => {
                format!("nothing produces `{name}` for `{instance}` at or below its stage")
            }
            VersionUnsatisfied { name, constraint, instance, found } => format!(
                "no producer of `{name}` satisfies `{constraint}` for `{instance}` (found {})",
                found.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            ),
            StageMonotonicity { name, instance, pinned } => {
                format!("`{instance}` cannot depend on `{name}` at the later stage `{pinned}`")
            }
            UnbreakableCycle { chain, .. } => {
                format!("dependency cycle no declared stage can break: {}", chain.join(" → "))
            }
            ImageTainted { image, output, instance, tainted: true } => format!(
                "image `{image}` would take `{output}` from `{instance}`, which is tainted (it consumed a non-final build of another package)"
            ),
            ImageTainted { image, output, instance, tainted: false } => {
                format!("image `{image}` would take `{output}` from `{instance}`, which is not a final instance")
            }
            VerifyMissingInstance { package, stage } => {
                format!("`verify` needs `{package}@{stage}`, which this plan does not build")
            }
        }
    }

    /// The label under the primary span.
    pub fn label(&self) -> Option<String> {
        use DiagnosticKind::*;
        Some(match self {
            Syntax(_) => "here".to_string(),
            UnknownNode { .. } | UnknownProperty { .. } => "not known here".to_string(),
            WrongType { expected, .. } => format!("expected {expected}"),
            TooManyValues { .. } => "unexpected value".to_string(),
            DuplicateProperty { .. } => "given again here".to_string(),
            Duplicate { .. } => "defined again here".to_string(),
            UnresolvedDep { .. } | UnresolvedConditionalDep { .. } => "not produced by anything in the plan".to_string(),
            UnknownStage { .. } => "not declared in `plan { stages … }`".to_string(),
            ImportCycle { .. } => "this import closes the cycle".to_string(),
            UnusedTemplate { .. } | UnusedSeed { .. } => "unused".to_string(),
            NoProducerAtStage { .. } | VersionUnsatisfied { .. } => "cannot be resolved here".to_string(),
            StageMonotonicity { .. } => "pinned to a later stage".to_string(),
            UnbreakableCycle { .. } => "this dependency closes the cycle".to_string(),
            _ => return None,
        })
    }

    pub fn help(&self) -> Option<String> {
        use DiagnosticKind::*;
        let did_you_mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        match self {
            Syntax(kind) => kind.help(),
            UnknownNode { suggestion, .. }
            | UnknownProperty { suggestion, .. }
            | UnknownTemplate { suggestion, .. }
            | UnknownPackage { suggestion, .. } => did_you_mean(suggestion),
            UnresolvedConditionalDep { suggestion, .. } => did_you_mean(suggestion)
                .or_else(|| Some("planning fails if this dependency is ever needed".into())),
            UnresolvedDep { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some("declare a `package` with this output, or a `seed` that provides it".into())
            }),
            UnknownStage { suggestion, name } => did_you_mean(suggestion)
                .or_else(|| Some(format!("add it to the plan: `stages \"{name}\"`"))),
            ReservedStage { .. } => Some(
                "`stage0` holds the seeds and `final` is implicit and last; declare only the stages between"
                    .into(),
            ),
            TooManyStages { .. } => {
                Some("a bootstrap needs a few stages; fold the later ones into fewer (this one and those after it are left out)".into())
            }
            UnexpectedAnnotation => Some("remove the `(…)` annotation".into()),
            DuplicateProperty { .. } => Some("keep one of them".into()),
            Duplicate { what, .. } => Some(format!("rename or remove one of the {what}s")),
            BadVersion { .. } => Some(
                "Debian versions look like `1.2-3` or `1:2.0~rc1-1`, constraints like `name (>= 1.2-3)`"
                    .into(),
            ),
            BadRestriction { .. } => Some(
                "write Debian restriction lists, e.g. `<!stage1 !nocheck> <cross>`".into(),
            ),
            BadDuration { .. } => Some("write a number with a unit: `90s`, `30m`, `2h`, `1h30m`".into()),
            ImportNotFound { .. } => Some("import paths are relative to the importing file".into()),
            ImportCycle { .. } => Some("remove one of the imports in the cycle".into()),
            UnknownStdModule { available, .. } => Some(format!(
                "available: {}",
                available.iter().map(|m| format!("`std:{m}`")).collect::<Vec<_>>().join(", ")
            )),
            MissingPlan => Some("start the root file with `plan \"NAME\" { stages \"stage1\" }`".into()),
            UnusedTemplate { .. } => Some("use it with `package \"NAME\" use=\"TEMPLATE\"`, or remove it".into()),
            UnusedSeed { .. } => Some("remove it, or depend on what it provides".into()),
            NoProducerAtStage { later: Some(later), pinned: Some(_), .. } => Some(format!(
                "it is produced at `{later}`; pin that stage or a later one, or make a seed provide it"
            )),
            NoProducerAtStage { later: Some(later), pinned: None, .. } => Some(format!(
                "it is produced at `{later}`; add a stage block there, pin an earlier stage, or make a seed provide it"
            )),
            NoProducerAtStage { later: None, .. } => {
                Some("its producers' `when=` conditions exclude it under this instance's profiles".into())
            }
            VersionUnsatisfied { .. } => Some("relax the constraint or change the producer's `version`".into()),
            StageMonotonicity { .. } => Some("pin a stage at or below the instance's own, or `stage=\"previous\"`".into()),
            UnbreakableCycle { suggestion, stage, .. } if !suggestion.is_empty() => Some(format!(
                "break it by dropping at `{stage}`: {}; `planc plan --suggest-breaks FILE` writes this as an overlay",
                suggestion.join(", ")
            )),
            UnbreakableCycle { stage, .. } if stage == "final" || stage == "rebuild" => Some(format!(
                "no earlier instance can serve these needs (they are pinned, or no stage below `{stage}` produces the output): give one of these packages a stage that produces what is needed, or remove a dependency of the cycle"
            )),
            UnbreakableCycle { .. } => Some("add a `stage` block that drops one of these dependencies".into()),
            ImageTainted { .. } => Some("enable `rebuild-tainted #true` in the plan, or leave the output out".into()),
            VerifyMissingInstance { .. } => Some("declare the stage block or pair stages the package is built at".into()),
            _ => None,
        }
    }
}
