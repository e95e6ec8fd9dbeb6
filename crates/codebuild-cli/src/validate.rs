//! `cbstats validate`: every problem as `path:line:column: field: message`.

use std::collections::HashSet;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use codebuild_analytics::{Archive, LoadError, Position};
use jsonschema::Validator;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use crate::cli::{Cli, ValidateArgs};

/// One problem, ready to print.
struct Problem {
    file: PathBuf,
    position: Option<Position>,
    text: String,
}

pub fn validate(cli: &Cli, args: &ValidateArgs) -> Result<ExitCode> {
    let mut paths = crate::load::paths(&args.load)?;
    // `--strict` reads the files twice; standard input is kept in a temporary file.
    let stdin_copy = if args.strict && paths.iter().any(|p| p.as_os_str() == "-") {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .take(args.load.max_file_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        let tmp = std::env::temp_dir().join(format!("cbstats-stdin-{}.json", std::process::id()));
        std::fs::write(&tmp, &bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
        for p in &mut paths {
            if p.as_os_str() == "-" {
                *p = tmp.clone();
            }
        }
        Some(tmp)
    } else {
        None
    };
    let shown = |p: &Path| -> PathBuf {
        match &stdin_copy {
            Some(tmp) if p == tmp => PathBuf::from("-"),
            _ => p.to_path_buf(),
        }
    };
    let result = run(cli, args, &paths, &shown);
    if let Some(tmp) = &stdin_copy {
        let _ = std::fs::remove_file(tmp);
    }
    let (files, builds, problems) = result?;
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

fn run(
    cli: &Cli,
    args: &ValidateArgs,
    paths: &[PathBuf],
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Result<Counts> {
    let (mut files, mut builds, mut problems) = (0, 0, Vec::new());
    let mut bad_files: HashSet<PathBuf> = HashSet::new();
    let push = |e: &LoadError, problems: &mut Vec<Problem>| {
        let mut e = e.clone();
        e.file = shown(&e.file);
        problems.push(Problem {
            file: e.file.clone(),
            position: e.position,
            text: e.to_string(),
        });
    };
    // Each path on its own, so that a missing path does not hide the others.
    for path in paths {
        let (opts, bar) = crate::load::options(cli, &args.load, true, false);
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
                    bad_files.insert(e.file.clone());
                    push(e, &mut mine);
                }
                // Input order of files, then position within a file.
                mine.sort_by(|a, b| a.file.cmp(&b.file).then(a.position.cmp(&b.position)));
                problems.extend(mine);
            }
            Err(e) => {
                bad_files.insert(e.file.clone());
                push(&e, &mut problems);
            }
        }
    }
    if args.strict {
        let strict = Strict::new()?;
        for path in paths {
            for file in discover(path) {
                if bad_files.contains(&file) {
                    continue; // its problems are already listed
                }
                strict.check(
                    &file,
                    &shown(&file),
                    args.load.max_file_bytes,
                    &mut problems,
                );
            }
        }
    }
    Ok((files, builds, problems))
}

/// Files under a path, like the loader finds them (folders walked in sorted order).
fn discover(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => return out,
    };
    entries.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for e in entries {
        if e.is_dir() {
            out.extend(discover(&e));
        } else if e.is_file() {
            out.push(e);
        }
    }
    out
}

/// The JSON Schema checks of `--strict`.
struct Strict {
    response: Validator,
    build: Validator,
}

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

    /// Checks every top-level value of one file (JSON or JSON Lines, maybe gzipped).
    fn check(&self, path: &Path, shown: &Path, cap: u64, problems: &mut Vec<Problem>) {
        let Some(text) = read_text(path, cap) else {
            return;
        };
        let mut stream = serde_json::Deserializer::from_slice(&text).into_iter::<Value>();
        loop {
            let start = skip_ws(&text, stream.byte_offset());
            let Some(item) = stream.next() else { break };
            let Ok(value) = item else { break }; // syntax errors are the loader's to report
            let at = Position::of_offset(&text, start);
            match &value {
                Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        self.check_value(v, &format!("{i}/"), shown, at, problems);
                    }
                }
                v => self.check_value(v, "", shown, at, problems),
            }
        }
    }

    fn check_value(
        &self,
        v: &Value,
        prefix: &str,
        shown: &Path,
        at: Position,
        problems: &mut Vec<Problem>,
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
            let base = format!(
                "{prefix}{}",
                err.instance_path().as_str().trim_start_matches('/')
            );
            let mut emit = |field: String, message: String| {
                let field = if field.is_empty() {
                    "$".to_string()
                } else {
                    field
                };
                problems.push(Problem {
                    file: shown.to_path_buf(),
                    position: Some(at),
                    text: format!(
                        "{}:{}:{}: {field}: {message}",
                        shown.display(),
                        at.line,
                        at.column
                    ),
                });
            };
            match err.kind() {
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    for name in unexpected {
                        let field = if base.is_empty() {
                            name.clone()
                        } else {
                            format!("{base}/{name}")
                        };
                        emit(
                            field,
                            "unknown member (not in the CodeBuild API model)".into(),
                        );
                    }
                }
                ValidationErrorKind::Enum { .. } => {
                    emit(base, format!("unknown enum value {}", err.instance()));
                }
                _ if err.instance().is_null() => {
                    emit(
                        base,
                        "null is not allowed (the API omits absent members instead)".into(),
                    );
                }
                _ => emit(base, err.to_string()),
            }
        }
    }
}

fn skip_ws(text: &[u8], mut at: usize) -> usize {
    while at < text.len() && text[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// The file's JSON text: gunzipped (by magic bytes), BOM removed; `None` if
/// unreadable, too large or not JSON (the loader reports or skips those).
fn read_text(path: &Path, cap: u64) -> Option<Vec<u8>> {
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(cap.saturating_add(1))
        .read_to_end(&mut raw)
        .ok()?;
    let mut text = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .take(cap.saturating_add(1))
            .read_to_end(&mut out)
            .ok()?;
        out
    } else {
        raw
    };
    if text.len() as u64 > cap {
        return None;
    }
    if text.starts_with(b"\xEF\xBB\xBF") {
        text.drain(..3);
    }
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => Some(text),
        _ => None,
    }
}
