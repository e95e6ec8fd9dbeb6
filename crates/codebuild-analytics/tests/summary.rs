//! The summary against numbers computed here independently, by plain loops
//! over the builds frame of the sample archive (no analysis functions).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::summary::{DEFAULT_TOP, Summary};
use codebuild_analytics::{Archive, Filters, LoadOptions};

fn sample() -> Archive {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-archive");
    Archive::load(&[dir], &LoadOptions::default()).unwrap()
}

fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name).unwrap().f64().unwrap().iter().collect()
}

/// Linear interpolation between closest ranks (numpy's default).
fn quantile(mut v: Vec<f64>, q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn headline_and_rankings_match_plain_loops() {
    let archive = sample();
    let s = Summary::compute(&archive.frames, &Filters::default(), &archive.report, None).unwrap();
    let b = &archive.frames.builds;
    let project = strs(b, "projectName");
    let status = strs(b, "buildStatus");
    let duration = floats(b, "durationSeconds");

    let h = &s.headline;
    assert_eq!(h.builds, b.height() as u64);
    let names: BTreeSet<&String> = project.iter().flatten().collect();
    assert_eq!(h.projects, names.len() as u64);
    let is = |i: usize, set: &[&str]| status[i].as_deref().is_some_and(|s| set.contains(&s));
    let completed = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"];
    let failure = ["FAILED", "FAULT", "TIMED_OUT"];
    let n = b.height();
    let succeeded = (0..n).filter(|&i| is(i, &["SUCCEEDED"])).count();
    let stopped = (0..n).filter(|&i| is(i, &["STOPPED"])).count();
    let done = (0..n).filter(|&i| is(i, &completed)).count();
    assert_eq!(h.succeeded, succeeded as u64);
    assert_eq!(h.completed, done as u64);
    assert_eq!(
        h.failures,
        (0..n).filter(|&i| is(i, &failure)).count() as u64
    );
    assert!(close(
        h.success_rate.unwrap(),
        succeeded as f64 / (done - stopped) as f64
    ));
    let minutes: f64 = duration.iter().flatten().sum::<f64>() / 60.0;
    assert!(
        close(h.build_minutes, minutes),
        "{} {minutes}",
        h.build_minutes
    );
    let completed_durations: Vec<f64> = (0..n)
        .filter(|&i| is(i, &completed))
        .filter_map(|i| duration[i])
        .collect();
    assert!(close(
        h.duration_p50.unwrap(),
        quantile(completed_durations.clone(), 0.5).unwrap()
    ));
    assert!(close(
        h.duration_p95.unwrap(),
        quantile(completed_durations, 0.95).unwrap()
    ));
    assert_eq!(h.load.builds_kept, 2_000);
    assert_eq!(h.load.duplicates_dropped, 33);
    assert!(h.load.balances);

    // Projects by build minutes, most first, with their builds.
    let mut per: BTreeMap<Option<String>, (f64, u64)> = BTreeMap::new();
    for i in 0..n {
        let e = per.entry(project[i].clone()).or_default();
        e.0 += duration[i].unwrap_or(0.0) / 60.0;
        e.1 += 1;
    }
    let mut want: Vec<(Option<String>, f64, u64)> =
        per.into_iter().map(|(p, (m, c))| (p, m, c)).collect();
    want.sort_by(|a, b| b.1.total_cmp(&a.1));
    let got = &s.time.top_projects;
    assert_eq!(got.total, want.len() as u64);
    for (g, w) in got.rows.iter().zip(&want) {
        assert_eq!(g.project, w.0);
        assert!(close(g.build_minutes, w.1));
        assert_eq!(g.builds, w.2);
    }

    // Failure builds by failed phase add up to the failures.
    let by_phase: u64 = s.failures.by_phase.iter().map(|p| p.count).sum();
    assert_eq!(by_phase, h.failures);
    // Reasons: counts descending, shares of all failures, add up to them.
    let reasons = &s.failures.top_reasons.rows;
    assert!(reasons.windows(2).all(|w| w[0].count >= w[1].count));
    assert_eq!(reasons.iter().map(|r| r.count).sum::<u64>(), h.failures);
    // Minutes by compute type add up to the build minutes.
    let total: f64 = s
        .capacity
        .by_compute_type
        .rows
        .iter()
        .map(|r| r.total_minutes)
        .sum();
    assert!(close(total, minutes));
    // The retry totals are the sums of the projects' rows.
    let rows = &s.retries.top_projects.rows;
    assert_eq!(
        s.retries.total.recovered,
        rows.iter().map(|r| r.recovered).sum::<u64>()
    );
    assert!(
        rows.windows(2)
            .all(|w| w[0].minutes_wasted >= w[1].minutes_wasted)
    );
}

#[test]
fn top_cuts_every_list_and_keeps_the_totals() {
    let archive = sample();
    let all =
        Summary::compute(&archive.frames, &Filters::default(), &archive.report, None).unwrap();
    let top = Summary::compute(
        &archive.frames,
        &Filters::default(),
        &archive.report,
        Some(DEFAULT_TOP),
    )
    .unwrap();
    assert_eq!(top.time.top_projects.rows.len(), 10);
    assert_eq!(top.time.top_projects.total, all.time.top_projects.total);
    assert_eq!(top.time.top_projects.more(), 2);
    assert_eq!(
        top.time.top_projects.rows[..],
        all.time.top_projects.rows[..10]
    );
    assert_eq!(top.headline, all.headline);
    // One project only: its own numbers.
    let web = Filters {
        projects: Some(vec!["ledger-service-lint".into()]),
        ..Default::default()
    };
    let one = Summary::compute(&archive.frames, &web, &archive.report, None).unwrap();
    assert_eq!(one.headline.projects, 1);
    assert_eq!(one.time.top_projects.total, 1);
    assert_eq!(
        one.time.top_projects.rows[0].project.as_deref(),
        Some("ledger-service-lint")
    );
    assert_eq!(one.headline.builds, one.time.top_projects.rows[0].builds);
}
