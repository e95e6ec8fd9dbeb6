//! Finding the files of an archive and reading them: folders, gzip, BOM, size caps.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::LoadOptions;
use crate::error::{ErrorKind, LoadError};

/// One file to decode.
#[derive(Clone, Debug)]
pub(crate) struct InputFile {
    /// The path, or `-` for standard input.
    pub path: PathBuf,
    /// Found by walking a folder (so non-JSON content is skipped, not an error).
    pub from_folder: bool,
    /// The file's bytes, already read (standard input, when it must be read twice).
    pub preloaded: Option<std::sync::Arc<Vec<u8>>>,
    /// Finding it failed (a path that does not exist, a broken link or a
    /// link loop in a folder): reading it gives this error, so that it is
    /// reported, or skipped with `keep_going`, like any unreadable file.
    pub failed: Option<LoadError>,
}

impl InputFile {
    fn new(path: PathBuf, from_folder: bool) -> Self {
        InputFile {
            path,
            from_folder,
            preloaded: None,
            failed: None,
        }
    }

    fn failed(path: PathBuf, from_folder: bool, err: LoadError) -> Self {
        InputFile {
            failed: Some(err),
            ..InputFile::new(path, from_folder)
        }
    }

    /// Reads standard input now, so that [`read`] can give its bytes more than once.
    pub fn preload_stdin(&mut self, opts: &LoadOptions) -> Result<(), LoadError> {
        if self.path.as_os_str() == "-" && self.preloaded.is_none() {
            let mut raw = Vec::new();
            std::io::stdin()
                .lock()
                .take(opts.max_file_bytes.saturating_add(1))
                .read_to_end(&mut raw)
                .map_err(|e| LoadError::file(&self.path, ErrorKind::Io, e.to_string()))?;
            self.preloaded = Some(std::sync::Arc::new(raw));
        }
        Ok(())
    }
}

/// Expands folders (recursively) into files, and sorts all of them by path
/// (byte order of the whole path, standard input as `-`): ANALYTICS.md
/// "Records" breaks ties between duplicates by "the first file in sorted
/// path order", whatever order the paths were given in. A path that cannot
/// be found or walked becomes a file whose reading fails (see
/// [`InputFile::failed`]).
pub(crate) fn discover(paths: &[PathBuf]) -> Vec<InputFile> {
    let mut files = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(InputFile::new(path.clone(), false));
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => {
                let err = LoadError::file(path, ErrorKind::Io, e.to_string());
                files.push(InputFile::failed(path.clone(), false, err));
                continue;
            }
        };
        if !meta.is_dir() {
            files.push(InputFile::new(path.clone(), false));
            continue;
        }
        for entry in walkdir::WalkDir::new(path).follow_links(true) {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    files.push(InputFile::new(entry.into_path(), true));
                }
                Ok(_) => {}
                Err(e) => {
                    let at = e.path().unwrap_or(path).to_path_buf();
                    let err = LoadError::file(&at, ErrorKind::Io, e.to_string());
                    files.push(InputFile::failed(at, true, err));
                }
            }
        }
    }
    // Stable: the same path given twice stays twice (its records are duplicates).
    files.sort_by(|a, b| {
        a.path
            .as_os_str()
            .as_encoded_bytes()
            .cmp(b.path.as_os_str().as_encoded_bytes())
    });
    files
}

/// What reading one file gave.
pub(crate) enum Content {
    /// JSON text (decompressed, BOM removed).
    Json(Vec<u8>),
    /// A file found in a folder that is not a dump; skipped, with the reason.
    Skipped(String),
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Names under which a folder's file is taken for a dump even when its content is broken.
fn looks_like_dump(path: &Path) -> bool {
    // Bytes, not `str`: a name that is not UTF-8 can still end in `.json`.
    let name = path
        .file_name()
        .map(|n| n.as_encoded_bytes().to_ascii_lowercase())
        .unwrap_or_default();
    [".json", ".jsonl", ".ndjson", ".gz"]
        .iter()
        .any(|ext| name.ends_with(ext.as_bytes()))
}

/// The decompressed content of gzip data `raw`: every member (as
/// `gzip -d` reads `cat a.gz b.gz`), up to `cap + 1` bytes. Zero bytes
/// after the last member (block padding of tapes and `dd`) are ignored, as
/// `gzip -d` does; other trailing bytes are an error naming their offset.
fn gunzip(raw: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut rest = raw;
    loop {
        let budget = cap.saturating_add(1).saturating_sub(out.len() as u64);
        let mut member = flate2::bufread::GzDecoder::new(rest);
        let at = raw.len() - rest.len();
        (&mut member)
            .take(budget)
            .read_to_end(&mut out)
            .map_err(|e| format!("corrupt or truncated gzip data (member at byte {at}): {e}"))?;
        rest = member.into_inner();
        if rest.is_empty() || out.len() as u64 > cap || rest.iter().all(|&b| b == 0) {
            return Ok(out);
        }
        if !rest.starts_with(&GZIP_MAGIC) {
            return Err(format!(
                "{} bytes of trailing data after the gzip data, at byte {}",
                rest.len(),
                raw.len() - rest.len()
            ));
        }
    }
}

/// Reads a file: gunzips it when its bytes start with the gzip magic (any
/// number of members), strips a UTF-8 BOM, enforces `max_file_bytes` on the
/// decompressed size, and decides whether a folder's file is a dump at all.
pub(crate) fn read(file: &InputFile, opts: &LoadOptions) -> Result<Content, LoadError> {
    let path = &file.path;
    if let Some(err) = &file.failed {
        return Err(err.clone());
    }
    let io_err = |e: std::io::Error| LoadError::file(path, ErrorKind::Io, e.to_string());
    let cap = opts.max_file_bytes;
    let mut raw = Vec::new();
    if let Some(bytes) = &file.preloaded {
        raw.extend_from_slice(bytes);
    } else if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(cap.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(io_err)?;
    } else {
        let f = std::fs::File::open(path).map_err(io_err)?;
        // One allocation of the right size, not a doubling series of copies.
        let len = f
            .metadata()
            .map_or(0, |m| m.len())
            .min(cap.saturating_add(1));
        raw.reserve_exact(usize::try_from(len).unwrap_or(0));
        f.take(cap.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(io_err)?;
    }
    let too_large = || {
        LoadError::file(
            path,
            ErrorKind::TooLarge,
            format!(
                "file is larger than the limit of {cap} bytes (LoadOptions::max_file_bytes, --max-file-bytes)"
            ),
        )
    };
    let mut text = if raw.starts_with(&GZIP_MAGIC) {
        let out =
            gunzip(&raw, cap).map_err(|message| LoadError::file(path, ErrorKind::Gzip, message))?;
        if out.len() as u64 > cap {
            return Err(LoadError::file(
                path,
                ErrorKind::TooLarge,
                format!(
                    "decompresses to more than the limit of {cap} bytes (LoadOptions::max_file_bytes, --max-file-bytes)"
                ),
            ));
        }
        out
    } else {
        if raw.len() as u64 > cap {
            return Err(too_large());
        }
        raw
    };
    if text.starts_with(BOM) {
        text.drain(..BOM.len());
    }
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Ok(Content::Json(text)),
        None if file.from_folder && !looks_like_dump(path) => {
            Ok(Content::Skipped("empty, not a dump".into()))
        }
        None => Err(LoadError::file(
            path,
            ErrorKind::Empty,
            if text.is_empty() {
                "file is empty: expected a JSON object or array"
            } else {
                "file holds only whitespace: expected a JSON object or array"
            },
        )),
        Some(_) if file.from_folder && !looks_like_dump(path) => {
            Ok(Content::Skipped("not JSON".into()))
        }
        // JSON Lines whose first line is bad: the decoder rejects that line.
        Some(_) if crate::decode::is_json_lines(&text) => Ok(Content::Json(text)),
        Some(&b) => Err(LoadError::file(
            path,
            ErrorKind::NotJson,
            if text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
                "not JSON in UTF-8: the file is UTF-16 text (it starts with a UTF-16 byte order mark); convert it to UTF-8, e.g. with iconv".to_owned()
            } else {
                format!(
                    "not JSON: expected a JSON object or array, found {}",
                    if b.is_ascii_graphic() {
                        format!("`{}`", b as char)
                    } else {
                        format!("byte 0x{b:02x}")
                    }
                )
            },
        )),
    }
}
