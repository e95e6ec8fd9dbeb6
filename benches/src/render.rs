//! Saved forms of a response: the bytes a file of the archive holds.

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use rand::RngExt;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter, Serializer};

use codebuild_model::{Build, TimestampFormat};

use crate::GenConfig;
use crate::ids::{derived_rng, pick};
use crate::sim::Response;
use crate::timefmt::{http_date, utc_offset};

const TAG_FILE: u64 = 4;

/// How one file of the archive was saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    /// `json.dump(resp, f, default=str)`: one line, Python separators
    /// (`", "`, `": "`), timestamps as `str(datetime)`, with `ResponseMetadata`.
    Boto3Str,
    /// `json.dump(resp, f, indent=2, default=lambda o: o.isoformat())`:
    /// timestamps as `isoformat()`, with `ResponseMetadata`.
    Boto3Isoformat,
    /// The API wire body: compact, epoch-second numbers, no `ResponseMetadata`.
    Epoch,
    /// `aws codebuild batch-get-builds` (CLI v2) output: 4-space indent, ISO
    /// 8601 timestamps, no `ResponseMetadata`.
    AwsCli,
    /// `aws codebuild batch-get-builds --query builds`: a pretty JSON array.
    AwsCliQuery,
    /// One compact boto3 response (`json.dumps(resp, default=str)`) per line;
    /// a file holds several responses.
    JsonlResponses,
    /// One build per line, compact, ISO 8601 (`jq -c '.builds[]'`).
    JsonlBuilds,
    /// Several CLI responses back to back in one file (`>>` appends).
    Concatenated,
}

impl Form {
    /// Every form, in the order `--format mixed` rotates through them.
    pub const ALL: [Form; 8] = [
        Form::Boto3Str,
        Form::Boto3Isoformat,
        Form::Epoch,
        Form::AwsCli,
        Form::AwsCliQuery,
        Form::JsonlResponses,
        Form::JsonlBuilds,
        Form::Concatenated,
    ];

    /// The `--format` name, e.g. `boto3-str`.
    pub fn name(self) -> &'static str {
        match self {
            Form::Boto3Str => "boto3-str",
            Form::Boto3Isoformat => "boto3-isoformat",
            Form::Epoch => "epoch",
            Form::AwsCli => "aws-cli",
            Form::AwsCliQuery => "aws-cli-query",
            Form::JsonlResponses => "jsonl-responses",
            Form::JsonlBuilds => "jsonl-builds",
            Form::Concatenated => "concatenated",
        }
    }

    /// File extension without the dot: `jsonl` for line forms, else `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Form::JsonlResponses | Form::JsonlBuilds => "jsonl",
            _ => "json",
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Form {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Form::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown form {s:?}"))
    }
}

/// `--format`: one form for every file, or a deterministic rotation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormatChoice {
    /// File `i` uses `Form::ALL[i % 8]`.
    #[default]
    Mixed,
    /// Every file uses this form.
    Only(Form),
}

impl fmt::Display for FormatChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatChoice::Mixed => f.write_str("mixed"),
            FormatChoice::Only(form) => form.fmt(f),
        }
    }
}

impl FromStr for FormatChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "mixed" {
            Ok(FormatChoice::Mixed)
        } else {
            s.parse().map(FormatChoice::Only).map_err(|_| {
                let names: Vec<_> = Form::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format {s:?}; expected mixed or one of {}",
                    names.join(", ")
                )
            })
        }
    }
}

/// `--gzip`: which files are gzip-compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GzipMode {
    /// No file is compressed.
    #[default]
    Never,
    /// Every file is compressed and named `*.gz`.
    Always,
    /// About a third of the files are compressed; about a third of those
    /// deliberately lack the `.gz` suffix (loaders must sniff the bytes).
    Mixed,
}

impl fmt::Display for GzipMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GzipMode::Never => "never",
            GzipMode::Always => "always",
            GzipMode::Mixed => "mixed",
        })
    }
}

impl FromStr for GzipMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "never" => Ok(GzipMode::Never),
            "always" => Ok(GzipMode::Always),
            "mixed" => Ok(GzipMode::Mixed),
            _ => Err(format!(
                "unknown gzip mode {s:?}; expected never, always or mixed"
            )),
        }
    }
}

/// The zones `--tz mixed` chooses among (seconds east of UTC).
pub const MIXED_ZONES: [i32; 5] = [0, 19_800, -9_000, -25_200, 32_400];

/// `--tz`: the UTC offset that string timestamps are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TzChoice {
    /// `+00:00` everywhere.
    #[default]
    Utc,
    /// One of [`MIXED_ZONES`] per file.
    Mixed,
    /// A fixed offset in seconds east of UTC (`--tz +05:30`).
    Fixed(i32),
}

impl fmt::Display for TzChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TzChoice::Utc => f.write_str("utc"),
            TzChoice::Mixed => f.write_str("mixed"),
            TzChoice::Fixed(s) => f.write_str(&crate::timefmt::offset_label(*s)),
        }
    }
}

impl FromStr for TzChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "utc" | "UTC" | "Z" => return Ok(TzChoice::Utc),
            "mixed" => return Ok(TzChoice::Mixed),
            _ => {}
        }
        let bad = || format!("bad --tz {s:?}; expected utc, mixed or +HH:MM / -HH:MM");
        let (sign, rest) = match s.as_bytes().first() {
            Some(b'+') => (1, &s[1..]),
            Some(b'-') => (-1, &s[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = rest.split_once(':').ok_or_else(bad)?;
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if h > 23 || m > 59 {
            return Err(bad());
        }
        Ok(TzChoice::Fixed(sign * (h * 3600 + m * 60)))
    }
}

/// Per-file decisions: form, zone, compression, name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePlan {
    /// File index.
    pub index: u64,
    /// The saved form.
    pub form: Form,
    /// UTC offset of string timestamps, seconds east of UTC.
    pub offset_secs: i32,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// Whether the name ends in `.gz` (false for some compressed files in
    /// `--gzip mixed`).
    pub gz_suffix: bool,
    /// How many responses a multi-response form (`jsonl-responses`,
    /// `concatenated`) splits the file's builds into.
    pub parts: usize,
}

impl FilePlan {
    /// The plan of file `index` under `cfg` (independent of other files).
    pub fn new(cfg: &GenConfig, index: u64) -> Self {
        let mut r = derived_rng(cfg.seed, TAG_FILE, index);
        let form = match cfg.format {
            FormatChoice::Mixed => Form::ALL[(index % Form::ALL.len() as u64) as usize],
            FormatChoice::Only(f) => f,
        };
        let offset_secs = match cfg.tz {
            TzChoice::Utc => 0,
            TzChoice::Fixed(s) => s,
            TzChoice::Mixed => *pick(&mut r, &MIXED_ZONES),
        };
        let (gzip, gz_suffix) = match cfg.gzip {
            GzipMode::Never => (false, false),
            GzipMode::Always => (true, true),
            GzipMode::Mixed => {
                let g = r.random_bool(1.0 / 3.0);
                (g, g && r.random_bool(0.7))
            }
        };
        FilePlan {
            index,
            form,
            offset_secs,
            gzip,
            gz_suffix,
            parts: r.random_range(2..=4),
        }
    }

    /// `batch-<6-digit index>.<ext>[.gz]`.
    pub fn file_name(&self) -> String {
        format!(
            "batch-{:06}.{}{}",
            self.index,
            self.form.extension(),
            if self.gz_suffix { ".gz" } else { "" }
        )
    }
}

/// `json.dumps` separators without `indent`: `", "` and `": "`.
struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[derive(Serialize)]
struct Headers<'a> {
    #[serde(rename = "x-amzn-requestid")]
    request_id: &'a str,
    #[serde(rename = "content-type")]
    content_type: &'a str,
    #[serde(rename = "content-length")]
    content_length: String,
    date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata<'a> {
    request_id: &'a str,
    #[serde(rename = "HTTPStatusCode")]
    http_status_code: u16,
    #[serde(rename = "HTTPHeaders")]
    http_headers: Headers<'a>,
    retry_attempts: u32,
}

/// A response as boto3 returns it, borrowing its builds: unlike
/// [`codebuild_model::BatchGetBuildsResponse`], which owns them and keeps
/// `ResponseMetadata` as a `serde_json::Value` (whose member order depends on
/// serde_json's `preserve_order` feature), it writes the parts of a file
/// without copying builds and the metadata in boto3's member order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseOut<'a> {
    builds: &'a [Build],
    builds_not_found: &'a [String],
    #[serde(rename = "ResponseMetadata", skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata<'a>>,
}

fn write_with<F: Formatter, T: Serialize + ?Sized>(out: &mut Vec<u8>, fmt: F, value: &T) {
    let mut ser = Serializer::with_formatter(out, fmt);
    // Writing to a Vec cannot fail and every value serializes.
    let _ = value.serialize(&mut ser);
}

/// Splits `n` items into `parts` contiguous, nearly equal ranges.
fn split(n: usize, parts: usize) -> Vec<std::ops::Range<usize>> {
    let parts = parts.clamp(1, n.max(1));
    (0..parts)
        .map(|i| (n * i / parts)..(n * (i + 1) / parts))
        .collect()
}

/// Appends the bytes of `resp` saved as `plan.form` (uncompressed) to `out`.
pub fn render_response(resp: &Response, plan: &FilePlan, out: &mut Vec<u8>) {
    let off = utc_offset(plan.offset_secs);
    let py_str = TimestampFormat::PythonStr(off);
    let iso = TimestampFormat::PythonIsoformat(off);
    let metadata = |i: usize, n_builds: usize| Metadata {
        request_id: &resp.request_ids[i % resp.request_ids.len()],
        http_status_code: 200,
        http_headers: Headers {
            request_id: &resp.request_ids[i % resp.request_ids.len()],
            content_type: "application/x-amz-json-1.1",
            content_length: (resp.content_length * n_builds as u64
                / resp.builds.len().max(1) as u64)
                .to_string(),
            date: http_date(resp.date_ms + i as i64 * 1_500),
        },
        retry_attempts: 0,
    };
    let whole = |with_meta: bool| ResponseOut {
        builds: &resp.builds,
        builds_not_found: &resp.builds_not_found,
        metadata: with_meta.then(|| metadata(0, resp.builds.len())),
    };
    let parts = || {
        let ranges = split(resp.builds.len(), plan.parts);
        let last = ranges.len() - 1;
        ranges
            .into_iter()
            .enumerate()
            .map(move |(i, r)| (i, i == last, r))
    };
    match plan.form {
        Form::Boto3Str => py_str.scope(|| {
            write_with(out, PythonFormatter, &whole(true));
        }),
        Form::Boto3Isoformat => iso.scope(|| {
            write_with(out, PrettyFormatter::with_indent(b"  "), &whole(true));
        }),
        Form::Epoch => TimestampFormat::EpochSeconds.scope(|| {
            write_with(out, CompactFormatter, &whole(false));
        }),
        Form::AwsCli => iso.scope(|| {
            write_with(out, PrettyFormatter::with_indent(b"    "), &whole(false));
            out.push(b'\n');
        }),
        Form::AwsCliQuery => iso.scope(|| {
            write_with(out, PrettyFormatter::with_indent(b"    "), &resp.builds[..]);
            out.push(b'\n');
        }),
        Form::JsonlResponses => py_str.scope(|| {
            for (i, is_last, r) in parts() {
                let n = r.len();
                let part = ResponseOut {
                    builds: &resp.builds[r],
                    builds_not_found: if is_last { &resp.builds_not_found } else { &[] },
                    metadata: Some(metadata(i, n)),
                };
                write_with(out, PythonFormatter, &part);
                out.push(b'\n');
            }
        }),
        Form::JsonlBuilds => iso.scope(|| {
            for b in &resp.builds {
                write_with(out, CompactFormatter, b);
                out.push(b'\n');
            }
        }),
        Form::Concatenated => iso.scope(|| {
            for (_, is_last, r) in parts() {
                let part = ResponseOut {
                    builds: &resp.builds[r],
                    builds_not_found: if is_last { &resp.builds_not_found } else { &[] },
                    metadata: None,
                };
                write_with(out, PrettyFormatter::with_indent(b"    "), &part);
                out.push(b'\n');
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_choices() {
        assert_eq!("mixed".parse::<FormatChoice>(), Ok(FormatChoice::Mixed));
        assert_eq!(
            "aws-cli-query".parse::<FormatChoice>(),
            Ok(FormatChoice::Only(Form::AwsCliQuery))
        );
        assert_eq!("+05:30".parse::<TzChoice>(), Ok(TzChoice::Fixed(19_800)));
        assert_eq!("-02:30".parse::<TzChoice>(), Ok(TzChoice::Fixed(-9_000)));
        assert_eq!(TzChoice::Fixed(-9_000).to_string(), "-02:30");
        assert!("05:30".parse::<TzChoice>().is_err());
        assert_eq!("always".parse::<GzipMode>(), Ok(GzipMode::Always));
    }

    #[test]
    fn split_ranges() {
        assert_eq!(split(10, 3), vec![0..3, 3..6, 6..10]);
        assert_eq!(split(1, 4), vec![0..1]);
        assert_eq!(split(0, 2), vec![0..0]);
    }

    #[test]
    fn python_separators() {
        let mut out = Vec::new();
        write_with(
            &mut out,
            PythonFormatter,
            &serde_json::json!({"a": [1, 2], "b": {}}),
        );
        assert_eq!(String::from_utf8(out).unwrap(), r#"{"a": [1, 2], "b": {}}"#);
    }
}
