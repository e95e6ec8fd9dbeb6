//! Compact hand-built frames for the analysis tests.

use polars::prelude::*;

use crate::frames::col_names::*;
use crate::frames::{Frames, time_dtype};

/// 2024-01-01T00:00:00Z (a Monday), in seconds since the epoch. Test times
/// are given in seconds after it.
pub(crate) const T0: i64 = 1_704_067_200;

/// One day in seconds.
pub(crate) const DAY: i64 = 86_400;

/// Microseconds since the epoch of `T0 + secs`.
pub(crate) fn micros(secs: i64) -> i64 {
    (T0 + secs) * 1_000_000
}

/// The description of one build (and its phases).
#[derive(Clone, Debug, Default)]
pub(crate) struct B {
    id: String,
    project: Option<String>,
    status: Option<String>,
    start: Option<i64>,
    end: Option<i64>,
    compute: Option<String>,
    env_type: Option<String>,
    fleet: Option<String>,
    image: Option<String>,
    initiator: Option<String>,
    source_type: Option<String>,
    failed_phase: Option<String>,
    code: Option<String>,
    message: Option<String>,
    /// `(phaseType, durationSeconds)`; COMPLETED always gets a null duration.
    phases: Vec<(String, f64)>,
    sv: Option<String>,
    rsv: Option<String>,
    next: Option<String>,
    prev: Option<String>,
    number: Option<i64>,
    limit: Option<i64>,
}

/// A build `id` of `project` with `status`, started `start` seconds after
/// [`T0`] and ended `end` seconds after it (`None`: still running).
pub(crate) fn b(id: &str, project: &str, status: &str, start: i64, end: Option<i64>) -> B {
    B {
        id: id.into(),
        project: Some(project.into()),
        status: Some(status.into()),
        start: Some(start),
        end,
        ..B::default()
    }
}

/// A finished build `id` (project = the part before `:`, or `id`) with
/// `status`, started and ended `start` / `end` seconds after [`T0`]: the
/// short form the retry, flaky, recovery and capacity tests use.
pub(crate) fn r(id: &str, status: &str, start: i64, end: i64) -> B {
    b(
        id,
        id.split(':').next().unwrap_or(id),
        status,
        start,
        Some(end),
    )
}

/// The ARN of a build id (every test build has one).
pub(crate) fn arn(id: &str) -> String {
    format!("arn:aws:codebuild:eu-west-1:123456789012:build/{id}")
}

impl B {
    /// `nextAutoRetry` = ARN of `id`.
    pub(crate) fn next(mut self, id: &str) -> Self {
        self.next = Some(arn(id));
        self
    }
    /// `previousAutoRetry` = ARN of `id`.
    pub(crate) fn prev(mut self, id: &str) -> Self {
        self.prev = Some(arn(id));
        self
    }
    /// `autoRetryNumber` and `autoRetryLimit`.
    pub(crate) fn num(mut self, number: i64, limit: i64) -> Self {
        self.number = Some(number);
        self.limit = Some(limit);
        self
    }
    /// `resolvedSourceVersion`.
    pub(crate) fn rsv(mut self, v: &str) -> Self {
        self.rsv = Some(v.to_owned());
        self
    }
    /// `sourceVersion`.
    pub(crate) fn sv(mut self, v: &str) -> Self {
        self.sv = Some(v.to_owned());
        self
    }
    /// No `endTime` (still running).
    pub(crate) fn no_end(mut self) -> Self {
        self.end = None;
        self
    }
    /// No `buildStatus`.
    pub(crate) fn no_status(mut self) -> Self {
        self.status = None;
        self
    }
    /// No `startTime`.
    /// No `projectName`.
    pub(crate) fn no_project(mut self) -> Self {
        self.project = None;
        self
    }
    pub(crate) fn no_start(mut self) -> Self {
        self.start = None;
        self
    }
    /// Set `environment.computeType`.
    pub(crate) fn compute(mut self, c: &str) -> Self {
        self.compute = Some(c.into());
        self
    }
    /// Set `environment.type`.
    pub(crate) fn env(mut self, t: &str) -> Self {
        self.env_type = Some(t.into());
        self
    }
    /// Set `environment.fleet.fleetArn`.
    pub(crate) fn fleet(mut self, arn: &str) -> Self {
        self.fleet = Some(arn.into());
        self
    }
    /// Set `environment.image`.
    pub(crate) fn image(mut self, c: &str) -> Self {
        self.image = Some(c.into());
        self
    }
    /// Set `initiator`.
    pub(crate) fn initiator(mut self, c: &str) -> Self {
        self.initiator = Some(c.into());
        self
    }
    /// Set `source.type`.
    pub(crate) fn source(mut self, c: &str) -> Self {
        self.source_type = Some(c.into());
        self
    }
    /// Set `failedPhase`, `failureStatusCode`, `failureMessage`.
    pub(crate) fn failure(
        mut self,
        phase: Option<&str>,
        code: Option<&str>,
        msg: Option<&str>,
    ) -> Self {
        self.failed_phase = phase.map(Into::into);
        self.code = code.map(Into::into);
        self.message = msg.map(Into::into);
        self
    }
    /// Add phases `(phaseType, durationSeconds)` in array order.
    pub(crate) fn phases(mut self, phases: &[(&str, f64)]) -> Self {
        self.phases
            .extend(phases.iter().map(|(p, d)| (p.to_string(), *d)));
        self
    }
}

const OVERHEAD_PHASES: [&str; 3] = ["SUBMITTED", "QUEUED", "PROVISIONING"];

fn sum_phases(b: &B, pred: impl Fn(&str) -> bool) -> Option<f64> {
    let ds: Vec<f64> = b
        .phases
        .iter()
        .filter(|(p, _)| p != "COMPLETED" && pred(p))
        .map(|(_, d)| *d)
        .collect();
    (!ds.is_empty()).then(|| ds.iter().sum())
}

/// The frames of `builds`: `builds` with the columns the analyses use
/// (`durationSeconds` = end - start, `overheadSeconds` / `executionSeconds`
/// summed from the phases as the dictionary defines them) and `phases`.
pub(crate) fn frames(builds: &[B]) -> Frames {
    let s = |f: &dyn Fn(&B) -> Option<String>| builds.iter().map(f).collect::<Vec<_>>();
    let builds_df = df!(
        ID => builds.iter().map(|b| b.id.clone()).collect::<Vec<_>>(),
        ARN => builds.iter().map(|b| arn(&b.id)).collect::<Vec<_>>(),
        PROJECT => s(&|b| b.project.clone()),
        STATUS => s(&|b| b.status.clone()),
        START => builds.iter().map(|b| b.start.map(micros)).collect::<Vec<_>>(),
        END => builds.iter().map(|b| b.end.map(micros)).collect::<Vec<_>>(),
        COMPUTE_TYPE => s(&|b| b.compute.clone()),
        ENV_TYPE => s(&|b| b.env_type.clone()),
        FLEET_ARN => s(&|b| b.fleet.clone()),
        IMAGE => s(&|b| b.image.clone()),
        INITIATOR => s(&|b| b.initiator.clone()),
        SOURCE_TYPE => s(&|b| b.source_type.clone()),
        SOURCE_VERSION => s(&|b| b.sv.clone()),
        RESOLVED_SOURCE_VERSION => s(&|b| b.rsv.clone()),
        RETRY_LIMIT => builds.iter().map(|b| b.limit).collect::<Vec<_>>(),
        RETRY_NUMBER => builds.iter().map(|b| b.number).collect::<Vec<_>>(),
        NEXT_RETRY => s(&|b| b.next.clone()),
        PREVIOUS_RETRY => s(&|b| b.prev.clone()),
        DURATION => builds
            .iter()
            .map(|b| Some((b.end? - b.start?) as f64))
            .collect::<Vec<_>>(),
        OVERHEAD => builds
            .iter()
            .map(|b| sum_phases(b, |p| OVERHEAD_PHASES.contains(&p)))
            .collect::<Vec<_>>(),
        EXECUTION => builds
            .iter()
            .map(|b| sum_phases(b, |p| !OVERHEAD_PHASES.contains(&p)))
            .collect::<Vec<_>>(),
        FAILED_PHASE => s(&|b| b.failed_phase.clone()),
        FAILURE_STATUS_CODE => s(&|b| b.code.clone()),
        FAILURE_MESSAGE => s(&|b| b.message.clone()),
    )
    .unwrap()
    .lazy()
    .with_columns([col(START).cast(time_dtype()), col(END).cast(time_dtype())])
    .collect()
    .unwrap();

    let rows: Vec<(&B, usize, &(String, f64))> = builds
        .iter()
        .flat_map(|b| b.phases.iter().enumerate().map(move |(i, p)| (b, i, p)))
        .collect();
    let phases_df = df!(
        BUILD_ID => rows.iter().map(|r| r.0.id.clone()).collect::<Vec<_>>(),
        PROJECT => rows.iter().map(|r| r.0.project.clone()).collect::<Vec<_>>(),
        PHASE_INDEX => rows.iter().map(|r| r.1 as i64).collect::<Vec<_>>(),
        PHASE_TYPE => rows.iter().map(|r| r.2.0.clone()).collect::<Vec<_>>(),
        PHASE_STATUS => rows.iter().map(|_| None::<String>).collect::<Vec<_>>(),
        DURATION_IN_SECONDS => rows
            .iter()
            .map(|r| (r.2.0 != "COMPLETED").then_some(r.2.1 as i64))
            .collect::<Vec<_>>(),
        DURATION => rows
            .iter()
            .map(|r| (r.2.0 != "COMPLETED").then_some(r.2.1))
            .collect::<Vec<_>>(),
    )
    .unwrap();

    Frames {
        builds: builds_df,
        phases: phases_df,
        ..Frames::default()
    }
}

/// The Float64 values of column `name` (nulls as `None`).
pub(crate) fn f64s(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .collect()
}

/// The Int64 values of column `name`.
pub(crate) fn i64s(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name).unwrap().i64().unwrap().iter().collect()
}

/// The String values of column `name`.
pub(crate) fn strs(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|o| o.map(str::to_owned))
        .collect()
}

/// The column names of `df`.
pub(crate) fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// `a` and `b` are equal within 1e-9 (both null counts as equal).
#[track_caller]
pub(crate) fn assert_close(a: &[Option<f64>], b: &[Option<f64>]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Some(x), Some(y)) => assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}"),
            (None, None) => {}
            _ => panic!("{a:?} vs {b:?}"),
        }
    }
}

/// A string column of a result, nulls as `"-"`.
pub(crate) fn col_str(df: &DataFrame, name: &str) -> Vec<String> {
    strs(df, name)
        .into_iter()
        .map(|v| v.unwrap_or_else(|| "-".into()))
        .collect()
}

/// A boolean column of a result (no nulls expected).
pub(crate) fn col_b(df: &DataFrame, name: &str) -> Vec<bool> {
    df.column(name)
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

/// A time column of a result, as seconds after [`T0`].
pub(crate) fn col_t(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name)
        .unwrap()
        .datetime()
        .unwrap()
        .physical()
        .iter()
        .map(|v| v.map(|v| v / 1_000_000 - T0))
        .collect()
}

/// A reference file under `testdata/` (values computed once by another
/// implementation and committed with the script that made them), parsed.
pub(crate) fn reference_json(path: &str) -> serde_json::Value {
    let path = format!("{}/../../testdata/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A JSON array of numbers.
pub(crate) fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}
