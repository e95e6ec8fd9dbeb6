//! Loading an archive with a progress bar, and the filter flags.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use codebuild_analytics::{Archive, Filters, LoadOptions, LoadReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};

use crate::UsageError;
use crate::cli::{Cli, FilterArgs, LoadArgs};

/// The paths to read: as given, or `-` when none are given and stdin is not a terminal.
pub fn paths(args: &LoadArgs) -> Result<Vec<PathBuf>> {
    if !args.paths.is_empty() {
        return Ok(args.paths.clone());
    }
    if std::io::stdin().is_terminal() {
        return Err(UsageError(
            "no input: give files or folders to read, or `-` for standard input".into(),
        )
        .into());
    }
    Ok(vec![PathBuf::from("-")])
}

/// Load options from the flags, with a progress bar when stderr is a terminal.
pub fn options(
    cli: &Cli,
    args: &LoadArgs,
    keep_going: bool,
    include_env_values: bool,
) -> (LoadOptions, Option<ProgressBar>) {
    let mut opts = LoadOptions {
        keep_going,
        max_file_bytes: args.max_file_bytes,
        threads: cli.threads.map(usize::from),
        include_env_values,
        ..LoadOptions::default()
    };
    if cli.quiet || !std::io::stderr().is_terminal() {
        return (opts, None);
    }
    // Hidden at first; drawn only once the load has taken more than a second.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{spinner} loading {pos}/{len} files, {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let b = bar.clone();
    opts.progress = Some(Arc::new(move |done, total, bytes| {
        b.set_length(total as u64);
        b.set_position(done as u64);
        b.set_message(indicatif::HumanBytes(bytes).to_string());
    }));
    let b = bar.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        if !b.is_finished() {
            b.set_draw_target(ProgressDrawTarget::stderr());
            b.enable_steady_tick(Duration::from_millis(120));
        }
    });
    (opts, Some(bar))
}

/// Loads the archive; with `--keep-going`, tells stderr what was skipped.
pub fn load(cli: &Cli, args: &LoadArgs, include_env_values: bool) -> Result<Archive> {
    let paths = paths(args)?;
    let (opts, bar) = options(cli, args, args.keep_going, include_env_values);
    let result = Archive::load(&paths, &opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let archive = result.context("cannot load the archive")?;
    warn_skipped(cli, args, &archive.report);
    Ok(archive)
}

/// With `--keep-going`, tells stderr how many bad files and records were skipped.
pub fn warn_skipped(cli: &Cli, args: &LoadArgs, r: &LoadReport) {
    if args.keep_going && !cli.quiet {
        let files = r.files_rejected.len();
        let records = r.records_rejected.len();
        if files + records > 0 {
            eprintln!(
                "warning: skipped {files} bad file(s) and {records} bad record(s); `cbstats validate` lists them"
            );
        }
    }
}

/// Parses `--since`/`--until`: RFC 3339, or a UTC date. A date for `until`
/// includes that whole day.
pub fn parse_time(flag: &str, s: &str, end_of_day: bool) -> Result<i64> {
    let t = if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        t
    } else {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = Date::parse(s, &format).map_err(|_| {
            UsageError(format!(
                "invalid value `{s}` for --{flag}: expected an RFC 3339 time (2024-05-01T12:00:00Z) or a date (2024-05-01)"
            ))
        })?;
        let day = date.with_time(Time::MIDNIGHT).assume_utc();
        if end_of_day {
            day + time::Duration::DAY
        } else {
            day
        }
    };
    Ok((t.unix_timestamp_nanos() / 1000) as i64)
}

pub fn filters(args: &FilterArgs) -> Result<Filters> {
    Ok(Filters {
        projects: (!args.projects.is_empty()).then(|| args.projects.clone()),
        since_micros: args
            .since
            .as_deref()
            .map(|s| parse_time("since", s, false))
            .transpose()?,
        until_micros: args
            .until
            .as_deref()
            .map(|s| parse_time("until", s, true))
            .transpose()?,
        statuses: None,
    })
}
