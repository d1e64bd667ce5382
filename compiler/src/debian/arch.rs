//! Debian architectures and architecture wildcards (`linux-any`, `any-amd64`, `[!i386]`), as dpkg evaluates them.
//!
//! dpkg maps every architecture name to a tuple `abi-libc-os-cpu` (`amd64` is
//! `base-gnu-linux-amd64`, `armhf` is `eabihf-gnu-linux-arm`) and a wildcard to a tuple
//! where `any` matches every value (`linux-any` is `any-any-linux-any`). The mapping
//! below follows dpkg's `tupletable` (Dpkg::Arch `debarch_to_debtuple`,
//! `debwildcard_to_debtuple` and `debarch_is`).

/// One architecture to import for, with its dpkg tuple.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Arch {
    name: String,
    tuple: [String; 4],
}

/// Architecture names whose tuple does not follow the generic rules below.
const SPECIAL: &[(&str, [&str; 4])] = &[
    ("armel", ["eabi", "gnu", "linux", "arm"]),
    ("armhf", ["eabihf", "gnu", "linux", "arm"]),
    ("armeb", ["eabi", "gnu", "linux", "armeb"]),
    ("arm64ilp32", ["ilp32", "gnu", "linux", "arm64"]),
    ("x32", ["x32", "gnu", "linux", "amd64"]),
    ("powerpcspe", ["spe", "gnu", "linux", "powerpc"]),
    ("mips64", ["abi64", "gnu", "linux", "mips64"]),
    ("mips64el", ["abi64", "gnu", "linux", "mips64el"]),
    ("mips64r6", ["abi64", "gnu", "linux", "mips64r6"]),
    ("mips64r6el", ["abi64", "gnu", "linux", "mips64r6el"]),
    ("mipsn32", ["abin32", "gnu", "linux", "mips64"]),
    ("mipsn32el", ["abin32", "gnu", "linux", "mips64el"]),
    ("mipsn32r6", ["abin32", "gnu", "linux", "mips64r6"]),
    ("mipsn32r6el", ["abin32", "gnu", "linux", "mips64r6el"]),
    ("kfreebsd-armhf", ["eabihf", "gnu", "kfreebsd", "arm"]),
    ("uclibc-linux-armel", ["eabi", "uclibc", "linux", "arm"]),
    ("musl-linux-armhf", ["eabihf", "musl", "linux", "arm"]),
    ("mint-m68k", ["base", "tos", "mint", "m68k"]),
];

/// `PREFIX-<cpu>` architecture names: the prefix gives libc and os.
const PREFIXED: &[(&str, &str, &str)] = &[
    ("uclibc-linux-", "uclibc", "linux"),
    ("musl-linux-", "musl", "linux"),
    ("kfreebsd-", "gnu", "kfreebsd"),
    ("knetbsd-", "gnu", "knetbsd"),
    ("kopensolaris-", "gnu", "kopensolaris"),
    ("hurd-", "gnu", "hurd"),
    ("dragonflybsd-", "bsd", "dragonflybsd"),
    ("freebsd-", "bsd", "freebsd"),
    ("openbsd-", "bsd", "openbsd"),
    ("netbsd-", "bsd", "netbsd"),
    ("darwin-", "bsd", "darwin"),
    ("aix-", "sysv", "aix"),
    ("solaris-", "sysv", "solaris"),
];

fn is_word(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// dpkg's `debarch_to_debtuple`: `None` for names that are not architectures (`all`,
/// `any`, `source`, wildcards, garbage).
fn arch_tuple(name: &str) -> Option<[&str; 4]> {
    if let Some((_, tuple)) = SPECIAL.iter().find(|(n, _)| *n == name) {
        return Some(*tuple);
    }
    for (prefix, libc, os) in PREFIXED {
        if let Some(cpu) = name.strip_prefix(prefix) {
            return is_word(cpu).then_some(["base", libc, os, cpu]);
        }
    }
    match name {
        "all" | "any" | "source" => None,
        cpu if is_word(cpu) => Some(["base", "gnu", "linux", cpu]),
        _ => None,
    }
}

/// dpkg's `debwildcard_to_debtuple`.
fn wildcard_tuple(wildcard: &str) -> Option<[&str; 4]> {
    if !wildcard.split('-').any(|part| part == "any") {
        return arch_tuple(wildcard);
    }
    let mut parts = ["any"; 4];
    let mut count = 0;
    for part in wildcard.splitn(4, '-') {
        parts[count] = part;
        count += 1;
    }
    // Missing leading parts are `any`: `linux-any` is `any-any-linux-any`.
    parts.rotate_left(count);
    Some(parts)
}

impl Arch {
    /// `None` when `name` is not an architecture dpkg knows how to map.
    pub(crate) fn parse(name: &str) -> Option<Arch> {
        let tuple = arch_tuple(name)?.map(str::to_owned);
        Some(Arch {
            name: name.to_owned(),
            tuple,
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// dpkg's `debarch_is`: does this architecture match `wildcard` (`any`, `linux-any`,
    /// `any-amd64`, `amd64`, …)? `all` is not a wildcard and matches nothing.
    pub(crate) fn is(&self, wildcard: &str) -> bool {
        if wildcard == self.name || wildcard == "any" {
            return true;
        }
        let Some(pattern) = wildcard_tuple(wildcard) else {
            return false;
        };
        pattern
            .iter()
            .zip(&self.tuple)
            .all(|(p, real)| *p == "any" || p == real)
    }

    /// dpkg's `arch_is_concerned` for the `[…]` list of one alternative, given as its
    /// whitespace-separated terms: `[amd64 i386]` keeps the alternative on those
    /// architectures, `[!amd64]` on every other one.
    pub(crate) fn is_concerned<'t>(&self, terms: impl IntoIterator<Item = &'t str>) -> bool {
        let mut seen = false;
        for term in terms {
            if let Some(negated) = term.strip_prefix('!') {
                if self.is(negated) {
                    return false;
                }
                seen = true;
            } else if self.is(term) {
                return true;
            }
        }
        seen
    }

    /// Does any of these architecture wildcards (an `Architecture:` field, a
    /// `Package-List` `arch=` list) match, other than `all`?
    pub(crate) fn is_any_of<'t>(&self, wildcards: impl IntoIterator<Item = &'t str>) -> bool {
        wildcards.into_iter().any(|w| self.is(w))
    }
}
