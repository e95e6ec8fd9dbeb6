//! Build outcomes per project (`ANALYTICS.md`: Outcomes).

use polars::prelude::*;

use super::*;
use crate::filter::{Filters, TimeBucket};
use crate::frames::Frames;

/// The `buildStatus` values that always get a count column, in this order.
pub const KNOWN_STATUSES: [&str; 6] = [
    "SUCCEEDED",
    "FAILED",
    "FAULT",
    "TIMED_OUT",
    "STOPPED",
    "IN_PROGRESS",
];

/// `projectName` of the overall rows of [`outcomes()`].
///
/// CodeBuild project names match `[A-Za-z0-9][A-Za-z0-9_-]*`, so this
/// cannot clash with a real project.
pub const ALL_PROJECTS: &str = "(all)";

/// Name of the count column of builds without a `buildStatus`.
pub const NO_STATUS: &str = "(none)";

/// Helper column: `true` on the overall rows.
const OVERALL: &str = "__overall";

/// Build outcomes per project, and overall, following `ANALYTICS.md`
/// exactly.
///
/// Filters are applied with [`Filters::builds`]. With `by = Some(bucket)`
/// rows are per project and bucket of the build's `startTime` (a `Date`
/// column named `day`, `week` or `month`; builds without `startTime` fall
/// in a null bucket), and the overall rows are per bucket.
///
/// Columns, in order:
/// - `projectName` (String): the project, or [`ALL_PROJECTS`] (`"(all)"`)
///   on the overall rows (over every filtered build, whatever its project);
/// - the bucket column, only when `by` is given;
/// - `builds` (Int64): all builds of the row;
/// - one Int64 count column per `buildStatus`: always the
///   [`KNOWN_STATUSES`] (SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED,
///   IN_PROGRESS) in this order, then one column per **unknown** status
///   present in the filtered builds, named after the raw value, sorted
///   alphabetically, then always [`NO_STATUS`] (`"(none)"`) counting
///   builds with a null `buildStatus`;
/// - `completed` (Int64): builds with a completed status
///   ([`COMPLETED_STATUSES`]);
/// - `successRate` (Float64): `SUCCEEDED / (completed - STOPPED)`, null
///   when the denominator is 0;
/// - `durationP50`, `durationP95` (Float64): build `durationSeconds` of
///   completed builds (running builds, which have no `endTime`, and
///   unknown or missing statuses are left out);
/// - `succeededDurationP50`, `succeededDurationP95`: likewise over
///   SUCCEEDED builds only;
/// - `overheadP50`, `overheadP95`: `overheadSeconds` of **all** builds of
///   the row that have a value, whatever their status.
///
/// The status columns are found with a small query first (the distinct
/// statuses of the filtered builds); the counts are then one lazy query.
/// Percentiles use linear interpolation, ignore nulls and are null without
/// values. Rows are sorted with the per-project rows first (by
/// `projectName`, nulls last, then bucket ascending, nulls last) and the
/// overall rows last (by bucket). Zero builds give an empty frame (no
/// overall row).
pub fn outcomes(
    frames: &Frames,
    filters: &Filters,
    by: Option<TimeBucket>,
) -> PolarsResult<DataFrame> {
    let builds = filters.builds(&frames.builds);

    // The status columns depend on the statuses present: a small query first.
    let present = builds
        .clone()
        .select([col(STATUS).unique().drop_nulls()])
        .collect()?;
    let mut unknown: Vec<String> = present
        .column(STATUS)?
        .str()?
        .iter()
        .flatten()
        .filter(|s| !KNOWN_STATUSES.contains(s))
        .map(str::to_owned)
        .collect();
    unknown.sort();
    let status_names: Vec<&str> = KNOWN_STATUSES
        .iter()
        .copied()
        .chain(unknown.iter().map(String::as_str))
        .collect();

    let count = |e: Expr| e.sum().cast(DataType::Int64);
    let d = || col(DURATION);
    let succeeded = || col(STATUS).eq(lit("SUCCEEDED"));
    let mut aggs = vec![len().cast(DataType::Int64).alias("builds")];
    aggs.extend(
        status_names
            .iter()
            .map(|s| count(col(STATUS).eq(lit(*s))).alias(*s)),
    );
    aggs.extend([
        count(col(STATUS).is_null()).alias(NO_STATUS),
        count(is_completed()).alias("completed"),
        ratio(
            count(succeeded()),
            count(is_completed()) - count(col(STATUS).eq(lit("STOPPED"))),
        )
        .alias("successRate"),
        pct(d().filter(is_completed()), 0.5).alias("durationP50"),
        pct(d().filter(is_completed()), 0.95).alias("durationP95"),
        pct(d().filter(succeeded()), 0.5).alias("succeededDurationP50"),
        pct(d().filter(succeeded()), 0.95).alias("succeededDurationP95"),
        pct(col(OVERHEAD), 0.5).alias("overheadP50"),
        pct(col(OVERHEAD), 0.95).alias("overheadP95"),
    ]);

    let mut out_cols: Vec<Expr> = vec![col(PROJECT)];
    let mut bucket_group: Vec<Expr> = vec![];
    let mut with = vec![lit(true).alias(ALL_KEY)];
    if let Some(b) = by {
        with.push(b.expr(START).alias(b.name()));
        bucket_group.push(col(b.name()));
        out_cols.push(col(b.name()));
    }
    out_cols.push(col("builds"));
    out_cols.extend(status_names.iter().map(|s| col(*s)));
    out_cols.extend(
        [
            NO_STATUS,
            "completed",
            "successRate",
            "durationP50",
            "durationP95",
            "succeededDurationP50",
            "succeededDurationP95",
            "overheadP50",
            "overheadP95",
        ]
        .map(col),
    );
    let mut final_cols = out_cols.clone();
    final_cols.push(col(OVERALL));

    let builds = builds.with_columns(with);
    let mut per_project_group = vec![col(PROJECT)];
    per_project_group.extend(bucket_group.iter().cloned());
    let per_project = builds
        .clone()
        .group_by(per_project_group)
        .agg(aggs.clone())
        .with_column(lit(false).alias(OVERALL))
        .select(final_cols.clone());
    let mut overall_group = vec![col(ALL_KEY)];
    overall_group.extend(bucket_group.iter().cloned());
    let overall = builds
        .group_by(overall_group)
        .agg(aggs)
        .with_columns([lit(ALL_PROJECTS).alias(PROJECT), lit(true).alias(OVERALL)])
        .select(final_cols);

    let mut sort = vec![col(OVERALL), col(PROJECT)];
    sort.extend(bucket_group);
    concat([per_project, overall], UnionArgs::default())?
        .sort_by_exprs(sort, sort_options())
        .select(out_cols)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|o| o.map(String::from)).collect()
    }

    #[test]
    fn counts_success_rate_and_durations() {
        let fr = frames(&[
            // p: durations of completed builds 10, 20, 30, 40 (SUCCEEDED),
            // 100 (FAILED), 5 and 7 (STOPPED).
            b("p:1", "p", "SUCCEEDED", 0, Some(10)),
            b("p:2", "p", "SUCCEEDED", 0, Some(20)),
            b("p:3", "p", "SUCCEEDED", 0, Some(30)),
            b("p:4", "p", "FAILED", 0, Some(100)),
            b("p:5", "p", "STOPPED", 0, Some(5)),
            b("p:6", "p", "STOPPED", 0, Some(7)),
            b("p:7", "p", "SUCCEEDED", 0, Some(40)),
            // running: no endTime, not completed, no duration
            b("p:8", "p", "IN_PROGRESS", 0, None),
            // unknown status, counted under its own name, not completed
            b("p:9", "p", "WEIRD", 0, Some(1000)),
            // missing status
            b("p:10", "p", "", 0, Some(2000)).no_status(),
            // q: only STOPPED -> successRate denominator 0 -> null
            b("q:1", "q", "STOPPED", 0, Some(3)),
        ]);
        let out = outcomes(&fr, &Filters::default(), None).unwrap();
        assert_eq!(
            names(&out),
            [
                PROJECT,
                "builds",
                "SUCCEEDED",
                "FAILED",
                "FAULT",
                "TIMED_OUT",
                "STOPPED",
                "IN_PROGRESS",
                "WEIRD",
                NO_STATUS,
                "completed",
                "successRate",
                "durationP50",
                "durationP95",
                "succeededDurationP50",
                "succeededDurationP95",
                "overheadP50",
                "overheadP95",
            ]
        );
        assert_eq!(
            strs(&out, PROJECT),
            s(&[Some("p"), Some("q"), Some(ALL_PROJECTS)])
        );
        assert_eq!(i64s(&out, "builds"), [Some(10), Some(1), Some(11)]);
        assert_eq!(i64s(&out, "SUCCEEDED"), [Some(4), Some(0), Some(4)]);
        assert_eq!(i64s(&out, "FAILED"), [Some(1), Some(0), Some(1)]);
        assert_eq!(i64s(&out, "FAULT"), [Some(0), Some(0), Some(0)]);
        assert_eq!(i64s(&out, "STOPPED"), [Some(2), Some(1), Some(3)]);
        assert_eq!(i64s(&out, "IN_PROGRESS"), [Some(1), Some(0), Some(1)]);
        assert_eq!(i64s(&out, "WEIRD"), [Some(1), Some(0), Some(1)]);
        assert_eq!(i64s(&out, NO_STATUS), [Some(1), Some(0), Some(1)]);
        // p: 4 + 1 + 2 = 7; q: 1; all: 8.
        assert_eq!(i64s(&out, "completed"), [Some(7), Some(1), Some(8)]);
        // p: 4 / (7 - 2) = 0.8; q: 0 / (1 - 1) -> null; all: 4 / (8 - 3) = 0.8.
        assert_close(&f64s(&out, "successRate"), &[Some(0.8), None, Some(0.8)]);
        // p completed durations sorted: 5 7 10 20 30 40 100 (n = 7):
        // p50 rank 3 -> 20; p95 rank 5.7 -> 40 + 0.7 * 60 = 82.
        // all adds q's 3: 3 5 7 10 20 30 40 100 (n = 8):
        // p50 rank 3.5 -> 10 + 0.5 * 10 = 15; p95 rank 6.65 -> 40 + 0.65 * 60 = 79.
        assert_close(
            &f64s(&out, "durationP50"),
            &[Some(20.0), Some(3.0), Some(15.0)],
        );
        assert_close(
            &f64s(&out, "durationP95"),
            &[Some(82.0), Some(3.0), Some(79.0)],
        );
        // SUCCEEDED: 10 20 30 40: p50 rank 1.5 -> 25; p95 rank 2.85 -> 30 + 0.85 * 10 = 38.5.
        assert_close(
            &f64s(&out, "succeededDurationP50"),
            &[Some(25.0), None, Some(25.0)],
        );
        assert_close(
            &f64s(&out, "succeededDurationP95"),
            &[Some(38.5), None, Some(38.5)],
        );
        // No phases -> no overhead anywhere.
        assert_close(&f64s(&out, "overheadP50"), &[None, None, None]);
    }

    #[test]
    fn overhead_of_all_builds_with_a_value() {
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 0, Some(10)).phases(&[("QUEUED", 2.0)]),
            b("p:2", "p", "IN_PROGRESS", 0, None).phases(&[("QUEUED", 4.0)]),
            b("p:3", "p", "FAILED", 0, Some(10)).phases(&[("SUBMITTED", 1.0), ("QUEUED", 7.0)]),
            b("p:4", "p", "FAILED", 0, Some(10)),
        ]);
        let out = outcomes(&fr, &Filters::default(), None).unwrap();
        // overhead 2, 4, 8 (p:4 has none): p50 4, p95 rank 1.9 -> 4 + 0.9 * 4 = 7.6.
        assert_close(&f64s(&out, "overheadP50"), &[Some(4.0), Some(4.0)]);
        assert_close(&f64s(&out, "overheadP95"), &[Some(7.6), Some(7.6)]);
        // No unknown status: only the known columns and (none).
        assert_eq!(
            names(&out)[2..10],
            [
                "SUCCEEDED",
                "FAILED",
                "FAULT",
                "TIMED_OUT",
                "STOPPED",
                "IN_PROGRESS",
                NO_STATUS,
                "completed"
            ]
        );
    }

    #[test]
    fn per_time_bucket_and_filters() {
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 0, Some(10)),
            b("p:2", "p", "FAILED", DAY, Some(DAY + 10)),
            b("p:3", "p", "SUCCEEDED", DAY + 60, Some(DAY + 70)),
            b("q:1", "q", "FAULT", 0, Some(10)),
        ]);
        let out = outcomes(&fr, &Filters::default(), Some(TimeBucket::Day)).unwrap();
        assert_eq!(names(&out)[..3], [PROJECT, "day", "builds"]);
        // p day 0, p day 1, q day 0, (all) day 0, (all) day 1.
        assert_eq!(
            strs(&out, PROJECT),
            s(&[
                Some("p"),
                Some("p"),
                Some("q"),
                Some(ALL_PROJECTS),
                Some(ALL_PROJECTS)
            ])
        );
        let days = out.column("day").unwrap().cast(&DataType::Int32).unwrap();
        let days: Vec<Option<i32>> = days.i32().unwrap().iter().collect();
        assert_eq!(days, [19723, 19724, 19723, 19723, 19724].map(Some));
        assert_eq!(i64s(&out, "builds"), [1, 2, 1, 2, 2].map(Some));
        // p day 1: 1 / 2; (all) day 0: 1 / 2 (p:1 succeeded, q:1 fault).
        assert_close(
            &f64s(&out, "successRate"),
            &[Some(1.0), Some(0.5), Some(0.0), Some(0.5), Some(0.5)],
        );

        let f = Filters {
            projects: Some(vec!["p".into()]),
            statuses: Some(vec!["SUCCEEDED".into()]),
            since_micros: Some(micros(1)),
            ..Filters::default()
        };
        let out = outcomes(&fr, &f, None).unwrap();
        // Only p:3.
        assert_eq!(strs(&out, PROJECT), s(&[Some("p"), Some(ALL_PROJECTS)]));
        assert_eq!(i64s(&out, "builds"), [Some(1), Some(1)]);
    }

    #[test]
    fn zero_builds_give_an_empty_frame() {
        let out = outcomes(&frames(&[]), &Filters::default(), Some(TimeBucket::Week)).unwrap();
        assert_eq!(out.height(), 0);
        // projectName, week, builds, 6 statuses, (none), completed,
        // successRate, 6 percentiles = 3 + 6 + 1 + 2 + 6.
        assert_eq!(out.width(), 18);
        let fr = frames(&[b("p:1", "p", "SUCCEEDED", 0, Some(1))]);
        let f = Filters {
            projects: Some(vec!["nope".into()]),
            ..Filters::default()
        };
        let out = outcomes(&fr, &f, None).unwrap();
        assert_eq!(out.height(), 0);
        assert_eq!(out.width(), 17);
    }
}
