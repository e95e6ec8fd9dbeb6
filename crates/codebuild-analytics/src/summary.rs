//! The report summary: the few numbers and top lists that answer where build
//! time goes, what fails and why, whether auto-retries rescue builds, which
//! commits are flaky, how long projects stay red and how loaded the fleet is.
//!
//! [`Summary`] is data (serializable, with a JSON Schema): `cbstats report`
//! renders it as a table, Markdown, JSON or HTML, and other tools can reuse
//! it. Every number comes from an analysis of [`crate::analysis`], so it
//! follows `ANALYTICS.md`; the summary only selects, ranks and cuts.
//!
//! Lists are [`TopList`]s: the first `top` rows in a documented order and
//! the number of rows there are in all, so a reader knows what was left out.

use polars::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use time::OffsetDateTime;

use crate::analysis::{GroupKey, capacity, failures, flaky, outcomes, recovery, retry, timing};
use crate::frames::col_names::*;
use crate::{Filters, Frames, LoadReport};

/// The version of the report's JSON layout (`schemaVersion`); raised when a
/// member is removed or changes meaning.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// How many rows each list keeps when nothing else is asked.
pub const DEFAULT_TOP: usize = 10;

/// Everything the report's summary shows.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Builds, projects, window, success rate, build time and the load accounting.
    pub headline: Headline,
    /// Where build time goes.
    pub time: TimeSummary,
    /// What fails, where and why.
    pub failures: FailureSummary,
    /// Whether auto-retries rescue builds or waste minutes.
    pub retries: RetryOverview,
    /// Flaky commits and manual rebuilds.
    pub flaky: FlakyOverview,
    /// How long projects stay red.
    pub recovery: RecoveryOverview,
    /// Peak concurrency and build minutes by compute type.
    pub capacity: CapacityOverview,
    /// Estimated cost, when a price table was given ([`Summary::with_cost`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::analysis::cost::CostSummary>,
    /// Recent change points, when computed ([`Summary::with_changes`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangesOverview>,
}

/// How many days before the latest build start a change counts as recent.
pub const RECENT_CHANGE_DAYS: u64 = 28;

/// The most important recent change points
/// ([`changes`](crate::analysis::changes::changes)).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangesOverview {
    /// Changes found, recent or not.
    pub total: u64,
    /// Days before the latest build start that count as recent.
    pub recent_days: u64,
    /// The changes of those days, by |impact| (largest first, then latest first).
    pub recent: TopList<crate::analysis::changes::Change>,
}

/// The first rows of a ranked list and how many rows it has in all.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TopList<T> {
    /// The first rows, in the list's documented order.
    pub rows: Vec<T>,
    /// How many rows the whole list has (`rows` included).
    pub total: u64,
}

impl<T> TopList<T> {
    fn cut(mut rows: Vec<T>, top: Option<usize>) -> Self {
        let total = rows.len() as u64;
        if let Some(n) = top {
            rows.truncate(n);
        }
        TopList { rows, total }
    }

    /// Rows left out of `rows`.
    pub fn more(&self) -> u64 {
        self.total - self.rows.len() as u64
    }
}

/// The headline figures.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Headline {
    /// Builds that pass the filters.
    pub builds: u64,
    /// Distinct non-null `projectName`s among them.
    pub projects: u64,
    /// Earliest `startTime` (RFC 3339, UTC); null without builds with one.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub first_start: Option<OffsetDateTime>,
    /// Latest `startTime`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub last_start: Option<OffsetDateTime>,
    /// Builds with a completed status (SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED).
    pub completed: u64,
    /// SUCCEEDED builds.
    pub succeeded: u64,
    /// Failure builds (FAILED, FAULT, TIMED_OUT).
    pub failures: u64,
    /// SUCCEEDED / (completed - STOPPED) (a fraction); null when that is 0.
    pub success_rate: Option<f64>,
    /// Sum of build durations in minutes (unrounded).
    pub build_minutes: f64,
    /// Median build duration of completed builds, seconds.
    pub duration_p50: Option<f64>,
    /// 95th percentile of the same, seconds.
    pub duration_p95: Option<f64>,
    /// What was read, kept and dropped (the whole archive, before filters).
    pub load: LoadAccounting,
}

/// The load accounting: `buildsRead = buildsKept + duplicatesDropped + recordsRejected`.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadAccounting {
    /// Files read.
    pub files_read: u64,
    /// Files skipped (not JSON by name).
    pub files_skipped: u64,
    /// Files rejected (unreadable, or a syntax error).
    pub files_rejected: u64,
    /// Bytes read (decompressed).
    pub bytes_read: u64,
    /// Response objects read.
    pub responses: u64,
    /// Build records read.
    pub builds_read: u64,
    /// Builds kept (one per id).
    pub builds_kept: u64,
    /// Duplicate records dropped.
    pub duplicates_dropped: u64,
    /// Bad records skipped (with `keep_going`).
    pub records_rejected: u64,
    /// Ids listed in `buildsNotFound`.
    pub builds_not_found: u64,
    /// Whether `buildsRead = buildsKept + duplicatesDropped + recordsRejected`.
    pub balances: bool,
    /// The skipped and rejected files, with why (the first ones).
    pub problem_files: TopList<ProblemFile>,
}

/// A file that was skipped or rejected.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProblemFile {
    /// The path (lossy when not UTF-8).
    pub path: String,
    /// `skipped` or `rejected`.
    pub what: String,
    /// Why, in full.
    pub reason: String,
}

/// Where build time goes.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeSummary {
    /// Each phase's share of build time over all projects
    /// ([`timing::phase_timing`] keyed by phase), in API phase order; phases
    /// without any duration (COMPLETED) are left out.
    pub phase_share: Vec<PhaseShare>,
    /// Projects by build minutes, most first (then by name).
    pub top_projects: TopList<ProjectTime>,
    /// (project, phase) pairs by p95 phase duration, slowest first (then
    /// project, phase); pairs without durations left out.
    pub slowest_phases: TopList<SlowPhase>,
}

/// One phase's share of build time.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhaseShare {
    /// `phaseType` (null for phases without one).
    pub phase: Option<String>,
    /// Sum of the phase's durations, seconds.
    pub total_seconds: f64,
    /// `totalSeconds` / build time of the builds that have the phase (a fraction).
    pub share: Option<f64>,
}

/// A project's build time.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectTime {
    /// `projectName` (null for builds without one).
    pub project: Option<String>,
    /// Builds.
    pub builds: u64,
    /// Sum of build durations, minutes.
    pub build_minutes: f64,
    /// Median build duration of completed builds, seconds.
    pub duration_p50: Option<f64>,
    /// 95th percentile of the same, seconds.
    pub duration_p95: Option<f64>,
    /// Overhead (SUBMITTED + QUEUED + PROVISIONING) / (overhead + execution), a fraction.
    pub overhead_share: Option<f64>,
}

/// A slow (project, phase) pair.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlowPhase {
    /// `projectName`.
    pub project: Option<String>,
    /// `phaseType`.
    pub phase: Option<String>,
    /// Phases with a duration.
    pub count: u64,
    /// Median duration, seconds.
    pub p50: Option<f64>,
    /// 95th percentile, seconds.
    pub p95: Option<f64>,
    /// Sum of durations, seconds.
    pub total_seconds: f64,
}

/// What fails.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureSummary {
    /// Failure builds (FAILED, FAULT, TIMED_OUT).
    pub failures: u64,
    /// Failure builds by failed phase, in API phase order (null phase last).
    pub by_phase: Vec<FailedPhase>,
    /// Failure reasons by count, most first.
    pub top_reasons: TopList<FailureReason>,
    /// Failure rate by `environment.computeType`, most failures first.
    pub by_compute_type: TopList<FailureRate>,
    /// Failure rate by `environment.image`, most failures first.
    pub by_image: TopList<FailureRate>,
}

/// Failure builds of one failed phase.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailedPhase {
    /// `failedPhase` (null: failure builds without a failed phase).
    pub phase: Option<String>,
    /// Failure builds.
    pub count: u64,
    /// Of all failure builds (a fraction).
    pub share: Option<f64>,
}

/// One failure reason ([`failures::top_failure_reasons`]).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureReason {
    /// `failureStatusCode` (null when absent or empty).
    pub status_code: Option<String>,
    /// The normalized message, in full.
    pub message: Option<String>,
    /// Failure builds with this reason.
    pub count: u64,
    /// Of all failure builds (a fraction).
    pub share: Option<f64>,
    /// Earliest `startTime`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub first_seen: Option<OffsetDateTime>,
    /// Latest `startTime`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub last_seen: Option<OffsetDateTime>,
    /// The latest build with this reason.
    pub example_build_id: Option<String>,
}

/// Failure rate of one value of a build attribute.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureRate {
    /// The value (null: builds without one).
    pub value: Option<String>,
    /// Builds.
    pub builds: u64,
    /// Failure builds.
    pub failures: u64,
    /// failures / (completed - STOPPED), a fraction.
    pub failure_rate: Option<f64>,
}

/// Auto-retries ([`retry::retry_summary`]), all projects and per project.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryOverview {
    /// The totals over every project.
    pub total: RetryRow,
    /// Projects with retried chains, by minutes wasted, most first (then
    /// chains retried, then name).
    pub top_projects: TopList<RetryRow>,
}

/// Retry counts of one project (or of all, `project` null).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryRow {
    /// `projectName`; null on the total.
    pub project: Option<String>,
    /// Chains (length 1 included).
    pub chains: u64,
    /// Chains with at least one retry.
    pub chains_with_retries: u64,
    /// Chains whose root failed.
    pub root_failures: u64,
    /// Chains retried from a failure to SUCCEEDED.
    pub recovered: u64,
    /// recovered / chainsWithRetries, a fraction.
    pub recovery_rate: Option<f64>,
    /// Chains whose final build failed with the retry limit reached.
    pub exhausted: u64,
    /// Minutes of the builds before each chain's final one.
    pub minutes_wasted: f64,
}

/// Flaky commits and manual rebuilds, all projects and per project.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlakyOverview {
    /// The totals over every project.
    pub total: FlakyRow,
    /// Projects with flaky commits or manual rebuilds, by flaky commits +
    /// rebuilds, most first (then name).
    pub top_projects: TopList<FlakyRow>,
    /// Flaky commits with the most builds (then latest seen first).
    pub examples: TopList<FlakyCommit>,
}

/// Flaky-commit and manual-rebuild counts of one project (or of all).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlakyRow {
    /// `projectName`; null on the total.
    pub project: Option<String>,
    /// Distinct `resolvedSourceVersion`s built.
    pub commits: u64,
    /// Commits with a SUCCEEDED and a failure build.
    pub flaky_commits: u64,
    /// flakyCommits / commits, a fraction.
    pub flaky_rate: Option<f64>,
    /// Manual rebuilds.
    pub rebuilds: u64,
    /// Rebuilds after a failure.
    pub after_failure: u64,
    /// Rebuilds after a failure that succeeded.
    pub rescued: u64,
}

/// One flaky commit.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlakyCommit {
    /// `projectName`.
    pub project: Option<String>,
    /// `resolvedSourceVersion`.
    pub commit: Option<String>,
    /// Builds of the commit.
    pub builds: u64,
    /// SUCCEEDED builds.
    pub succeeded: u64,
    /// Failure builds.
    pub failures: u64,
    /// Latest `startTime`.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub last_seen: Option<OffsetDateTime>,
}

/// Recovery ([`recovery::recovery_summary`]).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryOverview {
    /// Projects with red periods, by red time, longest first (then name).
    pub top_projects: TopList<RecoveryRow>,
}

/// Recovery of one project.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryRow {
    /// `projectName`.
    pub project: Option<String>,
    /// Red periods (open ones included).
    pub red_periods: u64,
    /// Red periods still open at the end of the data.
    pub open_red_periods: u64,
    /// Mean length of the closed red periods, seconds.
    pub mttr_seconds: Option<f64>,
    /// Total red time, seconds.
    pub red_seconds: Option<f64>,
    /// Red time / time span of the project's builds, a fraction.
    pub red_share: Option<f64>,
}

/// Capacity.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CapacityOverview {
    /// Most builds running at once, over all projects.
    pub peak_concurrency: u64,
    /// The first instant it was reached.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schemars(with = "Option<String>", extend("format" = "date-time"))]
    pub peak_at: Option<OffsetDateTime>,
    /// Build minutes by compute type, most first (then by name).
    pub by_compute_type: TopList<ComputeMinutes>,
}

/// Build minutes of one compute type ([`capacity::build_minutes`]).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComputeMinutes {
    /// `environment.computeType`.
    pub compute_type: Option<String>,
    /// Builds.
    pub builds: u64,
    /// All build minutes.
    pub total_minutes: f64,
    /// Minutes of SUCCEEDED builds.
    pub succeeded_minutes: f64,
    /// Minutes of failure builds.
    pub failed_minutes: f64,
    /// Minutes of auto-retry builds.
    pub retried_minutes: f64,
}

/// The analysis frames a summary is made of, when the caller has them
/// already (a report that also prints them computes them once). Each is the
/// frame of the analysis named, over the same frames and filters.
#[derive(Debug, Clone, Default)]
pub struct SummaryParts {
    /// [`outcomes::outcomes`] without a bucket.
    pub outcomes: Option<DataFrame>,
    /// [`timing::phase_timing`] with [`timing::DEFAULT_TIMING_KEYS`].
    pub phase_timing: Option<DataFrame>,
    /// [`timing::overhead_split`] by project.
    pub overhead_split: Option<DataFrame>,
    /// [`failures::failures_by_phase`].
    pub failures_by_phase: Option<DataFrame>,
    /// [`failures::top_failure_reasons`] with every row (no limit).
    pub top_failure_reasons: Option<DataFrame>,
    /// [`failures::failure_rates`] by compute type.
    pub failure_rates_by_compute_type: Option<DataFrame>,
    /// [`failures::failure_rates`] by image.
    pub failure_rates_by_image: Option<DataFrame>,
    /// [`retry::retry_summary`].
    pub retry_summary: Option<DataFrame>,
    /// [`flaky::flaky_rate`].
    pub flaky_rate: Option<DataFrame>,
    /// [`flaky::flaky_commits`].
    pub flaky_commits: Option<DataFrame>,
    /// [`flaky::manual_rebuild_summary`].
    pub manual_rebuild_summary: Option<DataFrame>,
    /// [`recovery::recovery_summary`].
    pub recovery_summary: Option<DataFrame>,
    /// [`capacity::peak_concurrency`].
    pub peak_concurrency: Option<DataFrame>,
    /// [`capacity::build_minutes`].
    pub build_minutes: Option<DataFrame>,
}

impl Summary {
    /// Computes the summary of the builds passing `filters`, each list cut
    /// to `top` rows (`None`: every row).
    pub fn compute(
        frames: &Frames,
        filters: &Filters,
        report: &LoadReport,
        top: Option<usize>,
    ) -> PolarsResult<Summary> {
        Self::from_parts(frames, filters, report, SummaryParts::default(), top)
    }

    /// [`Summary::compute`] reusing the analysis frames in `parts`; the
    /// missing ones are computed (in parallel).
    pub fn from_parts(
        frames: &Frames,
        filters: &Filters,
        report: &LoadReport,
        parts: SummaryParts,
        top: Option<usize>,
    ) -> PolarsResult<Summary> {
        let parts = fill(frames, filters, parts)?;
        let get = |f: &Option<DataFrame>| f.clone().expect("filled");
        let outcomes = get(&parts.outcomes);
        let (phase_share, project_minutes, window) = {
            let (a, (b, c)) = rayon::join(
                // Totals and shares only: the percentiles by phase alone
                // are not shown, so each phase's durations need no sort.
                || timing::phase_totals(frames, filters, &[GroupKey::Phase]),
                || {
                    rayon::join(
                        || project_minutes(frames, filters),
                        || window(frames, filters),
                    )
                },
            );
            (a?, b?, c?)
        };
        let headline = headline(&outcomes, get(&parts.build_minutes), window, report)?;
        Ok(Summary {
            headline,
            time: TimeSummary {
                phase_share: phase_shares(&phase_share)?,
                top_projects: top_projects(
                    &project_minutes,
                    &outcomes,
                    &get(&parts.overhead_split),
                    top,
                )?,
                slowest_phases: slowest_phases(&get(&parts.phase_timing), top)?,
            },
            failures: FailureSummary {
                failures: headline_failures(&outcomes)?,
                by_phase: failed_phases(&get(&parts.failures_by_phase))?,
                top_reasons: reasons(&get(&parts.top_failure_reasons), top)?,
                by_compute_type: rates(
                    &get(&parts.failure_rates_by_compute_type),
                    COMPUTE_TYPE,
                    top,
                )?,
                by_image: rates(&get(&parts.failure_rates_by_image), IMAGE, top)?,
            },
            retries: retries(&get(&parts.retry_summary), top)?,
            flaky: flaky_overview(
                &get(&parts.flaky_rate),
                &get(&parts.manual_rebuild_summary),
                &get(&parts.flaky_commits),
                top,
            )?,
            recovery: RecoveryOverview {
                top_projects: recovery_rows(&get(&parts.recovery_summary), top)?,
            },
            capacity: capacity_overview(
                &get(&parts.peak_concurrency),
                &get(&parts.build_minutes),
                top,
            )?,
            cost: None,
            changes: None,
        })
    }

    /// The summary with an estimated cost
    /// ([`cost_summary`](crate::analysis::cost::cost_summary) of the same
    /// frames and filters).
    pub fn with_cost(mut self, cost: crate::analysis::cost::CostSummary) -> Summary {
        self.cost = Some(cost);
        self
    }

    /// The summary with the recent changes of `changes` (computed over the
    /// same frames and filters): those of the last [`RECENT_CHANGE_DAYS`]
    /// days, cut to `top` rows.
    pub fn with_changes(
        mut self,
        changes: &crate::analysis::changes::Changes,
        top: Option<usize>,
    ) -> Summary {
        let recent = changes
            .recent(RECENT_CHANGE_DAYS as i64)
            .into_iter()
            .cloned()
            .collect();
        self.changes = Some(ChangesOverview {
            total: changes.changes.len() as u64,
            recent_days: RECENT_CHANGE_DAYS,
            recent: TopList::cut(recent, top),
        });
        self
    }
}

/// `parts` with every missing frame computed.
fn fill(frames: &Frames, filters: &Filters, mut p: SummaryParts) -> PolarsResult<SummaryParts> {
    type Job<'a> = (
        &'a mut Option<DataFrame>,
        Box<dyn Fn() -> PolarsResult<DataFrame> + Send + Sync + 'a>,
    );
    let chains_needed = p.retry_summary.is_none()
        || p.flaky_commits.is_none()
        || p.manual_rebuild_summary.is_none();
    let index = chains_needed
        .then(|| retry::ChainIndex::new(frames))
        .transpose()?;
    let index = index.as_ref();
    if p.flaky_commits.is_none() {
        p.flaky_commits = Some(flaky::flaky_commits_with(
            frames,
            filters,
            index.expect("index"),
        )?);
    }
    let flaky_commits = p.flaky_commits.clone().expect("set");
    let jobs: Vec<Job> = vec![
        (
            &mut p.outcomes,
            Box::new(|| outcomes::outcomes(frames, filters, None)),
        ),
        (
            &mut p.phase_timing,
            Box::new(|| timing::phase_timing(frames, filters, &timing::DEFAULT_TIMING_KEYS)),
        ),
        (
            &mut p.overhead_split,
            Box::new(|| timing::overhead_split(frames, filters, &[GroupKey::Project])),
        ),
        (
            &mut p.failures_by_phase,
            Box::new(|| failures::failures_by_phase(frames, filters)),
        ),
        (
            &mut p.top_failure_reasons,
            Box::new(|| failures::top_failure_reasons(frames, filters, usize::MAX)),
        ),
        (
            &mut p.failure_rates_by_compute_type,
            Box::new(|| failures::failure_rates(frames, filters, GroupKey::ComputeType)),
        ),
        (
            &mut p.failure_rates_by_image,
            Box::new(|| failures::failure_rates(frames, filters, GroupKey::Image)),
        ),
        (
            &mut p.retry_summary,
            Box::new(move || {
                retry::retry_summary_of(retry::retry_chains_with(
                    frames,
                    filters,
                    index.expect("index"),
                )?)
            }),
        ),
        (
            &mut p.flaky_rate,
            Box::new(move || flaky::flaky_rate_with(frames, filters, flaky_commits.clone())),
        ),
        (
            &mut p.manual_rebuild_summary,
            Box::new(move || {
                flaky::manual_rebuild_summary_of(flaky::manual_rebuilds_with(
                    frames,
                    filters,
                    index.expect("index"),
                )?)
            }),
        ),
        (
            &mut p.recovery_summary,
            Box::new(|| recovery::recovery_summary(frames, filters)),
        ),
        (
            &mut p.peak_concurrency,
            Box::new(|| capacity::peak_concurrency(frames, filters)),
        ),
        (
            &mut p.build_minutes,
            Box::new(|| capacity::build_minutes(frames, filters)),
        ),
    ];
    use rayon::prelude::*;
    jobs.into_par_iter()
        .filter(|(slot, _)| slot.is_none())
        .try_for_each(|(slot, job)| {
            *slot = Some(job()?);
            Ok::<_, PolarsError>(())
        })?;
    Ok(p)
}

// --- reading small frames ---------------------------------------------------

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

fn ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<u64>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?
        .iter()
        .map(|v| v.unwrap_or(0).max(0) as u64)
        .collect())
}

fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

fn instants(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<OffsetDateTime>>> {
    Ok(crate::analysis::retry::times(df, name)?
        .into_iter()
        .map(|v| v.and_then(instant))
        .collect())
}

fn instant(micros: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000).ok()
}

// --- the parts --------------------------------------------------------------

/// Earliest and latest `startTime` of the filtered builds.
type Window = (Option<OffsetDateTime>, Option<OffsetDateTime>);

fn window(frames: &Frames, filters: &Filters) -> PolarsResult<Window> {
    let df = filters
        .builds(&frames.builds)
        .select([
            col(START).min().alias("first"),
            col(START).max().alias("last"),
        ])
        .collect()?;
    let first = instants(&df, "first")?.first().copied().flatten();
    let last = instants(&df, "last")?.first().copied().flatten();
    Ok((first, last))
}

/// Builds and build minutes per project (null project a group of its own).
fn project_minutes(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    filters
        .builds(&frames.builds)
        .group_by([col(PROJECT)])
        .agg([
            len().cast(DataType::Int64).alias("builds"),
            // Summed exactly (as whole microseconds), as `build minutes` is:
            // the same archive gives the same bytes, whatever the row order.
            (crate::analysis::seconds_sum(col(DURATION)) / lit(60.0)).alias("minutes"),
        ])
        .collect()
}

/// The overall row of an outcomes frame.
fn overall_row(outcomes: &DataFrame) -> PolarsResult<Option<usize>> {
    Ok(strs(outcomes, PROJECT)?
        .iter()
        .position(|p| p.as_deref() == Some(outcomes::ALL_PROJECTS)))
}

fn headline_failures(outcomes: &DataFrame) -> PolarsResult<u64> {
    let Some(i) = overall_row(outcomes)? else {
        return Ok(0);
    };
    let mut n = 0;
    for s in crate::analysis::FAILURE_STATUSES {
        n += ints(outcomes, s)?[i];
    }
    Ok(n)
}

fn headline(
    outcomes: &DataFrame,
    build_minutes: DataFrame,
    (first_start, last_start): Window,
    r: &LoadReport,
) -> PolarsResult<Headline> {
    let row = overall_row(outcomes)?;
    let int = |name: &str| -> PolarsResult<u64> {
        Ok(row
            .map(|i| ints(outcomes, name).map(|v| v[i]))
            .transpose()?
            .unwrap_or(0))
    };
    let float = |name: &str| -> PolarsResult<Option<f64>> {
        Ok(row
            .map(|i| floats(outcomes, name).map(|v| v[i]))
            .transpose()?
            .flatten())
    };
    let projects = strs(outcomes, PROJECT)?
        .iter()
        .filter(|p| p.is_some() && p.as_deref() != Some(outcomes::ALL_PROJECTS))
        .count() as u64;
    let minutes: f64 = floats(&build_minutes, "totalMinutes")?
        .into_iter()
        .flatten()
        .sum();
    let mut problems: Vec<ProblemFile> = r
        .files_skipped
        .iter()
        .map(|s| ProblemFile {
            path: s.path.to_string_lossy().into_owned(),
            what: "skipped".into(),
            reason: s.reason.clone(),
        })
        .collect();
    problems.extend(r.files_rejected.iter().map(|e| ProblemFile {
        path: e.file.to_string_lossy().into_owned(),
        what: "rejected".into(),
        reason: e.to_string(),
    }));
    Ok(Headline {
        builds: int("builds")?,
        projects,
        first_start,
        last_start,
        completed: int("completed")?,
        succeeded: int("SUCCEEDED")?,
        failures: headline_failures(outcomes)?,
        success_rate: float("successRate")?,
        build_minutes: minutes,
        duration_p50: float("durationP50")?,
        duration_p95: float("durationP95")?,
        load: LoadAccounting {
            files_read: r.files_read as u64,
            files_skipped: r.files_skipped.len() as u64,
            files_rejected: r.files_rejected.len() as u64,
            bytes_read: r.bytes_read,
            responses: r.responses as u64,
            builds_read: r.builds_read as u64,
            builds_kept: r.builds_kept as u64,
            duplicates_dropped: r.duplicates_dropped as u64,
            records_rejected: r.records_rejected.len() as u64,
            builds_not_found: r.builds_not_found.len() as u64,
            balances: r.balances(),
            problem_files: TopList::cut(problems, Some(DEFAULT_TOP)),
        },
    })
}

fn phase_shares(df: &DataFrame) -> PolarsResult<Vec<PhaseShare>> {
    let phase = strs(df, PHASE_TYPE)?;
    let count = ints(df, "count")?;
    let total = floats(df, "totalSeconds")?;
    let share = floats(df, "share")?;
    Ok((0..df.height())
        .filter(|&i| count[i] > 0)
        .map(|i| PhaseShare {
            phase: phase[i].clone(),
            total_seconds: total[i].unwrap_or(0.0),
            share: share[i],
        })
        .collect())
}

/// Sorts by `key` descending (NaN-free keys), then by the name ascending
/// (nulls last), keeping a total order.
fn rank<T>(rows: &mut [T], key: impl Fn(&T) -> (f64, f64), name: impl Fn(&T) -> Option<&str>) {
    rows.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then_with(|| match (name(a), name(b)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
    });
}

fn top_projects(
    minutes: &DataFrame,
    outcomes: &DataFrame,
    overhead: &DataFrame,
    top: Option<usize>,
) -> PolarsResult<TopList<ProjectTime>> {
    let lookup = |df: &DataFrame,
                  cols: &[&str]|
     -> PolarsResult<std::collections::HashMap<Option<String>, Vec<Option<f64>>>> {
        let names = strs(df, PROJECT)?;
        let values: Vec<Vec<Option<f64>>> = cols
            .iter()
            .map(|c| floats(df, c))
            .collect::<PolarsResult<_>>()?;
        Ok(names
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, values.iter().map(|v| v[i]).collect()))
            .collect())
    };
    let durations = lookup(outcomes, &["durationP50", "durationP95"])?;
    let overhead = lookup(overhead, &["overheadShare"])?;
    let names = strs(minutes, PROJECT)?;
    let builds = ints(minutes, "builds")?;
    let mins = floats(minutes, "minutes")?;
    let mut rows: Vec<ProjectTime> = names
        .into_iter()
        .enumerate()
        .map(|(i, project)| {
            let d = durations.get(&project);
            ProjectTime {
                builds: builds[i],
                build_minutes: mins[i].unwrap_or(0.0),
                duration_p50: d.and_then(|v| v[0]),
                duration_p95: d.and_then(|v| v[1]),
                overhead_share: overhead.get(&project).and_then(|v| v[0]),
                project,
            }
        })
        .collect();
    rank(
        &mut rows,
        |r| (r.build_minutes, r.builds as f64),
        |r| r.project.as_deref(),
    );
    Ok(TopList::cut(rows, top))
}

fn slowest_phases(df: &DataFrame, top: Option<usize>) -> PolarsResult<TopList<SlowPhase>> {
    let project = strs(df, PROJECT)?;
    let phase = strs(df, PHASE_TYPE)?;
    let count = ints(df, "count")?;
    let p50 = floats(df, "p50")?;
    let p95 = floats(df, "p95")?;
    let total = floats(df, "totalSeconds")?;
    let mut rows: Vec<SlowPhase> = (0..df.height())
        .filter(|&i| p95[i].is_some())
        .map(|i| SlowPhase {
            project: project[i].clone(),
            phase: phase[i].clone(),
            count: count[i],
            p50: p50[i],
            p95: p95[i],
            total_seconds: total[i].unwrap_or(0.0),
        })
        .collect();
    // Ties: project, then phase in the frame's (API) order, which a stable sort keeps.
    rows.sort_by(|a, b| {
        b.p95
            .unwrap_or(0.0)
            .total_cmp(&a.p95.unwrap_or(0.0))
            .then_with(|| a.project.cmp(&b.project))
    });
    Ok(TopList::cut(rows, top))
}

fn failed_phases(df: &DataFrame) -> PolarsResult<Vec<FailedPhase>> {
    let phase = strs(df, FAILED_PHASE)?;
    let count = ints(df, "count")?;
    let share = floats(df, "share")?;
    Ok((0..df.height())
        .map(|i| FailedPhase {
            phase: phase[i].clone(),
            count: count[i],
            share: share[i],
        })
        .collect())
}

fn reasons(df: &DataFrame, top: Option<usize>) -> PolarsResult<TopList<FailureReason>> {
    let code = strs(df, FAILURE_STATUS_CODE)?;
    let message = strs(df, failures::NORMALIZED_MESSAGE)?;
    let count = ints(df, "count")?;
    let share = floats(df, "share")?;
    let first = instants(df, "firstSeen")?;
    let last = instants(df, "lastSeen")?;
    let example = strs(df, "exampleBuildId")?;
    // The frame is already in rank order (count, then code, then message).
    let rows = (0..df.height())
        .map(|i| FailureReason {
            status_code: code[i].clone(),
            message: message[i].clone(),
            count: count[i],
            share: share[i],
            first_seen: first[i],
            last_seen: last[i],
            example_build_id: example[i].clone(),
        })
        .collect();
    Ok(TopList::cut(rows, top))
}

fn rates(df: &DataFrame, key: &str, top: Option<usize>) -> PolarsResult<TopList<FailureRate>> {
    let value = strs(df, key)?;
    let builds = ints(df, "builds")?;
    let failures = ints(df, "failures")?;
    let rate = floats(df, "failureRate")?;
    let mut rows: Vec<FailureRate> = (0..df.height())
        .map(|i| FailureRate {
            value: value[i].clone(),
            builds: builds[i],
            failures: failures[i],
            failure_rate: rate[i],
        })
        .collect();
    rank(
        &mut rows,
        |r| (r.failures as f64, r.failure_rate.unwrap_or(0.0)),
        |r| r.value.as_deref(),
    );
    Ok(TopList::cut(rows, top))
}

fn retries(df: &DataFrame, top: Option<usize>) -> PolarsResult<RetryOverview> {
    let project = strs(df, PROJECT)?;
    let chains = ints(df, "chains")?;
    let with = ints(df, "chainsWithRetries")?;
    let roots = ints(df, "rootFailures")?;
    let recovered = ints(df, "recovered")?;
    let rate = floats(df, "recoveryRate")?;
    let exhausted = ints(df, "exhausted")?;
    let wasted = floats(df, "minutesWasted")?;
    let all: Vec<RetryRow> = (0..df.height())
        .map(|i| RetryRow {
            project: project[i].clone(),
            chains: chains[i],
            chains_with_retries: with[i],
            root_failures: roots[i],
            recovered: recovered[i],
            recovery_rate: rate[i],
            exhausted: exhausted[i],
            minutes_wasted: wasted[i].unwrap_or(0.0),
        })
        .collect();
    let sum = |f: fn(&RetryRow) -> u64| all.iter().map(f).sum::<u64>();
    let (with_total, recovered_total) = (sum(|r| r.chains_with_retries), sum(|r| r.recovered));
    let total = RetryRow {
        project: None,
        chains: sum(|r| r.chains),
        chains_with_retries: with_total,
        root_failures: sum(|r| r.root_failures),
        recovered: recovered_total,
        recovery_rate: (with_total > 0).then(|| recovered_total as f64 / with_total as f64),
        exhausted: sum(|r| r.exhausted),
        minutes_wasted: all.iter().map(|r| r.minutes_wasted).sum(),
    };
    let mut rows: Vec<RetryRow> = all
        .into_iter()
        .filter(|r| r.chains_with_retries > 0 || r.exhausted > 0)
        .collect();
    rank(
        &mut rows,
        |r| (r.minutes_wasted, r.chains_with_retries as f64),
        |r| r.project.as_deref(),
    );
    Ok(RetryOverview {
        total,
        top_projects: TopList::cut(rows, top),
    })
}

fn flaky_overview(
    rate: &DataFrame,
    rebuilds: &DataFrame,
    commits: &DataFrame,
    top: Option<usize>,
) -> PolarsResult<FlakyOverview> {
    use std::collections::BTreeMap;
    let mut by: BTreeMap<Option<String>, FlakyRow> = BTreeMap::new();
    let blank = |project: Option<String>| FlakyRow {
        project,
        commits: 0,
        flaky_commits: 0,
        flaky_rate: None,
        rebuilds: 0,
        after_failure: 0,
        rescued: 0,
    };
    {
        let project = strs(rate, PROJECT)?;
        let n = ints(rate, "commits")?;
        let f = ints(rate, "flakyCommits")?;
        let r = floats(rate, "flakyRate")?;
        for i in 0..rate.height() {
            let row = by
                .entry(project[i].clone())
                .or_insert_with(|| blank(project[i].clone()));
            row.commits = n[i];
            row.flaky_commits = f[i];
            row.flaky_rate = r[i];
        }
    }
    {
        let project = strs(rebuilds, PROJECT)?;
        let n = ints(rebuilds, "rebuilds")?;
        let a = ints(rebuilds, "afterFailure")?;
        let s = ints(rebuilds, "rescued")?;
        for i in 0..rebuilds.height() {
            let row = by
                .entry(project[i].clone())
                .or_insert_with(|| blank(project[i].clone()));
            row.rebuilds = n[i];
            row.after_failure = a[i];
            row.rescued = s[i];
        }
    }
    let all: Vec<FlakyRow> = by.into_values().collect();
    let sum = |f: fn(&FlakyRow) -> u64| all.iter().map(f).sum::<u64>();
    let (c, fc) = (sum(|r| r.commits), sum(|r| r.flaky_commits));
    let total = FlakyRow {
        project: None,
        commits: c,
        flaky_commits: fc,
        flaky_rate: (c > 0).then(|| fc as f64 / c as f64),
        rebuilds: sum(|r| r.rebuilds),
        after_failure: sum(|r| r.after_failure),
        rescued: sum(|r| r.rescued),
    };
    let mut rows: Vec<FlakyRow> = all
        .into_iter()
        .filter(|r| r.flaky_commits + r.rebuilds > 0)
        .collect();
    rank(
        &mut rows,
        |r| {
            (
                (r.flaky_commits + r.rebuilds) as f64,
                r.flaky_commits as f64,
            )
        },
        |r| r.project.as_deref(),
    );
    let project = strs(commits, PROJECT)?;
    let commit = strs(commits, RESOLVED_SOURCE_VERSION)?;
    let builds = ints(commits, "builds")?;
    let succeeded = ints(commits, "succeeded")?;
    let failed = ints(commits, "failed")?;
    let fault = ints(commits, "fault")?;
    let timed_out = ints(commits, "timedOut")?;
    let last = instants(commits, "lastSeen")?;
    let mut examples: Vec<FlakyCommit> = (0..commits.height())
        .map(|i| FlakyCommit {
            project: project[i].clone(),
            commit: commit[i].clone(),
            builds: builds[i],
            succeeded: succeeded[i],
            failures: failed[i] + fault[i] + timed_out[i],
            last_seen: last[i],
        })
        .collect();
    // Most builds first, then the latest seen; the frame's (project,
    // commit) order breaks the remaining ties (stable sort).
    examples.sort_by(|a, b| b.builds.cmp(&a.builds).then(b.last_seen.cmp(&a.last_seen)));
    Ok(FlakyOverview {
        total,
        top_projects: TopList::cut(rows, top),
        examples: TopList::cut(examples, top.map(|n| n.min(3))),
    })
}

fn recovery_rows(df: &DataFrame, top: Option<usize>) -> PolarsResult<TopList<RecoveryRow>> {
    let project = strs(df, PROJECT)?;
    let periods = ints(df, "redPeriods")?;
    let open = ints(df, "openRedPeriods")?;
    let mttr = floats(df, "mttrSeconds")?;
    let red = floats(df, "redSeconds")?;
    let share = floats(df, "redShare")?;
    let mut rows: Vec<RecoveryRow> = (0..df.height())
        .filter(|&i| periods[i] > 0)
        .map(|i| RecoveryRow {
            project: project[i].clone(),
            red_periods: periods[i],
            open_red_periods: open[i],
            mttr_seconds: mttr[i],
            red_seconds: red[i],
            red_share: share[i],
        })
        .collect();
    rank(
        &mut rows,
        |r| {
            (
                r.red_seconds.unwrap_or(f64::NEG_INFINITY),
                r.red_periods as f64,
            )
        },
        |r| r.project.as_deref(),
    );
    Ok(TopList::cut(rows, top))
}

fn capacity_overview(
    peaks: &DataFrame,
    minutes: &DataFrame,
    top: Option<usize>,
) -> PolarsResult<CapacityOverview> {
    // The overall row is the one with a null project (sorted first).
    let project = strs(peaks, PROJECT)?;
    let peak = ints(peaks, "peakConcurrency")?;
    let at = instants(peaks, "peakAt")?;
    let overall = project.iter().position(Option::is_none);
    let compute = strs(minutes, COMPUTE_TYPE)?;
    let builds = ints(minutes, "builds")?;
    let f = |name| floats(minutes, name);
    let (total, ok, failed, retried) = (
        f("totalMinutes")?,
        f("succeededMinutes")?,
        f("failedMinutes")?,
        f("retriedMinutes")?,
    );
    let mut rows: Vec<ComputeMinutes> = (0..minutes.height())
        .map(|i| ComputeMinutes {
            compute_type: compute[i].clone(),
            builds: builds[i],
            total_minutes: total[i].unwrap_or(0.0),
            succeeded_minutes: ok[i].unwrap_or(0.0),
            failed_minutes: failed[i].unwrap_or(0.0),
            retried_minutes: retried[i].unwrap_or(0.0),
        })
        .collect();
    rank(
        &mut rows,
        |r| (r.total_minutes, r.builds as f64),
        |r| r.compute_type.as_deref(),
    );
    Ok(CapacityOverview {
        peak_concurrency: overall.map_or(0, |i| peak[i]),
        peak_at: overall.and_then(|i| at[i]),
        by_compute_type: TopList::cut(rows, top),
    })
}
