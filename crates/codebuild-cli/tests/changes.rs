//! `cbstats changes` and the report's recent changes on a generated archive
//! with planted changes (BUILD phase 2x and failure rate 3% -> 24% in the
//! biggest project from 2024-01-21): every format, the filters, the
//! committed schemas.

mod common;

use common::{cbstats, root, run_ok as run};
use serde_json::Value;
use time::macros::date;

fn archive() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cfg = codebuild_bench::GenConfig {
        builds: 6_000,
        seed: 7,
        projects: 6,
        start: date!(2024 - 01 - 01),
        days: 40,
        format: codebuild_bench::FormatChoice::Only(codebuild_bench::Form::Epoch),
        plant: Some(codebuild_bench::Plant {
            project: 0,
            from: Some(date!(2024 - 01 - 21)),
            build_factor_percent: Some(200),
            base_fail_permille: Some(30),
            fail_permille: Some(200),
            new_reason_permille: Some(50),
        }),
        ..Default::default()
    };
    codebuild_bench::generate(&cfg, dir.path()).unwrap();
    dir
}

fn validator(file: &str) -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("schemas").join(file)).unwrap())
            .unwrap();
    jsonschema::draft202012::new(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, value: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

#[test]
fn changes_in_every_format_and_filtered() {
    let dir = archive();
    let path = dir.path().to_str().unwrap();
    let json: Value = serde_json::from_str(&run(&["changes", path, "--format", "json"])).unwrap();
    assert_valid(&validator("changes.schema.json"), &json, "changes JSON");
    let list = json["changes"].as_array().unwrap();
    // Build duration, BUILD phase, success rate of the planted project.
    assert_eq!(list.len(), 3, "{json:#}");
    let project = list[0]["project"].as_str().unwrap().to_owned();
    let mut metrics: Vec<&str> = list
        .iter()
        .map(|c| {
            assert_eq!(c["project"], project.as_str());
            assert!(c["at"].as_str().unwrap().starts_with("2024-01-21T"), "{c}");
            c["metric"].as_str().unwrap()
        })
        .collect();
    metrics.sort();
    assert_eq!(metrics, ["buildDuration", "phaseDuration", "successRate"]);
    let phase = list
        .iter()
        .find(|c| c["metric"] == "phaseDuration")
        .unwrap();
    assert_eq!(phase["phase"], "BUILD");
    let id = phase["firstBuild"]["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{project}:")), "{id}");
    assert_eq!(
        phase["firstBuild"]["resolvedSourceVersion"]
            .as_str()
            .unwrap()
            .len(),
        40
    );

    // Text at 80 columns: every change as an item, nothing wider.
    let text = run(&["changes", path, "--width", "80"]);
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    assert!(
        text.contains(&format!("{project}  BUILD phase: ")),
        "{text}"
    );
    assert!(text.contains("First build after it:"), "{text}");
    assert!(text.contains(id), "{text}");
    assert!(text.starts_with(&format!("Change points: {path}\n3 changes in ")));
    let md = run(&["changes", path, "--format", "markdown"]);
    assert!(md.contains("\n1. 2024-01-21 "), "{md}");

    // Filters: another project, or only the builds after the change.
    let other: Value = serde_json::from_str(&run(&[
        "changes",
        path,
        "--format",
        "json",
        "--project",
        "no-such-project",
    ]))
    .unwrap();
    assert_eq!(other["changes"].as_array().unwrap().len(), 0);
    assert_eq!(other["series"], 0);
    let after: Value = serde_json::from_str(&run(&[
        "changes",
        path,
        "--format",
        "json",
        "--since",
        "2024-01-22",
    ]))
    .unwrap();
    assert_eq!(after["changes"].as_array().unwrap().len(), 0, "{after:#}");
    let text = run(&["changes", path, "--since", "2024-01-22"]);
    assert!(text.contains("No change of level found."), "{text}");
}

#[test]
fn the_report_lists_the_recent_changes() {
    let dir = archive();
    let path = dir.path().to_str().unwrap();
    let json: Value = serde_json::from_str(&run(&["report", path, "--format", "json"])).unwrap();
    assert_valid(&validator("report.schema.json"), &json, "report JSON");
    let c = &json["summary"]["changes"];
    assert_eq!(c["total"], 3);
    assert_eq!(c["recentDays"], 28);
    let rows = c["recent"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    // By impact: the slower builds (hours of build time) first.
    let impacts: Vec<f64> = rows
        .iter()
        .map(|r| r["impactMinutes"].as_f64().unwrap().abs())
        .collect();
    assert!(impacts.windows(2).all(|w| w[0] >= w[1]), "{impacts:?}");
    let text = run(&["report", path, "--width", "80"]);
    let section = text
        .split("\nRecent changes\n")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap();
    assert!(
        section.starts_with("3 changes of level in the last 28 days (3 in all), by impact"),
        "{section}"
    );
    assert_eq!(section.matches("2024-01-21").count(), 3, "{section}");
    assert!(section.contains("success rate"), "{section}");
    // --top 1 keeps one row and says what is left.
    let text = run(&["report", path, "--top", "1"]);
    assert!(
        text.contains("… and 2 more recent changes (--top N, --all; cbstats changes)"),
        "{text}"
    );
}

#[test]
fn changes_refuses_bad_arguments() {
    let out = cbstats()
        .args(["changes", "testdata/sample-archive", "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since"));
    let out = cbstats()
        .args(["changes", "no/such/archive"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
