//! Decoding one file's JSON text into builds, record by record.
//!
//! Every saved form is read: a response object, an array of responses or of
//! builds, a single build, JSON Lines of responses or builds, and several
//! values concatenated. Records are first delimited as borrowed
//! [`RawValue`]s (no `serde_json::Value` tree, no copies), then each build
//! record's text goes to a sink: the frame columns (`columnar`), or a typed
//! [`Build`]. A bad record is an error of its own: with `keep_going` it is
//! counted and skipped, and its neighbours load.

use std::path::Path;

use codebuild_model::Build;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::LoadOptions;
use crate::columnar::Responses;
use crate::error::{ErrorKind, LineIndex, LoadError, Position};

/// What decoding a file found besides builds.
#[derive(Debug, Default)]
pub(crate) struct FileStats {
    /// Response objects read.
    pub responses: usize,
    /// Records read: builds handed to the sink plus records rejected.
    pub records_read: usize,
    /// `buildsNotFound` ids, in file order.
    pub not_found: Vec<String>,
    /// Records skipped under `keep_going`.
    pub rejected: Vec<LoadError>,
}

/// The two shapes a top-level object can have; everything else is ignored.
#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(borrow)]
    builds: Option<Vec<&'a RawValue>>,
    /// Read item by item, so that a bad item does not cost the builds.
    #[serde(rename = "buildsNotFound", borrow)]
    builds_not_found: Option<&'a RawValue>,
    id: Option<IgnoredAny>,
    arn: Option<IgnoredAny>,
}

/// What tells a build record from another object: its names.
#[derive(Deserialize)]
struct Names {
    id: Option<IgnoredAny>,
    arn: Option<IgnoredAny>,
    builds: Option<IgnoredAny>,
}

/// Where the decoder hands what it reads.
pub(crate) trait Sink {
    /// One build record's JSON text, for the sink to decode; `false` when
    /// the model does not accept it (the decoder then locates and reports
    /// the error).
    fn record(&mut self, raw: &str) -> bool;

    /// A whole file (or line of JSON Lines), read in one pass if it holds
    /// responses the sink can take as written. `None` leaves it to the
    /// decoder, record by record (the sink keeps nothing of it).
    fn responses(&mut self, _text: &[u8]) -> Option<Responses> {
        None
    }
}

impl<F: FnMut(&str) -> bool> Sink for F {
    fn record(&mut self, raw: &str) -> bool {
        self(raw)
    }
}

/// A sink decoding each record into a typed [`Build`] for `f`. A build
/// without `id` and `arn` is not taken (see [`Decoder::build`]).
pub(crate) fn typed(mut f: impl FnMut(Build)) -> impl FnMut(&str) -> bool {
    move |raw| match serde_json::from_str::<Build>(raw) {
        Ok(build) if build.id.is_some() || build.arn.is_some() => {
            f(build);
            true
        }
        _ => false,
    }
}

/// Decodes `text` (the decompressed content of `path`), handing each build
/// record's text to `sink`.
///
/// Returns `Err` for the first error unless `opts.keep_going`; then only
/// errors that make the rest of the file unreadable (a syntax error outside
/// JSON Lines) are returned, after the builds before it were handed over.
pub(crate) fn decode(
    path: &Path,
    text: &[u8],
    opts: &LoadOptions,
    stats: &mut FileStats,
    sink: &mut dyn Sink,
) -> Result<(), LoadError> {
    let json_lines = is_json_lines(text);
    // A single-value file the sink reads in one pass needs no nesting pass
    // of its own: the one pass skips nothing without serde_json counting
    // its depth, and fails on anything nested deeper than serde_json's
    // limit, which is then checked here as always. (With a stricter limit
    // the check comes first.) JSON Lines are checked line by line, each
    // before it is read (see `Decoder::lines`).
    let deferred = json_lines || opts.max_nesting == 0 || opts.max_nesting >= SERDE_DEPTH;
    let mut d = Decoder {
        path,
        text,
        opts,
        stats,
        sink,
        line_starts: std::cell::OnceCell::new(),
    };
    if !deferred {
        d.check_nesting()?;
    }
    if json_lines {
        d.lines()
    } else {
        d.stream(deferred)
    }
}

/// The depth beyond which serde_json refuses to go on (its recursion limit
/// lets 127 nested arrays and objects through).
const SERDE_DEPTH: usize = 127;

/// A top-level value read in one pass: an object probed as [`Probe`]
/// (exactly its derived rules, duplicate keys included), or an array with
/// its items delimited. Anything else is an error, and the caller falls
/// back to the path that locates it.
enum Top<'a> {
    Object(Probe<'a>),
    Array(Vec<&'a RawValue>),
}

impl<'de: 'a, 'a> Deserialize<'de> for Top<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for V<'a> {
            type Value = Top<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object or array")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Top<'a>, M::Error> {
                Probe::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Top::Object)
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, seq: S) -> Result<Top<'a>, S::Error> {
                Vec::<&'a RawValue>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Top::Array)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The text of the value between byte offsets `start` and `end`
/// (surrounding whitespace dropped), or `None` if it is not valid UTF-8.
fn value_text(text: &[u8], start: usize, end: usize) -> Option<&str> {
    std::str::from_utf8(text.get(start..end)?.trim_ascii()).ok()
}

/// The field prefix of the `index`-th top-level value: none for the first
/// (a lone value), `value N` for the N-th of concatenated values.
fn value_prefix(index: usize) -> String {
    if index == 0 {
        String::new()
    } else {
        format!("value {}", index + 1)
    }
}

/// The default of `LoadOptions::max_nesting`: serde_json's recursion limit.
///
/// serde_json enforces it only on values it decodes; it skips unknown members
/// iteratively at any depth. The loader checks the whole text, so a file
/// nested deeper anywhere is an error either way.
pub const DEFAULT_MAX_NESTING: usize = 128;

/// JSON Lines: more than one non-blank line, the first or the second of
/// which is a complete JSON value by itself (so a bad first line does not
/// hide the lines after it). A file of one line (a compact response) is read
/// as a stream without parsing it twice; so is a pretty-printed file, whose
/// first lines (`{`, `"builds": [`) are not values.
pub(crate) fn is_json_lines(text: &[u8]) -> bool {
    let mut lines = memchr::memchr_iter(b'\n', text)
        .chain(std::iter::once(text.len()))
        .scan(0, |start, end| {
            let line = &text[*start..end];
            *start = end + 1;
            Some(line)
        })
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
    match (lines.next(), lines.next()) {
        (Some(first), Some(second)) => [first, second]
            .iter()
            .any(|l| serde_json::from_slice::<IgnoredAny>(l).is_ok()),
        _ => false,
    }
}

/// The offset of the first byte nested deeper than `max`, if any.
///
/// Strings are skipped with `memchr2` (most of a dump's bytes are in
/// strings), so this pass costs a fraction of a parse.
fn check_nesting(text: &[u8], max: usize) -> Result<(), usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'"' => {
                // Skip to the closing quote; a backslash escapes the next byte.
                i += 1;
                loop {
                    let Some(j) = text.get(i..).and_then(|t| memchr::memchr2(b'"', b'\\', t))
                    else {
                        return Ok(()); // unterminated: the parser reports it
                    };
                    if text[i + j] == b'\\' {
                        i += j + 2;
                    } else {
                        i += j + 1;
                        break;
                    }
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

struct Decoder<'a, 's> {
    path: &'a Path,
    text: &'a [u8],
    opts: &'a LoadOptions,
    stats: &'s mut FileStats,
    sink: &'s mut dyn Sink,
    /// Byte offsets where lines start, built on the first error only, so that
    /// many bad records cost a binary search each, not a scan from the top.
    line_starts: std::cell::OnceCell<LineIndex>,
}

fn join(prefix: &str, field: &str) -> String {
    match (prefix.is_empty(), field.is_empty() || field == ".") {
        (true, _) => field.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if field.starts_with('[') => format!("{prefix}{field}"),
        (false, false) => format!("{prefix}.{field}"),
    }
}

impl<'a> Decoder<'a, '_> {
    fn offset_of(&self, raw: &str) -> usize {
        (raw.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize)
    }

    fn position(&self, offset: usize) -> Position {
        self.line_starts
            .get_or_init(|| LineIndex::new(self.text))
            .position(offset)
    }

    fn error_at(&self, offset: usize, field: &str, kind: ErrorKind, message: String) -> LoadError {
        LoadError {
            file: self.path.to_path_buf(),
            position: Some(self.position(offset)),
            field: (!field.is_empty()).then(|| field.to_owned()),
            message,
            kind,
        }
    }

    /// The error of decoding `raw` as `T`, located by a second, path-tracking pass.
    fn locate<T: serde::de::DeserializeOwned>(&self, raw: &str, prefix: &str) -> LoadError {
        let start = self.position(self.offset_of(raw));
        let (field, rel, message, kind) = match codebuild_model::from_str::<T>(raw) {
            Err(e) => (
                join(prefix, e.path()),
                Position {
                    line: e.line(),
                    column: e.column(),
                },
                e.message().to_owned(),
                if e.is_syntax() {
                    ErrorKind::Syntax
                } else {
                    ErrorKind::Data
                },
            ),
            Ok(_) => (
                prefix.to_owned(),
                Position { line: 1, column: 1 },
                "could not be decoded".to_owned(),
                ErrorKind::Data,
            ),
        };
        LoadError {
            file: self.path.to_path_buf(),
            position: Some(start.offset_by(rel)),
            field: (!field.is_empty()).then_some(field),
            message,
            kind,
        }
    }

    /// `LoadOptions::max_nesting` over the bytes `range` of the text.
    fn check_nesting_in(&self, range: std::ops::Range<usize>) -> Result<(), LoadError> {
        let max = self.opts.max_nesting;
        if max == 0 {
            return Ok(());
        }
        let from = range.start;
        check_nesting(&self.text[range], max).map_err(|offset| {
            self.error_at(
                from + offset,
                "",
                ErrorKind::Syntax,
                format!("nesting deeper than {max} levels (LoadOptions::max_nesting)"),
            )
        })
    }

    /// `LoadOptions::max_nesting` over the whole text.
    fn check_nesting(&self) -> Result<(), LoadError> {
        self.check_nesting_in(0..self.text.len())
    }

    /// `value` (a whole file or line) read by the sink in one pass, if it
    /// can: then it is accounted for here. Not for values that could
    /// hold a record over `max_record_bytes`, which the record path checks.
    fn direct(&mut self, value: &[u8]) -> bool {
        if value.len() as u64 > self.opts.max_record_bytes {
            return false;
        }
        match self.sink.responses(value) {
            Some(read) => {
                self.stats.responses += read.responses;
                self.stats.records_read += read.builds;
                self.stats.not_found.extend(read.not_found);
                true
            }
            None => false,
        }
    }

    /// A record-level problem: fatal by default, counted and skipped with `keep_going`.
    fn reject(&mut self, err: LoadError) -> Result<(), LoadError> {
        self.stats.records_read += 1;
        if self.opts.keep_going {
            self.stats.rejected.push(err);
            Ok(())
        } else {
            Err(err)
        }
    }

    /// JSON Lines: each line on its own, so that a bad line is one bad
    /// record (`LoadOptions::max_nesting` too is checked line by line). A
    /// line may hold several values (concatenated, as `jq -c` can write
    /// them); a value that starts a line but goes on over the next lines
    /// (a file of concatenated values whose first value was compact) ends
    /// the line-by-line reading: the rest of the file is read as a stream.
    fn lines(&mut self) -> Result<(), LoadError> {
        let text = self.text;
        let mut start = 0;
        // Values (or bad lines) so far, for naming values read as a stream.
        let mut index = 0;
        for (lineno, line) in text.split(|&b| b == b'\n').enumerate() {
            let line_start = start;
            start += line.len() + 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            index += 1;
            if let Err(err) = self.check_nesting_in(line_start..line_start + line.len()) {
                self.reject(err)?;
                continue;
            }
            if self.direct(line) {
                continue;
            }
            let prefix = format!("line {}", lineno + 1);
            // One pass when the line reads; else delimit it to locate the error.
            if let (Ok(top), Some(raw)) = (
                serde_json::from_slice::<Top<'a>>(line),
                value_text(text, line_start, line_start + line.len()),
            ) {
                self.top(top, raw, &prefix)?;
                continue;
            }
            match self.line_values(line_start, line.len()) {
                LineValues::Spans => {
                    self.check_nesting_in(line_start..text.len())?;
                    return self.stream_from(line_start, index - 1);
                }
                LineValues::Read(values, broken) => {
                    let several = values.len() + usize::from(broken.is_some()) > 1;
                    let name = |i: usize| match several {
                        true => format!("{prefix} value {}", i + 1),
                        false => prefix.clone(),
                    };
                    let n = values.len();
                    index += n.saturating_sub(1);
                    for (i, raw) in values.into_iter().enumerate() {
                        self.value(raw, &name(i))?;
                    }
                    let Some(at) = broken else { continue };
                    // The value that breaks off: its complete builds (with
                    // keep_going), then the line is a bad record, located
                    // in the line alone (reading on from the line start
                    // may have failed lines later).
                    if self.opts.keep_going {
                        self.salvage(line_start + at..line_start + line.len(), &name(n))?;
                    }
                    let local = serde_json::Deserializer::from_slice(&line[at..])
                        .into_iter::<&RawValue>()
                        .find_map(Result::err);
                    let (column, message) = match &local {
                        Some(e) => (at + e.column(), strip_position(e)),
                        // Not reached: a value that reads within its line
                        // does not break off.
                        None => (at + 1, "the value does not end on its line".to_owned()),
                    };
                    let mut err = self.error_at(line_start, "", ErrorKind::Syntax, message);
                    err.position = Some(Position {
                        line: lineno + 1,
                        column,
                    });
                    self.reject(err)?;
                }
            }
        }
        Ok(())
    }

    /// The values that start on the line at byte `start` (`len` bytes
    /// long), read on from there: [`LineValues::Spans`] when one of them
    /// goes on past the line (a file of concatenated values, not JSON
    /// Lines, from here on).
    fn line_values(&self, start: usize, len: usize) -> LineValues<'a> {
        let text = self.text;
        let mut stream =
            serde_json::Deserializer::from_slice(&text[start..]).into_iter::<&RawValue>();
        let mut values = Vec::new();
        loop {
            let rest = &text[start + stream.byte_offset()..start + len];
            let Some(skip) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
                return LineValues::Read(values, None);
            };
            let at = stream.byte_offset() + skip;
            match stream.next() {
                Some(Ok(raw)) if stream.byte_offset() <= len => values.push(raw),
                Some(Ok(_)) => return LineValues::Spans,
                _ => return LineValues::Read(values, Some(at)),
            }
        }
    }

    /// Top-level values in one pass: each is read as a [`Top`] (a response
    /// or build probed, or an array delimited) straight from the text. At
    /// the first value that does not read, the rest of the file goes through
    /// [`Decoder::stream_from`], which delimits each value first and so
    /// locates every error exactly as before.
    fn stream(&mut self, deferred: bool) -> Result<(), LoadError> {
        let text = self.text;
        if self.direct(text) {
            return Ok(());
        }
        if deferred {
            self.check_nesting()?;
        }
        let mut values = serde_json::Deserializer::from_slice(text).into_iter::<Top<'a>>();
        let mut index = 0;
        loop {
            let start = values.byte_offset();
            match values.next() {
                None => return Ok(()),
                Some(Ok(top)) => {
                    let end = values.byte_offset();
                    let Some(raw) = value_text(text, start, end) else {
                        return self.stream_from(start, index);
                    };
                    let prefix = value_prefix(index);
                    self.top(top, raw, &prefix)?;
                }
                Some(Err(_)) => return self.stream_from(start, index),
            }
            index += 1;
        }
    }

    /// The values from byte `start` on (the `index`-th value of the file
    /// and later), each delimited as a `RawValue` before it is read.
    fn stream_from(&mut self, start: usize, index: usize) -> Result<(), LoadError> {
        let text = self.text;
        let base = self.position(start);
        let mut values =
            serde_json::Deserializer::from_slice(&text[start..]).into_iter::<&RawValue>();
        let mut i = 0;
        while let Some(value) = values.next() {
            match value {
                Ok(raw) => self.value(raw, &value_prefix(index + i))?,
                Err(e) => {
                    // With keep_going the builds before the error are still
                    // records (without, the syntax error is the result).
                    if self.opts.keep_going {
                        let at = start + values.byte_offset();
                        self.salvage(at..text.len(), &value_prefix(index + i))?;
                    }
                    return Err(LoadError {
                        file: self.path.to_path_buf(),
                        position: Some(base.offset_by(Position {
                            line: e.line(),
                            column: e.column(),
                        })),
                        field: None,
                        message: strip_position(&e),
                        kind: ErrorKind::Syntax,
                    });
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// The complete records of a value that breaks off (a file cut short,
    /// or garbage part-way): the builds of a response, or the items of an
    /// array, that come before the error are read as usual; the rest of
    /// the file is the caller's error.
    fn salvage(&mut self, range: std::ops::Range<usize>, prefix: &str) -> Result<(), LoadError> {
        let text = self.text;
        let mut de = serde_json::Deserializer::from_slice(&text[range]);
        let mut seed = Salvage {
            dec: self,
            prefix,
            err: None,
        };
        let _ = serde::de::DeserializeSeed::deserialize(&mut seed, &mut de);
        match seed.err {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// A top-level value read in the fast path; `raw` is its text.
    fn top(&mut self, top: Top<'a>, raw: &'a str, prefix: &str) -> Result<(), LoadError> {
        match top {
            Top::Object(probe) => self.probed(probe, raw, prefix),
            Top::Array(items) => {
                for (i, item) in items.into_iter().enumerate() {
                    self.object(item, &format!("{prefix}[{i}]"))?;
                }
                Ok(())
            }
        }
    }

    /// A top-level value: an object (response or build) or an array of them.
    fn value(&mut self, raw: &'a RawValue, prefix: &str) -> Result<(), LoadError> {
        if raw.get().starts_with('[') {
            let items: Vec<&RawValue> = match serde_json::from_str(raw.get()) {
                Ok(items) => items,
                Err(_) => {
                    let err = self.locate::<Vec<IgnoredAny>>(raw.get(), prefix);
                    return self.reject(err);
                }
            };
            for (i, item) in items.into_iter().enumerate() {
                self.object(item, &format!("{prefix}[{i}]"))?;
            }
            Ok(())
        } else {
            self.object(raw, prefix)
        }
    }

    fn object(&mut self, raw: &'a RawValue, prefix: &str) -> Result<(), LoadError> {
        let raw = raw.get();
        let probe: Probe<'a> = match serde_json::from_str(raw) {
            Ok(p) => p,
            Err(_) => {
                let err = if raw.starts_with('{') {
                    self.locate::<OwnedProbe>(raw, prefix)
                } else {
                    self.error_at(
                        self.offset_of(raw),
                        prefix,
                        ErrorKind::NotARecord,
                        format!(
                            "expected a batch_get_builds response or a build object, found {}",
                            describe(raw)
                        ),
                    )
                };
                return self.reject(err);
            }
        };
        self.probed(probe, raw, prefix)
    }

    /// An object, probed: a response (its builds), a build, or neither.
    fn probed(&mut self, probe: Probe<'a>, raw: &'a str, prefix: &str) -> Result<(), LoadError> {
        if probe.builds.is_some() || probe.builds_not_found.is_some() {
            self.stats.responses += 1;
            if let Some(ids) = probe.builds_not_found {
                self.not_found(ids, &join(prefix, "buildsNotFound"))?;
            }
            let builds_prefix = join(prefix, "builds");
            for (i, b) in probe.builds.unwrap_or_default().into_iter().enumerate() {
                self.build(b.get(), &format!("{builds_prefix}[{i}]"))?;
            }
            Ok(())
        } else if probe.id.is_some() || probe.arn.is_some() {
            self.build(raw, prefix)
        } else {
            let err = self.error_at(
                self.offset_of(raw),
                prefix,
                ErrorKind::NotARecord,
                "object is neither a batch_get_builds response (no `builds` or `buildsNotFound`) nor a build (no `id` or `arn`)".into(),
            );
            self.reject(err)
        }
    }

    /// A response's `buildsNotFound` (`field`): its ids; an item that is
    /// not a string, or a value that is not a list, is a bad record of its
    /// own (the response's builds still load).
    fn not_found(&mut self, ids: &'a RawValue, field: &str) -> Result<(), LoadError> {
        let items: Vec<&RawValue> = match serde_json::from_str::<Option<Vec<&RawValue>>>(ids.get())
        {
            Ok(items) => items.unwrap_or_default(),
            Err(_) => {
                let err = self.locate::<Option<Vec<String>>>(ids.get(), field);
                return self.reject(err);
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            match serde_json::from_str::<String>(item.get()) {
                Ok(id) => self.stats.not_found.push(id),
                Err(_) => {
                    let err = self.locate::<String>(item.get(), &format!("{field}[{i}]"));
                    self.reject(err)?;
                }
            }
        }
        Ok(())
    }

    /// A build record (`field`): handed to the sink, or located and
    /// rejected. An object with neither `id` nor `arn` is not taken for a
    /// build: nothing could tell it from others (boto3 always returns
    /// both), and it is most likely something else, such as a response
    /// nested in `builds`.
    fn build(&mut self, raw: &'a str, field: &str) -> Result<(), LoadError> {
        let offset = self.offset_of(raw);
        let len = raw.len() as u64;
        if len > self.opts.max_record_bytes {
            let err = self.error_at(
                offset,
                field,
                ErrorKind::RecordTooLarge,
                format!(
                    "record is {len} bytes, over the limit of {} (LoadOptions::max_record_bytes)",
                    self.opts.max_record_bytes
                ),
            );
            return self.reject(err);
        }
        if self.sink.record(raw) {
            self.stats.records_read += 1;
            return Ok(());
        }
        let err = match serde_json::from_str::<Names>(raw) {
            Ok(n) if n.id.is_none() && n.arn.is_none() => self.error_at(
                offset,
                field,
                ErrorKind::NotARecord,
                if n.builds.is_some() {
                    "a response inside a response's `builds`, not a build (no `id` or `arn`)"
                } else {
                    "not a build: it has no `id` or `arn`"
                }
                .to_owned(),
            ),
            _ => self.locate::<Build>(raw, field),
        };
        self.reject(err)
    }
}

/// A top-level value read as far as it goes, for [`Decoder::salvage`]: a
/// response's `builds` and an array's items are handed to the decoder one
/// by one as they are delimited, so the ones before an error are kept.
struct Salvage<'d, 'a, 's, 'p> {
    dec: &'d mut Decoder<'a, 's>,
    prefix: &'p str,
    /// The decoder's own error (a bad record without `keep_going`).
    err: Option<LoadError>,
}

impl Salvage<'_, '_, '_, '_> {
    /// Stops the parse with the decoder's error, kept for the caller.
    fn fail<E: serde::de::Error>(&mut self, err: LoadError) -> E {
        self.err = Some(err);
        E::custom("stopped")
    }
}

impl<'de: 'a, 'a> serde::de::DeserializeSeed<'de> for &mut Salvage<'_, 'a, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de: 'a, 'a> serde::de::Visitor<'de> for &mut Salvage<'_, 'a, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a response or an array")
    }

    fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key != "builds" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.dec.stats.responses += 1;
            let prefix = join(self.prefix, "builds");
            map.next_value_seed(Items {
                salvage: &mut *self,
                prefix: &prefix,
                builds: true,
            })?;
        }
        Ok(())
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, seq: S) -> Result<(), S::Error> {
        let prefix = self.prefix;
        Items {
            salvage: self,
            prefix,
            builds: false,
        }
        .visit_seq(seq)
    }
}

/// The items of an array being salvaged: builds (a response's `builds`),
/// or top-level objects (responses or builds).
struct Items<'s, 'd, 'a, 'x, 'p> {
    salvage: &'s mut Salvage<'d, 'a, 'x, 'p>,
    prefix: &'s str,
    builds: bool,
}

impl<'de: 'a, 'a> serde::de::DeserializeSeed<'de> for Items<'_, '_, 'a, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> serde::de::Visitor<'de> for Items<'_, '_, 'a, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        let mut i = 0;
        while let Some(raw) = seq.next_element::<&'a RawValue>()? {
            let field = format!("{}[{i}]", self.prefix);
            let read = if self.builds {
                self.salvage.dec.build(raw.get(), &field)
            } else {
                self.salvage.dec.object(raw, &field)
            };
            if let Err(err) = read {
                return Err(self.salvage.fail(err));
            }
            i += 1;
        }
        Ok(())
    }
}

/// What a JSON Lines line that does not read as one value holds.
enum LineValues<'a> {
    /// A value starting on it goes on past its end.
    Spans,
    /// The values it holds, and where (from its start) the one that breaks
    /// off begins, if one does.
    Read(Vec<&'a RawValue>, Option<usize>),
}

/// [`Probe`] without borrowing, for locating its errors.
#[derive(Deserialize)]
#[allow(dead_code)] // only decoded to find where decoding fails
struct OwnedProbe {
    builds: Option<Vec<IgnoredAny>>,
    #[serde(rename = "buildsNotFound")]
    builds_not_found: Option<IgnoredAny>,
}

fn describe(json: &str) -> &'static str {
    match json.as_bytes().first() {
        Some(b'"') => "a string",
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain byte-at-a-time scanner `check_nesting` must agree with.
    fn nesting_reference(text: &[u8], max: usize) -> Result<(), usize> {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        for (i, &b) in text.iter().enumerate() {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > max {
                        return Err(i);
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        Ok(())
    }

    /// Lines split byte by byte, as `is_json_lines` did before memchr.
    fn json_lines_reference(text: &[u8]) -> bool {
        let mut lines = text
            .split(|&b| b == b'\n')
            .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
        match (lines.next(), lines.next()) {
            (Some(first), Some(second)) => {
                serde_json::from_slice::<IgnoredAny>(first).is_ok()
                    || serde_json::from_slice::<IgnoredAny>(second).is_ok()
            }
            _ => false,
        }
    }

    proptest! {
        #[test]
        fn nesting_check_agrees_with_the_reference(
            text in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'['), Just(b']'), Just(b'{'),
                            Just(b'}'), Just(b'a'), Just(b'\n'), Just(b' ')],
                0..200,
            ),
            max in 0usize..6,
        ) {
            prop_assert_eq!(check_nesting(&text, max), nesting_reference(&text, max));
        }

        #[test]
        fn json_lines_detection_agrees_with_the_reference(
            text in proptest::collection::vec(
                prop_oneof![Just(b'{'), Just(b'}'), Just(b'1'), Just(b'\n'), Just(b' '), Just(b'"')],
                0..60,
            ),
        ) {
            prop_assert_eq!(is_json_lines(&text), json_lines_reference(&text));
        }
    }

    #[test]
    fn nesting_edge_cases() {
        assert_eq!(check_nesting(br#"[[["]]]]]"]]]"#, 3), Ok(()));
        assert_eq!(check_nesting(br#"[[["\"[[["]]]"#, 3), Ok(()));
        assert_eq!(check_nesting(br#"["\\"[[[]]]]"#, 3), Err(7));
        assert_eq!(check_nesting(b"\"abc\\", 1), Ok(()));
        assert_eq!(check_nesting(b"[[", 1), Err(1));
    }
}
