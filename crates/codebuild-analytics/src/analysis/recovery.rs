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
    start: i64,
    end: Option<i64>,
    seconds: f64,
    failures: i64,
}

/// Per (project, sourceVersion) tallies.
#[derive(Default)]
struct Tally {
    red_seconds: f64,
    span_seconds: f64,
    streaks: Vec<i64>,
    after_fail: i64,
    fail_after_fail: i64,
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
        if kept
            && (is_failure(st) || is_success(st))
            && b.start.at(i).is_some()
            && b.end.at(i).is_some()
        {
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
        let end = |i: usize| b.end.at(i).unwrap_or_default();
        let first_start = b.start.at(rows[0]).unwrap_or_default();
        let last_end = end(rows[rows.len() - 1]);
        let mut t = Tally {
            span_seconds: secs(last_end - first_start).max(0.0),
            ..Tally::default()
        };
        let mut red: Option<(i64, i64)> = None; // (start, failures)
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
                    None => red = Some((end(i), 1)),
                }
            } else {
                if streak > 0 {
                    t.streaks.push(streak);
                    streak = 0;
                }
                if let Some((start, failures)) = red.take() {
                    let seconds = secs(end(i) - start).max(0.0);
                    t.red_seconds += seconds;
                    periods.push(Period {
                        key: key.clone(),
                        start,
                        end: Some(end(i)),
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
            let seconds = secs(last_end - start).max(0.0);
            t.red_seconds += seconds;
            periods.push(Period {
                key: key.clone(),
                start,
                end: None,
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
/// `FAILED`, `FAULT` or `TIMED_OUT` (completed, not `STOPPED`) and that have
/// both `startTime` and `endTime` are ordered by `startTime`, then `id`. A
/// red period starts at the `endTime` of a failure that follows a success
/// (or is the first build) and ends at the `endTime` of the next `SUCCEEDED`
/// build. A red period still running after the last build is **open**: `end`
/// is null and `seconds` counts up to the last build's `endTime`.
///
/// `seconds` = end - start, clamped at 0 (builds can overlap, so the
/// closing success may end before the failure that opened the period).
///
/// Columns: `projectName`, `sourceVersion`, `start`, `end` (Datetime),
/// `seconds` (Float64), `open` (Boolean), `failures` (Int64, failures in the
/// period). Sorted by `projectName`, `sourceVersion` (nulls first), `start`.
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
            time_series("start", periods.iter().map(|p| Some(p.start)).collect())?,
            time_series("end", periods.iter().map(|p| p.end).collect())?,
            Column::new(
                "seconds".into(),
                periods.iter().map(|p| p.seconds).collect::<Vec<_>>(),
            ),
            Column::new(
                "open".into(),
                periods.iter().map(|p| p.end.is_none()).collect::<Vec<_>>(),
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
/// [`red_periods`].
///
/// Columns:
/// - `redPeriods` (Int64, open ones included), `openRedPeriods` (Int64);
/// - `mttrSeconds` (Float64): mean `seconds` of the **closed** periods, null
///   when there is none;
/// - `redSeconds` (Float64): total red time; an open period counts up to the
///   last build's `endTime` of its group;
/// - `spanSeconds` (Float64): sum over the project's (project,
///   sourceVersion) groups of last build's `endTime` - first build's
///   `startTime` (last/first in the `startTime` order; clamped at 0);
/// - `redShare` = redSeconds / spanSeconds (Float64, null when the span is 0);
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
        t: Tally,
    }
    let mut per: BTreeMap<Option<String>, P> = BTreeMap::new();
    for ((project, _), t) in tallies {
        let p = per.entry(project).or_default();
        p.t.red_seconds += t.red_seconds;
        p.t.span_seconds += t.span_seconds;
        p.t.streaks.extend(t.streaks);
        p.t.after_fail += t.after_fail;
        p.t.fail_after_fail += t.fail_after_fail;
    }
    for period in periods {
        let p = per.entry(period.key.0.clone()).or_default();
        p.periods += 1;
        match period.end {
            Some(_) => {
                p.closed += 1;
                p.closed_sum += period.seconds;
            }
            None => p.open += 1,
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
            Column::new("redSeconds".into(), f(&|p| Some(p.t.red_seconds))),
            Column::new("spanSeconds".into(), f(&|p| Some(p.t.span_seconds))),
            Column::new(
                "redShare".into(),
                f(&|p| ratio(p.t.red_seconds, p.t.span_seconds)),
            ),
            Column::new(
                "maxStreak".into(),
                i(&|p| p.t.streaks.iter().copied().max().unwrap_or(0)),
            ),
            Column::new(
                "meanStreak".into(),
                f(&|p| {
                    ratio(
                        p.t.streaks.iter().sum::<i64>() as f64,
                        p.t.streaks.len() as f64,
                    )
                }),
            ),
            Column::new(
                "pFailAfterFail".into(),
                f(&|p| ratio(p.t.fail_after_fail as f64, p.t.after_fail as f64)),
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
