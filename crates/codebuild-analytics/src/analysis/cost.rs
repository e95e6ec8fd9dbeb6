//! Estimated cost of builds: the on-demand price table and what the builds
//! cost by project, compute type and phase, and what was not priced.
//!
//! Follows the "Cost (estimates)" section of `ANALYTICS.md`:
//!
//! - **Billed time** of a build = `endTime - startTime` (from the
//!   microsecond timestamps). EC2 compute types are billed per build by the
//!   minute, rounded up to the next whole minute; Lambda compute types
//!   (`BUILD_LAMBDA_*`) by the second, rounded up (AWS CodeBuild pricing
//!   page, <https://aws.amazon.com/codebuild/pricing/>, "On-demand"; see
//!   [`Billing`]). A build without both times is not billed: its cost is
//!   null and it is counted as not priced.
//! - **Price** = the entry of the [`PriceTable`] for (`region` from the
//!   build ARN, `environment.type`, `environment.computeType`). The table
//!   built into the binary ([`PriceTable::builtin`]) holds only prices that
//!   could be confirmed, with its source and "as of" date; anything else is
//!   **not priced** (null cost, listed by [`not_priced`]), never guessed.
//!   Builds on a reserved-capacity fleet (`environment.fleet.fleetArn` set)
//!   are billed for the fleet, not per build: not priced.
//! - **Cost of a phase** (estimate) = the build's cost x the phase's
//!   duration / the build's duration; time between phases is not given to
//!   any phase, so a project's phase costs can add up to less than its cost.
//! - **Retry cost** = the cost of every member of an auto-retry chain before
//!   the final one; **manual rebuild cost** = the cost of the builds
//!   [`manual_rebuilds`](super::flaky::manual_rebuilds) lists.
//!
//! Every cost is an estimate: names say so (`estimatedCostUsd`). Sums of
//! costs are exact in the billed units: whole minutes or seconds are
//! counted per price and multiplied by the price once, so a sum does not
//! depend on row order.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

use polars::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::retry::{strings, times, with_strings};
use super::{FAILURE_STATUSES, PHASE_ORDER};
use crate::Filters;
use crate::frames::Frames;
use crate::frames::col_names::*;

/// The price table built into the binary (the text of
/// `crates/codebuild-analytics/data/codebuild-prices.json`).
pub const BUILTIN_PRICES_JSON: &str = include_str!("../../data/codebuild-prices.json");

/// A table of on-demand CodeBuild prices, as read from JSON (the built-in
/// one, or a `--prices FILE`; schema: `schemas/prices.schema.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PriceTable {
    /// The JSON Schema of the file (ignored; lets editors check the file).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Where the prices come from (a URL or a description).
    pub source: String,
    /// The date the prices were taken from the source (`YYYY-MM-DD`).
    pub as_of: String,
    /// The currency of every price: must be `USD`.
    pub currency: String,
    /// Free-text notes: which prices could not be confirmed, what is not modelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// One entry per (region, environment type, compute type).
    pub prices: Vec<Price>,
}

/// The on-demand price of one (region, environment type, compute type).
///
/// Exactly one of `usdPerMinute` and `usdPerSecond` is given. The billing
/// unit does not depend on which: it follows the compute type ([`Billing`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    /// AWS region, as in the build ARN (`us-east-1`).
    pub region: String,
    /// `environment.type` (`LINUX_CONTAINER`, `ARM_CONTAINER`, `WINDOWS_SERVER_2019_CONTAINER`, ...).
    pub environment_type: String,
    /// `environment.computeType` (`BUILD_GENERAL1_SMALL`, `BUILD_LAMBDA_1GB`, ...).
    pub compute_type: String,
    /// Price in USD per minute of build time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_minute: Option<f64>,
    /// Price in USD per second of build time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usd_per_second: Option<f64>,
    /// Free-text note on this price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Price {
    /// The price of one billed unit of `billing` (a minute or a second).
    pub fn usd_per_unit(&self, billing: Billing) -> f64 {
        match (billing, self.usd_per_minute, self.usd_per_second) {
            (Billing::PerMinute, Some(m), _) => m,
            (Billing::PerMinute, None, Some(s)) => s * 60.0,
            (Billing::PerSecond, _, Some(s)) => s,
            (Billing::PerSecond, Some(m), None) => m / 60.0,
            (_, None, None) => f64::NAN, // rejected by `PriceTable::validate`
        }
    }

    /// The price per minute (given, or 60 x the price per second).
    pub fn usd_per_minute(&self) -> f64 {
        self.usd_per_unit(Billing::PerMinute)
    }
}

/// A price table that cannot be used: where and why.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {location}{message}")]
pub struct PriceError {
    /// The file (or `built-in prices`).
    pub origin: String,
    /// `line:column: ` of a JSON error, or the member path (`prices[3].usdPerMinute: `).
    pub location: String,
    /// What is wrong.
    pub message: String,
}

impl PriceTable {
    /// The table built into the binary ([`BUILTIN_PRICES_JSON`]).
    pub fn builtin() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The built-in text is a constant checked by the tests.
            PriceTable::from_json(BUILTIN_PRICES_JSON, "built-in prices")
                .unwrap_or_else(|e| panic!("the built-in price table is invalid: {e}"))
        })
    }

    /// Reads and checks a table from JSON text; `origin` names it in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<PriceTable, PriceError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let table: PriceTable = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            PriceError {
                origin: origin.to_owned(),
                location: if inner.line() > 0 {
                    format!("{}:{}: {}", inner.line(), inner.column(), member(&path))
                } else {
                    member(&path)
                },
                message: strip_position(&inner.to_string()),
            }
        })?;
        table.validate(origin)?;
        Ok(table)
    }

    /// Reads and checks a table from a JSON file.
    pub fn from_file(path: &Path) -> Result<PriceTable, PriceError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PriceError {
            origin: origin.clone(),
            location: String::new(),
            message: format!("cannot read the price table: {e}"),
        })?;
        PriceTable::from_json(&text, &origin)
    }

    /// Checks what the schema cannot: currency `USD`, exactly one finite,
    /// non-negative price per entry, no key given twice, non-empty keys.
    pub fn validate(&self, origin: &str) -> Result<(), PriceError> {
        let err = |location: String, message: String| PriceError {
            origin: origin.to_owned(),
            location,
            message,
        };
        if self.currency != "USD" {
            return Err(err(
                "currency: ".into(),
                format!(
                    "prices must be in USD, not `{}` (costs are reported as estimatedCostUsd)",
                    self.currency
                ),
            ));
        }
        let mut seen: HashMap<(&str, &str, &str), usize> = HashMap::new();
        for (i, p) in self.prices.iter().enumerate() {
            let at = |field: &str| format!("prices[{i}]{field}: ");
            for (field, v) in [
                (".region", &p.region),
                (".environmentType", &p.environment_type),
                (".computeType", &p.compute_type),
            ] {
                if v.trim().is_empty() {
                    return Err(err(at(field), "must not be empty".into()));
                }
            }
            match (p.usd_per_minute, p.usd_per_second) {
                (Some(_), Some(_)) => {
                    return Err(err(
                        at(""),
                        "give either usdPerMinute or usdPerSecond, not both".into(),
                    ));
                }
                (None, None) => {
                    return Err(err(at(""), "needs usdPerMinute or usdPerSecond".into()));
                }
                (Some(v), None) | (None, Some(v)) if !(v.is_finite() && v >= 0.0) => {
                    let field = if p.usd_per_minute.is_some() {
                        ".usdPerMinute"
                    } else {
                        ".usdPerSecond"
                    };
                    return Err(err(
                        at(field),
                        format!("a price must be a finite number >= 0, not {v}"),
                    ));
                }
                _ => {}
            }
            let key = (
                p.region.as_str(),
                p.environment_type.as_str(),
                p.compute_type.as_str(),
            );
            if let Some(first) = seen.insert(key, i) {
                return Err(err(
                    at(""),
                    format!(
                        "({}, {}, {}) is already priced by prices[{first}]",
                        key.0, key.1, key.2
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The entry for (region, environment type, compute type), with its index.
    pub fn lookup(&self, region: &str, env_type: &str, compute: &str) -> Option<(usize, &Price)> {
        self.prices.iter().enumerate().find(|(_, p)| {
            p.region == region && p.environment_type == env_type && p.compute_type == compute
        })
    }

    /// The JSON Schema of a price table file (`schemas/prices.schema.json`).
    pub fn json_schema() -> schemars::Schema {
        schemars::schema_for!(PriceTable)
    }
}

/// `prices[0].usdPerMinute: ` from a serde path (`.` for the root: nothing).
fn member(path: &str) -> String {
    if path.is_empty() || path == "." || path == "?" {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// serde_json's message without its trailing ` at line L column C`.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// How a compute type is billed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Billing {
    /// EC2 compute: per build by the minute, rounded up.
    PerMinute,
    /// Lambda compute (`BUILD_LAMBDA_*`): per build by the second, rounded up.
    PerSecond,
}

impl Billing {
    /// The billing of a compute type: per second for `BUILD_LAMBDA_*`, per minute otherwise.
    pub fn of(compute_type: &str) -> Billing {
        if compute_type.starts_with("BUILD_LAMBDA_") {
            Billing::PerSecond
        } else {
            Billing::PerMinute
        }
    }

    /// `minute` or `second`.
    pub fn unit(self) -> &'static str {
        match self {
            Billing::PerMinute => "minute",
            Billing::PerSecond => "second",
        }
    }

    /// The billed units (whole minutes or seconds, rounded up) of a build
    /// that ran `micros` microseconds (`>= 0`).
    pub fn billed_units(self, micros: i64) -> i64 {
        let unit = self.unit_micros();
        micros / unit + i64::from(micros % unit != 0)
    }

    /// Microseconds in one billed unit.
    pub fn unit_micros(self) -> i64 {
        match self {
            Billing::PerMinute => 60_000_000,
            Billing::PerSecond => 1_000_000,
        }
    }
}

/// Why a build has no estimated cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NotPricedReason {
    /// `startTime` or `endTime` is absent (a running build, or a partial record).
    NoDuration,
    /// `endTime` is before `startTime`.
    NegativeDuration,
    /// The ARN is absent or has no region field.
    NoRegion,
    /// `environment.type` is absent.
    NoEnvironmentType,
    /// `environment.computeType` is absent.
    NoComputeType,
    /// The build ran on a reserved-capacity fleet (billed for the fleet, not per build).
    ReservedFleet,
    /// The price table has no entry for its (region, environment type, compute type).
    NoPrice,
}

impl NotPricedReason {
    /// The reason as shown in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            NotPricedReason::NoDuration => "no startTime or endTime",
            NotPricedReason::NegativeDuration => "endTime before startTime",
            NotPricedReason::NoRegion => "no region in the ARN",
            NotPricedReason::NoEnvironmentType => "no environment.type",
            NotPricedReason::NoComputeType => "no environment.computeType",
            NotPricedReason::ReservedFleet => "reserved-capacity fleet (billed per fleet)",
            NotPricedReason::NoPrice => "not in the price table",
        }
    }
}

/// The region of a build ARN (`arn:aws:codebuild:REGION:ACCOUNT:build/...`).
pub fn region_of_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    if parts.next()? != "arn" {
        return None;
    }
    let region = parts.nth(2)?;
    (!region.is_empty()).then_some(region)
}

/// The price of one build, or why there is none.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    /// Index into the price table, and the billed units.
    Priced {
        price: usize,
        units: i64,
    },
    NotPriced(NotPricedReason),
}

/// One build row, as the cost analyses see it.
struct Row<'a> {
    id: Option<&'a str>,
    project: Option<&'a str>,
    status: Option<&'a str>,
    start: Option<i64>,
    region: Option<&'a str>,
    env_type: Option<&'a str>,
    compute: Option<&'a str>,
    /// `endTime - startTime` in microseconds, when both are present.
    micros: Option<i64>,
    outcome: Outcome,
    passes: bool,
}

/// Exact sums of billed units per price, turned into money once.
#[derive(Clone, Debug, Default)]
struct Money {
    units: BTreeMap<(usize, Billing), i64>,
}

impl Money {
    fn add(&mut self, price: usize, billing: Billing, units: i64) {
        *self.units.entry((price, billing)).or_default() += units;
    }

    fn usd(&self, table: &PriceTable) -> f64 {
        self.units
            .iter()
            .map(|(&(p, billing), &units)| units as f64 * table.prices[p].usd_per_unit(billing))
            // From +0.0: an empty f64 `sum()` is -0.0.
            .fold(0.0, |a, b| a + b)
    }

    fn billed_seconds(&self) -> i64 {
        self.units
            .iter()
            .map(|(&(_, billing), &units)| units * (billing.unit_micros() / 1_000_000))
            .sum()
    }
}

/// The per-build prices of a whole builds frame.
struct Costing<'a> {
    rows: Vec<Row<'a>>,
    table: &'a PriceTable,
    // foldhash (polars' map), not SipHash: built for every build, probed
    // for every phase.
    by_id: PlHashMap<&'a str, usize>,
}

/// The optional String column `name` (all null when the frame lacks it).
fn opt_strings<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    if df.get_column_names().iter().any(|c| c.as_str() == name) {
        strings(df, name)
    } else {
        Ok(vec![None; df.height()])
    }
}

impl<'a> Costing<'a> {
    /// `builds` must have gone through [`with_strings`] for [`COST_STRINGS`].
    fn new(builds: &'a DataFrame, filters: &Filters, table: &'a PriceTable) -> PolarsResult<Self> {
        let ids = strings(builds, ID)?;
        let arns = opt_strings(builds, ARN)?;
        let projects = strings(builds, PROJECT)?;
        let statuses = strings(builds, STATUS)?;
        let env_types = opt_strings(builds, ENV_TYPE)?;
        let computes = opt_strings(builds, COMPUTE_TYPE)?;
        let fleets = opt_strings(builds, FLEET_ARN)?;
        let starts = times(builds, START)?;
        let ends = times(builds, END)?;
        let passes = super::retry::passing_rows(builds, filters)?;
        let mut rows = Vec::with_capacity(builds.height());
        let mut by_id = PlHashMap::with_capacity(builds.height());
        for i in 0..builds.height() {
            let region = arns[i].and_then(region_of_arn);
            let micros = match (starts[i], ends[i]) {
                (Some(s), Some(e)) => Some(e - s),
                _ => None,
            };
            let outcome = (|| {
                use NotPricedReason::*;
                let micros = micros.ok_or(NoDuration)?;
                if micros < 0 {
                    return Err(NegativeDuration);
                }
                if fleets[i].is_some_and(|f| !f.is_empty()) {
                    return Err(ReservedFleet);
                }
                let region = region.ok_or(NoRegion)?;
                let env = env_types[i].ok_or(NoEnvironmentType)?;
                let compute = computes[i].ok_or(NoComputeType)?;
                let (price, _) = table.lookup(region, env, compute).ok_or(NoPrice)?;
                Ok(Outcome::Priced {
                    price,
                    units: Billing::of(compute).billed_units(micros),
                })
            })()
            .unwrap_or_else(Outcome::NotPriced);
            if let Some(id) = ids[i] {
                by_id.insert(id, i);
            }
            rows.push(Row {
                id: ids[i],
                project: projects[i],
                status: statuses[i],
                start: starts[i],
                region,
                env_type: env_types[i],
                compute: computes[i],
                micros,
                outcome,
                passes: passes[i],
            });
        }
        Ok(Costing { rows, table, by_id })
    }

    fn billing(&self, row: &Row) -> Billing {
        Billing::of(row.compute.unwrap_or(""))
    }

    /// Adds the row's billed units to `money`; `true` when it is priced.
    fn add(&self, money: &mut Money, row: &Row) -> bool {
        match row.outcome {
            Outcome::Priced { price, units } => {
                money.add(price, self.billing(row), units);
                true
            }
            Outcome::NotPriced(_) => false,
        }
    }

    fn cost(&self, row: &Row) -> Option<f64> {
        match row.outcome {
            Outcome::Priced { price, units } => {
                Some(units as f64 * self.table.prices[price].usd_per_unit(self.billing(row)))
            }
            Outcome::NotPriced(_) => None,
        }
    }

    fn passing(&self) -> impl Iterator<Item = &Row<'a>> {
        self.rows.iter().filter(|r| r.passes)
    }
}

/// The String columns the cost analyses read.
const COST_STRINGS: [&str; 4] = [ID, PROJECT, STATUS, COMPUTE_TYPE];

fn prepared(builds: &DataFrame) -> PolarsResult<DataFrame> {
    let mut names: Vec<&str> = COST_STRINGS.to_vec();
    for opt in [ARN, ENV_TYPE, FLEET_ARN] {
        if builds.get_column_names().iter().any(|c| c.as_str() == opt) {
            names.push(opt);
        }
    }
    with_strings(builds, &names)
}

/// One row per build that passes `filters`, with its estimated cost.
///
/// Columns: `id`, `projectName`, `startTime`, `buildStatus`, `region` (from
/// the ARN), `environment.type`, `environment.computeType`, `billing`
/// (`minute` or `second`, from the compute type; null without one),
/// `billedSeconds` (Int64: the duration rounded up to the billing unit, in
/// seconds; null when not priced), `usdPerMinute` (Float64, the price used),
/// `estimatedCostUsd` (Float64; null when not priced), `notPricedReason`
/// (String; null when priced). Sorted by `projectName`, `startTime`, `id`
/// (nulls first).
pub fn build_costs(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<DataFrame> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let rows: Vec<&Row> = c.passing().collect();
    let s = |f: &dyn Fn(&Row) -> Option<String>| rows.iter().map(|r| f(r)).collect::<Vec<_>>();
    let priced = |r: &Row| match r.outcome {
        Outcome::Priced { price, units } => Some((price, units)),
        Outcome::NotPriced(_) => None,
    };
    let df = DataFrame::new(
        rows.len(),
        vec![
            Column::new(ID.into(), s(&|r| r.id.map(Into::into))),
            Column::new(PROJECT.into(), s(&|r| r.project.map(Into::into))),
            super::retry::time_series(START, rows.iter().map(|r| r.start).collect())?,
            Column::new(STATUS.into(), s(&|r| r.status.map(Into::into))),
            Column::new("region".into(), s(&|r| r.region.map(Into::into))),
            Column::new(ENV_TYPE.into(), s(&|r| r.env_type.map(Into::into))),
            Column::new(COMPUTE_TYPE.into(), s(&|r| r.compute.map(Into::into))),
            Column::new(
                "billing".into(),
                s(&|r| r.compute.map(|c| Billing::of(c).unit().into())),
            ),
            Column::new(
                "billedSeconds".into(),
                rows.iter()
                    .map(|r| priced(r).map(|(_, u)| u * (c.billing(r).unit_micros() / 1_000_000)))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "usdPerMinute".into(),
                rows.iter()
                    .map(|r| priced(r).map(|(p, _)| table.prices[p].usd_per_minute()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "estimatedCostUsd".into(),
                rows.iter().map(|r| c.cost(r)).collect::<Vec<_>>(),
            ),
            Column::new(
                "notPricedReason".into(),
                s(&|r| match r.outcome {
                    Outcome::NotPriced(why) => Some(why.as_str().into()),
                    Outcome::Priced { .. } => None,
                }),
            ),
        ],
    )?;
    df.sort(
        [PROJECT, START, ID],
        SortMultipleOptions::default()
            .with_nulls_last(false)
            .with_maintain_order(true),
    )
}

/// The money of one project.
#[derive(Default)]
struct ProjectMoney {
    builds: i64,
    priced: i64,
    all: Money,
    failed: Money,
    retries: Money,
    rebuilds: Money,
}

/// Per-project money from the costing, the retry chains and the manual rebuilds.
fn project_money<'a>(
    c: &Costing<'a>,
    chains: &DataFrame,
    rebuilds: &DataFrame,
) -> PolarsResult<BTreeMap<Option<&'a str>, ProjectMoney>> {
    let mut out: BTreeMap<Option<&str>, ProjectMoney> = BTreeMap::new();
    for r in c.passing() {
        let m = out.entry(r.project).or_default();
        m.builds += 1;
        if c.add(&mut m.all, r) {
            m.priced += 1;
        }
        if r.status.is_some_and(|s| FAILURE_STATUSES.contains(&s)) {
            c.add(&mut m.failed, r);
        }
    }
    // Retries: every member before the final one (chains are selected by
    // their root, as `retry_chains` does).
    // (A chain's members share its project: links are within a project.)
    let members = chains.column("memberIds")?.list()?;
    for ids in (0..members.len()).filter_map(|i| members.get_as_series(i)) {
        let ids = ids.cast(&DataType::String)?;
        let ids: Vec<Option<&str>> = ids.str()?.iter().collect();
        for id in ids.iter().take(ids.len().saturating_sub(1)).flatten() {
            if let Some(&row) = c.by_id.get(id) {
                let r = &c.rows[row];
                c.add(&mut out.entry(r.project).or_default().retries, r);
            }
        }
    }
    let rebuilds = with_strings(rebuilds, &[ID])?;
    for id in strings(&rebuilds, ID)?.into_iter().flatten() {
        if let Some(&row) = c.by_id.get(id) {
            let r = &c.rows[row];
            c.add(&mut out.entry(r.project).or_default().rebuilds, r);
        }
    }
    Ok(out)
}

/// Estimated cost per project (retry chains and manual rebuilds computed here).
///
/// See [`cost_by_project_with`] for the columns.
pub fn cost_by_project(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<DataFrame> {
    let index = super::retry::ChainIndex::new(frames)?;
    let chains = super::retry::retry_chains_with(frames, filters, &index)?;
    let rebuilds = super::flaky::manual_rebuilds_with(frames, filters, &index)?;
    cost_by_project_with(frames, filters, table, &chains, &rebuilds)
}

/// Estimated cost per project, given the
/// [`retry_chains`](super::retry::retry_chains) and
/// [`manual_rebuilds`](super::flaky::manual_rebuilds) of the same frames
/// and filters.
///
/// Columns: `projectName`; `builds`, `pricedBuilds`, `notPricedBuilds`
/// (Int64); `billedMinutes` (Float64: billed time of the priced builds);
/// `estimatedCostUsd` (priced builds), `failedEstimatedCostUsd` (priced
/// builds with a failure status), `retryEstimatedCostUsd` (priced chain
/// members before the final one, chains of this project),
/// `manualRebuildEstimatedCostUsd` (priced manual rebuilds),
/// `shareOfEstimatedCost` (this project's share of all projects'
/// estimated cost), all Float64. Every cost is null when the project has no
/// priced build. Sorted by `estimatedCostUsd` descending (nulls last), then
/// `projectName`.
pub fn cost_by_project_with(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
    chains: &DataFrame,
    rebuilds: &DataFrame,
) -> PolarsResult<DataFrame> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let money = project_money(&c, chains, rebuilds)?;
    let total: f64 = money
        .values()
        .map(|m| m.all.usd(table))
        .fold(0.0, |a, b| a + b);
    let mut rows: Vec<(Option<&str>, &ProjectMoney, Option<f64>)> = money
        .iter()
        .filter(|(_, m)| m.builds > 0)
        .map(|(p, m)| (*p, m, (m.priced > 0).then(|| m.all.usd(table))))
        .collect();
    rows.sort_by(|a, b| {
        b.2.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.2.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| match (a.0, b.0) {
                (Some(x), Some(y)) => x.cmp(y),
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, None) => std::cmp::Ordering::Equal,
            })
    });
    let usd = |f: &dyn Fn(&ProjectMoney) -> &Money| {
        rows.iter()
            .map(|(_, m, cost)| cost.map(|_| f(m).usd(table)))
            .collect::<Vec<_>>()
    };
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                PROJECT.into(),
                rows.iter()
                    .map(|r| r.0.map(str::to_owned))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "builds".into(),
                rows.iter().map(|r| r.1.builds).collect::<Vec<_>>(),
            ),
            Column::new(
                "pricedBuilds".into(),
                rows.iter().map(|r| r.1.priced).collect::<Vec<_>>(),
            ),
            Column::new(
                "notPricedBuilds".into(),
                rows.iter()
                    .map(|r| r.1.builds - r.1.priced)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "billedMinutes".into(),
                rows.iter()
                    .map(|r| r.1.all.billed_seconds() as f64 / 60.0)
                    .collect::<Vec<_>>(),
            ),
            Column::new("estimatedCostUsd".into(), usd(&|m| &m.all)),
            Column::new("failedEstimatedCostUsd".into(), usd(&|m| &m.failed)),
            Column::new("retryEstimatedCostUsd".into(), usd(&|m| &m.retries)),
            Column::new(
                "manualRebuildEstimatedCostUsd".into(),
                usd(&|m| &m.rebuilds),
            ),
            Column::new(
                "shareOfEstimatedCost".into(),
                rows.iter()
                    .map(|r| r.2.filter(|_| total > 0.0).map(|c| c / total))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Estimated cost per (region, `environment.type`, `environment.computeType`).
///
/// Columns: `region`, `environment.type`, `environment.computeType`,
/// `billing` (`minute` / `second`), `builds`, `pricedBuilds` (Int64),
/// `billedMinutes` (Float64, priced builds), `usdPerMinute` (Float64, the
/// price; null when not priced), `estimatedCostUsd` (Float64; null when no
/// build of the key is priced). Sorted by `estimatedCostUsd` descending
/// (nulls last), then the keys (nulls last).
pub fn cost_by_compute_type(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<DataFrame> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    type Key<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let mut groups: BTreeMap<Key, (i64, i64, Money)> = BTreeMap::new();
    for r in c.passing() {
        let g = groups
            .entry((r.region, r.env_type, r.compute))
            .or_insert_with(|| (0, 0, Money::default()));
        g.0 += 1;
        if c.add(&mut g.2, r) {
            g.1 += 1;
        }
    }
    type Group = (i64, i64, Money);
    let mut rows: Vec<(Key, &Group, Option<f64>)> = groups
        .iter()
        .map(|(k, g)| (*k, g, (g.1 > 0).then(|| g.2.usd(table))))
        .collect();
    let opt_cmp = |a: Option<&str>, b: Option<&str>| match (a, b) {
        (Some(x), Some(y)) => x.cmp(y),
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, None) => std::cmp::Ordering::Equal,
    };
    rows.sort_by(|a, b| {
        b.2.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.2.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| opt_cmp(a.0.0, b.0.0))
            .then_with(|| opt_cmp(a.0.1, b.0.1))
            .then_with(|| opt_cmp(a.0.2, b.0.2))
    });
    let text = |f: &dyn for<'k> Fn(&'k Key<'k>) -> Option<&'k str>| {
        rows.iter()
            .map(|r| f(&r.0).map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let price = |k: &Key| match k {
        (Some(r), Some(e), Some(c)) => table.lookup(r, e, c).map(|(_, p)| p.usd_per_minute()),
        _ => None,
    };
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("region".into(), text(&|k| k.0)),
            Column::new(ENV_TYPE.into(), text(&|k| k.1)),
            Column::new(COMPUTE_TYPE.into(), text(&|k| k.2)),
            Column::new(
                "billing".into(),
                text(&|k| k.2.map(|c| Billing::of(c).unit())),
            ),
            Column::new(
                "builds".into(),
                rows.iter().map(|r| r.1.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "pricedBuilds".into(),
                rows.iter().map(|r| r.1.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "billedMinutes".into(),
                rows.iter()
                    .map(|r| r.1.2.billed_seconds() as f64 / 60.0)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "usdPerMinute".into(),
                rows.iter().map(|r| price(&r.0)).collect::<Vec<_>>(),
            ),
            Column::new(
                "estimatedCostUsd".into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// Estimated cost split by phase: per (`projectName`, `phaseType`), the
/// sum over priced builds of cost x phase duration / build duration.
///
/// Phases without a duration, of builds that are not priced or whose
/// duration is 0, are left out. Columns: `projectName`, `phaseType`,
/// `builds` (Int64, priced builds with a duration for the phase),
/// `estimatedCostUsd` (Float64), `shareOfProjectCost` (Float64: of the
/// project's estimated cost; the shares of a project add up to the share of
/// build time its phases cover, at most 1 for consistent records). Sorted
/// by `projectName` (nulls last), then phase in API order.
pub fn cost_by_phase(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<DataFrame> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let phases = with_strings(&frames.phases, &[BUILD_ID, PHASE_TYPE])?;
    let ids = strings(&phases, BUILD_ID)?;
    let types = strings(&phases, PHASE_TYPE)?;
    let durations: Vec<Option<f64>> = phases
        .column(DURATION)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let mut project_cost: BTreeMap<Option<&str>, Money> = BTreeMap::new();
    for r in c.passing() {
        c.add(project_cost.entry(r.project).or_default(), r);
    }
    // Terms per group, summed in sorted order at the end so that the sum
    // does not depend on the order of the phase rows (a partitioned export
    // reads them back in another order).
    type PhaseKey<'k> = (Option<&'k str>, usize, &'k str);
    // Hashed while the phase rows stream by (a tree here compared project
    // names for every phase row); the terms are sorted per group below.
    let mut groups: PlHashMap<PhaseKey, (i64, Vec<f64>)> = PlHashMap::new();
    for ((id, phase), d) in ids.iter().zip(&types).zip(&durations) {
        let (Some(id), Some(phase), Some(d)) = (id, phase, d) else {
            continue;
        };
        let Some(&row) = c.by_id.get(id) else {
            continue;
        };
        let r = &c.rows[row];
        let (Some(cost), Some(micros)) = (c.cost(r), r.micros) else {
            continue;
        };
        if !r.passes || micros <= 0 {
            continue;
        }
        let rank = PHASE_ORDER
            .iter()
            .position(|p| p == phase)
            .unwrap_or(PHASE_ORDER.len());
        let g = groups.entry((r.project, rank, phase)).or_default();
        g.0 += 1;
        g.1.push(cost * (d / (micros as f64 / 1e6)));
    }
    let groups: BTreeMap<_, (i64, f64)> = groups
        .into_iter()
        .map(|(k, (n, mut terms))| {
            terms.sort_by(f64::total_cmp);
            (k, (n, terms.into_iter().fold(0.0, |a, b| a + b)))
        })
        .collect();
    let mut keys: Vec<_> = groups.iter().collect();
    keys.sort_by(|a, b| {
        let (pa, ra, na) = a.0;
        let (pb, rb, nb) = b.0;
        let p = match (pa, pb) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, None) => std::cmp::Ordering::Equal,
        };
        p.then(ra.cmp(rb)).then(na.cmp(nb))
    });
    let share = |p: Option<&str>, cost: f64| {
        let total = project_cost.get(&p).map(|m| m.usd(table)).unwrap_or(0.0);
        (total > 0.0).then(|| cost / total)
    };
    DataFrame::new(
        keys.len(),
        vec![
            Column::new(
                PROJECT.into(),
                keys.iter()
                    .map(|(k, _)| k.0.map(str::to_owned))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                PHASE_TYPE.into(),
                keys.iter().map(|(k, _)| k.2.to_owned()).collect::<Vec<_>>(),
            ),
            Column::new(
                "builds".into(),
                keys.iter().map(|(_, g)| g.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "estimatedCostUsd".into(),
                keys.iter().map(|(_, g)| g.1).collect::<Vec<_>>(),
            ),
            Column::new(
                "shareOfProjectCost".into(),
                keys.iter()
                    .map(|(k, g)| share(k.0, g.1))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The builds that have no estimated cost, grouped by why.
///
/// Columns: `region`, `environment.type`, `environment.computeType`,
/// `reason` (see [`NotPricedReason::as_str`]), `builds` (Int64), `minutes`
/// (Float64: their unrounded duration, builds without one count 0). Sorted
/// by `builds` descending, then the keys (nulls last).
pub fn not_priced(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<DataFrame> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let groups = not_priced_groups(&c);
    let text = |f: &dyn for<'k> Fn(&'k NotPricedKey<'k>) -> Option<&'k str>| {
        groups
            .iter()
            .map(|(k, _)| f(k).map(str::to_owned))
            .collect::<Vec<_>>()
    };
    DataFrame::new(
        groups.len(),
        vec![
            Column::new("region".into(), text(&|k| k.0)),
            Column::new(ENV_TYPE.into(), text(&|k| k.1)),
            Column::new(COMPUTE_TYPE.into(), text(&|k| k.2)),
            Column::new("reason".into(), text(&|k| Some(k.3.as_str()))),
            Column::new(
                "builds".into(),
                groups.iter().map(|g| g.1.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "minutes".into(),
                groups
                    .iter()
                    .map(|g| g.1.1 as f64 / 60e6)
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

type NotPricedKey<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    NotPricedReason,
);

/// Not-priced builds per key: (builds, microseconds of duration), sorted
/// by builds descending then key.
fn not_priced_groups<'a>(c: &Costing<'a>) -> Vec<(NotPricedKey<'a>, (i64, i64))> {
    let mut groups: BTreeMap<NotPricedKey, (i64, i64)> = BTreeMap::new();
    for r in c.passing() {
        if let Outcome::NotPriced(why) = r.outcome {
            let g = groups
                .entry((r.region, r.env_type, r.compute, why))
                .or_default();
            g.0 += 1;
            g.1 += r.micros.filter(|m| *m > 0).unwrap_or(0);
        }
    }
    let mut out: Vec<_> = groups.into_iter().collect();
    // BTreeMap order puts None first; the sort is by builds then key with
    // nulls last.
    let key = |k: &NotPricedKey| {
        (
            k.0.is_none(),
            k.0.map(str::to_owned),
            k.1.is_none(),
            k.1.map(str::to_owned),
            k.2.is_none(),
            k.2.map(str::to_owned),
            k.3,
        )
    };
    out.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| key(&a.0).cmp(&key(&b.0))));
    out
}

/// The estimated cost of a set of builds, for the report's summary (every
/// format renders the same numbers).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CostSummary {
    /// Where the prices come from ([`PriceTable::source`]).
    pub price_source: String,
    /// The date of the prices ([`PriceTable::as_of`]).
    pub prices_as_of: String,
    /// Builds considered.
    pub builds: u64,
    /// Builds with an estimated cost.
    pub priced_builds: u64,
    /// Builds without one (see `notPriced`).
    pub not_priced_builds: u64,
    /// Estimated cost of the priced builds (USD); null when none is priced.
    pub estimated_cost_usd: Option<f64>,
    /// Of which builds with a failure status; null when none is priced.
    pub failed_estimated_cost_usd: Option<f64>,
    /// Of which auto-retry chain members before the final one; null when none is priced.
    pub retry_estimated_cost_usd: Option<f64>,
    /// Of which manual rebuilds; null when none is priced.
    pub manual_rebuild_estimated_cost_usd: Option<f64>,
    /// The most expensive projects, most expensive first.
    pub top_projects: Vec<ProjectCost>,
    /// What was not priced and why, most builds first.
    pub not_priced: Vec<NotPricedGroup>,
}

/// One project's estimated cost in a [`CostSummary`].
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectCost {
    /// `projectName` (null for builds without one).
    pub project_name: Option<String>,
    /// Estimated cost (USD) of its priced builds.
    pub estimated_cost_usd: f64,
    /// Its share of the summary's estimated cost (0..1).
    pub share: f64,
    /// Its builds without an estimated cost.
    pub not_priced_builds: u64,
}

/// Builds without an estimated cost, by key and reason.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotPricedGroup {
    /// Region from the ARN.
    pub region: Option<String>,
    /// `environment.type`.
    pub environment_type: Option<String>,
    /// `environment.computeType`.
    pub compute_type: Option<String>,
    /// Why they are not priced.
    pub reason: String,
    /// How many builds.
    pub builds: u64,
}

/// The [`CostSummary`] of the builds passing `filters` (chains and manual
/// rebuilds computed here), with at most `top` projects.
pub fn cost_summary(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
    top: usize,
) -> PolarsResult<CostSummary> {
    let index = super::retry::ChainIndex::new(frames)?;
    let chains = super::retry::retry_chains_with(frames, filters, &index)?;
    let rebuilds = super::flaky::manual_rebuilds_with(frames, filters, &index)?;
    cost_summary_with(frames, filters, table, top, &chains, &rebuilds)
}

/// [`cost_summary`] given the retry chains and manual rebuilds of the same
/// frames and filters.
pub fn cost_summary_with(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
    top: usize,
    chains: &DataFrame,
    rebuilds: &DataFrame,
) -> PolarsResult<CostSummary> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let money = project_money(&c, chains, rebuilds)?;
    let mut all = ProjectMoney::default();
    for m in money.values() {
        all.builds += m.builds;
        all.priced += m.priced;
        for (dst, src) in [
            (&mut all.all, &m.all),
            (&mut all.failed, &m.failed),
            (&mut all.retries, &m.retries),
            (&mut all.rebuilds, &m.rebuilds),
        ] {
            for (&(p, b), &u) in &src.units {
                dst.add(p, b, u);
            }
        }
    }
    let priced = all.priced > 0;
    let usd = |m: &Money| priced.then(|| m.usd(table));
    let total = all.all.usd(table);
    let mut projects: Vec<ProjectCost> = money
        .iter()
        .filter(|(_, m)| m.priced > 0)
        .map(|(p, m)| {
            let cost = m.all.usd(table);
            ProjectCost {
                project_name: p.map(str::to_owned),
                estimated_cost_usd: cost,
                share: if total > 0.0 { cost / total } else { 0.0 },
                not_priced_builds: (m.builds - m.priced) as u64,
            }
        })
        .collect();
    projects.sort_by(|a, b| {
        b.estimated_cost_usd
            .total_cmp(&a.estimated_cost_usd)
            .then_with(|| a.project_name.cmp(&b.project_name))
    });
    projects.truncate(top);
    Ok(CostSummary {
        price_source: table.source.clone(),
        prices_as_of: table.as_of.clone(),
        builds: all.builds as u64,
        priced_builds: all.priced as u64,
        not_priced_builds: (all.builds - all.priced) as u64,
        estimated_cost_usd: usd(&all.all),
        failed_estimated_cost_usd: usd(&all.failed),
        retry_estimated_cost_usd: usd(&all.retries),
        manual_rebuild_estimated_cost_usd: usd(&all.rebuilds),
        top_projects: projects,
        not_priced: not_priced_groups(&c)
            .into_iter()
            .map(|(k, (n, _))| NotPricedGroup {
                region: k.0.map(str::to_owned),
                environment_type: k.1.map(str::to_owned),
                compute_type: k.2.map(str::to_owned),
                reason: k.3.as_str().to_owned(),
                builds: n as u64,
            })
            .collect(),
    })
}

/// The estimated costs of the priced builds that pass `filters`, per
/// project (for comparisons).
pub(crate) fn priced_costs_by_project(
    frames: &Frames,
    filters: &Filters,
    table: &PriceTable,
) -> PolarsResult<BTreeMap<Option<String>, Vec<f64>>> {
    let builds = prepared(&frames.builds)?;
    let c = Costing::new(&builds, filters, table)?;
    let mut out: BTreeMap<Option<String>, Vec<f64>> = BTreeMap::new();
    for r in c.passing() {
        if let Some(cost) = c.cost(r) {
            out.entry(r.project.map(str::to_owned))
                .or_default()
                .push(cost);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    const SMALL: &str = "BUILD_GENERAL1_SMALL";
    const LAMBDA: &str = "BUILD_LAMBDA_1GB";

    /// Test prices for the test ARNs' region (eu-west-1): small Linux at
    /// $0.005/min, Lambda 1 GB at $0.00002/s (an invented price).
    fn table() -> PriceTable {
        PriceTable::from_json(
            r#"{"source": "test", "asOf": "2026-01-01", "currency": "USD", "prices": [
                {"region": "eu-west-1", "environmentType": "LINUX_CONTAINER", "computeType": "BUILD_GENERAL1_SMALL", "usdPerMinute": 0.005},
                {"region": "eu-west-1", "environmentType": "LINUX_LAMBDA_CONTAINER", "computeType": "BUILD_LAMBDA_1GB", "usdPerSecond": 0.00002}
            ]}"#,
            "test.json",
        )
        .unwrap()
    }

    /// Project p: everything priced; q: nothing priced, for three reasons.
    fn fixture() -> Frames {
        let lin = |b: B| b.compute(SMALL).env("LINUX_CONTAINER");
        frames(&[
            // 61 s -> 2 minutes -> $0.010; phases split 30.5 / 30.5 s.
            lin(r("p:1", "SUCCEEDED", 0, 61))
                .rsv("c1")
                .phases(&[("INSTALL", 30.5), ("BUILD", 30.5)]),
            // 60 s -> 1 minute -> $0.005; failed, retried by p:4.
            lin(r("p:2", "FAILED", 100, 160))
                .rsv("c2")
                .next("p:4")
                .num(0, 1),
            // Lambda, 3 s -> $0.00006.
            r("p:3", "SUCCEEDED", 200, 203)
                .compute(LAMBDA)
                .env("LINUX_LAMBDA_CONTAINER"),
            // 120 s -> 2 minutes -> $0.010.
            lin(r("p:4", "SUCCEEDED", 300, 420))
                .rsv("c2")
                .prev("p:2")
                .num(1, 1),
            // A manual rebuild of p:1: 30 s -> 1 minute -> $0.005.
            lin(r("p:5", "SUCCEEDED", 500, 530)).rsv("c1"),
            r("q:1", "SUCCEEDED", 0, 60)
                .compute(SMALL)
                .env("ARM_CONTAINER"),
            lin(r("q:2", "SUCCEEDED", 0, 60)).no_end(),
            lin(r("q:3", "SUCCEEDED", 0, 60)).fleet("arn:aws:codebuild:eu-west-1:1:fleet/f"),
        ])
    }

    #[test]
    fn billing_rounds_up_to_the_unit() {
        let cases = [
            (Billing::PerMinute, 0, 0),
            (Billing::PerMinute, 1, 1),
            (Billing::PerMinute, 60_000_000, 1),
            (Billing::PerMinute, 60_000_001, 2),
            (Billing::PerMinute, 119_999_999, 2),
            (Billing::PerSecond, 1_500_000, 2),
            (Billing::PerSecond, 3_000_000, 3),
            (Billing::PerSecond, 1, 1),
        ];
        for (billing, micros, units) in cases {
            assert_eq!(billing.billed_units(micros), units, "{billing:?} {micros}");
        }
        assert_eq!(Billing::of("BUILD_LAMBDA_10GB"), Billing::PerSecond);
        assert_eq!(Billing::of("BUILD_GENERAL1_2XLARGE"), Billing::PerMinute);
        assert_eq!(Billing::of("BUILD_EC2_LAMBDA_X"), Billing::PerMinute);
    }

    #[test]
    fn region_from_the_arn() {
        let cases = [
            (
                "arn:aws:codebuild:us-east-1:123:build/p:1",
                Some("us-east-1"),
            ),
            (
                "arn:aws-cn:codebuild:cn-north-1:1:build/p:1",
                Some("cn-north-1"),
            ),
            ("arn:aws:codebuild::123:build/p:1", None),
            ("p:1", None),
            ("", None),
        ];
        for (arn, region) in cases {
            assert_eq!(region_of_arn(arn), region, "{arn}");
        }
    }

    #[test]
    fn the_builtin_table_is_valid_and_dated() {
        let t = PriceTable::builtin();
        assert_eq!(t.source, "https://aws.amazon.com/codebuild/pricing/");
        assert!(
            time::Date::parse(
                &t.as_of,
                time::macros::format_description!("[year]-[month]-[day]")
            )
            .is_ok()
        );
        let (_, p) = t
            .lookup("us-east-1", "LINUX_CONTAINER", "BUILD_GENERAL1_SMALL")
            .unwrap();
        assert_eq!(p.usd_per_minute, Some(0.005));
        assert!(t.lookup("ap-south-1", "LINUX_CONTAINER", SMALL).is_none());
    }

    #[test]
    fn bad_tables_are_refused_with_their_place() {
        let entry = |extra: &str| {
            format!(
                r#"{{"source": "s", "asOf": "2026-01-01", "currency": "USD", "prices": [
{{"region": "r", "environmentType": "e", "computeType": "c"{extra}}}]}}"#
            )
        };
        let cases = [
            (
                entry(r#", "usdPerMinute": -1"#),
                "t.json: prices[0].usdPerMinute: a price must be a finite number >= 0, not -1",
            ),
            (
                entry(r#", "usdPerMinute": 1, "usdPerSecond": 1"#),
                "t.json: prices[0]: give either usdPerMinute or usdPerSecond, not both",
            ),
            (
                entry(""),
                "t.json: prices[0]: needs usdPerMinute or usdPerSecond",
            ),
            (
                entry(r#", "usdPerMinut": 1"#),
                "t.json: 2:73: prices[0].usdPerMinut: unknown field `usdPerMinut`, expected one of `region`, `environmentType`, `computeType`, `usdPerMinute`, `usdPerSecond`, `note`",
            ),
            (
                entry(
                    r#", "usdPerMinute": 1}, {"region": "r", "environmentType": "e", "computeType": "c", "usdPerSecond": 2"#,
                ),
                "t.json: prices[1]: (r, e, c) is already priced by prices[0]",
            ),
            (
                entry(r#", "usdPerMinute": 1"#).replace("USD", "EUR"),
                "t.json: currency: prices must be in USD, not `EUR` (costs are reported as estimatedCostUsd)",
            ),
            ("{".to_owned(), "t.json: 1:1: EOF while parsing an object"),
        ];
        for (text, want) in cases {
            let e = PriceTable::from_json(&text, "t.json").unwrap_err();
            assert_eq!(e.to_string(), want, "{text}");
        }
    }

    #[test]
    fn build_costs_follow_the_rules() {
        let out = build_costs(&fixture(), &Filters::default(), &table()).unwrap();
        assert_eq!(
            col_str(&out, ID),
            ["p:1", "p:2", "p:3", "p:4", "p:5", "q:1", "q:2", "q:3"]
        );
        assert_eq!(
            i64s(&out, "billedSeconds"),
            [
                Some(120),
                Some(60),
                Some(3),
                Some(120),
                Some(60),
                None,
                None,
                None
            ]
        );
        assert_close(
            &f64s(&out, "estimatedCostUsd"),
            &[
                Some(0.01),
                Some(0.005),
                Some(0.00006),
                Some(0.01),
                Some(0.005),
                None,
                None,
                None,
            ],
        );
        assert_eq!(
            col_str(&out, "notPricedReason")[5..],
            [
                "not in the price table",
                "no startTime or endTime",
                "reserved-capacity fleet (billed per fleet)"
            ]
        );
        assert_eq!(
            col_str(&out, "billing")[..3],
            ["minute", "minute", "second"]
        );
    }

    #[test]
    fn cost_by_project_splits_failed_retried_and_rebuilt() {
        let out = cost_by_project(&fixture(), &Filters::default(), &table()).unwrap();
        assert_eq!(col_str(&out, PROJECT), ["p", "q"]);
        assert_eq!(i64s(&out, "builds"), [Some(5), Some(3)]);
        assert_eq!(i64s(&out, "pricedBuilds"), [Some(5), Some(0)]);
        assert_eq!(i64s(&out, "notPricedBuilds"), [Some(0), Some(3)]);
        assert_close(&f64s(&out, "billedMinutes"), &[Some(6.05), Some(0.0)]);
        assert_close(&f64s(&out, "estimatedCostUsd"), &[Some(0.03006), None]);
        assert_close(&f64s(&out, "failedEstimatedCostUsd"), &[Some(0.005), None]);
        assert_close(&f64s(&out, "retryEstimatedCostUsd"), &[Some(0.005), None]);
        assert_close(
            &f64s(&out, "manualRebuildEstimatedCostUsd"),
            &[Some(0.005), None],
        );
        assert_close(&f64s(&out, "shareOfEstimatedCost"), &[Some(1.0), None]);
    }

    #[test]
    fn cost_by_compute_type_and_not_priced() {
        let fr = fixture();
        let out = cost_by_compute_type(&fr, &Filters::default(), &table()).unwrap();
        assert_eq!(
            col_str(&out, ENV_TYPE),
            ["LINUX_CONTAINER", "LINUX_LAMBDA_CONTAINER", "ARM_CONTAINER"]
        );
        assert_eq!(i64s(&out, "builds"), [Some(6), Some(1), Some(1)]);
        assert_eq!(i64s(&out, "pricedBuilds"), [Some(4), Some(1), Some(0)]);
        assert_close(
            &f64s(&out, "usdPerMinute"),
            &[Some(0.005), Some(0.0012), None],
        );
        assert_close(
            &f64s(&out, "estimatedCostUsd"),
            &[Some(0.03), Some(0.00006), None],
        );
        let np = not_priced(&fr, &Filters::default(), &table()).unwrap();
        assert_eq!(
            col_str(&np, ENV_TYPE),
            ["ARM_CONTAINER", "LINUX_CONTAINER", "LINUX_CONTAINER"]
        );
        assert_eq!(
            col_str(&np, "reason"),
            [
                "not in the price table",
                "no startTime or endTime",
                "reserved-capacity fleet (billed per fleet)"
            ]
        );
        assert_close(&f64s(&np, "minutes"), &[Some(1.0), Some(0.0), Some(1.0)]);
    }

    #[test]
    fn phase_split_is_the_share_of_build_time() {
        let out = cost_by_phase(&fixture(), &Filters::default(), &table()).unwrap();
        assert_eq!(col_str(&out, PHASE_TYPE), ["INSTALL", "BUILD"]);
        assert_close(&f64s(&out, "estimatedCostUsd"), &[Some(0.005), Some(0.005)]);
        assert_close(
            &f64s(&out, "shareOfProjectCost"),
            &[Some(0.005 / 0.03006), Some(0.005 / 0.03006)],
        );
    }

    #[test]
    fn summary_totals_and_filters() {
        let s = cost_summary(&fixture(), &Filters::default(), &table(), 5).unwrap();
        assert_eq!((s.builds, s.priced_builds, s.not_priced_builds), (8, 5, 3));
        assert!((s.estimated_cost_usd.unwrap() - 0.03006).abs() < 1e-12);
        assert!((s.retry_estimated_cost_usd.unwrap() - 0.005).abs() < 1e-12);
        assert_eq!(s.top_projects.len(), 1);
        assert_eq!(s.not_priced.len(), 3);
        let only_q = Filters {
            projects: Some(vec!["q".into()]),
            ..Filters::default()
        };
        let s = cost_summary(&fixture(), &only_q, &table(), 5).unwrap();
        // A priced project without retries: exactly +0.0, not -0.0 (an
        // empty f64 sum), which tables would show as "-0".
        let only_p3 = Filters {
            since_micros: Some(micros(200)),
            until_micros: Some(micros(201)),
            ..Filters::default()
        };
        let out = cost_by_project(&fixture(), &only_p3, &table()).unwrap();
        let retry = f64s(&out, "retryEstimatedCostUsd")[0].unwrap();
        assert!(retry == 0.0 && retry.is_sign_positive(), "{retry}");
        assert_eq!(s.estimated_cost_usd, None);
        assert_eq!(s.failed_estimated_cost_usd, None);
        assert_eq!(s.not_priced_builds, 3);
        let empty = frames(&[]);
        let s = cost_summary(&empty, &Filters::default(), &table(), 5).unwrap();
        assert_eq!((s.builds, s.estimated_cost_usd), (0, None));
        assert_eq!(
            cost_by_project(&empty, &Filters::default(), &table())
                .unwrap()
                .height(),
            0
        );
    }
}
