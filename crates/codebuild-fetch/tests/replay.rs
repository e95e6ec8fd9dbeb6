//! Fetch against the SDK's static replay client: the cases a moto server
//! cannot produce (throttling, server errors, `buildsNotFound`, a build that
//! completes between two runs, pagination and where listing stops), with the
//! exact requests checked and the stored bytes compared with the served ones.

use std::io::Read;
use std::path::{Path, PathBuf};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;
use codebuild_fetch::aws_sdk_codebuild::config::{BehaviorVersion, Credentials, Region};
use codebuild_fetch::{Connection, FetchOptions, ListingEnd, NoProgress, Summary, fast_retries};
use serde_json::{Value, json};

/// One request (its content is not checked by the client; the tests check
/// the recorded requests themselves) and the response to it.
fn event(status: u16, body: &str) -> ReplayEvent {
    let req = http::Request::builder()
        .uri("https://codebuild.us-east-1.amazonaws.com/")
        .body(SdkBody::empty())
        .unwrap();
    let mut res = http::Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.1");
    if status >= 400 {
        let kind = serde_json::from_str::<Value>(body).unwrap()["__type"]
            .as_str()
            .unwrap()
            .to_owned();
        res = res.header("x-amzn-errortype", kind);
    }
    ReplayEvent::new(req, res.body(SdkBody::from(body)).unwrap())
}

fn ok(body: Value) -> ReplayEvent {
    event(200, &body.to_string())
}

fn list(ids: &[&str], next: Option<&str>) -> ReplayEvent {
    let mut v = json!({ "ids": ids });
    if let Some(t) = next {
        v["nextToken"] = json!(t);
    }
    ok(v)
}

fn build(id: &str, status: &str, start: f64) -> Value {
    json!({
        "id": id,
        "arn": format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}"),
        "buildStatus": status,
        "buildComplete": status != "IN_PROGRESS",
        "startTime": start,
        "projectName": id.split(':').next().unwrap(),
    })
}

fn batch(builds: Vec<Value>) -> ReplayEvent {
    ok(json!({ "builds": builds, "buildsNotFound": [] }))
}

fn connect(events: Vec<ReplayEvent>) -> (Connection, StaticReplayClient) {
    let http = StaticReplayClient::new(events);
    let conf = codebuild_fetch::aws_sdk_codebuild::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKID", "SECRET", None, None, "test"))
        .http_client(http.clone())
        .retry_config(fast_retries(3));
    (Connection::from_conf(conf).unwrap(), http)
}

fn run(dir: &Path, projects: &[&str], events: Vec<ReplayEvent>) -> (Summary, Vec<Value>) {
    run_with(
        FetchOptions {
            out: dir.to_path_buf(),
            projects: projects.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        },
        events,
    )
}

/// Runs a fetch; returns its summary and the requests sent (target
/// operation and JSON body), in order.
fn run_with(opts: FetchOptions, events: Vec<ReplayEvent>) -> (Summary, Vec<Value>) {
    let (conn, http) = connect(events);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let summary = rt
        .block_on(codebuild_fetch::fetch(&conn, &opts, &NoProgress))
        .unwrap();
    let requests = http
        .actual_requests()
        .map(|r| {
            let target = r
                .headers()
                .get("x-amz-target")
                .unwrap_or_default()
                .to_owned();
            let body: Value = serde_json::from_slice(r.body().bytes().unwrap()).unwrap();
            json!({ "op": target.trim_start_matches("CodeBuild_20161006."), "body": body })
        })
        .collect();
    // Every summary is valid against the committed schema.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/fetch-summary.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let value = serde_json::to_value(&summary).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{errors:?}
{value}"
    );
    (summary, requests)
}

/// The archive's data files (not the state file), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file() && e.depth() == 4)
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    out.sort();
    out
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn ids_of(request: &Value) -> Vec<String> {
    request["body"]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn the_stored_file_is_the_response_body_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    // Odd spacing, members no SDK or model knows, at every level, and a
    // number form serde would not write: all must survive as sent.
    let body = concat!(
        r#"{"builds": [ {"id":"web:1","buildStatus":"SUCCEEDED","buildComplete":true,"#,
        r#""startTime":1.7000000001E9,"futureMember":{"nested":[1,2.50,"x"]},"#,
        r#""phases":[{"phaseType":"BUILD","phaseStatus":"SUCCEEDED","laterField":true}]} ],"#,
        r#" "buildsNotFound":["web:2"], "topLevelNew":"kept"}"#
    );
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![list(&["web:1", "web:2"], None), event(200, body)],
    );
    let files = files(dir.path());
    assert_eq!(files.len(), 1);
    let name = files[0].to_string_lossy().into_owned();
    assert!(name.starts_with("us-east-1/web/"), "{name}");
    assert!(name.ends_with("-0001.json.gz"), "{name}");
    assert_eq!(gunzip(&dir.path().join(&files[0])), body.as_bytes());

    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["op"], "ListBuildsForProject");
    assert_eq!(requests[0]["body"]["projectName"], "web");
    assert_eq!(requests[0]["body"]["sortOrder"], "DESCENDING");
    assert_eq!(requests[1]["op"], "BatchGetBuilds");
    assert_eq!(ids_of(&requests[1]), ["web:1", "web:2"]);

    let p = &s.projects[0];
    assert_eq!(p.project, "web");
    assert_eq!(p.counts.ids_listed, 2);
    assert_eq!(p.counts.fetched_new, 1);
    assert_eq!(p.counts.not_found, 1);
    assert_eq!(p.counts.files_written, 1);
    assert_eq!(p.listing_ended, ListingEnd::End);
    assert_eq!(p.error, None);
    assert_eq!(s.requests.list_builds_for_project, 1);
    assert_eq!(s.requests.batch_get_builds, 1);
    assert_eq!(s.requests.http_attempts, 2);
    assert_eq!(s.requests.retries, 0);
    assert!(!s.interrupted);
}

#[test]
fn throttling_is_retried_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let good = json!({"builds": [build("web:1", "SUCCEEDED", 1.7e9)], "buildsNotFound": []});
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            event(
                400,
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
            list(&["web:1"], None),
            event(
                400,
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            ),
            ok(good.clone()),
        ],
    );
    assert_eq!(s.projects[0].error, None);
    assert_eq!(s.totals.fetched_new, 1);
    assert_eq!(s.requests.list_builds_for_project, 1);
    assert_eq!(s.requests.batch_get_builds, 1);
    assert_eq!(s.requests.http_attempts, 4);
    assert_eq!(s.requests.retries, 2);
    assert_eq!(requests.len(), 4);
    assert_eq!(
        ids_of(&requests[2]),
        ids_of(&requests[3]),
        "the same call, retried"
    );
    // The file holds the answer that succeeded.
    let files = files(dir.path());
    assert_eq!(files.len(), 1);
    let stored: Value = serde_json::from_slice(&gunzip(&dir.path().join(&files[0]))).unwrap();
    assert_eq!(stored, good);
}

#[test]
fn a_failing_project_does_not_stop_the_others_and_the_next_run_fetches_it() {
    let dir = tempfile::tempdir().unwrap();
    let fault = r#"{"__type":"InternalFailure","message":"boom"}"#;
    let (s, _) = run(
        dir.path(),
        &["web", "api"],
        vec![
            list(&["web:1"], None),
            event(500, fault),
            event(500, fault),
            event(500, fault),
            list(&["api:1"], None),
            batch(vec![build("api:1", "FAILED", 1.7e9)]),
        ],
    );
    let web = &s.projects[0];
    let err = web.error.as_deref().unwrap();
    assert!(err.starts_with("BatchGetBuilds: "), "{err}");
    assert!(err.contains("boom"), "{err}");
    assert_eq!(web.counts.files_written, 0);
    assert_eq!(s.projects[1].error, None);
    assert_eq!(s.projects[1].counts.fetched_new, 1);
    assert_eq!(s.requests.retries, 2, "3 attempts of the failed call");
    assert_eq!(s.failed_projects().count(), 1);

    // The next run lists web again (no complete pass was recorded) and fetches it;
    // api's pass stops its listing at the build it already holds.
    let (s, requests) = run(
        dir.path(),
        &["web", "api"],
        vec![
            list(&["web:1"], None),
            batch(vec![build("web:1", "SUCCEEDED", 1.7e9)]),
            list(&["api:1"], Some("more")),
        ],
    );
    assert_eq!(s.projects[0].error, None);
    assert_eq!(s.projects[0].counts.fetched_new, 1);
    assert_eq!(s.projects[1].counts.unchanged, 1);
    assert_eq!(s.projects[1].listing_ended, ListingEnd::LastPass);
    assert_eq!(requests.len(), 3, "api's second page is not asked for");
}

#[test]
fn a_build_in_progress_is_fetched_again_until_complete() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:2", "web:1"], None),
            batch(vec![
                build("web:2", "IN_PROGRESS", 1.7e9 + 60.0),
                build("web:1", "SUCCEEDED", 1.7e9),
            ]),
        ],
    );
    assert_eq!(s.totals.fetched_new, 2);
    assert_eq!(s.totals.still_in_progress, 1);

    // Run 2: a new build, web:2 still running. The listing stops at web:2,
    // the newest build of the last pass; web:1 is held complete.
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:3", "web:2", "web:1"], None),
            batch(vec![
                build("web:3", "IN_PROGRESS", 1.7e9 + 120.0),
                build("web:2", "IN_PROGRESS", 1.7e9 + 60.0),
            ]),
        ],
    );
    assert_eq!(ids_of(&requests[1]), ["web:3", "web:2"]);
    let c = &s.totals;
    assert_eq!((c.fetched_new, c.refreshed, c.unchanged), (1, 1, 1));
    assert_eq!(c.still_in_progress, 2);

    // Run 3: both complete now.
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:3", "web:2", "web:1"], None),
            batch(vec![
                build("web:3", "SUCCEEDED", 1.7e9 + 120.0),
                build("web:2", "FAILED", 1.7e9 + 60.0),
            ]),
        ],
    );
    assert_eq!(ids_of(&requests[1]), ["web:3", "web:2"]);
    assert_eq!((s.totals.refreshed, s.totals.still_in_progress), (2, 0));

    // Run 4: nothing to fetch.
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![list(&["web:3", "web:2", "web:1"], None)],
    );
    assert_eq!(requests.len(), 1);
    assert_eq!(s.totals.unchanged, 3);
    assert_eq!(s.totals.files_written, 0);

    // The loader keeps the complete record of each build.
    let archive = codebuild_analytics::Archive::load(
        &[dir.path()],
        &codebuild_analytics::LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(archive.report.builds_read, 6);
    assert_eq!(archive.report.builds_kept, 3);
    assert_eq!(archive.report.duplicates_dropped, 3);
    assert_eq!(archive.report.files_skipped.len(), 1, "the state file");
    let status = archive.frames.builds.column("buildStatus").unwrap();
    let mut statuses: Vec<String> = status
        .as_materialized_series()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect();
    statuses.sort();
    assert_eq!(statuses, ["FAILED", "SUCCEEDED", "SUCCEEDED"]);
}

#[test]
fn builds_held_in_progress_beyond_the_listing_are_fetched_by_id() {
    let dir = tempfile::tempdir().unwrap();
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:3", "web:2"], Some("t1")),
            list(&["web:1"], None),
            batch(vec![
                build("web:3", "SUCCEEDED", 3.0e9),
                build("web:2", "SUCCEEDED", 2.0e9),
                build("web:1", "IN_PROGRESS", 1.0e9),
            ]),
        ],
    );
    assert_eq!(requests[1]["body"]["nextToken"], "t1");
    assert_eq!(s.totals.ids_listed, 3);
    // Run 2: the first page reaches web:3 (the last pass's newest), so the
    // second page is not listed; web:1 is fetched by id.
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:4", "web:3"], Some("t1")),
            batch(vec![
                build("web:4", "SUCCEEDED", 4.0e9),
                build("web:1", "SUCCEEDED", 1.0e9),
            ]),
        ],
    );
    assert_eq!(requests.len(), 2);
    assert_eq!(ids_of(&requests[1]), ["web:4", "web:1"]);
    let c = &s.totals;
    assert_eq!(
        (c.ids_listed, c.fetched_new, c.refreshed, c.unchanged),
        (2, 1, 1, 1)
    );
    assert_eq!(s.projects[0].listing_ended, ListingEnd::LastPass);
}

#[test]
fn ids_the_service_leaves_out_count_as_not_found() {
    // moto, for one, omits unknown ids without listing them in buildsNotFound.
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:1", "web:2", "web:3"], None),
            ok(
                json!({"builds": [build("web:1", "SUCCEEDED", 1.7e9)], "buildsNotFound": ["web:2"]}),
            ),
        ],
    );
    assert_eq!((s.totals.fetched_new, s.totals.not_found), (1, 2));
}

fn many(prefix: &str, n: usize) -> Vec<String> {
    // Newest first, as the service lists them.
    (0..n).rev().map(|i| format!("{prefix}:{i:03}")).collect()
}

fn builds_for(ids: &[String]) -> Vec<Value> {
    ids.iter()
        .map(|id| {
            let i: f64 = id.split(':').nth(1).unwrap().parse().unwrap();
            build(id, "SUCCEEDED", 1.7e9 + i)
        })
        .collect()
}

#[test]
fn a_run_stopped_after_one_call_is_resumed_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let ids = many("web", 250);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let opts = |max| FetchOptions {
        out: dir.path().to_path_buf(),
        projects: vec!["web".into()],
        max_batches: max,
        ..Default::default()
    };
    let (s, requests) = run_with(
        opts(Some(1)),
        vec![list(&refs, None), batch(builds_for(&ids[..100]))],
    );
    assert!(s.interrupted);
    assert_eq!(s.totals.fetched_new, 100);
    assert_eq!(s.projects[0].listing_ended, ListingEnd::Stopped);
    assert_eq!(requests.len(), 2);
    assert_eq!(ids_of(&requests[1]), ids[..100]);

    // Resumed: listed again to the end (no complete pass yet), the first
    // 100 are skipped, the other 150 fetched in two calls.
    let (s, requests) = run_with(
        opts(None),
        vec![
            list(&refs, None),
            batch(builds_for(&ids[100..200])),
            batch(builds_for(&ids[200..])),
        ],
    );
    assert!(!s.interrupted);
    let c = &s.totals;
    assert_eq!((c.fetched_new, c.unchanged, c.files_written), (150, 100, 2));
    assert_eq!(ids_of(&requests[1]), ids[100..200]);
    assert_eq!(ids_of(&requests[2]), ids[200..]);

    // The state, lost and rebuilt from the three files, holds all 250.
    std::fs::remove_file(dir.path().join(codebuild_fetch::layout::STATE_FILE)).unwrap();
    let (s, requests) = run_with(
        FetchOptions {
            rebuild_state: true,
            ..opts(None)
        },
        vec![list(&refs, None)],
    );
    assert!(s.state.rebuilt);
    assert_eq!(s.state.files_read, 3);
    assert_eq!((s.totals.unchanged, s.totals.fetched_new), (250, 0));
    assert_eq!(requests.len(), 1);
}

#[test]
fn since_stops_the_listing_at_older_builds() {
    let dir = tempfile::tempdir().unwrap();
    let since = codebuild_model::Timestamp::from_epoch_i64(2_000_000_000).unwrap();
    let (s, requests) = run_with(
        FetchOptions {
            out: dir.path().to_path_buf(),
            projects: vec!["web".into()],
            since: Some(since),
            ..Default::default()
        },
        vec![
            list(&["web:3", "web:2"], Some("t1")),
            batch(vec![
                build("web:3", "SUCCEEDED", 2.1e9),
                build("web:2", "SUCCEEDED", 1.9e9),
            ]),
        ],
    );
    assert_eq!(requests.len(), 2, "the second page is not listed");
    assert_eq!(s.projects[0].listing_ended, ListingEnd::Since);
    // Without --since, that pass does not count: everything is listed.
    let (s, requests) = run(
        dir.path(),
        &["web"],
        vec![
            list(&["web:3", "web:2"], Some("t1")),
            list(&["web:1"], None),
            batch(builds_for(&["web:1".to_owned()])),
        ],
    );
    assert_eq!(requests.len(), 3);
    assert_eq!(s.projects[0].listing_ended, ListingEnd::End);
    assert_eq!((s.totals.unchanged, s.totals.fetched_new), (2, 1));
}

#[test]
fn every_project_of_the_region_when_none_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let (s, requests) = run(
        dir.path(),
        &[],
        vec![
            ok(json!({"projects": ["api"], "nextToken": "p2"})),
            ok(json!({"projects": ["web"]})),
            list(&[], None),
            list(&["web:1"], None),
            batch(vec![build("web:1", "SUCCEEDED", 1.7e9)]),
        ],
    );
    assert_eq!(requests[0]["op"], "ListProjects");
    assert_eq!(requests[0]["body"]["sortBy"], "NAME");
    assert_eq!(requests[1]["body"]["nextToken"], "p2");
    let names: Vec<_> = s.projects.iter().map(|p| p.project.as_str()).collect();
    assert_eq!(names, ["api", "web"]);
    assert_eq!(s.requests.list_projects, 2);
    assert_eq!(s.totals.fetched_new, 1);
}
