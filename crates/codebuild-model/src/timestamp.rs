//! The one timestamp type, reading every form saved dumps contain.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// A point in time, normalized to UTC with microsecond precision.
///
/// # Reading
/// Every form found in saved `batch_get_builds` dumps:
/// - **epoch seconds** as a JSON integer (`1479832474`) or decimal number
///   (`1479832474.764`), the API wire form and the `aws` CLI v1 default.
///   Decimal numbers are rounded to the nearest microsecond from the
///   shortest decimal that reads back as the same `f64`, which recovers the
///   written decimal exactly (`1479832474.764` is `.764000`, never
///   `.763999`) whenever an `f64` can tell it from its neighbours: up to 4
///   fraction digits for every date this type can hold, 6 digits (whole
///   microseconds) for dates between 1697 and 2242 (|seconds| < 2^33).
/// - **ISO 8601 / RFC 3339 strings**: a date, `T`, `t` or a space, a time
///   with seconds, 0 to 9 fraction digits, then `Z`/`z` or a `+HH:MM` /
///   `-HH:MM` offset. This covers Python's `str(datetime)`
///   (`2024-05-01 18:22:29+05:30`, what `json.dump(..., default=str)`
///   writes), `datetime.isoformat()` (`2024-05-01T12:34:56.789000+00:00`)
///   and the `aws` CLI v2 (`2024-05-01T12:34:56.789000+00:00`). Fraction
///   digits past the sixth are truncated.
///
/// A string without an offset (a naive local time) is rejected: its instant
/// is unknown. So is any instant outside the years 0000 to 9999 in UTC (e.g.
/// `9999-12-31T23:59:59-01:00` or epoch seconds before year 0), which the
/// canonical form cannot write.
///
/// # Writing
/// One canonical form: RFC 3339 in UTC with exactly six fraction digits and
/// `Z`, e.g. `2016-11-22T16:34:34.764000Z`. Reading that form back gives an
/// equal value. Inside a [`TimestampFormat::scope`], `Serialize` writes the
/// epoch-number or Python form instead (for writers of synthetic dumps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

/// Why a timestamp could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampError {
    text: String,
    reason: String,
}

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid timestamp {}: {}", self.text, self.reason)
    }
}

impl std::error::Error for TimestampError {}

const DATE_TIME: &[BorrowedFormatItem<'_>] = format_description!(
    version = 2,
    "[year]-[month]-[day][first [T][t][ ]][hour]:[minute]:[second][optional [.[subsecond digits:1+]]]"
);
const OFFSET: &[BorrowedFormatItem<'_>] =
    format_description!(version = 2, "[offset_hour sign:mandatory]:[offset_minute]");

const CANONICAL: &[BorrowedFormatItem<'_>] = format_description!(
    version = 2,
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
);

impl Timestamp {
    /// The Unix epoch, `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: Timestamp = Timestamp(OffsetDateTime::UNIX_EPOCH);

    /// Normalizes any `OffsetDateTime` to UTC, truncated to microseconds.
    ///
    /// # Panics
    /// If the instant is outside the years 0000 to 9999 in UTC (see [`Timestamp::try_new`]).
    pub fn new(t: OffsetDateTime) -> Self {
        Self::try_new(t).expect("a timestamp between the years 0000 and 9999 in UTC")
    }

    /// Normalizes `t` to UTC, truncated to microseconds; `None` when the
    /// instant is outside the years 0000 to 9999 in UTC, which the canonical
    /// form (four year digits) cannot write.
    pub fn try_new(t: OffsetDateTime) -> Option<Self> {
        let t = t.checked_to_offset(UtcOffset::UTC)?;
        if !(0..=9999).contains(&t.year()) {
            return None;
        }
        let micros = t.microsecond();
        Some(Timestamp(
            t.replace_nanosecond(micros * 1_000)
                .expect("micros * 1000 < 1e9"),
        ))
    }

    /// The instant as a UTC `OffsetDateTime`.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Microseconds since the Unix epoch (negative before 1970).
    pub fn unix_micros(&self) -> i64 {
        // Fits: |year| <= 9999 gives at most ~2.5e17 microseconds. Whole
        // seconds (floored) plus the non-negative microsecond of the second:
        // no i128 division (this runs for every timestamp of a load).
        self.0.unix_timestamp() * 1_000_000 + i64::from(self.0.microsecond())
    }

    /// The timestamp `micros` microseconds after the Unix epoch, if it falls
    /// in the years 0000 to 9999.
    pub fn from_unix_micros(micros: i64) -> Option<Self> {
        let secs = micros.div_euclid(1_000_000);
        let sub = micros.rem_euclid(1_000_000) as u32;
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()?
            .replace_microsecond(sub)
            .ok()
            .and_then(Self::try_new)
    }

    /// Seconds since the Unix epoch, with the fraction.
    pub fn unix_seconds_f64(&self) -> f64 {
        self.unix_micros() as f64 / 1e6
    }

    /// Every epoch second below this magnitude (1901 to 2038) is a date the
    /// type holds, so the `*_micros` readers need not build the date.
    const PLAIN_EPOCH: f64 = 2_147_483_648.0;

    /// The Unix microseconds of [`Timestamp::from_epoch_f64`]`(secs)`, the
    /// same value and the same errors; for dates from 1901 to 2038 without
    /// building the date (a columnar reader needs only the number).
    pub fn epoch_f64_micros(secs: f64) -> Result<i64, TimestampError> {
        if secs.abs() < Self::PLAIN_EPOCH {
            // `from_epoch_f64`'s fast path; `from_unix_micros` and
            // `unix_micros` are inverse in this range.
            return Ok((secs * 1e6).round() as i64);
        }
        Self::from_epoch_f64(secs).map(|t| t.unix_micros())
    }

    /// The Unix microseconds of [`Timestamp::from_epoch_i64`]`(secs)`, the
    /// same value and the same errors; for dates from 1901 to 2038 without
    /// building the date.
    pub fn epoch_i64_micros(secs: i64) -> Result<i64, TimestampError> {
        if (secs as f64).abs() < Self::PLAIN_EPOCH {
            return Ok(secs * 1_000_000);
        }
        Self::from_epoch_i64(secs).map(|t| t.unix_micros())
    }

    /// Reads epoch seconds given as a JSON decimal number (rounded to the microsecond).
    pub fn from_epoch_f64(secs: f64) -> Result<Self, TimestampError> {
        let err = |reason: &str| TimestampError {
            text: secs.to_string(),
            reason: reason.to_owned(),
        };
        if !secs.is_finite() {
            return Err(err("not a finite number"));
        }
        // Larger magnitudes cannot be a date this type holds (and would not fit an i64).
        if secs.abs() > 1e12 {
            return Err(err("epoch seconds out of range"));
        }
        // Fast path, every date before 2038: the f64 of a decimal with at most
        // 6 fraction digits is within 0.24 us of it and the product adds at
        // most 0.125 us, so rounding the product gives the written
        // microsecond exactly, without formatting.
        if secs.abs() < 2_147_483_648.0 {
            return Self::from_unix_micros((secs * 1e6).round() as i64)
                .ok_or_else(|| err("epoch seconds out of range"));
        }
        // Round the decimal that was written, not the binary value: `{}` gives
        // the shortest decimal that reads back as `secs`, which is the written
        // text whenever that has at most 15 significant digits. (`secs * 1e6`
        // is off by whole microseconds for far dates: 8618110107.8 would
        // read as .799999.)
        let text = format!("{}", secs.abs());
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
        let whole: i64 = whole.parse().map_err(|_| err("not a decimal number"))?;
        let mut digits = fraction
            .bytes()
            .map(|b| i64::from(b - b'0'))
            .chain(std::iter::repeat(0));
        let mut micros = whole * 1_000_000;
        for scale in [100_000, 10_000, 1_000, 100, 10, 1] {
            micros += scale * digits.next().unwrap_or(0);
        }
        if digits.next().unwrap_or(0) >= 5 {
            micros += 1;
        }
        if secs < 0.0 {
            micros = -micros;
        }
        Self::from_unix_micros(micros).ok_or_else(|| err("epoch seconds out of range"))
    }

    /// Reads whole epoch seconds given as a JSON integer.
    pub fn from_epoch_i64(secs: i64) -> Result<Self, TimestampError> {
        OffsetDateTime::from_unix_timestamp(secs)
            .ok()
            .and_then(Self::try_new)
            .ok_or_else(|| TimestampError {
                text: secs.to_string(),
                reason: "epoch seconds out of range".to_owned(),
            })
    }

    /// Reads an ISO 8601 / RFC 3339 string with an offset (see the type docs).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let s = text.trim();
        if let Some(t) = Self::parse_fixed(s) {
            return Ok(t);
        }
        Self::parse_general(text, s)
    }

    /// The common shapes read directly, without the `time` crate's
    /// format-description parser (which took ~9% of a load of ISO-dated
    /// dumps): `YYYY-MM-DD[T t ]HH:MM:SS[.f{1,9}]` then `Z`, `z` or
    /// `+HH:MM`/`-HH:MM`, ASCII digits only. `None` for anything else, or
    /// any value `time` would refuse: [`Timestamp::parse_general`] then
    /// reads it (and words the error). A test checks that both agree.
    fn parse_fixed(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let digits = |from: usize, n: usize| -> Option<u32> {
            b.get(from..from + n)?.iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
        let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
        let mut at = 19;
        let mut nanos = 0u32;
        if b[at] == b'.' {
            let n = b[at + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if n == 0 || n > 9 {
                return None;
            }
            nanos = digits(at + 1, n)? * 10u32.pow(9 - n as u32);
            at += 1 + n;
        }
        let offset = match &b[at..] {
            [b'Z' | b'z'] => UtcOffset::UTC,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (h, m) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
                if h > 23 || m > 59 {
                    return None;
                }
                let seconds = (h * 3600 + m * 60) as i32;
                UtcOffset::from_whole_seconds(if *sign == b'-' { -seconds } else { seconds })
                    .ok()?
            }
            _ => return None,
        };
        let date = time::Date::from_calendar_date(
            year as i32,
            time::Month::try_from(month as u8).ok()?,
            day as u8,
        )
        .ok()?;
        let clock =
            time::Time::from_hms_nano(hour as u8, minute as u8, second as u8, nanos).ok()?;
        Self::try_new(PrimitiveDateTime::new(date, clock).assume_offset(offset))
    }

    /// Every form [`Timestamp::parse`] reads, with its errors.
    fn parse_general(text: &str, s: &str) -> Result<Self, TimestampError> {
        let err = |reason: &str| TimestampError {
            text: format!("{text:?}"),
            reason: reason.to_owned(),
        };
        let looks_like_date = s.len() >= 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
        if !looks_like_date {
            return Err(err(
                "expected an ISO 8601 date-time with an offset, like `2024-05-01T12:34:56Z` or `2024-05-01 18:04:56+05:30`",
            ));
        }
        let (date_time, offset) = if let Some(rest) = s.strip_suffix(['Z', 'z']) {
            (rest, UtcOffset::UTC)
        } else if s.len() > 6 && s.is_char_boundary(s.len() - 6) {
            let (dt, off) = s.split_at(s.len() - 6);
            if !off.starts_with(['+', '-']) {
                return Err(err(
                    "expected an offset (`Z`, `+HH:MM` or `-HH:MM`) at the end",
                ));
            }
            let offset = UtcOffset::parse(off, OFFSET)
                .map_err(|_| err("the offset must be `Z`, `+HH:MM` or `-HH:MM`"))?;
            (dt, offset)
        } else {
            return Err(err(
                "expected `YYYY-MM-DD HH:MM:SS[.fraction]` with an offset",
            ));
        };
        let fraction_digits = date_time.rsplit_once('.').map_or(0, |(_, f)| f.len());
        if fraction_digits > 9 {
            return Err(err("more than 9 fraction digits"));
        }
        let local = PrimitiveDateTime::parse(date_time, DATE_TIME).map_err(|e| TimestampError {
            text: format!("{text:?}"),
            reason: match e {
                time::error::Parse::ParseFromDescription(
                    time::error::ParseFromDescription::InvalidComponent(c),
                ) => format!("invalid {c}"),
                time::error::Parse::TryFromParsed(e) => e.to_string(),
                _ => "expected `YYYY-MM-DD[T ]HH:MM:SS[.fraction]` followed by `Z` or an offset"
                    .to_owned(),
            },
        })?;
        Self::try_new(local.assume_offset(offset))
            .ok_or_else(|| err("outside the years 0000 to 9999 in UTC"))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Self::new(t)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Timestamp {
    /// The canonical form: `2016-11-22T16:34:34.764000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(CANONICAL) {
            Ok(s) => f.write_str(&s),
            Err(_) => Err(fmt::Error),
        }
    }
}

/// How `Serialize` writes a [`Timestamp`]: the canonical form by default,
/// or, inside [`TimestampFormat::scope`], one of the forms saved dumps
/// contain, so a writer of synthetic dumps can produce each of them from the
/// model's types.
///
/// Every form reads back (with [`Timestamp::parse`] or as a JSON number) as
/// an equal `Timestamp`, except an epoch number with a non-zero microsecond
/// far from today (see [`TimestampFormat::EpochSeconds`]).
///
/// ```
/// use codebuild_model::{Timestamp, TimestampFormat};
/// use time::UtcOffset;
///
/// let t = Timestamp::parse("2016-11-22T16:34:34.764Z")?;
/// assert_eq!(serde_json::to_string(&t).unwrap(), r#""2016-11-22T16:34:34.764000Z""#);
/// let ist = UtcOffset::from_hms(5, 30, 0).unwrap();
/// let json = TimestampFormat::PythonStr(ist).scope(|| serde_json::to_string(&t).unwrap());
/// assert_eq!(json, r#""2016-11-22 22:04:34.764000+05:30""#);
/// let json = TimestampFormat::EpochSeconds.scope(|| serde_json::to_string(&[t]).unwrap());
/// assert_eq!(json, "[1479832474.764]");
/// assert_eq!(t.format(TimestampFormat::PythonIsoformat(UtcOffset::UTC)), "2016-11-22T16:34:34.764000+00:00");
/// # Ok::<(), codebuild_model::TimestampError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    /// RFC 3339 in UTC with six fraction digits and `Z`:
    /// `"2016-11-22T16:34:34.764000Z"` (what `Display` writes).
    #[default]
    Canonical,
    /// Epoch seconds as a JSON number, the API wire form: an integer when
    /// the fraction is zero (`1479832474`), else the shortest decimal that
    /// reads back as the same `f64` (`1479832474.764`; for whole
    /// milliseconds that is the 3-digit decimal itself). It reads back
    /// exactly for whole milliseconds at any date and for any microsecond
    /// between the years 1697 and 2242 (see the type's reading rules).
    EpochSeconds,
    /// Python `str(datetime)` in the zone `offset` (what
    /// `json.dump(resp, default=str)` writes): `"2016-11-22 22:04:34.764000+05:30"`,
    /// no fraction when the microsecond is 0, `+00:00` for UTC.
    PythonStr(UtcOffset),
    /// Python `datetime.isoformat()` in the zone `offset` (also what the
    /// `aws` CLI v2 prints): `"2016-11-22T22:04:34.764000+05:30"`, no
    /// fraction when the microsecond is 0.
    PythonIsoformat(UtcOffset),
}

thread_local! {
    static FORMAT: Cell<TimestampFormat> = const { Cell::new(TimestampFormat::Canonical) };
}

impl TimestampFormat {
    /// Runs `f` with every `Timestamp` serialized on this thread written in
    /// this format, and restores the format in force before (also when `f`
    /// panics). Only this thread is affected: serialization that `f` hands
    /// to other threads writes their own format (canonical by default).
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        struct Restore(TimestampFormat);
        impl Drop for Restore {
            fn drop(&mut self) {
                FORMAT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(FORMAT.with(|c| c.replace(self)));
        f()
    }

    /// The format `Serialize` writes timestamps in on this thread now.
    pub fn current() -> Self {
        FORMAT.with(Cell::get)
    }
}

/// Room for the longest Python form: `9999-12-31 23:59:59.999999+23:59:59`.
const TEXT_CAP: usize = 40;

impl Timestamp {
    /// The text of this timestamp in `format`, as `Serialize` writes it but
    /// without JSON quotes (for [`TimestampFormat::EpochSeconds`], the number).
    pub fn format(&self, format: TimestampFormat) -> String {
        match format {
            TimestampFormat::Canonical => self.to_string(),
            TimestampFormat::EpochSeconds => match self.epoch_seconds() {
                Ok(secs) => secs.to_string(),
                Err(secs) => secs.to_string(),
            },
            TimestampFormat::PythonStr(offset) | TimestampFormat::PythonIsoformat(offset) => {
                let sep = if matches!(format, TimestampFormat::PythonStr(_)) {
                    b' '
                } else {
                    b'T'
                };
                let mut buf = [0u8; TEXT_CAP];
                let n = self.python_text(offset, sep, &mut buf);
                String::from_utf8_lossy(&buf[..n]).into_owned()
            }
        }
    }

    /// Whole epoch seconds (`Ok`) when the fraction is zero, else the
    /// seconds as an `f64` (`Err`).
    fn epoch_seconds(&self) -> Result<i64, f64> {
        let micros = self.unix_micros();
        if micros.rem_euclid(1_000_000) == 0 {
            Ok(micros.div_euclid(1_000_000))
        } else {
            // Correctly rounded (|micros| < 2^53): for whole milliseconds this
            // is the f64 of the 3-decimal value, whose shortest text it is.
            Err(micros as f64 / 1e6)
        }
    }

    /// Writes Python's `datetime` text (`sep` is `b' '` for `str`, `b'T'` for
    /// `isoformat`) in the zone `offset` into `buf`; returns its length. A
    /// local time outside the years 0000 to 9999 (which Python cannot hold)
    /// is written in UTC instead.
    fn python_text(&self, offset: UtcOffset, sep: u8, buf: &mut [u8; TEXT_CAP]) -> usize {
        let (local, offset) = match self.0.checked_to_offset(offset) {
            Some(t) if (0..=9999).contains(&t.year()) => (t, offset),
            _ => (self.0, UtcOffset::UTC),
        };
        let mut w = TextBuf { buf, len: 0 };
        w.digits(local.year() as u32, 4);
        w.push(b'-');
        w.digits(u32::from(u8::from(local.month())), 2);
        w.push(b'-');
        w.digits(u32::from(local.day()), 2);
        w.push(sep);
        w.digits(u32::from(local.hour()), 2);
        w.push(b':');
        w.digits(u32::from(local.minute()), 2);
        w.push(b':');
        w.digits(u32::from(local.second()), 2);
        let micros = local.microsecond();
        if micros != 0 {
            w.push(b'.');
            w.digits(micros, 6);
        }
        let total = offset.whole_seconds();
        w.push(if total < 0 { b'-' } else { b'+' });
        let abs = total.unsigned_abs();
        w.digits(abs / 3600, 2);
        w.push(b':');
        w.digits(abs % 3600 / 60, 2);
        // Python writes the seconds of an offset only when there are some.
        if abs % 60 != 0 {
            w.push(b':');
            w.digits(abs % 60, 2);
        }
        w.len
    }
}

/// ASCII text written into a fixed buffer (no allocation per timestamp).
struct TextBuf<'a> {
    buf: &'a mut [u8; TEXT_CAP],
    len: usize,
}

impl TextBuf<'_> {
    fn push(&mut self, c: u8) {
        self.buf[self.len] = c;
        self.len += 1;
    }

    /// `value` in exactly `width` decimal digits (leading zeros).
    fn digits(&mut self, value: u32, width: usize) {
        let mut v = value;
        for i in (0..width).rev() {
            self.buf[self.len + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
        self.len += width;
    }
}

impl Serialize for Timestamp {
    /// In [`TimestampFormat::current`]: canonical unless inside a
    /// [`TimestampFormat::scope`].
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match TimestampFormat::current() {
            TimestampFormat::Canonical => serializer.collect_str(self),
            TimestampFormat::EpochSeconds => match self.epoch_seconds() {
                Ok(secs) => serializer.serialize_i64(secs),
                Err(secs) => serializer.serialize_f64(secs),
            },
            format @ (TimestampFormat::PythonStr(offset)
            | TimestampFormat::PythonIsoformat(offset)) => {
                let sep = if matches!(format, TimestampFormat::PythonStr(_)) {
                    b' '
                } else {
                    b'T'
                };
                let mut buf = [0u8; TEXT_CAP];
                let n = self.python_text(offset, sep, &mut buf);
                // ASCII digits and separators only.
                serializer.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
            }
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp: epoch seconds or an ISO 8601 string with an offset")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Timestamp::from_epoch_i64(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Timestamp, E> {
                i64::try_from(v)
                    .map_err(|_| {
                        E::custom(TimestampError {
                            text: v.to_string(),
                            reason: "epoch seconds out of range".to_owned(),
                        })
                    })
                    .and_then(|v| self.visit_i64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Timestamp, E> {
                Timestamp::from_epoch_f64(v).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Timestamp")
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A point in time: epoch seconds (integer or decimal number, the API wire form) or an ISO 8601 / RFC 3339 string with `T` or a space, 0-9 fraction digits and `Z` or a `+HH:MM`/`-HH:MM` offset (Python `str(datetime)` and `isoformat()`).",
            "anyOf": [
                { "type": "number" },
                {
                    "type": "string",
                    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The fixed-shape reader agrees with the general one: whatever it
        /// reads, the general parser reads to the same instant.
        #[test]
        fn the_fixed_shape_reader_agrees_with_the_general_one(
            s in "[0-9]{4}-[01][0-9]-[0-3][0-9][Tt ][0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]{0,10})?(Z|z|[+-][0-2][0-9]:[0-6][0-9]|[+-][0-9]{2}[0-9]{2})?",
        ) {
            if let Some(fast) = super::Timestamp::parse_fixed(&s) {
                prop_assert_eq!(super::Timestamp::parse_general(&s, &s), Ok(fast), "{}", s);
            }
        }

        /// And it reads every instant in the model's range as the general
        /// reader does, in each of the shapes dumps use.
        #[test]
        fn the_fixed_shape_reader_reads_the_usual_forms(
            micros in -62_167_219_200_000_000i64..253_402_300_799_999_999,
            offset_minutes in -(23 * 60 + 59)..(23 * 60 + 59i32),
            form in 0..4u8,
        ) {
            let t = super::Timestamp::from_unix_micros(micros).unwrap();
            let offset = time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap();
            let local = t.as_offset_date_time().to_offset(offset);
            let text = match form {
                0 => t.to_string(),
                1 => format!("{} {}{}", local.date(), local.time(), offset_text(offset)),
                2 => format!("{}T{}{}", local.date(), local.time(), offset_text(offset)),
                _ => format!("{}T{}Z", t.as_offset_date_time().date(), t.as_offset_date_time().time()),
            };
            let general = super::Timestamp::parse_general(&text, &text);
            let fixed = super::Timestamp::parse_fixed(&text);
            if let Ok(g) = general {
                // The year may fall outside 0000-9999 in the local time.
                if (0..=9999).contains(&local.year()) {
                    prop_assert_eq!(fixed, Some(g), "{}", text);
                }
            } else {
                prop_assert_eq!(fixed, None, "{}", text);
            }
        }
    }

    proptest! {
        /// The `*_micros` readers give what the `Timestamp` readers give,
        /// values and errors, around the fast path's bounds and far away.
        #[test]
        fn epoch_micros_are_the_timestamps_micros(
            secs in prop_oneof![
                -3e9f64..3e9,
                -2_147_483_649.0f64..-2_147_483_647.0,
                2_147_483_647.0f64..2_147_483_649.0,
                -1e13f64..1e13,
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(-0.0f64),
            ],
            int in prop_oneof![
                -3_000_000_000i64..3_000_000_000,
                -2_147_483_650i64..-2_147_483_640,
                2_147_483_640i64..2_147_483_650,
                -300_000_000_000i64..300_000_000_000,
                Just(i64::MIN),
                Just(i64::MAX),
            ],
        ) {
            let via_f64 = super::Timestamp::from_epoch_f64(secs).map(|t| t.unix_micros());
            prop_assert_eq!(super::Timestamp::epoch_f64_micros(secs), via_f64);
            let via_i64 = super::Timestamp::from_epoch_i64(int).map(|t| t.unix_micros());
            prop_assert_eq!(super::Timestamp::epoch_i64_micros(int), via_i64);
        }
    }

    fn offset_text(o: time::UtcOffset) -> String {
        let (h, m, _) = o.as_hms();
        let sign = if o.is_negative() { '-' } else { '+' };
        format!("{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
    }

    use super::*;

    fn canon(s: &str) -> String {
        Timestamp::parse(s).unwrap().to_string()
    }

    #[test]
    fn reads_every_string_form() {
        let cases = [
            (
                "2024-05-01T12:34:56.789000+00:00",
                "2024-05-01T12:34:56.789000Z",
            ),
            (
                "2024-05-01 12:34:56.789000+00:00",
                "2024-05-01T12:34:56.789000Z",
            ),
            ("2024-05-01 18:22:29+05:30", "2024-05-01T12:52:29.000000Z"),
            ("2024-05-01T12:34:56-02:30", "2024-05-01T15:04:56.000000Z"),
            ("2024-05-01t12:34:56z", "2024-05-01T12:34:56.000000Z"),
            ("2024-05-01T12:34:56Z", "2024-05-01T12:34:56.000000Z"),
            ("2024-05-01T12:34:56.7Z", "2024-05-01T12:34:56.700000Z"),
            (
                "2024-05-01T12:34:56.123456789Z",
                "2024-05-01T12:34:56.123456Z",
            ),
            (
                "2024-05-01T23:59:59.999999-00:30",
                "2024-05-02T00:29:59.999999Z",
            ),
            ("2024-12-31 23:30:00+05:30", "2024-12-31T18:00:00.000000Z"),
            ("2024-01-01 03:00:00+05:30", "2023-12-31T21:30:00.000000Z"),
        ];
        for (input, want) in cases {
            assert_eq!(canon(input), want, "input {input}");
        }
    }

    #[test]
    fn reads_epoch_numbers_exactly() {
        let t: Timestamp = serde_json::from_str("1479832474.764").unwrap();
        assert_eq!(t.to_string(), "2016-11-22T16:34:34.764000Z");
        assert_eq!(t.unix_micros(), 1_479_832_474_764_000);
        let t: Timestamp = serde_json::from_str("1479832474").unwrap();
        assert_eq!(t.unix_micros(), 1_479_832_474_000_000);
        let t: Timestamp = serde_json::from_str("1479401214.239").unwrap();
        assert_eq!(t.unix_micros(), 1_479_401_214_239_000);
        let t: Timestamp = serde_json::from_str("-1.5").unwrap();
        assert_eq!(t.unix_micros(), -1_500_000);
    }

    /// Found by the `every_timestamp_form_reads_the_instant_written`
    /// property: `secs * 1e6` rounded the binary value, off by whole
    /// microseconds for far dates.
    #[test]
    fn far_epoch_decimals_read_exactly() {
        for (text, micros) in [
            ("8618110107.8", 8_618_110_107_800_000),
            ("253402300799.999", 253_402_300_799_999_000),
            ("253402300799.9999", 253_402_300_799_999_900),
            ("-62135596800.001", -62_135_596_800_001_000),
            ("8589934591.999999", 8_589_934_591_999_999),
            ("0.0000005", 1),
            ("-0.0000005", -1),
            ("0.0000004", 0),
            ("1e-300", 0),
            ("1.5e3", 1_500_000_000),
        ] {
            let t: Timestamp = serde_json::from_str(text).unwrap();
            assert_eq!(t.unix_micros(), micros, "{text}");
        }
    }

    #[test]
    fn every_millisecond_decimal_round_trips_exactly() {
        // Independent check: the decimal text's digits, not f64 arithmetic.
        for secs in [0_i64, 1_479_832_474, 1_700_000_000, 4_102_444_800] {
            for ms in (0..1000).step_by(7) {
                let text = format!("{secs}.{ms:03}");
                let t: Timestamp = serde_json::from_str(&text).unwrap();
                assert_eq!(t.unix_micros(), secs * 1_000_000 + ms * 1_000, "{text}");
            }
        }
    }

    #[test]
    fn rejects_bad_text_with_the_text_in_the_message() {
        for bad in [
            "yesterday",
            "2024-13-01T00:00:00Z",
            "2024-05-01T12:34:56",
            "2024-05-01T12:34:56+0530",
            "2024-05-01T12:34:56.1234567890Z",
            "2024-02-30T00:00:00Z",
            "2024-05-01T25:00:00Z",
            "",
            "2024-05-01T12:34Z",
            "2024-05-01T12:34:56+05:30:00",
        ] {
            let err = Timestamp::parse(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        for bad in ["1e20", "-1e300", "true", "null", "[]"] {
            assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
        }
    }

    /// Found by `cargo fuzz run timestamp`: instants outside the years
    /// 0000..=9999 in UTC panicked (`to_offset` overflow) or displayed with a
    /// sign that does not parse back.
    #[test]
    fn rejects_instants_the_canonical_form_cannot_write() {
        for bad in [
            "9999-12-31T23:59:59-01:00",
            "9999-12-31t23:30:00-00:30",
            "0000-01-01T00:00:00+00:01",
        ] {
            let err = Timestamp::parse(bad).unwrap_err().to_string();
            assert!(err.contains("outside the years 0000 to 9999"), "{err}");
        }
        for bad in [
            "-141111111111",
            "-62167219201",
            "-62167219200.5",
            "253402300800",
        ] {
            assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
        }
        for edge in [
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999Z",
            "0000-01-01T00:59:00+00:59",
        ] {
            let t = Timestamp::parse(edge).unwrap();
            assert_eq!(Timestamp::parse(&t.to_string()), Ok(t), "{edge}");
        }
        let t: Timestamp = serde_json::from_str("-62167219200").unwrap();
        assert_eq!(t.to_string(), "0000-01-01T00:00:00.000000Z");
        assert_eq!(Timestamp::from_unix_micros(-62_167_219_200_000_001), None);
    }

    fn micros(ms: i64) -> Timestamp {
        Timestamp::from_unix_micros(ms * 1_000).unwrap()
    }

    fn json_in(format: TimestampFormat, t: Timestamp) -> String {
        format.scope(|| serde_json::to_string(&t).unwrap())
    }

    #[test]
    fn writes_every_dump_form() {
        // 2016-11-22T16:34:34.764Z, worked out by hand.
        let t = micros(1_479_832_474_764);
        let off = |h: i8, m: i8, s: i8| UtcOffset::from_hms(h, m, s).unwrap();
        let py_str = TimestampFormat::PythonStr;
        let py_iso = TimestampFormat::PythonIsoformat;
        assert_eq!(
            json_in(py_str(UtcOffset::UTC), t),
            r#""2016-11-22 16:34:34.764000+00:00""#
        );
        assert_eq!(
            json_in(py_iso(off(5, 30, 0)), t),
            r#""2016-11-22T22:04:34.764000+05:30""#
        );
        assert_eq!(
            json_in(py_str(off(-2, -30, 0)), micros(1_479_832_474_000)),
            r#""2016-11-22 14:04:34-02:30""#
        );
        assert_eq!(
            json_in(py_iso(off(9, 0, 0)), micros(1_479_832_474_000)),
            r#""2016-11-23T01:34:34+09:00""#
        );
        // 2023-12-31T23:40:00.001Z past midnight into the next year, and
        // Python's offset seconds.
        assert_eq!(
            json_in(py_iso(off(1, 2, 3)), micros(1_704_066_000_001)),
            r#""2024-01-01T00:42:03.001000+01:02:03""#
        );
        let one_micro = Timestamp::from_unix_micros(1_479_832_474_000_001).unwrap();
        assert_eq!(
            json_in(py_str(UtcOffset::UTC), one_micro),
            r#""2016-11-22 16:34:34.000001+00:00""#
        );
        let epoch = |t| json_in(TimestampFormat::EpochSeconds, t);
        assert_eq!(epoch(t), "1479832474.764");
        assert_eq!(epoch(micros(1_479_832_474_760)), "1479832474.76");
        assert_eq!(epoch(micros(1_479_832_474_001)), "1479832474.001");
        assert_eq!(epoch(micros(1_479_832_474_000)), "1479832474");
        assert_eq!(epoch(micros(-1_500)), "-1.5");
        assert_eq!(epoch(one_micro), "1479832474.000001");
        assert_eq!(
            json_in(TimestampFormat::Canonical, t),
            r#""2016-11-22T16:34:34.764000Z""#
        );
        assert_eq!(t.format(TimestampFormat::EpochSeconds), "1479832474.764");
        assert_eq!(
            t.format(py_str(off(5, 30, 0))),
            "2016-11-22 22:04:34.764000+05:30"
        );
        assert_eq!(t.format(TimestampFormat::Canonical), t.to_string());
    }

    #[test]
    fn every_written_form_reads_back_as_the_same_instant() {
        let offsets = [0, 19_800, -9_000, -25_200, 32_400, 50_400, -43_200];
        for ms in [
            0,
            1_479_832_474_764,
            1_704_067_199_999,
            -86_400_001,
            253_402_300_799_999,
        ] {
            let t = micros(ms);
            for secs in offsets {
                let off = UtcOffset::from_whole_seconds(secs).unwrap();
                for format in [
                    TimestampFormat::Canonical,
                    TimestampFormat::EpochSeconds,
                    TimestampFormat::PythonStr(off),
                    TimestampFormat::PythonIsoformat(off),
                ] {
                    let json = json_in(format, t);
                    assert_eq!(
                        serde_json::from_str::<Timestamp>(&json).unwrap(),
                        t,
                        "{json}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_local_year_python_cannot_hold_is_written_in_utc() {
        let last = Timestamp::parse("9999-12-31T23:30:00Z").unwrap();
        let east = UtcOffset::from_hms(1, 0, 0).unwrap();
        assert_eq!(
            last.format(TimestampFormat::PythonIsoformat(east)),
            "9999-12-31T23:30:00+00:00"
        );
    }

    #[test]
    fn the_scope_is_restored_after_nesting_and_panics() {
        let t = micros(1_479_832_474_000);
        assert_eq!(TimestampFormat::current(), TimestampFormat::Canonical);
        TimestampFormat::EpochSeconds.scope(|| {
            TimestampFormat::PythonStr(UtcOffset::UTC).scope(|| {
                assert_eq!(
                    serde_json::to_string(&t).unwrap(),
                    r#""2016-11-22 16:34:34+00:00""#
                );
            });
            assert_eq!(serde_json::to_string(&t).unwrap(), "1479832474");
        });
        let caught = std::panic::catch_unwind(|| {
            TimestampFormat::EpochSeconds.scope(|| panic!("on purpose"));
        });
        assert!(caught.is_err());
        assert_eq!(TimestampFormat::current(), TimestampFormat::Canonical);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#""2016-11-22T16:34:34.000000Z""#
        );
        // Another thread never sees this thread's format.
        TimestampFormat::EpochSeconds.scope(|| {
            let there = std::thread::spawn(move || serde_json::to_string(&t).unwrap());
            assert_eq!(there.join().unwrap(), r#""2016-11-22T16:34:34.000000Z""#);
        });
    }

    #[test]
    fn canonical_form_round_trips() {
        let t = Timestamp::parse("2024-05-01 18:22:29.5+05:30").unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2024-05-01T12:52:29.500000Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}
