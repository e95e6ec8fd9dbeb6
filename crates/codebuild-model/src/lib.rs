//! Serde + JSON Schema model of AWS CodeBuild `batch_get_builds` responses.
//!
//! Types are named after the upstream shapes (`Build`, `BuildPhase`,
//! `PhaseContext`, `ProjectSource`, `StatusType`, ...) and read and write the
//! exact wire names boto3 uses (`sha256sum`, `vCpu`, `s3DeepLink`, ...).
//!
//! - **Lenient where AWS is**: every member is optional, `null` reads as
//!   absent, and every enum keeps values it does not know in an `Unknown`
//!   variant that round-trips byte for byte.
//! - **Lossless**: members the model does not know (a later API version's)
//!   are kept, as read, in each object's `unknown_members`
//!   ([`UnknownMembers`]) and written back in the same object, so a record
//!   read and written again is the same JSON value (given timestamps in the
//!   canonical form the model writes).
//! - **Strict where it matters**: a value of the wrong type is an error naming
//!   its field path ([`from_slice`]); timestamps read every form dumps contain
//!   ([`Timestamp`]) and reject anything ambiguous.
//! - **The AWS SDK's types** (feature `aws-sdk`, off by default): `TryFrom`
//!   both ways between `aws_sdk_codebuild::types::Build` (and every type in
//!   it) and the model, so builds an SDK user fetched can be written as JSON,
//!   validated with the schema and read with this crate (`sdk` module).
//! - **A schema of the known API**: [`response_schema`] and [`build_schema`]
//!   give JSON Schemas that accept exactly the known fields and enum values;
//!   the committed copies live in the repository's `schemas/`.
//!
//! ```
//! use codebuild_model::{BatchGetBuildsResponse, StatusType};
//!
//! let json = r#"{"builds": [{"id": "web:1", "buildStatus": "SUCCEEDED",
//!     "startTime": 1479832341.854, "endTime": "2016-11-22 16:34:34.764000+00:00"}],
//!     "ResponseMetadata": {"HTTPStatusCode": 200}}"#;
//! let response: BatchGetBuildsResponse = codebuild_model::from_str(json)?;
//! let build = &response.builds()[0];
//! assert_eq!(build.build_status, Some(StatusType::Succeeded));
//! let secs = build.end_time.unwrap().unix_seconds_f64() - build.start_time.unwrap().unix_seconds_f64();
//! assert!((secs - 132.91).abs() < 1e-6);
//! # Ok::<(), codebuild_model::Error>(())
//! ```
#![deny(missing_docs)]

mod artifacts;
mod build;
mod enums;
mod environment;
mod error;
mod logs;
mod network;
mod phase;
mod response;
mod retry;
#[cfg(feature = "aws-sdk")]
pub mod sdk;
mod source;
mod timestamp;
mod unknown;

pub use artifacts::{BuildArtifacts, ProjectCache};
pub use build::Build;
pub use enums::{
    BucketOwnerAccess, BuildPhaseType, CacheMode, CacheType, ComputeType, CredentialProviderType,
    EnvironmentType, EnvironmentVariableType, FileSystemType, HostKernel, ImagePullCredentialsType,
    LogsConfigStatusType, MachineType, SourceAuthType, SourceType, StatusType, UnknownValue,
};
pub use environment::{
    ComputeConfiguration, DockerServer, DockerServerStatus, EnvironmentVariable,
    ProjectEnvironment, ProjectFleet, RegistryCredential,
};
pub use error::{Error, from_slice, from_str};
pub use logs::{CloudWatchLogsConfig, LogsLocation, S3LogsConfig};
pub use network::{
    DebugSession, ExportedEnvironmentVariable, NetworkInterface, ProjectFileSystemLocation,
    VpcConfig,
};
pub use phase::{BuildPhase, PhaseContext};
pub use response::{BatchGetBuildsOutput, BatchGetBuildsResponse};
pub use retry::AutoRetryConfig;
#[cfg(feature = "aws-sdk")]
pub use sdk::SdkConversionError;
pub use source::{
    BuildStatusConfig, GitSubmodulesConfig, ProjectSource, ProjectSourceVersion, SourceAuth,
};
pub use timestamp::{Timestamp, TimestampError, TimestampFormat};
pub use unknown::UnknownMembers;

/// Re-exported so users can name the schema type without depending on schemars.
pub use schemars::Schema;

fn schema_for<T: schemars::JsonSchema>() -> Schema {
    // Member order is left to `schema_text`, which sorts every object
    // whatever serde_json's map order in this build.
    schemars::generate::SchemaSettings::draft2020_12()
        .with_transform(remove_null)
        .into_generator()
        .into_root_schema_for::<T>()
}

/// AWS never sends `null`: the schema states the API (the parser is lenient),
/// so `Option<T>` is described as plain `T`.
fn remove_null(schema: &mut Schema) {
    if let Some(types) = schema.get_mut("type").and_then(|t| t.as_array_mut()) {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            schema.insert("type".into(), only);
        }
    }
    let is_null = |v: &serde_json::Value| v.get("type").is_some_and(|t| t == "null");
    if let Some(any_of) = schema.get_mut("anyOf").and_then(|a| a.as_array_mut()) {
        any_of.retain(|v| !is_null(v));
        if any_of.len() == 1 {
            if let Some(serde_json::Value::Object(only)) = any_of.pop() {
                schema.remove("anyOf");
                for (k, v) in only {
                    schema.insert(k, v);
                }
            }
        }
    }
    schemars::transform::transform_subschemas(&mut remove_null, schema);
}

/// The JSON Schema (draft 2020-12) of a whole `batch_get_builds` response.
///
/// It accepts the known API only: known fields (no others), known enum
/// values, no `null`s, timestamps as epoch numbers or ISO 8601 strings.
pub fn response_schema() -> Schema {
    schema_for::<BatchGetBuildsResponse>()
}

/// The JSON Schema (draft 2020-12) of one `Build`. See [`response_schema`].
pub fn build_schema() -> Schema {
    schema_for::<Build>()
}

/// The text of a schema as committed in `schemas/`: pretty JSON with every
/// object's members in sorted order, and a newline.
///
/// Sorted explicitly, so the text does not depend on whether some crate in
/// the build enables `serde_json/preserve_order` (the AWS SDK's test
/// utilities do), which would otherwise keep schemars' insertion order.
pub fn schema_text(schema: &Schema) -> String {
    let mut text =
        serde_json::to_string_pretty(&SortedKeys(schema.as_value())).expect("a schema is JSON");
    text.push('\n');
    text
}

/// Serializes a JSON value with the members of every object in sorted order.
struct SortedKeys<'a>(&'a serde_json::Value);

impl serde::Serialize for SortedKeys<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            serde_json::Value::Object(map) => {
                let mut members: Vec<_> = map.iter().collect();
                members.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    out.serialize_entry(k, &SortedKeys(v))?;
                }
                out.end()
            }
            serde_json::Value::Array(items) => {
                let mut out = serializer.serialize_seq(Some(items.len()))?;
                for v in items {
                    out.serialize_element(&SortedKeys(v))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}
