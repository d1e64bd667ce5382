//! `ImageWriter`: an image from final outputs: `STATE/images/NAME/` (a directory),
//! `NAME.tar.zst` (deterministic: sorted entries, zero mtimes, uid/gid 0, no owner
//! names) and `NAME.manifest.json` (every output with its version and sha256).

use std::path::Path;

use compiler::dag::{Image, StagedDag};
use serde::Serialize;

use crate::content_store::{ContentStore, OutputDigest};
use crate::tree_archive::TreeArchive;

pub struct ImageWriter;

#[derive(Serialize)]
struct Manifest<'a> {
    image: &'a str,
    sha256: String,
    outputs: Vec<ManifestEntry<'a>>,
}

#[derive(Serialize)]
struct ManifestEntry<'a> {
    output: &'a str,
    action: &'a str,
    version: Option<&'a str>,
    sha256: String,
}

impl ImageWriter {
    pub fn write(
        dag: &StagedDag,
        store: &dyn ContentStore,
        results: &[Option<Vec<OutputDigest>>],
        image: &Image,
        dir: &Path,
    ) -> Result<(), String> {
        let root = dir.join(&image.name);
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
        let mut entries = Vec::new();
        for r in &image.outputs {
            let a = &dag.actions[r.action];
            let digest = results[r.action]
                .as_ref()
                .and_then(|o| o.iter().find(|o| o.name == r.output))
                .ok_or_else(|| format!("image `{}`: output `{}` of `{}` was not built", image.name, r.output, a.id))?
                .digest;
            let tar = store.get(&digest).map_err(|e| format!("image `{}`: {e}", image.name))?;
            TreeArchive::unpack(&tar, &root).map_err(|e| e.to_string())?;
            let version = a.outputs.iter().find(|o| o.name == r.output).and_then(|o| o.version.as_deref());
            entries.push(ManifestEntry { output: &r.output, action: &a.id, version, sha256: digest.to_string() });
        }
        entries.sort_by(|a, b| a.output.cmp(b.output));
        let archive = TreeArchive::pack(&root).map_err(|e| e.to_string())?;
        let compressed = zstd::bulk::compress(&archive.tar, 19).map_err(|e| e.to_string())?;
        let write = |name: String, bytes: &[u8]| {
            crate::atomic_file::write_atomic(&dir.join(&name), bytes).map_err(|e| format!("cannot write `{name}`: {e}"))
        };
        write(format!("{}.tar.zst", image.name), &compressed)?;
        let manifest = Manifest { image: &image.name, sha256: archive.digest.to_string(), outputs: entries };
        write(format!("{}.manifest.json", image.name), &serde_json::to_vec_pretty(&manifest).expect("manifest serializes"))
    }
}
