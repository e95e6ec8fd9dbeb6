//! `cbstats fetch` against moto's CodeBuild server (moto[server], pinned in
//! .ci/requirements.txt and installed by .ci/deps): projects and builds are
//! created through its CodeBuild API, fetched, fetched again, interrupted
//! and resumed, then loaded and reported on.
//!
//! The server is started here on 127.0.0.1 on a free port and stopped when
//! the test ends. If it cannot start (no venv, moto missing), the test
//! fails: it is never skipped.
//!
//! What moto's CodeBuild supports (moto 5.2.5, `moto/codebuild`):
//! CreateProject, ListProjects, BatchGetProjects, DeleteProject, StartBuild,
//! StopBuild, ListBuilds, ListBuildsForProject and BatchGetBuilds. It does
//! not paginate (no `nextToken`), ignores `sortOrder` and `sortBy` (ids come
//! oldest first), leaves `buildsNotFound` out (unknown ids are just
//! missing), never sets `buildComplete` to true, and marks every build it
//! returns from BatchGetBuilds as SUCCEEDED (a build is IN_PROGRESS only in
//! StartBuild's answer). Throttling, server errors, `buildsNotFound`,
//! pagination and builds that complete between runs are tested with the
//! SDK's replay client in crates/codebuild-fetch/tests/replay.rs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use codebuild_fetch::aws_sdk_codebuild as cb;
use serde_json::Value;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("CBSTATS_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    Path::new(&home).join(".cache/cbstats-test/venv/bin/python")
}

/// A moto server on 127.0.0.1, stopped on drop.
struct Moto {
    child: Child,
    url: String,
    _log: tempfile::NamedTempFile,
}

impl Moto {
    fn start() -> Moto {
        let python = python();
        assert!(
            python.exists(),
            "no Python at {} (set CBSTATS_PYTHON, or run .ci/deps, which installs moto[server] from .ci/requirements.txt)",
            python.display()
        );
        let mut last_log = String::new();
        // The port is free when chosen; another process could take it before
        // moto binds it, so a bind failure is tried again on a new port.
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let log = tempfile::NamedTempFile::new().unwrap();
            let mut child = StdCommand::new(&python)
                .args([
                    "-m",
                    "moto.server",
                    "-H",
                    "127.0.0.1",
                    "-p",
                    &port.to_string(),
                ])
                .stdin(Stdio::null())
                .stdout(log.reopen().unwrap())
                .stderr(log.reopen().unwrap())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
            let started = Instant::now();
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    last_log = std::fs::read_to_string(log.path()).unwrap_or_default();
                    if last_log.contains("already in use") {
                        break;
                    }
                    panic!("moto server exited ({status}) before it served:\n{last_log}");
                }
                if ready(port) {
                    return Moto {
                        child,
                        url: format!("http://127.0.0.1:{port}"),
                        _log: log,
                    };
                }
                if started.elapsed() > Duration::from_secs(90) {
                    let _ = child.kill();
                    let log = std::fs::read_to_string(log.path()).unwrap_or_default();
                    panic!("moto server did not answer within 90 s:\n{log}");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        panic!("moto server could not bind a port:\n{last_log}");
    }

    fn sdk(&self) -> cb::Client {
        let conf = cb::Config::builder()
            .behavior_version(cb::config::BehaviorVersion::latest())
            .region(cb::config::Region::new("us-east-1"))
            .endpoint_url(&self.url)
            .credentials_provider(cb::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .http_client(codebuild_fetch::http_client())
            .build();
        cb::Client::from_conf(conf)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether an HTTP server answers on the port.
fn ready(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 8];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Creates a project through moto's CodeBuild API.
fn create_project(rt: &tokio::runtime::Runtime, client: &cb::Client, name: &str) {
    use cb::types::*;
    rt.block_on(
        client
            .create_project()
            .name(name)
            .source(
                ProjectSource::builder()
                    .r#type(SourceType::S3)
                    .location("bucket/source.zip")
                    .build()
                    .unwrap(),
            )
            .artifacts(
                ProjectArtifacts::builder()
                    .r#type(ArtifactsType::NoArtifacts)
                    .build()
                    .unwrap(),
            )
            .environment(
                ProjectEnvironment::builder()
                    .r#type(EnvironmentType::LinuxContainer)
                    .image("aws/codebuild/standard:7.0")
                    .compute_type(ComputeType::BuildGeneral1Small)
                    .build()
                    .unwrap(),
            )
            .service_role("arn:aws:iam::123456789012:role/codebuild")
            .send(),
    )
    .unwrap();
}

/// Starts `n` builds of a project; returns their ids.
fn start_builds(
    rt: &tokio::runtime::Runtime,
    client: &cb::Client,
    project: &str,
    n: usize,
) -> Vec<String> {
    (0..n)
        .map(|_| {
            let out = rt
                .block_on(client.start_build().project_name(project).send())
                .unwrap();
            out.build_value().unwrap().id().unwrap().to_owned()
        })
        .collect()
}

/// `cbstats` with an environment of its own: test credentials, no shared
/// config files, no instance metadata, no endpoint unless given.
fn cbstats(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("cbstats").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}

/// Runs a fetch with `--format json`; returns the exit code, the summary and stderr.
fn fetch(cmd: &mut Command) -> (i32, Value, String) {
    let out = cmd.args(["--format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON summary ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), summary, stderr)
}

fn totals(s: &Value) -> [u64; 6] {
    let t = &s["totals"];
    [
        "idsListed",
        "fetchedNew",
        "refreshed",
        "unchanged",
        "notFound",
        "filesWritten",
    ]
    .map(|k| t[k].as_u64().unwrap_or_else(|| panic!("totals.{k}: {s}")))
}

fn requests(s: &Value) -> [u64; 4] {
    let r = &s["requests"];
    [
        "listProjects",
        "listBuildsForProject",
        "batchGetBuilds",
        "retries",
    ]
    .map(|k| r[k].as_u64().unwrap_or_else(|| panic!("requests.{k}: {s}")))
}

/// The archive's response files, relative to it.
fn data_files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| p != "cbstats-fetch.state")
        .collect();
    out.sort();
    out
}

/// The project of a file in the documented layout,
/// `<region>/<project>/<yyyy-mm>/<yyyymmdd>T<hhmmss>Z-<nnnn>.json.gz`.
fn layout_project(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = parts.len() == 4
        && parts[0] == "us-east-1"
        && matches!(parts[2].split_once('-'), Some((y, m)) if y.len() == 4 && m.len() == 2 && digits(y) && digits(m))
        && parts[3].strip_suffix(".json.gz").is_some_and(|name| {
            let b = name.as_bytes();
            b.len() == 21
                && digits(&name[..8])
                && b[8] == b'T'
                && digits(&name[9..15])
                && &name[15..17] == "Z-"
                && digits(&name[17..])
        });
    assert!(ok, "{path} is not in the documented layout");
    parts[1].to_owned()
}

fn gunzip_json(path: &Path) -> Value {
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut text)
        .unwrap();
    serde_json::from_slice(&text).unwrap()
}

#[test]
fn fetch_from_moto_first_run_second_run_resume_and_report() {
    let moto = Moto::start();
    let rt = runtime();
    let client = moto.sdk();
    for p in ["web", "api", "docs"] {
        create_project(&rt, &client, p);
    }
    let mut web = start_builds(&rt, &client, "web", 150);
    let mut api = start_builds(&rt, &client, "api", 5);
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("archive");

    // 1. First run: every project (ListProjects), every build.
    let (code, s, err) = fetch(cbstats(home.path()).args([
        "fetch",
        "--out",
        out.to_str().unwrap(),
        "--endpoint-url",
        &moto.url,
    ]));
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(s["region"], "us-east-1");
    let names: Vec<&str> = s["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["project"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api", "docs", "web"]);
    assert_eq!(totals(&s), [155, 155, 0, 0, 0, 3]);
    // ListProjects, one listing per project, web in 100 + 50, api in one call.
    assert_eq!(requests(&s), [1, 3, 3, 0]);
    assert_eq!(s["totals"]["stillInProgress"], 0);
    assert_eq!(s["interrupted"], false);

    // The layout, and every build id moto created, each once, in its project's folder.
    let files = data_files(&out);
    assert_eq!(files.len(), 3, "{files:?}");
    let mut stored: Vec<String> = Vec::new();
    for f in &files {
        let project = layout_project(f);
        let response = gunzip_json(&out.join(f));
        for b in response["builds"].as_array().unwrap() {
            assert_eq!(b["projectName"], project.as_str());
            // Every member moto's CodeBuild model writes for a build is kept.
            let mut keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort();
            assert_eq!(
                keys,
                [
                    "arn",
                    "buildComplete",
                    "buildNumber",
                    "buildStatus",
                    "cache",
                    "currentPhase",
                    "encryptionKey",
                    "endTime",
                    "environment",
                    "id",
                    "initiator",
                    "logs",
                    "phases",
                    "projectName",
                    "queuedTimeoutInMinutes",
                    "secondaryArtifacts",
                    "secondarySourceVersions",
                    "secondarySources",
                    "serviceRole",
                    "source",
                    "sourceVersion",
                    "startTime",
                    "timeoutInMinutes",
                ],
                "{f}"
            );
            stored.push(b["id"].as_str().unwrap().to_owned());
        }
    }
    stored.sort();
    let mut created: Vec<String> = web.iter().chain(&api).cloned().collect();
    created.sort();
    assert_eq!(stored, created);

    // 2. Second run, endpoint from AWS_ENDPOINT_URL_CODEBUILD: nothing new,
    //    nothing fetched, no file written.
    let (code, s, err) = fetch(
        cbstats(home.path())
            .env("AWS_ENDPOINT_URL_CODEBUILD", &moto.url)
            .args(["fetch", "--out", out.to_str().unwrap()]),
    );
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(totals(&s), [155, 0, 0, 155, 0, 0]);
    assert_eq!(requests(&s), [1, 3, 0, 0]);
    assert_eq!(data_files(&out).len(), 3);

    // 3. New builds in one project, endpoint from AWS_ENDPOINT_URL.
    api.extend(start_builds(&rt, &client, "api", 3));
    let (code, s, err) = fetch(
        cbstats(home.path())
            .env("AWS_ENDPOINT_URL", &moto.url)
            .args(["fetch", "--out", out.to_str().unwrap(), "--project", "api"]),
    );
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(totals(&s), [8, 3, 0, 5, 0, 1]);
    assert_eq!(requests(&s), [0, 1, 1, 0]);

    // 4. Interrupted after one call, then resumed.
    create_project(&rt, &client, "big");
    let big = start_builds(&rt, &client, "big", 250);
    let (code, s, err) = fetch(cbstats(home.path()).args([
        "fetch",
        "--out",
        out.to_str().unwrap(),
        "--endpoint-url",
        &moto.url,
        "--project",
        "big",
        "--max-batches",
        "1",
    ]));
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(s["interrupted"], true);
    assert_eq!(totals(&s), [250, 100, 0, 0, 0, 1]);
    let (code, s, err) = fetch(cbstats(home.path()).args([
        "fetch",
        "--out",
        out.to_str().unwrap(),
        "--endpoint-url",
        &moto.url,
    ]));
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(s["interrupted"], false);
    assert_eq!(totals(&s), [408, 150, 0, 258, 0, 2]);
    assert_eq!(requests(&s), [1, 4, 2, 0]);

    // 5. The state, lost, is rebuilt from the files: still nothing to fetch.
    std::fs::remove_file(out.join("cbstats-fetch.state")).unwrap();
    let (code, s, err) = fetch(cbstats(home.path()).args([
        "fetch",
        "--out",
        out.to_str().unwrap(),
        "--endpoint-url",
        &moto.url,
        "--rebuild-state",
    ]));
    assert_eq!(code, 0, "{err}\n{s}");
    assert_eq!(s["state"]["rebuilt"], true);
    assert_eq!(s["state"]["filesRead"], 7);
    assert_eq!(totals(&s), [408, 0, 0, 408, 0, 0]);

    // 6. A project that does not exist: reported, exit code 1, others unaffected.
    let (code, s, err) = fetch(cbstats(home.path()).args([
        "fetch",
        "--out",
        out.to_str().unwrap(),
        "--endpoint-url",
        &moto.url,
        "--project",
        "nope",
        "--project",
        "api",
    ]));
    assert_eq!(code, 1, "{err}\n{s}");
    let nope = &s["projects"][0];
    assert!(
        nope["error"]
            .as_str()
            .unwrap()
            .starts_with("ListBuildsForProject: "),
        "{nope}"
    );
    assert!(
        err.contains("error: project nope: ListBuildsForProject: "),
        "{err}"
    );
    assert_eq!(s["projects"][1]["unchanged"], 8);

    // 7. The archive loads as is; the report counts every build once.
    let out_report = cbstats(home.path())
        .args(["report", out.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out_report.status.success(),
        "{}",
        String::from_utf8_lossy(&out_report.stderr)
    );
    let report: Value = serde_json::from_slice(&out_report.stdout).unwrap();
    let load = &report["load"];
    assert_eq!(load["filesRead"], 7, "{load}");
    assert_eq!(load["filesSkipped"], 1, "the state file: {load}");
    assert_eq!(load["responses"], 7);
    assert_eq!(load["buildsRead"], 408);
    assert_eq!(load["buildsKept"], 408);
    assert_eq!(load["duplicatesDropped"], 0);
    assert_eq!(load["recordsRejected"], 0);
    assert_eq!(load["balances"], true);
    web.extend(big);
    assert_eq!(web.len() + api.len(), 408);
}
