//! Source code locations of a build.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::{SourceAuthType, SourceType};

model_struct! {
    /// Information about the build input source code (`ProjectSource`).
    #[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectSource(project_source_serde, "super::ProjectSource") {
        /// The type of repository that contains the source code.
        pub r#type: Option<SourceType>,
        /// The location of the source code (repository URL, bucket path, ...).
        pub location: Option<String>,
        /// The depth of history to download; 0 means a full clone.
        pub git_clone_depth: Option<i32>,
        /// Whether Git submodules are fetched.
        pub git_submodules_config: Option<GitSubmodulesConfig>,
        /// The buildspec file declaration (inline YAML or a path).
        pub buildspec: Option<String>,
        /// How CodeBuild authorizes access to the source provider.
        pub auth: Option<SourceAuth>,
        /// Whether the build's start and finish status is reported to the source provider.
        pub report_build_status: Option<bool>,
        /// How the build status is reported to the source provider.
        pub build_status_config: Option<BuildStatusConfig>,
        /// Whether TLS errors are ignored when connecting to the repository.
        pub insecure_ssl: Option<bool>,
        /// An identifier for this source, used by secondary sources.
        pub source_identifier: Option<String>,
    }
    nested { git_submodules_config, auth, build_status_config }
}

model_struct! {
    /// Whether Git submodules are fetched (`GitSubmodulesConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct GitSubmodulesConfig(git_submodules_config_serde, "super::GitSubmodulesConfig") {
        /// Whether Git submodules are fetched for the source.
        pub fetch_submodules: Option<bool>,
    }
    nested {}
}

model_struct! {
    /// How CodeBuild authorizes access to the source provider (`SourceAuth`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct SourceAuth(source_auth_serde, "super::SourceAuth") {
        /// The authorization type.
        pub r#type: Option<SourceAuthType>,
        /// The resource value that applies to the authorization type (e.g. a connection ARN).
        pub resource: Option<String>,
    }
    nested {}
}

model_struct! {
    /// How the build status is reported to the source provider (`BuildStatusConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct BuildStatusConfig(build_status_config_serde, "super::BuildStatusConfig") {
        /// The context of the build status the source provider shows.
        pub context: Option<String>,
        /// The target URL of the build status the source provider shows.
        pub target_url: Option<String>,
    }
    nested {}
}

model_struct! {
    /// The version of one (secondary) source that was built (`ProjectSourceVersion`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectSourceVersion(project_source_version_serde, "super::ProjectSourceVersion") {
        /// The `sourceIdentifier` of the source this version applies to.
        pub source_identifier: Option<String>,
        /// The source version (commit, branch, tag, pull request or S3 object version).
        pub source_version: Option<String>,
    }
    nested {}
}
