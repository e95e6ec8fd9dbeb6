//! Kernels for the hot spots of the analyses, where a polars plan costs
//! several times what a direct computation does: resolving child rows to
//! their build row (an equi-join on the string `buildId`), and order
//! statistics of seconds per group (one sort per group gives every
//! percentile, the count, mean, sum and max).
//!
//! Each kernel reproduces the polars expression it replaces exactly
//! (`seconds_sum`, `seconds_mean`, `pct`, `max`); the tests check them
//! against those expressions.

use polars::prelude::*;
use rayon::prelude::*;

/// "No row": the end of a [`BuildRows`] chain.
const NONE: u32 = u32::MAX;

/// The rows of a builds frame by `id`, for resolving child rows (`buildId`)
/// as an inner equi-join does: every build row with that id (a frame may
/// hold duplicate ids; the loader's never does), none for a null or
/// unknown id.
pub(crate) struct BuildRows<'a> {
    ids: &'a StringChunked,
    first: PlHashMap<&'a str, u32>,
    /// Some id is on two rows.
    duplicates: bool,
    /// Per build row: the next row with the same id, or [`NONE`].
    next: Vec<u32>,
}

impl<'a> BuildRows<'a> {
    /// Indexes `ids` (the builds frame's `id`).
    pub(crate) fn new(ids: &'a StringChunked) -> PolarsResult<Self> {
        polars_ensure!(
            ids.len() < NONE as usize,
            ComputeError: "more than {} builds in one frame", NONE - 1
        );
        let mut first: PlHashMap<&str, u32> = PlHashMap::with_capacity(ids.len());
        // The last row of each duplicated id's chain.
        let mut tail: PlHashMap<&str, u32> = PlHashMap::new();
        let mut next = vec![NONE; ids.len()];
        let mut duplicates = false;
        for (row, id) in ids.iter().enumerate() {
            let Some(id) = id else { continue };
            let row = row as u32;
            if let Some(&head) = first.get(id) {
                duplicates = true;
                let t = tail.insert(id, row).unwrap_or(head);
                next[t as usize] = row;
            } else {
                first.insert(id, row);
            }
        }
        Ok(Self {
            ids,
            first,
            duplicates,
            next,
        })
    }

    /// The first build row with `id`, if any.
    pub(crate) fn first_row(&self, id: &str) -> Option<u32> {
        self.first.get(id).copied()
    }

    /// Calls `f(item, build row)` for every pair of the inner join of the
    /// child rows (`(buildId, item)`, e.g. a phase's id and values) to the
    /// builds, in child row order.
    ///
    /// Consecutive child rows of one build are resolved with one lookup,
    /// and when the children follow the builds' order (the loader writes
    /// the frames so, and a Parquet export keeps it), the next build rows
    /// are tried before the hash map: a sequential comparison instead of a
    /// cache miss per build.
    pub(crate) fn for_each_match<'c, T>(
        &self,
        children: impl IntoIterator<Item = (Option<&'c str>, T)>,
        mut f: impl FnMut(&T, u32),
    ) {
        /// Build rows tried after the previous match before hashing.
        const AHEAD: u32 = 4;
        let mut cached: Option<(&str, u32)> = None;
        for (id, item) in children {
            let Some(id) = id else { continue };
            let head = match cached {
                Some((c, head)) if c == id => head,
                _ => {
                    let ahead = match cached {
                        Some((_, prev)) if !self.duplicates && prev != NONE => (prev + 1
                            ..(prev + 1 + AHEAD).min(self.ids.len() as u32))
                            .find(|&r| self.ids.get(r as usize) == Some(id)),
                        _ => None,
                    };
                    let head = ahead
                        .or_else(|| self.first.get(id).copied())
                        .unwrap_or(NONE);
                    cached = Some((id, head));
                    head
                }
            };
            let mut row = head;
            while row != NONE {
                f(&item, row);
                row = self.next[row as usize];
            }
        }
    }
}

/// Seconds as whole microseconds, as `seconds_sum` rounds them
/// (`(s * 1e6).round(0, HalfToEven)` cast to Int64).
pub(crate) fn exact_micros(seconds: f64) -> i64 {
    (seconds * 1e6).round_ties_even() as i64
}

/// Whole microseconds back to seconds, exactly as `seconds_sum` does it
/// (a multiplication by `1e-6`, which can differ from `m / 1e6` in the
/// last bit).
pub(crate) fn micros_to_seconds(micros: i64) -> f64 {
    micros as f64 * 1e-6
}

/// The statistics of one group's values, as the polars expressions of the
/// analyses compute them (see [`seconds_stats`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SecondsStats {
    /// Non-null values.
    pub count: i64,
    /// `seconds_sum`: the values summed as whole microseconds, in seconds.
    pub total: f64,
    /// `seconds_mean`: `total / count`, null without values.
    pub mean: Option<f64>,
    /// `pct(q)` for each requested `q`: linear interpolation between
    /// closest ranks, null without values.
    pub quantiles: Vec<Option<f64>>,
    /// The largest value, null without values.
    pub max: Option<f64>,
}

/// polars' total order of floats: NaN above everything, -0.0 == 0.0.
fn tot_cmp(a: &f64, b: &f64) -> std::cmp::Ordering {
    a.partial_cmp(b)
        .unwrap_or_else(|| a.is_nan().cmp(&b.is_nan()))
}

/// polars' `QuantileMethod::Linear` over sorted, non-null `v`, of a group
/// that also held `nulls` nulls.
///
/// polars sorts the nulls first and offsets the fractional rank by their
/// count (`(n - 1) * q + nulls`), so the interpolation weight can differ
/// from `frac((n - 1) * q)` in the last bit; this does the same, so the
/// result is the one the polars expression gives.
fn linear_quantile(v: &[f64], nulls: usize, q: f64) -> Option<f64> {
    match v.len() {
        0 => None,
        1 => Some(v[0]),
        n => {
            let float_idx = (n as f64 - 1.0) * q + nulls as f64;
            let idx = (float_idx as usize).clamp(nulls, nulls + n - 1);
            let top = float_idx.ceil() as usize;
            let lower = v[idx - nulls];
            if top == idx {
                return Some(lower);
            }
            let upper = v[idx - nulls + 1];
            Some(if lower == upper {
                lower
            } else {
                (float_idx - idx as f64) * (upper - lower) + lower
            })
        }
    }
}

/// Statistics per group, in parallel over the groups.
///
/// `group_of` and `values` are parallel: the group (`< groups`) of each
/// non-null value; `nulls` counts each group's null values (they change
/// nothing but the last bit of an interpolation, as in polars: see
/// `linear_quantile`). A group without values gets count 0, total 0.0 and
/// nulls.
/// One counting sort places the values by group, then each group is sorted
/// once for all of `quantiles` (not at all when there are none: its `max`
/// is then found in one pass, the same value).
pub(crate) fn seconds_stats(
    groups: usize,
    nulls: &[u32],
    group_of: &[u32],
    values: &[f64],
    quantiles: &[f64],
) -> Vec<SecondsStats> {
    debug_assert_eq!(group_of.len(), values.len());
    let mut start = vec![0usize; groups + 1];
    for &g in group_of {
        start[g as usize + 1] += 1;
    }
    for g in 0..groups {
        start[g + 1] += start[g];
    }
    let mut fill = start.clone();
    let mut sorted = vec![0f64; values.len()];
    for (&g, &v) in group_of.iter().zip(values) {
        sorted[fill[g as usize]] = v;
        fill[g as usize] += 1;
    }
    let mut slices: Vec<&mut [f64]> = Vec::with_capacity(groups);
    let mut rest = sorted.as_mut_slice();
    for g in 0..groups {
        let (head, tail) = rest.split_at_mut(start[g + 1] - start[g]);
        slices.push(head);
        rest = tail;
    }
    slices
        .into_par_iter()
        .zip(nulls)
        .map(|(v, &nulls)| {
            let max = if quantiles.is_empty() {
                // `max_by` keeps the last of equal maxima, as the sorted
                // slice's last element is one of them (equal under
                // `tot_cmp` is the same value).
                v.iter().copied().max_by(tot_cmp)
            } else {
                v.sort_unstable_by(tot_cmp);
                v.last().copied()
            };
            let count = v.len() as i64;
            let total = micros_to_seconds(v.iter().map(|&s| exact_micros(s)).sum());
            SecondsStats {
                count,
                total,
                mean: (count > 0).then(|| total / count as f64),
                quantiles: quantiles
                    .iter()
                    .map(|&q| linear_quantile(v, nulls as usize, q))
                    .collect(),
                max,
            }
        })
        .collect()
}

/// Dense ids for the distinct values a key takes, in first-seen order.
///
/// Made for keys with few values (phase types): the first
/// [`Interner::SCAN`] values are found by a linear scan, which beats
/// hashing a string; more values go through a hash map.
pub(crate) struct Interner<K> {
    ids: PlHashMap<K, u32>,
    /// The values, by id.
    pub values: Vec<K>,
}

impl<K: std::hash::Hash + Eq + Copy> Interner<K> {
    const SCAN: usize = 32;

    /// An empty interner.
    pub(crate) fn new() -> Self {
        Self {
            ids: PlHashMap::new(),
            values: Vec::new(),
        }
    }

    /// The id of `k`.
    pub(crate) fn id(&mut self, k: K) -> u32 {
        let scanned = &self.values[..self.values.len().min(Self::SCAN)];
        if let Some(i) = scanned.iter().position(|v| *v == k) {
            return i as u32;
        }
        if self.values.len() < Self::SCAN {
            self.values.push(k);
            return (self.values.len() - 1) as u32;
        }
        *self.ids.entry(k).or_insert_with(|| {
            self.values.push(k);
            (self.values.len() - 1) as u32
        })
    }
}

/// Dense ids for pairs (`a`, `b`) where `b` is small (a phase type id), in
/// first-seen order: a table of [`PairIds::WIDTH`] slots per `a` holds the
/// ids of the pairs with `b < WIDTH`, a hash map the rest.
pub(crate) struct PairIds {
    table: Vec<u32>,
    more: PlHashMap<(u32, u32), u32>,
    /// The pairs, by id.
    pub values: Vec<(u32, u32)>,
}

impl PairIds {
    const WIDTH: usize = 16;

    /// Room for `a < a_count`.
    pub(crate) fn new(a_count: usize) -> Self {
        Self {
            table: vec![NONE; a_count * Self::WIDTH],
            more: PlHashMap::new(),
            values: Vec::new(),
        }
    }

    /// The id of (`a`, `b`); `a` must be below the `a_count` given to [`PairIds::new`].
    pub(crate) fn id(&mut self, a: u32, b: u32) -> u32 {
        let values = &mut self.values;
        let mut fresh = || {
            values.push((a, b));
            (values.len() - 1) as u32
        };
        if (b as usize) < Self::WIDTH {
            let slot = &mut self.table[a as usize * Self::WIDTH + b as usize];
            if *slot == NONE {
                *slot = fresh();
            }
            *slot
        } else {
            *self.more.entry((a, b)).or_insert_with(fresh)
        }
    }

    /// Distinct pairs seen.
    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }
}

/// The polars aggregations the kernels replace, over the column `v`
/// (`count`, `mean`, `p50`, `p90`, `p95`, `p99`, `max`, `totalSeconds`):
/// the reference the tests compare the kernels with.
#[cfg(test)]
pub(crate) fn polars_stats(v: &str) -> Vec<Expr> {
    use crate::analysis::{pct, seconds_mean, seconds_sum};
    let d = || col(v);
    vec![
        d().count().cast(DataType::Int64).alias("count"),
        seconds_mean(d()).alias("mean"),
        pct(d(), 0.5).alias("p50"),
        pct(d(), 0.9).alias("p90"),
        pct(d(), 0.95).alias("p95"),
        pct(d(), 0.99).alias("p99"),
        d().max().alias("max"),
        seconds_sum(d()).alias("totalSeconds"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn build_rows_resolve_like_an_inner_join() {
        let ids = StringChunked::from_iter_options(
            "id".into(),
            [Some("a"), Some("b"), None, Some("a"), Some("c"), Some("a")].into_iter(),
        );
        let index = BuildRows::new(&ids).unwrap();
        let children = StringChunked::from_iter_options(
            "buildId".into(),
            [
                Some("a"),
                Some("a"),
                Some("x"),
                None,
                Some("c"),
                Some("b"),
                Some("a"),
            ]
            .into_iter(),
        );
        let mut pairs = Vec::new();
        index.for_each_match(children.iter().zip(0..), |&c, r| pairs.push((c, r)));
        assert_eq!(
            pairs,
            [
                (0, 0),
                (0, 3),
                (0, 5),
                (1, 0),
                (1, 3),
                (1, 5),
                (4, 4),
                (5, 1),
                (6, 0),
                (6, 3),
                (6, 5)
            ]
        );
    }

    #[test]
    fn interner_ids_are_dense_and_stable_past_the_scanned_values() {
        // 100 distinct keys, each seen three times: the first 32 are found by
        // scanning, the rest through the hash map; ids stay first-seen order.
        let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let mut interner = Interner::new();
        for _ in 0..3 {
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(interner.id(Some(k.as_str())), i as u32);
            }
        }
        assert_eq!(interner.id(None), 100);
        assert_eq!(interner.values.len(), 101);
        assert_eq!(interner.values[57], Some("k57"));
    }

    #[test]
    fn pair_ids_are_dense_in_and_beyond_the_table() {
        // b below and above the table width, a over several rows.
        let mut ids = PairIds::new(3);
        let pairs: Vec<(u32, u32)> = (0..3).flat_map(|a| (0..40).map(move |b| (a, b))).collect();
        for _ in 0..2 {
            for (i, &(a, b)) in pairs.iter().enumerate() {
                assert_eq!(ids.id(a, b), i as u32);
            }
        }
        assert_eq!(ids.len(), pairs.len());
        assert_eq!(ids.values, pairs);
    }

    #[test]
    fn quantiles_by_hand() {
        // Sorted 1 2 3 4 10: p50 = 3, p90 = 4 + 0.6 * 6 = 7.6.
        let s = seconds_stats(
            2,
            &[0, 0],
            &[0, 0, 0, 0, 0],
            &[10.0, 2.0, 4.0, 1.0, 3.0],
            &[0.5, 0.9],
        );
        assert_eq!(s[0].count, 5);
        assert_eq!(s[0].total, 20.0);
        assert_eq!(s[0].mean, Some(4.0));
        assert_eq!(s[0].quantiles[0], Some(3.0));
        assert!((s[0].quantiles[1].unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(s[0].max, Some(10.0));
        // A group without values.
        assert_eq!(
            s[1],
            SecondsStats {
                count: 0,
                total: 0.0,
                mean: None,
                quantiles: vec![None, None],
                max: None
            }
        );
    }

    proptest! {
        /// The kernel gives exactly what the polars expressions it replaces give.
        #[test]
        fn stats_equal_the_polars_expressions(
            rows in proptest::collection::vec((0u32..5, proptest::option::of(-1e5f64..1e6)), 0..200)
        ) {
            let quantiles = [0.5, 0.9, 0.95, 0.99];
            let (group_of, values): (Vec<u32>, Vec<f64>) = rows
                .iter()
                .filter_map(|&(g, v)| Some((g, v?)))
                .unzip();
            let mut nulls = [0u32; 5];
            for &(g, v) in &rows {
                nulls[g as usize] += u32::from(v.is_none());
            }
            let mine = seconds_stats(5, &nulls, &group_of, &values, &quantiles);
            let df = df!(
                "g" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                "v" => rows.iter().map(|r| r.1).collect::<Vec<_>>()
            )
            .unwrap();
            let theirs = df
                .lazy()
                .group_by([col("g")])
                .agg(polars_stats("v"))
                .sort(["g"], Default::default())
                .collect()
                .unwrap();
            let g: Vec<u32> = theirs.column("g").unwrap().u32().unwrap().into_no_null_iter().collect();
            let f = |c: &str| -> Vec<Option<f64>> {
                theirs.column(c).unwrap().f64().unwrap().iter().collect()
            };
            let count: Vec<Option<i64>> = theirs.column("count").unwrap().i64().unwrap().iter().collect();
            for (i, &g) in g.iter().enumerate() {
                let m = &mine[g as usize];
                prop_assert_eq!(Some(m.count), count[i]);
                prop_assert_eq!(Some(m.total), f("totalSeconds")[i]);
                prop_assert_eq!(m.mean, f("mean")[i]);
                for (k, c) in ["p50", "p90", "p95", "p99"].iter().enumerate() {
                    prop_assert_eq!(m.quantiles[k], f(c)[i], "{}", c);
                }
                prop_assert_eq!(m.max, f("max")[i]);
            }
        }
    }
}
