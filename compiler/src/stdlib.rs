//! The standard library: KDL modules embedded in the binary, imported as `std:NAME`.

/// Every module, by name.
const MODULES: &[(&str, &str)] = &[("autotools", include_str!("../../stdlib/autotools.kdl"))];

/// The text of `std:NAME`.
pub fn module(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of every module, for did-you-mean and help lines.
pub fn module_names() -> Vec<&'static str> {
    MODULES.iter().map(|(n, _)| *n).collect()
}
