//! The whole `batch_get_builds` response.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::Build;
use crate::build::list_accessors;

model_struct! {
    /// The output of `batch_get_builds` (upstream shape `BatchGetBuildsOutput`),
    /// as boto3 returns it and people save it.
    #[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct BatchGetBuildsResponse(batch_get_builds_response_serde, "super::BatchGetBuildsResponse") {
        /// Information about the requested builds.
        pub builds: Option<Vec<Build>>,
        /// The IDs of builds for which information could not be found.
        pub builds_not_found: Option<Vec<String>>,
        /// The HTTP metadata boto3 adds to every response (`RequestId`,
        /// `HTTPStatusCode`, `HTTPHeaders`, `RetryAttempts`), kept as opaque JSON.
        #[serde(rename = "ResponseMetadata")]
        @schemars(with = "Option<serde_json::Map<String, serde_json::Value>>")
        pub response_metadata: Option<serde_json::Value>,
    }
    nested { builds }
}

list_accessors!(BatchGetBuildsResponse {
    builds: Build,
    builds_not_found: String,
});

/// The upstream shape name of [`BatchGetBuildsResponse`].
pub type BatchGetBuildsOutput = BatchGetBuildsResponse;
