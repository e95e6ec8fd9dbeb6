//! `cbstats fetch`: build or update an archive straight from CodeBuild (crate `codebuild-fetch`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use codebuild_fetch::{ConnectOptions, Connection, Counts, FetchOptions, Progress, Summary};
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::Cli;

/// Arguments of `cbstats fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The archive folder (created if missing): `<region>/<project>/<yyyy-mm>/<dump time>-<n>.json.gz`
    /// files, one per BatchGetBuilds response, and the state file `cbstats-fetch.state`.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Only this project (repeatable). Default: every project of the region (ListProjects).
    #[arg(long = "project", value_name = "NAME")]
    pub projects: Vec<String>,

    /// The AWS region. Default: AWS_REGION, or the profile's `region`.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// The profile of ~/.aws/config and ~/.aws/credentials. Default: AWS_PROFILE, or `default`.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send requests to this endpoint (e.g. a local test server). Default:
    /// AWS_ENDPOINT_URL_CODEBUILD, AWS_ENDPOINT_URL, the profile's
    /// `endpoint_url`, or the region's CodeBuild endpoint.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Only builds started at or after this instant (RFC 3339, or YYYY-MM-DD =
    /// midnight UTC): a project's listing (newest first) stops at older builds.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Rebuild the state file from the archive's files first (if it was lost,
    /// damaged, or files were added or removed by hand).
    #[arg(long)]
    pub rebuild_state: bool,

    /// Attempts per call, the first included (throttling, server and network
    /// errors are retried with exponential backoff). Default: AWS_MAX_ATTEMPTS,
    /// the profile's `max_attempts`, or 3.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: Option<u32>,

    /// Stop after N BatchGetBuilds calls (N x 100 builds at most); the next run goes on.
    #[arg(long, value_name = "N")]
    pub max_batches: Option<u64>,

    /// Format of the closing summary on stdout.
    #[arg(long, value_enum, default_value_t = FetchFormat::Table)]
    pub format: FetchFormat,
}

/// Format of the closing summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FetchFormat {
    /// Lines for people.
    Table,
    /// One JSON object (schema: schemas/fetch-summary.schema.json).
    Json,
}

/// A progress bar over the projects, on stderr when it is a terminal.
struct Bar(ProgressBar);

impl Progress for Bar {
    fn projects(&self, total: usize) {
        self.0.set_length(total as u64);
    }
    fn project(&self, index: usize, name: &str) {
        self.0.set_position(index as u64);
        self.0.set_message(name.to_owned());
    }
    fn counts(&self, name: &str, c: &Counts) {
        self.0.set_message(format!(
            "{name}: {} listed, {} new, {} refreshed",
            c.ids_listed, c.fetched_new, c.refreshed
        ));
    }
}

/// Runs `cbstats fetch`.
pub fn fetch(cli: &Cli, args: &FetchArgs) -> Result<ExitCode> {
    let since = args
        .since
        .as_deref()
        .map(|s| crate::load::parse_time("since", s, false))
        .transpose()?
        .map(|micros| {
            codebuild_model::Timestamp::from_unix_micros(micros)
                .context("--since is out of the supported range")
        })
        .transpose()?;
    let stop = Arc::new(AtomicBool::new(false));
    let opts = FetchOptions {
        out: args.out.clone(),
        projects: args.projects.clone(),
        since,
        rebuild_state: args.rebuild_state,
        max_batches: args.max_batches,
        stop: Some(stop.clone()),
        now: None,
    };
    let connect = ConnectOptions {
        region: args.region.clone(),
        profile: args.profile.clone(),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: args.max_attempts,
    };
    let bar = if cli.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} projects  {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let quiet = cli.quiet;
    let summary = runtime.block_on(async {
        // Ctrl-C: finish the call under way, record it, print the summary;
        // a second Ctrl-C quits at once (what was recorded stays).
        let flag = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                flag.store(true, Ordering::Relaxed);
                if !quiet {
                    eprintln!(
                        "stopping after the call under way (Ctrl-C again to quit at once; the next run goes on)"
                    );
                }
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        let conn = Connection::from_env(&connect).await?;
        codebuild_fetch::fetch(&conn, &opts, &Bar(bar.clone())).await
    });
    bar.finish_and_clear();
    let summary = summary.with_context(|| format!("cannot fetch into {}", args.out.display()))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        FetchFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &summary)?;
            writeln!(out)?;
        }
        FetchFormat::Table => out.write_all(human(&summary).as_bytes())?,
    }
    out.flush()?;
    for p in summary.failed_projects() {
        eprintln!(
            "error: project {}: {}",
            p.project,
            p.error.as_deref().unwrap_or_default()
        );
    }
    Ok(if summary.failed_projects().next().is_some() {
        ExitCode::FAILURE
    } else if summary.interrupted && stop.load(Ordering::Relaxed) {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    })
}

/// The summary for people.
fn human(s: &Summary) -> String {
    let t = &s.totals;
    let r = &s.requests;
    let failed = s.failed_projects().count();
    let mut text = format!(
        "fetched {} into {} in {:.1} s{}\n",
        s.region,
        s.archive,
        s.elapsed_seconds,
        if s.interrupted {
            " (stopped early: the next run goes on)"
        } else {
            ""
        }
    );
    let rows: [(&str, String); 9] = [
        (
            "projects",
            if failed > 0 {
                format!("{} ({failed} failed)", s.projects.len())
            } else {
                s.projects.len().to_string()
            },
        ),
        ("build ids", format!("{} listed", t.ids_listed)),
        ("  new", format!("{} fetched", t.fetched_new)),
        ("  refreshed", format!("{} (were in progress)", t.refreshed)),
        ("  unchanged", format!("{} (already complete)", t.unchanged)),
        ("  not found", t.not_found.to_string()),
        (
            "in progress",
            format!("{} (fetched again next run)", t.still_in_progress),
        ),
        (
            "files",
            format!(
                "{} written, {}",
                t.files_written,
                HumanBytes(t.bytes_written)
            ),
        ),
        (
            "requests",
            format!(
                "{} (ListProjects {}, ListBuildsForProject {}, BatchGetBuilds {}), {} retries",
                r.list_projects + r.list_builds_for_project + r.batch_get_builds,
                r.list_projects,
                r.list_builds_for_project,
                r.batch_get_builds,
                r.retries
            ),
        ),
    ];
    for (label, value) in rows {
        text.push_str(&format!("{label:<12} {value}\n"));
    }
    let st = &s.state;
    if st.rebuilt {
        text.push_str(&format!(
            "state        rebuilt from {} files ({} unreadable)\n",
            st.files_read,
            st.unreadable_files.len()
        ));
        for f in st.unreadable_files.iter().take(10) {
            text.push_str(&format!("  unreadable: {f}\n"));
        }
        if st.unreadable_files.len() > 10 {
            text.push_str(&format!(
                "  ... and {} more (--format json lists all)\n",
                st.unreadable_files.len() - 10
            ));
        }
    }
    if st.partial_files_removed > 0 || st.torn_line_dropped {
        text.push_str(&format!(
            "recovered    from an interrupted run: {} half-written files removed{}\n",
            st.partial_files_removed,
            if st.torn_line_dropped {
                ", a cut-off state line dropped"
            } else {
                ""
            }
        ));
    }
    text
}
