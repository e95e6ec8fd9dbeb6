//! `cbstats report`: the summary and sections as tables, Markdown or JSON.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use polars::prelude::*;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::cli::{Cli, ColorChoice, ReportArgs, ReportFormat};
use crate::doc::{self, Block};
use crate::sections::{self, LOAD, Section};
use crate::{section_view, summary_view};

/// The sections the summary's estimated cost is computed from (besides the
/// frames): the retry chains and the manual rebuilds.
const COST_PARTS: [&str; 2] = ["retry chains", "manual rebuilds"];

/// The most lines the summary takes (at the default `--top`).
pub const SUMMARY_LINES: usize = 120;

pub fn report(cli: &Cli, args: &ReportArgs) -> Result<ExitCode> {
    crate::html::check_args(args)?;
    // JSON and HTML carry the per-group sections (HTML computes what else it needs).
    let json = matches!(args.format, ReportFormat::Json | ReportFormat::Html);
    // What to show: `--section` alone; otherwise the summary, then (with
    // `--detail`) every section.
    let wanted: Vec<&'static str> = if args.sections.is_empty() {
        let mut w = vec![sections::SUMMARY];
        if json {
            w.extend(sections::group_names());
        }
        if args.detail {
            for n in sections::names() {
                if !w.contains(&n) {
                    w.push(n);
                }
            }
        }
        // `--bucket` alone asks for the outcomes per time bucket too.
        if args.bucket.is_some() && !w.contains(&sections::OUTCOMES_BY_TIME) {
            w.push(sections::OUTCOMES_BY_TIME);
        }
        w
    } else {
        sections::select(&args.sections, true)?
    };
    let show_summary = wanted.contains(&sections::SUMMARY);
    // Computed: what is shown, and what the summary is made of.
    let mut computed: Vec<&'static str> = wanted.clone();
    if show_summary {
        // The summary's cost follows the retry chains and manual rebuilds:
        // computed here once, from the chains the other sections resolve.
        for p in sections::SUMMARY_PARTS.into_iter().chain(COST_PARTS) {
            if !computed.contains(&p) {
                computed.push(p);
            }
        }
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
    let all_sections = sections::sections(
        &archive.frames,
        &archive.report,
        &filters,
        bucket,
        &computed,
    )?;
    // The summary's lists keep `--top` rows (default 10), every row with `--all`.
    let summary_top = if args.all {
        None
    } else {
        Some(
            args.top
                .unwrap_or(codebuild_analytics::summary::DEFAULT_TOP),
        )
    };
    let summary = show_summary
        .then(|| -> Result<_> {
            let ((summary, changes), cost) = rayon::join(
                || {
                    rayon::join(
                        || {
                            codebuild_analytics::Summary::from_parts(
                                &archive.frames,
                                &filters,
                                &archive.report,
                                sections::summary_parts(&all_sections),
                                summary_top,
                            )
                        },
                        || {
                            codebuild_analytics::analysis::changes::changes(
                                &archive.frames,
                                &filters,
                                &Default::default(),
                            )
                        },
                    )
                },
                || {
                    let frame = |name: &str| {
                        all_sections
                            .iter()
                            .find(|s| s.name == name)
                            .map(|s| &s.frame)
                            .expect("computed for the summary")
                    };
                    codebuild_analytics::analysis::cost::cost_summary_with(
                        &archive.frames,
                        &filters,
                        crate::prices::table(),
                        summary_top.unwrap_or(usize::MAX),
                        frame(COST_PARTS[0]),
                        frame(COST_PARTS[1]),
                    )
                },
            );
            let summary = summary
                .map_err(anyhow::Error::from)
                .context("computing the summary")?;
            let cost = cost
                .map_err(anyhow::Error::from)
                .context("computing the estimated cost")?;
            let changes = changes
                .map_err(anyhow::Error::from)
                .context("finding the change points")?;
            Ok(summary.with_cost(cost).with_changes(&changes, summary_top))
        })
        .transpose()?;
    let shown: Vec<&Section> = wanted
        .iter()
        .filter_map(|w| all_sections.iter().find(|s| s.name == *w))
        .collect();
    let source = source_name(args);
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        ReportFormat::Json => {
            let mut obj = vec![(
                "schemaVersion".to_string(),
                Json::Plain(codebuild_analytics::summary::REPORT_SCHEMA_VERSION.into()),
            )];
            obj.push(("source".into(), Json::Plain(source.clone().into())));
            if let Some(summary) = &summary {
                obj.push(("summary".into(), Json::Summary(summary)));
            }
            for s in &shown {
                let v = if s.name == LOAD {
                    load_json(&archive.report, args.detail || !args.sections.is_empty())
                } else {
                    Json::Rows(Rows(&s.frame))
                };
                obj.push((s.name.to_string(), v));
            }
            let mut ser = serde_json::Serializer::with_formatter(&mut out, RowsPerLine::default());
            serde::Serialize::serialize(&Json::Object(obj), &mut ser)?;
            writeln!(out)?;
        }
        ReportFormat::Html => {
            crate::html::write(&mut out, args, &archive, &filters, &all_sections)?
        }
        ReportFormat::Table | ReportFormat::Markdown => {
            let md = args.format == ReportFormat::Markdown;
            let width = width(args.width);
            let color = !md
                && match args.color {
                    ColorChoice::Always => true,
                    ColorChoice::Never => false,
                    ColorChoice::Auto => crate::color_allowed(io::stdout().is_terminal()),
                };
            let mut blocks = Vec::new();
            if let Some(summary) = &summary {
                blocks.extend(summary_blocks(summary, &source, args, width, md));
            }
            // A section shown alone prints all its rows unless `--top` says otherwise.
            for s in shown {
                if !blocks.is_empty() {
                    blocks.push(Block::Gap);
                }
                if s.name == LOAD {
                    blocks.extend(load_blocks(&archive.report));
                } else {
                    // After the summary, each section folds in Markdown.
                    let fold = md && summary.is_some();
                    if fold {
                        blocks.push(Block::Details(s.name.to_string()));
                    }
                    blocks.extend(section_view::blocks(s, args.top)?);
                    if fold {
                        blocks.push(Block::EndDetails);
                    }
                }
            }
            let text = if md {
                let mut t = doc::markdown(&blocks);
                t.push('\n');
                t
            } else {
                doc::terminal(&blocks, width, color)
            };
            out.write_all(text.as_bytes())?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What the report is about: the paths given, or the Parquet export.
fn source_name(args: &ReportArgs) -> String {
    if let Some(dir) = &args.parquet {
        return format!("{} (Parquet export)", dir.display());
    }
    if args.load.paths.is_empty() {
        return "standard input".into();
    }
    args.load
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The output width: `--width`, else the terminal's (`COLUMNS` first), else 80.
pub(crate) fn width(arg: Option<usize>) -> usize {
    if let Some(w) = arg {
        return w;
    }
    if io::stdout().is_terminal() {
        if let Some(w) = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|w| *w >= 20)
        {
            return w;
        }
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return usize::from(w).max(20);
        }
    }
    80
}

/// The summary's blocks: lists of `--top` rows (default 10), or every row
/// with `--all`. Without either, while the summary is longer than
/// [`SUMMARY_LINES`] at this width, the list showing the most rows (the
/// least important among equals, see [`summary_view::List`]) shows one
/// row less, so the summary fits a screen whatever the archive.
fn summary_blocks(
    summary: &codebuild_analytics::Summary,
    source: &str,
    args: &ReportArgs,
    width: usize,
    md: bool,
) -> Vec<Block> {
    let explicit = args.all || args.top.is_some();
    let n = if args.all {
        usize::MAX
    } else {
        args.top
            .unwrap_or(codebuild_analytics::summary::DEFAULT_TOP)
    };
    let mut limits = summary_view::Limits::all(n);
    loop {
        let blocks = summary_view::blocks(summary, source, &limits);
        if explicit || md {
            return blocks;
        }
        let lines = doc::terminal(&blocks, width, false).lines().count();
        let shown = limits.shown(summary);
        if lines <= SUMMARY_LINES || !limits.shrink(&shown) {
            return blocks;
        }
    }
}

/// The `load` section: every count, the accounting, and every problem in full.
fn load_blocks(r: &codebuild_analytics::LoadReport) -> Vec<Block> {
    let mut t = doc::Table::new(&[("metric", false), ("value", true)]);
    for (label, _, n) in sections::load_counts(r) {
        t.row(vec![label.to_string(), crate::human::count(n)]);
    }
    let mut b = vec![
        Block::Heading(LOAD.to_string()),
        Block::Table(t),
        Block::Text(sections::accounting_line(r)),
    ];
    for f in &r.files_skipped {
        b.push(Block::Note(format!(
            "skipped {}: {}",
            f.path.display(),
            f.reason
        )));
    }
    for e in r.files_rejected.iter().chain(&r.records_rejected) {
        b.push(Block::Note(e.to_string()));
    }
    if !r.builds_not_found.is_empty() {
        b.push(Block::Text(format!(
            "builds not found: {}",
            r.builds_not_found.join(", ")
        )));
    }
    b
}

/// The `load` section: counts; with `lists`, also the ids not found and
/// every error in full.
fn load_json(r: &codebuild_analytics::LoadReport, lists: bool) -> Json<'static> {
    let mut m: Vec<(String, Json)> = sections::load_counts(r)
        .into_iter()
        .map(|(_, key, n)| (key.to_string(), Json::Plain(n.into())))
        .collect();
    m.push(("balances".into(), Json::Plain(r.balances().into())));
    if !lists {
        return Json::Object(m);
    }
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

/// The report's JSON layout: objects indented as `to_writer_pretty` does,
/// but every element of an array on one line of its own, compact (a row of
/// a section, a list entry of the summary): a third of the size of fully
/// pretty JSON, and still one row per line to read or grep.
#[derive(Default)]
pub struct RowsPerLine {
    /// The open containers: (is an array, is written compactly).
    open: Vec<(bool, bool)>,
    /// Whether the innermost open container has a value yet.
    has_value: bool,
}

impl RowsPerLine {
    fn begin<W: ?Sized + Write>(&mut self, w: &mut W, array: bool, open: &[u8]) -> io::Result<()> {
        let compact = self
            .open
            .last()
            .is_some_and(|&(is_array, compact)| is_array || compact);
        self.open.push((array, compact));
        self.has_value = false;
        w.write_all(open)
    }

    fn end<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        let (_, compact) = self.open.pop().unwrap_or((false, false));
        if !compact && self.has_value {
            self.newline(w, self.open.len())?;
        }
        w.write_all(close)
    }

    fn compact(&self) -> bool {
        self.open.last().is_some_and(|&(_, compact)| compact)
    }

    fn newline<W: ?Sized + Write>(&self, w: &mut W, depth: usize) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    fn item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if !self.compact() {
            self.newline(w, self.open.len())?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for RowsPerLine {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, true, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin(w, false, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.item(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.compact() { b":" } else { b": " })
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    /// The summary, members in the order of its type.
    Summary(&'a codebuild_analytics::Summary),
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
            Json::Summary(summary) => summary.serialize(s),
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

#[cfg(test)]
mod tests {
    use super::RowsPerLine;

    fn layout(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, RowsPerLine::default());
        serde::Serialize::serialize(v, &mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rows_per_line() {
        // Members in sorted order, so the value prints the same with and
        // without `serde_json/preserve_order` (enabled in test builds by the
        // AWS SDK's test utilities).
        let v = serde_json::json!({
            "a": 1,
            "o": {"empty": {}, "list": []},
            "rows": [{"x": 1, "y": [1, 2]}, {"x": 2, "y": []}],
        });
        assert_eq!(
            layout(&v),
            "{\n  \"a\": 1,\n  \"o\": {\n    \"empty\": {},\n    \"list\": []\n  },\n  \"rows\": [\n    {\"x\":1,\"y\":[1,2]},\n    {\"x\":2,\"y\":[]}\n  ]\n}"
        );
        // The same value as serde_json reads it.
        let back: serde_json::Value = serde_json::from_str(&layout(&v)).unwrap();
        assert_eq!(back, v);
    }
}
