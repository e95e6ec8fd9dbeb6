//! `cbstats export`: every frame to Parquet, CSV or NDJSON, optionally Hive-partitioned.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use codebuild_analytics::frames::col_names::START;
use polars::prelude::{
    AnyValue, Column, CsvWriter, DataFrame, DataType, IntoLazy, ParquetWriter, SerWriter, col,
};

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::sections::{self, LOAD};

/// The derived partition column: `startTime` as `YYYY-MM`.
pub const MONTH: &str = "month";
/// Hive's name for a null partition value.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

pub fn export(cli: &Cli, args: &ExportArgs) -> Result<ExitCode> {
    let filters = crate::load::filters(&args.filters)?;
    let archive = crate::load::load(cli, &args.load, args.include_env_values)?;
    // Frames and sections both cover the filtered builds only.
    let frames = filters
        .frames(&archive.frames)
        .context("applying the filters")?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the folder {}", args.out.display()))?;
    let mut written = 0usize;
    for (name, df) in frames.iter() {
        written += write_frame(&args.out, name, df, args)?;
    }
    // The analysis sections (not `load`, which is not a frame of rows).
    let names: Vec<&str> = sections::names()
        .into_iter()
        .filter(|n| *n != LOAD)
        .collect();
    for s in sections::sections(&archive.frames, &archive.report, &filters, &names)? {
        written += write_frame(&args.out, &sections::slug(s.name), &s.frame, args)?;
    }
    if !cli.quiet {
        eprintln!("wrote {written} file(s) to {}", args.out.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes one frame whole or partitioned; returns the number of files written.
fn write_frame(out: &Path, name: &str, df: &DataFrame, args: &ExportArgs) -> Result<usize> {
    let ext = args.format.extension();
    let mut df = df.clone();
    let partition_ok = !args.partition_by.is_empty()
        && args.partition_by.iter().all(|c| {
            df.get_column_names().iter().any(|n| n.as_str() == c)
                || (c == MONTH && df.column(START).is_ok())
        });
    if !partition_ok {
        let path = out.join(format!("{name}.{ext}"));
        write_file(&path, &mut df, args.format)?;
        return Ok(1);
    }
    let derive_month = args.partition_by.iter().any(|c| c == MONTH) && df.column(MONTH).is_err();
    if derive_month {
        df = df
            .lazy()
            .with_column(col(START).dt().strftime("%Y-%m").alias(MONTH))
            .collect()
            .context("deriving the month column")?;
    }
    let keys: Vec<&str> = args.partition_by.iter().map(String::as_str).collect();
    let parts = df.partition_by_stable(keys.iter().copied(), true)?;
    let mut n = 0;
    for mut part in parts {
        let mut dir = out.join(name);
        for key in &keys {
            let value = part.column(key)?.get(0)?;
            let text = match value {
                AnyValue::Null => NULL_PARTITION.to_string(),
                AnyValue::String(s) => escape(s),
                AnyValue::StringOwned(s) => escape(&s),
                other => escape(&other.to_string()),
            };
            dir.push(format!("{key}={text}"));
        }
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        part = part.drop_many(keys.iter().copied());
        write_file(&dir.join(format!("part-0.{ext}")), &mut part, args.format)?;
        n += 1;
    }
    Ok(n)
}

/// Hive-style escaping of a partition value: anything but `[A-Za-z0-9._-]` as `%XX`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    match out.as_str() {
        "" => NULL_PARTITION.to_string(),
        "." | ".." => out.replace('.', "%2E"),
        _ => out,
    }
}

fn write_file(path: &PathBuf, df: &mut DataFrame, format: ExportFormat) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let what = || format!("cannot write {}", path.display());
    match format {
        ExportFormat::Parquet => {
            ParquetWriter::new(&mut w).finish(df).with_context(what)?;
        }
        ExportFormat::Csv => {
            CsvWriter::new(&mut w)
                .include_header(true)
                .finish(&mut lists_as_json_text(df)?)
                .with_context(what)?;
        }
        ExportFormat::Ndjson => {
            for row in crate::render::rows_json(df)? {
                serde_json::to_writer(&mut w, &row).with_context(what)?;
                w.write_all(b"\n").with_context(what)?;
            }
        }
    }
    w.flush().with_context(what)?;
    Ok(())
}

/// CSV has no nested values: list columns (e.g. `memberIds` of the retry
/// chains) become their JSON array text, `["a","b"]`, which every CSV reader
/// keeps as one field and any JSON parser reads back.
fn lists_as_json_text(df: &DataFrame) -> Result<DataFrame> {
    let mut out = df.clone();
    for c in df.columns() {
        if !matches!(c.dtype(), DataType::List(_)) {
            continue;
        }
        let texts: Vec<Option<String>> = c
            .as_materialized_series()
            .iter()
            .map(|v| match v {
                AnyValue::Null => None,
                v => Some(crate::render::json_value(&v).to_string()),
            })
            .collect();
        out.with_column(Column::new(c.name().clone(), texts))?;
    }
    Ok(out)
}
