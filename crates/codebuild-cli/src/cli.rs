//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Reports and exports from archives of AWS CodeBuild `batch_get_builds` dumps.
///
/// PATH may be a file (JSON, JSON Lines, optionally gzipped), a folder
/// (walked recursively) or `-` for standard input.
#[derive(Debug, Parser)]
#[command(name = "cbstats", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// No progress bar and no messages on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Worker threads for loading (default: all cores).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// Price table for the estimated costs (JSON; see
    /// `schemas/prices.schema.json`), instead of the built-in one (on-demand
    /// prices with their source and date; builds on anything it does not
    /// price are listed as not priced).
    #[arg(long, global = true, value_name = "FILE")]
    pub prices: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load an archive and print report sections (load accounting, outcomes, phase timing, failures, retries, ...).
    Report(ReportArgs),
    /// Write every frame of an archive to files (Parquet, CSV or NDJSON).
    Export(ExportArgs),
    /// Check an archive and list every problem as `path:line:column: field: message`.
    Validate(ValidateArgs),
    /// Print the JSON Schema of a `batch_get_builds` response or of one build.
    Schema(SchemaArgs),
    /// Compare two windows of an archive (or two archives): durations,
    /// success rates, failure reasons and estimated cost, with significance;
    /// `--fail-on` makes it a CI gate (exit 1 when a condition trips).
    Compare(CompareArgs),
    /// Build or update an archive straight from CodeBuild: new builds and those still in progress.
    Fetch(crate::fetch::FetchArgs),
    /// Find where each project's build duration, top phases and success rate shift level (change points).
    Changes(crate::changes::ChangesArgs),
    /// Print the report's analyses as SQL for Spark, Trino or DuckDB over an export.
    Sql(crate::sql::SqlArgs),
}

/// Options shared by the subcommands that load an archive.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Files or folders to read; `-` is standard input (the default when stdin is not a terminal).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Skip bad files and records instead of stopping at the first error.
    #[arg(long)]
    pub keep_going: bool,

    /// Largest size of one (decompressed) file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 4 << 30)]
    pub max_file_bytes: u64,
}

/// Filters on builds.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// Only this project (repeatable).
    #[arg(long = "project", value_name = "NAME")]
    pub projects: Vec<String>,

    /// Only builds started at or after this instant (RFC 3339, or YYYY-MM-DD = midnight UTC).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only builds started before this instant (RFC 3339, or YYYY-MM-DD = that whole day included, UTC).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// Read a Parquet export (`cbstats export --format parquet`) instead of
    /// dumps: only the columns the analyses use are read, so archives too
    /// large to load from JSON can be reported on.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["paths", "keep_going"])]
    pub parquet: Option<PathBuf>,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Only this section (repeatable; a name or its slug, e.g. `phase-timing`).
    #[arg(long = "section", value_name = "NAME")]
    pub sections: Vec<String>,

    /// After the summary, print every section in full, the per-row detail
    /// sections included (retry chains, flaky commits, manual rebuilds, red
    /// periods, failure rates by initiator, builds per day and per hour of
    /// week, outcomes by time bucket); in JSON, add those sections and the
    /// load report's id and error lists.
    #[arg(long)]
    pub detail: bool,

    /// Rows per list in the summary (default 10, fewer when needed to keep
    /// the summary within 120 lines), and rows per section shown with
    /// `--section` or `--detail` (default: all).
    #[arg(long, value_name = "N", conflicts_with = "all",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub top: Option<usize>,

    /// Every row of every list.
    #[arg(long)]
    pub all: bool,

    /// Width of the table output (default: the terminal's, `COLUMNS` when
    /// set, 80 when not writing to a terminal).
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(20..=1000))]
    pub width: Option<usize>,

    /// Colour in table output: on a terminal (`auto`, unless `NO_COLOR` is
    /// set), `always` or `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Time bucket of the `outcomes-by-time-bucket` section (outcomes per
    /// project and bucket, then overall per bucket; UTC, weeks start on
    /// Monday). Given without `--section`, tables and markdown show that
    /// section too. Default: week.
    #[arg(long, value_enum, value_name = "BUCKET")]
    pub bucket: Option<Bucket>,

    /// Write the report to FILE instead of standard output (`--format html` only).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A calendar bucket of `startTime` (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Bucket {
    /// The day.
    Day,
    /// The ISO week, Monday to Sunday.
    #[default]
    Week,
    /// The month.
    Month,
}

impl From<Bucket> for codebuild_analytics::TimeBucket {
    fn from(b: Bucket) -> Self {
        match b {
            Bucket::Day => Self::Day,
            Bucket::Week => Self::Week,
            Bucket::Month => Self::Month,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// The summary as text and tables fitted to the terminal's width.
    Table,
    /// The summary as GitHub-flavoured Markdown (for a pull request or a wiki).
    Markdown,
    /// One JSON object: `schemaVersion`, `summary`, `load` and the sections
    /// (`"<section>": [{column: value, ...}, ...]`); see schemas/report.schema.json.
    Json,
    /// One self-contained HTML page with charts (no network needed); the
    /// time charts use day buckets for windows up to 62 days, else weeks
    /// (`--bucket` overrides).
    Html,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Parquet)]
    pub format: ExportFormat,

    /// Write Hive-style folders `<frame>/COL=value/part-0.<ext>` for frames that have COL
    /// (repeatable; a text, integer or boolean column, or `month`, derived
    /// from `startTime` as YYYY-MM).
    ///
    /// Values are percent-escaped in folder names (every ASCII byte but
    /// `A-Za-z0-9._-`; other characters stay UTF-8). A name longer than 255
    /// bytes (the file-system limit) is shortened to
    /// `COL=<escaped prefix>~<16 hex digits>`: the longest prefix that fits,
    /// cut at a character, and a stable hash of the whole value, so names
    /// stay unique. Parquet files leave COL out, as Hive and Spark do (readers
    /// take it from the folder names) and keep its exact value in their
    /// metadata, for `report --parquet`; CSV and NDJSON files keep COL.
    /// `month` is in no file.
    #[arg(long = "partition-by", value_name = "COL")]
    pub partition_by: Vec<String>,

    /// Also export environment variable values (they can hold secrets).
    #[arg(long)]
    pub include_env_values: bool,

    /// Builds per batch: the archive is read and written this many builds at
    /// a time (whole files), so memory stays bounded however large it is.
    #[arg(long, value_name = "N", default_value_t = codebuild_analytics::DEFAULT_BATCH_BUILDS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub batch_builds: usize,

    /// Do not write the report sections, only the frames. The sections need
    /// the build and phase columns of the whole archive in memory (about a
    /// third of a full load); skip them for archives larger than memory and
    /// run `cbstats report --parquet` on the export instead.
    #[arg(long)]
    pub no_analyses: bool,

    /// Time bucket of the `outcomes-by-time-bucket` section file.
    #[arg(long, value_enum, value_name = "BUCKET", default_value_t = Bucket::Week)]
    pub bucket: Bucket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet (timestamps typed: TIMESTAMP microseconds UTC).
    Parquet,
    /// CSV with a header row.
    Csv,
    /// Newline-delimited JSON, one object per row, times as RFC 3339.
    Ndjson,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    /// Also check every JSON value against the JSON Schema (unknown fields, unknown enum values, nulls).
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(long = "type", value_enum, default_value_t = SchemaType::Response)]
    pub kind: SchemaType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaType {
    /// A whole `batch_get_builds` response.
    Response,
    /// One build.
    Build,
    /// The output of `cbstats report --format json`.
    Report,
}

/// `cbstats compare`.
#[derive(Debug, Args)]
#[command(
    after_help = "SPEC is an archive (a file or folder) or a window of the ARCHIVE given as PATH: \
`2024-10-01..2024-10-31` (UTC days, both included; RFC 3339 times also work), \
`last:7d` (the 7 days up to the latest build start in the archive; units h, d, w), \
`previous:28d` (the 28 days before the other SPEC's window).\n\n\
Exit status: 0 when no --fail-on condition trips, 1 when one does (or on an error reading the archives), 2 for usage errors."
)]
pub struct CompareArgs {
    /// The baseline: an archive path or a window of PATH (see below).
    #[arg(long, value_name = "SPEC")]
    pub baseline: String,

    /// The current builds: an archive path or a window of PATH (see below).
    #[arg(long, value_name = "SPEC")]
    pub current: String,

    #[command(flatten)]
    pub load: LoadArgs,

    /// Only this project (repeatable).
    #[arg(long = "project", value_name = "NAME")]
    pub projects: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,

    /// Exit with status 1 when a significant change crosses a threshold:
    /// comma-separated `p50-increase=N%`, `p95-increase=N%` (build duration
    /// per project), `success-rate-drop=Npp`, `new-failure-reasons`,
    /// `cost-increase=N%` (mean estimated cost per build).
    #[arg(long, value_name = "CONDITIONS")]
    pub fail_on: Option<String>,

    /// Benjamini-Hochberg false discovery rate: a change is significant
    /// when its adjusted p-value is below it.
    #[arg(long, value_name = "Q", default_value_t = 0.01)]
    pub fdr: f64,

    /// Values (builds, phases) needed on both sides for a row to be tested.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub min_values: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Text tables fitted to 100 columns.
    Table,
    /// GitHub-flavoured Markdown, ready for a pull-request comment.
    Markdown,
    /// JSON (`schemas/compare.schema.json`), every tested row with its p-values.
    Json,
}
