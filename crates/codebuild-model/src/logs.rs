//! Where a build's logs went: CloudWatch Logs and S3.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::{BucketOwnerAccess, LogsConfigStatusType};

/// Information about build logs (`LogsLocation`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "LogsLocation")]
#[schemars(deny_unknown_fields)]
pub struct LogsLocation {
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
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// CloudWatch Logs configuration (`CloudWatchLogsConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "CloudWatchLogsConfig")]
#[schemars(deny_unknown_fields)]
pub struct CloudWatchLogsConfig {
    /// Whether CloudWatch Logs are enabled.
    pub status: Option<LogsConfigStatusType>,
    /// The group name of the logs.
    pub group_name: Option<String>,
    /// The prefix of the stream name of the logs.
    pub stream_name: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// S3 logs configuration (`S3LogsConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "S3LogsConfig")]
#[schemars(deny_unknown_fields)]
pub struct S3LogsConfig {
    /// Whether S3 logs are enabled.
    pub status: Option<LogsConfigStatusType>,
    /// The bucket and path prefix of the logs.
    pub location: Option<String>,
    /// Whether the S3 logs are not encrypted.
    pub encryption_disabled: Option<bool>,
    /// Access the bucket owner has to the logs.
    pub bucket_owner_access: Option<BucketOwnerAccess>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    LogsLocation { cloud_watch_logs, s3_logs }
    CloudWatchLogsConfig {}
    S3LogsConfig {}
}
