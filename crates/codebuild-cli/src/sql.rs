//! `cbstats sql`: the report's analyses as SQL for Spark, Trino and DuckDB
//! over an export (the text comes from `codebuild_analytics::sql`).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use codebuild_analytics::sql::{self, ColumnNames, Dialect, Source, SqlOptions};

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
    #[arg(long, value_enum, required_unless_present = "athena_ddl")]
    pub dialect: Option<SqlDialect>,

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

    /// How the queries name the tables' columns: as the export writes them
    /// (`environment.computeType`), or as the Athena tables of
    /// `--athena-ddl` declare them (`environment_computetype`).
    #[arg(long, value_enum, value_name = "NAMES", default_value_t = ColumnNamesArg::Export)]
    pub column_names: ColumnNamesArg,

    /// Print, instead of the queries, `CREATE EXTERNAL TABLE` statements
    /// registering the export's `builds`, `phases` and `phaseContexts` in
    /// Athena (Glue), read from the local export given by `--export` (a
    /// folder written with `--partition-by`), for its copy at `--location`.
    #[arg(
        long,
        requires_all = ["export", "location"],
        conflicts_with_all = [
            "dialect", "column_names", "projects", "since", "until", "bucket",
            "price_table", "builds", "phases", "phase_contexts",
        ]
    )]
    pub athena_ddl: bool,

    /// With `--athena-ddl`: the `s3://` URL the export was copied to (the
    /// folder holding `builds/`, `phases/`, ...).
    #[arg(long, value_name = "URL", requires = "athena_ddl")]
    pub location: Option<String>,

    /// With `--athena-ddl`: the database (schema) of the tables.
    #[arg(long, value_name = "NAME", default_value = "codebuild")]
    pub database: String,
}

/// The values of `--column-names`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColumnNamesArg {
    /// The export's names.
    Export,
    /// Athena's: lower case, `_` for every other character.
    Athena,
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
    if args.athena_ddl {
        let (Some(export), Some(location)) = (&args.export, &args.location) else {
            unreachable!("clap requires --export and --location");
        };
        let ddl =
            codebuild_analytics::dataset::athena_ddl(Path::new(export), location, &args.database)
                .map_err(|e| crate::UsageError(e.to_string()))?;
        return write_out(args, &[("athena-tables.sql".to_owned(), ddl)]);
    }
    if args.column_names == ColumnNamesArg::Athena && args.export.is_some() {
        return Err(crate::UsageError(
            "--column-names athena names the columns as the tables of `--athena-ddl` declare them, \
             but --export reads the files, whose columns keep the export's names: drop one of the two"
                .into(),
        )
        .into());
    }
    let opts = SqlOptions {
        dialect: args
            .dialect
            .expect("clap requires --dialect without --athena-ddl")
            .into(),
        source: source(args),
        bucket: args.bucket.into(),
        prices: Some(crate::prices::table().clone()),
        price_table: args.price_table.clone(),
        filters: crate::load::filters(&args.filters)?,
        column_names: match args.column_names {
            ColumnNamesArg::Export => ColumnNames::Export,
            ColumnNamesArg::Athena => ColumnNames::Athena,
        },
    };
    let queries = sql::queries(&opts).map_err(crate::UsageError)?;
    let files: Vec<(String, String)> = queries
        .iter()
        .map(|q| (q.file_name(), format!("{};\n", q.sql)))
        .collect();
    write_out(args, &files)
}

/// Writes each (file name, text) into `--out`, or all to standard output.
fn write_out(args: &SqlArgs, files: &[(String, String)]) -> Result<ExitCode> {
    match &args.out {
        Some(dir) => {
            fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            for (name, text) in files {
                let path = dir.join(name);
                fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        None => {
            let mut out = io::stdout().lock();
            for (_, text) in files {
                writeln!(out, "{text}")?;
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
