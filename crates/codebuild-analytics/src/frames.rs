//! The typed frames an archive loads into, and the names of their columns.
//!
//! See the [column dictionary](crate::columns) for every column's dtype and meaning.

use std::collections::BTreeMap;

use polars::prelude::*;

/// The frames of one loaded archive.
///
/// `builds` has one row per build id; `phases` and `phaseContexts` one row
/// per phase and context of those builds; `lists` one frame per remaining
/// list member, keyed by frame name (`environmentVariables`, ...).
#[derive(Clone, Debug, Default)]
pub struct Frames {
    /// One row per build (`builds` in the column dictionary).
    pub builds: DataFrame,
    /// One row per build phase.
    pub phases: DataFrame,
    /// One row per phase context.
    pub phase_contexts: DataFrame,
    /// The list frames, by name (see [`LIST_FRAMES`]).
    pub lists: BTreeMap<&'static str, DataFrame>,
}

/// Names of the list frames, in the order they are documented.
pub const LIST_FRAMES: [&str; 11] = [
    "environmentVariables",
    "exportedEnvironmentVariables",
    "secondarySources",
    "secondarySourceVersions",
    "secondaryArtifacts",
    "reportArns",
    "fileSystemLocations",
    "cacheModes",
    "vpcSubnets",
    "vpcSecurityGroupIds",
    "dockerServerSecurityGroupIds",
];

impl Frames {
    /// Every frame with its name: `builds`, `phases`, `phaseContexts`, then the list frames.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &DataFrame)> {
        [
            ("builds", &self.builds),
            ("phases", &self.phases),
            ("phaseContexts", &self.phase_contexts),
        ]
        .into_iter()
        .chain(self.lists.iter().map(|(k, v)| (*k, v)))
    }
}

impl Frames {
    /// Appends `other`'s rows under these (frame by frame; list frames by
    /// name, a missing one taken as it is). Used to put batches of
    /// [`crate::Archive::load_batched`] back together.
    pub fn append(&mut self, other: Frames) -> PolarsResult<()> {
        self.builds.vstack_mut_owned(other.builds)?;
        self.phases.vstack_mut_owned(other.phases)?;
        self.phase_contexts.vstack_mut_owned(other.phase_contexts)?;
        for (name, df) in other.lists {
            match self.lists.get_mut(name) {
                Some(mine) => {
                    mine.vstack_mut_owned(df)?;
                }
                None => {
                    self.lists.insert(name, df);
                }
            }
        }
        Ok(())
    }
}

/// The dtype of every time column: microseconds, UTC.
pub fn time_dtype() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

/// Column names used by the analyses.
pub mod col_names {
    /// `builds.id`, and `buildId` in the other frames.
    pub const ID: &str = "id";
    /// Build id column of the phase, context and list frames.
    pub const BUILD_ID: &str = "buildId";
    /// Build ARN.
    pub const ARN: &str = "arn";
    /// Project name.
    pub const PROJECT: &str = "projectName";
    /// Build status.
    pub const STATUS: &str = "buildStatus";
    /// Build start.
    pub const START: &str = "startTime";
    /// Build end.
    pub const END: &str = "endTime";
    /// Requested source version.
    pub const SOURCE_VERSION: &str = "sourceVersion";
    /// Resolved source version (commit).
    pub const RESOLVED_SOURCE_VERSION: &str = "resolvedSourceVersion";
    /// Initiator.
    pub const INITIATOR: &str = "initiator";
    /// Compute type.
    pub const COMPUTE_TYPE: &str = "environment.computeType";
    /// Build image.
    pub const IMAGE: &str = "environment.image";
    /// Environment type (`LINUX_CONTAINER`, ...).
    pub const ENV_TYPE: &str = "environment.type";
    /// ARN of the reserved-capacity fleet the build ran on.
    pub const FLEET_ARN: &str = "environment.fleet.fleetArn";
    /// Source type.
    pub const SOURCE_TYPE: &str = "source.type";
    /// Auto-retry limit.
    pub const RETRY_LIMIT: &str = "autoRetryConfig.autoRetryLimit";
    /// Auto-retry number.
    pub const RETRY_NUMBER: &str = "autoRetryConfig.autoRetryNumber";
    /// ARN of the next auto-retry.
    pub const NEXT_RETRY: &str = "autoRetryConfig.nextAutoRetry";
    /// ARN of the previous auto-retry.
    pub const PREVIOUS_RETRY: &str = "autoRetryConfig.previousAutoRetry";
    /// Build duration (seconds).
    pub const DURATION: &str = "durationSeconds";
    /// Overhead (seconds).
    pub const OVERHEAD: &str = "overheadSeconds";
    /// Execution (seconds).
    pub const EXECUTION: &str = "executionSeconds";
    /// Failed phase.
    pub const FAILED_PHASE: &str = "failedPhase";
    /// Failure reason status code.
    pub const FAILURE_STATUS_CODE: &str = "failureStatusCode";
    /// Failure reason raw message.
    pub const FAILURE_MESSAGE: &str = "failureMessage";
    /// Phase position.
    pub const PHASE_INDEX: &str = "phaseIndex";
    /// Phase name.
    pub const PHASE_TYPE: &str = "phaseType";
    /// Phase status.
    pub const PHASE_STATUS: &str = "phaseStatus";
    /// Phase duration as reported.
    pub const DURATION_IN_SECONDS: &str = "durationInSeconds";
}
