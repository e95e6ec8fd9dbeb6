//! Change points: where a project's build duration, the durations of its
//! top phases, or its success rate shift to a new level, and the first
//! build after each shift.
//!
//! **Algorithm.** PELT, Pruned Exact Linear Time (Killick, Fearnhead &
//! Eckley 2012, "Optimal detection of changepoints with a linear
//! computational cost", JASA 107(500)), with the L2 (mean-shift) cost, as
//! ruptures implements it ([`pelt_l2`] returns exactly what
//! `ruptures.Pelt(model="l2", min_size, jump).fit(x).predict(pen)` returns;
//! the tests check it against ruptures 1.1.10's breakpoints on fixed
//! inputs, committed in `testdata/changepoints/` with the script that made
//! them). It is written here rather than taken from the `pelt` crate
//! (0.3.4): that crate needs Rust 1.95 (this workspace: 1.85), brings
//! `ndarray` and a pre-release `smallvec` 2.0 beside the 1.x in the lock
//! file, is MPL-2.0, and the algorithm is sixty lines.
//!
//! **Series**, per project (builds that pass the filters, in `startTime`
//! order, ties by `id`):
//! - **build duration**: `durationSeconds` of SUCCEEDED builds (failed and
//!   stopped builds end early and would read as "faster");
//! - **phase duration**: the same builds' durations of the project's
//!   [`ChangeOptions::top_phases`] phases with the most seconds in them;
//! - **success rate**: 1 for SUCCEEDED, 0 for FAILED, FAULT, TIMED_OUT
//!   (completed builds other than STOPPED, as the success rate is defined
//!   in `ANALYTICS.md`), one value per build, so a change is located at a
//!   build, not at a day, and busy and quiet days weigh by their builds.
//!   Only each commit's (`resolvedSourceVersion`'s) first build counts:
//!   auto-retries and manual rebuilds of a failing commit repeat its
//!   failure, and such clusters read as short shifts (on 50 stationary
//!   generated archives they made 13 archives show a change; counting
//!   commits, 3). Builds without a commit count each.
//!
//! Durations are segmented on `ln(1 + seconds)`: slowdowns are
//! multiplicative, and on the log scale a 2x shift is the same size for a
//! 1-minute and a 1-hour build.
//!
//! **Penalty** per change: `penalty_factor x sigma^2 x ln(n)`, a BIC-like
//! penalty scaled to the series' noise. `sigma` is robust to the shifts
//! themselves: for durations the normal-scaled median absolute deviation
//! of the first differences, over sqrt 2 (a level shift moves one
//! difference; noise of variance s^2 gives differences of variance 2 s^2);
//! for success (0/1) values the Bernoulli variance `p (1 - p)` of the
//! whole series.
//!
//! **Long series**: PELT's pruning drops nothing on a series without a
//! change, so it costs O(n^2) there. Candidate positions are therefore
//! every `ceil(n / max_candidates)`-th build (ruptures' `jump`), and each
//! change found is then moved to the best single position (least L2 cost of
//! the two segments around it) between its neighbouring changes: the
//! result is located to the build, and a stationary series of any length
//! costs at most O(`max_candidates`^2) plus O(n) per change.
//!
//! **Confirmation.** PELT proposes; a change is kept only when the
//! segments on either side of it differ significantly and materially:
//! durations by a two-sided Mann-Whitney U test (p below
//! [`ChangeOptions::alpha`]) and a median change of at least
//! [`ChangeOptions::min_duration_change`]; success rates by a two-sided
//! two-proportion z-test (p below `alpha`) and a change of at least
//! [`ChangeOptions::min_rate_change`]. The weakest unconfirmed change is
//! removed, its two segments merged, and its neighbours tested again,
//! until every remaining change is confirmed. Segments hold at least
//! [`ChangeOptions::min_segment`] builds (durations) or
//! [`ChangeOptions::min_rate_segment`] builds (success rate). The p-values are those of
//! the tests, not adjusted for the search that chose the positions: the
//! strict `alpha` stands for that.

use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use time::OffsetDateTime;

use super::grouped::BuildRows;
use super::stats::{mann_whitney_u, quantile_sorted, two_proportion_z};
use super::{FAILURE_STATUSES, PHASE_ORDER};
use crate::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

/// The normal scale of the median absolute deviation: `1 / Phi^-1(3/4)`
/// (scipy's `median_abs_deviation(scale="normal")`).
const MAD_NORMAL: f64 = 1.482_602_218_505_602;

/// Settings of change-point detection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChangeOptions {
    /// Fewest values a segment of durations holds (builds).
    pub min_segment: usize,
    /// Fewest values a segment of the success rate holds (builds): more
    /// than for durations, as a few failures close together are common
    /// (and the z-test is optimistic for rare events in small samples).
    pub min_rate_segment: usize,
    /// The penalty per change, in units of `sigma^2 ln(n)`.
    pub penalty_factor: f64,
    /// Most candidate positions PELT searches per series (longer series are
    /// subsampled, then refined to the build).
    pub max_candidates: usize,
    /// A change is confirmed when its test's p-value is below this.
    pub alpha: f64,
    /// Smallest relative change of the median duration (0.1 = 10%).
    pub min_duration_change: f64,
    /// Smallest change of the success rate (0.05 = 5 percentage points).
    pub min_rate_change: f64,
    /// Phases per project with their own series (those with the most seconds).
    pub top_phases: usize,
}

impl Default for ChangeOptions {
    fn default() -> Self {
        ChangeOptions {
            min_segment: 20,
            min_rate_segment: 50,
            penalty_factor: 3.0,
            max_candidates: 500,
            alpha: 1e-5,
            min_duration_change: 0.10,
            min_rate_change: 0.05,
            top_phases: 3,
        }
    }
}

/// Prefix sums of a series for the L2 cost of any segment in O(1).
///
/// The values are centred on their mean first, so that the sums of
/// squares stay small and the cost loses little to cancellation.
struct L2Cost {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl L2Cost {
    fn new(x: &[f64]) -> Self {
        let mean = if x.is_empty() {
            0.0
        } else {
            x.iter().sum::<f64>() / x.len() as f64
        };
        let mut s1 = Vec::with_capacity(x.len() + 1);
        let mut s2 = Vec::with_capacity(x.len() + 1);
        let (mut a, mut b) = (0.0, 0.0);
        s1.push(0.0);
        s2.push(0.0);
        for v in x {
            let c = v - mean;
            a += c;
            b += c * c;
            s1.push(a);
            s2.push(b);
        }
        L2Cost { s1, s2 }
    }

    /// The sum of squared deviations from the mean of `x[start..end]`
    /// (ruptures' `CostL2.error`: `var(x[start:end]) * (end - start)`).
    fn error(&self, start: usize, end: usize) -> f64 {
        let n = (end - start) as f64;
        let s = self.s1[end] - self.s1[start];
        let q = self.s2[end] - self.s2[start];
        (q - s * s / n).max(0.0)
    }
}

/// PELT with the L2 cost: the ends of the segments of `x` that minimise
/// the sum of the segments' squared deviations plus `pen` per segment,
/// every segment at least `min_size` long, segments starting at multiples
/// of `jump` only (1: anywhere). The last end is `x.len()`.
///
/// Exactly ruptures' `Pelt(model="l2", min_size, jump).fit(x).predict(pen)`
/// (1.1.10): the same candidates, the same pruning (a start is dropped
/// when its cost exceeds the optimum by more than `pen`), and among equal
/// costs the earliest start. `None` where ruptures raises
/// `BadSegmentationParameters`: fewer values than `min_size` (so always
/// for an empty series). `min_size` and `jump` below 1 count as 1; `pen`
/// must be finite and at least 0, and `x` free of NaN.
pub fn pelt_l2(x: &[f64], pen: f64, min_size: usize, jump: usize) -> Option<Vec<usize>> {
    let n = x.len();
    let min_size = min_size.max(1);
    let jump = jump.max(1);
    if min_size > n {
        return None;
    }
    let cost = L2Cost::new(x);
    // best[t]: the least penalised cost of x[..t]; NaN where no partition
    // of x[..t] is a candidate. last[t]: the start of its last segment.
    let mut best = vec![f64::NAN; n + 1];
    let mut last = vec![0usize; n + 1];
    best[0] = 0.0;
    let mut admissible: Vec<usize> = Vec::new();
    let mut scored: Vec<(usize, f64)> = Vec::new();
    let first = min_size.div_ceil(jump) * jump;
    let ends = (first..n).step_by(jump).chain(std::iter::once(n));
    for end in ends {
        admissible.push((end - min_size) / jump * jump);
        scored.clear();
        let (mut min, mut arg) = (f64::INFINITY, 0);
        for &t in &admissible {
            // A start without a partition before it (0 < t < min_size)
            // is skipped; ruptures drops it from the admissible set too.
            if best[t].is_nan() {
                continue;
            }
            let v = best[t] + (cost.error(t, end) + pen);
            if v < min {
                (min, arg) = (v, t);
            }
            scored.push((t, v));
        }
        best[end] = min;
        last[end] = arg;
        admissible.clear();
        admissible.extend(
            scored
                .iter()
                .filter(|(_, v)| *v <= min + pen)
                .map(|(t, _)| *t),
        );
    }
    let mut out = vec![n];
    let mut t = n;
    while t > 0 {
        t = last[t];
        if t > 0 {
            out.push(t);
        }
    }
    out.reverse();
    Some(out)
}

/// The normal-scaled median absolute deviation of the first differences of
/// `x` (scipy's `median_abs_deviation(np.diff(x), scale="normal")`); `None`
/// with fewer than 2 values.
pub fn mad_of_differences(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let mut d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    d.sort_by(f64::total_cmp);
    let med = quantile_sorted(&d, 0.5)?;
    let mut dev: Vec<f64> = d.iter().map(|v| (v - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    Some(quantile_sorted(&dev, 0.5)? * MAD_NORMAL)
}

/// The noise variance of a duration series (see the module docs):
/// `(MAD of differences / sqrt 2)^2`; when more than half the differences
/// are equal (MAD 0), the variance of the differences over 2. 0 for a
/// constant series.
pub fn duration_noise_variance(x: &[f64]) -> f64 {
    let Some(mad) = mad_of_differences(x) else {
        return 0.0;
    };
    if mad > 0.0 {
        return mad * mad / 2.0;
    }
    let d: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = d.iter().sum::<f64>() / d.len() as f64;
    d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / d.len() as f64 / 2.0
}

/// Moves each breakpoint of a subsampled PELT (`jump` > 1) to the best
/// single position between its neighbours: the one minimising the L2 cost
/// of the two segments around it, keeping `min_size` values on each side
/// (left to right, each move seen by the next; the current position wins
/// ties). The coarse grid can miss the best position by more than one
/// step when the cost is flat around it, so the whole span between the
/// neighbours is searched: O(n) per change with the prefix sums. `bkps`
/// are segment ends as [`pelt_l2`] returns them (the last is `x.len()`).
fn refine(x: &[f64], bkps: &mut [usize], min_size: usize) {
    let cost = L2Cost::new(x);
    let k = bkps.len();
    for i in 0..k.saturating_sub(1) {
        let lo = if i == 0 { 0 } else { bkps[i - 1] };
        let hi = bkps[i + 1];
        let from = lo + min_size;
        let to = hi.saturating_sub(min_size);
        let mut best = (cost.error(lo, bkps[i]) + cost.error(bkps[i], hi), bkps[i]);
        for t in from..=to {
            let c = cost.error(lo, t) + cost.error(t, hi);
            if c < best.0 {
                best = (c, t);
            }
        }
        bkps[i] = best.1;
    }
}

/// What a series measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    /// `durationSeconds` of SUCCEEDED builds.
    BuildDuration,
    /// A phase's duration in SUCCEEDED builds.
    PhaseDuration,
    /// SUCCEEDED / (completed - STOPPED), per build.
    SuccessRate,
}

impl Metric {
    /// How people read it.
    pub fn label(self) -> &'static str {
        match self {
            Metric::BuildDuration => "build duration",
            Metric::PhaseDuration => "phase duration",
            Metric::SuccessRate => "success rate",
        }
    }
}

/// The first build after a change.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FirstBuild {
    /// `id`.
    pub id: Option<String>,
    /// `resolvedSourceVersion` (the commit).
    pub resolved_source_version: Option<String>,
    /// `sourceVersion` as requested (branch, pull request, ...).
    pub source_version: Option<String>,
}

/// One confirmed change of level.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// `projectName`.
    pub project: Option<String>,
    /// The series.
    pub metric: Metric,
    /// `phaseType` for phase durations; null otherwise.
    pub phase: Option<String>,
    /// When: the `startTime` of the first build after the change.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub at: OffsetDateTime,
    /// The first build after the change.
    pub first_build: FirstBuild,
    /// Median duration (seconds) or success rate (0..1) of the segment before.
    pub before: f64,
    /// The same of the segment after.
    pub after: f64,
    /// Durations: `(after - before) / before x 100`; null for success rates
    /// or a median of 0.
    pub change_percent: Option<f64>,
    /// Success rates: `(after - before) x 100` (percentage points); null for durations.
    pub change_pp: Option<f64>,
    /// Values (builds) in the segment before.
    pub before_count: u64,
    /// Values (builds) in the segment after.
    pub after_count: u64,
    /// `startTime` of the first build of the segment before.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub before_since: OffsetDateTime,
    /// `startTime` of the last build of the segment after.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(with = "String", extend("format" = "date-time"))]
    pub after_until: OffsetDateTime,
    /// Two-sided p-value of the confirming test (Mann-Whitney U for
    /// durations, two-proportion z for success rates).
    pub p_value: f64,
    /// What it costs, positive when worse: durations, the change of the
    /// median x the builds after, in minutes; success rates, the builds
    /// that failed beyond the earlier rate (`(before - after) x builds
    /// after`) x the project's median build duration, in minutes.
    pub impact_minutes: f64,
}

/// How changes were found.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeMethod {
    /// The segmentation.
    pub algorithm: String,
    /// The penalty per change.
    pub penalty: String,
    /// The confirmation.
    pub confirmation: String,
    /// Fewest builds per segment of durations.
    pub min_segment: u64,
    /// Fewest builds per segment of the success rate.
    pub min_rate_segment: u64,
    /// The p-value a change must be below.
    pub alpha: f64,
    /// Smallest relative change of a median duration (fraction).
    pub min_duration_change: f64,
    /// Smallest change of a success rate (fraction).
    pub min_rate_change: f64,
    /// Phases per project with their own series.
    pub top_phases: u64,
}

/// Every confirmed change of the builds that pass the filters
/// (`cbstats changes --format json`, `schemas/changes.schema.json`).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    /// How they were found.
    pub method: ChangeMethod,
    /// Series searched.
    pub series: u64,
    /// Series with enough values to hold a change (twice the segment minimum).
    pub series_searched: u64,
    /// The latest `startTime` of the builds searched (what "recent" is measured from).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub latest_start: Option<OffsetDateTime>,
    /// The changes, latest first (then project, metric, phase).
    pub changes: Vec<Change>,
}

impl Changes {
    /// The JSON Schema of [`Changes`] (`schemas/changes.schema.json`).
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(Changes)
    }

    /// The changes at or after `latest_start - days`, by |impact| (largest
    /// first; then latest first).
    pub fn recent(&self, days: i64) -> Vec<&Change> {
        let Some(latest) = self.latest_start else {
            return Vec::new();
        };
        let since = latest - time::Duration::days(days);
        let mut out: Vec<&Change> = self.changes.iter().filter(|c| c.at >= since).collect();
        out.sort_by(|a, b| {
            b.impact_minutes
                .abs()
                .total_cmp(&a.impact_minutes.abs())
                .then(b.at.cmp(&a.at))
        });
        out
    }
}

/// One series: values in build order and the build row of each.
struct Series {
    project: Option<String>,
    metric: Metric,
    phase: Option<String>,
    rows: Vec<u32>,
    values: Vec<f64>,
    /// The project's median build duration (seconds), for the impact of a
    /// success-rate change.
    typical_seconds: f64,
}

/// The builds' columns the series read.
struct BuildCols {
    ids: Vec<Option<String>>,
    rsv: Vec<Option<String>>,
    sv: Vec<Option<String>>,
    start: Vec<i64>,
}

fn instant(micros: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    quantile_sorted(&s, 0.5).unwrap_or(f64::NAN)
}

fn text(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

/// Finds every confirmed change of the builds passing `filters`; see the
/// module docs for the series, the algorithm and the confirmation.
pub fn changes(frames: &Frames, filters: &Filters, opts: &ChangeOptions) -> PolarsResult<Changes> {
    let mut statuses: Vec<&str> = FAILURE_STATUSES.to_vec();
    statuses.push("SUCCEEDED");
    let builds = filters
        .builds(&frames.builds)
        .filter(
            col(STATUS)
                .cast(DataType::String)
                .is_in(super::str_list("s", &statuses), false)
                .and(col(START).is_not_null()),
        )
        .select([
            col(ID).cast(DataType::String),
            col(PROJECT).cast(DataType::String),
            col(STATUS).cast(DataType::String),
            col(START)
                .dt()
                .timestamp(TimeUnit::Microseconds)
                .alias(START),
            col(DURATION).cast(DataType::Float64),
            col(RESOLVED_SOURCE_VERSION).cast(DataType::String),
            col(SOURCE_VERSION).cast(DataType::String),
        ])
        .collect()?;
    let n = builds.height();
    let ids_col = builds.column(ID)?.str()?.clone();
    let projects = text(&builds, PROJECT)?;
    let status = text(&builds, STATUS)?;
    let start: Vec<i64> = builds
        .column(START)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let duration: Vec<Option<f64>> = builds.column(DURATION)?.f64()?.iter().collect();
    let succeeded: Vec<bool> = status
        .iter()
        .map(|s| s.as_deref() == Some("SUCCEEDED"))
        .collect();

    // Phase durations of the SUCCEEDED builds, one column per phase type.
    let mut phase_names: Vec<String> = PHASE_ORDER.iter().map(|s| s.to_string()).collect();
    let mut phase_cols: Vec<Option<Vec<f64>>> = vec![None; phase_names.len()];
    {
        let phases = frames
            .phases
            .clone()
            .lazy()
            .select([
                col(BUILD_ID).cast(DataType::String),
                col(PHASE_TYPE).cast(DataType::String),
                col(DURATION).cast(DataType::Float64),
            ])
            .collect()?;
        let index = BuildRows::new(&ids_col)?;
        let pairs = phases.column(BUILD_ID)?.str()?.iter().zip(
            phases
                .column(PHASE_TYPE)?
                .str()?
                .iter()
                .zip(phases.column(DURATION)?.f64()?.iter()),
        );
        index.for_each_match(pairs, |&(phase, d), row| {
            let (Some(phase), Some(d)) = (phase, d) else {
                return;
            };
            if !succeeded[row as usize] || !d.is_finite() {
                return;
            }
            let p = match phase_names.iter().position(|x| x == phase) {
                Some(p) => p,
                None => {
                    phase_names.push(phase.to_owned());
                    phase_cols.push(None);
                    phase_names.len() - 1
                }
            };
            let col = phase_cols[p].get_or_insert_with(|| vec![f64::NAN; n]);
            let v = &mut col[row as usize];
            *v = if v.is_nan() { d } else { *v + d };
        });
    }

    // Rows per project in start order (ties by id).
    let mut by_project: BTreeMap<Option<String>, Vec<u32>> = BTreeMap::new();
    for (i, p) in projects.iter().enumerate() {
        by_project.entry(p.clone()).or_default().push(i as u32);
    }
    let ids: Vec<Option<&str>> = ids_col.iter().collect();
    let rsv = text(&builds, RESOLVED_SOURCE_VERSION)?;
    let mut series = Vec::new();
    for (project, mut rows) in by_project {
        rows.sort_by(|&a, &b| {
            (start[a as usize], ids[a as usize]).cmp(&(start[b as usize], ids[b as usize]))
        });
        let ok: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&r| succeeded[r as usize] && duration[r as usize].is_some_and(f64::is_finite))
            .collect();
        let ok_values: Vec<f64> = ok
            .iter()
            .map(|&r| duration[r as usize].unwrap_or(0.0))
            .collect();
        let typical = if ok_values.is_empty() {
            0.0
        } else {
            median(&ok_values)
        };
        // Top phases by seconds in these builds (ties: API order).
        let mut totals: Vec<(usize, f64)> = phase_cols
            .iter()
            .enumerate()
            .filter_map(|(p, c)| {
                let c = c.as_ref()?;
                let t: f64 = ok
                    .iter()
                    .map(|&r| c[r as usize])
                    .filter(|v| !v.is_nan())
                    .sum();
                (t > 0.0).then_some((p, t))
            })
            .collect();
        totals.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(p, _) in totals.iter().take(opts.top_phases) {
            let c = phase_cols[p].as_ref().expect("has a total");
            let (prow, pval): (Vec<u32>, Vec<f64>) = ok
                .iter()
                .filter(|&&r| !c[r as usize].is_nan())
                .map(|&r| (r, c[r as usize]))
                .unzip();
            series.push(Series {
                project: project.clone(),
                metric: Metric::PhaseDuration,
                phase: Some(phase_names[p].clone()),
                rows: prow,
                values: pval,
                typical_seconds: typical,
            });
        }
        series.push(Series {
            project: project.clone(),
            metric: Metric::BuildDuration,
            phase: None,
            rows: ok,
            values: ok_values,
            typical_seconds: typical,
        });
        // Success: each commit's first build (auto-retries and manual
        // rebuilds of a commit repeat its outcome); builds without a
        // commit count each.
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let first: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&r| rsv[r as usize].as_deref().is_none_or(|c| seen.insert(c)))
            .collect();
        let rate_values = first
            .iter()
            .map(|&r| if succeeded[r as usize] { 1.0 } else { 0.0 })
            .collect();
        series.push(Series {
            project,
            metric: Metric::SuccessRate,
            phase: None,
            rows: first,
            values: rate_values,
            typical_seconds: typical,
        });
    }

    let cols = BuildCols {
        ids: ids.iter().map(|v| v.map(str::to_owned)).collect(),
        rsv: rsv.clone(),
        sv: text(&builds, SOURCE_VERSION)?,
        start,
    };
    let min = opts.min_segment.max(1);
    let searched = series
        .iter()
        .filter(|s| s.values.len() >= 2 * min_segment(s.metric, opts))
        .count();
    let mut found: Vec<Change> = series
        .par_iter()
        .flat_map_iter(|s| series_changes(s, &cols, opts))
        .collect();
    found.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| a.project.cmp(&b.project))
            .then(a.metric.cmp(&b.metric))
            .then_with(|| a.phase.cmp(&b.phase))
    });
    Ok(Changes {
        method: ChangeMethod {
            algorithm: "PELT (Killick, Fearnhead & Eckley 2012), L2 cost, on ln(1 + seconds) for durations and 0/1 per build for success".into(),
            penalty: format!(
                "{} x sigma^2 x ln(n); sigma: MAD of first differences / sqrt 2 (durations), sqrt(p (1 - p)) (success)",
                opts.penalty_factor
            ),
            confirmation: "two-sided Mann-Whitney U (durations) or two-proportion z-test (success rate) between the adjacent segments, and a minimum size".into(),
            min_segment: min as u64,
            min_rate_segment: opts.min_rate_segment.max(1) as u64,
            alpha: opts.alpha,
            min_duration_change: opts.min_duration_change,
            min_rate_change: opts.min_rate_change,
            top_phases: opts.top_phases as u64,
        },
        series: series.len() as u64,
        series_searched: searched as u64,
        latest_start: (n > 0).then(|| instant(cols.start.iter().copied().max().unwrap_or(0))),
        changes: found,
    })
}

/// The fewest values a segment of a `metric` series holds.
fn min_segment(metric: Metric, opts: &ChangeOptions) -> usize {
    match metric {
        Metric::SuccessRate => opts.min_rate_segment,
        _ => opts.min_segment,
    }
    .max(1)
}

/// The test of one boundary between `a` and `b` (values of the segments):
/// `(p-value, confirmed)`.
fn test_boundary(metric: Metric, a: &[f64], b: &[f64], opts: &ChangeOptions) -> (f64, bool) {
    match metric {
        Metric::SuccessRate => {
            let (xa, xb) = (a.iter().sum::<f64>(), b.iter().sum::<f64>());
            let Some(t) = two_proportion_z(xa as u64, a.len() as u64, xb as u64, b.len() as u64)
            else {
                return (1.0, false);
            };
            let ok = t.p_value < opts.alpha && t.difference.abs() >= opts.min_rate_change;
            (t.p_value, ok)
        }
        _ => {
            let Some(t) = mann_whitney_u(a, b) else {
                return (1.0, false);
            };
            let (ma, mb) = (median(a), median(b));
            let rel = if ma > 0.0 {
                (mb - ma).abs() / ma
            } else if mb > 0.0 {
                f64::INFINITY
            } else {
                0.0
            };
            (
                t.p_value,
                t.p_value < opts.alpha && rel >= opts.min_duration_change,
            )
        }
    }
}

/// The confirmed change positions of one series (indices of the first
/// value after each change).
fn change_positions(metric: Metric, raw: &[f64], opts: &ChangeOptions) -> Vec<usize> {
    let n = raw.len();
    let min = min_segment(metric, opts);
    if n < 2 * min {
        return Vec::new();
    }
    let (y, sigma2): (Vec<f64>, f64) = match metric {
        Metric::SuccessRate => {
            let p = raw.iter().sum::<f64>() / n as f64;
            (raw.to_vec(), p * (1.0 - p))
        }
        _ => {
            let y: Vec<f64> = raw.iter().map(|v| v.max(0.0).ln_1p()).collect();
            let s = duration_noise_variance(&y);
            (y, s)
        }
    };
    if !(sigma2 > 0.0 && sigma2.is_finite()) {
        return Vec::new();
    }
    let pen = opts.penalty_factor * sigma2 * (n as f64).ln();
    let jump = n.div_ceil(opts.max_candidates.max(1)).max(1);
    let Some(mut bkps) = pelt_l2(&y, pen, min, jump) else {
        return Vec::new();
    };
    if jump > 1 {
        refine(&y, &mut bkps, min);
    }
    // Segment bounds: 0, the changes, n.
    let mut bounds: Vec<usize> = std::iter::once(0).chain(bkps).collect();
    let mut tests: Vec<(f64, bool)> = (1..bounds.len() - 1)
        .map(|i| {
            test_boundary(
                metric,
                &raw[bounds[i - 1]..bounds[i]],
                &raw[bounds[i]..bounds[i + 1]],
                opts,
            )
        })
        .collect();
    // Remove the weakest unconfirmed change until all are confirmed.
    loop {
        let worst = tests
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.1)
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i);
        let Some(i) = worst else { break };
        // Change i sits at bounds[i + 1].
        bounds.remove(i + 1);
        tests.remove(i);
        for j in [i.wrapping_sub(1), i] {
            if j < tests.len() {
                tests[j] = test_boundary(
                    metric,
                    &raw[bounds[j]..bounds[j + 1]],
                    &raw[bounds[j + 1]..bounds[j + 2]],
                    opts,
                );
            }
        }
    }
    bounds[1..bounds.len() - 1].to_vec()
}

fn series_changes(s: &Series, b: &BuildCols, opts: &ChangeOptions) -> Vec<Change> {
    let cuts = change_positions(s.metric, &s.values, opts);
    if cuts.is_empty() {
        return Vec::new();
    }
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .chain(std::iter::once(s.values.len()))
        .collect();
    let mut out = Vec::with_capacity(cuts.len());
    for i in 1..bounds.len() - 1 {
        let (lo, at, hi) = (bounds[i - 1], bounds[i], bounds[i + 1]);
        let (a, z) = (&s.values[lo..at], &s.values[at..hi]);
        let (p_value, _) = test_boundary(s.metric, a, z, opts);
        let row = s.rows[at] as usize;
        let rate = s.metric == Metric::SuccessRate;
        let (before, after) = if rate {
            (
                a.iter().sum::<f64>() / a.len() as f64,
                z.iter().sum::<f64>() / z.len() as f64,
            )
        } else {
            (median(a), median(z))
        };
        let impact_minutes = if rate {
            (before - after) * z.len() as f64 * s.typical_seconds / 60.0
        } else {
            (after - before) * z.len() as f64 / 60.0
        };
        out.push(Change {
            project: s.project.clone(),
            metric: s.metric,
            phase: s.phase.clone(),
            at: instant(b.start[row]),
            first_build: FirstBuild {
                id: b.ids[row].clone(),
                resolved_source_version: b.rsv[row].clone(),
                source_version: b.sv[row].clone(),
            },
            before,
            after,
            change_percent: (!rate && before != 0.0).then(|| (after - before) / before * 100.0),
            change_pp: rate.then_some((after - before) * 100.0),
            before_count: a.len() as u64,
            after_count: z.len() as u64,
            before_since: instant(b.start[s.rows[lo] as usize]),
            after_until: instant(b.start[s.rows[hi - 1] as usize]),
            p_value,
            impact_minutes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    //! Reference breakpoints computed once with ruptures 1.1.10 (numpy
    //! 2.4.6, scipy 1.17.1) in a throwaway venv, by
    //! `testdata/changepoints/make_reference.py` (its docstring has the
    //! commands); its output is `testdata/changepoints/reference.json`.

    use super::super::testutil::*;
    use super::*;
    use serde_json::Value;

    fn reference() -> Value {
        reference_json("changepoints/reference.json")
    }

    #[test]
    fn pelt_matches_ruptures_on_every_reference_case() {
        let r = reference();
        let cases = r["pelt"].as_array().unwrap();
        assert!(cases.len() >= 20);
        for c in cases {
            let name = c["name"].as_str().unwrap();
            let x = floats(&c["x"]);
            let got = pelt_l2(
                &x,
                c["pen"].as_f64().unwrap(),
                c["min_size"].as_u64().unwrap() as usize,
                c["jump"].as_u64().unwrap() as usize,
            );
            let want: Option<Vec<usize>> = c["breakpoints"].as_array().map(|a| {
                a.iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect::<Vec<_>>()
            });
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn mad_matches_scipy() {
        let r = reference();
        for c in r["mad"].as_array().unwrap() {
            let got = mad_of_differences(&floats(&c["x"])).unwrap();
            let want = c["mad_normal_of_diffs"].as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want.abs(),
                "{}: {got} vs {want}",
                c["name"]
            );
        }
        assert_eq!(mad_of_differences(&[1.0]), None);
        assert_eq!(mad_of_differences(&[]), None);
    }

    #[test]
    fn l2_cost_by_hand() {
        // [1, 2, 3, 10]: mean 4, squared deviations 9 + 4 + 1 + 36 = 50.
        let c = L2Cost::new(&[1.0, 2.0, 3.0, 10.0]);
        assert!((c.error(0, 4) - 50.0).abs() < 1e-12);
        // [2, 3]: mean 2.5, 0.25 + 0.25.
        assert!((c.error(1, 3) - 0.5).abs() < 1e-12);
        assert_eq!(c.error(2, 3), 0.0);
        // A constant series costs nothing anywhere.
        let k = L2Cost::new(&[0.1; 7]);
        assert_eq!(k.error(0, 7), 0.0);
    }

    #[test]
    fn pelt_edge_cases_by_hand() {
        assert_eq!(pelt_l2(&[], 1.0, 1, 1), None);
        assert_eq!(pelt_l2(&[1.0, 2.0], 1.0, 3, 1), None);
        assert_eq!(pelt_l2(&[5.0], 1.0, 0, 0), Some(vec![1]));
        assert_eq!(pelt_l2(&[2.0; 50], 0.5, 5, 1), Some(vec![50]));
        // 0 0 0 | 10 10 10: a split costs 0 + pen; one segment costs
        // 6 x 25 = 150 (mean 5). Split while pen < 150.
        let x = [0.0, 0.0, 0.0, 10.0, 10.0, 10.0];
        assert_eq!(pelt_l2(&x, 149.0, 3, 1), Some(vec![3, 6]));
        assert_eq!(pelt_l2(&x, 151.0, 3, 1), Some(vec![6]));
        // n < 2 min_size: no room for two segments.
        assert_eq!(pelt_l2(&x, 1.0, 4, 1), Some(vec![6]));
    }

    #[test]
    fn noise_variance_by_hand() {
        // Differences of [0, 1, 3, 6, 10]: 1 2 3 4, median 2.5, absolute
        // deviations 1.5 0.5 0.5 1.5, median 1; sigma^2 = (1.4826..)^2 / 2.
        let v = duration_noise_variance(&[0.0, 1.0, 3.0, 6.0, 10.0]);
        assert!((v - MAD_NORMAL * MAD_NORMAL / 2.0).abs() < 1e-12);
        // Most differences 0 (MAD 0): variance of the differences / 2:
        // differences 0 0 0 4, mean 1, variance (1 + 1 + 1 + 9) / 4 = 3.
        let v = duration_noise_variance(&[5.0, 5.0, 5.0, 5.0, 9.0]);
        assert!((v - 1.5).abs() < 1e-12, "{v}");
        assert_eq!(duration_noise_variance(&[3.0; 9]), 0.0);
        assert_eq!(duration_noise_variance(&[3.0]), 0.0);
    }

    #[test]
    fn refinement_moves_a_coarse_change_to_the_build() {
        // A step at 37 seen on a grid of 10: one change costs about
        // 3 x 25 x 37 / 40 = 69 at 40; a segment [30, 40) would cost
        // 10 x 0.21 x 25 = 52.5 plus the penalty 30. PELT puts it at 40.
        let x: Vec<f64> = (0..100)
            .map(|i| if i < 37 { 0.0 } else { 5.0 } + if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        let mut b = pelt_l2(&x, 30.0, 5, 10).unwrap();
        assert_eq!(b, vec![40, 100]);
        refine(&x, &mut b, 5);
        assert_eq!(b, vec![37, 100]);
        // From three grid steps away too (the whole span between the
        // neighbours is searched), and a lone end stays as it is.
        let mut far = vec![70, 100];
        refine(&x, &mut far, 5);
        assert_eq!(far, vec![37, 100]);
        let mut end = vec![100];
        refine(&x, &mut end, 5);
        assert_eq!(end, vec![100]);
    }

    #[test]
    fn recent_changes_are_those_of_the_last_days_by_impact() {
        let at = |day: i64, impact: f64| Change {
            project: Some("p".into()),
            metric: Metric::BuildDuration,
            phase: None,
            at: instant(micros(day * DAY)),
            first_build: FirstBuild {
                id: None,
                resolved_source_version: None,
                source_version: None,
            },
            before: 1.0,
            after: 2.0,
            change_percent: Some(100.0),
            change_pp: None,
            before_count: 20,
            after_count: 20,
            before_since: instant(micros(0)),
            after_until: instant(micros(40 * DAY)),
            p_value: 0.0,
            impact_minutes: impact,
        };
        let c = Changes {
            method: changes(&frames(&[]), &Filters::default(), &ChangeOptions::default())
                .unwrap()
                .method,
            series: 1,
            series_searched: 1,
            latest_start: Some(instant(micros(40 * DAY))),
            changes: vec![at(35, 5.0), at(20, 500.0), at(12, -50.0), at(30, -9.0)],
        };
        // Days 12..=40 count (28 days back from day 40); day 12 is exactly the edge.
        let got: Vec<f64> = c.recent(28).iter().map(|x| x.impact_minutes).collect();
        assert_eq!(got, [500.0, -50.0, -9.0, 5.0]);
        assert_eq!(c.recent(7).len(), 1);
        let none = Changes {
            latest_start: None,
            ..c.clone()
        };
        assert!(none.recent(28).is_empty());
    }

    #[test]
    fn confirmation_keeps_real_steps_and_drops_noise() {
        let opts = ChangeOptions::default();
        // 60 builds of ~100 s then 60 of ~200 s (deterministic wiggle).
        let x: Vec<f64> = (0..120)
            .map(|i| if i < 60 { 100.0 } else { 200.0 } + (i % 7) as f64)
            .collect();
        assert_eq!(change_positions(Metric::BuildDuration, &x, &opts), [60]);
        // A 5% step is real but below the 10% minimum.
        let x: Vec<f64> = (0..400)
            .map(|i| if i < 200 { 100.0 } else { 105.0 } + (i % 3) as f64 * 0.1)
            .collect();
        assert!(change_positions(Metric::BuildDuration, &x, &opts).is_empty());
        // Constant, short, and empty series.
        assert!(change_positions(Metric::BuildDuration, &[60.0; 300], &opts).is_empty());
        assert!(change_positions(Metric::BuildDuration, &[1.0, 500.0], &opts).is_empty());
        assert!(change_positions(Metric::SuccessRate, &[], &opts).is_empty());
        // Success: all green for 100 builds, then every other one fails.
        let s: Vec<f64> = (0..200)
            .map(|i| if i < 100 || i % 2 == 0 { 1.0 } else { 0.0 })
            .collect();
        assert_eq!(change_positions(Metric::SuccessRate, &s, &opts), [101]);
        assert!(change_positions(Metric::SuccessRate, &[1.0; 300], &opts).is_empty());
    }

    #[test]
    fn changes_of_frames_name_the_first_build_and_the_segments() {
        // p: 40 builds of 100 s, then 40 of 300 s (BUILD phase alike), one
        // an hour; the 41st is the first slow one.
        let mut all = Vec::new();
        for i in 0..80i64 {
            let secs = if i < 40 { 100 } else { 300 } + (i % 5);
            let start = i * 3600;
            all.push(
                r(&format!("p:{i:03}"), "SUCCEEDED", start, start + secs)
                    .phases(&[("BUILD", secs as f64)])
                    .rsv(&format!("c{i}"))
                    .sv("refs/heads/main"),
            );
        }
        let fr = frames(&all);
        let c = changes(&fr, &Filters::default(), &ChangeOptions::default()).unwrap();
        // Build duration and BUILD phase; the success rate is all 1.
        assert_eq!(c.changes.len(), 2, "{:#?}", c.changes);
        assert_eq!(c.series, 3);
        let build = c
            .changes
            .iter()
            .find(|x| x.metric == Metric::BuildDuration)
            .unwrap();
        assert_eq!(build.first_build.id.as_deref(), Some("p:040"));
        assert_eq!(
            build.first_build.resolved_source_version.as_deref(),
            Some("c40")
        );
        assert_eq!(
            build.first_build.source_version.as_deref(),
            Some("refs/heads/main")
        );
        assert_eq!(build.at, instant(micros(40 * 3600)));
        // Medians of 100..104 and 300..304 repeated: 102 and 302.
        assert_eq!((build.before, build.after), (102.0, 302.0));
        assert_eq!((build.before_count, build.after_count), (40, 40));
        assert!((build.change_percent.unwrap() - 200.0 / 102.0 * 100.0).abs() < 1e-9);
        assert!((build.impact_minutes - 200.0 * 40.0 / 60.0).abs() < 1e-9);
        let mw = mann_whitney_u(
            &(0..40).map(|i| 100.0 + (i % 5) as f64).collect::<Vec<_>>(),
            &(40..80).map(|i| 300.0 + (i % 5) as f64).collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(build.p_value, mw.p_value);
        let phase = c
            .changes
            .iter()
            .find(|x| x.metric == Metric::PhaseDuration)
            .unwrap();
        assert_eq!(phase.phase.as_deref(), Some("BUILD"));
        assert_eq!(phase.first_build.id.as_deref(), Some("p:040"));
        // Filtered to the first half: nothing left to change.
        let f = Filters {
            until_micros: Some(micros(40 * 3600)),
            ..Filters::default()
        };
        assert!(
            changes(&fr, &f, &ChangeOptions::default())
                .unwrap()
                .changes
                .is_empty()
        );
        // No builds at all.
        let none = changes(&frames(&[]), &Filters::default(), &ChangeOptions::default()).unwrap();
        assert!(none.changes.is_empty() && none.latest_start.is_none());
    }
}
