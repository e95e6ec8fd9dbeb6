//! The whole `batch_get_builds` response.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::Build;
use crate::build::list_accessors;

/// The output of `batch_get_builds` (upstream shape `BatchGetBuildsOutput`),
/// as boto3 returns it and people save it.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "BatchGetBuildsResponse")]
#[schemars(deny_unknown_fields)]
pub struct BatchGetBuildsResponse {
    /// Information about the requested builds.
    pub builds: Option<Vec<Build>>,
    /// The IDs of builds for which information could not be found.
    pub builds_not_found: Option<Vec<String>>,
    /// The HTTP metadata boto3 adds to every response (`RequestId`,
    /// `HTTPStatusCode`, `HTTPHeaders`, `RetryAttempts`), kept as opaque JSON.
    #[serde(rename = "ResponseMetadata")]
    #[schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")]
    pub response_metadata: Option<serde_json::Value>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(BatchGetBuildsResponse {
    builds: Build,
    builds_not_found: String,
});

/// The upstream shape name of [`BatchGetBuildsResponse`].
pub type BatchGetBuildsOutput = BatchGetBuildsResponse;

keep_unknown_members! {
    BatchGetBuildsResponse { builds }
}
