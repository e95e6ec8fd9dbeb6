//! Instants as the generator keeps them (epoch milliseconds) and the few
//! texts it writes besides the builds' timestamps, which
//! [`codebuild_model::TimestampFormat`] writes in each saved form.

use codebuild_model::Timestamp;
use time::{OffsetDateTime, UtcOffset};

/// The model timestamp of an instant in epoch milliseconds (the generator
/// keeps every instant as integer milliseconds).
pub(crate) fn ts(ms: i64) -> Timestamp {
    Timestamp::from_unix_micros(ms.saturating_mul(1_000)).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The epoch milliseconds of a model timestamp (floored).
pub(crate) fn ms_of(t: &Timestamp) -> i64 {
    t.unix_micros().div_euclid(1_000)
}

/// The zone `offset_secs` east of UTC (UTC when out of range).
pub(crate) fn utc_offset(offset_secs: i32) -> UtcOffset {
    UtcOffset::from_whole_seconds(offset_secs).unwrap_or(UtcOffset::UTC)
}

fn to_offset_datetime(ms: i64, offset_secs: i32) -> OffsetDateTime {
    let offset = UtcOffset::from_whole_seconds(offset_secs).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
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
    fn header_and_folder_texts() {
        // 2016-11-22T16:34:34.764Z
        let ms = 1_479_832_474_764;
        assert_eq!(http_date(ms), "Tue, 22 Nov 2016 16:34:34 GMT");
        assert_eq!(year_month(ms), "2016-11");
        assert_eq!(offset_label(-25_200), "-07:00");
        assert_eq!(offset_label(19_800), "+05:30");
        assert_eq!(ms_of(&ts(ms)), ms);
        assert_eq!(ms_of(&ts(-1)), -1);
        assert_eq!(ts(ms).to_string(), "2016-11-22T16:34:34.764000Z");
    }
}
