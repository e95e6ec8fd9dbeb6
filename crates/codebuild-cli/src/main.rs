//! `cbstats`: reports and exports from archives of AWS CodeBuild build records.

mod cli;
mod export;
mod load;
mod render;
mod sections;
mod validate;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

use crate::cli::{Cli, Command};

/// Loading allocates a string per member of every build; mimalloc serves
/// those small, short-lived allocations far faster than glibc's malloc
/// (23% of a load went to malloc/free in loadbench's profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            // A closed pipe (`cbstats report | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<io::Error>()
                    .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
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
    match &cli.command {
        Command::Report(args) => render::report(cli, args),
        Command::Export(args) => export::export(cli, args),
        Command::Validate(args) => validate::validate(cli, args),
        Command::Schema(args) => {
            let schema = match args.kind {
                cli::SchemaType::Response => codebuild_model::response_schema(),
                cli::SchemaType::Build => codebuild_model::build_schema(),
            };
            let mut out = io::stdout().lock();
            out.write_all(codebuild_model::schema_text(&schema).as_bytes())?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
