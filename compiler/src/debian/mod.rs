//! Debian archives as plans: `planc import debian`.

mod arch;
mod archive;
mod binary;
mod error;
mod formula;
mod relation;
mod source;
mod stanza;

pub use error::ImportError;
