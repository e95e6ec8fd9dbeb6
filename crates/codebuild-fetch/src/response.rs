//! What fetch needs to know of a stored `BatchGetBuilds` body: ids, completeness, start times.

use codebuild_model::Timestamp;
use serde::Deserialize;
use serde_json::Value;

/// One build of a response, as far as fetch cares.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BuildInfo {
    /// `id`, or the id part of `arn` (`build/<id>`).
    pub id: String,
    /// Complete: `buildComplete` is `true`, or `buildStatus` is a completed
    /// status (ANALYTICS.md: SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED).
    pub complete: bool,
    /// `startTime`, in microseconds since the epoch, when readable.
    pub start_micros: Option<i64>,
}

/// The ids of one response body.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct BodyIds {
    pub builds: Vec<BuildInfo>,
    pub not_found: Vec<String>,
    /// Build records without `id` or `arn` (kept in the file, not tracked).
    pub without_id: usize,
}

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    builds: Option<Vec<Value>>,
    #[serde(default, rename = "buildsNotFound")]
    builds_not_found: Option<Vec<Value>>,
}

const COMPLETED: [&str; 5] = ["SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"];

/// Reads the ids out of a response body (JSON), leniently: members of an
/// unexpected type are treated as absent; only a body that is not a JSON
/// object is an error.
pub(crate) fn parse_body(bytes: &[u8]) -> Result<BodyIds, String> {
    let body: Body = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let mut out = BodyIds::default();
    for b in body.builds.unwrap_or_default() {
        let id = b
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                b.get("arn")
                    .and_then(Value::as_str)
                    .and_then(|arn| arn.split_once(":build/"))
                    .map(|(_, id)| id.to_owned())
            });
        let Some(id) = id else {
            out.without_id += 1;
            continue;
        };
        let complete = b.get("buildComplete").and_then(Value::as_bool) == Some(true)
            || b.get("buildStatus")
                .and_then(Value::as_str)
                .is_some_and(|s| COMPLETED.contains(&s));
        let start_micros = b
            .get("startTime")
            .and_then(|t| serde_json::from_value::<Timestamp>(t.clone()).ok())
            .map(|t| t.unix_micros());
        out.builds.push(BuildInfo {
            id,
            complete,
            start_micros,
        });
    }
    out.not_found = body
        .builds_not_found
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_completeness_and_start() {
        let body = br#"{"builds":[
            {"id":"web:1","buildComplete":true,"buildStatus":"SUCCEEDED","startTime":1.7E9},
            {"arn":"arn:aws:codebuild:us-east-1:123:build/web:2","buildStatus":"IN_PROGRESS","buildComplete":false},
            {"id":"web:3","buildStatus":"STOPPED","startTime":"2026-01-02T03:04:05Z"},
            {"id":"web:4","buildStatus":"SOMETHING_NEW"},
            {"projectName":"no id"}
        ],"buildsNotFound":["web:5", 7]}"#;
        let ids = parse_body(body).unwrap();
        let got: Vec<_> = ids
            .builds
            .iter()
            .map(|b| (b.id.as_str(), b.complete, b.start_micros))
            .collect();
        assert_eq!(
            got,
            vec![
                ("web:1", true, Some(1_700_000_000_000_000)),
                ("web:2", false, None),
                ("web:3", true, Some(1_767_323_045_000_000)),
                ("web:4", false, None),
            ]
        );
        assert_eq!(ids.not_found, vec!["web:5".to_owned()]);
        assert_eq!(ids.without_id, 1);
        assert!(parse_body(b"[1]").is_err());
        assert!(parse_body(b"{").is_err());
    }
}
