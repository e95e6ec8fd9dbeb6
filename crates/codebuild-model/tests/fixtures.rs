//! Every fixture parses, and round-trips: deserialize -> serialize -> deserialize.

mod common;

use codebuild_model::{
    BatchGetBuildsResponse, Build, BuildPhaseType, ComputeType, EnvironmentType, SourceType,
    StatusType, from_slice, from_str,
};
use common::{fixtures, parse_builds, testdata};

fn round_trip(path: &std::path::Path) {
    let bytes = std::fs::read(path).unwrap();
    let first = parse_builds(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = serde_json::to_string(&first).unwrap();
    let second: Vec<Build> = from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(first, second, "{}", path.display());
    // The canonical form is a fixed point.
    assert_eq!(serde_json::to_string(&second).unwrap(), text);
}

#[test]
fn valid_dumps_round_trip() {
    for path in fixtures("responses") {
        round_trip(&path);
    }
}

#[test]
fn lenient_dumps_parse_and_round_trip() {
    for path in fixtures("lenient") {
        round_trip(&path);
    }
}

#[test]
fn whole_responses_round_trip_with_metadata() {
    for path in fixtures("responses") {
        let bytes = std::fs::read(&path).unwrap();
        if bytes.trim_ascii_start().starts_with(b"[") {
            continue;
        }
        let r: BatchGetBuildsResponse = from_slice(&bytes).unwrap();
        let again: BatchGetBuildsResponse = from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(r, again, "{}", path.display());
    }
}

#[test]
fn documentation_example_has_the_documented_values() {
    let bytes = std::fs::read(testdata().join("responses/doc-expected-output.json")).unwrap();
    let r: BatchGetBuildsResponse = from_slice(&bytes).unwrap();
    assert_eq!(r.builds().len(), 2);
    let b = &r.builds()[0];
    assert_eq!(
        b.id.as_deref(),
        Some("codebuild-demo-project:9b0ac37f-d19e-4254-9079-f47e9a389eEX")
    );
    assert_eq!(b.build_status, Some(StatusType::Succeeded));
    assert_eq!(
        b.end_time.unwrap().to_string(),
        "2016-11-22T16:34:34.764000Z"
    );
    assert_eq!(b.start_time.unwrap().unix_micros(), 1_479_832_341_854_000);
    let env = b.environment.as_ref().unwrap();
    assert_eq!(env.compute_type, Some(ComputeType::BuildGeneral1Small));
    assert_eq!(env.r#type, Some(EnvironmentType::LinuxContainer));
    assert_eq!(env.environment_variables, Some(vec![]));
    assert_eq!(b.phases().len(), 10);
    let provisioning = &b.phases()[1];
    assert_eq!(provisioning.phase_type, Some(BuildPhaseType::Provisioning));
    assert_eq!(provisioning.duration_in_seconds, Some(72));
    assert_eq!(provisioning.contexts, Some(vec![]));
    assert_eq!(b.phases()[0].contexts, None);
    let completed = b.phases().last().unwrap();
    assert_eq!(completed.phase_type, Some(BuildPhaseType::Completed));
    assert_eq!(completed.end_time, None);
    assert_eq!(b.source.as_ref().unwrap().r#type, Some(SourceType::S3));
    assert_eq!(b.source.as_ref().unwrap().buildspec.as_deref(), Some(""));
}

#[test]
fn unknown_values_are_kept_verbatim() {
    let bytes = std::fs::read(testdata().join("lenient/unknown-enum-values.json")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let builds = parse_builds(text.as_bytes()).unwrap();
    let out = serde_json::to_string(&builds).unwrap();
    for value in [
        "PENDING_APPROVAL",
        "BUILD_GENERAL1_4XLARGE",
        "WARMUP",
        "LINUX_RISCV_CONTAINER",
        "SOURCEHUT",
    ] {
        assert!(text.contains(value), "fixture lacks {value}");
        assert!(out.contains(&format!("\"{value}\"")), "{value} lost");
    }
    let status = builds.iter().find_map(|b| b.build_status.clone()).unwrap();
    assert!(!status.is_known());
    assert_eq!(status.as_str(), "PENDING_APPROVAL");
}

#[test]
fn wrong_types_name_the_field_path() {
    let cases = [
        (
            r#"{"builds": [{"id": "a", "buildNumber": "12"}]}"#,
            "builds[0].buildNumber",
            "invalid type: string \"12\", expected i64",
        ),
        (
            r#"{"builds": [{"phases": [{}, {"durationInSeconds": "72"}]}]}"#,
            "builds[0].phases[1].durationInSeconds",
            "invalid type: string \"72\", expected i64",
        ),
        (
            r#"{"builds": [{"phases": [{"contexts": [{"statusCode": 42}]}]}]}"#,
            "builds[0].phases[0].contexts[0].statusCode",
            "invalid type: integer `42`, expected a string",
        ),
        (
            r#"{"builds": [{"startTime": "yesterday"}]}"#,
            "builds[0].startTime",
            "invalid timestamp \"yesterday\"",
        ),
        (
            r#"{"builds": [{"environment": {"computeConfiguration": {"vCpu": 1.5}}}]}"#,
            "builds[0].environment.computeConfiguration.vCpu",
            "invalid type: floating point `1.5`, expected i64",
        ),
        (
            r#"{"builds": [{"buildNumber": 99999999999999999999}]}"#,
            "builds[0].buildNumber",
            "expected i64",
        ),
        (
            r#"{"builds": [{"buildStatus": 3}]}"#,
            "builds[0].buildStatus",
            "expected a StatusType string",
        ),
        (
            r#"{"builds": {"id": "x"}}"#,
            "builds",
            "expected a sequence",
        ),
        (
            r#"{"builds": [null]}"#,
            "builds[0]",
            "expected struct Build",
        ),
    ];
    for (json, path, message) in cases {
        let err = from_str::<BatchGetBuildsResponse>(json).unwrap_err();
        assert_eq!(err.path(), path, "{json}: {err}");
        assert!(err.message().contains(message), "{json}: {err}");
        assert_eq!(err.line(), 1);
        assert!(err.column() > 0);
        assert!(
            err.to_string()
                .starts_with(&format!("1:{}: {path}: ", err.column()))
        );
    }
}

#[test]
fn leniency_null_empty_and_missing() {
    // (json of a build, expected `phases`, expected `environment` presence)
    let cases: [(&str, Option<usize>, bool); 5] = [
        (r#"{"phases": []}"#, Some(0), false),
        (r#"{"phases": null}"#, None, false),
        (r#"{}"#, None, false),
        (r#"{"phases": [{}], "environment": null}"#, Some(1), false),
        (
            r#"{"environment": {}, "unknownThing": {"a": [1, 2]}}"#,
            None,
            true,
        ),
    ];
    for (json, phases, has_env) in cases {
        let b: Build = from_str(json).unwrap();
        assert_eq!(b.phases.as_ref().map(Vec::len), phases, "{json}");
        assert_eq!(b.phases().len(), phases.unwrap_or(0), "{json}");
        assert_eq!(b.environment.is_some(), has_env, "{json}");
    }
    // Absent and empty lists serialize differently, so they survive a round trip.
    let empty: Build = from_str(r#"{"reportArns": []}"#).unwrap();
    let absent: Build = from_str(r#"{"reportArns": null}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&empty).unwrap(),
        r#"{"reportArns":[]}"#
    );
    assert_eq!(serde_json::to_string(&absent).unwrap(), "{}");
}

#[test]
fn trailing_garbage_and_truncation_are_errors() {
    let err = from_str::<Build>(r#"{"id": "a"} x"#).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    let err = from_str::<Build>(r#"{"id": "a", "phases": [{"#).unwrap_err();
    assert!(err.is_eof(), "{err}");
    // Unknown members are skipped without recursion: any depth is safe there.
    let deep = format!(
        "{{\"id\": \"a\", \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(from_str::<Build>(&deep).unwrap().id.as_deref(), Some("a"));
    // Unbalanced, it is a syntax error, not a stack overflow.
    let deep = format!("{{\"x\": {}", "[".repeat(100_000));
    assert!(from_str::<Build>(&deep).unwrap_err().is_syntax());
}
