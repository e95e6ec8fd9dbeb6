//! The build simulation: arrivals, outcomes, retry chains, rebuilds, and the
//! stream of responses it is cut into.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Zipf};
use time::Date;

use codebuild_model::{
    AutoRetryConfig, Build, BuildArtifacts, BuildPhase, BuildPhaseType, CloudWatchLogsConfig,
    ExportedEnvironmentVariable, LogsLocation, NetworkInterface, PhaseContext,
    ProjectSourceVersion, S3LogsConfig, StatusType,
};

use crate::GenConfig;
use crate::ids::{alnum, derived_rng, hex, pick, uuid_v4};
use crate::project::{
    ACCOUNT, ArtifactsKind, Project, ProjectConfig, Recent, Trigger, USERS, feature_branch,
    make_project, phases_after, project_names,
};
use crate::timefmt::{ms_of, ts, year_month};

const TAG_PROJECTS: u64 = 1;
const TAG_SIM: u64 = 2;
const TAG_RESPONSE: u64 = 3;

/// Share of completed builds that also appear as an earlier IN_PROGRESS poll.
const DUPLICATE_RATE: f64 = 0.015;
/// Share of responses with a non-empty `buildsNotFound`.
const NOT_FOUND_RATE: f64 = 0.06;
/// Relative build volume per UTC hour of day (working hours peak).
const HOUR_WEIGHTS: [f64; 24] = [
    0.12, 0.08, 0.06, 0.06, 0.08, 0.15, 0.30, 0.60, 0.90, 1.00, 1.00, 0.95, 0.75, 0.90, 1.00, 1.00,
    0.95, 0.80, 0.55, 0.40, 0.30, 0.25, 0.20, 0.15,
];
/// Relative volume on Saturdays and Sundays.
const WEEKEND_WEIGHT: f64 = 0.25;

const MS_PER_HOUR: i64 = 3_600_000;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;

/// Every phase type, in the order the API lists them.
const PHASES: [BuildPhaseType; 11] = [
    BuildPhaseType::Submitted,
    BuildPhaseType::Queued,
    BuildPhaseType::Provisioning,
    BuildPhaseType::DownloadSource,
    BuildPhaseType::Install,
    BuildPhaseType::PreBuild,
    BuildPhaseType::Build,
    BuildPhaseType::PostBuild,
    BuildPhaseType::UploadArtifacts,
    BuildPhaseType::Finalizing,
    BuildPhaseType::Completed,
];

/// `startTime` of a generated build in epoch milliseconds (always set).
pub(crate) fn start_ms(b: &Build) -> i64 {
    b.start_time.as_ref().map_or(0, ms_of)
}

/// `endTime` in epoch milliseconds; `None` while in progress.
pub(crate) fn end_ms(b: &Build) -> Option<i64> {
    b.end_time.as_ref().map(ms_of)
}

/// FAILED, FAULT and TIMED_OUT (STOPPED is a cancellation, not a failure).
fn is_failure(status: Option<&StatusType>) -> bool {
    matches!(
        status,
        Some(StatusType::Failed | StatusType::Fault | StatusType::TimedOut)
    )
}

/// The known wire value equal to `value` (the generator writes no others).
fn wire(values: &'static [&'static str], value: &str) -> &'static str {
    values
        .iter()
        .copied()
        .find(|v| *v == value)
        .unwrap_or("UNKNOWN")
}

/// The first phase whose status is present and not SUCCEEDED.
fn failed_phase(b: &Build) -> Option<&BuildPhaseType> {
    b.phases()
        .iter()
        .find(|p| {
            p.phase_status
                .as_ref()
                .is_some_and(|s| *s != StatusType::Succeeded)
        })
        .and_then(|p| p.phase_type.as_ref())
}

/// A phase context `{statusCode, message}`.
fn context(status_code: &str, message: String) -> PhaseContext {
    PhaseContext {
        status_code: Some(status_code.to_string()),
        message: Some(message),
        ..PhaseContext::default()
    }
}

/// One element of `phases`; `durationInSeconds` is the floor of the span.
fn phase(
    kind: BuildPhaseType,
    status: Option<StatusType>,
    start: i64,
    end: Option<i64>,
    contexts: Option<Vec<PhaseContext>>,
) -> BuildPhase {
    BuildPhase {
        phase_type: Some(kind),
        phase_status: status,
        start_time: Some(ts(start)),
        end_time: end.map(ts),
        duration_in_seconds: end.map(|e| (e - start).div_euclid(1000)),
        contexts,
        ..BuildPhase::default()
    }
}

/// `logs` of a build of project `p` whose log stream is `uuid`; before
/// provisioning (`created` false) no stream exists yet.
fn logs(p: &ProjectConfig, uuid: &str, created: bool) -> LogsLocation {
    let cw = p.logs.cloudwatch;
    let s3 = p.logs.s3_location.as_deref();
    let group = p.log_group.as_str();
    let enabled = |on: bool| Some(if on { "ENABLED" } else { "DISABLED" }.into());
    LogsLocation {
        group_name: (cw && created).then(|| group.to_string()),
        stream_name: (cw && created).then(|| uuid.to_string()),
        deep_link: cw.then(|| {
            if created {
                format!(
                    "https://console.aws.amazon.com/cloudwatch/home?region={}#logEvent:group={};stream={}",
                    p.region, group, uuid
                )
            } else {
                format!(
                    "https://console.aws.amazon.com/cloudwatch/home?region={}#logEvent:group=null;stream=null",
                    p.region
                )
            }
        }),
        s3_deep_link: s3.filter(|_| created).map(|loc| {
            format!(
                "https://s3.console.aws.amazon.com/s3/object/{}/{}.gz?region={}",
                loc, uuid, p.region
            )
        }),
        cloud_watch_logs_arn: (cw && created).then(|| {
            format!(
                "arn:aws:logs:{}:{ACCOUNT}:log-group:{}:log-stream:{}",
                p.region, group, uuid
            )
        }),
        s3_logs_arn: s3
            .filter(|_| created)
            .map(|loc| format!("arn:aws:s3:::{loc}/{uuid}.gz")),
        cloud_watch_logs: Some(CloudWatchLogsConfig {
            status: enabled(cw),
            ..CloudWatchLogsConfig::default()
        }),
        s3_logs: Some(S3LogsConfig {
            status: enabled(s3.is_some()),
            location: s3.map(str::to_string),
            encryption_disabled: Some(false),
            ..S3LogsConfig::default()
        }),
        ..LogsLocation::default()
    }
}

/// A copy of `full` (a completed build of project `p`) as a poll taken at
/// `at_ms` would have returned it: IN_PROGRESS, phases up to the running one
/// (which has only `phaseType` and `startTime`), no `endTime`, and no fields
/// that appear only later.
fn snapshot(full: &Build, at_ms: i64, p: &ProjectConfig) -> Build {
    let mut phases = Vec::with_capacity(full.phases().len());
    for ph in full.phases() {
        match ph.end_time.as_ref().map(ms_of) {
            Some(end) if end <= at_ms && ph.phase_type != Some(BuildPhaseType::Completed) => {
                phases.push(ph.clone());
            }
            _ => {
                phases.push(BuildPhase {
                    phase_type: ph.phase_type.clone(),
                    start_time: ph.start_time,
                    ..BuildPhase::default()
                });
                break;
            }
        }
    }
    let current = phases
        .last()
        .and_then(|ph| ph.phase_type.clone())
        .unwrap_or(BuildPhaseType::Submitted);
    let uuid = full
        .id
        .as_deref()
        .and_then(|id| id.split_once(':'))
        .map_or("", |(_, u)| u);
    let mut b = full.clone();
    b.phases = Some(phases);
    b.end_time = None;
    b.build_status = Some(StatusType::InProgress);
    b.build_complete = Some(false);
    b.current_phase = Some(current.as_str().to_string());
    b.logs = Some(logs(p, uuid, current > BuildPhaseType::Provisioning));
    if current <= BuildPhaseType::Provisioning {
        b.network_interface = None;
    }
    if current < BuildPhaseType::Build {
        b.report_arns = None;
    }
    b.exported_environment_variables = None;
    if let Some(a) = b.artifacts.as_mut() {
        a.sha256sum = None;
        a.md5sum = None;
    }
    b
}

/// Ground-truth counts of what the generator wrote, gathered while it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct builds (ids).
    pub builds: u64,
    /// Build records written (distinct builds plus IN_PROGRESS duplicates).
    pub records: u64,
    /// Builds that appear twice: an IN_PROGRESS poll and the completed record.
    pub duplicates: u64,
    /// Builds whose only record is IN_PROGRESS.
    pub in_progress: u64,
    /// Distinct builds per final `buildStatus`.
    pub statuses: BTreeMap<&'static str, u64>,
    /// Completed failed/faulted/timed-out/stopped builds per failed phase.
    pub failed_phases: BTreeMap<&'static str, u64>,
    /// Auto-retry chains with at least one retry.
    pub retry_chains: u64,
    /// Chains whose root failed and whose last build SUCCEEDED.
    pub retry_chains_recovered: u64,
    /// Chains whose last build failed at `autoRetryNumber == autoRetryLimit`.
    pub retry_chains_exhausted: u64,
    /// Links written on one side only (next without previous or vice versa).
    pub one_sided_links: u64,
    /// Builds deliberately started as manual rebuilds of an earlier commit.
    pub manual_rebuilds: u64,
    /// Ids listed in `buildsNotFound`.
    pub builds_not_found: u64,
}

/// One response (one saved file) of the archive, before rendering.
#[derive(Clone, Debug)]
pub struct Response {
    /// File index (0-based, in generation order).
    pub index: u64,
    /// The builds, at most `builds_per_file` minus the not-found ids.
    pub builds: Vec<Build>,
    /// Requested ids the service did not find.
    pub builds_not_found: Vec<String>,
    pub(crate) request_ids: Vec<String>,
    /// When the dump was taken (HTTP `Date`), epoch milliseconds.
    pub date_ms: i64,
    pub(crate) content_length: u64,
}

impl Response {
    /// `yyyy-mm` (UTC) of the dump time: the archive sub-folder.
    pub fn month(&self) -> String {
        year_month(self.date_ms)
    }
}

/// A build waiting for its submission time.
struct Pending {
    start: i64,
    seq: u64,
    project: usize,
    /// Boxed: the heap moves its elements, and a `Build` is large.
    build: Box<Build>,
    rebuild: bool,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.start, self.seq).cmp(&(other.start, other.seq))
    }
}

/// How a build ends.
#[derive(Clone, Debug)]
enum Outcome {
    Success,
    Fail {
        at: BuildPhaseType,
        status: StatusType,
        ctx: PhaseContext,
    },
    Stop {
        at: BuildPhaseType,
    },
}

/// Source version, commit and initiator of a new build.
#[derive(Clone, Debug)]
struct Commit {
    source_version: Option<String>,
    resolved: Option<String>,
    initiator: String,
    rebuild: bool,
}

/// A record ready to be written, and possibly its later completed version.
pub(crate) struct Emitted {
    pub build: Build,
    pub deferred: Option<Build>,
}

/// Cumulative arrival weights per hour of the window.
struct ArrivalCurve {
    cum: Vec<f64>,
}

impl ArrivalCurve {
    fn new(start: Date, days: u32) -> Self {
        let mut cum = Vec::with_capacity(days as usize * 24 + 1);
        cum.push(0.0);
        let mut total = 0.0;
        for d in 0..days {
            let weekday = (start.weekday().number_days_from_monday() as u32 + d) % 7;
            let day_w = if weekday >= 5 { WEEKEND_WEIGHT } else { 1.0 };
            for w in HOUR_WEIGHTS {
                total += w * day_w;
                cum.push(total);
            }
        }
        ArrivalCurve { cum }
    }

    /// Offset (ms from the window start) of quantile `q` in [0, 1).
    fn at(&self, q: f64) -> i64 {
        let total = *self.cum.last().unwrap_or(&0.0);
        let target = q * total;
        let h = self.cum.partition_point(|&c| c <= target).saturating_sub(1);
        let h = h.min(self.cum.len().saturating_sub(2));
        let w = self.cum[h + 1] - self.cum[h];
        let frac = if w > 0.0 {
            ((target - self.cum[h]) / w).clamp(0.0, 0.999_999)
        } else {
            0.0
        };
        h as i64 * MS_PER_HOUR + (frac * MS_PER_HOUR as f64) as i64
    }
}

/// The simulation: per-project state, the pending retries, and counters.
pub(crate) struct Sim {
    n: u64,
    window_start: i64,
    window_end: i64,
    tail_start: i64,
    rng: ChaCha8Rng,
    pub projects: Vec<Project>,
    zipf: Zipf<f64>,
    curve: ArrivalCurve,
    reserved: u64,
    next_arrival: Option<i64>,
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    pub counts: Counts,
    /// The planted change, with its start in ms.
    plant: Option<(crate::Plant, i64)>,
}

fn date_ms(d: Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
}

impl Sim {
    pub fn new(cfg: &GenConfig) -> Self {
        let mut prng = derived_rng(cfg.seed, TAG_PROJECTS, 0);
        let count = cfg.projects.max(1) as usize;
        let names = project_names(&mut prng, count);
        let projects = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| make_project(&mut prng, i, name))
            .collect();
        let days = cfg.days.max(1);
        let window_start = date_ms(cfg.start);
        let window_end = window_start + i64::from(days) * MS_PER_DAY;
        let tail = (MS_PER_HOUR * 6).max((window_end - window_start) / 100);
        Sim {
            n: cfg.builds,
            window_start,
            window_end,
            tail_start: window_end - tail,
            rng: derived_rng(cfg.seed, TAG_SIM, 0),
            projects,
            zipf: Zipf::new(count as f64, 1.07).expect("valid zipf parameters"),
            curve: ArrivalCurve::new(cfg.start, days),
            reserved: 0,
            next_arrival: None,
            heap: BinaryHeap::new(),
            seq: 0,
            counts: Counts::default(),
            plant: cfg.plant.clone().map(|p| {
                let from = p.from.map_or(i64::MIN, date_ms);
                (p, from)
            }),
        }
    }

    /// The plant, when it applies to project `p` (at any time).
    fn plant_of(&self, p: usize) -> Option<&crate::Plant> {
        self.plant
            .as_ref()
            .filter(|(pl, _)| pl.project as usize == p)
            .map(|(pl, _)| pl)
    }

    /// The plant, when it applies to a build of project `p` starting at `start` (ms).
    fn planted(&self, p: usize, start: i64) -> Option<&crate::Plant> {
        self.plant
            .as_ref()
            .filter(|(pl, from)| pl.project as usize == p && start >= *from)
            .map(|(pl, _)| pl)
    }

    /// The next record in submission order, or `None` when all are written.
    pub fn next_record(&mut self) -> Option<Emitted> {
        loop {
            if self.next_arrival.is_none() && self.reserved < self.n {
                let u: f64 = self.rng.random();
                let q = (self.reserved as f64 + u) / self.n as f64;
                self.next_arrival = Some(self.window_start + self.curve.at(q));
            }
            let top = self.heap.peek().map(|p| p.0.start);
            match (top, self.next_arrival) {
                (Some(t), Some(a)) if t <= a => return Some(self.emit()),
                (Some(_), None) => return Some(self.emit()),
                (_, Some(a)) => {
                    self.next_arrival = None;
                    self.spawn_chain(a);
                }
                (None, None) => return None,
            }
        }
    }

    fn emit(&mut self) -> Emitted {
        let Some(Reverse(pending)) = self.heap.pop() else {
            unreachable!("emit is only called with a pending build");
        };
        let mut build = *pending.build;
        let proj = &mut self.projects[pending.project];
        build.build_number = Some(proj.next_build_number as i64);
        proj.next_build_number += 1;

        let c = &mut self.counts;
        c.builds += 1;
        c.records += 1;
        let status = build.build_status.as_ref().map_or("", StatusType::as_str);
        *c.statuses
            .entry(wire(StatusType::VALUES, status))
            .or_default() += 1;
        if pending.rebuild {
            c.manual_rebuilds += 1;
        }
        if build.is_complete() {
            if let Some(fp) = failed_phase(&build) {
                let fp = wire(BuildPhaseType::VALUES, fp.as_str());
                *c.failed_phases.entry(fp).or_default() += 1;
            }
            if let (Some(sv), Some(rsv), Some(end)) = (
                &build.source_version,
                &build.resolved_source_version,
                end_ms(&build),
            ) {
                proj.recent.push_back(Recent {
                    source_version: sv.clone(),
                    resolved: rsv.clone(),
                    end,
                    failed: is_failure(build.build_status.as_ref()),
                });
                if proj.recent.len() > 12 {
                    proj.recent.pop_front();
                }
            }
        } else {
            c.in_progress += 1;
        }

        let start = start_ms(&build);
        if let (true, Some(end)) = (build.is_complete(), end_ms(&build))
            && end - start > 2
            && self.rng.random_bool(DUPLICATE_RATE)
        {
            let at = self.rng.random_range(start + 1..end);
            let snap = snapshot(&build, at, &proj.config);
            self.counts.duplicates += 1;
            self.counts.records += 1;
            return Emitted {
                build: snap,
                deferred: Some(build),
            };
        }
        Emitted {
            build,
            deferred: None,
        }
    }

    fn pick_project(&mut self) -> usize {
        let k = self.zipf.sample(&mut self.rng) as usize;
        k.clamp(1, self.projects.len()) - 1
    }

    fn spawn_chain(&mut self, arrival: i64) {
        let p = self.pick_project();
        let budget = self.n - self.reserved;
        let commit = self.choose_commit(p, arrival);
        let outcome = self.draw_outcome(p, &commit, arrival);
        let root = self.make_build(p, arrival, &commit, &outcome);
        let mut members = vec![root];
        let limit = self.projects[p].behavior.auto_retry_limit;
        if let Some(limit) = limit
            && is_failure(members[0].build_status.as_ref())
        {
            let hard = self.rng.random_bool(self.projects[p].behavior.hard_fail);
            let recover = self.projects[p].behavior.recover;
            for _ in 1..=limit {
                let last = members.last().expect("chain has a root");
                let Some(prev_end) = end_ms(last) else { break };
                if !is_failure(last.build_status.as_ref()) || members.len() as u64 >= budget {
                    break;
                }
                let start = prev_end + self.rng.random_range(1_000..20_000);
                if start >= self.window_end {
                    break;
                }
                let oc = if hard {
                    outcome.clone()
                } else if self.rng.random_bool(recover) {
                    Outcome::Success
                } else {
                    self.draw_failure(p, &commit)
                };
                let b = self.make_build(p, start, &commit, &oc);
                members.push(b);
            }
        }
        if let Some(limit) = limit {
            let arns: Vec<String> = members
                .iter()
                .map(|b| b.arn.clone().unwrap_or_default())
                .collect();
            let len = members.len();
            for (i, b) in members.iter_mut().enumerate() {
                b.auto_retry_config = Some(AutoRetryConfig {
                    auto_retry_limit: Some(limit as i32),
                    auto_retry_number: Some(i as i32),
                    next_auto_retry: arns.get(i + 1).cloned(),
                    previous_auto_retry: (i > 0).then(|| arns[i - 1].clone()),
                    ..AutoRetryConfig::default()
                });
            }
            // Rarely only one side of a link was recorded.
            for i in 0..len.saturating_sub(1) {
                let r: f64 = self.rng.random();
                if r < 0.03 {
                    if let Some(a) = members[i].auto_retry_config.as_mut() {
                        a.next_auto_retry = None;
                    }
                    self.counts.one_sided_links += 1;
                } else if r < 0.06 {
                    if let Some(a) = members[i + 1].auto_retry_config.as_mut() {
                        a.previous_auto_retry = None;
                    }
                    self.counts.one_sided_links += 1;
                }
            }
            if len > 1 {
                self.counts.retry_chains += 1;
                let last = &members[len - 1];
                if last.build_status == Some(StatusType::Succeeded) {
                    self.counts.retry_chains_recovered += 1;
                } else if is_failure(last.build_status.as_ref()) && len as u32 - 1 == limit {
                    self.counts.retry_chains_exhausted += 1;
                }
            }
        }
        self.reserved += members.len() as u64;
        for (i, build) in members.into_iter().enumerate() {
            self.seq += 1;
            self.heap.push(Reverse(Pending {
                start: start_ms(&build),
                seq: self.seq,
                project: p,
                build: Box::new(build),
                rebuild: i == 0 && commit.rebuild,
            }));
        }
    }

    fn choose_commit(&mut self, p: usize, arrival: i64) -> Commit {
        let rng = &mut self.rng;
        let proj = &mut self.projects[p];
        let b = &proj.behavior;
        let kind = proj.config.source_kind;
        let person = |rng: &mut ChaCha8Rng| pick(rng, USERS).to_string();
        if kind == "NO_SOURCE" {
            let initiator = if rng.random_bool(0.7) {
                "codebuild-scheduler-role/nightly-maintenance".to_string()
            } else {
                person(rng)
            };
            return Commit {
                source_version: None,
                resolved: None,
                initiator,
                rebuild: false,
            };
        }
        let default_initiator = |rng: &mut ChaCha8Rng, b: &crate::project::Behavior| {
            if rng.random_bool(b.manual_rate) {
                return person(rng);
            }
            match &b.trigger {
                Trigger::Pipeline(name) => format!("codepipeline/{name}"),
                Trigger::Webhook(agent) => agent.clone(),
                Trigger::Manual => person(rng),
            }
        };
        if kind == "S3" {
            let initiator = default_initiator(rng, b);
            return Commit {
                source_version: Some(alnum(rng, 32)),
                resolved: None,
                initiator,
                rebuild: false,
            };
        }
        // Manual rebuild of a commit whose build already finished.
        if rng.random_bool(b.rebuild_rate) {
            let eligible: Vec<&Recent> = proj.recent.iter().filter(|r| r.end < arrival).collect();
            if !eligible.is_empty() {
                let failed = eligible.iter().rev().find(|r| r.failed);
                let chosen = match failed {
                    Some(f) if rng.random_bool(0.7) => *f,
                    _ => *pick(rng, &eligible),
                };
                return Commit {
                    source_version: Some(chosen.source_version.clone()),
                    resolved: Some(chosen.resolved.clone()),
                    initiator: person(rng),
                    rebuild: true,
                };
            }
        }
        let release = || {
            format!(
                "refs/heads/release/{}",
                year_month(arrival).replace('-', ".")
            )
        };
        let sv = match b.trigger {
            Trigger::Pipeline(_) => {
                if rng.random_bool(0.92) {
                    b.main_branch.to_string()
                } else {
                    release()
                }
            }
            Trigger::Webhook(_) | Trigger::Manual => {
                let r: f64 = rng.random();
                if r < 0.40 {
                    b.main_branch.to_string()
                } else if r < 0.50 {
                    if b.has_develop {
                        "refs/heads/develop".to_string()
                    } else {
                        b.main_branch.to_string()
                    }
                } else if r < 0.72 {
                    if rng.random_bool(0.05) {
                        let slot = rng.random_range(0..proj.features.len());
                        proj.features[slot] = feature_branch(rng);
                    }
                    pick(rng, &proj.features).clone()
                } else if r < 0.95 && !matches!(b.trigger, Trigger::Manual) {
                    if rng.random_bool(0.35) {
                        proj.next_pr += 1;
                    }
                    let back = rng.random_range(0..4).min(proj.next_pr.saturating_sub(1));
                    format!("pr/{}", proj.next_pr - back)
                } else {
                    release()
                }
            }
        };
        let initiator = default_initiator(rng, b);
        Commit {
            source_version: Some(sv),
            resolved: Some(hex(rng, 40)),
            initiator,
            rebuild: false,
        }
    }

    fn draw_outcome(&mut self, p: usize, commit: &Commit, start: i64) -> Outcome {
        let b = &self.projects[p].behavior;
        let (mut fail, stop) = (b.fail_rate, b.stop_rate);
        // The plant draws extra numbers only for its own project's builds.
        let rate = |permille: u32| f64::from(permille) / 1000.0;
        if let Some(base) = self.plant_of(p).and_then(|pl| pl.base_fail_permille) {
            fail = rate(base);
        }
        if let Some(pl) = self.planted(p, start).cloned() {
            if let Some(f) = pl.fail_permille {
                fail = rate(f);
            }
            if let Some(n) = pl.new_reason_permille
                && self.rng.random_bool(rate(n).min(1.0))
            {
                return Outcome::Fail {
                    at: BuildPhaseType::Build,
                    status: StatusType::Failed,
                    ctx: context("COMMAND_EXECUTION_ERROR", crate::PLANTED_REASON.to_string()),
                };
            }
        }
        let r: f64 = self.rng.random();
        if r < fail {
            self.draw_failure(p, commit)
        } else if r < fail + stop {
            let r: f64 = self.rng.random();
            let at = if r < 0.15 {
                BuildPhaseType::Queued
            } else if r < 0.20 {
                BuildPhaseType::Provisioning
            } else if r < 0.25 {
                BuildPhaseType::DownloadSource
            } else if r < 0.35 {
                BuildPhaseType::Install
            } else if r < 0.45 {
                BuildPhaseType::PreBuild
            } else {
                BuildPhaseType::Build
            };
            Outcome::Stop { at }
        } else {
            Outcome::Success
        }
    }

    fn draw_failure(&mut self, p: usize, commit: &Commit) -> Outcome {
        let rng = &mut self.rng;
        let proj = &self.projects[p];
        let b = &proj.behavior;
        let cfg = &proj.config;
        let exit = |rng: &mut ChaCha8Rng| {
            let r: f64 = rng.random();
            if r < 0.70 {
                1
            } else if r < 0.88 {
                2
            } else {
                137
            }
        };
        let cmd_error = |cmd: &str, code: u32| {
            context(
                "COMMAND_EXECUTION_ERROR",
                format!("Error while executing command: {cmd}. Reason: exit status {code}"),
            )
        };
        let fail = |at, ctx| Outcome::Fail {
            at,
            status: StatusType::Failed,
            ctx,
        };
        let short = commit
            .resolved
            .as_deref()
            .map_or_else(|| "latest".to_string(), |r| r[..7].to_string());
        let sv = commit.source_version.clone().unwrap_or_default();
        // Custom images fail to pull now and then (expired ECR permissions, a
        // deleted tag); curated images only hit account limits.
        let r: f64 = if b.custom_image && rng.random_bool(0.15) {
            0.75
        } else {
            rng.random()
        };
        if r < 0.55 {
            let cmd = *pick(rng, b.stack.test_commands());
            fail(BuildPhaseType::Build, cmd_error(cmd, exit(rng)))
        } else if r < 0.60 {
            Outcome::Fail {
                at: BuildPhaseType::Build,
                status: StatusType::TimedOut,
                ctx: context("BUILD_TIMED_OUT", "Build has timed out. ".to_string()),
            }
        } else if r < 0.64 {
            let at = if rng.random_bool(0.6) {
                BuildPhaseType::Provisioning
            } else {
                BuildPhaseType::Build
            };
            let message = if at == BuildPhaseType::Provisioning {
                "Internal service error. Please retry the build.".to_string()
            } else {
                "Build container found dead before completing the build. Build container died because it was out of memory, or the Docker image is not supported. ErrorCode: 500".to_string()
            };
            Outcome::Fail {
                at,
                status: StatusType::Fault,
                ctx: context("INTERNAL_ERROR", message),
            }
        } else if r < 0.71 {
            let ctx = match rng.random_range(0..4) {
                0 => context(
                    "CLIENT_ERROR",
                    format!("repository not found for primary source and source version {short}"),
                ),
                1 => context(
                    "CLIENT_ERROR",
                    format!("authentication required for primary source and source version {sv}"),
                ),
                2 => context(
                    "CLIENT_ERROR",
                    format!("reference not found for primary source and source version {sv}"),
                ),
                _ => context(
                    "YAML_FILE_ERROR",
                    format!(
                        "stat /codebuild/output/src{}/src/buildspec.yml: no such file or directory",
                        rng.random_range(100_000_000u64..999_999_999)
                    ),
                ),
            };
            fail(BuildPhaseType::DownloadSource, ctx)
        } else if r < 0.77 && (b.custom_image || rng.random_bool(0.5)) {
            let ctx = if b.custom_image && rng.random_bool(0.85) {
                let image = cfg.environment.image.as_deref().unwrap_or_default();
                let repo = image.split(['@', ':']).next().unwrap_or(image);
                let detail = if rng.random_bool(0.5) {
                    format!(
                        "pull access denied for {repo}, repository does not exist or may require 'docker login': denied: User: arn:aws:sts::{ACCOUNT}:assumed-role/codebuild-{}-service-role/AWSCodeBuild-{} is not authorized to perform: ecr:BatchGetImage",
                        cfg.name,
                        uuid_v4(rng)
                    )
                } else {
                    format!(
                        "manifest for {image} not found: manifest unknown: Requested image not found"
                    )
                };
                context(
                    "BUILD_CONTAINER_UNABLE_TO_PULL_IMAGE",
                    format!(
                        "Unable to pull customer's container image. CannotPullContainerError: Error response from daemon: {detail}"
                    ),
                )
            } else {
                context(
                    "ACCOUNT_LIMIT_EXCEEDED",
                    "Cannot have more than 20 active builds for the account".to_string(),
                )
            };
            fail(BuildPhaseType::Provisioning, ctx)
        } else if r < 0.77 {
            let cmd = *pick(rng, b.stack.test_commands());
            fail(BuildPhaseType::Build, cmd_error(cmd, exit(rng)))
        } else if r < 0.85 {
            let ctx = if rng.random_bool(0.7) {
                cmd_error(b.stack.install_command(), exit(rng))
            } else {
                let (name, asked, avail) = b.stack.runtime();
                context(
                    "YAML_FILE_ERROR",
                    format!(
                        "Unknown runtime version named '{asked}' of {name}. This build image has the following versions: {avail}"
                    ),
                )
            };
            fail(BuildPhaseType::Install, ctx)
        } else if r < 0.92 {
            let cmd = if rng.random_bool(0.5) {
                format!(
                    "aws ecr get-login-password --region {} | docker login --username AWS --password-stdin {ACCOUNT}.dkr.ecr.{}.amazonaws.com",
                    cfg.region, cfg.region
                )
            } else {
                pick(
                    rng,
                    &["npm run lint", "./scripts/check-version.sh", "make deps"],
                )
                .to_string()
            };
            fail(BuildPhaseType::PreBuild, cmd_error(&cmd, exit(rng)))
        } else if r < 0.95 {
            let cmd = *pick(
                rng,
                &[
                    "docker push $REPOSITORY_URI:$IMAGE_TAG",
                    "aws s3 sync dist/ s3://$DEPLOY_BUCKET/ --delete",
                    "./scripts/notify.sh",
                    "printf '[{\"name\":\"app\",\"imageUri\":\"%s\"}]' $REPOSITORY_URI:$IMAGE_TAG > imagedefinitions.json",
                ],
            );
            fail(BuildPhaseType::PostBuild, cmd_error(cmd, exit(rng)))
        } else {
            let message = if rng.random_bool(0.7) {
                "no matching artifact paths found".to_string()
            } else {
                format!(
                    "AccessDenied: Access Denied\n\tstatus code: 403, request id: {}, host id: {}",
                    hex(rng, 16).to_uppercase(),
                    alnum(rng, 56)
                )
            };
            fail(
                BuildPhaseType::UploadArtifacts,
                context("CLIENT_ERROR", message),
            )
        }
    }

    fn make_build(&mut self, p: usize, start: i64, commit: &Commit, outcome: &Outcome) -> Build {
        let planted_factor = self
            .planted(p, start)
            .and_then(|pl| pl.build_factor_percent)
            .map(|f| f64::from(f) / 100.0);
        let rng = &mut self.rng;
        let proj = &self.projects[p];
        let cfg = proj.config.clone();
        let b = &proj.behavior;

        const FINALIZING: &[BuildPhaseType] = &[BuildPhaseType::Finalizing];
        let (stop_at, fail_status, fail_ctx, after): (_, _, _, &[BuildPhaseType]) = match outcome {
            Outcome::Success => (None, StatusType::Succeeded, None, &[]),
            Outcome::Fail { at, status, ctx } => {
                (Some(at), status.clone(), Some(ctx), phases_after(at))
            }
            Outcome::Stop { at } => (
                Some(at),
                StatusType::Stopped,
                None,
                if *at == BuildPhaseType::Queued {
                    &[]
                } else {
                    FINALIZING
                },
            ),
        };
        let empty_context = || context("", String::new());

        let mut phases = Vec::with_capacity(11);
        let mut t = start;
        let mut since_provisioning = 0i64;
        for (i, pt) in PHASES[..10].iter().enumerate() {
            if let Some(at) = stop_at
                && pt > at
                && !after.contains(pt)
            {
                continue;
            }
            let mut secs = b.phase[i].sample(rng);
            if *pt == BuildPhaseType::Build
                && let Some(f) = planted_factor
            {
                secs *= f;
            }
            if *pt == BuildPhaseType::Queued && rng.random_bool(b.long_queue) {
                let long = LogNormal::new(300f64.ln(), 0.9).expect("valid lognormal");
                secs += long.sample(rng);
                secs = secs.min(f64::from(cfg.queued_timeout_minutes) * 60.0 - 1.0);
            }
            let failed_here = stop_at == Some(pt);
            if failed_here {
                secs *= rng.random_range(0.05..1.0);
            }
            let mut ms = ((secs * 1000.0).round() as i64).max(1);
            if failed_here && fail_status == StatusType::TimedOut {
                let limit = i64::from(cfg.timeout_minutes) * 60_000;
                ms = (limit - since_provisioning).max(60_000) + rng.random_range(0..3_000);
            }
            if *pt >= BuildPhaseType::Provisioning {
                since_provisioning += ms;
            }
            let status = if failed_here {
                fail_status.clone()
            } else {
                StatusType::Succeeded
            };
            let contexts = if *pt == BuildPhaseType::Submitted {
                None
            } else if failed_here {
                Some(vec![fail_ctx.cloned().unwrap_or_else(empty_context)])
            } else if b.empty_contexts && *pt > BuildPhaseType::Provisioning {
                Some(vec![empty_context()])
            } else {
                Some(Vec::new())
            };
            phases.push(phase(pt.clone(), Some(status), t, Some(t + ms), contexts));
            t += ms;
        }
        phases.push(phase(BuildPhaseType::Completed, None, t, None, None));
        let end = t;
        let reached =
            |pt: BuildPhaseType| phases.iter().any(|ph| ph.phase_type == Some(pt.clone()));
        let reached_build = reached(BuildPhaseType::Build);
        let provisioned = reached(BuildPhaseType::DownloadSource)
            || (reached(BuildPhaseType::Provisioning)
                && stop_at != Some(&BuildPhaseType::Provisioning));
        let succeeded = fail_status == StatusType::Succeeded;

        let uuid = uuid_v4(rng);
        let id = format!("{}:{}", cfg.name, uuid);
        let arn = format!("arn:aws:codebuild:{}:{ACCOUNT}:build/{}", cfg.region, id);
        let artifacts = match &cfg.artifacts {
            ArtifactsKind::None => BuildArtifacts {
                location: Some(String::new()),
                ..BuildArtifacts::default()
            },
            ArtifactsKind::S3 { location, zip } => BuildArtifacts {
                location: Some(location.clone()),
                sha256sum: (*zip && succeeded).then(|| hex(rng, 64)),
                md5sum: (*zip && succeeded).then(|| hex(rng, 32)),
                override_artifact_name: Some(false),
                encryption_disabled: Some(false),
                ..BuildArtifacts::default()
            },
            ArtifactsKind::Pipeline { bucket_prefix } => BuildArtifacts {
                location: Some(format!("{bucket_prefix}/BuildArtif/{}", alnum(rng, 7))),
                override_artifact_name: Some(false),
                encryption_disabled: Some(false),
                ..BuildArtifacts::default()
            },
        };
        let secondary_artifacts = (!cfg.secondary_artifact_ids.is_empty()).then(|| {
            cfg.secondary_artifact_ids
                .iter()
                .map(|ident| BuildArtifacts {
                    location: Some(format!(
                        "arn:aws:s3:::acme-build-artifacts-{}/{}/{}",
                        cfg.region, cfg.name, ident
                    )),
                    override_artifact_name: Some(false),
                    encryption_disabled: Some(false),
                    artifact_identifier: Some(ident.clone()),
                    ..BuildArtifacts::default()
                })
                .collect()
        });
        let secondary_source_versions = cfg.secondary_sources.as_ref().map(|srcs| {
            srcs.iter()
                .map(|s| ProjectSourceVersion {
                    source_identifier: Some(s.source_identifier.clone().unwrap_or_default()),
                    source_version: Some(hex(rng, 40)),
                    ..ProjectSourceVersion::default()
                })
                .collect()
        });
        let network_interface =
            cfg.vpc_config
                .as_ref()
                .filter(|_| provisioned)
                .map(|v| NetworkInterface {
                    subnet_id: Some(pick(rng, v.subnets()).clone()),
                    network_interface_id: Some(format!("eni-{}", hex(rng, 17))),
                    ..NetworkInterface::default()
                });
        let report_arns = (!cfg.report_groups.is_empty() && reached_build).then(|| {
            cfg.report_groups
                .iter()
                .map(|g| {
                    format!(
                        "arn:aws:codebuild:{}:{ACCOUNT}:report/{}:{}",
                        cfg.region,
                        g,
                        uuid_v4(rng)
                    )
                })
                .collect()
        });
        let exported_var = |name: &str, value: String| ExportedEnvironmentVariable {
            name: Some(name.to_string()),
            value: Some(value),
            ..ExportedEnvironmentVariable::default()
        };
        let exported = (cfg.exports && reached_build).then(|| {
            vec![
                exported_var(
                    "IMAGE_TAG",
                    commit
                        .resolved
                        .as_deref()
                        .map_or_else(|| "latest".to_string(), |r| r[..7].to_string()),
                ),
                exported_var(
                    "BUILD_RESULT",
                    if succeeded { "ok" } else { "failed" }.to_string(),
                ),
            ]
        });
        let full = Build {
            id: Some(id),
            arn: Some(arn),
            // Numbered in submission order when emitted.
            build_number: Some(0),
            start_time: Some(ts(start)),
            end_time: Some(ts(end)),
            current_phase: Some(BuildPhaseType::Completed.as_str().to_string()),
            build_status: Some(fail_status),
            source_version: commit.source_version.clone(),
            resolved_source_version: commit.resolved.clone(),
            project_name: Some(cfg.name.clone()),
            phases: Some(phases),
            source: Some(cfg.source.clone()),
            secondary_sources: cfg.secondary_sources.clone(),
            secondary_source_versions,
            artifacts: Some(artifacts),
            secondary_artifacts,
            cache: Some(cfg.cache.clone()),
            environment: Some(cfg.environment.clone()),
            service_role: Some(cfg.service_role.clone()),
            logs: Some(logs(&cfg, &uuid, provisioned)),
            timeout_in_minutes: Some(cfg.timeout_minutes as i32),
            queued_timeout_in_minutes: Some(cfg.queued_timeout_minutes as i32),
            build_complete: Some(true),
            initiator: Some(commit.initiator.clone()),
            vpc_config: cfg.vpc_config.clone(),
            network_interface,
            encryption_key: cfg.encryption_key.clone(),
            exported_environment_variables: exported,
            report_arns,
            file_system_locations: cfg.file_system_locations.clone(),
            debug_session: cfg.debug_session.clone(),
            auto_retry_config: None,
            ..Build::default()
        };
        // Still running when the archive was last polled.
        if end > self.window_end {
            let at = (self.window_end - rng.random_range(0..120_000)).max(start + 1);
            return snapshot(&full, at, &cfg);
        }
        if start >= self.tail_start && end - start > 2 && rng.random_bool(0.5) {
            let at = rng.random_range(start + 1..end);
            return snapshot(&full, at, &cfg);
        }
        full
    }
}

/// Streams the archive's responses, one per file, in order.
///
/// Memory stays bounded: per-project state, the builds of the response being
/// assembled, retries not yet submitted, and completed versions of duplicated
/// builds waiting for a later file.
pub struct Generator {
    seed: u64,
    builds_per_file: u32,
    sim: Sim,
    next_index: u64,
    deferred: VecDeque<(u64, Build)>,
}

impl Generator {
    /// A generator for `cfg`, positioned at file 0.
    pub fn new(cfg: &GenConfig) -> Self {
        Generator {
            seed: cfg.seed,
            builds_per_file: cfg.builds_per_file.max(1),
            sim: Sim::new(cfg),
            next_index: 0,
            deferred: VecDeque::new(),
        }
    }

    /// Ground-truth counts of everything generated so far.
    pub fn counts(&self) -> &Counts {
        &self.sim.counts
    }

    /// Names of the generated projects, busiest first.
    pub fn project_names(&self) -> Vec<String> {
        self.sim
            .projects
            .iter()
            .map(|p| p.config.name.clone())
            .collect()
    }
}

impl Iterator for Generator {
    type Item = Response;

    fn next(&mut self) -> Option<Response> {
        let index = self.next_index;
        let mut frng = derived_rng(self.seed, TAG_RESPONSE, index);
        let bpf = self.builds_per_file as usize;
        let not_found = if bpf > 1 && frng.random_bool(NOT_FOUND_RATE) {
            frng.random_range(1..=3usize).min(bpf - 1)
        } else {
            0
        };
        let capacity = bpf - not_found;
        let mut builds = Vec::with_capacity(capacity);
        let mut exhausted = false;
        while builds.len() < capacity {
            if let Some((min_file, _)) = self.deferred.front()
                && (*min_file <= index || exhausted)
            {
                if let Some((_, b)) = self.deferred.pop_front() {
                    builds.push(b);
                }
                continue;
            }
            if exhausted {
                break;
            }
            match self.sim.next_record() {
                Some(e) => {
                    if let Some(full) = e.deferred {
                        let delay = 1 + self.sim.rng.random_range(0..3u64);
                        self.deferred.push_back((index + delay, full));
                    }
                    builds.push(e.build);
                }
                None => {
                    exhausted = true;
                    // Completed versions must land in a later file than their
                    // IN_PROGRESS poll: end this file if it holds one.
                    if !builds.is_empty() {
                        break;
                    }
                }
            }
        }
        if builds.is_empty() {
            return None;
        }
        self.next_index += 1;
        let builds_not_found: Vec<String> = (0..not_found)
            .map(|_| {
                let p = frng.random_range(0..self.sim.projects.len());
                format!(
                    "{}:{}",
                    self.sim.projects[p].config.name,
                    uuid_v4(&mut frng)
                )
            })
            .collect();
        self.sim.counts.builds_not_found += builds_not_found.len() as u64;
        let latest = builds
            .iter()
            .map(|b| end_ms(b).unwrap_or(start_ms(b)))
            .max()
            .unwrap_or(0)
            .max(builds.iter().map(start_ms).max().unwrap_or(0));
        let date_ms = latest + frng.random_range(5_000..600_000);
        let request_ids = (0..4).map(|_| uuid_v4(&mut frng)).collect();
        let content_length = builds.len() as u64 * 3_900 + frng.random_range(0..1_000);
        Some(Response {
            index,
            builds,
            builds_not_found,
            request_ids,
            date_ms,
            content_length,
        })
    }
}
