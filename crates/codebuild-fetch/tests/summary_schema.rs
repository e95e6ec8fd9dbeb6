//! The committed schema of the fetch summary is current.

use std::path::PathBuf;

const REFRESH: &str = "UPDATE_SCHEMAS=1 cargo test -p codebuild-fetch --test summary_schema";

#[test]
fn committed_summary_schema_is_current() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/fetch-summary.schema.json");
    let want = codebuild_model::schema_text(&codebuild_fetch::summary_schema());
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale or missing; refresh it with:\n    {REFRESH}",
        path.display()
    );
}
