//! End-to-end tests of the `cbstats` binary on the fixtures in `testdata/`.

mod common;

use common::{cbstats, root, without_source};

use std::path::Path;

use assert_cmd::Command;
use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, LoadOptions};
use serde_json::Value;

fn stdout_of(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn version_and_help() {
    let (code, out, _) = stdout_of(cbstats().arg("--version"));
    assert_eq!(code, 0);
    assert!(out.starts_with("cbstats "), "{out}");
    for sub in ["report", "export", "validate", "schema"] {
        let (code, out, _) = stdout_of(cbstats().args([sub, "--help"]));
        assert_eq!(code, 0, "{sub} --help");
        assert!(out.contains("Usage: cbstats"), "{sub}: {out}");
    }
}

#[test]
fn report_table_has_both_sections_within_80_columns() {
    let (code, out, err) = stdout_of(cbstats().args(["report", "testdata/responses"]));
    assert_eq!(code, 0, "{err}");
    // The summary: headline with the accounting, then the questions.
    assert!(
        out.starts_with("CodeBuild report: testdata/responses\n"),
        "{out}"
    );
    assert!(
        out.contains("Load: 23 read = 14 kept + 9 duplicates + 0 rejected"),
        "{out}"
    );
    assert!(out.contains("\nWhere build time goes\n"), "{out}");
    assert!(out.contains("\nWhat fails\n"), "{out}");
    // Detail sections only on request in tables.
    assert!(!out.contains("retry chains\n"), "{out}");
    assert!(
        !out.contains('\x1b'),
        "no colors with NO_COLOR / not a terminal"
    );
    for line in out.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line:?}");
    }
    // `--detail` adds every section, the load accounting line included.
    let (code, out, err) = stdout_of(cbstats().args(["report", "testdata/responses", "--detail"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\nretry chains\n"), "{out}");
    assert!(
        out.contains("builds read = kept + duplicates + rejected: "),
        "{out}"
    );
}

#[test]
fn report_json_numbers() {
    let (code, out, err) = stdout_of(cbstats().args([
        "report",
        "testdata/responses/doc-expected-output.json",
        "--format",
        "json",
        "--detail",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let load = &v["load"];
    assert_eq!(load["filesRead"], 1);
    assert_eq!(load["responses"], 1);
    assert_eq!(load["buildsRead"], 2);
    assert_eq!(load["buildsKept"], 2);
    assert_eq!(load["duplicatesDropped"], 0);
    assert_eq!(load["recordsRejected"], 0);
    assert_eq!(load["balances"], true);
    // One project row and the overall row; both builds SUCCEEDED.
    let rows = v["outcomes"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["projectName"], "codebuild-demo-project");
    assert_eq!(rows[1]["projectName"], "(all)");
    for row in rows {
        assert_eq!(row["builds"], 2);
        assert_eq!(row["SUCCEEDED"], 2);
        assert_eq!(row["successRate"], 1.0);
    }
    // Durations 132.91 s and 132.37 s: p50 by linear interpolation = 132.64.
    let p50 = rows[0]["durationP50"].as_f64().unwrap();
    assert!((p50 - 132.64).abs() < 1e-9, "{p50}");
    // With --detail, JSON has the detail sections too: each build is a chain of one.
    assert_eq!(v["retry chains"].as_array().unwrap().len(), 2);
    // Column order is the frame's; each row is one line.
    let row = out
        .lines()
        .skip_while(|l| !l.starts_with("  \"outcomes\": ["))
        .find(|l| {
            l.trim_start()
                .starts_with("{\"projectName\":\"codebuild-demo-project\"")
        })
        .unwrap();
    let p = row.find("\"projectName\"").unwrap();
    let s = row.find("\"successRate\"").unwrap();
    assert!(p < s, "{row}");
}

#[test]
fn report_section_filters_and_markdown() {
    let (code, out, err) = stdout_of(cbstats().args([
        "report",
        "testdata/responses",
        "--section",
        "outcomes",
        "--project",
        "docs-site",
        "--format",
        "markdown",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("## load"), "{out}");
    assert!(out.contains("## outcomes"), "{out}");
    assert!(
        out.contains("| projectName | builds | SUCCEEDED |"),
        "{out}"
    );
    for line in out
        .lines()
        .filter(|l| l.starts_with("| ") && !l.contains("projectName") && !l.starts_with("| ---"))
    {
        assert!(
            line.starts_with("| docs-site |") || line.starts_with("| (all) |"),
            "{line}"
        );
    }
    // A time range with nothing in it.
    let (code, out, _) = stdout_of(cbstats().args([
        "report",
        "testdata/responses",
        "--section",
        "outcomes",
        "--since",
        "2100-01-01",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["outcomes"], Value::Array(vec![]));
    // Unknown section and bad time are usage errors.
    let (code, _, err) =
        stdout_of(cbstats().args(["report", "testdata/responses", "--section", "nope"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error: unknown section `nope`"), "{err}");
    let (code, _, err) =
        stdout_of(cbstats().args(["report", "testdata/responses", "--since", "yesterday"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn report_reads_stdin_and_fails_cleanly() {
    let input = std::fs::read(root().join("testdata/responses/doc-expected-output.json")).unwrap();
    let (code, out, err) = stdout_of(
        cbstats()
            .args(["report", "-", "--format", "json"])
            .write_stdin(input),
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["load"]["buildsKept"], 2);

    let (code, out, err) =
        stdout_of(cbstats().args(["report", "testdata/bad/wrong-type-buildnumber.json"]));
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: cannot load the archive: testdata/bad/wrong-type-buildnumber.json:6:25: builds[0].buildNumber: invalid type: string \"12\", expected i64\n"
    );
    assert!(!err.contains("panicked") && !err.contains("backtrace"));

    let (code, _, err) = stdout_of(cbstats().args([
        "report",
        "--keep-going",
        "testdata/bad/wrong-type-buildnumber.json",
        "testdata/responses/succeeded.json",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("skipped 0 bad file(s) and 1 bad record(s)")
            || err.contains("skipped 1 bad file(s)"),
        "{err}"
    );
}

#[test]
fn validate_clean_is_exit_0() {
    let (code, out, err) = stdout_of(cbstats().args(["validate", "testdata/responses"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with(" problems\n"), "{out}");
    assert!(out.ends_with(", 0 problems\n"), "{out}");
}

#[test]
fn validate_lists_problems_with_positions() {
    let (code, out, _) = stdout_of(cbstats().args([
        "validate",
        "testdata/bad/wrong-type-buildnumber.json",
        "testdata/bad/wrong-type-phase-duration.json",
        "testdata/responses/succeeded.json",
    ]));
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "testdata/bad/wrong-type-buildnumber.json:6:25: builds[0].buildNumber: invalid type: string \"12\", expected i64"
    );
    assert_eq!(
        lines[1],
        "testdata/bad/wrong-type-phase-duration.json:40:35: builds[0].phases[2].durationInSeconds: invalid type: string \"72\", expected i64"
    );
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[2].starts_with("3 files, "), "{out}");
    assert!(lines[2].ends_with(", 2 problems"), "{out}");
}

#[test]
fn validate_usage_error_is_exit_2() {
    let (code, _, _) = stdout_of(cbstats().args(["validate", "--no-such-flag"]));
    assert_eq!(code, 2);
    let (code, _, _) =
        stdout_of(cbstats().args(["report", "--format", "xml", "testdata/responses"]));
    assert_eq!(code, 2);
}

#[test]
fn validate_strict_flags_unknown_enum_values() {
    let file = "testdata/lenient/unknown-enum-values.json";
    let (code, out, _) = stdout_of(cbstats().args(["validate", file]));
    assert_eq!(code, 0, "lenient parse accepts it: {out}");

    let (code, out, _) = stdout_of(cbstats().args(["validate", "--strict", file]));
    assert_eq!(code, 1, "{out}");
    let problems: Vec<&str> = out.lines().filter(|l| l.starts_with(file)).collect();
    assert_eq!(problems.len(), 9, "{out}");
    assert!(
        problems.iter().all(|l| l.contains("unknown enum value")),
        "{out}"
    );
    assert!(
        problems.contains(&"testdata/lenient/unknown-enum-values.json:9:22: builds[0].buildStatus: unknown enum value \"PENDING_APPROVAL\""),
        "{out}"
    );
    assert!(out.ends_with("1 files, 2 builds, 9 problems\n"), "{out}");

    let (code, out, _) = stdout_of(cbstats().args([
        "validate",
        "--strict",
        "testdata/lenient/unknown-fields.json",
    ]));
    assert_eq!(code, 1);
    assert_eq!(
        out.lines().filter(|l| l.contains("unknown member")).count(),
        8,
        "{out}"
    );
    // Each at the member's value, with the loader's path style.
    for (at, field) in [
        ("69:24", "builds[0].phases[6].retryable"),
        ("142:28", "builds[0].logs.retentionInDays"),
        ("162:16", "nextToken"),
    ] {
        let line = format!(
            "testdata/lenient/unknown-fields.json:{at}: {field}: unknown member (not in the CodeBuild API model)"
        );
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }

    let (code, out, _) = stdout_of(cbstats().args([
        "validate",
        "--strict",
        "testdata/lenient/nulls-and-empties.json",
    ]));
    assert_eq!(code, 1);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("null is not allowed"))
            .count(),
        20,
        "{out}"
    );

    // Valid dumps are valid under the schema too.
    let (code, out, _) =
        stdout_of(cbstats().args(["validate", "--strict", "testdata/responses/succeeded.json"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn schema_is_byte_equal_to_the_committed_files() {
    for (kind, file) in [
        ("response", "schemas/batch-get-builds-response.schema.json"),
        ("build", "schemas/build.schema.json"),
    ] {
        let out = cbstats().args(["schema", "--type", kind]).output().unwrap();
        assert!(out.status.success());
        assert_eq!(
            out.stdout,
            std::fs::read(root().join(file)).unwrap(),
            "{kind}"
        );
    }
    let out = cbstats().arg("schema").output().unwrap();
    assert_eq!(
        out.stdout,
        std::fs::read(root().join("schemas/batch-get-builds-response.schema.json")).unwrap()
    );
}

#[test]
fn export_parquet_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    // The same (absolute) path for both, as `sourceFile` holds it.
    let input = root().join("testdata/responses");
    let (code, _, err) = stdout_of(
        cbstats()
            .arg("export")
            .arg(&input)
            .arg("--out")
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let archive = Archive::load(&[input], &LoadOptions::default()).unwrap();
    for (name, expected) in archive.frames.iter() {
        let path = dir.path().join(format!("{name}.parquet"));
        let got = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        assert!(
            got.equals_missing(expected),
            "{name}: {got:?} vs {expected:?}"
        );
    }
    let builds =
        ParquetReader::new(std::fs::File::open(dir.path().join("builds.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(
        builds.column("startTime").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    assert!(dir.path().join("retry-chains.parquet").exists());
}

#[test]
fn export_partitioned_and_other_formats() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args([
                "export",
                "testdata/responses",
                "--partition-by",
                "projectName",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let part = dir
        .path()
        .join("builds/projectName=docs-site/part-0.parquet");
    let got = ParquetReader::new(std::fs::File::open(&part).unwrap())
        .finish()
        .unwrap();
    assert_eq!(got.height(), 2);
    // The key is in the folder name and, exactly, in the file's metadata;
    // not a column of the file (as Hive and Spark write them).
    assert!(got.column("projectName").is_err());
    assert!(got.column("id").is_ok());
    assert_eq!(
        partition_values_of(&part),
        serde_json::json!({"projectName": "docs-site"})
    );
    // Frames that have the column are partitioned too, the others written whole.
    assert!(
        dir.path()
            .join("phases/projectName=docs-site/part-0.parquet")
            .exists()
    );
    assert!(dir.path().join("environmentVariables.parquet").exists());

    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args([
                "export",
                "testdata/responses/doc-expected-output.json",
                "--partition-by",
                "month",
                "--format",
                "ndjson",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let months: Vec<_> = std::fs::read_dir(dir.path().join("builds"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(!months.is_empty());
    for m in &months {
        let m = m.to_str().unwrap();
        assert!(m.starts_with("month="), "{m}");
        let text = std::fs::read_to_string(dir.path().join("builds").join(m).join("part-0.ndjson"))
            .unwrap();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let start = v["startTime"].as_str().unwrap();
            assert!(start.ends_with('Z') && start.contains('T'), "{start}");
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args([
                "export",
                "testdata/responses/succeeded.json",
                "--format",
                "csv",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(dir.path().join("builds.csv")).unwrap();
    assert!(csv.starts_with("id,"), "{csv}");
    // A list column (memberIds) is one field holding its JSON array text.
    let chains = std::fs::read_to_string(dir.path().join("retry-chains.csv")).unwrap();
    let id = "web-app:9b0ac37f-d19e-4254-9079-f47e9a389e01";
    assert!(chains.contains(&format!("\"[\"\"{id}\"\"]\"")), "{chains}");
}

#[test]
fn export_env_values_only_when_asked() {
    let has_value = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = stdout_of(
            cbstats()
                .args(["export", "testdata/responses", "--out"])
                .arg(dir.path())
                .args(extra),
        );
        assert_eq!(code, 0, "{err}");
        let env = ParquetReader::new(
            std::fs::File::open(dir.path().join("environmentVariables.parquet")).unwrap(),
        )
        .finish()
        .unwrap();
        env.column("value").is_ok()
    };
    assert!(!has_value(&[]));
    assert!(has_value(&["--include-env-values"]));
}

#[test]
fn export_filters_every_frame() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args([
                "export",
                "testdata/responses",
                "--project",
                "payments-service",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let read = |name: &str| {
        ParquetReader::new(std::fs::File::open(dir.path().join(name)).unwrap())
            .finish()
            .unwrap()
    };
    let builds = read("builds.parquet");
    // auto-retry-chain.json holds the archive's three payments-service builds.
    assert_eq!(builds.height(), 3);
    let ids: Vec<String> = builds
        .column("id")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect();
    assert!(
        ids.iter().all(|id| id.starts_with("payments-service:")),
        "{ids:?}"
    );
    let phases = read("phases.parquet");
    assert!(phases.height() > 0);
    for id in phases.column("buildId").unwrap().str().unwrap().iter() {
        assert!(ids.contains(&id.unwrap().to_owned()));
    }
    let outcomes = read("outcomes.parquet");
    let projects: Vec<Option<&str>> = outcomes
        .column("projectName")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(projects, [Some("payments-service"), Some("(all)")]);
}

fn export_to(dir: &Path, extra: &[&str]) {
    let (code, _, err) = stdout_of(
        cbstats()
            .args(["export", "testdata/sample-archive", "--out"])
            .arg(dir)
            .args(extra),
    );
    assert_eq!(code, 0, "{err}");
}

fn read_parquet_file(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn export_in_small_batches_writes_what_one_batch_writes() {
    // 2,000 builds in 22 files, 33 duplicates: with batches of 150 builds
    // (whole files), records of one id land in different batches.
    let one = tempfile::tempdir().unwrap();
    let many = tempfile::tempdir().unwrap();
    export_to(one.path(), &[]);
    export_to(many.path(), &["--batch-builds", "150"]);
    let mut names: Vec<String> = std::fs::read_dir(one.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // Every frame, every section and the load report.
    assert_eq!(names.len(), 14 + 28 + 1, "{names:?}");
    for name in &names {
        let (a, b) = (one.path().join(name), many.path().join(name));
        if name.ends_with(".json") {
            assert_eq!(
                std::fs::read_to_string(a).unwrap(),
                std::fs::read_to_string(b).unwrap()
            );
            continue;
        }
        let (a, b) = (read_parquet_file(&a), read_parquet_file(&b));
        assert!(a.equals_missing(&b), "{name}: {a} vs {b}");
    }
    // The load report beside the frames is the archive's.
    let archive = Archive::load(
        &[root().join("testdata/sample-archive")],
        &LoadOptions::default(),
    )
    .unwrap();
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(many.path().join("load-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(saved["buildsRead"], 2033);
    assert_eq!(saved["buildsKept"], 2000);
    assert_eq!(saved["duplicatesDropped"], 33);
    assert_eq!(saved["buildsKept"], archive.report.builds_kept);
    let builds = read_parquet_file(&many.path().join("builds.parquet"));
    assert_eq!(builds.height(), 2000);
    // Sections computed from the batches' analysis columns equal the
    // analyses run on the whole archive in memory.
    use codebuild_analytics::Filters;
    use codebuild_analytics::analysis::{retry, timing};
    let none = Filters::default();
    let in_memory = [
        (
            "phase-timing.parquet",
            timing::phase_timing(&archive.frames, &none, &timing::DEFAULT_TIMING_KEYS).unwrap(),
        ),
        (
            "retry-chains.parquet",
            retry::retry_chains(&archive.frames, &none).unwrap(),
        ),
    ];
    for (name, want) in in_memory {
        let got = read_parquet_file(&many.path().join(name));
        assert!(want.height() > 10, "{name}");
        assert!(got.equals_missing(&want), "{name}: {got} vs {want}");
    }
}

#[test]
fn report_on_a_parquet_export_equals_the_report_on_the_dumps() {
    let (code, want, err) =
        stdout_of(cbstats().args(["report", "--format", "json", "testdata/sample-archive"]));
    assert_eq!(code, 0, "{err}");
    for extra in [
        &[][..],
        &[
            "--partition-by",
            "month",
            "--partition-by",
            "projectName",
            "--batch-builds",
            "300",
            "--no-analyses",
        ][..],
        &["--partition-by", "buildStatus"][..],
    ] {
        let dir = tempfile::tempdir().unwrap();
        export_to(dir.path(), extra);
        if extra.contains(&"--no-analyses") {
            assert!(!dir.path().join("retry-chains.parquet").exists());
            assert!(dir.path().join("builds/month=2024-01").is_dir());
            // 300-build batches really were several: some partition got a second batch's file.
            let second_batch = walkdir::WalkDir::new(dir.path().join("builds"))
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.file_name() == "part-1.parquet");
            assert!(second_batch);
        }
        let (code, got, err) = stdout_of(
            cbstats()
                .args(["report", "--format", "json", "--parquet"])
                .arg(dir.path()),
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            without_source(&got) == without_source(&want),
            "{extra:?}:\n{got}"
        );
    }
}

#[test]
fn report_on_a_folder_that_is_not_an_export_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(cbstats().args(["report", "--parquet"]).arg(dir.path()));
    assert_eq!(code, 1);
    assert!(err.contains("load-report.json"), "{err}");
    assert!(
        err.contains("--parquet takes a folder written by `cbstats export"),
        "{err}"
    );
    // --parquet and dump paths do not mix.
    let (code, _, err) = stdout_of(
        cbstats()
            .args(["report", "testdata/sample-archive", "--parquet"])
            .arg(dir.path()),
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn export_reads_standard_input_twice_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let input = std::fs::read(root().join("testdata/responses/auto-retry-chain.json")).unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args(["export", "-", "--out"])
            .arg(dir.path())
            .write_stdin(input),
    );
    assert_eq!(code, 0, "{err}");
    let archive = Archive::load(
        &[root().join("testdata/responses/auto-retry-chain.json")],
        &LoadOptions::default(),
    )
    .unwrap();
    let builds = read_parquet_file(&dir.path().join("builds.parquet"));
    assert_eq!(builds.height(), archive.frames.builds.height());
    assert!(builds.height() > 1);
    let ids = |df: &DataFrame| df.column("id").unwrap().as_materialized_series().clone();
    assert!(ids(&builds).equals_missing(&ids(&archive.frames.builds)));
}

#[test]
fn the_bad_corpus_through_every_command() {
    // Every file of testdata/bad at once (the gzip bomb stops at 16 MiB).
    let cap = ["--max-file-bytes", "16777216"];
    let dir = tempfile::tempdir().unwrap();
    let runs: [(&str, &[&str]); 3] = [
        ("validate", &[]),
        ("report", &["--format", "json"]),
        ("export", &["--out"]),
    ];
    for (command, extra) in runs {
        for keep_going in [false, true] {
            let mut cmd = cbstats();
            cmd.arg(command).arg("testdata/bad").args(cap).args(extra);
            if command == "export" {
                cmd.arg(dir.path().join(format!("keep-{keep_going}")));
            }
            if keep_going && command != "validate" {
                cmd.arg("--keep-going");
            }
            let (code, out, err) = stdout_of(&mut cmd);
            assert!(!err.contains("panicked"), "{command}: {err}");
            let want = if keep_going && command != "validate" {
                0
            } else {
                1
            };
            assert_eq!(code, want, "{command} keep_going={keep_going}: {err}");
            if !keep_going || command == "validate" {
                // The first error (or, for validate, every error) names a file under testdata/bad.
                assert!(
                    err.contains("testdata/bad/") || out.contains("testdata/bad/"),
                    "{err}"
                );
                continue;
            }
            // 22 records read: 5 kept, 2 duplicates, 15 rejected; 7 files rejected.
            let accounting = "builds read = kept + duplicates + rejected: 22 = 5 + 2 + 15";
            if command == "report" {
                let v: Value = serde_json::from_str(&out).unwrap();
                assert_eq!(v["load"]["buildsRead"], 22);
                assert_eq!(v["load"]["buildsKept"], 5);
                assert_eq!(v["load"]["duplicatesDropped"], 2);
                assert_eq!(v["load"]["recordsRejected"], 15);
                assert_eq!(v["load"]["filesRejected"], 7);
                assert_eq!(v["load"]["balances"], true);
            } else {
                assert!(err.contains(accounting), "{err}");
                let saved: Value = serde_json::from_str(
                    &std::fs::read_to_string(dir.path().join("keep-true/load-report.json"))
                        .unwrap(),
                )
                .unwrap();
                assert_eq!(saved["recordsRejected"].as_array().unwrap().len(), 15);
                assert_eq!(saved["filesRejected"].as_array().unwrap().len(), 7);
                let builds = read_parquet_file(&dir.path().join("keep-true/builds.parquet"));
                assert_eq!(builds.height(), 5);
            }
        }
    }
}

/// The project of a build without `projectName`, for [`response_of`].
const NO_PROJECT: &str = "(no projectName)";

/// A `batch_get_builds` response of `(projectName, buildStatus, startTime
/// epoch seconds, duration seconds)` builds, with no phases.
fn response_of(builds: &[(&str, &str, i64, i64)]) -> String {
    let builds: Vec<Value> = builds
        .iter()
        .enumerate()
        .map(|(i, (project, status, start, secs))| {
            let id = format!("{project}:00000000-0000-0000-0000-{i:012}");
            let mut build = serde_json::json!({
                "id": id,
                "arn": format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}"),
                "projectName": project,
                "buildStatus": status,
                "buildComplete": true,
                "startTime": start,
                "endTime": start + secs,
            });
            if *project == NO_PROJECT {
                build.as_object_mut().unwrap().remove("projectName");
            }
            build
        })
        .collect();
    serde_json::json!({ "builds": builds, "buildsNotFound": [] }).to_string()
}

/// The exact partition values a partition's Parquet file holds in its metadata.
fn partition_values_of(path: &Path) -> Value {
    let mut reader = ParquetReader::new(std::fs::File::open(path).unwrap());
    let meta = reader.get_metadata().unwrap();
    let kv = meta.key_value_metadata().as_ref().unwrap();
    let text = kv
        .iter()
        .find(|kv| kv.key == "cbstats.partitionValues")
        .and_then(|kv| kv.value.as_deref())
        .unwrap();
    serde_json::from_str(text).unwrap()
}

/// The folder names under `dir`, sorted.
fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn export_partitions_by_255_character_project_names() {
    // AWS allows 255-character project names; `projectName=` + 255 bytes is
    // 267 bytes, past the 255-byte limit of a file name.
    let stem = format!("p{}", "a".repeat(253));
    let (long1, long2) = (format!("{stem}1"), format!("{stem}2"));
    assert_eq!(long1.len(), 255);
    let input = tempfile::tempdir().unwrap();
    let file = input.path().join("builds.json");
    std::fs::write(
        &file,
        response_of(&[
            (&long1, "SUCCEEDED", 1_704_067_200, 100),
            (&long1, "FAILED", 1_704_070_800, 50),
            (&long2, "SUCCEEDED", 1_704_074_400, 30),
            ("web", "FAILED", 1_704_078_000, 10),
            // Both in Hive's null folder, in files of their own.
            ("", "SUCCEEDED", 1_704_078_000, 20),
            (NO_PROJECT, "SUCCEEDED", 1_704_078_000, 40),
        ]),
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .arg("export")
            .arg(&file)
            .args(["--partition-by", "projectName", "--out"])
            .arg(out.path()),
    );
    assert_eq!(code, 0, "{err}");
    // 255 - len("projectName=") - len("~") - 16 hex digits = 226 bytes of
    // the name, then the FNV-1a hash of the whole name (computed apart:
    // two names that differ in their last character hash apart).
    let prefix = &long1[..226];
    assert_eq!(
        folder_names(&out.path().join("builds")),
        [
            "projectName=__HIVE_DEFAULT_PARTITION__".to_string(),
            format!("projectName={prefix}~3ea53a69f1506bf4"), // long2
            format!("projectName={prefix}~3ea53d69f150710d"), // long1
            "projectName=web".to_string(),
        ]
    );
    assert_eq!(
        folder_names(
            &out.path()
                .join("builds/projectName=__HIVE_DEFAULT_PARTITION__")
        ),
        ["part-0-1.parquet", "part-0.parquet"]
    );
    for name in folder_names(&out.path().join("builds")) {
        assert!(name.len() <= 255, "{name}");
    }
    // The exact name is in the file's metadata, as are null and "" (which
    // share Hive's null folder).
    let part = out
        .path()
        .join(format!("builds/projectName={prefix}~3ea53d69f150710d"))
        .join("part-0.parquet");
    assert_eq!(read_parquet_file(&part).height(), 2);
    assert_eq!(
        partition_values_of(&part),
        serde_json::json!({ "projectName": long1 })
    );
    let null_folder = out
        .path()
        .join("builds/projectName=__HIVE_DEFAULT_PARTITION__");
    let mut nulls: Vec<Value> = ["part-0.parquet", "part-0-1.parquet"]
        .iter()
        .map(|f| partition_values_of(&null_folder.join(f))["projectName"].clone())
        .collect();
    nulls.sort_by_key(|v| v.is_null());
    assert_eq!(nulls, [Value::from(""), Value::Null]);

    // The report on the export equals the report on the JSON, and has the full names.
    let (code, want, err) = stdout_of(cbstats().args(["report", "--format", "json"]).arg(&file));
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = stdout_of(
        cbstats()
            .args(["report", "--format", "json", "--parquet"])
            .arg(out.path()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        without_source(&got) == without_source(&want),
        "{got}\nvs\n{want}"
    );
    let v: Value = serde_json::from_str(&got).unwrap();
    let outcomes = v["outcomes"].as_array().unwrap();
    let of = |p: &str| outcomes.iter().find(|r| r["projectName"] == p).unwrap();
    assert_eq!(of(&long1)["builds"], 2);
    assert_eq!(of(&long1)["SUCCEEDED"], 1);
    assert_eq!(of(&long1)["FAILED"], 1);
    assert_eq!(of(&long1)["successRate"], 0.5);
    // Median of 100 s and 50 s.
    assert_eq!(of(&long1)["durationP50"], 75.0);
    assert_eq!(of(&long2)["builds"], 1);
    assert_eq!(of(&long2)["successRate"], 1.0);
    assert_eq!(of("web")["successRate"], 0.0);
    assert_eq!(of("")["durationP50"], 20.0);
    assert!(outcomes.iter().all(|r| r["projectName"] != NO_PROJECT));
    let none = outcomes
        .iter()
        .find(|r| r["projectName"].is_null())
        .unwrap();
    assert_eq!(none["durationP50"], 40.0);
    assert_eq!(of("(all)")["builds"], 6);
}

#[test]
fn export_names_files_whose_names_are_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let input = tempfile::tempdir().unwrap();
    let dir = input.path();
    std::fs::write(
        dir.join("a.json"),
        response_of(&[
            ("web", "SUCCEEDED", 1_704_067_200, 60),
            ("web", "FAILED", 1_704_070_800, 30),
        ]),
    )
    .unwrap();
    // Linux file names are bytes: 0xFF and 0xFE are never UTF-8.
    let bad = dir.join(std::ffi::OsStr::from_bytes(b"bad\xff.json"));
    std::fs::write(&bad, "{\"builds\": [").unwrap();
    let good = dir.join(std::ffi::OsStr::from_bytes(b"ok\xfe.json"));
    std::fs::write(
        &good,
        response_of(&[("api", "SUCCEEDED", 1_704_074_400, 90)]),
    )
    .unwrap();
    let shown = |name: &str| format!("{}/{name}", dir.display());

    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .arg("export")
            .arg(dir)
            .args(["--keep-going", "--format", "ndjson", "--out"])
            .arg(out.path()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("skipped 1 bad file(s)"), "{err}");
    // The load report names the bad file, its bad byte shown as U+FFFD.
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("load-report.json")).unwrap(),
    )
    .unwrap();
    let rejected = saved["filesRejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["file"], shown("bad\u{FFFD}.json"));
    assert_eq!(saved["buildsKept"], 3);
    // The good file's builds are exported, with its name as sourceFile.
    let text = std::fs::read_to_string(out.path().join("builds.ndjson")).unwrap();
    let mut sources: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["sourceFile"].to_string())
        .collect();
    sources.sort();
    assert_eq!(
        sources,
        [
            format!("{:?}", shown("a.json")),
            format!("{:?}", shown("a.json")),
            format!("{:?}", shown("ok\u{FFFD}.json")),
        ]
    );

    // Parquet too, and the report on it lists the bad file as the report on the dumps does.
    let out = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .arg("export")
            .arg(dir)
            .args(["--keep-going", "--out"])
            .arg(out.path()),
    );
    assert_eq!(code, 0, "{err}");
    let (code, want, err) = stdout_of(
        cbstats()
            .args(["report", "--keep-going", "--format", "json", "--detail"])
            .arg(dir),
    );
    assert_eq!(code, 0, "{err}");
    let (code, got, err) = stdout_of(
        cbstats()
            .args(["report", "--format", "json", "--detail", "--parquet"])
            .arg(out.path()),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        without_source(&got) == without_source(&want),
        "{got}\nvs\n{want}"
    );
    let v: Value = serde_json::from_str(&got).unwrap();
    let errors = v["load"]["fileErrors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}:", shown("bad\u{FFFD}.json"))),
        "{errors:?}"
    );
}

/// `(project, status, start, image, initiator, source.type)` of a build.
type Dims = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// Five builds over January 2024 with the dimensions of the failure-rate
/// sections: `(project, status, start, image, initiator, source.type)`.
fn dimensions_archive() -> tempfile::TempDir {
    let rows: [Dims; 5] = [
        (
            "web",
            "SUCCEEDED",
            "2024-01-01T10:00:00Z",
            Some(STD),
            Some("GitHub-Hookshot/abc"),
            Some("GITHUB"),
        ),
        (
            "web",
            "FAILED",
            "2024-01-02T10:00:00Z",
            Some(STD),
            Some("codepipeline/p"),
            Some("CODEPIPELINE"),
        ),
        (
            "web",
            "STOPPED",
            "2024-01-08T10:00:00Z",
            Some(AL2),
            Some("GitHub-Hookshot/abc"),
            Some("GITHUB"),
        ),
        (
            "api",
            "FAULT",
            "2024-01-09T10:00:00Z",
            Some(AL2),
            Some("alice"),
            Some("S3"),
        ),
        ("api", "SUCCEEDED", "2024-01-31T10:00:00Z", None, None, None),
    ];
    const STD: &str = "aws/codebuild/standard:7.0";
    const AL2: &str = "aws/codebuild/amazonlinux2-x86_64-standard:5.0";
    let builds: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (project, status, start, image, initiator, source))| {
            let id = format!("{project}:00000000-0000-0000-0000-{i:012}");
            let mut b = serde_json::json!({
                "id": id,
                "arn": format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}"),
                "projectName": project,
                "buildStatus": status,
                "buildComplete": true,
                "startTime": start,
                "endTime": start.replace("10:00:00", "10:05:00"),
            });
            let o = b.as_object_mut().unwrap();
            if let Some(image) = image {
                o.insert(
                    "environment".into(),
                    serde_json::json!({"computeType": "BUILD_GENERAL1_SMALL", "image": image}),
                );
            }
            if let Some(initiator) = initiator {
                o.insert("initiator".into(), (*initiator).into());
            }
            if let Some(source) = source {
                o.insert("source".into(), serde_json::json!({ "type": source }));
            }
            b
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("builds.json"),
        serde_json::json!({ "builds": builds }).to_string(),
    )
    .unwrap();
    dir
}

/// `(key, builds, completed, failures, failureRate)` of a failure-rate section.
fn rate_rows(section: &Value, key: &str) -> Vec<(Value, i64, i64, i64, Value)> {
    section
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[key].clone(),
                r["builds"].as_i64().unwrap(),
                r["completed"].as_i64().unwrap(),
                r["failures"].as_i64().unwrap(),
                r["failureRate"].clone(),
            )
        })
        .collect()
}

#[test]
fn report_failure_rates_by_image_initiator_and_source_type() {
    let dir = dimensions_archive();
    let (code, out, err) = stdout_of(
        cbstats()
            .args(["report", "--format", "json", "--detail"])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    // failureRate = failures / (completed - STOPPED); sorted by key, nulls last.
    assert_eq!(
        rate_rows(&v["failure rates by image"], "environment.image"),
        [
            // STOPPED + FAULT: 1 / (2 - 1).
            (
                "aws/codebuild/amazonlinux2-x86_64-standard:5.0".into(),
                2,
                2,
                1,
                1.0.into()
            ),
            ("aws/codebuild/standard:7.0".into(), 2, 2, 1, 0.5.into()),
            (Value::Null, 1, 1, 0, 0.0.into()),
        ]
    );
    assert_eq!(
        rate_rows(&v["failure rates by initiator"], "initiator"),
        [
            // SUCCEEDED + STOPPED: 0 / (2 - 1).
            ("GitHub-Hookshot/abc".into(), 2, 2, 0, 0.0.into()),
            ("alice".into(), 1, 1, 1, 1.0.into()),
            ("codepipeline/p".into(), 1, 1, 1, 1.0.into()),
            (Value::Null, 1, 1, 0, 0.0.into()),
        ]
    );
    assert_eq!(
        rate_rows(&v["failure rates by source type"], "source.type"),
        [
            ("CODEPIPELINE".into(), 1, 1, 1, 1.0.into()),
            ("GITHUB".into(), 2, 2, 0, 0.0.into()),
            ("S3".into(), 1, 1, 1, 1.0.into()),
            (Value::Null, 1, 1, 0, 0.0.into()),
        ]
    );

    // Tables and markdown show them with --detail; `--section` takes the slugs.
    let (code, out, err) = stdout_of(cbstats().arg("report").arg(dir.path()).arg("--detail"));
    assert_eq!(code, 0, "{err}");
    for name in ["image", "initiator", "source type", "compute type"] {
        assert!(
            out.contains(&format!("\nfailure rates by {name}\n")),
            "{out}"
        );
    }
    let (code, out, err) = stdout_of(cbstats().arg("report").arg(dir.path()).args([
        "--format",
        "markdown",
        "--section",
        "failure-rates-by-source-type",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("## failure rates by source type\n"),
        "{out}"
    );
    assert!(!out.contains("## outcomes"), "{out}");
    assert!(out.contains("| S3 | 1 | 1 | 1 |"), "{out}");
}

#[test]
fn report_outcomes_per_time_bucket() {
    let dir = dimensions_archive();
    // (projectName, bucket, builds, successRate) of the outcomes-by-time-bucket rows.
    let rows = |bucket: &str| -> Vec<(Value, Value, i64, Value)> {
        let (code, out, err) = stdout_of(
            cbstats()
                .arg("report")
                .arg(dir.path())
                .args(["--format", "json", "--section", "outcomes-by-time-bucket"])
                .args(["--bucket", bucket]),
        );
        assert_eq!(code, 0, "{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        // Sorted: serde_json may keep the written order (`preserve_order`).
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            ["outcomes by time bucket", "schemaVersion", "source"],
            "{out}"
        );
        v["outcomes by time bucket"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["projectName"].clone(),
                    r[bucket].clone(),
                    r["builds"].as_i64().unwrap(),
                    r["successRate"].clone(),
                )
            })
            .collect()
    };
    // successRate = SUCCEEDED / (completed - STOPPED); weeks start on Monday
    // (2024-01-01 was a Monday).
    assert_eq!(
        rows("week"),
        [
            ("api".into(), "2024-01-08".into(), 1, 0.0.into()), // FAULT
            ("api".into(), "2024-01-29".into(), 1, 1.0.into()),
            ("web".into(), "2024-01-01".into(), 2, 0.5.into()), // SUCCEEDED, FAILED
            ("web".into(), "2024-01-08".into(), 1, Value::Null), // STOPPED only
            ("(all)".into(), "2024-01-01".into(), 2, 0.5.into()),
            ("(all)".into(), "2024-01-08".into(), 2, 0.0.into()), // 0 / (2 - 1)
            ("(all)".into(), "2024-01-29".into(), 1, 1.0.into()),
        ]
    );
    assert_eq!(
        rows("month"),
        [
            ("api".into(), "2024-01-01".into(), 2, 0.5.into()),
            ("web".into(), "2024-01-01".into(), 3, 0.5.into()), // 1 / (3 - 1)
            ("(all)".into(), "2024-01-01".into(), 5, 0.5.into()), // 2 / (5 - 1)
        ]
    );
    assert_eq!(rows("day").len(), 5 + 5);
    // `--bucket` alone adds the section to the default table.
    let (code, out, err) = stdout_of(
        cbstats()
            .arg("report")
            .arg(dir.path())
            .args(["--bucket", "month"]),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\noutcomes by time bucket\n"), "{out}");
    assert!(out.contains("\nWhere build time goes\n"), "{out}");
    let (_, out, _) = stdout_of(cbstats().arg("report").arg(dir.path()));
    assert!(!out.contains("outcomes by time bucket"), "{out}");
}

#[test]
fn validate_strict_lists_the_records_the_loader_read_at_their_positions() {
    // Build 0 has a loader error (a text build number); build 1 is read,
    // and has an unknown status and an unknown member.
    let text = r#"{
  "builds": [
    {"id": "a:1", "buildNumber": "x"},
    {
      "id": "a:2",
      "buildStatus": "PENDING_APPROVAL",
      "phases": [{"phaseType": "BUILD", "extra": true}]
    }
  ],
  "nextToken": "t"
}
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mixed.json");
    std::fs::write(&file, text).unwrap();
    let f = file.display().to_string();
    let (code, out, _) = stdout_of(cbstats().args(["validate", "--strict"]).arg(&file));
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let unknown = "unknown member (not in the CodeBuild API model)";
    // The loader's problem, then the schema's by position; build 0's own
    // schema problem (the build number's type) is the loader's, not repeated.
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with(&format!("{f}:3:")) && lines[0].contains(": builds[0].buildNumber: "),
        "{out}"
    );
    assert_eq!(
        lines[1..],
        [
            format!("{f}:6:22: builds[1].buildStatus: unknown enum value \"PENDING_APPROVAL\""),
            format!("{f}:7:50: builds[1].phases[0].extra: {unknown}"),
            format!("{f}:10:16: nextToken: {unknown}"),
            "1 files, 1 builds, 4 problems".to_string(),
        ]
    );

    // A JSON array of builds (`--query builds`), one per line of JSON Lines too.
    let array = dir.path().join("builds.json");
    std::fs::write(
        &array,
        "[{\"id\": \"a:1\"},\n {\"id\": \"a:2\", \"x\": 1}]\n",
    )
    .unwrap();
    let lines = dir.path().join("builds.jsonl");
    std::fs::write(
        &lines,
        "{\"id\": \"a:1\"}\n{\"id\": \"a:2\", \"buildStatus\": \"NEW\"}\n",
    )
    .unwrap();
    let (_, out, _) = stdout_of(
        cbstats()
            .args(["validate", "--strict"])
            .arg(&array)
            .arg(&lines),
    );
    assert_eq!(
        out,
        format!(
            "{}:2:21: [1].x: {unknown}\n{}:2:30: buildStatus: unknown enum value \"NEW\"\n2 files, 4 builds, 2 problems\n",
            array.display(),
            lines.display()
        )
    );
}

/// `cbstats report --format json` of `args`, parsed.
fn report_json(args: &[&str]) -> Value {
    let (code, out, err) = stdout_of(cbstats().args(args));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn estimated_cost_built_in_and_from_a_price_file() {
    // testdata/cost/four-builds.json, priced by hand (billed time rounded up):
    // web:1 us-east-1 Linux small, 61 s -> 2 min x $0.005 = $0.01 (built in);
    // web:2 Lambda 2 GB, 2.5 s -> 3 s x $0.00004 = $0.00012 (example file);
    // api:3 ap-south-1 Linux large, 59 s -> 1 min x $0.02 = $0.02 (example file);
    // api:4 us-east-1 ARM small, 600 s -> 10 min x $0.0034 = $0.034 (example file).
    let sections = [
        "--section",
        "estimated-cost-by-project",
        "--section",
        "not-priced",
        "--section",
        "estimated-build-costs",
    ];
    let mut args = vec![
        "report",
        "--format",
        "json",
        "testdata/cost/four-builds.json",
    ];
    args.extend(sections);
    let builtin = report_json(&args);
    let projects = builtin["estimated cost by project"].as_array().unwrap();
    assert_eq!(projects[0]["projectName"], "web");
    assert_eq!(projects[0]["estimatedCostUsd"].as_f64(), Some(0.01));
    assert_eq!(projects[0]["notPricedBuilds"], 1);
    assert_eq!(projects[1]["projectName"], "api");
    assert!(projects[1]["estimatedCostUsd"].is_null(), "never guessed");
    let not_priced = builtin["not priced"].as_array().unwrap();
    assert_eq!(not_priced.len(), 3);
    assert!(
        not_priced
            .iter()
            .all(|r| r["reason"] == "not in the price table")
    );

    let mut args = vec![
        "--prices",
        "testdata/prices/example-prices.json",
        "report",
        "--format",
        "json",
        "testdata/cost/four-builds.json",
    ];
    args.extend(sections);
    let priced = report_json(&args);
    let costs: Vec<(String, f64)> = priced["estimated build costs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap()[..5].to_owned(),
                r["estimatedCostUsd"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("api:0", 0.02),
        ("api:0", 0.034),
        ("web:0", 0.01),
        ("web:0", 0.00012),
    ];
    for ((id, got), (want_id, want)) in costs.iter().zip(want) {
        assert_eq!(id, want_id);
        assert!((got - want).abs() < 1e-12, "{id}: {got} vs {want}");
    }
    assert_eq!(costs.len(), 4);
    assert!(priced["not priced"].as_array().unwrap().is_empty());
    let total: f64 = priced["estimated cost by project"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["estimatedCostUsd"].as_f64().unwrap())
        .sum();
    assert!((total - 0.06412).abs() < 1e-12, "{total}");
}

#[test]
fn a_bad_price_file_is_a_usage_error_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.json");
    std::fs::write(
        &path,
        r#"{"source": "s", "asOf": "2026-01-01", "currency": "USD", "prices": [
  {"region": "us-east-1", "environmentType": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL", "usdPerMinute": "cheap"}]}"#,
    )
    .unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .arg("--prices")
            .arg(&path)
            .args(["report", "testdata/cost/four-builds.json"]),
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("{}: 2:", path.display()))
            && err.contains("prices[0].usdPerMinute: invalid type: string \"cheap\""),
        "{err}"
    );
    let (code, _, err) = stdout_of(
        cbstats()
            .args(["--prices", "no/such/prices.json", "report"])
            .arg("testdata/cost/four-builds.json"),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no/such/prices.json: cannot read the price table"),
        "{err}"
    );
}

#[test]
fn export_writes_the_estimated_costs() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = stdout_of(
        cbstats()
            .args([
                "export",
                "testdata/cost/four-builds.json",
                "--format",
                "ndjson",
                "--out",
            ])
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(dir.path().join("estimated-build-costs.ndjson")).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let web1 = rows
        .iter()
        .find(|r| r["id"] == "web:00000000-0000-4000-8000-000000000001")
        .unwrap();
    assert_eq!(web1["estimatedCostUsd"].as_f64(), Some(0.01));
    assert_eq!(web1["billedSeconds"], 120);
    assert!(dir.path().join("estimated-cost-by-project.ndjson").exists());
}

#[test]
fn compare_windows_relative_to_the_latest_build_and_two_archives() {
    // last:7d ends just after the latest startTime; previous:28d is the 28
    // days before it.
    let archive = Archive::load(
        &[root().join("testdata/sample-archive")],
        &LoadOptions::default(),
    )
    .unwrap();
    let latest = archive
        .frames
        .builds
        .column("startTime")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .max()
        .unwrap();
    let rfc = |us: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let day = 86_400_000_000i64;
    let (code, out, err) = stdout_of(cbstats().args([
        "compare",
        "testdata/sample-archive",
        "--current",
        "last:7d",
        "--baseline",
        "previous:28d",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let until = latest + 1;
    assert_eq!(v["current"]["until"], rfc(until));
    assert_eq!(v["current"]["since"], rfc(until - 7 * day));
    assert_eq!(v["baseline"]["since"], rfc(until - 35 * day));
    assert_eq!(v["baseline"]["until"], rfc(until - 7 * day));
    let in_window = |a: i64, b: i64| {
        archive
            .frames
            .builds
            .column("startTime")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .flatten()
            .filter(|t| (a..b).contains(t))
            .count() as u64
    };
    assert_eq!(v["current"]["builds"], in_window(until - 7 * day, until));
    assert_eq!(
        v["baseline"]["builds"],
        in_window(until - 35 * day, until - 7 * day)
    );

    // Two archives: no PATH; too few builds to test anything.
    let (code, out, err) = stdout_of(cbstats().args([
        "compare",
        "--baseline",
        "testdata/cost/four-builds.json",
        "--current",
        "testdata/cost/four-builds.json",
        "--format",
        "json",
        "--fail-on",
        "new-failure-reasons",
    ]));
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tests"], 0);
    assert_eq!(v["baseline"]["builds"], 4);
    // Usage errors: exit 2.
    for args in [
        &[
            "compare",
            "testdata/sample-archive",
            "--baseline",
            "previous:7d",
            "--current",
            "previous:7d",
        ][..],
        &[
            "compare",
            "testdata/sample-archive",
            "--baseline",
            "testdata/cost/four-builds.json",
            "--current",
            "testdata/cost/four-builds.json",
        ][..],
        &[
            "compare",
            "testdata/sample-archive",
            "--baseline",
            "2024-01-01..2024-01-10",
            "--current",
            "next:7d",
        ][..],
    ] {
        let (code, _, err) = stdout_of(cbstats().args(args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}
