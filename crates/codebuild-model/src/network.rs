//! Networking and mounts of a build: VPC, network interface, file systems, debug session.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::FileSystemType;
use crate::build::list_accessors;

model_struct! {
    /// The VPC configuration of a build (`VpcConfig`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct VpcConfig(vpc_config_serde, "super::VpcConfig") {
        /// The ID of the VPC.
        pub vpc_id: Option<String>,
        /// The IDs of the subnets.
        pub subnets: Option<Vec<String>>,
        /// The IDs of the security groups.
        pub security_group_ids: Option<Vec<String>>,
    }
    nested {}
}

list_accessors!(VpcConfig {
    subnets: String,
    security_group_ids: String,
});

model_struct! {
    /// A network interface used by a build (`NetworkInterface`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct NetworkInterface(network_interface_serde, "super::NetworkInterface") {
        /// The ID of the subnet.
        pub subnet_id: Option<String>,
        /// The ID of the network interface.
        pub network_interface_id: Option<String>,
    }
    nested {}
}

model_struct! {
    /// A file system mounted in a build (`ProjectFileSystemLocation`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectFileSystemLocation(project_file_system_location_serde, "super::ProjectFileSystemLocation") {
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
    }
    nested {}
}

model_struct! {
    /// The debug session of a build (`DebugSession`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct DebugSession(debug_session_serde, "super::DebugSession") {
        /// Whether session debugging is enabled.
        pub session_enabled: Option<bool>,
        /// The ID of the Session Manager session used for the build.
        pub session_target: Option<String>,
    }
    nested {}
}

model_struct! {
    /// An environment variable exported by the buildspec (`ExportedEnvironmentVariable`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ExportedEnvironmentVariable(exported_environment_variable_serde, "super::ExportedEnvironmentVariable") {
        /// The name of the exported variable.
        pub name: Option<String>,
        /// The value the variable had when the build ended.
        pub value: Option<String>,
    }
    nested {}
}
