//! The `Build` record: one element of `builds` in a `batch_get_builds` response.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::{
    AutoRetryConfig, BuildArtifacts, BuildPhase, DebugSession, ExportedEnvironmentVariable,
    LogsLocation, NetworkInterface, ProjectCache, ProjectEnvironment, ProjectFileSystemLocation,
    ProjectSource, ProjectSourceVersion, StatusType, Timestamp, VpcConfig,
};

model_struct! {
    /// Information about a build (`Build`).
    ///
    /// Every member is optional, as AWS omits absent members; `null` reads as
    /// absent. Lists are `Option<Vec<_>>` so an absent list and an empty one stay
    /// distinct; the slice accessors (`phases()`, ...) treat both as empty.
    #[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct Build(build_serde, "super::Build") {
        /// The unique ID for the build (`project-name:uuid`). Wire name `id`.
        pub id: Option<String>,
        /// The Amazon Resource Name (ARN) of the build. Wire name `arn`.
        pub arn: Option<String>,
        /// The number of the build within its project: the first build is 1, each
        /// later one is incremented by 1 (deleted builds leave gaps).
        pub build_number: Option<i64>,
        /// When the build process started.
        pub start_time: Option<Timestamp>,
        /// When the build process ended; absent while the build runs.
        pub end_time: Option<Timestamp>,
        /// The current build phase (a `BuildPhaseType` value, as a plain string).
        pub current_phase: Option<String>,
        /// The current status of the build.
        pub build_status: Option<StatusType>,
        /// Any version identifier for the source code to be built (branch, tag,
        /// commit, pull request or S3 object version), as requested.
        pub source_version: Option<String>,
        /// The identifier of the version of the source code that was actually
        /// built, e.g. a commit ID; absent for CodePipeline sources and while
        /// DOWNLOAD_SOURCE has not completed.
        pub resolved_source_version: Option<String>,
        /// The name of the CodeBuild project.
        pub project_name: Option<String>,
        /// Information about all previous build phases that are complete and
        /// information about any current build phase that is not yet complete.
        pub phases: Option<Vec<BuildPhase>>,
        /// Information about the source code to be built.
        pub source: Option<ProjectSource>,
        /// The secondary sources of the build.
        pub secondary_sources: Option<Vec<ProjectSource>>,
        /// The versions of the secondary sources that were built.
        pub secondary_source_versions: Option<Vec<ProjectSourceVersion>>,
        /// Information about the output artifacts for the build.
        pub artifacts: Option<BuildArtifacts>,
        /// The secondary output artifacts of the build.
        pub secondary_artifacts: Option<Vec<BuildArtifacts>>,
        /// Information about the cache for the build.
        pub cache: Option<ProjectCache>,
        /// Information about the build environment for this build.
        pub environment: Option<ProjectEnvironment>,
        /// The name of the service role used for this build.
        pub service_role: Option<String>,
        /// Information about the build's logs in CloudWatch Logs and S3.
        pub logs: Option<LogsLocation>,
        /// How long, in minutes, CodeBuild waits before timing out this build if
        /// it does not get marked as completed.
        pub timeout_in_minutes: Option<i32>,
        /// How long, in minutes, the build may stay queued before it times out.
        pub queued_timeout_in_minutes: Option<i32>,
        /// Whether the build is complete: `true` if complete, otherwise `false`.
        pub build_complete: Option<bool>,
        /// The entity that started the build: an IAM user name, `codepipeline/<name>`
        /// for CodePipeline, or e.g. `GitHub-Hookshot/<id>` for webhooks.
        pub initiator: Option<String>,
        /// The VPC configuration of the build.
        pub vpc_config: Option<VpcConfig>,
        /// Describes a network interface used by the build.
        pub network_interface: Option<NetworkInterface>,
        /// The KMS key used to encrypt the build output artifacts (ARN or `alias/<name>`).
        pub encryption_key: Option<String>,
        /// The environment variables exported by the buildspec's `exported-variables`.
        pub exported_environment_variables: Option<Vec<ExportedEnvironmentVariable>>,
        /// The ARNs of the build's report groups' reports.
        pub report_arns: Option<Vec<String>>,
        /// The file system locations (Amazon EFS) mounted in the build.
        pub file_system_locations: Option<Vec<ProjectFileSystemLocation>>,
        /// Information about the debug session (Session Manager) of the build.
        pub debug_session: Option<DebugSession>,
        /// The ARN of the batch build this build belongs to, if any.
        pub build_batch_arn: Option<String>,
        /// Information about the build's auto-retry configuration and links.
        pub auto_retry_config: Option<AutoRetryConfig>,
    }
    nested { phases, source, secondary_sources, secondary_source_versions, artifacts, secondary_artifacts, cache, environment, logs, vpc_config, network_interface, exported_environment_variables, file_system_locations, debug_session, auto_retry_config }
}

/// Slice accessors that treat an absent list as empty.
macro_rules! list_accessors {
    ($ty:ty { $($field:ident: $item:ty),+ $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("`", stringify!($field), "` as a slice; empty when absent.")]
                pub fn $field(&self) -> &[$item] {
                    self.$field.as_deref().unwrap_or_default()
                }
            )+
        }
    };
}
pub(crate) use list_accessors;

list_accessors!(Build {
    phases: BuildPhase,
    secondary_sources: ProjectSource,
    secondary_source_versions: ProjectSourceVersion,
    secondary_artifacts: BuildArtifacts,
    exported_environment_variables: ExportedEnvironmentVariable,
    report_arns: String,
    file_system_locations: ProjectFileSystemLocation,
});

impl Build {
    /// `true` when `buildComplete` is `true`.
    pub fn is_complete(&self) -> bool {
        self.build_complete == Some(true)
    }
}
