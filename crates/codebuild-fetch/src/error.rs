//! Errors that stop a fetch (a failed call for one project does not: see `Summary::errors`).

use std::path::{Path, PathBuf};

/// Why a fetch could not run or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Reading or writing a file of the archive failed.
    #[error("{}: {what}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// The state file is not one this version wrote, or is damaged.
    #[error(
        "{}:{line}: {message} (run with --rebuild-state to rebuild it from the archive)",
        path.display()
    )]
    State {
        /// The state file.
        path: PathBuf,
        /// Its line (1-based).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Another fetch is writing to the same archive.
    #[error(
        "{}: another `cbstats fetch` is writing to this archive (the state file is locked)",
        path.display()
    )]
    Locked {
        /// The state file.
        path: PathBuf,
    },
    /// No region was given or configured.
    #[error(
        "no AWS region: pass --region, set AWS_REGION, or set `region` in the profile (~/.aws/config)"
    )]
    NoRegion,
    /// A call that the whole run depends on (ListProjects) failed.
    #[error("{operation}: {message}")]
    Service {
        /// The CodeBuild operation.
        operation: &'static str,
        /// The SDK's error, with its causes.
        message: String,
    },
}

impl FetchError {
    pub(crate) fn io(path: &Path, what: &'static str, source: std::io::Error) -> Self {
        FetchError::Io {
            path: path.to_path_buf(),
            what,
            source,
        }
    }
}
