//! Phase timing and the overhead / execution split (`ANALYTICS.md`:
//! Durations, Phase timing).

use polars::prelude::*;

use super::grouped::{
    BuildRows, Interner, PairIds, exact_micros, micros_to_seconds, seconds_stats,
};
use super::*;
use crate::filter::Filters;
use crate::frames::Frames;

/// The default keys of [`phase_timing`]: `projectName` x `phaseType`.
pub const DEFAULT_TIMING_KEYS: [GroupKey; 2] = [GroupKey::Project, GroupKey::Phase];

/// Helper column: the duration of the phase's build.
const BUILD_DURATION: &str = "__buildDuration";

/// Phase duration statistics per group, following `ANALYTICS.md` exactly.
///
/// `keys` selects the grouping (pass [`DEFAULT_TIMING_KEYS`] for the
/// default `projectName` x `phaseType`); duplicate keys are ignored and an
/// empty slice gives one overall row. Build-level keys
/// ([`GroupKey::is_build_level`]) come from joining `phases.buildId` to
/// `builds.id` (an inner join: phases whose build is not in `builds`, or is
/// filtered out, are left out); [`GroupKey::Time`] buckets the **build's**
/// `startTime`.
///
/// Filters are applied with [`Filters::builds`]; a phase counts when its
/// build passes them (as with [`Filters::children`]).
///
/// Columns, in order: the key columns ([`GroupKey::name`]), then
/// - `count` (Int64): phases of the group with a non-null `durationSeconds`
///   (the COMPLETED phase never has one, so its count is 0);
/// - `mean`, `p50`, `p90`, `p95`, `p99`, `max` (Float64) of the phases'
///   `durationSeconds`; percentiles use linear interpolation
///   (`QuantileMethod::Linear`), nulls are ignored, and a group without
///   values gives null;
/// - `totalSeconds` (Float64): sum of the durations; **0.0** for a group
///   without values (an empty sum);
/// - `share` (Float64): `totalSeconds` divided by the sum of the build
///   `durationSeconds` of the distinct builds that have a phase in the group
///   formed by the same keys **without** [`GroupKey::Phase`] (so with the
///   default keys: the phase's share of the project's total build time).
///   Builds without a `durationSeconds` (still running) add nothing to the
///   denominator; `share` is null when the denominator is 0 or null.
///
/// Rows are sorted by the keys in the given order, ascending, nulls last;
/// the phase key sorts in API order ([`PHASE_ORDER`]), unknown phase names
/// after it alphabetically.
pub fn phase_timing(
    frames: &Frames,
    filters: &Filters,
    keys: &[GroupKey],
) -> PolarsResult<DataFrame> {
    phase_timing_impl(frames, filters, keys, true)
}

/// [`phase_timing`] without the percentiles: the same rows and columns,
/// with `p50`, `p90`, `p95` and `p99` null, and every other value the same
/// (bit for bit), at the cost of the grouping and the sums only (no sort
/// of each group's durations). For those who need the totals and shares,
/// as the summary's share of build time by phase does.
pub fn phase_totals(
    frames: &Frames,
    filters: &Filters,
    keys: &[GroupKey],
) -> PolarsResult<DataFrame> {
    phase_timing_impl(frames, filters, keys, false)
}

fn phase_timing_impl(
    frames: &Frames,
    filters: &Filters,
    keys: &[GroupKey],
    with_percentiles: bool,
) -> PolarsResult<DataFrame> {
    let keys = dedup_keys(keys);
    let by_phase = keys.contains(&GroupKey::Phase);
    let build_keys: Vec<GroupKey> = keys
        .iter()
        .copied()
        .filter(|k| k.is_build_level())
        .collect();
    let key_names: Vec<&str> = build_keys.iter().map(|k| k.name()).collect();

    // The kernels read ids and phase types as text (a no-op cast for the
    // loader's String columns; a Categorical column of a hand-made frame
    // is converted).
    let text = |c: &str| col(c).cast(DataType::String);
    let mut build_cols = vec![text(ID), col(DURATION).alias(BUILD_DURATION)];
    build_cols.extend(build_keys.iter().filter_map(|k| k.build_expr()));
    let builds = filters
        .builds(&frames.builds)
        .select(build_cols)
        .collect()?;
    // Every phase: those of builds the filters drop find no build below
    // (the inner join does what `Filters::children`' semi join would).
    let phases = frames
        .phases
        .clone()
        .lazy()
        .select([text(BUILD_ID), text(PHASE_TYPE), col(DURATION)])
        .collect()?;

    // Each build's group of the keys without the phase key.
    let (build_group, first_build) = build_groups(&builds, &key_names)?;
    // The inner join of phases to builds on the id, resolved row by row:
    // each (phase, build) pair falls in the group (build group, phase type).
    let ids = builds.column(ID)?.str()?;
    let index = BuildRows::new(ids)?;
    let durations = phases.column(DURATION)?.cast(&DataType::Float64)?;
    let pairs = phases.column(BUILD_ID)?.str()?.iter().zip(
        phases
            .column(PHASE_TYPE)?
            .str()?
            .iter()
            .zip(durations.f64()?.iter()),
    );
    let mut phase_ids = Interner::new();
    let mut groups = PairIds::new(first_build.len());
    let mut has_phase = vec![false; builds.height()];
    let (mut group_of, mut values, mut nulls) = (Vec::new(), Vec::new(), Vec::new());
    index.for_each_match(pairs, |&(phase_type, duration), row| {
        has_phase[row as usize] = true;
        let p = if by_phase {
            phase_ids.id(phase_type)
        } else {
            0
        };
        let g = groups.id(build_group[row as usize], p);
        if g as usize == nulls.len() {
            nulls.push(0); // a new group (ids are dense, in first-seen order)
        }
        match duration {
            Some(v) => {
                group_of.push(g);
                values.push(v);
            }
            None => nulls[g as usize] += 1,
        }
    });
    let quantiles: &[f64] = if with_percentiles {
        &[0.5, 0.9, 0.95, 0.99]
    } else {
        &[]
    };
    let stats = seconds_stats(groups.len(), &nulls, &group_of, &values, quantiles);

    // Share denominators: the build seconds of each build group's builds
    // that have a phase in the join, summed as `seconds_sum` does.
    let build_seconds = builds.column(BUILD_DURATION)?.cast(&DataType::Float64)?;
    let mut denominators = vec![0i64; first_build.len()];
    for (row, d) in build_seconds.f64()?.iter().enumerate() {
        if let (true, Some(d)) = (has_phase[row], d) {
            denominators[build_group[row] as usize] += exact_micros(d);
        }
    }

    // One row per group: key values taken from the group's first build.
    let rows = IdxCa::from_vec(
        "rows".into(),
        groups
            .values
            .iter()
            .map(|&(bg, _)| first_build[bg as usize])
            .collect(),
    );
    let mut columns: Vec<Column> = Vec::new();
    for k in &keys {
        if *k == GroupKey::Phase {
            let names = groups
                .values
                .iter()
                .map(|&(_, p)| phase_ids.values[p as usize]);
            columns.push(StringChunked::from_iter_options(PHASE_TYPE.into(), names).into_column());
        } else {
            columns.push(builds.column(k.name())?.take(&rows)?);
        }
    }
    let f = |name: &str, v: Vec<Option<f64>>| Column::new(name.into(), v);
    columns.push(Column::new(
        "count".into(),
        stats.iter().map(|s| s.count).collect::<Vec<_>>(),
    ));
    columns.push(f("mean", stats.iter().map(|s| s.mean).collect()));
    for (i, name) in ["p50", "p90", "p95", "p99"].into_iter().enumerate() {
        columns.push(f(
            name,
            stats
                .iter()
                .map(|s| s.quantiles.get(i).copied().flatten())
                .collect(),
        ));
    }
    columns.push(f("max", stats.iter().map(|s| s.max).collect()));
    columns.push(f(
        "totalSeconds",
        stats.iter().map(|s| Some(s.total)).collect(),
    ));
    let share = groups
        .values
        .iter()
        .zip(&stats)
        .map(|(&(bg, _), s)| {
            let den = micros_to_seconds(denominators[bg as usize]);
            (den > 0.0).then(|| s.total / den)
        })
        .collect();
    columns.push(f("share", share));

    // The columns are in their documented order; the phase rank only sorts.
    let mut out = DataFrame::new_infer_height(columns)?.lazy();
    if by_phase {
        out = out.with_column(phase_rank(col(PHASE_TYPE)).alias(PHASE_RANK));
    }
    out = out.sort_by_exprs(key_sort_exprs(&keys), sort_options());
    if by_phase {
        out = out.drop(by_name([PHASE_RANK], true, false));
    }
    out.collect()
}

/// The groups of the rows of `df` by the columns `keys`, as polars groups
/// them (nulls form a group): each row's dense group id, and each group's
/// first row. No keys: one group (when there are rows).
fn build_groups(df: &DataFrame, keys: &[&str]) -> PolarsResult<(Vec<u32>, Vec<IdxSize>)> {
    let mut of_row = vec![0u32; df.height()];
    if df.height() == 0 {
        return Ok((of_row, Vec::new()));
    }
    if keys.is_empty() {
        return Ok((of_row, vec![0]));
    }
    let groups = df.group_by(keys.iter().copied())?;
    let mut first = Vec::with_capacity(groups.get_groups().len());
    for (g, group) in groups.get_groups().iter().enumerate() {
        first.push(group.first());
        match group {
            GroupsIndicator::Idx((_, rows)) => {
                for &r in rows.iter() {
                    of_row[r as usize] = g as u32;
                }
            }
            GroupsIndicator::Slice([start, len]) => {
                of_row[start as usize..(start + len) as usize].fill(g as u32);
            }
        }
    }
    Ok((of_row, first))
}

/// Overhead versus execution time per group of build-level keys.
///
/// Overhead is `builds.overheadSeconds` (SUBMITTED + QUEUED + PROVISIONING)
/// and execution `builds.executionSeconds` (DOWNLOAD_SOURCE ... FINALIZING),
/// as defined in `ANALYTICS.md`. Filters are applied with
/// [`Filters::builds`]. `keys` must all be build-level: [`GroupKey::Phase`]
/// gives an `InvalidOperation` error. An empty slice gives one overall row.
///
/// Columns, in order: the key columns, then
/// - `builds` (Int64): builds in the group (with or without values);
/// - `overheadP50`, `overheadP95`, `overheadMean`, `overheadTotal`
///   (Float64): over the builds with a non-null `overheadSeconds`
///   (linear-interpolation percentiles; null without values; the total is
///   0.0 without values);
/// - `executionP50`, `executionP95`, `executionMean`, `executionTotal`:
///   likewise over `executionSeconds`;
/// - `overheadShare` (Float64): `overheadTotal / (overheadTotal +
///   executionTotal)`, null when that denominator is 0.
///
/// Rows are sorted by the keys, ascending, nulls last.
pub fn overhead_split(
    frames: &Frames,
    filters: &Filters,
    keys: &[GroupKey],
) -> PolarsResult<DataFrame> {
    let keys = dedup_keys(keys);
    require_build_level(&keys, "overhead_split")?;
    let mut select: Vec<Expr> = vec![lit(true).alias(ALL_KEY), col(OVERHEAD), col(EXECUTION)];
    select.extend(keys.iter().filter_map(|k| k.build_expr()));
    let mut group: Vec<Expr> = vec![col(ALL_KEY)];
    group.extend(keys.iter().map(|k| col(k.name())));

    let o = || col(OVERHEAD);
    let e = || col(EXECUTION);
    let mut out_cols: Vec<Expr> = keys.iter().map(|k| col(k.name())).collect();
    out_cols.extend(
        [
            "builds",
            "overheadP50",
            "overheadP95",
            "overheadMean",
            "overheadTotal",
            "executionP50",
            "executionP95",
            "executionMean",
            "executionTotal",
            "overheadShare",
        ]
        .map(col),
    );
    filters
        .builds(&frames.builds)
        .select(select)
        .group_by(group)
        .agg([
            len().cast(DataType::Int64).alias("builds"),
            pct(o(), 0.5).alias("overheadP50"),
            pct(o(), 0.95).alias("overheadP95"),
            seconds_mean(o()).alias("overheadMean"),
            seconds_sum(o()).alias("overheadTotal"),
            pct(e(), 0.5).alias("executionP50"),
            pct(e(), 0.95).alias("executionP95"),
            seconds_mean(e()).alias("executionMean"),
            seconds_sum(e()).alias("executionTotal"),
        ])
        .with_column(
            ratio(
                col("overheadTotal"),
                col("overheadTotal") + col("executionTotal"),
            )
            .alias("overheadShare"),
        )
        .sort_by_exprs(key_sort_exprs(&keys), sort_options())
        .select(out_cols)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;
    use crate::filter::TimeBucket;

    const STAT_COLS: [&str; 9] = [
        "count",
        "mean",
        "p50",
        "p90",
        "p95",
        "p99",
        "max",
        "totalSeconds",
        "share",
    ];

    /// The polars plan `phase_timing` used before its kernels (an inner
    /// join on `buildId` and a group-by), kept as the reference it is
    /// checked against.
    fn reference_phase_timing(
        frames: &Frames,
        filters: &Filters,
        keys: &[GroupKey],
    ) -> PolarsResult<DataFrame> {
        const GROUP_BUILD_SECONDS: &str = "__groupBuildSeconds";
        let keys = dedup_keys(keys);
        let build_keys: Vec<GroupKey> = keys
            .iter()
            .copied()
            .filter(|k| k.is_build_level())
            .collect();
        let mut build_cols = vec![col(ID).alias(BUILD_ID), col(DURATION).alias(BUILD_DURATION)];
        build_cols.extend(build_keys.iter().filter_map(|k| k.build_expr()));
        let builds = filters.builds(&frames.builds).select(build_cols);
        let phases = filters.children(&frames.builds, &frames.phases).select([
            col(BUILD_ID),
            col(PHASE_TYPE),
            col(DURATION),
        ]);
        let joined = phases
            .join(
                builds.clone(),
                [col(BUILD_ID)],
                [col(BUILD_ID)],
                JoinArgs::new(JoinType::Inner),
            )
            .with_column(lit(true).alias(ALL_KEY));
        let mut group: Vec<Expr> = vec![col(ALL_KEY)];
        group.extend(keys.iter().map(|k| col(k.name())));
        let mut build_group: Vec<Expr> = vec![col(ALL_KEY)];
        build_group.extend(build_keys.iter().map(|k| col(k.name())));
        let stats = joined
            .clone()
            .group_by(group)
            .agg(super::super::grouped::polars_stats(DURATION));
        let with_phases = joined
            .select([col(BUILD_ID)])
            .unique(None, UniqueKeepStrategy::Any);
        let denominators = builds
            .join(
                with_phases,
                [col(BUILD_ID)],
                [col(BUILD_ID)],
                JoinArgs::new(JoinType::Semi),
            )
            .with_column(lit(true).alias(ALL_KEY))
            .group_by(build_group.clone())
            .agg([seconds_sum(col(BUILD_DURATION)).alias(GROUP_BUILD_SECONDS)]);
        let mut join_args = JoinArgs::new(JoinType::Left);
        join_args.nulls_equal = true;
        let mut out = stats
            .join(denominators, &build_group, &build_group, join_args)
            .with_column(ratio(col("totalSeconds"), col(GROUP_BUILD_SECONDS)).alias("share"));
        if keys.contains(&GroupKey::Phase) {
            out = out.with_column(phase_rank(col(PHASE_TYPE)).alias(PHASE_RANK));
        }
        let mut select: Vec<Expr> = keys.iter().map(|k| col(k.name())).collect();
        select.extend(STAT_COLS.map(col));
        out.sort_by_exprs(key_sort_exprs(&keys), sort_options())
            .select(select)
            .collect()
    }

    /// (project, start day, length in s, phases as (type, eighths of a second)).
    type RandomBuild = (u8, u8, Option<u16>, Vec<(u8, Option<u16>)>);

    /// Random archives for comparing `phase_timing` with the reference:
    /// few projects, builds with and without phases and end times, custom
    /// and null phase types, null durations, phases of unknown builds, and
    /// (when `duplicate`) two builds sharing an id.
    fn random_frames(
        builds: &[RandomBuild],
        duplicate: bool,
        orphans: &[(u8, Option<u16>)],
    ) -> Frames {
        let types = ["SUBMITTED", "QUEUED", "BUILD", "COMPLETED", "X_CUSTOM"];
        let list: Vec<B> = builds
            .iter()
            .enumerate()
            .map(|(i, (project, start_day, len, phases))| {
                let id = if duplicate && i == 1 {
                    "p0:0".to_string()
                } else {
                    format!("p{}:{i}", project % 3)
                };
                let start = *start_day as i64 % 40 * DAY;
                let mut b = b(
                    &id,
                    &format!("p{}", project % 3),
                    ["SUCCEEDED", "FAILED"][i % 2],
                    start,
                    len.map(|l| start + l as i64),
                );
                let phases: Vec<(&str, f64)> = phases
                    .iter()
                    .map(|(t, d)| {
                        (
                            types[*t as usize % types.len()],
                            d.map_or(-1.0, |d| d as f64 / 8.0),
                        )
                    })
                    .collect();
                b = b.phases(&phases);
                b
            })
            .collect();
        let mut fr = frames(&list);
        // Null durations (-1 above), null phase types, phases of no build.
        let mut phases = fr.phases.clone().lazy().with_column(
            when(col(DURATION).lt(lit(0.0)))
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(col(DURATION))
                .alias(DURATION),
        );
        phases = phases.with_column(
            when(
                col(PHASE_TYPE)
                    .eq(lit("X_CUSTOM"))
                    .and(col(DURATION).is_null()),
            )
            .then(lit(NULL).cast(DataType::String))
            .otherwise(col(PHASE_TYPE))
            .alias(PHASE_TYPE),
        );
        let mut phases = phases.collect().unwrap();
        if !orphans.is_empty() {
            let n = orphans.len();
            let extra = df!(
                BUILD_ID => vec!["nobody:1"; n],
                PHASE_TYPE => orphans.iter().map(|o| types[o.0 as usize % types.len()]).collect::<Vec<_>>(),
                DURATION => orphans.iter().map(|o| o.1.map(|d| d as f64)).collect::<Vec<_>>()
            )
            .unwrap();
            let extra = extra
                .lazy()
                .select(
                    phases
                        .get_column_names()
                        .iter()
                        .map(|c| {
                            let c = c.as_str();
                            if [BUILD_ID, PHASE_TYPE, DURATION].contains(&c) {
                                col(c)
                            } else {
                                lit(NULL)
                                    .cast(phases.column(c).unwrap().dtype().clone())
                                    .alias(c)
                            }
                        })
                        .collect::<Vec<_>>(),
                )
                .collect()
                .unwrap();
            phases.vstack_mut(&extra).unwrap();
        }
        fr.phases = phases;
        fr
    }

    /// Equal frames, floats to the bit (the kernels do polars' arithmetic)
    /// but for `share`'s last bit.
    fn assert_same(a: &DataFrame, b: &DataFrame) {
        assert_eq!(a.schema(), b.schema());
        assert_eq!(a.height(), b.height(), "{a}\n{b}");
        for c in a.columns() {
            let other = b.column(c.name()).unwrap();
            if c.dtype() == &DataType::Float64 {
                let x: Vec<Option<f64>> = c.f64().unwrap().iter().collect();
                let y: Vec<Option<f64>> = other.f64().unwrap().iter().collect();
                if c.name() == "share" {
                    // When there is one denominator, polars broadcasts it and
                    // multiplies by its reciprocal; the kernel always divides,
                    // so the two may differ in the last bit.
                    assert_eq!(x.len(), y.len());
                    for (p, q) in x.iter().zip(&y) {
                        match (p, q) {
                            (Some(p), Some(q)) => {
                                assert!((p - q).abs() <= 2.0 * f64::EPSILON * q.abs(), "{p} {q}")
                            }
                            _ => assert_eq!(p, q),
                        }
                    }
                } else {
                    assert_eq!(x, y, "{}: {a}\n{b}", c.name());
                }
            } else {
                assert!(c.equals_missing(other), "{}: {a}\n{b}", c.name());
            }
        }
    }

    #[test]
    fn categorical_phase_types_give_the_same_timing() {
        let fr = random_frames(
            &[
                (0, 1, Some(100), vec![(0, Some(8)), (2, Some(80))]),
                (1, 2, Some(50), vec![(2, Some(40)), (4, None)]),
            ],
            false,
            &[],
        );
        let mut cat = fr.clone();
        let cast = cat
            .phases
            .column(PHASE_TYPE)
            .unwrap()
            .cast(&DataType::from_categories(Categories::global()))
            .unwrap();
        cat.phases.with_column(cast).unwrap();
        let a = phase_timing(&fr, &Filters::default(), &DEFAULT_TIMING_KEYS).unwrap();
        let b = phase_timing(&cat, &Filters::default(), &DEFAULT_TIMING_KEYS).unwrap();
        assert_eq!(a.height(), 4);
        assert!(a.equals_missing(&b), "{a}\n{b}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// The kernels give what the join + group-by plan gives, for every
        /// key set and with filters.
        #[test]
        fn phase_timing_equals_the_reference_plan(
            builds in proptest::collection::vec(
                (0u8..6, 0u8..60, proptest::option::of(0u16..500),
                 proptest::collection::vec((0u8..5, proptest::option::of(0u16..400)), 0..6)),
                0..25),
            duplicate: bool,
            orphans in proptest::collection::vec((0u8..5, proptest::option::of(0u16..50)), 0..3),
            filtered: bool,
        ) {
            let fr = random_frames(&builds, duplicate && builds.len() > 1, &orphans);
            let filters = if filtered {
                Filters { projects: Some(vec!["p0".into(), "p2".into()]), ..Filters::default() }
            } else {
                Filters::default()
            };
            for keys in [
                &DEFAULT_TIMING_KEYS[..],
                &[],
                &[GroupKey::Phase],
                &[GroupKey::Phase, GroupKey::Project],
                &[GroupKey::Time(TimeBucket::Week), GroupKey::Phase],
                &[GroupKey::Project, GroupKey::Time(TimeBucket::Day)],
            ] {
                let mine = phase_timing(&fr, &filters, keys).unwrap();
                let reference = reference_phase_timing(&fr, &filters, keys).unwrap();
                assert_same(&mine, &reference);
                // Without percentiles: the rest bit for bit, percentiles null.
                let totals = phase_totals(&fr, &filters, keys).unwrap();
                assert_eq!(totals.get_column_names(), mine.get_column_names());
                for c in mine.columns() {
                    let t = totals.column(c.name()).unwrap();
                    if ["p50", "p90", "p95", "p99"].contains(&c.name().as_str()) {
                        assert_eq!(t.null_count(), t.len(), "{}", c.name());
                    } else if c.dtype() == &DataType::Float64 {
                        // Bit for bit: `==` would let -0.0 pass for 0.0.
                        let bits = |c: &Column| -> Vec<Option<u64>> {
                            c.f64().unwrap().iter().map(|v| v.map(f64::to_bits)).collect()
                        };
                        assert_eq!(bits(t), bits(c), "{}", c.name());
                    } else {
                        assert!(
                            t.as_materialized_series()
                                .equals_missing(c.as_materialized_series()),
                            "{}: {t:?} vs {c:?}",
                            c.name()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn percentiles_use_linear_interpolation() {
        // BUILD phase durations 1, 2, 3, 4, 10 over five builds of 100 s.
        let builds: Vec<B> = [1.0, 2.0, 3.0, 4.0, 10.0]
            .iter()
            .enumerate()
            .map(|(i, d)| {
                b(&format!("p:{i}"), "p", "SUCCEEDED", 0, Some(100)).phases(&[("BUILD", *d)])
            })
            .collect();
        let out =
            phase_timing(&frames(&builds), &Filters::default(), &DEFAULT_TIMING_KEYS).unwrap();
        let mut expected = vec![PROJECT.to_string(), PHASE_TYPE.to_string()];
        expected.extend(STAT_COLS.map(String::from));
        assert_eq!(names(&out), expected);
        assert_eq!(out.height(), 1);
        assert_eq!(i64s(&out, "count"), [Some(5)]);
        // Sorted 1 2 3 4 10, n = 5, rank = q * (n - 1):
        // mean = 20 / 5 = 4; p50: rank 2 -> 3;
        // p90: rank 3.6 -> 4 + 0.6 * (10 - 4) = 7.6;
        // p95: rank 3.8 -> 4 + 0.8 * 6 = 8.8; p99: rank 3.96 -> 4 + 0.96 * 6 = 9.76;
        // max 10, total 20, share = 20 / (5 builds * 100 s) = 0.04.
        for (c, v) in [
            ("mean", 4.0),
            ("p50", 3.0),
            ("p90", 7.6),
            ("p95", 8.8),
            ("p99", 9.76),
            ("max", 10.0),
            ("totalSeconds", 20.0),
            ("share", 0.04),
        ] {
            assert_close(&f64s(&out, c), &[Some(v)]);
        }
    }

    #[test]
    fn phases_in_api_order_and_completed_has_no_duration() {
        let fr = frames(&[b("p:1", "p", "SUCCEEDED", 0, Some(60)).phases(&[
            ("ZZZ_CUSTOM", 1.0),
            ("COMPLETED", 0.0),
            ("BUILD", 30.0),
            ("AAA_CUSTOM", 2.0),
            ("FINALIZING", 3.0),
            ("SUBMITTED", 4.0),
            ("DOWNLOAD_SOURCE", 5.0),
            ("QUEUED", 6.0),
        ])]);
        let out = phase_timing(&fr, &Filters::default(), &[GroupKey::Phase]).unwrap();
        let order: Vec<Option<String>> = [
            "SUBMITTED",
            "QUEUED",
            "DOWNLOAD_SOURCE",
            "BUILD",
            "FINALIZING",
            "COMPLETED",
            "AAA_CUSTOM",
            "ZZZ_CUSTOM",
        ]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
        assert_eq!(strs(&out, PHASE_TYPE), order);
        // COMPLETED (row 5): count 0, statistics null, empty total 0.0, share 0 / 60 = 0.
        assert_eq!(i64s(&out, "count")[5], Some(0));
        for c in ["mean", "p50", "p90", "p95", "p99", "max"] {
            assert_eq!(f64s(&out, c)[5], None, "{c}");
        }
        assert_eq!(f64s(&out, "totalSeconds")[5], Some(0.0));
        assert_eq!(f64s(&out, "share")[5], Some(0.0));
        // BUILD (row 3): 30 / 60 = 0.5.
        assert_close(&f64s(&out, "share")[3..4], &[Some(0.5)]);
    }

    #[test]
    fn share_of_the_group_build_time() {
        let fr = frames(&[
            // p: builds of 100 s and 50 s -> denominator 150.
            b("p:1", "p", "SUCCEEDED", 0, Some(100))
                .phases(&[("SUBMITTED", 10.0), ("BUILD", 80.0)]),
            b("p:2", "p", "FAILED", 200, Some(250)).phases(&[("SUBMITTED", 5.0), ("BUILD", 40.0)]),
            // q: one build of 20 s, and a running one (no endTime) that adds
            // nothing to the denominator.
            b("q:1", "q", "SUCCEEDED", 0, Some(20)).phases(&[("BUILD", 10.0)]),
            b("q:2", "q", "IN_PROGRESS", 0, None).phases(&[("BUILD", 5.0)]),
        ]);
        let out = phase_timing(&fr, &Filters::default(), &DEFAULT_TIMING_KEYS).unwrap();
        assert_eq!(
            strs(&out, PROJECT),
            [Some("p"), Some("p"), Some("q")].map(|s| s.map(String::from))
        );
        assert_eq!(
            strs(&out, PHASE_TYPE),
            [Some("SUBMITTED"), Some("BUILD"), Some("BUILD")].map(|s| s.map(String::from))
        );
        // p SUBMITTED: 15 / 150 = 0.1; p BUILD: 120 / 150 = 0.8;
        // q BUILD: (10 + 5) / 20 = 0.75.
        assert_close(
            &f64s(&out, "totalSeconds"),
            &[Some(15.0), Some(120.0), Some(15.0)],
        );
        assert_close(&f64s(&out, "share"), &[Some(0.1), Some(0.8), Some(0.75)]);

        // Phase key only: denominator = all builds, 100 + 50 + 20 = 170.
        let out = phase_timing(&fr, &Filters::default(), &[GroupKey::Phase]).unwrap();
        // SUBMITTED 15 / 170; BUILD (80 + 40 + 10 + 5) = 135 / 170.
        assert_close(
            &f64s(&out, "share"),
            &[Some(15.0 / 170.0), Some(135.0 / 170.0)],
        );

        // No keys: one overall row, 150 s of phases / 170 s of builds.
        let out = phase_timing(&fr, &Filters::default(), &[]).unwrap();
        assert_eq!(names(&out), STAT_COLS.map(String::from));
        assert_eq!(i64s(&out, "count"), [Some(6)]);
        assert_close(&f64s(&out, "share"), &[Some(150.0 / 170.0)]);
    }

    #[test]
    fn build_level_keys_and_time_buckets() {
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 0, Some(10))
                .compute("SMALL")
                .phases(&[("BUILD", 4.0)]),
            b("p:2", "p", "SUCCEEDED", 3600, Some(3610))
                .compute("SMALL")
                .phases(&[("BUILD", 6.0)]),
            b("p:3", "p", "SUCCEEDED", DAY + 5, Some(DAY + 15))
                .compute("LARGE")
                .phases(&[("BUILD", 1.0)]),
            // No compute type: a null key, sorted last.
            b("p:4", "p", "SUCCEEDED", DAY, Some(DAY + 10)).phases(&[("BUILD", 2.0)]),
        ]);
        let keys = [
            GroupKey::Time(TimeBucket::Day),
            GroupKey::ComputeType,
            GroupKey::Phase,
        ];
        let out = phase_timing(&fr, &Filters::default(), &keys).unwrap();
        let mut expected = vec!["day".to_string(), COMPUTE_TYPE.into(), PHASE_TYPE.into()];
        expected.extend(STAT_COLS.map(String::from));
        assert_eq!(names(&out), expected);
        assert_eq!(out.column("day").unwrap().dtype(), &DataType::Date);
        // Day 0 SMALL (4, 6); day 1 LARGE (1); day 1 null (2).
        assert_eq!(
            strs(&out, COMPUTE_TYPE),
            [Some("SMALL"), Some("LARGE"), None].map(|s| s.map(String::from))
        );
        assert_eq!(i64s(&out, "count"), [Some(2), Some(1), Some(1)]);
        // mean (4 + 6) / 2 = 5; share 10 / (10 + 10) = 0.5; 1 / 10; 2 / 10.
        assert_close(&f64s(&out, "mean"), &[Some(5.0), Some(1.0), Some(2.0)]);
        assert_close(&f64s(&out, "share"), &[Some(0.5), Some(0.1), Some(0.2)]);
        let days = out.column("day").unwrap().cast(&DataType::Int32).unwrap();
        // 2024-01-01 is day 19723 since the epoch.
        let days: Vec<Option<i32>> = days.i32().unwrap().iter().collect();
        assert_eq!(days, [Some(19723), Some(19724), Some(19724)]);
    }

    #[test]
    fn filters_apply_to_phases() {
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 0, Some(10)).phases(&[("BUILD", 1.0)]),
            b("p:2", "p", "FAILED", 100, Some(110)).phases(&[("BUILD", 2.0)]),
            b("p:3", "p", "SUCCEEDED", 200, Some(210)).phases(&[("BUILD", 4.0)]),
            b("q:1", "q", "SUCCEEDED", 0, Some(10)).phases(&[("BUILD", 8.0)]),
        ]);
        let total = |f: Filters| {
            let out = phase_timing(&fr, &f, &[GroupKey::Phase]).unwrap();
            f64s(&out, "totalSeconds")
        };
        let projects = Filters {
            projects: Some(vec!["p".into()]),
            ..Filters::default()
        };
        // 1 + 2 + 4
        assert_eq!(total(projects), [Some(7.0)]);
        let range = Filters {
            since_micros: Some(micros(100)),
            until_micros: Some(micros(200)),
            ..Filters::default()
        };
        // Only p:2 starts in [100, 200).
        assert_eq!(total(range), [Some(2.0)]);
        let statuses = Filters {
            statuses: Some(vec!["SUCCEEDED".into()]),
            ..Filters::default()
        };
        // 1 + 4 + 8
        assert_eq!(total(statuses), [Some(13.0)]);
        let nothing = Filters {
            projects: Some(vec!["nope".into()]),
            ..Filters::default()
        };
        assert_eq!(total(nothing), Vec::<Option<f64>>::new());
    }

    #[test]
    fn zero_builds_give_empty_frames() {
        let fr = frames(&[]);
        let out = phase_timing(&fr, &Filters::default(), &DEFAULT_TIMING_KEYS).unwrap();
        assert_eq!(out.height(), 0);
        assert_eq!(names(&out)[..2], [PROJECT, PHASE_TYPE]);
        assert_eq!(out.width(), 11);
        let out = overhead_split(&fr, &Filters::default(), &[GroupKey::Project]).unwrap();
        assert_eq!(out.height(), 0);
        assert_eq!(out.width(), 11);
    }

    #[test]
    fn overhead_split_per_project() {
        let fr = frames(&[
            // overhead 1 + 2 + 3 = 6, execution 10 + 20 = 30
            b("p:1", "p", "SUCCEEDED", 0, Some(40)).phases(&[
                ("SUBMITTED", 1.0),
                ("QUEUED", 2.0),
                ("PROVISIONING", 3.0),
                ("DOWNLOAD_SOURCE", 10.0),
                ("BUILD", 20.0),
                ("COMPLETED", 0.0),
            ]),
            // overhead 4, execution 50
            b("p:2", "p", "FAILED", 0, Some(60)).phases(&[("QUEUED", 4.0), ("BUILD", 50.0)]),
            // no phases: both null, still counted in builds
            b("p:3", "p", "SUCCEEDED", 0, Some(60)),
            // q: overhead 0, no execution
            b("q:1", "q", "FAULT", 0, Some(1)).phases(&[("SUBMITTED", 0.0)]),
        ]);
        let out = overhead_split(&fr, &Filters::default(), &[GroupKey::Project]).unwrap();
        assert_eq!(
            names(&out),
            [
                PROJECT,
                "builds",
                "overheadP50",
                "overheadP95",
                "overheadMean",
                "overheadTotal",
                "executionP50",
                "executionP95",
                "executionMean",
                "executionTotal",
                "overheadShare",
            ]
        );
        assert_eq!(i64s(&out, "builds"), [Some(3), Some(1)]);
        // p overhead 4, 6: p50 = 5, p95 = 4 + 0.95 * 2 = 5.9, mean 5, total 10.
        assert_close(&f64s(&out, "overheadP50"), &[Some(5.0), Some(0.0)]);
        assert_close(&f64s(&out, "overheadP95"), &[Some(5.9), Some(0.0)]);
        assert_close(&f64s(&out, "overheadMean"), &[Some(5.0), Some(0.0)]);
        assert_close(&f64s(&out, "overheadTotal"), &[Some(10.0), Some(0.0)]);
        // p execution 30, 50: p50 40, p95 30 + 0.95 * 20 = 49; q has none.
        assert_close(&f64s(&out, "executionP50"), &[Some(40.0), None]);
        assert_close(&f64s(&out, "executionP95"), &[Some(49.0), None]);
        assert_close(&f64s(&out, "executionTotal"), &[Some(80.0), Some(0.0)]);
        // p: 10 / (10 + 80); q: 0 / 0 -> null.
        assert_close(&f64s(&out, "overheadShare"), &[Some(10.0 / 90.0), None]);

        let err = overhead_split(&fr, &Filters::default(), &[GroupKey::Phase]);
        assert!(err.is_err());
    }
}
