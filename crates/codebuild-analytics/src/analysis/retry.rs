//! Auto-retry chains: which builds retry which, and what the retries bought.
//!
//! Follows the "Retry chains (auto-retry)" section of `ANALYTICS.md` exactly;
//! the choices it leaves open are documented on each function.

use std::collections::VecDeque;

use polars::prelude::*;
use polars_arrow::array::{Array, PrimitiveArray, Utf8ViewArray};
use rayon::prelude::*;

use super::{COMPLETED_STATUSES, FAILURE_STATUSES};

use crate::filter::Filters;
use crate::frames::col_names::*;
use crate::frames::{Frames, time_dtype};

/// `true` for `FAILED`, `FAULT` and `TIMED_OUT`.
pub(crate) fn is_failure(status: Option<&str>) -> bool {
    status.is_some_and(|s| FAILURE_STATUSES.contains(&s))
}

/// `true` for `SUCCEEDED`.
pub(crate) fn is_success(status: Option<&str>) -> bool {
    status == Some("SUCCEEDED")
}

/// `true` for a completed status.
pub(crate) fn is_completed(status: Option<&str>) -> bool {
    status.is_some_and(|s| COMPLETED_STATUSES.contains(&s))
}

/// A lazy boolean expression: `buildStatus` is a failure (null status: false).
pub(crate) fn failure_expr() -> Expr {
    col(STATUS)
        .is_in(
            lit(Series::new("f".into(), FAILURE_STATUSES)).implode(false),
            false,
        )
        .fill_null(lit(false))
}

/// A lazy boolean expression: `buildStatus` is `SUCCEEDED` (null status: false).
pub(crate) fn success_expr() -> Expr {
    col(STATUS).eq(lit("SUCCEEDED")).fill_null(lit(false))
}

/// `df` with the columns `names` cast to String (a no-op for the String
/// columns the loader makes; a Categorical column of a hand-made frame is
/// converted), so that [`strings()`] can borrow them.
pub(crate) fn with_strings(df: &DataFrame, names: &[&str]) -> PolarsResult<DataFrame> {
    let mut out = df.clone();
    for &name in names {
        if out.column(name)?.dtype() != &DataType::String {
            let c = out.column(name)?.cast(&DataType::String)?;
            out.with_column(c)?;
        }
    }
    Ok(out)
}

/// The values of a String column, borrowed (no copy per value; see
/// [`with_strings`] for other dtypes).
pub(crate) fn strings<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter().collect())
}

/// The values of an integer column as `i64`.
pub(crate) fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// The values of a time column as microseconds since the epoch (UTC).
pub(crate) fn times(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(micros(df, name)?.i64()?.iter().collect())
}

/// A time column as an Int64 column of microseconds since the epoch (UTC).
fn micros(df: &DataFrame, name: &str) -> PolarsResult<Column> {
    df.column(name)?.cast(&time_dtype())?.cast(&DataType::Int64)
}

/// A time column (`Datetime(Microseconds, UTC)`) from microseconds.
pub(crate) fn time_series(name: &str, micros: Vec<Option<i64>>) -> PolarsResult<Column> {
    Series::new(name.into(), micros)
        .cast(&time_dtype())
        .map(Column::from)
}

/// Microseconds to seconds.
pub(crate) fn secs(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// Sort options used by every analysis: ascending, nulls first, stable.
pub(crate) fn sort_opts() -> SortMultipleOptions {
    SortMultipleOptions::default()
        .with_nulls_last(false)
        .with_maintain_order(true)
}

/// For each row of `builds`, whether it passes `filters` (via [`Filters::builds`]).
pub(crate) fn passing_rows(builds: &DataFrame, filters: &Filters) -> PolarsResult<Vec<bool>> {
    let mut mask = vec![false; builds.height()];
    let indexed = builds.with_row_index("__row".into(), None)?;
    let kept = filters
        .builds(&indexed)
        .select([col("__row").cast(DataType::Int64)])
        .collect()?;
    for row in ints(&kept, "__row")?.into_iter().flatten() {
        mask[row as usize] = true;
    }
    Ok(mask)
}

/// A text column as one chunk of views, read by row without a copy (a
/// `Vec<Option<&str>>` of a 10M-build frame costs 160 MB per column).
pub(crate) struct TextCol(Utf8ViewArray);

impl TextCol {
    /// The String column `name` of `df` (one chunk: free when it already
    /// is, views concatenated otherwise).
    pub(crate) fn new(df: &DataFrame, name: &str) -> PolarsResult<Self> {
        let ca = df.column(name)?.str()?.rechunk();
        Ok(Self(ca.downcast_as_array().clone()))
    }

    /// Row `i`'s text; `None` when null.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> Option<&str> {
        self.0.get(i)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Rows `rows` as a String column `name`: views sharing this column's
    /// buffers (a gather from one chunk of views copies no text).
    pub(crate) fn take(&self, name: &str, rows: &[IdxSize]) -> PolarsResult<StringChunked> {
        StringChunked::with_chunk(name.into(), self.0.clone()).take(rows)
    }
}

/// A numeric column as one chunk, read by row without a copy.
pub(crate) struct NumCol<T: PolarsNumericType>(PrimitiveArray<T::Native>);

impl<T: PolarsNumericType> NumCol<T> {
    fn new(ca: &ChunkedArray<T>) -> Self {
        Self(ca.rechunk().downcast_as_array().clone())
    }

    /// Row `i`'s value; `None` when null.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> Option<T::Native> {
        self.0.is_valid(i).then(|| self.0.value(i))
    }
}

/// The columns the chain computation reads, by build row, as the frame's
/// own arrays (no per-row copy: the report runs four analyses over them at
/// once).
pub(crate) struct BuildCols {
    /// `id`.
    pub id: TextCol,
    /// `arn`.
    pub arn: TextCol,
    /// `projectName`.
    pub project: TextCol,
    /// `buildStatus`.
    pub status: TextCol,
    /// `startTime` (µs).
    pub start: NumCol<Int64Type>,
    /// `endTime` (µs).
    pub end: NumCol<Int64Type>,
    /// `autoRetryConfig.autoRetryNumber`.
    pub number: NumCol<Int64Type>,
    /// `autoRetryConfig.autoRetryLimit`.
    pub limit: NumCol<Int64Type>,
    /// `autoRetryConfig.nextAutoRetry`.
    pub next: TextCol,
    /// `autoRetryConfig.previousAutoRetry`.
    pub prev: TextCol,
    /// `durationSeconds`.
    pub duration: NumCol<Float64Type>,
}

impl BuildCols {
    /// The string columns [`BuildCols::new`] reads (see [`with_strings`]).
    pub(crate) const STRINGS: [&'static str; 6] =
        [ID, ARN, PROJECT, STATUS, NEXT_RETRY, PREVIOUS_RETRY];

    /// Extracts the columns from a builds frame whose [`BuildCols::STRINGS`]
    /// are String columns ([`with_strings`]).
    pub(crate) fn new(builds: &DataFrame) -> PolarsResult<Self> {
        let int = |name: &str| -> PolarsResult<NumCol<Int64Type>> {
            Ok(NumCol::new(
                builds.column(name)?.cast(&DataType::Int64)?.i64()?,
            ))
        };
        let time = |name: &str| -> PolarsResult<NumCol<Int64Type>> {
            Ok(NumCol::new(micros(builds, name)?.i64()?))
        };
        Ok(Self {
            id: TextCol::new(builds, ID)?,
            arn: TextCol::new(builds, ARN)?,
            project: TextCol::new(builds, PROJECT)?,
            status: TextCol::new(builds, STATUS)?,
            start: time(START)?,
            end: time(END)?,
            number: int(RETRY_NUMBER)?,
            limit: int(RETRY_LIMIT)?,
            next: TextCol::new(builds, NEXT_RETRY)?,
            prev: TextCol::new(builds, PREVIOUS_RETRY)?,
            duration: NumCol::new(builds.column(DURATION)?.cast(&DataType::Float64)?.f64()?),
        })
    }

    fn len(&self) -> usize {
        self.id.len()
    }
}

/// The retry chains of a whole builds frame.
pub(crate) struct Chains {
    /// Per build row: index of its chain in `members`.
    pub chain_of: Vec<usize>,
    /// Per build row: 0-based position in its chain.
    pub position: Vec<usize>,
    /// The member rows of every chain, chain after chain, each in chain
    /// order (see [`Chains::members`]).
    member_rows: Vec<usize>,
    /// Per chain: where its members start in `member_rows` (one more entry
    /// at the end).
    member_start: Vec<usize>,
    /// Per chain: a link points at an ARN not in the frame.
    pub incomplete: Vec<bool>,
    /// Per chain: the links form a directed cycle.
    pub cyclic: Vec<bool>,
    /// Per chain: a member is claimed by two builds, or claims two.
    pub conflicting: Vec<bool>,
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

fn union(parent: &mut [usize], size: &mut [usize], a: usize, b: usize) {
    let (mut ra, mut rb) = (find(parent, a), find(parent, b));
    if ra == rb {
        return;
    }
    if size[ra] < size[rb] {
        std::mem::swap(&mut ra, &mut rb);
    }
    parent[rb] = ra;
    size[ra] += size[rb];
}

impl Chains {
    /// Builds the chains: union-find over the links, Kahn's algorithm for
    /// cycles, sets of claimed neighbours for conflicts. O(n log n) overall
    /// (the log for ordering members); no recursion.
    pub(crate) fn new(b: &BuildCols) -> Self {
        let n = b.len();
        let mut by_arn: PlHashMap<&str, usize> = PlHashMap::with_capacity(n);
        for i in 0..n {
            if let Some(arn) = b.arn.at(i) {
                by_arn.entry(arn).or_insert(i);
            }
        }
        let mut dangling = vec![false; n];
        let mut edges: PlHashSet<(usize, usize)> = PlHashSet::new();
        // Claimed ARNs of each build's predecessor / successor, from both sides.
        let mut preds: Vec<Vec<&str>> = vec![Vec::new(); n];
        let mut succs: Vec<Vec<&str>> = vec![Vec::new(); n];
        for i in 0..n {
            if let Some(next) = b.next.at(i) {
                succs[i].push(next);
                match by_arn.get(next) {
                    Some(&j) => {
                        edges.insert((i, j));
                        if let Some(arn) = b.arn.at(i) {
                            preds[j].push(arn);
                        }
                    }
                    None => dangling[i] = true,
                }
            }
            if let Some(prev) = b.prev.at(i) {
                preds[i].push(prev);
                match by_arn.get(prev) {
                    Some(&j) => {
                        edges.insert((j, i));
                        if let Some(arn) = b.arn.at(i) {
                            succs[j].push(arn);
                        }
                    }
                    None => dangling[i] = true,
                }
            }
        }
        let claimed_twice = |v: &mut Vec<&str>| {
            v.sort_unstable();
            v.dedup();
            v.len() > 1
        };
        let conflict_node: Vec<bool> = (0..n)
            .map(|i| claimed_twice(&mut preds[i]) | claimed_twice(&mut succs[i]))
            .collect();

        // Components.
        let mut parent: Vec<usize> = (0..n).collect();
        let mut size = vec![1usize; n];
        let mut edge_list: Vec<(usize, usize)> = edges.into_iter().collect();
        edge_list.sort_unstable();
        for &(a, c) in &edge_list {
            union(&mut parent, &mut size, a, c);
        }

        // Directed cycles: nodes Kahn's algorithm cannot remove are on or
        // after a cycle, so their component is cyclic.
        let mut indeg = vec![0usize; n];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, c) in &edge_list {
            indeg[c] += 1;
            out[a].push(c);
        }
        let mut queue: VecDeque<usize> = (0..n).filter(|&i| indeg[i] == 0).collect();
        while let Some(i) = queue.pop_front() {
            for &j in &out[i] {
                indeg[j] -= 1;
                if indeg[j] == 0 {
                    queue.push_back(j);
                }
            }
        }

        // Chains numbered in the order of their first row.
        let mut chain_of_root = vec![usize::MAX; n];
        let mut m = 0;
        let chain_of: Vec<usize> = (0..n)
            .map(|i| {
                let r = find(&mut parent, i);
                if chain_of_root[r] == usize::MAX {
                    chain_of_root[r] = m;
                    m += 1;
                }
                chain_of_root[r]
            })
            .collect();
        // Members of each chain, in row order, then sorted into chain order.
        let mut member_start = vec![0usize; m + 1];
        for &c in &chain_of {
            member_start[c + 1] += 1;
        }
        for c in 0..m {
            member_start[c + 1] += member_start[c];
        }
        let mut fill = member_start.clone();
        let mut member_rows = vec![0usize; n];
        for (i, &c) in chain_of.iter().enumerate() {
            member_rows[fill[c]] = i;
            fill[c] += 1;
        }
        let (mut incomplete, mut cyclic, mut conflicting) =
            (vec![false; m], vec![false; m], vec![false; m]);
        for (i, &c) in chain_of.iter().enumerate() {
            incomplete[c] |= dangling[i];
            cyclic[c] |= indeg[i] > 0;
            conflicting[c] |= conflict_node[i];
        }
        let mut position = vec![0usize; n];
        for c in 0..m {
            let chain = &mut member_rows[member_start[c]..member_start[c + 1]];
            if chain.len() == 1 {
                continue; // position 0
            }
            chain.sort_by(|&x, &y| {
                let key = |i: usize| {
                    (
                        b.number.at(i).is_none(),
                        b.number.at(i),
                        b.start.at(i).is_none(),
                        b.start.at(i),
                        b.id.at(i),
                        i,
                    )
                };
                key(x).cmp(&key(y))
            });
            for (p, &i) in chain.iter().enumerate() {
                position[i] = p;
            }
        }
        Chains {
            chain_of,
            position,
            member_rows,
            member_start,
            incomplete,
            cyclic,
            conflicting,
        }
    }
}

impl Chains {
    /// The number of chains.
    pub(crate) fn len(&self) -> usize {
        self.member_start.len() - 1
    }

    /// The member rows of chain `c`, in chain order (root first).
    pub(crate) fn members(&self, c: usize) -> &[usize] {
        &self.member_rows[self.member_start[c]..self.member_start[c + 1]]
    }
}

/// The auto-retry chains of an archive's builds, computed once for the
/// analyses that follow them ([`retry_chains_with`],
/// [`flaky_commits_with`](crate::analysis::flaky::flaky_commits_with),
/// [`manual_rebuilds_with`](crate::analysis::flaky::manual_rebuilds_with)),
/// as a report showing them all does. Chains are resolved over the whole
/// builds frame, whatever the filters.
pub struct ChainIndex {
    pub(crate) chains: Chains,
}

impl ChainIndex {
    /// The chains of `frames.builds` (union-find over the retry links).
    pub fn new(frames: &Frames) -> PolarsResult<Self> {
        let strs = with_strings(&frames.builds, &BuildCols::STRINGS)?;
        Ok(Self {
            chains: Chains::new(&BuildCols::new(&strs)?),
        })
    }

    /// The index's chains, after checking it was built from `builds` (as
    /// far as its row count tells).
    pub(crate) fn of(&self, builds: &DataFrame) -> PolarsResult<&Chains> {
        polars_ensure!(
            self.chains.chain_of.len() == builds.height(),
            InvalidOperation: "a ChainIndex of {} builds used with a frame of {}",
            self.chains.chain_of.len(),
            builds.height()
        );
        Ok(&self.chains)
    }
}

/// `builds` with two more columns: `__chain` (Int64, the build's chain in
/// `chains`, computed over the whole frame) and `__pos` (Int64, its
/// position in the chain, 0 = root).
#[cfg(test)]
pub(crate) fn with_chain_columns(builds: &DataFrame, chains: &Chains) -> PolarsResult<DataFrame> {
    let mut df = builds.clone();
    df.with_column(Column::new(
        "__chain".into(),
        chains
            .chain_of
            .iter()
            .map(|&c| c as i64)
            .collect::<Vec<_>>(),
    ))?;
    df.with_column(Column::new(
        "__pos".into(),
        chains
            .position
            .iter()
            .map(|&c| c as i64)
            .collect::<Vec<_>>(),
    ))?;
    Ok(df)
}

/// One row per auto-retry chain whose root passes `filters`.
///
/// Follows the "Retry chains" definitions of `ANALYTICS.md` exactly:
///
/// - **Links**: A → B when A's `autoRetryConfig.nextAutoRetry` is B's `arn`
///   *or* B's `autoRetryConfig.previousAutoRetry` is A's `arn`; either side
///   suffices. Links are resolved against the **whole archive**
///   (`frames.builds`), not the filtered builds; the filters then select
///   chains **by their root** (a chain is kept when its root passes the
///   filters; its other members are kept with it whether or not they pass).
/// - **Chain** = connected component of the links (union-find), ordered by
///   `autoRetryNumber` (nulls last), then `startTime` (nulls last), then
///   `id`. Every build belongs to exactly one chain; a build without links is
///   a chain of length 1. The root is the first member, the final the last.
/// - **incomplete**: some member's `nextAutoRetry` or `previousAutoRetry` is
///   an ARN that is not in the archive. A missing middle member therefore
///   splits a chain in two (nothing links the parts), and both parts are
///   incomplete; the second part's root is the first build after the gap.
/// - **cyclic**: the links contain a directed cycle (including a build that
///   names itself). Detected with Kahn's algorithm; never a hang.
/// - **conflicting**: some member is claimed by two builds (two distinct
///   predecessor ARNs, from its own `previousAutoRetry` and the
///   `nextAutoRetry` of others, dangling ARNs included) or claims two
///   successors (likewise). Every claimed link is still honoured, so the
///   component contains all the claimants, ordered as above.
/// - **recovered**: root status is a failure (`FAILED`, `FAULT`,
///   `TIMED_OUT`) and final status is `SUCCEEDED`.
/// - **exhausted**: final status is a failure and its `autoRetryNumber`
///   equals its `autoRetryLimit` (false when either is null). A lone failed
///   build with limit 0 and number 0 is therefore exhausted.
/// - **wastedSeconds**: sum of `durationSeconds` of the members before the
///   final one, nulls ignored (0 for a chain of length 1).
/// - **timeToGreenSeconds**: final `endTime` - root `startTime`, only when
///   recovered (null otherwise or when either time is missing).
///
/// Columns: `chainId` (String, the root's id), `projectName` (root's),
/// `startTime` (root's), `length` (Int64), `memberIds` (List(String), chain
/// order), `rootStatus`, `finalStatus`, `recovered`, `exhausted`,
/// `wastedSeconds` (Float64), `timeToGreenSeconds` (Float64), `incomplete`,
/// `cyclic`, `conflicting` (Boolean). Rows are sorted by `projectName`,
/// `startTime` (nulls first), then `chainId`.
pub fn retry_chains(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    retry_chains_with(frames, filters, &ChainIndex::new(frames)?)
}

/// [`retry_chains`] over chains already resolved (`index` must come from
/// the same frames).
pub fn retry_chains_with(
    frames: &Frames,
    filters: &Filters,
    index: &ChainIndex,
) -> PolarsResult<DataFrame> {
    let builds = &frames.builds;
    let strs = with_strings(builds, &BuildCols::STRINGS)?;
    let b = BuildCols::new(&strs)?;
    let chains = index.of(builds)?;
    let keep = passing_rows(builds, filters)?;

    // The kept chains in the documented row order: the root's project,
    // start (nulls first), then id; a stable sort, as polars' sort with
    // `sort_opts` (Rust's `Option` and `str` order are polars' nulls-first,
    // bytewise order). Sorting the chains, not the finished frame, spares a
    // gather of every column.
    let mut keyed: Vec<_> = (0..chains.len())
        .filter_map(|c| {
            let root = chains.members(c)[0];
            keep[root].then(|| (b.project.at(root), b.start.at(root), b.id.at(root), c))
        })
        .collect();
    keyed.par_sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    let order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();

    let height = order.len();
    let mut roots: Vec<IdxSize> = Vec::with_capacity(height);
    let mut finals: Vec<IdxSize> = Vec::with_capacity(height);
    let mut start = Vec::with_capacity(height);
    let mut length = Vec::with_capacity(height);
    let mut member_rows: Vec<IdxSize> = Vec::with_capacity(height);
    let mut member_offsets: Vec<i64> = Vec::with_capacity(height + 1);
    member_offsets.push(0);
    let mut recovered = Vec::with_capacity(height);
    let mut exhausted = Vec::with_capacity(height);
    let mut wasted = Vec::with_capacity(height);
    let mut ttg = Vec::with_capacity(height);
    let mut incomplete = Vec::with_capacity(height);
    let mut cyclic = Vec::with_capacity(height);
    let mut conflicting = Vec::with_capacity(height);
    for &c in &order {
        let members = chains.members(c);
        let (root, last) = (members[0], members[members.len() - 1]);
        let rs = b.status.at(root);
        let fs = b.status.at(last);
        let rec = is_failure(rs) && is_success(fs);
        roots.push(root as IdxSize);
        finals.push(last as IdxSize);
        start.push(b.start.at(root));
        length.push(members.len() as i64);
        member_rows.extend(members.iter().map(|&i| i as IdxSize));
        member_offsets.push(member_rows.len() as i64);
        recovered.push(rec);
        exhausted.push(
            is_failure(fs) && b.number.at(last).is_some() && b.number.at(last) == b.limit.at(last),
        );
        wasted.push(
            members[..members.len() - 1]
                .iter()
                .filter_map(|&i| b.duration.at(i))
                .sum::<f64>(),
        );
        ttg.push(match (rec, b.end.at(last), b.start.at(root)) {
            (true, Some(e), Some(s)) => Some(secs(e - s)),
            _ => None,
        });
        incomplete.push(chains.incomplete[c]);
        cyclic.push(chains.cyclic[c]);
        conflicting.push(chains.conflicting[c]);
    }
    // Text columns gathered from the builds' arrays: views sharing their
    // buffers, not a copy of every id (9.7 million chains at 10M builds).
    let member_ids = b.id.take("memberIds", &member_rows)?;
    let member_ids = ListChunked::with_chunk(
        "memberIds".into(),
        LargeListArray::new(
            LargeListArray::default_datatype(member_ids.dtype().to_arrow(CompatLevel::newest())),
            polars_arrow::offset::OffsetsBuffer::try_from(member_offsets)?,
            member_ids.rechunk().downcast_as_array().clone().boxed(),
            None,
        ),
    );
    DataFrame::new(
        height,
        vec![
            b.id.take("chainId", &roots)?.into_column(),
            b.project.take(PROJECT, &roots)?.into_column(),
            time_series(START, start)?,
            Column::new("length".into(), length),
            member_ids.into_column(),
            b.status.take("rootStatus", &roots)?.into_column(),
            b.status.take("finalStatus", &finals)?.into_column(),
            Column::new("recovered".into(), recovered),
            Column::new("exhausted".into(), exhausted),
            Column::new("wastedSeconds".into(), wasted),
            Column::new("timeToGreenSeconds".into(), ttg),
            Column::new("incomplete".into(), incomplete),
            Column::new("cyclic".into(), cyclic),
            Column::new("conflicting".into(), conflicting),
        ],
    )
}

/// Per-project summary of [`retry_chains`] (same filters: chains selected by
/// their root).
///
/// Columns: `projectName`, `chains` (Int64, all chains incl. length 1),
/// `chainsWithRetries` (length > 1), `rootFailures` (chains whose root
/// failed), `retryRate` = chainsWithRetries / rootFailures (Float64, null
/// when rootFailures is 0; it can exceed 1 when chains start from a
/// non-failed root, e.g. incomplete chains), `recovered`, `recoveryRate` =
/// recovered / chainsWithRetries (null when 0), `exhausted` (chains, of any
/// length), `minutesWasted` = sum(wastedSeconds) / 60 (Float64). Sorted by
/// `projectName`.
///
/// Definitions follow `ANALYTICS.md` exactly (see the module docs).
pub fn retry_summary(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    retry_summary_of(retry_chains(frames, filters)?)
}

/// [`retry_summary`] of chains already computed by [`retry_chains`] (a
/// report that shows both computes the chains once).
pub fn retry_summary_of(chains: DataFrame) -> PolarsResult<DataFrame> {
    let count = |e: Expr| e.cast(DataType::Int64).sum();
    let rate = |num: &str, den: &str| super::ratio(col(num), col(den));
    chains
        .lazy()
        .group_by([col(PROJECT)])
        .agg([
            len().cast(DataType::Int64).alias("chains"),
            count(col("length").gt(lit(1))).alias("chainsWithRetries"),
            count(
                col("rootStatus")
                    .is_in(
                        lit(Series::new("f".into(), FAILURE_STATUSES)).implode(false),
                        false,
                    )
                    .fill_null(lit(false)),
            )
            .alias("rootFailures"),
            count(col("recovered")).alias("recovered"),
            count(col("exhausted")).alias("exhausted"),
            (super::seconds_sum(col("wastedSeconds")) / lit(60.0)).alias("minutesWasted"),
        ])
        .select([
            col(PROJECT),
            col("chains"),
            col("chainsWithRetries"),
            col("rootFailures"),
            rate("chainsWithRetries", "rootFailures").alias("retryRate"),
            col("recovered"),
            rate("recovered", "chainsWithRetries").alias("recoveryRate"),
            col("exhausted"),
            col("minutesWasted"),
        ])
        .sort([PROJECT], sort_opts())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;

    fn members(df: &DataFrame) -> Vec<Vec<String>> {
        let lc = df.column("memberIds").unwrap().list().unwrap().clone();
        (0..lc.len())
            .map(|i| {
                let s = lc.get_as_series(i).unwrap();
                s.str()
                    .unwrap()
                    .iter()
                    .map(|v| v.unwrap().to_owned())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn one_chain_index_serves_every_chain_analysis() {
        let f = frames(&[
            r("p:a1", "FAILED", 100, 200)
                .num(0, 3)
                .next("p:a2")
                .rsv("c"),
            r("p:a2", "SUCCEEDED", 210, 260).num(1, 3).rsv("c"),
            r("p:b", "FAILED", 300, 310).rsv("c"),
            r("p:c", "SUCCEEDED", 400, 410).rsv("c"),
        ]);
        let x = Filters::default();
        let index = ChainIndex::new(&f).unwrap();
        let same = |a: DataFrame, b: DataFrame| assert!(a.equals_missing(&b), "{a}\n{b}");
        same(
            retry_chains_with(&f, &x, &index).unwrap(),
            retry_chains(&f, &x).unwrap(),
        );
        same(
            crate::analysis::flaky::flaky_commits_with(&f, &x, &index).unwrap(),
            crate::analysis::flaky::flaky_commits(&f, &x).unwrap(),
        );
        same(
            crate::analysis::flaky::manual_rebuilds_with(&f, &x, &index).unwrap(),
            crate::analysis::flaky::manual_rebuilds(&f, &x).unwrap(),
        );
        // The shared index gives the chains themselves, not just the same
        // frame as a fresh one: a1 -> a2 recovered, b and c alone.
        let chains = retry_chains_with(&f, &x, &index).unwrap();
        assert_eq!(col_str(&chains, "chainId"), ["p:a1", "p:b", "p:c"]);
        assert_eq!(i64s(&chains, "length"), [Some(2), Some(1), Some(1)]);
        assert_eq!(col_b(&chains, "recovered"), [true, false, false]);
        // An index of other frames is refused, not misread.
        let other = frames(&[r("q:1", "SUCCEEDED", 0, 1)]);
        let err = retry_chains_with(&other, &x, &index).unwrap_err();
        assert!(err.to_string().contains("ChainIndex of 4 builds"), "{err}");
    }

    #[test]
    fn rows_sorted_by_project_then_root_start_nulls_first_then_chain_id() {
        let f = frames(&[
            r("q:2", "SUCCEEDED", 50, 60),
            r("p:b", "SUCCEEDED", 100, 110),
            r("p:a", "SUCCEEDED", 100, 110),
            r("q:1", "FAILED", 10, 20).num(0, 1).next("q:1r"),
            r("q:1r", "SUCCEEDED", 30, 40).num(1, 1),
            r("p:nostart", "SUCCEEDED", 0, 5).no_start(),
            b("none:1", "x", "SUCCEEDED", 7, Some(8)).no_project(),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        // Null project first; in p the null start, then a before b at
        // the same start; in q the chain rooted at 10 before the one at 50.
        assert_eq!(
            col_str(&df, "chainId"),
            ["none:1", "p:nostart", "p:a", "p:b", "q:1", "q:2"]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// The rows come out as polars sorts them (project, root start,
        /// chain id; nulls first; stable), and every gathered text column is
        /// the value of the right build: the root's id, project and status,
        /// the last member's status, the members' ids in chain order.
        #[test]
        fn rows_and_gathered_columns_match_polars(
            builds in proptest::collection::vec(
                (proptest::option::of(0u8..4), proptest::option::of(0i64..6),
                 0u8..4, proptest::option::of(0usize..40)),
                0..40,
            ),
        ) {
            let statuses = ["SUCCEEDED", "FAILED", "FAULT", "STOPPED"];
            let bs: Vec<B> = builds
                .iter()
                .enumerate()
                .map(|(i, &(project, start, status, next))| {
                    let name = format!("p{}", project.unwrap_or(0));
                    let mut x = b(&format!("b{i:02}"), &name, statuses[status as usize], start.unwrap_or(0), Some(100));
                    if project.is_none() {
                        x = x.no_project();
                    }
                    if start.is_none() {
                        x = x.no_start();
                    }
                    match next {
                        Some(n) if n > i && n < builds.len() => x.next(&format!("b{n:02}")),
                        _ => x,
                    }
                })
                .collect();
            let f = frames(&bs);
            let df = retry_chains(&f, &Filters::default()).unwrap();
            let sorted = df.sort([PROJECT, START, "chainId"], sort_opts()).unwrap();
            proptest::prop_assert!(df.equals_missing(&sorted), "{df}\n{sorted}");
            let by_id = |id: &str, c: &str| -> Option<String> {
                let (project, _, status, _) = builds[id[1..].parse::<usize>().unwrap()];
                match c {
                    "project" => project.map(|p| format!("p{p}")),
                    _ => Some(statuses[status as usize].to_owned()),
                }
            };
            let members = members(&df);
            let ids = col_str(&df, "chainId");
            let (projects, roots, finals) = (strs(&df, PROJECT), strs(&df, "rootStatus"), strs(&df, "finalStatus"));
            for (row, m) in members.iter().enumerate() {
                proptest::prop_assert_eq!(&m[0], &ids[row]);
                proptest::prop_assert_eq!(by_id(&m[0], "project"), projects[row].clone());
                proptest::prop_assert_eq!(by_id(&m[0], "status"), roots[row].clone());
                proptest::prop_assert_eq!(by_id(m.last().unwrap(), "status"), finals[row].clone());
                // Chain order without retry numbers: start (nulls last), id.
                let mut in_order = m.clone();
                in_order.sort_by_key(|id| {
                    let start = builds[id[1..].parse::<usize>().unwrap()].1;
                    (start.is_none(), start, id.clone())
                });
                proptest::prop_assert_eq!(&in_order, m);
            }
            let mut all: Vec<String> = members.concat();
            all.sort();
            proptest::prop_assert_eq!(all.len(), bs.len());
            all.dedup();
            proptest::prop_assert_eq!(all.len(), bs.len());
        }
    }

    #[test]
    fn chains_of_length_1_to_4() {
        let f = frames(&[
            // length 1: a lone success
            r("p:solo", "SUCCEEDED", 0, 10),
            // length 2: F(0..100) -> S(110..160), both links
            r("p:a1", "FAILED", 100, 200).num(0, 3).next("p:a2"),
            r("p:a2", "SUCCEEDED", 210, 260).num(1, 3).prev("p:a1"),
            // length 3, given in scrambled row order, exhausted at limit 2
            r("p:c3", "FAULT", 520, 530).num(2, 2).prev("p:c2"),
            r("p:c1", "FAILED", 300, 400).num(0, 2).next("p:c2"),
            r("p:c2", "TIMED_OUT", 410, 510)
                .num(1, 2)
                .next("p:c3")
                .prev("p:c1"),
            // length 4: F F F S
            r("p:d1", "FAILED", 1000, 1010).num(0, 3).next("p:d2"),
            r("p:d2", "FAILED", 1020, 1040).num(1, 3).next("p:d3"),
            r("p:d3", "FAILED", 1050, 1080).num(2, 3).next("p:d4"),
            r("p:d4", "SUCCEEDED", 1090, 1200).num(3, 3),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        // sorted by root start: solo(0), a1(100), c1(300), d1(1000)
        assert_eq!(col_str(&df, "chainId"), ["p:solo", "p:a1", "p:c1", "p:d1"]);
        assert_eq!(i64s(&df, "length"), [Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(
            members(&df),
            vec![
                vec!["p:solo"],
                vec!["p:a1", "p:a2"],
                vec!["p:c1", "p:c2", "p:c3"],
                vec!["p:d1", "p:d2", "p:d3", "p:d4"],
            ]
        );
        assert_eq!(
            col_str(&df, "finalStatus"),
            ["SUCCEEDED", "SUCCEEDED", "FAULT", "SUCCEEDED"]
        );
        assert_eq!(col_b(&df, "recovered"), [false, true, false, true]);
        // c3: FAULT with number 2 == limit 2
        assert_eq!(col_b(&df, "exhausted"), [false, false, true, false]);
        // solo: nothing before final = 0; a: 100; c: 100 + 100 = 200;
        // d: 10 + 20 + 30 = 60
        assert_eq!(
            f64s(&df, "wastedSeconds"),
            [Some(0.0), Some(100.0), Some(200.0), Some(60.0)]
        );
        // a: 260 - 100 = 160; d: 1200 - 1000 = 200
        assert_eq!(
            f64s(&df, "timeToGreenSeconds"),
            [None, Some(160.0), None, Some(200.0)]
        );
        assert_eq!(col_b(&df, "incomplete"), [false; 4]);
        assert_eq!(col_b(&df, "cyclic"), [false; 4]);
        assert_eq!(col_b(&df, "conflicting"), [false; 4]);
        assert_eq!(
            col_t(&df, START),
            [Some(0), Some(100), Some(300), Some(1000)]
        );
    }

    #[test]
    fn one_sided_links() {
        let f = frames(&[
            // next only
            r("p:n1", "FAILED", 0, 10).num(0, 1).next("p:n2"),
            r("p:n2", "SUCCEEDED", 20, 30).num(1, 1),
            // previous only
            r("p:q1", "FAILED", 100, 110).num(0, 1),
            r("p:q2", "FAILED", 120, 150).num(1, 1).prev("p:q1"),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        assert_eq!(
            members(&df),
            vec![vec!["p:n1", "p:n2"], vec!["p:q1", "p:q2"]]
        );
        assert_eq!(col_b(&df, "recovered"), [true, false]);
        // q2: FAILED, number 1 == limit 1
        assert_eq!(col_b(&df, "exhausted"), [false, true]);
        assert_eq!(col_b(&df, "conflicting"), [false, false]);
    }

    #[test]
    fn missing_middle_member_splits_and_is_incomplete() {
        // m2 is not in the archive: m1 -> (m2) -> m3
        let f = frames(&[
            r("p:m1", "FAILED", 0, 10).num(0, 2).next("p:m2"),
            r("p:m3", "SUCCEEDED", 50, 60).num(2, 2).prev("p:m2"),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        assert_eq!(members(&df), vec![vec!["p:m1"], vec!["p:m3"]]);
        assert_eq!(col_b(&df, "incomplete"), [true, true]);
        // neither part alone is a recovery
        assert_eq!(col_b(&df, "recovered"), [false, false]);
        assert_eq!(col_str(&df, "rootStatus"), ["FAILED", "SUCCEEDED"]);
    }

    #[test]
    fn cycle_is_detected() {
        let f = frames(&[
            r("p:x", "FAILED", 0, 10).num(0, 3).next("p:y"),
            r("p:y", "FAILED", 20, 30).num(1, 3).next("p:z"),
            r("p:z", "SUCCEEDED", 40, 50).num(2, 3).next("p:x"),
            // self loop
            r("p:s", "FAILED", 100, 110).next("p:s"),
            r("p:ok", "FAILED", 200, 210),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        assert_eq!(col_str(&df, "chainId"), ["p:x", "p:s", "p:ok"]);
        assert_eq!(i64s(&df, "length"), [Some(3), Some(1), Some(1)]);
        assert_eq!(col_b(&df, "cyclic"), [true, true, false]);
        // x..z ordered by autoRetryNumber despite the cycle
        assert_eq!(members(&df)[0], ["p:x", "p:y", "p:z"]);
    }

    #[test]
    fn build_claimed_twice_is_conflicting() {
        let f = frames(&[
            // a and b both claim t as their next retry
            r("p:a", "FAILED", 0, 10).num(0, 1).next("p:t"),
            r("p:b", "FAILED", 5, 15).num(0, 1).next("p:t"),
            r("p:t", "SUCCEEDED", 20, 30).num(1, 1),
            // u's previous (v) disagrees with w's next (u)
            r("q:v", "FAILED", 100, 110).num(0, 1),
            r("q:w", "FAILED", 105, 115).num(0, 1).next("q:u"),
            r("q:u", "FAILED", 120, 130).num(1, 1).prev("q:v"),
            r("q:clean", "FAILED", 200, 210),
            // two builds both name r:a as their previous
            r("r:a", "FAILED", 300, 310).num(0, 1),
            r("r:b", "FAILED", 320, 330).num(1, 1).prev("r:a"),
            r("r:c", "SUCCEEDED", 340, 350).num(1, 1).prev("r:a"),
        ]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        assert_eq!(col_str(&df, "chainId"), ["p:a", "q:v", "q:clean", "r:a"]);
        // all claimants join the component, ordered by number, then start
        assert_eq!(
            members(&df),
            vec![
                vec!["p:a", "p:b", "p:t"],
                vec!["q:v", "q:w", "q:u"],
                vec!["q:clean"],
                vec!["r:a", "r:b", "r:c"],
            ]
        );
        assert_eq!(col_b(&df, "conflicting"), [true, true, false, true]);
        assert_eq!(col_b(&df, "cyclic"), [false; 4]);
    }

    #[test]
    fn filters_select_chains_by_root_links_use_whole_archive() {
        let f = frames(&[
            r("p:r1", "FAILED", 0, 10).num(0, 1).next("p:r2"),
            r("p:r2", "SUCCEEDED", 1000, 1010).num(1, 1),
            r("q:x", "FAILED", 2000, 2010),
        ]);
        // only r2 starts in [500, 1500): its chain's root r1 does not, so no chain
        let fl = Filters {
            since_micros: Some((T0 + 500) * 1_000_000),
            until_micros: Some((T0 + 1500) * 1_000_000),
            ..Filters::default()
        };
        assert_eq!(retry_chains(&f, &fl).unwrap().height(), 0);
        // r1 passes: the whole chain, r2 included, is kept and links resolve
        let fl = Filters {
            until_micros: Some((T0 + 500) * 1_000_000),
            ..Filters::default()
        };
        let df = retry_chains(&f, &fl).unwrap();
        assert_eq!(members(&df), vec![vec!["p:r1", "p:r2"]]);
        assert_eq!(col_b(&df, "incomplete"), [false]);
        let fl = Filters {
            projects: Some(vec!["q".into()]),
            ..Filters::default()
        };
        assert_eq!(col_str(&retry_chains(&f, &fl).unwrap(), "chainId"), ["q:x"]);
    }

    #[test]
    fn summary_per_project() {
        let f = frames(&[
            // p: recovered chain (wasted 10), exhausted chain (wasted 10 + 20),
            // lone failure (limit 0: exhausted), lone success
            r("p:a1", "FAILED", 0, 10).num(0, 1).next("p:a2"),
            r("p:a2", "SUCCEEDED", 20, 40).num(1, 1),
            r("p:b1", "FAILED", 100, 110).num(0, 2).next("p:b2"),
            r("p:b2", "FAILED", 120, 140).num(1, 2).next("p:b3"),
            r("p:b3", "FAILED", 150, 160).num(2, 2),
            r("p:c", "FAILED", 200, 210).num(0, 0),
            r("p:d", "SUCCEEDED", 300, 310),
            // q: only a success
            r("q:e", "SUCCEEDED", 0, 60),
        ]);
        let df = retry_summary(&f, &Filters::default()).unwrap();
        assert_eq!(
            names(&df),
            [
                "projectName",
                "chains",
                "chainsWithRetries",
                "rootFailures",
                "retryRate",
                "recovered",
                "recoveryRate",
                "exhausted",
                "minutesWasted"
            ]
        );
        assert_eq!(col_str(&df, PROJECT), ["p", "q"]);
        assert_eq!(i64s(&df, "chains"), [Some(4), Some(1)]);
        assert_eq!(i64s(&df, "chainsWithRetries"), [Some(2), Some(0)]);
        // p roots: a1 F, b1 F, c F, d S -> 3
        assert_eq!(i64s(&df, "rootFailures"), [Some(3), Some(0)]);
        // 2 / 3; q: 0 root failures -> null
        assert_eq!(f64s(&df, "retryRate"), [Some(2.0 / 3.0), None]);
        assert_eq!(i64s(&df, "recovered"), [Some(1), Some(0)]);
        // 1 / 2; q: no chains with retries -> null
        assert_eq!(f64s(&df, "recoveryRate"), [Some(0.5), None]);
        // b3 (2 == 2) and c (0 == 0)
        assert_eq!(i64s(&df, "exhausted"), [Some(2), Some(0)]);
        // (10 + 30) / 60
        assert_eq!(f64s(&df, "minutesWasted"), [Some(40.0 / 60.0), Some(0.0)]);
    }

    #[test]
    fn empty_frames_give_empty_results() {
        let f = frames(&[]);
        let df = retry_chains(&f, &Filters::default()).unwrap();
        assert_eq!(df.height(), 0);
        assert_eq!(
            names(&df),
            [
                "chainId",
                "projectName",
                "startTime",
                "length",
                "memberIds",
                "rootStatus",
                "finalStatus",
                "recovered",
                "exhausted",
                "wastedSeconds",
                "timeToGreenSeconds",
                "incomplete",
                "cyclic",
                "conflicting"
            ]
        );
        assert_eq!(
            df.column("memberIds").unwrap().dtype(),
            &DataType::List(Box::new(DataType::String))
        );
        assert_eq!(df.column(START).unwrap().dtype(), &time_dtype());
        let s = retry_summary(&f, &Filters::default()).unwrap();
        assert_eq!(s.shape(), (0, 9));
        assert_eq!(s.column("retryRate").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn long_chain_does_not_recurse() {
        // 100_000 links: union-find and Kahn are iterative
        let n = 100_000;
        let rows: Vec<B> = (0..n)
            .map(|i| {
                let mut r = r(&format!("p:{i}"), "FAILED", i, i + 1).num(i, n);
                if i + 1 < n {
                    r = r.next(&format!("p:{}", i + 1));
                }
                r
            })
            .collect();
        let df = retry_chains(&frames(&rows), &Filters::default()).unwrap();
        assert_eq!(i64s(&df, "length"), [Some(n)]);
    }
}
