//! Timestamps in every form that archived dumps contain (epoch numbers, Python `str`/`isoformat`).

use std::cell::Cell;

use serde::{Serialize, Serializer};
use time::{OffsetDateTime, UtcOffset};

/// How timestamps are written when a [`crate::Build`] is serialized.
///
/// The generator keeps every instant as integer milliseconds since the Unix
/// epoch; the style decides the text that a given saved form contains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeStyle {
    /// API wire form: epoch seconds as a JSON number, `1479832474.764`, or an
    /// integer when the milliseconds are 0.
    Epoch,
    /// Python `str(datetime)` (what `json.dump(resp, default=str)` writes):
    /// `"2024-05-01 12:34:56.789000+05:30"`, no fraction when it is 0.
    PyStr {
        /// Offset of the zone the dump was taken in, in seconds east of UTC.
        offset_secs: i32,
    },
    /// Python `datetime.isoformat()` (also what AWS CLI v2 prints):
    /// `"2024-05-01T12:34:56.789000+05:30"`, no fraction when it is 0.
    IsoFormat {
        /// Offset of the zone the dump was taken in, in seconds east of UTC.
        offset_secs: i32,
    },
}

thread_local! {
    static STYLE: Cell<TimeStyle> = const { Cell::new(TimeStyle::Epoch) };
}

/// Runs `f` with `style` as the timestamp style of every [`Ts`] serialized on
/// this thread, restoring the previous style afterwards.
pub(crate) fn with_style<R>(style: TimeStyle, f: impl FnOnce() -> R) -> R {
    struct Restore(TimeStyle);
    impl Drop for Restore {
        fn drop(&mut self) {
            STYLE.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(STYLE.with(|s| s.replace(style)));
    f()
}

/// An instant in integer milliseconds since the Unix epoch, serialized in the
/// thread's current [`TimeStyle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ts(pub i64);

impl Serialize for Ts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match STYLE.with(Cell::get) {
            TimeStyle::Epoch => {
                if self.0.rem_euclid(1000) == 0 {
                    s.serialize_i64(self.0.div_euclid(1000))
                } else {
                    // ms / 1000 is correctly rounded, and the shortest decimal that
                    // round-trips is exactly the 3-decimal value (trailing zeros
                    // dropped), as the service writes it.
                    s.serialize_f64(self.0 as f64 / 1000.0)
                }
            }
            TimeStyle::PyStr { offset_secs } => {
                let mut buf = [0u8; 40];
                let n = python_datetime(self.0, offset_secs, b' ', &mut buf);
                s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
            }
            TimeStyle::IsoFormat { offset_secs } => {
                let mut buf = [0u8; 40];
                let n = python_datetime(self.0, offset_secs, b'T', &mut buf);
                s.serialize_str(std::str::from_utf8(&buf[..n]).unwrap_or_default())
            }
        }
    }
}

fn to_offset_datetime(ms: i64, offset_secs: i32) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(offset_secs).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

fn put_digits(buf: &mut [u8], pos: &mut usize, value: u32, width: usize) {
    let mut v = value;
    for i in (0..width).rev() {
        buf[*pos + i] = b'0' + (v % 10) as u8;
        v /= 10;
    }
    *pos += width;
}

/// Writes a Python-style datetime (`sep` is `b' '` for `str`, `b'T'` for
/// `isoformat`) into `buf` and returns its length.
fn python_datetime(ms: i64, offset_secs: i32, sep: u8, buf: &mut [u8; 40]) -> usize {
    let dt = to_offset_datetime(ms, offset_secs);
    let mut p = 0;
    put_digits(buf, &mut p, dt.year().clamp(0, 9999) as u32, 4);
    buf[p] = b'-';
    p += 1;
    put_digits(buf, &mut p, u8::from(dt.month()) as u32, 2);
    buf[p] = b'-';
    p += 1;
    put_digits(buf, &mut p, dt.day() as u32, 2);
    buf[p] = sep;
    p += 1;
    put_digits(buf, &mut p, dt.hour() as u32, 2);
    buf[p] = b':';
    p += 1;
    put_digits(buf, &mut p, dt.minute() as u32, 2);
    buf[p] = b':';
    p += 1;
    put_digits(buf, &mut p, dt.second() as u32, 2);
    let millis = ms.rem_euclid(1000) as u32;
    if millis != 0 {
        buf[p] = b'.';
        p += 1;
        put_digits(buf, &mut p, millis * 1000, 6);
    }
    buf[p] = if offset_secs < 0 { b'-' } else { b'+' };
    p += 1;
    let off = offset_secs.unsigned_abs();
    put_digits(buf, &mut p, off / 3600, 2);
    buf[p] = b':';
    p += 1;
    put_digits(buf, &mut p, (off % 3600) / 60, 2);
    p
}

/// Formats `ms` as Python `str(datetime)` in the zone `offset_secs` east of UTC.
pub fn python_str(ms: i64, offset_secs: i32) -> String {
    let mut buf = [0u8; 40];
    let n = python_datetime(ms, offset_secs, b' ', &mut buf);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Formats `ms` as Python `datetime.isoformat()` in the zone `offset_secs`
/// east of UTC.
pub fn python_isoformat(ms: i64, offset_secs: i32) -> String {
    let mut buf = [0u8; 40];
    let n = python_datetime(ms, offset_secs, b'T', &mut buf);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Formats `ms` as an HTTP `Date` header (`Wed, 01 May 2024 12:34:56 GMT`).
pub fn http_date(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let dt = to_offset_datetime(ms, 0);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[dt.weekday().number_days_from_monday() as usize],
        dt.day(),
        MONTHS[u8::from(dt.month()) as usize - 1],
        dt.year(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// The `yyyy-mm` (UTC) of an instant, used for archive sub-folders.
pub fn year_month(ms: i64) -> String {
    let dt = to_offset_datetime(ms, 0);
    format!("{:04}-{:02}", dt.year(), u8::from(dt.month()))
}

/// Formats a UTC offset as `+05:30` / `-02:30` / `+00:00`.
pub fn offset_label(offset_secs: i32) -> String {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let off = offset_secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", off / 3600, (off % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_forms() {
        // 2016-11-22T16:34:34.764Z
        let ms = 1_479_832_474_764;
        assert_eq!(python_str(ms, 0), "2016-11-22 16:34:34.764000+00:00");
        assert_eq!(
            python_isoformat(ms, 19_800),
            "2016-11-22T22:04:34.764000+05:30"
        );
        assert_eq!(python_str(ms - 764, -9_000), "2016-11-22 14:04:34-02:30");
        assert_eq!(http_date(ms), "Tue, 22 Nov 2016 16:34:34 GMT");
        assert_eq!(year_month(ms), "2016-11");
        assert_eq!(offset_label(-25_200), "-07:00");
    }

    #[test]
    fn epoch_numbers() {
        let json = |ms| with_style(TimeStyle::Epoch, || serde_json::to_string(&Ts(ms)).unwrap());
        assert_eq!(json(1_479_832_474_764), "1479832474.764");
        assert_eq!(json(1_479_832_474_760), "1479832474.76");
        assert_eq!(json(1_479_832_474_000), "1479832474");
        assert_eq!(json(1_479_832_474_001), "1479832474.001");
    }
}
