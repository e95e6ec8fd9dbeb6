//! Load errors: what went wrong, in which file, at which position.

use std::fmt;
use std::path::PathBuf;

/// A position in a file: 1-based line and column (of the decompressed text).
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in bytes).
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `text`.
    pub fn of_offset(text: &[u8], offset: usize) -> Position {
        let before = &text[..offset.min(text.len())];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        Position {
            line,
            column: before.len() - line_start + 1,
        }
    }

    /// The position `rel` (relative to a value starting at `self`) has in the file.
    pub(crate) fn offset_by(self, rel: Position) -> Position {
        if rel.line <= 1 {
            Position {
                line: self.line,
                column: self.column + rel.column.saturating_sub(1),
            }
        } else {
            Position {
                line: self.line + rel.line - 1,
                column: rel.column,
            }
        }
    }
}

/// The positions of byte offsets in one text, for many lookups: the line
/// starts are found once, then each position is a binary search (where
/// [`Position::of_offset`] scans the text up to the offset every time).
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offsets where lines start (the first is 0).
    starts: Vec<usize>,
}

impl LineIndex {
    /// The line starts of `text`.
    pub fn new(text: &[u8]) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', text).map(|i| i + 1))
                .collect(),
        }
    }

    /// The position of byte `offset`, as [`Position::of_offset`] gives it
    /// for an offset within the text.
    pub fn position(&self, offset: usize) -> Position {
        let line = self.starts.partition_point(|&s| s <= offset);
        Position {
            line,
            column: offset - self.starts[line - 1] + 1,
        }
    }
}

/// Serializes a path as text, as it displays: a file name can be any bytes
/// on Unix, but serde writes a path only if it is UTF-8, so a load report
/// naming such a file could not be written at all.
pub(crate) fn lossy_path<S: serde::Serializer>(
    path: &std::path::Path,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&path.to_string_lossy())
}

/// What kind of problem a [`LoadError`] is.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read.
    Io,
    /// The gzip stream is corrupt or truncated.
    Gzip,
    /// The (decompressed) file is larger than `LoadOptions::max_file_bytes`.
    TooLarge,
    /// A record is larger than `LoadOptions::max_record_bytes`.
    RecordTooLarge,
    /// The file holds no JSON value (empty or whitespace only).
    Empty,
    /// The file is not JSON (given explicitly; in folders such files are skipped).
    NotJson,
    /// The text is not valid JSON: syntax error, truncation, invalid UTF-8, too deep.
    Syntax,
    /// Valid JSON of the wrong shape: a wrong type, an invalid timestamp, ...
    Data,
    /// An object that is neither a `batch_get_builds` response nor a build.
    NotARecord,
}

/// An error naming the file, the position and, when known, the field path.
///
/// Displays as `path:line:column: field.path: message`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadError {
    /// The file (as given, or found in a folder); `-` for standard input.
    /// Serialized as text, bytes that are not UTF-8 as U+FFFD (serde
    /// refuses a path that is not UTF-8).
    #[serde(serialize_with = "lossy_path")]
    pub file: PathBuf,
    /// Where in the (decompressed) file, when known.
    pub position: Option<Position>,
    /// The field path, e.g. `builds[3].phases[2].durationInSeconds`, when known.
    pub field: Option<String>,
    /// What went wrong.
    pub message: String,
    /// The kind of problem.
    pub kind: ErrorKind,
}

impl LoadError {
    pub(crate) fn file(
        file: &std::path::Path,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Self {
        LoadError {
            file: file.to_path_buf(),
            position: None,
            field: None,
            message: message.into(),
            kind,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(p) = self.position {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_positions_equal_the_scanning_ones() {
        for text in [&b""[..], b"\n", b"ab\ncd\n\nef", b"\n\nx\r\ny"] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() {
                assert_eq!(
                    index.position(offset),
                    Position::of_offset(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }
}
