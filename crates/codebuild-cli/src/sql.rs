//! `cbstats sql`: the report's analyses as SQL for Spark, Trino and DuckDB
//! over an export (the text comes from `codebuild_analytics::sql`).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use codebuild_analytics::sql::{self, Dialect, Source, SqlOptions};

use crate::cli::{Bucket, Cli, FilterArgs};

/// Arguments of `cbstats sql`.
#[derive(Debug, Args)]
#[command(
    after_help = "Every query computes one section of `cbstats report --format json` \
(same name, columns and row order) with the definitions of ANALYTICS.md, on the builds \
`--project`, `--since` and `--until` keep (as the report's). Percentiles are exact linear \
interpolation in every dialect (Trino: sorted arrays, not approx_percentile). Statuses the \
report does not know are summed in one `otherStatuses` column of the outcomes."
)]
pub struct SqlArgs {
    /// The SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: SqlDialect,

    /// Write one file per analysis (`<section>.sql`) into DIR (created if
    /// missing) instead of printing every query to standard output.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Read the Parquet files of an export at LOCATION (a folder or an
    /// `s3://` URL) instead of tables: `read_parquet(...)` in DuckDB,
    /// ``parquet.`...` `` in Spark (not Trino, which reads tables only). A
    /// local folder holding `builds.parquet` is read as one file per frame;
    /// otherwise as folders of Hive partitions (`--partition-by`).
    #[arg(long, value_name = "LOCATION", conflicts_with_all = ["builds", "phases", "phase_contexts"])]
    pub export: Option<String>,

    /// The table of the `builds` frame (e.g. `codebuild.builds`).
    #[arg(long, value_name = "TABLE", default_value = "builds")]
    pub builds: String,

    /// The table of the `phases` frame.
    #[arg(long, value_name = "TABLE", default_value = "phases")]
    pub phases: String,

    /// The table of the `phaseContexts` frame.
    #[arg(long, value_name = "TABLE", default_value = "phaseContexts")]
    pub phase_contexts: String,

    /// A table of prices the cost queries read (columns `region`,
    /// `environmentType`, `computeType`, `usdPerMinute`, `usdPerSecond`),
    /// instead of the price table in use (the built-in one or `--prices
    /// FILE`) written into them as `VALUES`.
    #[arg(long, value_name = "TABLE")]
    pub price_table: Option<String>,

    /// Time bucket of the `outcomes-by-time-bucket` query.
    #[arg(long, value_enum, value_name = "BUCKET", default_value_t = Bucket::Week)]
    pub bucket: Bucket,

    #[command(flatten)]
    pub filters: FilterArgs,
}

/// The dialects of `--dialect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    /// Spark SQL 4 (`spark-sql -f`, `spark.sql(...)`, Databricks).
    Spark,
    /// Trino, Presto and Athena (engine v3).
    Trino,
    /// DuckDB.
    Duckdb,
}

impl From<SqlDialect> for Dialect {
    fn from(d: SqlDialect) -> Self {
        match d {
            SqlDialect::Spark => Dialect::Spark,
            SqlDialect::Trino => Dialect::Trino,
            SqlDialect::Duckdb => Dialect::DuckDb,
        }
    }
}

/// The source of the frames given by the arguments.
fn source(args: &SqlArgs) -> Source {
    match &args.export {
        Some(location) => {
            let location = location.trim_end_matches('/').to_owned();
            let local = Path::new(&location);
            let partitioned = !(local.is_dir() && local.join("builds.parquet").is_file());
            Source::Export {
                location,
                partitioned,
            }
        }
        None => Source::Tables {
            builds: args.builds.clone(),
            phases: args.phases.clone(),
            phase_contexts: args.phase_contexts.clone(),
        },
    }
}

/// Runs `cbstats sql`.
pub fn run(_cli: &Cli, args: &SqlArgs) -> Result<ExitCode> {
    let opts = SqlOptions {
        dialect: args.dialect.into(),
        source: source(args),
        bucket: args.bucket.into(),
        prices: Some(crate::prices::table().clone()),
        price_table: args.price_table.clone(),
        filters: crate::load::filters(&args.filters)?,
    };
    let queries = sql::queries(&opts).map_err(crate::UsageError)?;
    match &args.out {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            for q in &queries {
                let path = dir.join(q.file_name());
                fs::write(&path, format!("{};\n", q.sql))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        None => {
            let mut out = io::stdout().lock();
            for q in &queries {
                writeln!(out, "{};\n", q.sql)?;
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
