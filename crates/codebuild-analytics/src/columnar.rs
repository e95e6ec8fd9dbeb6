//! Decoding build records straight into column builders.
//!
//! The load's fast path. Each build record's JSON is walked once by a serde
//! visitor driven by a declarative description of `Build` ([`BUILD`]: every
//! member, the JSON kind it takes, the column it fills), and each value is
//! appended to its column as it is read, strings straight from the input
//! (borrowed, or from serde_json's scratch buffer when escaped). No typed
//! [`Build`], no `String` per field, no second pass over records.
//!
//! It accepts exactly what the typed model accepts, and nothing more. A value
//! of the wrong kind, an integer out of range, a bad timestamp or a member
//! given twice marks the record *bad*: its rows stay in the buffers but are
//! never kept (their build row has no duplicate key), and the record is
//! handed to the typed decoder. That either names the error (the caller
//! reports it with file, position and field) or, for the rare forms the typed
//! decoder also accepts and this one does not (serde reads a struct written
//! as a JSON array), gives a [`Build`] that is written back as canonical JSON
//! and decoded here again. The typed path of `chunk_of` (column tables over
//! [`Build`]s) is kept in the tests as the oracle this one must equal.
//!
//! A whole `batch_get_builds` response is read the same way, in one pass
//! ([`Columns::response`]); anything unusual about it sends it back to the
//! decoder, record by record. Rows stay in the builders ([`Chunk`]) until
//! the load knows which records are duplicates: dropping rows then
//! compacts the builders in place, and [`Chunk::finish`] turns them into
//! frames without copying the values.

use codebuild_model::{Build, Timestamp};
use polars::prelude::*;
use polars_arrow::array::BooleanArray;
use polars_arrow::array::MutableBinaryViewArray;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_arrow::datatypes::ArrowDataType;
use serde::de::{self, Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::analysis::PHASE_ORDER;
use crate::frames::LIST_FRAMES;

/// The JSON kind a scalar member takes, as its model type reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leaf {
    /// `String` or a string enum: a JSON string.
    Str,
    /// `i32`: a JSON integer in range.
    I32,
    /// `i64`: a JSON integer in range.
    I64,
    /// `bool`.
    Bool,
    /// `Timestamp`: epoch seconds (integer or decimal) or an ISO 8601 string.
    Time,
}

/// One member of an object of the model, by its wire name.
type Members = &'static [(&'static str, Spec)];

/// The shape of a member's value.
enum Spec {
    /// A scalar, stored in the column named by its dotted path from the
    /// frame's root (members without a column are checked, not stored).
    Leaf(Leaf),
    /// A nested object, flattened into its parent's columns.
    Object(Members),
    /// A list of objects: one row each in the frame `.0`.
    List(Frame, Members),
    /// A list of strings: one row each in frame `.0`, value in column `.1`.
    StrList(Frame, &'static str),
}

use Leaf::*;
use Spec::{Leaf as L, List, Object as O, StrList};

/// The frames a record's rows go to: builds, phases, contexts, then
/// [`LIST_FRAMES`] in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum Frame {
    Builds,
    Phases,
    Contexts,
    Env,
    Exported,
    SecondarySources,
    SourceVersions,
    SecondaryArtifacts,
    ReportArns,
    FileSystems,
    CacheModes,
    Subnets,
    SecurityGroups,
    DockerGroups,
}

const FRAMES: usize = 3 + LIST_FRAMES.len();

const SOURCE: Members = &[
    ("type", L(Str)),
    ("location", L(Str)),
    ("gitCloneDepth", L(I32)),
    ("gitSubmodulesConfig", O(&[("fetchSubmodules", L(Bool))])),
    ("buildspec", L(Str)),
    ("auth", O(&[("type", L(Str)), ("resource", L(Str))])),
    ("reportBuildStatus", L(Bool)),
    (
        "buildStatusConfig",
        O(&[("context", L(Str)), ("targetUrl", L(Str))]),
    ),
    ("insecureSsl", L(Bool)),
    ("sourceIdentifier", L(Str)),
];

const ARTIFACTS: Members = &[
    ("location", L(Str)),
    ("sha256sum", L(Str)),
    ("md5sum", L(Str)),
    ("overrideArtifactName", L(Bool)),
    ("encryptionDisabled", L(Bool)),
    ("artifactIdentifier", L(Str)),
    ("bucketOwnerAccess", L(Str)),
];

const PHASE: Members = &[
    ("phaseType", L(Str)),
    ("phaseStatus", L(Str)),
    ("startTime", L(Time)),
    ("endTime", L(Time)),
    ("durationInSeconds", L(I64)),
    ("contexts", List(Frame::Contexts, CONTEXT)),
];

const CONTEXT: Members = &[("statusCode", L(Str)), ("message", L(Str))];

const ENVIRONMENT: Members = &[
    ("type", L(Str)),
    ("image", L(Str)),
    ("computeType", L(Str)),
    (
        "computeConfiguration",
        O(&[
            ("vCpu", L(I64)),
            ("memory", L(I64)),
            ("disk", L(I64)),
            ("machineType", L(Str)),
            ("instanceType", L(Str)),
        ]),
    ),
    ("fleet", O(&[("fleetArn", L(Str))])),
    (
        "environmentVariables",
        List(
            Frame::Env,
            &[("name", L(Str)), ("value", L(Str)), ("type", L(Str))],
        ),
    ),
    ("privilegedMode", L(Bool)),
    ("certificate", L(Str)),
    (
        "registryCredential",
        O(&[("credential", L(Str)), ("credentialProvider", L(Str))]),
    ),
    ("imagePullCredentialsType", L(Str)),
    (
        "dockerServer",
        O(&[
            ("computeType", L(Str)),
            (
                "securityGroupIds",
                StrList(Frame::DockerGroups, "securityGroupId"),
            ),
            ("status", O(&[("status", L(Str)), ("message", L(Str))])),
        ]),
    ),
    ("hostKernel", L(Str)),
];

const LOGS: Members = &[
    ("groupName", L(Str)),
    ("streamName", L(Str)),
    ("deepLink", L(Str)),
    ("s3DeepLink", L(Str)),
    ("cloudWatchLogsArn", L(Str)),
    ("s3LogsArn", L(Str)),
    (
        "cloudWatchLogs",
        O(&[
            ("status", L(Str)),
            ("groupName", L(Str)),
            ("streamName", L(Str)),
        ]),
    ),
    (
        "s3Logs",
        O(&[
            ("status", L(Str)),
            ("location", L(Str)),
            ("encryptionDisabled", L(Bool)),
            ("bucketOwnerAccess", L(Str)),
        ]),
    ),
];

/// `Build`, member by member, in the model's order.
const BUILD: Members = &[
    ("id", L(Str)),
    ("arn", L(Str)),
    ("buildNumber", L(I64)),
    ("startTime", L(Time)),
    ("endTime", L(Time)),
    ("currentPhase", L(Str)),
    ("buildStatus", L(Str)),
    ("sourceVersion", L(Str)),
    ("resolvedSourceVersion", L(Str)),
    ("projectName", L(Str)),
    ("phases", List(Frame::Phases, PHASE)),
    ("source", O(SOURCE)),
    ("secondarySources", List(Frame::SecondarySources, SOURCE)),
    (
        "secondarySourceVersions",
        List(
            Frame::SourceVersions,
            &[("sourceIdentifier", L(Str)), ("sourceVersion", L(Str))],
        ),
    ),
    ("artifacts", O(ARTIFACTS)),
    (
        "secondaryArtifacts",
        List(Frame::SecondaryArtifacts, ARTIFACTS),
    ),
    (
        "cache",
        O(&[
            ("type", L(Str)),
            ("location", L(Str)),
            ("modes", StrList(Frame::CacheModes, "mode")),
            ("cacheNamespace", L(Str)),
        ]),
    ),
    ("environment", O(ENVIRONMENT)),
    ("serviceRole", L(Str)),
    ("logs", O(LOGS)),
    ("timeoutInMinutes", L(I32)),
    ("queuedTimeoutInMinutes", L(I32)),
    ("buildComplete", L(Bool)),
    ("initiator", L(Str)),
    (
        "vpcConfig",
        O(&[
            ("vpcId", L(Str)),
            ("subnets", StrList(Frame::Subnets, "subnetId")),
            (
                "securityGroupIds",
                StrList(Frame::SecurityGroups, "securityGroupId"),
            ),
        ]),
    ),
    (
        "networkInterface",
        O(&[("subnetId", L(Str)), ("networkInterfaceId", L(Str))]),
    ),
    ("encryptionKey", L(Str)),
    (
        "exportedEnvironmentVariables",
        List(Frame::Exported, &[("name", L(Str)), ("value", L(Str))]),
    ),
    ("reportArns", StrList(Frame::ReportArns, "reportArn")),
    (
        "fileSystemLocations",
        List(
            Frame::FileSystems,
            &[
                ("type", L(Str)),
                ("location", L(Str)),
                ("mountPoint", L(Str)),
                ("identifier", L(Str)),
                ("mountOptions", L(Str)),
            ],
        ),
    ),
    (
        "debugSession",
        O(&[("sessionEnabled", L(Bool)), ("sessionTarget", L(Str))]),
    ),
    ("buildBatchArn", L(Str)),
    (
        "autoRetryConfig",
        O(&[
            ("autoRetryLimit", L(I32)),
            ("autoRetryNumber", L(I32)),
            ("nextAutoRetry", L(Str)),
            ("previousAutoRetry", L(Str)),
        ]),
    ),
];

/// The dtype of a frame column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Str,
    Int,
    Float,
    Bool,
    Time,
    /// `buildId` / `projectName` of a child frame: gathered from the builds
    /// frame when the chunk is finished (views sharing its text).
    Key,
    /// `phaseType` of a context: gathered from its phase row (the phase's
    /// type may come after its `contexts` in the JSON).
    PhaseType,
}

/// Every frame's columns, in the order of the column dictionary.
fn frame_columns(frame: Frame, env_values: bool) -> Vec<(String, Col)> {
    use Col::*;
    fn named(list: &[(&str, Col)]) -> Vec<(String, Col)> {
        list.iter().map(|(n, c)| ((*n).to_owned(), *c)).collect()
    }
    let keyed = |rest: &[(&str, Col)]| {
        let mut v = named(&[("buildId", Key), ("index", Int)]);
        v.extend(named(rest));
        v
    };
    match frame {
        Frame::Builds => {
            // Every scalar member of Build, flattened, in the model's order,
            // then the computed columns.
            let mut v = Vec::new();
            leaves(BUILD, "", &mut v);
            v.extend(named(&[
                ("phaseCount", Int),
                ("durationSeconds", Float),
                ("overheadSeconds", Float),
                ("executionSeconds", Float),
                ("failedPhase", Str),
                ("failureStatusCode", Str),
                ("failureMessage", Str),
                ("sourceFile", Str),
            ]));
            v
        }
        Frame::Phases => {
            let mut v = named(&[("buildId", Key), ("projectName", Key), ("phaseIndex", Int)]);
            leaves(PHASE, "", &mut v);
            v.push(("durationSeconds".to_owned(), Float));
            v
        }
        Frame::Contexts => {
            let mut v = named(&[
                ("buildId", Key),
                ("phaseIndex", Int),
                ("phaseType", PhaseType),
                ("contextIndex", Int),
            ]);
            leaves(CONTEXT, "", &mut v);
            v
        }
        Frame::Env if env_values => keyed(&[("name", Str), ("type", Str), ("value", Str)]),
        Frame::Env => keyed(&[("name", Str), ("type", Str)]),
        Frame::Exported if env_values => keyed(&[("name", Str), ("value", Str)]),
        Frame::Exported => keyed(&[("name", Str)]),
        Frame::SecondarySources => {
            let mut v = keyed(&[]);
            leaves(SOURCE, "", &mut v);
            v
        }
        Frame::SourceVersions => keyed(&[("sourceIdentifier", Str), ("sourceVersion", Str)]),
        Frame::SecondaryArtifacts => {
            let mut v = keyed(&[]);
            leaves(ARTIFACTS, "", &mut v);
            v
        }
        Frame::ReportArns => keyed(&[("reportArn", Str)]),
        Frame::FileSystems => keyed(&[
            ("type", Str),
            ("location", Str),
            ("mountPoint", Str),
            ("identifier", Str),
            ("mountOptions", Str),
        ]),
        Frame::CacheModes => keyed(&[("mode", Str)]),
        Frame::Subnets => keyed(&[("subnetId", Str)]),
        Frame::SecurityGroups | Frame::DockerGroups => keyed(&[("securityGroupId", Str)]),
    }
}

/// The scalar members of `members` (nested objects flattened, lists left
/// out) as columns named `prefix` + dotted path, in member order.
fn leaves(members: Members, prefix: &str, out: &mut Vec<(String, Col)>) {
    for (key, spec) in members {
        let path = format!("{prefix}{key}");
        match spec {
            Spec::Leaf(leaf) => {
                let col = match leaf {
                    Str => Col::Str,
                    I32 | I64 => Col::Int,
                    Bool => Col::Bool,
                    Time => Col::Time,
                };
                out.push((path, col));
            }
            Spec::Object(inner) => leaves(inner, &format!("{path}."), out),
            Spec::List(..) | Spec::StrList(..) => {}
        }
    }
}

/// A member compiled against the frames' columns.
enum Node {
    /// A scalar; `None` when it has no column (checked, not stored).
    Leaf(Leaf, Option<usize>),
    Object(Compiled),
    List(Frame, Compiled),
    StrList(Frame, usize),
}

/// An object's members with their column indexes.
struct Compiled {
    keys: Vec<&'static str>,
    nodes: Vec<Node>,
}

impl Compiled {
    fn new(members: Members, frame: Frame, prefix: &str, cols: &[Vec<(String, Col)>]) -> Self {
        // Members seen in an object are a bitmask (`ObjectSeed::visit_map`).
        assert!(members.len() <= 64, "at most 64 members per object");
        let column =
            |frame: Frame, name: &str| cols[frame as usize].iter().position(|(n, _)| *n == name);
        let nodes = members
            .iter()
            .map(|(key, spec)| match spec {
                Spec::Leaf(leaf) => Node::Leaf(*leaf, column(frame, &format!("{prefix}{key}"))),
                Spec::Object(inner) => Node::Object(Compiled::new(
                    inner,
                    frame,
                    &format!("{prefix}{key}."),
                    cols,
                )),
                Spec::List(child, inner) => {
                    Node::List(*child, Compiled::new(inner, *child, "", cols))
                }
                Spec::StrList(child, name) => Node::StrList(
                    *child,
                    column(*child, name).expect("a string list's column is in its frame"),
                ),
            })
            .collect();
        Compiled {
            keys: members.iter().map(|(k, _)| *k).collect(),
            nodes,
        }
    }

    /// The member named `key`, trying `hint` first (dumps list members in
    /// the model's order, so the next member is usually the one).
    fn find(&self, key: &str, hint: usize) -> Option<usize> {
        let hint = hint.min(self.keys.len());
        (hint..self.keys.len())
            .chain(0..hint)
            .find(|&i| self.keys[i] == key)
    }
}

/// The decoder's plan for one set of options: every frame's columns and
/// the compiled `Build`.
pub(crate) struct Plan {
    columns: Vec<Vec<(String, Col)>>,
    build: Compiled,
    /// Columns the decoder fills itself.
    fixed: Fixed,
}

/// Column indexes of the values computed rather than read.
struct Fixed {
    id: usize,
    arn: usize,
    end: usize,
    start: usize,
    complete: usize,
    phase_count: usize,
    duration: usize,
    overhead: usize,
    execution: usize,
    failed_phase: usize,
    failure_code: usize,
    failure_message: usize,
    source_file: usize,
    phase_index: usize,
    phase_type: usize,
    phase_status: usize,
    phase_start: usize,
    phase_end: usize,
    phase_reported: usize,
    phase_duration: usize,
    context_phase_index: usize,
    context_index: usize,
    context_code: usize,
    context_message: usize,
}

impl Plan {
    /// The plan for `env_values` (whether variable values get columns).
    pub(crate) fn new(env_values: bool) -> Plan {
        const ALL: [Frame; FRAMES] = [
            Frame::Builds,
            Frame::Phases,
            Frame::Contexts,
            Frame::Env,
            Frame::Exported,
            Frame::SecondarySources,
            Frame::SourceVersions,
            Frame::SecondaryArtifacts,
            Frame::ReportArns,
            Frame::FileSystems,
            Frame::CacheModes,
            Frame::Subnets,
            Frame::SecurityGroups,
            Frame::DockerGroups,
        ];
        let columns: Vec<_> = ALL.iter().map(|f| frame_columns(*f, env_values)).collect();
        let at = |frame: Frame, name: &str| {
            columns[frame as usize]
                .iter()
                .position(|(n, _)| *n == name)
                .expect("a fixed column exists")
        };
        let fixed = Fixed {
            id: at(Frame::Builds, "id"),
            arn: at(Frame::Builds, "arn"),
            end: at(Frame::Builds, "endTime"),
            start: at(Frame::Builds, "startTime"),
            complete: at(Frame::Builds, "buildComplete"),
            phase_count: at(Frame::Builds, "phaseCount"),
            duration: at(Frame::Builds, "durationSeconds"),
            overhead: at(Frame::Builds, "overheadSeconds"),
            execution: at(Frame::Builds, "executionSeconds"),
            failed_phase: at(Frame::Builds, "failedPhase"),
            failure_code: at(Frame::Builds, "failureStatusCode"),
            failure_message: at(Frame::Builds, "failureMessage"),
            source_file: at(Frame::Builds, "sourceFile"),
            phase_index: at(Frame::Phases, "phaseIndex"),
            phase_type: at(Frame::Phases, "phaseType"),
            phase_status: at(Frame::Phases, "phaseStatus"),
            phase_start: at(Frame::Phases, "startTime"),
            phase_end: at(Frame::Phases, "endTime"),
            phase_reported: at(Frame::Phases, "durationInSeconds"),
            phase_duration: at(Frame::Phases, "durationSeconds"),
            context_phase_index: at(Frame::Contexts, "phaseIndex"),
            context_index: at(Frame::Contexts, "contextIndex"),
            context_message: at(Frame::Contexts, "message"),
            context_code: at(Frame::Contexts, "statusCode"),
        };
        let build = Compiled::new(BUILD, Frame::Builds, "", &columns);
        Plan {
            columns,
            build,
            fixed,
        }
    }
}

/// One column being built: values plus a validity bit per row.
enum Buf {
    Str(MutableBinaryViewArray<str>, MutableBitmap),
    Int(Vec<i64>, MutableBitmap),
    Float(Vec<f64>, MutableBitmap),
    Bool(MutableBitmap, MutableBitmap),
    /// A column gathered from another frame when the chunk is finished
    /// (`Col::Key`, `Col::PhaseType`): nothing to hold until then.
    Gathered,
}

impl Buf {
    fn new(col: Col) -> Buf {
        match col {
            Col::Str => Buf::Str(MutableBinaryViewArray::new(), MutableBitmap::new()),
            Col::Int | Col::Time => Buf::Int(Vec::new(), MutableBitmap::new()),
            Col::Float => Buf::Float(Vec::new(), MutableBitmap::new()),
            Col::Bool => Buf::Bool(MutableBitmap::new(), MutableBitmap::new()),
            Col::Key | Col::PhaseType => Buf::Gathered,
        }
    }

    /// Values so far; `usize::MAX` for a gathered column, which is never
    /// padded.
    fn len(&self) -> usize {
        match self {
            Buf::Str(_, v) | Buf::Int(_, v) | Buf::Float(_, v) | Buf::Bool(_, v) => v.len(),
            Buf::Gathered => usize::MAX,
        }
    }

    fn push_null(&mut self) {
        match self {
            Buf::Str(a, v) => {
                a.push_value_ignore_validity("");
                v.push(false);
            }
            Buf::Int(a, v) => {
                a.push(0);
                v.push(false);
            }
            Buf::Float(a, v) => {
                a.push(0.0);
                v.push(false);
            }
            Buf::Bool(a, v) => {
                a.push(false);
                v.push(false);
            }
            Buf::Gathered => {}
        }
    }

    fn push_str(&mut self, s: &str) {
        if let Buf::Str(a, v) = self {
            a.push_value_ignore_validity(s);
            v.push(true);
        }
    }

    fn push_int(&mut self, x: i64) {
        if let Buf::Int(a, v) = self {
            a.push(x);
            v.push(true);
        }
    }

    fn push_float(&mut self, x: Option<f64>) {
        if let Buf::Float(a, v) = self {
            a.push(x.unwrap_or(0.0));
            v.push(x.is_some());
        }
    }

    fn push_bool(&mut self, x: bool) {
        if let Buf::Bool(a, v) = self {
            a.push(x);
            v.push(true);
        }
    }

    fn valid(v: &MutableBitmap, row: usize) -> bool {
        row < v.len() && v.get(row)
    }

    fn str_at(&self, row: usize) -> Option<&str> {
        match self {
            Buf::Str(a, v) if Self::valid(v, row) => Some(a.value(row)),
            _ => None,
        }
    }

    fn int_at(&self, row: usize) -> Option<i64> {
        match self {
            Buf::Int(a, v) if Self::valid(v, row) => Some(a[row]),
            _ => None,
        }
    }

    fn float_at(&self, row: usize) -> Option<f64> {
        match self {
            Buf::Float(a, v) if Self::valid(v, row) => Some(a[row]),
            _ => None,
        }
    }

    fn bool_at(&self, row: usize) -> Option<bool> {
        match self {
            Buf::Bool(a, v) if Self::valid(v, row) => Some(a.get(row)),
            _ => None,
        }
    }

    /// Keeps the values `keep` marks, in place.
    fn retain(&mut self, keep: &Kept) {
        fn bits(b: &mut MutableBitmap, keep: &Kept) {
            if b.len() != keep.rows {
                return;
            }
            let mut out = MutableBitmap::with_capacity(keep.kept);
            // Most columns are all valid or all null: no bits to move.
            let unset = b.unset_bits();
            if unset == 0 || unset == b.len() {
                out.extend_constant(keep.kept, unset == 0);
            } else {
                for run in &keep.runs {
                    out.extend_from_slice(b.as_slice(), run.start, run.len());
                }
            }
            *b = out;
        }
        match self {
            Buf::Str(a, v) => {
                // SAFETY: views are only removed, never changed, so each
                // remaining view still points into the array's buffers; the
                // byte total is set to the remaining views' lengths.
                unsafe {
                    let views = a.views_mut();
                    retain(views, keep);
                    let total = views.iter().map(|w| w.length as usize).sum();
                    a.set_total_bytes_len(total);
                }
                bits(v, keep);
            }
            Buf::Int(a, v) => {
                retain(a, keep);
                bits(v, keep);
            }
            Buf::Float(a, v) => {
                retain(a, keep);
                bits(v, keep);
            }
            Buf::Bool(a, v) => {
                bits(a, keep);
                bits(v, keep);
            }
            Buf::Gathered => {}
        }
    }

    /// The finished column named `name`.
    fn finish(self, name: &str, col: Col) -> Column {
        fn validity(v: MutableBitmap) -> Option<Bitmap> {
            let v = v.freeze();
            (v.unset_bits() > 0).then_some(v)
        }
        let name = PlSmallStr::from(name);
        match self {
            Buf::Str(a, v) => {
                let arr = a.freeze().with_validity(validity(v));
                StringChunked::with_chunk(name, arr).into_column()
            }
            Buf::Int(a, v) => {
                let ca = Int64Chunked::from_vec_validity(name, a, validity(v));
                if col == Col::Time {
                    ca.into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                        .into_column()
                } else {
                    ca.into_column()
                }
            }
            Buf::Float(a, v) => {
                Float64Chunked::from_vec_validity(name, a, validity(v)).into_column()
            }
            Buf::Bool(a, v) => {
                let arr = BooleanArray::new(ArrowDataType::Boolean, a.freeze(), validity(v));
                BooleanChunked::with_chunk(name, arr).into_column()
            }
            Buf::Gathered => unreachable!("gathered columns are not finished"),
        }
    }
}

/// The columns of one frame being built, and the build row of each row.
struct FrameBuf {
    cols: Vec<Buf>,
    /// Build row (in the chunk) of each row; empty for the builds frame.
    build_row: Vec<u32>,
    /// Phase row (in the chunk) of each context; empty for other frames.
    phase_row: Vec<u32>,
    rows: usize,
}

impl FrameBuf {
    /// Keeps the rows `keep` marks (one flag per row), in place.
    fn retain(&mut self, keep: &[bool]) {
        let keep = Kept::new(keep);
        for c in &mut self.cols {
            c.retain(&keep);
        }
        retain(&mut self.build_row, &keep);
        retain(&mut self.phase_row, &keep);
        self.rows = keep.kept;
    }

    /// Pads every column not given a value in the current row with a null,
    /// and moves to the next row.
    fn end_row(&mut self) {
        let rows = self.rows + 1;
        for c in &mut self.cols {
            if c.len() < rows {
                c.push_null();
            }
        }
        self.rows = rows;
    }
}

/// The rows to keep of a frame, as runs of consecutive kept rows:
/// duplicates are rare, so compacting a column copies a few long runs
/// instead of testing each value.
struct Kept {
    /// The runs, in order.
    runs: Vec<std::ops::Range<usize>>,
    /// Rows before compacting.
    rows: usize,
    /// Rows kept.
    kept: usize,
}

impl Kept {
    /// The runs of set flags in `keep` (one flag per row).
    fn new(keep: &[bool]) -> Kept {
        let mut runs = Vec::new();
        let mut i = 0;
        while let Some(start) = keep[i..].iter().position(|k| *k) {
            let start = i + start;
            i = keep[start..]
                .iter()
                .position(|k| !*k)
                .map_or(keep.len(), |n| start + n);
            runs.push(start..i);
        }
        let kept = runs.iter().map(|r| r.len()).sum();
        Kept {
            runs,
            rows: keep.len(),
            kept,
        }
    }
}

/// Keeps the items of `v` that `keep` keeps (a shorter `v`, as the empty
/// values of gathered columns, is left alone).
fn retain<T: Copy>(v: &mut Vec<T>, keep: &Kept) {
    if v.len() == keep.rows {
        let mut len = 0;
        for run in &keep.runs {
            let n = run.len();
            v.copy_within(run.clone(), len);
            len += n;
        }
        v.truncate(len);
    }
}

/// The frame key of a build, for choosing among duplicates.
pub(crate) struct DedupKey {
    pub id: Option<String>,
    pub complete: bool,
    pub end: Option<i64>,
    pub phases: usize,
}

impl DedupKey {
    /// The key of a typed record.
    pub(crate) fn of(b: &Build) -> Self {
        DedupKey {
            id: b.id.clone(),
            complete: b.is_complete(),
            end: b.end_time.map(|t| t.unix_micros()),
            phases: b.phases().len(),
        }
    }

    /// ANALYTICS.md "Records": complete first, then the latest `endTime`
    /// (absent is earliest), then the most phases; ties keep the earlier record.
    pub(crate) fn beats(&self, other: &DedupKey) -> bool {
        (self.complete, self.end.is_some(), self.end, self.phases)
            > (other.complete, other.end.is_some(), other.end, other.phases)
    }
}

/// Rows of some records, before duplicates are resolved: still column
/// builders, so that dropping rows compacts them in place instead of
/// copying every column of a frame.
pub(crate) struct Chunk {
    /// One per build row: the record's duplicate key, or `None` for the
    /// row of a bad record (never kept, not counted).
    pub keys: Vec<Option<DedupKey>>,
    frames: Vec<FrameBuf>,
}

/// The frames of a chunk: builds, then phases, contexts and the list frames
/// in [`LIST_FRAMES`] order.
pub(crate) type ChunkFrames = (DataFrame, Vec<DataFrame>);

/// Records decoded per chunk before they become frames.
pub(crate) const CHUNK_BUILDS: usize = 8192;

/// Column builders for a run of records: the frames of one chunk at a time.
pub(crate) struct Columns<'p> {
    plan: &'p Plan,
    frames: Vec<FrameBuf>,
    keys: Vec<Option<DedupKey>>,
    /// A value of the current record was not what the model accepts.
    bad: bool,
    /// The first phase row of the current record.
    phase_start: usize,
}

impl<'p> Columns<'p> {
    pub(crate) fn new(plan: &'p Plan) -> Self {
        // Builders start empty: capacity reserved ahead (say, from the last
        // chunk's size) raised peak RSS by ~100 MB at 100k builds, as
        // untouched slack in huge pages still counts.
        let frames = plan
            .columns
            .iter()
            .map(|cols| FrameBuf {
                cols: cols.iter().map(|(_, c)| Buf::new(*c)).collect(),
                build_row: Vec::new(),
                phase_row: Vec::new(),
                rows: 0,
            })
            .collect();
        Columns {
            plan,
            frames,
            keys: Vec::new(),
            bad: false,
            phase_start: 0,
        }
    }

    /// Build rows so far (good and bad records).
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Decodes one build record (`raw`, read from the file named `file`).
    /// `false` when the model does not accept it; its rows are then dead
    /// and the caller reports the error.
    pub(crate) fn record(&mut self, raw: &str, file: &str) -> bool {
        if self.fast(raw, file) {
            return true;
        }
        // Not read here: the typed model decides. What it accepts (e.g. an
        // object written as an array) is decoded again from its canonical
        // JSON, without the members the model keeps but does not know (this
        // pass skips them, but not nested past serde_json's limit, nor a
        // `builds` member in a build).
        match serde_json::from_str::<Build>(raw) {
            Ok(mut build) => {
                build.clear_unknown_members();
                serde_json::to_string(&build).is_ok_and(|canonical| self.fast(&canonical, file))
            }
            Err(_) => false,
        }
    }

    /// One pass over `raw`; `true` when every value was accepted.
    fn fast(&mut self, raw: &str, file: &str) -> bool {
        let mut de = serde_json::Deserializer::from_str(raw);
        let read = BuildSeed { cols: self, file }.deserialize(&mut de);
        matches!(read, Ok(true)) && de.end().is_ok()
    }

    /// Reads `text` (a whole file, or one line of JSON Lines) in one pass if
    /// it holds only `batch_get_builds` responses and build records (one
    /// value or several concatenated; objects or arrays of them), every
    /// record of which the model accepts as written: their builds go
    /// straight into the columns (no delimiting pass first). `None` for
    /// anything else (another kind of value, a bad or unusual record, a
    /// repeated member, invalid UTF-8), whose rows are then dead and which
    /// the caller reads record by record instead.
    pub(crate) fn responses(&mut self, text: &[u8], file: &str) -> Option<Responses> {
        // Checked as a whole (SIMD), then read as text: serde_json checks
        // each string of a byte slice again, with a slower scalar check.
        let text = simdutf8::basic::from_utf8(text).ok()?;
        let start = self.keys.len();
        let mut out = Response::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let read = loop {
            let value = TopSeed {
                cols: self,
                file,
                out: &mut out,
                in_array: false,
            }
            .deserialize(&mut de);
            if value.is_err() {
                break false;
            }
            // Only whitespace left: done; else the next value follows.
            if de.end().is_ok() {
                break true;
            }
        };
        if read {
            Some(Responses {
                responses: out.responses,
                builds: self.keys.len() - start,
                not_found: out.not_found,
            })
        } else {
            for key in &mut self.keys[start..] {
                *key = None;
            }
            None
        }
    }

    /// After a decoding error part-way through a record (serde_json's
    /// recursion limit when `max_nesting` is off): ends every child row
    /// left open, as a row of the (dead) build `row`.
    fn repair(&mut self, row: u32) {
        for f in 1..FRAMES {
            let phase_rows = self.frames[Frame::Phases as usize].rows;
            let frame = &mut self.frames[f];
            let open = |c: &Buf| !matches!(c, Buf::Gathered) && c.len() > frame.rows;
            if frame.cols.iter().any(open) {
                frame.build_row.push(row);
                if f == Frame::Contexts as usize {
                    // Its phase row was left open too, and ended above.
                    frame.phase_row.push(phase_rows.saturating_sub(1) as u32);
                }
                frame.end_row();
            }
        }
    }

    /// Fills the build row's computed columns, pads it, and records its key
    /// (none for a bad record).
    fn end_build(&mut self, row: usize, contexts: usize, file: &str, ok: bool) {
        let f = &self.plan.fixed;
        let phases = self.phase_start;
        let (pf, rest) = self.frames.split_at_mut(1);
        let builds = &mut pf[0];
        let (ph, rest) = rest.split_at_mut(1);
        let phase_frame = &ph[0];
        let ctx_frame = &rest[0];

        let s = builds.cols[f.start].int_at(row);
        let e = builds.cols[f.end].int_at(row);
        let phase_rows = phases..phase_frame.rows;
        builds.cols[f.phase_count].push_int(phase_rows.len() as i64);
        builds.cols[f.duration].push_float(match (s, e) {
            (Some(s), Some(e)) => Some(seconds_between(s, e)),
            _ => None,
        });
        let pc = &phase_frame.cols;
        let sum = |types: &[&str]| {
            phase_rows
                .clone()
                .filter(|&r| {
                    pc[f.phase_type]
                        .str_at(r)
                        .is_some_and(|t| types.contains(&t))
                })
                .filter_map(|r| pc[f.phase_duration].float_at(r))
                .fold(None, |acc: Option<f64>, d| Some(acc.unwrap_or(0.0) + d))
        };
        builds.cols[f.overhead].push_float(sum(OVERHEAD));
        builds.cols[f.execution].push_float(sum(EXECUTION));
        let failed = phase_rows.clone().find(|&r| {
            pc[f.phase_status]
                .str_at(r)
                .is_some_and(|s| s != "SUCCEEDED")
        });
        if let Some(r) = failed {
            if let Some(t) = pc[f.phase_type].str_at(r) {
                builds.cols[f.failed_phase].push_str(t);
            }
            let index = (r - phases) as i64;
            let cc = &ctx_frame.cols;
            let reason = (contexts..ctx_frame.rows).find(|&c| {
                cc[f.context_phase_index].int_at(c) == Some(index)
                    && (cc[f.context_code].str_at(c).is_some_and(|s| !s.is_empty())
                        || cc[f.context_message]
                            .str_at(c)
                            .is_some_and(|s| !s.is_empty()))
            });
            if let Some(c) = reason {
                if let Some(code) = cc[f.context_code].str_at(c) {
                    builds.cols[f.failure_code].push_str(code);
                }
                if let Some(message) = cc[f.context_message].str_at(c) {
                    builds.cols[f.failure_message].push_str(message);
                }
            }
        }
        builds.cols[f.source_file].push_str(file);
        let key = ok.then(|| DedupKey {
            id: builds.cols[f.id].str_at(row).map(str::to_owned),
            complete: builds.cols[f.complete].bool_at(row) == Some(true),
            end: e,
            phases: phase_rows.len(),
        });
        builds.end_row();
        self.keys.push(key);
    }

    /// Ends the phase row `row`: its duration (ANALYTICS.md "Durations").
    fn end_phase(&mut self, row: usize) {
        let f = &self.plan.fixed;
        let phases = &mut self.frames[Frame::Phases as usize];
        let pc = &phases.cols;
        let duration = if pc[f.phase_type].str_at(row) == Some("COMPLETED") {
            None
        } else {
            match (pc[f.phase_start].int_at(row), pc[f.phase_end].int_at(row)) {
                (Some(s), Some(e)) => Some(seconds_between(s, e)),
                _ => pc[f.phase_reported].int_at(row).map(|d| d as f64),
            }
        };
        phases.cols[f.phase_duration].push_float(duration);
        phases.end_row();
    }

    /// The finished chunk of the records decoded so far (empty buffers after).
    pub(crate) fn take_chunk(&mut self) -> Chunk {
        let fresh = Columns::new(self.plan);
        let Columns { frames, keys, .. } = std::mem::replace(self, fresh);
        Chunk { keys, frames }
    }
}

impl Chunk {
    /// The frames of the build rows `keep` marks (one flag per row; a
    /// child row goes with its build), columns compacted in place.
    pub(crate) fn finish(self, plan: &Plan, keep: &[bool]) -> PolarsResult<ChunkFrames> {
        let mut frames = self.frames.into_iter().zip(&plan.columns);
        let (mut builds, names) = frames.next().expect("the builds frame");
        let all = keep.iter().all(|k| *k);
        // New row of each kept build row.
        let mut new_row = Vec::new();
        if !all {
            builds.retain(keep);
            let mut next = 0u32;
            new_row = keep
                .iter()
                .map(|&k| {
                    next += u32::from(k);
                    next.wrapping_sub(1)
                })
                .collect();
        }
        let height = builds.rows;
        let cols: Vec<Column> = builds
            .cols
            .into_iter()
            .zip(names)
            .map(|(b, (name, col))| b.finish(name, *col))
            .collect();
        let builds = DataFrame::new(height, cols)?;
        let mut children: Vec<DataFrame> = Vec::with_capacity(FRAMES - 1);
        // New row of each kept phase row (for the contexts' phase type).
        let mut new_phase_row: Vec<u32> = Vec::new();
        for (f, (mut frame, names)) in frames.enumerate() {
            if !all {
                let rows: Vec<bool> = frame.build_row.iter().map(|&r| keep[r as usize]).collect();
                frame.retain(&rows);
                for r in &mut frame.build_row {
                    *r = new_row[*r as usize];
                }
                if f == 0 {
                    let mut next = 0u32;
                    new_phase_row = rows
                        .iter()
                        .map(|&k| {
                            next += u32::from(k);
                            next.wrapping_sub(1)
                        })
                        .collect();
                } else {
                    for r in &mut frame.phase_row {
                        *r = new_phase_row[*r as usize];
                    }
                }
            }
            let gather = |rows: &[u32]| {
                IdxCa::from_vec("index".into(), rows.iter().map(|&r| r as IdxSize).collect())
            };
            let mut cols = Vec::with_capacity(names.len());
            for (buf, (name, col)) in frame.cols.into_iter().zip(names) {
                cols.push(match col {
                    Col::Key => {
                        let source = if name == "buildId" { "id" } else { name };
                        builds
                            .column(source)?
                            .take(&gather(&frame.build_row))?
                            .with_name(name.into())
                    }
                    Col::PhaseType => children[0].column(name)?.take(&gather(&frame.phase_row))?,
                    _ => buf.finish(name, *col),
                });
            }
            children.push(DataFrame::new(frame.rows, cols)?);
        }
        Ok((builds, children))
    }
}

/// Microseconds between two instants, as f64 seconds.
fn seconds_between(start: i64, end: i64) -> f64 {
    (end - start) as f64 / 1e6
}

/// ANALYTICS.md "Durations": overhead is SUBMITTED, QUEUED and
/// PROVISIONING; execution the phases from DOWNLOAD_SOURCE to FINALIZING.
const OVERHEAD: &[&str] = PHASE_ORDER.split_at(3).0;
const EXECUTION: &[&str] = PHASE_ORDER.split_at(3).1.split_at(7).0;

/// Skips a value, as `serde::de::IgnoredAny` does, but through
/// `deserialize_any`, so that serde_json counts its nesting against its
/// recursion limit (`IgnoredAny` skips any depth without counting). A value
/// nested too deep fails the one pass instead of being skipped, and the
/// decoder's nesting check then reports it (`decode::decode`).
#[derive(Clone, Copy)]
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Skip, D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = Skip;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_entry::<Skip, Skip>()?.is_some() {}
        Ok(Skip)
    }
}

/// One build record: a build row and its child rows. `Ok(true)` when the
/// model accepts it as written; otherwise its rows are dead.
struct BuildSeed<'c, 'p, 'f> {
    cols: &'c mut Columns<'p>,
    file: &'f str,
}

impl<'de> DeserializeSeed<'de> for BuildSeed<'_, '_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        self.cols.build_row(self.file, |cols| {
            let plan = cols.plan;
            ObjectSeed {
                cols,
                obj: &plan.build,
                frame: Frame::Builds,
                null_ok: false,
            }
            .deserialize(d)
        })
    }
}

impl Columns<'_> {
    /// One build record read by `read` into a new build row and its child
    /// rows: the row's computed columns, its padding and its key. `Ok(true)`
    /// when the model accepts the record as written and its `id` or `arn`
    /// is not null (the decoder takes nothing else for a build); otherwise
    /// its rows are dead.
    fn build_row<E>(
        &mut self,
        file: &str,
        read: impl FnOnce(&mut Self) -> Result<(), E>,
    ) -> Result<bool, E> {
        self.bad = false;
        let row = self.keys.len();
        self.phase_start = self.frames[Frame::Phases as usize].rows;
        let contexts = self.frames[Frame::Contexts as usize].rows;
        let read = read(self);
        if read.is_err() {
            self.repair(row as u32);
        }
        let f = &self.plan.fixed;
        let builds = &self.frames[Frame::Builds as usize].cols;
        let has_name = || builds[f.id].str_at(row).is_some() || builds[f.arn].str_at(row).is_some();
        let ok = read.is_ok() && !self.bad && has_name();
        self.end_build(row, contexts, file, ok);
        read.map(|()| ok)
    }
}

/// What [`Columns::responses`] read.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Responses {
    /// Response objects.
    pub responses: usize,
    /// Build records, all of them in the columns.
    pub builds: usize,
    /// `buildsNotFound` ids, in order.
    pub not_found: Vec<String>,
}

/// What the one pass read so far.
#[derive(Default)]
struct Response {
    /// Response objects.
    responses: usize,
    /// `buildsNotFound` ids.
    not_found: Vec<String>,
}

/// A top-level value read with the decoder's rules (see `decode::Probe`):
/// an object with `builds` or `buildsNotFound` (`null` is absent) is a
/// response, and its builds are read; an object that starts with `id` or
/// `arn` and has neither is a build record; an array holds such objects.
/// Anything else (or a record the model does not accept as written) fails
/// the read, and the decoder reads the value record by record.
struct TopSeed<'c, 'p, 'f, 'o> {
    cols: &'c mut Columns<'p>,
    file: &'f str,
    out: &'o mut Response,
    /// An element of a top-level array (which may not be an array itself).
    in_array: bool,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a batch_get_builds response or a build")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.in_array {
            return Err(de::Error::custom("an array in an array"));
        }
        while seq
            .next_element_seed(TopSeed {
                cols: self.cols,
                file: self.file,
                out: self.out,
                in_array: true,
            })?
            .is_some()
        {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        const BUILDS: u8 = 1;
        const NOT_FOUND: u8 = 2;
        const ID: u8 = 4;
        const ARN: u8 = 8;
        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(de::Error::custom("an empty object"));
        };
        if first == "id" || first == "arn" {
            return self.build(&first, map);
        }
        let mut key = Some(first);
        let mut seen = 0u8;
        let mut builds = false;
        let mut not_found = None;
        while let Some(k) = key {
            let bit = match k.as_ref() {
                "builds" => BUILDS,
                "buildsNotFound" => NOT_FOUND,
                "id" => ID,
                "arn" => ARN,
                _ => 0,
            };
            if seen & bit != 0 {
                // A repeated member: the record-by-record path reports it.
                return Err(de::Error::custom("repeated member"));
            }
            seen |= bit;
            match bit {
                BUILDS => {
                    builds = map.next_value_seed(BuildsSeed {
                        cols: self.cols,
                        file: self.file,
                    })?
                }
                NOT_FOUND => not_found = map.next_value::<Option<Vec<String>>>()?,
                _ => {
                    map.next_value::<Skip>()?;
                }
            }
            key = map.next_key::<std::borrow::Cow<'de, str>>()?;
        }
        if !builds && not_found.is_none() {
            // A build that does not start with `id`/`arn`, or no record.
            return Err(de::Error::custom("not a response"));
        }
        self.out.responses += 1;
        self.out.not_found.extend(not_found.unwrap_or_default());
        Ok(())
    }
}

impl TopSeed<'_, '_, '_, '_> {
    /// A build record outside a response, its first member (`id` or `arn`)
    /// already read.
    fn build<'de, A: MapAccess<'de>>(self, first: &str, mut map: A) -> Result<(), A::Error> {
        let plan = self.cols.plan;
        let i = plan
            .build
            .find(first, 0)
            .expect("id and arn are members of Build");
        let ok = self.cols.build_row(self.file, |cols| {
            member(cols, &plan.build, Frame::Builds, i, &mut map)?;
            members(
                cols,
                &plan.build,
                Frame::Builds,
                &mut map,
                1 << i,
                i + 1,
                true,
            )
        })?;
        if ok {
            Ok(())
        } else {
            Err(de::Error::custom("a record to read on its own"))
        }
    }
}

/// The `builds` list of a response: `true` when it was a list.
struct BuildsSeed<'c, 'p, 'f> {
    cols: &'c mut Columns<'p>,
    file: &'f str,
}

impl<'de> DeserializeSeed<'de> for BuildsSeed<'_, '_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BuildsSeed<'_, '_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of builds")
    }
    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while let Some(ok) = seq.next_element_seed(BuildSeed {
            cols: self.cols,
            file: self.file,
        })? {
            if !ok {
                return Err(de::Error::custom("a record to read on its own"));
            }
        }
        Ok(true)
    }
}

/// Reads an object's members into the current row of `frame`.
struct ObjectSeed<'c, 'p, 'o> {
    cols: &'c mut Columns<'p>,
    obj: &'o Compiled,
    frame: Frame,
    /// `null` reads as absent (a member); a list item may not be null.
    null_ok: bool,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Marks the record bad and skips whatever value the visitor was given.
macro_rules! reject_others {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.cols.bad = true;
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.cols.bad = true;
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.cols.bad = true;
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.cols.bad = true;
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.cols.bad = true;
            Ok(())
        }
    };
}

impl<'de> Visitor<'de> for ObjectSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }
    reject_others!();
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.cols.bad |= !self.null_ok;
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.cols.bad = true;
        Skip.visit_seq(seq).map(drop)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        members(self.cols, self.obj, self.frame, &mut map, 0, 0, false)
    }
}

/// Reads the members of an object into the current row of `frame` (after
/// those in `seen`, already read; the next one is likely `hint`). A member
/// given twice marks the record bad. With `record_top` (the top level of a
/// build record outside a response), a `builds` or `buildsNotFound` member
/// stops the read: to the decoder such an object is a response.
fn members<'de, A: MapAccess<'de>>(
    cols: &mut Columns<'_>,
    obj: &Compiled,
    frame: Frame,
    map: &mut A,
    mut seen: u64,
    mut hint: usize,
    record_top: bool,
) -> Result<(), A::Error> {
    while let Some(key) = map.next_key_seed(KeySeed {
        obj,
        hint,
        record_top,
    })? {
        let i = match key {
            Key::Member(i) => i,
            Key::Unknown => {
                map.next_value::<Skip>()?;
                continue;
            }
            Key::Response => return Err(de::Error::custom("a response member")),
        };
        hint = i + 1;
        if seen & (1 << i) != 0 {
            // A member given twice: serde's derive refuses it.
            cols.bad = true;
            map.next_value::<Skip>()?;
            continue;
        }
        seen |= 1 << i;
        member(cols, obj, frame, i, map)?;
    }
    Ok(())
}

/// Reads the value of member `i` of `obj` into the current row of `frame`.
fn member<'de, A: MapAccess<'de>>(
    cols: &mut Columns<'_>,
    obj: &Compiled,
    frame: Frame,
    i: usize,
    map: &mut A,
) -> Result<(), A::Error> {
    match &obj.nodes[i] {
        Node::Leaf(leaf, col) => map.next_value_seed(LeafSeed {
            cols,
            leaf: *leaf,
            target: col.map(|c| (frame, c)),
        }),
        Node::Object(inner) => map.next_value_seed(ObjectSeed {
            cols,
            obj: inner,
            frame,
            null_ok: true,
        }),
        Node::List(frame, item) => map.next_value_seed(ListSeed {
            cols,
            item: Item::Object(item),
            frame: *frame,
        }),
        Node::StrList(frame, col) => map.next_value_seed(ListSeed {
            cols,
            item: Item::Str(*col),
            frame: *frame,
        }),
    }
}

/// A member name, looked up in an object's members.
struct KeySeed<'o> {
    obj: &'o Compiled,
    /// The member likely to come next.
    hint: usize,
    /// Tell `builds` and `buildsNotFound` apart (see [`members`]).
    record_top: bool,
}

/// What a member name is.
enum Key {
    /// The object's member with this index.
    Member(usize),
    /// Not a member: skipped.
    Unknown,
    /// `builds` or `buildsNotFound` at the top of a build record.
    Response,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(match self.obj.find(key, self.hint) {
            Some(i) => Key::Member(i),
            None if self.record_top && (key == "builds" || key == "buildsNotFound") => {
                Key::Response
            }
            None => Key::Unknown,
        })
    }
}

/// A scalar member, appended to its column (if it has one).
struct LeafSeed<'c, 'p> {
    cols: &'c mut Columns<'p>,
    leaf: Leaf,
    target: Option<(Frame, usize)>,
}

impl LeafSeed<'_, '_> {
    fn buf(&mut self) -> Option<&mut Buf> {
        let (frame, col) = self.target?;
        Some(&mut self.cols.frames[frame as usize].cols[col])
    }

    fn int(mut self, x: Option<i64>) {
        match x {
            Some(x) => {
                if let Some(b) = self.buf() {
                    b.push_int(x)
                }
            }
            None => self.cols.bad = true,
        }
    }

    fn time(self, micros: Result<i64, codebuild_model::TimestampError>) {
        self.int(micros.ok())
    }
}

impl<'de> DeserializeSeed<'de> for LeafSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LeafSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a scalar")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(mut self, x: bool) -> Result<(), E> {
        match (self.leaf, self.buf()) {
            (Bool, Some(b)) => b.push_bool(x),
            (Bool, None) => {}
            _ => self.cols.bad = true,
        }
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, x: i64) -> Result<(), E> {
        match self.leaf {
            I64 => self.int(Some(x)),
            I32 => self.int(i32::try_from(x).ok().map(i64::from)),
            Time => self.time(Timestamp::epoch_i64_micros(x)),
            _ => self.cols.bad = true,
        }
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, x: u64) -> Result<(), E> {
        match self.leaf {
            I64 => self.int(i64::try_from(x).ok()),
            I32 => self.int(i32::try_from(x).ok().map(i64::from)),
            Time => match i64::try_from(x) {
                Ok(x) => self.time(Timestamp::epoch_i64_micros(x)),
                Err(_) => self.cols.bad = true,
            },
            _ => self.cols.bad = true,
        }
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, x: f64) -> Result<(), E> {
        match self.leaf {
            Time => self.time(Timestamp::epoch_f64_micros(x)),
            _ => self.cols.bad = true,
        }
        Ok(())
    }
    fn visit_str<E: de::Error>(mut self, s: &str) -> Result<(), E> {
        match self.leaf {
            Str => {
                if let Some(b) = self.buf() {
                    b.push_str(s)
                }
            }
            Time => self.time(Timestamp::parse(s).map(|t| t.unix_micros())),
            _ => self.cols.bad = true,
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.cols.bad = true;
        Skip.visit_seq(seq).map(drop)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.cols.bad = true;
        Skip.visit_map(map).map(drop)
    }
}

/// What a list holds.
#[derive(Clone, Copy)]
enum Item<'o> {
    Object(&'o Compiled),
    /// Strings, into this column.
    Str(usize),
}

/// A list member: one row of `frame` per item.
struct ListSeed<'c, 'p, 'o> {
    cols: &'c mut Columns<'p>,
    item: Item<'o>,
    frame: Frame,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list")
    }
    reject_others!();
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.cols.bad = true;
        Skip.visit_map(map).map(drop)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let build_row = self.cols.keys.len() as u32;
        // Contexts belong to the phase row being read.
        let phase_row = self.cols.frames[Frame::Phases as usize].rows;
        let phase_index = (phase_row - self.cols.phase_start) as i64;
        let f = self.frame as usize;
        let index_col = match self.frame {
            Frame::Phases => self.cols.plan.fixed.phase_index,
            Frame::Contexts => self.cols.plan.fixed.context_index,
            _ => 1, // `index`, after `buildId`
        };
        let mut index = 0i64;
        loop {
            let row = self.cols.frames[f].rows;
            let more = match self.item {
                Item::Object(obj) => seq.next_element_seed(ObjectSeed {
                    cols: self.cols,
                    obj,
                    frame: self.frame,
                    null_ok: false,
                })?,
                Item::Str(col) => seq.next_element_seed(LeafSeed {
                    cols: self.cols,
                    leaf: Str,
                    target: Some((self.frame, col)),
                })?,
            };
            let Some(()) = more else { break };
            if let Item::Str(col) = self.item {
                // A list of strings: null or another kind is refused.
                if self.cols.frames[f].cols[col].len() <= row {
                    self.cols.bad = true;
                }
            }
            let frame = &mut self.cols.frames[f];
            frame.build_row.push(build_row);
            frame.cols[index_col].push_int(index);
            if self.frame == Frame::Contexts {
                frame.phase_row.push(phase_row as u32);
                let c = self.cols.plan.fixed.context_phase_index;
                frame.cols[c].push_int(phase_index);
            }
            if self.frame == Frame::Phases {
                self.cols.end_phase(row);
            } else {
                frame.end_row();
            }
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::path::Path;

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;
    use crate::LoadOptions;
    use crate::decode::{FileStats, decode};

    proptest! {
        /// Compacting by runs keeps exactly the flagged items, in order, in
        /// vectors and in bitmaps (whose words the runs cross unaligned).
        #[test]
        fn compacting_keeps_the_flagged_items(
            items in proptest::collection::vec(
                (proptest::option::of(any::<i64>()), any::<bool>(), any::<bool>()),
                0..300,
            )
        ) {
            let keep: Vec<bool> = items.iter().map(|i| i.2).collect();
            let expected: Vec<(Option<i64>, bool)> =
                items.iter().filter(|i| i.2).map(|i| (i.0, i.1)).collect();
            let mut buf = Buf::new(Col::Int);
            let mut flags = Buf::new(Col::Bool);
            for &(x, b, _) in &items {
                match x {
                    Some(x) => buf.push_int(x),
                    None => buf.push_null(),
                }
                flags.push_bool(b);
            }
            let kept = Kept::new(&keep);
            buf.retain(&kept);
            flags.retain(&kept);
            let got: Vec<(Option<i64>, bool)> = (0..expected.len())
                .map(|r| (buf.int_at(r), flags.bool_at(r).unwrap()))
                .collect();
            prop_assert_eq!(got, expected.clone());
            prop_assert_eq!(buf.len(), expected.len());
            prop_assert_eq!(flags.len(), expected.len());
        }
    }

    /// Every fixture file's JSON text (decompressed), by path.
    fn fixture_texts() -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let mut files: Vec<_> = walkdir::WalkDir::new(&root)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.is_file() && !p.ends_with("gzip-bomb.json.gz"))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).unwrap();
                if !bytes.starts_with(&[0x1f, 0x8b]) {
                    return Some((path, bytes));
                }
                let mut text = Vec::new();
                flate2::read::MultiGzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut text)
                    .ok()
                    .map(|_| (path, text))
            })
            .collect()
    }

    /// The text of every build record in the fixtures (good and bad ones)
    /// and the sample archive, as the decoder delimits them.
    fn fixture_records() -> Vec<String> {
        let opts = LoadOptions {
            keep_going: true,
            ..LoadOptions::default()
        };
        let mut records = Vec::new();
        for (path, bytes) in fixture_texts() {
            let mut stats = FileStats::default();
            let _ = decode(&path, &bytes, &opts, &mut stats, &mut |raw: &str| {
                records.push(raw.to_owned());
                true
            });
        }
        records
    }

    /// A duplicate key as a comparable tuple.
    type Key = (Option<String>, bool, Option<i64>, usize);

    fn key(k: DedupKey) -> Key {
        (k.id, k.complete, k.end, k.phases)
    }

    /// The frames of the chunk's good records (bad ones leave dead rows),
    /// and their keys.
    fn live(mut chunk: Chunk, plan: &Plan) -> (Vec<Key>, Vec<DataFrame>) {
        let rows: Vec<bool> = chunk.keys.iter().map(Option::is_some).collect();
        let keys = std::mem::take(&mut chunk.keys)
            .into_iter()
            .flatten()
            .map(key)
            .collect();
        let (builds, children) = chunk.finish(plan, &rows).unwrap();
        (keys, std::iter::once(builds).chain(children).collect())
    }

    /// Decodes `records` both ways: straight into columns, and through typed
    /// `Build`s and the column tables (`load::chunk_of`). Every record must be
    /// accepted by both or by neither, and the frames must be equal.
    fn check(records: &[String], env_values: bool) -> Result<(), TestCaseError> {
        let plan = Plan::new(env_values);
        let mut columns = Columns::new(&plan);
        let mut typed = Vec::new();
        for raw in records {
            // The typed sink's rule: what the model decodes, if named.
            let mut expected = None;
            crate::decode::typed(|b| expected = Some(b))(raw);
            let ok = columns.record(raw, "dir/file.json");
            prop_assert_eq!(ok, expected.is_some(), "record {}", raw);
            typed.extend(expected);
        }
        let opts = LoadOptions {
            include_env_values: env_values,
            ..LoadOptions::default()
        };
        let files = vec!["dir/file.json"; typed.len()];
        let (keys, (builds, children)) = crate::load::chunk_of(&typed, &files, &opts).unwrap();
        let oracle: (Vec<Key>, Vec<DataFrame>) = (
            keys.into_iter().map(key).collect(),
            std::iter::once(builds).chain(children).collect(),
        );
        let got = live(columns.take_chunk(), &plan);
        prop_assert_eq!(&got.0, &oracle.0);
        for (g, o) in got.1.iter().zip(&oracle.1) {
            prop_assert_eq!(g.schema(), o.schema());
            prop_assert!(g.equals_missing(o), "got\n{}\nexpected\n{}", g, o);
        }
        prop_assert_eq!(got.1.len(), oracle.1.len());
        Ok(())
    }

    #[test]
    fn every_fixture_record_decodes_as_the_typed_path_does() {
        let records = fixture_records();
        assert!(records.len() > 2000, "{} records", records.len());
        check(&records, false).unwrap();
        check(&records, true).unwrap();
    }

    #[test]
    fn forms_only_the_typed_decoder_reads_go_through_it() {
        // serde reads a struct written as an array of its members in order.
        let records = vec![
            r#"{"id": "p:1", "source": ["GITHUB", "https://x", 1, null, null, null, null, null, null, null], "phases": [["BUILD", "FAILED", 1, 2, 1, [["E", "boom"]]]]}"#.to_owned(),
            r#"{"id": "p:2", "phases": [{"phaseType": "BUILD", "contexts": [{"statusCode": "E"}], "phaseStatus": "FAILED"}]}"#.to_owned(),
            r#"{"id": "p:3", "\u0069d": "p:3"}"#.to_owned(),
            r#"{"\u0069d": "p:4", "buildNumber": -0}"#.to_owned(),
            r#"{"id": "p:5", "timeoutInMinutes": 2147483648}"#.to_owned(),
            r#"{"id": "p:6", "reportArns": ["a", null]}"#.to_owned(),
            // Nesting deep inside an unknown member: skipped by both.
            format!(
                r#"{{"id": "p:7", "phases": [{{"phaseType": "BUILD", "contexts": [{{"statusCode": "E", "x": {}{}}}]}}]}}"#,
                "[".repeat(200),
                "]".repeat(200)
            ),
            // Cut short (the decoder never hands over such a record, but a
            // decoding error part-way through rows of three frames must
            // leave them aligned for the next record).
            r#"{"id": "p:9", "phases": [{"phaseType": "BUILD", "contexts": [{"statusCode": "E""#
                .to_owned(),
            r#"{"id": "p:8", "phases": [{"phaseType": "INSTALL", "phaseStatus": "FAILED", "contexts": [{"statusCode": "", "message": ""}, {"statusCode": "F"}]}]}"#.to_owned(),
        ];
        check(&records, false).unwrap();
        let plan = Plan::new(false);
        let mut columns = Columns::new(&plan);
        let oks: Vec<bool> = records.iter().map(|r| columns.record(r, "f")).collect();
        assert_eq!(
            oks,
            [true, true, false, false, false, false, true, false, true]
        );
        let (_, frames) = live(columns.take_chunk(), &plan);
        let builds = &frames[0];
        // The array form, read by the typed decoder and written back.
        assert_eq!(
            builds
                .column("source.location")
                .unwrap()
                .str()
                .unwrap()
                .get(0),
            Some("https://x")
        );
        // A context read before its phase's type still gets it.
        let contexts = &frames[2];
        let types: Vec<_> = contexts
            .column("phaseType")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            types,
            [
                Some("BUILD"),
                Some("BUILD"),
                Some("BUILD"),
                Some("INSTALL"),
                Some("INSTALL")
            ]
        );
        let codes = builds.column("failureStatusCode").unwrap();
        let codes = codes.str().unwrap();
        assert_eq!(codes.get(1), Some("E"));
        // The first context with a non-empty code or message.
        assert_eq!(codes.get(3), Some("F"));
    }

    /// The member names of the model, for mutations that add members.
    fn member_names(members: Members, out: &mut Vec<&'static str>) {
        for (key, spec) in members {
            out.push(key);
            match spec {
                Spec::Object(inner) | Spec::List(_, inner) => member_names(inner, out),
                _ => {}
            }
        }
    }

    /// Values a mutation puts in place of another; `RAW:` ones are written as is.
    const PALETTE: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-1",
        "7",
        "2147483647",
        "2147483648",
        "-2147483649",
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551616",
        "1.5",
        "RAW:-0",
        "RAW:1e400",
        "RAW:1E2",
        "1479832474.764",
        "\"\"",
        "\"SUCCEEDED\"",
        "\"COMPLETED\"",
        "\"FAILED\"",
        "\"2024-05-01T12:34:56.789+05:30\"",
        "\"2024-13-01T00:00:00Z\"",
        "\"x\\\"\\\\\\u00e9 long enough to leave the view\"",
        "{}",
        "[]",
        "[null]",
        "[\"a\"]",
        "[{}]",
        "{\"statusCode\": \"E\", \"message\": \"\"}",
        "[{\"phaseType\": \"BUILD\", \"phaseStatus\": \"FAILED\", \"contexts\": [{\"statusCode\": \"X\", \"message\": \"m\"}]}]",
        "[{\"contexts\": [{\"message\": \"first\"}], \"phaseStatus\": \"TIMED_OUT\", \"phaseType\": \"INSTALL\"}]",
    ];

    #[derive(Clone, Debug)]
    enum Mutation {
        /// Replace the value at the path with a palette value.
        Replace(Vec<u16>, usize),
        /// Remove the member at the path.
        Remove(Vec<u16>),
        /// Add a member of the model (by index) to the object at the path.
        Add(Vec<u16>, usize, usize),
        /// Write the object at the path with its first member twice.
        Duplicate(Vec<u16>),
        /// Write the object at the path with escaped member names.
        Escape(Vec<u16>),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        let path = proptest::collection::vec(any::<u16>(), 0..5);
        prop_oneof![
            4 => (path.clone(), 0..PALETTE.len()).prop_map(|(p, v)| Mutation::Replace(p, v)),
            1 => path.clone().prop_map(Mutation::Remove),
            3 => (path.clone(), any::<usize>(), 0..PALETTE.len())
                .prop_map(|(p, k, v)| Mutation::Add(p, k, v)),
            1 => path.clone().prop_map(Mutation::Duplicate),
            1 => path.prop_map(Mutation::Escape),
        ]
    }

    fn palette(i: usize) -> Value {
        match PALETTE[i].strip_prefix("RAW:") {
            Some(raw) => Value::String(format!("\u{1}{raw}")),
            None => serde_json::from_str(PALETTE[i]).unwrap(),
        }
    }

    /// The value at `path` (each step picks a child modulo the count, and
    /// stops early at a scalar).
    fn at<'v>(v: &'v mut Value, path: &[u16]) -> &'v mut Value {
        let Some((step, rest)) = path.split_first() else {
            return v;
        };
        let n = match v {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if n == 0 {
            return v;
        }
        let i = *step as usize % n;
        match v {
            Value::Object(m) => at(m.values_mut().nth(i).unwrap(), rest),
            Value::Array(a) => at(&mut a[i], rest),
            _ => unreachable!(),
        }
    }

    /// Writes `v` as JSON; `marks` holds objects (by address) to write with a
    /// duplicated first member or escaped names; `\u{1}` strings are raw text.
    fn render(v: &Value, dup: *const Value, esc: *const Value, out: &mut String) {
        match v {
            Value::String(s) if s.starts_with('\u{1}') => out.push_str(&s[1..]),
            Value::Object(m) => {
                out.push('{');
                let mut members: Vec<(&String, &Value)> = m.iter().collect();
                if std::ptr::eq(v, dup) && !members.is_empty() {
                    members.push(members[0]);
                }
                for (i, (k, x)) in members.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if std::ptr::eq(v, esc) {
                        out.push('"');
                        for c in k.chars() {
                            out.push_str(&format!("\\u{:04x}", c as u32));
                        }
                        out.push('"');
                    } else {
                        out.push_str(&serde_json::to_string(k).unwrap());
                    }
                    out.push(':');
                    render(x, dup, esc, out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    render(x, dup, esc, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }

    fn mutated(seed: &Value, mutations: &[Mutation], names: &[&'static str]) -> String {
        let mut v = seed.clone();
        let mut dup_path = None;
        let mut esc_path = None;
        for m in mutations {
            match m {
                Mutation::Replace(p, x) => *at(&mut v, p) = palette(*x),
                Mutation::Remove(p) => {
                    if let Some((last, parent)) = p.split_last()
                        && let Value::Object(o) = at(&mut v, parent)
                        && !o.is_empty()
                    {
                        let key = o.keys().nth(*last as usize % o.len()).unwrap().clone();
                        o.remove(&key);
                    }
                }
                Mutation::Add(p, k, x) => {
                    if let Value::Object(o) = at(&mut v, p) {
                        o.insert(names[k % names.len()].to_owned(), palette(*x));
                    }
                }
                Mutation::Duplicate(p) => dup_path = Some(p.clone()),
                Mutation::Escape(p) => esc_path = Some(p.clone()),
            }
        }
        let dup = dup_path.map_or(std::ptr::null(), |p| at(&mut v, &p) as *const Value);
        let esc = esc_path.map_or(std::ptr::null(), |p| at(&mut v, &p) as *const Value);
        let mut out = String::new();
        render(&v, dup, esc, &mut out);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Mutated records (values of every kind in every place, members
        /// added, removed, repeated, with escaped names): the columnar
        /// decoder accepts exactly what the typed one does, with equal frames.
        #[test]
        fn mutated_records_decode_as_the_typed_path_does(
            picks in proptest::collection::vec((any::<prop::sample::Index>(), proptest::collection::vec(mutation(), 1..4)), 1..6),
            env_values in any::<bool>(),
        ) {
            static SEEDS: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
                fixture_records()
                    .iter()
                    .filter(|r| serde_json::from_str::<Build>(r).is_ok())
                    .step_by(7)
                    .map(|r| serde_json::from_str(r).unwrap())
                    .collect()
            });
            let mut names = Vec::new();
            member_names(BUILD, &mut names);
            let records: Vec<String> = picks
                .iter()
                .map(|(i, ms)| mutated(&SEEDS[i.index(SEEDS.len())], ms, &names))
                .collect();
            check(&records, env_values)?;
        }
    }

    /// A sink over columns, with or without the one-pass response reading.
    struct Sink<'c, 'p> {
        cols: &'c mut Columns<'p>,
        direct: bool,
    }

    impl crate::decode::Sink for Sink<'_, '_> {
        fn record(&mut self, raw: &str) -> bool {
            self.cols.record(raw, "f")
        }
        fn responses(&mut self, text: &[u8]) -> Option<Responses> {
            if self.direct {
                self.cols.responses(text, "f")
            } else {
                None
            }
        }
    }

    /// What decoding `text` gives: the result, the accounting and the frames.
    fn decoded(text: &[u8], keep_going: bool, direct: bool) -> (String, Vec<Key>, Vec<DataFrame>) {
        let opts = LoadOptions {
            keep_going,
            ..LoadOptions::default()
        };
        let plan = Plan::new(false);
        let mut cols = Columns::new(&plan);
        let mut stats = FileStats::default();
        let result = decode(
            Path::new("f.json"),
            text,
            &opts,
            &mut stats,
            &mut Sink {
                cols: &mut cols,
                direct,
            },
        );
        let summary = format!("{result:?} {stats:?}");
        let (keys, frames) = live(cols.take_chunk(), &plan);
        (summary, keys, frames)
    }

    /// Reading a response in one pass gives exactly what reading it record
    /// by record gives: result, errors, accounting, frames.
    fn same_either_way(text: &[u8]) -> Result<(), TestCaseError> {
        for keep_going in [false, true] {
            let (a, ka, fa) = decoded(text, keep_going, true);
            let (b, kb, fb) = decoded(text, keep_going, false);
            prop_assert_eq!(&a, &b, "{}", String::from_utf8_lossy(text));
            prop_assert_eq!(ka, kb);
            for (x, y) in fa.iter().zip(&fb) {
                prop_assert!(x.equals_missing(y), "{}\n{}", x, y);
            }
        }
        Ok(())
    }

    #[test]
    fn every_fixture_file_reads_the_same_in_one_pass() {
        let texts = fixture_texts();
        assert!(texts.len() > 40);
        let plan = Plan::new(false);
        let mut cols = Columns::new(&plan);
        let mut sample_files = 0;
        for (path, text) in texts {
            same_either_way(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // The sample archive (every saved form, all good records) is
            // read by the one pass itself, not only by its fallback.
            let name = path.to_string_lossy();
            if name.contains("sample-archive") && !name.ends_with(".txt") {
                sample_files += 1;
                assert!(cols.responses(&text, "f").is_some(), "{name}");
            }
        }
        assert!(sample_files >= 16, "{sample_files} sample files");
    }

    #[test]
    fn responses_the_one_pass_leaves_to_the_record_path() {
        let build = r#"{"id": "p:1", "buildNumber": 1}"#;
        for text in [
            format!(r#"{{"builds": [{build}], "buildsNotFound": ["x"]}}"#),
            format!(r#"{{"builds": [{build}], "builds": []}}"#),
            r#"{"builds": null, "id": "p:2"}"#.to_owned(),
            format!(r#"{{"buildsNotFound": [1], "builds": [{build}]}}"#),
            format!(r#"{{"builds": [{build}, null, {build}]}}"#),
            format!(r#"{{"builds": [{build}, {{"id": "p:3", "buildNumber": "7"}}]}}"#),
            format!(r#"{{"builds": [{build}]}} {{"builds": [{build}]}}"#),
            format!(r#"{{"id": "p:4", "builds": [{build}]}}"#),
            format!(r#"{{"ResponseMetadata": {{}}, "id": "p:4", "builds": [{build}]}}"#),
            r#"{"builds": [["p:5"]]}"#.to_owned(),
            // Build records outside responses.
            build.to_owned(),
            format!("[{build}, {build}]"),
            format!(r#"[{build}, {{"builds": [{build}]}}]"#),
            format!("[{build}, 5]"),
            format!("[[{build}]]"),
            "[]".to_owned(),
            "{}".to_owned(),
            r#"{"id": null, "arn": null, "buildNumber": 1}"#.to_owned(),
            r#"{"id": null, "arn": "a:1"}"#.to_owned(),
            r#"{"arn": "a:1", "id": null}"#.to_owned(),
            r#"{"id": "p:1", "id": "p:2"}"#.to_owned(),
            format!(r#"{{"id": "p:1", "builds": [{build}]}}"#),
            r#"{"arn": "a", "buildsNotFound": null}"#.to_owned(),
            r#"{"projectName": "p", "id": "p:9"}"#.to_owned(),
            r#"{"id": 5}"#.to_owned(),
            format!("{build}\n{build}\n"),
            format!("{build}\n{{\"id\": \"p:2\", \"buildNumber\": \"x\"}}\n{build}\n"),
            format!("{{\"builds\": [{build}]}}\n{{\"builds\": [{build}, 5]}}\n"),
            r#"{"other": 1}"#.to_owned(),
            "[]".to_owned(),
        ] {
            same_either_way(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn concatenated_values_read_in_one_pass() {
        let plan = Plan::new(false);
        let mut cols = Columns::new(&plan);
        let build = r#"{"id": "p:1", "buildNumber": 1}"#;
        let one = format!(r#"{{"builds": [{build}, {build}], "buildsNotFound": ["a"]}}"#);
        let read = |cols: &mut Columns, text: &str| cols.responses(text.as_bytes(), "f");
        let expected = |responses, builds, not_found: &[&str]| Responses {
            responses,
            builds,
            not_found: not_found.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            read(&mut cols, &format!("{one}\n")),
            Some(expected(1, 2, &["a"]))
        );
        assert_eq!(
            read(&mut cols, &format!("{one}\n\n{one}{one}  ")),
            Some(expected(3, 6, &["a", "a", "a"]))
        );
        // A build record, or an array of responses, after a response: read too.
        assert_eq!(
            read(&mut cols, &format!("{one} {build}")),
            Some(expected(1, 3, &["a"]))
        );
        assert_eq!(
            read(&mut cols, &format!("{one} [{one}]")),
            Some(expected(2, 4, &["a", "a"]))
        );
        // Anything else: the whole text goes back, its rows dead.
        let before = cols.keys.iter().flatten().count();
        assert_eq!(read(&mut cols, &format!("{one} 5")), None);
        assert_eq!(read(&mut cols, &format!("{one} [[{one}]]")), None);
        assert_eq!(read(&mut cols, &format!("{one} {{}}")), None);
        assert_eq!(cols.keys.iter().flatten().count(), before);
    }

    /// The one pass reads a single-value file without the nesting pass; a
    /// value nested too deep still fails the load exactly as before, at
    /// every depth around the limits (serde_json's 127, the default 128).
    #[test]
    fn nesting_around_the_limits_reads_the_same_in_one_pass() {
        let build = r#"{"id": "p:1", "buildNumber": 1}"#;
        for depth in [125, 126, 127, 128, 129, 130, 300] {
            // The response object is one level; the metadata the rest.
            let inner = depth - 1;
            let text = format!(
                r#"{{"builds": [{build}], "ResponseMetadata": {}{}}}"#,
                "[".repeat(inner),
                "]".repeat(inner)
            );
            same_either_way(text.as_bytes()).unwrap_or_else(|e| panic!("depth {depth}: {e}"));
            let (summary, keys, _) = decoded(text.as_bytes(), false, true);
            // serde_json's limit: the one pass reads up to 127 levels itself.
            let plan = Plan::new(false);
            let one_pass = Columns::new(&plan)
                .responses(text.as_bytes(), "f")
                .is_some();
            assert_eq!(one_pass, depth <= 127, "depth {depth}");
            if depth <= crate::DEFAULT_MAX_NESTING {
                assert!(summary.starts_with("Ok"), "depth {depth}: {summary}");
                assert_eq!(keys.len(), 1);
            } else {
                assert!(
                    summary.contains("nesting deeper than 128 levels"),
                    "{summary}"
                );
                assert!(keys.is_empty());
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Mutated responses (any value anywhere, response members added,
        /// repeated or escaped): one pass or record by record, the same.
        #[test]
        fn mutated_responses_read_the_same_in_one_pass(
            pick in any::<prop::sample::Index>(),
            mutations in proptest::collection::vec(mutation(), 1..4),
        ) {
            // Responses, arrays of builds, single builds and arrays of both.
            static SEEDS: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
                let values: Vec<Value> = fixture_texts()
                    .iter()
                    .filter_map(|(_, t)| serde_json::from_slice::<Value>(t).ok())
                    .collect();
                let mut seeds = values.clone();
                for v in &values {
                    if let Some(Value::Array(builds)) = v.get("builds") {
                        seeds.extend(builds.iter().take(2).cloned());
                        seeds.push(Value::Array(builds.iter().take(3).cloned().collect()));
                        if let Some(first) = builds.first() {
                            seeds.push(Value::Array(vec![first.clone(), v.clone()]));
                        }
                    }
                }
                seeds
            });
            let mut names = vec!["builds", "buildsNotFound", "id", "arn", "ResponseMetadata"];
            member_names(BUILD, &mut names);
            let text = mutated(&SEEDS[pick.index(SEEDS.len())], &mutations, &names);
            same_either_way(text.as_bytes())?;
        }
    }
}
