//! Load and cost: builds per day and hour of week, peak concurrency, build
//! minutes by compute type.
//!
//! Follows the "Load" section of `ANALYTICS.md` exactly; the choices it
//! leaves open are documented on each function.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::seconds_sum;
use crate::analysis::retry::{
    failure_expr, passing_rows, sort_opts, strings, success_expr, time_series, times, with_strings,
};
use crate::filter::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

/// Counts builds per `keys` (named `names`), per project and overall; the
/// overall rows have a null `projectName`.
fn counts(base: LazyFrame, keys: &[Expr], names: &[&str]) -> PolarsResult<DataFrame> {
    let builds = || len().cast(DataType::Int64).alias("builds");
    let mut by_project = vec![col(PROJECT)];
    by_project.extend_from_slice(keys);
    let mut out = vec![col(PROJECT)];
    out.extend(names.iter().map(|n| col(*n)));
    out.push(col("builds"));
    let per = base
        .clone()
        .filter(col(PROJECT).is_not_null())
        .group_by(by_project)
        .agg([builds()])
        .select(&out);
    let all = base
        .group_by(keys)
        .agg([builds()])
        .with_column(lit(NULL).cast(DataType::String).alias(PROJECT))
        .select(&out);
    let mut sort_by = vec![PROJECT];
    sort_by.extend_from_slice(names);
    concat([all, per], UnionArgs::default())?
        .sort(sort_by, sort_opts())
        .collect()
}

/// Builds per UTC day of `startTime`, per project and overall.
///
/// Columns: `projectName` (null on the overall rows), `day` (Date, UTC),
/// `builds` (Int64). Only days with builds appear; builds without
/// `startTime` are left out; builds without `projectName` only count
/// toward the overall rows. Sorted by `projectName` (overall rows first),
/// then `day`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn builds_per_day(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    let base = filters
        .builds(&frames.builds)
        .filter(col(START).is_not_null())
        .with_column(col(START).dt().date().alias("day"));
    counts(base, &[col("day")], &["day"])
}

/// Builds per hour of the week of `startTime` (UTC), per project and overall.
///
/// Columns: `projectName` (null on the overall rows), `weekday` (Int64,
/// ISO: Monday = 1 ... Sunday = 7), `hour` (Int64, 0-23), `builds` (Int64).
/// Only hours with builds appear (the table is sparse); builds without
/// `startTime` are left out; builds without `projectName` only count toward
/// the overall rows. Sorted by `projectName` (overall first),
/// `weekday`, `hour`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn builds_per_hour_of_week(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    let base = filters
        .builds(&frames.builds)
        .filter(col(START).is_not_null())
        .with_columns([
            col(START)
                .dt()
                .weekday()
                .cast(DataType::Int64)
                .alias("weekday"),
            col(START).dt().hour().cast(DataType::Int64).alias("hour"),
        ]);
    counts(base, &[col("weekday"), col("hour")], &["weekday", "hour"])
}

/// The peak number of overlapping `[start, end)` intervals and the first
/// instant it is reached. Ends sort before starts at the same instant, so
/// touching intervals do not overlap.
fn peak(intervals: &[(i64, i64)]) -> (i64, Option<i64>) {
    let mut events: Vec<(i64, i64)> = Vec::with_capacity(intervals.len() * 2);
    for &(s, e) in intervals {
        events.push((s, 1));
        events.push((e, -1));
    }
    // (-1) < (+1): ends first at the same instant.
    events.sort_unstable();
    let (mut cur, mut best, mut at) = (0i64, 0i64, None);
    for (t, d) in events {
        cur += d;
        if cur > best {
            best = cur;
            at = Some(t);
        }
    }
    (best, at)
}

/// Peak concurrency per project and overall: the largest number of builds
/// whose `[startTime, endTime)` intervals overlap, as `ANALYTICS.md` defines
/// it. At the same instant ends are processed before starts, so a build
/// that starts exactly when another ends does not overlap it.
///
/// Builds without `startTime` or `endTime` (still running, or incomplete
/// records) are excluded, as are empty intervals (`endTime <= startTime`):
/// they overlap nothing. A project whose filtered builds all are excluded
/// still gets a row with `peakConcurrency` 0 and a null `peakAt`. Builds
/// without `projectName` only count toward the overall row.
///
/// Columns: `projectName` (null on the overall row, present when any build
/// passes the filters), `peakConcurrency` (Int64), `peakAt` (Datetime: the
/// first instant the peak is reached). Sorted by `projectName`, overall first.
pub fn peak_concurrency(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    let builds = &with_strings(&frames.builds, &[PROJECT])?;
    let keep = passing_rows(builds, filters)?;
    let project = strings(builds, PROJECT)?;
    let start = times(builds, START)?;
    let end = times(builds, END)?;
    let mut groups: BTreeMap<Option<&str>, Vec<(i64, i64)>> = BTreeMap::new();
    let mut all = Vec::new();
    let mut any = false;
    for (i, &kept) in keep.iter().enumerate() {
        if !kept {
            continue;
        }
        any = true;
        let g = groups.entry(project[i]).or_default();
        if let (Some(s), Some(e)) = (start[i], end[i]) {
            if e > s {
                g.push((s, e));
                all.push((s, e));
            }
        }
    }
    let mut names: Vec<Option<&str>> = Vec::new();
    let mut peaks = Vec::new();
    let mut at = Vec::new();
    let mut push = |name, intervals: &[(i64, i64)]| {
        let (p, t) = peak(intervals);
        names.push(name);
        peaks.push(p);
        at.push(t);
    };
    if any {
        push(None, &all);
    }
    for (name, intervals) in &groups {
        // Builds without a project name only count toward the overall row.
        if name.is_some() {
            push(*name, intervals);
        }
    }
    let df = DataFrame::new(
        names.len(),
        vec![
            Column::new(PROJECT.into(), names),
            Column::new("peakConcurrency".into(), peaks),
            time_series("peakAt", at)?,
        ],
    )?;
    df.sort([PROJECT], sort_opts())
}

/// Build minutes by `environment.computeType`: minutes = `durationSeconds` /
/// 60, unrounded; builds with a null duration add nothing.
///
/// Columns: `environment.computeType` (null compute type is a group of its
/// own), `builds` (Int64), `totalMinutes`, `succeededMinutes` (`SUCCEEDED`),
/// `failedMinutes` (`FAILED`, `FAULT`, `TIMED_OUT`), `retriedMinutes`
/// (Float64): minutes of builds that are auto-retries, i.e.
/// `autoRetryNumber > 0` or `previousAutoRetry` is set. The splits overlap
/// (a retry is also succeeded or failed) and do not add up to the total
/// (`STOPPED` and other statuses are only in the total). Sorted by compute
/// type, nulls first.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn build_minutes(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    let minutes = |e: Expr| seconds_sum(e) / lit(60.0);
    let retried = col(RETRY_NUMBER)
        .gt(lit(0))
        .fill_null(lit(false))
        .or(col(PREVIOUS_RETRY).is_not_null());
    filters
        .builds(&frames.builds)
        .group_by([col(COMPUTE_TYPE)])
        .agg([
            len().cast(DataType::Int64).alias("builds"),
            minutes(col(DURATION)).alias("totalMinutes"),
            minutes(col(DURATION).filter(success_expr())).alias("succeededMinutes"),
            minutes(col(DURATION).filter(failure_expr())).alias("failedMinutes"),
            minutes(col(DURATION).filter(retried)).alias("retriedMinutes"),
        ])
        .sort([COMPUTE_TYPE], sort_opts())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;
    use crate::frames::time_dtype;

    const H: i64 = 3600;
    const D: i64 = 24 * H;

    #[test]
    fn per_day_and_hour_of_week() {
        // T0 is Monday 2024-01-01 00:00 UTC
        let f = frames(&[
            r("p:1", "SUCCEEDED", 9 * H, 9 * H + 60),
            r("p:2", "FAILED", 9 * H + 1800, 10 * H),
            r("q:1", "SUCCEEDED", 23 * H + 3599, D + 10),
            r("q:2", "SUCCEEDED", 6 * D + 15 * H, 6 * D + 16 * H),
        ]);
        let df = builds_per_day(&f, &Filters::default()).unwrap();
        assert_eq!(names(&df), ["projectName", "day", "builds"]);
        assert_eq!(df.column("day").unwrap().dtype(), &DataType::Date);
        assert_eq!(col_str(&df, PROJECT), ["-", "-", "p", "q", "q"]);
        // days since 1970: 2024-01-01 = 19723
        assert_eq!(
            crate::analysis::retry::ints(&df, "day").unwrap(),
            [
                Some(19723),
                Some(19729),
                Some(19723),
                Some(19723),
                Some(19729)
            ]
        );
        assert_eq!(
            i64s(&df, "builds"),
            [Some(3), Some(1), Some(2), Some(1), Some(1)]
        );

        let df = builds_per_hour_of_week(&f, &Filters::default()).unwrap();
        assert_eq!(names(&df), ["projectName", "weekday", "hour", "builds"]);
        assert_eq!(col_str(&df, PROJECT), ["-", "-", "-", "p", "q", "q"]);
        // Mon 9h x2, Mon 23h, Sun (7) 15h
        assert_eq!(
            i64s(&df, "weekday"),
            [Some(1), Some(1), Some(7), Some(1), Some(1), Some(7)]
        );
        assert_eq!(
            i64s(&df, "hour"),
            [Some(9), Some(23), Some(15), Some(9), Some(23), Some(15)]
        );
        assert_eq!(
            i64s(&df, "builds"),
            [Some(2), Some(1), Some(1), Some(2), Some(1), Some(1)]
        );
    }

    #[test]
    fn peak_concurrency_with_touching_intervals() {
        let f = frames(&[
            // p: [0,10) [5,15) [10,20) [10,12): at 10 one ends, two start
            // -> 1 (5..15) + 2 = 3 at 10
            r("p:1", "SUCCEEDED", 0, 10),
            r("p:2", "SUCCEEDED", 5, 15),
            r("p:3", "SUCCEEDED", 10, 20),
            r("p:4", "FAILED", 10, 12),
            // q: touching only: [0,5) [5,9) -> peak 1, first at 0
            r("q:1", "SUCCEEDED", 0, 5),
            r("q:2", "SUCCEEDED", 5, 9),
            // running: excluded; r has no interval at all
            r("q:3", "IN_PROGRESS", 1, 0).no_end(),
            r("r:1", "IN_PROGRESS", 1, 0).no_end(),
        ]);
        let df = peak_concurrency(&f, &Filters::default()).unwrap();
        assert_eq!(names(&df), ["projectName", "peakConcurrency", "peakAt"]);
        assert_eq!(col_str(&df, PROJECT), ["-", "p", "q", "r"]);
        // overall at 5: p:1, p:2, q:1 end? no: q:1 ends at 5 (end first),
        // q:2 starts -> p:1 p:2 q:2 = 3 at 5; at 10: p:1 ends, p:3 p:4 start
        // -> p:2 p:3 p:4 = 3 (q:2 ended at 9): first reached at 5
        assert_eq!(
            i64s(&df, "peakConcurrency"),
            [Some(3), Some(3), Some(1), Some(0)]
        );
        assert_eq!(col_t(&df, "peakAt"), [Some(5), Some(10), Some(0), None]);
        assert_eq!(df.column("peakAt").unwrap().dtype(), &time_dtype());
    }

    #[test]
    fn build_minutes_by_compute_type() {
        let f = frames(&[
            r("p:1", "SUCCEEDED", 0, 120).compute("SMALL"),
            r("p:2", "FAILED", 0, 60)
                .compute("SMALL")
                .num(0, 1)
                .next("p:3"),
            r("p:3", "SUCCEEDED", 100, 130).compute("SMALL").num(1, 1),
            r("p:4", "STOPPED", 0, 600).compute("LARGE"),
            r("p:5", "TIMED_OUT", 0, 90).compute("LARGE").prev("p:9"),
            r("p:6", "IN_PROGRESS", 0, 0).compute("LARGE").no_end(),
        ]);
        let df = build_minutes(&f, &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            [
                "environment.computeType",
                "builds",
                "totalMinutes",
                "succeededMinutes",
                "failedMinutes",
                "retriedMinutes"
            ]
        );
        assert_eq!(col_str(&df, COMPUTE_TYPE), ["LARGE", "SMALL"]);
        assert_eq!(i64s(&df, "builds"), [Some(3), Some(3)]);
        // LARGE: (600 + 90) / 60 = 11.5, null duration ignored; SMALL: 210 / 60 = 3.5
        assert_eq!(f64s(&df, "totalMinutes"), [Some(11.5), Some(3.5)]);
        // SMALL: (120 + 30) / 60 = 2.5
        assert_eq!(f64s(&df, "succeededMinutes"), [Some(0.0), Some(2.5)]);
        // LARGE: 90 / 60 = 1.5 (STOPPED is no failure); SMALL: 1.0
        assert_eq!(f64s(&df, "failedMinutes"), [Some(1.5), Some(1.0)]);
        // LARGE: p:5 has previousAutoRetry (1.5); SMALL: p:3 number 1 (0.5)
        assert_eq!(f64s(&df, "retriedMinutes"), [Some(1.5), Some(0.5)]);
    }

    #[test]
    fn filters_apply() {
        let f = frames(&[
            r("p:1", "SUCCEEDED", 0, 10).compute("SMALL"),
            r("p:2", "SUCCEEDED", 5, 15).compute("SMALL"),
            r("q:1", "SUCCEEDED", 5, 15).compute("LARGE"),
        ]);
        let fl = Filters {
            projects: Some(vec!["p".into()]),
            ..Filters::default()
        };
        let df = peak_concurrency(&f, &fl).unwrap();
        assert_eq!(col_str(&df, PROJECT), ["-", "p"]);
        assert_eq!(i64s(&df, "peakConcurrency"), [Some(2), Some(2)]);
        assert_eq!(
            col_str(&build_minutes(&f, &fl).unwrap(), COMPUTE_TYPE),
            ["SMALL"]
        );
        assert_eq!(
            i64s(&builds_per_day(&f, &fl).unwrap(), "builds"),
            [Some(2), Some(2)]
        );
    }

    #[test]
    fn empty_frames() {
        let f = frames(&[]);
        let fl = Filters::default();
        let d = builds_per_day(&f, &fl).unwrap();
        assert_eq!(
            (d.height(), names(&d)),
            (0, vec!["projectName".into(), "day".into(), "builds".into()])
        );
        assert_eq!(builds_per_hour_of_week(&f, &fl).unwrap().shape(), (0, 4));
        assert_eq!(peak_concurrency(&f, &fl).unwrap().shape(), (0, 3));
        assert_eq!(build_minutes(&f, &fl).unwrap().shape(), (0, 6));
    }
}
