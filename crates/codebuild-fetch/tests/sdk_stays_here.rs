//! The AWS SDK is a dependency of this crate (and so of the CLI), never of
//! the default builds of `codebuild-model` and `codebuild-analytics`; the
//! model's SDK conversions (feature `aws-sdk`) are opt-in, and no normal
//! build of the workspace turns them on.

use std::process::Command;

/// The lines of `cargo tree --locked --prefix none -p package ARGS...`.
fn tree(package: &str, args: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--prefix", "none", "-p", package])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The crates in the normal (non-dev, non-build) dependency tree of
/// `package` with its default features (and `args`), from `cargo tree`.
fn normal_dependencies_with(package: &str, args: &[&str]) -> Vec<String> {
    let args = [&["-e", "normal"], args].concat();
    tree(package, &args)
        .iter()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn normal_dependencies(package: &str) -> Vec<String> {
    normal_dependencies_with(package, &[])
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

#[test]
fn the_models_sdk_conversions_are_opt_in() {
    // The feature brings the SDK in (its types, nothing of fetch).
    let deps = normal_dependencies_with("codebuild-model", &["--features", "aws-sdk"]);
    assert!(deps.iter().any(|c| c == "aws-sdk-codebuild"), "{deps:?}");
    assert!(!deps.iter().any(|c| c == "codebuild-fetch"), "{deps:?}");
    // No normal build of a workspace crate turns it on (only this crate's
    // tests do, to run the conversions' tests).
    for package in [
        "codebuild-model",
        "codebuild-analytics",
        "codebuild-fetch",
        "codebuild-cli",
    ] {
        let lines = tree(package, &["-e", "normal,features", "-i", "codebuild-model"]);
        let features: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("codebuild-model feature "))
            .collect();
        assert!(!features.is_empty(), "{package}: {lines:?}");
        assert!(
            !features.iter().any(|l| l.contains("\"aws-sdk\"")),
            "{package} builds the model with {features:?}"
        );
    }
}
