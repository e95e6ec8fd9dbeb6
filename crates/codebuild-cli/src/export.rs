//! `cbstats export`: every frame to Parquet, CSV or NDJSON, optionally
//! Hive-partitioned, streamed in bounded batches of builds.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result};
use codebuild_analytics::analysis::analysis_view;
use codebuild_analytics::dataset::{self, Projection, partition_folder_name};
use codebuild_analytics::frames::col_names::START;
use codebuild_analytics::{Archive, Frames};
use polars::prelude::{
    AnyValue, Column, CsvWriter, DataFrame, DataType, IntoLazy, ParquetWriter, SerWriter, col,
};

use crate::cli::{Cli, ExportArgs, ExportFormat};
use crate::sections;

/// The derived partition column: `startTime` as `YYYY-MM`.
pub const MONTH: &str = "month";
/// The load report beside the frames (read back by `report --parquet`).
pub const LOAD_REPORT: &str = "load-report.json";

pub fn export(cli: &Cli, args: &ExportArgs) -> Result<ExitCode> {
    let filters = crate::load::filters(&args.filters)?;
    let paths = crate::load::paths(&args.load)?;
    let (opts, bar) = crate::load::options(
        cli,
        &args.load,
        args.load.keep_going,
        args.include_env_values,
    );
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create the folder {}", args.out.display()))?;
    let mut out = Writers::new(&args.out, args.format, &args.partition_by);
    // What the analysis sections need of every batch, kept in memory.
    let mut views: Option<Frames> = None;
    let mut batch = 0usize;
    let result = Archive::load_batched(&paths, &opts, args.batch_builds, |frames| {
        // Frames and sections both cover the filtered builds only.
        let frames = filters.frames(&frames).context("applying the filters")?;
        if !args.no_analyses {
            let view = analysis_view(&frames)?;
            match &mut views {
                Some(all) => all.append(view)?,
                None => views = Some(view),
            }
        }
        for (name, df) in frames.iter() {
            out.write(name, df, batch)?;
        }
        batch += 1;
        anyhow::Ok(())
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = result.context("cannot export the archive")?;
    crate::load::warn_skipped(cli, &args.load, &report);
    let mut written = out.finish()?;

    let path = args.out.join(LOAD_REPORT);
    let text = serde_json::to_string_pretty(&report)
        .with_context(|| format!("cannot write {}", path.display()))?;
    fs::write(&path, text + "\n").with_context(|| format!("cannot write {}", path.display()))?;
    written += 1;

    if !args.no_analyses {
        let frames = views.unwrap_or_default();
        let names = sections::names();
        // Sections are small: one file each, never partitioned.
        let mut w = Writers::new(&args.out, args.format, &[]);
        let bucket = args.bucket.into();
        for s in sections::sections(&frames, &report, &filters, bucket, &names)? {
            w.write(&sections::slug(s.name), &s.frame, 0)?;
        }
        written += w.finish()?;
    }
    if !cli.quiet {
        eprintln!(
            "wrote {written} file(s) to {} ({})",
            args.out.display(),
            sections::accounting_line(&report)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads an export back for the report: the frames the analyses use (from
/// Parquet, lazily) and the load report written beside them.
pub fn read(dir: &Path) -> Result<Archive> {
    let path = dir.join(LOAD_REPORT);
    let text = fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read {}: --parquet takes a folder written by `cbstats export --format parquet`",
            path.display()
        )
    })?;
    let report = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a load report", path.display()))?;
    let frames = dataset::read_parquet(dir, Projection::Analyses)
        .with_context(|| format!("cannot read the Parquet export in {}", dir.display()))?;
    Ok(Archive { frames, report })
}

/// An open output file of a frame that is not partitioned: one file for all batches.
enum Sink {
    Parquet(
        Box<polars::io::parquet::write::BatchedWriter<SharedFile>>,
        SharedFile,
    ),
    Csv(polars::io::csv::write::BatchedWriter<BufWriter<File>>),
    Ndjson(BufWriter<File>),
}

/// A buffered file that the Parquet writer writes into while we keep a
/// handle to flush it: its `finish` writes the footer but neither flushes
/// nor gives the writer back, and a flush error must not pass unseen.
#[derive(Clone)]
struct SharedFile(Arc<Mutex<BufWriter<File>>>);

impl SharedFile {
    fn lock(&self) -> io::Result<std::sync::MutexGuard<'_, BufWriter<File>>> {
        self.0
            .lock()
            .map_err(|_| io::Error::other("a writer thread panicked"))
    }
}

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.lock()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock()?.flush()
    }
}

/// The files of one export.
struct Writers<'a> {
    out: &'a Path,
    format: ExportFormat,
    partition_by: Vec<String>,
    open: BTreeMap<String, (PathBuf, Sink)>,
    /// The partition files written, lowercased (see [`Writers::write`]).
    files: HashSet<String>,
    written: usize,
}

impl<'a> Writers<'a> {
    fn new(out: &'a Path, format: ExportFormat, partition_by: &[String]) -> Self {
        Writers {
            out,
            format,
            partition_by: partition_by.to_vec(),
            open: BTreeMap::new(),
            files: HashSet::new(),
            written: 0,
        }
    }

    /// Writes the rows of batch `batch` of frame `name`.
    fn write(&mut self, name: &str, df: &DataFrame, batch: usize) -> Result<()> {
        let mut df = df.clone();
        let has = |df: &DataFrame, c: &str| df.get_column_names().iter().any(|n| n.as_str() == c);
        let partitioned = !self.partition_by.is_empty()
            && self
                .partition_by
                .iter()
                .all(|c| has(&df, c) || (c == MONTH && has(&df, START)));
        if !partitioned {
            return self.append(name, &mut df);
        }
        // `month` is derived here, not a frame column: it is in the folder
        // names only. Frame columns stay in the files too (see below).
        let derive_month = self.partition_by.iter().any(|c| c == MONTH) && !has(&df, MONTH);
        if derive_month {
            df = df
                .lazy()
                .with_column(col(START).dt().strftime("%Y-%m").alias(MONTH))
                .collect()
                .context("deriving the month column")?;
        }
        let ext = self.format.extension();
        let keys: Vec<&str> = self.partition_by.iter().map(String::as_str).collect();
        for part in df.partition_by_stable(keys.iter().copied(), true)? {
            let mut dir = self.out.join(name);
            for key in &keys {
                let value = match part.column(key)?.get(0)? {
                    AnyValue::Null => None,
                    AnyValue::String(s) => Some(s.to_string()),
                    AnyValue::StringOwned(s) => Some(s.to_string()),
                    other => Some(other.to_string()),
                };
                dir.push(partition_folder_name(key, value.as_deref()));
            }
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            // The partition columns stay in the files: a long value's folder
            // name is shortened, so only the file holds it exactly (readers
            // that take the folder value, like DuckDB's, get the same value
            // whenever it was not shortened).
            let mut part = if derive_month {
                part.drop(MONTH)?
            } else {
                part
            };
            // Distinct values can share a folder: null and `""` (both
            // Hive's null folder), or `Web` and `web` on a file system that
            // ignores case. Each gets its own file, so none overwrites another.
            let mut path = dir.join(format!("part-{batch}.{ext}"));
            let mut n = 0;
            while !self.files.insert(path.to_string_lossy().to_lowercase()) {
                n += 1;
                path = dir.join(format!("part-{batch}-{n}.{ext}"));
            }
            let mut sink = self.create(&path, &part)?;
            write_batch(&path, &mut sink, &mut part)?;
            finish(&path, sink)?;
            self.written += 1;
        }
        Ok(())
    }

    /// Appends rows to the frame's single file, created on the first batch.
    fn append(&mut self, name: &str, df: &mut DataFrame) -> Result<()> {
        if !self.open.contains_key(name) {
            let path = self.out.join(format!("{name}.{}", self.format.extension()));
            let sink = self.create(&path, df)?;
            self.open.insert(name.to_string(), (path, sink));
        }
        let (path, sink) = self.open.get_mut(name).expect("opened above");
        write_batch(path, sink, df)
    }

    fn create(&self, path: &Path, df: &DataFrame) -> Result<Sink> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let w = BufWriter::with_capacity(1 << 20, file);
        let schema = match self.format {
            ExportFormat::Csv => lists_as_json_text(df)?.schema().as_ref().clone(),
            _ => df.schema().as_ref().clone(),
        };
        let what = || format!("cannot write {}", path.display());
        Ok(match self.format {
            ExportFormat::Parquet => {
                let shared = SharedFile(Arc::new(Mutex::new(w)));
                let writer = ParquetWriter::new(shared.clone())
                    .batched(&schema)
                    .with_context(what)?;
                Sink::Parquet(Box::new(writer), shared)
            }
            ExportFormat::Csv => Sink::Csv(
                CsvWriter::new(w)
                    .include_header(true)
                    .batched(&schema)
                    .with_context(what)?,
            ),
            ExportFormat::Ndjson => Sink::Ndjson(w),
        })
    }

    /// Closes every open file; returns the number of files written.
    fn finish(self) -> Result<usize> {
        let n = self.written + self.open.len();
        for (_, (path, sink)) in self.open {
            finish(&path, sink)?;
        }
        Ok(n)
    }
}

fn write_batch(path: &Path, sink: &mut Sink, df: &mut DataFrame) -> Result<()> {
    let what = || format!("cannot write {}", path.display());
    // The batched writers need the columns' chunks aligned.
    df.align_chunks_par();
    match sink {
        Sink::Parquet(w, _) => w.write_batch(df).with_context(what)?,
        Sink::Csv(w) => w.write_batch(&lists_as_json_text(df)?).with_context(what)?,
        Sink::Ndjson(w) => {
            for i in 0..df.height() {
                serde_json::to_writer(&mut *w, &crate::render::Row(df, i)).with_context(what)?;
                w.write_all(b"\n").with_context(what)?;
            }
        }
    }
    Ok(())
}

fn finish(path: &Path, sink: Sink) -> Result<()> {
    let what = || format!("cannot write {}", path.display());
    match sink {
        Sink::Parquet(w, mut file) => {
            w.finish().with_context(what)?;
            file.flush().with_context(what)?;
        }
        Sink::Csv(mut w) => {
            w.finish().with_context(what)?;
        }
        Sink::Ndjson(mut w) => w.flush().with_context(what)?,
    }
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
