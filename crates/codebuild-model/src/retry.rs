//! Auto-retry configuration and the links between retried builds.

use crate::unknown::model_struct;
use schemars::JsonSchema;

model_struct! {
    /// Auto-retry configuration and links of a build (`AutoRetryConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct AutoRetryConfig(auto_retry_config_serde, "super::AutoRetryConfig") {
        /// The maximum number of additional automatic retries after a failed build.
        pub auto_retry_limit: Option<i32>,
        /// The number of times this build has been retried: 0 for the original build.
        pub auto_retry_number: Option<i32>,
        /// The ARN of the build that retries this one, if any.
        pub next_auto_retry: Option<String>,
        /// The ARN of the build this one retries, if any.
        pub previous_auto_retry: Option<String>,
    }
    nested {}
}
