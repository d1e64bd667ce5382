//! Build-profile restriction formulas: `<!nocheck> <stage1 !cross>` on a dependency,
//! `profile=!nocheck,!nodoc+stage1` in a `Package-List`.
//!
//! A formula is a disjunction of lists; a list is a conjunction of terms; a term is a
//! profile name, negated with `!`. No list at all means "always". This is dpkg's
//! `evaluate_restriction_formula` and the BuildProfileSpec.

use std::fmt;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Formula<'a> {
    lists: Vec<Vec<Term<'a>>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Term<'a> {
    pub negated: bool,
    pub name: &'a str,
}

impl<'a> Term<'a> {
    /// `stage1` or `!stage1`; `None` when the name is empty or has characters outside
    /// `[A-Za-z0-9.+_-]`.
    pub(crate) fn parse(text: &'a str) -> Option<Term<'a>> {
        let (negated, name) = match text.strip_prefix('!') {
            Some(name) => (true, name),
            None => (false, text),
        };
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_'));
        valid.then_some(Term { negated, name })
    }
}

impl<'a> Formula<'a> {
    /// The formula that always holds (no restriction).
    pub(crate) fn always() -> Formula<'a> {
        Formula::default()
    }

    pub(crate) fn from_lists(lists: Vec<Vec<Term<'a>>>) -> Formula<'a> {
        Formula { lists }
    }

    /// A `Package-List` `profile=` value: `,` joins the terms of one list, `+` separates
    /// lists (`!stage1,!nodoc+stage2` is `<!stage1 !nodoc> <stage2>`).
    pub(crate) fn from_package_list(value: &'a str) -> Result<Formula<'a>, String> {
        let lists = value
            .split('+')
            .map(|list| {
                list.split(',')
                    .map(|term| {
                        Term::parse(term).ok_or_else(|| {
                            format!("invalid build profile `{term}` in `profile={value}`")
                        })
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        Ok(Formula { lists })
    }

    /// True when there is no restriction.
    pub(crate) fn is_always(&self) -> bool {
        self.lists.is_empty()
    }

    /// Does the formula hold when exactly the `active` profiles are on?
    pub(crate) fn eval(&self, active: &[&str]) -> bool {
        self.lists.is_empty()
            || self
                .lists
                .iter()
                .any(|list| list.iter().all(|t| active.contains(&t.name) != t.negated))
    }
}

/// dpkg's syntax: `<a !b> <c>`.
impl fmt::Display for Formula<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, list) in self.lists.iter().enumerate() {
            f.write_str(if i == 0 { "<" } else { " <" })?;
            for (j, term) in list.iter().enumerate() {
                if j > 0 {
                    f.write_str(" ")?;
                }
                if term.negated {
                    f.write_str("!")?;
                }
                f.write_str(term.name)?;
            }
            f.write_str(">")?;
        }
        Ok(())
    }
}
