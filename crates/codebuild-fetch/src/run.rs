//! One fetch: list each project's build ids, fetch what the archive lacks, write and record each response.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aws_sdk_codebuild::error::DisplayErrorContext;
use aws_sdk_codebuild::types::{ProjectSortByType, SortOrderType};
use codebuild_model::Timestamp;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::FetchError;
use crate::connect::{BodyCapture, Connection};
use crate::layout::{self, Namer};
use crate::response::parse_body;
use crate::state::{Held, ProjectState, State};

/// At most this many ids per `BatchGetBuilds` call (the API's limit).
pub const BATCH_SIZE: usize = 100;

/// What to fetch, and where to.
#[derive(Clone, Debug, Default)]
pub struct FetchOptions {
    /// The archive folder (created if missing).
    pub out: PathBuf,
    /// Only these projects; every project of the account and region
    /// (`ListProjects`) when empty.
    pub projects: Vec<String>,
    /// Stop listing a project once its builds started before this instant.
    /// Listing is newest first, so builds that started earlier are not
    /// fetched (the last response may still hold a few, kept as received).
    pub since: Option<Timestamp>,
    /// Rebuild the state file from the archive files first.
    pub rebuild_state: bool,
    /// Stop after this many `BatchGetBuilds` calls (the next run goes on).
    pub max_batches: Option<u64>,
    /// Set to stop after the call under way (e.g. on Ctrl-C); the next run goes on.
    pub stop: Option<Arc<AtomicBool>>,
    /// The time that names this run's files (default: now).
    pub now: Option<OffsetDateTime>,
}

/// Build counts of one project or of the whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Build ids listed by `ListBuildsForProject` (each id once).
    pub ids_listed: u64,
    /// Builds fetched that the archive did not hold.
    pub fetched_new: u64,
    /// Builds fetched again because the archive held them only in progress
    /// (or not found).
    pub refreshed: u64,
    /// Listed builds the archive already held complete: not fetched.
    pub unchanged: u64,
    /// Requested ids that `BatchGetBuilds` did not return (`buildsNotFound`,
    /// or simply absent from the response).
    pub not_found: u64,
    /// Builds the archive holds only in progress after this run: fetched
    /// again next time.
    pub still_in_progress: u64,
    /// Archive files written (one per `BatchGetBuilds` call).
    pub files_written: u64,
    /// Bytes written (gzip'd).
    pub bytes_written: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.ids_listed += o.ids_listed;
        self.fetched_new += o.fetched_new;
        self.refreshed += o.refreshed;
        self.unchanged += o.unchanged;
        self.not_found += o.not_found;
        self.still_in_progress += o.still_in_progress;
        self.files_written += o.files_written;
        self.bytes_written += o.bytes_written;
    }
}

/// Why a project's listing ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ListingEnd {
    /// The last page.
    End,
    /// The newest build of the last complete pass: everything older is held.
    LastPass,
    /// Builds older than `--since`.
    Since,
    /// Not finished: an error, or the run was stopped.
    Stopped,
}

/// One project's part of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSummary {
    /// The project name.
    pub project: String,
    /// Its counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Why its listing ended.
    pub listing_ended: ListingEnd,
    /// The call that failed for this project, with the SDK's message; the
    /// other projects still ran, and the next run retries this one.
    pub error: Option<String>,
}

/// Calls made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Requests {
    /// `ListProjects` calls (pages).
    pub list_projects: u64,
    /// `ListBuildsForProject` calls (pages).
    pub list_builds_for_project: u64,
    /// `BatchGetBuilds` calls.
    pub batch_get_builds: u64,
    /// HTTP requests sent, retries included.
    pub http_attempts: u64,
    /// Retries: HTTP requests beyond the first of each call (throttling,
    /// server and network errors, with the SDK's backoff).
    pub retries: u64,
}

/// What happened to the state file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateSummary {
    /// The state file (`DIR/cbstats-fetch.state`).
    pub path: String,
    /// Rebuilt from the archive files (`--rebuild-state`).
    pub rebuilt: bool,
    /// When rebuilt: archive files read.
    pub files_read: u64,
    /// When rebuilt: archive files that could not be read, with the reason
    /// (their builds are fetched again).
    pub unreadable_files: Vec<String>,
    /// A last line cut short by a crash was dropped (what it described is fetched again).
    pub torn_line_dropped: bool,
    /// Half-written files of a crashed run that were removed.
    pub partial_files_removed: u64,
}

/// The closing summary of a run (`cbstats fetch --format json` prints it;
/// schema in `schemas/fetch-summary.schema.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The region fetched from.
    pub region: String,
    /// The archive folder.
    pub archive: String,
    /// Every project, in the order fetched.
    pub projects: Vec<ProjectSummary>,
    /// The sums over `projects`.
    pub totals: Counts,
    /// Calls made.
    pub requests: Requests,
    /// The run stopped before the end (`--max-batches`, or Ctrl-C); the next run goes on.
    pub interrupted: bool,
    /// The state file.
    pub state: StateSummary,
    /// Wall-clock time of the run, in seconds.
    pub elapsed_seconds: f64,
}

impl Summary {
    /// Projects whose calls failed.
    pub fn failed_projects(&self) -> impl Iterator<Item = &ProjectSummary> {
        self.projects.iter().filter(|p| p.error.is_some())
    }
}

/// Progress of a run, for a progress bar. Every method has a default that does nothing.
pub trait Progress {
    /// The projects to fetch are known.
    fn projects(&self, _total: usize) {}
    /// Project `index` (0-based) starts.
    fn project(&self, _index: usize, _name: &str) {}
    /// A project's counts changed (after each page and each response).
    fn counts(&self, _name: &str, _counts: &Counts) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// The JSON Schema (draft 2020-12) of [`Summary`].
pub fn summary_schema() -> schemars::Schema {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Summary>()
}

enum BatchOutcome {
    /// Written; the oldest `startTime` among the builds returned.
    Done { oldest_start: Option<i64> },
    /// The call failed (recorded in the project's summary).
    Failed,
    /// Not made: the run is stopping.
    Stopped,
}

struct Run<'a> {
    conn: &'a Connection,
    opts: &'a FetchOptions,
    state: State,
    namer: Namer,
    progress: &'a dyn Progress,
    requests: Requests,
    interrupted: bool,
}

/// Fetches into `opts.out` what it lacks: see the crate documentation.
///
/// Errors of one project's calls (after the SDK's retries) are recorded in
/// its [`ProjectSummary::error`] and the run goes on with the next project;
/// an error reading or writing the archive, or of `ListProjects`, stops the
/// run (what was written stays recorded).
pub async fn fetch(
    conn: &Connection,
    opts: &FetchOptions,
    progress: &dyn Progress,
) -> Result<Summary, FetchError> {
    let started = Instant::now();
    let attempts_before = conn.meter.attempts.load(Ordering::Relaxed);
    let mut state = State::open(&opts.out, !opts.rebuild_state)?;
    let mut state_summary = StateSummary {
        path: opts
            .out
            .join(layout::STATE_FILE)
            .to_string_lossy()
            .into_owned(),
        torn_line_dropped: state.torn_tail,
        ..StateSummary::default()
    };
    state_summary.partial_files_removed = layout::remove_partials(&opts.out)? as u64;
    if opts.rebuild_state {
        let rebuilt = state.rebuild(&opts.out)?;
        state_summary.rebuilt = true;
        state_summary.files_read = rebuilt.files_read as u64;
        state_summary.unreadable_files = rebuilt.unreadable;
    }
    let mut run = Run {
        conn,
        opts,
        state,
        namer: Namer::new(opts.now.unwrap_or_else(OffsetDateTime::now_utc)),
        progress,
        requests: Requests::default(),
        interrupted: false,
    };
    let projects = if opts.projects.is_empty() {
        run.list_projects().await?
    } else {
        let mut seen = HashSet::new();
        opts.projects
            .iter()
            .filter(|p| seen.insert(p.as_str()))
            .cloned()
            .collect()
    };
    progress.projects(projects.len());
    let mut summaries = Vec::with_capacity(projects.len());
    for (i, name) in projects.iter().enumerate() {
        if run.stopping() {
            break;
        }
        progress.project(i, name);
        summaries.push(run.project(name).await?);
    }
    run.state.compact()?;
    let mut totals = Counts::default();
    for p in &summaries {
        totals.add(&p.counts);
    }
    let mut requests = run.requests.clone();
    requests.http_attempts = conn.meter.attempts.load(Ordering::Relaxed) - attempts_before;
    let calls =
        requests.list_projects + requests.list_builds_for_project + requests.batch_get_builds;
    requests.retries = requests.http_attempts.saturating_sub(calls);
    Ok(Summary {
        region: conn.region.clone(),
        archive: opts.out.to_string_lossy().into_owned(),
        projects: summaries,
        totals,
        requests,
        interrupted: run.interrupted,
        state: state_summary,
        elapsed_seconds: started.elapsed().as_secs_f64(),
    })
}

fn sdk_message<E>(e: &E) -> String
where
    E: std::error::Error + 'static,
{
    DisplayErrorContext(e).to_string()
}

impl Run<'_> {
    /// True (and remembered) once the run must stop before its next call.
    fn stopping(&mut self) -> bool {
        let asked = self
            .opts
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed));
        let limit = self
            .opts
            .max_batches
            .is_some_and(|n| self.requests.batch_get_builds >= n);
        if asked || limit {
            self.interrupted = true;
        }
        self.interrupted
    }

    async fn list_projects(&mut self) -> Result<Vec<String>, FetchError> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self
                .conn
                .client
                .list_projects()
                .sort_by(ProjectSortByType::Name)
                .sort_order(SortOrderType::Ascending);
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            self.requests.list_projects += 1;
            let out = req.send().await.map_err(|e| FetchError::Service {
                operation: "ListProjects",
                message: sdk_message(&e),
            })?;
            names.extend(out.projects().iter().cloned());
            match out.next_token() {
                Some(next) if Some(next) == token.as_deref() => {
                    return Err(FetchError::Service {
                        operation: "ListProjects",
                        message: format!("the service returned the same nextToken twice ({next})"),
                    });
                }
                Some(next) => token = Some(next.to_owned()),
                None => break,
            }
        }
        // Sorted here too: the service sorts by name, not every double does.
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn project(&mut self, name: &str) -> Result<ProjectSummary, FetchError> {
        let region = self.conn.region.clone();
        let before: ProjectState = self
            .state
            .project(&region, name)
            .cloned()
            .unwrap_or_default();
        // The last pass covers what this run asks for only if it reached at
        // least as far back.
        let pass = before
            .pass
            .clone()
            .filter(|p| match (p.since_micros, self.opts.since) {
                (None, _) => true,
                (Some(then), Some(now)) => then <= now.unix_micros(),
                (Some(_), None) => false,
            });
        let since = self.opts.since.map(|t| t.unix_micros());
        let mut s = ProjectSummary {
            project: name.to_owned(),
            counts: Counts::default(),
            listing_ended: ListingEnd::Stopped,
            error: None,
        };
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: Vec<String> = Vec::new();
        let mut newest: Option<String> = None;
        let mut token: Option<String> = None;
        'listing: loop {
            if self.stopping() {
                break;
            }
            let mut req = self
                .conn
                .client
                .list_builds_for_project()
                .project_name(name)
                .sort_order(SortOrderType::Descending);
            if let Some(t) = &token {
                req = req.next_token(t);
            }
            self.requests.list_builds_for_project += 1;
            let out = match req.send().await {
                Ok(out) => out,
                Err(e) => {
                    s.error = Some(format!("ListBuildsForProject: {}", sdk_message(&e)));
                    break;
                }
            };
            if newest.is_none() {
                newest = out.ids().first().cloned();
            }
            let mut reached_pass = false;
            for id in out.ids() {
                if !seen.insert(id.clone()) {
                    continue;
                }
                s.counts.ids_listed += 1;
                if pass.as_ref().is_some_and(|p| &p.listed_through == id) {
                    reached_pass = true;
                }
                if before.builds.get(id) == Some(&Held::Complete) {
                    s.counts.unchanged += 1;
                } else {
                    queue.push(id.clone());
                }
            }
            self.progress.counts(name, &s.counts);
            let mut reached_since = false;
            // With --since, each page's builds are fetched before the next
            // page is listed, to see whether the listing reached older builds.
            while queue.len() >= BATCH_SIZE || (since.is_some() && !queue.is_empty()) {
                let chunk: Vec<String> = queue.drain(..queue.len().min(BATCH_SIZE)).collect();
                match self.batch(name, chunk, &before, &mut s).await? {
                    BatchOutcome::Done { oldest_start } => {
                        reached_since |=
                            matches!((oldest_start, since), (Some(t), Some(s)) if t < s);
                    }
                    BatchOutcome::Failed | BatchOutcome::Stopped => break 'listing,
                }
            }
            let next = out.next_token().map(str::to_owned);
            if reached_pass {
                s.listing_ended = ListingEnd::LastPass;
            } else if reached_since {
                s.listing_ended = ListingEnd::Since;
            } else if next.is_none() {
                s.listing_ended = ListingEnd::End;
            } else if next == token {
                s.error = Some(format!(
                    "ListBuildsForProject: the service returned the same nextToken twice ({})",
                    next.unwrap_or_default()
                ));
                break;
            } else {
                token = next;
                continue;
            }
            break;
        }
        let listed = s.listing_ended != ListingEnd::Stopped;
        if listed {
            // The rest of the listing, then the builds held in progress that
            // the listing did not reach (started before the last pass).
            let refresh: Vec<String> = before
                .incomplete()
                .into_iter()
                .filter(|id| !seen.contains(id))
                .collect();
            let mut rest = std::mem::take(&mut queue);
            rest.extend(refresh);
            for chunk in rest.chunks(BATCH_SIZE) {
                match self.batch(name, chunk.to_vec(), &before, &mut s).await? {
                    BatchOutcome::Done { .. } => {}
                    BatchOutcome::Failed | BatchOutcome::Stopped => break,
                }
            }
        }
        if listed && s.error.is_none() && !self.interrupted {
            if let Some(newest) = &newest {
                self.state.record_pass(&region, name, newest, since)?;
            }
        }
        s.counts.still_in_progress = self.state.project(&region, name).map_or(0, |p| {
            p.builds
                .values()
                .filter(|h| **h == Held::Incomplete)
                .count()
        }) as u64;
        self.progress.counts(name, &s.counts);
        Ok(s)
    }

    async fn batch(
        &mut self,
        project: &str,
        ids: Vec<String>,
        before: &ProjectState,
        s: &mut ProjectSummary,
    ) -> Result<BatchOutcome, FetchError> {
        if self.stopping() {
            return Ok(BatchOutcome::Stopped);
        }
        self.requests.batch_get_builds += 1;
        let capture = BodyCapture::default();
        let sent = self
            .conn
            .client
            .batch_get_builds()
            .set_ids(Some(ids.clone()))
            .customize()
            .interceptor(capture.clone())
            .send()
            .await;
        if let Err(e) = sent {
            s.error = Some(format!("BatchGetBuilds: {}", sdk_message(&e)));
            return Ok(BatchOutcome::Failed);
        }
        let Some(body) = capture.take() else {
            s.error = Some("BatchGetBuilds: the SDK kept no response body".into());
            return Ok(BatchOutcome::Failed);
        };
        let parsed = match parse_body(&body) {
            Ok(p) => p,
            Err(e) => {
                s.error = Some(format!(
                    "BatchGetBuilds: the response is not a JSON object: {e}"
                ));
                return Ok(BatchOutcome::Failed);
            }
        };
        let region = self.conn.region.clone();
        let rel = self.namer.next_path(&self.opts.out, &region, project);
        let gz = layout::gzip(&body);
        layout::write_whole(&self.opts.out.join(&rel), &gz)?;

        let returned: HashSet<&str> = parsed.builds.iter().map(|b| b.id.as_str()).collect();
        let mut not_found: Vec<String> = parsed.not_found.clone();
        let listed_missing: HashSet<&str> = parsed.not_found.iter().map(String::as_str).collect();
        for id in &ids {
            if !returned.contains(id.as_str()) && !listed_missing.contains(id.as_str()) {
                not_found.push(id.clone());
            }
        }
        let (mut complete, mut incomplete) = (Vec::new(), Vec::new());
        for b in &parsed.builds {
            if b.complete {
                complete.push(b.id.clone());
            } else {
                incomplete.push(b.id.clone());
            }
        }
        for id in &ids {
            if returned.contains(id.as_str()) {
                if before.builds.contains_key(id) {
                    s.counts.refreshed += 1;
                } else {
                    s.counts.fetched_new += 1;
                }
            } else {
                s.counts.not_found += 1;
            }
        }
        s.counts.files_written += 1;
        s.counts.bytes_written += gz.len() as u64;
        let rel_text = rel
            .iter()
            .map(|c| c.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        self.state
            .record_batch(&region, project, &rel_text, complete, incomplete, not_found)?;
        self.progress.counts(project, &s.counts);
        let oldest_start = parsed.builds.iter().filter_map(|b| b.start_micros).min();
        Ok(BatchOutcome::Done { oldest_start })
    }
}
