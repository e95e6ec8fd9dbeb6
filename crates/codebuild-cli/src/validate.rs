//! `cbstats validate`: every problem as `path:line:column: field: message`.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use codebuild_analytics::{Archive, LineIndex, LoadError, Position};
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use serde_json::Value;

use crate::cli::{Cli, ValidateArgs};

/// One problem, ready to print.
struct Problem {
    file: PathBuf,
    position: Option<Position>,
    text: String,
}

pub fn validate(cli: &Cli, args: &ValidateArgs) -> Result<ExitCode> {
    let paths = crate::load::paths(&args.load)?;
    let (files, builds, problems) = run(cli, args, &paths)?;
    let mut out = BufWriter::new(io::stdout().lock());
    for p in &problems {
        writeln!(out, "{}", p.text)?;
    }
    writeln!(
        out,
        "{files} files, {builds} builds, {} problems",
        problems.len()
    )?;
    out.flush()?;
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

type Counts = (usize, usize, Vec<Problem>);

fn run(cli: &Cli, args: &ValidateArgs, paths: &[PathBuf]) -> Result<Counts> {
    let (mut files, mut builds, mut problems) = (0, 0, Vec::new());
    let mut bad_files: HashSet<PathBuf> = HashSet::new();
    // `--strict` checks each file's text as the loader reads it: one read,
    // one decompression, the loader's own discovery of files.
    let strict = if args.strict {
        Some(Arc::new(Strict::new()?))
    } else {
        None
    };
    let strict_problems: Arc<Mutex<Vec<StrictProblem>>> = Arc::default();
    // Where the loader found problems, per file.
    let mut loader_positions: HashMap<PathBuf, Vec<Position>> = HashMap::new();
    let push = |e: &LoadError, problems: &mut Vec<Problem>| {
        problems.push(Problem {
            file: e.file.clone(),
            position: e.position,
            text: e.to_string(),
        });
    };
    // Each path on its own, so that a missing path does not hide the others.
    for path in paths {
        let (mut opts, bar) = crate::load::options(cli, &args.load, true, false);
        if let Some(strict) = &strict {
            let (strict, sink) = (Arc::clone(strict), Arc::clone(&strict_problems));
            opts.inspect = Some(Arc::new(move |file: &Path, text: &[u8]| {
                let mut found = Vec::new();
                strict.check(file, text, &mut found);
                if !found.is_empty() {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).extend(found);
                }
            }));
        }
        let loaded = Archive::load(std::slice::from_ref(path), &opts);
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match loaded {
            Ok(archive) => {
                let r = &archive.report;
                files += r.files_read;
                builds += r.builds_kept;
                let mut mine = Vec::new();
                for e in r.files_rejected.iter().chain(&r.records_rejected) {
                    record_loader_problem(e, &mut bad_files, &mut loader_positions);
                    push(e, &mut mine);
                }
                // Input order of files, then position within a file.
                mine.sort_by(|a, b| a.file.cmp(&b.file).then(a.position.cmp(&b.position)));
                problems.extend(mine);
            }
            Err(e) => {
                record_loader_problem(&e, &mut bad_files, &mut loader_positions);
                push(&e, &mut problems);
            }
        }
    }
    let mut strict_problems =
        std::mem::take(&mut *strict_problems.lock().unwrap_or_else(|e| e.into_inner()));
    // A record the loader rejected is not listed again (its problem would
    // be reported twice, once by each); every other record of the file
    // is, and so are the file's top-level members. A file the loader
    // rejected without saying where is left to the loader.
    strict_problems.retain(|p| {
        if !bad_files.contains(&p.problem.file) {
            return true;
        }
        let Some(at) = loader_positions.get(&p.problem.file) else {
            return false;
        };
        match p.record {
            Some((start, end)) => !at.iter().any(|a| (start..=end).contains(a)),
            None => true,
        }
    });
    let mut strict_problems: Vec<Problem> =
        strict_problems.into_iter().map(|p| p.problem).collect();
    // Files are checked in parallel: order them as the loader's problems are.
    strict_problems.sort_by(|a, b| a.file.cmp(&b.file).then(a.position.cmp(&b.position)));
    problems.extend(strict_problems);
    Ok((files, builds, problems))
}

/// Notes a loader problem: its file, and where in it when known.
fn record_loader_problem(
    e: &LoadError,
    bad_files: &mut HashSet<PathBuf>,
    positions: &mut HashMap<PathBuf, Vec<Position>>,
) {
    bad_files.insert(e.file.clone());
    if let Some(at) = e.position {
        positions.entry(e.file.clone()).or_default().push(at);
    }
}

/// The JSON Schema checks of `--strict`.
struct Strict {
    response: Validator,
    build: Validator,
}

/// Where a problem found by `--strict` is: the value's position, its path
/// in the loader's style (`builds[0].phases[6].attempts`), and the span of
/// the build record it is in (to leave out records the loader rejected).
struct Located {
    at: Position,
    path: String,
    record: Option<(Position, Position)>,
}

/// A JSON value of the file's text, not parsed further: `RawValue` borrows
/// the text, so its offset in the file is a pointer difference.
type Raw<'t> = &'t serde_json::value::RawValue;

impl Strict {
    fn new() -> Result<Self> {
        let compile = |s: codebuild_model::Schema| {
            jsonschema::validator_for(s.as_value())
                .map_err(|e| anyhow::anyhow!("the built-in JSON Schema does not compile: {e}"))
        };
        Ok(Strict {
            response: compile(codebuild_model::response_schema())?,
            build: compile(codebuild_model::build_schema())?,
        })
    }

    /// Checks every top-level value of one file's JSON text (JSON or JSON Lines).
    fn check(&self, shown: &Path, text: &[u8], problems: &mut Vec<StrictProblem>) {
        let lines = LineIndex::new(text);
        let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<Value>();
        loop {
            let start = skip_ws(text, stream.byte_offset());
            let Some(item) = stream.next() else { break };
            let Ok(value) = item else { break }; // syntax errors are the loader's to report
            let end = stream.byte_offset();
            let Some(raw) = std::str::from_utf8(&text[start..end])
                .ok()
                .and_then(|t| serde_json::from_str::<Raw>(t).ok())
            else {
                break;
            };
            let locator = Locator::new(text, &lines, raw);
            match &value {
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check_value(v, Some(i), &locator, shown, problems);
                    }
                }
                v => self.check_value(v, None, &locator, shown, problems),
            }
        }
    }

    /// Checks `v`, element `index` of the top-level array, or the top-level value.
    fn check_value(
        &self,
        v: &Value,
        index: Option<usize>,
        locator: &Locator,
        shown: &Path,
        problems: &mut Vec<StrictProblem>,
    ) {
        let is_response = v
            .as_object()
            .is_some_and(|o| o.contains_key("builds") || o.contains_key("buildsNotFound"));
        let validator = if is_response {
            &self.response
        } else {
            &self.build
        };
        for err in validator.iter_errors(v) {
            let mut segments: Vec<LocationSegment> =
                index.map(LocationSegment::Index).into_iter().collect();
            segments.extend(err.instance_path().iter());
            let mut emit = |extra: Option<&str>, message: String| {
                let mut segments = segments.clone();
                segments.extend(extra.map(|name| LocationSegment::Property(name.into())));
                let found = locator.locate(&segments, is_response || index.is_some());
                let field = if found.path.is_empty() {
                    "$".to_string()
                } else {
                    found.path
                };
                let at = found.at;
                problems.push(StrictProblem {
                    problem: Problem {
                        file: shown.to_path_buf(),
                        position: Some(at),
                        text: format!(
                            "{}:{}:{}: {field}: {message}",
                            shown.display(),
                            at.line,
                            at.column
                        ),
                    },
                    record: found.record,
                });
            };
            match err.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        emit(
                            Some(name),
                            "unknown member (not in the CodeBuild API model)".into(),
                        );
                    }
                }
                ValidationErrorKind::Enum { .. } => {
                    emit(None, format!("unknown enum value {}", err.instance()));
                }
                _ if err.instance().is_null() => {
                    emit(
                        None,
                        "null is not allowed (the API omits absent members instead)".into(),
                    );
                }
                _ => emit(None, err.to_string()),
            }
        }
    }
}

/// A problem of `--strict`, with the span of its build record.
struct StrictProblem {
    problem: Problem,
    record: Option<(Position, Position)>,
}

/// Finds values of one top-level JSON value in the file's text by their
/// path.
///
/// serde_json has no spans, but a borrowed [`RawValue`](serde_json::value::RawValue)
/// is a slice of the input: each step parses the current value as a map or
/// a list of raw values (serde_json's own parser, no hand-written one) and
/// the offset of the child is where its slice starts in the text.
struct Locator<'t> {
    text: &'t [u8],
    lines: &'t LineIndex,
    raw: Raw<'t>,
    /// The members or items of each value parsed so far, by offset: a
    /// response's `builds` is delimited once, not once per problem.
    children: RefCell<HashMap<usize, Children<'t>>>,
}

/// The members or items of a value (nothing for a scalar).
enum Children<'t> {
    Map(BTreeMap<String, Raw<'t>>),
    List(Vec<Raw<'t>>),
    None,
}

impl<'t> Locator<'t> {
    fn new(text: &'t [u8], lines: &'t LineIndex, raw: Raw<'t>) -> Self {
        Locator {
            text,
            lines,
            raw,
            children: RefCell::default(),
        }
    }

    fn offset(&self, raw: Raw) -> usize {
        raw.get().as_ptr() as usize - self.text.as_ptr() as usize
    }

    /// The child of `raw` at `segment`, if there is one.
    fn child(&self, raw: Raw<'t>, segment: &LocationSegment) -> Option<Raw<'t>> {
        let mut cache = self.children.borrow_mut();
        let children = cache.entry(self.offset(raw)).or_insert_with(|| {
            let text = raw.get();
            let parsed = match text.as_bytes().first() {
                Some(b'{') => serde_json::from_str(text).ok().map(Children::Map),
                Some(b'[') => serde_json::from_str(text).ok().map(Children::List),
                _ => None,
            };
            parsed.unwrap_or(Children::None)
        });
        match (segment, &*children) {
            (LocationSegment::Index(i), Children::List(items)) => items.get(*i).copied(),
            (LocationSegment::Property(name), Children::Map(members)) => {
                members.get(name.as_ref()).copied()
            }
            _ => None,
        }
    }

    /// The position of the value at `segments` (of the deepest value found
    /// on the way, if the path leaves the text), its path in the loader's
    /// style, and the span of its build record: the top-level value when
    /// `records_below` is false, else the element of the top-level array or
    /// of `builds` that the path goes through.
    fn locate(&self, segments: &[LocationSegment], records_below: bool) -> Located {
        let span = |raw: Raw| {
            let start = self.offset(raw);
            (
                self.lines.position(start),
                self.lines.position(start + raw.get().len()),
            )
        };
        let mut raw = self.raw;
        let mut path = String::new();
        let mut record = (!records_below).then(|| span(raw));
        let mut found = true;
        for (depth, segment) in segments.iter().enumerate() {
            // The path stays whole even past the deepest value found.
            match segment {
                LocationSegment::Index(i) => path.push_str(&format!("[{i}]")),
                LocationSegment::Property(name) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(name);
                }
            }
            if !found {
                continue;
            }
            let Some(child) = self.child(raw, segment) else {
                found = false;
                continue;
            };
            raw = child;
            // A build record: an element of the top-level array, or of `builds`.
            let is_record = records_below
                && matches!(segment, LocationSegment::Index(_))
                && (depth == 0
                    || (depth == 1
                        && matches!(&segments[0], LocationSegment::Property(p) if p == "builds")));
            if is_record && record.is_none() {
                record = Some(span(raw));
            }
        }
        Located {
            at: self.lines.position(self.offset(raw)),
            path,
            record,
        }
    }
}

fn skip_ws(text: &[u8], mut at: usize) -> usize {
    while at < text.len() && text[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}
