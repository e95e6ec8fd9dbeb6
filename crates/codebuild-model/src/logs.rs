//! Where a build's logs went: CloudWatch Logs and S3.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::{BucketOwnerAccess, LogsConfigStatusType};

model_struct! {
    /// Information about build logs (`LogsLocation`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct LogsLocation(logs_location_serde, "super::LogsLocation") {
        /// The name of the CloudWatch Logs group.
        pub group_name: Option<String>,
        /// The name of the CloudWatch Logs stream.
        pub stream_name: Option<String>,
        /// The URL to the CloudWatch Logs stream in the console.
        pub deep_link: Option<String>,
        /// The URL to the S3 logs in the console. Wire name `s3DeepLink`.
        pub s3_deep_link: Option<String>,
        /// The ARN of the CloudWatch Logs stream. Wire name `cloudWatchLogsArn`.
        pub cloud_watch_logs_arn: Option<String>,
        /// The ARN of the S3 logs. Wire name `s3LogsArn`.
        pub s3_logs_arn: Option<String>,
        /// The CloudWatch Logs configuration.
        pub cloud_watch_logs: Option<CloudWatchLogsConfig>,
        /// The S3 logs configuration. Wire name `s3Logs`.
        pub s3_logs: Option<S3LogsConfig>,
    }
    nested { cloud_watch_logs, s3_logs }
}

model_struct! {
    /// CloudWatch Logs configuration (`CloudWatchLogsConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct CloudWatchLogsConfig(cloud_watch_logs_config_serde, "super::CloudWatchLogsConfig") {
        /// Whether CloudWatch Logs are enabled.
        pub status: Option<LogsConfigStatusType>,
        /// The group name of the logs.
        pub group_name: Option<String>,
        /// The prefix of the stream name of the logs.
        pub stream_name: Option<String>,
    }
    nested {}
}

model_struct! {
    /// S3 logs configuration (`S3LogsConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct S3LogsConfig(s3_logs_config_serde, "super::S3LogsConfig") {
        /// Whether S3 logs are enabled.
        pub status: Option<LogsConfigStatusType>,
        /// The bucket and path prefix of the logs.
        pub location: Option<String>,
        /// Whether the S3 logs are not encrypted.
        pub encryption_disabled: Option<bool>,
        /// Access the bucket owner has to the logs.
        pub bucket_owner_access: Option<BucketOwnerAccess>,
    }
    nested {}
}
