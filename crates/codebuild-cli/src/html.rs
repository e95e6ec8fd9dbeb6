//! `cbstats report --format html`: one self-contained page with charts.
//!
//! The page carries the report's aggregates as JSON in a
//! `<script type="application/json">` element (never one row per build),
//! the vendored chart library (Chart.js and its matrix plugin, see
//! `assets/README.md`), and the page's own script and styles; it makes no
//! request of any kind.
//!
//! The data is one *view* per selectable scope: every project together
//! (the same section frames `--format json` writes, computed with the
//! report's filters), then each project on its own (the same sections
//! computed on that project's builds, so they equal `--format json
//! --project NAME`). The page's project selector switches views, so every
//! chart and table follows it.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, Result};
use codebuild_analytics::analysis::outcomes::ALL_PROJECTS;
use codebuild_analytics::analysis::{GroupKey, analysis_view, timing, trend};
use codebuild_analytics::frames::col_names::{BUILD_ID, ID, PROJECT, START};
use codebuild_analytics::{Archive, Filters, Frames, TimeBucket};
use polars::prelude::*;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{ReportArgs, ReportFormat};
use crate::render::json_value;
use crate::sections::{self, LOAD, OUTCOMES_BY_TIME, Section};

/// Chart.js 4.6.1, `dist/chart.umd.min.js` from npm (see `assets/README.md`).
const CHART_JS: &str = include_str!("../assets/chart.umd.min.js");
/// chartjs-chart-matrix 3.1.0, `dist/chartjs-chart-matrix.min.js` from npm.
const MATRIX_JS: &str = include_str!("../assets/chartjs-chart-matrix.min.js");
/// The page's own script: builds the charts and tables from the data.
const APP_JS: &str = include_str!("../assets/report.js");
/// The page's styles (light and dark).
const CSS: &str = include_str!("../assets/report.css");
/// The page, with `{{NAME}}` placeholders.
const TEMPLATE: &str = include_str!("../assets/report.html");

/// Rows of the flaky commits and manual rebuilds tables kept in the
/// all-projects view (the page says how many there are in all).
pub const TABLE_ROWS: usize = 25;

/// Rows of the flaky commits, manual rebuilds and top failure reasons
/// tables kept in a project's view: with hundreds of projects these
/// tables are most of the page, and the all-projects view has the top
/// rows of every project together.
pub const PROJECT_TABLE_ROWS: usize = 3;

/// Rows of the top failure reasons kept in the all-projects view (the most
/// frequent; the page names the report section that lists every one): a
/// generated 100k-build archive has 433 reasons, 150 KB of the page.
pub const REASON_ROWS: usize = 100;

/// Significant digits of the floats in the sections of the page (the
/// headline figures and estimated costs, columns `…Usd`, are exact): the
/// page shows durations to the second or tenth (`4m 01s`, `45.2s`, `2h
/// 13m`) and percentages to 0.1 or 0.01, which 4 digits keep; with hundreds
/// of projects full floats would double the page (5 digits took the
/// 100k-build page 43 KB over its 2 MB budget once costs were added).
pub const SIGNIFICANT_DIGITS: i32 = 4;

/// The longest window (days from the first to the last build start) shown
/// in day buckets; a longer one is shown in weeks, so a chart has at most
/// about 60 points per series however long the archive.
pub const MAX_DAY_WINDOW: i64 = 62;

/// The sections every view carries (the names of `--format json`).
const VIEW_SECTIONS: [&str; 18] = [
    "outcomes",
    "phase timing",
    "failures by phase",
    "top failure reasons",
    "failure rates by compute type",
    "failure rates by image",
    "retry summary",
    "flaky rate",
    "manual rebuild summary",
    "recovery summary",
    "peak concurrency",
    "build minutes",
    "flaky commits",
    "manual rebuilds",
    "builds per hour of week",
    "estimated cost by project",
    "estimated cost by compute type",
    OUTCOMES_BY_TIME,
];

/// An error unless `--out` comes with `--format html` (the other formats
/// write to standard output).
pub fn check_args(args: &ReportArgs) -> Result<()> {
    if args.out.is_some() && args.format != ReportFormat::Html {
        return Err(crate::UsageError(
            "--out is for --format html; the other formats write to standard output".into(),
        )
        .into());
    }
    Ok(())
}

/// Writes the HTML page of `archive` to `args.out`, or to `stdout` without
/// it. `sections` are the sections the report already computed (with
/// `filters`); the page reuses them and computes the rest.
pub fn write(
    stdout: &mut impl Write,
    args: &ReportArgs,
    archive: &Archive,
    filters: &Filters,
    sections: &[Section],
) -> Result<()> {
    let page = page(args, archive, filters, sections)?;
    match &args.out {
        Some(path) => std::fs::write(path, page.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => stdout.write_all(page.as_bytes())?,
    }
    Ok(())
}

/// The whole page.
fn page(
    args: &ReportArgs,
    archive: &Archive,
    filters: &Filters,
    computed: &[Section],
) -> Result<String> {
    let view_frames = anyhow::Context::context(
        filters.frames(&analysis_view(&archive.frames)?),
        "applying the filters",
    )?;
    let bucket = match args.bucket {
        Some(b) => b.into(),
        None => auto_bucket(&view_frames.builds)?,
    };
    // The overall view: the report's own sections, the missing ones computed
    // like `--format json` does (same frames, same filters).
    let missing: Vec<&str> = VIEW_SECTIONS
        .iter()
        .copied()
        .filter(|n| {
            !computed.iter().any(|s| s.name == *n)
                || (*n == OUTCOMES_BY_TIME && args.bucket.is_none())
        })
        .collect();
    let mut overall: Vec<Section> =
        sections::sections(&archive.frames, &archive.report, filters, bucket, &missing)?;
    for s in computed {
        if s.name != LOAD && !missing.contains(&s.name) {
            overall.push(Section {
                name: s.name,
                frame: s.frame.clone(),
            });
        }
    }
    let all = view(None, &view_frames, &overall, bucket)?;
    // One view per project: the same sections on the project's builds.
    // Projects go one after the other: the sections of one project already
    // run in parallel, and a second level of rayon tasks nests work
    // stealing deep enough to overflow a worker's stack (seen at 100k
    // builds, 300 projects).
    let parts = by_project(&view_frames)?;
    let projects: Vec<Value> = parts
        .iter()
        .map(|(name, frames)| -> Result<Value> {
            let secs = sections::sections(
                frames,
                &archive.report,
                &Filters::default(),
                bucket,
                &VIEW_SECTIONS,
            )
            .with_context(|| format!("computing the sections of project {name}"))?;
            view(Some(name), frames, &secs, bucket)
        })
        .collect::<Result<_>>()?;
    let mut views = vec![all];
    views.extend(projects);
    let buckets = bucket_indexes(&mut views, bucket.name());
    // Failure reasons recur across projects: each normalized message is
    // written once (a 100k-build archive: 150 KB of the page's 2 MB).
    let messages = bucket_indexes(&mut views, "normalizedMessage");
    let columns = hoist_columns(&mut views);

    let archive_name = match (&args.parquet, args.load.paths.as_slice()) {
        (Some(dir), _) => dir.display().to_string(),
        (None, []) => "-".to_string(),
        (None, paths) => paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let generated = generated_at();
    let data = json!({
        "meta": {
            "archive": archive_name,
            "generated": generated,
            "version": env!("CARGO_PKG_VERSION"),
            "bucket": bucket.name(),
            "filters": filters_json(args),
            "load": load_json(&archive.report),
            "accounting": sections::accounting_line(&archive.report),
            "maxTableRows": TABLE_ROWS,
            "prices": {
                "source": crate::prices::table().source,
                "asOf": crate::prices::table().as_of,
            },
        },
        "buckets": buckets,
        "messages": messages,
        "columns": columns,
        "views": views,
    });
    let title = format!("cbstats report: {archive_name}");
    let mut html = String::with_capacity(CHART_JS.len() + (1 << 20));
    let mut rest = TEMPLATE;
    while let Some(at) = rest.find("{{") {
        html.push_str(&rest[..at]);
        let end = rest[at..]
            .find("}}")
            .map(|e| at + e)
            .context("unclosed placeholder in the HTML template")?;
        match &rest[at + 2..end] {
            "TITLE" => html.push_str(&escape_html(&title)),
            "ARCHIVE" => html.push_str(&escape_html(&archive_name)),
            "GENERATED" => html.push_str(&escape_html(&generated)),
            "VERSION" => html.push_str(env!("CARGO_PKG_VERSION")),
            "CSS" => html.push_str(CSS),
            "CHART_JS" => html.push_str(script_text(CHART_JS)),
            "MATRIX_JS" => html.push_str(script_text(MATRIX_JS)),
            "APP_JS" => html.push_str(APP_JS),
            "DATA" => html.push_str(&script_json(&data)?),
            other => anyhow::bail!("unknown placeholder {{{{{other}}}}} in the HTML template"),
        }
        rest = &rest[end + 2..];
    }
    html.push_str(rest);
    Ok(html)
}

/// When the page was made: `SOURCE_DATE_EPOCH` (seconds) when set, so
/// builds of the page can be reproduced, else now; RFC 3339, UTC.
fn generated_at() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn filters_json(args: &ReportArgs) -> Value {
    json!({
        "projects": args.filters.projects,
        "since": args.filters.since,
        "until": args.filters.until,
    })
}

fn load_json(r: &codebuild_analytics::LoadReport) -> Value {
    let mut m = serde_json::Map::new();
    for (label, _, n) in sections::load_counts(r) {
        m.insert(label.to_string(), n.into());
    }
    json!({ "counts": m, "balances": r.balances() })
}

/// Day buckets for a window of at most [`MAX_DAY_WINDOW`] days between
/// the first and the last build start, weeks for a longer one.
fn auto_bucket(builds: &DataFrame) -> Result<TimeBucket> {
    let span = builds
        .clone()
        .lazy()
        .select([(col(START).max() - col(START).min())
            .dt()
            .total_days(false)
            .alias("days")])
        .collect()?;
    let days = span
        .column("days")?
        .cast(&DataType::Int64)?
        .i64()?
        .get(0)
        .unwrap_or(0);
    Ok(if days <= MAX_DAY_WINDOW {
        TimeBucket::Day
    } else {
        TimeBucket::Week
    })
}

/// The frames of every project (builds without a `projectName` belong to
/// none), in project name order: builds and phases in their original order.
fn by_project(frames: &Frames) -> Result<Vec<(String, Frames)>> {
    let builds = &frames.builds;
    let names = builds.column(PROJECT)?.cast(&DataType::String)?;
    let names = names.str()?;
    let ids = builds.column(ID)?.cast(&DataType::String)?;
    let ids = ids.str()?;
    let mut rows: std::collections::BTreeMap<&str, Vec<IdxSize>> = Default::default();
    let mut project_of: HashMap<&str, &str> = HashMap::with_capacity(builds.height());
    for (i, (name, id)) in names.iter().zip(ids.iter()).enumerate() {
        if let Some(name) = name {
            rows.entry(name).or_default().push(i as IdxSize);
            if let Some(id) = id {
                project_of.insert(id, name);
            }
        }
    }
    let phase_builds = frames.phases.column(BUILD_ID)?.cast(&DataType::String)?;
    let mut phase_rows: HashMap<&str, Vec<IdxSize>> = HashMap::new();
    for (i, id) in phase_builds.str()?.iter().enumerate() {
        if let Some(p) = id.and_then(|id| project_of.get(id)) {
            phase_rows.entry(p).or_default().push(i as IdxSize);
        }
    }
    rows.into_iter()
        .map(|(name, idx)| {
            let take =
                |df: &DataFrame, idx: Vec<IdxSize>| df.take(&IdxCa::from_vec("idx".into(), idx));
            let phases = phase_rows.remove(name).unwrap_or_default();
            Ok((
                name.to_string(),
                Frames {
                    builds: take(builds, idx)?,
                    phases: take(&frames.phases, phases)?,
                    phase_contexts: DataFrame::default(),
                    lists: Default::default(),
                },
            ))
        })
        .collect()
}

/// One view: headline figures and the sections the page draws, each as
/// `{columns, rows, totalRows}` (rows as arrays, in column order).
fn view(
    name: Option<&str>,
    frames: &Frames,
    secs: &[Section],
    bucket: TimeBucket,
) -> Result<Value> {
    let get = |n: &str| {
        secs.iter()
            .find(|s| s.name == n)
            .map(|s| &s.frame)
            .with_context(|| format!("section `{n}` was not computed"))
    };
    let all_rows = |df: &DataFrame| -> Result<Vec<usize>> {
        let p = df.column(PROJECT)?.cast(&DataType::String)?;
        Ok(p.str()?
            .iter()
            .enumerate()
            .filter(|(_, v)| *v == Some(ALL_PROJECTS))
            .map(|(i, _)| i)
            .collect())
    };
    let overall_rows = |df: &DataFrame| -> Result<Vec<usize>> {
        let p = df.column(PROJECT)?;
        Ok((0..df.height())
            .filter(|&i| p.get(i).is_ok_and(|v| v.is_null()))
            .collect())
    };
    let filters = Filters::default();
    let mut out = serde_json::Map::new();

    let outcomes = get("outcomes")?;
    let total = all_rows(outcomes)?;
    out.insert(
        "outcomes".into(),
        table(outcomes, Some(&total), &[PROJECT])?,
    );
    let by_time = get(OUTCOMES_BY_TIME)?;
    let total_by_time = all_rows(by_time)?;
    out.insert(
        "outcomes by time bucket".into(),
        table(
            by_time,
            Some(&total_by_time),
            &[
                PROJECT,
                "succeededDurationP50",
                "succeededDurationP95",
                "overheadP50",
                "overheadP95",
            ],
        )?,
    );
    let wait = trend::queue_over_time(frames, &filters, bucket)?;
    out.insert(
        "queue over time".into(),
        table(&wait, Some(&overall_rows(&wait)?), &[PROJECT, "waitMean"])?,
    );
    let conc = trend::concurrency_over_time(frames, &filters, bucket)?;
    out.insert(
        "concurrency over time".into(),
        table(&conc, Some(&overall_rows(&conc)?), &[PROJECT])?,
    );
    // Phase durations over every build of the view, and (overall view)
    // per project for the phase share chart.
    // Phases without durations (COMPLETED) are left out.
    let timed = |df: &DataFrame| -> Result<DataFrame> {
        Ok(df
            .clone()
            .lazy()
            .filter(col("totalSeconds").gt(lit(0.0)))
            .collect()?)
    };
    let spread = timed(&timing::phase_timing(frames, &filters, &[GroupKey::Phase])?)?;
    out.insert(
        "phase spread".into(),
        table(&spread, None, &["mean", "max"])?,
    );
    if name.is_none() {
        let pt = timed(&get("phase timing")?.select([
            PROJECT,
            "phaseType",
            "totalSeconds",
            "share",
        ])?)?;
        out.insert("phase timing".into(), table(&pt, None, &[])?);
    }
    let (rows, own) = match name {
        None => (TABLE_ROWS, &[][..]),
        Some(_) => (PROJECT_TABLE_ROWS, &[PROJECT][..]),
    };
    // The example message only where it differs from the normalized one.
    // First and last seen as days (the page shows days).
    let reasons = get("top failure reasons")?
        .clone()
        .lazy()
        .with_columns([
            when(col("exampleMessage").eq(col("normalizedMessage")))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col("exampleMessage"))
                .alias("exampleMessage"),
            col("firstSeen").dt().date(),
            col("lastSeen").dt().date(),
        ])
        .collect()?;
    out.insert(
        "top failure reasons".into(),
        table_head(
            &reasons,
            if name.is_none() { REASON_ROWS } else { rows },
            &[],
        )?,
    );
    for n in [
        "failures by phase",
        "failure rates by compute type",
        "failure rates by image",
        "retry summary",
        "flaky rate",
        "manual rebuild summary",
        "recovery summary",
        "peak concurrency",
        "build minutes",
        "estimated cost by project",
    ] {
        out.insert(n.into(), table(get(n)?, None, &[])?);
    }
    // Cost by region and compute type in the all-projects view only: a
    // project's own is its row of the cost per project, and 300 views of
    // it took the 100k page over its 2 MB budget.
    if name.is_none() {
        let n = "estimated cost by compute type";
        out.insert(n.into(), table(get(n)?, None, &[])?);
    }
    // The per-row tables, cut to the most telling rows.
    let flaky = get("flaky commits")?
        .clone()
        .lazy()
        .with_column((col("failed") + col("fault") + col("timedOut")).alias("failures"))
        .sort_by_exprs(
            [col("failures"), col("lastSeen")],
            SortMultipleOptions::default()
                .with_order_descending(true)
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .collect()?;
    out.insert("flaky commits".into(), table_head(&flaky, rows, own)?);
    let rebuilds = get("manual rebuilds")?.sort(
        ["startTime"],
        SortMultipleOptions::default()
            .with_order_descending(true)
            .with_nulls_last(true)
            .with_maintain_order(true),
    )?;
    out.insert("manual rebuilds".into(), table_head(&rebuilds, rows, own)?);
    out.insert(
        "builds per hour of week".into(),
        hour_of_week(get("builds per hour of week")?)?,
    );

    let headline = headline(
        frames,
        outcomes,
        total.first().copied(),
        get("build minutes")?,
        get("estimated cost by project")?,
    )?;
    Ok(json!({ "name": name, "headline": headline, "sections": out }))
}

/// The headline figures of a view: builds, projects, window, completed
/// builds, success rate, build minutes, p50/p95 build duration (the
/// overall row of `outcomes` and the total of `build minutes`), and the
/// estimated cost (the total of `estimated cost by project`: null when no
/// build is priced) with the number of builds not priced.
fn headline(
    frames: &Frames,
    outcomes: &DataFrame,
    row: Option<usize>,
    minutes: &DataFrame,
    cost: &DataFrame,
) -> Result<Value> {
    let cell = |c: &str| -> Result<Value> {
        Ok(match row {
            Some(i) => json_value(&outcomes.column(c)?.get(i)?),
            None => Value::Null,
        })
    };
    let w = frames
        .builds
        .clone()
        .lazy()
        .select([
            col(START).min().alias("first"),
            col(START).max().alias("last"),
            col(PROJECT)
                .drop_nulls()
                .n_unique()
                .cast(DataType::Int64)
                .alias("projects"),
        ])
        .collect()?;
    let build_minutes: f64 = minutes
        .column("totalMinutes")?
        .as_materialized_series()
        .f64()?
        .sum()
        .unwrap_or(0.0);
    // Costs per project are null where nothing is priced: the total is
    // null only when every project's is.
    let costs = cost
        .column("estimatedCostUsd")?
        .as_materialized_series()
        .f64()?;
    let estimated_cost = (costs.null_count() < costs.len()).then(|| costs.sum().unwrap_or(0.0));
    let not_priced: i64 = cost
        .column("notPricedBuilds")?
        .as_materialized_series()
        .i64()?
        .sum()
        .unwrap_or(0);
    Ok(json!({
        "builds": cell("builds")?,
        "projects": json_value(&w.column("projects")?.get(0)?),
        "firstStart": json_value(&w.column("first")?.get(0)?),
        "lastStart": json_value(&w.column("last")?.get(0)?),
        "completed": cell("completed")?,
        "successRate": cell("successRate")?,
        "buildMinutes": build_minutes,
        "durationP50": cell("durationP50")?,
        "durationP95": cell("durationP95")?,
        "estimatedCostUsd": estimated_cost,
        "notPricedBuilds": not_priced,
    }))
}

/// A frame as `{columns, rows, totalRows}`: the rows `keep` (all when
/// `None`), without the columns `drop`; floats rounded to
/// [`SIGNIFICANT_DIGITS`].
fn table(df: &DataFrame, keep: Option<&[usize]>, drop: &[&str]) -> Result<Value> {
    let cols: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| !drop.contains(&c.name().as_str()))
        .collect();
    let all: Vec<usize>;
    let keep = match keep {
        Some(k) => k,
        None => {
            all = (0..df.height()).collect();
            &all
        }
    };
    // Money is written exactly; every other float rounded.
    let exact: Vec<bool> = cols.iter().map(|c| c.name().ends_with("Usd")).collect();
    let mut rows = Vec::with_capacity(keep.len());
    for &i in keep {
        let row: Vec<Value> = cols
            .iter()
            .zip(&exact)
            .map(|(c, &exact)| {
                c.get(i).map(|v| {
                    let v = json_value(&v);
                    if exact { v } else { rounded(v) }
                })
            })
            .collect::<PolarsResult<_>>()?;
        rows.push(Value::Array(row));
    }
    Ok(json!({
        "columns": cols.iter().map(|c| c.name().as_str()).collect::<Vec<_>>(),
        "rows": rows,
        "totalRows": df.height(),
    }))
}

/// The first `n` rows of a frame (see [`table`]), `totalRows` counting all.
fn table_head(df: &DataFrame, n: usize, drop: &[&str]) -> Result<Value> {
    let keep: Vec<usize> = (0..df.height().min(n)).collect();
    table(df, Some(&keep), drop)
}

/// A float rounded to [`SIGNIFICANT_DIGITS`]; other values as they are.
fn rounded(v: Value) -> Value {
    match v.as_f64() {
        Some(x) if v.is_f64() => {
            serde_json::Number::from_f64(round_significant(x, SIGNIFICANT_DIGITS))
                .map_or(Value::Null, Value::Number)
        }
        _ => v,
    }
}

/// `x` rounded to `digits` significant digits (0, infinities and NaN as
/// they are).
fn round_significant(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let exp = digits - 1 - x.abs().log10().floor() as i32;
    if exp >= 0 {
        let m = 10f64.powi(exp);
        (x * m).round() / m
    } else {
        let m = 10f64.powi(-exp);
        (x / m).round() * m
    }
}

/// Replaces the bucket dates (column `name`) of every section by their
/// index in the sorted list of all of them, which it returns: the same
/// few dozen dates were repeated in three sections of every view.
fn bucket_indexes(views: &mut [Value], name: &str) -> Vec<String> {
    let mut all = std::collections::BTreeSet::new();
    let mut each = |f: &mut dyn FnMut(&mut Value)| {
        for v in views.iter_mut() {
            let Some(secs) = v.get_mut("sections").and_then(Value::as_object_mut) else {
                continue;
            };
            for s in secs.values_mut() {
                let Some(j) = s
                    .get("columns")
                    .and_then(Value::as_array)
                    .and_then(|c| c.iter().position(|c| c == name))
                else {
                    continue;
                };
                if let Some(rows) = s.get_mut("rows").and_then(Value::as_array_mut) {
                    for r in rows {
                        if let Some(cell) = r.get_mut(j) {
                            f(cell);
                        }
                    }
                }
            }
        }
    };
    each(&mut |c| {
        if let Some(d) = c.as_str() {
            all.insert(d.to_string());
        }
    });
    let list: Vec<String> = all.into_iter().collect();
    each(&mut |c| {
        if let Some(i) = c
            .as_str()
            .and_then(|d| list.binary_search_by(|x| x.as_str().cmp(d)).ok())
        {
            *c = Value::from(i);
        }
    });
    list
}

/// Hoists the column names of every section to `columns` at the top
/// (the columns most views of the section have; the first seen on a tie)
/// and drops them from the views with those columns, and `totalRows`
/// where it is the number of rows: with hundreds of views, repeated names
/// were a fifth of the page.
fn hoist_columns(views: &mut [Value]) -> Value {
    let mut counts: Vec<(String, Value, usize)> = Vec::new();
    for v in views.iter() {
        let Some(secs) = v.get("sections").and_then(Value::as_object) else {
            continue;
        };
        for (name, s) in secs {
            if let Some(cols) = s.get("columns") {
                match counts.iter_mut().find(|(n, c, _)| n == name && c == cols) {
                    Some(e) => e.2 += 1,
                    None => counts.push((name.clone(), cols.clone(), 1)),
                }
            }
        }
    }
    let mut shared = serde_json::Map::new();
    for (name, cols, n) in &counts {
        let best = counts
            .iter()
            .filter(|(m, _, _)| m == name)
            .map(|e| e.2)
            .max()
            .unwrap_or(0);
        if *n == best && !shared.contains_key(name) {
            shared.insert(name.clone(), cols.clone());
        }
    }
    for v in views.iter_mut() {
        let Some(secs) = v.get_mut("sections").and_then(Value::as_object_mut) else {
            continue;
        };
        for (name, s) in secs.iter_mut() {
            let Some(s) = s.as_object_mut() else { continue };
            if s.get("columns").is_some() && s.get("columns") == shared.get(name) {
                s.remove("columns");
            }
            let n = s.get("rows").and_then(Value::as_array).map(Vec::len);
            if n.is_some() && s.get("totalRows").and_then(Value::as_u64) == n.map(|n| n as u64) {
                s.remove("totalRows");
            }
        }
    }
    Value::Object(shared)
}

/// The overall rows of `builds per hour of week` as a dense 7 x 24 grid,
/// `counts[(weekday - 1) * 24 + hour]`, Monday first (UTC).
fn hour_of_week(df: &DataFrame) -> Result<Value> {
    let mut counts = vec![0i64; 7 * 24];
    let p = df.column(PROJECT)?;
    let wd = df.column("weekday")?.cast(&DataType::Int64)?;
    let hr = df.column("hour")?.cast(&DataType::Int64)?;
    let n = df.column("builds")?.cast(&DataType::Int64)?;
    for i in 0..df.height() {
        if !p.get(i)?.is_null() {
            continue;
        }
        if let (Some(w), Some(h), Some(c)) = (wd.i64()?.get(i), hr.i64()?.get(i), n.i64()?.get(i)) {
            if (1..=7).contains(&w) && (0..24).contains(&h) {
                counts[((w - 1) * 24 + h) as usize] += c;
            }
        }
    }
    Ok(json!({ "counts": counts }))
}

/// Text safe inside HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `value` as JSON safe inside a `<script>` element: `<`, `>` and `&` are
/// written as `\u003c`, `\u003e` and `\u0026` (they can only occur inside
/// JSON strings, where the escapes mean the same characters), so no
/// `</script>` or `<!--` can end or change the element; U+2028 and U+2029
/// are escaped too.
pub fn script_json(value: &Value) -> Result<String> {
    let text = serde_json::to_string(value)?;
    let mut out = String::with_capacity(text.len() + text.len() / 64);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A vendored script without its trailing `//# sourceMappingURL=` comment
/// (the map is not shipped; a browser's developer tools would ask for it).
fn script_text(js: &str) -> &str {
    let trimmed = js.trim_end();
    match trimmed.rfind('\n') {
        Some(i) if trimmed[i + 1..].starts_with("//# sourceMappingURL=") => &trimmed[..i],
        _ => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_in_a_script_element_cannot_break_out() {
        let v = json!({ "name": "</script><script>alert(1)</script><!-- & \u{2028}" });
        let s = script_json(&v).unwrap();
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('&'));
        assert!(!s.to_ascii_lowercase().contains("</script"));
        assert!(!s.contains("<!--"));
        // And it reads back to the same value.
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn floats_keep_five_significant_digits() {
        assert_eq!(round_significant(0.904_568_527_918_781_7, 5), 0.904_57);
        assert_eq!(round_significant(10_138.111_466, 5), 10_138.0);
        assert_eq!(round_significant(123_456.7, 5), 123_460.0);
        assert_eq!(round_significant(-0.000_123_456, 5), -0.000_123_46);
        assert_eq!(round_significant(0.0, 5), 0.0);
        assert_eq!(rounded(json!(7)), json!(7));
        assert_eq!(rounded(json!("x")), json!("x"));
        assert_eq!(rounded(json!(240.838_5)), json!(240.8));
    }

    #[test]
    fn column_names_are_written_once() {
        let mut views = vec![
            json!({"sections": {"s": {"columns": ["a", "b"], "rows": [[1, 2]], "totalRows": 1}}}),
            json!({"sections": {"s": {"columns": ["a", "b"], "rows": [[3, 4]], "totalRows": 9}}}),
            json!({"sections": {"s": {"columns": ["a", "c"], "rows": [], "totalRows": 0}}}),
        ];
        views.push(json!({"sections": {"s": {"columns": ["a", "b"], "rows": []}}}));
        views.rotate_right(2);
        // ["a", "c"] first, but ["a", "b"] is in more views.
        let shared = hoist_columns(&mut views);
        views.rotate_left(2);
        views.pop();
        assert_eq!(shared, json!({"s": ["a", "b"]}));
        assert_eq!(views[0], json!({"sections": {"s": {"rows": [[1, 2]]}}}));
        assert_eq!(
            views[1],
            json!({"sections": {"s": {"rows": [[3, 4]], "totalRows": 9}}})
        );
        assert_eq!(
            views[2],
            json!({"sections": {"s": {"columns": ["a", "c"], "rows": []}}})
        );
    }

    #[test]
    fn bucket_dates_become_indexes() {
        let mut views = vec![
            json!({"sections": {"s": {"columns": ["week", "n"], "rows": [["2024-01-08", 1], [null, 2]]}}}),
            json!({"sections": {"t": {"columns": ["n", "week"], "rows": [[3, "2024-01-01"], [4, "2024-01-08"]]}}}),
        ];
        let list = bucket_indexes(&mut views, "week");
        assert_eq!(list, ["2024-01-01", "2024-01-08"]);
        assert_eq!(
            views[0]["sections"]["s"]["rows"],
            json!([[1, 1], [null, 2]])
        );
        assert_eq!(views[1]["sections"]["t"]["rows"], json!([[3, 0], [4, 1]]));
    }

    #[test]
    fn html_text_is_escaped() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn vendored_scripts_are_safe_inline_and_without_source_maps() {
        for js in [CHART_JS, MATRIX_JS, APP_JS] {
            let lower = script_text(js).to_ascii_lowercase();
            assert!(
                !lower.contains("</script"),
                "a script would end the element"
            );
            assert!(!lower.contains("<!--"), "a script holds <!--");
            assert!(!lower.contains("sourcemappingurl"));
        }
        assert!(CHART_JS.starts_with("/*!\n * Chart.js v4.6.1"));
        assert!(MATRIX_JS.starts_with("/*!\n * chartjs-chart-matrix v3.1.0"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
    }

    #[test]
    fn the_page_loads_nothing_from_the_network() {
        // No URL the browser would fetch: the template, styles and our
        // script reference no http(s) resource (links in the text are
        // only followed when clicked).
        for (what, text) in [("template", TEMPLATE), ("css", CSS), ("app", APP_JS)] {
            assert!(!text.contains("src=\"http"), "{what}");
            assert!(!text.contains("url(http"), "{what}");
            assert!(!text.contains("@import"), "{what}");
            assert!(!text.contains("fetch("), "{what}");
        }
    }
}
