//! `planc plan` and `planc explain`: the staged campaign, for people and for tools.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use compiler::dag::{Producer, StagedDag};
use compiler::{PlanOutcome, PlanStats, Reason, SuggestedBreak};

use crate::check::{self, report};
use crate::{exit, DiagnosticFormat, PlanArgs};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Layers, redirects and taint, for people.
    #[default]
    Human,
    /// The staged DAG exactly as the runtime consumes it (docs/dag-format.md).
    Json,
    /// Graphviz, stages as clusters.
    Dot,
    /// Counts: instances per stage, cycles, redirects, taint, layers.
    Stats,
}

#[derive(Args)]
pub struct PlanCmdArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Show only actions at this stage or below (with what they need).
    #[arg(long)]
    pub stage: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: PlanFormat,
    /// Write the suggested breaks as an `extend` overlay to FILE.
    #[arg(long, value_name = "FILE")]
    pub suggest_breaks: Option<PathBuf>,
}

#[derive(Args)]
pub struct ExplainArgs {
    /// `PACKAGE` or `PACKAGE@STAGE` (default stage: final).
    pub instance: String,
    #[command(flatten)]
    pub plan: PlanArgs,
}

/// Opens and plans; prints diagnostics; returns the session and outcome, or the exit code.
pub fn planned(plan: &PlanArgs) -> Result<(check::CliSession, std::sync::Arc<PlanOutcome>), ExitCode> {
    let session = check::open(plan)?;
    let (diagnostics, outcome) = session.planned();
    let (errors, _) = report(&session, &diagnostics, DiagnosticFormat::Human);
    match outcome {
        Some(outcome) if errors == 0 => Ok((session, outcome)),
        Some(outcome) => Err(write_suggestions_hint(&outcome)),
        None => Err(ExitCode::from(exit::ERRORS)),
    }
}

fn write_suggestions_hint(outcome: &PlanOutcome) -> ExitCode {
    if !outcome.suggestions.is_empty() {
        eprintln!(
            "{} suggested breaks; write them with `--suggest-breaks FILE` and add it with `--overlay FILE`",
            outcome.suggestions.len()
        );
    }
    ExitCode::from(exit::ERRORS)
}

/// The plan file (root, overlay or import) that `path` is, if any: `--suggest-breaks`
/// must not overwrite one, since the file it writes holds only what is left to drop
/// after the plan's own files (`--overlay breaks.kdl --suggest-breaks breaks.kdl` would
/// otherwise replace the breaks with an empty overlay).
fn plan_file_at(session: &compiler::Session, path: &std::path::Path) -> Option<String> {
    let target = std::fs::canonicalize(path).ok()?;
    session.files().into_iter().map(|f| f.name(session.db()).to_string()).find(|name| {
        std::fs::canonicalize(&**name).is_ok_and(|p| p == target)
    })
}

pub fn run(args: &PlanCmdArgs) -> ExitCode {
    let session = match check::open(&args.plan) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Some(path) = &args.suggest_breaks
        && let Some(name) = plan_file_at(&session, path)
    {
        eprintln!(
            "error: `--suggest-breaks {}` would overwrite `{name}`, a file of the plan; the suggestions are what is left after it, so write them to another file and add both",
            path.display()
        );
        return ExitCode::from(exit::USAGE);
    }
    let (diagnostics, outcome) = session.planned();
    let (errors, _) = report(&session, &diagnostics, DiagnosticFormat::Human);
    let Some(outcome) = outcome else { return ExitCode::from(exit::ERRORS) };
    if let Some(path) = &args.suggest_breaks {
        let text = compiler::suggested_overlay(&outcome.suggestions);
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return ExitCode::from(exit::USAGE);
        }
        eprintln!("wrote {} suggested breaks to {}", outcome.suggestions.len(), path.display());
    }
    if errors > 0 {
        if let (PlanFormat::Stats, Some(with_breaks)) = (&args.format, &outcome.stats_with_breaks) {
            // The archive report stays available while cycles wait for their breaks.
            let text = format!(
                "(the plan has errors; figures with the {} suggested breaks applied)\n{}",
                outcome.suggestions.len(),
                stats(with_breaks, &outcome.suggestions, &importer_report(&args.plan))
            );
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        }
        if let Some(path) = &args.suggest_breaks {
            if !outcome.suggestions.is_empty() {
                eprintln!("add them with `--overlay {}`", path.display());
            }
            return ExitCode::from(exit::ERRORS);
        }
        return write_suggestions_hint(&outcome);
    }
    let Some(dag) = &outcome.dag else { return ExitCode::from(exit::ERRORS) };
    let max_stage = match &args.stage {
        Some(name) => match dag.stages.iter().position(|s| s == name) {
            Some(i) => i,
            None => {
                eprintln!("error: unknown stage `{name}`; stages are {}", dag.stages.join(", "));
                return ExitCode::from(exit::USAGE);
            }
        },
        None => dag.stages.len(),
    };
    let keep: Vec<bool> =
        dag.actions.iter().map(|a| dag.stages.iter().position(|s| *s == a.stage).is_some_and(|i| i <= max_stage)).collect();
    let text = match args.format {
        PlanFormat::Human => human(dag, &outcome, &keep),
        PlanFormat::Json => serde_json::to_string_pretty(dag).unwrap_or_default() + "\n",
        PlanFormat::Dot => dot(dag, &keep),
        PlanFormat::Stats => stats(&outcome.stats, &outcome.suggestions, &importer_report(&args.plan)),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// Layer of every action: one more than its deepest producer.
fn layers(dag: &StagedDag) -> Vec<usize> {
    let mut layer = vec![0usize; dag.actions.len()];
    for (i, producers) in dag.all_producers().iter().enumerate() {
        layer[i] = producers.iter().map(|&p| layer[p] + 1).max().unwrap_or(0);
    }
    layer
}

/// `a@final takes `x` from b@stage1 instead of b@final`: redirect `k` of the DAG.
fn redirect(dag: &StagedDag, k: usize) -> String {
    let r = &dag.redirects[k];
    format!("{} takes `{}` from {} instead of {}", dag.actions[r.from].id, r.name, dag.actions[r.to].id, r.original)
}

/// Redirects listed one by one before `planc plan` summarizes the rest.
const MAX_LISTED: usize = 200;

fn human(dag: &StagedDag, outcome: &PlanOutcome, keep: &[bool]) -> String {
    let layer = layers(dag);
    let count = keep.iter().filter(|&&k| k).count();
    let depth = layer.iter().zip(keep).filter(|(_, k)| **k).map(|(l, _)| l + 1).max().unwrap_or(0);
    let mut out = String::new();
    // With `--stage`, only the stages shown are counted.
    let shown_stage = |stage: &str| dag.actions.iter().zip(keep).any(|(a, k)| *k && a.stage == stage);
    let per_stage: Vec<String> =
        outcome.stats.per_stage.iter().filter(|(s, _)| shown_stage(s)).map(|(s, n)| format!("{s}: {n}")).collect();
    let _ = writeln!(out, "plan `{}`: {count} actions in {depth} layers ({})", dag.plan, per_stage.join(", "));
    for l in 0..depth {
        let names: Vec<&str> =
            (0..dag.actions.len()).filter(|&i| keep[i] && layer[i] == l).map(|i| dag.actions[i].id.as_str()).collect();
        let _ = writeln!(out, "  layer {:>2}: {}", l + 1, names.join(" "));
    }
    let shown: Vec<usize> = (0..dag.redirects.len()).filter(|&k| keep[dag.redirects[k].from]).take(MAX_LISTED).collect();
    if !shown.is_empty() {
        let _ = writeln!(out, "redirected to break cycles:");
        let cycles = outcome.redirect_cycles(&shown);
        for (&k, cycle) in shown.iter().zip(&cycles) {
            let _ = writeln!(out, "  {}  (breaks {})", redirect(dag, k), cycle.join(" → "));
        }
        let total = (0..dag.redirects.len()).filter(|&k| keep[dag.redirects[k].from]).count();
        if total > shown.len() {
            let _ = writeln!(out, "  … and {} more; `planc explain PKG@STAGE` shows any of them", total - shown.len());
        }
    }
    let tainted: Vec<&str> =
        dag.actions.iter().zip(keep).filter(|(a, k)| **k && a.tainted).map(|(a, _)| a.id.as_str()).collect();
    if !tainted.is_empty() {
        let _ = writeln!(out, "tainted (consumed a non-final build of another package): {}", tainted.join(" "));
    }
    for v in dag.verify.iter().filter(|v| keep[v.left] && keep[v.right]) {
        let _ = writeln!(out, "verify: {} = {}", dag.actions[v.left].id, dag.actions[v.right].id);
    }
    for image in &dag.images {
        let _ = writeln!(out, "image `{}` ({}): {} outputs", image.name, image.format, image.outputs.len());
    }
    out
}

fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot(dag: &StagedDag, keep: &[bool]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_quote(&dag.plan));
    let _ = writeln!(out, "  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];");
    for (si, stage) in dag.stages.iter().enumerate() {
        let members: Vec<usize> = (0..dag.actions.len()).filter(|&i| keep[i] && dag.actions[i].stage == *stage).collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph cluster_{si} {{\n    label={};", dot_quote(stage));
        for i in members {
            let a = &dag.actions[i];
            let style = if a.tainted { ", style=dashed" } else { "" };
            let _ = writeln!(out, "    a{i} [label={}{style}];", dot_quote(&a.id));
        }
        out.push_str("  }\n");
    }
    let redirected: std::collections::HashSet<(usize, usize)> = dag.redirects.iter().map(|r| (r.from, r.to)).collect();
    for (i, producers) in dag.all_producers().iter().enumerate().filter(|(i, _)| keep[*i]) {
        for &p in producers {
            let style = if redirected.contains(&(i, p)) { " [color=red, label=\"redirected\"]" } else { "" };
            let _ = writeln!(out, "  a{p} -> a{i}{style};");
        }
    }
    out.push_str("}\n");
    out
}

/// The sources `planc import` left out as unsatisfiable, when the plan is an import's
/// (it lists them in `unsatisfiable.txt` beside `plan.kdl`, one a line).
fn importer_report(plan: &PlanArgs) -> Option<(PathBuf, usize)> {
    let root = compiler::root_file_path(&plan.path);
    let path = root.parent()?.join("unsatisfiable.txt");
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text.lines().filter(|l| !l.trim().is_empty()).count()))
}

fn stats(s: &PlanStats, suggestions: &[SuggestedBreak], unsatisfiable: &Option<(PathBuf, usize)>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "packages: {}", s.packages);
    let _ = writeln!(out, "outputs: {} (seeds provide {})", s.outputs, check::plural(s.seeded, "name"));
    let _ = writeln!(out, "instances: {}", s.instances);
    for (stage, n) in &s.per_stage {
        let _ = writeln!(out, "  {stage}: {n}");
    }
    let _ = writeln!(
        out,
        "built from the seed without meeting a cycle: {} (directly from the seed: {})",
        s.from_seed, s.from_seed_direct
    );
    for (stage, sizes) in &s.scc_sizes {
        let shown: Vec<String> = sizes.iter().take(10).map(|n| n.to_string()).collect();
        let more = if sizes.len() > 10 { format!(" (+{} more)", sizes.len() - 10) } else { String::new() };
        let _ = writeln!(out, "cycles at {stage}: {} components, sizes {}{more}", sizes.len(), shown.join(" "));
    }
    let _ = writeln!(out, "redirected edges: {} (to {})", s.redirects, check::plural(s.redirect_targets, "earlier instance"));
    let by: Vec<String> = s.reduced_by.iter().map(|(what, n)| format!("{what} {n}")).collect();
    let by = if by.is_empty() { String::new() } else { format!(" (by {})", by.join(", ")) };
    let _ = writeln!(out, "reduced builds: {}{by}", s.reduced);
    let packages: std::collections::BTreeSet<&str> = suggestions.iter().map(|b| b.package.as_str()).collect();
    // botch's feedback arc set counts only the drops that break a cycle.
    let breaking = suggestions.iter().filter(|b| b.breaks_a_cycle()).count();
    let kinds = if suggestions.is_empty() {
        String::new()
    } else {
        format!(" ({breaking} break cycles, {} drop what nothing produces at their stage)", suggestions.len() - breaking)
    };
    let _ = writeln!(out, "suggested breaks: {} in {}{kinds}", suggestions.len(), check::plural(packages.len(), "package"));
    let _ = writeln!(out, "tainted: {}", s.tainted);
    let _ = writeln!(out, "rebuilt: {}", s.rebuilt);
    let _ = writeln!(out, "layers: {}", s.layers);
    let _ = writeln!(out, "cycle breaking exact: {}", s.exact);
    if let Some((path, n)) = unsatisfiable {
        let _ = writeln!(out, "unsatisfiable sources (not planned): {n}, listed in {}", path.display());
    }
    out
}

pub fn explain(args: &ExplainArgs) -> ExitCode {
    let (_session, outcome) = match planned(&args.plan) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(dag) = &outcome.dag else { return ExitCode::from(exit::ERRORS) };
    let wanted = if args.instance.contains('@') { args.instance.clone() } else { format!("{}@final", args.instance) };
    let Some(index) = dag.actions.iter().position(|a| a.id == wanted) else {
        let package = wanted.split('@').next().unwrap_or_default();
        let built: Vec<&str> = dag.actions.iter().filter(|a| a.package == package).map(|a| a.id.as_str()).collect();
        if built.is_empty() {
            eprintln!("error: the plan builds no instance of `{package}`");
        } else {
            eprintln!("error: `{wanted}` is not built; the plan builds {}", built.join(", "));
        }
        return ExitCode::from(exit::USAGE);
    };
    let _ = std::io::stdout().lock().write_all(explanation(dag, &outcome, index).as_bytes());
    ExitCode::SUCCESS
}

/// Why an action exists (the chain of needs back to a target), what it takes, and the
/// cycles its redirects break.
pub fn explanation(dag: &StagedDag, outcome: &PlanOutcome, index: usize) -> String {
    let mut out = String::new();
    let a = &dag.actions[index];
    let version = a.version.as_deref().map(|v| format!(" {v}")).unwrap_or_default();
    let _ = writeln!(out, "{}{version}", a.id);
    if !a.profiles.is_empty() {
        let _ = writeln!(out, "  profiles: {}", a.profiles.join(" "));
    }
    let _ = writeln!(out, "why it is built:");
    let mut current = index;
    let mut seen = std::collections::HashSet::new();
    loop {
        if !seen.insert(current) {
            break;
        }
        match &outcome.reasons[current] {
            Reason::Target(why) => {
                let _ = writeln!(out, "  {} is a target: {why}", dag.actions[current].id);
                break;
            }
            Reason::Needed { by, name } => {
                let _ = writeln!(out, "  {} needs `{name}` from {}", by, dag.actions[current].id);
                match dag.actions.iter().position(|x| x.id == *by) {
                    Some(next) => current = next,
                    None => break,
                }
            }
        }
    }
    let _ = writeln!(out, "what it takes:");
    for input in dag.inputs_of(index) {
        let from = match &input.from {
            Producer::Action { action, output } => format!("{} ({output})", dag.actions[*action].id),
            Producer::Seed { seed } => format!("seed {seed}"),
        };
        let _ = writeln!(out, "  {} ← {from}", input.name);
    }
    let involved: Vec<usize> = (0..dag.redirects.len()).filter(|&k| dag.redirects[k].from == index || dag.redirects[k].to == index).collect();
    if !involved.is_empty() {
        let _ = writeln!(out, "cycles it breaks:");
        for (&k, cycle) in involved.iter().zip(outcome.redirect_cycles(&involved)) {
            let _ = writeln!(out, "  {}, breaking {}", redirect(dag, k), cycle.join(" → "));
        }
    }
    if a.tainted {
        let _ = writeln!(out, "tainted: it consumed a non-final build of another package");
    }
    out
}
