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

/// `cbstats` run with its arguments from the workspace root; its standard
/// output, or a panic with its standard error.
pub fn run_ok(args: &[&str]) -> String {
    let out = cbstats().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "cbstats {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `cbstats` as a plain process (for tests that set its directory and
/// environment themselves), run from the workspace root without colours.
pub fn cbstats_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("cbstats"));
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd`; its standard output, or a panic with its standard error.
pub fn run_process(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The interpreter of the virtual environment `.ci/deps` makes:
/// `CBSTATS_PYTHON`, else the venv under `CBSTATS_TEST_CACHE` (or
/// `~/.cache/cbstats-test`).
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CBSTATS_PYTHON") {
        return p.into();
    }
    let cache = std::env::var_os("CBSTATS_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is not set");
            Path::new(&home).join(".cache/cbstats-test")
        });
    cache.join("venv/bin/python")
}
