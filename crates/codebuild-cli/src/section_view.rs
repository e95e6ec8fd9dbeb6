//! A report section (a frame) as a table for people: every cell in human
//! units, chosen by the column's meaning, rows with nothing to show left
//! out, and the columns that matter most kept when the table must narrow.

use polars::prelude::*;

use crate::doc::{Block, Table};
use crate::human;
use crate::sections::Section;

/// What a column holds, and so how it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (names, ids, messages).
    Text,
    /// A count (thousands separators).
    Count,
    /// Seconds (shown as a duration).
    Seconds,
    /// Minutes (shown as a duration).
    Minutes,
    /// A fraction (shown as a percentage).
    Fraction,
    /// A plain number (one decimal).
    Number,
    /// An instant (to the minute, UTC).
    Instant,
    /// A calendar date.
    Date,
    /// `yes` / `no`.
    Flag,
    /// US dollars.
    Usd,
}

/// The kind of column `name` of dtype `dt`.
pub fn kind(name: &str, dt: &DataType) -> Kind {
    match dt {
        DataType::Datetime(..) => Kind::Instant,
        DataType::Date => Kind::Date,
        DataType::Boolean => Kind::Flag,
        DataType::String => Kind::Text,
        d if d.is_integer() && name.to_ascii_lowercase().ends_with("seconds") => Kind::Seconds,
        d if d.is_integer() => Kind::Count,
        d if d.is_float() => float_kind(name),
        _ => Kind::Text,
    }
}

/// Floats by name: the sections' conventions (`…Seconds`, `…Minutes`,
/// `…Rate`, `…Share`, percentiles of durations).
fn float_kind(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    if lower.contains("usd") {
        Kind::Usd
    } else if lower.ends_with("rate")
        || lower.ends_with("share")
        || lower.starts_with("share")
        || lower.starts_with("pfail")
    {
        Kind::Fraction
    } else if lower.contains("minutes") {
        Kind::Minutes
    } else if lower.contains("seconds")
        || matches!(name, "mean" | "p50" | "p90" | "p95" | "p99" | "max")
        || lower.starts_with("duration")
        || lower.starts_with("succeededduration")
        || lower.starts_with("overhead")
        || lower.starts_with("execution")
    {
        Kind::Seconds
    } else {
        Kind::Number
    }
}

/// One cell as text.
fn cell(av: &AnyValue<'_>, k: Kind) -> String {
    if matches!(av, AnyValue::Null) {
        return String::new();
    }
    let float = || av.extract::<f64>();
    match k {
        Kind::Count => av.extract::<i64>().map_or_else(String::new, |n| {
            if n < 0 {
                format!("-{}", human::count(n.unsigned_abs()))
            } else {
                human::count(n as u64)
            }
        }),
        Kind::Seconds => float().map_or_else(String::new, human::duration),
        Kind::Minutes => float().map_or_else(String::new, human::minutes),
        Kind::Fraction => human::percent(float()),
        Kind::Number => float().map_or_else(String::new, |v| format!("{v:.1}")),
        Kind::Usd => human::usd(float()),
        Kind::Flag => match av {
            AnyValue::Boolean(true) => "yes".into(),
            AnyValue::Boolean(false) => "no".into(),
            _ => String::new(),
        },
        Kind::Instant | Kind::Date | Kind::Text => match crate::render::json_value(av) {
            serde_json::Value::String(s) if k == Kind::Instant => {
                time::OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                    .map_or(s, |t| human::instant(Some(t)))
            }
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            v => v.to_string(),
        },
    }
}

/// Columns kept longest when a section's table narrows (others go first,
/// the rightmost first).
fn important(section: &str) -> &'static [&'static str] {
    match section {
        "outcomes" | "outcomes by time bucket" => &[
            "builds",
            "successRate",
            "durationP50",
            "durationP95",
            "SUCCEEDED",
            "FAILED",
        ],
        "phase timing" => &["count", "p50", "p95", "totalSeconds", "share"],
        "overhead split" => &["builds", "overheadShare", "overheadP50", "overheadP95"],
        "top failure reasons" => &["normalizedMessage", "count", "share", "lastSeen"],
        "retry summary" => &[
            "chainsWithRetries",
            "recovered",
            "recoveryRate",
            "minutesWasted",
        ],
        "recovery summary" => &["redPeriods", "mttrSeconds", "redSeconds", "redShare"],
        "retry chains" => &[
            "chainId",
            "length",
            "rootStatus",
            "finalStatus",
            "recovered",
        ],
        "build minutes" => &["builds", "totalMinutes", "failedMinutes", "retriedMinutes"],
        _ => &[],
    }
}

/// Rows with nothing to show: phase-timing groups without any duration
/// (the COMPLETED phase).
fn meaningless(section: &str, df: &DataFrame, i: usize) -> bool {
    section == "phase timing"
        && df
            .column("count")
            .ok()
            .and_then(|c| c.get(i).ok())
            .and_then(|v| v.extract::<i64>())
            == Some(0)
}

/// The section as blocks: a heading, its table (every row, or the first
/// `top`), and what was left out.
pub fn blocks(s: &Section, top: Option<usize>) -> PolarsResult<Vec<Block>> {
    let df = &s.frame;
    let kinds: Vec<Kind> = df
        .columns()
        .iter()
        .map(|c| kind(c.name(), c.dtype()))
        .collect();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let keep: Vec<usize> = (0..df.height())
        .filter(|&i| !meaningless(s.name, df, i))
        .collect();
    let hidden = df.height() - keep.len();
    let shown = top.map_or(keep.len(), |n| n.min(keep.len()));
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(shown);
    for &i in &keep[..shown] {
        let mut r = Vec::with_capacity(names.len());
        for (c, k) in df.columns().iter().zip(&kinds) {
            r.push(cell(&c.get(i)?, *k));
        }
        rows.push(r);
    }
    // Leading text columns are the keys: never dropped.
    let keys = kinds
        .iter()
        .take_while(|k| **k == Kind::Text)
        .count()
        .max(1);
    let important = important(s.name);
    let n = names.len();
    let drop_rank = (0..n)
        .map(|j| {
            if j < keys {
                0
            } else if let Some(p) = important.iter().position(|c| *c == names[j]) {
                1 + p
            } else {
                // Unimportant columns go first, rightmost first.
                1 + important.len() + j
            }
        })
        .collect();
    let table = Table {
        header: names,
        right: kinds
            .iter()
            .map(|k| !matches!(k, Kind::Text | Kind::Flag | Kind::Instant | Kind::Date))
            .collect(),
        drop_rank,
        rows,
    };
    let mut out = vec![Block::Heading(s.name.to_string())];
    if table.rows.is_empty() {
        out.push(Block::Text("(no rows)".into()));
    } else {
        out.push(Block::Table(table));
    }
    if shown < keep.len() {
        out.push(Block::Note(format!(
            "… and {} more rows (--all for every row)",
            human::count((keep.len() - shown) as u64)
        )));
    }
    if hidden > 0 {
        out.push(Block::Note(format!(
            "({} rows without any duration not shown)",
            human::count(hidden as u64)
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        let f = DataType::Float64;
        assert_eq!(kind("successRate", &f), Kind::Fraction);
        assert_eq!(kind("share", &f), Kind::Fraction);
        assert_eq!(kind("overheadShare", &f), Kind::Fraction);
        assert_eq!(kind("pFailAfterFail", &f), Kind::Fraction);
        assert_eq!(kind("minutesWasted", &f), Kind::Minutes);
        assert_eq!(kind("totalMinutes", &f), Kind::Minutes);
        assert_eq!(kind("p95", &f), Kind::Seconds);
        assert_eq!(kind("mttrSeconds", &f), Kind::Seconds);
        assert_eq!(kind("durationP50", &f), Kind::Seconds);
        assert_eq!(kind("overheadP95", &f), Kind::Seconds);
        assert_eq!(kind("meanStreak", &f), Kind::Number);
        assert_eq!(kind("estimatedCostUsd", &f), Kind::Usd);
        assert_eq!(kind("usdPerMinute", &f), Kind::Usd);
        assert_eq!(kind("shareOfProjectCost", &f), Kind::Fraction);
        assert_eq!(kind("billedMinutes", &f), Kind::Minutes);
        assert_eq!(kind("billedSeconds", &DataType::Int64), Kind::Seconds);
        assert_eq!(kind("builds", &DataType::Int64), Kind::Count);
        assert_eq!(kind("projectName", &DataType::String), Kind::Text);
        assert_eq!(kind("recovered", &DataType::Boolean), Kind::Flag);
    }
}
