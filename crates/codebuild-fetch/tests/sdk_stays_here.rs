//! The AWS SDK is a dependency of this crate (and so of the CLI), never of
//! the default builds of `codebuild-model` and `codebuild-analytics`.

use std::process::Command;

/// The crates in the normal (non-dev, non-build) dependency tree of
/// `package` with its default features, from `cargo tree`.
fn normal_dependencies(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree", "--locked", "-e", "normal", "--prefix", "none", "-p", package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

#[test]
fn model_and_analytics_build_without_the_sdk() {
    let fetch = normal_dependencies("codebuild-fetch");
    assert!(fetch.iter().any(|c| c == "aws-sdk-codebuild"), "{fetch:?}");
    for package in ["codebuild-model", "codebuild-analytics"] {
        let deps = normal_dependencies(package);
        assert!(deps.iter().any(|c| c == package), "{deps:?}");
        let sdk: Vec<_> = deps
            .iter()
            .filter(|c| c.starts_with("aws-") || *c == "codebuild-fetch")
            .collect();
        assert!(sdk.is_empty(), "{package} depends on {sdk:?}");
    }
}
