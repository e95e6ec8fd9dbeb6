//! Build output artifacts and the build cache.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::build::list_accessors;
use crate::{BucketOwnerAccess, CacheMode, CacheType};

model_struct! {
    /// Information about build output artifacts (`BuildArtifacts`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct BuildArtifacts(build_artifacts_serde, "super::BuildArtifacts") {
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
    }
    nested {}
}

model_struct! {
    /// Information about the build cache (`ProjectCache`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectCache(project_cache_serde, "super::ProjectCache") {
        /// The type of cache.
        pub r#type: Option<CacheType>,
        /// The cache location (an S3 bucket path for `S3`).
        pub location: Option<String>,
        /// The local cache modes.
        pub modes: Option<Vec<CacheMode>>,
        /// The namespace that scopes the cache to projects sharing it.
        pub cache_namespace: Option<String>,
    }
    nested {}
}

list_accessors!(ProjectCache { modes: CacheMode });
