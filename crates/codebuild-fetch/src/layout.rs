//! Where things go in an archive folder, and writing a file so that it is whole or absent.
//!
//! ```text
//! DIR/
//!   cbstats-fetch.state                         what the archive holds (see `state`)
//!   <region>/<project>/<yyyy-mm>/<dump time>-<n>.json.gz
//! ```
//!
//! `<yyyy-mm>` and `<dump time>` (`20261203T170102Z`, UTC) are those of the
//! run that wrote the file; `<n>` counts the files of that run from 1
//! (`0001`). Each file is the body of one `BatchGetBuilds` response, byte
//! for byte as the service sent it, gzip'd. Region and project names are
//! percent-escaped (every byte but `A-Za-z0-9._-`, and `.`/`..` whole), as
//! `cbstats export` names its folders; CodeBuild's own names never need it.

use std::fs::{self, File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

use crate::FetchError;

/// The name of the state file in the archive folder.
///
/// It starts with a line that is not JSON, so `cbstats report DIR` lists it
/// as a skipped file ("not JSON") instead of reading it as a dump.
pub const STATE_FILE: &str = "cbstats-fetch.state";

/// Suffix of a file being written: `.<final name>.partial`.
pub(crate) const PARTIAL_SUFFIX: &str = ".partial";

/// Percent-escapes a name for one path component: every byte but
/// `A-Za-z0-9._-`; `.` and `..` are escaped whole (`%2E`, `%2E%2E`).
pub fn escape_component(name: &str) -> String {
    if name == "." || name == ".." {
        return name.bytes().map(|b| format!("%{b:02X}")).collect();
    }
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`escape_component`]; `None` for a malformed escape or
/// bytes that are not UTF-8.
pub fn unescape_component(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Names the files of one run: `<region>/<project>/<yyyy-mm>/<stamp>-<n>.json.gz`.
#[derive(Clone, Debug)]
pub(crate) struct Namer {
    month: String,
    stamp: String,
    next: u32,
}

impl Namer {
    pub fn new(now: OffsetDateTime) -> Self {
        let now = now.to_offset(time::UtcOffset::UTC);
        let month = now
            .format(format_description!("[year]-[month]"))
            .unwrap_or_else(|_| "0000-00".into());
        let stamp = now
            .format(format_description!(
                "[year][month][day]T[hour][minute][second]Z"
            ))
            .unwrap_or_else(|_| "00000000T000000Z".into());
        Namer {
            month,
            stamp,
            next: 1,
        }
    }

    /// The next free path (relative to the archive folder) for a response of `project`.
    pub fn next_path(&mut self, root: &Path, region: &str, project: &str) -> PathBuf {
        loop {
            let rel = PathBuf::from(escape_component(region))
                .join(escape_component(project))
                .join(&self.month)
                .join(format!("{}-{:04}.json.gz", self.stamp, self.next));
            self.next += 1;
            // Only one fetch writes to a folder at a time (the state file is
            // locked), so a name that is free now stays free.
            if !root.join(&rel).exists() {
                return rel;
            }
        }
    }
}

/// Writes `bytes` to `path` so that a reader (or a crash) sees the whole
/// file or none of it, and never a partial file under a name the loader reads.
///
/// The data goes to `.<name>.partial` in the same folder with its first
/// byte zeroed (the loader skips such a file: it is not gzip and not JSON),
/// is flushed to disk, gets its real first byte, is flushed again, and is
/// renamed into place; then the folder is flushed so the rename is durable.
/// A crash leaves at most a `.partial` file, which the next run removes.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), FetchError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| FetchError::io(dir, "cannot create the folder", e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}{PARTIAL_SUFFIX}"));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        if let Some((&first, rest)) = bytes.split_first() {
            f.write_all(&[0])?;
            f.write_all(rest)?;
            f.sync_data()?;
            f.seek(SeekFrom::Start(0))?;
            f.write_all(&[first])?;
        }
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        FetchError::io(path, "cannot write", e)
    })
}

/// Flushes a folder's entries (a rename in it) to disk; a no-op where
/// folders cannot be opened (Windows).
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes `.partial` files a crashed run left in the archive's data
/// folders; returns how many were removed.
pub(crate) fn remove_partials(root: &Path) -> Result<usize, FetchError> {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(root).min_depth(4).max_depth(4) {
        let Ok(entry) = entry else { continue };
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && name.starts_with('.') && name.ends_with(PARTIAL_SUFFIX) {
            fs::remove_file(entry.path())
                .map_err(|e| FetchError::io(entry.path(), "cannot remove", e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Gzips `bytes` (one member, default level).
pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::default(),
    );
    enc.write_all(bytes).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_what_paths_cannot_hold() {
        assert_eq!(escape_component("web-app_1.x"), "web-app_1.x");
        assert_eq!(escape_component("a/b c"), "a%2Fb%20c");
        assert_eq!(escape_component(".."), "%2E%2E");
        assert_eq!(escape_component("."), "%2E");
        assert_eq!(escape_component("é"), "%C3%A9");
        for name in ["a/b c", "..", ".", "é", "plain", "100%"] {
            assert_eq!(
                unescape_component(&escape_component(name)).as_deref(),
                Some(name)
            );
        }
        assert_eq!(unescape_component("%zz"), None);
        assert_eq!(unescape_component("%C3"), None, "not UTF-8");
    }

    #[test]
    fn names_follow_the_layout_and_skip_taken_names() {
        let dir = tempfile::tempdir().unwrap();
        let t = time::macros::datetime!(2026-12-03 17:01:02 UTC);
        let mut namer = Namer::new(t);
        let first = namer.next_path(dir.path(), "us-east-1", "web");
        assert_eq!(
            first,
            Path::new("us-east-1/web/2026-12/20261203T170102Z-0001.json.gz")
        );
        // A second run in the same second does not overwrite the first's files.
        write_whole(&dir.path().join(&first), b"x").unwrap();
        let mut again = Namer::new(t);
        assert_eq!(
            again.next_path(dir.path(), "us-east-1", "web"),
            Path::new("us-east-1/web/2026-12/20261203T170102Z-0002.json.gz")
        );
    }

    #[test]
    fn write_whole_leaves_only_the_final_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r/p/2026-12/x.json.gz");
        let data = gzip(br#"{"builds":[]}"#);
        write_whole(&path, &data).unwrap();
        assert_eq!(fs::read(&path).unwrap(), data);
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.json.gz")]);
        // A leftover partial file from a crash is removed.
        fs::write(path.with_file_name(".y.json.gz.partial"), b"\0junk").unwrap();
        assert_eq!(remove_partials(dir.path()).unwrap(), 1);
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }
}
