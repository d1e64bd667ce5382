//! Unit tests: spans, recovery and error kinds.
