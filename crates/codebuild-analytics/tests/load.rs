//! Loading: every saved form, gzip, folders, duplicates, columns and values.

use std::io::Write;
use std::path::{Path, PathBuf};

use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, ErrorKind, LoadOptions, load_builds};
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn read_json(rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(testdata().join(rel)).unwrap()).unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn load(paths: &[PathBuf]) -> Archive {
    Archive::load(paths, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn sorted_ids(a: &Archive) -> Vec<String> {
    let mut ids: Vec<String> = a
        .frames
        .builds
        .column("id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The same three builds (the auto-retry chain fixture) in every saved form.
#[test]
fn every_saved_form_loads_the_same_builds() {
    let response = read_json("responses/auto-retry-chain.json");
    let builds = response["builds"].as_array().unwrap().clone();
    let one = |b: &Value| serde_json::json!({"builds": [b], "buildsNotFound": []});
    let forms: Vec<(&str, Vec<u8>)> = vec![
        (
            "response.json",
            serde_json::to_vec_pretty(&response).unwrap(),
        ),
        (
            "array-of-responses.json",
            serde_json::to_vec(&builds.iter().map(one).collect::<Vec<_>>()).unwrap(),
        ),
        (
            "array-of-builds.json",
            serde_json::to_vec_pretty(&builds).unwrap(),
        ),
        (
            "jsonl-responses.jsonl",
            builds
                .iter()
                .map(|b| serde_json::to_string(&one(b)).unwrap() + "\n")
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "jsonl-builds.jsonl",
            builds
                .iter()
                .map(|b| serde_json::to_string(b).unwrap() + "\r\n")
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "concatenated.json",
            builds
                .iter()
                .map(|b| serde_json::to_string_pretty(&one(b)).unwrap())
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "bom.json",
            [
                b"\xEF\xBB\xBF".as_slice(),
                &serde_json::to_vec(&response).unwrap(),
            ]
            .concat(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut expected: Option<(Vec<String>, DataFrame)> = None;
    for (name, bytes) in &forms {
        for gz in [false, true] {
            // gzip is detected from the bytes: the name says nothing.
            let path = dir
                .path()
                .join(format!("{}{name}", if gz { "gz-" } else { "" }));
            std::fs::write(&path, if gz { gzip(bytes) } else { bytes.clone() }).unwrap();
            let a = load(std::slice::from_ref(&path));
            assert_eq!(a.report.builds_read, 3, "{name}");
            assert_eq!(a.report.builds_kept, 3, "{name}");
            assert!(a.report.balances());
            let ids = sorted_ids(&a);
            let phases = a
                .frames
                .phases
                .sort(["buildId", "phaseIndex"], Default::default())
                .unwrap();
            match &expected {
                None => expected = Some((ids, phases)),
                Some((want_ids, want_phases)) => {
                    assert_eq!(&ids, want_ids, "{name}");
                    assert!(phases.equals_missing(want_phases), "{name}");
                }
            }
        }
    }
    // Single build object.
    let path = dir.path().join("single.json");
    std::fs::write(&path, serde_json::to_vec(&builds[1]).unwrap()).unwrap();
    let a = load(&[path]);
    assert_eq!(a.report.builds_kept, 1);
    assert_eq!(a.report.responses, 0);
    // Every file of the folder together: each build 14 times (plus the single one), kept once.
    let a = load(&[dir.path().to_path_buf()]);
    assert_eq!(a.report.builds_kept, 3);
    assert_eq!(a.report.builds_read, 3 * 14 + 1);
    assert_eq!(a.report.duplicates_dropped, 3 * 14 + 1 - 3);
    assert!(a.report.balances());
}

#[test]
fn folders_are_walked_in_sorted_order_and_other_files_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b/nested")).unwrap();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::copy(
        testdata().join("responses/succeeded.json"),
        dir.path().join("b/nested/x.json"),
    )
    .unwrap();
    std::fs::copy(
        testdata().join("responses/succeeded.json"),
        dir.path().join("a/y.json"),
    )
    .unwrap();
    std::fs::write(dir.path().join("a/notes.txt"), "not a dump").unwrap();
    std::fs::write(dir.path().join("README"), "").unwrap();
    let a = load(&[dir.path().to_path_buf()]);
    assert_eq!(a.report.files_read, 2);
    assert_eq!(a.report.files_skipped.len(), 2);
    assert_eq!(a.report.duplicates_dropped, 1);
    // Ties keep the first file in sorted path order: a/y.json.
    let file = a
        .frames
        .builds
        .column("sourceFile")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_owned();
    assert!(file.ends_with("a/y.json"), "{file}");
}

/// The `sourceFile` of the one kept build.
fn kept_file(a: &Archive) -> String {
    let files = a.frames.builds.column("sourceFile").unwrap().str().unwrap();
    assert_eq!(files.len(), 1);
    files.get(0).unwrap().to_owned()
}

#[test]
fn ties_keep_the_first_file_in_sorted_path_order_however_paths_are_given() {
    // `dir-b/x.json` < `dir/x.json` as paths compare byte by byte ('-' is
    // 0x2d, '/' 0x2f), although the folder `dir` sorts before `dir-b`.
    let dir = tempfile::tempdir().unwrap();
    let record = serde_json::to_vec(&serde_json::json!({
        "builds": [build_json("p:1", true, Some(2000.0), 2)]
    }))
    .unwrap();
    for sub in ["dir", "dir-b"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("x.json"), &record).unwrap();
    }
    let (a, b) = (dir.path().join("dir"), dir.path().join("dir-b"));
    for paths in [vec![a.clone(), b.clone()], vec![b.clone(), a.clone()]] {
        let got = load(&paths);
        assert_eq!(got.report.duplicates_dropped, 1);
        assert!(kept_file(&got).ends_with("dir-b/x.json"), "{paths:?}");
    }
    // Files given one by one, in reverse order: the same rule.
    let (x, y) = (
        dir.path().join("dir/x.json"),
        dir.path().join("dir-b/x.json"),
    );
    assert!(kept_file(&load(&[x.clone(), y.clone()])).ends_with("dir-b/x.json"));
    assert!(kept_file(&load(&[y, x])).ends_with("dir-b/x.json"));
}

#[cfg(unix)]
#[test]
fn paths_that_cannot_be_walked_are_rejected_files() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        testdata().join("responses/succeeded.json"),
        dir.path().join("a.json"),
    )
    .unwrap();
    // A broken link and a link loop inside the folder, a missing path beside it.
    std::os::unix::fs::symlink(dir.path().join("gone.json"), dir.path().join("b.json")).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/up")).unwrap();
    // A name that is not UTF-8 still ends in `.json`: an error, not skipped.
    let odd = std::ffi::OsStr::from_bytes(b"odd\xff.json");
    std::fs::write(dir.path().join(odd), "oops").unwrap();
    let missing = dir.path().join("missing");
    let paths = [dir.path().to_path_buf(), missing.clone()];

    let err = Archive::load(&paths, &LoadOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Io);
    assert!(err.file.ends_with("b.json"), "{err}");

    let opts = LoadOptions {
        keep_going: true,
        ..LoadOptions::default()
    };
    let a = Archive::load(&paths, &opts).unwrap();
    assert_eq!(a.report.builds_kept, 1);
    assert_eq!(a.report.files_read, 1);
    let mut rejected: Vec<(String, ErrorKind)> = a
        .report
        .files_rejected
        .iter()
        .map(|e| {
            let name = e.file.strip_prefix(dir.path()).unwrap_or(&e.file);
            (name.to_string_lossy().into_owned(), e.kind.clone())
        })
        .collect();
    rejected.sort_by(|a, b| a.0.cmp(&b.0));
    let missing_name = missing.to_string_lossy().into_owned();
    let want = vec![
        ("b.json".to_owned(), ErrorKind::Io),
        ("missing".to_owned(), ErrorKind::Io),
        ("odd\u{fffd}.json".to_owned(), ErrorKind::NotJson),
        ("sub/up".to_owned(), ErrorKind::Io),
    ];
    assert_eq!(rejected, want, "{missing_name}");
    assert!(a.report.balances());
}

fn build_json(id: &str, complete: bool, end: Option<f64>, phases: usize) -> Value {
    let mut b = serde_json::json!({"id": id, "buildComplete": complete, "startTime": 1000.0,
        "phases": (0..phases).map(|_| serde_json::json!({"phaseType": "BUILD"})).collect::<Vec<_>>()});
    if let Some(end) = end {
        b["endTime"] = end.into();
    }
    b
}

#[test]
fn duplicates_are_resolved_as_analytics_md_says() {
    // (records in input order, index of the one to keep)
    let cases: Vec<(Vec<Value>, usize)> = vec![
        // complete beats incomplete, even later in the input
        (
            vec![
                build_json("a", false, Some(3000.0), 9),
                build_json("a", true, Some(2000.0), 1),
            ],
            1,
        ),
        // among complete: the latest endTime
        (
            vec![
                build_json("a", true, Some(2000.0), 9),
                build_json("a", true, Some(2500.0), 1),
            ],
            1,
        ),
        // a present endTime beats an absent one
        (
            vec![
                build_json("a", false, None, 9),
                build_json("a", false, Some(1500.0), 1),
            ],
            1,
        ),
        // then the most phases
        (
            vec![
                build_json("a", true, Some(2000.0), 3),
                build_json("a", true, Some(2000.0), 4),
            ],
            1,
        ),
        // full tie: the first
        (
            vec![
                build_json("a", true, Some(2000.0), 4),
                build_json("a", true, Some(2000.0), 4),
            ],
            0,
        ),
    ];
    for (records, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (i, r) in records.iter().enumerate() {
            let mut r = r.clone();
            r["initiator"] = format!("record-{i}").into();
            std::fs::write(
                dir.path().join(format!("{i}.json")),
                serde_json::to_vec(&serde_json::json!({"builds": [r]})).unwrap(),
            )
            .unwrap();
        }
        let a = load(&[dir.path().to_path_buf()]);
        assert_eq!(a.report.builds_kept, 1);
        assert_eq!(a.report.duplicates_dropped, records.len() - 1);
        let initiator = a
            .frames
            .builds
            .column("initiator")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_owned();
        assert_eq!(initiator, format!("record-{want}"));
        // Phases follow the kept record only.
        let phases = records[want]["phases"].as_array().unwrap().len();
        assert_eq!(a.frames.phases.height(), phases);
    }
}

#[test]
fn derived_values_of_the_documentation_example() {
    let a = load(&[testdata().join("responses/doc-expected-output.json")]);
    let b = &a.frames.builds;
    let f = |c: &str| b.column(c).unwrap().f64().unwrap().get(0).unwrap();
    // 1479832474.764 - 1479832341.854
    assert!((f("durationSeconds") - 132.91).abs() < 1e-9);
    // SUBMITTED 342.23 - 341.854 = 0.376; PROVISIONING 415.064 - 342.23 = 72.834
    assert!((f("overheadSeconds") - 73.21).abs() < 1e-9);
    // DOWNLOAD_SOURCE 46.197 + INSTALL 0.093 + PRE_BUILD 0.094 + BUILD 9.667
    // + POST_BUILD 0.109 + UPLOAD_ARTIFACTS 0.567 + FINALIZING 2.973
    assert!((f("executionSeconds") - 59.7).abs() < 1e-9);
    assert_eq!(b.column("failedPhase").unwrap().null_count(), 2);
    let p = &a.frames.phases;
    assert_eq!(p.height(), 20);
    let dur = p.column("durationSeconds").unwrap().f64().unwrap();
    assert!((dur.get(1).unwrap() - 72.834).abs() < 1e-9);
    assert_eq!(dur.get(9), None, "COMPLETED has no duration");
    let start = p
        .column("startTime")
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .get(0)
        .unwrap();
    assert_eq!(start, 1_479_832_341_854_000);
}

#[test]
fn failed_phase_and_reason() {
    let a = load(&[testdata().join("responses/failed-in-build.json")]);
    let b = &a.frames.builds;
    let s = |c: &str| {
        b.column(c)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_owned)
    };
    // BUILD and POST_BUILD both fail: the first one, in array order.
    assert_eq!(s("failedPhase").as_deref(), Some("BUILD"));
    assert_eq!(
        s("failureStatusCode").as_deref(),
        Some("COMMAND_EXECUTION_ERROR")
    );
    assert_eq!(
        s("failureMessage").as_deref(),
        Some("Error while executing command: npm test. Reason: exit status 1")
    );
}

#[test]
fn in_progress_build_has_null_end_and_duration() {
    let a = load(&[testdata().join("responses/in-progress.json")]);
    let b = &a.frames.builds;
    assert_eq!(b.column("endTime").unwrap().null_count(), 1);
    assert_eq!(b.column("durationSeconds").unwrap().null_count(), 1);
    assert_eq!(
        b.column("buildComplete").unwrap().bool().unwrap().get(0),
        Some(false)
    );
    let p = &a.frames.phases;
    let last = p.height() - 1;
    assert_eq!(
        p.column("endTime")
            .unwrap()
            .datetime()
            .unwrap()
            .physical()
            .get(last),
        None
    );
    assert_eq!(
        p.column("durationSeconds")
            .unwrap()
            .f64()
            .unwrap()
            .get(last),
        None
    );
}

/// The column dictionary (COLUMNS.md) states every frame's columns and dtypes.
#[test]
fn frames_match_the_column_dictionary() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("COLUMNS.md")).unwrap();
    let a = Archive::load(
        &[testdata().join("responses")],
        &LoadOptions {
            include_env_values: true,
            ..Default::default()
        },
    )
    .unwrap();
    let dtype_name = |d: &DataType| match d {
        DataType::String => "String",
        DataType::Int64 => "Int64",
        DataType::Float64 => "Float64",
        DataType::Boolean => "Boolean",
        DataType::Datetime(TimeUnit::Microseconds, Some(tz)) if tz.as_str() == "UTC" => "Datetime",
        other => panic!("undocumented dtype {other}"),
    };
    for (frame, df) in [
        ("builds", &a.frames.builds),
        ("phases", &a.frames.phases),
        ("phaseContexts", &a.frames.phase_contexts),
    ] {
        let section = doc
            .split(&format!("## `{frame}`"))
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap();
        let documented: Vec<(String, String)> = section
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                (cells.len() > 3 && cells[1].starts_with('`'))
                    .then(|| (cells[1].trim_matches('`').to_owned(), cells[2].to_owned()))
            })
            .collect();
        let actual: Vec<(String, String)> = df
            .schema()
            .iter()
            .map(|(n, d)| (n.to_string(), dtype_name(d).to_owned()))
            .collect();
        assert_eq!(actual, documented, "{frame}");
    }
    for name in codebuild_analytics::LIST_FRAMES {
        let df = &a.frames.lists[name];
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(&names[..2], ["buildId", "index"], "{name}");
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{name}` |")))
            .unwrap_or_else(|| panic!("{name} undocumented"));
        for col in &names[2..] {
            assert!(
                row.contains(&format!("`{col}`")),
                "{name}.{col} undocumented"
            );
        }
    }
    // Values of environment variables only when asked for.
    assert!(
        a.frames.lists["environmentVariables"]
            .column("value")
            .is_ok()
    );
    let plain = load(&[testdata().join("responses")]);
    assert!(
        plain.frames.lists["environmentVariables"]
            .column("value")
            .is_err()
    );
    assert!(
        plain.frames.lists["exportedEnvironmentVariables"]
            .column("value")
            .is_err()
    );
}

/// The bad-input corpus: each file's documented outcome (testdata/bad/README.md).
#[test]
fn bad_inputs_give_the_documented_errors() {
    let strict = LoadOptions {
        max_file_bytes: 64 << 20,
        ..Default::default()
    };
    let cases: &[(&str, &str)] = &[
        (
            "truncated.json",
            "truncated.json:90:28: EOF while parsing an object",
        ),
        ("empty.json", "empty.json: file is empty"),
        (
            "whitespace-only.json",
            "whitespace-only.json: file holds only whitespace",
        ),
        (
            "non-utf8.json",
            "non-utf8.json:13:27: invalid unicode code point",
        ),
        (
            "wrong-type-buildnumber.json",
            "wrong-type-buildnumber.json:6:25: builds[0].buildNumber: invalid type: string \"12\", expected i64",
        ),
        (
            "wrong-type-phase-duration.json",
            "wrong-type-phase-duration.json:40:35: builds[0].phases[2].durationInSeconds: invalid type: string \"72\", expected i64",
        ),
        (
            "wrong-type-context.json",
            "wrong-type-context.json:95:30: builds[0].phases[6].contexts[0].statusCode: invalid type: integer `42`, expected a string",
        ),
        (
            "wrong-type-builds-not-list.json",
            "wrong-type-builds-not-list.json:2:12: builds: invalid type: map, expected a sequence",
        ),
        (
            "null-build.json",
            "null-build.json:3:8: builds[0]: invalid type: null, expected struct Build",
        ),
        (
            "response-without-builds.json",
            "response-without-builds.json:1:1: object is neither a batch_get_builds response",
        ),
        (
            "deep-nesting.json",
            "deep-nesting.json:1:194: nesting deeper than 128 levels",
        ),
        (
            "number-too-large.json",
            "number-too-large.json:6:41: builds[0].buildNumber: invalid type: floating point `1e+20`, expected i64",
        ),
        (
            "negative-timeout-float.json",
            "negative-timeout-float.json:160:29: builds[0].timeoutInMinutes: invalid type: floating point `1.5`, expected i32",
        ),
        (
            "bad-timestamp-garbage.json",
            "bad-timestamp-garbage.json:7:30: builds[0].startTime: invalid timestamp \"yesterday\"",
        ),
        (
            "bad-timestamp-month13.json",
            "bad-timestamp-month13.json:7:41: builds[0].startTime: invalid timestamp \"2024-13-01T00:00:00Z\": invalid month",
        ),
        (
            "bad-timestamp-no-offset.json",
            "bad-timestamp-no-offset.json:7:40: builds[0].startTime: invalid timestamp \"2024-05-01T12:34:56\": expected an offset",
        ),
        (
            "bad-timestamp-offset-format.json",
            "bad-timestamp-offset-format.json:7:45: builds[0].startTime: invalid timestamp \"2024-05-01T12:34:56+0530\"",
        ),
        (
            "bad-timestamp-10-fraction-digits.json",
            "bad-timestamp-10-fraction-digits.json:7:52: builds[0].startTime: invalid timestamp \"2024-05-01T12:34:56.7890000000Z\": more than 9 fraction digits",
        ),
        (
            "bad-timestamp-bool.json",
            "bad-timestamp-bool.json:7:23: builds[0].startTime: invalid type: boolean `true`",
        ),
        (
            "bad-timestamp-epoch-out-of-range.json",
            "bad-timestamp-epoch-out-of-range.json:7:23: builds[0].startTime: invalid timestamp 100000000000000000000: epoch seconds out of range",
        ),
        (
            "gzip-bomb.json.gz",
            "gzip-bomb.json.gz: decompresses to more than the limit of 67108864 bytes",
        ),
        (
            "truncated.json.gz",
            "truncated.json.gz: corrupt or truncated gzip data",
        ),
        ("not-json.txt", "not-json.txt: not JSON"),
    ];
    for (file, want) in cases {
        let path = testdata().join("bad").join(file);
        let err = Archive::load(&[&path], &strict).unwrap_err().to_string();
        let want = format!("{}/{want}", testdata().join("bad").display());
        assert!(
            err.starts_with(&want),
            "{file}:\n  got  {err}\n  want {want}"
        );
        // With keep_going the same problem is reported, never a panic.
        let a = Archive::load(
            &[&path],
            &LoadOptions {
                keep_going: true,
                ..strict.clone()
            },
        )
        .unwrap();
        assert!(a.report.balances());
        assert_eq!(
            a.report.records_rejected.len() + a.report.files_rejected.len(),
            1,
            "{file}"
        );
    }
    let loads: &[(&str, usize, usize)] = &[
        ("bom.json", 1, 0),
        ("null-environment.json", 1, 0),
        ("duplicate-conflicting.json", 1, 1),
        ("retry-cycle.json", 3, 0),
    ];
    for (file, kept, dups) in loads {
        let a = Archive::load(&[testdata().join("bad").join(file)], &strict).unwrap();
        assert_eq!(
            (a.report.builds_kept, a.report.duplicates_dropped),
            (*kept, *dups),
            "{file}"
        );
    }
    // The complete record of the conflicting pair is kept.
    let a = Archive::load(
        &[testdata().join("bad/duplicate-conflicting.json")],
        &strict,
    )
    .unwrap();
    assert_eq!(
        a.frames
            .builds
            .column("buildStatus")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("SUCCEEDED")
    );
}

#[test]
fn keep_going_skips_bad_records_and_keeps_their_neighbours() {
    let good = read_json("responses/auto-retry-chain.json");
    let builds = good["builds"].as_array().unwrap();
    let lines = format!(
        "{}\n{{\"id\": \"bad\", \"buildNumber\": \"x\"}}\nnot json at all\n{}\n{}\n",
        serde_json::to_string(&builds[0]).unwrap(),
        serde_json::to_string(&builds[1]).unwrap(),
        serde_json::to_string(
            &serde_json::json!({"builds": [builds[2], {"id": "b", "startTime": "soon"}]})
        )
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    std::fs::write(&path, lines).unwrap();
    let err = Archive::load(&[&path], &LoadOptions::default()).unwrap_err();
    assert_eq!(err.position.unwrap().line, 2);
    assert_eq!(err.field.as_deref(), Some("line 2.buildNumber"));
    assert_eq!(err.kind, ErrorKind::Data);
    let a = Archive::load(
        &[&path],
        &LoadOptions {
            keep_going: true,
            ..Default::default()
        },
    )
    .unwrap();
    let r = &a.report;
    assert_eq!(
        (r.builds_read, r.builds_kept, r.records_rejected.len()),
        (6, 3, 3)
    );
    assert!(r.balances());
    let lines: Vec<usize> = r
        .records_rejected
        .iter()
        .map(|e| e.position.unwrap().line)
        .collect();
    assert_eq!(lines, [2, 3, 5]);
    assert_eq!(
        r.records_rejected[2].field.as_deref(),
        Some("line 5.builds[1].startTime")
    );
}

#[test]
fn typed_records_match_the_frames() {
    let (builds, report) =
        load_builds(&[testdata().join("responses")], &LoadOptions::default()).unwrap();
    let a = load(&[testdata().join("responses")]);
    assert_eq!(report, a.report);
    let ids: Vec<Option<&str>> = builds.iter().map(|b| b.id.as_deref()).collect();
    let frame_ids: Vec<Option<&str>> = a
        .frames
        .builds
        .column("id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, frame_ids);
}

#[test]
fn one_thread_and_all_threads_give_identical_frames() {
    let paths = [testdata().join("responses"), testdata().join("lenient")];
    let one = Archive::load(
        &paths,
        &LoadOptions {
            threads: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    let all = Archive::load(&paths, &LoadOptions::default()).unwrap();
    assert_eq!(one.report, all.report);
    for ((n1, f1), (n2, f2)) in one.frames.iter().zip(all.frames.iter()) {
        assert_eq!(n1, n2);
        assert!(f1.equals_missing(f2), "{n1}");
    }
}

/// Loads `path` with `keep_going` as frames, as typed records and in
/// batches of 2 builds (export's two passes), which must all agree.
fn load_every_way(path: &Path) -> Archive {
    let opts = LoadOptions {
        keep_going: true,
        ..LoadOptions::default()
    };
    let a = Archive::load(&[path], &opts).unwrap();
    assert!(a.report.balances());
    let (builds, report) = load_builds(&[path], &opts).unwrap();
    assert_eq!((builds.len(), &report), (a.report.builds_kept, &a.report));
    let mut batches = Vec::new();
    let batched = Archive::load_batched(&[path], &opts, 2, |f| {
        batches.push(f);
        Ok::<_, codebuild_analytics::LoadError>(())
    })
    .unwrap();
    assert_eq!(batched, a.report);
    assert_same_frames(&stack(batches), &a.frames);
    a
}

/// JSON Lines edge cases, each with the builds kept and the errors (line:
/// column, counted by hand) that every load path must agree on.
#[test]
fn json_lines_edge_cases_load_alike_in_every_path() {
    let b = |i: usize| {
        serde_json::to_string(&build_json(&format!("p:{i}"), true, Some(2000.0), 1)).unwrap()
    };
    let resp = |i: usize| format!(r#"{{"builds":[{}]}}"#, b(i));
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let pretty = serde_json::to_string_pretty(&serde_json::json!({
        "builds": [build_json("p:8", true, Some(2000.0), 1), build_json("p:9", true, Some(2000.0), 1)]
    }))
    .unwrap();
    // (name, text, builds kept, "line:column" of each rejected record)
    let cases: Vec<(&str, String, usize, Vec<&str>)> = vec![
        // Two values on one line (`jq -c` output joined): both are records.
        (
            "two-per-line",
            format!("{}\n{} {}\n{}\n", b(1), b(2), resp(3), b(4)),
            4,
            vec![],
        ),
        // A bad first line is one bad record, not the whole file (serde_json
        // puts an unexpected end at the last byte of the line, column 12).
        (
            "bad-first",
            format!("{{\"builds\": [\n{}\n{}\n", b(1), b(2)),
            2,
            vec!["1:12"],
        ),
        (
            "garbage-first",
            format!("oops\n{}\n{}\n", b(1), b(2)),
            2,
            vec!["1:1"],
        ),
        // Too deep: that line only (serde_json's limit is 128 levels).
        (
            "deep-line",
            format!("{}\n{deep}\n{}\n", b(1), b(2)),
            2,
            vec!["2:129"],
        ),
        // A compact value, then a pretty-printed one: concatenated values.
        ("then-pretty", format!("{}\n{pretty}\n", b(1)), 3, vec![]),
        // ... even when the pretty-printed one starts on the compact one's line.
        (
            "then-pretty-same-line",
            format!("{} {{\"builds\": [\n{}\n]}}\n", b(1), b(2)),
            2,
            vec![],
        ),
    ];
    // A response line cut short keeps its complete builds (2 and 3); the
    // line is one bad record, at its last byte.
    let cut_line = {
        let full = format!(r#"{{"builds":[{},{},{}]}}"#, b(2), b(3), b(4));
        full[..full.find("\"p:4").unwrap() + 4].to_owned()
    };
    let cut_at = format!("2:{}", cut_line.len());
    // Garbage between two values of a line: the values before it are kept,
    // the rest of the line is the bad record (at the garbage).
    let garbage_at = format!("1:{}", b(1).len() + 2);
    let cases = cases.into_iter().chain([
        (
            "cut-response-line",
            format!("{}\n{cut_line}\n{}\n", b(1), b(5)),
            4,
            vec![cut_at.as_str()],
        ),
        (
            "garbage-in-line",
            format!("{} garbage {}\n{}\n", b(1), b(2), b(3)),
            2,
            vec![garbage_at.as_str()],
        ),
    ]);
    for (name, text, kept, errors) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&path, &text).unwrap();
        let a = load_every_way(&path);
        assert_eq!(a.report.builds_kept, kept, "{name}");
        assert_eq!(a.report.files_rejected, vec![], "{name}");
        let at: Vec<String> = a
            .report
            .records_rejected
            .iter()
            .map(|e| {
                let p = e.position.unwrap();
                format!("{}:{}", p.line, p.column)
            })
            .collect();
        assert_eq!(at, errors, "{name}");
        // Without keep_going, the first bad record is the error.
        if let Some(first) = errors.first() {
            let err = Archive::load(&[&path], &LoadOptions::default()).unwrap_err();
            let p = err.position.unwrap();
            assert_eq!(&format!("{}:{}", p.line, p.column), first, "{name}: {err}");
        }
    }
}

/// Objects in a response that are not builds, and bad `buildsNotFound`
/// values: each is one bad record; the response's builds still load.
#[test]
fn response_members_that_are_not_builds_or_ids() {
    let b = |i: usize| build_json(&format!("p:{i}"), true, Some(2000.0), 1);
    // (case, response, builds kept, not-found ids, rejected field paths)
    let cases = vec![
        (
            "nested response",
            serde_json::json!({"builds": [{"builds": [b(1), b(2)]}, b(3)]}),
            1,
            vec![],
            vec!["builds[0]: a response inside a response's `builds`"],
        ),
        (
            "objects without names",
            serde_json::json!({"builds": [{}, {"buildNumber": 4}, b(1)]}),
            1,
            vec![],
            vec![
                "builds[0]: not a build: it has no `id` or `arn`",
                "builds[1]: not a build: it has no `id` or `arn`",
            ],
        ),
        (
            "an id that is not a string",
            serde_json::json!({"builds": [b(1), b(2)], "buildsNotFound": ["x", 1, "y"]}),
            2,
            vec!["x", "y"],
            vec!["buildsNotFound[1]: invalid type: integer `1`, expected a string"],
        ),
        (
            "not a list",
            serde_json::json!({"builds": [b(1)], "buildsNotFound": "x"}),
            1,
            vec![],
            vec!["buildsNotFound: invalid type: string \"x\", expected a sequence"],
        ),
    ];
    for (name, response, kept, not_found, errors) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.json");
        std::fs::write(&path, serde_json::to_string_pretty(&response).unwrap()).unwrap();
        let a = load_every_way(&path);
        assert_eq!(a.report.builds_kept, kept, "{name}");
        assert_eq!(a.report.builds_not_found, not_found, "{name}");
        assert_eq!(a.report.records_rejected.len(), errors.len(), "{name}");
        for (e, want) in a.report.records_rejected.iter().zip(&errors) {
            let text = e.to_string();
            let (_, rest) = text.split_once(".json:").unwrap();
            let (_, rest) = rest.split_once(": ").unwrap(); // after line:column
            assert!(rest.starts_with(want), "{name}: {text}");
        }
    }
}

#[test]
fn gzip_members_padding_and_trailing_data() {
    let text = std::fs::read(testdata().join("responses/succeeded.json")).unwrap();
    let member = gzip(&text);
    let dir = tempfile::tempdir().unwrap();
    let load_bytes = |name: &str, bytes: Vec<u8>| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        Archive::load(&[&path], &LoadOptions::default())
    };
    // Two members (`cat a.gz b.gz`): both read, the build twice.
    let two = load_bytes("two.json.gz", [member.clone(), member.clone()].concat()).unwrap();
    assert_eq!(two.report.builds_read, 2);
    assert_eq!(two.report.duplicates_dropped, 1);
    // Zero padding after the last member is ignored, as `gzip -d` does.
    let padded = load_bytes("padded.json.gz", [member.clone(), vec![0; 512]].concat()).unwrap();
    assert_eq!(padded.report.builds_kept, 1);
    // Other trailing bytes: an error naming where they start.
    let err = load_bytes(
        "garbage.json.gz",
        [member.clone(), b"garbage!".to_vec()].concat(),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Gzip);
    let want = format!(
        "8 bytes of trailing data after the gzip data, at byte {}",
        member.len()
    );
    assert!(err.to_string().ends_with(&want), "{err}");
    // A corrupt second member names its offset.
    let mut bad = member.clone();
    let n = bad.len();
    bad[n - 5] ^= 0xff; // the CRC-32 of the second member's trailer
    let err = load_bytes("bad.json.gz", [member.clone(), bad].concat()).unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("(member at byte {})", member.len())),
        "{err}"
    );
}

#[test]
fn utf16_files_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utf16.json");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(r#"{"builds": []}"#.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(&path, utf16).unwrap();
    let err = Archive::load(&[&path], &LoadOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotJson);
    assert!(err.to_string().contains("UTF-16"), "{err}");
}

/// A file cut short keeps the complete records before the cut (and is
/// reported as a bad file, with the position of the cut).
#[test]
fn records_before_a_cut_are_kept() {
    let b = |i: usize| build_json(&format!("p:{i}"), true, Some(2000.0), 1);
    let response =
        serde_json::to_string_pretty(&serde_json::json!({"builds": [b(1), b(2), b(3)]})).unwrap();
    let array = serde_json::to_string(&serde_json::json!([b(4), b(5), b(6)])).unwrap();
    // Cut inside the third build: after `"id": "p:3` (its closing quote gone).
    let cut = |text: &str, id: &str| text[..text.find(id).unwrap() + id.len()].to_owned();
    let cases = [
        ("response.json", cut(&response, "\"p:3"), 2),
        ("array.json", cut(&array, "\"p:6"), 2),
        // Two values, the second cut: the first whole, and one build of the second.
        (
            "two.json",
            format!("{response}\n{}", cut(&array, "\"p:5")),
            4,
        ),
    ];
    for (name, text, kept) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, &text).unwrap();
        let a = load_every_way(&path);
        assert_eq!(a.report.builds_kept, kept, "{name}");
        assert_eq!(a.report.files_rejected.len(), 1, "{name}");
        let err = &a.report.files_rejected[0];
        assert_eq!(err.kind, ErrorKind::Syntax, "{name}");
        // The cut is the end of the text: its last line, at its last byte
        // (where serde_json puts an unexpected end).
        let last = text.lines().last().unwrap();
        let p = err.position.unwrap();
        assert_eq!(
            (p.line, p.column),
            (text.lines().count(), last.len()),
            "{name}: {err}"
        );
    }
}

/// Stacks the frames of every batch into one set of frames.
fn stack(batches: Vec<codebuild_analytics::Frames>) -> codebuild_analytics::Frames {
    let mut iter = batches.into_iter();
    let mut all = iter.next().expect("at least one batch");
    for b in iter {
        all.append(b).unwrap();
    }
    all
}

fn assert_same_frames(a: &codebuild_analytics::Frames, b: &codebuild_analytics::Frames) {
    assert_eq!(a.iter().count(), b.iter().count());
    for ((n1, f1), (n2, f2)) in a.iter().zip(b.iter()) {
        assert_eq!(n1, n2);
        assert_eq!(f1.schema(), f2.schema(), "{n1}");
        assert!(f1.equals_missing(f2), "{n1}:\n{f1}\n{f2}");
    }
}

#[test]
fn batched_load_gives_the_frames_and_report_of_a_whole_load() {
    // The sample archive has 33 duplicates, some in files far apart, so
    // small batches put the records of one id in different batches.
    let cases: [(Vec<PathBuf>, bool); 2] = [
        (vec![testdata().join("sample-archive")], false),
        (
            vec![
                testdata().join("responses"),
                testdata().join("bad"),
                testdata().join("lenient"),
            ],
            true,
        ),
    ];
    for (paths, keep_going) in cases {
        let opts = LoadOptions {
            keep_going,
            // The gzip bomb in `bad/` stops at 16 MiB, not 4 GiB.
            max_file_bytes: 16 << 20,
            ..Default::default()
        };
        let whole = Archive::load(&paths, &opts).unwrap();
        assert!(whole.report.balances());
        for batch_builds in [1, 7, 150, 1_000_000] {
            let mut batches = Vec::new();
            let report = Archive::load_batched(&paths, &opts, batch_builds, |f| {
                batches.push(f);
                Ok::<_, codebuild_analytics::LoadError>(())
            })
            .unwrap();
            assert_eq!(report, whole.report, "batch {batch_builds}");
            if batch_builds == 1 {
                // Whole files: never more batches than files with builds.
                assert!(batches.len() > 10, "{}", batches.len());
            }
            if batch_builds == 1_000_000 {
                assert_eq!(batches.len(), 1);
            }
            assert_same_frames(&stack(batches), &whole.frames);
        }
    }
}

#[test]
fn batched_load_of_nothing_and_of_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a dump").unwrap();
    let mut calls = Vec::new();
    let report = Archive::load_batched(&[dir.path()], &LoadOptions::default(), 10, |f| {
        calls.push(f);
        Ok::<_, codebuild_analytics::LoadError>(())
    })
    .unwrap();
    assert_eq!(report.files_skipped.len(), 1);
    // Called once, with empty frames that still have every column.
    assert_eq!(calls.len(), 1);
    let empty = &calls[0];
    assert_eq!(empty.builds.height(), 0);
    let whole = load(&[testdata().join("sample-archive")]);
    for ((n1, f1), (_, f2)) in empty.iter().zip(whole.frames.iter()) {
        assert_eq!(f1.schema(), f2.schema(), "{n1}");
    }

    // Without keep_going the first bad file is the error, before any batch.
    let paths = [
        testdata().join("responses"),
        testdata().join("bad/truncated.json"),
    ];
    let mut called = false;
    let err = Archive::load_batched(&paths, &LoadOptions::default(), 10, |_| {
        called = true;
        Ok::<_, codebuild_analytics::LoadError>(())
    })
    .unwrap_err();
    assert!(!called);
    assert_eq!(err.kind, ErrorKind::Syntax);
    assert!(err.file.ends_with("truncated.json"), "{err}");

    // The callback's error stops the load and is returned.
    let err = Archive::load_batched(
        &[testdata().join("sample-archive")],
        &LoadOptions::default(),
        100,
        |_| {
            Err(codebuild_analytics::LoadError {
                file: "out".into(),
                position: None,
                field: None,
                message: "disk full".into(),
                kind: ErrorKind::Io,
            })
        },
    )
    .unwrap_err();
    assert_eq!(err.message, "disk full");
}

#[test]
fn child_frames_carry_their_builds_keys() {
    // Expected from the typed records, row by row.
    let paths = [
        testdata().join("sample-archive"),
        testdata().join("responses"),
    ];
    let (builds, _) = load_builds(&paths, &LoadOptions::default()).unwrap();
    let a = Archive::load(&paths, &LoadOptions::default()).unwrap();
    let strs = |df: &DataFrame, c: &str| -> Vec<Option<String>> {
        df.column(c)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.map(str::to_owned))
            .collect()
    };
    let mut ids = Vec::new();
    let mut projects = Vec::new();
    let mut context_ids = Vec::new();
    let mut env_ids = Vec::new();
    for b in &builds {
        for p in b.phases() {
            ids.push(b.id.clone());
            projects.push(b.project_name.clone());
            context_ids.extend(p.contexts().iter().map(|_| b.id.clone()));
        }
        let env = b
            .environment
            .as_ref()
            .map_or(0, |e| e.environment_variables().len());
        env_ids.extend(std::iter::repeat_n(b.id.clone(), env));
    }
    assert!(ids.len() > 10_000, "{}", ids.len());
    assert_eq!(strs(&a.frames.phases, "buildId"), ids);
    assert_eq!(strs(&a.frames.phases, "projectName"), projects);
    assert_eq!(strs(&a.frames.phase_contexts, "buildId"), context_ids);
    assert_eq!(
        strs(&a.frames.lists["environmentVariables"], "buildId"),
        env_ids
    );
}

#[test]
fn errors_after_good_values_are_located_in_the_whole_file() {
    // Concatenated, pretty-printed values (not JSON Lines): the first ones
    // read in one pass, the bad one sends the rest of the file through the
    // path that delimits each value; positions stay those of the whole file.
    let good = read_json("responses/auto-retry-chain.json");
    let builds = good["builds"].as_array().unwrap();
    let one = |i: usize| {
        serde_json::to_string_pretty(&serde_json::json!({"builds": [builds[i]]})).unwrap()
    };
    // 1-based line and column of the first byte of `needle` in `text`.
    let position_of = |text: &str, needle: &str| {
        let at = text.find(needle).unwrap();
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, column)
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("concatenated.json");
    let text = format!("{}\n{}\n  {{\"builds\": 5}}\n{}\n", one(0), one(1), one(2));
    std::fs::write(&path, &text).unwrap();
    let err = Archive::load(&[&path], &LoadOptions::default()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Data);
    assert_eq!(err.field.as_deref(), Some("value 3.builds"));
    let p = err.position.unwrap();
    assert_eq!((p.line, p.column), position_of(&text, "5}"), "{err}");
    let a = Archive::load(
        &[&path],
        &LoadOptions {
            keep_going: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            a.report.responses,
            a.report.builds_kept,
            a.report.records_rejected.len()
        ),
        (3, 3, 1)
    );

    // A syntax error in the fourth value.
    let text = format!(
        "{}\n{}\n{}\n{{\"builds\": [1,,]}}\n",
        one(0),
        one(1),
        one(2)
    );
    std::fs::write(&path, &text).unwrap();
    let (line, column) = position_of(&text, ",]");
    for keep_going in [false, true] {
        let opts = LoadOptions {
            keep_going,
            ..Default::default()
        };
        let p = match Archive::load(&[&path], &opts) {
            Err(e) => {
                assert_eq!(e.kind, ErrorKind::Syntax);
                e.position.unwrap()
            }
            Ok(a) => {
                assert_eq!(a.report.builds_kept, 3);
                a.report.files_rejected[0].position.unwrap()
            }
        };
        assert_eq!((p.line, p.column), (line, column));
    }
}

#[test]
fn batched_load_notices_a_file_that_changed_between_passes() {
    let good = read_json("responses/auto-retry-chain.json");
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    std::fs::write(&a, serde_json::to_vec(&good).unwrap()).unwrap();
    std::fs::write(&b, serde_json::to_vec(&good).unwrap()).unwrap();
    let mut first = true;
    let err = Archive::load_batched(&[dir.path()], &LoadOptions::default(), 1, |_| {
        if first {
            // After the first batch (a.json), b.json loses its builds.
            first = false;
            std::fs::write(&b, br#"{"builds": [], "buildsNotFound": []}"#).unwrap();
        }
        Ok::<_, codebuild_analytics::LoadError>(())
    })
    .unwrap_err();
    assert!(err.file.ends_with("b.json"), "{err}");
    assert!(
        err.message
            .starts_with("the file changed while the archive was read"),
        "{err}"
    );
}

fn write_parquet(path: &Path, df: &DataFrame) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut df = df.clone();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// `read_parquet` gives back every frame as written, over single files and
/// a frame split into several files (one with a phase of no known build).
#[test]
fn parquet_dataset_reads_back_every_frame() {
    use codebuild_analytics::dataset::{Projection, read_parquet};
    let archive = load(&[testdata().join("sample-archive")]);
    let f = &archive.frames;
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("builds.parquet"), &f.builds);
    write_parquet(&dir.path().join("phaseContexts.parquet"), &f.phase_contexts);
    for (name, df) in &f.lists {
        write_parquet(&dir.path().join(format!("{name}.parquet")), df);
    }
    // Phases in two files; the second ends with a phase of no known build.
    let half = f.phases.height() / 2;
    let mut orphan = f.phases.slice(0, 1);
    orphan
        .with_column(Column::new("buildId".into(), ["nobody:1"]))
        .unwrap();
    let mut second = f.phases.slice(half as i64, f.phases.height() - half);
    second.vstack_mut(&orphan).unwrap();
    write_parquet(
        &dir.path().join("phases/part-0.parquet"),
        &f.phases.slice(0, half),
    );
    write_parquet(&dir.path().join("phases/part-1.parquet"), &second);

    let back = read_parquet(dir.path(), Projection::All).unwrap();
    assert!(back.builds.equals_missing(&f.builds));
    assert!(back.phase_contexts.equals_missing(&f.phase_contexts));
    for (name, df) in &f.lists {
        assert!(back.lists[name].equals_missing(df), "{name}");
    }
    let mut expected = f.phases.clone();
    expected.vstack_mut(&orphan).unwrap();
    assert_eq!(back.phases.height(), f.phases.height() + 1);
    assert!(back.phases.equals_missing(&expected));

    // The child frames' ids are views into the builds' id text (one
    // chunk), not copies: part-0's phases share its buffers; part-1, with
    // an id no build has, keeps its own.
    let buffers = |c: &Column| -> Vec<Vec<*const u8>> {
        c.str()
            .unwrap()
            .downcast_iter()
            .filter(|a| a.len() > 0)
            .map(|a| a.data_buffers().iter().map(|b| b.as_ptr()).collect())
            .collect()
    };
    let ids = buffers(back.builds.column("id").unwrap());
    assert_eq!(ids.len(), 1);
    let phases = buffers(back.phases.column("buildId").unwrap());
    assert_eq!(phases.len(), 2);
    assert!(!phases[0].is_empty());
    assert!(phases[0].iter().all(|b| ids[0].contains(b)));
    assert!(phases[1].iter().all(|b| !ids[0].contains(b)));
    for c in buffers(back.phase_contexts.column("buildId").unwrap()) {
        assert!(c.iter().all(|b| ids[0].contains(b)));
    }
}
