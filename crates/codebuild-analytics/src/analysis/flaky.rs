//! Flaky commits and manual rebuilds.
//!
//! Follows the "Flaky commits and manual rebuilds" section of `ANALYTICS.md`
//! exactly; the choices it leaves open are documented on each function.

use polars::prelude::*;

use super::FAILURE_STATUSES;

use crate::analysis::retry::{
    BuildCols, ChainIndex, Chains, TextCol, is_completed, is_failure, is_success, passing_rows,
    sort_opts, strings, time_series, with_strings,
};
#[cfg(test)]
use crate::analysis::retry::{failure_expr, success_expr, with_chain_columns};
use crate::filter::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

/// The number of rows where `e` holds, as Int64 (the dictionary's count dtype).
fn count(e: Expr) -> Expr {
    when(e)
        .then(lit(1i64))
        .otherwise(lit(0i64))
        .sum()
        .cast(DataType::Int64)
}

fn status_is(s: &str) -> Expr {
    col(STATUS).eq(lit(s)).fill_null(lit(false))
}

fn rate(num: &str, den: &str) -> Expr {
    super::ratio(col(num), col(den))
}

/// One row per flaky commit: a (`projectName`, `resolvedSourceVersion`) with
/// at least one `SUCCEEDED` and at least one failure (`FAILED`, `FAULT`,
/// `TIMED_OUT`) build, exactly as `ANALYTICS.md` defines it.
///
/// Only builds that pass `filters` and have a `resolvedSourceVersion` are
/// considered (counts, first/last seen and flakiness all use them only).
///
/// Columns: `projectName`, `resolvedSourceVersion`, `builds` (Int64) and one
/// Int64 count per status: `succeeded`, `failed` (`FAILED`), `fault`,
/// `timedOut`, `stopped`, `other` (everything else: `IN_PROGRESS`, unknown
/// and null statuses); `firstSeen`, `lastSeen` (min / max `startTime`, nulls
/// ignored); `recoveredByRetry` (Boolean): some auto-retry chain (see
/// [`retry_chains`](crate::analysis::retry::retry_chains), chains computed
/// over the whole archive) has a failure member of this commit followed,
/// later in chain order, by a `SUCCEEDED` member of this commit, both members
/// passing the filters. Sorted by `projectName`, `resolvedSourceVersion`.
pub fn flaky_commits(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    flaky_commits_with(frames, filters, &ChainIndex::new(frames)?)
}

/// [`flaky_commits`] over chains already resolved (`index` must come from
/// the same frames).
pub fn flaky_commits_with(
    frames: &Frames,
    filters: &Filters,
    index: &ChainIndex,
) -> PolarsResult<DataFrame> {
    let chains = index.of(&frames.builds)?;
    let base = filters
        .builds(&frames.builds)
        .filter(col(RESOLVED_SOURCE_VERSION).is_not_null());
    let recovered = recovered_by_retry(&frames.builds, filters, chains)?.lazy();
    flaky_commits_from(base, recovered)
}

/// The flaky commits of `base` (the filtered builds with a commit), given
/// the commits recovered by a retry (`projectName`,
/// `resolvedSourceVersion`, `recoveredByRetry`).
fn flaky_commits_from(base: LazyFrame, recovered: LazyFrame) -> PolarsResult<DataFrame> {
    let keys = [col(PROJECT), col(RESOLVED_SOURCE_VERSION)];
    let counts = base
        .group_by(keys.clone())
        .agg([
            len().cast(DataType::Int64).alias("builds"),
            count(status_is("SUCCEEDED")).alias("succeeded"),
            count(status_is("FAILED")).alias("failed"),
            count(status_is("FAULT")).alias("fault"),
            count(status_is("TIMED_OUT")).alias("timedOut"),
            count(status_is("STOPPED")).alias("stopped"),
            col(START).min().alias("firstSeen"),
            col(START).max().alias("lastSeen"),
        ])
        .with_column(
            (col("builds")
                - col("succeeded")
                - col("failed")
                - col("fault")
                - col("timedOut")
                - col("stopped"))
            .alias("other"),
        )
        .filter(
            col("succeeded")
                .gt(lit(0))
                .and((col("failed") + col("fault") + col("timedOut")).gt(lit(0))),
        );
    counts
        .join(recovered, keys.clone(), keys, JoinArgs::new(JoinType::Left))
        .select([
            col(PROJECT),
            col(RESOLVED_SOURCE_VERSION),
            col("builds"),
            col("succeeded"),
            col("failed"),
            col("fault"),
            col("timedOut"),
            col("stopped"),
            col("other"),
            col("firstSeen"),
            col("lastSeen"),
            col("recoveredByRetry").fill_null(lit(false)),
        ])
        .sort([PROJECT, RESOLVED_SOURCE_VERSION], sort_opts())
        .collect()
}

/// The commits (`projectName`, `resolvedSourceVersion`) with a failure
/// member followed, later in its chain, by a `SUCCEEDED` member, both
/// passing the filters and having a commit; `recoveredByRetry` true.
///
/// One walk over the chains' members in order: a success after the first
/// failure of its commit in the chain is exactly "the last success comes
/// after the first failure", which the polars plan this replaces computed
/// with two group-bys over every build (5 GB at 10M builds); the tests hold
/// it to that plan.
fn recovered_by_retry(
    builds: &DataFrame,
    filters: &Filters,
    chains: &Chains,
) -> PolarsResult<DataFrame> {
    let strs = with_strings(builds, &[PROJECT, RESOLVED_SOURCE_VERSION, STATUS])?;
    let keep = passing_rows(builds, filters)?;
    let project = TextCol::new(&strs, PROJECT)?;
    let commit = TextCol::new(&strs, RESOLVED_SOURCE_VERSION)?;
    let status = TextCol::new(&strs, STATUS)?;
    let mut recovered: PlHashSet<(Option<&str>, &str)> = PlHashSet::new();
    // The commits that failed so far in the current chain.
    let mut failed: Vec<(Option<&str>, &str)> = Vec::new();
    for c in 0..chains.len() {
        failed.clear();
        for &i in chains.members(c) {
            let Some(v) = commit.at(i).filter(|_| keep[i]) else {
                continue;
            };
            let key = (project.at(i), v);
            let st = status.at(i);
            if is_failure(st) {
                if !failed.contains(&key) {
                    failed.push(key);
                }
            } else if is_success(st) && failed.contains(&key) {
                recovered.insert(key);
            }
        }
    }
    let (projects, commits): (Vec<_>, Vec<_>) = recovered.into_iter().unzip();
    let n = projects.len();
    DataFrame::new(
        n,
        vec![
            Column::new(PROJECT.into(), projects),
            Column::new(RESOLVED_SOURCE_VERSION.into(), commits),
            Column::new("recoveredByRetry".into(), vec![true; n]),
        ],
    )
}

/// Per project: `commits` (Int64, distinct `resolvedSourceVersion` among the
/// filtered builds that have one), `flakyCommits` (Int64, rows of
/// [`flaky_commits`]) and `flakyRate` = flakyCommits / commits (Float64).
///
/// Projects whose filtered builds have no `resolvedSourceVersion` do not
/// appear. Sorted by `projectName`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn flaky_rate(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    flaky_rate_with(frames, filters, flaky_commits(frames, filters)?)
}

/// [`flaky_rate`] given the [`flaky_commits`] of the same frames and
/// filters (a report that shows both finds the flaky commits once).
pub fn flaky_rate_with(
    frames: &Frames,
    filters: &Filters,
    flaky_commits: DataFrame,
) -> PolarsResult<DataFrame> {
    let commits = filters
        .builds(&frames.builds)
        .filter(col(RESOLVED_SOURCE_VERSION).is_not_null())
        .group_by([col(PROJECT)])
        .agg([col(RESOLVED_SOURCE_VERSION)
            .n_unique()
            .cast(DataType::Int64)
            .alias("commits")]);
    let flaky = flaky_commits
        .lazy()
        .group_by([col(PROJECT)])
        .agg([len().cast(DataType::Int64).alias("flakyCommits")]);
    // Builds without a project are a group of their own on both sides (as
    // in `flaky_commits`), so their flaky commits are counted too.
    let mut join = JoinArgs::new(JoinType::Left);
    join.nulls_equal = true;
    commits
        .join(flaky, [col(PROJECT)], [col(PROJECT)], join)
        .with_column(col("flakyCommits").fill_null(lit(0i64)))
        .select([
            col(PROJECT),
            col("commits"),
            col("flakyCommits"),
            rate("flakyCommits", "commits").alias("flakyRate"),
        ])
        .sort([PROJECT], sort_opts())
        .collect()
}

/// One row per manual rebuild, with the rule of `ANALYTICS.md` made exact:
///
/// Build B (passing `filters`, with `projectName`, `resolvedSourceVersion`
/// and `startTime`, of any status) is a manual rebuild when some build A of
/// the **whole archive** (filters do not apply to A, so a status or time
/// filter does not hide the history) has the same `projectName` and
/// `resolvedSourceVersion`, a completed status (`SUCCEEDED`, `FAILED`,
/// `FAULT`, `TIMED_OUT`, `STOPPED`), an `endTime` strictly before B's
/// `startTime`, and is **not in B's auto-retry chain** (the connected
/// component of [`retry_chains`](crate::analysis::retry::retry_chains)).
/// The *previous* build is the latest such A by `endTime` (then `startTime`,
/// then `id`).
///
/// Taken literally, an auto-retry B whose chain root was itself a rebuild of
/// an earlier, unlinked build qualifies too (the earlier build is not linked
/// to B); the `autoRetry` column flags such rows (B is not the first member
/// of its chain) so callers can tell them apart.
///
/// Columns: `id`, `projectName`, `resolvedSourceVersion`, `startTime`,
/// `buildStatus`, `autoRetry` (Boolean), `previousId`, `previousStatus`,
/// `rescued` (Boolean: previous status is a failure and B `SUCCEEDED`).
/// Sorted by `projectName`, `startTime`, `id`.
pub fn manual_rebuilds(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    manual_rebuilds_with(frames, filters, &ChainIndex::new(frames)?)
}

/// [`manual_rebuilds`] over chains already resolved (`index` must come from
/// the same frames).
pub fn manual_rebuilds_with(
    frames: &Frames,
    filters: &Filters,
    index: &ChainIndex,
) -> PolarsResult<DataFrame> {
    let mut names = BuildCols::STRINGS.to_vec();
    names.push(RESOLVED_SOURCE_VERSION);
    let builds = &with_strings(&frames.builds, &names)?;
    let b = BuildCols::new(builds)?;
    let rsv = strings(builds, RESOLVED_SOURCE_VERSION)?;
    let chains = index.of(builds)?;
    let keep = passing_rows(builds, filters)?;
    let chain = &chains.chain_of;

    // Per (project, commit): earlier candidates A and rebuild candidates B.
    type Group = (Vec<usize>, Vec<usize>);
    let mut groups: PlHashMap<(&str, &str), Group> = PlHashMap::new();
    for i in 0..rsv.len() {
        let (Some(p), Some(v)) = (b.project.at(i), rsv[i]) else {
            continue;
        };
        let g = groups.entry((p, v)).or_default();
        if is_completed(b.status.at(i)) && b.end.at(i).is_some() {
            g.0.push(i);
        }
        if keep[i] && b.start.at(i).is_some() {
            g.1.push(i);
        }
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for (_, (mut earlier, mut rebuilds)) in groups {
        earlier.sort_by_key(|&i| (b.end.at(i), b.start.at(i), b.id.at(i), i));
        rebuilds.sort_by_key(|&i| (b.start.at(i), i));
        // Sweep: `best` is the latest A so far; `other` the latest A whose
        // chain differs from `best`'s, i.e. the answer when B shares `best`'s chain.
        let (mut k, mut best, mut other): (usize, Option<usize>, Option<usize>) = (0, None, None);
        for &q in &rebuilds {
            let start = b.start.at(q);
            while k < earlier.len() && b.end.at(earlier[k]) < start {
                let a = earlier[k];
                if let Some(prev) = best {
                    if chain[prev] != chain[a] {
                        other = Some(prev);
                    }
                }
                best = Some(a);
                k += 1;
            }
            let pick = match best {
                Some(a) if chain[a] != chain[q] => Some(a),
                Some(_) => other,
                None => None,
            };
            if let Some(a) = pick {
                found.push((q, a));
            }
        }
    }
    let df = DataFrame::new(
        found.len(),
        vec![
            Column::new(
                ID.into(),
                found.iter().map(|&(q, _)| b.id.at(q)).collect::<Vec<_>>(),
            ),
            Column::new(
                PROJECT.into(),
                found
                    .iter()
                    .map(|&(q, _)| b.project.at(q))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                RESOLVED_SOURCE_VERSION.into(),
                found.iter().map(|&(q, _)| rsv[q]).collect::<Vec<_>>(),
            ),
            time_series(START, found.iter().map(|&(q, _)| b.start.at(q)).collect())?,
            Column::new(
                STATUS.into(),
                found
                    .iter()
                    .map(|&(q, _)| b.status.at(q))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "autoRetry".into(),
                found
                    .iter()
                    .map(|&(q, _)| chains.position[q] > 0)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "previousId".into(),
                found.iter().map(|&(_, a)| b.id.at(a)).collect::<Vec<_>>(),
            ),
            Column::new(
                "previousStatus".into(),
                found
                    .iter()
                    .map(|&(_, a)| b.status.at(a))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "rescued".into(),
                found
                    .iter()
                    .map(|&(q, a)| is_failure(b.status.at(a)) && is_success(b.status.at(q)))
                    .collect::<Vec<_>>(),
            ),
        ],
    )?;
    df.sort([PROJECT, START, ID], sort_opts())
}

/// Per project summary of [`manual_rebuilds`]: `rebuilds` (Int64),
/// `afterFailure` (Int64, previous status is a failure), `rescued` (Int64)
/// and `rescueRate` = rescued / afterFailure (Float64, null when
/// afterFailure is 0). Projects without rebuilds do not appear. Sorted by
/// `projectName`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn manual_rebuild_summary(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    manual_rebuild_summary_of(manual_rebuilds(frames, filters)?)
}

/// [`manual_rebuild_summary`] of rebuilds already found by [`manual_rebuilds`].
pub fn manual_rebuild_summary_of(rebuilds: DataFrame) -> PolarsResult<DataFrame> {
    let after_failure = col("previousStatus")
        .is_in(
            lit(Series::new("f".into(), FAILURE_STATUSES)).implode(false),
            false,
        )
        .fill_null(lit(false));
    rebuilds
        .lazy()
        .group_by([col(PROJECT)])
        .agg([
            len().cast(DataType::Int64).alias("rebuilds"),
            count(after_failure).alias("afterFailure"),
            count(col("rescued")).alias("rescued"),
        ])
        .with_column(rate("rescued", "afterFailure").alias("rescueRate"))
        .sort([PROJECT], sort_opts())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(96))]

        /// The chain walk finds exactly the commits the polars plan found:
        /// random chains (forward and backward links, some dangling),
        /// commits, statuses (null ones too), null projects, filters.
        #[test]
        fn recovered_by_retry_is_the_plans(
            builds in proptest::collection::vec(
                (proptest::option::weighted(0.9, 0u8..2), proptest::option::weighted(0.9, 0u8..2),
                 proptest::prop_oneof![4 => 0u8..2, 1 => 0u8..7],
                 proptest::option::weighted(0.7, 1usize..4), 0u8..3, proptest::option::of(0i64..4)),
                0..30,
            ),
            filter in 0u8..4,
        ) {
            let statuses = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED", "IN_PROGRESS"];
            let bs: Vec<B> = builds
                .iter()
                .enumerate()
                .map(|(i, &(project, commit, status, link, how, number))| {
                    let id = format!("b{i:02}");
                    let name = format!("p{}", project.unwrap_or(0));
                    let st = statuses.get(status as usize).copied().unwrap_or("SUCCEEDED");
                    let mut x = b(&id, &name, st, 10 * i as i64, Some(10 * i as i64 + 5));
                    if project.is_none() {
                        x = x.no_project();
                    }
                    if status as usize >= statuses.len() {
                        x = x.no_status();
                    }
                    if let Some(c) = commit {
                        x = x.rsv(&format!("c{c}"));
                    }
                    if let Some(n) = number {
                        x = x.num(n, 3);
                    }
                    // Links to a build a few rows on (or past the end: dangling).
                    match (link.map(|d| i + d), how) {
                        (Some(j), 0) => x.next(&format!("b{j:02}")),
                        (Some(j), 1) => x.prev(&format!("b{j:02}")),
                        _ => x,
                    }
                })
                .collect();
            let f = frames(&bs);
            let filters = match filter {
                0 => Filters::default(),
                1 => Filters { projects: Some(vec!["p1".into()]), ..Filters::default() },
                2 => Filters { since_micros: Some(micros(100)), ..Filters::default() },
                _ => Filters { statuses: Some(vec!["FAILED".into(), "SUCCEEDED".into()]), ..Filters::default() },
            };
            let ours = flaky_commits(&f, &filters).unwrap();
            let base = filters
                .builds(&f.builds)
                .filter(col(RESOLVED_SOURCE_VERSION).is_not_null());
            let plan = flaky_commits_from(base, recovered_by_plan(&f, &filters)).unwrap();
            proptest::prop_assert!(ours.equals_missing(&plan), "{ours}\n{plan}");
        }
    }

    /// The polars plan `recovered_by_retry` replaced: per (commit, chain),
    /// the first failure's and the last success's position, then any
    /// chain where the success comes later.
    fn recovered_by_plan(frames: &Frames, filters: &Filters) -> LazyFrame {
        let index = ChainIndex::new(frames).unwrap();
        let df = with_chain_columns(&frames.builds, index.of(&frames.builds).unwrap()).unwrap();
        let keys = [col(PROJECT), col(RESOLVED_SOURCE_VERSION)];
        filters
            .builds(&df)
            .filter(col(RESOLVED_SOURCE_VERSION).is_not_null())
            .group_by([col(PROJECT), col(RESOLVED_SOURCE_VERSION), col("__chain")])
            .agg([
                col("__pos")
                    .filter(failure_expr())
                    .min()
                    .alias("__firstFail"),
                col("__pos")
                    .filter(success_expr())
                    .max()
                    .alias("__lastSuccess"),
            ])
            .group_by(keys)
            .agg([col("__lastSuccess")
                .gt(col("__firstFail"))
                .fill_null(lit(false))
                .cast(DataType::Int64)
                .max()
                .gt(lit(0))
                .alias("recoveredByRetry")])
    }

    use crate::analysis::testutil::*;

    fn rows() -> Vec<B> {
        vec![
            // c1: failure then an unlinked success -> flaky; p:2 rescues p:1
            r("p:1", "FAILED", 0, 10).rsv("c1"),
            r("p:2", "SUCCEEDED", 100, 110).rsv("c1"),
            // c2: failure auto-retried to success -> flaky, recovered by retry;
            // p:4 is not a manual rebuild (same chain as p:3)
            r("p:3", "FAILED", 200, 210).rsv("c2").num(0, 1).next("p:4"),
            r("p:4", "SUCCEEDED", 220, 230).rsv("c2").num(1, 1),
            // c3: two successes -> not flaky; p:6 rebuilds a success
            r("p:5", "SUCCEEDED", 300, 310).rsv("c3"),
            r("p:6", "SUCCEEDED", 400, 410).rsv("c3"),
            // c4: STOPPED, SUCCEEDED, FAULT -> flaky
            r("p:7", "STOPPED", 500, 505).rsv("c4"),
            r("p:8", "SUCCEEDED", 510, 520).rsv("c4"),
            r("p:9", "FAULT", 600, 700).rsv("c4"),
            // no resolvedSourceVersion: never considered
            r("p:10", "FAILED", 800, 810),
            r("p:11", "SUCCEEDED", 900, 910),
            // c5: still running
            r("p:12", "IN_PROGRESS", 1000, 0).rsv("c5").no_end(),
            // project q, c1: overlapping builds -> flaky, no rebuild
            r("q:1", "TIMED_OUT", 0, 10).rsv("c1"),
            r("q:2", "SUCCEEDED", 5, 20).rsv("c1"),
        ]
    }

    #[test]
    fn flaky_commits_counts() {
        let df = flaky_commits(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            [
                "projectName",
                "resolvedSourceVersion",
                "builds",
                "succeeded",
                "failed",
                "fault",
                "timedOut",
                "stopped",
                "other",
                "firstSeen",
                "lastSeen",
                "recoveredByRetry"
            ]
        );
        assert_eq!(col_str(&df, PROJECT), ["p", "p", "p", "q"]);
        assert_eq!(
            col_str(&df, RESOLVED_SOURCE_VERSION),
            ["c1", "c2", "c4", "c1"]
        );
        assert_eq!(i64s(&df, "builds"), [Some(2), Some(2), Some(3), Some(2)]);
        assert_eq!(i64s(&df, "succeeded"), [Some(1), Some(1), Some(1), Some(1)]);
        assert_eq!(i64s(&df, "failed"), [Some(1), Some(1), Some(0), Some(0)]);
        assert_eq!(i64s(&df, "fault"), [Some(0), Some(0), Some(1), Some(0)]);
        assert_eq!(i64s(&df, "timedOut"), [Some(0), Some(0), Some(0), Some(1)]);
        assert_eq!(i64s(&df, "stopped"), [Some(0), Some(0), Some(1), Some(0)]);
        assert_eq!(i64s(&df, "other"), [Some(0); 4]);
        assert_eq!(
            col_t(&df, "firstSeen"),
            [Some(0), Some(200), Some(500), Some(0)]
        );
        assert_eq!(
            col_t(&df, "lastSeen"),
            [Some(100), Some(220), Some(600), Some(5)]
        );
        assert_eq!(col_b(&df, "recoveredByRetry"), [false, true, false, false]);
    }

    #[test]
    fn flaky_rate_per_project() {
        let df = flaky_rate(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            ["projectName", "commits", "flakyCommits", "flakyRate"]
        );
        assert_eq!(col_str(&df, PROJECT), ["p", "q"]);
        // p: c1..c5 = 5 commits (p:10, p:11 have none), 3 flaky -> 3/5
        assert_eq!(i64s(&df, "commits"), [Some(5), Some(1)]);
        assert_eq!(i64s(&df, "flakyCommits"), [Some(3), Some(1)]);
        assert_eq!(f64s(&df, "flakyRate"), [Some(0.6), Some(1.0)]);
    }

    #[test]
    fn builds_without_project_count_their_flaky_commits() {
        // One flaky commit of a build group without a project name: listed
        // by flaky_commits, and counted by flaky_rate (1 of 1).
        let f = frames(&[
            b("x:1", "", "FAILED", 0, Some(10)).rsv("c").no_project(),
            b("x:2", "", "SUCCEEDED", 20, Some(30))
                .rsv("c")
                .no_project(),
        ]);
        assert_eq!(flaky_commits(&f, &Filters::default()).unwrap().height(), 1);
        let df = flaky_rate(&f, &Filters::default()).unwrap();
        assert_eq!(i64s(&df, "commits"), [Some(1)]);
        assert_eq!(i64s(&df, "flakyCommits"), [Some(1)]);
        assert_eq!(f64s(&df, "flakyRate"), [Some(1.0)]);
    }

    #[test]
    fn builds_without_commit_are_not_flaky() {
        let f = frames(&[r("p:1", "FAILED", 0, 10), r("p:2", "SUCCEEDED", 20, 30)]);
        assert_eq!(flaky_commits(&f, &Filters::default()).unwrap().height(), 0);
        assert_eq!(flaky_rate(&f, &Filters::default()).unwrap().height(), 0);
        assert_eq!(
            manual_rebuilds(&f, &Filters::default()).unwrap().height(),
            0
        );
    }

    #[test]
    fn manual_rebuilds_and_rescue() {
        let df = manual_rebuilds(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            [
                "id",
                "projectName",
                "resolvedSourceVersion",
                "startTime",
                "buildStatus",
                "autoRetry",
                "previousId",
                "previousStatus",
                "rescued"
            ]
        );
        // p:2 after p:1 (ended 10 < 100); p:4 excluded (its only earlier
        // build is in its chain); p:6 after p:5; p:8 after the STOPPED p:7
        // (505 < 510); p:9 after p:8 (latest end: 520 > 505); q:2 started
        // at 5, before q:1 ended at 10: not a rebuild.
        assert_eq!(col_str(&df, ID), ["p:2", "p:6", "p:8", "p:9"]);
        assert_eq!(col_str(&df, "previousId"), ["p:1", "p:5", "p:7", "p:8"]);
        assert_eq!(
            col_str(&df, "previousStatus"),
            ["FAILED", "SUCCEEDED", "STOPPED", "SUCCEEDED"]
        );
        assert_eq!(col_b(&df, "rescued"), [true, false, false, false]);
        assert_eq!(col_b(&df, "autoRetry"), [false; 4]);

        let s = manual_rebuild_summary(&frames(&rows()), &Filters::default()).unwrap();
        assert_eq!(
            names(&s),
            [
                "projectName",
                "rebuilds",
                "afterFailure",
                "rescued",
                "rescueRate"
            ]
        );
        assert_eq!(col_str(&s, PROJECT), ["p"]);
        assert_eq!(i64s(&s, "rebuilds"), [Some(4)]);
        assert_eq!(i64s(&s, "afterFailure"), [Some(1)]);
        assert_eq!(i64s(&s, "rescued"), [Some(1)]);
        assert_eq!(f64s(&s, "rescueRate"), [Some(1.0)]);
    }

    #[test]
    fn rebuild_skips_own_chain_but_sees_older_builds() {
        let f = frames(&[
            r("p:m", "FAILED", 0, 10).rsv("c"),
            // manual rebuild r1 of m, auto-retried to r2
            r("p:r1", "FAILED", 100, 110)
                .rsv("c")
                .num(0, 1)
                .next("p:r2"),
            r("p:r2", "SUCCEEDED", 200, 210).rsv("c").num(1, 1),
        ]);
        let df = manual_rebuilds(&f, &Filters::default()).unwrap();
        // r2: latest earlier build r1 is in its chain, so the previous is m
        assert_eq!(col_str(&df, ID), ["p:r1", "p:r2"]);
        assert_eq!(col_str(&df, "previousId"), ["p:m", "p:m"]);
        assert_eq!(col_b(&df, "autoRetry"), [false, true]);
        assert_eq!(col_b(&df, "rescued"), [false, true]);
    }

    #[test]
    fn filters_select_rebuilds_not_history() {
        // status filter SUCCEEDED: p:2 still sees the FAILED p:1 as previous
        let fl = Filters {
            statuses: Some(vec!["SUCCEEDED".into()]),
            ..Filters::default()
        };
        let df = manual_rebuilds(&frames(&rows()), &fl).unwrap();
        assert_eq!(col_str(&df, ID), ["p:2", "p:6", "p:8"]);
        assert_eq!(col_b(&df, "rescued"), [true, false, false]);
        // ... while flaky commits only see the filtered builds: none left
        assert_eq!(flaky_commits(&frames(&rows()), &fl).unwrap().height(), 0);
        let fl = Filters {
            projects: Some(vec!["q".into()]),
            ..Filters::default()
        };
        let df = flaky_commits(&frames(&rows()), &fl).unwrap();
        assert_eq!(col_str(&df, PROJECT), ["q"]);
        assert_eq!(
            col_str(&flaky_rate(&frames(&rows()), &fl).unwrap(), PROJECT),
            ["q"]
        );
    }

    #[test]
    fn empty_frames() {
        let f = frames(&[]);
        let fl = Filters::default();
        assert_eq!(names(&flaky_commits(&f, &fl).unwrap()).len(), 12);
        assert_eq!(flaky_commits(&f, &fl).unwrap().height(), 0);
        assert_eq!(
            names(&flaky_rate(&f, &fl).unwrap()),
            ["projectName", "commits", "flakyCommits", "flakyRate"]
        );
        let m = manual_rebuilds(&f, &fl).unwrap();
        assert_eq!((m.height(), m.width()), (0, 9));
        let s = manual_rebuild_summary(&f, &fl).unwrap();
        assert_eq!((s.height(), s.width()), (0, 5));
    }
}
