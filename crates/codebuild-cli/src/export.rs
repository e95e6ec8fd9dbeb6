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
use codebuild_analytics::dataset::{self, PARTITION_VALUES_KEY, Projection, partition_folder_name};
use codebuild_analytics::frames::col_names::START;
use codebuild_analytics::{Archive, Frames};
use polars::io::parquet::write::KeyValueMetadata;
use polars::prelude::{
    AnyValue, ArrowDataType, ArrowField, ArrowSchema, Column, CompatLevel, CsvWriter, DataFrame,
    DataType, IntoLazy, ParquetWriter, Schema, SerWriter, col,
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
        if batch == 0 {
            // Every batch has every frame's columns: checked before any file is written.
            check_partition_columns(&frames, &args.partition_by)?;
        }
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

/// Fails unless every `--partition-by` column is [`MONTH`] or a text,
/// integer or boolean column of some frame: folder names of other values
/// (times, fractions, lists) are lossy or one per row, and a column no
/// frame has (a misspelt name) would silently partition nothing.
fn check_partition_columns(frames: &Frames, partition_by: &[String]) -> Result<()> {
    for key in partition_by {
        if key == MONTH {
            continue;
        }
        let mut found = false;
        for (name, df) in frames.iter() {
            let Some(dtype) = df.schema().get(key) else {
                continue;
            };
            found = true;
            if !matches!(
                dtype,
                DataType::String | DataType::Int64 | DataType::Boolean
            ) {
                return Err(crate::UsageError(format!(
                    "--partition-by {key}: `{key}` of frame `{name}` is {dtype}; partition by a text, integer or boolean column, or by `{MONTH}`"
                ))
                .into());
            }
        }
        if !found {
            return Err(crate::UsageError(format!(
                "--partition-by {key}: no frame has a column `{key}` (names are case-sensitive, e.g. `projectName`, `buildStatus`; or `{MONTH}`)"
            ))
            .into());
        }
    }
    Ok(())
}

/// The Arrow schema `cbstats export` declares in its Parquet files (the
/// `ARROW:schema` entry of the file metadata that Arrow readers take their
/// types from): polars' schema with plain `string` and `binary` where
/// polars writes the types it holds in memory (`string_view`/`binary_view`,
/// which pyarrow before 16 cannot read, and which pyarrow's datasets cannot
/// merge with a partition column's inferred type). Times stay
/// `timestamp[us, tz=UTC]`, lists `large_list`. Only the declaration
/// changes: the Parquet columns are the same (`BYTE_ARRAY` + `STRING`
/// for every kind of Arrow string).
fn portable_arrow_schema(schema: &Schema) -> ArrowSchema {
    schema
        .iter()
        .map(|(name, dtype)| {
            let field = dtype.to_arrow_field(name.clone(), CompatLevel::oldest());
            (name.clone(), portable_field(field))
        })
        .collect()
}

fn portable_field(field: ArrowField) -> ArrowField {
    ArrowField {
        dtype: portable_dtype(field.dtype),
        ..field
    }
}

fn portable_dtype(dtype: ArrowDataType) -> ArrowDataType {
    use ArrowDataType as D;
    match dtype {
        D::Utf8View | D::LargeUtf8 => D::Utf8,
        D::BinaryView | D::LargeBinary => D::Binary,
        D::List(f) => D::List(Box::new(portable_field(*f))),
        D::LargeList(f) => D::LargeList(Box::new(portable_field(*f))),
        D::FixedSizeList(f, n) => D::FixedSizeList(Box::new(portable_field(*f)), n),
        D::Struct(fields) => D::Struct(fields.into_iter().map(portable_field).collect()),
        D::Dictionary(keys, values, ordered) => {
            D::Dictionary(keys, Box::new(portable_dtype(*values)), ordered)
        }
        other => other,
    }
}

/// The file metadata of a Parquet file: the [portable Arrow
/// schema](portable_arrow_schema) and, in a partition's file, the exact
/// values of its partition columns ([`PARTITION_VALUES_KEY`]), which the
/// file does not hold as columns.
fn parquet_metadata(
    schema: &Schema,
    partition: Option<&serde_json::Map<String, serde_json::Value>>,
) -> KeyValueMetadata {
    let arrow = polars_parquet::write::schema_to_metadata_key(&portable_arrow_schema(schema));
    let mut kv = vec![(arrow.key, arrow.value.unwrap_or_default())];
    if let Some(values) = partition {
        kv.push((
            PARTITION_VALUES_KEY.to_string(),
            serde_json::Value::Object(values.clone()).to_string(),
        ));
    }
    KeyValueMetadata::from_static(kv)
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
            let mut exact = serde_json::Map::new();
            for key in &keys {
                let (folder_value, json) = match part.column(key)?.get(0)? {
                    AnyValue::Null => (None, serde_json::Value::Null),
                    AnyValue::String(s) => (Some(s.to_string()), s.into()),
                    AnyValue::StringOwned(s) => (Some(s.to_string()), s.as_str().into()),
                    AnyValue::Int64(i) => (Some(i.to_string()), i.into()),
                    AnyValue::Boolean(b) => (Some(b.to_string()), b.into()),
                    other => {
                        anyhow::bail!("cannot partition by `{key}` of dtype {}", other.dtype())
                    }
                };
                dir.push(partition_folder_name(key, folder_value.as_deref()));
                exact.insert(key.to_string(), json);
            }
            fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
            // Parquet files leave the partition columns out, as Hive and
            // Spark write them: pyarrow infers a partition column's type
            // from the folder names (`string`, or a dictionary of strings
            // in `pyarrow.parquet.read_table` and pandas) and fails when a
            // file declares the column with another type, and no one type
            // matches both. The exact values (a long value's folder name is
            // shortened; null and `""` share Hive's null folder) are in the
            // file's metadata, where `cbstats report --parquet` reads them.
            // CSV and NDJSON have no such metadata: their files keep the
            // columns (their readers do not merge types with folder names).
            // The derived `month` is in no file.
            let mut drop: Vec<&str> = Vec::new();
            if derive_month {
                drop.push(MONTH);
            }
            if self.format == ExportFormat::Parquet {
                drop.extend(
                    keys.iter()
                        .copied()
                        .filter(|k| *k != MONTH || !derive_month),
                );
            }
            let mut part = part.drop_many(drop);
            // Distinct values can share a folder: null and `""` (both
            // Hive's null folder), or `Web` and `web` on a file system that
            // ignores case. Each gets its own file, so none overwrites another.
            let mut path = dir.join(format!("part-{batch}.{ext}"));
            let mut n = 0;
            while !self.files.insert(path.to_string_lossy().to_lowercase()) {
                n += 1;
                path = dir.join(format!("part-{batch}-{n}.{ext}"));
            }
            let mut sink = self.create(&path, &part, Some(&exact))?;
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
            let sink = self.create(&path, df, None)?;
            self.open.insert(name.to_string(), (path, sink));
        }
        let (path, sink) = self.open.get_mut(name).expect("opened above");
        write_batch(path, sink, df)
    }

    /// Creates a file for the rows of `df`; `partition` holds the exact
    /// partition values of a partition's file.
    fn create(
        &self,
        path: &Path,
        df: &DataFrame,
        partition: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<Sink> {
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
                    .with_key_value_metadata(Some(parquet_metadata(&schema, partition)))
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
