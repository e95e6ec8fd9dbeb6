//! Comparison of two sets of builds (two windows of an archive, or two
//! archives): what changed, and whether the change is significant.
//!
//! Follows "Comparison of two windows" of `ANALYTICS.md`:
//!
//! - **Durations**: per project (build duration of completed builds) and
//!   per (project, phase) (phase durations of the side's builds): count,
//!   p50 and p95 on each side, the change in seconds and percent, and a
//!   two-sided **Mann-Whitney U** test (normal approximation with tie
//!   correction and continuity correction, as scipy's `method="asymptotic"`;
//!   see [`stats::mann_whitney_u`]). Mann-Whitney was chosen over a
//!   bootstrap of the median difference: it is exact to reproduce (no
//!   seed), handles the ties of whole-second durations, and is what a
//!   reader can recompute with scipy.
//! - **Success rate** per project: SUCCEEDED / (completed - STOPPED), a
//!   two-sided pooled **two-proportion z-test**, with 95% Wilson intervals.
//! - **Failure reasons** per (project, `failureStatusCode`, normalized
//!   message, the normalization of
//!   [`top_failure_reasons`](super::failures::top_failure_reasons)): their
//!   rate per completed, not stopped build, two-proportion z-test; a reason
//!   with no build in the baseline is **new**.
//! - **Estimated cost** per project: total and mean per priced build, the
//!   per-build costs compared with Mann-Whitney U.
//! - A row is **tested** when both sides have at least
//!   [`CompareOptions::min_values`] values (builds for rates and reasons).
//!   Every tested row of one comparison is one family for the
//!   **Benjamini-Hochberg** correction; a row is **significant** when its
//!   adjusted p-value is below [`CompareOptions::false_discovery_rate`]
//!   (0.01 by default).
//! - Per project, for context (not tested): builds, flaky-commit rate and
//!   retry recovery rate on each side.
//!
//! Lists are sorted by impact: duration rows by the change of the median x
//! the current window's count (minutes), success rates by the change in
//! failures it implies for the current window, reasons by the change in
//! their count, costs by the change of the mean x the current count
//! (dollars). Every tested row is kept, with its `significant` flag; human
//! output lists the significant ones and summarises the rest.

use std::collections::BTreeMap;

use polars::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;

use super::cost::{PriceTable, priced_costs_by_project};
use super::failures::normalize_message;
use super::retry::{strings, with_strings};
use super::stats::{self, benjamini_hochberg, mann_whitney_u, quantile_sorted};
use super::{COMPLETED_STATUSES, FAILURE_STATUSES, PHASE_ORDER};
use crate::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

/// One side of a comparison: frames and the filters selecting its builds.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    /// What it is, for people (`2024-10-01..2024-10-31`, a path).
    pub label: &'a str,
    /// The frames.
    pub frames: &'a Frames,
    /// Which of their builds (a window is `since_micros` / `until_micros`).
    pub filters: &'a Filters,
}

/// Settings of a comparison.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CompareOptions {
    /// Benjamini-Hochberg false discovery rate: adjusted p below it is significant.
    pub false_discovery_rate: f64,
    /// Values (or builds) needed on both sides for a row to be tested.
    pub min_values: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            false_discovery_rate: 0.01,
            min_values: 10,
        }
    }
}

/// The result of a comparison (JSON: `schemas/compare.schema.json`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// The baseline side.
    pub baseline: SideInfo,
    /// The current side.
    pub current: SideInfo,
    /// How significance was decided.
    pub method: Method,
    /// Rows tested (the Benjamini-Hochberg family).
    pub tests: u64,
    /// Of which significant.
    pub significant: u64,
    /// Rows with too few values on a side to be tested (not in the lists).
    pub untested: u64,
    /// Build and phase durations, tested rows, by impact.
    pub durations: Vec<DurationChange>,
    /// Success rates, tested rows, by impact.
    pub success_rates: Vec<RateChange>,
    /// Failure reasons, tested rows, by impact.
    pub failure_reasons: Vec<ReasonChange>,
    /// Estimated cost per priced build, tested rows, by impact.
    pub costs: Vec<CostChange>,
    /// Every project on either side, for context.
    pub projects: Vec<ProjectContext>,
}

/// What one side holds.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SideInfo {
    /// The label given.
    pub label: String,
    /// First instant included (RFC 3339), when the side is a window.
    pub since: Option<String>,
    /// First instant no longer included (RFC 3339), when the side is a window.
    pub until: Option<String>,
    /// Builds on this side.
    pub builds: u64,
    /// The price table's source and date.
    pub prices: String,
}

/// The tests used.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// Test of durations and costs.
    pub durations: String,
    /// Test of success rates and failure reasons.
    pub proportions: String,
    /// Multiple-testing correction.
    pub correction: String,
    /// The false discovery rate.
    pub false_discovery_rate: f64,
    /// Values needed on both sides for a row to be tested.
    pub min_values: u64,
}

/// A tested change of durations.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DurationChange {
    /// `projectName`.
    pub project_name: Option<String>,
    /// `phaseType`; null for the whole build.
    pub phase_type: Option<String>,
    /// Values in the baseline.
    pub baseline_count: u64,
    /// Values in the current side.
    pub current_count: u64,
    /// Baseline median (seconds).
    pub baseline_p50: f64,
    /// Current median (seconds).
    pub current_p50: f64,
    /// Baseline 95th percentile (seconds).
    pub baseline_p95: f64,
    /// Current 95th percentile (seconds).
    pub current_p95: f64,
    /// `current_p50 - baseline_p50` (seconds).
    pub p50_change_seconds: f64,
    /// Change of the median in percent; null when the baseline is 0.
    pub p50_change_percent: Option<f64>,
    /// `current_p95 - baseline_p95` (seconds).
    pub p95_change_seconds: f64,
    /// Change of the p95 in percent; null when the baseline is 0.
    pub p95_change_percent: Option<f64>,
    /// Impact: median change x current count, in minutes.
    pub impact_minutes: f64,
    /// Mann-Whitney U two-sided p-value.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value.
    pub adjusted_p_value: f64,
    /// Adjusted p-value below the false discovery rate.
    pub significant: bool,
}

/// A tested change of a project's success rate.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateChange {
    /// `projectName`.
    pub project_name: Option<String>,
    /// SUCCEEDED builds in the baseline.
    pub baseline_succeeded: u64,
    /// Completed, not stopped builds in the baseline.
    pub baseline_builds: u64,
    /// SUCCEEDED builds in the current side.
    pub current_succeeded: u64,
    /// Completed, not stopped builds in the current side.
    pub current_builds: u64,
    /// Baseline success rate (0..1).
    pub baseline_rate: f64,
    /// Current success rate (0..1).
    pub current_rate: f64,
    /// 95% Wilson interval of the baseline rate.
    pub baseline_interval: [f64; 2],
    /// 95% Wilson interval of the current rate.
    pub current_interval: [f64; 2],
    /// Change in percentage points.
    pub change_pp: f64,
    /// Impact: change of the rate x current builds (negative: more failures).
    pub impact_builds: f64,
    /// Two-proportion z-test two-sided p-value.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value.
    pub adjusted_p_value: f64,
    /// Adjusted p-value below the false discovery rate.
    pub significant: bool,
}

/// A tested change of a failure reason's rate.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReasonChange {
    /// `projectName`.
    pub project_name: Option<String>,
    /// `failureStatusCode` (null when empty or absent).
    pub failure_status_code: Option<String>,
    /// Normalized failure message (null when empty or absent).
    pub normalized_message: Option<String>,
    /// Builds failing for it in the baseline.
    pub baseline_count: u64,
    /// Builds failing for it in the current side.
    pub current_count: u64,
    /// Its rate per completed, not stopped baseline build.
    pub baseline_rate: f64,
    /// Its rate per completed, not stopped current build.
    pub current_rate: f64,
    /// No baseline build failed for it.
    pub new: bool,
    /// Impact: `current_count - baseline_rate x current builds`.
    pub impact_builds: f64,
    /// The latest current build failing for it.
    pub example_build_id: Option<String>,
    /// Two-proportion z-test two-sided p-value.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value.
    pub adjusted_p_value: f64,
    /// Adjusted p-value below the false discovery rate.
    pub significant: bool,
}

/// A tested change of a project's estimated cost per build.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostChange {
    /// `projectName`.
    pub project_name: Option<String>,
    /// Priced baseline builds.
    pub baseline_builds: u64,
    /// Priced current builds.
    pub current_builds: u64,
    /// Estimated cost of the priced baseline builds (USD).
    pub baseline_estimated_cost_usd: f64,
    /// Estimated cost of the priced current builds (USD).
    pub current_estimated_cost_usd: f64,
    /// Mean estimated cost per priced baseline build (USD).
    pub baseline_mean_estimated_cost_usd: f64,
    /// Mean estimated cost per priced current build (USD).
    pub current_mean_estimated_cost_usd: f64,
    /// Change of the mean in percent; null when the baseline mean is 0.
    pub mean_change_percent: Option<f64>,
    /// Impact: change of the mean x current builds (USD).
    pub impact_usd: f64,
    /// Mann-Whitney U two-sided p-value on the per-build costs.
    pub p_value: f64,
    /// Benjamini-Hochberg adjusted p-value.
    pub adjusted_p_value: f64,
    /// Adjusted p-value below the false discovery rate.
    pub significant: bool,
}

/// A project on both sides, for context.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectContext {
    /// `projectName`.
    pub project_name: Option<String>,
    /// Builds in the baseline.
    pub baseline_builds: u64,
    /// Builds in the current side.
    pub current_builds: u64,
    /// Baseline success rate; null without completed, not stopped builds.
    pub baseline_success_rate: Option<f64>,
    /// Current success rate; likewise.
    pub current_success_rate: Option<f64>,
    /// Baseline flaky-commit rate (flaky commits / commits); null without commits.
    pub baseline_flaky_rate: Option<f64>,
    /// Current flaky-commit rate.
    pub current_flaky_rate: Option<f64>,
    /// Baseline retry recovery rate (recovered / chains with retries); null without retries.
    pub baseline_recovery_rate: Option<f64>,
    /// Current retry recovery rate.
    pub current_recovery_rate: Option<f64>,
    /// Baseline estimated cost (USD, priced builds); null when none is priced.
    pub baseline_estimated_cost_usd: Option<f64>,
    /// Current estimated cost (USD); likewise.
    pub current_estimated_cost_usd: Option<f64>,
}

impl Comparison {
    /// The JSON Schema of the comparison's JSON (`schemas/compare.schema.json`).
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(Comparison)
    }
}

/// What one side's builds give the comparison.
#[derive(Default)]
struct Extract {
    builds: u64,
    /// Per project: durations of completed builds.
    durations: BTreeMap<Option<String>, Vec<f64>>,
    /// Per (project, phase): phase durations.
    phases: BTreeMap<(Option<String>, String), Vec<f64>>,
    /// Per project: (SUCCEEDED, completed - STOPPED, builds).
    outcomes: BTreeMap<Option<String>, (u64, u64, u64)>,
    /// Per (project, code, message): (count, latest build (start, id)).
    reasons: BTreeMap<ReasonKey, (u64, Option<Latest>)>,
    /// Per project: estimated costs of the priced builds.
    costs: BTreeMap<Option<String>, Vec<f64>>,
    flaky: BTreeMap<Option<String>, Option<f64>>,
    recovery: BTreeMap<Option<String>, Option<f64>>,
}

type ReasonKey = (Option<String>, Option<String>, Option<String>);
/// The latest build: (`startTime` µs, `id`).
type Latest = (Option<i64>, String);

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

fn extract(side: &Side, table: &PriceTable) -> PolarsResult<Extract> {
    let mut out = Extract::default();
    let builds = side
        .filters
        .builds(&side.frames.builds)
        .select([
            col(ID),
            col(PROJECT),
            col(STATUS),
            col(START)
                .dt()
                .timestamp(TimeUnit::Microseconds)
                .alias(START),
            col(DURATION).cast(DataType::Float64),
            col(FAILURE_STATUS_CODE),
            col(FAILURE_MESSAGE),
        ])
        .collect()?;
    let builds = with_strings(
        &builds,
        &[ID, PROJECT, STATUS, FAILURE_STATUS_CODE, FAILURE_MESSAGE],
    )?;
    let ids = strings(&builds, ID)?;
    let projects = strings(&builds, PROJECT)?;
    let statuses = strings(&builds, STATUS)?;
    let starts: Vec<Option<i64>> = builds.column(START)?.i64()?.iter().collect();
    let durations: Vec<Option<f64>> = builds.column(DURATION)?.f64()?.iter().collect();
    let codes = strings(&builds, FAILURE_STATUS_CODE)?;
    let messages = strings(&builds, FAILURE_MESSAGE)?;
    out.builds = builds.height() as u64;
    for i in 0..builds.height() {
        let project = projects[i].map(str::to_owned);
        let status = statuses[i];
        let completed = status.is_some_and(|s| COMPLETED_STATUSES.contains(&s));
        let o = out.outcomes.entry(project.clone()).or_default();
        o.2 += 1;
        if completed && status != Some("STOPPED") {
            o.1 += 1;
            if status == Some("SUCCEEDED") {
                o.0 += 1;
            }
        }
        if completed && let Some(d) = durations[i].filter(|d| d.is_finite()) {
            out.durations.entry(project.clone()).or_default().push(d);
        }
        if status.is_some_and(|s| FAILURE_STATUSES.contains(&s)) {
            let key = (
                project.clone(),
                non_empty(codes[i]).map(str::to_owned),
                non_empty(messages[i]).map(normalize_message),
            );
            let r = out.reasons.entry(key).or_default();
            r.0 += 1;
            let this = (starts[i], ids[i].unwrap_or_default().to_owned());
            if r.1.as_ref().is_none_or(|latest| *latest < this) {
                r.1 = Some(this);
            }
        }
    }
    let phases = side
        .filters
        .children(&side.frames.builds, &side.frames.phases)
        .select([
            col(PROJECT),
            col(PHASE_TYPE),
            col(DURATION).cast(DataType::Float64),
        ])
        .collect()?;
    let phases = with_strings(&phases, &[PROJECT, PHASE_TYPE])?;
    let pp = strings(&phases, PROJECT)?;
    let pt = strings(&phases, PHASE_TYPE)?;
    let pd: Vec<Option<f64>> = phases.column(DURATION)?.f64()?.iter().collect();
    for i in 0..phases.height() {
        if let (Some(t), Some(d)) = (pt[i], pd[i].filter(|d| d.is_finite())) {
            out.phases
                .entry((pp[i].map(str::to_owned), t.to_owned()))
                .or_default()
                .push(d);
        }
    }
    out.costs = priced_costs_by_project(side.frames, side.filters, table)?;
    let flaky = super::flaky::flaky_rate(side.frames, side.filters)?;
    let flaky = with_strings(&flaky, &[PROJECT])?;
    for (p, r) in strings(&flaky, PROJECT)?
        .into_iter()
        .zip(flaky.column("flakyRate")?.f64()?.iter())
    {
        out.flaky.insert(p.map(str::to_owned), r);
    }
    let summary = super::retry::retry_summary(side.frames, side.filters)?;
    let summary = with_strings(&summary, &[PROJECT])?;
    for (p, r) in strings(&summary, PROJECT)?
        .into_iter()
        .zip(summary.column("recoveryRate")?.f64()?.iter())
    {
        out.recovery.insert(p.map(str::to_owned), r);
    }
    Ok(out)
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

fn percent(base: f64, cur: f64) -> Option<f64> {
    (base != 0.0).then(|| (cur - base) / base * 100.0)
}

fn rfc3339(micros: Option<i64>) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros?) * 1000).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn side_info(side: &Side, builds: u64, table: &PriceTable) -> SideInfo {
    SideInfo {
        label: side.label.to_owned(),
        since: rfc3339(side.filters.since_micros),
        until: rfc3339(side.filters.until_micros),
        builds,
        prices: format!("{} (as of {})", table.source, table.as_of),
    }
}

/// Compares `current` with `baseline`; see the module docs for every rule.
pub fn compare(
    baseline: &Side,
    current: &Side,
    table: &PriceTable,
    opts: &CompareOptions,
) -> PolarsResult<Comparison> {
    let (b, c) = (extract(baseline, table)?, extract(current, table)?);
    let min = opts.min_values.max(1);
    let mut untested = 0u64;

    // Durations: builds (phase None), then phases.
    let mut durations = Vec::new();
    let mut duration_row = |project: &Option<String>,
                            phase: Option<&str>,
                            bv: Option<&Vec<f64>>,
                            cv: Option<&Vec<f64>>| {
        let (bv, cv) = (bv.map_or(&[][..], |v| v), cv.map_or(&[][..], |v| v));
        if bv.len() < min || cv.len() < min {
            untested += 1;
            return;
        }
        let Some(test) = mann_whitney_u(bv, cv) else {
            return;
        };
        let (bs, cs) = (sorted(bv), sorted(cv));
        let q = |s: &[f64], q: f64| quantile_sorted(s, q).unwrap_or(f64::NAN);
        let (b50, c50, b95, c95) = (q(&bs, 0.5), q(&cs, 0.5), q(&bs, 0.95), q(&cs, 0.95));
        durations.push(DurationChange {
            project_name: project.clone(),
            phase_type: phase.map(str::to_owned),
            baseline_count: bv.len() as u64,
            current_count: cv.len() as u64,
            baseline_p50: b50,
            current_p50: c50,
            baseline_p95: b95,
            current_p95: c95,
            p50_change_seconds: c50 - b50,
            p50_change_percent: percent(b50, c50),
            p95_change_seconds: c95 - b95,
            p95_change_percent: percent(b95, c95),
            impact_minutes: (c50 - b50) * cv.len() as f64 / 60.0,
            p_value: test.p_value,
            adjusted_p_value: f64::NAN,
            significant: false,
        });
    };
    let projects: std::collections::BTreeSet<Option<String>> = b
        .outcomes
        .keys()
        .chain(c.outcomes.keys())
        .cloned()
        .collect();
    for p in &projects {
        duration_row(p, None, b.durations.get(p), c.durations.get(p));
    }
    let mut phase_keys: Vec<&(Option<String>, String)> =
        b.phases.keys().chain(c.phases.keys()).collect();
    phase_keys.sort_by_key(|(p, t)| {
        (
            p.clone(),
            PHASE_ORDER
                .iter()
                .position(|x| x == t)
                .unwrap_or(PHASE_ORDER.len()),
            t.clone(),
        )
    });
    phase_keys.dedup();
    for k in phase_keys {
        duration_row(&k.0, Some(&k.1), b.phases.get(k), c.phases.get(k));
    }

    // Success rates.
    let mut rates = Vec::new();
    for p in &projects {
        let (bs, bn, _) = b.outcomes.get(p).copied().unwrap_or_default();
        let (cs, cn, _) = c.outcomes.get(p).copied().unwrap_or_default();
        if (bn as usize) < min || (cn as usize) < min {
            untested += 1;
            continue;
        }
        let Some(t) = stats::two_proportion_z(bs, bn, cs, cn) else {
            continue;
        };
        let wilson = |x, n| {
            stats::wilson_interval(x, n, 0.05)
                .map(|(l, h)| [l, h])
                .unwrap_or([f64::NAN; 2])
        };
        rates.push(RateChange {
            project_name: p.clone(),
            baseline_succeeded: bs,
            baseline_builds: bn,
            current_succeeded: cs,
            current_builds: cn,
            baseline_rate: bs as f64 / bn as f64,
            current_rate: cs as f64 / cn as f64,
            baseline_interval: wilson(bs, bn),
            current_interval: wilson(cs, cn),
            change_pp: t.difference * 100.0,
            impact_builds: t.difference * cn as f64,
            p_value: t.p_value,
            adjusted_p_value: f64::NAN,
            significant: false,
        });
    }

    // Failure reasons.
    let mut reasons = Vec::new();
    let reason_keys: std::collections::BTreeSet<&ReasonKey> =
        b.reasons.keys().chain(c.reasons.keys()).collect();
    for k in reason_keys {
        let bn = b.outcomes.get(&k.0).map_or(0, |o| o.1);
        let cn = c.outcomes.get(&k.0).map_or(0, |o| o.1);
        if (bn as usize) < min || (cn as usize) < min {
            untested += 1;
            continue;
        }
        let bx = b.reasons.get(k).map_or(0, |r| r.0);
        let (cx, example) = c
            .reasons
            .get(k)
            .map_or((0, None), |r| (r.0, r.1.as_ref().map(|e| e.1.clone())));
        // Counts can exceed the completed, not stopped builds only for
        // inconsistent records; cap so that the test stays defined.
        let (bx, cx) = (bx.min(bn), cx.min(cn));
        let Some(t) = stats::two_proportion_z(bx, bn, cx, cn) else {
            continue;
        };
        let base_rate = bx as f64 / bn as f64;
        reasons.push(ReasonChange {
            project_name: k.0.clone(),
            failure_status_code: k.1.clone(),
            normalized_message: k.2.clone(),
            baseline_count: bx,
            current_count: cx,
            baseline_rate: base_rate,
            current_rate: cx as f64 / cn as f64,
            new: bx == 0,
            impact_builds: cx as f64 - base_rate * cn as f64,
            example_build_id: example,
            p_value: t.p_value,
            adjusted_p_value: f64::NAN,
            significant: false,
        });
    }

    // Costs.
    let mut costs = Vec::new();
    for p in &projects {
        let (bv, cv) = (
            b.costs.get(p).map_or(&[][..], |v| v),
            c.costs.get(p).map_or(&[][..], |v| v),
        );
        if bv.len() < min || cv.len() < min {
            if b.costs.contains_key(p) || c.costs.contains_key(p) {
                untested += 1;
            }
            continue;
        }
        let Some(test) = mann_whitney_u(bv, cv) else {
            continue;
        };
        let total = |v: &[f64]| sorted(v).into_iter().fold(0.0, |a, b| a + b);
        let (bt, ct) = (total(bv), total(cv));
        let (bm, cm) = (bt / bv.len() as f64, ct / cv.len() as f64);
        costs.push(CostChange {
            project_name: p.clone(),
            baseline_builds: bv.len() as u64,
            current_builds: cv.len() as u64,
            baseline_estimated_cost_usd: bt,
            current_estimated_cost_usd: ct,
            baseline_mean_estimated_cost_usd: bm,
            current_mean_estimated_cost_usd: cm,
            mean_change_percent: percent(bm, cm),
            impact_usd: (cm - bm) * cv.len() as f64,
            p_value: test.p_value,
            adjusted_p_value: f64::NAN,
            significant: false,
        });
    }

    // One Benjamini-Hochberg family over every tested row.
    let mut p: Vec<f64> = Vec::new();
    p.extend(durations.iter().map(|r| r.p_value));
    p.extend(rates.iter().map(|r| r.p_value));
    p.extend(reasons.iter().map(|r| r.p_value));
    p.extend(costs.iter().map(|r| r.p_value));
    let adjusted = benjamini_hochberg(&p);
    let mut adj = adjusted.into_iter();
    let q = opts.false_discovery_rate;
    let mut set = |a: &mut f64, s: &mut bool| {
        *a = adj.next().unwrap_or(1.0);
        *s = *a < q;
    };
    for r in &mut durations {
        set(&mut r.adjusted_p_value, &mut r.significant);
    }
    for r in &mut rates {
        set(&mut r.adjusted_p_value, &mut r.significant);
    }
    for r in &mut reasons {
        set(&mut r.adjusted_p_value, &mut r.significant);
    }
    for r in &mut costs {
        set(&mut r.adjusted_p_value, &mut r.significant);
    }
    let by_abs = |a: f64, b: f64| b.abs().total_cmp(&a.abs());
    durations.sort_by(|x, y| by_abs(x.impact_minutes, y.impact_minutes));
    rates.sort_by(|x, y| by_abs(x.impact_builds, y.impact_builds));
    reasons.sort_by(|x, y| by_abs(x.impact_builds, y.impact_builds));
    costs.sort_by(|x, y| by_abs(x.impact_usd, y.impact_usd));

    let rate =
        |o: Option<&(u64, u64, u64)>| o.and_then(|o| (o.1 > 0).then(|| o.0 as f64 / o.1 as f64));
    let cost_total =
        |v: Option<&Vec<f64>>| v.map(|v| sorted(v).into_iter().fold(0.0, |a, b| a + b));
    let context = projects
        .iter()
        .map(|p| ProjectContext {
            project_name: p.clone(),
            baseline_builds: b.outcomes.get(p).map_or(0, |o| o.2),
            current_builds: c.outcomes.get(p).map_or(0, |o| o.2),
            baseline_success_rate: rate(b.outcomes.get(p)),
            current_success_rate: rate(c.outcomes.get(p)),
            baseline_flaky_rate: b.flaky.get(p).copied().flatten(),
            current_flaky_rate: c.flaky.get(p).copied().flatten(),
            baseline_recovery_rate: b.recovery.get(p).copied().flatten(),
            current_recovery_rate: c.recovery.get(p).copied().flatten(),
            baseline_estimated_cost_usd: cost_total(b.costs.get(p)),
            current_estimated_cost_usd: cost_total(c.costs.get(p)),
        })
        .collect();
    let significant = durations.iter().filter(|r| r.significant).count()
        + rates.iter().filter(|r| r.significant).count()
        + reasons.iter().filter(|r| r.significant).count()
        + costs.iter().filter(|r| r.significant).count();
    Ok(Comparison {
        baseline: side_info(baseline, b.builds, table),
        current: side_info(current, c.builds, table),
        method: Method {
            durations:
                "two-sided Mann-Whitney U, normal approximation with tie and continuity correction"
                    .into(),
            proportions: "two-sided two-proportion z-test (pooled); 95% Wilson intervals".into(),
            correction: "Benjamini-Hochberg over every tested row".into(),
            false_discovery_rate: q,
            min_values: min as u64,
        },
        tests: p.len() as u64,
        significant: significant as u64,
        untested,
        durations,
        success_rates: rates,
        failure_reasons: reasons,
        costs,
        projects: context,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    /// Builds of `project` every hour from day `from`, `n` of them, each
    /// lasting `secs`, with a BUILD phase of the same length.
    fn series(project: &str, from: i64, n: i64, secs: i64, status: &str) -> Vec<B> {
        (0..n)
            .map(|i| {
                let start = from * DAY + i * 3600;
                r(
                    &format!("{project}:{from}-{i}"),
                    status,
                    start,
                    start + secs,
                )
                .phases(&[("BUILD", secs as f64)])
            })
            .collect()
    }

    fn window(from_day: i64, to_day: i64) -> Filters {
        Filters {
            since_micros: Some(micros(from_day * DAY)),
            until_micros: Some(micros(to_day * DAY)),
            ..Filters::default()
        }
    }

    fn fixture() -> Frames {
        let mut all = Vec::new();
        // p: 100 s before day 10, 200 s after (planted 2x).
        all.extend(series("p", 0, 20, 100, "SUCCEEDED"));
        all.extend(series("p", 10, 20, 200, "SUCCEEDED"));
        // q: the same durations on both sides.
        all.extend(series("q", 0, 20, 50, "SUCCEEDED"));
        all.extend(series("q", 10, 20, 50, "SUCCEEDED"));
        // s: all green before, half failing after for a new reason.
        all.extend(series("s", 0, 20, 30, "SUCCEEDED"));
        all.extend(series("s", 10, 10, 30, "SUCCEEDED"));
        all.extend(series("s", 15, 10, 30, "FAILED").into_iter().map(|b| {
            b.failure(
                Some("BUILD"),
                Some("COMMAND_EXECUTION_ERROR"),
                Some("exit status 2 after 12345 ms"),
            )
        }));
        // t: too few builds to be tested.
        all.extend(series("t", 0, 5, 10, "SUCCEEDED"));
        all.extend(series("t", 10, 5, 99, "SUCCEEDED"));
        frames(&all)
    }

    fn run() -> Comparison {
        let fr = fixture();
        let (bf, cf) = (window(0, 10), window(10, 20));
        let base = Side {
            label: "before",
            frames: &fr,
            filters: &bf,
        };
        let cur = Side {
            label: "after",
            frames: &fr,
            filters: &cf,
        };
        compare(
            &base,
            &cur,
            PriceTable::builtin(),
            &CompareOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn a_planted_slowdown_is_found_and_sized() {
        let c = run();
        let sig: Vec<&DurationChange> = c.durations.iter().filter(|r| r.significant).collect();
        // p's build and its BUILD phase, nothing else.
        assert_eq!(sig.len(), 2, "{sig:#?}");
        let build = sig.iter().find(|r| r.phase_type.is_none()).unwrap();
        assert_eq!(build.project_name.as_deref(), Some("p"));
        assert_eq!((build.baseline_p50, build.current_p50), (100.0, 200.0));
        assert_eq!(build.p50_change_percent, Some(100.0));
        assert_eq!(build.p95_change_seconds, 100.0);
        assert!((build.impact_minutes - 100.0 * 20.0 / 60.0).abs() < 1e-9);
        let mw = mann_whitney_u(&[100.0; 20], &[200.0; 20]).unwrap();
        assert_eq!(build.p_value, mw.p_value);
        let phase = sig.iter().find(|r| r.phase_type.is_some()).unwrap();
        assert_eq!(phase.phase_type.as_deref(), Some("BUILD"));
        // Sorted by impact: p first (33 min), q (0) after.
        assert_eq!(c.durations[0].project_name.as_deref(), Some("p"));
        let q = c
            .durations
            .iter()
            .find(|r| r.project_name.as_deref() == Some("q") && r.phase_type.is_none())
            .unwrap();
        assert!(!q.significant);
        assert_eq!(q.p_value, 1.0);
    }

    #[test]
    fn a_success_rate_drop_and_a_new_reason() {
        let c = run();
        let s = c
            .success_rates
            .iter()
            .find(|r| r.project_name.as_deref() == Some("s"))
            .unwrap();
        assert_eq!((s.baseline_succeeded, s.baseline_builds), (20, 20));
        assert_eq!((s.current_succeeded, s.current_builds), (10, 20));
        assert!((s.change_pp - -50.0).abs() < 1e-12);
        // Pooled 30/40: se = sqrt(0.75 * 0.25 * (1/20 + 1/20)) = 0.136931;
        // z = -0.5 / se = -3.651484; p = 2 * (1 - Phi(3.651484)) = 0.000260.
        assert!((s.p_value - 0.000_260_8).abs() < 1e-6, "{}", s.p_value);
        assert!(s.significant);
        assert_eq!(c.success_rates.iter().filter(|r| r.significant).count(), 1);
        let reason = c.failure_reasons.iter().find(|r| r.new).unwrap();
        assert_eq!(reason.project_name.as_deref(), Some("s"));
        assert_eq!(
            reason.failure_status_code.as_deref(),
            Some("COMMAND_EXECUTION_ERROR")
        );
        assert_eq!(
            reason.normalized_message.as_deref(),
            Some("exit status 2 after <n> ms")
        );
        assert_eq!((reason.baseline_count, reason.current_count), (0, 10));
        assert_eq!(reason.example_build_id.as_deref(), Some("s:15-9"));
        assert!(reason.significant);
    }

    #[test]
    fn small_rows_are_not_tested_and_the_family_is_counted() {
        let c = run();
        assert!(
            c.durations
                .iter()
                .all(|r| r.project_name.as_deref() != Some("t"))
        );
        // t: build, BUILD phase, success rate.
        assert_eq!(c.untested, 3);
        let tested =
            c.durations.len() + c.success_rates.len() + c.failure_reasons.len() + c.costs.len();
        assert_eq!(c.tests as usize, tested);
        // p build + phase, s success rate, s reason.
        assert_eq!(c.significant, 4);
        assert_eq!(c.baseline.builds, 20 + 20 + 20 + 5);
        assert_eq!(c.current.since.as_deref(), Some("2024-01-11T00:00:00Z"));
        // Context rows for every project.
        assert_eq!(c.projects.len(), 4);
    }
}
