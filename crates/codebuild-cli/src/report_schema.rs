//! The layout of `cbstats report --format json` as Rust types, for its JSON
//! Schema (`schemas/report.schema.json`, kept current by a test that also
//! validates real reports against it). The report itself is written from
//! the section frames; these types describe each section's rows column by
//! column, so a column added, renamed or retyped fails that test.

// The types exist for their schema: they are never built.
#![allow(dead_code)]

use std::collections::BTreeMap;

use codebuild_analytics::Summary;
use schemars::JsonSchema;

/// An RFC 3339 instant (UTC) or null.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct Instant(#[schemars(extend("format" = "date-time"))] Option<String>);

/// A calendar date (`YYYY-MM-DD`) or null.
#[derive(JsonSchema)]
#[schemars(transparent)]
pub struct Day(#[schemars(extend("format" = "date"))] Option<String>);

/// Declares a section's row type: `field: Type => "column"`.
macro_rules! rows {
    ($($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident: $ty:ty => $wire:literal),* $(,)? })*) => {
        $(
            $(#[$m])*
            #[derive(JsonSchema)]
            #[serde(deny_unknown_fields)]
            pub struct $name {
                $($(#[$fm])* #[serde(rename = $wire)] pub $field: $ty,)*
            }
        )*
    };
}

rows! {
    /// `load`: the load report's counts; with `--detail` or `--section`, also its lists.
    LoadSection {
        /// Files read.
        files_read: u64 => "filesRead",
        /// Files skipped (not JSON by name).
        files_skipped: u64 => "filesSkipped",
        /// Files rejected.
        files_rejected: u64 => "filesRejected",
        /// Bytes read (decompressed).
        bytes_read: u64 => "bytesRead",
        /// Response objects read.
        responses: u64 => "responses",
        /// Build records read.
        builds_read: u64 => "buildsRead",
        /// Builds kept.
        builds_kept: u64 => "buildsKept",
        /// Duplicates dropped.
        duplicates_dropped: u64 => "duplicatesDropped",
        /// Bad records skipped.
        records_rejected: u64 => "recordsRejected",
        /// Ids in `buildsNotFound`.
        builds_not_found: u64 => "buildsNotFound",
        /// Whether read = kept + duplicates + rejected.
        balances: bool => "balances",
        /// The ids not found (`--detail`).
        #[serde(default)]
        builds_not_found_ids: Option<Vec<String>> => "buildsNotFoundIds",
        /// Every file error, in full (`--detail`).
        #[serde(default)]
        file_errors: Option<Vec<String>> => "fileErrors",
        /// Every record error, in full (`--detail`).
        #[serde(default)]
        record_errors: Option<Vec<String>> => "recordErrors",
    }
    /// `phase timing`: per (project, phase).
    PhaseTimingRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// `phaseType`.
        phase: Option<String> => "phaseType",
        /// Phases with a duration.
        count: i64 => "count",
        /// Mean duration, seconds.
        mean: Option<f64> => "mean",
        /// Median, seconds.
        p50: Option<f64> => "p50",
        /// 90th percentile, seconds.
        p90: Option<f64> => "p90",
        /// 95th percentile, seconds.
        p95: Option<f64> => "p95",
        /// 99th percentile, seconds.
        p99: Option<f64> => "p99",
        /// Longest, seconds.
        max: Option<f64> => "max",
        /// Sum, seconds.
        total_seconds: Option<f64> => "totalSeconds",
        /// Of the build time of the group's builds (fraction).
        share: Option<f64> => "share",
    }
    /// `overhead split`: per project.
    OverheadRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Builds.
        builds: i64 => "builds",
        /// Overhead median, seconds.
        overhead_p50: Option<f64> => "overheadP50",
        /// Overhead p95, seconds.
        overhead_p95: Option<f64> => "overheadP95",
        /// Overhead mean, seconds.
        overhead_mean: Option<f64> => "overheadMean",
        /// Overhead sum, seconds.
        overhead_total: Option<f64> => "overheadTotal",
        /// Execution median, seconds.
        execution_p50: Option<f64> => "executionP50",
        /// Execution p95, seconds.
        execution_p95: Option<f64> => "executionP95",
        /// Execution mean, seconds.
        execution_mean: Option<f64> => "executionMean",
        /// Execution sum, seconds.
        execution_total: Option<f64> => "executionTotal",
        /// overhead / (overhead + execution), fraction.
        overhead_share: Option<f64> => "overheadShare",
    }
    /// `failures by phase`.
    FailedPhaseRow {
        /// `failedPhase`.
        phase: Option<String> => "failedPhase",
        /// Failure builds.
        count: i64 => "count",
        /// Of all failure builds.
        share: Option<f64> => "share",
    }
    /// `top failure reasons`: every reason, most frequent first.
    ReasonRow {
        /// `failureStatusCode`.
        status_code: Option<String> => "failureStatusCode",
        /// The normalized message.
        message: Option<String> => "normalizedMessage",
        /// Failure builds.
        count: i64 => "count",
        /// Of all failure builds.
        share: Option<f64> => "share",
        /// Earliest start.
        first_seen: Instant => "firstSeen",
        /// Latest start.
        last_seen: Instant => "lastSeen",
        /// The latest build.
        example_build_id: Option<String> => "exampleBuildId",
        /// Its raw message.
        example_message: Option<String> => "exampleMessage",
    }
    /// `failure rates by compute type`.
    ComputeRateRow {
        /// `environment.computeType`.
        value: Option<String> => "environment.computeType",
        /// Builds.
        builds: i64 => "builds",
        /// Completed builds.
        completed: i64 => "completed",
        /// Failure builds.
        failures: i64 => "failures",
        /// failures / (completed - STOPPED).
        failure_rate: Option<f64> => "failureRate",
    }
    /// `failure rates by image`.
    ImageRateRow {
        /// `environment.image`.
        value: Option<String> => "environment.image",
        /// Builds.
        builds: i64 => "builds",
        /// Completed builds.
        completed: i64 => "completed",
        /// Failure builds.
        failures: i64 => "failures",
        /// failures / (completed - STOPPED).
        failure_rate: Option<f64> => "failureRate",
    }
    /// `failure rates by source type`.
    SourceRateRow {
        /// `source.type`.
        value: Option<String> => "source.type",
        /// Builds.
        builds: i64 => "builds",
        /// Completed builds.
        completed: i64 => "completed",
        /// Failure builds.
        failures: i64 => "failures",
        /// failures / (completed - STOPPED).
        failure_rate: Option<f64> => "failureRate",
    }
    /// `failure rates by initiator` (`--detail`).
    InitiatorRateRow {
        /// `initiator`.
        value: Option<String> => "initiator",
        /// Builds.
        builds: i64 => "builds",
        /// Completed builds.
        completed: i64 => "completed",
        /// Failure builds.
        failures: i64 => "failures",
        /// failures / (completed - STOPPED).
        failure_rate: Option<f64> => "failureRate",
    }
    /// `retry summary`: per project.
    RetryRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Chains.
        chains: i64 => "chains",
        /// Chains with retries.
        chains_with_retries: i64 => "chainsWithRetries",
        /// Chains whose root failed.
        root_failures: i64 => "rootFailures",
        /// chainsWithRetries / rootFailures.
        retry_rate: Option<f64> => "retryRate",
        /// Recovered chains.
        recovered: i64 => "recovered",
        /// recovered / chainsWithRetries.
        recovery_rate: Option<f64> => "recoveryRate",
        /// Exhausted chains.
        exhausted: i64 => "exhausted",
        /// Minutes before each chain's last build.
        minutes_wasted: Option<f64> => "minutesWasted",
    }
    /// `flaky rate`: per project.
    FlakyRateRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Distinct commits.
        commits: i64 => "commits",
        /// Flaky commits.
        flaky_commits: i64 => "flakyCommits",
        /// flakyCommits / commits.
        flaky_rate: Option<f64> => "flakyRate",
    }
    /// `manual rebuild summary`: per project.
    RebuildSummaryRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Manual rebuilds.
        rebuilds: i64 => "rebuilds",
        /// After a failure.
        after_failure: i64 => "afterFailure",
        /// After a failure, and succeeded.
        rescued: i64 => "rescued",
        /// rescued / afterFailure.
        rescue_rate: Option<f64> => "rescueRate",
    }
    /// `recovery summary`: per project.
    RecoveryRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Red periods.
        red_periods: i64 => "redPeriods",
        /// Open red periods.
        open_red_periods: i64 => "openRedPeriods",
        /// Mean closed red period, seconds.
        mttr_seconds: Option<f64> => "mttrSeconds",
        /// Red time, seconds.
        red_seconds: Option<f64> => "redSeconds",
        /// Time span, seconds.
        span_seconds: Option<f64> => "spanSeconds",
        /// red / span.
        red_share: Option<f64> => "redShare",
        /// Longest failure streak.
        max_streak: i64 => "maxStreak",
        /// Mean failure streak.
        mean_streak: Option<f64> => "meanStreak",
        /// P(failure | previous failure).
        p_fail_after_fail: Option<f64> => "pFailAfterFail",
    }
    /// `peak concurrency`: overall (null project) and per project.
    PeakRow {
        /// `projectName`; null on the overall row.
        project: Option<String> => "projectName",
        /// Most builds at once.
        peak: i64 => "peakConcurrency",
        /// First instant of the peak.
        at: Instant => "peakAt",
    }
    /// `build minutes`: per compute type.
    MinutesRow {
        /// `environment.computeType`.
        compute_type: Option<String> => "environment.computeType",
        /// Builds.
        builds: i64 => "builds",
        /// All minutes.
        total: Option<f64> => "totalMinutes",
        /// SUCCEEDED minutes.
        succeeded: Option<f64> => "succeededMinutes",
        /// Failure minutes.
        failed: Option<f64> => "failedMinutes",
        /// Auto-retry minutes.
        retried: Option<f64> => "retriedMinutes",
    }
    /// `retry chains` (`--detail`): one row per chain.
    ChainRow {
        /// The root's id.
        chain_id: Option<String> => "chainId",
        /// The root's project.
        project: Option<String> => "projectName",
        /// The root's start.
        start: Instant => "startTime",
        /// Members.
        length: i64 => "length",
        /// Member ids in chain order.
        member_ids: Vec<Option<String>> => "memberIds",
        /// Root status.
        root_status: Option<String> => "rootStatus",
        /// Final status.
        final_status: Option<String> => "finalStatus",
        /// Recovered.
        recovered: bool => "recovered",
        /// Exhausted.
        exhausted: bool => "exhausted",
        /// Seconds before the final member.
        wasted_seconds: Option<f64> => "wastedSeconds",
        /// Root start to final end, when recovered.
        time_to_green_seconds: Option<f64> => "timeToGreenSeconds",
        /// A link points outside the archive.
        incomplete: bool => "incomplete",
        /// The links form a cycle.
        cyclic: bool => "cyclic",
        /// A member is claimed twice.
        conflicting: bool => "conflicting",
    }
    /// `flaky commits` (`--detail`).
    FlakyCommitRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// `resolvedSourceVersion`.
        commit: Option<String> => "resolvedSourceVersion",
        /// Builds.
        builds: i64 => "builds",
        /// SUCCEEDED.
        succeeded: i64 => "succeeded",
        /// FAILED.
        failed: i64 => "failed",
        /// FAULT.
        fault: i64 => "fault",
        /// TIMED_OUT.
        timed_out: i64 => "timedOut",
        /// STOPPED.
        stopped: i64 => "stopped",
        /// Other statuses.
        other: i64 => "other",
        /// Earliest start.
        first_seen: Instant => "firstSeen",
        /// Latest start.
        last_seen: Instant => "lastSeen",
        /// A retry chain turned it green.
        recovered_by_retry: bool => "recoveredByRetry",
    }
    /// `manual rebuilds` (`--detail`).
    RebuildRow {
        /// The rebuild's id.
        id: Option<String> => "id",
        /// `projectName`.
        project: Option<String> => "projectName",
        /// `resolvedSourceVersion`.
        commit: Option<String> => "resolvedSourceVersion",
        /// Its start.
        start: Instant => "startTime",
        /// Its status.
        status: Option<String> => "buildStatus",
        /// It is an auto-retry.
        auto_retry: bool => "autoRetry",
        /// The previous build's id.
        previous_id: Option<String> => "previousId",
        /// Its status.
        previous_status: Option<String> => "previousStatus",
        /// Previous failed and this succeeded.
        rescued: bool => "rescued",
    }
    /// `red periods` (`--detail`).
    RedPeriodRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// `sourceVersion`.
        source_version: Option<String> => "sourceVersion",
        /// Start.
        start: Instant => "start",
        /// End (null when open).
        end: Instant => "end",
        /// Length, seconds.
        seconds: Option<f64> => "seconds",
        /// Still open.
        open: bool => "open",
        /// Failures in the period.
        failures: i64 => "failures",
    }
    /// `builds per day` (`--detail`).
    DayRow {
        /// `projectName`; null on the overall rows.
        project: Option<String> => "projectName",
        /// The day (UTC).
        day: Day => "day",
        /// Builds.
        builds: i64 => "builds",
    }
    /// `builds per hour of week` (`--detail`).
    HourRow {
        /// `projectName`; null on the overall rows.
        project: Option<String> => "projectName",
        /// ISO weekday, 1 = Monday.
        weekday: i64 => "weekday",
        /// Hour (UTC).
        hour: i64 => "hour",
        /// Builds.
        builds: i64 => "builds",
    }
    /// `estimated cost by project`.
    CostByProjectRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Builds.
        builds: i64 => "builds",
        /// Builds with an estimated cost.
        priced_builds: i64 => "pricedBuilds",
        /// Builds without one.
        not_priced_builds: i64 => "notPricedBuilds",
        /// Billed minutes of the priced builds.
        billed_minutes: Option<f64> => "billedMinutes",
        /// Estimated cost, USD.
        cost: Option<f64> => "estimatedCostUsd",
        /// Of failure builds.
        failed: Option<f64> => "failedEstimatedCostUsd",
        /// Of auto-retries before each chain's final build.
        retries: Option<f64> => "retryEstimatedCostUsd",
        /// Of manual rebuilds.
        rebuilds: Option<f64> => "manualRebuildEstimatedCostUsd",
        /// Of the total estimated cost.
        share: Option<f64> => "shareOfEstimatedCost",
    }
    /// `estimated cost by compute type`.
    CostByComputeRow {
        /// Region from the ARN.
        region: Option<String> => "region",
        /// `environment.type`.
        environment_type: Option<String> => "environment.type",
        /// `environment.computeType`.
        compute_type: Option<String> => "environment.computeType",
        /// How it is billed.
        billing: Option<String> => "billing",
        /// Builds.
        builds: i64 => "builds",
        /// Priced builds.
        priced_builds: i64 => "pricedBuilds",
        /// Billed minutes.
        billed_minutes: Option<f64> => "billedMinutes",
        /// The price, USD per minute.
        usd_per_minute: Option<f64> => "usdPerMinute",
        /// Estimated cost, USD.
        cost: Option<f64> => "estimatedCostUsd",
    }
    /// `estimated cost by phase`.
    CostByPhaseRow {
        /// `projectName`.
        project: Option<String> => "projectName",
        /// `phaseType`.
        phase: Option<String> => "phaseType",
        /// Builds with the phase.
        builds: i64 => "builds",
        /// Estimated cost, USD.
        cost: Option<f64> => "estimatedCostUsd",
        /// Of the project's estimated cost.
        share: Option<f64> => "shareOfProjectCost",
    }
    /// `not priced`: builds without an estimated cost, by key and reason.
    NotPricedRow {
        /// Region from the ARN.
        region: Option<String> => "region",
        /// `environment.type`.
        environment_type: Option<String> => "environment.type",
        /// `environment.computeType`.
        compute_type: Option<String> => "environment.computeType",
        /// Why.
        reason: Option<String> => "reason",
        /// Builds.
        builds: i64 => "builds",
        /// Their minutes.
        minutes: Option<f64> => "minutes",
    }
    /// `estimated build costs` (`--detail`): one row per build.
    BuildCostRow {
        /// Build id.
        id: Option<String> => "id",
        /// `projectName`.
        project: Option<String> => "projectName",
        /// Start.
        start: Instant => "startTime",
        /// Status.
        status: Option<String> => "buildStatus",
        /// Region from the ARN.
        region: Option<String> => "region",
        /// `environment.type`.
        environment_type: Option<String> => "environment.type",
        /// `environment.computeType`.
        compute_type: Option<String> => "environment.computeType",
        /// How it is billed.
        billing: Option<String> => "billing",
        /// Billed seconds.
        billed_seconds: Option<i64> => "billedSeconds",
        /// The price, USD per minute.
        usd_per_minute: Option<f64> => "usdPerMinute",
        /// Estimated cost, USD.
        cost: Option<f64> => "estimatedCostUsd",
        /// Why it is not priced.
        not_priced_reason: Option<String> => "notPricedReason",
    }
}

/// `outcomes` (and `outcomes by time bucket`): per project and overall
/// (`(all)`); status counts are columns, unknown statuses under their own
/// name.
#[derive(JsonSchema)]
pub struct OutcomeRow {
    /// `projectName`, `(all)` on the overall rows.
    #[serde(rename = "projectName")]
    pub project: Option<String>,
    /// The bucket (`outcomes by time bucket` with `--bucket day`).
    #[serde(default)]
    pub day: Option<Day>,
    /// The bucket's Monday (`--bucket week`).
    #[serde(default)]
    pub week: Option<Day>,
    /// The bucket's first day (`--bucket month`).
    #[serde(default)]
    pub month: Option<Day>,
    /// Builds.
    pub builds: i64,
    /// SUCCEEDED.
    #[serde(rename = "SUCCEEDED")]
    pub succeeded: i64,
    /// FAILED.
    #[serde(rename = "FAILED")]
    pub failed: i64,
    /// FAULT.
    #[serde(rename = "FAULT")]
    pub fault: i64,
    /// TIMED_OUT.
    #[serde(rename = "TIMED_OUT")]
    pub timed_out: i64,
    /// STOPPED.
    #[serde(rename = "STOPPED")]
    pub stopped: i64,
    /// IN_PROGRESS.
    #[serde(rename = "IN_PROGRESS")]
    pub in_progress: i64,
    /// No status.
    #[serde(rename = "(none)")]
    pub none: i64,
    /// Completed builds.
    pub completed: i64,
    /// SUCCEEDED / (completed - STOPPED).
    #[serde(rename = "successRate")]
    pub success_rate: Option<f64>,
    /// Completed builds' median duration, seconds.
    #[serde(rename = "durationP50")]
    pub duration_p50: Option<f64>,
    /// Their p95.
    #[serde(rename = "durationP95")]
    pub duration_p95: Option<f64>,
    /// SUCCEEDED builds' median duration.
    #[serde(rename = "succeededDurationP50")]
    pub succeeded_duration_p50: Option<f64>,
    /// Their p95.
    #[serde(rename = "succeededDurationP95")]
    pub succeeded_duration_p95: Option<f64>,
    /// Overhead median.
    #[serde(rename = "overheadP50")]
    pub overhead_p50: Option<f64>,
    /// Overhead p95.
    #[serde(rename = "overheadP95")]
    pub overhead_p95: Option<f64>,
    /// Counts of unknown statuses, under their raw value.
    #[serde(flatten)]
    pub unknown_statuses: BTreeMap<String, i64>,
}

/// The whole `cbstats report --format json` document. Which sections it
/// has: without `--section`, the summary, `load` (counts) and the
/// per-group sections; `--detail` adds the per-row sections and the load
/// lists; `--section` gives only those named.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportDocument {
    /// The layout's version ([`codebuild_analytics::summary::REPORT_SCHEMA_VERSION`]).
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    /// What was read: the paths given, or the Parquet export.
    pub source: String,
    /// The summary.
    #[serde(default)]
    pub summary: Option<Summary>,
    /// The load report.
    #[serde(default)]
    pub load: Option<LoadSection>,
    /// Outcomes per project and overall.
    #[serde(default)]
    pub outcomes: Option<Vec<OutcomeRow>>,
    /// Phase timing per (project, phase).
    #[serde(default, rename = "phase timing")]
    pub phase_timing: Option<Vec<PhaseTimingRow>>,
    /// Overhead and execution per project.
    #[serde(default, rename = "overhead split")]
    pub overhead_split: Option<Vec<OverheadRow>>,
    /// Failures by failed phase.
    #[serde(default, rename = "failures by phase")]
    pub failures_by_phase: Option<Vec<FailedPhaseRow>>,
    /// Every failure reason.
    #[serde(default, rename = "top failure reasons")]
    pub top_failure_reasons: Option<Vec<ReasonRow>>,
    /// Failure rate by compute type.
    #[serde(default, rename = "failure rates by compute type")]
    pub failure_rates_by_compute_type: Option<Vec<ComputeRateRow>>,
    /// Failure rate by image.
    #[serde(default, rename = "failure rates by image")]
    pub failure_rates_by_image: Option<Vec<ImageRateRow>>,
    /// Failure rate by source type.
    #[serde(default, rename = "failure rates by source type")]
    pub failure_rates_by_source_type: Option<Vec<SourceRateRow>>,
    /// Retries per project.
    #[serde(default, rename = "retry summary")]
    pub retry_summary: Option<Vec<RetryRow>>,
    /// Flaky commits per project.
    #[serde(default, rename = "flaky rate")]
    pub flaky_rate: Option<Vec<FlakyRateRow>>,
    /// Manual rebuilds per project.
    #[serde(default, rename = "manual rebuild summary")]
    pub manual_rebuild_summary: Option<Vec<RebuildSummaryRow>>,
    /// Recovery per project.
    #[serde(default, rename = "recovery summary")]
    pub recovery_summary: Option<Vec<RecoveryRow>>,
    /// Peak concurrency.
    #[serde(default, rename = "peak concurrency")]
    pub peak_concurrency: Option<Vec<PeakRow>>,
    /// Build minutes by compute type.
    #[serde(default, rename = "build minutes")]
    pub build_minutes: Option<Vec<MinutesRow>>,
    /// One row per retry chain.
    #[serde(default, rename = "retry chains")]
    pub retry_chains: Option<Vec<ChainRow>>,
    /// Failure rate by initiator.
    #[serde(default, rename = "failure rates by initiator")]
    pub failure_rates_by_initiator: Option<Vec<InitiatorRateRow>>,
    /// One row per flaky commit.
    #[serde(default, rename = "flaky commits")]
    pub flaky_commits: Option<Vec<FlakyCommitRow>>,
    /// One row per manual rebuild.
    #[serde(default, rename = "manual rebuilds")]
    pub manual_rebuilds: Option<Vec<RebuildRow>>,
    /// One row per red period.
    #[serde(default, rename = "red periods")]
    pub red_periods: Option<Vec<RedPeriodRow>>,
    /// Builds per day.
    #[serde(default, rename = "builds per day")]
    pub builds_per_day: Option<Vec<DayRow>>,
    /// Builds per hour of week.
    #[serde(default, rename = "builds per hour of week")]
    pub builds_per_hour_of_week: Option<Vec<HourRow>>,
    /// Outcomes per project and time bucket.
    #[serde(default, rename = "outcomes by time bucket")]
    pub outcomes_by_time_bucket: Option<Vec<OutcomeRow>>,
    /// Estimated cost per project.
    #[serde(default, rename = "estimated cost by project")]
    pub estimated_cost_by_project: Option<Vec<CostByProjectRow>>,
    /// Estimated cost per compute type.
    #[serde(default, rename = "estimated cost by compute type")]
    pub estimated_cost_by_compute_type: Option<Vec<CostByComputeRow>>,
    /// Estimated cost per (project, phase).
    #[serde(default, rename = "estimated cost by phase")]
    pub estimated_cost_by_phase: Option<Vec<CostByPhaseRow>>,
    /// Builds not priced.
    #[serde(default, rename = "not priced")]
    pub not_priced: Option<Vec<NotPricedRow>>,
    /// One row per build with its estimated cost.
    #[serde(default, rename = "estimated build costs")]
    pub estimated_build_costs: Option<Vec<BuildCostRow>>,
}

/// The report's JSON Schema as committed in `schemas/report.schema.json`.
pub fn text() -> String {
    codebuild_model::schema_text(&schemars::schema_for!(ReportDocument))
}
