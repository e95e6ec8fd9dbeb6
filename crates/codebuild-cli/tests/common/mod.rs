//! What the integration tests of `cbstats` share: the workspace root, the
//! binary set up to run from it, and a report without its `source`.
// Each test crate uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The workspace root: fixtures are given relative to it so that error lines are stable.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `cbstats`, run from the workspace root, without colours and with the
/// default width (`COLUMNS` unset).
pub fn cbstats() -> Command {
    let mut cmd = Command::cargo_bin("cbstats").unwrap();
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS");
    cmd
}

/// A JSON report without its `source` member (the paths it was made from),
/// to compare reports made from different copies of the same archive.
pub fn without_source(report: &str) -> String {
    report
        .lines()
        .filter(|l| !l.starts_with("  \"source\": "))
        .collect::<Vec<_>>()
        .join("\n")
}
