//! Load archives of AWS CodeBuild `batch_get_builds` dumps into typed polars
//! frames and analyse them.
//!
//! ```no_run
//! use codebuild_analytics::{Archive, LoadOptions};
//!
//! let archive = Archive::load(&["dumps/"], &LoadOptions::default())?;
//! println!("{} builds, {} duplicates dropped", archive.report.builds_kept, archive.report.duplicates_dropped);
//! println!("{}", archive.frames.builds.head(Some(5)));
//! # Ok::<(), codebuild_analytics::LoadError>(())
//! ```
//!
//! The data's path: [`input`](crate::Archive::load) (files, folders, gzip)
//! -> decode (records delimited, each walked once straight into frame
//! columns, accepting exactly what [`codebuild_model::Build`] accepts; see
//! the [column dictionary](crate::columns)) -> analyses. [`load_builds`]
//! gives the typed records instead.
//!
//! Archives larger than memory: [`Archive::load_batched`] hands over the
//! frames in bounded batches (duplicates still resolved across the whole
//! archive), e.g. to write a Parquet dataset, and
//! [`dataset::read_parquet`] reads such a dataset back with only the
//! columns the analyses use.
#![deny(missing_docs)]

pub mod analysis;
mod columnar;
#[cfg(test)]
mod columns_def;
pub mod dataset;
mod decode;
mod error;
pub mod filter;
pub mod frames;
mod input;
mod load;
pub mod sql;
pub mod summary;

/// The column dictionary: every frame's columns, dtypes and meanings.
#[doc = include_str!("../COLUMNS.md")]
pub mod columns {}

pub use decode::DEFAULT_MAX_NESTING;
pub use error::{ErrorKind, LineIndex, LoadError, Position};
pub use filter::{Filters, TimeBucket};
pub use frames::{Frames, LIST_FRAMES};
pub use load::{
    Archive, DEFAULT_BATCH_BUILDS, Inspect, LoadOptions, LoadReport, Progress, SkippedFile,
    load_builds,
};
pub use polars;
pub use summary::Summary;
