//! How each typed build becomes rows: one table per frame maps a column name
//! to a getter on the typed records.
//!
//! The test oracle of the loader: frames are built by `columnar` straight
//! from the JSON, and its tests check them against these tables applied to
//! the same records decoded as [`Build`]s (`load::chunk_of`).

use codebuild_model::{Build, BuildPhase, BuildPhaseType, StatusType, Timestamp};
use polars::prelude::*;

/// Microseconds between two instants, as f64 seconds.
fn seconds_between(start: Timestamp, end: Timestamp) -> f64 {
    (end.unix_micros() - start.unix_micros()) as f64 / 1e6
}

/// ANALYTICS.md "Durations": `endTime - startTime` of the phase when both are
/// present, else `durationInSeconds`, else null; `COMPLETED` has no duration.
pub(crate) fn phase_duration(p: &BuildPhase) -> Option<f64> {
    if p.phase_type == Some(BuildPhaseType::Completed) {
        return None;
    }
    match (p.start_time, p.end_time) {
        (Some(s), Some(e)) => Some(seconds_between(s, e)),
        _ => p.duration_in_seconds.map(|d| d as f64),
    }
}

/// Sum of the phase durations of the phases whose type is in `types`; null
/// when none of them has a duration (SQL `SUM` semantics).
fn sum_phases(b: &Build, types: &[BuildPhaseType]) -> Option<f64> {
    b.phases()
        .iter()
        .filter(|p| p.phase_type.as_ref().is_some_and(|t| types.contains(t)))
        .filter_map(phase_duration)
        .fold(None, |acc, d| Some(acc.unwrap_or(0.0) + d))
}

const OVERHEAD: [BuildPhaseType; 3] = [
    BuildPhaseType::Submitted,
    BuildPhaseType::Queued,
    BuildPhaseType::Provisioning,
];
const EXECUTION: [BuildPhaseType; 7] = [
    BuildPhaseType::DownloadSource,
    BuildPhaseType::Install,
    BuildPhaseType::PreBuild,
    BuildPhaseType::Build,
    BuildPhaseType::PostBuild,
    BuildPhaseType::UploadArtifacts,
    BuildPhaseType::Finalizing,
];

/// ANALYTICS.md "Failures": the first phase, in array order, whose
/// `phaseStatus` is present and not `SUCCEEDED`.
pub(crate) fn failed_phase(b: &Build) -> Option<&BuildPhase> {
    b.phases().iter().find(|p| {
        p.phase_status
            .as_ref()
            .is_some_and(|s| *s != StatusType::Succeeded)
    })
}

/// The failure reason: the first context of the failed phase with a non-empty
/// `statusCode` or `message`.
fn failure_context(b: &Build) -> Option<&codebuild_model::PhaseContext> {
    failed_phase(b)?.contexts().iter().find(|c| {
        c.status_code.as_deref().is_some_and(|s| !s.is_empty())
            || c.message.as_deref().is_some_and(|s| !s.is_empty())
    })
}

fn micros(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.unix_micros())
}

fn time_column(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

/// Declares the column table of a frame over rows of type `$row`.
///
/// Each entry is `"name": kind => |row| expression`, where kind is `str`
/// (`Option<&str>`), `i64`, `f64`, `bool`, `time` (`Option<Timestamp>`) or
/// `key` (`Option<&str>` of the build, gathered from the builds frame).
macro_rules! columns {
    ($vis:vis fn $fn_name:ident, $row:ty { $($name:literal : $kind:ident => |$r:ident| $e:expr;)+ }) => {
        /// One column per entry of the table, over `rows`.
        $vis fn $fn_name(rows: &[$row]) -> Vec<Column> {
            vec![$( columns!(@col $kind, $name, rows, $row, |$r| $e) ),+]
        }
    };
    (@col key, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        // A key copied from the build (`buildId`, `projectName`): the table
        // keeps its meaning, type-checked, but the column is gathered from
        // the builds frame (`load::gather_keys`), so the child frames share
        // the builds' string buffers instead of copying the text per row.
        #[allow(dead_code, clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get<'x>($r: &'x $row) -> Option<&'x str> { (|| -> Option<&'x str> { $e })() }
        Column::new_empty($name.into(), &DataType::String)
    }};
    (@col str, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        #[allow(clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get<'x>($r: &'x $row) -> Option<&'x str> { (|| -> Option<&'x str> { $e })() }
        StringChunked::from_iter_options($name.into(), $rows.iter().map(get)).into_column()
    }};
    (@col i64, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        #[allow(clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get($r: &$row) -> Option<i64> { (|| -> Option<i64> { $e })() }
        Int64Chunked::from_iter_options($name.into(), $rows.iter().map(get)).into_column()
    }};
    (@col f64, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        #[allow(clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get($r: &$row) -> Option<f64> { (|| -> Option<f64> { $e })() }
        Float64Chunked::from_iter_options($name.into(), $rows.iter().map(get)).into_column()
    }};
    (@col bool, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        #[allow(clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get($r: &$row) -> Option<bool> { (|| -> Option<bool> { $e })() }
        BooleanChunked::from_iter_options($name.into(), $rows.iter().map(get)).into_column()
    }};
    (@col time, $name:literal, $rows:ident, $row:ty, |$r:ident| $e:expr) => {{
        #[allow(clippy::needless_question_mark, clippy::redundant_closure_call)]
        fn get($r: &$row) -> Option<Timestamp> { (|| -> Option<Timestamp> { $e })() }
        time_column($name, $rows.iter().map(|r| micros(get(r))).collect())
    }};
}

/// A build and the file it was read from.
pub(crate) struct BuildRow<'a> {
    pub build: &'a Build,
    pub file: &'a str,
}

columns!(pub(crate) fn build_columns, BuildRow<'_> {
    "id": str => |r| r.build.id.as_deref();
    "arn": str => |r| r.build.arn.as_deref();
    "buildNumber": i64 => |r| r.build.build_number;
    "startTime": time => |r| r.build.start_time;
    "endTime": time => |r| r.build.end_time;
    "currentPhase": str => |r| r.build.current_phase.as_deref();
    "buildStatus": str => |r| Some(r.build.build_status.as_ref()?.as_str());
    "sourceVersion": str => |r| r.build.source_version.as_deref();
    "resolvedSourceVersion": str => |r| r.build.resolved_source_version.as_deref();
    "projectName": str => |r| r.build.project_name.as_deref();
    "source.type": str => |r| Some(r.build.source.as_ref()?.r#type.as_ref()?.as_str());
    "source.location": str => |r| r.build.source.as_ref()?.location.as_deref();
    "source.gitCloneDepth": i64 => |r| r.build.source.as_ref()?.git_clone_depth.map(i64::from);
    "source.gitSubmodulesConfig.fetchSubmodules": bool => |r| r.build.source.as_ref()?.git_submodules_config.as_ref()?.fetch_submodules;
    "source.buildspec": str => |r| r.build.source.as_ref()?.buildspec.as_deref();
    "source.auth.type": str => |r| Some(r.build.source.as_ref()?.auth.as_ref()?.r#type.as_ref()?.as_str());
    "source.auth.resource": str => |r| r.build.source.as_ref()?.auth.as_ref()?.resource.as_deref();
    "source.reportBuildStatus": bool => |r| r.build.source.as_ref()?.report_build_status;
    "source.buildStatusConfig.context": str => |r| r.build.source.as_ref()?.build_status_config.as_ref()?.context.as_deref();
    "source.buildStatusConfig.targetUrl": str => |r| r.build.source.as_ref()?.build_status_config.as_ref()?.target_url.as_deref();
    "source.insecureSsl": bool => |r| r.build.source.as_ref()?.insecure_ssl;
    "source.sourceIdentifier": str => |r| r.build.source.as_ref()?.source_identifier.as_deref();
    "artifacts.location": str => |r| r.build.artifacts.as_ref()?.location.as_deref();
    "artifacts.sha256sum": str => |r| r.build.artifacts.as_ref()?.sha256sum.as_deref();
    "artifacts.md5sum": str => |r| r.build.artifacts.as_ref()?.md5sum.as_deref();
    "artifacts.overrideArtifactName": bool => |r| r.build.artifacts.as_ref()?.override_artifact_name;
    "artifacts.encryptionDisabled": bool => |r| r.build.artifacts.as_ref()?.encryption_disabled;
    "artifacts.artifactIdentifier": str => |r| r.build.artifacts.as_ref()?.artifact_identifier.as_deref();
    "artifacts.bucketOwnerAccess": str => |r| Some(r.build.artifacts.as_ref()?.bucket_owner_access.as_ref()?.as_str());
    "cache.type": str => |r| Some(r.build.cache.as_ref()?.r#type.as_ref()?.as_str());
    "cache.location": str => |r| r.build.cache.as_ref()?.location.as_deref();
    "cache.cacheNamespace": str => |r| r.build.cache.as_ref()?.cache_namespace.as_deref();
    "environment.type": str => |r| Some(r.build.environment.as_ref()?.r#type.as_ref()?.as_str());
    "environment.image": str => |r| r.build.environment.as_ref()?.image.as_deref();
    "environment.computeType": str => |r| Some(r.build.environment.as_ref()?.compute_type.as_ref()?.as_str());
    "environment.computeConfiguration.vCpu": i64 => |r| r.build.environment.as_ref()?.compute_configuration.as_ref()?.v_cpu;
    "environment.computeConfiguration.memory": i64 => |r| r.build.environment.as_ref()?.compute_configuration.as_ref()?.memory;
    "environment.computeConfiguration.disk": i64 => |r| r.build.environment.as_ref()?.compute_configuration.as_ref()?.disk;
    "environment.computeConfiguration.machineType": str => |r| Some(r.build.environment.as_ref()?.compute_configuration.as_ref()?.machine_type.as_ref()?.as_str());
    "environment.computeConfiguration.instanceType": str => |r| r.build.environment.as_ref()?.compute_configuration.as_ref()?.instance_type.as_deref();
    "environment.fleet.fleetArn": str => |r| r.build.environment.as_ref()?.fleet.as_ref()?.fleet_arn.as_deref();
    "environment.privilegedMode": bool => |r| r.build.environment.as_ref()?.privileged_mode;
    "environment.certificate": str => |r| r.build.environment.as_ref()?.certificate.as_deref();
    "environment.registryCredential.credential": str => |r| r.build.environment.as_ref()?.registry_credential.as_ref()?.credential.as_deref();
    "environment.registryCredential.credentialProvider": str => |r| Some(r.build.environment.as_ref()?.registry_credential.as_ref()?.credential_provider.as_ref()?.as_str());
    "environment.imagePullCredentialsType": str => |r| Some(r.build.environment.as_ref()?.image_pull_credentials_type.as_ref()?.as_str());
    "environment.dockerServer.computeType": str => |r| Some(r.build.environment.as_ref()?.docker_server.as_ref()?.compute_type.as_ref()?.as_str());
    "environment.dockerServer.status.status": str => |r| r.build.environment.as_ref()?.docker_server.as_ref()?.status.as_ref()?.status.as_deref();
    "environment.dockerServer.status.message": str => |r| r.build.environment.as_ref()?.docker_server.as_ref()?.status.as_ref()?.message.as_deref();
    "environment.hostKernel": str => |r| Some(r.build.environment.as_ref()?.host_kernel.as_ref()?.as_str());
    "serviceRole": str => |r| r.build.service_role.as_deref();
    "logs.groupName": str => |r| r.build.logs.as_ref()?.group_name.as_deref();
    "logs.streamName": str => |r| r.build.logs.as_ref()?.stream_name.as_deref();
    "logs.deepLink": str => |r| r.build.logs.as_ref()?.deep_link.as_deref();
    "logs.s3DeepLink": str => |r| r.build.logs.as_ref()?.s3_deep_link.as_deref();
    "logs.cloudWatchLogsArn": str => |r| r.build.logs.as_ref()?.cloud_watch_logs_arn.as_deref();
    "logs.s3LogsArn": str => |r| r.build.logs.as_ref()?.s3_logs_arn.as_deref();
    "logs.cloudWatchLogs.status": str => |r| Some(r.build.logs.as_ref()?.cloud_watch_logs.as_ref()?.status.as_ref()?.as_str());
    "logs.cloudWatchLogs.groupName": str => |r| r.build.logs.as_ref()?.cloud_watch_logs.as_ref()?.group_name.as_deref();
    "logs.cloudWatchLogs.streamName": str => |r| r.build.logs.as_ref()?.cloud_watch_logs.as_ref()?.stream_name.as_deref();
    "logs.s3Logs.status": str => |r| Some(r.build.logs.as_ref()?.s3_logs.as_ref()?.status.as_ref()?.as_str());
    "logs.s3Logs.location": str => |r| r.build.logs.as_ref()?.s3_logs.as_ref()?.location.as_deref();
    "logs.s3Logs.encryptionDisabled": bool => |r| r.build.logs.as_ref()?.s3_logs.as_ref()?.encryption_disabled;
    "logs.s3Logs.bucketOwnerAccess": str => |r| Some(r.build.logs.as_ref()?.s3_logs.as_ref()?.bucket_owner_access.as_ref()?.as_str());
    "timeoutInMinutes": i64 => |r| r.build.timeout_in_minutes.map(i64::from);
    "queuedTimeoutInMinutes": i64 => |r| r.build.queued_timeout_in_minutes.map(i64::from);
    "buildComplete": bool => |r| r.build.build_complete;
    "initiator": str => |r| r.build.initiator.as_deref();
    "vpcConfig.vpcId": str => |r| r.build.vpc_config.as_ref()?.vpc_id.as_deref();
    "networkInterface.subnetId": str => |r| r.build.network_interface.as_ref()?.subnet_id.as_deref();
    "networkInterface.networkInterfaceId": str => |r| r.build.network_interface.as_ref()?.network_interface_id.as_deref();
    "encryptionKey": str => |r| r.build.encryption_key.as_deref();
    "debugSession.sessionEnabled": bool => |r| r.build.debug_session.as_ref()?.session_enabled;
    "debugSession.sessionTarget": str => |r| r.build.debug_session.as_ref()?.session_target.as_deref();
    "buildBatchArn": str => |r| r.build.build_batch_arn.as_deref();
    "autoRetryConfig.autoRetryLimit": i64 => |r| r.build.auto_retry_config.as_ref()?.auto_retry_limit.map(i64::from);
    "autoRetryConfig.autoRetryNumber": i64 => |r| r.build.auto_retry_config.as_ref()?.auto_retry_number.map(i64::from);
    "autoRetryConfig.nextAutoRetry": str => |r| r.build.auto_retry_config.as_ref()?.next_auto_retry.as_deref();
    "autoRetryConfig.previousAutoRetry": str => |r| r.build.auto_retry_config.as_ref()?.previous_auto_retry.as_deref();
    "phaseCount": i64 => |r| Some(r.build.phases().len() as i64);
    "durationSeconds": f64 => |r| Some(seconds_between(r.build.start_time?, r.build.end_time?));
    "overheadSeconds": f64 => |r| sum_phases(r.build, &OVERHEAD);
    "executionSeconds": f64 => |r| sum_phases(r.build, &EXECUTION);
    "failedPhase": str => |r| Some(failed_phase(r.build)?.phase_type.as_ref()?.as_str());
    "failureStatusCode": str => |r| failure_context(r.build)?.status_code.as_deref();
    "failureMessage": str => |r| failure_context(r.build)?.message.as_deref();
    "sourceFile": str => |r| Some(r.file);
});

/// A phase of a build, with its position.
pub(crate) struct PhaseRow<'a> {
    pub row: usize,
    pub build: &'a Build,
    pub index: usize,
    pub phase: &'a BuildPhase,
}

columns!(pub(crate) fn phase_columns, PhaseRow<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "projectName": key => |r| r.build.project_name.as_deref();
    "phaseIndex": i64 => |r| Some(r.index as i64);
    "phaseType": str => |r| Some(r.phase.phase_type.as_ref()?.as_str());
    "phaseStatus": str => |r| Some(r.phase.phase_status.as_ref()?.as_str());
    "startTime": time => |r| r.phase.start_time;
    "endTime": time => |r| r.phase.end_time;
    "durationInSeconds": i64 => |r| r.phase.duration_in_seconds;
    "durationSeconds": f64 => |r| phase_duration(r.phase);
});

/// A context of a phase of a build, with positions.
pub(crate) struct ContextRow<'a> {
    pub row: usize,
    pub build: &'a Build,
    pub phase_index: usize,
    pub phase: &'a BuildPhase,
    pub index: usize,
    pub context: &'a codebuild_model::PhaseContext,
}

columns!(pub(crate) fn context_columns, ContextRow<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "phaseIndex": i64 => |r| Some(r.phase_index as i64);
    "phaseType": str => |r| Some(r.phase.phase_type.as_ref()?.as_str());
    "contextIndex": i64 => |r| Some(r.index as i64);
    "statusCode": str => |r| r.context.status_code.as_deref();
    "message": str => |r| r.context.message.as_deref();
});

/// An element of a list member of a build, with its position.
pub(crate) struct Item<'a, T> {
    pub row: usize,
    pub build: &'a Build,
    pub index: usize,
    pub item: &'a T,
}

type Src<'a> = Item<'a, codebuild_model::ProjectSource>;
type Art<'a> = Item<'a, codebuild_model::BuildArtifacts>;
type Str<'a> = Item<'a, String>;

columns!(pub(crate) fn env_columns, Item<'_, codebuild_model::EnvironmentVariable> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "name": str => |r| r.item.name.as_deref();
    "type": str => |r| Some(r.item.r#type.as_ref()?.as_str());
});

columns!(pub(crate) fn env_value_columns, Item<'_, codebuild_model::EnvironmentVariable> {
    "value": str => |r| r.item.value.as_deref();
});

columns!(pub(crate) fn exported_columns, Item<'_, codebuild_model::ExportedEnvironmentVariable> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "name": str => |r| r.item.name.as_deref();
});

columns!(pub(crate) fn exported_value_columns, Item<'_, codebuild_model::ExportedEnvironmentVariable> {
    "value": str => |r| r.item.value.as_deref();
});

columns!(pub(crate) fn secondary_source_columns, Src<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "type": str => |r| Some(r.item.r#type.as_ref()?.as_str());
    "location": str => |r| r.item.location.as_deref();
    "gitCloneDepth": i64 => |r| r.item.git_clone_depth.map(i64::from);
    "gitSubmodulesConfig.fetchSubmodules": bool => |r| r.item.git_submodules_config.as_ref()?.fetch_submodules;
    "buildspec": str => |r| r.item.buildspec.as_deref();
    "auth.type": str => |r| Some(r.item.auth.as_ref()?.r#type.as_ref()?.as_str());
    "auth.resource": str => |r| r.item.auth.as_ref()?.resource.as_deref();
    "reportBuildStatus": bool => |r| r.item.report_build_status;
    "buildStatusConfig.context": str => |r| r.item.build_status_config.as_ref()?.context.as_deref();
    "buildStatusConfig.targetUrl": str => |r| r.item.build_status_config.as_ref()?.target_url.as_deref();
    "insecureSsl": bool => |r| r.item.insecure_ssl;
    "sourceIdentifier": str => |r| r.item.source_identifier.as_deref();
});

columns!(pub(crate) fn source_version_columns, Item<'_, codebuild_model::ProjectSourceVersion> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "sourceIdentifier": str => |r| r.item.source_identifier.as_deref();
    "sourceVersion": str => |r| r.item.source_version.as_deref();
});

columns!(pub(crate) fn artifact_columns, Art<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "location": str => |r| r.item.location.as_deref();
    "sha256sum": str => |r| r.item.sha256sum.as_deref();
    "md5sum": str => |r| r.item.md5sum.as_deref();
    "overrideArtifactName": bool => |r| r.item.override_artifact_name;
    "encryptionDisabled": bool => |r| r.item.encryption_disabled;
    "artifactIdentifier": str => |r| r.item.artifact_identifier.as_deref();
    "bucketOwnerAccess": str => |r| Some(r.item.bucket_owner_access.as_ref()?.as_str());
});

columns!(pub(crate) fn file_system_columns, Item<'_, codebuild_model::ProjectFileSystemLocation> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "type": str => |r| Some(r.item.r#type.as_ref()?.as_str());
    "location": str => |r| r.item.location.as_deref();
    "mountPoint": str => |r| r.item.mount_point.as_deref();
    "identifier": str => |r| r.item.identifier.as_deref();
    "mountOptions": str => |r| r.item.mount_options.as_deref();
});

columns!(pub(crate) fn cache_mode_columns, Item<'_, codebuild_model::CacheMode> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "mode": str => |r| Some(r.item.as_str());
});

columns!(pub(crate) fn report_arn_columns, Str<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "reportArn": str => |r| Some(r.item.as_str());
});

columns!(pub(crate) fn subnet_columns, Str<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "subnetId": str => |r| Some(r.item.as_str());
});

columns!(pub(crate) fn security_group_columns, Str<'_> {
    "buildId": key => |r| r.build.id.as_deref();
    "index": i64 => |r| Some(r.index as i64);
    "securityGroupId": str => |r| Some(r.item.as_str());
});

/// Sanity: the time dtype used by `time_column` is the documented one.
#[cfg(test)]
#[test]
fn time_columns_have_the_documented_dtype() {
    let c = time_column("t", vec![Some(0), None]);
    assert_eq!(c.dtype(), &crate::frames::time_dtype());
}
