//! Frames on disk as a Parquet dataset, the layout `cbstats export` writes,
//! and read back lazily for the analyses.
//!
//! Layout: one folder; each frame is either one file `<frame>.parquet`, or a
//! Hive-partitioned folder `<frame>/<COL>=<value>/.../*.parquet` (folder
//! names from [`partition_folder_name`]) whose files hold every column of the
//! frame but the partition columns, as Hive and Spark write them (so that
//! readers that infer the partition columns' types from the folder names
//! never meet a conflicting type in the files). A folder name is limited to
//! 255 bytes, so a long value is shortened in it, and null and `""` share
//! Hive's null folder: the exact values are in each file's metadata, under
//! [`PARTITION_VALUES_KEY`].
//!
//! Reading takes a partition column from the file when the file has it
//! (exports of earlier versions kept them), else from the file's
//! [`PARTITION_VALUES_KEY`] metadata, else from the folder name (files
//! written by other tools; an error for a shortened name). A partition
//! column that is not a frame column (`month`) is dropped when reading.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::analysis::grouped::BuildRows;
use crate::frames::col_names::{BUILD_ID, ID};
use crate::frames::{Frames, LIST_FRAMES};

/// Hive's folder name for a null (or empty) partition value.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The key of the file metadata (Parquet key-value metadata) in which a
/// partition's file holds the exact values of its partition columns: a JSON
/// object `{"<COL>": <value>, ...}`, values as JSON strings, integers,
/// booleans or `null`.
pub const PARTITION_VALUES_KEY: &str = "cbstats.partitionValues";

/// Hive-style escaping of a partition value: every ASCII byte but
/// `[A-Za-z0-9._-]` becomes `%XX`; other characters (non-ASCII) are kept as
/// they are, in UTF-8. `None` and the empty string become
/// [`NULL_PARTITION`], and `.`/`..` are escaped so a value never names a
/// parent folder (as is the first `_` of a value that is literally
/// [`NULL_PARTITION`]).
///
/// Non-ASCII characters are not escaped because Spark decodes each `%XX` of
/// a folder name as one character, not as UTF-8 (`%C3%A9` reads as `Ã©`,
/// not `é`); pyarrow, DuckDB and polars read both forms, and
/// [`unescape_partition_value`] too.
pub fn escape_partition_value(value: Option<&str>) -> String {
    let Some(s) = value.filter(|s| !s.is_empty()) else {
        return NULL_PARTITION.to_string();
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !c.is_ascii() || c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else {
            out.push_str(&format!("%{:02X}", c as u32));
        }
    }
    match out.as_str() {
        "." | ".." => out.replace('.', "%2E"),
        // A value that is literally the null folder's name is not null.
        NULL_PARTITION => format!("%5F{}", &out[1..]),
        _ => out,
    }
}

/// Longest folder name [`partition_folder_name`] makes, in bytes: the limit
/// of one path component on Linux, macOS and Windows file systems (ext4,
/// XFS, APFS, NTFS count 255 bytes or UTF-16 units; bytes are the stricter).
pub const MAX_FOLDER_NAME_BYTES: usize = 255;

/// Separates a shortened value from its hash in a folder name. Escaping never
/// writes it (`~` becomes `%7E`), so it marks a shortened name unambiguously.
pub const SHORTENED_MARK: char = '~';

/// The folder name of one partition: `<key>=<escaped value>` (see
/// [`escape_partition_value`]), or, when that is longer than
/// [`MAX_FOLDER_NAME_BYTES`] (a 255-character project name is legal in
/// AWS; `projectName=` plus 255 bytes is not a legal file name), a
/// shortened name `<key>=<escaped prefix>~<hash>`:
///
/// - the prefix is the longest prefix of the value, cut at a character
///   boundary, whose escaped form fits with the rest, so the name stays
///   readable and never splits an escape `%XX` or a character;
/// - `<hash>` is 16 lowercase hex digits of the 64-bit FNV-1a hash of the
///   whole value's UTF-8 bytes: stable across runs, versions and platforms,
///   and distinct for values that share the prefix.
///
/// A shortened name does not give the value back (the value is in the
/// partition's files, see the module documentation); names of values that
/// fit are unchanged, and `..` and `/` stay escaped either way.
pub fn partition_folder_name(key: &str, value: Option<&str>) -> String {
    let escaped = escape_partition_value(value);
    let name = format!("{key}={escaped}");
    let Some(value) = value.filter(|_| name.len() > MAX_FOLDER_NAME_BYTES) else {
        return name;
    };
    let hash = format!("{SHORTENED_MARK}{:016x}", fnv1a_64(value.as_bytes()));
    let budget = MAX_FOLDER_NAME_BYTES.saturating_sub(key.len() + 1 + hash.len());
    let mut prefix = String::new();
    for c in value.chars() {
        let mut buf = [0u8; 4];
        let piece = escape_partition_value(Some(c.encode_utf8(&mut buf)));
        // A lone `.` is escaped as a whole value only; inside a longer
        // prefix it is kept as it is.
        let piece = if c == '.' { ".".to_string() } else { piece };
        if prefix.len() + piece.len() > budget {
            break;
        }
        prefix.push_str(&piece);
    }
    format!("{key}={prefix}{hash}")
}

/// Whether a partition folder's value (the text after `=`) was shortened by
/// [`partition_folder_name`], so that it does not hold the exact value.
pub fn is_shortened_partition_value(text: &str) -> bool {
    text.contains(SHORTENED_MARK)
}

/// 64-bit FNV-1a (public-domain constants): a tiny, fixed hash whose output
/// never changes with the Rust or crate versions, unlike `std`'s hashers.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The inverse of [`escape_partition_value`]: `None` for [`NULL_PARTITION`],
/// and for text that is not a valid escape (a bad `%XX`, or not UTF-8).
pub fn unescape_partition_value(text: &str) -> Option<String> {
    if text == NULL_PARTITION {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Which columns [`read_parquet`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Projection {
    /// Every column of every frame in the dataset.
    All,
    /// Only what the analyses read ([`crate::analysis::BUILD_COLUMNS`] of
    /// `builds`, [`crate::analysis::PHASE_COLUMNS`] of `phases`);
    /// `phaseContexts` and the list frames are left empty. Much less memory
    /// for large datasets.
    Analyses,
}

/// The frame's files: `<dir>/<name>.parquet`, or every `.parquet` file
/// under `<dir>/<name>/` in sorted path order.
fn frame_files(dir: &Path, name: &str) -> PolarsResult<Vec<PathBuf>> {
    let single = dir.join(format!("{name}.parquet"));
    if single.is_file() {
        return Ok(vec![single]);
    }
    let folder = dir.join(name);
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&folder)
        .follow_links(true)
        .sort_by_file_name()
    {
        let entry =
            entry.map_err(|e| polars_err!(ComputeError: "reading {}: {e}", folder.display()))?;
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "parquet") {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// A partition of a file: its column, its value as the folder name gives
/// it, and whether that name was shortened (see [`partition_folder_name`]).
type Partition = (String, Option<String>, bool);

/// The partition values in the folder names between `root` and `file`.
fn partitions(root: &Path, file: &Path) -> PolarsResult<Vec<Partition>> {
    let rel = file.parent().and_then(|p| p.strip_prefix(root).ok());
    let mut out = Vec::new();
    for part in rel.into_iter().flat_map(Path::components) {
        let text = part.as_os_str().to_string_lossy();
        let Some((key, value)) = text.split_once('=') else {
            polars_bail!(ComputeError: "{}: folder `{text}` is not a Hive partition `COL=value`", file.display());
        };
        let parsed = unescape_partition_value(value);
        if parsed.is_none() && value != NULL_PARTITION {
            polars_bail!(ComputeError: "{}: partition value `{value}` is not a valid escape", file.display());
        }
        out.push((key.to_string(), parsed, is_shortened_partition_value(value)));
    }
    Ok(out)
}

/// The literal for a partition value of a column of `dtype`.
fn partition_literal(column: &str, value: Option<&str>, dtype: &DataType) -> PolarsResult<Expr> {
    let Some(v) = value else {
        return Ok(lit(NULL).cast(dtype.clone()));
    };
    let bad = || polars_err!(ComputeError: "partition value `{v}` is not a {dtype} for column `{column}`");
    Ok(match dtype {
        DataType::String => lit(v.to_string()),
        DataType::Boolean => lit(v.parse::<bool>().map_err(|_| bad())?),
        DataType::Int64 => lit(v.parse::<i64>().map_err(|_| bad())?),
        DataType::Float64 => lit(v.parse::<f64>().map_err(|_| bad())?),
        _ => {
            polars_bail!(ComputeError: "cannot read partition column `{column}` of dtype {dtype}; partition by a text, number or boolean column")
        }
    })
}

/// The exact partition values a file written by `cbstats export` holds in
/// its metadata ([`PARTITION_VALUES_KEY`]); empty for a file without them.
fn partition_values(file: &Path) -> PolarsResult<serde_json::Map<String, serde_json::Value>> {
    let f = std::fs::File::open(file)
        .map_err(|e| polars_err!(ComputeError: "cannot open {}: {e}", file.display()))?;
    let mut reader = ParquetReader::new(f);
    let meta = reader.get_metadata()?;
    let Some(text) = meta
        .key_value_metadata()
        .iter()
        .flatten()
        .find(|kv| kv.key == PARTITION_VALUES_KEY)
        .and_then(|kv| kv.value.as_deref())
    else {
        return Ok(Default::default());
    };
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => {
            polars_bail!(ComputeError: "{}: the `{PARTITION_VALUES_KEY}` metadata is not a JSON object: {text}", file.display())
        }
    }
}

/// The literal for a partition value from [`partition_values`].
fn exact_literal(
    file: &Path,
    column: &str,
    value: &serde_json::Value,
    dtype: &DataType,
) -> PolarsResult<Expr> {
    use serde_json::Value as J;
    Ok(match (value, dtype) {
        (J::Null, _) => lit(NULL).cast(dtype.clone()),
        (J::String(s), DataType::String) => lit(s.clone()),
        (J::Bool(b), DataType::Boolean) => lit(*b),
        (J::Number(n), DataType::Int64) if n.is_i64() => lit(n.as_i64().unwrap_or_default()),
        (J::Number(n), DataType::Float64) if n.as_f64().is_some() => {
            lit(n.as_f64().unwrap_or_default())
        }
        _ => {
            polars_bail!(ComputeError: "{}: the `{PARTITION_VALUES_KEY}` value {value} of `{column}` is not a {dtype}", file.display())
        }
    })
}

/// One frame of the dataset: a lazy scan per file, with `template`'s
/// columns (those present in the files or partitions) and dtypes; no scans
/// when the dataset has no files for it.
fn scan_frame(dir: &Path, name: &str, template: &Schema) -> PolarsResult<Vec<LazyFrame>> {
    let files = frame_files(dir, name)?;
    let root = dir.join(name);
    let mut scans = Vec::with_capacity(files.len());
    for file in &files {
        let args = ScanArgsParquet {
            glob: false,
            // The folder names are read below: polars' own Hive parsing
            // would take a shortened name over the file's exact column.
            hive_options: HiveOptions::new_disabled(),
            ..Default::default()
        };
        let mut lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(file)?, args)?;
        let mut present = lf.collect_schema()?.as_ref().clone();
        let mut literals = Vec::new();
        let mut exact: Option<serde_json::Map<String, serde_json::Value>> = None;
        for (key, value, shortened) in partitions(&root, file)? {
            if present.contains(key.as_str()) {
                // The file's own column holds the exact values.
                continue;
            }
            let Some(dtype) = template.get(&key) else {
                continue;
            };
            if exact.is_none() {
                exact = Some(partition_values(file)?);
            }
            let literal = match exact.as_ref().and_then(|m| m.get(&key)) {
                Some(v) => exact_literal(file, &key, v, dtype)?,
                None if shortened => {
                    polars_bail!(ComputeError: "{}: the folder name of partition `{key}` is shortened and the file has neither a `{key}` column nor its value in the `{PARTITION_VALUES_KEY}` metadata, so its values are unknown", file.display())
                }
                None => partition_literal(&key, value.as_deref(), dtype)?,
            };
            literals.push(literal.alias(key.as_str()));
            present.insert(key.as_str().into(), dtype.clone());
        }
        let columns: Vec<Expr> = template
            .iter()
            .filter(|(c, _)| present.contains(c))
            .map(|(c, dtype)| col(c.clone()).strict_cast(dtype.clone()))
            .collect();
        if !literals.is_empty() {
            lf = lf.with_columns(literals);
        }
        scans.push(lf.select(columns));
    }
    Ok(scans)
}

/// The builds' ids, for re-pointing the child frames' `buildId` at their
/// text (see [`BuildIds::share`]).
struct BuildIds<'a> {
    /// The builds frame's `id`, as one chunk: a gather from one chunk of
    /// views shares its buffers (from several, polars copies the text).
    ids: &'a StringChunked,
    /// The builds' rows by id (the analyses' join index).
    rows: BuildRows<'a>,
}

impl<'a> BuildIds<'a> {
    fn new(ids: &'a StringChunked) -> PolarsResult<Self> {
        debug_assert_eq!(ids.chunks().len(), 1);
        Ok(Self {
            ids,
            rows: BuildRows::new(ids)?,
        })
    }

    /// `df` with its `buildId` column gathered from the builds' ids: the
    /// same text, as views into the builds' buffers, so the ids of a
    /// hundred million phases cost 16 bytes each rather than a copy of
    /// every id. A frame with an id no build has is returned unchanged.
    fn share(&self, mut df: DataFrame) -> PolarsResult<DataFrame> {
        let rows = match df.column(BUILD_ID) {
            Ok(column) => self.rows_of(column.str()?),
            Err(_) => None,
        };
        let Some(rows) = rows else {
            return Ok(df);
        };
        let shared = self.ids.take(&rows)?.with_name(BUILD_ID.into());
        df.with_column(shared.into_column())?;
        Ok(df)
    }

    /// The builds' row of each id (null for a null id); `None` if some id
    /// is not a build's.
    fn rows_of(&self, ids: &StringChunked) -> Option<IdxCa> {
        let mut rows = Vec::with_capacity(ids.len());
        for id in ids.iter() {
            rows.push(match id {
                None => None,
                Some(id) => Some(self.rows.first_row(id)? as IdxSize),
            });
        }
        Some(IdxCa::from_iter_options(
            PlSmallStr::EMPTY,
            rows.into_iter(),
        ))
    }
}

/// Reads the frames of a dataset written by `cbstats export --format parquet`
/// (lazily: each file is scanned with only the columns `projection` needs,
/// and partition values come from the folder names). Frames without files
/// are empty, with their usual columns. Row order follows the file paths.
///
/// The analyses give the same results on these frames as on the frames the
/// archive loads into; they do not depend on row order.
pub fn read_parquet(dir: &Path, projection: Projection) -> PolarsResult<Frames> {
    if !dir.is_dir() {
        polars_bail!(ComputeError: "{}: not a folder of Parquet files written by `cbstats export`", dir.display());
    }
    let templates = crate::load::empty_frames(true)?;
    // A frame's empty template, cut to `only` when given.
    let template_of = |template: &DataFrame, only: Option<&[&str]>| match only {
        Some(cols) => template.select(cols.iter().copied()),
        None => Ok(template.clone()),
    };
    let read =
        |name: &str, template: &DataFrame, only: Option<&[&str]>| -> PolarsResult<DataFrame> {
            let template = template_of(template, only)?;
            let scans = scan_frame(dir, name, template.schema())?;
            if scans.is_empty() {
                return Ok(template);
            }
            concat(scans, UnionArgs::default())?.collect()
        };
    let analyses = projection == Projection::Analyses;
    let mut builds = read(
        "builds",
        &templates.builds,
        analyses.then_some(crate::analysis::BUILD_COLUMNS),
    )?;
    // One chunk per column (views concatenated, numbers copied a column at
    // a time): the analyses' row-by-row kernels then read the builds'
    // arrays in place instead of each making its own contiguous copy.
    builds.rechunk_mut();
    let ids = builds.column(ID)?.str()?.clone();
    let index = BuildIds::new(&ids)?;
    // Child frames are read a file at a time, each file's `buildId` text
    // replaced by views into the builds' (one chunk of) ids before the next
    // file is read: the ids are the largest column of a large dataset, and
    // the phases repeat each one about ten times.
    let read_child =
        |name: &str, template: &DataFrame, only: Option<&[&str]>| -> PolarsResult<DataFrame> {
            let template = template_of(template, only)?;
            let mut out: Option<DataFrame> = None;
            for scan in scan_frame(dir, name, template.schema())? {
                let df = index.share(scan.collect()?)?;
                match &mut out {
                    None => out = Some(df),
                    Some(out) => {
                        out.vstack_mut_owned(df)?;
                    }
                }
            }
            Ok(out.unwrap_or(template))
        };
    let phases = read_child(
        "phases",
        &templates.phases,
        analyses.then_some(crate::analysis::PHASE_COLUMNS),
    )?;
    let (phase_contexts, lists) = if analyses {
        (DataFrame::default(), std::collections::BTreeMap::new())
    } else {
        let mut lists = std::collections::BTreeMap::new();
        for name in LIST_FRAMES {
            lists.insert(name, read_child(name, &templates.lists[name], None)?);
        }
        (
            read_child("phaseContexts", &templates.phase_contexts, None)?,
            lists,
        )
    };
    Ok(Frames {
        builds,
        phases,
        phase_contexts,
        lists,
    })
}

/// How many partitions one `ALTER TABLE ... ADD PARTITION` statement of
/// [`athena_ddl`] registers (Athena takes several in one statement; a
/// statement's text is limited to 256 KiB).
const ATHENA_PARTITIONS_PER_STATEMENT: usize = 100;

/// The Athena DDL of the export at `dir`: `CREATE DATABASE`, then for the
/// `builds`, `phases` and `phaseContexts` frames a `CREATE EXTERNAL TABLE`
/// of their copy at `location` (an `s3://` URL of the same layout), in
/// `database`, and the statements registering its partitions.
///
/// Athena allows only letters, digits and `_` in column names, and the
/// export's carry dots (`environment.computeType`), so the tables name
/// each column by [`crate::sql::athena_name`] (`environment_computetype`)
/// and read the files' columns by position
/// (`'parquet.column.index.access' = 'true'`), in the order of the
/// export's files, which is checked to be the same in every file. The
/// partition columns (folders `COL=value`) come last, typed as the frame's
/// column (`month` as `string`).
///
/// Partitions: `MSCK REPAIR TABLE` finds only folders whose key is the
/// partition column's (lower-case) name, so it is used when every key is
/// (`month`); otherwise (`projectName=...`) each partition folder of the
/// local export is registered by `ALTER TABLE ... ADD IF NOT EXISTS
/// PARTITION (...) LOCATION '...'` (its value as the folder names it,
/// unescaped; [`NULL_PARTITION`] for a null), in statements of up to
/// [`ATHENA_PARTITIONS_PER_STATEMENT`] partitions.
///
/// Athena reads tables from folders, not files, so `builds` and `phases`
/// must be folders (an export with `--partition-by` of columns both have);
/// `phaseContexts`, which no query reads, is written whole when it lacks
/// the partition columns, and is then left out with a note saying how to
/// register it.
pub fn athena_ddl(dir: &Path, location: &str, database: &str) -> PolarsResult<String> {
    if !location.starts_with("s3://") || location.trim_end_matches('/').len() <= "s3://".len() {
        polars_bail!(ComputeError: "--location `{location}`: Athena reads tables from S3; give the `s3://bucket/prefix` URL the export was copied to");
    }
    let templates = crate::load::empty_frames(true)?;
    let location = location.trim_end_matches('/');
    let quote = |name: &str| format!("`{}`", name.replace('`', "``"));
    let string = |text: &str| format!("'{}'", text.replace('\'', "''"));
    let db = quote(database);
    let mut out = format!(
        "-- cbstats sql --athena-ddl: the export's frames as Athena tables, for its copy at\n\
         -- {location}/. Run each statement on its own (the Athena console and\n\
         -- `aws athena start-query-execution` take one at a time). Athena allows only\n\
         -- letters, digits and _ in column names, so columns are renamed (lower case, other\n\
         -- characters as _) and read by position (parquet.column.index.access). The queries\n\
         -- for these tables:\n\
         --   cbstats sql --dialect trino --column-names athena --builds {database}.builds --phases {database}.phases --out sql-athena\n\
         \nCREATE DATABASE IF NOT EXISTS {db};\n"
    );
    for (frame, template) in [
        ("builds", &templates.builds),
        ("phases", &templates.phases),
        ("phaseContexts", &templates.phase_contexts),
    ] {
        if dir.join(format!("{frame}.parquet")).is_file() {
            if frame == "phaseContexts" {
                out.push_str(&format!(
                    "\n-- `phaseContexts` is one file ({frame}.parquet: it has no partition column) and\n\
                     -- no query reads it; to register it, copy it into a folder of its own\n\
                     -- ({location}/{frame}/part-0.parquet) and declare it as the tables above.\n"
                ));
                continue;
            }
            if frame == "phases" && dir.join("builds").is_dir() {
                polars_bail!(ComputeError: "{}: `phases` is one file (its frame lacks the `--partition-by` columns of `builds`); Athena reads tables from folders: partition by columns both frames have (`month`, `projectName`)", dir.display());
            }
            polars_bail!(ComputeError: "{}: `{frame}` is one file; Athena reads tables from folders: export with `--partition-by` (e.g. `--partition-by month`)", dir.display());
        }
        let files = frame_files(dir, frame)?;
        let Some(first) = files.first() else {
            polars_bail!(ComputeError: "{}: no Parquet files of `{frame}`", dir.display());
        };
        let schema_of = |file: &Path| -> PolarsResult<Schema> {
            let args = ScanArgsParquet {
                glob: false,
                hive_options: HiveOptions::new_disabled(),
                ..Default::default()
            };
            let mut lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(file)?, args)?;
            Ok(lf.collect_schema()?.as_ref().clone())
        };
        let schema = schema_of(first)?;
        let root = dir.join(frame);
        let keys: Vec<String> = partitions(&root, first)?
            .into_iter()
            .map(|(k, _, _)| k)
            .collect();
        let mut shortened = false;
        // Each partition folder (relative to the frame's, `/`-separated)
        // with its values, in path order.
        let mut folders: std::collections::BTreeMap<String, Vec<Option<String>>> =
            std::collections::BTreeMap::new();
        for file in &files {
            let other = schema_of(file)?;
            if !other.iter_names().eq(schema.iter_names()) {
                polars_bail!(ComputeError: "{}: its columns differ from {}'s; Athena reads columns by position, so every file of a frame must have the same", file.display(), first.display());
            }
            let parts = partitions(&root, file)?;
            if !parts.iter().map(|(k, _, _)| k).eq(keys.iter()) {
                polars_bail!(ComputeError: "{}: its partition folders differ from {}'s", file.display(), first.display());
            }
            shortened |= parts.iter().any(|(_, _, short)| *short);
            if !keys.is_empty() {
                let rel = file
                    .parent()
                    .and_then(|p| p.strip_prefix(&root).ok())
                    .map(|p| {
                        p.components()
                            .map(|c| c.as_os_str().to_string_lossy().into_owned())
                            .collect::<Vec<_>>()
                            .join("/")
                    })
                    .unwrap_or_default();
                folders
                    .entry(rel)
                    .or_insert_with(|| parts.into_iter().map(|(_, v, _)| v).collect());
            }
        }
        let hive_type = |column: &str, dtype: &DataType| -> PolarsResult<&'static str> {
            Ok(match dtype {
                DataType::String => "string",
                DataType::Boolean => "boolean",
                DataType::Int32 => "int",
                DataType::Int64 => "bigint",
                DataType::Float64 => "double",
                DataType::Date => "date",
                DataType::Datetime(_, _) => "timestamp",
                other => {
                    polars_bail!(ComputeError: "column `{column}` of `{frame}` is a {other}, which the Athena tables do not declare")
                }
            })
        };
        let mut seen = std::collections::BTreeMap::new();
        let mut declare = |column: &str, ty: &str| -> PolarsResult<String> {
            let name = crate::sql::athena_name(column);
            if let Some(before) = seen.insert(name.clone(), column.to_owned()) {
                polars_bail!(ComputeError: "columns `{before}` and `{column}` of `{frame}` are both `{name}` in Athena");
            }
            Ok(format!("  {} {ty}", quote(&name)))
        };
        let mut columns = Vec::new();
        for (name, dtype) in schema.iter() {
            columns.push(declare(name, hive_type(name, dtype)?)?);
        }
        let mut parts = Vec::new();
        for key in &keys {
            let ty = match template.schema().get(key.as_str()) {
                Some(dtype) => hive_type(key, dtype)?,
                None => "string",
            };
            parts.push(declare(key, ty)?);
        }
        let table = format!("{db}.{}", quote(&frame.to_ascii_lowercase()));
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "\nCREATE EXTERNAL TABLE {table} (\n{}\n)\n",
                columns.join(",\n")
            ),
        );
        if !parts.is_empty() {
            out.push_str(&format!("PARTITIONED BY (\n{}\n)\n", parts.join(",\n")));
        }
        out.push_str(&format!(
            "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'\n\
             WITH SERDEPROPERTIES ('parquet.column.index.access' = 'true')\n\
             STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat'\n\
             OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat'\n\
             LOCATION {};\n",
            string(&format!("{location}/{frame}/"))
        ));
        if shortened {
            out.push_str(&format!(
                "-- WARNING: some partition folders of `{frame}` hold a shortened value (a long value's\n\
                 -- prefix and hash); Athena reads the folder's text, not the value.\n"
            ));
        }
        if keys.is_empty() {
            continue;
        }
        if keys.iter().all(|k| crate::sql::athena_name(k) == *k) {
            out.push_str(&format!(
                "-- The partitions: the folders under {location}/{frame}/ (run again after adding some).\n\
                 MSCK REPAIR TABLE {table};\n"
            ));
            continue;
        }
        out.push_str(&format!(
            "-- The partitions, one per folder of the local export: MSCK REPAIR TABLE finds only\n\
             -- folders named by the lower-case column (`{}=`), not `{}=`.\n\
             -- After exporting more folders, run `cbstats sql --athena-ddl` again and its\n\
             -- ALTER TABLE statements (IF NOT EXISTS keeps the partitions already there).\n",
            crate::sql::athena_name(&keys[0]),
            keys[0],
        ));
        let names: Vec<String> = keys.iter().map(|k| crate::sql::athena_name(k)).collect();
        let folders: Vec<_> = folders.into_iter().collect();
        for batch in folders.chunks(ATHENA_PARTITIONS_PER_STATEMENT) {
            out.push_str(&format!("ALTER TABLE {table} ADD IF NOT EXISTS"));
            for (rel, values) in batch {
                let spec: Vec<String> = names
                    .iter()
                    .zip(values)
                    .map(|(name, v)| {
                        format!(
                            "{} = {}",
                            quote(name),
                            string(v.as_deref().unwrap_or(NULL_PARTITION))
                        )
                    })
                    .collect();
                out.push_str(&format!(
                    "\n  PARTITION ({}) LOCATION {}",
                    spec.join(", "),
                    string(&format!("{location}/{frame}/{rel}/"))
                ));
            }
            out.push_str(";\n");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn escaping_keeps_non_ascii_and_round_trips() {
        let odd = "a b/c=d%e:f\u{1F680}é\u{0}\n~";
        let escaped = escape_partition_value(Some(odd));
        assert_eq!(escaped, "a%20b%2Fc%3Dd%25e%3Af\u{1F680}é%00%0A%7E");
        assert_eq!(unescape_partition_value(&escaped).as_deref(), Some(odd));
        // Folder names of earlier versions (UTF-8 bytes escaped) still read.
        assert_eq!(unescape_partition_value("%C3%A9").as_deref(), Some("é"));
    }

    #[test]
    fn folder_names_that_fit_are_the_escaped_value() {
        assert_eq!(
            partition_folder_name("projectName", Some("web")),
            "projectName=web"
        );
        assert_eq!(
            partition_folder_name("projectName", Some("..")),
            "projectName=%2E%2E"
        );
        assert_eq!(
            partition_folder_name("projectName", None),
            format!("projectName={NULL_PARTITION}")
        );
        // 255 bytes exactly: kept whole.
        let v = "a".repeat(255 - "k=".len());
        assert_eq!(partition_folder_name("k", Some(&v)), format!("k={v}"));
    }

    #[test]
    fn long_values_are_cut_at_a_character_and_hashed() {
        // One byte over: 255 - len("k=") - 17 = 236 bytes of the value, `~`, the hash.
        let v = "a".repeat(254);
        let name = partition_folder_name("k", Some(&v));
        assert_eq!(
            name,
            format!("k={}~{:016x}", "a".repeat(236), fnv1a_64(v.as_bytes()))
        );
        assert_eq!(name.len(), 255);
        assert!(is_shortened_partition_value(
            name.split_once('=').unwrap().1
        ));
        // `é` is kept as its 2 UTF-8 bytes: 236 / 2 = 118 whole characters,
        // never half a character; `/` escapes to 3 bytes, never half an escape.
        let v = "é".repeat(200);
        let name = partition_folder_name("k", Some(&v));
        let (_, value) = name.split_once('=').unwrap();
        let (prefix, hash) = value.split_once('~').unwrap();
        assert_eq!(prefix, "é".repeat(118));
        assert_eq!(hash, format!("{:016x}", fnv1a_64(v.as_bytes())));
        let v = format!("a{}", "é/".repeat(100));
        let name = partition_folder_name("k", Some(&v));
        let (_, value) = name.split_once('=').unwrap();
        let (prefix, _) = value.split_once('~').unwrap();
        // 1 + 47 * 5 = 236 bytes.
        assert_eq!(prefix, format!("a{}", "é%2F".repeat(47)));
        // Slashes stay escaped in the prefix.
        let v = "../".repeat(100);
        let name = partition_folder_name("k", Some(&v));
        assert!(name.starts_with("k=..%2F..%2F"), "{name}");
        assert!(!name.contains('/'));
        assert!(name.len() <= MAX_FOLDER_NAME_BYTES);
        // Values sharing the kept prefix get different names.
        let (a, b) = ("x".repeat(300), format!("{}y", "x".repeat(299)));
        assert_ne!(
            partition_folder_name("k", Some(&a)),
            partition_folder_name("k", Some(&b))
        );
        assert_eq!(
            partition_folder_name("k", Some(NULL_PARTITION)),
            "k=%5F_HIVE_DEFAULT_PARTITION__"
        );
        // Plain names never look shortened (escaping writes `~` as `%7E`).
        assert!(!is_shortened_partition_value(&escape_partition_value(
            Some("a~b")
        )));
    }
}
