//! Failure reasons and recovery from saved JSON through the loader: the
//! review's minimal repros (empty `statusCode`, overlapping builds, a failure
//! without `endTime`), end to end.

use codebuild_analytics::analysis::{failures, recovery};
use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, Filters, LoadOptions};
use serde_json::{Value, json};

/// 2024-05-01T10:00:00Z in epoch seconds.
const T: f64 = 1_714_557_600.0;

/// A completed build of project `p` on `main` started and ended `start` /
/// `end` seconds after [`T`] (`end` None: no `endTime`); a failure gets a
/// failed BUILD phase with `contexts`.
fn build(id: &str, status: &str, start: f64, end: Option<f64>, contexts: Value) -> Value {
    let phase_status = if status == "SUCCEEDED" {
        "SUCCEEDED"
    } else {
        "FAILED"
    };
    let mut b = json!({
        "id": format!("p:{id}"),
        "arn": format!("arn:aws:codebuild:us-east-1:123456789012:build/p:{id}"),
        "projectName": "p",
        "sourceVersion": "main",
        "buildStatus": status,
        "buildComplete": true,
        "startTime": T + start,
        "phases": [{"phaseType": "BUILD", "phaseStatus": phase_status, "contexts": contexts}],
    });
    if let Some(end) = end {
        b["endTime"] = json!(T + end);
    }
    b
}

fn load(builds: Vec<Value>) -> Archive {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("builds.json");
    std::fs::write(&path, json!({ "builds": builds }).to_string()).unwrap();
    Archive::load(&[path], &LoadOptions::default()).unwrap()
}

fn f64s(df: &DataFrame, c: &str) -> Vec<Option<f64>> {
    df.column(c).unwrap().f64().unwrap().iter().collect()
}

fn i64s(df: &DataFrame, c: &str) -> Vec<Option<i64>> {
    df.column(c).unwrap().i64().unwrap().iter().collect()
}

#[test]
fn an_empty_status_code_groups_with_a_missing_one() {
    let a = load(vec![
        build(
            "1",
            "FAILED",
            0.0,
            Some(5.0),
            json!([{"statusCode": "", "message": "boom 12345"}]),
        ),
        build(
            "2",
            "FAILED",
            10.0,
            Some(15.0),
            json!([{"message": "boom 67890"}]),
        ),
    ]);
    let out = failures::top_failure_reasons(&a.frames, &Filters::default(), 10).unwrap();
    // One reason (null, "boom <n>") of both failures.
    let code = out.column("failureStatusCode").unwrap().str().unwrap();
    assert_eq!(code.iter().collect::<Vec<_>>(), [None]);
    let msg = out.column("normalizedMessage").unwrap().str().unwrap();
    assert_eq!(msg.iter().collect::<Vec<_>>(), [Some("boom <n>")]);
    assert_eq!(i64s(&out, "count"), [Some(2)]);
}

#[test]
fn overlapping_builds_give_a_negative_red_period() {
    // F(0, 3052) S(10, 162): red from 3052 to 162 = -2890 s.
    let a = load(vec![
        build("1", "FAILED", 0.0, Some(3052.0), json!([])),
        build("2", "SUCCEEDED", 10.0, Some(162.0), json!([])),
    ]);
    let s = recovery::recovery_summary(&a.frames, &Filters::default()).unwrap();
    assert_eq!(f64s(&s, "mttrSeconds"), [Some(-2890.0)]);
    assert_eq!(f64s(&s, "redSeconds"), [Some(-2890.0)]);
    // span: last build (by start) ends at 162 - first start 0.
    assert_eq!(f64s(&s, "spanSeconds"), [Some(162.0)]);
    assert_eq!(f64s(&s, "redShare"), [Some(-2890.0 / 162.0)]);
}

#[test]
fn a_failure_without_end_time_stays_in_the_sequence() {
    // S(0, 152) F(500, -) F(1000, 1152) S(1500, 1652).
    let a = load(vec![
        build("1", "SUCCEEDED", 0.0, Some(152.0), json!([])),
        build("2", "FAILED", 500.0, None, json!([])),
        build("3", "FAILED", 1000.0, Some(1152.0), json!([])),
        build("4", "SUCCEEDED", 1500.0, Some(1652.0), json!([])),
    ]);
    let s = recovery::recovery_summary(&a.frames, &Filters::default()).unwrap();
    // One streak of 2; pairs after a failure (F, F) (F, S) -> 1/2.
    assert_eq!(i64s(&s, "maxStreak"), [Some(2)]);
    assert_eq!(f64s(&s, "pFailAfterFail"), [Some(0.5)]);
    // One period, opened by the failure without endTime: length unknown.
    assert_eq!(i64s(&s, "redPeriods"), [Some(1)]);
    assert_eq!(f64s(&s, "mttrSeconds"), [None]);
    assert_eq!(f64s(&s, "redSeconds"), [Some(0.0)]);
    // span 1652 - 0.
    assert_eq!(f64s(&s, "spanSeconds"), [Some(1652.0)]);
    let p = recovery::red_periods(&a.frames, &Filters::default()).unwrap();
    assert_eq!(p.column("start").unwrap().null_count(), 1);
    assert_eq!(f64s(&p, "seconds"), [None]);
    assert_eq!(i64s(&p, "failures"), [Some(2)]);
}
