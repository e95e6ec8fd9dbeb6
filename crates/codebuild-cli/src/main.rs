//! `cbstats`: reports and exports from archives of AWS CodeBuild build records.

mod changes;
mod cli;
mod compare;
mod doc;
mod export;
mod fetch;
mod html;
mod human;
mod load;
mod prices;
mod render;
mod report_schema;
mod section_view;
mod sections;
mod sql;
mod summary_view;
mod validate;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command};

/// mimalloc serves polars' many allocations faster than glibc's malloc
/// (23% of a load went to malloc/free in loadbench's profile when records
/// were decoded into typed `Build`s). It is built without transparent huge
/// pages (`no_thp`): with them, every page the process touches is faulted
/// in and zeroed 2 MiB at a time, and a load's sparse, growing buffers
/// touched far more memory than they hold (`cbstats report` on 100k builds:
/// peak RSS 784 -> 576 MB, 1.23 -> 1.01 s median of 5; on 1M builds 8.5 ->
/// 6.8 GB, time unchanged).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keeps memory the process frees for its own later allocations (`true`),
/// or hands it back to the OS again (`false`, mimalloc's default).
///
/// By default mimalloc hands freed pages back to the OS 10 ms after they
/// are freed (`purge_delay`). Building frames frees and allocates column
/// buffers all the time, and every page handed back is faulted in and
/// zeroed again when reused: with huge pages that was 39% of a 1-thread
/// load (kernel `clear_page_erms`); without them it still saves ~5% of
/// `cbstats report` on 100k builds, for ~5% more peak RSS. So loading keeps
/// them; the analyses do not (`report` switches back after the load): run
/// in parallel over large frames, each thread keeping what it freed added
/// 4.4 GB to the 15.9 GB peak of a report over 10M builds. An explicit
/// `MIMALLOC_PURGE_DELAY` in the environment still wins.
pub fn keep_freed_memory(keep: bool) {
    /// `mi_option_purge_delay` in mimalloc.h (v2 and v3).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    /// mimalloc's default `purge_delay` (ms).
    const DEFAULT_PURGE_DELAY: std::ffi::c_long = 10;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        let delay = if keep { -1 } else { DEFAULT_PURGE_DELAY };
        // SAFETY: sets one integer option; callable at any time.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, delay) };
    }
}

/// A usage error found after clap parsed the arguments (exit code 2, like clap's).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Whether ANSI colors may be written to a stream that is (or is not) a terminal.
pub fn color_allowed(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn main() -> ExitCode {
    keep_freed_memory(true);
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`cbstats report | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
            }) {
                return ExitCode::SUCCESS;
            }
            let prefix = if color_allowed(io::stderr().is_terminal()) {
                "\x1b[1;31merror\x1b[0m"
            } else {
                "error"
            };
            let _ = writeln!(io::stderr(), "{prefix}: {e:#}");
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    prices::init(cli)?;
    match &cli.command {
        Command::Report(args) => render::report(cli, args),
        Command::Export(args) => export::export(cli, args),
        Command::Validate(args) => validate::validate(cli, args),
        Command::Compare(args) => compare::compare(cli, args),
        Command::Fetch(args) => fetch::fetch(cli, args),
        Command::Changes(args) => changes::run(cli, args),
        Command::Sql(args) => sql::run(cli, args),
        Command::Schema(args) => {
            let text = match args.kind {
                cli::SchemaType::Response => {
                    codebuild_model::schema_text(&codebuild_model::response_schema())
                }
                cli::SchemaType::Build => {
                    codebuild_model::schema_text(&codebuild_model::build_schema())
                }
                cli::SchemaType::Report => report_schema::text(),
            };
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
