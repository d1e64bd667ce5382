//! Debian archives as plans: `planc import debian`.

mod arch;
mod archive;
mod binary;
mod error;
mod formula;
mod import;
mod package;
mod plan;
mod providers;
mod relation;
mod report;
mod seed;
mod source;
mod stanza;
mod universe;
mod writer;

#[cfg(test)]
mod tests;

pub use error::ImportError;
pub use import::{ImportConfig, import};
pub use report::{ImportReport, Phase, Unsatisfiable};
