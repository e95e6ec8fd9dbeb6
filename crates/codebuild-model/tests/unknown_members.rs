//! Members the model does not know survive a read and a write, in the
//! object they came from; the JSON Schema stays strict; what the model
//! accepts is unchanged.

mod common;

use std::collections::BTreeSet;

use codebuild_model::{BatchGetBuildsResponse, Build, UnknownMembers, from_slice, from_str};
use common::testdata;
use serde_json::Value;
use serde_json::value::RawValue;

fn fixture() -> (Vec<u8>, Value) {
    let bytes = std::fs::read(testdata().join("future/future-members.json")).unwrap();
    let value = serde_json::from_slice(&bytes).unwrap();
    (bytes, value)
}

/// Every unknown member of the fixture, by the JSON Pointer of its object,
/// as listed in `testdata/future/README.md`.
const UNKNOWN: &[(&str, &[&str])] = &[
    ("", &["nextToken", "archivedBy"]),
    ("/builds/0", &["buildPriority", "sandboxConfig", "x-deep"]),
    ("/builds/0/phases/1", &["warmPoolId"]),
    ("/builds/0/phases/2", &["retryable", "attempts"]),
    ("/builds/0/phases/2/contexts/0", &["exitCode", "logOffset"]),
    ("/builds/0/source", &["sparseCheckout"]),
    ("/builds/0/source/gitSubmodulesConfig", &["recursive"]),
    ("/builds/0/source/auth", &["scopes"]),
    ("/builds/0/source/buildStatusConfig", &["style"]),
    ("/builds/0/secondarySourceVersions/0", &["resolvedAt"]),
    ("/builds/0/artifacts", &["compression"]),
    ("/builds/0/cache", &["ttlInDays"]),
    ("/builds/0/environment", &["acceleratorType"]),
    ("/builds/0/environment/computeConfiguration", &["gpu"]),
    (
        "/builds/0/environment/environmentVariables/0",
        &["sensitive"],
    ),
    ("/builds/0/environment/fleet", &["fleetName"]),
    ("/builds/0/environment/registryCredential", &["rotatedAt"]),
    ("/builds/0/environment/dockerServer", &["capacity"]),
    ("/builds/0/environment/dockerServer/status", &["since"]),
    ("/builds/0/logs", &["retentionInDays"]),
    ("/builds/0/logs/cloudWatchLogs", &["retention"]),
    ("/builds/0/logs/s3Logs", &["lifecycle"]),
    ("/builds/0/vpcConfig", &["ipv6"]),
    ("/builds/0/networkInterface", &["privateIp"]),
    ("/builds/0/exportedEnvironmentVariables/0", &["exportedAt"]),
    ("/builds/0/fileSystemLocations/0", &["throughput"]),
    ("/builds/0/debugSession", &["idleTimeout"]),
    ("/builds/0/autoRetryConfig", &["reason"]),
];

/// The model's unknown members of each object of the fixture, by pointer.
fn model_unknown(r: &BatchGetBuildsResponse) -> Vec<(&'static str, &UnknownMembers)> {
    let b = &r.builds()[0];
    let src = b.source.as_ref().unwrap();
    let env = b.environment.as_ref().unwrap();
    let docker = env.docker_server.as_ref().unwrap();
    let logs = b.logs.as_ref().unwrap();
    vec![
        ("", &r.unknown_members),
        ("/builds/0", &b.unknown_members),
        ("/builds/0/phases/1", &b.phases()[1].unknown_members),
        ("/builds/0/phases/2", &b.phases()[2].unknown_members),
        (
            "/builds/0/phases/2/contexts/0",
            &b.phases()[2].contexts()[0].unknown_members,
        ),
        ("/builds/0/source", &src.unknown_members),
        (
            "/builds/0/source/gitSubmodulesConfig",
            &src.git_submodules_config.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/source/auth",
            &src.auth.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/source/buildStatusConfig",
            &src.build_status_config.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/secondarySourceVersions/0",
            &b.secondary_source_versions()[0].unknown_members,
        ),
        (
            "/builds/0/artifacts",
            &b.artifacts.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/cache",
            &b.cache.as_ref().unwrap().unknown_members,
        ),
        ("/builds/0/environment", &env.unknown_members),
        (
            "/builds/0/environment/computeConfiguration",
            &env.compute_configuration.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/environment/environmentVariables/0",
            &env.environment_variables()[0].unknown_members,
        ),
        (
            "/builds/0/environment/fleet",
            &env.fleet.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/environment/registryCredential",
            &env.registry_credential.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/environment/dockerServer",
            &docker.unknown_members,
        ),
        (
            "/builds/0/environment/dockerServer/status",
            &docker.status.as_ref().unwrap().unknown_members,
        ),
        ("/builds/0/logs", &logs.unknown_members),
        (
            "/builds/0/logs/cloudWatchLogs",
            &logs.cloud_watch_logs.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/logs/s3Logs",
            &logs.s3_logs.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/vpcConfig",
            &b.vpc_config.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/networkInterface",
            &b.network_interface.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/exportedEnvironmentVariables/0",
            &b.exported_environment_variables()[0].unknown_members,
        ),
        (
            "/builds/0/fileSystemLocations/0",
            &b.file_system_locations()[0].unknown_members,
        ),
        (
            "/builds/0/debugSession",
            &b.debug_session.as_ref().unwrap().unknown_members,
        ),
        (
            "/builds/0/autoRetryConfig",
            &b.auto_retry_config.as_ref().unwrap().unknown_members,
        ),
    ]
}

/// The fixture without its unknown members, removed from the JSON value
/// by pointer (independently of the model).
fn without_unknown(mut v: Value) -> Value {
    for (at, names) in UNKNOWN {
        let object = v.pointer_mut(at).unwrap().as_object_mut().unwrap();
        for name in *names {
            assert!(object.remove(*name).is_some(), "{at}/{name}");
        }
    }
    v
}

#[test]
fn a_dump_with_future_members_round_trips_as_the_same_json_value() {
    let (bytes, value) = fixture();
    let r: BatchGetBuildsResponse = from_slice(&bytes).unwrap();
    for text in [
        serde_json::to_string(&r).unwrap(),
        serde_json::to_string_pretty(&r).unwrap(),
    ] {
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
        // And read again, the same record.
        assert_eq!(from_str::<BatchGetBuildsResponse>(&text).unwrap(), r);
    }
    // Writing the read record again gives the same text: a fixed point.
    let once = serde_json::to_string(&r).unwrap();
    let twice = serde_json::to_string(&from_str::<BatchGetBuildsResponse>(&once).unwrap()).unwrap();
    assert_eq!(once, twice);
}

#[test]
fn each_unknown_member_is_kept_in_its_own_object() {
    let (bytes, value) = fixture();
    let r: BatchGetBuildsResponse = from_slice(&bytes).unwrap();
    let got = model_unknown(&r);
    assert_eq!(got.len(), UNKNOWN.len());
    let mut members = 0;
    for ((at, kept), (want_at, names)) in got.iter().zip(UNKNOWN) {
        assert_eq!(at, want_at);
        assert_eq!(kept.names().collect::<Vec<_>>(), *names, "{at}");
        for name in *names {
            let raw = kept.get(name).unwrap();
            let want = value.pointer(&format!("{at}/{name}")).unwrap();
            assert_eq!(
                &serde_json::from_str::<Value>(raw.get()).unwrap(),
                want,
                "{at}/{name}"
            );
            members += 1;
        }
    }
    assert_eq!(members, 33);
    // Kept as written: the text of the file, not a re-rendering.
    let sandbox = r.builds()[0].unknown_members.get("sandboxConfig").unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains(sandbox.get()), "{}", sandbox.get());
    assert!(sandbox.get().contains("1e-07") && sandbox.get().contains("12345678901234567890"));
    let deep = r.builds()[0].unknown_members.get("x-deep").unwrap().get();
    assert_eq!(deep, format!("{}{}", "[".repeat(100), "]".repeat(100)));
    // The unknown enum values are kept too.
    assert_eq!(
        r.builds()[0].phases()[1]
            .phase_type
            .as_ref()
            .unwrap()
            .as_str(),
        "WARMUP"
    );
}

#[test]
fn known_members_read_as_if_the_unknown_ones_were_absent() {
    let (bytes, value) = fixture();
    let mut r: BatchGetBuildsResponse = from_slice(&bytes).unwrap();
    let stripped = without_unknown(value);
    let known: BatchGetBuildsResponse =
        from_str(&serde_json::to_string(&stripped).unwrap()).unwrap();
    assert_ne!(r, known);
    r.clear_unknown_members();
    assert_eq!(r, known);
    // Nothing unknown is left anywhere.
    assert!(model_unknown(&r).iter().all(|(_, u)| u.is_empty()));
    assert_eq!(
        serde_json::from_str::<Value>(&serde_json::to_string(&r).unwrap()).unwrap(),
        stripped
    );
}

/// The instance paths of the schema's errors for `v`.
fn schema_errors(v: &Value) -> BTreeSet<String> {
    let schema = codebuild_model::response_schema();
    let validator = jsonschema::draft202012::new(schema.as_value()).unwrap();
    validator
        .iter_errors(v)
        .map(|e| e.instance_path().to_string())
        .collect()
}

#[test]
fn the_schema_stays_strict() {
    let (_, value) = fixture();
    let enums = ["/builds/0/cache/modes/1", "/builds/0/phases/1/phaseType"];
    // Each object with an unknown member, and each unknown enum value.
    let want: BTreeSet<String> = UNKNOWN
        .iter()
        .map(|(at, _)| at.to_string())
        .chain(enums.map(String::from))
        .collect();
    assert_eq!(schema_errors(&value), want);
    // Written back by the model, the same errors.
    let r: BatchGetBuildsResponse = from_str(&serde_json::to_string(&value).unwrap()).unwrap();
    let back: Value = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(schema_errors(&back), want);
    // Without its unknown members, only the two enum values are errors.
    assert_eq!(
        schema_errors(&without_unknown(value)),
        enums.map(String::from).into_iter().collect()
    );
}

fn build(json: &str) -> Build {
    from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

#[test]
fn equality_compares_unknown_members_as_json_values() {
    let equal = [
        (
            r#"{"x": {"a": 1, "b": [1, 2]}}"#,
            r#"{"x":{"b":[1,2],"a":1}}"#,
        ),
        (r#"{"x": 1, "y": 2}"#, r#"{"y": 2, "x": 1}"#),
        (r#"{"id": "a", "x": "\u00e9"}"#, r#"{"x": "é", "id": "a"}"#),
        (r#"{"x": 1.50}"#, r#"{"x": 1.5}"#),
    ];
    for (a, b) in equal {
        assert_eq!(build(a), build(b), "{a} vs {b}");
    }
    let unequal = [
        (r#"{"x": 1}"#, r#"{"x": 2}"#),
        (r#"{"x": 1}"#, r#"{"y": 1}"#),
        (r#"{"x": 1}"#, r#"{}"#),
        (r#"{"x": null}"#, r#"{}"#),
        (r#"{"x": 1}"#, r#"{"x": 1.0}"#),
        (r#"{"x": [1, 2]}"#, r#"{"x": [2, 1]}"#),
        (r#"{"x": 1, "y": 1}"#, r#"{"x": 1, "z": 1}"#),
    ];
    for (a, b) in unequal {
        assert_ne!(build(a), build(b), "{a} vs {b}");
    }
    // Nested past the recursion limit, a value equals its own text only.
    let deep = |sep: &str| format!(r#"{{"x": {}{sep}{}}}"#, "[".repeat(200), "]".repeat(200));
    assert_eq!(build(&deep("")), build(&deep("")));
    assert_ne!(build(&deep("")), build(&deep(" ")));
}

#[test]
fn unknown_members_are_written_after_the_known_ones_in_read_order() {
    let b = build(r#"{"zeta": [], "id": "p:1", "alpha": {"k": 1}, "buildNumber": 7, "mid": null}"#);
    assert_eq!(
        serde_json::to_string(&b).unwrap(),
        r#"{"id":"p:1","buildNumber":7,"zeta":[],"alpha":{"k": 1},"mid":null}"#
    );
    // A name given twice keeps its last value, at its first position.
    let b = build(r#"{"x": 1, "id": "p:1", "y": 2, "x": 3}"#);
    assert_eq!(
        serde_json::to_string(&b).unwrap(),
        r#"{"id":"p:1","x":3,"y":2}"#
    );
    // Pretty output indents around a kept value, which keeps its own text.
    let b = build(r#"{"id": "p:1", "x": {"a":1}}"#);
    assert_eq!(
        serde_json::to_string_pretty(&b).unwrap(),
        "{\n  \"id\": \"p:1\",\n  \"x\": {\"a\":1}\n}"
    );
}

#[test]
fn what_the_model_accepts_is_unchanged() {
    // A struct written as an array of its members, in order (serde's derive
    // reads it; `#[serde(flatten)]` would not).
    let b = build(
        r#"{"id": "p:1", "phases": [["BUILD", "FAILED", 1, 2, 1, [["E", "boom"]]]], "x": 1}"#,
    );
    assert_eq!(b.phases()[0].contexts()[0].message.as_deref(), Some("boom"));
    assert_eq!(b.unknown_members.get("x").unwrap().get(), "1");
    // A known member given twice is still an error, with its path.
    for (json, path, message) in [
        (
            r#"{"id": "a", "x": 1, "id": "b"}"#,
            ".",
            "duplicate field `id`",
        ),
        (
            r#"{"phases": [{"phaseType": "BUILD", "n": 1, "phaseType": "BUILD"}]}"#,
            "phases[0]",
            "duplicate field `phaseType`",
        ),
        // The wrong type of a known member, next to unknown ones.
        (
            r#"{"x": {"y": 1}, "environment": {"z": [], "privilegedMode": "yes"}}"#,
            "environment.privilegedMode",
            "invalid type: string \"yes\", expected a boolean",
        ),
        // Not an object: the message names the struct.
        (
            r#"{"source": 3}"#,
            "source",
            "expected struct ProjectSource",
        ),
        (
            r#"{"phases": [[]]}"#,
            "phases[0]",
            "invalid length 0, expected struct BuildPhase with 6 elements",
        ),
    ] {
        let err = from_str::<Build>(json).unwrap_err();
        assert_eq!(err.path(), path, "{json}: {err}");
        assert!(err.message().contains(message), "{json}: {err}");
    }
    // Any value is accepted in an unknown member, but it must be JSON.
    let err = from_str::<Build>(r#"{"x": [1, }"#).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    // Bytes that are not UTF-8 inside an unknown member are refused: a
    // member must be text to be written back (JSON text is UTF-8).
    let err = from_slice::<Build>(b"{\"id\": \"a\", \"x\": \"\xff\"}").unwrap_err();
    assert!(err.is_syntax(), "{err}");
    assert!(from_slice::<Build>(b"{\"id\": \"\xff\"}").is_err());
}

#[test]
fn unknown_members_api() {
    let mut u = UnknownMembers::new();
    assert!(u.is_empty());
    let raw = |s: &str| RawValue::from_string(s.to_owned()).unwrap();
    assert!(u.insert("b", raw("1")).is_none());
    assert!(u.insert("a", raw("[true]")).is_none());
    assert_eq!(u.insert("b", raw("2")).unwrap().get(), "1");
    assert_eq!(u.names().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(u.get("b").unwrap().get(), "2");
    assert_eq!(serde_json::to_string(&u).unwrap(), r#"{"b":2,"a":[true]}"#);
    let mut b = Build {
        id: Some("p:1".into()),
        unknown_members: u.clone(),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_string(&b).unwrap(),
        r#"{"id":"p:1","b":2,"a":[true]}"#
    );
    assert_eq!(b.unknown_members.remove("b").unwrap().get(), "2");
    assert!(b.unknown_members.remove("b").is_none());
    assert_eq!(b.unknown_members.len(), 1);
    let collected: UnknownMembers = u
        .iter()
        .map(|(n, v)| (n.to_owned(), raw(v.get())))
        .collect();
    assert_eq!(collected, u);
    b.unknown_members.clear();
    assert_eq!(serde_json::to_string(&b).unwrap(), r#"{"id":"p:1"}"#);
}

#[test]
fn every_way_of_reading_keeps_them() {
    use serde::Deserialize;
    let text = r#"{"id": "p:1", "x": [1], "phases": [{"y": {}}]}"#;
    let check = |b: Build| {
        assert_eq!(b.unknown_members.get("x").unwrap().get(), "[1]");
        assert_eq!(b.phases()[0].unknown_members.get("y").unwrap().get(), "{}");
    };
    // `Type::deserialize` is the trait's (serde's derive runs on a private
    // mirror: there is no inherent function of that name to shadow it).
    let mut de = serde_json::Deserializer::from_str(text);
    check(Build::deserialize(&mut de).unwrap());
    check(serde_json::from_str(text).unwrap());
    check(serde_json::from_slice(text.as_bytes()).unwrap());
    check(serde_json::from_reader(text.as_bytes()).unwrap());
    check(from_str(text).unwrap());
    // From a `serde_json::Value` too (its members are written out as text).
    let value: Value = serde_json::from_str(text).unwrap();
    check(serde_json::from_value(value).unwrap());
}
