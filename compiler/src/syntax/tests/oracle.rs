//! Property tests against the `kdl` crate.
