//! Conversions between the AWS SDK for Rust's CodeBuild types
//! (`aws_sdk_codebuild::types::Build` and every type nested in it) and the
//! model (feature `aws-sdk`, off by default).
//!
//! An SDK user converts the builds `batch_get_builds` returned into the
//! model, then writes them as JSON (the JSON Schema accepts them, given
//! known enum values), and anyone reads them back with this crate:
//!
//! ```
//! use aws_sdk_codebuild::types as sdk;
//! use codebuild_model::Build;
//!
//! let from_the_sdk = sdk::Build::builder()
//!     .id("web:1")
//!     .build_status(sdk::StatusType::Succeeded)
//!     .start_time(aws_sdk_codebuild::primitives::DateTime::from_secs(1_479_832_341))
//!     .build_complete(true)
//!     .build();
//! let build = Build::try_from(from_the_sdk.clone())?;
//! let json = serde_json::to_string(&build).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"id":"web:1","startTime":"2016-11-22T16:32:21.000000Z","buildStatus":"SUCCEEDED","buildComplete":true}"#
//! );
//! let read: Build = codebuild_model::from_str(&json).unwrap();
//! assert_eq!(sdk::Build::try_from(read)?, from_the_sdk);
//! # Ok::<(), codebuild_model::SdkConversionError>(())
//! ```
//!
//! Both ways every member maps to the member of the same name, enum values
//! by their wire strings (a value one side does not know is kept verbatim by
//! the other: the SDK's `Unknown` and the model's `Unknown` both hold it).
//!
//! **SDK to model** keeps everything, except timestamps below the
//! microsecond (the model's resolution; the service sends milliseconds),
//! which are truncated. It fails only for a timestamp outside the years
//! 0000 to 9999, which the model cannot write. The SDK reads
//! `buildComplete` as `false` when the service leaves it out, so the model
//! gets `Some(false)` then.
//!
//! **Model to SDK** fails when a member the SDK requires is absent (e.g.
//! `environment.image`, `source.type`, an environment variable's `name`);
//! the error names its path. The SDK has no place for what it drops:
//! `environment.hostKernel` (not in this SDK version), every object's
//! `unknown_members`, and a response's `ResponseMetadata`; an absent
//! `buildComplete` becomes `false`.

use std::fmt;

use aws_sdk_codebuild::operation::batch_get_builds::BatchGetBuildsOutput as SdkOutput;
use aws_sdk_codebuild::primitives::DateTime;
use aws_sdk_codebuild::types as sdk;

use crate::*;

/// Why a value could not be converted between the model and the AWS SDK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdkConversionError {
    path: String,
    message: String,
}

impl SdkConversionError {
    fn new(member: &str, message: impl Into<String>) -> Self {
        SdkConversionError {
            path: member.to_owned(),
            message: message.into(),
        }
    }

    /// The same error, in member `parent` (a name, or `[i]` in a list).
    fn within(mut self, parent: &str) -> Self {
        self.path = if self.path.is_empty() {
            parent.to_owned()
        } else if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }

    /// The path of the offending member, by wire names
    /// (`builds[0].environment.image`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for SdkConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for SdkConversionError {}

type R<T> = Result<T, SdkConversionError>;

/// `v`, which the SDK's `shape` requires.
fn required<T>(v: Option<T>, member: &str, shape: &str) -> R<T> {
    v.ok_or_else(|| {
        SdkConversionError::new(member, format!("absent, but the SDK's {shape} requires it"))
    })
}

/// Converts an optional member, naming it in errors.
fn opt<A, B>(v: Option<A>, member: &str, f: impl FnOnce(A) -> R<B>) -> R<Option<B>> {
    v.map(|a| f(a).map_err(|e| e.within(member))).transpose()
}

/// Converts an optional list, naming the member and the index in errors.
fn list<A, B>(v: Option<Vec<A>>, member: &str, f: impl Fn(A) -> R<B>) -> R<Option<Vec<B>>> {
    v.map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, a)| f(a).map_err(|e| e.within(&format!("[{i}]")).within(member)))
            .collect()
    })
    .transpose()
}

/// A list of enum values (never fails).
fn values<A, B: From<A>>(v: Option<Vec<A>>) -> Option<Vec<B>> {
    v.map(|items| items.into_iter().map(B::from).collect())
}

/// The SDK builder's own check, should one of its required members slip
/// through [`required`].
fn built<T>(r: Result<T, aws_sdk_codebuild::error::BuildError>) -> R<T> {
    r.map_err(|e| SdkConversionError::new("", e.to_string()))
}

fn time_to_sdk(t: Timestamp) -> R<DateTime> {
    DateTime::from_nanos(i128::from(t.unix_micros()) * 1_000)
        .map_err(|e| SdkConversionError::new("", e.to_string()))
}

fn time_from_sdk(t: DateTime) -> R<Timestamp> {
    let micros = t.as_nanos().div_euclid(1_000);
    i64::try_from(micros)
        .ok()
        .and_then(Timestamp::from_unix_micros)
        .ok_or_else(|| {
            SdkConversionError::new(
                "",
                format!("{t} is outside the years 0000 to 9999 that the model can write"),
            )
        })
}

// ---- enums ----

macro_rules! enums {
    ($($name:ident),+ $(,)?) => {$(
        /// By the wire string: a value either side does not know is kept.
        impl From<sdk::$name> for $name {
            fn from(v: sdk::$name) -> Self {
                $name::from(v.as_str())
            }
        }

        /// By the wire string: a value either side does not know is kept.
        impl From<$name> for sdk::$name {
            fn from(v: $name) -> Self {
                sdk::$name::from(v.as_str())
            }
        }
    )+};
}

enums!(
    StatusType,
    BuildPhaseType,
    SourceType,
    SourceAuthType,
    BucketOwnerAccess,
    CacheType,
    CacheMode,
    EnvironmentType,
    ComputeType,
    MachineType,
    EnvironmentVariableType,
    CredentialProviderType,
    ImagePullCredentialsType,
    LogsConfigStatusType,
    FileSystemType,
);

// ---- structs: SDK to model ----

fn build_from(b: sdk::Build) -> R<Build> {
    Ok(Build {
        id: b.id,
        arn: b.arn,
        build_number: b.build_number,
        start_time: opt(b.start_time, "startTime", time_from_sdk)?,
        end_time: opt(b.end_time, "endTime", time_from_sdk)?,
        current_phase: b.current_phase,
        build_status: b.build_status.map(Into::into),
        source_version: b.source_version,
        resolved_source_version: b.resolved_source_version,
        project_name: b.project_name,
        phases: list(b.phases, "phases", phase_from)?,
        source: b.source.map(source_from),
        secondary_sources: b
            .secondary_sources
            .map(|v| v.into_iter().map(source_from).collect()),
        secondary_source_versions: b
            .secondary_source_versions
            .map(|v| v.into_iter().map(source_version_from).collect()),
        artifacts: b.artifacts.map(artifacts_from),
        secondary_artifacts: b
            .secondary_artifacts
            .map(|v| v.into_iter().map(artifacts_from).collect()),
        cache: b.cache.map(cache_from),
        environment: b.environment.map(environment_from),
        service_role: b.service_role,
        logs: b.logs.map(logs_from),
        timeout_in_minutes: b.timeout_in_minutes,
        queued_timeout_in_minutes: b.queued_timeout_in_minutes,
        build_complete: Some(b.build_complete),
        initiator: b.initiator,
        vpc_config: b.vpc_config.map(vpc_from),
        network_interface: b.network_interface.map(network_interface_from),
        encryption_key: b.encryption_key,
        exported_environment_variables: b
            .exported_environment_variables
            .map(|v| v.into_iter().map(exported_from).collect()),
        report_arns: b.report_arns,
        file_system_locations: b
            .file_system_locations
            .map(|v| v.into_iter().map(file_system_from).collect()),
        debug_session: b.debug_session.map(debug_session_from),
        build_batch_arn: b.build_batch_arn,
        auto_retry_config: b.auto_retry_config.map(auto_retry_from),
        unknown_members: UnknownMembers::new(),
    })
}

fn phase_from(p: sdk::BuildPhase) -> R<BuildPhase> {
    Ok(BuildPhase {
        phase_type: p.phase_type.map(Into::into),
        phase_status: p.phase_status.map(Into::into),
        start_time: opt(p.start_time, "startTime", time_from_sdk)?,
        end_time: opt(p.end_time, "endTime", time_from_sdk)?,
        duration_in_seconds: p.duration_in_seconds,
        contexts: p
            .contexts
            .map(|v| v.into_iter().map(context_from).collect()),
        unknown_members: UnknownMembers::new(),
    })
}

fn context_from(c: sdk::PhaseContext) -> PhaseContext {
    PhaseContext {
        status_code: c.status_code,
        message: c.message,
        unknown_members: UnknownMembers::new(),
    }
}

fn source_from(s: sdk::ProjectSource) -> ProjectSource {
    ProjectSource {
        r#type: Some(s.r#type.into()),
        location: s.location,
        git_clone_depth: s.git_clone_depth,
        git_submodules_config: s.git_submodules_config.map(git_submodules_from),
        buildspec: s.buildspec,
        auth: s.auth.map(auth_from),
        report_build_status: s.report_build_status,
        build_status_config: s.build_status_config.map(build_status_config_from),
        insecure_ssl: s.insecure_ssl,
        source_identifier: s.source_identifier,
        unknown_members: UnknownMembers::new(),
    }
}

fn git_submodules_from(g: sdk::GitSubmodulesConfig) -> GitSubmodulesConfig {
    GitSubmodulesConfig {
        fetch_submodules: Some(g.fetch_submodules),
        unknown_members: UnknownMembers::new(),
    }
}

fn auth_from(a: sdk::SourceAuth) -> SourceAuth {
    SourceAuth {
        r#type: Some(a.r#type.into()),
        resource: a.resource,
        unknown_members: UnknownMembers::new(),
    }
}

fn build_status_config_from(c: sdk::BuildStatusConfig) -> BuildStatusConfig {
    BuildStatusConfig {
        context: c.context,
        target_url: c.target_url,
        unknown_members: UnknownMembers::new(),
    }
}

fn source_version_from(v: sdk::ProjectSourceVersion) -> ProjectSourceVersion {
    ProjectSourceVersion {
        source_identifier: Some(v.source_identifier),
        source_version: Some(v.source_version),
        unknown_members: UnknownMembers::new(),
    }
}

fn artifacts_from(a: sdk::BuildArtifacts) -> BuildArtifacts {
    BuildArtifacts {
        location: a.location,
        sha256sum: a.sha256_sum,
        md5sum: a.md5_sum,
        override_artifact_name: a.override_artifact_name,
        encryption_disabled: a.encryption_disabled,
        artifact_identifier: a.artifact_identifier,
        bucket_owner_access: a.bucket_owner_access.map(Into::into),
        unknown_members: UnknownMembers::new(),
    }
}

fn cache_from(c: sdk::ProjectCache) -> ProjectCache {
    ProjectCache {
        r#type: Some(c.r#type.into()),
        location: c.location,
        modes: values(c.modes),
        cache_namespace: c.cache_namespace,
        unknown_members: UnknownMembers::new(),
    }
}

fn environment_from(e: sdk::ProjectEnvironment) -> ProjectEnvironment {
    ProjectEnvironment {
        r#type: Some(e.r#type.into()),
        image: Some(e.image),
        compute_type: Some(e.compute_type.into()),
        compute_configuration: e.compute_configuration.map(compute_configuration_from),
        fleet: e.fleet.map(fleet_from),
        environment_variables: e
            .environment_variables
            .map(|v| v.into_iter().map(environment_variable_from).collect()),
        privileged_mode: e.privileged_mode,
        certificate: e.certificate,
        registry_credential: e.registry_credential.map(registry_credential_from),
        image_pull_credentials_type: e.image_pull_credentials_type.map(Into::into),
        docker_server: e.docker_server.map(docker_server_from),
        host_kernel: None,
        unknown_members: UnknownMembers::new(),
    }
}

fn compute_configuration_from(c: sdk::ComputeConfiguration) -> ComputeConfiguration {
    ComputeConfiguration {
        v_cpu: c.v_cpu,
        memory: c.memory,
        disk: c.disk,
        machine_type: c.machine_type.map(Into::into),
        instance_type: c.instance_type,
        unknown_members: UnknownMembers::new(),
    }
}

fn fleet_from(f: sdk::ProjectFleet) -> ProjectFleet {
    ProjectFleet {
        fleet_arn: f.fleet_arn,
        unknown_members: UnknownMembers::new(),
    }
}

fn environment_variable_from(v: sdk::EnvironmentVariable) -> EnvironmentVariable {
    EnvironmentVariable {
        name: Some(v.name),
        value: Some(v.value),
        r#type: v.r#type.map(Into::into),
        unknown_members: UnknownMembers::new(),
    }
}

fn registry_credential_from(r: sdk::RegistryCredential) -> RegistryCredential {
    RegistryCredential {
        credential: Some(r.credential),
        credential_provider: Some(r.credential_provider.into()),
        unknown_members: UnknownMembers::new(),
    }
}

fn docker_server_from(d: sdk::DockerServer) -> DockerServer {
    DockerServer {
        compute_type: Some(d.compute_type.into()),
        security_group_ids: d.security_group_ids,
        status: d.status.map(docker_status_from),
        unknown_members: UnknownMembers::new(),
    }
}

fn docker_status_from(s: sdk::DockerServerStatus) -> DockerServerStatus {
    DockerServerStatus {
        status: s.status,
        message: s.message,
        unknown_members: UnknownMembers::new(),
    }
}

fn logs_from(l: sdk::LogsLocation) -> LogsLocation {
    LogsLocation {
        group_name: l.group_name,
        stream_name: l.stream_name,
        deep_link: l.deep_link,
        s3_deep_link: l.s3_deep_link,
        cloud_watch_logs_arn: l.cloud_watch_logs_arn,
        s3_logs_arn: l.s3_logs_arn,
        cloud_watch_logs: l.cloud_watch_logs.map(cloud_watch_logs_from),
        s3_logs: l.s3_logs.map(s3_logs_from),
        unknown_members: UnknownMembers::new(),
    }
}

fn cloud_watch_logs_from(c: sdk::CloudWatchLogsConfig) -> CloudWatchLogsConfig {
    CloudWatchLogsConfig {
        status: Some(c.status.into()),
        group_name: c.group_name,
        stream_name: c.stream_name,
        unknown_members: UnknownMembers::new(),
    }
}

fn s3_logs_from(s: sdk::S3LogsConfig) -> S3LogsConfig {
    S3LogsConfig {
        status: Some(s.status.into()),
        location: s.location,
        encryption_disabled: s.encryption_disabled,
        bucket_owner_access: s.bucket_owner_access.map(Into::into),
        unknown_members: UnknownMembers::new(),
    }
}

fn vpc_from(v: sdk::VpcConfig) -> VpcConfig {
    VpcConfig {
        vpc_id: v.vpc_id,
        subnets: v.subnets,
        security_group_ids: v.security_group_ids,
        unknown_members: UnknownMembers::new(),
    }
}

fn network_interface_from(n: sdk::NetworkInterface) -> NetworkInterface {
    NetworkInterface {
        subnet_id: n.subnet_id,
        network_interface_id: n.network_interface_id,
        unknown_members: UnknownMembers::new(),
    }
}

fn exported_from(e: sdk::ExportedEnvironmentVariable) -> ExportedEnvironmentVariable {
    ExportedEnvironmentVariable {
        name: e.name,
        value: e.value,
        unknown_members: UnknownMembers::new(),
    }
}

fn file_system_from(l: sdk::ProjectFileSystemLocation) -> ProjectFileSystemLocation {
    ProjectFileSystemLocation {
        r#type: l.r#type.map(Into::into),
        location: l.location,
        mount_point: l.mount_point,
        identifier: l.identifier,
        mount_options: l.mount_options,
        unknown_members: UnknownMembers::new(),
    }
}

fn debug_session_from(d: sdk::DebugSession) -> DebugSession {
    DebugSession {
        session_enabled: d.session_enabled,
        session_target: d.session_target,
        unknown_members: UnknownMembers::new(),
    }
}

fn auto_retry_from(a: sdk::AutoRetryConfig) -> AutoRetryConfig {
    AutoRetryConfig {
        auto_retry_limit: a.auto_retry_limit,
        auto_retry_number: a.auto_retry_number,
        next_auto_retry: a.next_auto_retry,
        previous_auto_retry: a.previous_auto_retry,
        unknown_members: UnknownMembers::new(),
    }
}

// ---- structs: model to SDK ----
//
// Each destructures the model struct whole, so a member added to the model
// and not converted here does not compile.

fn build_to(b: Build) -> R<sdk::Build> {
    let Build {
        id,
        arn,
        build_number,
        start_time,
        end_time,
        current_phase,
        build_status,
        source_version,
        resolved_source_version,
        project_name,
        phases,
        source,
        secondary_sources,
        secondary_source_versions,
        artifacts,
        secondary_artifacts,
        cache,
        environment,
        service_role,
        logs,
        timeout_in_minutes,
        queued_timeout_in_minutes,
        build_complete,
        initiator,
        vpc_config,
        network_interface,
        encryption_key,
        exported_environment_variables,
        report_arns,
        file_system_locations,
        debug_session,
        build_batch_arn,
        auto_retry_config,
        unknown_members: _,
    } = b;
    Ok(sdk::Build::builder()
        .set_id(id)
        .set_arn(arn)
        .set_build_number(build_number)
        .set_start_time(opt(start_time, "startTime", time_to_sdk)?)
        .set_end_time(opt(end_time, "endTime", time_to_sdk)?)
        .set_current_phase(current_phase)
        .set_build_status(build_status.map(Into::into))
        .set_source_version(source_version)
        .set_resolved_source_version(resolved_source_version)
        .set_project_name(project_name)
        .set_phases(list(phases, "phases", phase_to)?)
        .set_source(opt(source, "source", source_to)?)
        .set_secondary_sources(list(secondary_sources, "secondarySources", source_to)?)
        .set_secondary_source_versions(list(
            secondary_source_versions,
            "secondarySourceVersions",
            source_version_to,
        )?)
        .set_artifacts(artifacts.map(artifacts_to))
        .set_secondary_artifacts(
            secondary_artifacts.map(|v| v.into_iter().map(artifacts_to).collect()),
        )
        .set_cache(opt(cache, "cache", cache_to)?)
        .set_environment(opt(environment, "environment", environment_to)?)
        .set_service_role(service_role)
        .set_logs(opt(logs, "logs", logs_to)?)
        .set_timeout_in_minutes(timeout_in_minutes)
        .set_queued_timeout_in_minutes(queued_timeout_in_minutes)
        .set_build_complete(build_complete)
        .set_initiator(initiator)
        .set_vpc_config(vpc_config.map(vpc_to))
        .set_network_interface(network_interface.map(network_interface_to))
        .set_encryption_key(encryption_key)
        .set_exported_environment_variables(
            exported_environment_variables.map(|v| v.into_iter().map(exported_to).collect()),
        )
        .set_report_arns(report_arns)
        .set_file_system_locations(
            file_system_locations.map(|v| v.into_iter().map(file_system_to).collect()),
        )
        .set_debug_session(debug_session.map(debug_session_to))
        .set_build_batch_arn(build_batch_arn)
        .set_auto_retry_config(auto_retry_config.map(auto_retry_to))
        .build())
}

fn phase_to(p: BuildPhase) -> R<sdk::BuildPhase> {
    let BuildPhase {
        phase_type,
        phase_status,
        start_time,
        end_time,
        duration_in_seconds,
        contexts,
        unknown_members: _,
    } = p;
    Ok(sdk::BuildPhase::builder()
        .set_phase_type(phase_type.map(Into::into))
        .set_phase_status(phase_status.map(Into::into))
        .set_start_time(opt(start_time, "startTime", time_to_sdk)?)
        .set_end_time(opt(end_time, "endTime", time_to_sdk)?)
        .set_duration_in_seconds(duration_in_seconds)
        .set_contexts(contexts.map(|v| v.into_iter().map(context_to).collect()))
        .build())
}

fn context_to(c: PhaseContext) -> sdk::PhaseContext {
    let PhaseContext {
        status_code,
        message,
        unknown_members: _,
    } = c;
    sdk::PhaseContext::builder()
        .set_status_code(status_code)
        .set_message(message)
        .build()
}

fn source_to(s: ProjectSource) -> R<sdk::ProjectSource> {
    let ProjectSource {
        r#type,
        location,
        git_clone_depth,
        git_submodules_config,
        buildspec,
        auth,
        report_build_status,
        build_status_config,
        insecure_ssl,
        source_identifier,
        unknown_members: _,
    } = s;
    let git_submodules_config = opt(
        git_submodules_config,
        "gitSubmodulesConfig",
        git_submodules_to,
    )?;
    let auth = opt(auth, "auth", auth_to)?;
    built(
        sdk::ProjectSource::builder()
            .r#type(required(r#type, "type", "ProjectSource")?.into())
            .set_location(location)
            .set_git_clone_depth(git_clone_depth)
            .set_git_submodules_config(git_submodules_config)
            .set_buildspec(buildspec)
            .set_auth(auth)
            .set_report_build_status(report_build_status)
            .set_build_status_config(build_status_config.map(build_status_config_to))
            .set_insecure_ssl(insecure_ssl)
            .set_source_identifier(source_identifier)
            .build(),
    )
}

fn git_submodules_to(g: GitSubmodulesConfig) -> R<sdk::GitSubmodulesConfig> {
    let GitSubmodulesConfig {
        fetch_submodules,
        unknown_members: _,
    } = g;
    built(
        sdk::GitSubmodulesConfig::builder()
            .fetch_submodules(required(
                fetch_submodules,
                "fetchSubmodules",
                "GitSubmodulesConfig",
            )?)
            .build(),
    )
}

fn auth_to(a: SourceAuth) -> R<sdk::SourceAuth> {
    let SourceAuth {
        r#type,
        resource,
        unknown_members: _,
    } = a;
    built(
        sdk::SourceAuth::builder()
            .r#type(required(r#type, "type", "SourceAuth")?.into())
            .set_resource(resource)
            .build(),
    )
}

fn build_status_config_to(c: BuildStatusConfig) -> sdk::BuildStatusConfig {
    let BuildStatusConfig {
        context,
        target_url,
        unknown_members: _,
    } = c;
    sdk::BuildStatusConfig::builder()
        .set_context(context)
        .set_target_url(target_url)
        .build()
}

fn source_version_to(v: ProjectSourceVersion) -> R<sdk::ProjectSourceVersion> {
    let ProjectSourceVersion {
        source_identifier,
        source_version,
        unknown_members: _,
    } = v;
    let shape = "ProjectSourceVersion";
    built(
        sdk::ProjectSourceVersion::builder()
            .source_identifier(required(source_identifier, "sourceIdentifier", shape)?)
            .source_version(required(source_version, "sourceVersion", shape)?)
            .build(),
    )
}

fn artifacts_to(a: BuildArtifacts) -> sdk::BuildArtifacts {
    let BuildArtifacts {
        location,
        sha256sum,
        md5sum,
        override_artifact_name,
        encryption_disabled,
        artifact_identifier,
        bucket_owner_access,
        unknown_members: _,
    } = a;
    sdk::BuildArtifacts::builder()
        .set_location(location)
        .set_sha256_sum(sha256sum)
        .set_md5_sum(md5sum)
        .set_override_artifact_name(override_artifact_name)
        .set_encryption_disabled(encryption_disabled)
        .set_artifact_identifier(artifact_identifier)
        .set_bucket_owner_access(bucket_owner_access.map(Into::into))
        .build()
}

fn cache_to(c: ProjectCache) -> R<sdk::ProjectCache> {
    let ProjectCache {
        r#type,
        location,
        modes,
        cache_namespace,
        unknown_members: _,
    } = c;
    built(
        sdk::ProjectCache::builder()
            .r#type(required(r#type, "type", "ProjectCache")?.into())
            .set_location(location)
            .set_modes(values(modes))
            .set_cache_namespace(cache_namespace)
            .build(),
    )
}

fn environment_to(e: ProjectEnvironment) -> R<sdk::ProjectEnvironment> {
    let ProjectEnvironment {
        r#type,
        image,
        compute_type,
        compute_configuration,
        fleet,
        environment_variables,
        privileged_mode,
        certificate,
        registry_credential,
        image_pull_credentials_type,
        docker_server,
        host_kernel: _,
        unknown_members: _,
    } = e;
    let shape = "ProjectEnvironment";
    let environment_variables = list(
        environment_variables,
        "environmentVariables",
        environment_variable_to,
    )?;
    let registry_credential = opt(
        registry_credential,
        "registryCredential",
        registry_credential_to,
    )?;
    let docker_server = opt(docker_server, "dockerServer", docker_server_to)?;
    built(
        sdk::ProjectEnvironment::builder()
            .r#type(required(r#type, "type", shape)?.into())
            .image(required(image, "image", shape)?)
            .compute_type(required(compute_type, "computeType", shape)?.into())
            .set_compute_configuration(compute_configuration.map(compute_configuration_to))
            .set_fleet(fleet.map(fleet_to))
            .set_environment_variables(environment_variables)
            .set_privileged_mode(privileged_mode)
            .set_certificate(certificate)
            .set_registry_credential(registry_credential)
            .set_image_pull_credentials_type(image_pull_credentials_type.map(Into::into))
            .set_docker_server(docker_server)
            .build(),
    )
}

fn compute_configuration_to(c: ComputeConfiguration) -> sdk::ComputeConfiguration {
    let ComputeConfiguration {
        v_cpu,
        memory,
        disk,
        machine_type,
        instance_type,
        unknown_members: _,
    } = c;
    sdk::ComputeConfiguration::builder()
        .set_v_cpu(v_cpu)
        .set_memory(memory)
        .set_disk(disk)
        .set_machine_type(machine_type.map(Into::into))
        .set_instance_type(instance_type)
        .build()
}

fn fleet_to(f: ProjectFleet) -> sdk::ProjectFleet {
    let ProjectFleet {
        fleet_arn,
        unknown_members: _,
    } = f;
    sdk::ProjectFleet::builder()
        .set_fleet_arn(fleet_arn)
        .build()
}

fn environment_variable_to(v: EnvironmentVariable) -> R<sdk::EnvironmentVariable> {
    let EnvironmentVariable {
        name,
        value,
        r#type,
        unknown_members: _,
    } = v;
    let shape = "EnvironmentVariable";
    built(
        sdk::EnvironmentVariable::builder()
            .name(required(name, "name", shape)?)
            .value(required(value, "value", shape)?)
            .set_type(r#type.map(Into::into))
            .build(),
    )
}

fn registry_credential_to(r: RegistryCredential) -> R<sdk::RegistryCredential> {
    let RegistryCredential {
        credential,
        credential_provider,
        unknown_members: _,
    } = r;
    let shape = "RegistryCredential";
    built(
        sdk::RegistryCredential::builder()
            .credential(required(credential, "credential", shape)?)
            .credential_provider(required(credential_provider, "credentialProvider", shape)?.into())
            .build(),
    )
}

fn docker_server_to(d: DockerServer) -> R<sdk::DockerServer> {
    let DockerServer {
        compute_type,
        security_group_ids,
        status,
        unknown_members: _,
    } = d;
    built(
        sdk::DockerServer::builder()
            .compute_type(required(compute_type, "computeType", "DockerServer")?.into())
            .set_security_group_ids(security_group_ids)
            .set_status(status.map(docker_status_to))
            .build(),
    )
}

fn docker_status_to(s: DockerServerStatus) -> sdk::DockerServerStatus {
    let DockerServerStatus {
        status,
        message,
        unknown_members: _,
    } = s;
    sdk::DockerServerStatus::builder()
        .set_status(status)
        .set_message(message)
        .build()
}

fn logs_to(l: LogsLocation) -> R<sdk::LogsLocation> {
    let LogsLocation {
        group_name,
        stream_name,
        deep_link,
        s3_deep_link,
        cloud_watch_logs_arn,
        s3_logs_arn,
        cloud_watch_logs,
        s3_logs,
        unknown_members: _,
    } = l;
    let cloud_watch_logs = opt(cloud_watch_logs, "cloudWatchLogs", cloud_watch_logs_to)?;
    let s3_logs = opt(s3_logs, "s3Logs", s3_logs_to)?;
    Ok(sdk::LogsLocation::builder()
        .set_group_name(group_name)
        .set_stream_name(stream_name)
        .set_deep_link(deep_link)
        .set_s3_deep_link(s3_deep_link)
        .set_cloud_watch_logs_arn(cloud_watch_logs_arn)
        .set_s3_logs_arn(s3_logs_arn)
        .set_cloud_watch_logs(cloud_watch_logs)
        .set_s3_logs(s3_logs)
        .build())
}

fn cloud_watch_logs_to(c: CloudWatchLogsConfig) -> R<sdk::CloudWatchLogsConfig> {
    let CloudWatchLogsConfig {
        status,
        group_name,
        stream_name,
        unknown_members: _,
    } = c;
    built(
        sdk::CloudWatchLogsConfig::builder()
            .status(required(status, "status", "CloudWatchLogsConfig")?.into())
            .set_group_name(group_name)
            .set_stream_name(stream_name)
            .build(),
    )
}

fn s3_logs_to(s: S3LogsConfig) -> R<sdk::S3LogsConfig> {
    let S3LogsConfig {
        status,
        location,
        encryption_disabled,
        bucket_owner_access,
        unknown_members: _,
    } = s;
    built(
        sdk::S3LogsConfig::builder()
            .status(required(status, "status", "S3LogsConfig")?.into())
            .set_location(location)
            .set_encryption_disabled(encryption_disabled)
            .set_bucket_owner_access(bucket_owner_access.map(Into::into))
            .build(),
    )
}

fn vpc_to(v: VpcConfig) -> sdk::VpcConfig {
    let VpcConfig {
        vpc_id,
        subnets,
        security_group_ids,
        unknown_members: _,
    } = v;
    sdk::VpcConfig::builder()
        .set_vpc_id(vpc_id)
        .set_subnets(subnets)
        .set_security_group_ids(security_group_ids)
        .build()
}

fn network_interface_to(n: NetworkInterface) -> sdk::NetworkInterface {
    let NetworkInterface {
        subnet_id,
        network_interface_id,
        unknown_members: _,
    } = n;
    sdk::NetworkInterface::builder()
        .set_subnet_id(subnet_id)
        .set_network_interface_id(network_interface_id)
        .build()
}

fn exported_to(e: ExportedEnvironmentVariable) -> sdk::ExportedEnvironmentVariable {
    let ExportedEnvironmentVariable {
        name,
        value,
        unknown_members: _,
    } = e;
    sdk::ExportedEnvironmentVariable::builder()
        .set_name(name)
        .set_value(value)
        .build()
}

fn file_system_to(l: ProjectFileSystemLocation) -> sdk::ProjectFileSystemLocation {
    let ProjectFileSystemLocation {
        r#type,
        location,
        mount_point,
        identifier,
        mount_options,
        unknown_members: _,
    } = l;
    sdk::ProjectFileSystemLocation::builder()
        .set_type(r#type.map(Into::into))
        .set_location(location)
        .set_mount_point(mount_point)
        .set_identifier(identifier)
        .set_mount_options(mount_options)
        .build()
}

fn debug_session_to(d: DebugSession) -> sdk::DebugSession {
    let DebugSession {
        session_enabled,
        session_target,
        unknown_members: _,
    } = d;
    sdk::DebugSession::builder()
        .set_session_enabled(session_enabled)
        .set_session_target(session_target)
        .build()
}

fn auto_retry_to(a: AutoRetryConfig) -> sdk::AutoRetryConfig {
    let AutoRetryConfig {
        auto_retry_limit,
        auto_retry_number,
        next_auto_retry,
        previous_auto_retry,
        unknown_members: _,
    } = a;
    sdk::AutoRetryConfig::builder()
        .set_auto_retry_limit(auto_retry_limit)
        .set_auto_retry_number(auto_retry_number)
        .set_next_auto_retry(next_auto_retry)
        .set_previous_auto_retry(previous_auto_retry)
        .build()
}

// ---- the whole response ----

fn output_from(o: SdkOutput) -> R<BatchGetBuildsResponse> {
    Ok(BatchGetBuildsResponse {
        builds: list(o.builds, "builds", build_from)?,
        builds_not_found: o.builds_not_found,
        response_metadata: None,
        unknown_members: UnknownMembers::new(),
    })
}

fn output_to(r: BatchGetBuildsResponse) -> R<SdkOutput> {
    let BatchGetBuildsResponse {
        builds,
        builds_not_found,
        response_metadata: _,
        unknown_members: _,
    } = r;
    Ok(SdkOutput::builder()
        .set_builds(list(builds, "builds", build_to)?)
        .set_builds_not_found(builds_not_found)
        .build())
}

// ---- the public conversions ----

/// A conversion that cannot fail, as one that can.
fn ok<A, B>(f: impl Fn(A) -> B) -> impl Fn(A) -> R<B> {
    move |a| Ok(f(a))
}

macro_rules! conversions {
    ($($model:ty, $sdk:ty, $from:expr, $to:expr;)+) => {$(
        /// From the AWS SDK's type of the same name (see [`crate::sdk`]
        /// for what is lost).
        impl TryFrom<$sdk> for $model {
            type Error = SdkConversionError;
            fn try_from(v: $sdk) -> Result<Self, SdkConversionError> {
                $from(v)
            }
        }

        /// To the AWS SDK's type of the same name (see [`crate::sdk`] for
        /// what is lost and what is required).
        impl TryFrom<$model> for $sdk {
            type Error = SdkConversionError;
            fn try_from(v: $model) -> Result<Self, SdkConversionError> {
                $to(v)
            }
        }
    )+};
}

conversions! {
    BatchGetBuildsResponse, SdkOutput, output_from, output_to;
    Build, sdk::Build, build_from, build_to;
    BuildPhase, sdk::BuildPhase, phase_from, phase_to;
    PhaseContext, sdk::PhaseContext, ok(context_from), ok(context_to);
    ProjectSource, sdk::ProjectSource, ok(source_from), source_to;
    GitSubmodulesConfig, sdk::GitSubmodulesConfig, ok(git_submodules_from), git_submodules_to;
    SourceAuth, sdk::SourceAuth, ok(auth_from), auth_to;
    BuildStatusConfig, sdk::BuildStatusConfig, ok(build_status_config_from), ok(build_status_config_to);
    ProjectSourceVersion, sdk::ProjectSourceVersion, ok(source_version_from), source_version_to;
    BuildArtifacts, sdk::BuildArtifacts, ok(artifacts_from), ok(artifacts_to);
    ProjectCache, sdk::ProjectCache, ok(cache_from), cache_to;
    ProjectEnvironment, sdk::ProjectEnvironment, ok(environment_from), environment_to;
    ComputeConfiguration, sdk::ComputeConfiguration, ok(compute_configuration_from), ok(compute_configuration_to);
    ProjectFleet, sdk::ProjectFleet, ok(fleet_from), ok(fleet_to);
    EnvironmentVariable, sdk::EnvironmentVariable, ok(environment_variable_from), environment_variable_to;
    RegistryCredential, sdk::RegistryCredential, ok(registry_credential_from), registry_credential_to;
    DockerServer, sdk::DockerServer, ok(docker_server_from), docker_server_to;
    DockerServerStatus, sdk::DockerServerStatus, ok(docker_status_from), ok(docker_status_to);
    LogsLocation, sdk::LogsLocation, ok(logs_from), logs_to;
    CloudWatchLogsConfig, sdk::CloudWatchLogsConfig, ok(cloud_watch_logs_from), cloud_watch_logs_to;
    S3LogsConfig, sdk::S3LogsConfig, ok(s3_logs_from), s3_logs_to;
    VpcConfig, sdk::VpcConfig, ok(vpc_from), ok(vpc_to);
    NetworkInterface, sdk::NetworkInterface, ok(network_interface_from), ok(network_interface_to);
    ExportedEnvironmentVariable, sdk::ExportedEnvironmentVariable, ok(exported_from), ok(exported_to);
    ProjectFileSystemLocation, sdk::ProjectFileSystemLocation, ok(file_system_from), ok(file_system_to);
    DebugSession, sdk::DebugSession, ok(debug_session_from), ok(debug_session_to);
    AutoRetryConfig, sdk::AutoRetryConfig, ok(auto_retry_from), ok(auto_retry_to);
}
