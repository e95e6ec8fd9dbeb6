//! Load archives of AWS CodeBuild `batch_get_builds` dumps into typed polars
//! frames and analyse them.
#![deny(missing_docs)]

pub mod analysis;
pub mod filter;
pub mod frames;

/// The column dictionary: every frame's columns, dtypes and meanings.
#[doc = include_str!("../COLUMNS.md")]
pub mod columns {}

pub use filter::{Filters, TimeBucket};
pub use frames::{Frames, LIST_FRAMES};
pub use polars;
