//! The build environment: image, compute, variables, credentials.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::build::list_accessors;
use crate::{
    ComputeType, CredentialProviderType, EnvironmentType, EnvironmentVariableType, HostKernel,
    ImagePullCredentialsType, MachineType,
};

model_struct! {
    /// Information about the build environment (`ProjectEnvironment`).
    #[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectEnvironment(project_environment_serde, "super::ProjectEnvironment") {
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
    }
    nested { compute_configuration, fleet, environment_variables, registry_credential, docker_server }
}

list_accessors!(ProjectEnvironment {
    environment_variables: EnvironmentVariable,
});

model_struct! {
    /// Compute resources of attribute-based compute (`ComputeConfiguration`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ComputeConfiguration(compute_configuration_serde, "super::ComputeConfiguration") {
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
    }
    nested {}
}

model_struct! {
    /// A reserved-capacity fleet (`ProjectFleet`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct ProjectFleet(project_fleet_serde, "super::ProjectFleet") {
        /// The ARN of the fleet.
        pub fleet_arn: Option<String>,
    }
    nested {}
}

model_struct! {
    /// An environment variable of a build (`EnvironmentVariable`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct EnvironmentVariable(environment_variable_serde, "super::EnvironmentVariable") {
        /// The name of the environment variable.
        pub name: Option<String>,
        /// The value (for PARAMETER_STORE and SECRETS_MANAGER, the name of the
        /// parameter or secret). May hold secrets.
        pub value: Option<String>,
        /// Where the value comes from.
        pub r#type: Option<EnvironmentVariableType>,
    }
    nested {}
}

model_struct! {
    /// Credentials for a private Docker registry (`RegistryCredential`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct RegistryCredential(registry_credential_serde, "super::RegistryCredential") {
        /// The ARN or name of the credentials.
        pub credential: Option<String>,
        /// The service that created the credentials.
        pub credential_provider: Option<CredentialProviderType>,
    }
    nested {}
}

model_struct! {
    /// The Docker server of a build (`DockerServer`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct DockerServer(docker_server_serde, "super::DockerServer") {
        /// The compute type of the Docker server.
        pub compute_type: Option<ComputeType>,
        /// The security group IDs of the Docker server.
        pub security_group_ids: Option<Vec<String>>,
        /// The status of the Docker server.
        pub status: Option<DockerServerStatus>,
    }
    nested { status }
}

list_accessors!(DockerServer {
    security_group_ids: String,
});

model_struct! {
    /// The status of a Docker server (`DockerServerStatus`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct DockerServerStatus(docker_server_status_serde, "super::DockerServerStatus") {
        /// The status of the Docker server.
        pub status: Option<String>,
        /// A message about the status of the Docker server.
        pub message: Option<String>,
    }
    nested {}
}
