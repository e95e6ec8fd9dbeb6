//! Trends over time: queue + provisioning wait and concurrency per time
//! bucket, per project and overall (the HTML report's "over time" and
//! "load" charts).
//!
//! Build durations per bucket are in
//! [`outcomes`](super::outcomes::outcomes) with `by = Some(bucket)`
//! (`durationP50`, `durationP95`); this module adds what that section does
//! not have. Definitions follow `ANALYTICS.md` (Durations, Load); the
//! choices it leaves open are documented on each function.

use std::collections::BTreeMap;

use polars::prelude::*;
use time::{Date, Duration, Month, OffsetDateTime};

use super::*;
use crate::analysis::retry::{passing_rows, sort_opts, strings, times, with_strings};
use crate::filter::{Filters, TimeBucket};
use crate::frames::Frames;

/// The phases whose durations add up to a build's queue + provisioning
/// wait in [`queue_over_time`].
pub const WAIT_PHASES: [&str; 2] = ["QUEUED", "PROVISIONING"];

/// Queue + provisioning wait per time bucket of the build's `startTime`,
/// per project and overall.
///
/// A build's wait is the sum of the durations of its [`WAIT_PHASES`]
/// (`QUEUED` and `PROVISIONING`; phase durations as `ANALYTICS.md`
/// defines them); a build with neither phase, or with no duration on
/// either, has no wait and is left out (SUBMITTED, which the overhead of
/// `ANALYTICS.md` also counts, is not waiting for capacity). Builds without
/// `startTime` are left out; builds without `projectName` only count toward
/// the overall rows. Filters are applied with [`Filters::builds`].
///
/// Columns: `projectName` (String, null on the overall rows), the bucket
/// column (`day`, `week` or `month`: a `Date`, the bucket's first day, as
/// [`TimeBucket::expr`]), `builds` (Int64: builds of the row with a wait),
/// `waitP50`, `waitP95`, `waitMean` (Float64, seconds; percentiles by
/// linear interpolation). Only buckets with such builds appear. Sorted by
/// `projectName` (overall rows first), then bucket.
pub fn queue_over_time(
    frames: &Frames,
    filters: &Filters,
    bucket: TimeBucket,
) -> PolarsResult<DataFrame> {
    let b = bucket.name();
    let waits = frames
        .phases
        .clone()
        .lazy()
        .filter(
            col(PHASE_TYPE)
                .is_in(str_list("wait", &WAIT_PHASES), false)
                .and(col(DURATION).is_not_null()),
        )
        .group_by([col(BUILD_ID)])
        .agg([seconds_sum(col(DURATION)).alias("__wait")]);
    let base = filters
        .builds(&frames.builds)
        .filter(col(START).is_not_null())
        .select([col(ID), col(PROJECT), bucket.expr(START).alias(b)])
        .join(
            waits,
            [col(ID)],
            [col(BUILD_ID)],
            JoinArgs::new(JoinType::Inner),
        );
    let aggs = || {
        [
            len().cast(DataType::Int64).alias("builds"),
            pct(col("__wait"), 0.5).alias("waitP50"),
            pct(col("__wait"), 0.95).alias("waitP95"),
            seconds_mean(col("__wait")).alias("waitMean"),
        ]
    };
    let out = [
        col(PROJECT),
        col(b),
        col("builds"),
        col("waitP50"),
        col("waitP95"),
        col("waitMean"),
    ];
    let per = base
        .clone()
        .filter(col(PROJECT).is_not_null())
        .group_by([col(PROJECT), col(b)])
        .agg(aggs())
        .select(&out);
    let all = base
        .group_by([col(b)])
        .agg(aggs())
        .with_column(lit(NULL).cast(DataType::String).alias(PROJECT))
        .select(&out);
    concat([all, per], UnionArgs::default())?
        .sort([PROJECT, b], sort_opts())
        .collect()
}

/// The first day of the bucket holding `day`.
fn bucket_start(bucket: TimeBucket, day: Date) -> Date {
    match bucket {
        TimeBucket::Day => day,
        TimeBucket::Week => {
            day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
        }
        TimeBucket::Month => day.replace_day(1).unwrap_or(day),
    }
}

/// The first day of the bucket after the one starting on `start`.
fn next_bucket(bucket: TimeBucket, start: Date) -> Date {
    match bucket {
        TimeBucket::Day => start + Duration::days(1),
        TimeBucket::Week => start + Duration::days(7),
        TimeBucket::Month => {
            let (y, m) = match start.month() {
                Month::December => (start.year() + 1, Month::January),
                m => (start.year(), m.next()),
            };
            Date::from_calendar_date(y, m, 1).unwrap_or(start)
        }
    }
}

/// The UTC day of an instant (microseconds since the epoch).
fn day_of(micros: i64) -> Option<Date> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .ok()
        .map(|t| t.date())
}

/// Midnight UTC of `day`, in microseconds since the epoch.
fn micros_of(day: Date) -> i64 {
    day.midnight().assume_utc().unix_timestamp() * 1_000_000
}

/// Days since the epoch (a polars `Date`).
fn epoch_days(day: Date) -> i32 {
    day.to_julian_day() - 2_440_588
}

/// Peak and mean concurrency of one group's `[start, end)` intervals
/// (non-empty) in every bucket from the first start's to the last end's:
/// `(bucket start, peak, mean)`.
fn concurrency(bucket: TimeBucket, intervals: &[(i64, i64)]) -> Vec<(Date, i64, f64)> {
    let (Some(first), Some(last)) = (
        intervals.iter().map(|i| i.0).min(),
        // The end is exclusive: the last instant covered is end - 1 µs.
        intervals.iter().map(|i| i.1 - 1).max(),
    ) else {
        return Vec::new();
    };
    let (Some(first), Some(last)) = (day_of(first), day_of(last)) else {
        return Vec::new();
    };
    // Bucket boundaries: starts[k] .. starts[k + 1].
    let mut days = vec![bucket_start(bucket, first)];
    while *days.last().unwrap_or(&first) <= last {
        let next = next_bucket(bucket, *days.last().unwrap_or(&first));
        if next <= *days.last().unwrap_or(&first) {
            break;
        }
        days.push(next);
    }
    let bounds: Vec<i64> = days.iter().map(|d| micros_of(*d)).collect();
    let n = bounds.len() - 1;
    // Busy microseconds per bucket.
    let mut busy = vec![0i128; n];
    let index = |t: i64| {
        bounds
            .partition_point(|&b| b <= t)
            .saturating_sub(1)
            .min(n - 1)
    };
    for &(s, e) in intervals {
        for (k, w) in busy.iter_mut().enumerate().skip(index(s)) {
            let (lo, hi) = (bounds[k].max(s), bounds[k + 1].min(e));
            if hi <= lo {
                break;
            }
            *w += i128::from(hi - lo);
        }
    }
    // Peak: the concurrency after every instant's events (ends before
    // starts), and at each bucket's start the concurrency carried into it.
    let mut events: Vec<(i64, i64)> = Vec::with_capacity(intervals.len() * 2);
    for &(s, e) in intervals {
        events.push((s, 1));
        events.push((e, -1));
    }
    events.sort_unstable();
    let mut peak = vec![0i64; n];
    let (mut cur, mut k, mut i) = (0i64, 0usize, 0usize);
    while k < n {
        // Entering bucket k: the carried concurrency holds at its start
        // unless events happen exactly there (they are applied below).
        if events.get(i).is_none_or(|ev| ev.0 > bounds[k]) {
            peak[k] = peak[k].max(cur);
        }
        while i < events.len() && events[i].0 < bounds[k + 1] {
            let t = events[i].0;
            while i < events.len() && events[i].0 == t {
                cur += events[i].1;
                i += 1;
            }
            peak[k] = peak[k].max(cur);
        }
        k += 1;
    }
    (0..n)
        .map(|k| {
            let len = (bounds[k + 1] - bounds[k]) as f64;
            (days[k], peak[k], busy[k] as f64 / len)
        })
        .collect()
}

/// Concurrency per time bucket, per project and overall: how many builds
/// ran at once.
///
/// A build runs over `[startTime, endTime)`, as for
/// [`peak_concurrency`](super::capacity::peak_concurrency) (builds without
/// either time, and empty intervals, are left out; at the same instant
/// ends come before starts). Unlike the other per-bucket analyses, a build
/// counts in **every** bucket its interval overlaps, not only in the
/// bucket of its start, and a group has a row for every bucket from the
/// bucket of its first start to the bucket of its last end, zeros
/// included (buckets are UTC days, ISO weeks from Monday, or months).
///
/// Columns: `projectName` (String, null on the overall rows; builds
/// without a project only count there), the bucket column (`day`, `week`
/// or `month`, a `Date`: the bucket's first day), `peakConcurrency`
/// (Int64: the most builds running at one instant of the bucket),
/// `meanConcurrency` (Float64: the time builds ran within the bucket
/// divided by the bucket's length, i.e. the average number running).
/// Sorted by `projectName` (overall rows first), then bucket.
pub fn concurrency_over_time(
    frames: &Frames,
    filters: &Filters,
    bucket: TimeBucket,
) -> PolarsResult<DataFrame> {
    let builds = &with_strings(&frames.builds, &[PROJECT])?;
    let keep = passing_rows(builds, filters)?;
    let project = strings(builds, PROJECT)?;
    let start = times(builds, START)?;
    let end = times(builds, END)?;
    let mut groups: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
    let mut all = Vec::new();
    for (i, &kept) in keep.iter().enumerate() {
        if let (true, Some(s), Some(e)) = (kept, start[i], end[i]) {
            if e > s {
                all.push((s, e));
                if let Some(p) = project[i] {
                    groups.entry(p).or_default().push((s, e));
                }
            }
        }
    }
    let (mut names, mut dates, mut peaks, mut means) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut push = |name: Option<&str>, intervals: &[(i64, i64)]| {
        for (d, p, m) in concurrency(bucket, intervals) {
            names.push(name.map(str::to_string));
            dates.push(epoch_days(d));
            peaks.push(p);
            means.push(m);
        }
    };
    push(None, &all);
    for (name, intervals) in &groups {
        push(Some(name), intervals);
    }
    DataFrame::new(
        names.len(),
        vec![
            Column::new(PROJECT.into(), names),
            Column::new(bucket.name().into(), dates).cast(&DataType::Date)?,
            Column::new("peakConcurrency".into(), peaks),
            Column::new("meanConcurrency".into(), means),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|x| x.map(String::from)).collect()
    }

    fn days(df: &DataFrame, name: &str) -> Vec<Option<i32>> {
        let d = df.column(name).unwrap().cast(&DataType::Int32).unwrap();
        d.i32().unwrap().iter().collect()
    }

    /// 2024-01-01 (T0, a Monday) in days since the epoch.
    const D0: i32 = 19723;

    #[test]
    fn queue_wait_is_queued_plus_provisioning_per_bucket() {
        let fr = frames(&[
            // Day 0: waits 2 + 3 = 5 (SUBMITTED not counted), 10, and 1.
            b("p:1", "p", "SUCCEEDED", 0, Some(100)).phases(&[
                ("SUBMITTED", 7.0),
                ("QUEUED", 2.0),
                ("PROVISIONING", 3.0),
            ]),
            b("p:2", "p", "FAILED", 60, Some(100)).phases(&[("QUEUED", 10.0)]),
            b("q:1", "q", "SUCCEEDED", 120, Some(200)).phases(&[("PROVISIONING", 1.0)]),
            // No wait phase: left out.
            b("q:2", "q", "SUCCEEDED", 130, Some(200)).phases(&[("BUILD", 50.0)]),
            // Day 1 (a running build still counts): wait 4.
            b("p:3", "p", "IN_PROGRESS", DAY + 5, None).phases(&[("QUEUED", 4.0)]),
        ]);
        let out = queue_over_time(&fr, &Filters::default(), TimeBucket::Day).unwrap();
        assert_eq!(
            names(&out),
            [PROJECT, "day", "builds", "waitP50", "waitP95", "waitMean"]
        );
        // Overall day 0, overall day 1, p day 0, p day 1, q day 0.
        assert_eq!(
            strs(&out, PROJECT),
            s(&[None, None, Some("p"), Some("p"), Some("q")])
        );
        assert_eq!(days(&out, "day"), [D0, D0 + 1, D0, D0 + 1, D0].map(Some));
        assert_eq!(i64s(&out, "builds"), [3, 1, 2, 1, 1].map(Some));
        // Overall day 0: 1 5 10 -> p50 5, p95 rank 1.9 -> 5 + 0.9 * 5 = 9.5,
        // mean 16 / 3. p day 0: 5 10 -> p50 7.5, p95 5 + 0.95 * 5 = 9.75.
        assert_close(
            &f64s(&out, "waitP50"),
            &[Some(5.0), Some(4.0), Some(7.5), Some(4.0), Some(1.0)],
        );
        assert_close(
            &f64s(&out, "waitP95"),
            &[Some(9.5), Some(4.0), Some(9.75), Some(4.0), Some(1.0)],
        );
        assert_close(
            &f64s(&out, "waitMean"),
            &[Some(16.0 / 3.0), Some(4.0), Some(7.5), Some(4.0), Some(1.0)],
        );

        // Filters and weeks: p only, one week row each.
        let f = Filters {
            projects: Some(vec!["p".into()]),
            ..Filters::default()
        };
        let out = queue_over_time(&fr, &f, TimeBucket::Week).unwrap();
        assert_eq!(strs(&out, PROJECT), s(&[None, Some("p")]));
        assert_eq!(days(&out, "week"), [Some(D0), Some(D0)]);
        // 4 5 10: p50 5.
        assert_close(&f64s(&out, "waitP50"), &[Some(5.0), Some(5.0)]);

        let empty = queue_over_time(&frames(&[]), &Filters::default(), TimeBucket::Day).unwrap();
        assert_eq!(empty.height(), 0);
        assert_eq!(empty.width(), 6);
    }

    #[test]
    fn concurrency_counts_every_bucket_a_build_overlaps() {
        let h = 3600;
        let fr = frames(&[
            // p: day 0 12:00 - day 1 06:00 (spans midnight), and day 0
            // 18:00-20:00 (overlaps it: 2 at once).
            b("p:1", "p", "SUCCEEDED", 12 * h, Some(DAY + 6 * h)),
            b("p:2", "p", "FAILED", 18 * h, Some(20 * h)),
            // q: day 2 00:00-01:00, touching p:1's end? No: day 3 is empty
            // between q:1 and q:2, so it gets a zero row.
            b("q:1", "q", "SUCCEEDED", 2 * DAY, Some(2 * DAY + h)),
            b("q:2", "q", "SUCCEEDED", 4 * DAY, Some(4 * DAY + 2 * h)),
            // Left out: still running; empty interval.
            b("q:3", "q", "IN_PROGRESS", DAY, None),
            b("q:4", "q", "FAILED", DAY, Some(DAY)),
            // No project: overall only; ends exactly when p:1 starts (no overlap).
            b("x:1", "x", "SUCCEEDED", 11 * h, Some(12 * h)).no_project(),
        ]);
        let out = concurrency_over_time(&fr, &Filters::default(), TimeBucket::Day).unwrap();
        assert_eq!(
            names(&out),
            [PROJECT, "day", "peakConcurrency", "meanConcurrency"]
        );
        // Overall days 0..=4, p days 0..=1, q days 2..=4.
        assert_eq!(
            strs(&out, PROJECT),
            s(&[
                None,
                None,
                None,
                None,
                None,
                Some("p"),
                Some("p"),
                Some("q"),
                Some("q"),
                Some("q"),
            ])
        );
        assert_eq!(
            days(&out, "day"),
            [
                D0,
                D0 + 1,
                D0 + 2,
                D0 + 3,
                D0 + 4,
                D0,
                D0 + 1,
                D0 + 2,
                D0 + 3,
                D0 + 4
            ]
            .map(Some)
        );
        assert_eq!(
            i64s(&out, "peakConcurrency"),
            [2, 1, 1, 0, 1, 2, 1, 1, 0, 1].map(Some)
        );
        // Overall day 0: x 1 h + p:1 12 h + p:2 2 h = 15 h / 24; day 1: 6 h;
        // day 2: 1 h; day 4: 2 h. p day 0: 14 h; q likewise 1 h, 0, 2 h.
        let d = |hours: f64| Some(hours / 24.0);
        assert_close(
            &f64s(&out, "meanConcurrency"),
            &[
                d(15.0),
                d(6.0),
                d(1.0),
                d(0.0),
                d(2.0),
                d(14.0),
                d(6.0),
                d(1.0),
                d(0.0),
                d(2.0),
            ],
        );

        // Weeks: everything falls in the week of Monday T0.
        let out = concurrency_over_time(&fr, &Filters::default(), TimeBucket::Week).unwrap();
        assert_eq!(days(&out, "week"), [D0, D0, D0].map(Some));
        assert_eq!(i64s(&out, "peakConcurrency"), [2, 2, 1].map(Some));
        // Overall busy: 15 + 6 + 1 + 2 = 24 h of a 168 h week.
        assert_close(&f64s(&out, "meanConcurrency")[..1], &[Some(24.0 / 168.0)]);
    }

    #[test]
    fn concurrency_peak_at_a_bucket_boundary() {
        // Two builds end exactly at midnight, one starts then: day 1's
        // peak is 1 (the ends come first), day 0's is 2.
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", DAY - 100, Some(DAY)),
            b("p:2", "p", "SUCCEEDED", DAY - 50, Some(DAY)),
            b("p:3", "p", "SUCCEEDED", DAY, Some(DAY + 10)),
            // Carried across a boundary without events there: day 3's
            // peak is 1 (p:4 runs from day 2 into day 4).
            b("p:4", "p", "SUCCEEDED", 2 * DAY + 10, Some(4 * DAY + 10)),
        ]);
        let out = concurrency_over_time(&fr, &Filters::default(), TimeBucket::Day).unwrap();
        let p: Vec<Option<i64>> = i64s(&out, "peakConcurrency");
        // Overall and p rows alike: days 0..=4.
        assert_eq!(p, [2, 1, 1, 1, 1, 2, 1, 1, 1, 1].map(Some));
        let out = concurrency_over_time(&fr, &Filters::default(), TimeBucket::Month).unwrap();
        assert_eq!(days(&out, "month"), [D0, D0].map(Some));
        assert_eq!(i64s(&out, "peakConcurrency"), [2, 2].map(Some));
        assert!(
            concurrency_over_time(&frames(&[]), &Filters::default(), TimeBucket::Day)
                .unwrap()
                .height()
                == 0
        );
    }

    #[test]
    fn month_buckets_roll_over_the_year() {
        let dec = Date::from_calendar_date(2023, Month::December, 31).unwrap();
        assert_eq!(
            bucket_start(TimeBucket::Month, dec),
            Date::from_calendar_date(2023, Month::December, 1).unwrap()
        );
        assert_eq!(
            next_bucket(TimeBucket::Month, bucket_start(TimeBucket::Month, dec)),
            Date::from_calendar_date(2024, Month::January, 1).unwrap()
        );
        // 2024-01-07 is a Sunday: its week starts Monday 2024-01-01.
        let sun = Date::from_calendar_date(2024, Month::January, 7).unwrap();
        assert_eq!(epoch_days(bucket_start(TimeBucket::Week, sun)), D0);
    }
}
