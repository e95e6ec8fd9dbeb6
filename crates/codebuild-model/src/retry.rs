//! Auto-retry configuration and the links between retried builds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

/// Auto-retry configuration and links of a build (`AutoRetryConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "AutoRetryConfig")]
#[schemars(deny_unknown_fields)]
pub struct AutoRetryConfig {
    /// The maximum number of additional automatic retries after a failed build.
    pub auto_retry_limit: Option<i32>,
    /// The number of times this build has been retried: 0 for the original build.
    pub auto_retry_number: Option<i32>,
    /// The ARN of the build that retries this one, if any.
    pub next_auto_retry: Option<String>,
    /// The ARN of the build this one retries, if any.
    pub previous_auto_retry: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    AutoRetryConfig {}
}
