//! Source code locations of a build.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::{SourceAuthType, SourceType};

/// Information about the build input source code (`ProjectSource`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectSource")]
#[schemars(deny_unknown_fields)]
pub struct ProjectSource {
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
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// Whether Git submodules are fetched (`GitSubmodulesConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "GitSubmodulesConfig")]
#[schemars(deny_unknown_fields)]
pub struct GitSubmodulesConfig {
    /// Whether Git submodules are fetched for the source.
    pub fetch_submodules: Option<bool>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// How CodeBuild authorizes access to the source provider (`SourceAuth`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "SourceAuth")]
#[schemars(deny_unknown_fields)]
pub struct SourceAuth {
    /// The authorization type.
    pub r#type: Option<SourceAuthType>,
    /// The resource value that applies to the authorization type (e.g. a connection ARN).
    pub resource: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// How the build status is reported to the source provider (`BuildStatusConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "BuildStatusConfig")]
#[schemars(deny_unknown_fields)]
pub struct BuildStatusConfig {
    /// The context of the build status the source provider shows.
    pub context: Option<String>,
    /// The target URL of the build status the source provider shows.
    pub target_url: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// The version of one (secondary) source that was built (`ProjectSourceVersion`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectSourceVersion")]
#[schemars(deny_unknown_fields)]
pub struct ProjectSourceVersion {
    /// The `sourceIdentifier` of the source this version applies to.
    pub source_identifier: Option<String>,
    /// The source version (commit, branch, tag, pull request or S3 object version).
    pub source_version: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    ProjectSource { git_submodules_config, auth, build_status_config }
    GitSubmodulesConfig {}
    SourceAuth {}
    BuildStatusConfig {}
    ProjectSourceVersion {}
}
