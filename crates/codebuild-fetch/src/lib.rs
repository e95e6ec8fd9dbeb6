//! Build and keep an archive of AWS CodeBuild build records straight from
//! the service (`cbstats fetch`), incrementally and losslessly.
//!
//! For each project (given, or every project of the region, `ListProjects`)
//! a fetch lists build ids newest first (`ListBuildsForProject`, every
//! page), fetches those the archive does not hold complete with
//! `BatchGetBuilds` (at most 100 ids a call), and writes each response
//! body, byte for byte as the service sent it, gzip'd, into its own file
//! (layout: [`layout`]). Builds held only in progress are fetched again on
//! every run until they are complete; the loader's duplicate rule keeps the
//! complete record.
//!
//! - **Incremental**: a project whose last pass went through is listed only
//!   down to the newest build that pass saw (one more page at most);
//!   builds older than that are held, or held in progress and fetched by id.
//! - **Resumable and crash-safe**: each file is written whole under a
//!   temporary name and renamed; the state file ([`State`](state)) is a
//!   journal appended after each file, and can be rebuilt from the files
//!   (`rebuild_state`). A run stopped anywhere (Ctrl-C, a crash, an error)
//!   is resumed by the next: nothing is fetched twice but the builds of a
//!   file the journal had not recorded yet.
//! - **The SDK's configuration chain and retries**: see [`ConnectOptions`].
//!
//! ```no_run
//! # async fn f() -> Result<(), codebuild_fetch::FetchError> {
//! use codebuild_fetch::{Connection, ConnectOptions, FetchOptions, NoProgress};
//!
//! let conn = Connection::from_env(&ConnectOptions::default()).await?;
//! let opts = FetchOptions { out: "archive".into(), ..Default::default() };
//! let summary = codebuild_fetch::fetch(&conn, &opts, &NoProgress).await?;
//! println!("{} new builds", summary.totals.fetched_new);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod connect;
mod error;
pub mod layout;
mod response;
mod run;
pub mod state;

pub use connect::{ConnectOptions, Connection, fast_retries, http_client};
pub use error::FetchError;
pub use run::{
    BATCH_SIZE, Counts, FetchOptions, ListingEnd, NoProgress, Progress, ProjectSummary, Requests,
    StateSummary, Summary, fetch, summary_schema,
};

/// The AWS SDK crates fetch is built on, for callers that build their own configuration.
pub use aws_sdk_codebuild;
