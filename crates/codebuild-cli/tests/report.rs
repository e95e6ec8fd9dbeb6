//! `cbstats report` as a person and a tool see it: the summary fits 120
//! lines at every width whatever the archive's size, nothing is wider than
//! the width, the reviewed snapshots of the sample archive's summary, and
//! the JSON against its committed schema.

mod common;

use common::{root, run_ok as run};

use serde_json::Value;

fn width_of(line: &str) -> usize {
    // Every character the report writes is one column wide.
    line.chars().count()
}

fn assert_fits(out: &str, width: usize, what: &str) {
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.len() <= 120,
        "{what}: {} lines (at most 120)\n{out}",
        lines.len()
    );
    for l in &lines {
        assert!(width_of(l) <= width, "{what}: wider than {width}: {l:?}");
    }
}

#[test]
fn sample_summary_snapshots() {
    for width in [60, 80, 120] {
        let out = run(&[
            "report",
            "testdata/sample-archive",
            "--width",
            &width.to_string(),
        ]);
        assert_fits(&out, width, &format!("sample at {width}"));
        insta::assert_snapshot!(format!("sample_summary_{width}"), out);
    }
    let md = run(&["report", "testdata/sample-archive", "--format", "markdown"]);
    insta::assert_snapshot!("sample_summary_markdown", md);
}

#[test]
fn summary_order_and_drill_down() {
    let out = run(&["report", "testdata/sample-archive"]);
    let at = |s: &str| {
        out.find(s)
            .unwrap_or_else(|| panic!("{s:?} missing:\n{out}"))
    };
    // The questions in order.
    let order = [
        "2,000 builds, 12 projects",
        "\nWhere build time goes\n",
        "\nWhat fails\n",
        "\nAuto-retries\n",
        "\nFlaky commits and manual rebuilds\n",
        "\nRecovery\n",
        "\nLoad\n",
    ];
    for w in order.windows(2) {
        assert!(at(w[0]) < at(w[1]), "{} before {}", w[0], w[1]);
    }
    // The accounting line of the sample: 2,033 read = 2,000 + 33 + 0.
    assert!(
        out.contains("Load: 2,033 read = 2,000 kept + 33 duplicates + 0 rejected"),
        "{out}"
    );
    // No raw seconds with three decimals, no fractions for rates.
    assert!(!out.contains(".000"), "{out}");
    // A section alone prints every row: 12 projects + the overall row.
    let s = run(&[
        "report",
        "testdata/sample-archive",
        "--section",
        "outcomes",
        "--width",
        "200",
    ]);
    let rows = s
        .lines()
        .skip(3)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("  "))
        .count();
    assert_eq!(rows, 13, "{s}");
    // --top cuts it, and says how many are left.
    let s = run(&[
        "report",
        "testdata/sample-archive",
        "--section",
        "outcomes",
        "--top",
        "5",
    ]);
    assert!(s.contains("… and 8 more rows"), "{s}");
    // Phase timing does not show the COMPLETED phase (no duration).
    let s = run(&[
        "report",
        "testdata/sample-archive",
        "--section",
        "phase-timing",
        "--width",
        "200",
    ]);
    assert!(!s.contains("COMPLETED"), "{s}");
    assert!(s.contains("12 rows without any duration not shown"), "{s}");
    // Every section is reachable by its slug.
    for name in [
        "summary",
        "load",
        "retry-chains",
        "flaky-commits",
        "manual-rebuilds",
        "red-periods",
        "failure-rates-by-initiator",
        "builds-per-day",
        "builds-per-hour-of-week",
        "outcomes-by-time-bucket",
    ] {
        let s = run(&[
            "report",
            "testdata/sample-archive",
            "--section",
            name,
            "--top",
            "3",
        ]);
        assert!(!s.trim().is_empty(), "{name}");
        assert_fits(&s, 80, name);
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = run(&["report", "testdata/sample-archive"]);
    assert!(!plain.contains('\x1b'));
    let coloured = run(&["report", "testdata/sample-archive", "--color", "always"]);
    assert!(coloured.contains("\x1b[1m"));
    // Same text once the escapes are removed.
    let stripped = coloured
        .replace("\x1b[1m", "")
        .replace("\x1b[2m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, plain);
}

/// A generated archive of 300 projects: the summary stays within 120 lines
/// and the width at 60, 80 and 120 columns.
#[test]
fn a_large_archive_keeps_the_summary_on_one_screen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = codebuild_bench::GenConfig {
        builds: 6_000,
        projects: 300,
        seed: 7,
        ..Default::default()
    };
    codebuild_bench::generate(&cfg, dir.path()).unwrap();
    let path = dir.path().to_str().unwrap();
    let json: Value = serde_json::from_str(&run(&["report", path, "--format", "json"])).unwrap();
    let projects = json["summary"]["headline"]["projects"].as_u64().unwrap();
    assert!(projects > 200, "{projects} projects");
    for width in [60, 80, 120] {
        let out = run(&["report", path, "--width", &width.to_string()]);
        assert_fits(&out, width, &format!("300 projects at {width}"));
        assert!(out.contains("more projects (--top N, --all"), "{out}");
    }
}

#[test]
fn report_schema_is_current_and_reports_validate() {
    let path = root().join("schemas/report.schema.json");
    let want = run(&["schema", "--type", "report"]);
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale; refresh it with:\n    UPDATE_SCHEMAS=1 cargo test -p codebuild-cli --test report",
        path.display()
    );
    let schema: Value = serde_json::from_str(&have).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    for args in [
        &["report", "testdata/sample-archive", "--format", "json"][..],
        &[
            "report",
            "testdata/sample-archive",
            "--format",
            "json",
            "--detail",
            "--bucket",
            "day",
        ],
        &[
            "report",
            "testdata/sample-archive",
            "--format",
            "json",
            "--section",
            "load",
            "--section",
            "outcomes-by-time-bucket",
            "--bucket",
            "month",
        ],
        &[
            "report",
            "testdata/responses",
            "--format",
            "json",
            "--detail",
        ],
    ] {
        let v: Value = serde_json::from_str(&run(args)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
        assert_eq!(v["schemaVersion"], 1);
    }
    // The schema is strict: a misspelt section or a retyped column fails.
    let mut v: Value = serde_json::from_str(&run(&[
        "report",
        "testdata/sample-archive",
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(validator.is_valid(&v));
    v["phase timing"][0]["count"] = Value::from("7");
    assert!(!validator.is_valid(&v));
    v["phase timing"][0]["count"] = Value::from(7);
    v["phase timng"] = Value::Array(vec![]);
    assert!(!validator.is_valid(&v));
}

#[test]
fn json_keeps_details_for_detail() {
    let plain: Value = serde_json::from_str(&run(&[
        "report",
        "testdata/sample-archive",
        "--format",
        "json",
    ]))
    .unwrap();
    // Summary and per-group sections; no per-chain, per-initiator or per-day rows.
    for key in [
        "summary",
        "load",
        "outcomes",
        "phase timing",
        "retry summary",
    ] {
        assert!(plain.get(key).is_some(), "{key}");
    }
    for key in [
        "retry chains",
        "failure rates by initiator",
        "builds per day",
        "flaky commits",
    ] {
        assert!(plain.get(key).is_none(), "{key}");
    }
    assert!(plain["load"].get("buildsNotFoundIds").is_none());
    let detail: Value = serde_json::from_str(&run(&[
        "report",
        "testdata/sample-archive",
        "--format",
        "json",
        "--detail",
    ]))
    .unwrap();
    assert_eq!(
        detail["load"]["buildsNotFoundIds"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert!(detail["retry chains"].as_array().unwrap().len() > 1_000);
    // The summary agrees with the sections it is made of.
    let s = &plain["summary"];
    let all = plain["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["projectName"] == "(all)")
        .unwrap();
    assert_eq!(s["headline"]["builds"], all["builds"]);
    assert_eq!(s["headline"]["successRate"], all["successRate"]);
    assert_eq!(s["headline"]["durationP95"], all["durationP95"]);
    assert_eq!(s["headline"]["load"]["buildsKept"], 2_000);
    assert_eq!(s["headline"]["load"]["duplicatesDropped"], 33);
    let reasons = plain["top failure reasons"].as_array().unwrap();
    assert_eq!(
        s["failures"]["topReasons"]["total"].as_u64().unwrap(),
        reasons.len() as u64
    );
    assert_eq!(
        s["failures"]["topReasons"]["rows"][0]["message"],
        reasons[0]["normalizedMessage"]
    );
    assert_eq!(
        s["failures"]["topReasons"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}
