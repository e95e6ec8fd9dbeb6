//! Report sections: each one `(name, DataFrame)`, computed from the frames
//! and the filters. Adding an analysis is one line in [`SECTIONS`].

use anyhow::Result;
use codebuild_analytics::analysis::{
    GroupKey, capacity, cost, failures, flaky, outcomes, recovery, retry, timing,
};
use codebuild_analytics::{Filters, Frames, LoadReport, TimeBucket};
use polars::prelude::*;
use rayon::prelude::*;

/// One report section.
pub struct Section {
    /// Its name: the heading in tables, the key in JSON, the `--section` value.
    pub name: &'static str,
    /// Its rows.
    pub frame: DataFrame,
}

/// What a section is computed from: the frames, the filters, and the
/// detail analyses that summaries reuse, computed once up front.
///
/// The details are computed before the sections run in parallel, not on
/// first use behind a lock: a rayon worker waiting inside polars can pick up
/// another section, and if that one waited on the same lock the report
/// would deadlock.
pub struct Inputs<'a> {
    frames: &'a Frames,
    filters: &'a Filters,
    /// The time bucket of [`OUTCOMES_BY_TIME`].
    bucket: TimeBucket,
    chains: Option<DataFrame>,
    flaky: Option<DataFrame>,
    rebuilds: Option<DataFrame>,
    /// Red periods and the recovery summary, from one walk.
    recovery: Option<(DataFrame, DataFrame)>,
    /// The retry chains, resolved once when several sections follow them.
    index: Option<retry::ChainIndex>,
}

impl<'a> Inputs<'a> {
    /// Computes the details that more than one of `selected` reads (in
    /// parallel with each other); a detail read by one section only is
    /// computed by that section.
    fn new(
        frames: &'a Frames,
        filters: &'a Filters,
        bucket: TimeBucket,
        selected: &[&str],
    ) -> PolarsResult<Self> {
        let shared = |a: &str, b: &str| selected.contains(&a) && selected.contains(&b);
        let when = |needed: bool, f: &(dyn Fn() -> PolarsResult<DataFrame> + Sync)| {
            needed.then(f).transpose()
        };
        let following_chains = CHAIN_SECTIONS
            .iter()
            .filter(|n| selected.contains(n))
            .count();
        let index = (following_chains > 1)
            .then(|| retry::ChainIndex::new(frames))
            .transpose()?;
        let mut inputs = Inputs {
            frames,
            filters,
            bucket,
            chains: None,
            flaky: None,
            rebuilds: None,
            recovery: None,
            index,
        };
        let this = &inputs;
        let ((chains, recovery), (flaky, rebuilds)) = rayon::join(
            || {
                rayon::join(
                    || {
                        when(shared("retry summary", "retry chains"), &|| {
                            this.compute_chains()
                        })
                    },
                    || {
                        shared("recovery summary", "red periods")
                            .then(|| recovery::red_periods_and_summary(frames, filters))
                            .transpose()
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        when(shared("flaky rate", "flaky commits"), &|| {
                            this.compute_flaky()
                        })
                    },
                    || {
                        when(shared("manual rebuild summary", "manual rebuilds"), &|| {
                            this.compute_rebuilds()
                        })
                    },
                )
            },
        );
        inputs.chains = chains?;
        inputs.flaky = flaky?;
        inputs.rebuilds = rebuilds?;
        inputs.recovery = recovery?;
        Ok(inputs)
    }

    /// `f` over the shared chain index, or over one built for this call.
    fn with_index(
        &self,
        f: impl FnOnce(&Frames, &Filters, &retry::ChainIndex) -> PolarsResult<DataFrame>,
    ) -> PolarsResult<DataFrame> {
        match &self.index {
            Some(index) => f(self.frames, self.filters, index),
            None => f(
                self.frames,
                self.filters,
                &retry::ChainIndex::new(self.frames)?,
            ),
        }
    }

    fn compute_chains(&self) -> PolarsResult<DataFrame> {
        self.with_index(retry::retry_chains_with)
    }

    fn compute_flaky(&self) -> PolarsResult<DataFrame> {
        self.with_index(flaky::flaky_commits_with)
    }

    fn compute_rebuilds(&self) -> PolarsResult<DataFrame> {
        self.with_index(flaky::manual_rebuilds_with)
    }

    /// A detail computed up front, or computed now.
    fn cached(
        slot: &Option<DataFrame>,
        compute: impl FnOnce() -> PolarsResult<DataFrame>,
    ) -> PolarsResult<DataFrame> {
        slot.clone().map_or_else(compute, Ok)
    }

    fn chains(&self) -> PolarsResult<DataFrame> {
        Self::cached(&self.chains, || self.compute_chains())
    }

    fn flaky(&self) -> PolarsResult<DataFrame> {
        Self::cached(&self.flaky, || self.compute_flaky())
    }

    fn rebuilds(&self) -> PolarsResult<DataFrame> {
        Self::cached(&self.rebuilds, || self.compute_rebuilds())
    }

    fn red_periods(&self) -> PolarsResult<DataFrame> {
        let periods = self.recovery.as_ref().map(|(p, _)| p.clone());
        Self::cached(&periods, || {
            recovery::red_periods(self.frames, self.filters)
        })
    }

    fn recovery_summary(&self) -> PolarsResult<DataFrame> {
        let summary = self.recovery.as_ref().map(|(_, s)| s.clone());
        Self::cached(&summary, || {
            recovery::recovery_summary(self.frames, self.filters)
        })
    }
}

/// The sections that follow the retry chains.
const CHAIN_SECTIONS: [&str; 7] = [
    "retry summary",
    "retry chains",
    "flaky rate",
    "flaky commits",
    "manual rebuild summary",
    "manual rebuilds",
    "estimated cost by project",
];

/// A section's computation.
type Analysis = fn(&Inputs) -> PolarsResult<DataFrame>;

/// The name of the load-report section (always computed from the report, not the frames).
pub const LOAD: &str = "load";

/// Every analysis section, in report order: the summaries, then the
/// per-row detail sections (one row per chain, commit, rebuild, red period,
/// day, hour of week). Adding an analysis is one line here.
pub const SECTIONS: &[(&str, Analysis)] = &[
    ("outcomes", |i| {
        outcomes::outcomes(i.frames, i.filters, None)
    }),
    ("phase timing", |i| {
        timing::phase_timing(i.frames, i.filters, &timing::DEFAULT_TIMING_KEYS)
    }),
    ("overhead split", |i| {
        timing::overhead_split(i.frames, i.filters, &[GroupKey::Project])
    }),
    ("failures by phase", |i| {
        failures::failures_by_phase(i.frames, i.filters)
    }),
    ("top failure reasons", |i| {
        failures::top_failure_reasons(i.frames, i.filters, usize::MAX)
    }),
    ("failure rates by compute type", |i| {
        failures::failure_rates(i.frames, i.filters, GroupKey::ComputeType)
    }),
    ("failure rates by image", |i| {
        failures::failure_rates(i.frames, i.filters, GroupKey::Image)
    }),
    ("failure rates by source type", |i| {
        failures::failure_rates(i.frames, i.filters, GroupKey::SourceType)
    }),
    ("retry summary", |i| retry::retry_summary_of(i.chains()?)),
    ("flaky rate", |i| {
        flaky::flaky_rate_with(i.frames, i.filters, i.flaky()?)
    }),
    ("manual rebuild summary", |i| {
        flaky::manual_rebuild_summary_of(i.rebuilds()?)
    }),
    ("recovery summary", |i| i.recovery_summary()),
    ("peak concurrency", |i| {
        capacity::peak_concurrency(i.frames, i.filters)
    }),
    ("build minutes", |i| {
        capacity::build_minutes(i.frames, i.filters)
    }),
    ("estimated cost by project", |i| {
        let (chains, rebuilds) = (i.chains()?, i.rebuilds()?);
        let prices = crate::prices::table();
        cost::cost_by_project_with(i.frames, i.filters, prices, &chains, &rebuilds)
    }),
    ("estimated cost by compute type", |i| {
        cost::cost_by_compute_type(i.frames, i.filters, crate::prices::table())
    }),
    ("estimated cost by phase", |i| {
        cost::cost_by_phase(i.frames, i.filters, crate::prices::table())
    }),
    ("not priced", |i| {
        cost::not_priced(i.frames, i.filters, crate::prices::table())
    }),
    // Detail sections.
    ("retry chains", |i| i.chains()),
    ("failure rates by initiator", |i| {
        failures::failure_rates(i.frames, i.filters, GroupKey::Initiator)
    }),
    ("flaky commits", |i| i.flaky()),
    ("manual rebuilds", |i| i.rebuilds()),
    ("red periods", |i| i.red_periods()),
    ("builds per day", |i| {
        capacity::builds_per_day(i.frames, i.filters)
    }),
    ("builds per hour of week", |i| {
        capacity::builds_per_hour_of_week(i.frames, i.filters)
    }),
    (OUTCOMES_BY_TIME, |i| {
        outcomes::outcomes(i.frames, i.filters, Some(i.bucket))
    }),
    ("estimated build costs", |i| {
        cost::build_costs(i.frames, i.filters, crate::prices::table())
    }),
];

/// Outcomes per project and time bucket (`report --bucket`, a week by
/// default), then overall per bucket: the rows of [`SECTIONS`]' `outcomes`
/// with a `day`, `week` or `month` column (the bucket's first day).
pub const OUTCOMES_BY_TIME: &str = "outcomes by time bucket";

/// The first detail section: tables and markdown show the summaries before it
/// unless `--section` or `--detail` asks for more; JSON and exports have all.
pub const FIRST_DETAIL: &str = "retry chains";

/// The name of the summary (`--section summary`): computed by
/// [`codebuild_analytics::Summary`] from the sections in [`SUMMARY_PARTS`].
pub const SUMMARY: &str = "summary";

/// The sections the summary is made of (each computed once when a report
/// also shows it).
pub const SUMMARY_PARTS: [&str; 14] = [
    "outcomes",
    "phase timing",
    "overhead split",
    "failures by phase",
    "top failure reasons",
    "failure rates by compute type",
    "failure rates by image",
    "retry summary",
    "flaky rate",
    "flaky commits",
    "manual rebuild summary",
    "recovery summary",
    "peak concurrency",
    "build minutes",
];

/// The per-group sections: `load` and every section before
/// [`FIRST_DETAIL`] (what JSON holds without `--detail`).
pub fn group_names() -> Vec<&'static str> {
    std::iter::once(LOAD)
        .chain(SECTIONS.iter().map(|(n, _)| *n))
        .take_while(|n| *n != FIRST_DETAIL)
        .collect()
}

/// Every section name: `summary`, `load`, then the analyses in report order.
pub fn names() -> Vec<&'static str> {
    [SUMMARY, LOAD]
        .into_iter()
        .chain(SECTIONS.iter().map(|(n, _)| *n))
        .collect()
}

/// The [`codebuild_analytics::summary::SummaryParts`] of computed sections
/// (those in [`SUMMARY_PARTS`]; the rest are computed by the summary).
pub fn summary_parts(sections: &[Section]) -> codebuild_analytics::summary::SummaryParts {
    let get = |name: &str| {
        sections
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.frame.clone())
    };
    codebuild_analytics::summary::SummaryParts {
        outcomes: get("outcomes"),
        phase_timing: get("phase timing"),
        overhead_split: get("overhead split"),
        failures_by_phase: get("failures by phase"),
        top_failure_reasons: get("top failure reasons"),
        failure_rates_by_compute_type: get("failure rates by compute type"),
        failure_rates_by_image: get("failure rates by image"),
        retry_summary: get("retry summary"),
        flaky_rate: get("flaky rate"),
        flaky_commits: get("flaky commits"),
        manual_rebuild_summary: get("manual rebuild summary"),
        recovery_summary: get("recovery summary"),
        peak_concurrency: get("peak concurrency"),
        build_minutes: get("build minutes"),
    }
}

/// `top failure reasons` -> `top-failure-reasons`.
pub fn slug(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
        .to_ascii_lowercase()
}

/// Resolves `--section` values (a name or its slug, any case) to section
/// names; none given means every section, or the summaries only when
/// `all` is false.
pub fn select(wanted: &[String], all: bool) -> Result<Vec<&'static str>> {
    if wanted.is_empty() {
        return Ok(if all { names() } else { group_names() });
    }
    let mut out = Vec::new();
    for w in wanted {
        let w_slug = slug(w);
        let Some(name) = names().into_iter().find(|n| slug(n) == w_slug) else {
            return Err(crate::UsageError(format!(
                "unknown section `{w}`; the sections are: {}",
                names()
                    .iter()
                    .map(|n| format!("`{}`", slug(n)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

/// Computes the selected sections (the `load` section included when
/// selected); `bucket` is the time bucket of [`OUTCOMES_BY_TIME`].
pub fn sections(
    frames: &Frames,
    report: &LoadReport,
    filters: &Filters,
    bucket: TimeBucket,
    selected: &[&str],
) -> Result<Vec<Section>> {
    let mut out = Vec::new();
    if selected.contains(&LOAD) {
        out.push(Section {
            name: LOAD,
            frame: anyhow::Context::context(load_frame(report), "building the load section")?,
        });
    }
    // Sections are computed in parallel (many analyses are single-threaded
    // walks over the builds) and kept in report order.
    let inputs = anyhow::Context::context(
        Inputs::new(frames, filters, bucket, selected),
        "computing the retry chains, flaky commits and manual rebuilds",
    )?;
    let wanted: Vec<&(&str, Analysis)> = SECTIONS
        .iter()
        .filter(|(name, _)| selected.contains(name))
        .collect();
    let computed: Vec<Result<Section>> = wanted
        .par_iter()
        .map(|&&(name, analysis)| {
            let frame = anyhow::Context::with_context(analysis(&inputs), || {
                format!("computing section `{name}`")
            })?;
            Ok(Section { name, frame })
        })
        .collect();
    for section in computed {
        out.push(section?);
    }
    Ok(out)
}

/// The load report's counts, in display order, with their JSON keys.
pub fn load_counts(r: &LoadReport) -> Vec<(&'static str, &'static str, u64)> {
    vec![
        ("files read", "filesRead", r.files_read as u64),
        (
            "files skipped",
            "filesSkipped",
            r.files_skipped.len() as u64,
        ),
        (
            "files rejected",
            "filesRejected",
            r.files_rejected.len() as u64,
        ),
        ("bytes read", "bytesRead", r.bytes_read),
        ("responses", "responses", r.responses as u64),
        ("builds read", "buildsRead", r.builds_read as u64),
        ("builds kept", "buildsKept", r.builds_kept as u64),
        (
            "duplicates dropped",
            "duplicatesDropped",
            r.duplicates_dropped as u64,
        ),
        (
            "records rejected",
            "recordsRejected",
            r.records_rejected.len() as u64,
        ),
        (
            "builds not found",
            "buildsNotFound",
            r.builds_not_found.len() as u64,
        ),
    ]
}

/// The accounting line: `builds read = kept + duplicates + rejected`.
pub fn accounting_line(r: &LoadReport) -> String {
    format!(
        "builds read = kept + duplicates + rejected: {} = {} + {} + {}{}",
        r.builds_read,
        r.builds_kept,
        r.duplicates_dropped,
        r.records_rejected.len(),
        if r.balances() {
            ""
        } else {
            " (DOES NOT BALANCE)"
        }
    )
}

fn load_frame(r: &LoadReport) -> PolarsResult<DataFrame> {
    let counts = load_counts(r);
    let n = counts.len();
    DataFrame::new(
        n,
        vec![
            Column::new(
                "metric".into(),
                counts.iter().map(|c| c.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "value".into(),
                counts.iter().map(|c| c.2).collect::<Vec<_>>(),
            ),
        ],
    )
}
