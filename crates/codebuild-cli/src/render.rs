//! `cbstats report`: sections as aligned tables, Markdown or JSON.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Result;
use polars::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Cli, ReportArgs, ReportFormat};
use crate::sections::{self, LOAD, Section};

/// Width the table output fits in.
const WIDTH: usize = 80;
/// Narrowest a truncated column gets.
const MIN_COL: usize = 6;
/// Widest a column gets when columns are packed into blocks.
const MAX_COL: usize = 32;
const ELLIPSIS: char = '…';

pub fn report(cli: &Cli, args: &ReportArgs) -> Result<ExitCode> {
    crate::html::check_args(args)?;
    let all = args.detail || args.format == ReportFormat::Json;
    let mut selected = sections::select(&args.sections, all)?;
    // `--bucket` alone asks for the outcomes per time bucket too.
    if args.bucket.is_some() && args.sections.is_empty() && !all {
        selected.push(sections::OUTCOMES_BY_TIME);
    }
    let bucket = args.bucket.unwrap_or_default().into();
    let filters = crate::load::filters(&args.filters)?;
    let archive = match &args.parquet {
        Some(dir) => {
            crate::keep_freed_memory(false);
            crate::export::read(dir)?
        }
        None => {
            let archive = crate::load::load(cli, &args.load, false)?;
            crate::keep_freed_memory(false);
            archive
        }
    };
    let sections = sections::sections(
        &archive.frames,
        &archive.report,
        &filters,
        bucket,
        &selected,
    )?;
    let mut out = BufWriter::new(io::stdout().lock());
    let color = crate::color_allowed(io::stdout().is_terminal());
    match args.format {
        ReportFormat::Json => {
            let mut obj = Vec::new();
            for s in &sections {
                let v = if s.name == LOAD {
                    load_json(&archive.report)
                } else {
                    Json::Rows(Rows(&s.frame))
                };
                obj.push((s.name.to_string(), v));
            }
            serde_json::to_writer_pretty(&mut out, &Json::Object(obj))?;
            writeln!(out)?;
        }
        ReportFormat::Html => crate::html::write(&mut out, args, &archive, &filters, &sections)?,
        ReportFormat::Table | ReportFormat::Markdown => {
            let md = args.format == ReportFormat::Markdown;
            for (i, s) in sections.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                write_section(&mut out, s, md, color)?;
                if s.name == LOAD {
                    writeln!(out)?;
                    writeln!(out, "{}", sections::accounting_line(&archive.report))?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn load_json(r: &codebuild_analytics::LoadReport) -> Json<'static> {
    let mut m: Vec<(String, Json)> = sections::load_counts(r)
        .into_iter()
        .map(|(_, key, n)| (key.to_string(), Json::Plain(n.into())))
        .collect();
    m.push(("balances".into(), Json::Plain(r.balances().into())));
    m.push((
        "buildsNotFoundIds".into(),
        Json::Plain(
            r.builds_not_found
                .iter()
                .cloned()
                .map(Value::from)
                .collect(),
        ),
    ));
    let errors = |v: &[codebuild_analytics::LoadError]| {
        Json::Plain(v.iter().map(|e| Value::from(e.to_string())).collect())
    };
    m.push(("fileErrors".into(), errors(&r.files_rejected)));
    m.push(("recordErrors".into(), errors(&r.records_rejected)));
    Json::Object(m)
}

/// JSON that keeps the order of object members (serde_json's `Map` sorts them
/// unless its `preserve_order` feature is on, which would change it for the
/// whole workspace).
pub enum Json<'a> {
    /// Any JSON value.
    Plain(Value),
    /// An object, members in order.
    Object(Vec<(String, Json<'a>)>),
    /// The rows of a frame, written as they are serialized (see [`Rows`]).
    Rows(Rows<'a>),
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Json::Plain(v) => v.serialize(s),
            Json::Object(members) => {
                let mut m = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Json::Rows(rows) => rows.serialize(s),
        }
    }
}

/// A time (`micros` since the epoch, UTC) as RFC 3339.
pub fn rfc3339(v: i64, unit: TimeUnit) -> Option<String> {
    let nanos = match unit {
        TimeUnit::Nanoseconds => v as i128,
        TimeUnit::Microseconds => v as i128 * 1_000,
        TimeUnit::Milliseconds => v as i128 * 1_000_000,
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

/// One cell as JSON: nulls stay null, numbers stay numbers, times become RFC 3339.
pub fn json_value(av: &AnyValue<'_>) -> Value {
    match av {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::Int8(v) => (*v).into(),
        AnyValue::Int16(v) => (*v).into(),
        AnyValue::Int32(v) => (*v).into(),
        AnyValue::Int64(v) => (*v).into(),
        AnyValue::UInt8(v) => (*v).into(),
        AnyValue::UInt16(v) => (*v).into(),
        AnyValue::UInt32(v) => (*v).into(),
        AnyValue::UInt64(v) => (*v).into(),
        AnyValue::Float32(v) => {
            serde_json::Number::from_f64(f64::from(*v)).map_or(Value::Null, Value::Number)
        }
        AnyValue::Float64(v) => serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number),
        AnyValue::Datetime(v, unit, _) | AnyValue::DatetimeOwned(v, unit, _) => {
            rfc3339(*v, *unit).map_or(Value::Null, Value::String)
        }
        AnyValue::Date(days) => time::Date::from_julian_day(2_440_588 + *days)
            .map_or(Value::Null, |d| Value::String(d.to_string())),
        AnyValue::Duration(v, unit) => {
            let secs = *v as f64
                / match unit {
                    TimeUnit::Nanoseconds => 1e9,
                    TimeUnit::Microseconds => 1e6,
                    TimeUnit::Milliseconds => 1e3,
                };
            serde_json::Number::from_f64(secs).map_or(Value::Null, Value::Number)
        }
        AnyValue::List(items) => Value::Array(items.iter().map(|v| json_value(&v)).collect()),
        other => Value::String(other.to_string()),
    }
}

/// The rows of a frame as a JSON array of objects keyed by column name, in
/// column order. Each cell is converted as it is written, so a section of
/// millions of rows (the retry chains of a large archive) costs no more
/// memory than its frame.
pub struct Rows<'a>(pub &'a DataFrame);

impl serde::Serialize for Rows<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut a = s.serialize_seq(Some(self.0.height()))?;
        for i in 0..self.0.height() {
            a.serialize_element(&Row(self.0, i))?;
        }
        a.end()
    }
}

/// Row `.1` of a frame as a JSON object keyed by column name, in column order.
pub struct Row<'a>(pub &'a DataFrame, pub usize);

impl serde::Serialize for Row<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeMap};
        let Row(df, i) = *self;
        let mut m = s.serialize_map(Some(df.width()))?;
        for c in df.columns() {
            let cell = c.get(i).map_err(S::Error::custom)?;
            m.serialize_entry(c.name().as_str(), &json_value(&cell))?;
        }
        m.end()
    }
}

/// One cell as display text (tables and Markdown).
fn cell_text(av: &AnyValue<'_>) -> String {
    match av {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(v) => float_text(*v),
        AnyValue::Float32(v) => float_text(f64::from(*v)),
        _ => match json_value(av) {
            Value::String(s) => s,
            Value::Null => String::new(),
            v => v.to_string(),
        },
    }
}

fn float_text(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_primitive_numeric()
}

fn truncate(s: &str, width: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    if s.chars().count() <= width {
        return s;
    }
    let mut t: String = s.chars().take(width.saturating_sub(1)).collect();
    t.push(ELLIPSIS);
    t
}

/// Column widths that fit in [`WIDTH`] (two spaces between columns):
/// the widest columns are narrowed first, down to [`MIN_COL`].
fn fit(mut widths: Vec<usize>) -> Vec<usize> {
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
    while total(&widths) > WIDTH {
        let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            break;
        };
        if w <= MIN_COL {
            break;
        }
        widths[i] = w - 1;
    }
    widths
}

fn write_section(out: &mut impl Write, s: &Section, md: bool, color: bool) -> Result<()> {
    let df = &s.frame;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let numeric: Vec<bool> = df.columns().iter().map(|c| is_numeric(c.dtype())).collect();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        rows.push(
            df.columns()
                .iter()
                .map(|c| c.get(i).map(|v| cell_text(&v)))
                .collect::<PolarsResult<_>>()?,
        );
    }
    if md {
        writeln!(out, "## {}", s.name)?;
        writeln!(out)?;
        let esc = |t: &str| t.replace('|', "\\|").replace(['\n', '\r'], " ");
        writeln!(
            out,
            "| {} |",
            names.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" | ")
        )?;
        let rule: Vec<&str> = numeric
            .iter()
            .map(|n| if *n { "---:" } else { "---" })
            .collect();
        writeln!(out, "| {} |", rule.join(" | "))?;
        for r in &rows {
            writeln!(
                out,
                "| {} |",
                r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | ")
            )?;
        }
        return Ok(());
    }
    let (bold, reset) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("", "")
    };
    writeln!(out, "{bold}{}{reset}", s.name)?;
    if rows.is_empty() {
        writeln!(out, "(no rows)")?;
        return Ok(());
    }
    let natural: Vec<usize> = (0..names.len())
        .map(|j| {
            rows.iter()
                .map(|r| r[j].chars().count())
                .chain(std::iter::once(names[j].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Wide frames are printed in column blocks that fit, each repeating the first column.
    let capped: Vec<usize> = natural.iter().map(|w| (*w).min(MAX_COL)).collect();
    // Key columns: the leading text columns (at least the first), repeated in every block.
    let mut keys: Vec<usize> = vec![0];
    let mut key_width = capped.first().copied().unwrap_or(0);
    for j in 1..names.len() {
        if numeric[j] || numeric[j - 1] || key_width + 2 + capped[j] > WIDTH / 2 {
            break;
        }
        key_width += 2 + capped[j];
        keys.push(j);
    }
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut current = keys.clone();
    let mut used = key_width;
    for (j, &w) in capped.iter().enumerate().skip(keys.len()) {
        if current.len() > keys.len() && used + 2 + w > WIDTH {
            blocks.push(std::mem::replace(&mut current, keys.clone()));
            used = key_width;
        }
        used += 2 + w;
        current.push(j);
    }
    blocks.push(current);
    for (k, block) in blocks.iter().enumerate() {
        if k > 0 {
            writeln!(out)?;
        }
        let widths = fit(block.iter().map(|&j| natural[j]).collect());
        let line = |cells: &[String], header: bool| -> String {
            let parts: Vec<String> = block
                .iter()
                .zip(&widths)
                .map(|(&j, &w)| {
                    let t = truncate(&cells[j], w);
                    if numeric[j] && !header {
                        format!("{t:>w$}")
                    } else {
                        format!("{t:<w$}")
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        writeln!(out, "{bold}{}{reset}", line(&names, true))?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(out, "{}", rule.join("  "))?;
        for r in &rows {
            writeln!(out, "{}", line(r, false))?;
        }
    }
    Ok(())
}
