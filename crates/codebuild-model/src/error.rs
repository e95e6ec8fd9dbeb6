//! Parsing JSON text into model types with errors that name the field path.

use std::fmt;

use serde::de::DeserializeOwned;

/// A JSON value that could not be read as a model type.
///
/// Names the field path (`builds[0].phases[2].durationInSeconds`), the
/// 1-based line and column in the text, and what was wrong.
#[derive(Debug)]
pub struct Error {
    path: String,
    line: usize,
    column: usize,
    message: String,
    category: serde_json::error::Category,
}

impl Error {
    /// The field path of the offending value (`.` for the top level).
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The 1-based line of the offending value (0 when unknown).
    pub fn line(&self) -> usize {
        self.line
    }
    /// The 1-based column of the offending value (0 when unknown).
    pub fn column(&self) -> usize {
        self.column
    }
    /// What was wrong, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// `true` when the text is not valid JSON (syntax, truncation, encoding),
    /// `false` when it is JSON of the wrong shape.
    pub fn is_syntax(&self) -> bool {
        matches!(
            self.category,
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        )
    }
    /// `true` when the text ended too early.
    pub fn is_eof(&self) -> bool {
        self.category == serde_json::error::Category::Eof
    }

    fn new(path: String, inner: serde_json::Error) -> Self {
        let (line, column) = (inner.line(), inner.column());
        let mut message = inner.to_string();
        let suffix = format!(" at line {line} column {column}");
        if let Some(stripped) = message.strip_suffix(&suffix) {
            message.truncate(stripped.len());
        }
        Error {
            path,
            line,
            column,
            message,
            category: inner.classify(),
        }
    }

    /// Wraps an error of a deserializer run through `serde_path_to_error`.
    pub fn from_path_error(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        Self::new(path, e.into_inner())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if self.path != "." && !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Parses JSON bytes into `T`, naming the field path on error.
///
/// Trailing non-whitespace after the value is an error. Decoded values may
/// nest at most 128 levels (serde_json's limit) and unknown members are
/// delimited without recursion (and kept as text, see [`crate::UnknownMembers`]),
/// so hostile input cannot exhaust the stack.
///
/// ```
/// let err = codebuild_model::from_slice::<codebuild_model::Build>(br#"{"buildNumber": "12"}"#)
///     .unwrap_err();
/// assert_eq!(err.path(), "buildNumber");
/// assert_eq!(err.to_string(), r#"1:20: buildNumber: invalid type: string "12", expected i64"#);
/// ```
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(Error::from_path_error)?;
    de.end().map_err(|e| Error::new(".".into(), e))?;
    Ok(value)
}

/// Parses JSON text into `T`, naming the field path on error. See [`from_slice`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    from_slice(text.as_bytes())
}
