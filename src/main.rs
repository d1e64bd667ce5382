//! The `planc` command line.

fn main() {}
