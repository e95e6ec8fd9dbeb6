//! `cbstats sql`: the generated SQL run by DuckDB and PySpark on exports,
//! and the Trino SQL translated to DuckDB by sqlglot, compared value by
//! value with `cbstats report --format json --detail` on the same archive
//! (unfiltered, and with the report's filters); the Trino SQL also parsed
//! by `sqlparser`.
//!
//! The Python side is `tests/sql/run_sql.py`, in the virtual environment
//! `.ci/deps` installs (DuckDB, PySpark and sqlglot pinned in
//! `.ci/requirements.txt`, shared with the interop test). A missing
//! interpreter fails the test.

mod common;

use std::path::PathBuf;
use std::process::Command;

use codebuild_analytics::analysis::failures::normalize_message;
use codebuild_analytics::sql::{self, Dialect, Source, SqlOptions};
use common::{cbstats_process as cbstats, python, root, run_process as run};
use serde_json::json;

/// Messages that trip the engines' regex dialects: word boundaries next to
/// non-ASCII letters and underscores, adjacent matches sharing one
/// separator, case, quotes and backslashes (SQL string escapes), line
/// breaks, and each rule once.
const MESSAGES: &[&str] = &[
    "Error while executing command: npm test. Reason: exit status 1",
    "build 0a1b2c3d-0000-4000-8000-00000000abcd failed",
    "id 0A1B2C3D-0000-4000-8000-00000000ABCD",
    "role arn:aws:iam::123456789012:role/service-role/cb-role is invalid",
    "not authorized on resource: arn:aws:s3:::my-bucket/key.txt.",
    "arn:aws:codebuild:us-east-1:123456789012:build/proj:0a1b2c3d-0000-4000-8000-00000000abcd",
    "bad role 'arn:aws:iam::123456789012:role/x'",
    r#"stat "/codebuild/output/src123/src/buildspec.yml": no such file"#,
    "repository 'acme/app' not found; can't stat /tmp/x: file doesn't exist",
    "commit 3f2a9c1 not found, image sha256:ABCDEF0123456789abcdef",
    "deadbeef facade defaced abc123 project-1234abc",
    "request 1234567 failed; took 12345 ms at port 8080, exit 42",
    "/codebuild/output/src987654321/src",
    "é1234567 x ü0a1b2c3d-0000-4000-8000-00000000abcdü",
    "1234567 7654321 abcdef1,1234567;7654321",
    "a1234567_b _1234567 1234567_",
    "'a/b\u{a0}c' and 'x/y\tz' and \"p/q\"",
    "line 1\nabcdef12\n0a1b2c3d-0000-4000-8000-00000000abcd\n",
    r"C:\build\1234567\out 'it''s' \'q/r\'",
    "dollar $1 and \\1 in 1234567",
    "",
];

/// An export (`--partition-by` values) and the dialects run on it.
struct Case {
    label: &'static str,
    archive: PathBuf,
    partition_by: &'static [&'static str],
    prices: Option<PathBuf>,
    /// The report's filters, given to `report` and `sql` alike (the
    /// export is the whole archive: the SQL does the filtering).
    filters: &'static [&'static str],
    /// The dialects run on it.
    dialects: &'static [&'static str],
}

const ALL_DIALECTS: &[&str] = &["duckdb", "spark", "trino"];

/// The filters of the filtered case: three projects (the largest, and two
/// with retry chains) over a window that cuts chains, commits and red
/// periods at both ends.
const FILTERS: &[&str] = &[
    "--project",
    "mobile-consumer-main",
    "--project",
    "data-scheduler-deploy",
    "--project",
    "ledger-service-lint",
    "--since",
    "2024-01-10",
    "--until",
    "2024-02-05",
];

#[test]
fn the_sql_of_duckdb_and_spark_gives_the_reports_numbers() {
    let python = python();
    assert!(
        python.exists(),
        "no Python interpreter at {}: run .ci/deps, or set CBSTATS_PYTHON",
        python.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path();

    // A generated archive (not in the repository): other projects, seed and
    // window, partitioned by project and month, priced by a price file.
    let generated = work.join("generated");
    codebuild_bench::generate(
        &codebuild_bench::GenConfig {
            builds: 3_000,
            projects: 25,
            seed: 23,
            ..Default::default()
        },
        &generated,
    )
    .unwrap();
    // Edge cases written here: every response fixture, and builds that
    // test the chains (a cycle, a self-link, a dangling link, two builds
    // claiming one retry), unknown and missing statuses, null projects,
    // running and negative-length builds, Lambda and fleet compute.
    let edge = work.join("edge-archive");
    std::fs::create_dir_all(&edge).unwrap();
    for dir in ["testdata/responses", "testdata/lenient", "testdata/cost"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = format!(
                    "{}-{}",
                    dir.replace('/', "-"),
                    path.file_name().unwrap().to_string_lossy()
                );
                std::fs::copy(&path, edge.join(name)).unwrap();
            }
        }
    }
    std::fs::write(edge.join("edge-builds.json"), edge_builds()).unwrap();
    let cases = [
        Case {
            label: "edge",
            archive: edge.clone(),
            partition_by: &["projectName"],
            prices: None,
            filters: &[],
            dialects: ALL_DIALECTS,
        },
        // The edge archive cut by time (in DuckDB and Trino; Spark runs the
        // filters on the sample below). 02:00:05-03:00:15: the conflict
        // chain's root (02:00:00) is cut, so its chain is not selected
        // while its other members count; the exhausted chain's root
        // (03:00:00) is kept, its retry (03:00:20) is not, yet counts in
        // the chain and its retry cost.
        Case {
            label: "edge-window",
            archive: edge.clone(),
            partition_by: &["projectName"],
            prices: None,
            filters: &[
                "--since",
                "2024-01-01T02:00:05Z",
                "--until",
                "2024-01-01T03:00:15Z",
            ],
            dialects: &["duckdb", "trino"],
        },
        // From 03:00:35: the manual rebuild (03:00:40) is kept, the builds
        // it rebuilds (03:00:00, 03:00:20) are not, and it is still one.
        Case {
            label: "edge-late",
            archive: edge.clone(),
            partition_by: &["projectName"],
            prices: None,
            filters: &["--since", "2024-01-01T03:00:35Z"],
            dialects: &["duckdb", "trino"],
        },
        Case {
            label: "sample",
            archive: root().join("testdata/sample-archive"),
            partition_by: &[],
            prices: None,
            filters: &[],
            dialects: ALL_DIALECTS,
        },
        Case {
            label: "sample-filtered",
            archive: root().join("testdata/sample-archive"),
            partition_by: &[],
            prices: None,
            filters: FILTERS,
            dialects: ALL_DIALECTS,
        },
        // Partitioned by month only: the Athena tables find their
        // partitions with MSCK REPAIR TABLE (lower-case keys).
        Case {
            label: "sample-monthly",
            archive: root().join("testdata/sample-archive"),
            partition_by: &["month"],
            prices: None,
            filters: &[],
            dialects: &[],
        },
        Case {
            label: "generated",
            archive: generated,
            partition_by: &["projectName", "month"],
            prices: Some(root().join("testdata/prices/example-prices.json")),
            filters: &[],
            dialects: ALL_DIALECTS,
        },
    ];
    let mut runs = Vec::new();
    for case in &cases {
        let dir = work.join(case.label);
        let export = dir.join("export");
        let prices: Vec<String> = case
            .prices
            .iter()
            .flat_map(|p| ["--prices".to_string(), p.display().to_string()])
            .collect();
        let mut cmd = cbstats();
        cmd.args(["-q", "export"])
            .arg(&case.archive)
            .arg("--out")
            .arg(&export)
            .arg("--no-analyses");
        for p in case.partition_by {
            cmd.args(["--partition-by", p]);
        }
        run(&mut cmd);
        let report = run(cbstats()
            .args(["-q", "report"])
            .arg(&case.archive)
            .args(["--format", "json", "--detail"])
            .args(&prices)
            .args(case.filters));
        let report_path = dir.join("report.json");
        std::fs::write(&report_path, report).unwrap();
        for &dialect in case.dialects {
            let out = dir.join(format!("sql-{dialect}"));
            let mut cmd = cbstats();
            cmd.args(["sql", "--dialect", dialect]);
            if dialect != "trino" {
                // Trino reads tables: the runner makes them views of the export.
                cmd.arg("--export").arg(&export);
            }
            run(cmd.arg("--out").arg(&out).args(&prices).args(case.filters));
            runs.push(json!({
                "label": format!("{} {dialect}", case.label),
                "dialect": dialect,
                "dir": out,
                "cwd": dir,
                "report": report_path,
                "export": export,
            }));
        }
        if !case.partition_by.is_empty() && case.filters.is_empty() {
            // Athena: the tables of `--athena-ddl` (columns renamed, read by
            // position), the Trino SQL with `--column-names athena`.
            let ddl = dir.join("athena-ddl");
            run(cbstats()
                .args(["sql", "--athena-ddl", "--export"])
                .arg(&export)
                .args(["--location", "s3://my-bucket/codebuild/", "--out"])
                .arg(&ddl));
            let out = dir.join("sql-athena");
            run(cbstats()
                .args(["sql", "--dialect", "trino", "--column-names", "athena"])
                .args([
                    "--builds",
                    "codebuild.builds",
                    "--phases",
                    "codebuild.phases",
                ])
                .arg("--out")
                .arg(&out)
                .args(&prices));
            runs.push(json!({
                "label": format!("{} athena", case.label),
                "dialect": "trino",
                "dir": out,
                "cwd": dir,
                "report": report_path,
                "export": export,
                "athena_ddl": ddl.join("athena-tables.sql"),
                "athena_location": "s3://my-bucket/codebuild/",
            }));
        }
    }
    let messages: Vec<(&str, String)> = MESSAGES
        .iter()
        .map(|m| (*m, normalize_message(m)))
        .collect();
    let manifest = json!({
        "runs": runs,
        "tolerance": 1e-9,
        "messages": messages,
        "normalize": {
            "duckdb": sql::normalize_message_sql(Dialect::DuckDb, "m"),
            "spark": sql::normalize_message_sql(Dialect::Spark, "m"),
            "trino": sql::normalize_message_sql(Dialect::Trino, "m"),
        },
    });
    let manifest_path = work.join("manifest.json");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let script = root().join("crates/codebuild-cli/tests/sql/run_sql.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&manifest_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "run_sql.py failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // The normalisation ran on every message in every dialect.
    for dialect in ["duckdb", "spark", "trino"] {
        let line = format!(
            "{dialect}: normalisation of {} messages checked",
            MESSAGES.len()
        );
        assert!(stdout.contains(&line), "{stdout}");
    }
    // The README's DuckDB snippet, on the sample export and its SQL
    // (made above as the README's command makes them: `--export export`
    // from the folder holding the export).
    let sample = work.join("sample");
    run(cbstats().current_dir(&sample).args([
        "sql",
        "--dialect",
        "duckdb",
        "--export",
        "export",
        "--out",
        "sql-duckdb",
    ]));
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let snippet = readme
        .split("<!-- sql-test: duckdb -->\n```python\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("README.md has the `sql-test: duckdb` snippet");
    let printed = run(Command::new(&python)
        .current_dir(&sample)
        .args(["-c", snippet]));
    assert_eq!(printed.lines().count(), queries_len(), "{printed}");
    assert!(printed.contains("phase-timing [("), "{printed}");

    // Athena reads tables from folders: an export of one file per frame is
    // refused, with the way out.
    let refused = cbstats()
        .args(["sql", "--athena-ddl", "--export"])
        .arg(work.join("sample/export"))
        .args(["--location", "s3://b/x"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("--partition-by"), "{err}");

    // `--athena-ddl` takes no options of the queries, needs an S3
    // location; `--column-names athena` is for tables, not files.
    let monthly = work.join("sample-monthly/export");
    for (args, needle) in [
        (
            vec![
                "--athena-ddl",
                "--location",
                "s3://b/x",
                "--dialect",
                "trino",
            ],
            "--dialect",
        ),
        (
            vec!["--athena-ddl", "--location", "s3://b/x", "--project", "p"],
            "--project",
        ),
        (vec!["--athena-ddl", "--location", "/tmp/export"], "s3://"),
        (
            vec!["--dialect", "duckdb", "--column-names", "athena"],
            "--column-names athena",
        ),
        (vec!["--dialect", "trino"], "--athena-ddl"),
    ] {
        let refused = cbstats()
            .args(["sql", "--export"])
            .arg(&monthly)
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {refused:?}");
        let err = String::from_utf8_lossy(&refused.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    // Partitioned by projectName, `phases` follows; by a column `phases`
    // lacks, it is one file, which Athena cannot read.
    let by_status = work.join("by-status");
    run(cbstats()
        .args(["-q", "export"])
        .arg(root().join("testdata/sample-archive"))
        .arg("--out")
        .arg(&by_status)
        .args(["--no-analyses", "--partition-by", "buildStatus"]));
    let refused = cbstats()
        .args(["sql", "--athena-ddl", "--export"])
        .arg(&by_status)
        .args(["--location", "s3://b/x"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("`phases` is one file") && err.contains("projectName"),
        "{err}"
    );

    // Every query of every dialect ran on every export.
    let ok = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(ok, queries_len() * runs.len(), "{stdout}");
}

/// A `batch_get_builds` response of builds at the edges of the definitions.
fn edge_builds() -> String {
    let t0 = 1_704_067_200i64; // 2024-01-01T00:00:00Z (a Monday)
    let arn = |id: &str| format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}");
    let mut builds = Vec::new();
    #[allow(clippy::too_many_arguments)]
    let mut push = |id: &str,
                    project: Option<&str>,
                    status: Option<&str>,
                    start: Option<i64>,
                    end: Option<i64>,
                    commit: Option<&str>,
                    retry: serde_json::Value,
                    env: serde_json::Value,
                    message: &str| {
        let mut b = json!({
            "id": id,
            "arn": arn(id),
            "projectName": project,
            "buildStatus": status,
            "buildComplete": end.is_some(),
            "startTime": start,
            "endTime": end,
            "sourceVersion": "refs/heads/main",
            "resolvedSourceVersion": commit,
            "initiator": "edge",
            "source": {"type": "GITHUB"},
            "environment": env,
            "autoRetryConfig": retry,
            "phases": [
                {"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": start, "endTime": start.map(|s| s + 1), "durationInSeconds": 1},
                {"phaseType": "BUILD", "phaseStatus": if status == Some("SUCCEEDED") { "SUCCEEDED" } else { "FAILED" },
                 "startTime": start.map(|s| s + 1), "endTime": end, "durationInSeconds": 59,
                 "contexts": [{"statusCode": "COMMAND_EXECUTION_ERROR", "message": message}]},
                {"phaseType": "COMPLETED", "startTime": end},
            ],
        });
        let obj = b.as_object_mut().unwrap();
        obj.retain(|_, v| !v.is_null());
        builds.push(b);
    };
    let linux = json!({"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0"});
    let lambda = json!({"type": "LINUX_LAMBDA_CONTAINER", "computeType": "BUILD_LAMBDA_1GB", "image": "aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs20"});
    let fleet = json!({"type": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL", "fleet": {"fleetArn": "arn:aws:codebuild:us-east-1:123456789012:fleet/f"}});
    let none = json!({});
    let r = |n: i64, l: i64, next: Option<&str>, prev: Option<&str>| {
        let mut v = json!({"autoRetryLimit": l, "autoRetryNumber": n});
        if let Some(x) = next {
            v["nextAutoRetry"] = json!(arn(x));
        }
        if let Some(x) = prev {
            v["previousAutoRetry"] = json!(arn(x));
        }
        v
    };
    let h = 3_600;
    // A cycle: c1 -> c2 -> c1.
    push(
        "cyc:1",
        Some("cyc"),
        Some("FAILED"),
        Some(t0),
        Some(t0 + 100),
        Some("aaaa"),
        r(0, 2, Some("cyc:2"), None),
        linux.clone(),
        "exit status 1 at 0a1b2c3d-0000-4000-8000-00000000abcd",
    );
    push(
        "cyc:2",
        Some("cyc"),
        Some("SUCCEEDED"),
        Some(t0 + 200),
        Some(t0 + 300),
        Some("aaaa"),
        r(1, 2, Some("cyc:1"), Some("cyc:1")),
        linux.clone(),
        "",
    );
    // A self-link, and a dangling link (its retry is not in the archive).
    push(
        "self:1",
        Some("self"),
        Some("FAILED"),
        Some(t0 + h),
        Some(t0 + h + 90),
        Some("bbbb"),
        r(0, 1, Some("self:1"), None),
        linux.clone(),
        "pull 1234567 é7654321 failed",
    );
    push(
        "dang:1",
        Some("dang"),
        Some("FAULT"),
        Some(t0 + h),
        Some(t0 + h + 61),
        Some("cccc"),
        r(0, 3, Some("dang:9"), None),
        linux.clone(),
        "repository 'acme/app' not found",
    );
    // Two builds claim one retry: a conflict, one chain of three.
    push(
        "conf:1",
        Some("conf"),
        Some("FAILED"),
        Some(t0 + 2 * h),
        Some(t0 + 2 * h + 30),
        Some("dddd"),
        r(0, 2, Some("conf:3"), None),
        linux.clone(),
        "timeout after 12345 ms",
    );
    push(
        "conf:2",
        Some("conf"),
        Some("TIMED_OUT"),
        Some(t0 + 2 * h + 10),
        Some(t0 + 2 * h + 40),
        Some("dddd"),
        r(0, 2, Some("conf:3"), None),
        linux.clone(),
        "timeout after 12346 ms",
    );
    push(
        "conf:3",
        Some("conf"),
        Some("SUCCEEDED"),
        Some(t0 + 2 * h + 50),
        Some(t0 + 2 * h + 99),
        Some("dddd"),
        r(1, 2, None, Some("conf:1")),
        linux.clone(),
        "",
    );
    // An exhausted chain linked from one side only, then a manual rebuild of its commit.
    push(
        "ex:1",
        Some("ex"),
        Some("FAILED"),
        Some(t0 + 3 * h),
        Some(t0 + 3 * h + 10),
        Some("eeee"),
        r(0, 1, None, None),
        lambda.clone(),
        "x",
    );
    push(
        "ex:2",
        Some("ex"),
        Some("FAILED"),
        Some(t0 + 3 * h + 20),
        Some(t0 + 3 * h + 30),
        Some("eeee"),
        r(1, 1, None, Some("ex:1")),
        lambda.clone(),
        "x",
    );
    push(
        "ex:3",
        Some("ex"),
        Some("SUCCEEDED"),
        Some(t0 + 3 * h + 40),
        Some(t0 + 3 * h + 41),
        Some("eeee"),
        json!(null),
        lambda.clone(),
        "",
    );
    // Unknown and missing statuses, a null project, running, negative and
    // fleet builds, and builds without times.
    push(
        "odd:1",
        Some("odd"),
        Some("WEIRD_NEW_STATUS"),
        Some(t0 + 86_400),
        Some(t0 + 86_500),
        Some("ffff"),
        json!(null),
        linux.clone(),
        "",
    );
    push(
        "odd:2",
        Some("odd"),
        None,
        Some(t0 + 86_400),
        Some(t0 + 86_450),
        Some("ffff"),
        json!(null),
        none.clone(),
        "",
    );
    push(
        "odd:3",
        Some("odd"),
        Some("IN_PROGRESS"),
        Some(t0 + 86_400),
        None,
        None,
        json!(null),
        linux.clone(),
        "",
    );
    push(
        "odd:4",
        Some("odd"),
        Some("FAILED"),
        Some(t0 + 90_000),
        Some(t0 + 89_000),
        Some("ffff"),
        json!(null),
        linux.clone(),
        "clock went back",
    );
    push(
        "odd:5",
        Some("odd"),
        Some("SUCCEEDED"),
        Some(t0 + 95_000),
        Some(t0 + 95_100),
        Some("ffff"),
        json!(null),
        fleet.clone(),
        "",
    );
    push(
        "odd:6",
        Some("odd"),
        Some("STOPPED"),
        None,
        None,
        Some("ffff"),
        json!(null),
        linux.clone(),
        "",
    );
    push(
        "noproj:1",
        None,
        Some("FAILED"),
        Some(t0 + 7 * 86_400),
        Some(t0 + 7 * 86_400 + 5),
        Some("gggg"),
        json!(null),
        linux.clone(),
        "arn:aws:iam::123456789012:role/x is invalid.",
    );
    push(
        "noproj:2",
        None,
        Some("SUCCEEDED"),
        Some(t0 + 7 * 86_400 + 10),
        Some(t0 + 7 * 86_400 + 20),
        Some("gggg"),
        json!(null),
        linux,
        "",
    );
    json!({"builds": builds}).to_string()
}

/// The number of queries of a dialect with prices.
fn queries_len() -> usize {
    sql::queries(&SqlOptions {
        dialect: Dialect::DuckDb,
        source: Source::default(),
        bucket: codebuild_analytics::TimeBucket::Week,
        prices: Some(codebuild_analytics::analysis::cost::PriceTable::builtin().clone()),
        price_table: None,
        filters: Default::default(),
        column_names: Default::default(),
    })
    .unwrap()
    .len()
}

/// The Trino dialect, parsed by `sqlparser`. It has no Trino or Presto
/// dialect; its ANSI dialect is the closest (Trino follows the standard:
/// double-quoted names, `''` in strings, `WITH RECURSIVE`, `ARRAY[...]`,
/// `AT TIME ZONE`, `IS NOT DISTINCT FROM`), with its generic one as the
/// fallback for what ANSI lacks (lambdas). Parsing checks the syntax only;
/// what the queries compute is checked by the test above (through sqlglot
/// and DuckDB); the Trino SQL has not run on a live cluster.
#[test]
fn the_trino_sql_parses() {
    use sqlparser::dialect::{AnsiDialect, GenericDialect};
    use sqlparser::parser::Parser;
    let queries = sql::queries(&SqlOptions {
        dialect: Dialect::Trino,
        source: Source::Tables {
            builds: "codebuild.builds".into(),
            phases: "codebuild.phases".into(),
            phase_contexts: "codebuild.phase_contexts".into(),
        },
        bucket: codebuild_analytics::TimeBucket::Week,
        prices: Some(codebuild_analytics::analysis::cost::PriceTable::builtin().clone()),
        price_table: None,
        filters: Default::default(),
        column_names: Default::default(),
    })
    .unwrap();
    assert!(queries.len() >= 20);
    for q in &queries {
        let parsed = Parser::parse_sql(&AnsiDialect {}, &q.sql)
            .or_else(|_| Parser::parse_sql(&GenericDialect {}, &q.sql));
        match parsed {
            Ok(statements) => assert_eq!(statements.len(), 1, "{}", q.name),
            Err(e) => panic!("{}: {e}\n{}", q.name, q.sql),
        }
    }
    // Trino reads tables, not paths.
    let err = sql::queries(&SqlOptions {
        dialect: Dialect::Trino,
        source: Source::Export {
            location: "s3://bucket/export".into(),
            partitioned: true,
        },
        bucket: codebuild_analytics::TimeBucket::Week,
        prices: None,
        price_table: None,
        filters: Default::default(),
        column_names: Default::default(),
    })
    .unwrap_err();
    assert!(err.contains("tables"), "{err}");
}
