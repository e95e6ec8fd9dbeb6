//! `cbstats validate`: every problem as `path:line:column: field: message`.

use std::collections::HashSet;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Result;
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
    let strict_problems: Arc<Mutex<Vec<Problem>>> = Arc::default();
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
    let mut strict_problems =
        std::mem::take(&mut *strict_problems.lock().unwrap_or_else(|e| e.into_inner()));
    // Files the loader already reported are not listed twice; files are
    // checked in parallel, so order them as the loader's problems are.
    strict_problems.retain(|p| !bad_files.contains(&p.file));
    strict_problems.sort_by(|a, b| a.file.cmp(&b.file).then(a.position.cmp(&b.position)));
    problems.extend(strict_problems);
    Ok((files, builds, problems))
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

    /// Checks every top-level value of one file's JSON text (JSON or JSON Lines).
    fn check(&self, shown: &Path, text: &[u8], problems: &mut Vec<Problem>) {
        let mut stream = serde_json::Deserializer::from_slice(text).into_iter::<Value>();
        loop {
            let start = skip_ws(text, stream.byte_offset());
            let Some(item) = stream.next() else { break };
            let Ok(value) = item else { break }; // syntax errors are the loader's to report
            let at = Position::of_offset(text, start);
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
