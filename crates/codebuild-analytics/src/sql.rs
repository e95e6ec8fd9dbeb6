//! The report's analyses as SQL text for DuckDB, Spark and Trino, over the
//! tables of a `cbstats export` (what `cbstats sql` prints).
//!
//! Each [`Query`] computes one section of `cbstats report --format json`
//! with the definitions of `ANALYTICS.md`, under the same name and with
//! the same columns, from the `builds`, `phases` and `phaseContexts`
//! frames (their derived columns, `durationSeconds`, `overheadSeconds`,
//! `failedPhase`, `failureStatusCode`, `failureMessage`, are read, not
//! recomputed). Where an engine differs:
//!
//! - **Percentiles** are exact linear interpolation (numpy's default, the
//!   report's) in every dialect: DuckDB `quantile_cont`, Spark
//!   `percentile`; Trino has only the estimate `approx_percentile`, so its
//!   queries sort each group's values (`array_sort(array_agg(...))`) and
//!   interpolate between the two closest ranks themselves.
//! - **Sums of seconds** are summed as whole microseconds, as the report
//!   does, so they do not depend on row order.
//! - **Time buckets, days and hours** are UTC whatever the session's time
//!   zone (Spark: computed from `unix_micros`).
//! - **Message normalisation** is the chain of `regexp_replace` calls
//!   generated from [`NORMALIZATION_RULES`] (see [`normalize_message_sql`]).
//! - **Retry chains** (connected components of the auto-retry links) are a
//!   recursive CTE enumerating simple paths (`WITH RECURSIVE ... UNION
//!   ALL`, the only form Spark 4 accepts; Spark is limited by
//!   `spark.sql.cteRecursionLevelLimit` (100 levels) and
//!   `spark.sql.cteRecursionRowLimit` (1,000,000 rows) in PySpark 4.3.0,
//!   Trino by its `max_recursion_depth` session property (10 steps by
//!   default; a chain of n builds takes n - 1): raise it above the longest
//!   chain. Athena fixes it at 10, with no `SET SESSION`).
//!
//! - **Filters** ([`SqlOptions::filters`], the report's `--project`,
//!   `--since`, `--until`) mark the builds they keep (`kept` in the
//!   `ball` CTE of every build); `b`, the builds a query counts (and,
//!   through it, phases), is the kept ones. As in the report, retry links,
//!   chains, conflicts and a rebuild's earlier build are found in the whole
//!   archive: a chain is selected when its root is kept, with all its
//!   members.
//!
//! What the SQL does not reproduce: the outcome columns of statuses no one
//! knows in advance (they are summed in one `otherStatuses` column).

use std::fmt::Write as _;

use crate::analysis::COMPLETED_STATUSES;
use crate::analysis::FAILURE_STATUSES;
use crate::analysis::PHASE_ORDER;
use crate::analysis::cost::{NotPricedReason, PriceTable};
use crate::analysis::failures::{ASCII_SPACE_CLASS, NORMALIZATION_RULES};
use crate::analysis::outcomes::{ALL_PROJECTS, KNOWN_STATUSES, NO_STATUS};
use crate::filter::{Filters, TimeBucket};

/// The SQL dialect to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB (RE2 regexes, `quantile_cont`).
    DuckDb,
    /// Spark SQL 4 (Java regexes, `percentile`, backquoted names).
    Spark,
    /// Trino / Presto / Athena engine v3 (Joni regexes, lambdas).
    Trino,
}

impl Dialect {
    /// The dialect's name as `--dialect` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Trino => "trino",
        }
    }
}

/// How the queries name the columns of the export's tables.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColumnNames {
    /// As the export writes them (`environment.computeType`).
    #[default]
    Export,
    /// As the Athena tables of [`crate::dataset::athena_ddl`] declare them:
    /// [`athena_name`] (`environment_computetype`).
    Athena,
}

/// A column's name in an Athena (Glue) table: ASCII letters in lower
/// case, digits kept, every other character `_`
/// (`environment.computeType` -> `environment_computetype`).
pub fn athena_name(column: &str) -> String {
    column
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Where the three frames are read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Tables (or views) of these names, e.g. registered in a catalog.
    Tables {
        /// The `builds` frame.
        builds: String,
        /// The `phases` frame.
        phases: String,
        /// The `phaseContexts` frame.
        phase_contexts: String,
    },
    /// The Parquet files of an export at this location (a folder or an
    /// `s3://` URL); `partitioned` when each frame is a folder of Hive
    /// partitions (`builds/projectName=.../part-0.parquet`), else one
    /// file per frame (`builds.parquet`). DuckDB and Spark only.
    Export {
        /// The export's folder or URL, without a trailing slash.
        location: String,
        /// Whether frames are folders of partitions.
        partitioned: bool,
    },
}

impl Default for Source {
    fn default() -> Self {
        Source::Tables {
            builds: "builds".into(),
            phases: "phases".into(),
            phase_contexts: "phaseContexts".into(),
        }
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SqlOptions {
    /// The dialect.
    pub dialect: Dialect,
    /// Where the frames are.
    pub source: Source,
    /// The bucket of `outcomes by time bucket`.
    pub bucket: TimeBucket,
    /// The price table of the cost queries (written into them as a
    /// `VALUES` table); `None` leaves the cost queries out.
    pub prices: Option<PriceTable>,
    /// A table the cost queries read the prices from instead (columns
    /// `region`, `environmentType`, `computeType`, `usdPerMinute`,
    /// `usdPerSecond`); it wins over [`SqlOptions::prices`].
    pub price_table: Option<String>,
    /// The builds the queries look at (projects, a `startTime` range,
    /// statuses), as the report's filters: a `WHERE` on the builds every
    /// query reads. The default keeps every build.
    pub filters: Filters,
    /// How the tables' columns are named.
    pub column_names: ColumnNames,
}

/// One generated query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The report section it computes (`phase timing`, ...).
    pub name: &'static str,
    /// The SQL: one statement, without a trailing `;`.
    pub sql: String,
}

impl Query {
    /// A file name for it: the section's slug and `.sql`.
    pub fn file_name(&self) -> String {
        format!("{}.sql", self.name.replace(' ', "-"))
    }
}

/// Every query, in report order. Errors when the source cannot be read by
/// the dialect (Trino reads tables only).
pub fn queries(opts: &SqlOptions) -> Result<Vec<Query>, String> {
    if opts.dialect == Dialect::Trino && matches!(opts.source, Source::Export { .. }) {
        return Err(
            "Trino reads tables, not paths: register the export's tables (for Athena, with the statements of `cbstats sql --athena-ddl --export DIR --location s3://...`; for Trino's Hive connector, CREATE TABLE ... WITH (external_location = ...)) and name them with --builds and --phases".into(),
        );
    }
    let g = Gen {
        d: opts.dialect,
        opts,
    };
    let mut out: Vec<(&'static str, String)> = vec![
        ("outcomes", g.outcomes(None)),
        ("phase timing", g.phase_timing()),
        ("overhead split", g.overhead_split()),
        ("failures by phase", g.failures_by_phase()),
        ("top failure reasons", g.top_failure_reasons()),
        (
            "failure rates by compute type",
            g.failure_rates("environment.computeType"),
        ),
        (
            "failure rates by image",
            g.failure_rates("environment.image"),
        ),
        (
            "failure rates by source type",
            g.failure_rates("source.type"),
        ),
        ("retry summary", g.retry_summary()),
        ("flaky rate", g.flaky_rate()),
        ("manual rebuild summary", g.manual_rebuild_summary()),
        ("recovery summary", g.recovery_summary()),
        ("peak concurrency", g.peak_concurrency()),
        ("build minutes", g.build_minutes()),
    ];
    let priced = opts.prices.is_some() || opts.price_table.is_some();
    if priced {
        out.push(("estimated cost by project", g.cost_by_project()));
        out.push(("estimated cost by compute type", g.cost_by_compute_type()));
        out.push(("estimated cost by phase", g.cost_by_phase()));
        out.push(("not priced", g.not_priced()));
    }
    out.extend([
        ("retry chains", g.retry_chains()),
        ("failure rates by initiator", g.failure_rates("initiator")),
        ("flaky commits", g.flaky_commits()),
        ("manual rebuilds", g.manual_rebuilds()),
        ("red periods", g.red_periods()),
        ("builds per day", g.builds_per_day()),
        ("builds per hour of week", g.builds_per_hour_of_week()),
        ("outcomes by time bucket", g.outcomes(Some(opts.bucket))),
    ]);
    if priced {
        out.push(("estimated build costs", g.build_costs()));
    }
    Ok(out
        .into_iter()
        .map(|(name, body)| Query {
            name,
            sql: g.header(name) + &body,
        })
        .collect())
}

/// The SQL expression normalising the failure message `expr` in `dialect`:
/// one `regexp_replace` per rule of [`NORMALIZATION_RULES`], in order.
///
/// The rules' `\b` (an ASCII word boundary, only at a pattern's ends) has
/// no zero-width equivalent in RE2, so a boundary is matched as the
/// character beside it (`(^|[^A-Za-z0-9_])` before, `([^A-Za-z0-9_]|$)`
/// after) and put back in the replacement. A character consumed after one
/// match cannot start the next, so a rule with boundaries on both sides
/// runs twice: the second pass finds the matches the first skipped (they
/// are never next to each other, so two passes find them all).
pub fn normalize_message_sql(dialect: Dialect, expr: &str) -> String {
    let mut out = expr.to_owned();
    for (portable, placeholder) in NORMALIZATION_RULES {
        let (pattern, replacement, passes) = sql_rule(dialect, portable, placeholder);
        for _ in 0..passes {
            out = match dialect {
                Dialect::DuckDb => format!(
                    "regexp_replace({out}, {}, {}, 'g')",
                    str_lit(dialect, &pattern),
                    str_lit(dialect, &replacement)
                ),
                Dialect::Spark | Dialect::Trino => format!(
                    "regexp_replace({out}, {}, {})",
                    str_lit(dialect, &pattern),
                    str_lit(dialect, &replacement)
                ),
            };
        }
    }
    out
}

/// One rule as (SQL regex, replacement, passes) for `dialect`.
pub fn sql_rule(dialect: Dialect, portable: &str, placeholder: &str) -> (String, String, usize) {
    const WORD: &str = "A-Za-z0-9_";
    let mut body = portable;
    let before = body.starts_with(r"\b");
    if before {
        body = &body[2..];
    }
    let after = body.ends_with(r"\b");
    if after {
        body = &body[..body.len() - 2];
    }
    debug_assert!(!body.contains(r"\b"), "\\b only at a pattern's ends");
    let body = body.replace(r"\s", ASCII_SPACE_CLASS);
    let group = |n: usize| match dialect {
        Dialect::DuckDb => format!("\\{n}"),
        Dialect::Spark | Dialect::Trino => format!("${n}"),
    };
    let mut pattern = String::new();
    let mut replacement = String::new();
    if before {
        let _ = write!(pattern, "(^|[^{WORD}])");
        replacement.push_str(&group(1));
    }
    if before || after {
        let _ = write!(pattern, "(?:{body})");
    } else {
        pattern.push_str(&body);
    }
    replacement.push_str(placeholder);
    if after {
        let _ = write!(pattern, "([^{WORD}]|$)");
        replacement.push_str(&group(if before { 2 } else { 1 }));
    }
    let passes = if before && after { 2 } else { 1 };
    (pattern, replacement, passes)
}

/// A string literal: `'...'` with `''` for a quote; Spark also reads
/// backslashes as escapes, so they are doubled there (and a quote is `\'`).
pub fn str_lit(dialect: Dialect, s: &str) -> String {
    match dialect {
        Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Dialect::DuckDb | Dialect::Trino => format!("'{}'", s.replace('\'', "''")),
    }
}

/// The generator of one dialect.
struct Gen<'a> {
    d: Dialect,
    opts: &'a SqlOptions,
}

/// The columns of `builds` the queries read, under short names.
const BUILD_COLUMNS: &[(&str, &str)] = &[
    ("id", "id"),
    ("arn", "arn"),
    ("projectName", "projectName"),
    ("buildStatus", "buildStatus"),
    ("startTime", "startTime"),
    ("endTime", "endTime"),
    ("sourceVersion", "sourceVersion"),
    ("resolvedSourceVersion", "resolvedSourceVersion"),
    ("initiator", "initiator"),
    ("environment.computeType", "computeType"),
    ("environment.image", "image"),
    ("environment.type", "envType"),
    ("environment.fleet.fleetArn", "fleetArn"),
    ("source.type", "sourceType"),
    ("autoRetryConfig.autoRetryLimit", "retryLimit"),
    ("autoRetryConfig.autoRetryNumber", "retryNumber"),
    ("autoRetryConfig.nextAutoRetry", "nextRetry"),
    ("autoRetryConfig.previousAutoRetry", "previousRetry"),
    ("durationSeconds", "durationSeconds"),
    ("overheadSeconds", "overheadSeconds"),
    ("executionSeconds", "executionSeconds"),
    ("failedPhase", "failedPhase"),
    ("failureStatusCode", "failureStatusCode"),
    ("failureMessage", "failureMessage"),
];

impl Gen<'_> {
    /// A quoted identifier.
    fn id(&self, name: &str) -> String {
        match self.d {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            Dialect::DuckDb | Dialect::Trino => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A column of the export's tables, named as [`SqlOptions::column_names`] says.
    fn col(&self, name: &str) -> String {
        match self.opts.column_names {
            ColumnNames::Export => self.id(name),
            ColumnNames::Athena => self.id(&athena_name(name)),
        }
    }

    fn lit(&self, s: &str) -> String {
        str_lit(self.d, s)
    }

    /// `IN ('A', 'B', ...)`.
    fn in_list(&self, values: &[&str]) -> String {
        let v: Vec<String> = values.iter().map(|s| self.lit(s)).collect();
        format!("IN ({})", v.join(", "))
    }

    fn failure(&self, col: &str) -> String {
        format!("{col} {}", self.in_list(&FAILURE_STATUSES))
    }

    fn completed(&self, col: &str) -> String {
        format!("{col} {}", self.in_list(&COMPLETED_STATUSES))
    }

    /// The header comment of a query.
    fn header(&self, name: &str) -> String {
        let mut h = format!(
            "-- cbstats sql --dialect {}: section `{name}` of `cbstats report --format json`\n\
             -- (definitions: ANALYTICS.md; columns and row order as the report's).\n",
            self.d.name()
        );
        if let Some(w) = self.filter_comment() {
            h.push_str(&w);
        }
        if self.d == Dialect::Spark {
            h.push_str("-- Spark 4.0 or later (recursive CTEs, array_append).\n");
        }
        h
    }

    /// The table expression of a frame.
    fn table(&self, frame: &str) -> String {
        match &self.opts.source {
            Source::Tables {
                builds,
                phases,
                phase_contexts,
            } => {
                let name = match frame {
                    "builds" => builds,
                    "phases" => phases,
                    _ => phase_contexts,
                };
                // Names are given as the user writes them (catalog.schema.table).
                name.clone()
            }
            Source::Export {
                location,
                partitioned,
            } => {
                let path = if *partitioned {
                    format!("{location}/{frame}")
                } else {
                    format!("{location}/{frame}.parquet")
                };
                match self.d {
                    Dialect::DuckDb => {
                        if *partitioned {
                            format!(
                                "read_parquet({}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)",
                                self.lit(&format!("{path}/**/*.parquet"))
                            )
                        } else {
                            format!("read_parquet({})", self.lit(&path))
                        }
                    }
                    Dialect::Spark => format!("parquet.`{}`", path.replace('`', "``")),
                    Dialect::Trino => unreachable!("rejected by queries()"),
                }
            }
        }
    }

    /// The `b` CTE: the builds that pass the filters, with short column
    /// names.
    fn builds_cte(&self) -> String {
        let cols: Vec<String> = BUILD_COLUMNS
            .iter()
            .map(|(c, a)| format!("{} AS {a}", self.col(c)))
            .collect();
        let filter = self
            .filter_predicates()
            .map(|p| format!("\n  WHERE {}", p.join("\n    AND ")))
            .unwrap_or_default();
        format!(
            "b AS (\n  SELECT {}\n  FROM {}{filter}\n)",
            cols.join(",\n    "),
            self.table("builds")
        )
    }

    /// The CTEs of the queries that need the whole archive (retry chains,
    /// and what follows them): `ball` = every build, with `kept` (whether
    /// it passes the filters; TRUE without filters), and `b` = the kept
    /// ones. As in the report, links, chains, conflicts and a rebuild's
    /// earlier build are found in the whole archive; the filters select
    /// chains by their root, and the builds counted.
    fn all_builds_ctes(&self) -> String {
        let cols: Vec<String> = BUILD_COLUMNS
            .iter()
            .map(|(c, a)| format!("{} AS {a}", self.col(c)))
            .collect();
        let kept = self
            .filter_predicates()
            .map(|p| format!("COALESCE({}, FALSE)", p.join(" AND ")))
            .unwrap_or_else(|| "TRUE".to_owned());
        format!(
            "ball AS (\n  SELECT {},\n    {kept} AS kept\n  FROM {}\n),\n\
             b AS (SELECT * FROM ball WHERE kept)",
            cols.join(",\n    "),
            self.table("builds")
        )
    }

    /// The conditions of [`SqlOptions::filters`] on the `builds` table, or
    /// `None` without filters. As the report's: a null project, status or
    /// `startTime` never passes a filter on it; `until` is exclusive.
    fn filter_predicates(&self) -> Option<Vec<String>> {
        let f = &self.opts.filters;
        let mut preds = Vec::new();
        let one_of = |column: &str, values: &[String]| {
            if values.is_empty() {
                return "FALSE".to_owned();
            }
            let v: Vec<String> = values.iter().map(|s| self.lit(s)).collect();
            format!("{} IN ({})", self.col(column), v.join(", "))
        };
        if let Some(projects) = &f.projects {
            preds.push(one_of("projectName", projects));
        }
        let start = self.ts_micros(&self.col("startTime"));
        if let Some(since) = f.since_micros {
            preds.push(format!("{start} >= {since}"));
        }
        if let Some(until) = f.until_micros {
            preds.push(format!("{start} < {until}"));
        }
        if let Some(statuses) = &f.statuses {
            preds.push(one_of("buildStatus", statuses));
        }
        (!preds.is_empty()).then_some(preds)
    }

    /// The header line naming the filters in force (instants in RFC 3339).
    fn filter_comment(&self) -> Option<String> {
        let f = &self.opts.filters;
        if f.is_empty() {
            return None;
        }
        let when = |us: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| format!("{us} us"))
        };
        let mut parts = Vec::new();
        if let Some(p) = &f.projects {
            parts.push(format!("projects {}", p.join(", ")));
        }
        if let Some(s) = f.since_micros {
            parts.push(format!("started at or after {}", when(s)));
        }
        if let Some(u) = f.until_micros {
            parts.push(format!("started before {}", when(u)));
        }
        if let Some(s) = &f.statuses {
            parts.push(format!("statuses {}", s.join(", ")));
        }
        // One line: a name with a line break must not end the comment.
        let text = parts.join("; ").replace(['\n', '\r'], " ");
        Some(format!("-- Only the builds of: {text}.\n"))
    }

    /// A percentile of `e`: linear interpolation between the two closest
    /// ranks, nulls ignored (null for a group without values).
    ///
    /// Trino has no exact percentile aggregate (`approx_percentile` is a
    /// sketch's estimate), so the group's values are sorted into an array
    /// and interpolated in a lambda: with n values and h = (n - 1) q, the
    /// value at rank floor(h) plus (h - floor(h)) times the gap to the
    /// next one (1-based `element_at`, the last value at q = 1).
    fn pct(&self, e: &str, q: f64) -> String {
        match self.d {
            Dialect::DuckDb => format!("quantile_cont({e}, {q})"),
            Dialect::Spark => format!("percentile({e}, {q})"),
            Dialect::Trino => {
                let n = "cardinality(v)";
                let h = format!("({n} - 1) * {q}");
                let lo = format!("CAST(floor({h}) AS BIGINT)");
                format!(
                    "element_at(transform(ARRAY[array_sort(array_agg({e}) FILTER (WHERE {e} IS NOT NULL))], \
                     v -> IF({n} = 0, NULL, element_at(v, {lo} + 1) + ({h} - {lo}) * \
                     (element_at(v, least({lo} + 2, {n})) - element_at(v, {lo} + 1)))), 1)"
                )
            }
        }
    }

    /// Seconds as whole microseconds (BIGINT).
    fn micros(&self, e: &str) -> String {
        format!("CAST(ROUND({e} * 1000000) AS BIGINT)")
    }

    /// The exact sum of seconds: whole microseconds summed, then seconds
    /// (0.0 for a group without values).
    fn seconds_sum(&self, e: &str) -> String {
        format!(
            "CAST(COALESCE(SUM({}), 0) AS DOUBLE) * 1e-6",
            self.micros(e)
        )
    }

    /// `num / den` as DOUBLE, null when `den` is 0 or null.
    fn ratio(&self, num: &str, den: &str) -> String {
        format!("CASE WHEN {den} > 0 THEN CAST({num} AS DOUBLE) / CAST({den} AS DOUBLE) END")
    }

    /// The number of rows where `cond` holds (BIGINT).
    fn count_if(&self, cond: &str) -> String {
        format!("CAST(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS BIGINT)")
    }

    /// Microseconds since the epoch of a timestamp.
    fn ts_micros(&self, e: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("epoch_us({e})"),
            Dialect::Spark => format!("unix_micros({e})"),
            Dialect::Trino => format!("CAST(ROUND(to_unixtime({e}) * 1000000) AS BIGINT)"),
        }
    }

    /// Integer division of non-negative BIGINTs.
    fn idiv(&self, a: &str, b: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("({a}) // ({b})"),
            Dialect::Spark => format!("({a}) div ({b})"),
            // Typed, so that the division is integral whatever the operands.
            Dialect::Trino => format!("CAST({a} AS BIGINT) / CAST({b} AS BIGINT)"),
        }
    }

    /// The UTC date of a timestamp.
    fn utc_date(&self, ts: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("CAST(timezone('UTC', {ts}) AS DATE)"),
            Dialect::Spark => {
                format!("date_from_unix_date(CAST(floor(unix_micros({ts}) / 86400000000) AS INT))")
            }
            Dialect::Trino => format!("CAST({ts} AT TIME ZONE 'UTC' AS DATE)"),
        }
    }

    /// The first day of the bucket of a timestamp (UTC; weeks start on Monday).
    fn bucket(&self, bucket: TimeBucket, ts: &str) -> String {
        let day = self.utc_date(ts);
        match (bucket, self.d) {
            (TimeBucket::Day, _) => day,
            (TimeBucket::Week, Dialect::DuckDb) => {
                format!("CAST(date_trunc('week', {day}) AS DATE)")
            }
            (TimeBucket::Month, Dialect::DuckDb) => {
                format!("CAST(date_trunc('month', {day}) AS DATE)")
            }
            (TimeBucket::Week, Dialect::Spark) => {
                format!("date_sub({day}, (dayofweek({day}) + 5) % 7)")
            }
            (TimeBucket::Month, Dialect::Spark) => format!("trunc({day}, 'MM')"),
            (TimeBucket::Week, Dialect::Trino) => format!("date_trunc('week', {day})"),
            (TimeBucket::Month, Dialect::Trino) => format!("date_trunc('month', {day})"),
        }
    }

    /// The rank of a phase name in API order (unknown and null: 11).
    fn phase_rank(&self, e: &str) -> String {
        let mut s = format!("CASE {e}");
        for (i, p) in PHASE_ORDER.iter().enumerate() {
            let _ = write!(s, " WHEN {} THEN {i}", self.lit(p));
        }
        let _ = write!(s, " ELSE {} END", PHASE_ORDER.len());
        s
    }

    /// The text type.
    fn text(&self) -> &'static str {
        match self.d {
            Dialect::Spark => "STRING",
            Dialect::DuckDb | Dialect::Trino => "VARCHAR",
        }
    }

    /// `a IS NOT DISTINCT FROM b` (null-safe equality).
    fn same(&self, a: &str, b: &str) -> String {
        format!("{a} IS NOT DISTINCT FROM {b}")
    }

    /// A one-element array, appending to one, and membership.
    fn array_of(&self, e: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("[{e}]"),
            Dialect::Spark => format!("array({e})"),
            Dialect::Trino => format!("ARRAY[{e}]"),
        }
    }

    fn array_append(&self, a: &str, e: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("list_append({a}, {e})"),
            Dialect::Spark => format!("array_append({a}, {e})"),
            Dialect::Trino => format!("concat({a}, ARRAY[{e}])"),
        }
    }

    fn array_contains(&self, a: &str, e: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("list_contains({a}, {e})"),
            Dialect::Spark => format!("array_contains({a}, {e})"),
            Dialect::Trino => format!("contains({a}, {e})"),
        }
    }

    /// The ids of a group as a list ordered by `pos`.
    fn list_ordered(&self, value: &str, pos: &str) -> String {
        match self.d {
            Dialect::DuckDb => format!("list({value} ORDER BY {pos})"),
            Dialect::Spark => format!(
                "transform(array_sort(collect_list(named_struct('p', {pos}, 'v', {value}))), x -> x.v)"
            ),
            Dialect::Trino => format!("array_agg({value} ORDER BY {pos})"),
        }
    }

    /// `ORDER BY` terms: ascending with nulls last or first.
    fn asc(&self, e: &str, nulls_first: bool) -> String {
        format!(
            "{e} ASC NULLS {}",
            if nulls_first { "FIRST" } else { "LAST" }
        )
    }

    // ---------------------------------------------------------------- outcomes

    fn outcomes(&self, by: Option<TimeBucket>) -> String {
        let mut aggs = vec!["CAST(COUNT(*) AS BIGINT) AS builds".to_owned()];
        for s in KNOWN_STATUSES {
            aggs.push(format!(
                "{} AS {}",
                self.count_if(&format!("buildStatus = {}", self.lit(s))),
                self.id(s)
            ));
        }
        aggs.push(format!(
            "{} AS otherStatuses",
            self.count_if(&format!(
                "buildStatus IS NOT NULL AND buildStatus NOT {}",
                self.in_list(&KNOWN_STATUSES)
            ))
        ));
        aggs.push(format!(
            "{} AS {}",
            self.count_if("buildStatus IS NULL"),
            self.id(NO_STATUS)
        ));
        let completed = self.count_if(&self.completed("buildStatus"));
        aggs.push(format!("{completed} AS completed"));
        aggs.push(format!(
            "{} AS successRate",
            self.ratio(
                &self.count_if("buildStatus = 'SUCCEEDED'"),
                &format!(
                    "({completed} - {})",
                    self.count_if("buildStatus = 'STOPPED'")
                )
            )
        ));
        let when = |cond: &str, e: &str| format!("CASE WHEN {cond} THEN {e} END");
        let comp = self.completed("buildStatus");
        for (name, cond) in [
            ("duration", comp.as_str()),
            ("succeededDuration", "buildStatus = 'SUCCEEDED'"),
        ] {
            for (suffix, q) in [("P50", 0.5), ("P95", 0.95)] {
                aggs.push(format!(
                    "{} AS {name}{suffix}",
                    self.pct(&when(cond, "durationSeconds"), q)
                ));
            }
        }
        aggs.push(format!(
            "{} AS overheadP50",
            self.pct("overheadSeconds", 0.5)
        ));
        aggs.push(format!(
            "{} AS overheadP95",
            self.pct("overheadSeconds", 0.95)
        ));
        let aggs = aggs.join(",\n    ");
        let (bucket_col, bucket_sel, bucket_group, bucket_order) = match by {
            Some(bk) => {
                let name = bk.name();
                (
                    format!(",\n    {} AS {name}", self.bucket(bk, "startTime")),
                    format!(", {name}"),
                    format!(", {name}"),
                    format!(", {}", self.asc(name, false)),
                )
            }
            None => Default::default(),
        };
        format!(
            "WITH {},\nx AS (\n  SELECT *{bucket_col}\n  FROM b\n)\n\
             SELECT projectName{bucket_sel}, {cols} FROM (\n\
             SELECT projectName{bucket_sel}, 0 AS overall,\n    {aggs}\n  FROM x GROUP BY projectName{bucket_group}\n\
             UNION ALL\n\
             SELECT {all} AS projectName{bucket_sel}, 1 AS overall,\n    {aggs}\n  FROM x{group_all}\n) t\n\
             ORDER BY overall, {order}{bucket_order}",
            self.builds_cte(),
            cols = self.outcome_columns(),
            all = self.lit(ALL_PROJECTS),
            group_all = if by.is_some() {
                format!(" GROUP BY {}", by.map(|b| b.name()).unwrap_or_default())
            } else {
                String::new()
            },
            order = self.asc("projectName", false),
        )
    }

    fn outcome_columns(&self) -> String {
        let mut cols = vec!["builds".to_owned()];
        cols.extend(KNOWN_STATUSES.iter().map(|s| self.id(s)));
        cols.push("otherStatuses".into());
        cols.push(self.id(NO_STATUS));
        cols.extend(
            [
                "completed",
                "successRate",
                "durationP50",
                "durationP95",
                "succeededDurationP50",
                "succeededDurationP95",
                "overheadP50",
                "overheadP95",
            ]
            .map(String::from),
        );
        cols.join(", ")
    }

    // ------------------------------------------------------------ phase timing

    fn phase_timing(&self) -> String {
        let d = "j.d";
        format!(
            "WITH {b},\n\
             j AS (\n  SELECT b.projectName, p.{pt} AS phaseType, p.{dur} AS d, p.{bid} AS buildId\n  FROM {phases} p JOIN b ON p.{bid} = b.id\n),\n\
             den AS (\n  SELECT projectName, CAST(SUM({bus}) AS DOUBLE) * 1e-6 AS seconds\n  FROM b WHERE id IN (SELECT buildId FROM j)\n  GROUP BY projectName\n)\n\
             SELECT j.projectName, j.phaseType,\n  \
             CAST(COUNT({d}) AS BIGINT) AS {count},\n  \
             {total} / NULLIF(COUNT({d}), 0) AS mean,\n  \
             {p50} AS p50, {p90} AS p90, {p95} AS p95, {p99} AS p99,\n  \
             MAX({d}) AS {max},\n  \
             {total} AS totalSeconds,\n  \
             CASE WHEN MAX(den.seconds) > 0 THEN {total} / MAX(den.seconds) END AS share\n\
             FROM j LEFT JOIN den ON {same}\n\
             GROUP BY j.projectName, j.phaseType\n\
             ORDER BY {o1}, {rank}, {o2}",
            b = self.builds_cte(),
            pt = self.col("phaseType"),
            dur = self.col("durationSeconds"),
            bid = self.col("buildId"),
            phases = self.table("phases"),
            bus = self.micros("durationSeconds"),
            count = self.id("count"),
            max = self.id("max"),
            total = self.seconds_sum(d),
            p50 = self.pct(d, 0.5),
            p90 = self.pct(d, 0.9),
            p95 = self.pct(d, 0.95),
            p99 = self.pct(d, 0.99),
            same = self.same("j.projectName", "den.projectName"),
            o1 = self.asc("j.projectName", false),
            rank = self.phase_rank("j.phaseType"),
            o2 = self.asc("j.phaseType", false),
        )
    }

    fn overhead_split(&self) -> String {
        let (o, e) = ("overheadSeconds", "executionSeconds");
        let (ot, et) = (self.seconds_sum(o), self.seconds_sum(e));
        format!(
            "WITH {b}\n\
             SELECT projectName,\n  CAST(COUNT(*) AS BIGINT) AS builds,\n  \
             {op50} AS overheadP50, {op95} AS overheadP95,\n  \
             {ot} / NULLIF(COUNT({o}), 0) AS overheadMean, {ot} AS overheadTotal,\n  \
             {ep50} AS executionP50, {ep95} AS executionP95,\n  \
             {et} / NULLIF(COUNT({e}), 0) AS executionMean, {et} AS executionTotal,\n  \
             {share} AS overheadShare\n\
             FROM b GROUP BY projectName\nORDER BY {order}",
            b = self.builds_cte(),
            op50 = self.pct(o, 0.5),
            op95 = self.pct(o, 0.95),
            ep50 = self.pct(e, 0.5),
            ep95 = self.pct(e, 0.95),
            share = self.ratio(&ot, &format!("({ot} + {et})")),
            order = self.asc("projectName", false),
        )
    }

    // ---------------------------------------------------------------- failures

    fn failures_by_phase(&self) -> String {
        format!(
            "WITH {b},\n\
             f AS (\n  SELECT failedPhase, CAST(COUNT(*) AS BIGINT) AS {count}\n  FROM b WHERE {fail}\n  GROUP BY failedPhase\n)\n\
             SELECT failedPhase, {count}, CAST({count} AS DOUBLE) / CAST(SUM({count}) OVER () AS DOUBLE) AS share\n\
             FROM f\nORDER BY {rank}, {o}",
            b = self.builds_cte(),
            count = self.id("count"),
            fail = self.failure("buildStatus"),
            rank = self.phase_rank("failedPhase"),
            o = self.asc("failedPhase", false),
        )
    }

    fn top_failure_reasons(&self) -> String {
        let empty_null = |c: &str| format!("CASE WHEN {c} = '' THEN NULL ELSE {c} END");
        let count = self.id("count");
        format!(
            "WITH {b},\n\
             f AS (\n  SELECT id, startTime, failureMessage,\n    {code} AS failureStatusCode,\n    {norm} AS normalizedMessage\n  FROM b WHERE {fail}\n),\n\
             r AS (\n  SELECT f.*, ROW_NUMBER() OVER (\n    PARTITION BY failureStatusCode, normalizedMessage\n    ORDER BY startTime DESC NULLS LAST, id DESC NULLS LAST) AS latest\n  FROM f\n)\n\
             SELECT failureStatusCode, normalizedMessage,\n  CAST(COUNT(*) AS BIGINT) AS {count},\n  \
             CAST(COUNT(*) AS DOUBLE) / CAST(SUM(COUNT(*)) OVER () AS DOUBLE) AS share,\n  \
             MIN(startTime) AS firstSeen, MAX(startTime) AS lastSeen,\n  \
             MAX(CASE WHEN latest = 1 THEN id END) AS exampleBuildId,\n  \
             MAX(CASE WHEN latest = 1 THEN failureMessage END) AS exampleMessage\n\
             FROM r\nGROUP BY failureStatusCode, normalizedMessage\n\
             ORDER BY {count} DESC, {o1}, {o2}",
            b = self.builds_cte(),
            code = empty_null("failureStatusCode"),
            norm = normalize_message_sql(self.d, &empty_null("failureMessage")),
            fail = self.failure("buildStatus"),
            o1 = self.asc("failureStatusCode", false),
            o2 = self.asc("normalizedMessage", false),
        )
    }

    fn failure_rates(&self, column: &str) -> String {
        let completed = self.count_if(&self.completed("buildStatus"));
        let failures = self.count_if(&self.failure("buildStatus"));
        let short = BUILD_COLUMNS
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, a)| *a)
            .expect("a column of the b CTE");
        format!(
            "WITH {b}\n\
             SELECT {short} AS {key},\n  CAST(COUNT(*) AS BIGINT) AS builds,\n  {completed} AS completed,\n  {failures} AS failures,\n  {rate} AS failureRate\n\
             FROM b\nGROUP BY {short}\nORDER BY {o}",
            b = self.builds_cte(),
            key = self.id(column),
            rate = self.ratio(
                &failures,
                &format!(
                    "({completed} - {})",
                    self.count_if("buildStatus = 'STOPPED'")
                )
            ),
            o = self.asc(short, false),
        )
    }

    // ------------------------------------------------------------ retry chains

    /// The CTEs that put every build in its auto-retry chain: `m` = the
    /// builds of the whole archive (`ball`) with `chain` (the chain's
    /// smallest member id), `pos` (0-based position in chain order),
    /// `length` and `rootKept` (1 when the chain's root passes the filters).
    ///
    /// Links are resolved over the whole `builds` table; a chain is the
    /// connected component of the links (either side of a link suffices),
    /// found by walking every simple path of the undirected links from
    /// each linked build (a recursive CTE; a path never visits a build
    /// twice, so cycles end). A chain of n builds costs about n² rows.
    fn chain_ctes(&self) -> String {
        format!(
            "WITH RECURSIVE {b},\n\
             link AS (\n  SELECT a.id AS src, c.id AS dst FROM ball a JOIN ball c ON a.nextRetry = c.arn\n  UNION\n  SELECT a.id AS src, c.id AS dst FROM ball a JOIN ball c ON c.previousRetry = a.arn\n),\n\
             edge AS (\n  SELECT src AS x, dst AS y FROM link WHERE src <> dst\n  UNION\n  SELECT dst AS x, src AS y FROM link WHERE src <> dst\n),\n\
             walk (origin, node, path) AS (\n  SELECT DISTINCT x AS origin, x AS node, {start} AS path FROM edge\n  UNION ALL\n  SELECT w.origin, e.y, {append}\n  FROM walk w JOIN edge e ON e.x = w.node\n  WHERE NOT {contains}\n),\n\
             comp AS (\n  SELECT origin AS id, MIN(node) AS chain FROM walk GROUP BY origin\n),\n\
             mc AS (\n  SELECT ball.*, COALESCE(comp.chain, ball.id) AS chain FROM ball LEFT JOIN comp ON comp.id = ball.id\n),\n\
             m0 AS (\n  SELECT mc.*,\n    ROW_NUMBER() OVER (PARTITION BY chain ORDER BY retryNumber ASC NULLS LAST, startTime ASC NULLS LAST, id ASC) - 1 AS pos,\n    COUNT(*) OVER (PARTITION BY chain) AS length\n  FROM mc\n),\n\
             m AS (\n  -- rootKept: the chain's root passes the filters (the chain is selected)\n  SELECT m0.*, MAX(CASE WHEN pos = 0 AND kept THEN 1 ELSE 0 END) OVER (PARTITION BY chain) AS rootKept\n  FROM m0\n)",
            b = self.all_builds_ctes(),
            start = self.array_of("x"),
            append = self.array_append("w.path", "e.y"),
            contains = self.array_contains("w.path", "e.y"),
        )
    }

    /// `chain_ctes` and `ch`: one row per chain with the columns of the
    /// `retry chains` section (but `cyclic` and `conflicting`).
    fn chains_cte(&self) -> String {
        let root = |c: &str| format!("MAX(CASE WHEN m.pos = 0 THEN m.{c} END)");
        let last = |c: &str| format!("MAX(CASE WHEN m.pos = m.length - 1 THEN m.{c} END)");
        let fail = |c: &str| self.failure(c);
        format!(
            "{chains},\n\
             arns AS (SELECT DISTINCT arn FROM ball WHERE arn IS NOT NULL),\n\
             dangling AS (\n  SELECT m.id, CASE WHEN (m.nextRetry IS NOT NULL AND n.arn IS NULL) OR (m.previousRetry IS NOT NULL AND p.arn IS NULL) THEN 1 ELSE 0 END AS missing\n  FROM m LEFT JOIN arns n ON n.arn = m.nextRetry LEFT JOIN arns p ON p.arn = m.previousRetry\n),\n\
             ch0 AS (\n  SELECT m.chain,\n    {rid} AS chainId, {rproj} AS projectName, {rstart} AS startTime,\n    CAST(MAX(m.length) AS BIGINT) AS length,\n    {members} AS memberIds,\n    {rstatus} AS rootStatus, {fstatus} AS finalStatus,\n    {fnum} AS finalNumber, {flimit} AS finalLimit,\n    {fend} AS finalEnd,\n    {wasted} AS wastedSeconds,\n    MAX(d.missing) AS missing\n  FROM m JOIN dangling d ON d.id = m.id\n  WHERE m.rootKept = 1\n  GROUP BY m.chain\n),\n\
             ch AS (\n  SELECT chainId, projectName, startTime, length, memberIds, rootStatus, finalStatus,\n    COALESCE({rfail} AND finalStatus = 'SUCCEEDED', FALSE) AS recovered,\n    COALESCE({ffail} AND finalNumber = finalLimit, FALSE) AS exhausted,\n    wastedSeconds,\n    CASE WHEN {rfail} AND finalStatus = 'SUCCEEDED' THEN CAST({fendus} - {rstartus} AS DOUBLE) / 1e6 END AS timeToGreenSeconds,\n    missing = 1 AS incomplete\n  FROM ch0\n)",
            chains = self.chain_ctes(),
            rid = root("id"),
            rproj = root("projectName"),
            rstart = root("startTime"),
            members = self.list_ordered("m.id", "m.pos"),
            rstatus = root("buildStatus"),
            fstatus = last("buildStatus"),
            fnum = last("retryNumber"),
            flimit = last("retryLimit"),
            fend = last("endTime"),
            wasted = self.seconds_sum("CASE WHEN m.pos < m.length - 1 THEN m.durationSeconds END"),
            rfail = fail("rootStatus"),
            ffail = fail("finalStatus"),
            fendus = self.ts_micros("finalEnd"),
            rstartus = self.ts_micros("startTime"),
        )
    }

    fn retry_chains(&self) -> String {
        format!(
            "{},\n\
             dwalk (origin, node, path) AS (\n  SELECT DISTINCT src AS origin, src AS node, {start} AS path FROM link\n  UNION ALL\n  SELECT w.origin, l.dst, {append}\n  FROM dwalk w JOIN link l ON l.src = w.node\n  WHERE NOT {contains}\n),\n\
             cyc AS (\n  -- builds on a directed cycle of links: a walk along the links from a build back to it\n  SELECT DISTINCT w.origin AS id FROM dwalk w JOIN link l ON l.src = w.node AND l.dst = w.origin\n),\n\
             claims AS (\n  -- predecessor and successor ARNs each build is claimed by or claims (dangling ones too)\n  SELECT id, previousRetry AS pred, CAST(NULL AS {text}) AS succ FROM ball WHERE previousRetry IS NOT NULL\n  UNION ALL SELECT c.id, a.arn, NULL FROM ball a JOIN ball c ON a.nextRetry = c.arn WHERE a.arn IS NOT NULL\n  UNION ALL SELECT id, NULL, nextRetry FROM ball WHERE nextRetry IS NOT NULL\n  UNION ALL SELECT a.id, NULL, c.arn FROM ball a JOIN ball c ON c.previousRetry = a.arn WHERE c.arn IS NOT NULL\n),\n\
             conflict AS (\n  SELECT id FROM claims GROUP BY id HAVING COUNT(DISTINCT pred) > 1 OR COUNT(DISTINCT succ) > 1\n),\n\
             flags AS (\n  SELECT m.chain,\n    MAX(CASE WHEN cyc.id IS NOT NULL THEN 1 ELSE 0 END) = 1 AS cyclic,\n    MAX(CASE WHEN conflict.id IS NOT NULL THEN 1 ELSE 0 END) = 1 AS conflicting\n  FROM m LEFT JOIN cyc ON cyc.id = m.id LEFT JOIN conflict ON conflict.id = m.id\n  GROUP BY m.chain\n)\n\
             SELECT ch.chainId, ch.projectName, ch.startTime, ch.length, ch.memberIds, ch.rootStatus, ch.finalStatus,\n  ch.recovered, ch.exhausted, ch.wastedSeconds, ch.timeToGreenSeconds, ch.incomplete, f.cyclic, f.conflicting\n\
             FROM ch JOIN m ON m.id = ch.chainId JOIN flags f ON f.chain = m.chain\n\
             ORDER BY {o1}, {o2}, ch.chainId",
            self.chains_cte(),
            start = self.array_of("src"),
            append = self.array_append("w.path", "l.dst"),
            contains = self.array_contains("w.path", "l.dst"),
            o1 = self.asc("ch.projectName", true),
            text = self.text(),
            o2 = self.asc("ch.startTime", true),
        )
    }

    fn retry_summary(&self) -> String {
        let count = |c: &str| self.count_if(c);
        let with_retries = count("length > 1");
        let root_failures = count(&self.failure("rootStatus"));
        let recovered = count("recovered");
        format!(
            "{},\n\
             s AS (\n  SELECT projectName,\n    CAST(COUNT(*) AS BIGINT) AS chains,\n    {with_retries} AS chainsWithRetries,\n    {root_failures} AS rootFailures,\n    {recovered} AS recovered,\n    {exhausted} AS exhausted,\n    {wasted} / 60.0 AS minutesWasted\n  FROM ch GROUP BY projectName\n)\n\
             SELECT projectName, chains, chainsWithRetries, rootFailures,\n  {retry_rate} AS retryRate,\n  recovered,\n  {recovery_rate} AS recoveryRate,\n  exhausted, minutesWasted\n\
             FROM s ORDER BY {o}",
            self.chains_cte(),
            exhausted = count("exhausted"),
            wasted = self.seconds_sum("wastedSeconds"),
            retry_rate = self.ratio("chainsWithRetries", "rootFailures"),
            recovery_rate = self.ratio("recovered", "chainsWithRetries"),
            o = self.asc("projectName", true),
        )
    }

    // ------------------------------------------------ flaky commits, rebuilds

    /// `chain_ctes` and `fc`: the flaky commits with `recoveredByRetry`.
    fn flaky_ctes(&self) -> String {
        let st = |s: &str| self.count_if(&format!("buildStatus = {}", self.lit(s)));
        format!(
            "{chains},\n\
             counts AS (\n  SELECT projectName, resolvedSourceVersion,\n    CAST(COUNT(*) AS BIGINT) AS builds,\n    {succ} AS succeeded, {failed} AS failed, {fault} AS fault,\n    {timed} AS timedOut, {stopped} AS stopped,\n    MIN(startTime) AS firstSeen, MAX(startTime) AS lastSeen\n  FROM b WHERE resolvedSourceVersion IS NOT NULL\n  GROUP BY projectName, resolvedSourceVersion\n),\n\
             rec AS (\n  -- a failure of the commit followed, later in its chain, by a success of the commit\n  SELECT DISTINCT f.projectName, f.resolvedSourceVersion\n  FROM m f JOIN m s ON s.chain = f.chain AND s.pos > f.pos\n    AND {same_p} AND s.resolvedSourceVersion = f.resolvedSourceVersion\n  WHERE {ffail} AND s.buildStatus = 'SUCCEEDED' AND f.resolvedSourceVersion IS NOT NULL\n    AND f.kept AND s.kept\n),\n\
             fc AS (\n  SELECT c.projectName, c.resolvedSourceVersion, builds, succeeded, failed, fault, timedOut, stopped,\n    builds - succeeded - failed - fault - timedOut - stopped AS other,\n    firstSeen, lastSeen,\n    rec.resolvedSourceVersion IS NOT NULL AS recoveredByRetry\n  FROM counts c LEFT JOIN rec ON {same_rec} AND rec.resolvedSourceVersion = c.resolvedSourceVersion\n  WHERE succeeded > 0 AND failed + fault + timedOut > 0\n)",
            chains = self.chain_ctes(),
            succ = st("SUCCEEDED"),
            failed = st("FAILED"),
            fault = st("FAULT"),
            timed = st("TIMED_OUT"),
            stopped = st("STOPPED"),
            same_p = self.same("s.projectName", "f.projectName"),
            ffail = self.failure("f.buildStatus"),
            same_rec = self.same("rec.projectName", "c.projectName"),
        )
    }

    fn flaky_commits(&self) -> String {
        format!(
            "{}\nSELECT * FROM fc ORDER BY {}, {}",
            self.flaky_ctes(),
            self.asc("projectName", true),
            self.asc("resolvedSourceVersion", true)
        )
    }

    fn flaky_rate(&self) -> String {
        format!(
            "{},\n\
             commits AS (\n  SELECT projectName, CAST(COUNT(DISTINCT resolvedSourceVersion) AS BIGINT) AS commits\n  FROM b WHERE resolvedSourceVersion IS NOT NULL GROUP BY projectName\n),\n\
             flaky AS (SELECT projectName, CAST(COUNT(*) AS BIGINT) AS flakyCommits FROM fc GROUP BY projectName)\n\
             SELECT c.projectName, c.commits, COALESCE(f.flakyCommits, 0) AS flakyCommits,\n  {rate} AS flakyRate\n\
             FROM commits c LEFT JOIN flaky f ON {same}\nORDER BY {o}",
            self.flaky_ctes(),
            rate = self.ratio("COALESCE(f.flakyCommits, 0)", "c.commits"),
            same = self.same("f.projectName", "c.projectName"),
            o = self.asc("c.projectName", true),
        )
    }

    /// `chain_ctes` and `mr`: the manual rebuilds.
    fn rebuild_ctes(&self) -> String {
        format!(
            "{chains},\n\
             cand AS (\n  -- for each kept build q, the completed builds a (of the whole archive) of its commit that ended before q started, in another chain\n  SELECT q.id, q.projectName, q.resolvedSourceVersion, q.startTime, q.buildStatus, q.pos > 0 AS autoRetry,\n    a.id AS previousId, a.buildStatus AS previousStatus,\n    ROW_NUMBER() OVER (PARTITION BY q.id ORDER BY a.endTime DESC, a.startTime DESC NULLS LAST, a.id DESC NULLS LAST) AS latest\n  FROM m q JOIN m a ON a.projectName = q.projectName AND a.resolvedSourceVersion = q.resolvedSourceVersion\n  WHERE q.kept AND q.startTime IS NOT NULL AND a.endTime IS NOT NULL AND a.endTime < q.startTime\n    AND {completed} AND a.chain <> q.chain\n),\n\
             mr AS (\n  SELECT id, projectName, resolvedSourceVersion, startTime, buildStatus, autoRetry, previousId, previousStatus,\n    COALESCE({prev_fail} AND buildStatus = 'SUCCEEDED', FALSE) AS rescued\n  FROM cand WHERE latest = 1\n)",
            chains = self.chain_ctes(),
            completed = self.completed("a.buildStatus"),
            prev_fail = self.failure("previousStatus"),
        )
    }

    fn manual_rebuilds(&self) -> String {
        format!(
            "{}\nSELECT * FROM mr ORDER BY {}, {}, {}",
            self.rebuild_ctes(),
            self.asc("projectName", true),
            self.asc("startTime", true),
            self.asc("id", true),
        )
    }

    fn manual_rebuild_summary(&self) -> String {
        let after = self.count_if(&self.failure("previousStatus"));
        let rescued = self.count_if("rescued");
        format!(
            "{}\nSELECT projectName, CAST(COUNT(*) AS BIGINT) AS rebuilds,\n  {after} AS afterFailure,\n  {rescued} AS rescued,\n  {rate} AS rescueRate\n\
             FROM mr GROUP BY projectName ORDER BY {o}",
            self.rebuild_ctes(),
            rate = self.ratio(&rescued, &after),
            o = self.asc("projectName", true),
        )
    }

    // ---------------------------------------------------------------- recovery

    /// The CTEs of the recovery queries: `seq` = per (project,
    /// sourceVersion) the builds that succeeded or failed, with a
    /// `startTime`, in `startTime` then `id` order (`rn`); `rp` = one row
    /// per red period, i.e. per run of consecutive failures: it starts at
    /// the `endTime` of the run's first failure and ends at the `endTime`
    /// of the build after the run (a success), or is open.
    fn recovery_ctes(&self) -> String {
        let key = "PARTITION BY projectName, sourceVersion";
        let whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";
        format!(
            "WITH {b},\n\
             s0 AS (\n  SELECT projectName, sourceVersion, id, startTime, endTime, {fail} AS failed,\n    ROW_NUMBER() OVER ({key} ORDER BY startTime, id) AS rn\n  FROM b WHERE startTime IS NOT NULL AND (buildStatus = 'SUCCEEDED' OR {fail})\n),\n\
             seq AS (\n  SELECT s0.*,\n    LAG(failed) OVER ({key} ORDER BY rn) AS prevFailed,\n    LEAD(rn) OVER ({key} ORDER BY rn) AS nextRn,\n    LEAD(endTime) OVER ({key} ORDER BY rn) AS nextEnd,\n    LAST_VALUE(endTime) OVER ({key} ORDER BY rn {whole}) AS lastEnd,\n    FIRST_VALUE(startTime) OVER ({key} ORDER BY rn {whole}) AS firstStart\n  FROM s0\n),\n\
             runs AS (\n  SELECT seq.*, rn - ROW_NUMBER() OVER ({key} ORDER BY rn) AS island FROM seq WHERE failed\n),\n\
             rp0 AS (\n  SELECT projectName, sourceVersion, island, MIN(rn) AS firstRn, CAST(COUNT(*) AS BIGINT) AS failures\n  FROM runs GROUP BY projectName, sourceVersion, island\n),\n\
             rp AS (\n  SELECT rp0.projectName, rp0.sourceVersion, rp0.firstRn, rp0.failures,\n    f.endTime AS start,\n    l.nextEnd AS {end_},\n    l.nextRn IS NULL AS {open},\n    CASE WHEN l.nextRn IS NULL THEN f.lastEnd ELSE l.nextEnd END AS until\n  FROM rp0\n    JOIN seq f ON {same_pf} AND {same_vf} AND f.rn = rp0.firstRn\n    JOIN seq l ON {same_pl} AND {same_vl} AND l.rn = rp0.firstRn + rp0.failures - 1\n)",
            b = self.builds_cte(),
            fail = self.failure("buildStatus"),
            end_ = self.id("end"),
            open = self.id("open"),
            same_pf = self.same("f.projectName", "rp0.projectName"),
            same_vf = self.same("f.sourceVersion", "rp0.sourceVersion"),
            same_pl = self.same("l.projectName", "rp0.projectName"),
            same_vl = self.same("l.sourceVersion", "rp0.sourceVersion"),
        )
    }

    /// Seconds from timestamp `a` to `b` (null when either is).
    fn seconds_between(&self, a: &str, b: &str) -> String {
        format!(
            "CAST({} - {} AS DOUBLE) / 1e6",
            self.ts_micros(b),
            self.ts_micros(a)
        )
    }

    fn red_periods(&self) -> String {
        format!(
            "{}\nSELECT projectName, sourceVersion, start, {end_}, {secs} AS seconds, {open}, failures\n\
             FROM rp ORDER BY {o1}, {o2}, {o3}, firstRn",
            self.recovery_ctes(),
            end_ = self.id("end"),
            open = self.id("open"),
            secs = self.seconds_between("start", "until"),
            o1 = self.asc("projectName", true),
            o2 = self.asc("sourceVersion", true),
            o3 = self.asc("start", true),
        )
    }

    fn recovery_summary(&self) -> String {
        let secs = self.seconds_between("start", "until");
        let span = self.seconds_between("MAX(firstStart)", "MAX(lastEnd)");
        format!(
            "{},\n\
             rps AS (SELECT rp.*, {secs} AS seconds FROM rp),\n\
             g AS (\n  -- per (project, sourceVersion): the span and the consecutive pairs\n  SELECT projectName, sourceVersion,\n    {span} AS span,\n    {after} AS afterFail,\n    {fail_after} AS failAfterFail\n  FROM seq GROUP BY projectName, sourceVersion\n),\n\
             gr AS (\n  SELECT projectName, sourceVersion, SUM(seconds) AS red\n  FROM rps GROUP BY projectName, sourceVersion\n),\n\
             pg AS (\n  SELECT g.projectName,\n    COALESCE(SUM(gr.red), 0) AS redSeconds,\n    SUM(g.span) AS spanSeconds,\n    COALESCE(SUM(CASE WHEN g.span IS NOT NULL THEN gr.red END), 0) AS spannedRed,\n    SUM(g.afterFail) AS afterFail, SUM(g.failAfterFail) AS failAfterFail\n  FROM g LEFT JOIN gr ON {same_p} AND {same_v}\n  GROUP BY g.projectName\n),\n\
             pp AS (\n  SELECT projectName,\n    CAST(COUNT(*) AS BIGINT) AS redPeriods,\n    {open} AS openRedPeriods,\n    AVG(CASE WHEN NOT {open_col} THEN seconds END) AS mttrSeconds,\n    CAST(MAX(failures) AS BIGINT) AS maxStreak,\n    AVG(CAST(failures AS DOUBLE)) AS meanStreak\n  FROM rps GROUP BY projectName\n)\n\
             SELECT pg.projectName,\n  CAST(COALESCE(pp.redPeriods, 0) AS BIGINT) AS redPeriods,\n  CAST(COALESCE(pp.openRedPeriods, 0) AS BIGINT) AS openRedPeriods,\n  pp.mttrSeconds, pg.redSeconds, pg.spanSeconds,\n  CASE WHEN pg.spanSeconds > 0 THEN pg.spannedRed / pg.spanSeconds END AS redShare,\n  CAST(COALESCE(pp.maxStreak, 0) AS BIGINT) AS maxStreak,\n  pp.meanStreak,\n  {p_fail} AS pFailAfterFail\n\
             FROM pg LEFT JOIN pp ON {same_pp}\nORDER BY {o}",
            self.recovery_ctes(),
            after = self.count_if("prevFailed"),
            fail_after = self.count_if("prevFailed AND failed"),
            same_p = self.same("gr.projectName", "g.projectName"),
            same_v = self.same("gr.sourceVersion", "g.sourceVersion"),
            open = self.count_if(&self.id("open")),
            open_col = self.id("open"),
            p_fail = self.ratio("pg.failAfterFail", "pg.afterFail"),
            same_pp = self.same("pp.projectName", "pg.projectName"),
            o = self.asc("pg.projectName", true),
        )
    }

    // -------------------------------------------------------------------- load

    fn peak_concurrency(&self) -> String {
        format!(
            "WITH {b},\n\
             iv AS (SELECT projectName, startTime, endTime FROM b WHERE startTime IS NOT NULL AND endTime IS NOT NULL AND endTime > startTime),\n\
             ev AS (\n  -- every interval of a project, and of the overall row (grp 0), as +1 at its start and -1 at its end\n  SELECT 1 AS grp, projectName, startTime AS t, 1 AS delta FROM iv WHERE projectName IS NOT NULL\n  UNION ALL SELECT 1, projectName, endTime, -1 FROM iv WHERE projectName IS NOT NULL\n  UNION ALL SELECT 0, CAST(NULL AS {text}), startTime, 1 FROM iv\n  UNION ALL SELECT 0, CAST(NULL AS {text}), endTime, -1 FROM iv\n),\n\
             run AS (\n  -- ends before starts at the same instant: touching intervals do not overlap\n  SELECT grp, projectName, t,\n    SUM(delta) OVER (PARTITION BY grp, projectName ORDER BY t, delta ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n\n  FROM ev\n),\n\
             peak AS (SELECT grp, projectName, MAX(n) AS peak FROM run GROUP BY grp, projectName),\n\
             pat AS (\n  SELECT r.grp, r.projectName, MIN(r.t) AS peakAt FROM run r JOIN peak p ON p.grp = r.grp AND {same} AND r.n = p.peak\n  GROUP BY r.grp, r.projectName\n),\n\
             grps AS (\n  SELECT DISTINCT 1 AS grp, projectName FROM b WHERE projectName IS NOT NULL\n  UNION ALL SELECT 0, CAST(NULL AS {text}) FROM (SELECT COUNT(*) AS n FROM b) z WHERE n > 0\n)\n\
             SELECT g.projectName, CAST(COALESCE(p.peak, 0) AS BIGINT) AS peakConcurrency,\n  CASE WHEN p.peak > 0 THEN a.peakAt END AS peakAt\n\
             FROM grps g\n  LEFT JOIN peak p ON p.grp = g.grp AND {same_gp}\n  LEFT JOIN pat a ON a.grp = g.grp AND {same_ga}\n\
             ORDER BY {o}",
            b = self.builds_cte(),
            same = self.same("p.projectName", "r.projectName"),
            same_gp = self.same("p.projectName", "g.projectName"),
            same_ga = self.same("a.projectName", "g.projectName"),
            o = self.asc("g.projectName", true),
            text = self.text(),
        )
    }

    fn build_minutes(&self) -> String {
        let minutes = |cond: &str| {
            format!(
                "{} / 60.0",
                self.seconds_sum(&format!("CASE WHEN {cond} THEN durationSeconds END"))
            )
        };
        format!(
            "WITH {b}\n\
             SELECT computeType AS {key},\n  CAST(COUNT(*) AS BIGINT) AS builds,\n  {total} / 60.0 AS totalMinutes,\n  {succ} AS succeededMinutes,\n  {fail} AS failedMinutes,\n  {retried} AS retriedMinutes\n\
             FROM b GROUP BY computeType ORDER BY {o}",
            b = self.builds_cte(),
            key = self.id("environment.computeType"),
            total = self.seconds_sum("durationSeconds"),
            succ = minutes("buildStatus = 'SUCCEEDED'"),
            fail = minutes(&self.failure("buildStatus")),
            retried = minutes("(retryNumber > 0 OR previousRetry IS NOT NULL)"),
            o = self.asc("computeType", true),
        )
    }

    fn builds_per_day(&self) -> String {
        format!(
            "WITH {b},\n\
             x AS (SELECT projectName, {day} AS day FROM b WHERE startTime IS NOT NULL)\n\
             SELECT * FROM (\n  SELECT CAST(NULL AS {text}) AS projectName, day, CAST(COUNT(*) AS BIGINT) AS builds FROM x GROUP BY day\n  UNION ALL\n  SELECT projectName, day, CAST(COUNT(*) AS BIGINT) AS builds FROM x WHERE projectName IS NOT NULL GROUP BY projectName, day\n) t\n\
             ORDER BY {o}, day",
            b = self.builds_cte(),
            day = self.utc_date("startTime"),
            o = self.asc("projectName", true),
            text = self.text(),
        )
    }

    fn builds_per_hour_of_week(&self) -> String {
        let (weekday, hour) = match self.d {
            Dialect::DuckDb => (
                "isodow(timezone('UTC', startTime))".to_owned(),
                "hour(timezone('UTC', startTime))".to_owned(),
            ),
            Dialect::Spark => {
                let day = self.utc_date("startTime");
                (
                    format!("(dayofweek({day}) + 5) % 7 + 1"),
                    "pmod(CAST(floor(unix_micros(startTime) / 3600000000) AS BIGINT), 24)".into(),
                )
            }
            Dialect::Trino => (
                "day_of_week(startTime AT TIME ZONE 'UTC')".into(),
                "hour(startTime AT TIME ZONE 'UTC')".into(),
            ),
        };
        format!(
            "WITH {b},\n\
             x AS (SELECT projectName, CAST({weekday} AS BIGINT) AS weekday, CAST({hour} AS BIGINT) AS hour FROM b WHERE startTime IS NOT NULL)\n\
             SELECT * FROM (\n  SELECT CAST(NULL AS {text}) AS projectName, weekday, hour, CAST(COUNT(*) AS BIGINT) AS builds FROM x GROUP BY weekday, hour\n  UNION ALL\n  SELECT projectName, weekday, hour, CAST(COUNT(*) AS BIGINT) AS builds FROM x WHERE projectName IS NOT NULL GROUP BY projectName, weekday, hour\n) t\n\
             ORDER BY {o}, weekday, hour",
            b = self.builds_cte(),
            o = self.asc("projectName", true),
            text = self.text(),
        )
    }

    // -------------------------------------------------------------------- cost

    /// The price table: a `VALUES` list of [`SqlOptions::prices`], or the
    /// table [`SqlOptions::price_table`] names.
    fn prices_cte(&self) -> String {
        if let Some(t) = &self.opts.price_table {
            return format!(
                "prices AS (SELECT region, environmentType, computeType, usdPerMinute, usdPerSecond FROM {t})"
            );
        }
        let table = self.opts.prices.as_ref().expect("a price table");
        let num = |v: Option<f64>| match v {
            Some(v) => format!("CAST({v:?} AS DOUBLE)"),
            None => "CAST(NULL AS DOUBLE)".into(),
        };
        let rows: Vec<String> = table
            .prices
            .iter()
            .map(|p| {
                format!(
                    "({}, {}, {}, {}, {})",
                    self.lit(&p.region),
                    self.lit(&p.environment_type),
                    self.lit(&p.compute_type),
                    num(p.usd_per_minute),
                    num(p.usd_per_second)
                )
            })
            .collect();
        if rows.is_empty() {
            return "prices AS (SELECT CAST(NULL AS VARCHAR(64)) AS region, CAST(NULL AS VARCHAR(64)) AS environmentType, CAST(NULL AS VARCHAR(64)) AS computeType, CAST(NULL AS DOUBLE) AS usdPerMinute, CAST(NULL AS DOUBLE) AS usdPerSecond WHERE 1 = 0)".into();
        }
        format!(
            "prices AS (\n  -- {} ({}, as of {})\n  SELECT * FROM (VALUES\n    {}\n  ) AS t (region, environmentType, computeType, usdPerMinute, usdPerSecond)\n)",
            "the price table of cbstats",
            table.source.replace('\n', " "),
            table.as_of.replace('\n', " "),
            rows.join(",\n    ")
        )
    }

    /// The CTEs of the cost queries: `c` = one row per build with its
    /// billing, billed units and cost.
    fn cost_ctes(&self, with: &str) -> String {
        format!("{with}{},\n{}", self.builds_cte(), self.cost_of("b"))
    }

    /// The CTEs pricing each build of `src` (a CTE of builds): `prices`,
    /// then `k`, `c`, `cb` and `cost` (one row per build of `src`).
    fn cost_of(&self, src: &str) -> String {
        use NotPricedReason::*;
        let region = "CASE WHEN split_part(arn, ':', 1) = 'arn' AND split_part(arn, ':', 4) <> '' THEN split_part(arn, ':', 4) END";
        let lambda = "substr(computeType, 1, 13) = 'BUILD_LAMBDA_'";
        let reason = |r: NotPricedReason| self.lit(r.as_str());
        let units = self.idiv("us + unitUs - 1", "unitUs");
        format!(
            "{prices},\n\
             k AS (\n  SELECT {src}.*, {region} AS region,\n    CASE WHEN computeType IS NULL THEN NULL WHEN {lambda} THEN 'second' ELSE 'minute' END AS billing,\n    CASE WHEN computeType IS NOT NULL AND {lambda} THEN 1000000 ELSE 60000000 END AS unitUs,\n    {end_us} - {start_us} AS us\n  FROM {src}\n),\n\
             c AS (\n  SELECT k.*,\n    CASE\n      WHEN k.startTime IS NULL OR k.endTime IS NULL THEN {no_duration}\n      WHEN k.us < 0 THEN {negative}\n      WHEN k.fleetArn IS NOT NULL AND k.fleetArn <> '' THEN {fleet}\n      WHEN k.region IS NULL THEN {no_region}\n      WHEN k.envType IS NULL THEN {no_env}\n      WHEN k.computeType IS NULL THEN {no_compute}\n      WHEN p.region IS NULL THEN {no_price}\n    END AS notPricedReason,\n    p.usdPerMinute AS pMinute, p.usdPerSecond AS pSecond\n  FROM k LEFT JOIN prices p ON p.region = k.region AND p.environmentType = k.envType AND p.computeType = k.computeType\n),\n\
             cb AS (\n  SELECT c.*,\n    CASE WHEN notPricedReason IS NULL THEN {units} END AS units,\n    CASE WHEN notPricedReason IS NULL THEN\n      CASE WHEN billing = 'minute' THEN COALESCE(pMinute, pSecond * 60) ELSE COALESCE(pSecond, pMinute / 60) END\n    END AS usdPerUnit,\n    CASE WHEN notPricedReason IS NULL THEN COALESCE(pMinute, pSecond * 60) END AS usdPerMinute\n  FROM c\n),\n\
             cost AS (\n  SELECT cb.*, units * unitUs / 1000000 AS billedSeconds, units * usdPerUnit AS estimatedCostUsd FROM cb\n)",
            prices = self.prices_cte(),
            end_us = self.ts_micros("endTime"),
            start_us = self.ts_micros("startTime"),
            no_duration = reason(NoDuration),
            negative = reason(NegativeDuration),
            fleet = reason(ReservedFleet),
            no_region = reason(NoRegion),
            no_env = reason(NoEnvironmentType),
            no_compute = reason(NoComputeType),
            no_price = reason(NoPrice),
        )
    }

    fn build_costs(&self) -> String {
        format!(
            "{}\nSELECT id, projectName, startTime, buildStatus, region, envType AS {}, computeType AS {},\n  billing, CAST(billedSeconds AS BIGINT) AS billedSeconds, usdPerMinute, estimatedCostUsd, notPricedReason\n\
             FROM cost ORDER BY {}, {}, {}",
            self.cost_ctes("WITH "),
            self.id("environment.type"),
            self.id("environment.computeType"),
            self.asc("projectName", true),
            self.asc("startTime", true),
            self.asc("id", true),
        )
    }

    fn cost_by_compute_type(&self) -> String {
        format!(
            "{}\nSELECT region, envType AS {}, computeType AS {}, MAX(billing) AS billing,\n  CAST(COUNT(*) AS BIGINT) AS builds,\n  {priced} AS pricedBuilds,\n  CAST(COALESCE(SUM(billedSeconds), 0) AS DOUBLE) / 60.0 AS billedMinutes,\n  MAX(usdPerMinute) AS usdPerMinute,\n  SUM(estimatedCostUsd) AS estimatedCostUsd\n\
             FROM cost GROUP BY region, envType, computeType\n\
             ORDER BY estimatedCostUsd DESC NULLS LAST, {}, {}, {}",
            self.cost_ctes("WITH "),
            self.id("environment.type"),
            self.id("environment.computeType"),
            self.asc("region", false),
            self.asc("envType", false),
            self.asc("computeType", false),
            priced = self.count_if("notPricedReason IS NULL"),
        )
    }

    fn cost_by_phase(&self) -> String {
        format!(
            "{},\n\
             pc AS (\n  SELECT projectName, SUM(estimatedCostUsd) AS projectCost FROM cost GROUP BY projectName\n),\n\
             ph AS (\n  -- each phase's part of its priced build's cost: cost x phase duration / build duration\n  SELECT cost.projectName, p.{pt} AS phaseType,\n    cost.estimatedCostUsd * (p.{dur} / (CAST(cost.us AS DOUBLE) / 1e6)) AS part\n  FROM {phases} p JOIN cost ON cost.id = p.{bid}\n  WHERE p.{pt} IS NOT NULL AND p.{dur} IS NOT NULL AND cost.estimatedCostUsd IS NOT NULL AND cost.us > 0\n)\n\
             SELECT ph.projectName, ph.phaseType, CAST(COUNT(*) AS BIGINT) AS builds,\n  SUM(part) AS estimatedCostUsd,\n  CASE WHEN MAX(pc.projectCost) > 0 THEN SUM(part) / MAX(pc.projectCost) END AS shareOfProjectCost\n\
             FROM ph LEFT JOIN pc ON {same}\nGROUP BY ph.projectName, ph.phaseType\n\
             ORDER BY {o1}, {rank}, ph.phaseType",
            self.cost_ctes("WITH "),
            pt = self.col("phaseType"),
            dur = self.col("durationSeconds"),
            bid = self.col("buildId"),
            phases = self.table("phases"),
            same = self.same("pc.projectName", "ph.projectName"),
            o1 = self.asc("ph.projectName", false),
            rank = self.phase_rank("ph.phaseType"),
        )
    }

    fn not_priced(&self) -> String {
        use NotPricedReason::*;
        let mut rank = "CASE notPricedReason".to_owned();
        for (i, r) in [
            NoDuration,
            NegativeDuration,
            NoRegion,
            NoEnvironmentType,
            NoComputeType,
            ReservedFleet,
            NoPrice,
        ]
        .into_iter()
        .enumerate()
        {
            let _ = write!(rank, " WHEN {} THEN {i}", self.lit(r.as_str()));
        }
        rank.push_str(" END");
        format!(
            "{}\n\
             SELECT region, envType AS {env}, computeType AS {compute}, notPricedReason AS reason,\n  CAST(COUNT(*) AS BIGINT) AS builds,\n  CAST(COALESCE(SUM(CASE WHEN us > 0 THEN us ELSE 0 END), 0) AS DOUBLE) / 60e6 AS minutes\n\
             FROM cost WHERE notPricedReason IS NOT NULL\n\
             GROUP BY region, envType, computeType, notPricedReason\n\
             ORDER BY builds DESC, {o1}, {o2}, {o3}, {rank}",
            self.cost_ctes("WITH "),
            env = self.id("environment.type"),
            compute = self.id("environment.computeType"),
            o1 = self.asc("region", false),
            o2 = self.asc("envType", false),
            o3 = self.asc("computeType", false),
        )
    }

    fn cost_by_project(&self) -> String {
        // Every build of the archive is priced: a selected chain's members
        // count in its retry cost whether or not they pass the filters (as
        // the report's); everything else counts the kept builds only.
        let kept = |e: &str| format!("CASE WHEN kept THEN {e} END");
        let failed = format!(
            "SUM(CASE WHEN kept AND {} THEN estimatedCostUsd END)",
            self.failure("cost.buildStatus")
        );
        format!(
            "{chains},\n{cost},\n\
             retried AS (SELECT id FROM m WHERE pos < length - 1 AND rootKept = 1),\n\
             pm AS (\n  SELECT cost.projectName,\n    {builds} AS builds,\n    {priced} AS pricedBuilds,\n    CAST(COALESCE(SUM({billed}), 0) AS DOUBLE) / 60.0 AS billedMinutes,\n    SUM({usd}) AS estimatedCostUsd,\n    COALESCE({failed}, 0) AS failedCost,\n    COALESCE(SUM(CASE WHEN r.id IS NOT NULL THEN estimatedCostUsd END), 0) AS retryCost,\n    COALESCE(SUM(CASE WHEN mr.id IS NOT NULL THEN estimatedCostUsd END), 0) AS rebuildCost\n  FROM cost LEFT JOIN retried r ON r.id = cost.id LEFT JOIN mr ON mr.id = cost.id\n  GROUP BY cost.projectName\n  HAVING {builds} > 0\n)\n\
             SELECT projectName, builds, pricedBuilds, builds - pricedBuilds AS notPricedBuilds, billedMinutes,\n  estimatedCostUsd,\n  CASE WHEN pricedBuilds > 0 THEN failedCost END AS failedEstimatedCostUsd,\n  CASE WHEN pricedBuilds > 0 THEN retryCost END AS retryEstimatedCostUsd,\n  CASE WHEN pricedBuilds > 0 THEN rebuildCost END AS manualRebuildEstimatedCostUsd,\n  CASE WHEN SUM(estimatedCostUsd) OVER () > 0 THEN estimatedCostUsd / SUM(estimatedCostUsd) OVER () END AS shareOfEstimatedCost\n\
             FROM pm ORDER BY estimatedCostUsd DESC NULLS LAST, {o}",
            chains = self.rebuild_ctes(),
            cost = self.cost_of("ball"),
            builds = self.count_if("kept"),
            priced = self.count_if("kept AND notPricedReason IS NULL"),
            billed = kept("billedSeconds"),
            usd = kept("estimatedCostUsd"),
            o = self.asc("projectName", false),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(dialect: Dialect) -> SqlOptions {
        SqlOptions {
            dialect,
            source: Source::default(),
            bucket: TimeBucket::Week,
            prices: Some(PriceTable::builtin().clone()),
            price_table: None,
            filters: Filters::default(),
            column_names: ColumnNames::Export,
        }
    }

    #[test]
    fn a_rule_bounded_on_both_sides_matches_its_neighbours_and_runs_twice() {
        let (pattern, replacement, passes) = sql_rule(Dialect::DuckDb, r"\b[0-9]{7,}\b", "<hex>");
        assert_eq!(pattern, "(^|[^A-Za-z0-9_])(?:[0-9]{7,})([^A-Za-z0-9_]|$)");
        assert_eq!(replacement, r"\1<hex>\2");
        assert_eq!(passes, 2);
        let (_, replacement, _) = sql_rule(Dialect::Spark, r"\b[0-9]{7,}\b", "<hex>");
        assert_eq!(replacement, "$1<hex>$2");
    }

    #[test]
    fn a_rule_bounded_before_only_keeps_one_group_and_one_pass() {
        let (pattern, replacement, passes) = sql_rule(Dialect::Trino, r"\barn:[^\s,]*", "<arn>");
        assert_eq!(pattern, "(^|[^A-Za-z0-9_])(?:arn:[^\\t\\n\\x0B\\f\\r ,]*)");
        assert_eq!(replacement, "$1<arn>");
        assert_eq!(passes, 1);
    }

    #[test]
    fn an_unbounded_rule_is_copied_with_ascii_whitespace() {
        let (pattern, replacement, passes) =
            sql_rule(Dialect::DuckDb, r#"'[^'\s]*/[^'\s]*'"#, "<path>");
        assert_eq!(pattern, "'[^'\\t\\n\\x0B\\f\\r ]*/[^'\\t\\n\\x0B\\f\\r ]*'");
        assert_eq!(replacement, "<path>");
        assert_eq!(passes, 1);
    }

    #[test]
    fn string_literals_escape_quotes_and_spark_backslashes() {
        assert_eq!(str_lit(Dialect::DuckDb, r"a\b'c"), r"'a\b''c'");
        assert_eq!(str_lit(Dialect::Trino, r"a\b'c"), r"'a\b''c'");
        assert_eq!(str_lit(Dialect::Spark, r"a\b'c"), r"'a\\b\'c'");
    }

    #[test]
    fn the_normalisation_has_one_call_per_rule_pass() {
        // Rules 1 and 4 are bounded on both sides: 2 + 1 + 1 + 2 + 1 calls.
        let e = normalize_message_sql(Dialect::DuckDb, "m");
        assert_eq!(e.matches("regexp_replace(").count(), 7);
        assert!(e.ends_with("'<n>', 'g')"), "{e}");
    }

    #[test]
    fn every_dialect_interpolates_its_percentiles() {
        for d in [Dialect::DuckDb, Dialect::Spark, Dialect::Trino] {
            let qs = queries(&opts(d)).unwrap();
            let mut names: Vec<&str> = qs.iter().map(|q| q.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), qs.len(), "names are unique");
            for q in &qs {
                assert!(!q.sql.contains("approx"), "{d:?} {}", q.name);
                assert!(q.sql.starts_with("-- cbstats sql --dialect"));
            }
        }
        let phase = queries(&opts(Dialect::Spark)).unwrap();
        let phase = phase.iter().find(|q| q.name == "phase timing").unwrap();
        assert!(phase.sql.contains("percentile(j.d, 0.99)"), "{}", phase.sql);
        assert_eq!(phase.file_name(), "phase-timing.sql");
        let trino = queries(&opts(Dialect::Trino)).unwrap();
        let phase = trino.iter().find(|q| q.name == "phase timing").unwrap();
        assert!(
            phase.sql.contains(
                "element_at(transform(ARRAY[array_sort(array_agg(j.d) FILTER (WHERE j.d IS NOT NULL))], \
                 v -> IF(cardinality(v) = 0, NULL, element_at(v, CAST(floor((cardinality(v) - 1) * 0.99) AS BIGINT) + 1)"
            ),
            "{}",
            phase.sql
        );
    }

    #[test]
    fn athena_names_are_lower_case_letters_digits_and_underscores() {
        assert_eq!(
            athena_name("environment.computeType"),
            "environment_computetype"
        );
        assert_eq!(athena_name("projectName"), "projectname");
        assert_eq!(athena_name("a-b c.é9"), "a_b_c__9");
        let mut o = opts(Dialect::Trino);
        o.column_names = ColumnNames::Athena;
        let q = &queries(&o).unwrap()[0];
        assert!(
            q.sql.contains("\"environment_computetype\" AS computeType"),
            "{}",
            q.sql
        );
        assert!(
            q.sql
                .contains("\"autoretryconfig_autoretrynumber\" AS retryNumber"),
            "{}",
            q.sql
        );
        // Output columns keep the report's names.
        let phase = queries(&o).unwrap();
        let phase = phase.iter().find(|q| q.name == "phase timing").unwrap();
        assert!(
            phase.sql.contains("p.\"phasetype\" AS phaseType"),
            "{}",
            phase.sql
        );
        assert!(phase.sql.contains("AS \"count\""), "{}", phase.sql);
    }

    #[test]
    fn filters_are_one_where_on_the_builds_every_query_reads() {
        let mut o = opts(Dialect::DuckDb);
        let plain = queries(&o).unwrap();
        o.filters = Filters {
            projects: Some(vec!["app".into(), "it's".into()]),
            since_micros: Some(1_704_067_200_000_000),
            until_micros: Some(1_706_745_600_000_000),
            statuses: None,
        };
        let filtered = queries(&o).unwrap();
        let want = "  FROM builds\n  WHERE \"projectName\" IN ('app', 'it''s')\n    \
                    AND epoch_us(\"startTime\") >= 1704067200000000\n    \
                    AND epoch_us(\"startTime\") < 1706745600000000\n)";
        let kept = "    COALESCE(\"projectName\" IN ('app', 'it''s') AND epoch_us(\"startTime\") >= 1704067200000000 \
                    AND epoch_us(\"startTime\") < 1706745600000000, FALSE) AS kept\n  FROM builds\n),\n\
                    b AS (SELECT * FROM ball WHERE kept)";
        let mut whole_archive = 0;
        for (p, f) in plain.iter().zip(&filtered) {
            // The builds table is read once, and filtered there.
            assert_eq!(f.sql.matches("FROM builds").count(), 1, "{}", f.name);
            assert!(
                f.sql.contains(
                    "-- Only the builds of: projects app, it's; started at or after \
                     2024-01-01T00:00:00Z; started before 2024-02-01T00:00:00Z.\n"
                ),
                "{}",
                f.sql
            );
            if f.sql.contains("ball AS (") {
                // Chains and what follows them: the whole archive, with `kept`.
                whole_archive += 1;
                assert!(f.sql.contains(kept), "{}\n{}", f.name, f.sql);
                assert!(p.sql.contains("    TRUE AS kept\n"), "{}", p.name);
                continue;
            }
            assert!(f.sql.contains(want), "{}\n{}", f.name, f.sql);
            // Nothing else changes.
            let unfiltered = f
                .sql
                .lines()
                .filter(|l| {
                    !l.starts_with("-- Only")
                        && !l.contains("startTime\") ")
                        && !l.contains("WHERE \"projectName\"")
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert_eq!(unfiltered, p.sql, "{}", f.name);
        }
        // retry summary and chains, flaky rate and commits, manual rebuild
        // summary and rebuilds, cost by project.
        assert_eq!(whole_archive, 7);
        // No project at all keeps nothing; statuses are a list too.
        o.filters = Filters {
            projects: Some(vec![]),
            statuses: Some(vec!["FAILED".into()]),
            ..Filters::default()
        };
        o.dialect = Dialect::Spark;
        let q = &queries(&o).unwrap()[0];
        assert!(
            q.sql
                .contains("  WHERE FALSE\n    AND `buildStatus` IN ('FAILED')\n)"),
            "{}",
            q.sql
        );
    }

    #[test]
    fn without_prices_there_are_no_cost_queries_and_trino_reads_tables_only() {
        let mut o = opts(Dialect::DuckDb);
        o.prices = None;
        let qs = queries(&o).unwrap();
        assert!(qs.iter().all(|q| !q.name.contains("cost")));
        o.price_table = Some("lake.prices".into());
        let qs = queries(&o).unwrap();
        let q = qs
            .iter()
            .find(|q| q.name == "estimated build costs")
            .unwrap();
        assert!(q.sql.contains("FROM lake.prices"), "{}", q.sql);
        o.dialect = Dialect::Trino;
        o.source = Source::Export {
            location: "s3://b/x".into(),
            partitioned: true,
        };
        assert!(queries(&o).is_err());
    }

    #[test]
    fn export_paths_per_dialect() {
        let mut o = opts(Dialect::DuckDb);
        o.source = Source::Export {
            location: "s3://b/x".into(),
            partitioned: true,
        };
        let q = &queries(&o).unwrap()[0];
        assert!(
            q.sql
                .contains("read_parquet('s3://b/x/builds/**/*.parquet', hive_partitioning = true"),
            "{}",
            q.sql
        );
        o.dialect = Dialect::Spark;
        o.source = Source::Export {
            location: "export".into(),
            partitioned: false,
        };
        let q = &queries(&o).unwrap()[0];
        assert!(
            q.sql.contains("FROM parquet.`export/builds.parquet`"),
            "{}",
            q.sql
        );
    }
}
