//! Build output artifacts and the build cache.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::build::list_accessors;
use crate::{BucketOwnerAccess, CacheMode, CacheType};

/// Information about build output artifacts (`BuildArtifacts`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "BuildArtifacts")]
#[schemars(deny_unknown_fields)]
pub struct BuildArtifacts {
    /// Information about the location of the build artifacts.
    pub location: Option<String>,
    /// The SHA-256 hash of the build artifact. Wire name `sha256sum`.
    pub sha256sum: Option<String>,
    /// The MD5 hash of the build artifact. Wire name `md5sum`.
    pub md5sum: Option<String>,
    /// Whether the name in the buildspec overrides the artifact name.
    pub override_artifact_name: Option<bool>,
    /// Whether the artifacts are not encrypted.
    pub encryption_disabled: Option<bool>,
    /// An identifier for this artifact definition.
    pub artifact_identifier: Option<String>,
    /// Access the bucket owner has to the artifacts.
    pub bucket_owner_access: Option<BucketOwnerAccess>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// Information about the build cache (`ProjectCache`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectCache")]
#[schemars(deny_unknown_fields)]
pub struct ProjectCache {
    /// The type of cache.
    pub r#type: Option<CacheType>,
    /// The cache location (an S3 bucket path for `S3`).
    pub location: Option<String>,
    /// The local cache modes.
    pub modes: Option<Vec<CacheMode>>,
    /// The namespace that scopes the cache to projects sharing it.
    pub cache_namespace: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(ProjectCache { modes: CacheMode });

keep_unknown_members! {
    BuildArtifacts {}
    ProjectCache {}
}
