//! `History`: each action's last measured duration (`STATE/durations.json`), which
//! weights the critical path of the next run.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::FxHashMap;

#[derive(Default, serde::Deserialize)]
pub struct History {
    /// Action id → milliseconds. Hashed, not ordered: every run looks up each action's
    /// id once, and a no-op writes nothing; `save` writes the ids in order.
    pub durations: FxHashMap<String, u64>,
}

/// The history as read, its ids borrowed from the file's bytes.
#[derive(serde::Deserialize)]
struct Borrowed<'a> {
    #[serde(borrow)]
    durations: FxHashMap<Id<'a>, u64>,
}

/// An action id borrowed from the file's bytes when it has no escape, copied when it
/// has one. (A `Cow<str>` map key is always copied by serde: only a field that is
/// itself a `Cow` borrows.) Hashed and compared as the `str` it holds.
#[derive(PartialEq, Eq, Hash)]
struct Id<'a>(Cow<'a, str>);

impl std::borrow::Borrow<str> for Id<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Id<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Id<'a>, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a str>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Id<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an action id")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Id<'a>, E> {
                Ok(Id(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Id<'a>, E> {
                Ok(Id(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

impl History {
    /// The last duration of each of `ids` (`None` for one never measured), read from
    /// the history in `path` without copying 20,000 ids into a map of its own: every
    /// run needs the durations, only a run that built something the history itself.
    pub fn durations_of<'i>(path: &Path, ids: impl Iterator<Item = &'i str>) -> Vec<Option<u64>> {
        let bytes = std::fs::read(path).unwrap_or_default();
        let durations = serde_json::from_slice::<Borrowed>(&bytes).map(|h| h.durations).unwrap_or_default();
        ids.map(|id| durations.get(id).copied()).collect()
    }

    pub fn load(path: &Path) -> History {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let sorted: BTreeMap<&str, u64> = self.durations.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let json = serde_json::to_vec(&serde_json::json!({ "durations": sorted })).expect("history serializes");
        crate::atomic_file::write_atomic(path, &json)
    }
}

#[cfg(test)]
mod tests;
