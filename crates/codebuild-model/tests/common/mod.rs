//! Shared helpers of the model's integration tests: where the fixtures are.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

/// The repository's `testdata/` folder.
pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The `.json` files of `testdata/<dir>`, sorted; fails when there are none.
pub fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = testdata().join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// The builds of a fixture: a response object, or a JSON array of builds.
pub fn parse_builds(bytes: &[u8]) -> Result<Vec<codebuild_model::Build>, codebuild_model::Error> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        codebuild_model::from_slice(bytes)
    } else {
        let r: codebuild_model::BatchGetBuildsResponse = codebuild_model::from_slice(bytes)?;
        Ok(r.builds.unwrap_or_default())
    }
}
