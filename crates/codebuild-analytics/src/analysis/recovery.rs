//! Recovery: red periods, time to recover, failure streaks.
//!
//! Follows the "Recovery" section of `ANALYTICS.md` exactly; the choices it
//! leaves open are documented on each function.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::analysis::retry::{
    BuildCols, is_failure, is_success, passing_rows, secs, sort_opts, strings, time_series,
    with_strings,
};
use crate::filter::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

type Key = (Option<String>, Option<String>);

/// One red period of a (project, sourceVersion).
struct Period {
    key: Key,
    /// `endTime` of the failure that opened it (null when that failure has none).
    start: Option<i64>,
    /// `endTime` of the success that closed it (null when open, or when that
    /// success has none).
    end: Option<i64>,
    open: bool,
    /// `end - start` (an open period: the group's last `endTime` - start);
    /// null when either time is unknown.
    seconds: Option<f64>,
    failures: i64,
}

/// Per (project, sourceVersion) tallies.
#[derive(Default)]
struct Tally {
    /// Sum of the known period lengths.
    red_seconds: f64,
    /// Last build's `endTime` - first build's `startTime`; null when the
    /// last build has no `endTime`.
    span_seconds: Option<f64>,
    streaks: Vec<i64>,
    after_fail: i64,
    fail_after_fail: i64,
}

/// Seconds from `start` to `end`, unclamped; null when either is unknown.
fn length(start: Option<i64>, end: Option<i64>) -> Option<f64> {
    Some(secs(end? - start?))
}

/// Walks every (project, sourceVersion) sequence once.
fn scan(frames: &Frames, filters: &Filters) -> PolarsResult<(Vec<Period>, BTreeMap<Key, Tally>)> {
    let mut names = BuildCols::STRINGS.to_vec();
    names.push(SOURCE_VERSION);
    let builds = &with_strings(&frames.builds, &names)?;
    let b = BuildCols::new(builds)?;
    let sv = strings(builds, SOURCE_VERSION)?;
    let keep = passing_rows(builds, filters)?;
    let mut groups: BTreeMap<(Option<&str>, Option<&str>), Vec<usize>> = BTreeMap::new();
    for (i, &kept) in keep.iter().enumerate() {
        let st = b.status.at(i);
        // No `startTime`: no place in the startTime order, left out. A
        // missing `endTime` keeps the build in the sequence.
        if kept && (is_failure(st) || is_success(st)) && b.start.at(i).is_some() {
            groups.entry((b.project.at(i), sv[i])).or_default().push(i);
        }
    }
    let mut periods = Vec::new();
    let mut tallies = BTreeMap::new();
    for ((project, source_version), mut rows) in groups {
        let key: Key = (
            project.map(str::to_owned),
            source_version.map(str::to_owned),
        );
        rows.sort_by(|&x, &y| (b.start.at(x), b.id.at(x)).cmp(&(b.start.at(y), b.id.at(y))));
        let last_end = b.end.at(rows[rows.len() - 1]);
        let mut t = Tally {
            span_seconds: length(b.start.at(rows[0]), last_end),
            ..Tally::default()
        };
        let mut red: Option<(Option<i64>, i64)> = None; // (start, failures)
        let mut streak = 0i64;
        let mut prev_failed: Option<bool> = None;
        for &i in &rows {
            let failed = is_failure(b.status.at(i));
            if prev_failed == Some(true) {
                t.after_fail += 1;
                t.fail_after_fail += i64::from(failed);
            }
            prev_failed = Some(failed);
            if failed {
                streak += 1;
                match &mut red {
                    Some((_, n)) => *n += 1,
                    None => red = Some((b.end.at(i), 1)),
                }
            } else {
                if streak > 0 {
                    t.streaks.push(streak);
                    streak = 0;
                }
                if let Some((start, failures)) = red.take() {
                    let end = b.end.at(i);
                    let seconds = length(start, end);
                    t.red_seconds += seconds.unwrap_or(0.0);
                    periods.push(Period {
                        key: key.clone(),
                        start,
                        end,
                        open: false,
                        seconds,
                        failures,
                    });
                }
            }
        }
        if streak > 0 {
            t.streaks.push(streak);
        }
        if let Some((start, failures)) = red {
            let seconds = length(start, last_end);
            t.red_seconds += seconds.unwrap_or(0.0);
            periods.push(Period {
                key: key.clone(),
                start,
                end: None,
                open: true,
                seconds,
                failures,
            });
        }
        tallies.insert(key, t);
    }
    Ok((periods, tallies))
}

/// One row per red period, exactly as `ANALYTICS.md` defines it.
///
/// Per (`projectName`, `sourceVersion`) — a null `sourceVersion` is a group
/// of its own — the builds passing `filters` whose status is `SUCCEEDED`,
/// `FAILED`, `FAULT` or `TIMED_OUT` (completed, not `STOPPED`) are ordered
/// by `startTime`, then `id`. A red period starts at the `endTime` of a
/// failure that follows a success (or is the first build) and ends at the
/// `endTime` of the next `SUCCEEDED` build. A red period still running
/// after the last build is **open**: `end` is null and `seconds` counts up
/// to the last build's `endTime`.
///
/// The definition applied literally, and the choices it leaves open:
/// - **No clamping**: `seconds` = end - start exactly as defined, even when
///   negative. Builds of a group can overlap, so the closing success (or,
///   for an open period, the last build) may end before the failure that
///   opened the period; the definition is applied as written rather than
///   patched, and the negative length is kept in the mean and total of
///   [`recovery_summary`].
/// - **Builds without `endTime`** stay in the sequence: they still open,
///   extend and close red periods and count in streaks and
///   `pFailAfterFail`. A period whose opening failure has no `endTime` has
///   a null `start`; one whose closing success has none has a null `end`
///   (and `open` false). Either way its length is unknown: `seconds` is
///   null. The period is still reported and counted (it exists by the
///   definition; only its times are unknown) rather than moved to start
///   at a later failure, which would be a time the definition does not
///   name. An open period whose group's last build has no `endTime` has
///   null `seconds` too.
/// - **Builds without `startTime`** have no place in the `startTime`
///   order and are left out of the sequence altogether.
///
/// Columns: `projectName`, `sourceVersion`, `start`, `end` (Datetime),
/// `seconds` (Float64), `open` (Boolean), `failures` (Int64, failures in the
/// period). Sorted by `projectName`, `sourceVersion`, `start` (nulls first,
/// stable: periods with a null `start` keep their sequence order).
pub fn red_periods(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    periods_frame(&scan(frames, filters)?.0)
}

/// [`red_periods`] and [`recovery_summary`] from one walk of the builds
/// (what a report that shows both needs).
pub fn red_periods_and_summary(
    frames: &Frames,
    filters: &Filters,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let (periods, tallies) = scan(frames, filters)?;
    Ok((periods_frame(&periods)?, summary_frame(&periods, tallies)?))
}

/// The [`red_periods`] frame of the periods found by [`scan`].
fn periods_frame(periods: &[Period]) -> PolarsResult<DataFrame> {
    let df = DataFrame::new(
        periods.len(),
        vec![
            Column::new(
                PROJECT.into(),
                periods.iter().map(|p| p.key.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                SOURCE_VERSION.into(),
                periods.iter().map(|p| p.key.1.clone()).collect::<Vec<_>>(),
            ),
            time_series("start", periods.iter().map(|p| p.start).collect())?,
            time_series("end", periods.iter().map(|p| p.end).collect())?,
            Column::new(
                "seconds".into(),
                periods.iter().map(|p| p.seconds).collect::<Vec<_>>(),
            ),
            Column::new(
                "open".into(),
                periods.iter().map(|p| p.open).collect::<Vec<_>>(),
            ),
            Column::new(
                "failures".into(),
                periods.iter().map(|p| p.failures).collect::<Vec<_>>(),
            ),
        ],
    )?;
    df.sort([PROJECT, SOURCE_VERSION, "start"], sort_opts())
}

/// Per project recovery summary over the same groups and builds as
/// [`red_periods`] (see there for builds without `startTime` or `endTime`
/// and for negative lengths).
///
/// Columns:
/// - `redPeriods` (Int64, open ones and ones of unknown length included),
///   `openRedPeriods` (Int64);
/// - `mttrSeconds` (Float64): mean `seconds` of the **closed** periods
///   whose length is known, negative lengths included as they are; null
///   when there is none;
/// - `redSeconds` (Float64): total red time, the sum of the known
///   `seconds` (negative ones included); an open period counts up to the
///   last build's `endTime` of its group; periods of unknown length are
///   left out;
/// - `spanSeconds` (Float64): sum over the project's (project,
///   sourceVersion) groups of last build's `endTime` - first build's
///   `startTime` (last/first in the `startTime` order; not clamped). A
///   group whose last build has no `endTime` has an unknown span and is
///   left out of the sum; null when no group's span is known;
/// - `redShare` (Float64) = red time / spanSeconds, where the red time is
///   that of the groups whose span is known (so that a group whose span is
///   unknown adds to neither side); null when spanSeconds is null or not
///   positive;
/// - `maxStreak` (Int64, 0 when no failure) and `meanStreak` (Float64, null
///   when no failure): lengths of the runs of consecutive failures within a
///   group, a run still going at the end included;
/// - `pFailAfterFail` (Float64) = P(failure | previous build failed) over
///   consecutive pairs of the same group: pairs whose first build failed
///   and whose second failed too / pairs whose first build failed; null when
///   no such pair.
///
/// Projects appear when they have at least one such build. Sorted by
/// `projectName`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn recovery_summary(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    let (periods, tallies) = scan(frames, filters)?;
    summary_frame(&periods, tallies)
}

/// The [`recovery_summary`] frame of what [`scan`] found.
fn summary_frame(periods: &[Period], tallies: BTreeMap<Key, Tally>) -> PolarsResult<DataFrame> {
    #[derive(Default)]
    struct P {
        periods: i64,
        open: i64,
        closed_sum: f64,
        closed: i64,
        red_seconds: f64,
        /// Red seconds of the groups whose span is known.
        spanned_red_seconds: f64,
        span_seconds: Option<f64>,
        streaks: Vec<i64>,
        after_fail: i64,
        fail_after_fail: i64,
    }
    let mut per: BTreeMap<Option<String>, P> = BTreeMap::new();
    for ((project, _), t) in tallies {
        let p = per.entry(project).or_default();
        p.red_seconds += t.red_seconds;
        if let Some(span) = t.span_seconds {
            p.spanned_red_seconds += t.red_seconds;
            p.span_seconds = Some(p.span_seconds.unwrap_or(0.0) + span);
        }
        p.streaks.extend(t.streaks);
        p.after_fail += t.after_fail;
        p.fail_after_fail += t.fail_after_fail;
    }
    for period in periods {
        let p = per.entry(period.key.0.clone()).or_default();
        p.periods += 1;
        if period.open {
            p.open += 1;
        } else if let Some(seconds) = period.seconds {
            p.closed += 1;
            p.closed_sum += seconds;
        }
    }
    let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
    let rows: Vec<_> = per.into_iter().collect();
    let f = |g: &dyn Fn(&P) -> Option<f64>| rows.iter().map(|(_, p)| g(p)).collect::<Vec<_>>();
    let i = |g: &dyn Fn(&P) -> i64| rows.iter().map(|(_, p)| g(p)).collect::<Vec<_>>();
    let df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                PROJECT.into(),
                rows.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
            ),
            Column::new("redPeriods".into(), i(&|p| p.periods)),
            Column::new("openRedPeriods".into(), i(&|p| p.open)),
            Column::new(
                "mttrSeconds".into(),
                f(&|p| ratio(p.closed_sum, p.closed as f64)),
            ),
            Column::new("redSeconds".into(), f(&|p| Some(p.red_seconds))),
            Column::new("spanSeconds".into(), f(&|p| p.span_seconds)),
            Column::new(
                "redShare".into(),
                f(&|p| ratio(p.spanned_red_seconds, p.span_seconds?)),
            ),
            Column::new(
                "maxStreak".into(),
                i(&|p| p.streaks.iter().copied().max().unwrap_or(0)),
            ),
            Column::new(
                "meanStreak".into(),
                f(&|p| ratio(p.streaks.iter().sum::<i64>() as f64, p.streaks.len() as f64)),
            ),
            Column::new(
                "pFailAfterFail".into(),
                f(&|p| ratio(p.fail_after_fail as f64, p.after_fail as f64)),
            ),
        ],
    )?;
    df.sort([PROJECT], sort_opts())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;

    fn rows() -> Vec<B> {
        vec![
            // p/main: F S F F S F  (a STOPPED and a running build are ignored)
            r("p:1", "FAILED", 0, 10).sv("main"),
            r("p:2", "SUCCEEDED", 20, 40).sv("main"),
            r("p:3", "FAILED", 50, 60).sv("main"),
            r("p:x", "STOPPED", 65, 66).sv("main"),
            r("p:4", "TIMED_OUT", 70, 90).sv("main"),
            r("p:5", "SUCCEEDED", 100, 150).sv("main"),
            r("p:6", "FAULT", 200, 210).sv("main"),
            r("p:y", "IN_PROGRESS", 300, 0).sv("main").no_end(),
            // p/dev: S S (never red)
            r("p:7", "SUCCEEDED", 0, 100).sv("dev"),
            r("p:8", "SUCCEEDED", 100, 200).sv("dev"),
            // q/null sourceVersion: S F F F (open)
            r("q:1", "SUCCEEDED", 0, 10),
            r("q:2", "FAILED", 20, 30),
            r("q:3", "FAILED", 40, 50),
            r("q:4", "FAILED", 60, 100),
        ]
    }

    #[test]
    fn periods_and_summary_from_one_walk_equal_the_two_calls() {
        let f = frames(&[
            r("p:1", "FAILED", 0, 10).sv("main"),
            r("p:2", "SUCCEEDED", 20, 40).sv("main"),
            r("p:3", "FAILED", 50, 60).sv("main"),
            r("q:1", "TIMED_OUT", 0, 10),
        ]);
        let filters = Filters::default();
        let (periods, summary) = red_periods_and_summary(&f, &filters).unwrap();
        assert!(periods.equals_missing(&red_periods(&f, &filters).unwrap()));
        assert!(summary.equals_missing(&recovery_summary(&f, &filters).unwrap()));
        assert_eq!(periods.height(), 3);
    }

    #[test]
    fn red_periods_closed_and_open() {
        let df = red_periods(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            [
                "projectName",
                "sourceVersion",
                "start",
                "end",
                "seconds",
                "open",
                "failures"
            ]
        );
        // p/dev has none; p/main: [10, 40], [60, 150], [210, open);
        // q/null: [30, open)
        assert_eq!(col_str(&df, PROJECT), ["p", "p", "p", "q"]);
        assert_eq!(col_str(&df, SOURCE_VERSION), ["main", "main", "main", "-"]);
        assert_eq!(
            col_t(&df, "start"),
            [Some(10), Some(60), Some(210), Some(30)]
        );
        assert_eq!(col_t(&df, "end"), [Some(40), Some(150), None, None]);
        // 40-10 = 30; 150-60 = 90; open: last end 210 - 210 = 0; q: 100-30 = 70
        assert_eq!(
            f64s(&df, "seconds"),
            [Some(30.0), Some(90.0), Some(0.0), Some(70.0)]
        );
        assert_eq!(col_b(&df, "open"), [false, false, true, true]);
        assert_eq!(i64s(&df, "failures"), [Some(1), Some(2), Some(1), Some(3)]);
    }

    #[test]
    fn summary_streaks_and_conditional_failure() {
        let df = recovery_summary(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(col_str(&df, PROJECT), ["p", "q"]);
        assert_eq!(i64s(&df, "redPeriods"), [Some(3), Some(1)]);
        assert_eq!(i64s(&df, "openRedPeriods"), [Some(1), Some(1)]);
        // p: (30 + 90) / 2 = 60; q: only an open period -> null
        assert_eq!(f64s(&df, "mttrSeconds"), [Some(60.0), None]);
        // p red: 30 + 90 + 0 = 120; q: 70
        assert_eq!(f64s(&df, "redSeconds"), [Some(120.0), Some(70.0)]);
        // p: main 210 - 0 = 210, dev 200 - 0 = 200 -> 410; q: 100 - 0
        assert_eq!(f64s(&df, "spanSeconds"), [Some(410.0), Some(100.0)]);
        assert_eq!(f64s(&df, "redShare"), [Some(120.0 / 410.0), Some(0.7)]);
        // p streaks: 1, 2, 1; q: 3
        assert_eq!(i64s(&df, "maxStreak"), [Some(2), Some(3)]);
        assert_eq!(f64s(&df, "meanStreak"), [Some(4.0 / 3.0), Some(3.0)]);
        // p/main pairs after a failure: (F,S) (F,F) (F,S) -> 1/3;
        // q: (F,F) (F,F) -> 2/2
        assert_eq!(f64s(&df, "pFailAfterFail"), [Some(1.0 / 3.0), Some(1.0)]);
    }

    #[test]
    fn all_green_project() {
        let f = frames(&[r("p:1", "SUCCEEDED", 0, 10), r("p:2", "SUCCEEDED", 10, 30)]);
        let df = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(i64s(&df, "redPeriods"), [Some(0)]);
        assert_eq!(f64s(&df, "mttrSeconds"), [None]);
        assert_eq!(f64s(&df, "redShare"), [Some(0.0)]);
        assert_eq!(i64s(&df, "maxStreak"), [Some(0)]);
        assert_eq!(f64s(&df, "meanStreak"), [None]);
        assert_eq!(f64s(&df, "pFailAfterFail"), [None]);
    }

    #[test]
    fn filters_apply_before_ordering() {
        // without q:1 (starts before 15) q's first build is a failure: red
        // from its end (30) up to the last end (100)
        let fl = Filters {
            projects: Some(vec!["q".into()]),
            since_micros: Some((T0 + 15) * 1_000_000),
            ..Filters::default()
        };
        let df = red_periods(&frames(&rows()), &fl).unwrap();
        assert_eq!(col_t(&df, "start"), [Some(30)]);
        assert_eq!(f64s(&df, "seconds"), [Some(70.0)]);
        let s = recovery_summary(&frames(&rows()), &fl).unwrap();
        // span 100 - 20 = 80 -> 70 / 80
        assert_eq!(f64s(&s, "redShare"), [Some(70.0 / 80.0)]);
    }

    #[test]
    fn overlapping_builds_give_a_negative_length_not_clamped() {
        // o/main by startTime: F(0, 100) S(10, 40) F(50, 60) S(70, 80).
        // Period 1 opens at F's end 100 and closes at S's end 40:
        // 40 - 100 = -60. Period 2: 80 - 60 = 20.
        let f = frames(&[
            r("o:1", "FAILED", 0, 100).sv("main"),
            r("o:2", "SUCCEEDED", 10, 40).sv("main"),
            r("o:3", "FAILED", 50, 60).sv("main"),
            r("o:4", "SUCCEEDED", 70, 80).sv("main"),
        ]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        // Sorted by start: [60, 80] before [100, 40].
        assert_eq!(col_t(&df, "start"), [Some(60), Some(100)]);
        assert_eq!(col_t(&df, "end"), [Some(80), Some(40)]);
        assert_eq!(f64s(&df, "seconds"), [Some(20.0), Some(-60.0)]);
        assert_eq!(col_b(&df, "open"), [false, false]);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        // MTTR (-60 + 20) / 2 = -20; red -60 + 20 = -40;
        // span: last build (o:4) ends at 80 - first start 0 = 80;
        // share -40 / 80 = -0.5.
        assert_eq!(f64s(&s, "mttrSeconds"), [Some(-20.0)]);
        assert_eq!(f64s(&s, "redSeconds"), [Some(-40.0)]);
        assert_eq!(f64s(&s, "spanSeconds"), [Some(80.0)]);
        assert_eq!(f64s(&s, "redShare"), [Some(-0.5)]);

        // An open period counts up to the last build's end, unclamped too:
        // F(0, 100) F(10, 30): open from 100, last end 30 -> 30 - 100 = -70.
        let f = frames(&[r("o:1", "FAILED", 0, 100), r("o:2", "FAILED", 10, 30)]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        assert_eq!(f64s(&df, "seconds"), [Some(-70.0)]);
        assert_eq!(col_b(&df, "open"), [true]);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        // Only an open period: no MTTR; red -70; span 30 - 0 = 30.
        assert_eq!(f64s(&s, "mttrSeconds"), [None]);
        assert_eq!(f64s(&s, "redSeconds"), [Some(-70.0)]);
        assert_eq!(f64s(&s, "redShare"), [Some(-70.0 / 30.0)]);
    }

    #[test]
    fn a_failure_without_end_time_stays_in_the_sequence() {
        // The oracle's min/noend: S(0, 10) F(20, -) F(40, 50) S(60, 70).
        let f = frames(&[
            r("n:1", "SUCCEEDED", 0, 10),
            r("n:2", "FAILED", 20, 0).no_end(),
            r("n:3", "FAILED", 40, 50),
            r("n:4", "SUCCEEDED", 60, 70),
        ]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        // One period, opened by n:2 (no endTime): start unknown, so its
        // length is unknown; closed by n:4 at 70; 2 failures.
        assert_eq!(col_t(&df, "start"), [None]);
        assert_eq!(col_t(&df, "end"), [Some(70)]);
        assert_eq!(f64s(&df, "seconds"), [None]);
        assert_eq!(col_b(&df, "open"), [false]);
        assert_eq!(i64s(&df, "failures"), [Some(2)]);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(i64s(&s, "redPeriods"), [Some(1)]);
        assert_eq!(i64s(&s, "openRedPeriods"), [Some(0)]);
        // The only period has no length: no MTTR, red 0; span 70 - 0.
        assert_eq!(f64s(&s, "mttrSeconds"), [None]);
        assert_eq!(f64s(&s, "redSeconds"), [Some(0.0)]);
        assert_eq!(f64s(&s, "spanSeconds"), [Some(70.0)]);
        assert_eq!(f64s(&s, "redShare"), [Some(0.0)]);
        // One streak of 2 (n:2, n:3); pairs after a failure: (F, F),
        // (F, S) -> 1 / 2.
        assert_eq!(i64s(&s, "maxStreak"), [Some(2)]);
        assert_eq!(f64s(&s, "meanStreak"), [Some(2.0)]);
        assert_eq!(f64s(&s, "pFailAfterFail"), [Some(0.5)]);
    }

    #[test]
    fn a_closing_success_without_end_time_leaves_the_length_unknown() {
        // S(0, 10) F(20, 30) S(40, -) F(50, 60) S(70, 80).
        let f = frames(&[
            r("c:1", "SUCCEEDED", 0, 10),
            r("c:2", "FAILED", 20, 30),
            r("c:3", "SUCCEEDED", 40, 0).no_end(),
            r("c:4", "FAILED", 50, 60),
            r("c:5", "SUCCEEDED", 70, 80),
        ]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        // [30, ?] closed by c:3 (not open, length unknown); [60, 80] = 20.
        assert_eq!(col_t(&df, "start"), [Some(30), Some(60)]);
        assert_eq!(col_t(&df, "end"), [None, Some(80)]);
        assert_eq!(f64s(&df, "seconds"), [None, Some(20.0)]);
        assert_eq!(col_b(&df, "open"), [false, false]);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(i64s(&s, "redPeriods"), [Some(2)]);
        assert_eq!(i64s(&s, "openRedPeriods"), [Some(0)]);
        // MTTR over the known length only: 20 / 1; red 20; span 80 - 0;
        // share 20 / 80.
        assert_eq!(f64s(&s, "mttrSeconds"), [Some(20.0)]);
        assert_eq!(f64s(&s, "redSeconds"), [Some(20.0)]);
        assert_eq!(f64s(&s, "spanSeconds"), [Some(80.0)]);
        assert_eq!(f64s(&s, "redShare"), [Some(0.25)]);
        // Streaks 1, 1; pairs after a failure: (F, S) (F, S) -> 0 / 2.
        assert_eq!(i64s(&s, "maxStreak"), [Some(1)]);
        assert_eq!(f64s(&s, "pFailAfterFail"), [Some(0.0)]);
    }

    #[test]
    fn a_group_whose_last_build_has_no_end_time_has_an_unknown_span() {
        let f = frames(&[
            // u/a: F(0, 10) S(20, 30) F(40, -): [10, 30] = 20, then an open
            // period opened by a failure without endTime (length unknown);
            // the last build has no endTime, so a's span is unknown.
            r("u:1", "FAILED", 0, 10).sv("a"),
            r("u:2", "SUCCEEDED", 20, 30).sv("a"),
            r("u:3", "FAILED", 40, 0).sv("a").no_end(),
            // u/b: S(0, 100) F(110, 120) S(130, 150): [120, 150] = 30;
            // span 150 - 0 = 150.
            r("u:4", "SUCCEEDED", 0, 100).sv("b"),
            r("u:5", "FAILED", 110, 120).sv("b"),
            r("u:6", "SUCCEEDED", 130, 150).sv("b"),
            // v: one failure without endTime: an open period of unknown
            // length and no known span at all.
            r("v:1", "FAILED", 0, 0).no_end(),
        ]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        // u/a: [null, open) sorts before [10, 30]; u/b: [120, 150]; v.
        assert_eq!(col_t(&df, "start"), [None, Some(10), Some(120), None]);
        assert_eq!(f64s(&df, "seconds"), [None, Some(20.0), Some(30.0), None]);
        assert_eq!(col_b(&df, "open"), [true, false, false, true]);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(col_str(&s, PROJECT), ["u", "v"]);
        assert_eq!(i64s(&s, "redPeriods"), [Some(3), Some(1)]);
        assert_eq!(i64s(&s, "openRedPeriods"), [Some(1), Some(1)]);
        // u: MTTR (20 + 30) / 2 = 25; red 20 + 30 = 50; span: b's 150
        // only; share: red of b only (a's span is unknown), 30 / 150.
        // v: nothing known.
        assert_eq!(f64s(&s, "mttrSeconds"), [Some(25.0), None]);
        assert_eq!(f64s(&s, "redSeconds"), [Some(50.0), Some(0.0)]);
        assert_eq!(f64s(&s, "spanSeconds"), [Some(150.0), None]);
        assert_eq!(f64s(&s, "redShare"), [Some(0.2), None]);
        // u streaks: a 1, 1; b 1. Pairs after a failure: a (F, S), b (F, S)
        // -> 0 / 2. v: one streak of 1, no pair.
        assert_eq!(i64s(&s, "maxStreak"), [Some(1), Some(1)]);
        assert_eq!(f64s(&s, "pFailAfterFail"), [Some(0.0), None]);
    }

    #[test]
    fn builds_without_start_time_are_left_out() {
        // S(0, 10) F(-, 15) S(20, 30): the failure has no place in the
        // startTime order, so the sequence is S S: never red.
        let f = frames(&[
            r("s:1", "SUCCEEDED", 0, 10),
            r("s:2", "FAILED", 0, 15).no_start(),
            r("s:3", "SUCCEEDED", 20, 30),
        ]);
        assert_eq!(red_periods(&f, &Filters::default()).unwrap().height(), 0);
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(i64s(&s, "redPeriods"), [Some(0)]);
        // span 30 - 0 = 30; no failure in the sequence.
        assert_eq!(f64s(&s, "spanSeconds"), [Some(30.0)]);
        assert_eq!(i64s(&s, "maxStreak"), [Some(0)]);
        assert_eq!(f64s(&s, "pFailAfterFail"), [None]);
        // A group of only such builds does not appear at all.
        let f = frames(&[r("s:2", "FAILED", 0, 15).no_start()]);
        assert_eq!(
            recovery_summary(&f, &Filters::default()).unwrap().height(),
            0
        );
    }

    #[test]
    fn empty_frames() {
        let f = frames(&[]);
        let df = red_periods(&f, &Filters::default()).unwrap();
        assert_eq!((df.height(), df.width()), (0, 7));
        assert_eq!(
            df.column("start").unwrap().dtype(),
            &crate::frames::time_dtype()
        );
        let s = recovery_summary(&f, &Filters::default()).unwrap();
        assert_eq!(
            names(&s),
            [
                "projectName",
                "redPeriods",
                "openRedPeriods",
                "mttrSeconds",
                "redSeconds",
                "spanSeconds",
                "redShare",
                "maxStreak",
                "meanStreak",
                "pFailAfterFail"
            ]
        );
        assert_eq!(s.height(), 0);
    }
}
