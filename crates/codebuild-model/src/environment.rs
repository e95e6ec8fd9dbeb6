//! The build environment: image, compute, variables, credentials.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::build::list_accessors;
use crate::{
    ComputeType, CredentialProviderType, EnvironmentType, EnvironmentVariableType, HostKernel,
    ImagePullCredentialsType, MachineType,
};

/// Information about the build environment (`ProjectEnvironment`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectEnvironment")]
#[schemars(deny_unknown_fields)]
pub struct ProjectEnvironment {
    /// The type of build environment.
    pub r#type: Option<EnvironmentType>,
    /// The image tag or image digest of the build image (e.g. `aws/codebuild/standard:7.0`).
    pub image: Option<String>,
    /// The compute resources the build uses.
    pub compute_type: Option<ComputeType>,
    /// The compute configuration of attribute-based compute or a custom instance type.
    pub compute_configuration: Option<ComputeConfiguration>,
    /// The reserved-capacity fleet the build ran on.
    pub fleet: Option<ProjectFleet>,
    /// The environment variables of the build. Values may hold secrets.
    pub environment_variables: Option<Vec<EnvironmentVariable>>,
    /// Whether the Docker daemon runs in privileged mode.
    pub privileged_mode: Option<bool>,
    /// The certificate (S3 location) used by the build environment.
    pub certificate: Option<String>,
    /// The credentials for a private registry.
    pub registry_credential: Option<RegistryCredential>,
    /// Which credentials CodeBuild uses to pull the build image.
    pub image_pull_credentials_type: Option<ImagePullCredentialsType>,
    /// The Docker server the build used.
    pub docker_server: Option<DockerServer>,
    /// The host kernel of the build environment.
    pub host_kernel: Option<HostKernel>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(ProjectEnvironment {
    environment_variables: EnvironmentVariable,
});

/// Compute resources of attribute-based compute (`ComputeConfiguration`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ComputeConfiguration")]
#[schemars(deny_unknown_fields)]
pub struct ComputeConfiguration {
    /// The number of vCPUs. Wire name `vCpu`.
    pub v_cpu: Option<i64>,
    /// The amount of memory, in GiB.
    pub memory: Option<i64>,
    /// The amount of disk space, in GiB.
    pub disk: Option<i64>,
    /// The machine type.
    pub machine_type: Option<MachineType>,
    /// The EC2 instance type (for `CUSTOM_INSTANCE_TYPE`).
    pub instance_type: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// A reserved-capacity fleet (`ProjectFleet`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "ProjectFleet")]
#[schemars(deny_unknown_fields)]
pub struct ProjectFleet {
    /// The ARN of the fleet.
    pub fleet_arn: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// An environment variable of a build (`EnvironmentVariable`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "EnvironmentVariable")]
#[schemars(deny_unknown_fields)]
pub struct EnvironmentVariable {
    /// The name of the environment variable.
    pub name: Option<String>,
    /// The value (for PARAMETER_STORE and SECRETS_MANAGER, the name of the
    /// parameter or secret). May hold secrets.
    pub value: Option<String>,
    /// Where the value comes from.
    pub r#type: Option<EnvironmentVariableType>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// Credentials for a private Docker registry (`RegistryCredential`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "RegistryCredential")]
#[schemars(deny_unknown_fields)]
pub struct RegistryCredential {
    /// The ARN or name of the credentials.
    pub credential: Option<String>,
    /// The service that created the credentials.
    pub credential_provider: Option<CredentialProviderType>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

/// The Docker server of a build (`DockerServer`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "DockerServer")]
#[schemars(deny_unknown_fields)]
pub struct DockerServer {
    /// The compute type of the Docker server.
    pub compute_type: Option<ComputeType>,
    /// The security group IDs of the Docker server.
    pub security_group_ids: Option<Vec<String>>,
    /// The status of the Docker server.
    pub status: Option<DockerServerStatus>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(DockerServer {
    security_group_ids: String,
});

/// The status of a Docker server (`DockerServerStatus`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "DockerServerStatus")]
#[schemars(deny_unknown_fields)]
pub struct DockerServerStatus {
    /// The status of the Docker server.
    pub status: Option<String>,
    /// A message about the status of the Docker server.
    pub message: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    ProjectEnvironment {
        compute_configuration, fleet, environment_variables, registry_credential, docker_server,
    }
    ComputeConfiguration {}
    ProjectFleet {}
    EnvironmentVariable {}
    RegistryCredential {}
    DockerServer { status }
    DockerServerStatus {}
}
