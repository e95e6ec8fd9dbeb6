//! A report as a list of blocks (headings, text, tables, notes), rendered
//! for a terminal of a given width (tables by comfy-table, text by
//! textwrap) or as GitHub-flavoured Markdown. Nothing is ever cut: long
//! cells wrap, and a table too wide drops its least important columns and
//! says which.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Comfy};

/// One block of a report.
#[derive(Debug, Clone)]
pub enum Block {
    /// The report's title line.
    Title(String),
    /// A section heading.
    Heading(String),
    /// A paragraph, wrapped to the width.
    Text(String),
    /// A table.
    Table(Table),
    /// A numbered item: a first line and an indented body (wrapped).
    Item {
        /// The item's number.
        n: usize,
        /// The first line (facts).
        head: String,
        /// The body (a message), never cut.
        body: String,
    },
    /// A note under a list (`… and 12 more`), dimmed on a terminal.
    Note(String),
    /// Markdown only: the blocks that follow, up to [`Block::EndDetails`],
    /// are folded in a `<details>` block with this summary; a terminal shows
    /// them as they are.
    Details(String),
    /// Ends a [`Block::Details`].
    EndDetails,
    /// An empty line between sections.
    Gap,
}

/// A table: a header, rows of display text, and for each column whether it
/// is right-aligned (numbers) and how important it is.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows of cells, as many as the header.
    pub rows: Vec<Vec<String>>,
    /// Right-aligned columns.
    pub right: Vec<bool>,
    /// Drop order when the table does not fit: the column with the highest
    /// number goes first; 0 is never dropped.
    pub drop_rank: Vec<usize>,
}

impl Table {
    /// A table with these columns: `(title, right-aligned)`, none droppable.
    pub fn new(columns: &[(&str, bool)]) -> Self {
        Table {
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            right: columns.iter().map(|c| c.1).collect(),
            drop_rank: vec![0; columns.len()],
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// The table without column `j`.
    fn without(&self, j: usize) -> Table {
        let drop = |v: &Vec<String>| {
            let mut v = v.clone();
            v.remove(j);
            v
        };
        let mut t = self.clone();
        t.header = drop(&self.header);
        t.rows = self.rows.iter().map(drop).collect();
        t.right.remove(j);
        t.drop_rank.remove(j);
        t
    }

    /// The widest a column's cells are (in terminal columns).
    fn natural_width(&self, j: usize) -> usize {
        std::iter::once(&self.header[j])
            .chain(self.rows.iter().map(|r| &r[j]))
            .flat_map(|c| c.lines())
            .map(textwrap::core::display_width)
            .max()
            .unwrap_or(0)
    }

    /// Width of the table unwrapped: cells plus one space of padding on
    /// each side (the preset draws no vertical lines).
    fn natural_total(&self) -> usize {
        (0..self.header.len())
            .map(|j| self.natural_width(j) + 2)
            .sum()
    }

    /// Drops columns, least important first, until the table fits `width`
    /// (or `max_columns`), or only undroppable columns are left. Returns
    /// the table and the titles of the dropped columns.
    pub fn fit(&self, width: Option<usize>, max_columns: Option<usize>) -> (Table, Vec<String>) {
        let mut t = self.clone();
        let mut dropped = Vec::new();
        loop {
            let too_wide = width.is_some_and(|w| t.natural_total() > w);
            let too_many = max_columns.is_some_and(|m| t.header.len() > m);
            if !(too_wide || too_many) {
                break;
            }
            // The highest drop rank; among equals, the rightmost.
            let Some((j, _)) = t
                .drop_rank
                .iter()
                .enumerate()
                .filter(|(_, r)| **r > 0)
                .max_by_key(|(j, r)| (**r, *j))
            else {
                break;
            };
            dropped.push(t.header[j].clone());
            t = t.without(j);
        }
        (t, dropped)
    }
}

/// Columns between table cells: comfy-table's preset with no borders and
/// no vertical lines, a line under the header (`─`).
const PRESET: &str = "     ─             ";

/// Renders `blocks` for a terminal `width` columns wide; `color` adds bold
/// headings and dim notes (ANSI).
pub fn terminal(blocks: &[Block], width: usize, color: bool) -> String {
    let width = width.max(20);
    let (bold, dim, reset) = if color {
        ("\x1b[1m", "\x1b[2m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut out = String::new();
    let wrap = |text: &str, indent: &str| -> Vec<String> {
        let opts = textwrap::Options::new(width)
            .initial_indent(indent)
            .subsequent_indent(indent)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .break_words(true);
        textwrap::wrap(text, opts)
            .into_iter()
            .map(|l| l.into_owned())
            .collect()
    };
    for b in blocks {
        match b {
            Block::Title(t) | Block::Heading(t) => {
                for l in wrap(t, "") {
                    out.push_str(&format!("{bold}{l}{reset}\n"));
                }
            }
            Block::Text(t) => {
                for l in wrap(t, "") {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
            Block::Note(t) => {
                for l in wrap(t, "  ") {
                    out.push_str(&format!("{dim}{l}{reset}\n"));
                }
            }
            Block::Item { n, head, body } => {
                let number = format!("{n:>2}. ");
                let pad = " ".repeat(number.len());
                let head_lines = textwrap::wrap(
                    head,
                    textwrap::Options::new(width)
                        .initial_indent(&number)
                        .subsequent_indent(&pad)
                        .word_splitter(textwrap::WordSplitter::NoHyphenation)
                        .break_words(true),
                );
                for l in head_lines {
                    out.push_str(&l);
                    out.push('\n');
                }
                for l in wrap(body, &pad) {
                    out.push_str(&l);
                    out.push('\n');
                }
            }
            // An empty list shows nothing (its heading or text says so).
            Block::Table(t) if t.rows.is_empty() => {}
            Block::Table(t) => out.push_str(&table(t, width, bold, dim, reset)),
            Block::Details(_) | Block::EndDetails => {}
            Block::Gap => out.push('\n'),
        }
    }
    out
}

fn table(t: &Table, width: usize, bold: &str, dim: &str, reset: &str) -> String {
    let (t, dropped) = t.fit(Some(width), None);
    let mut c = Comfy::new();
    c.load_preset(PRESET)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .force_no_tty();
    c.set_header(t.header.iter().map(Cell::new));
    for r in &t.rows {
        c.add_row(r.iter().map(Cell::new));
    }
    for (j, right) in t.right.iter().enumerate() {
        if *right && let Some(col) = c.column_mut(j) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut out = String::new();
    for (i, line) in c.lines().enumerate() {
        let line = line.trim_end();
        if i == 0 && !bold.is_empty() {
            out.push_str(&format!("{bold}{line}{reset}\n"));
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    if !dropped.is_empty() {
        let note = format!("(left out at this width: {})", dropped.join(", "));
        for l in textwrap::wrap(
            &note,
            textwrap::Options::new(width)
                .initial_indent("  ")
                .subsequent_indent("  "),
        ) {
            out.push_str(&format!("{dim}{l}{reset}\n"));
        }
    }
    out
}

/// The most columns a Markdown table gets.
pub const MARKDOWN_COLUMNS: usize = 8;

/// Renders `blocks` as GitHub-flavoured Markdown.
pub fn markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for b in blocks {
        if in_list && !matches!(b, Block::Item { .. }) {
            in_list = false;
            out.push('\n');
        }
        match b {
            Block::Title(t) => out.push_str(&format!("# {}\n\n", inline(t))),
            Block::Heading(t) => out.push_str(&format!("## {}\n\n", inline(t))),
            Block::Text(t) => out.push_str(&format!("{}\n\n", inline(t))),
            Block::Note(t) => out.push_str(&format!("_{}_\n\n", inline(t))),
            Block::Item { n, head, body } => {
                in_list = true;
                // The body is indented to the item's text, so it stays in the item.
                let marker = format!("{n}. ");
                let pad = " ".repeat(marker.len());
                out.push_str(&format!(
                    "{marker}{}<br>\n{pad}`{}`\n",
                    inline(head),
                    code(body)
                ));
            }
            Block::Table(t) if t.rows.is_empty() => {}
            Block::Table(t) => {
                let (t, dropped) = t.fit(None, Some(MARKDOWN_COLUMNS));
                let cells =
                    |r: &[String]| r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ");
                out.push_str(&format!("| {} |\n", cells(&t.header)));
                let rule: Vec<&str> = t
                    .right
                    .iter()
                    .map(|r| if *r { "---:" } else { "---" })
                    .collect();
                out.push_str(&format!("| {} |\n", rule.join(" | ")));
                for r in &t.rows {
                    out.push_str(&format!("| {} |\n", cells(r)));
                }
                out.push('\n');
                if !dropped.is_empty() {
                    out.push_str(&format!(
                        "_Not shown (at most {MARKDOWN_COLUMNS} columns): {}; see `--format json`._\n\n",
                        dropped.join(", ")
                    ));
                }
            }
            Block::Details(summary) => {
                out.push_str(&format!(
                    "<details>\n<summary>{}</summary>\n\n",
                    html_text(summary)
                ));
            }
            Block::EndDetails => out.push_str("</details>\n\n"),
            Block::Gap => {}
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Text for a Markdown paragraph: characters Markdown would read as
/// markup are escaped.
fn inline(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            s.push('\\');
        }
        s.push(c);
    }
    s.replace(['\n', '\r'], " ")
}

/// A table cell: inline text, pipes escaped, line breaks as `<br>`.
fn cell(t: &str) -> String {
    inline(t).replace('\n', "<br>")
}

/// Text inside an inline code span: backticks cannot be escaped there, so
/// they become `'`; line breaks become spaces.
fn code(t: &str) -> String {
    t.replace('`', "'").replace(['\n', '\r'], " ")
}

/// Text inside an HTML element.
fn html_text(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[("name", false), ("a", true), ("b", true)]);
        t.drop_rank = vec![0, 2, 1];
        t.row(vec!["x".repeat(30), "1".into(), "2".into()]);
        t
    }

    #[test]
    fn fit_drops_least_important_first() {
        let t = sample();
        // 32 + 3 + 3 = 38 columns unwrapped.
        assert_eq!(t.natural_total(), 38);
        let (kept, dropped) = t.fit(Some(38), None);
        assert!(dropped.is_empty());
        assert_eq!(kept.header.len(), 3);
        let (kept, dropped) = t.fit(Some(37), None);
        assert_eq!(dropped, ["a"]);
        assert_eq!(kept.header, ["name", "b"]);
        let (kept, dropped) = t.fit(Some(10), None);
        assert_eq!(dropped, ["a", "b"]);
        assert_eq!(kept.header, ["name"]);
        let (_, dropped) = t.fit(None, Some(2));
        assert_eq!(dropped, ["a"]);
    }

    #[test]
    fn wide_cells_wrap_and_nothing_is_cut() {
        let mut t = Table::new(&[("message", false), ("n", true)]);
        let long = "word ".repeat(40);
        t.row(vec![long.trim().to_string(), "7".into()]);
        let out = terminal(&[Block::Table(t)], 40, false);
        for l in out.lines() {
            assert!(textwrap::core::display_width(l) <= 40, "{l:?}");
        }
        assert_eq!(out.matches("word").count(), 40);
        assert!(out.contains('7'));
    }

    #[test]
    fn markdown_escapes() {
        let mut t = Table::new(&[("a|b", false)]);
        t.row(vec!["x|y".into()]);
        let md = markdown(&[
            Block::Text("*not bold* <b>".into()),
            Block::Table(t),
            Block::Item {
                n: 1,
                head: "h".into(),
                body: "a `tick`".into(),
            },
        ]);
        assert!(md.contains("\\*not bold\\* \\<b\\>"), "{md}");
        assert!(md.contains("| a\\|b |"), "{md}");
        assert!(md.contains("| x\\|y |"), "{md}");
        assert!(md.contains("`a 'tick'`"), "{md}");
    }
}
