//! Conversions between the AWS SDK's CodeBuild types and the model
//! (feature `aws-sdk`): field by field on fully populated values, unknown
//! enum values, what the SDK requires and what it drops, and the round
//! trip SDK -> model -> JSON (valid for the schema) -> model -> SDK.
#![cfg(feature = "aws-sdk")]

use std::collections::BTreeSet;

use aws_sdk_codebuild::operation::batch_get_builds::BatchGetBuildsOutput;
use aws_sdk_codebuild::primitives::DateTime;
use aws_sdk_codebuild::types as sdk;
use codebuild_model::*;
use serde_json::Value;

/// Instants with whole microseconds (the model's resolution).
const T0: i64 = 1_714_566_896_789_123;

fn ts(offset_micros: i64) -> Timestamp {
    Timestamp::from_unix_micros(T0 + offset_micros).unwrap()
}

fn dt(offset_micros: i64) -> DateTime {
    DateTime::from_nanos(i128::from(T0 + offset_micros) * 1_000).unwrap()
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

// ---- one build with every member the SDK has, both ways ----

fn sdk_source(i: u8) -> sdk::ProjectSource {
    sdk::ProjectSource::builder()
        .r#type(sdk::SourceType::from(["GITHUB", "CODECOMMIT"][i as usize]))
        .location(format!("https://example.com/repo{i}.git"))
        .git_clone_depth(i32::from(i) + 1)
        .git_submodules_config(
            sdk::GitSubmodulesConfig::builder()
                .fetch_submodules(i == 0)
                .build()
                .unwrap(),
        )
        .buildspec(format!("buildspec{i}.yml"))
        .auth(
            sdk::SourceAuth::builder()
                .r#type(sdk::SourceAuthType::from("CODECONNECTIONS"))
                .resource(format!("arn:conn/{i}"))
                .build()
                .unwrap(),
        )
        .report_build_status(i == 1)
        .build_status_config(
            sdk::BuildStatusConfig::builder()
                .context(format!("ctx{i}"))
                .target_url(format!("https://ci/{i}"))
                .build(),
        )
        .insecure_ssl(i == 0)
        .source_identifier(format!("src{i}"))
        .build()
        .unwrap()
}

fn model_source(i: u8) -> ProjectSource {
    ProjectSource {
        r#type: Some(SourceType::from(["GITHUB", "CODECOMMIT"][i as usize])),
        location: Some(format!("https://example.com/repo{i}.git")),
        git_clone_depth: Some(i32::from(i) + 1),
        git_submodules_config: Some(GitSubmodulesConfig {
            fetch_submodules: Some(i == 0),
            ..Default::default()
        }),
        buildspec: Some(format!("buildspec{i}.yml")),
        auth: Some(SourceAuth {
            r#type: Some(SourceAuthType::Codeconnections),
            resource: Some(format!("arn:conn/{i}")),
            ..Default::default()
        }),
        report_build_status: Some(i == 1),
        build_status_config: Some(BuildStatusConfig {
            context: Some(format!("ctx{i}")),
            target_url: Some(format!("https://ci/{i}")),
            ..Default::default()
        }),
        insecure_ssl: Some(i == 0),
        source_identifier: Some(format!("src{i}")),
        ..Default::default()
    }
}

fn sdk_artifacts(i: u8) -> sdk::BuildArtifacts {
    sdk::BuildArtifacts::builder()
        .location(format!("arn:aws:s3:::bucket/a{i}.zip"))
        .sha256_sum(format!("sha{i}"))
        .md5_sum(format!("md5{i}"))
        .override_artifact_name(i == 0)
        .encryption_disabled(i == 1)
        .artifact_identifier(format!("art{i}"))
        .bucket_owner_access(sdk::BucketOwnerAccess::from("READ_ONLY"))
        .build()
}

fn model_artifacts(i: u8) -> BuildArtifacts {
    BuildArtifacts {
        location: Some(format!("arn:aws:s3:::bucket/a{i}.zip")),
        sha256sum: Some(format!("sha{i}")),
        md5sum: Some(format!("md5{i}")),
        override_artifact_name: Some(i == 0),
        encryption_disabled: Some(i == 1),
        artifact_identifier: Some(format!("art{i}")),
        bucket_owner_access: Some(BucketOwnerAccess::ReadOnly),
        ..Default::default()
    }
}

fn sdk_phase(i: i64) -> sdk::BuildPhase {
    sdk::BuildPhase::builder()
        .phase_type(sdk::BuildPhaseType::from(["INSTALL", "BUILD"][i as usize]))
        .phase_status(sdk::StatusType::from(["SUCCEEDED", "FAILED"][i as usize]))
        .start_time(dt(i * 10_000_000))
        .end_time(dt(i * 10_000_000 + 9_500_001))
        .duration_in_seconds(9)
        .contexts(
            sdk::PhaseContext::builder()
                .status_code(format!("CODE{i}"))
                .message(format!("message {i}"))
                .build(),
        )
        .contexts(
            sdk::PhaseContext::builder()
                .status_code("")
                .message("")
                .build(),
        )
        .build()
}

fn model_phase(i: i64) -> BuildPhase {
    BuildPhase {
        phase_type: Some(BuildPhaseType::from(["INSTALL", "BUILD"][i as usize])),
        phase_status: Some(StatusType::from(["SUCCEEDED", "FAILED"][i as usize])),
        start_time: Some(ts(i * 10_000_000)),
        end_time: Some(ts(i * 10_000_000 + 9_500_001)),
        duration_in_seconds: Some(9),
        contexts: Some(vec![
            PhaseContext {
                status_code: Some(format!("CODE{i}")),
                message: Some(format!("message {i}")),
                ..Default::default()
            },
            PhaseContext {
                status_code: s(""),
                message: s(""),
                ..Default::default()
            },
        ]),
        ..Default::default()
    }
}

fn sdk_build() -> sdk::Build {
    let environment = sdk::ProjectEnvironment::builder()
        .r#type(sdk::EnvironmentType::from("LINUX_CONTAINER"))
        .image("aws/codebuild/standard:7.0")
        .compute_type(sdk::ComputeType::from("ATTRIBUTE_BASED_COMPUTE"))
        .compute_configuration(
            sdk::ComputeConfiguration::builder()
                .v_cpu(4)
                .memory(8)
                .disk(64)
                .machine_type(sdk::MachineType::from("NVME"))
                .instance_type("c5.xlarge")
                .build(),
        )
        .fleet(
            sdk::ProjectFleet::builder()
                .fleet_arn("arn:fleet/1")
                .build(),
        )
        .environment_variables(
            sdk::EnvironmentVariable::builder()
                .name("STAGE")
                .value("prod")
                .r#type(sdk::EnvironmentVariableType::from("PLAINTEXT"))
                .build()
                .unwrap(),
        )
        .environment_variables(
            sdk::EnvironmentVariable::builder()
                .name("TOKEN")
                .value("/ci/token")
                .r#type(sdk::EnvironmentVariableType::from("PARAMETER_STORE"))
                .build()
                .unwrap(),
        )
        .privileged_mode(true)
        .certificate("bucket/cert.pem")
        .registry_credential(
            sdk::RegistryCredential::builder()
                .credential("arn:secret/reg")
                .credential_provider(sdk::CredentialProviderType::from("SECRETS_MANAGER"))
                .build()
                .unwrap(),
        )
        .image_pull_credentials_type(sdk::ImagePullCredentialsType::from("SERVICE_ROLE"))
        .docker_server(
            sdk::DockerServer::builder()
                .compute_type(sdk::ComputeType::from("BUILD_GENERAL1_LARGE"))
                .security_group_ids("sg-d1")
                .security_group_ids("sg-d2")
                .status(
                    sdk::DockerServerStatus::builder()
                        .status("RUNNING")
                        .message("ready")
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let logs = sdk::LogsLocation::builder()
        .group_name("/aws/codebuild/web")
        .stream_name("stream-1")
        .deep_link("https://console/logs")
        .s3_deep_link("https://console/s3")
        .cloud_watch_logs_arn("arn:logs:stream")
        .s3_logs_arn("arn:s3:logs")
        .cloud_watch_logs(
            sdk::CloudWatchLogsConfig::builder()
                .status(sdk::LogsConfigStatusType::from("ENABLED"))
                .group_name("group")
                .stream_name("prefix")
                .build()
                .unwrap(),
        )
        .s3_logs(
            sdk::S3LogsConfig::builder()
                .status(sdk::LogsConfigStatusType::from("DISABLED"))
                .location("bucket/logs")
                .encryption_disabled(true)
                .bucket_owner_access(sdk::BucketOwnerAccess::from("FULL"))
                .build()
                .unwrap(),
        )
        .build();
    sdk::Build::builder()
        .id("web:0b1c")
        .arn("arn:aws:codebuild:us-east-1:123456789012:build/web:0b1c")
        .build_number(42)
        .start_time(dt(0))
        .end_time(dt(30_000_000))
        .current_phase("COMPLETED")
        .build_status(sdk::StatusType::from("FAILED"))
        .source_version("refs/heads/main")
        .resolved_source_version("3f2a91c")
        .project_name("web")
        .phases(sdk_phase(0))
        .phases(sdk_phase(1))
        .source(sdk_source(0))
        .secondary_sources(sdk_source(1))
        .secondary_source_versions(
            sdk::ProjectSourceVersion::builder()
                .source_identifier("src1")
                .source_version("v1")
                .build()
                .unwrap(),
        )
        .artifacts(sdk_artifacts(0))
        .secondary_artifacts(sdk_artifacts(1))
        .cache(
            sdk::ProjectCache::builder()
                .r#type(sdk::CacheType::from("LOCAL"))
                .location("LOCAL")
                .modes(sdk::CacheMode::from("LOCAL_SOURCE_CACHE"))
                .modes(sdk::CacheMode::from("LOCAL_DOCKER_LAYER_CACHE"))
                .cache_namespace("ns")
                .build()
                .unwrap(),
        )
        .environment(environment)
        .service_role("arn:role/ci")
        .logs(logs)
        .timeout_in_minutes(60)
        .queued_timeout_in_minutes(480)
        .build_complete(true)
        .initiator("GitHub-Hookshot/abc")
        .vpc_config(
            sdk::VpcConfig::builder()
                .vpc_id("vpc-1")
                .subnets("subnet-1")
                .subnets("subnet-2")
                .security_group_ids("sg-1")
                .build(),
        )
        .network_interface(
            sdk::NetworkInterface::builder()
                .subnet_id("subnet-1")
                .network_interface_id("eni-1")
                .build(),
        )
        .encryption_key("alias/aws/s3")
        .exported_environment_variables(
            sdk::ExportedEnvironmentVariable::builder()
                .name("VERSION")
                .value("1.2.3")
                .build(),
        )
        .report_arns("arn:report/1")
        .report_arns("arn:report/2")
        .file_system_locations(
            sdk::ProjectFileSystemLocation::builder()
                .r#type(sdk::FileSystemType::from("EFS"))
                .location("fs-1.efs:/cache")
                .mount_point("/mnt/cache")
                .identifier("cache")
                .mount_options("nfsvers=4.1")
                .build(),
        )
        .debug_session(
            sdk::DebugSession::builder()
                .session_enabled(true)
                .session_target("session-1")
                .build(),
        )
        .build_batch_arn("arn:batch/1")
        .auto_retry_config(
            sdk::AutoRetryConfig::builder()
                .auto_retry_limit(2)
                .auto_retry_number(1)
                .next_auto_retry("arn:next")
                .previous_auto_retry("arn:previous")
                .build(),
        )
        .build()
}

fn model_build() -> Build {
    Build {
        id: s("web:0b1c"),
        arn: s("arn:aws:codebuild:us-east-1:123456789012:build/web:0b1c"),
        build_number: Some(42),
        start_time: Some(ts(0)),
        end_time: Some(ts(30_000_000)),
        current_phase: s("COMPLETED"),
        build_status: Some(StatusType::Failed),
        source_version: s("refs/heads/main"),
        resolved_source_version: s("3f2a91c"),
        project_name: s("web"),
        phases: Some(vec![model_phase(0), model_phase(1)]),
        source: Some(model_source(0)),
        secondary_sources: Some(vec![model_source(1)]),
        secondary_source_versions: Some(vec![ProjectSourceVersion {
            source_identifier: s("src1"),
            source_version: s("v1"),
            ..Default::default()
        }]),
        artifacts: Some(model_artifacts(0)),
        secondary_artifacts: Some(vec![model_artifacts(1)]),
        cache: Some(ProjectCache {
            r#type: Some(CacheType::Local),
            location: s("LOCAL"),
            modes: Some(vec![
                CacheMode::LocalSourceCache,
                CacheMode::LocalDockerLayerCache,
            ]),
            cache_namespace: s("ns"),
            ..Default::default()
        }),
        environment: Some(ProjectEnvironment {
            r#type: Some(EnvironmentType::LinuxContainer),
            image: s("aws/codebuild/standard:7.0"),
            compute_type: Some(ComputeType::AttributeBasedCompute),
            compute_configuration: Some(ComputeConfiguration {
                v_cpu: Some(4),
                memory: Some(8),
                disk: Some(64),
                machine_type: Some(MachineType::Nvme),
                instance_type: s("c5.xlarge"),
                ..Default::default()
            }),
            fleet: Some(ProjectFleet {
                fleet_arn: s("arn:fleet/1"),
                ..Default::default()
            }),
            environment_variables: Some(vec![
                EnvironmentVariable {
                    name: s("STAGE"),
                    value: s("prod"),
                    r#type: Some(EnvironmentVariableType::Plaintext),
                    ..Default::default()
                },
                EnvironmentVariable {
                    name: s("TOKEN"),
                    value: s("/ci/token"),
                    r#type: Some(EnvironmentVariableType::ParameterStore),
                    ..Default::default()
                },
            ]),
            privileged_mode: Some(true),
            certificate: s("bucket/cert.pem"),
            registry_credential: Some(RegistryCredential {
                credential: s("arn:secret/reg"),
                credential_provider: Some(CredentialProviderType::SecretsManager),
                ..Default::default()
            }),
            image_pull_credentials_type: Some(ImagePullCredentialsType::ServiceRole),
            docker_server: Some(DockerServer {
                compute_type: Some(ComputeType::BuildGeneral1Large),
                security_group_ids: strings(&["sg-d1", "sg-d2"]),
                status: Some(DockerServerStatus {
                    status: s("RUNNING"),
                    message: s("ready"),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            host_kernel: None,
            ..Default::default()
        }),
        service_role: s("arn:role/ci"),
        logs: Some(LogsLocation {
            group_name: s("/aws/codebuild/web"),
            stream_name: s("stream-1"),
            deep_link: s("https://console/logs"),
            s3_deep_link: s("https://console/s3"),
            cloud_watch_logs_arn: s("arn:logs:stream"),
            s3_logs_arn: s("arn:s3:logs"),
            cloud_watch_logs: Some(CloudWatchLogsConfig {
                status: Some(LogsConfigStatusType::Enabled),
                group_name: s("group"),
                stream_name: s("prefix"),
                ..Default::default()
            }),
            s3_logs: Some(S3LogsConfig {
                status: Some(LogsConfigStatusType::Disabled),
                location: s("bucket/logs"),
                encryption_disabled: Some(true),
                bucket_owner_access: Some(BucketOwnerAccess::Full),
                ..Default::default()
            }),
            ..Default::default()
        }),
        timeout_in_minutes: Some(60),
        queued_timeout_in_minutes: Some(480),
        build_complete: Some(true),
        initiator: s("GitHub-Hookshot/abc"),
        vpc_config: Some(VpcConfig {
            vpc_id: s("vpc-1"),
            subnets: strings(&["subnet-1", "subnet-2"]),
            security_group_ids: strings(&["sg-1"]),
            ..Default::default()
        }),
        network_interface: Some(NetworkInterface {
            subnet_id: s("subnet-1"),
            network_interface_id: s("eni-1"),
            ..Default::default()
        }),
        encryption_key: s("alias/aws/s3"),
        exported_environment_variables: Some(vec![ExportedEnvironmentVariable {
            name: s("VERSION"),
            value: s("1.2.3"),
            ..Default::default()
        }]),
        report_arns: strings(&["arn:report/1", "arn:report/2"]),
        file_system_locations: Some(vec![ProjectFileSystemLocation {
            r#type: Some(FileSystemType::Efs),
            location: s("fs-1.efs:/cache"),
            mount_point: s("/mnt/cache"),
            identifier: s("cache"),
            mount_options: s("nfsvers=4.1"),
            ..Default::default()
        }]),
        debug_session: Some(DebugSession {
            session_enabled: Some(true),
            session_target: s("session-1"),
            ..Default::default()
        }),
        build_batch_arn: s("arn:batch/1"),
        auto_retry_config: Some(AutoRetryConfig {
            auto_retry_limit: Some(2),
            auto_retry_number: Some(1),
            next_auto_retry: s("arn:next"),
            previous_auto_retry: s("arn:previous"),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Compares member by member, so a failure names the member.
fn assert_same_build(got: &Build, want: &Build) {
    let got_json = serde_json::to_value(got).unwrap();
    let want_json = serde_json::to_value(want).unwrap();
    for (member, value) in want_json.as_object().unwrap() {
        assert_eq!(got_json.get(member), Some(value), "member {member}");
    }
    assert_eq!(
        got_json.as_object().unwrap().len(),
        want_json.as_object().unwrap().len()
    );
    assert_eq!(got, want);
}

#[test]
fn sdk_to_model_field_by_field() {
    let got = Build::try_from(sdk_build()).unwrap();
    assert_same_build(&got, &model_build());
    // A few by hand, in the model's terms.
    assert_eq!(got.start_time.unwrap().unix_micros(), T0);
    assert_eq!(
        got.phases()[1].end_time.unwrap().to_string(),
        "2024-05-01T12:35:16.289124Z"
    );
    let env = got.environment.as_ref().unwrap();
    assert_eq!(env.image.as_deref(), Some("aws/codebuild/standard:7.0"));
    assert_eq!(
        got.artifacts.as_ref().unwrap().sha256sum.as_deref(),
        Some("sha0")
    );
}

#[test]
fn model_to_sdk_field_by_field() {
    let got = sdk::Build::try_from(model_build()).unwrap();
    let want = sdk_build();
    assert_eq!(got.id, want.id);
    assert_eq!(got.start_time, want.start_time);
    assert_eq!(got.end_time, want.end_time);
    assert_eq!(got.build_status, want.build_status);
    assert_eq!(got.phases, want.phases);
    assert_eq!(got.source, want.source);
    assert_eq!(got.secondary_sources, want.secondary_sources);
    assert_eq!(
        got.secondary_source_versions,
        want.secondary_source_versions
    );
    assert_eq!(got.artifacts, want.artifacts);
    assert_eq!(got.secondary_artifacts, want.secondary_artifacts);
    assert_eq!(got.cache, want.cache);
    assert_eq!(got.environment, want.environment);
    assert_eq!(got.logs, want.logs);
    assert_eq!(got.vpc_config, want.vpc_config);
    assert_eq!(got.network_interface, want.network_interface);
    assert_eq!(
        got.exported_environment_variables,
        want.exported_environment_variables
    );
    assert_eq!(got.file_system_locations, want.file_system_locations);
    assert_eq!(got.debug_session, want.debug_session);
    assert_eq!(got.auto_retry_config, want.auto_retry_config);
    assert!(got.build_complete);
    // And every other member.
    assert_eq!(got, want);
    assert_eq!(got.start_time.unwrap().as_nanos(), i128::from(T0) * 1_000);
}

/// The members of `schema`'s object types that `value` lacks (recursively,
/// through every list item), by path.
fn missing(root: &Value, schema: &Value, value: &Value, at: &str, out: &mut BTreeSet<String>) {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &root["$defs"][r.trim_start_matches("#/$defs/")],
        None => schema,
    };
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, prop) in props {
            match value.get(name) {
                Some(v) => missing(root, prop, v, &format!("{at}.{name}"), out),
                None => {
                    out.insert(format!("{at}.{name}"));
                }
            }
        }
    } else if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        assert!(!values.is_empty(), "{at} is empty");
        for (i, v) in values.iter().enumerate() {
            missing(root, items, v, &format!("{at}[{i}]"), out);
        }
    }
}

#[test]
fn the_populated_values_hold_every_member_the_sdk_has() {
    let schema = build_schema().to_value();
    let json = serde_json::to_value(model_build()).unwrap();
    let mut out = BTreeSet::new();
    missing(&schema, &schema, &json, "", &mut out);
    // The one member of the model this SDK version does not have.
    assert_eq!(out, BTreeSet::from([".environment.hostKernel".to_owned()]));
}

#[test]
fn unknown_enum_values_are_kept_both_ways() {
    let b = sdk::Build::builder()
        .id("web:1")
        .build_status(sdk::StatusType::from("PENDING_APPROVAL"))
        .phases(
            sdk::BuildPhase::builder()
                .phase_type(sdk::BuildPhaseType::from("WARMUP"))
                .phase_status(sdk::StatusType::from("PAUSED"))
                .build(),
        )
        .source(
            sdk::ProjectSource::builder()
                .r#type(sdk::SourceType::from("SOURCEHUT"))
                .auth(
                    sdk::SourceAuth::builder()
                        .r#type(sdk::SourceAuthType::from("PASSKEY"))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .artifacts(
            sdk::BuildArtifacts::builder()
                .bucket_owner_access(sdk::BucketOwnerAccess::from("WRITE_ONLY"))
                .build(),
        )
        .cache(
            sdk::ProjectCache::builder()
                .r#type(sdk::CacheType::from("EFS_CACHE"))
                .modes(sdk::CacheMode::from("LOCAL_GPU_CACHE"))
                .build()
                .unwrap(),
        )
        .environment(
            sdk::ProjectEnvironment::builder()
                .r#type(sdk::EnvironmentType::from("LINUX_RISCV_CONTAINER"))
                .image("img")
                .compute_type(sdk::ComputeType::from("BUILD_GENERAL1_4XLARGE"))
                .compute_configuration(
                    sdk::ComputeConfiguration::builder()
                        .machine_type(sdk::MachineType::from("GPU"))
                        .build(),
                )
                .environment_variables(
                    sdk::EnvironmentVariable::builder()
                        .name("A")
                        .value("b")
                        .r#type(sdk::EnvironmentVariableType::from("VAULT"))
                        .build()
                        .unwrap(),
                )
                .registry_credential(
                    sdk::RegistryCredential::builder()
                        .credential("c")
                        .credential_provider(sdk::CredentialProviderType::from("VAULT"))
                        .build()
                        .unwrap(),
                )
                .image_pull_credentials_type(sdk::ImagePullCredentialsType::from("ANONYMOUS"))
                .docker_server(
                    sdk::DockerServer::builder()
                        .compute_type(sdk::ComputeType::from("BUILD_GENERAL1_8XLARGE"))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .logs(
            sdk::LogsLocation::builder()
                .cloud_watch_logs(
                    sdk::CloudWatchLogsConfig::builder()
                        .status(sdk::LogsConfigStatusType::from("ARCHIVED"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .file_system_locations(
            sdk::ProjectFileSystemLocation::builder()
                .r#type(sdk::FileSystemType::from("FSX"))
                .build(),
        )
        .build();
    let model = Build::try_from(b.clone()).unwrap();
    let env = model.environment.as_ref().unwrap();
    let kept: Vec<(bool, &str)> = [
        (
            model.build_status.as_ref().unwrap().is_known(),
            model.build_status.as_ref().unwrap().as_str(),
        ),
        {
            let t = model.phases()[0].phase_type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.phases()[0].phase_status.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.source.as_ref().unwrap().r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.source.as_ref().unwrap().auth.as_ref().unwrap();
            let t = t.r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.artifacts.as_ref().unwrap();
            let t = t.bucket_owner_access.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.cache.as_ref().unwrap().r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = &model.cache.as_ref().unwrap().modes()[0];
            (t.is_known(), t.as_str())
        },
        {
            let t = env.r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.compute_type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.compute_configuration.as_ref().unwrap();
            let t = t.machine_type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.environment_variables()[0].r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.registry_credential.as_ref().unwrap();
            let t = t.credential_provider.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.image_pull_credentials_type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = env.docker_server.as_ref().unwrap();
            let t = t.compute_type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.logs.as_ref().unwrap().cloud_watch_logs.as_ref();
            let t = t.unwrap().status.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
        {
            let t = model.file_system_locations()[0].r#type.as_ref().unwrap();
            (t.is_known(), t.as_str())
        },
    ]
    .into_iter()
    .collect();
    assert_eq!(
        kept,
        [
            (false, "PENDING_APPROVAL"),
            (false, "WARMUP"),
            (false, "PAUSED"),
            (false, "SOURCEHUT"),
            (false, "PASSKEY"),
            (false, "WRITE_ONLY"),
            (false, "EFS_CACHE"),
            (false, "LOCAL_GPU_CACHE"),
            (false, "LINUX_RISCV_CONTAINER"),
            (false, "BUILD_GENERAL1_4XLARGE"),
            (false, "GPU"),
            (false, "VAULT"),
            (false, "VAULT"),
            (false, "ANONYMOUS"),
            (false, "BUILD_GENERAL1_8XLARGE"),
            (false, "ARCHIVED"),
            (false, "FSX"),
        ]
    );
    // And back: the SDK's own `Unknown` values, equal to the originals.
    let back = sdk::Build::try_from(model).unwrap();
    assert_eq!(back, b);
    assert_eq!(back.build_status.unwrap().as_str(), "PENDING_APPROVAL");
}

/// Every value one side knows means the same on the other side.
#[test]
fn every_known_enum_value_maps_by_its_wire_string() {
    fn check<M, S>(values: &[&str])
    where
        M: From<S> + From<String> + AsRef<str> + PartialEq + std::fmt::Debug + Clone,
        S: From<M> + std::fmt::Debug,
        for<'a> S: From<&'a str>,
    {
        for v in values {
            let m = M::from(v.to_string());
            let sdk_value = S::from(m.clone());
            assert_eq!(format!("{sdk_value:?}"), format!("{:?}", S::from(*v)));
            assert_eq!(M::from(sdk_value), m);
        }
    }
    check::<StatusType, sdk::StatusType>(StatusType::VALUES);
    check::<BuildPhaseType, sdk::BuildPhaseType>(BuildPhaseType::VALUES);
    check::<SourceType, sdk::SourceType>(SourceType::VALUES);
    check::<SourceAuthType, sdk::SourceAuthType>(SourceAuthType::VALUES);
    check::<BucketOwnerAccess, sdk::BucketOwnerAccess>(BucketOwnerAccess::VALUES);
    check::<CacheType, sdk::CacheType>(CacheType::VALUES);
    check::<CacheMode, sdk::CacheMode>(CacheMode::VALUES);
    check::<EnvironmentType, sdk::EnvironmentType>(EnvironmentType::VALUES);
    check::<ComputeType, sdk::ComputeType>(ComputeType::VALUES);
    check::<MachineType, sdk::MachineType>(MachineType::VALUES);
    check::<EnvironmentVariableType, sdk::EnvironmentVariableType>(EnvironmentVariableType::VALUES);
    check::<CredentialProviderType, sdk::CredentialProviderType>(CredentialProviderType::VALUES);
    check::<ImagePullCredentialsType, sdk::ImagePullCredentialsType>(
        ImagePullCredentialsType::VALUES,
    );
    check::<LogsConfigStatusType, sdk::LogsConfigStatusType>(LogsConfigStatusType::VALUES);
    check::<FileSystemType, sdk::FileSystemType>(FileSystemType::VALUES);
    // The SDK's value names: the same strings the model knows.
    assert_eq!(
        sdk::ComputeType::from(ComputeType::BuildGeneral12xlarge),
        sdk::ComputeType::BuildGeneral12Xlarge
    );
    assert_eq!(
        StatusType::from(sdk::StatusType::TimedOut),
        StatusType::TimedOut
    );
}

#[test]
fn an_sdk_build_written_as_json_passes_the_schema_and_reads_back() {
    let original = sdk_build();
    let model = Build::try_from(original.clone()).unwrap();
    let json = serde_json::to_string_pretty(&model).unwrap();
    let validator = jsonschema::draft202012::new(build_schema().as_value()).unwrap();
    let value: Value = serde_json::from_str(&json).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let read: Build = from_str(&json).unwrap();
    assert_eq!(read, model);
    assert_eq!(sdk::Build::try_from(read).unwrap(), original);
    // The whole output of `batch_get_builds`, too.
    let output = BatchGetBuildsOutput::builder()
        .builds(original.clone())
        .builds_not_found("web:gone")
        .build();
    let response = BatchGetBuildsResponse::try_from(output.clone()).unwrap();
    assert_eq!(response.builds(), [model]);
    assert_eq!(response.builds_not_found(), ["web:gone"]);
    let json = serde_json::to_value(&response).unwrap();
    let validator = jsonschema::draft202012::new(response_schema().as_value()).unwrap();
    assert!(validator.is_valid(&json));
    let read: BatchGetBuildsResponse = serde_json::from_value(json).unwrap();
    assert_eq!(BatchGetBuildsOutput::try_from(read).unwrap(), output);
}

#[test]
fn what_the_sdk_cannot_hold_is_dropped() {
    let mut model = model_build();
    model.environment.as_mut().unwrap().host_kernel = Some(HostKernel::LinuxKernel6);
    model.build_complete = None;
    let with_unknown: Build =
        from_str(r#"{"id": "web:0b1c", "future": 1, "phases": [{"attempt": 2}]}"#).unwrap();
    model.unknown_members = with_unknown.unknown_members.clone();
    model.phases.as_mut().unwrap()[0].unknown_members =
        with_unknown.phases()[0].unknown_members.clone();
    let back = Build::try_from(sdk::Build::try_from(model.clone()).unwrap()).unwrap();
    let mut want = model;
    want.environment.as_mut().unwrap().host_kernel = None;
    want.build_complete = Some(false);
    want.clear_unknown_members();
    assert_same_build(&back, &want);
    // The response's metadata has no place in the SDK's output either.
    let response: BatchGetBuildsResponse =
        from_str(r#"{"builds": [], "ResponseMetadata": {"RequestId": "r-1"}, "nextToken": "t"}"#)
            .unwrap();
    let back = BatchGetBuildsResponse::try_from(BatchGetBuildsOutput::try_from(response).unwrap())
        .unwrap();
    assert_eq!(serde_json::to_string(&back).unwrap(), r#"{"builds":[]}"#);
}

#[test]
fn members_the_sdk_requires_are_errors_when_absent() {
    type Edit = fn(&mut Build);
    let cases: [(Edit, &str, &str); 12] = [
        (
            |b| b.environment.as_mut().unwrap().image = None,
            "environment.image",
            "ProjectEnvironment",
        ),
        (
            |b| b.environment.as_mut().unwrap().r#type = None,
            "environment.type",
            "ProjectEnvironment",
        ),
        (
            |b| b.environment.as_mut().unwrap().compute_type = None,
            "environment.computeType",
            "ProjectEnvironment",
        ),
        (
            |b| {
                b.environment
                    .as_mut()
                    .unwrap()
                    .environment_variables
                    .as_mut()
                    .unwrap()[1]
                    .name = None
            },
            "environment.environmentVariables[1].name",
            "EnvironmentVariable",
        ),
        (
            |b| {
                b.environment
                    .as_mut()
                    .unwrap()
                    .environment_variables
                    .as_mut()
                    .unwrap()[0]
                    .value = None
            },
            "environment.environmentVariables[0].value",
            "EnvironmentVariable",
        ),
        (
            |b| {
                let r = b.environment.as_mut().unwrap();
                r.registry_credential.as_mut().unwrap().credential_provider = None
            },
            "environment.registryCredential.credentialProvider",
            "RegistryCredential",
        ),
        (
            |b| {
                let d = b.environment.as_mut().unwrap();
                d.docker_server.as_mut().unwrap().compute_type = None
            },
            "environment.dockerServer.computeType",
            "DockerServer",
        ),
        (
            |b| b.secondary_sources.as_mut().unwrap()[0].r#type = None,
            "secondarySources[0].type",
            "ProjectSource",
        ),
        (
            |b| {
                let s = b.source.as_mut().unwrap();
                s.git_submodules_config.as_mut().unwrap().fetch_submodules = None
            },
            "source.gitSubmodulesConfig.fetchSubmodules",
            "GitSubmodulesConfig",
        ),
        (
            |b| b.secondary_source_versions.as_mut().unwrap()[0].source_version = None,
            "secondarySourceVersions[0].sourceVersion",
            "ProjectSourceVersion",
        ),
        (
            |b| b.cache.as_mut().unwrap().r#type = None,
            "cache.type",
            "ProjectCache",
        ),
        (
            |b| {
                let l = b.logs.as_mut().unwrap();
                l.s3_logs.as_mut().unwrap().status = None
            },
            "logs.s3Logs.status",
            "S3LogsConfig",
        ),
    ];
    for (edit, path, shape) in cases {
        let mut b = model_build();
        edit(&mut b);
        let err = sdk::Build::try_from(b).unwrap_err();
        assert_eq!(err.path(), path);
        assert_eq!(
            err.to_string(),
            format!("{path}: absent, but the SDK's {shape} requires it")
        );
    }
    // In a whole response, the path starts at `builds`.
    let response = BatchGetBuildsResponse {
        builds: Some(vec![Build::default(), {
            let mut b = model_build();
            b.cache.as_mut().unwrap().r#type = None;
            b
        }]),
        ..Default::default()
    };
    let err = BatchGetBuildsOutput::try_from(response).unwrap_err();
    assert_eq!(err.path(), "builds[1].cache.type");
}

#[test]
fn sdk_instants_read_to_the_microsecond() {
    let read = |t: DateTime| {
        Build::try_from(sdk::Build::builder().start_time(t).build()).map(|b| b.start_time.unwrap())
    };
    // Below the microsecond: truncated, towards the past.
    let t = read(DateTime::from_secs_and_nanos(1_714_566_896, 123_456_789)).unwrap();
    assert_eq!(t.unix_micros(), 1_714_566_896_123_456);
    let t = read(DateTime::from_nanos(-1_500_000_001).unwrap()).unwrap();
    assert_eq!(t.unix_micros(), -1_500_001);
    assert_eq!(t.to_string(), "1969-12-31T23:59:58.499999Z");
    // The model's range ends.
    let t = read(DateTime::from_secs(253_402_300_799)).unwrap();
    assert_eq!(t.to_string(), "9999-12-31T23:59:59.000000Z");
    let err = read(DateTime::from_secs(253_402_300_800)).unwrap_err();
    assert_eq!(err.path(), "startTime");
    assert!(
        err.message().contains("outside the years 0000 to 9999"),
        "{err}"
    );
    // Nested: the path names the phase.
    let b = sdk::Build::builder()
        .phases(sdk::BuildPhase::builder().build())
        .phases(
            sdk::BuildPhase::builder()
                .end_time(DateTime::from_secs(-62_167_219_201))
                .build(),
        )
        .build();
    assert_eq!(Build::try_from(b).unwrap_err().path(), "phases[1].endTime");
    // Model to SDK: exact.
    let model = Build {
        start_time: Some(Timestamp::from_unix_micros(-1_500_001).unwrap()),
        ..Default::default()
    };
    let back = sdk::Build::try_from(model).unwrap();
    assert_eq!(back.start_time.unwrap().as_nanos(), -1_500_001_000);
}
