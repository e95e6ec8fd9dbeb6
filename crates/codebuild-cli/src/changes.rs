//! `cbstats changes`: every change point of an archive (build duration, top
//! phases and success rate per project, see
//! [`codebuild_analytics::analysis::changes`]) as text, Markdown or JSON
//! (`schemas/changes.schema.json`), latest first.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, ValueEnum};
use codebuild_analytics::analysis::changes::{Change, ChangeOptions, Changes, Metric, changes};

use crate::cli::{Cli, FilterArgs, LoadArgs};
use crate::doc::{self, Block};
use crate::human::{self, count, instant, percent};

/// `cbstats changes`.
#[derive(Debug, Args)]
#[command(
    after_help = "Series, per project: build duration (SUCCEEDED builds), the durations of its 3 phases \
with the most time, and its success rate (one value per completed, not stopped build). \
A change is proposed by PELT (L2 cost, on log durations) and kept when the builds on either side \
differ significantly (Mann-Whitney U or two-proportion z-test, p < 1e-5) by at least 10% \
(medians) or 5 percentage points (success rate), with at least 20 builds (durations) or \
50 commits (success rate) on each side. The success rate counts each commit's first build."
)]
pub struct ChangesArgs {
    #[command(flatten)]
    pub load: LoadArgs,

    #[command(flatten)]
    pub filters: FilterArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ChangesFormat::Table)]
    pub format: ChangesFormat,

    /// Width of the table output (default: the terminal's, `COLUMNS` when
    /// set, 80 when not writing to a terminal).
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(20..=1000))]
    pub width: Option<usize>,
}

/// Output formats of `cbstats changes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChangesFormat {
    /// Text fitted to the terminal's width.
    Table,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JSON (`schemas/changes.schema.json`), exact values.
    Json,
}

pub fn run(cli: &Cli, args: &ChangesArgs) -> Result<ExitCode> {
    let filters = crate::load::filters(&args.filters)?;
    let archive = crate::load::load(cli, &args.load, false)?;
    crate::keep_freed_memory(false);
    let c = changes(&archive.frames, &filters, &ChangeOptions::default())?;
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        ChangesFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
        }
        ChangesFormat::Table | ChangesFormat::Markdown => {
            let source = if args.load.paths.is_empty() {
                "standard input".to_string()
            } else {
                args.load
                    .paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let b = blocks(&c, &source);
            let text = if args.format == ChangesFormat::Markdown {
                let mut t = doc::markdown(&b);
                t.push('\n');
                t
            } else {
                doc::terminal(&b, crate::render::width(args.width), false)
            };
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The series of a change, for people: `build duration`, `BUILD phase`,
/// `success rate`.
pub fn series(c: &Change) -> String {
    match c.metric {
        Metric::PhaseDuration => format!("{} phase", c.phase.as_deref().unwrap_or("(none)")),
        m => m.label().to_string(),
    }
}

/// A level of the series: a duration or a rate.
fn level(c: &Change, v: f64) -> String {
    match c.metric {
        Metric::SuccessRate => percent(Some(v)),
        _ => human::duration(v),
    }
}

/// `14m 33s → 29m 17s (+101.2%)`, `96.6% → 77.0% (-19.6 pp)`.
pub fn change_text(c: &Change) -> String {
    let size = match (c.change_percent, c.change_pp) {
        (Some(p), _) => format!(" ({p:+.1}%)"),
        (None, Some(pp)) => format!(" ({pp:+.1} pp)"),
        _ => String::new(),
    };
    format!("{} → {}{size}", level(c, c.before), level(c, c.after))
}

/// Impact in minutes, signed (`+13h 54m`, `-25m 00s`).
pub fn impact_text(minutes: f64) -> String {
    let d = human::minutes(minutes);
    if minutes > 0.0 { format!("+{d}") } else { d }
}

fn p_text(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn blocks(c: &Changes, source: &str) -> Vec<Block> {
    let mut b = vec![Block::Title(format!("Change points: {source}"))];
    b.push(Block::Text(format!(
        "{} changes in {} series ({} long enough: {} builds on each side of a change, {} for success rates), latest first.",
        count(c.changes.len() as u64),
        count(c.series),
        count(c.series_searched),
        c.method.min_segment,
        c.method.min_rate_segment
    )));
    b.push(Block::Note(format!(
        "{}; penalty {}; kept when {}: p < {}, median change ≥ {}, success rate change ≥ {} pp.",
        c.method.algorithm,
        c.method.penalty,
        c.method.confirmation,
        c.method.alpha,
        percent(Some(c.method.min_duration_change)),
        c.method.min_rate_change * 100.0
    )));
    if c.changes.is_empty() {
        b.push(Block::Text("No change of level found.".into()));
        return b;
    }
    for (i, ch) in c.changes.iter().enumerate() {
        let head = format!(
            "{}  {}  {}: {}",
            instant(Some(ch.at)),
            ch.project.as_deref().unwrap_or("(no project)"),
            series(ch),
            change_text(ch)
        );
        let fb = &ch.first_build;
        let body = format!(
            "First build after it: {} (commit {}, source version {}). {} builds before (since {}), {} after (until {}); p {}; impact {}.",
            fb.id.as_deref().unwrap_or(human::NONE),
            fb.resolved_source_version.as_deref().unwrap_or(human::NONE),
            fb.source_version.as_deref().unwrap_or(human::NONE),
            count(ch.before_count),
            instant(Some(ch.before_since)),
            count(ch.after_count),
            instant(Some(ch.after_until)),
            p_text(ch.p_value),
            impact_text(ch.impact_minutes)
        );
        b.push(Block::Item {
            n: i + 1,
            head,
            body,
        });
    }
    b
}
