//! Build phases and their status contexts.

use crate::unknown::model_struct;
use schemars::JsonSchema;

use crate::{BuildPhaseType, StatusType, Timestamp, build::list_accessors};

model_struct! {
    /// Information about a stage of a build (`BuildPhase`).
    #[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct BuildPhase(build_phase_serde, "super::BuildPhase") {
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
    }
    nested { contexts }
}

list_accessors!(BuildPhase {
    contexts: PhaseContext,
});

model_struct! {
    /// Additional information about a build phase that has an error (`PhaseContext`).
    #[derive(Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
    #[serde(rename_all = "camelCase")]
    #[schemars(deny_unknown_fields)]
    pub struct PhaseContext(phase_context_serde, "super::PhaseContext") {
        /// The status code for the context of the build phase, e.g.
        /// `COMMAND_EXECUTION_ERROR` or `CLIENT_ERROR`.
        pub status_code: Option<String>,
        /// An explanation of the build phase's context, e.g. the failed command.
        pub message: Option<String>,
    }
    nested {}
}
