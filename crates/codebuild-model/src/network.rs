//! Networking and mounts of a build: VPC, network interface, file systems, debug session.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::FileSystemType;
use crate::build::list_accessors;

/// The VPC configuration of a build (`VpcConfig`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "VpcConfig")]
#[schemars(deny_unknown_fields)]
pub struct VpcConfig {
    /// The ID of the VPC.
    pub vpc_id: Option<String>,
    /// The IDs of the subnets.
    pub subnets: Option<Vec<String>>,
    /// The IDs of the security groups.
    pub security_group_ids: Option<Vec<String>>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(VpcConfig {
    subnets: String,
    security_group_ids: String,
});

/// A network interface used by a build (`NetworkInterface`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "NetworkInterface")]
#[schemars(deny_unknown_fields)]
pub struct NetworkInterface {
    /// The ID of the subnet.
    pub subnet_id: Option<String>,
    /// The ID of the network interface.
    pub network_interface_id: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// A file system mounted in a build (`ProjectFileSystemLocation`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectFileSystemLocation")]
#[schemars(deny_unknown_fields)]
pub struct ProjectFileSystemLocation {
    /// The type of the file system.
    pub r#type: Option<FileSystemType>,
    /// The location of the file system (DNS name and directory path).
    pub location: Option<String>,
    /// Where the file system is mounted in the build container.
    pub mount_point: Option<String>,
    /// The name used to reach the mount point through an environment variable.
    pub identifier: Option<String>,
    /// The mount options.
    pub mount_options: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// The debug session of a build (`DebugSession`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "DebugSession")]
#[schemars(deny_unknown_fields)]
pub struct DebugSession {
    /// Whether session debugging is enabled.
    pub session_enabled: Option<bool>,
    /// The ID of the Session Manager session used for the build.
    pub session_target: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// An environment variable exported by the buildspec (`ExportedEnvironmentVariable`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ExportedEnvironmentVariable")]
#[schemars(deny_unknown_fields)]
pub struct ExportedEnvironmentVariable {
    /// The name of the exported variable.
    pub name: Option<String>,
    /// The value the variable had when the build ended.
    pub value: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    VpcConfig {}
    NetworkInterface {}
    ProjectFileSystemLocation {}
    DebugSession {}
    ExportedEnvironmentVariable {}
}
