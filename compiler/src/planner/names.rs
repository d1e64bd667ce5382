//! The planner's names: each output or provided name a plan resolves is interned once and
//! handled as its number. Installation sets hold millions of members naming a few
//! thousand outputs: as numbers a member is 16 bytes rather than 40, names hash and
//! compare as integers, and the DAG's order of names is a table lookup.

use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

/// An interned name: its number in [`Names`]. Not ordered: names sort by their text
/// ([`Names::ranks`]), not by when they were interned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct Name(u32);

/// Every name a planner interned, with its text; kept from one plan to the next in a
/// session, so that kept choices and sets keep their meaning.
#[derive(Clone, Default)]
pub(super) struct Names {
    by_text: HashMap<Arc<str>, Name>,
    texts: Vec<Arc<str>>,
}

impl Names {
    /// The number of a name, interned now if it was not.
    pub(super) fn intern(&mut self, text: &str) -> Name {
        if let Some(name) = self.get(text) {
            return name;
        }
        let name = Name(self.texts.len() as u32);
        let text: Arc<str> = text.into();
        self.texts.push(text.clone());
        self.by_text.insert(text, name);
        name
    }

    /// The number of a name already interned.
    pub(super) fn get(&self, text: &str) -> Option<Name> {
        self.by_text.get(text).copied()
    }

    /// Makes room for `more` names.
    pub(super) fn reserve(&mut self, more: usize) {
        self.by_text.reserve(more);
        self.texts.reserve(more);
    }

    /// A name's text, shared (the DAG's inputs share it).
    pub(super) fn text(&self, name: Name) -> &Arc<str> {
        &self.texts[name.0 as usize]
    }

    /// By name number: the name's place among all the names sorted by text.
    pub(super) fn ranks(&self) -> Vec<u32> {
        let mut sorted: Vec<u32> = (0..self.texts.len() as u32).collect();
        sorted.sort_unstable_by(|&a, &b| self.texts[a as usize].cmp(&self.texts[b as usize]));
        let mut ranks = vec![0; sorted.len()];
        for (rank, name) in sorted.into_iter().enumerate() {
            ranks[name as usize] = rank as u32;
        }
        ranks
    }
}

impl Name {
    /// Its number, for tables by name.
    pub(super) fn index(self) -> usize {
        self.0 as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_one_number_and_ranks_follow_the_text() {
        let mut names = Names::default();
        let (b, a, b_again, c) = (names.intern("libb"), names.intern("liba"), names.intern("libb"), names.intern("c"));
        assert_eq!(b, b_again);
        assert_ne!(a, b);
        assert_eq!(names.intern("liba"), a);
        assert_eq!(&**names.text(b), "libb");
        let ranks = names.ranks();
        assert_eq!((ranks[c.index()], ranks[a.index()], ranks[b.index()]), (0, 1, 2));
    }
}
