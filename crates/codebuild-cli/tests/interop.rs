//! Interop: `cbstats export` read by pandas, pyarrow, polars (Python and
//! Rust), DuckDB and PySpark, with the README's snippets.
//!
//! The exports (the sample archive unpartitioned, by `projectName` and by
//! `month` in Parquet, CSV and NDJSON; an archive of odd and long project
//! names; one with null and empty names) are made here; polars (Rust) and
//! `cbstats report --parquet` read them here; the Python readers run in
//! `tests/interop/read_exports.py`, in the virtual environment `.ci/deps`
//! installs (pinned in `.ci/requirements.txt`). A missing interpreter or
//! package fails the test.

mod common;

use common::{cbstats_process as cbstats, python, root, run_process as run, without_source};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use codebuild_analytics::dataset::{self, Projection};
use codebuild_analytics::polars::prelude::*;
use codebuild_analytics::{Archive, LoadOptions};
use serde_json::{Value, json};

/// A project name of 255 characters, the longest AWS allows.
fn long_name(tail: char) -> String {
    let name = format!("p{}{tail}", "a".repeat(253));
    assert_eq!(name.chars().count(), 255);
    name
}

/// Project names that test the folder names: long (two sharing their
/// first 254 characters; one of 255 two-byte characters), spaces,
/// slashes, `=` and `%`, non-ASCII, `..`, digits only, names equal but
/// for case.
fn odd_names() -> Vec<String> {
    vec![
        long_name('1'),
        long_name('2'),
        "é".repeat(255),
        "with space".into(),
        "slash/inside/../name".into(),
        "eq=and%percent&amp".into(),
        "ünïcödé-名前-🚀".into(),
        "..".into(),
        "1234".into(),
        "Web".into(),
        "web".into(),
        "tab\there~tilde".into(),
    ]
}

/// A `batch_get_builds` response with `per_project` builds of each
/// project (`None`: the build has no `projectName`), each with two phases.
fn response(projects: &[Option<String>], per_project: usize) -> String {
    let mut builds = Vec::new();
    let start = 1_704_067_200i64; // 2024-01-01T00:00:00Z
    for (p, project) in projects.iter().enumerate() {
        for i in 0..per_project {
            let n = builds.len() as i64;
            // Builds spread over two months, so `month` has two folders.
            let t0 = start + n * 86_400 * 3 + i as i64 * 7;
            let failed = (n + p as i64) % 3 == 0;
            let name = project.as_deref().unwrap_or("none");
            let id = format!("{name}:00000000-0000-0000-0000-{n:012}");
            let mut build = json!({
                "id": id,
                "arn": format!("arn:aws:codebuild:us-east-1:123456789012:build/{id}"),
                "buildNumber": i + 1,
                "projectName": project,
                "buildStatus": if failed { "FAILED" } else { "SUCCEEDED" },
                "buildComplete": true,
                "startTime": t0,
                "endTime": t0 + 60 + n,
                "sourceVersion": format!("refs/heads/b{}", n % 2),
                "resolvedSourceVersion": format!("{:040x}", n),
                "initiator": "GitHub-Hookshot/abc",
                "environment": {"computeType": "BUILD_GENERAL1_SMALL", "image": "aws/codebuild/standard:7.0", "privilegedMode": n % 2 == 0},
                "phases": [
                    {"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": t0, "endTime": t0 + 1, "durationInSeconds": 1},
                    {"phaseType": "BUILD", "phaseStatus": if failed { "FAILED" } else { "SUCCEEDED" },
                     "startTime": t0 + 1, "endTime": t0 + 60 + n, "durationInSeconds": 59 + n,
                     "contexts": [{"statusCode": if failed { "COMMAND_EXECUTION_ERROR" } else { "" }, "message": if failed { "Error while executing command: make. Reason: exit status 2" } else { "" }}]},
                ],
            });
            if project.is_none() {
                build.as_object_mut().unwrap().remove("projectName");
            }
            builds.push(build);
        }
    }
    json!({ "builds": builds, "buildsNotFound": [] }).to_string()
}

/// One export the readers check.
struct Export {
    name: &'static str,
    /// The archive's key in `archives`.
    archive: &'static str,
    format: &'static str,
    args: &'static [&'static str],
    /// The NDJSON export of the same archive, the values' reference.
    reference: &'static str,
    readers: &'static [&'static str],
}

const PARQUET_READERS: &[&str] = &[
    "pandas",
    "pyarrow",
    "pyarrow-dataset",
    "polars",
    "duckdb",
    "spark",
];
const TEXT_READERS: &[&str] = &["pandas", "polars", "duckdb"];

const EXPORTS: &[Export] = &[
    Export {
        name: "sample-ndjson",
        archive: "sample",
        format: "ndjson",
        args: &[],
        reference: "sample-ndjson",
        readers: TEXT_READERS,
    },
    Export {
        name: "sample-parquet",
        archive: "sample",
        format: "parquet",
        args: &[],
        reference: "sample-ndjson",
        readers: PARQUET_READERS,
    },
    Export {
        name: "sample-parquet-by-project",
        archive: "sample",
        format: "parquet",
        args: &["--partition-by", "projectName", "--no-analyses"],
        reference: "sample-ndjson",
        readers: PARQUET_READERS,
    },
    Export {
        name: "sample-parquet-by-month",
        archive: "sample",
        format: "parquet",
        args: &["--partition-by", "month", "--no-analyses"],
        reference: "sample-ndjson",
        readers: PARQUET_READERS,
    },
    Export {
        name: "sample-csv",
        archive: "sample",
        format: "csv",
        args: &[],
        reference: "sample-ndjson",
        readers: TEXT_READERS,
    },
    Export {
        name: "sample-csv-by-project",
        archive: "sample",
        format: "csv",
        args: &["--partition-by", "projectName", "--no-analyses"],
        reference: "sample-ndjson",
        readers: &["duckdb"],
    },
    Export {
        name: "odd-ndjson",
        archive: "odd",
        format: "ndjson",
        args: &[],
        reference: "odd-ndjson",
        readers: TEXT_READERS,
    },
    Export {
        name: "odd-parquet-by-project",
        archive: "odd",
        format: "parquet",
        args: &["--partition-by", "projectName"],
        reference: "odd-ndjson",
        readers: PARQUET_READERS,
    },
    Export {
        name: "odd-parquet-by-project-and-month",
        archive: "odd",
        format: "parquet",
        args: &[
            "--partition-by",
            "projectName",
            "--partition-by",
            "month",
            "--no-analyses",
        ],
        reference: "odd-ndjson",
        readers: PARQUET_READERS,
    },
    Export {
        name: "nulls-ndjson",
        archive: "nulls",
        format: "ndjson",
        args: &[],
        reference: "nulls-ndjson",
        readers: &[],
    },
    Export {
        name: "nulls-parquet-by-project",
        archive: "nulls",
        format: "parquet",
        args: &["--partition-by", "projectName", "--no-analyses"],
        reference: "nulls-ndjson",
        // pandas with the README's variant for null project names.
        readers: &[
            "pandas-nulls",
            "pyarrow",
            "pyarrow-dataset",
            "polars",
            "duckdb",
            "spark",
        ],
    },
];

/// A dtype as the manifest names it.
fn dtype_name(dtype: &DataType) -> String {
    match dtype {
        DataType::Datetime(TimeUnit::Microseconds, Some(tz)) if tz.as_str() == "UTC" => {
            "Datetime".into()
        }
        DataType::List(inner) => format!("List[{}]", dtype_name(inner)),
        DataType::String => "String".into(),
        other => format!("{other:?}"),
    }
}

/// `[[column, dtype], ...]`, in the frame's column order.
fn dtypes_of(df: &DataFrame) -> Value {
    df.schema()
        .iter()
        .map(|(c, t)| json!([c.as_str(), dtype_name(t)]))
        .collect()
}

/// `df`'s column `c`, sorted (nulls first), for comparing columns as multisets.
fn sorted(df: &DataFrame, c: &str) -> Series {
    df.column(c)
        .unwrap()
        .as_materialized_series()
        .sort(SortOptions::default().with_nulls_last(false))
        .unwrap()
}

/// polars (Rust), as a user of the crate would read a frame: a file, or a
/// partitioned folder with polars' own Hive support.
fn polars_read(path: &Path) -> DataFrame {
    if path.is_dir() {
        let args = ScanArgsParquet {
            hive_options: HiveOptions::new_enabled(),
            ..Default::default()
        };
        let glob = format!("{}/**/*.parquet", path.display());
        LazyFrame::scan_parquet(PlRefPath::new(glob), args)
            .unwrap()
            .collect()
            .unwrap()
    } else {
        ParquetReader::new(std::fs::File::open(path).unwrap())
            .finish()
            .unwrap()
    }
}

/// Checks that polars (Rust) reads every frame of a Parquet export as
/// cbstats does (`dataset::read_parquet`): same rows, every non-partition
/// column with the same dtype and values; partition columns as text, with
/// the exact values when `exact_partitions`.
fn check_polars_rust(dir: &Path, partition_by: &[&str], exact_partitions: bool) {
    let frames = dataset::read_parquet(dir, Projection::All).unwrap();
    for (name, want) in frames.iter() {
        let file = dir.join(format!("{name}.parquet"));
        let folder = dir.join(name);
        let got = polars_read(if folder.is_dir() { &folder } else { &file });
        assert_eq!(got.height(), want.height(), "{}: {name}", dir.display());
        for (c, dtype) in want.schema().iter() {
            let c = c.as_str();
            let partition = folder.is_dir() && partition_by.contains(&c);
            let got_dtype = got.column(c).unwrap().dtype();
            if partition {
                assert_eq!(got_dtype, &DataType::String, "{name}.{c}");
                if !exact_partitions {
                    continue;
                }
            } else {
                assert_eq!(got_dtype, dtype, "{name}.{c}");
            }
            if matches!(dtype, DataType::List(_)) {
                assert!(
                    got.column(c)
                        .unwrap()
                        .equals_missing(want.column(c).unwrap())
                );
            } else {
                assert!(
                    sorted(&got, c).equals_missing(&sorted(want, c)),
                    "{}: {name}.{c} differs",
                    dir.display()
                );
            }
        }
    }
}

#[test]
fn exports_read_unchanged_in_pandas_pyarrow_polars_duckdb_and_spark() {
    let python = python();
    assert!(
        python.exists(),
        "no Python interpreter at {}: run .ci/deps (it installs the pinned readers of .ci/requirements.txt), or set CBSTATS_PYTHON",
        python.display()
    );
    // CBSTATS_INTEROP_DIR keeps the exports and the manifest for a look
    // (`read_exports.py DIR/manifest.json` runs the readers again).
    let tmp = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("CBSTATS_INTEROP_DIR").map(PathBuf::from);
    if let Some(dir) = &kept {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
    }
    let work = kept.as_deref().unwrap_or(tmp.path());

    // The archives.
    let mut archives: BTreeMap<&str, PathBuf> = BTreeMap::new();
    archives.insert("sample", root().join("testdata/sample-archive"));
    let odd = work.join("odd.json");
    let names: Vec<Option<String>> = odd_names().into_iter().map(Some).collect();
    std::fs::write(&odd, response(&names, 3)).unwrap();
    archives.insert("odd", odd);
    let nulls = work.join("nulls.json");
    let names = [None, Some(String::new()), Some("web".to_string())];
    std::fs::write(&nulls, response(&names, 3)).unwrap();
    archives.insert("nulls", nulls);

    // The exports, two at a time (2 cores).
    let started = Instant::now();
    let out_of = |e: &Export| work.join(e.name).join("export");
    std::thread::scope(|s| {
        for pair in EXPORTS.chunks(2) {
            let handles: Vec<_> = pair
                .iter()
                .map(|e| {
                    let archive = &archives[e.archive];
                    let out = out_of(e);
                    s.spawn(move || {
                        run(cbstats()
                            .args(["--quiet", "export", "--format", e.format])
                            .arg(archive)
                            .arg("--out")
                            .arg(&out)
                            .args(e.args));
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
        }
    });
    eprintln!("exports: {:.1} s", started.elapsed().as_secs_f64());

    // What cbstats reads back: the frames' dtypes (equal to the loaded
    // archive's), every frame and section of each archive.
    let mut dtypes = serde_json::Map::new();
    let mut frame_names: Vec<String> = Vec::new();
    for (key, path) in &archives {
        let loaded = Archive::load(std::slice::from_ref(path), &LoadOptions::default()).unwrap();
        let export = EXPORTS
            .iter()
            .find(|e| {
                e.archive == *key && e.format == "parquet" && !e.args.contains(&"--no-analyses")
            })
            .map(out_of);
        let parquet = export.unwrap_or_else(|| {
            out_of(
                EXPORTS
                    .iter()
                    .find(|e| e.archive == *key && e.format == "parquet")
                    .unwrap(),
            )
        });
        let frames = dataset::read_parquet(&parquet, Projection::All).unwrap();
        let mut of_archive = serde_json::Map::new();
        for ((name, got), (_, want)) in frames.iter().zip(loaded.frames.iter()) {
            assert_eq!(got.schema(), want.schema(), "{key}: {name}");
            assert_eq!(got.height(), want.height(), "{key}: {name}");
            of_archive.insert(name.to_string(), dtypes_of(got));
        }
        // Sections: single files, read by polars as cbstats writes them.
        for entry in std::fs::read_dir(&parquet).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.extension().is_some_and(|e| e == "parquet") && !of_archive.contains_key(&stem) {
                let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
                    .finish()
                    .unwrap();
                of_archive.insert(stem, dtypes_of(&df));
            }
        }
        for name in of_archive.keys() {
            if !frame_names.contains(name) {
                frame_names.push(name.clone());
            }
        }
        dtypes.insert(key.to_string(), Value::Object(of_archive));
    }
    assert!(frame_names.len() > 30, "{frame_names:?}");

    // polars (Rust) reads every Parquet export as cbstats does.
    for e in EXPORTS.iter().filter(|e| e.format == "parquet") {
        let keys: Vec<&str> = e
            .args
            .windows(2)
            .filter(|w| w[0] == "--partition-by")
            .map(|w| w[1])
            .collect();
        check_polars_rust(&out_of(e), &keys, e.archive == "sample");
    }

    // The report on a partitioned export is the report on the dumps, byte for byte.
    for (export, archive) in [
        ("sample-parquet-by-project", "sample"),
        ("odd-parquet-by-project", "odd"),
        ("nulls-parquet-by-project", "nulls"),
    ] {
        let want = run(cbstats()
            .args(["report", "--format", "json"])
            .arg(&archives[archive]));
        let got = run(cbstats()
            .args(["report", "--format", "json", "--parquet"])
            .arg(work.join(export).join("export")));
        // Everything but `source`, which names the paths each was made from.
        assert!(
            without_source(&got) == without_source(&want),
            "{export}: report --parquet differs:\n{got}"
        );
    }

    // The Python readers.
    let exports: Vec<Value> = EXPORTS
        .iter()
        .map(|e| {
            let keys: Vec<&str> = e
                .args
                .windows(2)
                .filter(|w| w[0] == "--partition-by")
                .map(|w| w[1])
                .collect();
            json!({
                "name": e.name,
                "path": out_of(e),
                "format": e.format,
                "partition_by": keys,
                "reference": e.reference,
                "archive": e.archive,
                "readers": e.readers,
            })
        })
        .collect();
    let manifest = json!({
        "readme": root().join("README.md"),
        "frames": frame_names,
        "dtypes": dtypes,
        "exports": exports,
        // The README's examples, run where `export` is the sample archive
        // partitioned by project.
        "examples": {
            "cwd": work.join("sample-parquet-by-project"),
            "snippets": [["duckdb-example", "sql"], ["spark-example", "python"]],
        },
    });
    let manifest_path = work.join("manifest.json");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    let script = root().join("crates/codebuild-cli/tests/interop/read_exports.py");
    let started = Instant::now();
    let out = Command::new(&python)
        .arg(&script)
        .arg(&manifest_path)
        .env("TZ", "UTC")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {}: {e}; run .ci/deps to install the test's Python environment",
                python.display()
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "python readers: {:.1} s\n{stdout}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "the readers failed ({}):\n{stdout}\n{}",
        out.status,
        // Spark's log can be long: its last lines hold the error.
        stderr
            .lines()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn export_rejects_partition_columns_it_cannot_write() {
    for (col, message) in [
        ("projectname", "no frame has a column `projectname`"),
        ("startTime", "`startTime` of frame `builds` is datetime"),
        (
            "durationSeconds",
            "`durationSeconds` of frame `builds` is f64",
        ),
    ] {
        let out = tempfile::tempdir().unwrap();
        let output = cbstats()
            .args([
                "export",
                "testdata/responses",
                "--partition-by",
                col,
                "--out",
            ])
            .arg(out.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{col}: {err}");
        assert!(err.contains(message), "{col}: {err}");
        // Nothing was written but the folder.
        assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0, "{col}");
    }
}
