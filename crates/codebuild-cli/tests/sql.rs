//! `cbstats sql`: the generated SQL run by DuckDB and PySpark on exports,
//! compared value by value with `cbstats report --format json --detail` on
//! the same archive; the Trino SQL parsed.
//!
//! The Python side is `tests/sql/run_sql.py`, in the virtual environment
//! `.ci/deps` installs (DuckDB and PySpark pinned in `.ci/requirements.txt`,
//! shared with the interop test). A missing interpreter fails the test.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use codebuild_analytics::analysis::failures::normalize_message;
use codebuild_analytics::sql::{self, Dialect, Source, SqlOptions};
use common::root;
use serde_json::json;

/// `cbstats`, run from the workspace root.
fn cbstats() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("cbstats"));
    cmd.current_dir(root()).env("NO_COLOR", "1");
    cmd
}

/// Runs `cmd`; its standard output, or a panic with its standard error.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The interpreter of the virtual environment `.ci/deps` makes (or `CBSTATS_PYTHON`).
fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CBSTATS_PYTHON") {
        return p.into();
    }
    let cache = std::env::var_os("CBSTATS_TEST_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").unwrap()).join(".cache/cbstats-test")
        });
    cache.join("venv/bin/python")
}

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
}

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
    let cases = [
        Case {
            label: "sample",
            archive: root().join("testdata/sample-archive"),
            partition_by: &[],
            prices: None,
        },
        Case {
            label: "generated",
            archive: generated,
            partition_by: &["projectName", "month"],
            prices: Some(root().join("testdata/prices/example-prices.json")),
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
            .args(&prices));
        let report_path = dir.join("report.json");
        std::fs::write(&report_path, report).unwrap();
        for dialect in ["duckdb", "spark"] {
            let out = dir.join(format!("sql-{dialect}"));
            run(cbstats()
                .args(["sql", "--dialect", dialect, "--export"])
                .arg(&export)
                .arg("--out")
                .arg(&out)
                .args(&prices));
            runs.push(json!({
                "label": format!("{} {dialect}", case.label),
                "dialect": dialect,
                "dir": out,
                "cwd": dir,
                "report": report_path,
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
    // The normalisation ran on every message in both engines.
    for dialect in ["duckdb", "spark"] {
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

    // Every query of both dialects ran on both exports.
    let ok = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(ok, queries_len() * runs.len(), "{stdout}");
}

/// The number of queries of a dialect with prices.
fn queries_len() -> usize {
    sql::queries(&SqlOptions {
        dialect: Dialect::DuckDb,
        source: Source::default(),
        bucket: codebuild_analytics::TimeBucket::Week,
        prices: Some(codebuild_analytics::analysis::cost::PriceTable::builtin().clone()),
        price_table: None,
    })
    .unwrap()
    .len()
}

/// The Trino dialect, parsed by `sqlparser`. It has no Trino or Presto
/// dialect; its ANSI dialect is the closest (Trino follows the standard:
/// double-quoted names, `''` in strings, `WITH RECURSIVE`, `ARRAY[...]`,
/// `AT TIME ZONE`, `IS NOT DISTINCT FROM`), with its generic one as the
/// fallback for what ANSI lacks. Parsing checks the syntax only; the
/// Trino SQL has not run on a live cluster.
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
        // Trino's percentiles are approximate, and the SQL says so.
        if q.sql.contains("approx_percentile") {
            assert!(!q.exact && q.sql.contains("APPROXIMATE"), "{}", q.name);
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
    })
    .unwrap_err();
    assert!(err.contains("tables"), "{err}");
}
