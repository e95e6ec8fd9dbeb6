//! Build phases and their status contexts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::UnknownMembers;
use crate::unknown::keep_unknown_members;

use crate::{BuildPhaseType, StatusType, Timestamp, build::list_accessors};

/// Information about a stage of a build (`BuildPhase`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "BuildPhase")]
#[schemars(deny_unknown_fields)]
pub struct BuildPhase {
    /// The name of the build phase.
    pub phase_type: Option<BuildPhaseType>,
    /// The current status of the build phase; absent while it runs.
    pub phase_status: Option<StatusType>,
    /// When the build phase started.
    pub start_time: Option<Timestamp>,
    /// When the build phase ended; absent while it runs (and for `COMPLETED`).
    pub end_time: Option<Timestamp>,
    /// How long, in whole seconds, the build phase took.
    pub duration_in_seconds: Option<i64>,
    /// Additional information about the phase, such as why it failed.
    pub contexts: Option<Vec<PhaseContext>>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

list_accessors!(BuildPhase {
    contexts: PhaseContext,
});

/// Additional information about a build phase that has an error (`PhaseContext`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", remote = "PhaseContext")]
#[schemars(deny_unknown_fields)]
pub struct PhaseContext {
    /// The status code for the context of the build phase, e.g.
    /// `COMMAND_EXECUTION_ERROR` or `CLIENT_ERROR`.
    pub status_code: Option<String>,
    /// An explanation of the build phase's context, e.g. the failed command.
    pub message: Option<String>,
    /// Members the model does not know, kept as read and written back
    /// after the known ones (never in the JSON Schema).
    #[serde(flatten, skip_deserializing)]
    #[schemars(skip)]
    pub unknown_members: UnknownMembers,
}

keep_unknown_members! {
    BuildPhase { contexts }
    PhaseContext {}
}
