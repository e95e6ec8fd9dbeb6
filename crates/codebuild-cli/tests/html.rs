//! `cbstats report --format html` in a real browser: Debian's chromium,
//! headless, driven by playwright-core (`tests/browser/page.mjs`; both are
//! installed by `.ci/deps`). A browser or driver that is missing or cannot
//! start fails the test.

mod common;

use common::{cbstats, root};

use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use serde_json::{Value, json};

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "cbstats failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn report_json(archive: &Path, extra: &[&str]) -> Value {
    let mut cmd = cbstats();
    cmd.arg("report")
        .arg(archive)
        .args(["--format", "json", "-q"])
        .args(extra);
    serde_json::from_str(&run(&mut cmd)).unwrap()
}

/// The row of `outcomes` for `project` in a JSON report.
fn outcomes_row<'a>(report: &'a Value, project: &str) -> &'a Value {
    report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["projectName"] == project)
        .unwrap_or_else(|| panic!("no outcomes row for {project}"))
}

/// Build minutes of a JSON report: the sum over compute types.
fn build_minutes(report: &Value) -> f64 {
    report["build minutes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["totalMinutes"].as_f64().unwrap())
        .sum()
}

/// `1234567` as `1,234,567` (what the page shows).
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The headline a view must show, from a JSON report's `outcomes` row, its
/// build minutes and the estimated cost of the view's own JSON report.
fn expected_view(
    name: Option<&str>,
    row: &Value,
    minutes: f64,
    projects: usize,
    own: &Value,
) -> Value {
    let builds = row["builds"].as_u64().unwrap();
    let cost = &own["summary"]["cost"];
    assert!(cost.is_object(), "no estimated cost in the JSON summary");
    json!({
        "name": name,
        "headline": {
            "builds": builds,
            "projects": projects,
            "completed": row["completed"],
            "successRate": row["successRate"],
            "durationP50": row["durationP50"],
            "durationP95": row["durationP95"],
            "buildMinutes": minutes,
            "estimatedCostUsd": cost["estimatedCostUsd"],
            "notPricedBuilds": cost["notPricedBuilds"],
        },
        "text": { "builds": thousands(builds) },
    })
}

/// Runs the browser check of `page` against `expected`; panics with the
/// browser's report on any problem.
fn browser_check(page: &Path, expected: &Value, dir: &Path) -> Value {
    let expected_file = dir.join("expected.json");
    std::fs::write(
        &expected_file,
        serde_json::to_string_pretty(expected).unwrap(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/page.mjs");
    let out = Process::new(std::env::var("CBSTATS_NODE").unwrap_or_else(|_| "node".into()))
        .arg(&script)
        .arg("check")
        .arg(page)
        .arg(&expected_file)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run node ({e}); .ci/deps installs the browser test's dependencies")
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser check failed (exit {:?}).\nstdout:\n{stdout}\nstderr:\n{stderr}\n(.ci/deps installs node packages and chromium)",
        out.status.code()
    );
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn sample_archive_page_draws_every_chart_and_follows_the_project_selector() {
    let dir = tempfile::tempdir().unwrap();
    let archive = root().join("testdata/sample-archive");
    let page = dir.path().join("report.html");
    run(cbstats()
        .arg("report")
        .arg(&archive)
        .args(["--format", "html", "-q", "--out"])
        .arg(&page));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Aggregates only: no section with one row per build is embedded whole.
    assert!(html.len() < 2_000_000, "{} bytes", html.len());

    // Expected values, from the JSON report (not from the page's data).
    let all = report_json(&archive, &[]);
    let rows = all["outcomes"].as_array().unwrap();
    let mut projects: Vec<(&str, u64)> = rows
        .iter()
        .filter(|r| r["projectName"] != "(all)")
        .map(|r| {
            (
                r["projectName"].as_str().unwrap(),
                r["builds"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(projects.len(), 12);
    projects.sort_by_key(|p| std::cmp::Reverse(p.1));
    let mut views = vec![expected_view(
        None,
        outcomes_row(&all, "(all)"),
        build_minutes(&all),
        projects.len(),
        &all,
    )];
    // The largest and the smallest project, then back to a middle one.
    for (name, _) in [projects[0], projects[projects.len() - 1], projects[5]] {
        let one = report_json(&archive, &["--project", name]);
        let v = expected_view(
            Some(name),
            outcomes_row(&all, name),
            build_minutes(&one),
            1,
            &one,
        );
        assert_ne!(v["headline"]["builds"], views[0]["headline"]["builds"]);
        views.push(v);
    }
    let report = browser_check(
        &page,
        &json!({ "minCharts": 15, "projectCount": projects.len(), "views": views }),
        dir.path(),
    );
    // The check really looked: 15 charts drawn in every view.
    let charts = report["overview"]["charts"].as_array().unwrap();
    assert!(charts.len() >= 15, "{report}");
    assert!(charts.iter().all(|c| c["painted"].as_u64().unwrap() > 0));
    // The reasons table holds every reason of the JSON report.
    let reasons = all["top failure reasons"].as_array().unwrap().len();
    assert_eq!(report["sorting"]["rows"], reasons as u64);
    // The page writes durations, build time and money as the terminal
    // summary does (one set of units): its headline texts appear there.
    let table = run(cbstats()
        .arg("report")
        .arg(&archive)
        .args(["-q", "--width", "120"]));
    let head = &report["overview"]["headline"];
    for metric in ["durationP50", "durationP95", "buildMinutes", "successRate"] {
        let text = head[metric]["text"].as_str().unwrap();
        assert!(
            table.contains(text),
            "the page shows {metric} as {text:?}, not found in the table summary:\n{table}"
        );
    }
    let cost = head["estimatedCostUsd"]["text"].as_str().unwrap();
    assert!(cost.starts_with('$'), "{cost}");
    assert!(
        table.contains(cost),
        "{cost} not in the table summary:\n{table}"
    );
    // The sample has builds without a price: the page counts them.
    let not_priced = all["summary"]["cost"]["notPricedBuilds"].as_u64().unwrap();
    assert!(not_priced > 0);
    assert_eq!(head["notPricedBuilds"]["text"], thousands(not_priced));
}

#[test]
fn a_hostile_project_name_stays_text() {
    let hostile = "</script><script>alert(1)</script><!--";
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive");
    std::fs::create_dir(&archive).unwrap();
    let text = std::fs::read_to_string(root().join("testdata/responses/auto-retry-chain.json"))
        .unwrap()
        .replace("payments-service", hostile);
    std::fs::write(archive.join("builds.json"), text).unwrap();
    let page = dir.path().join("report.html");
    run(cbstats()
        .arg("report")
        .arg(&archive)
        .args(["--format", "html", "-q", "--out"])
        .arg(&page));
    let html = std::fs::read_to_string(&page).unwrap();
    // The name never appears raw: only the page's own four script elements
    // (data, Chart.js, the matrix plugin, the page script) close.
    assert!(!html.contains(hostile));
    assert_eq!(html.matches("</script>").count(), 4);
    assert!(html.contains(r"\u003c/script\u003e\u003cscript\u003ealert(1)"));

    let all = report_json(&archive, &[]);
    let row = outcomes_row(&all, hostile);
    let views = vec![
        expected_view(
            None,
            outcomes_row(&all, "(all)"),
            build_minutes(&all),
            1,
            &all,
        ),
        expected_view(Some(hostile), row, build_minutes(&all), 1, &all),
    ];
    browser_check(
        &page,
        &json!({
            "minCharts": 15,
            "projectCount": 1,
            "views": views,
            "allowEmpty": true,
            "textInSelector": hostile,
        }),
        dir.path(),
    );
}

#[test]
fn html_goes_to_stdout_without_out_and_out_needs_html() {
    let archive = root().join("testdata/responses/auto-retry-chain.json");
    let out = run(cbstats()
        .arg("report")
        .arg(&archive)
        .args(["--format", "html", "-q"])
        .env("SOURCE_DATE_EPOCH", "1700000000"));
    assert!(out.starts_with("<!DOCTYPE html>"));
    assert!(out.trim_end().ends_with("</html>"));
    // SOURCE_DATE_EPOCH fixes the time the page says it was made.
    assert!(out.contains("2023-11-14T22:13:20Z"));

    let res = cbstats()
        .arg("report")
        .arg(&archive)
        .args(["--format", "json", "--out", "x.json"])
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&res.stderr).contains("--out is for --format html"),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
}
