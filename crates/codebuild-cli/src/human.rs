//! Numbers as people read them: durations by magnitude (`45.2s`, `4m 01s`,
//! `2h 13m`, `3d 04h`), counts with thousands separators, rates as
//! percentages, instants to the minute in UTC. Tables and Markdown only;
//! JSON keeps the exact values.

use time::OffsetDateTime;

/// Shown for a missing value.
pub const NONE: &str = "–";

/// A duration in seconds: one decimal under a minute (`0.4s`, `45.2s`), then
/// the two leading units (`4m 01s`, `2h 13m`, `3d 04h`), rounded to the
/// last unit shown. Negative durations (red periods of overlapping builds)
/// get a minus sign.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return NONE.to_string();
    }
    if seconds < 0.0 {
        let d = duration(-seconds);
        return if d == "0.0s" { d } else { format!("-{d}") };
    }
    // Under a minute once rounded to a tenth.
    if seconds < 59.95 {
        return format!("{seconds:.1}s");
    }
    let whole = seconds.round() as u64;
    if whole < 3_600 {
        return format!("{}m {:02}s", whole / 60, whole % 60);
    }
    let minutes = (seconds / 60.0).round() as u64;
    if minutes < 24 * 60 {
        return format!("{}h {:02}m", minutes / 60, minutes % 60);
    }
    let hours = (seconds / 3_600.0).round() as u64;
    format!("{}d {:02}h", count(hours / 24), hours % 24)
}

/// An optional duration in seconds.
pub fn opt_duration(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| NONE.to_string(), duration)
}

/// Minutes as a duration (`1,234.5` minutes -> `20h 35m`).
pub fn minutes(minutes: f64) -> String {
    duration(minutes * 60.0)
}

/// A count with thousands separators: `100,412`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A fraction as a percentage with one decimal: `0.873` -> `87.3%`.
pub fn percent(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) if f.is_finite() => format!("{:.1}%", f * 100.0),
        _ => NONE.to_string(),
    }
}

/// An instant to the minute, UTC: `2024-11-03 04:30 UTC`.
pub fn instant(t: Option<OffsetDateTime>) -> String {
    let Some(t) = t else {
        return NONE.to_string();
    };
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// US dollars: `$1,234.57`, `$0.42`; under a cent `<$0.01` (but `$0.00`
/// for nothing).
pub fn usd(v: Option<f64>) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return NONE.to_string();
    };
    if v < 0.0 {
        return format!("-{}", usd(Some(-v)));
    }
    if v > 0.0 && v < 0.005 {
        return "<$0.01".to_string();
    }
    let cents = (v * 100.0).round() as u64;
    format!("${}.{:02}", count(cents / 100), cents % 100)
}

/// Bytes in decimal units: `381.8 MB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0s"),
            (0.04, "0.0s"),
            (0.4, "0.4s"),
            (1.0, "1.0s"),
            (45.24, "45.2s"),
            (59.94, "59.9s"),
            // Rounds to a whole minute: shown in minutes, not as "60.0s".
            (59.96, "1m 00s"),
            (60.0, "1m 00s"),
            (61.4, "1m 01s"),
            (241.0, "4m 01s"),
            (982.649, "16m 23s"),
            (3_599.4, "59m 59s"),
            (3_599.6, "1h 00m"),
            (3_600.0, "1h 00m"),
            (7_980.0, "2h 13m"),
            (86_399.0, "1d 00h"),
            (86_400.0, "1d 00h"),
            (273_600.0, "3d 04h"),
            (100_000.0 * 86_400.0, "100,000d 00h"),
            (-241.0, "-4m 01s"),
            (-0.01, "0.0s"),
            (f64::NAN, NONE),
        ];
        for &(secs, want) in cases {
            assert_eq!(duration(secs), want, "{secs}");
        }
        assert_eq!(minutes(1.5), "1m 30s");
        assert_eq!(opt_duration(None), NONE);
    }

    #[test]
    fn counts() {
        let cases: &[(u64, &str)] = &[
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (100_412, "100,412"),
            (1_000_000, "1,000,000"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ];
        for &(n, want) in cases {
            assert_eq!(count(n), want);
        }
    }

    #[test]
    fn percents() {
        assert_eq!(percent(Some(0.0)), "0.0%");
        assert_eq!(percent(Some(0.8734)), "87.3%");
        assert_eq!(percent(Some(1.0)), "100.0%");
        assert_eq!(percent(Some(0.00049)), "0.0%");
        assert_eq!(percent(Some(0.0005)), "0.1%");
        assert_eq!(percent(None), NONE);
        assert_eq!(percent(Some(f64::NAN)), NONE);
    }

    #[test]
    fn dollars() {
        assert_eq!(usd(Some(0.0)), "$0.00");
        assert_eq!(usd(Some(0.004)), "<$0.01");
        assert_eq!(usd(Some(0.005)), "$0.01");
        assert_eq!(usd(Some(0.424)), "$0.42");
        assert_eq!(usd(Some(1_234.567)), "$1,234.57");
        assert_eq!(usd(Some(-2.5)), "-$2.50");
        assert_eq!(usd(None), NONE);
    }

    #[test]
    fn instants_and_bytes() {
        let t = time::macros::datetime!(2024-11-03 04:30:59.999 +02:00);
        assert_eq!(instant(Some(t)), "2024-11-03 02:30 UTC");
        assert_eq!(instant(None), NONE);
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_000), "1.0 kB");
        assert_eq!(bytes(381_800_000), "381.8 MB");
        assert_eq!(bytes(999_960), "1.0 MB");
    }
}
