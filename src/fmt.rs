//! `planc fmt`: formats every file of a plan with the kdl crate, keeping comments.

use std::process::ExitCode;

use clap::Args;

use crate::{check, exit, PlanArgs};

#[derive(Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    pub check: bool,
}

/// The formatted text of a KDL document, or the reason it cannot be formatted.
pub fn format_kdl(text: &str) -> Result<String, String> {
    let mut doc = kdl::KdlDocument::parse_v2(text).map_err(|e| {
        let first = e.diagnostics.first();
        match first {
            Some(d) => format!("syntax error at byte {}: {}", d.span.offset(), d.message.clone().unwrap_or_default()),
            None => "syntax error".to_string(),
        }
    })?;
    doc.autoformat();
    Ok(doc.to_string())
}

pub fn run(args: &FmtArgs) -> ExitCode {
    let session = match check::open(&args.plan) {
        Ok(session) => session,
        Err(code) => return code,
    };
    let mut unformatted = 0;
    let mut failed = false;
    for file in session.files() {
        let name = file.name(session.db()).to_string();
        if name.starts_with("std:") {
            continue;
        }
        let text = file.text(session.db());
        match format_kdl(text) {
            Ok(formatted) if formatted == **text => {}
            Ok(formatted) => {
                unformatted += 1;
                if args.check {
                    println!("{name}");
                } else if let Err(e) = std::fs::write(&name, formatted) {
                    eprintln!("error: cannot write `{name}`: {e}");
                    failed = true;
                } else {
                    eprintln!("formatted {name}");
                }
            }
            Err(reason) => {
                eprintln!("error: cannot format `{name}`: {reason}; run `planc check` for details");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(exit::USAGE)
    } else if args.check && unformatted > 0 {
        eprintln!("{unformatted} file(s) not formatted; run `planc fmt`");
        ExitCode::from(exit::ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}
