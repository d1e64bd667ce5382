//! Reading an archive's `Sources` and `Packages` indexes: plain, zstd, xz or gzip
//! (recognised by their magic bytes, whatever the file name), then parsed into
//! [`Source`]s and [`Binary`]s, one file per thread.

use std::io::Read;
use std::path::Path;

use super::arch::Arch;
use super::binary::Binary;
use super::error::ImportError;
use super::source::{Source, SourceOptions};
use super::stanza::stanzas;

/// Both indexes, parsed.
#[derive(Debug)]
pub(crate) struct Archive<'a> {
    /// Every stanza of `Sources`, including `Extra-Source-Only` ones.
    pub sources: Vec<Source<'a>>,
    /// The binaries of `Packages` for the architecture and for `all`.
    pub binaries: Vec<Binary<'a>>,
    /// Stanzas in `Packages`, of every architecture.
    pub binary_stanzas: usize,
}

const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0];
const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Reads a whole index file, decompressing it if needed. Invalid UTF-8 is replaced
/// (index files are UTF-8; a stray byte in a description must not stop an import).
pub(crate) fn read_index(path: &Path) -> Result<String, ImportError> {
    let raw = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let decompress_error = |format: &'static str| {
        move |source: std::io::Error| ImportError::Decompress {
            path: path.to_path_buf(),
            format,
            source,
        }
    };
    let bytes = if raw.starts_with(ZSTD_MAGIC) {
        // The frame header usually records the decompressed size: one allocation.
        let size = zstd::zstd_safe::get_frame_content_size(&raw)
            .ok()
            .flatten()
            .unwrap_or(0);
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        zstd::stream::read::Decoder::new(&raw[..])
            .and_then(|mut d| d.read_to_end(&mut out))
            .map_err(decompress_error("zstd"))?;
        out
    } else if raw.starts_with(XZ_MAGIC) {
        let mut out = Vec::with_capacity(raw.len() * 6);
        xz2::read::XzDecoder::new_multi_decoder(&raw[..])
            .read_to_end(&mut out)
            .map_err(decompress_error("xz"))?;
        out
    } else if raw.starts_with(GZIP_MAGIC) {
        let mut out = Vec::with_capacity(raw.len() * 5);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(decompress_error("gzip"))?;
        out
    } else {
        raw
    };
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Reads both files at once, one per thread.
pub(crate) fn read_both(sources: &Path, packages: &Path) -> Result<(String, String), ImportError> {
    let (sources, packages) = crate::threads::join(true, || read_index(sources), || read_index(packages));
    let packages = packages?;
    Ok((sources?, packages))
}

pub(crate) fn parse_sources<'a>(
    text: &'a str,
    path: &Path,
    options: SourceOptions<'_>,
) -> Result<Vec<Source<'a>>, ImportError> {
    let mut sources = Vec::with_capacity(text.len() / 1500);
    for stanza in stanzas(text) {
        let stanza = stanza.map_err(|e| ImportError::Syntax {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        let source = Source::from_stanza(&stanza, options)
            .map_err(|e| e.in_file(path, stanza.get("Package")))?;
        sources.push(source);
    }
    Ok(sources)
}

/// The binaries for `arch` and `all`, and the number of stanzas read.
pub(crate) fn parse_packages<'a>(
    text: &'a str,
    path: &Path,
    arch: &Arch,
) -> Result<(Vec<Binary<'a>>, usize), ImportError> {
    let mut binaries = Vec::with_capacity(text.len() / 700);
    let mut read = 0;
    for stanza in stanzas(text) {
        let stanza = stanza.map_err(|e| ImportError::Syntax {
            path: path.to_path_buf(),
            line: e.line,
            message: e.message,
        })?;
        read += 1;
        if let Some(binary) = Binary::from_stanza(&stanza, arch)
            .map_err(|e| e.in_file(path, stanza.get("Package")))?
        {
            binaries.push(binary);
        }
    }
    Ok((binaries, read))
}

impl<'a> Archive<'a> {
    /// Parses both indexes, one per thread.
    pub(crate) fn parse(
        sources: (&'a str, &Path),
        packages: (&'a str, &Path),
        options: SourceOptions<'_>,
    ) -> Result<Archive<'a>, ImportError> {
        let (sources, parsed_packages) = crate::threads::join(
            true,
            || parse_sources(sources.0, sources.1, options),
            || parse_packages(packages.0, packages.1, options.arch),
        );
        let (binaries, binary_stanzas) = parsed_packages?;
        Ok(Archive {
            sources: sources?,
            binaries,
            binary_stanzas,
        })
    }
}
