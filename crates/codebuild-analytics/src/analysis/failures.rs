//! Failures: by failed phase, top failure reasons, failure rates
//! (`ANALYTICS.md`: Failures).

use std::sync::LazyLock;

use polars::prelude::*;
use regex::Regex;

use super::*;
use crate::filter::Filters;
use crate::frames::Frames;

/// Name of the normalized message column of [`top_failure_reasons`].
pub const NORMALIZED_MESSAGE: &str = "normalizedMessage";

/// The rules of [`normalize_message`], as `(pattern, placeholder)`, applied
/// in this order, each replacing every match.
///
/// This table is the one source of the normalisation: the Rust regexes of
/// [`normalize_message`] and [`normalize_message_expr`] and the SQL
/// `regexp_replace` chains of [`crate::sql`] (RE2 in DuckDB, Java regex in
/// Spark, Joni in Trino) are all generated from it by [`rust_pattern`]
/// and [`crate::sql`]. So that every engine reads them alike, the patterns
/// use a portable subset: ASCII character classes written out (no `(?i)`,
/// no `\d`, no `\w`), non-capturing groups only, and two tokens that the
/// generators translate:
///
/// - `\b`, only at the start or the end of a pattern: an **ASCII** word
///   boundary (between `[A-Za-z0-9_]` and any other character or the ends
///   of the text; Rust `(?-u:\b)`), so that every engine agrees: in
///   `é1234567`, `1234567` is a hex id (`é` is not a word character);
/// - `\s`, only inside a character class: ASCII whitespace (tab, line
///   feed, vertical tab, form feed, carriage return, space).
///
/// The rules:
///
/// 1. UUIDs (`8-4-4-4-12` hex digits, any case, on word boundaries) ->
///    `<uuid>`;
/// 2. ARNs: `arn:<partition>:` on a word boundary followed by everything
///    up to whitespace, a quote, a bracket, `,` or `;`, not ending in `.` or
///    `:` (so a sentence's final period stays) -> `<arn>`. UUIDs are
///    replaced first, so an ARN holding a UUID still becomes one `<arn>`;
/// 3. quoted paths: a single- or double-quoted string without whitespace
///    that contains a `/` -> `<path>` (the quotes are replaced too).
///    Whitespace is excluded so that apostrophes in prose (`can't ... /x
///    ... don't`) are not taken for quotes;
/// 4. hex ids: a word (word boundaries both sides) of 7 or more hex digits,
///    any case, containing at least one decimal digit -> `<hex>` (so
///    `deadbeef` and `defaced` stay; a run of 7+ decimal digits is a hex id
///    too);
/// 5. numbers: any remaining run of 4 or more decimal digits, even inside
///    a word (`src1234` -> `src<n>`) -> `<n>`. Shorter numbers (exit
///    status 1, 137) are kept.
pub const NORMALIZATION_RULES: [(&str, &str); 5] = [
    (
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        "<uuid>",
    ),
    (
        r#"\barn:[A-Za-z0-9-]+:[^\s"'()\[\]{},;]*[^\s"'()\[\]{},;.:]"#,
        "<arn>",
    ),
    (r#""[^"\s]*/[^"\s]*"|'[^'\s]*/[^'\s]*'"#, "<path>"),
    (
        r"\b(?:[0-9][0-9a-fA-F]{6,}|[a-fA-F][0-9][0-9a-fA-F]{5,}|[a-fA-F]{2}[0-9][0-9a-fA-F]{4,}|[a-fA-F]{3}[0-9][0-9a-fA-F]{3,}|[a-fA-F]{4}[0-9][0-9a-fA-F]{2,}|[a-fA-F]{5}[0-9][0-9a-fA-F]+|[a-fA-F]{6,}[0-9][0-9a-fA-F]*)\b",
        "<hex>",
    ),
    (r"[0-9]{4,}", "<n>"),
];

/// The ASCII whitespace that `\s` stands for in [`NORMALIZATION_RULES`]
/// (inside a character class), as regex escapes every engine reads.
pub const ASCII_SPACE_CLASS: &str = r"\t\n\x0B\f\r ";

/// A pattern of [`NORMALIZATION_RULES`] in the syntax of the `regex` crate
/// (which polars uses too): `\b` becomes the ASCII boundary `(?-u:\b)`,
/// `\s` the [`ASCII_SPACE_CLASS`].
pub fn rust_pattern(portable: &str) -> String {
    portable
        .replace(r"\b", r"(?-u:\b)")
        .replace(r"\s", ASCII_SPACE_CLASS)
}

static RULES: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    NORMALIZATION_RULES
        .iter()
        .map(|(re, rep)| {
            (
                Regex::new(&rust_pattern(re)).expect("valid normalization regex"),
                *rep,
            )
        })
        .collect()
});

/// Replace the volatile parts of a failure message with placeholders so
/// that like failures group together: UUIDs -> `<uuid>`, ARNs -> `<arn>`,
/// quoted paths -> `<path>`, hex ids of 7+ characters -> `<hex>`, numbers
/// of 4+ digits -> `<n>`, in that order. See [`NORMALIZATION_RULES`] for
/// the exact patterns; [`normalize_message_expr`] does the same in polars.
///
/// ```
/// use codebuild_analytics::analysis::failures::normalize_message;
/// assert_eq!(
///     normalize_message("build 0a1b2c3d-0000-4000-8000-00000000abcd: exit status 137 after 12345 ms"),
///     "build <uuid>: exit status 137 after <n> ms",
/// );
/// ```
pub fn normalize_message(message: &str) -> String {
    let mut out = message.to_owned();
    for (re, rep) in RULES.iter() {
        out = re.replace_all(&out, *rep).into_owned();
    }
    out
}

/// [`normalize_message`] as a polars expression on a String column (nulls
/// stay null).
pub fn normalize_message_expr(message: Expr) -> Expr {
    NORMALIZATION_RULES.iter().fold(message, |e, (re, rep)| {
        e.str().replace_all(lit(rust_pattern(re)), lit(*rep), false)
    })
}

/// Failure builds (FAILED, FAULT, TIMED_OUT) counted by `failedPhase`.
///
/// Filters are applied with [`Filters::builds`]; STOPPED builds are not
/// failures. Columns: `failedPhase` (String; null for failure builds
/// without a failed phase, as their own row), `count` (Int64), `share`
/// (Float64: count / all failure builds). Rows are in API phase order
/// ([`PHASE_ORDER`]), unknown phases after alphabetically, null last.
pub fn failures_by_phase(frames: &Frames, filters: &Filters) -> PolarsResult<DataFrame> {
    filters
        .builds(&frames.builds)
        .filter(is_failure())
        .group_by([col(FAILED_PHASE)])
        .agg([len().cast(DataType::Int64).alias("count")])
        .with_columns([
            ratio(col("count"), col("count").sum()).alias("share"),
            phase_rank(col(FAILED_PHASE)).alias(PHASE_RANK),
        ])
        .sort_by_exprs([col(PHASE_RANK), col(FAILED_PHASE)], sort_options())
        .select([col(FAILED_PHASE), col("count"), col("share")])
        .collect()
}

/// The most frequent failure reasons of failure builds (FAILED, FAULT,
/// TIMED_OUT).
///
/// Failure builds (filtered with [`Filters::builds`]) are grouped by
/// (`failureStatusCode`, [`normalize_message_expr`] of `failureMessage`);
/// builds without a failure reason form the (null, null) group.
///
/// An empty `statusCode` or `message` is treated as absent (null) in the
/// key: the reason is defined as the first context with a *non-empty*
/// `statusCode` or `message`, so an empty string carries no more than a
/// missing one, and a context with `"statusCode": ""` groups with one
/// without `statusCode` (likewise `"message": ""` and no `message`). The
/// frames keep the raw values; the mapping is done here, at grouping.
///
/// Columns:
/// - `failureStatusCode` (String, empty -> null), `normalizedMessage`
///   (String, empty -> null);
/// - `count` (Int64); `share` (Float64): count / **all** failure builds
///   (not only those in the first `limit` rows);
/// - `firstSeen`, `lastSeen` (Datetime): min / max build `startTime`;
/// - `exampleBuildId` (String): the group's latest build by `startTime`,
///   ties (and null start times, which sort first) broken by the greatest
///   `id`;
/// - `exampleMessage` (String): the raw `failureMessage` of that build
///   (an empty message stays empty).
///
/// Rows are sorted by `count` descending, then `failureStatusCode` and
/// `normalizedMessage` ascending (nulls last), and cut to `limit` rows.
pub fn top_failure_reasons(
    frames: &Frames,
    filters: &Filters,
    limit: usize,
) -> PolarsResult<DataFrame> {
    let latest = |e: Expr| {
        e.sort_by(
            [col(START), col(ID)],
            SortMultipleOptions::default().with_nulls_last(false),
        )
        .last()
    };
    let limit = IdxSize::try_from(limit).unwrap_or(IdxSize::MAX);
    filters
        .builds(&frames.builds)
        .filter(is_failure())
        .with_columns([
            empty_as_null(FAILURE_STATUS_CODE).alias(FAILURE_STATUS_CODE),
            normalize_message_expr(empty_as_null(FAILURE_MESSAGE)).alias(NORMALIZED_MESSAGE),
        ])
        .group_by([col(FAILURE_STATUS_CODE), col(NORMALIZED_MESSAGE)])
        .agg([
            len().cast(DataType::Int64).alias("count"),
            col(START).min().alias("firstSeen"),
            col(START).max().alias("lastSeen"),
            latest(col(ID)).alias("exampleBuildId"),
            latest(col(FAILURE_MESSAGE)).alias("exampleMessage"),
        ])
        .with_column(ratio(col("count"), col("count").sum()).alias("share"))
        .sort_by_exprs(
            [
                col("count"),
                col(FAILURE_STATUS_CODE),
                col(NORMALIZED_MESSAGE),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, false, false])
                .with_nulls_last(true)
                .with_maintain_order(true),
        )
        .limit(limit)
        .select(
            [
                FAILURE_STATUS_CODE,
                NORMALIZED_MESSAGE,
                "count",
                "share",
                "firstSeen",
                "lastSeen",
                "exampleBuildId",
                "exampleMessage",
            ]
            .map(col),
        )
        .collect()
}

/// `name` with empty strings made null.
fn empty_as_null(name: &str) -> Expr {
    when(col(name).eq(lit("")))
        .then(lit(NULL).cast(DataType::String))
        .otherwise(col(name))
}

/// Failure rate per value of one build-level `dimension` (meant for
/// [`GroupKey::ComputeType`], [`GroupKey::Image`], [`GroupKey::Initiator`]
/// and [`GroupKey::SourceType`]; any build-level key works,
/// [`GroupKey::Phase`] is an `InvalidOperation` error).
///
/// Filters are applied with [`Filters::builds`]. Columns: the dimension
/// column, `builds` (Int64, all builds), `completed` (Int64, completed
/// statuses), `failures` (Int64: FAILED, FAULT, TIMED_OUT), `failureRate`
/// (Float64) = `failures / (completed - STOPPED)`, the same denominator as
/// `successRate` in [`outcomes`](super::outcomes::outcomes) (so the two
/// add up to 1); null when the denominator is 0. Rows are sorted by the
/// dimension, ascending, nulls last.
pub fn failure_rates(
    frames: &Frames,
    filters: &Filters,
    dimension: GroupKey,
) -> PolarsResult<DataFrame> {
    require_build_level(&[dimension], "failure_rates")?;
    let count = |e: Expr| e.sum().cast(DataType::Int64);
    let key = dimension.build_expr().expect("build-level key");
    filters
        .builds(&frames.builds)
        .with_column(key)
        .group_by([col(dimension.name())])
        .agg([
            len().cast(DataType::Int64).alias("builds"),
            count(is_completed()).alias("completed"),
            count(is_failure()).alias("failures"),
            ratio(
                count(is_failure()),
                count(is_completed()) - count(col(STATUS).eq(lit("STOPPED"))),
            )
            .alias("failureRate"),
        ])
        .sort_by_exprs([col(dimension.name())], sort_options())
        .select([
            col(dimension.name()),
            col("builds"),
            col("completed"),
            col("failures"),
            col("failureRate"),
        ])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::testutil::*;

    fn s(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|o| o.map(String::from)).collect()
    }

    /// `(raw, normalized)`.
    const MESSAGES: &[(&str, &str)] = &[
        (
            "Error while executing command: npm test. Reason: exit status 1",
            "Error while executing command: npm test. Reason: exit status 1",
        ),
        ("exit status 137", "exit status 137"),
        (
            "build 0a1b2c3d-0000-4000-8000-00000000abcd failed",
            "build <uuid> failed",
        ),
        ("id 0A1B2C3D-0000-4000-8000-00000000ABCD", "id <uuid>"),
        (
            "not authorized on resource: arn:aws:s3:::my-bucket/key.txt.",
            "not authorized on resource: <arn>.",
        ),
        (
            "role arn:aws:iam::123456789012:role/service-role/cb-role is invalid",
            "role <arn> is invalid",
        ),
        // UUID first, then the whole ARN.
        (
            "arn:aws:codebuild:us-east-1:123456789012:build/proj:0a1b2c3d-0000-4000-8000-00000000abcd",
            "<arn>",
        ),
        // A quoted ARN: the ARN rule runs before the path rule.
        (
            "bad role 'arn:aws:iam::123456789012:role/x'",
            "bad role '<arn>'",
        ),
        (
            r#"stat "/codebuild/output/src123/src/buildspec.yml": no such file"#,
            "stat <path>: no such file",
        ),
        (
            "repository 'acme/app' not found",
            "repository <path> not found",
        ),
        // Quoted strings with whitespace or without a slash are kept.
        ("open '/tmp/x y' failed", "open '/tmp/x y' failed"),
        (
            r#"say "hello world" and 'no-slash'"#,
            r#"say "hello world" and 'no-slash'"#,
        ),
        // Apostrophes are not quotes.
        (
            "can't stat /tmp/x: file doesn't exist",
            "can't stat /tmp/x: file doesn't exist",
        ),
        ("commit 3f2a9c1 not found", "commit <hex> not found"),
        ("image sha256:ABCDEF0123456789abcdef", "image sha256:<hex>"),
        // Hex words without a digit, and short hex words, are kept.
        (
            "deadbeef facade defaced abc123",
            "deadbeef facade defaced abc123",
        ),
        ("project-1234abc", "project-<hex>"),
        // 7+ decimal digits are a hex id (rule 4 runs before rule 5).
        ("request 1234567 failed", "request <hex> failed"),
        (
            "took 12345 ms at port 8080, exit 42",
            "took <n> ms at port <n>, exit 42",
        ),
        (
            "/codebuild/output/src987654321/src",
            "/codebuild/output/src<n>/src",
        ),
        // Word boundaries are ASCII: `é` is not a word character, so the
        // hex id after it is one (and the UUID before `ü` too).
        ("é1234567 x", "é<hex> x"),
        ("0a1b2c3d-0000-4000-8000-00000000abcdü", "<uuid>ü"),
        // Adjacent matches sharing one separator.
        ("1234567 7654321 abcdef1", "<hex> <hex> <hex>"),
        ("a1234567_b", "a<n>_b"),
        // ASCII whitespace only: a no-break space is part of a quoted path.
        ("'a/b\u{a0}c' and 'x/y\tz'", "<path> and 'x/y\tz'"),
        ("line 1\nabcdef12\n", "line 1\n<hex>\n"),
        ("", ""),
    ];

    #[test]
    fn normalize_message_table() {
        for (raw, expected) in MESSAGES {
            assert_eq!(normalize_message(raw), *expected, "{raw}");
        }
    }

    #[test]
    fn normalize_expr_agrees_with_the_function() {
        let raw: Vec<Option<&str>> = MESSAGES
            .iter()
            .map(|(r, _)| Some(*r))
            .chain([None])
            .collect();
        let df = df!("m" => raw.clone()).unwrap();
        let out = df
            .lazy()
            .select([normalize_message_expr(col("m"))])
            .collect()
            .unwrap();
        let got = strs(&out, "m");
        let expected: Vec<Option<String>> = raw.iter().map(|r| r.map(normalize_message)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn failures_by_failed_phase() {
        let fr = frames(&[
            // BUILD and POST_BUILD failed: the failed phase is the first, BUILD.
            b("p:1", "p", "FAILED", 0, Some(10)).failure(Some("BUILD"), None, None),
            b("p:2", "p", "FAULT", 0, Some(10)).failure(Some("PROVISIONING"), None, None),
            b("p:3", "p", "TIMED_OUT", 0, Some(10)).failure(Some("BUILD"), None, None),
            b("p:4", "p", "FAILED", 0, Some(10)),
            b("p:5", "p", "FAILED", 0, Some(10)).failure(Some("CUSTOM"), None, None),
            // Not failures.
            b("p:6", "p", "STOPPED", 0, Some(10)).failure(Some("BUILD"), None, None),
            b("p:7", "p", "SUCCEEDED", 0, Some(10)),
            b("q:1", "q", "FAILED", 0, Some(10)).failure(Some("INSTALL"), None, None),
        ]);
        let f = Filters {
            projects: Some(vec!["p".into()]),
            ..Filters::default()
        };
        let out = failures_by_phase(&fr, &f).unwrap();
        assert_eq!(names(&out), [FAILED_PHASE, "count", "share"]);
        // API order, unknown after, null last.
        assert_eq!(
            strs(&out, FAILED_PHASE),
            s(&[Some("PROVISIONING"), Some("BUILD"), Some("CUSTOM"), None])
        );
        assert_eq!(i64s(&out, "count"), [1, 2, 1, 1].map(Some));
        // 5 failures: 1/5, 2/5, 1/5, 1/5.
        assert_close(&f64s(&out, "share"), &[0.2, 0.4, 0.2, 0.2].map(Some));
    }

    #[test]
    fn top_reasons_grouped_by_normalized_message() {
        let cee = Some("COMMAND_EXECUTION_ERROR");
        let make = "Error while executing command: make. Reason: exit status 2";
        let repo1 =
            "Repository 'acme/app' not found for build 0a1b2c3d-0000-4000-8000-000000000001";
        let repo2 =
            "Repository 'acme/other' not found for build 0a1b2c3d-0000-4000-8000-000000000002";
        let fr = frames(&[
            b("p:1", "p", "FAILED", 0, Some(10)).failure(Some("BUILD"), cee, Some(make)),
            b("p:2", "p", "FAILED", 100, Some(110)).failure(Some("BUILD"), cee, Some(make)),
            // Same start as p:2: the greater id is the example.
            b("p:3", "p", "TIMED_OUT", 100, Some(110)).failure(Some("BUILD"), cee, Some(make)),
            b("p:4", "p", "FAULT", 50, Some(60)).failure(
                Some("DOWNLOAD_SOURCE"),
                Some("CLIENT_ERROR"),
                Some(repo1),
            ),
            b("p:5", "p", "FAULT", 40, Some(60)).failure(
                Some("DOWNLOAD_SOURCE"),
                Some("CLIENT_ERROR"),
                Some(repo2),
            ),
            // No reason: the (null, null) group.
            b("p:6", "p", "FAILED", 0, Some(10)),
            b("p:7", "p", "FAILED", 0, Some(10)).failure(Some("BUILD"), Some("ALPHA"), Some("x")),
            // STOPPED is not a failure.
            b("p:8", "p", "STOPPED", 0, Some(10)).failure(Some("BUILD"), cee, Some(make)),
        ]);
        let out = top_failure_reasons(&fr, &Filters::default(), 10).unwrap();
        assert_eq!(
            names(&out),
            [
                FAILURE_STATUS_CODE,
                NORMALIZED_MESSAGE,
                "count",
                "share",
                "firstSeen",
                "lastSeen",
                "exampleBuildId",
                "exampleMessage",
            ]
        );
        // Count desc, then status code (ALPHA before null).
        assert_eq!(
            strs(&out, FAILURE_STATUS_CODE),
            s(&[cee, Some("CLIENT_ERROR"), Some("ALPHA"), None])
        );
        assert_eq!(
            strs(&out, NORMALIZED_MESSAGE),
            s(&[
                Some(make),
                Some("Repository <path> not found for build <uuid>"),
                Some("x"),
                None
            ])
        );
        assert_eq!(i64s(&out, "count"), [3, 2, 1, 1].map(Some));
        // 7 failures: 3/7, 2/7, 1/7, 1/7.
        assert_close(
            &f64s(&out, "share"),
            &[3.0 / 7.0, 2.0 / 7.0, 1.0 / 7.0, 1.0 / 7.0].map(Some),
        );
        // p:4 started at 50 is the latest of the repository group; its raw message.
        assert_eq!(
            strs(&out, "exampleBuildId"),
            s(&[Some("p:3"), Some("p:4"), Some("p:7"), Some("p:6")])
        );
        assert_eq!(
            strs(&out, "exampleMessage"),
            s(&[Some(make), Some(repo1), Some("x"), None])
        );
        let ts = |c: &str| {
            let s = out.column(c).unwrap().cast(&DataType::Int64).unwrap();
            s.i64().unwrap().iter().collect::<Vec<_>>()
        };
        assert_eq!(
            ts("firstSeen"),
            [micros(0), micros(40), micros(0), micros(0)].map(Some)
        );
        assert_eq!(
            ts("lastSeen"),
            [micros(100), micros(50), micros(0), micros(0)].map(Some)
        );

        // The limit cuts rows, the share stays over all failures.
        let out = top_failure_reasons(&fr, &Filters::default(), 2).unwrap();
        assert_eq!(out.height(), 2);
        assert_close(&f64s(&out, "share"), &[3.0 / 7.0, 2.0 / 7.0].map(Some));

        // Status filter: only TIMED_OUT.
        let f = Filters {
            statuses: Some(vec!["TIMED_OUT".into()]),
            ..Filters::default()
        };
        let out = top_failure_reasons(&fr, &f, 10).unwrap();
        assert_eq!(i64s(&out, "count"), [Some(1)]);
        assert_eq!(f64s(&out, "share"), [Some(1.0)]);
    }

    #[test]
    fn empty_status_code_or_message_groups_with_an_absent_one() {
        let fr = frames(&[
            // `"statusCode": ""` and no statusCode: one reason (null, "boom <n>").
            b("p:1", "p", "FAILED", 0, Some(5)).failure(
                Some("BUILD"),
                Some(""),
                Some("boom 12345"),
            ),
            b("p:2", "p", "FAILED", 10, Some(15)).failure(Some("BUILD"), None, Some("boom 67890")),
            // `"message": ""` and no message: one reason ("CODE_ONLY", null).
            b("p:3", "p", "FAULT", 20, Some(25)).failure(
                Some("BUILD"),
                Some("CODE_ONLY"),
                Some(""),
            ),
            b("p:4", "p", "FAILED", 30, Some(35)).failure(Some("BUILD"), Some("CODE_ONLY"), None),
        ]);
        let out = top_failure_reasons(&fr, &Filters::default(), 10).unwrap();
        // 2 rows of 2; count tie -> status code ascending, null last.
        assert_eq!(
            strs(&out, FAILURE_STATUS_CODE),
            s(&[Some("CODE_ONLY"), None])
        );
        assert_eq!(strs(&out, NORMALIZED_MESSAGE), s(&[None, Some("boom <n>")]));
        assert_eq!(i64s(&out, "count"), [Some(2), Some(2)]);
        // 4 failures: 2/4 each.
        assert_close(&f64s(&out, "share"), &[Some(0.5), Some(0.5)]);
        // Latest by startTime: p:4 (30 > 20), p:2 (10 > 0); raw messages.
        assert_eq!(strs(&out, "exampleBuildId"), s(&[Some("p:4"), Some("p:2")]));
        assert_eq!(strs(&out, "exampleMessage"), s(&[None, Some("boom 67890")]));
        let ts = |c: &str| {
            let s = out.column(c).unwrap().cast(&DataType::Int64).unwrap();
            s.i64().unwrap().iter().collect::<Vec<_>>()
        };
        assert_eq!(ts("firstSeen"), [micros(20), micros(0)].map(Some));
        assert_eq!(ts("lastSeen"), [micros(30), micros(10)].map(Some));
    }

    #[test]
    fn example_build_with_null_start_sorts_first() {
        let fr = frames(&[
            b("p:9", "p", "FAILED", 0, None)
                .no_start()
                .failure(None, Some("E"), Some("m")),
            b("p:1", "p", "FAILED", 5, Some(6)).failure(None, Some("E"), Some("m")),
        ]);
        let out = top_failure_reasons(&fr, &Filters::default(), 10).unwrap();
        assert_eq!(strs(&out, "exampleBuildId"), s(&[Some("p:1")]));
    }

    #[test]
    fn failure_rates_per_compute_type() {
        let fr = frames(&[
            b("p:1", "p", "SUCCEEDED", 0, Some(1))
                .compute("SMALL")
                .image("img:1")
                .initiator("alice")
                .source("GITHUB"),
            b("p:2", "p", "FAILED", 0, Some(1))
                .compute("SMALL")
                .image("img:1"),
            b("p:3", "p", "STOPPED", 0, Some(1))
                .compute("SMALL")
                .image("img:2"),
            b("p:4", "p", "IN_PROGRESS", 0, None)
                .compute("SMALL")
                .image("img:2"),
            b("p:5", "p", "FAULT", 0, Some(1))
                .compute("LARGE")
                .image("img:2"),
            b("p:6", "p", "TIMED_OUT", 0, Some(1))
                .compute("LARGE")
                .image("img:2"),
            b("p:7", "p", "STOPPED", 0, Some(1)),
        ]);
        let out = failure_rates(&fr, &Filters::default(), GroupKey::ComputeType).unwrap();
        assert_eq!(
            names(&out),
            [
                COMPUTE_TYPE,
                "builds",
                "completed",
                "failures",
                "failureRate"
            ]
        );
        assert_eq!(
            strs(&out, COMPUTE_TYPE),
            s(&[Some("LARGE"), Some("SMALL"), None])
        );
        assert_eq!(i64s(&out, "builds"), [2, 4, 1].map(Some));
        assert_eq!(i64s(&out, "completed"), [2, 3, 1].map(Some));
        assert_eq!(i64s(&out, "failures"), [2, 1, 0].map(Some));
        // LARGE 2 / (2 - 0) = 1; SMALL 1 / (3 - 1) = 0.5; null 0 / (1 - 1) -> null.
        assert_close(&f64s(&out, "failureRate"), &[Some(1.0), Some(0.5), None]);

        let out = failure_rates(&fr, &Filters::default(), GroupKey::Image).unwrap();
        // img:1 1 / 2; img:2 (STOPPED, IN_PROGRESS, FAULT, TIMED_OUT) 2 / (3 - 1) = 1.
        assert_close(&f64s(&out, "failureRate"), &[Some(0.5), Some(1.0), None]);
        for k in [GroupKey::Initiator, GroupKey::SourceType] {
            let out = failure_rates(&fr, &Filters::default(), k).unwrap();
            assert_eq!(names(&out)[0], k.name());
            // p:1 alone (SUCCEEDED): 0 / 1; the others (null key):
            // 3 failures / (5 completed - 2 STOPPED) = 1.
            assert_eq!(i64s(&out, "builds"), [Some(1), Some(6)]);
            assert_close(&f64s(&out, "failureRate"), &[Some(0.0), Some(1.0)]);
        }
        assert!(failure_rates(&fr, &Filters::default(), GroupKey::Phase).is_err());
    }

    #[test]
    fn zero_builds_give_empty_frames() {
        let fr = frames(&[]);
        let f = Filters::default();
        let out = failures_by_phase(&fr, &f).unwrap();
        assert_eq!((out.height(), out.width()), (0, 3));
        let out = top_failure_reasons(&fr, &f, 10).unwrap();
        assert_eq!((out.height(), out.width()), (0, 8));
        let out = failure_rates(&fr, &f, GroupKey::SourceType).unwrap();
        assert_eq!((out.height(), out.width()), (0, 5));
        // Builds but no failures.
        let fr = frames(&[b("p:1", "p", "SUCCEEDED", 0, Some(1))]);
        assert_eq!(failures_by_phase(&fr, &f).unwrap().height(), 0);
        assert_eq!(top_failure_reasons(&fr, &f, 10).unwrap().height(), 0);
    }
}
