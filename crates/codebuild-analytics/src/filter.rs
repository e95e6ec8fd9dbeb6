//! Filters every analysis accepts: projects, a time range, statuses.

use polars::prelude::*;

use crate::frames::col_names::*;

/// Which builds an analysis looks at. The default keeps every build.
///
/// Filters apply to builds; phases and contexts follow their build.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    /// Keep only these projects (`projectName`), when set.
    pub projects: Option<Vec<String>>,
    /// Keep builds whose `startTime` is at or after this instant
    /// (microseconds since the epoch, UTC). Builds without `startTime` are dropped.
    pub since_micros: Option<i64>,
    /// Keep builds whose `startTime` is before this instant (exclusive).
    /// Builds without `startTime` are dropped.
    pub until_micros: Option<i64>,
    /// Keep only these `buildStatus` values, when set.
    pub statuses: Option<Vec<String>>,
}

impl Filters {
    /// `true` when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// The predicate on a builds frame, or `None` when no filter is set.
    pub fn predicate(&self) -> Option<Expr> {
        let mut preds = Vec::new();
        if let Some(projects) = &self.projects {
            preds.push(
                col(PROJECT).is_in(lit(Series::new("p".into(), projects)).implode(false), false),
            );
        }
        let start = || col(START).dt().timestamp(TimeUnit::Microseconds);
        if let Some(since) = self.since_micros {
            preds.push(start().gt_eq(lit(since)));
        }
        if let Some(until) = self.until_micros {
            preds.push(start().lt(lit(until)));
        }
        if let Some(statuses) = &self.statuses {
            preds.push(
                col(STATUS).is_in(lit(Series::new("s".into(), statuses)).implode(false), false),
            );
        }
        preds.into_iter().reduce(|a, b| a.and(b))
    }

    /// The builds that pass the filters.
    pub fn builds(&self, builds: &DataFrame) -> LazyFrame {
        let lf = builds.clone().lazy();
        match self.predicate() {
            Some(p) => lf.filter(p),
            None => lf,
        }
    }

    /// The rows of a frame keyed by `buildId` (phases, contexts, list frames)
    /// whose build passes the filters.
    pub fn children(&self, builds: &DataFrame, frame: &DataFrame) -> LazyFrame {
        let lf = frame.clone().lazy();
        if self.is_empty() {
            return lf;
        }
        let keep = self.builds(builds).select([col(ID).alias(BUILD_ID)]);
        lf.join(
            keep,
            [col(BUILD_ID)],
            [col(BUILD_ID)],
            JoinArgs::new(JoinType::Semi),
        )
    }
}

impl Filters {
    /// Every frame cut down to the builds that pass the filters (phases,
    /// contexts and list rows follow their build). No filter: a cheap clone.
    pub fn frames(&self, frames: &crate::Frames) -> PolarsResult<crate::Frames> {
        if self.is_empty() {
            return Ok(frames.clone());
        }
        let child = |df: &DataFrame| self.children(&frames.builds, df).collect();
        let mut lists = std::collections::BTreeMap::new();
        for (name, df) in &frames.lists {
            lists.insert(*name, child(df)?);
        }
        Ok(crate::Frames {
            builds: self.builds(&frames.builds).collect()?,
            phases: child(&frames.phases)?,
            phase_contexts: child(&frames.phase_contexts)?,
            lists,
        })
    }
}

/// A calendar bucket of `startTime`, for grouping by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBucket {
    /// The UTC day.
    Day,
    /// The ISO week (starting Monday, UTC).
    Week,
    /// The UTC month.
    Month,
}

impl TimeBucket {
    /// The polars duration string of the bucket (`1d`, `1w`, `1mo`).
    pub fn every(self) -> &'static str {
        match self {
            TimeBucket::Day => "1d",
            TimeBucket::Week => "1w",
            TimeBucket::Month => "1mo",
        }
    }

    /// The start of the bucket of `time_col`, as a `Date`.
    pub fn expr(self, time_col: &str) -> Expr {
        col(time_col).dt().truncate(lit(self.every())).dt().date()
    }

    /// The name of the bucket column: `day`, `week` or `month`.
    pub fn name(self) -> &'static str {
        match self {
            TimeBucket::Day => "day",
            TimeBucket::Week => "week",
            TimeBucket::Month => "month",
        }
    }
}
