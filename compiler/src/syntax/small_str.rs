//! `SmallStr`: an immutable string kept inline when short, so that most names and values
//! of a syntax tree need no allocation of their own.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The longest string kept inline: with the length and the variant's tag, 24 bytes, the
/// size of a `String`.
const INLINE: usize = 22;

/// An immutable string: inline up to 22 bytes, boxed beyond. It reads as a `str`
/// (`Deref`), and compares, orders and hashes like one.
#[derive(Clone)]
pub struct SmallStr(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes are UTF-8: they are always copied from a `str`. The rest are
    /// zero or the bytes that followed them in the source.
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl SmallStr {
    pub fn new(s: &str) -> SmallStr {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            SmallStr(Repr::Inline { len: s.len() as u8, bytes })
        } else {
            SmallStr(Repr::Heap(s.into()))
        }
    }

    /// `text[start..end]`, copied as one fixed-size block when `text` goes on long enough
    /// (bytes after `end` are kept but never read): faster than `new` on the parser's hot
    /// path, where most strings are short.
    #[inline(always)]
    pub(crate) fn from_source(text: &str, start: usize, end: usize) -> SmallStr {
        let s = &text[start..end];
        if s.len() <= INLINE
            && let Some(block) = text.as_bytes().get(start..start + INLINE)
        {
            let bytes = block.try_into().unwrap_or([0; INLINE]);
            return SmallStr(Repr::Inline { len: s.len() as u8, bytes });
        }
        SmallStr::new(s)
    }

    /// The text's bytes, without the UTF-8 check that `as_str` makes. Comparisons go
    /// through here: lowering compares every node name and property key with the names it
    /// knows, and checking each one first was 8% of the instructions of a cold check of the
    /// 30,000-package bench plan's front end (callgrind).
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Heap(s) => s.as_bytes(),
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Never fails (see `Repr::Inline`); checking costs a few nanoseconds on short
            // text and keeps the crate free of `unsafe`.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }
}

impl Default for SmallStr {
    fn default() -> SmallStr {
        SmallStr::new("")
    }
}

impl Deref for SmallStr {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SmallStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SmallStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for SmallStr {
    fn from(s: &str) -> SmallStr {
        SmallStr::new(s)
    }
}

impl From<String> for SmallStr {
    fn from(s: String) -> SmallStr {
        if s.len() <= INLINE { SmallStr::new(&s) } else { SmallStr(Repr::Heap(s.into())) }
    }
}

impl PartialEq for SmallStr {
    fn eq(&self, other: &SmallStr) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for SmallStr {}

impl PartialEq<str> for SmallStr {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for SmallStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialOrd for SmallStr {
    fn partial_cmp(&self, other: &SmallStr) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallStr {
    fn cmp(&self, other: &SmallStr) -> Ordering {
        // `str` orders by bytes too.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for SmallStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SmallStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SmallStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}
