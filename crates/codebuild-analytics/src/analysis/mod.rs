//! Analyses over the loaded [`Frames`](crate::Frames).
//!
//! Every function takes `(&Frames, &Filters, ...)`, applies the filters with
//! [`Filters::builds`](crate::Filters::builds) and returns a `DataFrame` with
//! a deterministic row order. Metric definitions follow `ANALYTICS.md`
//! exactly; the choices it leaves open are documented on each function.

pub mod capacity;
pub mod flaky;
pub mod recovery;
pub mod retry;
