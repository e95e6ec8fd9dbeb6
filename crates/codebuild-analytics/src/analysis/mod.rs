//! Analyses over the [`Frames`](crate::Frames) of an archive.
//!
//! Every analysis follows the definitions of `ANALYTICS.md` exactly, takes
//! the frames and a [`Filters`](crate::Filters) (applied through
//! [`Filters::builds`](crate::Filters::builds) and
//! [`Filters::children`](crate::Filters::children)) and returns a collected
//! `DataFrame` in a documented, deterministic row order. Most are lazy
//! polars queries; where a profile showed a plan costing several times the
//! work (the string join and per-group quantiles of phase timing, the
//! chain walks), the hot part runs as a kernel over the columns, tested
//! against the polars plan it replaces. An analysis over zero builds returns an empty frame with the
//! documented columns.
//!
//! Shared conventions:
//! - **Percentiles** use linear interpolation between closest ranks
//!   (`QuantileMethod::Linear`, numpy's default, DuckDB `quantile_cont`);
//!   nulls are ignored and a group without values gives null.
//! - **Completed** statuses are [`COMPLETED_STATUSES`], **failure**
//!   statuses [`FAILURE_STATUSES`] (STOPPED is completed but not a failure).
//! - **Phase order** is [`PHASE_ORDER`] (the API order); unknown phase
//!   names sort after it, alphabetically, and a null phase last.

use polars::prelude::*;

use crate::filter::TimeBucket;
use crate::frames::col_names::*;

pub mod capacity;
pub mod changes;
pub mod compare;
pub mod cost;
pub mod failures;
pub mod flaky;
pub(crate) mod grouped;
pub mod outcomes;
pub mod recovery;
pub mod retry;
pub mod stats;
pub mod timing;
pub mod trend;

#[cfg(test)]
pub(crate) mod testutil;

/// The phases of a build in API order.
pub const PHASE_ORDER: [&str; 11] = [
    "SUBMITTED",
    "QUEUED",
    "PROVISIONING",
    "DOWNLOAD_SOURCE",
    "INSTALL",
    "PRE_BUILD",
    "BUILD",
    "POST_BUILD",
    "UPLOAD_ARTIFACTS",
    "FINALIZING",
    "COMPLETED",
];

/// Completed build statuses (`ANALYTICS.md`: Records).
pub const COMPLETED_STATUSES: [&str; 5] = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"];

/// Failure build statuses (`ANALYTICS.md`: Records). STOPPED is not a failure.
pub const FAILURE_STATUSES: [&str; 3] = ["FAILED", "FAULT", "TIMED_OUT"];

/// The columns of `builds` the analyses read (with every [`GroupKey`]'s
/// column). With [`PHASE_COLUMNS`], they are all an analysis needs: see
/// [`analysis_view`] and [`crate::dataset::Projection::Analyses`].
pub const BUILD_COLUMNS: &[&str] = &[
    ID,
    ARN,
    PROJECT,
    STATUS,
    START,
    END,
    SOURCE_VERSION,
    RESOLVED_SOURCE_VERSION,
    INITIATOR,
    COMPUTE_TYPE,
    IMAGE,
    SOURCE_TYPE,
    ENV_TYPE,
    FLEET_ARN,
    RETRY_LIMIT,
    RETRY_NUMBER,
    NEXT_RETRY,
    PREVIOUS_RETRY,
    DURATION,
    OVERHEAD,
    EXECUTION,
    FAILED_PHASE,
    FAILURE_STATUS_CODE,
    FAILURE_MESSAGE,
];

/// The columns of `phases` the analyses read.
pub const PHASE_COLUMNS: &[&str] = &[BUILD_ID, PHASE_TYPE, DURATION];

/// The frames cut down to what the analyses read: `builds` to
/// [`BUILD_COLUMNS`], `phases` to [`PHASE_COLUMNS`], no contexts and no
/// list frames. Every analysis gives the same result on the view as on the
/// frames (`cbstats`' tests compare whole reports).
pub fn analysis_view(frames: &crate::Frames) -> PolarsResult<crate::Frames> {
    Ok(crate::Frames {
        builds: frames.builds.select(BUILD_COLUMNS.iter().copied())?,
        phases: frames.phases.select(PHASE_COLUMNS.iter().copied())?,
        phase_contexts: DataFrame::default(),
        lists: Default::default(),
    })
}

/// A grouping key of an analysis.
///
/// Every key but [`GroupKey::Phase`] is a property of the build; phases get
/// them by joining `phases.buildId` to `builds.id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKey {
    /// `projectName` of the build.
    Project,
    /// `phaseType` of the phase (phase-level analyses only).
    Phase,
    /// `environment.computeType` of the build.
    ComputeType,
    /// `environment.image` of the build.
    Image,
    /// `initiator` of the build.
    Initiator,
    /// `source.type` of the build.
    SourceType,
    /// The calendar bucket of the build's `startTime` (a `Date` column named
    /// `day`, `week` or `month`; see [`TimeBucket::expr`]).
    Time(TimeBucket),
}

impl GroupKey {
    /// The name of the key's column in the output.
    pub fn name(self) -> &'static str {
        match self {
            GroupKey::Project => PROJECT,
            GroupKey::Phase => PHASE_TYPE,
            GroupKey::ComputeType => COMPUTE_TYPE,
            GroupKey::Image => IMAGE,
            GroupKey::Initiator => INITIATOR,
            GroupKey::SourceType => SOURCE_TYPE,
            GroupKey::Time(b) => b.name(),
        }
    }

    /// `true` for keys that are properties of the build (all but `Phase`).
    pub fn is_build_level(self) -> bool {
        self != GroupKey::Phase
    }

    /// The expression computing a build-level key on the builds frame,
    /// aliased to [`GroupKey::name`]; `None` for [`GroupKey::Phase`].
    pub fn build_expr(self) -> Option<Expr> {
        match self {
            GroupKey::Phase => None,
            GroupKey::Time(b) => Some(b.expr(START).alias(b.name())),
            k => Some(col(k.name())),
        }
    }
}

/// Name of the constant helper column used so that grouping and joining on
/// an empty key list still works.
pub(crate) const ALL_KEY: &str = "__all";
/// Name of the helper column holding a phase's rank in [`PHASE_ORDER`].
pub(crate) const PHASE_RANK: &str = "__phaseRank";

/// The keys without duplicates, in first-seen order.
pub(crate) fn dedup_keys(keys: &[GroupKey]) -> Vec<GroupKey> {
    let mut out: Vec<GroupKey> = Vec::with_capacity(keys.len());
    for k in keys {
        if !out.contains(k) {
            out.push(*k);
        }
    }
    out
}

/// An error unless every key is build-level.
pub(crate) fn require_build_level(keys: &[GroupKey], what: &str) -> PolarsResult<()> {
    if keys.iter().any(|k| !k.is_build_level()) {
        polars_bail!(InvalidOperation: "{what} takes build-level keys only, not GroupKey::Phase");
    }
    Ok(())
}

/// The rank of `phase` in [`PHASE_ORDER`] (0-based), `PHASE_ORDER.len()`
/// for unknown and null phases.
pub(crate) fn phase_rank(phase: Expr) -> Expr {
    PHASE_ORDER
        .iter()
        .enumerate()
        .rev()
        .fold(lit(PHASE_ORDER.len() as u32), |acc, (i, p)| {
            when(phase.clone().eq(lit(*p)))
                .then(lit(i as u32))
                .otherwise(acc)
        })
}

/// Sort expressions for `keys`: a phase key sorts by API order then name,
/// every other key by value. Nulls sort last (see [`sort_options`]).
pub(crate) fn key_sort_exprs(keys: &[GroupKey]) -> Vec<Expr> {
    let mut out = Vec::new();
    for k in keys {
        if *k == GroupKey::Phase {
            out.push(col(PHASE_RANK));
        }
        out.push(col(k.name()));
    }
    out
}

/// Ascending, nulls last, stable.
pub(crate) fn sort_options() -> SortMultipleOptions {
    SortMultipleOptions::default()
        .with_nulls_last(true)
        .with_maintain_order(true)
}

/// A list literal for `is_in`.
pub(crate) fn str_list(name: &str, values: &[&str]) -> Expr {
    lit(Series::new(name.into(), values)).implode(false)
}

/// `true` where `buildStatus` is completed.
pub(crate) fn is_completed() -> Expr {
    col(STATUS).is_in(str_list("completed", &COMPLETED_STATUSES), false)
}

/// `true` where `buildStatus` is a failure.
pub(crate) fn is_failure() -> Expr {
    col(STATUS).is_in(str_list("failures", &FAILURE_STATUSES), false)
}

/// The linear-interpolation quantile `q` of `e` (nulls ignored).
pub(crate) fn pct(e: Expr, q: f64) -> Expr {
    e.quantile(lit(q), QuantileMethod::Linear)
}

/// The sum of a column of seconds, independent of row order.
///
/// Parallel polars plans (joins, group-bys) may hand a group's rows to a sum
/// in any order, and f64 addition is not associative, so a plain `sum()`
/// can differ in the last bits from run to run. Durations come from
/// microsecond timestamps, so they are summed exactly as whole microseconds
/// (i64) and converted back: the same archive gives the same bytes every
/// run, with any number of threads. A group without values sums to 0.
///
/// The sum is scaled back by multiplying with `1e-6`, not dividing by
/// `1e6`: polars divides a column by a scalar as a multiplication by the
/// reciprocal but a scalar by a scalar exactly, so a division would round
/// differently depending on the plan; a multiplication is the same
/// everywhere (and is what `grouped::micros_to_seconds` does).
pub(crate) fn seconds_sum(e: Expr) -> Expr {
    (e * lit(1e6))
        .round(0, RoundMode::HalfToEven)
        .cast(DataType::Int64)
        .sum()
        .cast(DataType::Float64)
        * lit(1e-6)
}

/// The mean of a column of seconds, independent of row order (see
/// [`seconds_sum`]); null for a group without values.
pub(crate) fn seconds_mean(e: Expr) -> Expr {
    ratio(seconds_sum(e.clone()), e.count())
}

/// `num / den` as Float64, null when `den` is 0 or null.
pub(crate) fn ratio(num: Expr, den: Expr) -> Expr {
    when(den.clone().gt(lit(0.0)))
        .then(num.cast(DataType::Float64) / den.cast(DataType::Float64))
        .otherwise(lit(NULL).cast(DataType::Float64))
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn key_names() {
        let names: Vec<&str> = [
            GroupKey::Project,
            GroupKey::Phase,
            GroupKey::ComputeType,
            GroupKey::Image,
            GroupKey::Initiator,
            GroupKey::SourceType,
            GroupKey::Time(TimeBucket::Day),
            GroupKey::Time(TimeBucket::Week),
            GroupKey::Time(TimeBucket::Month),
        ]
        .iter()
        .map(|k| k.name())
        .collect();
        assert_eq!(
            names,
            [
                "projectName",
                "phaseType",
                "environment.computeType",
                "environment.image",
                "initiator",
                "source.type",
                "day",
                "week",
                "month",
            ]
        );
        assert!(!GroupKey::Phase.is_build_level());
        assert_eq!(
            dedup_keys(&[GroupKey::Phase, GroupKey::Project, GroupKey::Phase]),
            [GroupKey::Phase, GroupKey::Project]
        );
    }

    #[test]
    fn phase_rank_follows_api_order() {
        let df = df!("p" => [Some("COMPLETED"), Some("SUBMITTED"), Some("BUILD"), Some("X"), None])
            .unwrap();
        let out = df
            .lazy()
            .select([phase_rank(col("p")).alias("r")])
            .collect()
            .unwrap();
        let r = out.column("r").unwrap().cast(&DataType::Int64).unwrap();
        let r: Vec<Option<i64>> = r.i64().unwrap().iter().collect();
        assert_eq!(r, [10, 0, 6, 11, 11].map(Some));
    }

    #[test]
    fn week_and_month_buckets_of_the_build_start() {
        // 2024-01-03 (Wednesday) -> week of Monday 2024-01-01 (day 19723);
        // 2024-02-10 (day 40 after T0, a Saturday) -> week of Monday
        // 2024-02-05 (19723 + 35 = 19758), month 2024-02-01 (19723 + 31 = 19754).
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 2 * DAY, Some(2 * DAY + 10)).phases(&[("BUILD", 1.0)]),
            b("p:2", "p", "SUCCEEDED", 40 * DAY, Some(40 * DAY + 10)).phases(&[("BUILD", 2.0)]),
        ]);
        let dates = |k: TimeBucket| {
            let out = timing::phase_timing(&fr, &crate::Filters::default(), &[GroupKey::Time(k)])
                .unwrap();
            let d = out
                .column(k.name())
                .unwrap()
                .cast(&DataType::Int32)
                .unwrap();
            d.i32().unwrap().iter().collect::<Vec<_>>()
        };
        assert_eq!(dates(TimeBucket::Week), [Some(19723), Some(19758)]);
        assert_eq!(dates(TimeBucket::Month), [Some(19723), Some(19754)]);
    }
}
