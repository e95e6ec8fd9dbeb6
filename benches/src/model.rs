//! One generated build and how it serializes as a CodeBuild `Build` object.

use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::project::ProjectConfig;
use crate::timefmt::{TimeStyle, Ts, with_style};

/// A build phase type, in API order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PhaseType {
    /// `SUBMITTED`
    Submitted,
    /// `QUEUED`
    Queued,
    /// `PROVISIONING`
    Provisioning,
    /// `DOWNLOAD_SOURCE`
    DownloadSource,
    /// `INSTALL`
    Install,
    /// `PRE_BUILD`
    PreBuild,
    /// `BUILD`
    Build,
    /// `POST_BUILD`
    PostBuild,
    /// `UPLOAD_ARTIFACTS`
    UploadArtifacts,
    /// `FINALIZING`
    Finalizing,
    /// `COMPLETED`
    Completed,
}

impl PhaseType {
    /// Every phase type, in the order the API lists them.
    pub const ALL: [PhaseType; 11] = [
        PhaseType::Submitted,
        PhaseType::Queued,
        PhaseType::Provisioning,
        PhaseType::DownloadSource,
        PhaseType::Install,
        PhaseType::PreBuild,
        PhaseType::Build,
        PhaseType::PostBuild,
        PhaseType::UploadArtifacts,
        PhaseType::Finalizing,
        PhaseType::Completed,
    ];

    /// The wire string, e.g. `DOWNLOAD_SOURCE`.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseType::Submitted => "SUBMITTED",
            PhaseType::Queued => "QUEUED",
            PhaseType::Provisioning => "PROVISIONING",
            PhaseType::DownloadSource => "DOWNLOAD_SOURCE",
            PhaseType::Install => "INSTALL",
            PhaseType::PreBuild => "PRE_BUILD",
            PhaseType::Build => "BUILD",
            PhaseType::PostBuild => "POST_BUILD",
            PhaseType::UploadArtifacts => "UPLOAD_ARTIFACTS",
            PhaseType::Finalizing => "FINALIZING",
            PhaseType::Completed => "COMPLETED",
        }
    }
}

/// A build or phase status (`StatusType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// `SUCCEEDED`
    Succeeded,
    /// `FAILED`
    Failed,
    /// `FAULT`
    Fault,
    /// `TIMED_OUT`
    TimedOut,
    /// `IN_PROGRESS`
    InProgress,
    /// `STOPPED`
    Stopped,
}

impl Status {
    /// Every status, in the order the API lists them.
    pub const ALL: [Status; 6] = [
        Status::Succeeded,
        Status::Failed,
        Status::Fault,
        Status::TimedOut,
        Status::InProgress,
        Status::Stopped,
    ];

    /// The wire string, e.g. `TIMED_OUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Fault => "FAULT",
            Status::TimedOut => "TIMED_OUT",
            Status::InProgress => "IN_PROGRESS",
            Status::Stopped => "STOPPED",
        }
    }

    /// FAILED, FAULT and TIMED_OUT (STOPPED is a cancellation, not a failure).
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::Fault | Status::TimedOut)
    }
}

/// A phase context: `{statusCode, message}`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Context {
    pub status_code: String,
    pub message: String,
}

/// One element of `phases`.
#[derive(Clone, Debug)]
pub(crate) struct Phase {
    pub kind: PhaseType,
    pub status: Option<Status>,
    pub start: i64,
    pub end: Option<i64>,
    /// `None`: the key is absent (SUBMITTED, COMPLETED, a running phase).
    pub contexts: Option<Vec<Context>>,
}

impl Serialize for Phase {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("BuildPhase", 6)?;
        m.serialize_field("phaseType", self.kind.as_str())?;
        if let Some(st) = self.status {
            m.serialize_field("phaseStatus", st.as_str())?;
        }
        m.serialize_field("startTime", &Ts(self.start))?;
        if let Some(end) = self.end {
            m.serialize_field("endTime", &Ts(end))?;
            m.serialize_field("durationInSeconds", &(end - self.start).div_euclid(1000))?;
        }
        if let Some(c) = &self.contexts {
            m.serialize_field("contexts", c)?;
        }
        m.end()
    }
}

/// `autoRetryConfig`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AutoRetry {
    pub auto_retry_limit: u32,
    pub auto_retry_number: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_auto_retry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_auto_retry: Option<String>,
}

/// `artifacts` of one build.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArtifactsOut {
    pub location: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256sum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5sum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_artifact_name: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_identifier: Option<String>,
}

/// `{sourceIdentifier, sourceVersion}` of a secondary source.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SourceVersionOut {
    pub source_identifier: String,
    pub source_version: String,
}

/// `{name, value}` of an exported environment variable.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct NameValue {
    pub name: String,
    pub value: String,
}

/// `networkInterface`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkInterfaceOut {
    pub subnet_id: String,
    pub network_interface_id: String,
}

/// One generated build, serializable as a CodeBuild `Build` object (keys in
/// the service's order, absent fields omitted).
///
/// Timestamps follow the [`TimeStyle`] given to [`Build::to_json`] /
/// [`Build::to_value`]; serializing the struct directly writes the style in
/// force on the thread (the API wire form by default).
#[derive(Clone, Debug)]
pub struct Build {
    pub(crate) project: Arc<ProjectConfig>,
    pub(crate) id: String,
    pub(crate) arn: String,
    pub(crate) uuid: String,
    pub(crate) build_number: u64,
    pub(crate) start: i64,
    pub(crate) end: Option<i64>,
    pub(crate) current_phase: PhaseType,
    pub(crate) status: Status,
    pub(crate) source_version: Option<String>,
    pub(crate) resolved_source_version: Option<String>,
    pub(crate) phases: Vec<Phase>,
    pub(crate) secondary_source_versions: Option<Vec<SourceVersionOut>>,
    pub(crate) artifacts: ArtifactsOut,
    pub(crate) secondary_artifacts: Option<Vec<ArtifactsOut>>,
    pub(crate) logs_created: bool,
    pub(crate) initiator: String,
    pub(crate) network_interface: Option<NetworkInterfaceOut>,
    pub(crate) exported: Option<Vec<NameValue>>,
    pub(crate) report_arns: Option<Vec<String>>,
    pub(crate) auto_retry: Option<AutoRetry>,
}

impl Build {
    /// The build id, `<project>:<uuid>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The build ARN.
    pub fn arn(&self) -> &str {
        &self.arn
    }

    /// The project name.
    pub fn project_name(&self) -> &str {
        &self.project.name
    }

    /// The per-project build number (1 for a project's first build).
    pub fn build_number(&self) -> u64 {
        self.build_number
    }

    /// `buildStatus`.
    pub fn status(&self) -> Status {
        self.status
    }

    /// `startTime` in epoch milliseconds.
    pub fn start_ms(&self) -> i64 {
        self.start
    }

    /// `endTime` in epoch milliseconds; `None` while in progress.
    pub fn end_ms(&self) -> Option<i64> {
        self.end
    }

    /// `buildComplete`.
    pub fn is_complete(&self) -> bool {
        self.status != Status::InProgress
    }

    /// `resolvedSourceVersion`, when the source has one.
    pub fn resolved_source_version(&self) -> Option<&str> {
        self.resolved_source_version.as_deref()
    }

    /// The first phase whose status is present and not SUCCEEDED.
    pub fn failed_phase(&self) -> Option<PhaseType> {
        self.phases
            .iter()
            .find(|p| p.status.is_some_and(|s| s != Status::Succeeded))
            .map(|p| p.kind)
    }

    /// Compact JSON of this build with timestamps in `style`.
    pub fn to_json(&self, style: TimeStyle) -> String {
        with_style(style, || serde_json::to_string(self)).unwrap_or_default()
    }

    /// This build as a `serde_json::Value` with timestamps in `style`.
    ///
    /// Key order of the value depends on serde_json's `preserve_order`
    /// feature; use [`Build::to_json`] or serialize the build for byte-exact
    /// output.
    pub fn to_value(&self, style: TimeStyle) -> serde_json::Value {
        with_style(style, || serde_json::to_value(self)).unwrap_or_default()
    }

    /// A copy of this build as a poll taken at `at_ms` would have returned it:
    /// IN_PROGRESS, phases up to the running one (which has only `phaseType`
    /// and `startTime`), no `endTime`, and no fields that appear only later.
    pub(crate) fn snapshot(&self, at_ms: i64) -> Build {
        let mut phases = Vec::with_capacity(self.phases.len());
        for p in &self.phases {
            match p.end {
                Some(end) if end <= at_ms && p.kind != PhaseType::Completed => {
                    phases.push(p.clone());
                }
                _ => {
                    phases.push(Phase {
                        kind: p.kind,
                        status: None,
                        start: p.start,
                        end: None,
                        contexts: None,
                    });
                    break;
                }
            }
        }
        let current = phases.last().map_or(PhaseType::Submitted, |p| p.kind);
        let mut b = self.clone();
        b.phases = phases;
        b.end = None;
        b.status = Status::InProgress;
        b.current_phase = current;
        b.logs_created = current > PhaseType::Provisioning;
        if current <= PhaseType::Provisioning {
            b.network_interface = None;
        }
        if current < PhaseType::Build {
            b.report_arns = None;
        }
        b.exported = None;
        b.artifacts.sha256sum = None;
        b.artifacts.md5sum = None;
        b
    }
}

/// `logs` of one build.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogsOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deep_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    s3_deep_link: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cloud_watch_logs_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    s3_logs_arn: Option<String>,
    cloud_watch_logs: StatusOnly,
    s3_logs: S3LogsOut<'a>,
}

#[derive(Serialize)]
struct StatusOnly {
    status: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct S3LogsOut<'a> {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    encryption_disabled: bool,
}

impl Build {
    fn logs(&self) -> LogsOut<'_> {
        let p = &*self.project;
        let cw = p.logs.cloudwatch;
        let s3 = p.logs.s3_location.as_deref();
        let created = self.logs_created;
        let group = p.log_group.as_str();
        LogsOut {
            group_name: (cw && created).then_some(group),
            stream_name: (cw && created).then_some(self.uuid.as_str()),
            deep_link: cw.then(|| {
                if created {
                    format!(
                        "https://console.aws.amazon.com/cloudwatch/home?region={}#logEvent:group={};stream={}",
                        p.region, group, self.uuid
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
                    loc, self.uuid, p.region
                )
            }),
            cloud_watch_logs_arn: (cw && created).then(|| {
                format!(
                    "arn:aws:logs:{}:{}:log-group:{}:log-stream:{}",
                    p.region,
                    crate::project::ACCOUNT,
                    group,
                    self.uuid
                )
            }),
            s3_logs_arn: s3
                .filter(|_| created)
                .map(|loc| format!("arn:aws:s3:::{}/{}.gz", loc, self.uuid)),
            cloud_watch_logs: StatusOnly {
                status: if cw { "ENABLED" } else { "DISABLED" },
            },
            s3_logs: S3LogsOut {
                status: if s3.is_some() { "ENABLED" } else { "DISABLED" },
                location: s3,
                encryption_disabled: false,
            },
        }
    }
}

impl Serialize for Build {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = &*self.project;
        let mut m = s.serialize_struct("Build", 33)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("arn", &self.arn)?;
        m.serialize_field("buildNumber", &self.build_number)?;
        m.serialize_field("startTime", &Ts(self.start))?;
        if let Some(end) = self.end {
            m.serialize_field("endTime", &Ts(end))?;
        }
        m.serialize_field("currentPhase", self.current_phase.as_str())?;
        m.serialize_field("buildStatus", self.status.as_str())?;
        if let Some(v) = &self.source_version {
            m.serialize_field("sourceVersion", v)?;
        }
        if let Some(v) = &self.resolved_source_version {
            m.serialize_field("resolvedSourceVersion", v)?;
        }
        m.serialize_field("projectName", &p.name)?;
        m.serialize_field("phases", &self.phases)?;
        m.serialize_field("source", &p.source)?;
        if let Some(v) = &p.secondary_sources {
            m.serialize_field("secondarySources", v)?;
        }
        if let Some(v) = &self.secondary_source_versions {
            m.serialize_field("secondarySourceVersions", v)?;
        }
        m.serialize_field("artifacts", &self.artifacts)?;
        if let Some(v) = &self.secondary_artifacts {
            m.serialize_field("secondaryArtifacts", v)?;
        }
        m.serialize_field("cache", &p.cache)?;
        m.serialize_field("environment", &p.environment)?;
        m.serialize_field("serviceRole", &p.service_role)?;
        m.serialize_field("logs", &self.logs())?;
        m.serialize_field("timeoutInMinutes", &p.timeout_minutes)?;
        m.serialize_field("queuedTimeoutInMinutes", &p.queued_timeout_minutes)?;
        m.serialize_field("buildComplete", &self.is_complete())?;
        m.serialize_field("initiator", &self.initiator)?;
        if let Some(v) = &p.vpc_config {
            m.serialize_field("vpcConfig", v)?;
        }
        if let Some(v) = &self.network_interface {
            m.serialize_field("networkInterface", v)?;
        }
        if let Some(v) = &p.encryption_key {
            m.serialize_field("encryptionKey", v)?;
        }
        if let Some(v) = &self.exported {
            m.serialize_field("exportedEnvironmentVariables", v)?;
        }
        if let Some(v) = &self.report_arns {
            m.serialize_field("reportArns", v)?;
        }
        if let Some(v) = &p.file_system_locations {
            m.serialize_field("fileSystemLocations", v)?;
        }
        if let Some(v) = &p.debug_session {
            m.serialize_field("debugSession", v)?;
        }
        if let Some(v) = &self.auto_retry {
            m.serialize_field("autoRetryConfig", v)?;
        }
        m.end()
    }
}
