//! Why an import failed: unreadable or malformed input, or an output that cannot be written.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("unknown architecture `{0}`")]
    UnknownArch(String),

    #[error("cannot read `{}`", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot decompress `{}` as {format}", path.display())]
    Decompress {
        path: PathBuf,
        format: &'static str,
        #[source]
        source: io::Error,
    },

    /// The file is not deb822 (a line that is neither a field nor a continuation).
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("{}:{line}: stanza without a `{field}` field", path.display())]
    MissingField {
        path: PathBuf,
        line: usize,
        field: &'static str,
    },

    /// A field that does not parse, such as a relation with an unbalanced `(`.
    #[error("{}:{line}: malformed `{field}` of `{package}`: {message}", path.display())]
    Field {
        path: PathBuf,
        line: usize,
        package: String,
        field: &'static str,
        message: String,
    },

    #[error("cannot write `{}`", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ImportError {
    /// True for errors of the environment (files that cannot be read, decompressed or
    /// written, an unknown `--arch`), false for malformed archive contents.
    pub fn is_io_or_usage(&self) -> bool {
        !matches!(
            self,
            ImportError::Syntax { .. }
                | ImportError::MissingField { .. }
                | ImportError::Field { .. }
        )
    }
}

/// A missing or malformed field, before the file and package are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldError {
    Missing {
        field: &'static str,
        line: usize,
    },
    Malformed {
        field: &'static str,
        line: usize,
        message: String,
    },
}

impl FieldError {
    /// The error for the file at `path`, in the stanza of `package` (if it has a name).
    pub(crate) fn in_file(self, path: &Path, package: Option<&str>) -> ImportError {
        let path = path.to_path_buf();
        match self {
            FieldError::Missing { field, line } => ImportError::MissingField { path, line, field },
            FieldError::Malformed {
                field,
                line,
                message,
            } => ImportError::Field {
                path,
                line,
                package: package.unwrap_or("?").to_owned(),
                field,
                message,
            },
        }
    }
}
