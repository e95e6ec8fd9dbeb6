//! The timestamp fixtures: every saved form of the same instants parses equal.

mod common;

use codebuild_model::Timestamp;
use common::{fixtures, parse_builds};

/// (startTime, endTime) of the first build of each `timestamps-*.json` fixture,
/// as microseconds since the epoch, read off `testdata/responses/TIMESTAMPS.md`.
fn instants() -> Vec<(std::path::PathBuf, i64, i64)> {
    fixtures("responses")
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("timestamps-")
        })
        .map(|p| {
            let b = parse_builds(&std::fs::read(&p).unwrap()).unwrap().remove(0);
            let start = b.start_time.unwrap().unix_micros();
            let end = b.end_time.unwrap().unix_micros();
            (p, start, end)
        })
        .collect()
}

#[test]
fn timestamp_fixtures_cover_every_form() {
    let names: Vec<String> = instants()
        .iter()
        .map(|(p, ..)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for form in [
        "epoch-int",
        "epoch-decimal",
        "iso-z",
        "isoformat-utc",
        "python-str-utc",
        "python-str-offset",
        "isoformat-negative-offset",
        "no-fraction",
        "nanos",
    ] {
        assert!(
            names.iter().any(|n| n.contains(form)),
            "no timestamps-{form} fixture in {names:?}"
        );
    }
}

#[test]
fn table_of_renderings() {
    // input -> canonical output, computed by hand.
    let table = [
        ("1479832474.764", "2016-11-22T16:34:34.764000Z"),
        ("1479832474", "2016-11-22T16:34:34.000000Z"),
        ("1479832342.23", "2016-11-22T16:32:22.230000Z"),
        (
            "\"2016-11-22T16:34:34.764Z\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-22 16:34:34.764000+00:00\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-22T16:34:34.764000+00:00\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-22 22:04:34.764000+05:30\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-22T14:04:34.764-02:30\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-22 16:34:34+00:00\"",
            "2016-11-22T16:34:34.000000Z",
        ),
        (
            "\"2016-11-22T16:34:34.764000001Z\"",
            "2016-11-22T16:34:34.764000Z",
        ),
        (
            "\"2016-11-23 01:34:34.764+09:00\"",
            "2016-11-22T16:34:34.764000Z",
        ),
    ];
    for (json, want) in table {
        let t: Timestamp = serde_json::from_str(json).unwrap();
        assert_eq!(t.to_string(), want, "{json}");
    }
}

#[test]
fn invalid_timestamps_name_the_text() {
    for text in ["2024-13-01T00:00:00Z", "2024-05-01T12:34:56", "soon"] {
        let json = format!(r#"{{"builds": [{{"phases": [{{"endTime": "{text}"}}]}}]}}"#);
        let err = codebuild_model::from_str::<codebuild_model::BatchGetBuildsResponse>(&json)
            .unwrap_err();
        assert_eq!(err.path(), "builds[0].phases[0].endTime");
        assert!(err.message().contains(&format!("{text:?}")), "{err}");
    }
}

#[test]
fn every_rendering_of_the_same_instants_parses_to_equal_builds() {
    // Group A of TIMESTAMPS.md: every file renders the same millisecond instants.
    let group_a = [
        "epoch-decimal",
        "epoch-exponent",
        "iso-z",
        "isoformat-utc",
        "python-str-utc",
        "python-str-offset",
        "isoformat-negative-offset",
        "nanos",
    ];
    let load = |form: &str| {
        let path = common::testdata().join(format!("responses/timestamps-{form}.json"));
        parse_builds(&std::fs::read(path).unwrap())
            .unwrap()
            .remove(0)
    };
    let reference = load("epoch-decimal");
    assert_eq!(
        reference.start_time.unwrap().to_string(),
        "2024-05-01T12:34:56.789000Z"
    );
    assert_eq!(
        reference.end_time.unwrap().to_string(),
        "2024-05-01T12:39:44.250000Z"
    );
    for form in group_a {
        assert_eq!(load(form), reference, "timestamps-{form}.json");
    }
    // Group B: the same instants floored to the second.
    let int = load("epoch-int");
    assert_eq!(
        int.start_time.unwrap().to_string(),
        "2024-05-01T12:34:56.000000Z"
    );
    assert_eq!(
        int.end_time.unwrap().to_string(),
        "2024-05-01T12:39:44.000000Z"
    );
    assert_eq!(load("no-fraction"), int);
}
