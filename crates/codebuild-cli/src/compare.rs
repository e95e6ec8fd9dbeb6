//! `cbstats compare`: two windows or archives, what changed significantly,
//! as tables, Markdown or JSON, and the `--fail-on` gate.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use codebuild_analytics::analysis::compare::{self as cmp, CompareOptions, Comparison, Side};
use codebuild_analytics::frames::col_names::START;
use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, Filters};
use comfy_table::{ContentArrangement, Table, presets};

use crate::UsageError;
use crate::cli::{Cli, CompareArgs, CompareFormat, LoadArgs};

/// A SPEC as given.
#[derive(Clone, Debug, PartialEq)]
enum Spec {
    /// An archive to load whole.
    Archive(PathBuf),
    /// `[since, until)` in microseconds, of the positional archive.
    Range(i64, i64),
    /// The `N` microseconds up to the latest build start.
    Last(i64),
    /// The `N` microseconds before the other window.
    Previous(i64),
}

/// `7d` -> microseconds (units h, d, w).
fn span(flag: &str, s: &str) -> Result<i64> {
    let bad = || {
        UsageError(format!(
            "invalid length `{s}` in --{flag}: expected a number and a unit h, d or w (7d, 48h, 4w)"
        ))
    };
    let unit = s.chars().last().ok_or_else(bad)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let hours = match unit {
        'h' => 1,
        'd' => 24,
        'w' => 24 * 7,
        _ => return Err(bad().into()),
    };
    if n <= 0 {
        return Err(bad().into());
    }
    n.checked_mul(hours * 3_600_000_000)
        .ok_or_else(|| bad().into())
}

fn parse_spec(flag: &str, s: &str) -> Result<Spec> {
    if let Some(rest) = s.strip_prefix("last:") {
        return Ok(Spec::Last(span(flag, rest)?));
    }
    if let Some(rest) = s.strip_prefix("previous:") {
        return Ok(Spec::Previous(span(flag, rest)?));
    }
    if let Some((a, b)) = s.split_once("..") {
        let since = crate::load::parse_time(flag, a, false)?;
        let until = crate::load::parse_time(flag, b, true)?;
        if until <= since {
            return Err(
                UsageError(format!("--{flag} {s}: the window ends before it starts")).into(),
            );
        }
        return Ok(Spec::Range(since, until));
    }
    let path = PathBuf::from(s);
    if path.exists() {
        return Ok(Spec::Archive(path));
    }
    Err(UsageError(format!(
        "--{flag} `{s}` is neither a file or folder nor a window (2024-10-01..2024-10-31, last:7d, previous:28d)"
    ))
    .into())
}

/// The latest `startTime` of the builds (µs).
fn latest_start(archive: &Archive) -> Result<i64> {
    let latest = archive
        .frames
        .builds
        .clone()
        .lazy()
        .select([col(START)
            .dt()
            .timestamp(TimeUnit::Microseconds)
            .max()
            .alias("m")])
        .collect()?;
    latest.column("m")?.i64()?.get(0).ok_or_else(|| {
        UsageError("last:N needs builds with a startTime in the archive".into()).into()
    })
}

fn project_filters(args: &CompareArgs, range: Option<(i64, i64)>) -> Filters {
    Filters {
        projects: (!args.projects.is_empty()).then(|| args.projects.clone()),
        since_micros: range.map(|r| r.0),
        until_micros: range.map(|r| r.1),
        statuses: None,
    }
}

pub fn compare(cli: &Cli, args: &CompareArgs) -> Result<ExitCode> {
    if !(args.fdr > 0.0 && args.fdr < 1.0) {
        return Err(UsageError(format!("--fdr must be between 0 and 1, not {}", args.fdr)).into());
    }
    let gate = args.fail_on.as_deref().map(parse_fail_on).transpose()?;
    let base_spec = parse_spec("baseline", &args.baseline)?;
    let cur_spec = parse_spec("current", &args.current)?;
    if matches!(base_spec, Spec::Previous(_)) && matches!(cur_spec, Spec::Previous(_)) {
        return Err(UsageError(
            "--baseline and --current cannot both be previous:N; one must be a window".into(),
        )
        .into());
    }
    let windowed = |s: &Spec| !matches!(s, Spec::Archive(_));
    let positional = if windowed(&base_spec) || windowed(&cur_spec) {
        if args.load.paths.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(UsageError(
                "a window SPEC needs the ARCHIVE it is a window of, given as PATH".into(),
            )
            .into());
        }
        Some(crate::load::load(cli, &args.load, false)?)
    } else {
        if !args.load.paths.is_empty() {
            return Err(UsageError(
                "both SPECs are archives: PATH is only for windows of one archive".into(),
            )
            .into());
        }
        None
    };
    let load_spec = |path: &PathBuf| -> Result<Archive> {
        let la = LoadArgs {
            paths: vec![path.clone()],
            keep_going: args.load.keep_going,
            max_file_bytes: args.load.max_file_bytes,
        };
        crate::load::load(cli, &la, false)
    };
    // Resolve windows: a range, last:N, then previous:N against the other.
    let resolve = |s: &Spec| -> Result<Option<(i64, i64)>> {
        Ok(match s {
            Spec::Range(a, b) => Some((*a, *b)),
            Spec::Last(n) => {
                let a = positional.as_ref().expect("loaded for windows");
                let until = latest_start(a)? + 1;
                Some((until - n, until))
            }
            _ => None,
        })
    };
    let mut base_range = resolve(&base_spec)?;
    let mut cur_range = resolve(&cur_spec)?;
    if let Spec::Previous(n) = base_spec {
        let (since, _) = cur_range.ok_or_else(|| {
            UsageError("--baseline previous:N needs --current to be a window of PATH".into())
        })?;
        base_range = Some((since - n, since));
    }
    if let Spec::Previous(n) = cur_spec {
        let (since, _) = base_range.ok_or_else(|| {
            UsageError("--current previous:N needs --baseline to be a window of PATH".into())
        })?;
        cur_range = Some((since - n, since));
    }
    let base_archive = match &base_spec {
        Spec::Archive(p) => Some(load_spec(p)?),
        _ => None,
    };
    let cur_archive = match &cur_spec {
        Spec::Archive(p) => Some(load_spec(p)?),
        _ => None,
    };
    crate::keep_freed_memory(false);
    fn frames_of<'a>(
        own: &'a Option<Archive>,
        positional: &'a Option<Archive>,
    ) -> &'a codebuild_analytics::Frames {
        &own.as_ref()
            .or(positional.as_ref())
            .expect("an archive for each side")
            .frames
    }
    let (bf, cf) = (
        project_filters(args, base_range),
        project_filters(args, cur_range),
    );
    let base = Side {
        label: &args.baseline,
        frames: frames_of(&base_archive, &positional),
        filters: &bf,
    };
    let cur = Side {
        label: &args.current,
        frames: frames_of(&cur_archive, &positional),
        filters: &cf,
    };
    let opts = CompareOptions {
        false_discovery_rate: args.fdr,
        min_values: args.min_values,
    };
    let c = cmp::compare(&base, &cur, crate::prices::table(), &opts)?;
    let tripped = gate.as_deref().map(|g| trips(g, &c)).unwrap_or_default();

    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &c)?;
            writeln!(out)?;
            for t in &tripped {
                eprintln!("fail-on: {t}");
            }
        }
        CompareFormat::Table | CompareFormat::Markdown => {
            let md = args.format == CompareFormat::Markdown;
            write_text(&mut out, &c, md)?;
            if let Some(g) = &gate {
                write_gate(&mut out, g, &tripped, md)?;
            }
        }
    }
    out.flush()?;
    Ok(if tripped.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One `--fail-on` condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// A project's build median rose by at least this many percent.
    P50Increase(f64),
    /// A project's build p95 rose by at least this many percent.
    P95Increase(f64),
    /// A project's success rate fell by at least this many points.
    SuccessRateDrop(f64),
    /// A failure reason new in the current side.
    NewFailureReasons,
    /// A project's mean estimated cost per build rose by at least this many percent.
    CostIncrease(f64),
}

impl Condition {
    fn text(&self) -> String {
        match self {
            Condition::P50Increase(v) => format!("p50-increase={v}%"),
            Condition::P95Increase(v) => format!("p95-increase={v}%"),
            Condition::SuccessRateDrop(v) => format!("success-rate-drop={v}pp"),
            Condition::NewFailureReasons => "new-failure-reasons".into(),
            Condition::CostIncrease(v) => format!("cost-increase={v}%"),
        }
    }
}

/// Parses `p95-increase=20%,success-rate-drop=5pp,new-failure-reasons,cost-increase=10%`.
pub fn parse_fail_on(s: &str) -> Result<Vec<Condition>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, value) = match part.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (part, None),
        };
        let number = |unit: &str| -> Result<f64> {
            let v = value.ok_or_else(|| {
                UsageError(format!(
                    "--fail-on {name} needs a value, e.g. {name}=10{unit}"
                ))
            })?;
            let digits = v.strip_suffix(unit).unwrap_or(v);
            match digits.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                _ => Err(UsageError(format!(
                    "--fail-on {part}: expected a number >= 0 in {unit}, e.g. {name}=10{unit}"
                ))
                .into()),
            }
        };
        let c = match name {
            "p50-increase" => Condition::P50Increase(number("%")?),
            "p95-increase" => Condition::P95Increase(number("%")?),
            "success-rate-drop" => Condition::SuccessRateDrop(number("pp")?),
            "cost-increase" => Condition::CostIncrease(number("%")?),
            "new-failure-reasons" if value.is_none() => Condition::NewFailureReasons,
            _ => {
                return Err(UsageError(format!(
                    "unknown --fail-on condition `{part}`; the conditions are p50-increase=N%, \
                     p95-increase=N%, success-rate-drop=Npp, new-failure-reasons, cost-increase=N%"
                ))
                .into());
            }
        };
        out.push(c);
    }
    if out.is_empty() {
        return Err(UsageError("--fail-on needs at least one condition".into()).into());
    }
    Ok(out)
}

fn project(p: &Option<String>) -> &str {
    p.as_deref().unwrap_or("(no project)")
}

/// Each tripped condition, one line each; only significant rows trip.
pub fn trips(gate: &[Condition], c: &Comparison) -> Vec<String> {
    let mut out = Vec::new();
    for cond in gate {
        let name = cond.text();
        match cond {
            Condition::P50Increase(t) | Condition::P95Increase(t) => {
                let p95 = matches!(cond, Condition::P95Increase(_));
                for r in c
                    .durations
                    .iter()
                    .filter(|r| r.significant && r.phase_type.is_none())
                {
                    let (pct, b, a) = if p95 {
                        (r.p95_change_percent, r.baseline_p95, r.current_p95)
                    } else {
                        (r.p50_change_percent, r.baseline_p50, r.current_p50)
                    };
                    if pct.is_some_and(|p| p >= *t) {
                        out.push(format!(
                            "{name}: {} build {} {} -> {} ({}, adjusted p {})",
                            project(&r.project_name),
                            if p95 { "p95" } else { "p50" },
                            duration(b),
                            duration(a),
                            signed_percent(pct),
                            p_text(r.adjusted_p_value)
                        ));
                    }
                }
            }
            Condition::SuccessRateDrop(t) => {
                for r in c
                    .success_rates
                    .iter()
                    .filter(|r| r.significant && -r.change_pp >= *t)
                {
                    out.push(format!(
                        "{name}: {} success rate {} -> {} ({:+.1} pp, adjusted p {})",
                        project(&r.project_name),
                        rate(r.baseline_rate),
                        rate(r.current_rate),
                        r.change_pp,
                        p_text(r.adjusted_p_value)
                    ));
                }
            }
            Condition::NewFailureReasons => {
                for r in c.failure_reasons.iter().filter(|r| r.significant && r.new) {
                    out.push(format!(
                        "{name}: {} {} ({} builds, e.g. {}, adjusted p {})",
                        project(&r.project_name),
                        reason(r),
                        r.current_count,
                        r.example_build_id.as_deref().unwrap_or("-"),
                        p_text(r.adjusted_p_value)
                    ));
                }
            }
            Condition::CostIncrease(t) => {
                for r in c
                    .costs
                    .iter()
                    .filter(|r| r.significant && r.mean_change_percent.is_some_and(|p| p >= *t))
                {
                    out.push(format!(
                        "{name}: {} estimated cost per build {} -> {} ({}, adjusted p {})",
                        project(&r.project_name),
                        usd(r.baseline_mean_estimated_cost_usd),
                        usd(r.current_mean_estimated_cost_usd),
                        signed_percent(r.mean_change_percent),
                        p_text(r.adjusted_p_value)
                    ));
                }
            }
        }
    }
    out
}

fn reason(r: &cmp::ReasonChange) -> String {
    let text = match (&r.failure_status_code, &r.normalized_message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(c), None) => c.clone(),
        (None, Some(m)) => m.clone(),
        (None, None) => "(no reason given)".into(),
    };
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(59).collect::<String>())
    } else {
        text
    }
}

/// Seconds as `45.2s`, `3m 05s`, `1h 02m`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let s = secs.abs();
    if s < 60.0 {
        format!("{sign}{s:.1}s")
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{sign}{m:.0}m {:02.0}s", (s - m * 60.0).floor())
    } else {
        let h = (s / 3600.0).floor();
        format!("{sign}{h:.0}h {:02.0}m", ((s - h * 3600.0) / 60.0).floor())
    }
}

fn minutes(m: f64) -> String {
    if m.abs() >= 60.0 {
        format!("{:+.1} h", m / 60.0)
    } else {
        format!("{m:+.1} min")
    }
}

fn signed_percent(p: Option<f64>) -> String {
    p.map_or("-".into(), |p| format!("{p:+.1}%"))
}

fn rate(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

fn opt_rate(r: Option<f64>) -> String {
    r.map_or("-".into(), rate)
}

fn usd(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("${v:.0}")
    } else if v.abs() >= 1.0 {
        format!("${v:.2}")
    } else {
        format!("${v:.4}")
    }
}

fn opt_usd(v: Option<f64>) -> String {
    v.map_or("-".into(), usd)
}

fn p_text(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

fn table(md: bool, header: &[&str]) -> Table {
    let mut t = Table::new();
    if md {
        t.load_preset(presets::ASCII_MARKDOWN);
    } else {
        t.load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(100);
    }
    t.force_no_tty().set_header(header.to_vec());
    t
}

/// Adds a row; in Markdown, `|` in a cell is escaped so that it stays one cell.
fn add(t: &mut Table, md: bool, cells: Vec<String>) {
    t.add_row(
        cells
            .into_iter()
            .map(|c| if md { c.replace('|', "\\|") } else { c })
            .collect::<Vec<_>>(),
    );
}

/// Writes a table; in Markdown followed by a blank line, so that the next
/// line of text does not become a row.
fn write_table(out: &mut impl Write, t: &Table, md: bool) -> io::Result<()> {
    writeln!(out, "{t}")?;
    if md {
        writeln!(out)?;
    }
    Ok(())
}

fn heading(out: &mut impl Write, md: bool, text: &str) -> io::Result<()> {
    if md {
        writeln!(out, "\n### {text}\n")
    } else {
        writeln!(out, "\n{text}")
    }
}

fn side_text(s: &cmp::SideInfo) -> String {
    match (&s.since, &s.until) {
        (Some(a), Some(b)) => format!("`{}` ({a} to {b}, {} builds)", s.label, s.builds),
        _ => format!("`{}` ({} builds)", s.label, s.builds),
    }
}

fn write_text(out: &mut impl Write, c: &Comparison, md: bool) -> io::Result<()> {
    if md {
        writeln!(out, "## cbstats compare")?;
        writeln!(out)?;
    } else {
        writeln!(out, "cbstats compare")?;
    }
    writeln!(out, "baseline: {}", side_text(&c.baseline))?;
    if md {
        writeln!(out)?;
    }
    writeln!(out, "current:  {}", side_text(&c.current))?;
    if md {
        writeln!(out)?;
    }
    writeln!(
        out,
        "{} of {} tested changes significant (Benjamini-Hochberg, false discovery rate {}); \
         {} rows with fewer than {} values on a side not tested.",
        c.significant, c.tests, c.method.false_discovery_rate, c.untested, c.method.min_values
    )?;

    let sig_d: Vec<_> = c.durations.iter().filter(|r| r.significant).collect();
    heading(out, md, "Durations (significant changes, by impact)")?;
    if sig_d.is_empty() {
        writeln!(out, "No significant change.")?;
    } else {
        let mut t = table(
            md,
            &[
                "project", "phase", "builds", "p50", "p95", "impact", "adj. p",
            ],
        );
        for r in &sig_d {
            add(
                &mut t,
                md,
                vec![
                    project(&r.project_name).to_owned(),
                    r.phase_type.clone().unwrap_or_else(|| "(build)".into()),
                    format!("{} -> {}", r.baseline_count, r.current_count),
                    format!(
                        "{} -> {} ({})",
                        duration(r.baseline_p50),
                        duration(r.current_p50),
                        signed_percent(r.p50_change_percent)
                    ),
                    format!(
                        "{} -> {} ({})",
                        duration(r.baseline_p95),
                        duration(r.current_p95),
                        signed_percent(r.p95_change_percent)
                    ),
                    minutes(r.impact_minutes),
                    p_text(r.adjusted_p_value),
                ],
            );
        }
        write_table(out, &t, md)?;
    }
    not_listed(out, c.durations.len() - sig_d.len(), "duration")?;

    let sig_r: Vec<_> = c.success_rates.iter().filter(|r| r.significant).collect();
    heading(out, md, "Success rate (significant changes)")?;
    if sig_r.is_empty() {
        writeln!(out, "No significant change.")?;
    } else {
        let mut t = table(md, &["project", "before", "after", "change", "adj. p"]);
        for r in &sig_r {
            let iv = |v: [f64; 2]| format!("{}-{}", rate(v[0]), rate(v[1]));
            add(
                &mut t,
                md,
                vec![
                    project(&r.project_name).to_owned(),
                    format!(
                        "{} of {} ({}, 95% {})",
                        r.baseline_succeeded,
                        r.baseline_builds,
                        rate(r.baseline_rate),
                        iv(r.baseline_interval)
                    ),
                    format!(
                        "{} of {} ({}, 95% {})",
                        r.current_succeeded,
                        r.current_builds,
                        rate(r.current_rate),
                        iv(r.current_interval)
                    ),
                    format!("{:+.1} pp", r.change_pp),
                    p_text(r.adjusted_p_value),
                ],
            );
        }
        write_table(out, &t, md)?;
    }
    not_listed(out, c.success_rates.len() - sig_r.len(), "success-rate")?;

    let sig_f: Vec<_> = c.failure_reasons.iter().filter(|r| r.significant).collect();
    heading(out, md, "Failure reasons (new or significantly changed)")?;
    if sig_f.is_empty() {
        writeln!(out, "No significant change.")?;
    } else {
        let mut t = table(
            md,
            &["project", "reason", "before", "after", "example", "adj. p"],
        );
        for r in &sig_f {
            add(
                &mut t,
                md,
                vec![
                    project(&r.project_name).to_owned(),
                    format!("{}{}", if r.new { "NEW " } else { "" }, reason(r)),
                    format!("{} ({})", r.baseline_count, rate(r.baseline_rate)),
                    format!("{} ({})", r.current_count, rate(r.current_rate)),
                    r.example_build_id.clone().unwrap_or_else(|| "-".into()),
                    p_text(r.adjusted_p_value),
                ],
            );
        }
        write_table(out, &t, md)?;
    }
    not_listed(out, c.failure_reasons.len() - sig_f.len(), "failure-reason")?;

    let sig_c: Vec<_> = c.costs.iter().filter(|r| r.significant).collect();
    heading(
        out,
        md,
        "Estimated cost per build (significant changes, by impact)",
    )?;
    if sig_c.is_empty() {
        writeln!(out, "No significant change.")?;
    } else {
        let mut t = table(
            md,
            &[
                "project",
                "builds",
                "mean per build",
                "total",
                "impact",
                "adj. p",
            ],
        );
        for r in &sig_c {
            add(
                &mut t,
                md,
                vec![
                    project(&r.project_name).to_owned(),
                    format!("{} -> {}", r.baseline_builds, r.current_builds),
                    format!(
                        "{} -> {} ({})",
                        usd(r.baseline_mean_estimated_cost_usd),
                        usd(r.current_mean_estimated_cost_usd),
                        signed_percent(r.mean_change_percent)
                    ),
                    format!(
                        "{} -> {}",
                        usd(r.baseline_estimated_cost_usd),
                        usd(r.current_estimated_cost_usd)
                    ),
                    format!("{:+.2} USD", r.impact_usd),
                    p_text(r.adjusted_p_value),
                ],
            );
        }
        write_table(out, &t, md)?;
    }
    not_listed(out, c.costs.len() - sig_c.len(), "cost")?;

    heading(out, md, "Projects (before -> after, not tested)")?;
    let mut t = table(
        md,
        &[
            "project",
            "builds",
            "success",
            "flaky commits",
            "retry recovery",
            "estimated cost",
        ],
    );
    for p in &c.projects {
        add(
            &mut t,
            md,
            vec![
                project(&p.project_name).to_owned(),
                format!("{} -> {}", p.baseline_builds, p.current_builds),
                format!(
                    "{} -> {}",
                    opt_rate(p.baseline_success_rate),
                    opt_rate(p.current_success_rate)
                ),
                format!(
                    "{} -> {}",
                    opt_rate(p.baseline_flaky_rate),
                    opt_rate(p.current_flaky_rate)
                ),
                format!(
                    "{} -> {}",
                    opt_rate(p.baseline_recovery_rate),
                    opt_rate(p.current_recovery_rate)
                ),
                format!(
                    "{} -> {}",
                    opt_usd(p.baseline_estimated_cost_usd),
                    opt_usd(p.current_estimated_cost_usd)
                ),
            ],
        );
    }
    write_table(out, &t, md)?;
    writeln!(
        out,
        "\nEstimated costs use {} (as billed on demand; builds without a price are left out).",
        c.current.prices
    )
}

fn not_listed(out: &mut impl Write, n: usize, what: &str) -> io::Result<()> {
    if n > 0 {
        writeln!(
            out,
            "{n} other {what} change(s) tested, not significant (in --format json)."
        )?;
    }
    Ok(())
}

fn write_gate(
    out: &mut impl Write,
    gate: &[Condition],
    tripped: &[String],
    md: bool,
) -> io::Result<()> {
    let conditions: Vec<String> = gate.iter().map(Condition::text).collect();
    heading(
        out,
        md,
        &format!("Gate: --fail-on {}", conditions.join(",")),
    )?;
    if tripped.is_empty() {
        writeln!(out, "PASSED: no significant change crosses a threshold.")?;
    } else {
        writeln!(out, "FAILED: {} condition(s) tripped:", tripped.len())?;
        for t in tripped {
            writeln!(out, "- {t}")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let day = 86_400_000_000i64;
        let oct1 = 1_727_740_800_000_000i64; // 2024-10-01T00:00:00Z
        assert_eq!(
            parse_spec("baseline", "2024-10-01..2024-10-31").unwrap(),
            Spec::Range(oct1, oct1 + 31 * day)
        );
        assert_eq!(
            parse_spec("current", "last:7d").unwrap(),
            Spec::Last(7 * day)
        );
        assert_eq!(
            parse_spec("current", "last:36h").unwrap(),
            Spec::Last(36 * 3_600_000_000)
        );
        assert_eq!(
            parse_spec("baseline", "previous:4w").unwrap(),
            Spec::Previous(28 * day)
        );
        for bad in [
            "last:7",
            "last:xd",
            "last:0d",
            "previous:-1d",
            "2024-10-31..2024-10-01",
            "no/such/archive",
        ] {
            let e = parse_spec("current", bad).unwrap_err();
            assert!(e.downcast_ref::<UsageError>().is_some(), "{bad}: {e}");
        }
    }

    #[test]
    fn fail_on_conditions() {
        assert_eq!(
            parse_fail_on(
                "p95-increase=20%,success-rate-drop=5pp,new-failure-reasons,cost-increase=10%"
            )
            .unwrap(),
            [
                Condition::P95Increase(20.0),
                Condition::SuccessRateDrop(5.0),
                Condition::NewFailureReasons,
                Condition::CostIncrease(10.0)
            ]
        );
        assert_eq!(
            parse_fail_on("p50-increase=12.5").unwrap(),
            [Condition::P50Increase(12.5)]
        );
        for bad in [
            "",
            "p95-increase",
            "p95-increase=-3%",
            "p95-increase=abc",
            "new-failure-reasons=1",
            "speed=2x",
        ] {
            assert!(parse_fail_on(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn markdown_cells_stay_cells_and_tables_end_with_a_blank_line() {
        let mut t = table(true, &["project", "reason"]);
        add(
            &mut t,
            true,
            vec!["web".into(), "make test | tee log: exit 2".into()],
        );
        let mut out = Vec::new();
        write_table(&mut out, &t, true).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(2).unwrap();
        assert_eq!(row.matches(" | ").count(), 1, "{row}");
        assert!(row.contains(r"make test \| tee log"), "{row}");
        assert!(text.ends_with("|\n\n"), "{text:?}");
    }

    #[test]
    fn human_units() {
        assert_eq!(duration(45.24), "45.2s");
        assert_eq!(duration(185.0), "3m 05s");
        assert_eq!(duration(3720.0), "1h 02m");
        assert_eq!(duration(-90.0), "-1m 30s");
        assert_eq!(usd(0.01234), "$0.0123");
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(minutes(-90.0), "-1.5 h");
        assert_eq!(p_text(0.00001), "< 0.0001");
    }
}
