//! Loading an archive: files in parallel, decoded into frame chunks,
//! duplicates resolved, one set of frames and an honest load report.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};

use codebuild_model::Build;
use polars::prelude::*;
use rayon::prelude::*;

use crate::columnar::{CHUNK_BUILDS, Chunk, ChunkFrames, Columns, DedupKey, Plan, Responses};
#[cfg(test)]
use crate::columns_def::*;
use crate::decode::{self, DEFAULT_MAX_NESTING, FileStats};
use crate::error::{ErrorKind, LoadError};
use crate::frames::{Frames, LIST_FRAMES};
use crate::input::{self, Content, InputFile};

/// Progress callback: called after each file with (files done, files total, bytes read).
pub type Progress = Arc<dyn Fn(usize, usize, u64) + Send + Sync>;

/// Inspection callback: called with each file's path and JSON text
/// (decompressed, BOM removed) before it is decoded, from worker threads.
/// It lets a caller look at the same bytes (e.g. validate them against the
/// JSON Schema) without reading or decompressing any file twice.
pub type Inspect = Arc<dyn Fn(&Path, &[u8]) + Send + Sync>;

/// How to load an archive. `LoadOptions::default()` is strict and generous.
#[derive(Clone)]
pub struct LoadOptions {
    /// Skip bad records and files instead of failing on the first error;
    /// the [`LoadReport`] lists what was skipped and why. Default `false`.
    pub keep_going: bool,
    /// Largest (decompressed) size of one file, in bytes. Default 4 GiB.
    pub max_file_bytes: u64,
    /// Largest size of one build record, in bytes. Default 64 MiB.
    pub max_record_bytes: u64,
    /// Deepest nesting of arrays and objects allowed anywhere in a file.
    /// Default 128 (serde_json's own limit); 0 disables the check.
    pub max_nesting: usize,
    /// Worker threads; `None` uses rayon's global pool (all cores).
    pub threads: Option<usize>,
    /// Keep environment variable values (they can hold secrets). Default `false`.
    pub include_env_values: bool,
    /// Called after each file is decoded.
    pub progress: Option<Progress>,
    /// Called with each file's JSON text before it is decoded.
    pub inspect: Option<Inspect>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            keep_going: false,
            max_file_bytes: 4 << 30,
            max_record_bytes: 64 << 20,
            max_nesting: DEFAULT_MAX_NESTING,
            threads: None,
            include_env_values: false,
            progress: None,
            inspect: None,
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("keep_going", &self.keep_going)
            .field("max_file_bytes", &self.max_file_bytes)
            .field("max_record_bytes", &self.max_record_bytes)
            .field("max_nesting", &self.max_nesting)
            .field("threads", &self.threads)
            .field("include_env_values", &self.include_env_values)
            .finish_non_exhaustive()
    }
}

/// A file that was not loaded, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedFile {
    /// The file (serialized as text, like the file of a [`LoadError`]).
    #[serde(serialize_with = "crate::error::lossy_path")]
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: String,
}

/// What a load read, kept, dropped and skipped.
///
/// Accounting: `builds_read == builds_kept + duplicates_dropped + records_rejected.len()`.
///
/// Serializes (serde) with camelCase keys, e.g. to keep it beside an export.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadReport {
    /// Files decoded (including those rejected part-way).
    pub files_read: usize,
    /// Files in folders that are not dumps (e.g. `.txt`), skipped and not errors.
    pub files_skipped: Vec<SkippedFile>,
    /// Files that could not be read at all or only in part (with `keep_going`).
    pub files_rejected: Vec<LoadError>,
    /// Bytes of JSON decoded (after decompression).
    pub bytes_read: u64,
    /// `batch_get_builds` response objects read.
    pub responses: usize,
    /// Records read: every build record delimited in the input, good or bad.
    pub builds_read: usize,
    /// Builds in the frames: one per build id.
    pub builds_kept: usize,
    /// Records dropped because another record of the same build id was kept
    /// (ANALYTICS.md "Records").
    pub duplicates_dropped: usize,
    /// Records rejected (with `keep_going`), with the reason.
    pub records_rejected: Vec<LoadError>,
    /// Ids listed in `buildsNotFound`, in input order, without repeats.
    pub builds_not_found: Vec<String>,
}

impl LoadReport {
    /// `true` when `builds_read == builds_kept + duplicates_dropped + records_rejected`.
    pub fn balances(&self) -> bool {
        self.builds_read == self.builds_kept + self.duplicates_dropped + self.records_rejected.len()
    }
}

/// A loaded archive: its frames and the load report.
#[derive(Clone, Debug)]
pub struct Archive {
    /// The frames.
    pub frames: Frames,
    /// What was read, kept, dropped and skipped.
    pub report: LoadReport,
}

/// Frame chunk of `builds`, the `i`-th read from the file named `files[i]`,
/// through the typed records and the column tables: the oracle the
/// columnar decoder is tested against.
#[cfg(test)]
pub(crate) fn chunk_of(
    builds: &[Build],
    files: &[&str],
    opts: &LoadOptions,
) -> PolarsResult<(Vec<DedupKey>, crate::columnar::ChunkFrames)> {
    let rows: Vec<BuildRow<'_>> = builds
        .iter()
        .zip(files)
        .map(|(build, file)| BuildRow { build, file })
        .collect();
    let builds_df = DataFrame::new(rows.len(), build_columns(&rows))?;

    fn with_row<R>(
        builds: &DataFrame,
        rows: &[R],
        row: impl Fn(&R) -> usize,
        cols: Vec<Column>,
    ) -> PolarsResult<DataFrame> {
        let index: Vec<IdxSize> = rows.iter().map(|r| row(r) as IdxSize).collect();
        let cols = gather_keys(builds, &index, cols)?;
        DataFrame::new(rows.len(), cols)
    }
    fn items<'a, T>(builds: &'a [Build], get: impl Fn(&'a Build) -> &'a [T]) -> Vec<Item<'a, T>> {
        builds
            .iter()
            .enumerate()
            .flat_map(|(row, build)| {
                get(build)
                    .iter()
                    .enumerate()
                    .map(move |(index, item)| Item {
                        row,
                        build,
                        index,
                        item,
                    })
            })
            .collect()
    }
    let phases: Vec<PhaseRow<'_>> = builds
        .iter()
        .enumerate()
        .flat_map(|(row, build)| {
            build
                .phases()
                .iter()
                .enumerate()
                .map(move |(index, phase)| PhaseRow {
                    row,
                    build,
                    index,
                    phase,
                })
        })
        .collect();
    let contexts: Vec<ContextRow<'_>> = phases
        .iter()
        .flat_map(|p| {
            p.phase
                .contexts()
                .iter()
                .enumerate()
                .map(|(index, context)| ContextRow {
                    row: p.row,
                    build: p.build,
                    phase_index: p.index,
                    phase: p.phase,
                    index,
                    context,
                })
        })
        .collect();

    let env = items(builds, |b| {
        b.environment
            .as_ref()
            .map_or(&[][..], |e| e.environment_variables())
    });
    let mut env_cols = env_columns(&env);
    let exported = items(builds, |b| b.exported_environment_variables());
    let mut exported_cols = exported_columns(&exported);
    if opts.include_env_values {
        env_cols.extend(env_value_columns(&env));
        exported_cols.extend(exported_value_columns(&exported));
    }

    let sources = items(builds, |b| b.secondary_sources());
    let versions = items(builds, |b| b.secondary_source_versions());
    let artifacts = items(builds, |b| b.secondary_artifacts());
    let reports = items(builds, |b| b.report_arns());
    let file_systems = items(builds, |b| b.file_system_locations());
    let modes = items(builds, |b| b.cache.as_ref().map_or(&[][..], |c| c.modes()));
    let subnets = items(builds, |b| {
        b.vpc_config.as_ref().map_or(&[][..], |v| v.subnets())
    });
    let groups = items(builds, |b| {
        b.vpc_config
            .as_ref()
            .map_or(&[][..], |v| v.security_group_ids())
    });
    let docker = items(builds, |b| {
        b.environment
            .as_ref()
            .and_then(|e| e.docker_server.as_ref())
            .map_or(&[][..], |d| d.security_group_ids())
    });

    // Order matches `LIST_FRAMES`.
    let children = vec![
        with_row(&builds_df, &phases, |r| r.row, phase_columns(&phases))?,
        with_row(&builds_df, &contexts, |r| r.row, context_columns(&contexts))?,
        with_row(&builds_df, &env, |r| r.row, env_cols)?,
        with_row(&builds_df, &exported, |r| r.row, exported_cols)?,
        with_row(
            &builds_df,
            &sources,
            |r| r.row,
            secondary_source_columns(&sources),
        )?,
        with_row(
            &builds_df,
            &versions,
            |r| r.row,
            source_version_columns(&versions),
        )?,
        with_row(
            &builds_df,
            &artifacts,
            |r| r.row,
            artifact_columns(&artifacts),
        )?,
        with_row(
            &builds_df,
            &reports,
            |r| r.row,
            report_arn_columns(&reports),
        )?,
        with_row(
            &builds_df,
            &file_systems,
            |r| r.row,
            file_system_columns(&file_systems),
        )?,
        with_row(&builds_df, &modes, |r| r.row, cache_mode_columns(&modes))?,
        with_row(&builds_df, &subnets, |r| r.row, subnet_columns(&subnets))?,
        with_row(
            &builds_df,
            &groups,
            |r| r.row,
            security_group_columns(&groups),
        )?,
        with_row(
            &builds_df,
            &docker,
            |r| r.row,
            security_group_columns(&docker),
        )?,
    ];
    Ok((
        builds.iter().map(DedupKey::of).collect(),
        (builds_df, children),
    ))
}

/// The child frames' copies of build columns (`buildId`, `projectName`):
/// the placeholders the column tables leave for them (kind `key`) become
/// the builds frame's column gathered at each row's build. A gather of a
/// string column copies 16-byte views and shares the text buffers.
#[cfg(test)]
fn gather_keys(
    builds: &DataFrame,
    index: &[IdxSize],
    cols: Vec<Column>,
) -> PolarsResult<Vec<Column>> {
    const KEYS: [(&str, &str); 2] = [("buildId", "id"), ("projectName", "projectName")];
    let index = IdxCa::from_vec("index".into(), index.to_vec());
    cols.into_iter()
        .map(
            |c| match KEYS.iter().find(|(name, _)| c.name().as_str() == *name) {
                Some((name, source)) if c.is_empty() => Ok(builds
                    .column(source)?
                    .take(&index)?
                    .with_name((*name).into())),
                _ => Ok(c),
            },
        )
        .collect()
}

/// What reading and decoding one file gave, for the load report.
struct FileResult {
    stats: FileStats,
    bytes: u64,
    skipped: Option<String>,
    error: Option<LoadError>,
}

/// Reads and decodes every file in parallel (in rayon's pool, or one of
/// `opts.threads` threads), keeping input order.
///
/// Files are split into a few contiguous groups per thread; each group is
/// decoded in order into one accumulator (`new_acc`), so frame chunks span
/// many small files instead of one tiny chunk per file. `decode_file` gets
/// the accumulator, the file's index and its text, and returns the file's
/// error, if any (what it decoded before the error stays in the accumulator).
fn decode_files<A: Send>(
    files: &[InputFile],
    opts: &LoadOptions,
    new_acc: impl Fn() -> A + Sync,
    decode_file: impl Fn(&mut A, usize, &[u8], &mut FileStats) -> Option<LoadError> + Sync,
) -> Result<(Vec<FileResult>, Vec<A>), LoadError> {
    let total = files.len();
    let done = AtomicUsize::new(0);
    let bytes_done = AtomicU64::new(0);
    let one = |acc: &mut A, index: usize| {
        let file = &files[index];
        let mut result = FileResult {
            stats: FileStats::default(),
            bytes: 0,
            skipped: None,
            error: None,
        };
        match input::read(file, opts) {
            Ok(Content::Json(text)) => {
                result.bytes = text.len() as u64;
                if let Some(inspect) = &opts.inspect {
                    inspect(&file.path, &text);
                }
                result.error = decode_file(acc, index, &text, &mut result.stats);
            }
            Ok(Content::Skipped(reason)) => result.skipped = Some(reason),
            Err(e) => result.error = Some(e),
        }
        if let Some(progress) = &opts.progress {
            let n = done.fetch_add(1, Relaxed) + 1;
            let b = bytes_done.fetch_add(result.bytes, Relaxed) + result.bytes;
            progress(n, total, b);
        }
        result
    };
    let run = || {
        let groups = (rayon::current_num_threads() * 4).max(1);
        let per_group = total.div_ceil(groups).max(1);
        let ranges: Vec<std::ops::Range<usize>> = (0..total)
            .step_by(per_group)
            .map(|start| start..(start + per_group).min(total))
            .collect();
        let out: Vec<(Vec<FileResult>, A)> = ranges
            .into_par_iter()
            .map(|range| {
                let mut acc = new_acc();
                let results = range.map(|i| one(&mut acc, i)).collect();
                (results, acc)
            })
            .collect();
        let mut results = Vec::with_capacity(total);
        let mut accs = Vec::with_capacity(out.len());
        for (r, a) in out {
            results.extend(r);
            accs.push(a);
        }
        (results, accs)
    };
    with_threads(opts, run)
}

/// Runs `f` in rayon's global pool, or in a pool of `opts.threads` threads.
fn with_threads<R: Send>(opts: &LoadOptions, f: impl FnOnce() -> R + Send) -> Result<R, LoadError> {
    match opts.threads {
        None => Ok(f()),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| {
                LoadError::file(
                    Path::new("-"),
                    ErrorKind::Io,
                    format!("starting {n} threads: {e}"),
                )
            }),
    }
}

/// Adds up the files' accounting into a report. Without `keep_going`, the
/// first error in input order is the result.
fn account(
    files: &[InputFile],
    results: Vec<FileResult>,
    opts: &LoadOptions,
) -> Result<LoadReport, LoadError> {
    let mut report = LoadReport::default();
    let mut seen_not_found = HashSet::new();
    for (file, r) in files.iter().zip(results) {
        if let Some(reason) = r.skipped {
            report.files_skipped.push(SkippedFile {
                path: file.path.clone(),
                reason,
            });
            continue;
        }
        if let Some(e) = r.error {
            if !opts.keep_going {
                return Err(e);
            }
            report.files_rejected.push(e);
        }
        if r.bytes > 0 {
            report.files_read += 1;
        }
        report.bytes_read += r.bytes;
        report.responses += r.stats.responses;
        report.builds_read += r.stats.records_read;
        report.records_rejected.extend(r.stats.rejected);
        for id in r.stats.not_found {
            if seen_not_found.insert(id.clone()) {
                report.builds_not_found.push(id);
            }
        }
    }
    Ok(report)
}

/// ANALYTICS.md "Records": which records to keep, one per build id, given
/// their keys in input order. Records without an id are all kept.
fn keep_mask<'a>(keys: impl Iterator<Item = &'a DedupKey>) -> Vec<bool> {
    let keys: Vec<&DedupKey> = keys.collect();
    // polars' fast hasher: this map holds every build id of the archive.
    let mut best: PlHashMap<&str, usize> = PlHashMap::with_capacity(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let Some(id) = key.id.as_deref() else {
            continue;
        };
        let at = best.entry(id).or_insert(i);
        if key.beats(keys[*at]) {
            *at = i;
        }
    }
    keys.iter()
        .enumerate()
        .map(|(i, k)| k.id.as_deref().is_none_or(|id| best[id] == i))
        .collect()
}

fn frames_error(e: PolarsError) -> LoadError {
    LoadError::file(
        Path::new("-"),
        ErrorKind::Data,
        format!("building frames: {e}"),
    )
}

/// The build records of a group of files, decoded into chunks of
/// `CHUNK_BUILDS` records, so memory holds columns and nothing per record.
struct ChunkBuilder<'a> {
    names: &'a [String],
    columns: Columns<'a>,
    chunks: Vec<Chunk>,
    /// The file being decoded.
    file: usize,
}

impl<'a> ChunkBuilder<'a> {
    fn new(names: &'a [String], plan: &'a Plan) -> Self {
        ChunkBuilder {
            names,
            columns: Columns::new(plan),
            chunks: Vec::new(),
            file: 0,
        }
    }

    /// A chunk is full: on to the next.
    fn check_full(&mut self) {
        if self.columns.len() >= CHUNK_BUILDS {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.columns.len() > 0 {
            self.chunks.push(self.columns.take_chunk());
        }
    }

    fn finish(mut self) -> Vec<Chunk> {
        self.flush();
        self.chunks
    }
}

impl decode::Sink for ChunkBuilder<'_> {
    fn record(&mut self, raw: &str) -> bool {
        let ok = self.columns.record(raw, &self.names[self.file]);
        self.check_full();
        ok
    }

    fn responses(&mut self, text: &[u8]) -> Option<Responses> {
        // A chunk may pass CHUNK_BUILDS by one file: its rows must stay in
        // one chunk until the file is known to read.
        let read = self.columns.responses(text, &self.names[self.file]);
        self.check_full();
        read
    }
}

/// Decodes `files` (named `names`) in parallel into frame chunks, in input order.
fn decode_chunks(
    files: &[InputFile],
    names: &[String],
    opts: &LoadOptions,
) -> Result<(Vec<FileResult>, Vec<Chunk>), LoadError> {
    let plan = Plan::new(opts.include_env_values);
    let (results, builders) = decode_files(
        files,
        opts,
        || ChunkBuilder::new(names, &plan),
        |acc, index, text, stats| {
            acc.file = index;
            decode::decode(&files[index].path, text, opts, stats, acc).err()
        },
    )?;
    let chunks = builders
        .into_iter()
        .flat_map(ChunkBuilder::finish)
        .collect();
    Ok((results, chunks))
}

fn path_names(files: &[InputFile]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.path.to_string_lossy().into_owned())
        .collect()
}

/// Builds per batch of [`Archive::load_batched`] unless told otherwise.
pub const DEFAULT_BATCH_BUILDS: usize = 200_000;

impl Archive {
    /// Loads every dump under `paths` (files; folders walked recursively;
    /// `-` for standard input) into frames, reading the files in sorted
    /// path order whatever order `paths` come in.
    ///
    /// Files are decoded in parallel. Duplicate build ids are resolved as in
    /// ANALYTICS.md "Records". By default the first bad file or record is the
    /// error; with [`LoadOptions::keep_going`] it is skipped and listed in the report.
    pub fn load<P: AsRef<Path>>(paths: &[P], opts: &LoadOptions) -> Result<Archive, LoadError> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let files = input::discover(&paths);
        let names = path_names(&files);
        let (results, chunks) = decode_chunks(&files, &names, opts)?;
        let mut report = account(&files, results, opts)?;
        let keep = keep_mask(chunks.iter().flat_map(|c| c.keys.iter().flatten()));
        let frames = with_threads(opts, || assemble(chunks, &keep, &mut report, opts))?
            .map_err(frames_error)?;
        Ok(Archive { frames, report })
    }

    /// Loads an archive larger than memory: hands `each` the frames of one
    /// batch of files at a time (about `batch_builds` builds each, and whole
    /// files), in input order, and returns the load report of the whole archive.
    ///
    /// The frames of all batches together are exactly the frames
    /// [`Archive::load`] gives, in the same order: duplicates are resolved
    /// across the whole archive, not per batch. For that the archive is read
    /// twice: a first pass decodes every record and keeps only its
    /// duplicate key (id, completeness, end time, phase count); the second
    /// decodes the batches. Peak memory is one batch of frames plus the keys
    /// (about 100 bytes per build). Files that gave no builds in the first
    /// pass are not read again; standard input is held in memory to be read
    /// twice. A file that changes between the passes is an error.
    ///
    /// `each` is called at least once (with empty frames for an empty
    /// archive), so writers always see the frames' columns. Its error stops
    /// the load and is returned.
    pub fn load_batched<P, E>(
        paths: &[P],
        opts: &LoadOptions,
        batch_builds: usize,
        mut each: impl FnMut(Frames) -> Result<(), E>,
    ) -> Result<LoadReport, E>
    where
        P: AsRef<Path>,
        E: From<LoadError>,
    {
        let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        let mut files = input::discover(&paths);
        for file in &mut files {
            file.preload_stdin(opts)?;
        }
        let names = path_names(&files);
        let total = files.len();
        // Progress counts both passes: 2 x files.
        let with_progress = |base: usize, base_bytes: u64, inspect: bool| {
            let mut o = opts.clone();
            o.progress = opts.progress.clone().map(|p| -> Progress {
                Arc::new(move |done, _, bytes| p(base + done, 2 * total, base_bytes + bytes))
            });
            if !inspect {
                o.inspect = None;
            }
            o
        };

        // Pass 1: the duplicate key of every good record, and the accounting.
        let first = with_progress(0, 0, true);
        let (results, keys) = decode_files(&files, &first, Vec::new, |acc, index, text, stats| {
            let mut sink = decode::typed(|build| acc.push((index, DedupKey::of(&build))));
            decode::decode(&files[index].path, text, opts, stats, &mut sink).err()
        })?;
        let mut report = account(&files, results, opts)?;
        let keys: Vec<(usize, DedupKey)> = keys.into_iter().flatten().collect();
        let keep = keep_mask(keys.iter().map(|(_, k)| k));
        let mut per_file = vec![0usize; total];
        for (file, _) in &keys {
            per_file[*file] += 1;
        }
        drop(keys);
        report.builds_kept = keep.iter().filter(|k| **k).count();
        report.duplicates_dropped = keep.len() - report.builds_kept;

        // Pass 2: batches of whole files, decoded into frames.
        let mut start = 0;
        let mut offset = 0;
        let mut batches = 0;
        let mut bytes_done = report.bytes_read;
        while start < total {
            let mut end = start;
            let mut n = 0;
            while end < total && (end == start || n + per_file[end] <= batch_builds) {
                n += per_file[end];
                end += 1;
            }
            if n == 0 {
                // No builds in these files (skipped, rejected, empty): nothing to read again.
                start = end;
                continue;
            }
            // Only the files that gave builds in the first pass are read
            // again (not, say, a rejected gzip bomb).
            let wanted: Vec<usize> = (start..end).filter(|&i| per_file[i] > 0).collect();
            let batch_files: Vec<InputFile> = wanted.iter().map(|&i| files[i].clone()).collect();
            let batch_names: Vec<String> = wanted.iter().map(|&i| names[i].clone()).collect();
            let second = with_progress(total + start, bytes_done, false);
            let (results, chunks) = decode_chunks(&batch_files, &batch_names, &second)?;
            for (r, &i) in results.iter().zip(&wanted) {
                let file = &files[i];
                if let (Some(e), false) = (&r.error, opts.keep_going) {
                    return Err(e.clone().into());
                }
                let builds = r.stats.records_read - r.stats.rejected.len();
                if builds != per_file[i] {
                    return Err(LoadError::file(
                        &file.path,
                        ErrorKind::Io,
                        format!(
                            "the file changed while the archive was read: {} builds in the first pass, {builds} in the second",
                            per_file[i]
                        ),
                    )
                    .into());
                }
                bytes_done += r.bytes;
            }
            let mut scratch = LoadReport::default();
            let keep = &keep[offset..offset + n];
            let frames = with_threads(opts, || assemble(chunks, keep, &mut scratch, opts))?
                .map_err(frames_error)?;
            offset += n;
            each(frames)?;
            batches += 1;
            start = end;
        }
        if batches == 0 {
            each(empty_frames(opts.include_env_values).map_err(frames_error)?)?;
        }
        Ok(report)
    }
}

/// Drops the duplicates (and the rows of bad records) from every chunk and
/// concatenates the frames. `keep` has one flag per good record, in order.
fn assemble(
    chunks: Vec<Chunk>,
    keep: &[bool],
    report: &mut LoadReport,
    opts: &LoadOptions,
) -> PolarsResult<Frames> {
    // Which rows each chunk keeps (in input order), then the chunks
    // filtered in parallel.
    let mut keep = keep.iter();
    let masks: Vec<Vec<bool>> = chunks
        .iter()
        .map(|chunk| {
            let rows: Vec<bool> = chunk
                .keys
                .iter()
                .map(|k| k.is_some() && keep.next().copied().unwrap_or(false))
                .collect();
            let good = chunk.keys.iter().flatten().count();
            let kept = rows.iter().filter(|k| **k).count();
            report.builds_kept += kept;
            report.duplicates_dropped += good - kept;
            rows
        })
        .collect();
    let plan = Plan::new(opts.include_env_values);
    let filtered: Vec<ChunkFrames> = chunks
        .into_par_iter()
        .zip(masks)
        .map(|(chunk, rows)| chunk.finish(&plan, &rows))
        .collect::<PolarsResult<_>>()?;
    let mut builds = Vec::with_capacity(filtered.len());
    let mut children: Vec<Vec<DataFrame>> = vec![Vec::new(); 2 + LIST_FRAMES.len()];
    for (b, kids) in filtered {
        builds.push(b);
        for (i, child) in kids.into_iter().enumerate() {
            children[i].push(child);
        }
    }
    let (empty_builds, empty_children) = Columns::new(&plan).take_chunk().finish(&plan, &[])?;
    let mut empty_children = empty_children.into_iter();
    let mut children = children.into_iter();
    let mut next = || -> PolarsResult<DataFrame> {
        let template = empty_children.next().unwrap_or_default();
        concat(children.next().unwrap_or_default(), template)
    };
    let phases = next()?;
    let phase_contexts = next()?;
    let mut lists = BTreeMap::new();
    for name in LIST_FRAMES {
        lists.insert(name, next()?);
    }
    Ok(Frames {
        builds: concat(builds, empty_builds)?,
        phases,
        phase_contexts,
        lists,
    })
}

/// Frames without rows, with every column (and the environment variable
/// value columns when `include_env_values`).
pub(crate) fn empty_frames(include_env_values: bool) -> PolarsResult<Frames> {
    let opts = LoadOptions {
        include_env_values,
        ..LoadOptions::default()
    };
    assemble(Vec::new(), &[], &mut LoadReport::default(), &opts)
}

/// Stacks frames of one kind; `empty` (with the right columns) when there are none.
fn concat(dfs: Vec<DataFrame>, empty: DataFrame) -> PolarsResult<DataFrame> {
    let mut iter = dfs.into_iter();
    let Some(mut first) = iter.next() else {
        return Ok(empty);
    };
    for df in iter {
        first.vstack_mut_owned(df)?;
    }
    // No rechunk: chunks hold CHUNK_BUILDS builds each, polars works on
    // chunked columns as they are, and a copy of every frame would double
    // the peak memory of a load.
    Ok(first)
}

/// Loads the typed records instead of frames: every build kept after
/// duplicates are resolved, in input order, with the same load report.
pub fn load_builds<P: AsRef<Path>>(
    paths: &[P],
    opts: &LoadOptions,
) -> Result<(Vec<Build>, LoadReport), LoadError> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    let files = input::discover(&paths);
    let (results, per_group) =
        decode_files(&files, opts, Vec::new, |builds, index, text, stats| {
            let mut sink = decode::typed(|b| builds.push(b));
            decode::decode(&files[index].path, text, opts, stats, &mut sink).err()
        })?;
    let report = account(&files, results, opts)?;
    let mut report = report;
    let all: Vec<Build> = per_group.into_iter().flatten().collect();
    let keys: Vec<DedupKey> = all.iter().map(DedupKey::of).collect();
    let keep = keep_mask(keys.iter());
    let kept: Vec<Build> = all
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(b, _)| b)
        .collect();
    report.builds_kept = kept.len();
    report.duplicates_dropped = keep.len() - kept.len();
    Ok((kept, report))
}
