//! Tests of the KDL parser: the specification's test suite, spans, recovery, every error
//! kind, and a property test against the `kdl` crate.

mod oracle;
mod spec;
mod unit;
