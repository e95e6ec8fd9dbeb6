//! Loading and reporting are deterministic: the thread count and repeated
//! runs never change a frame, the load report or the bytes of a report.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use codebuild_analytics::{Archive, LoadOptions};

fn sample_archive() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-archive")
}

fn load(threads: Option<usize>) -> Archive {
    Archive::load(
        &[sample_archive()],
        &LoadOptions {
            threads,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn one_thread_and_the_default_pool_load_identical_frames_and_reports() {
    let one = load(Some(1));
    let pool = load(None);
    let two = load(Some(2));
    assert!(one.report.builds_kept > 0);
    for other in [&pool, &two] {
        assert_eq!(one.report, other.report);
        let names: Vec<_> = one.frames.iter().map(|(name, _)| name).collect();
        let other_names: Vec<_> = other.frames.iter().map(|(name, _)| name).collect();
        assert_eq!(names, other_names);
        for ((name, a), (_, b)) in one.frames.iter().zip(other.frames.iter()) {
            assert_eq!(a.schema(), b.schema(), "{name}");
            assert!(a.equals_missing(b), "frame {name} differs:\n{a}\n{b}");
        }
    }
}

fn report_json(threads: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::cargo_bin("cbstats").unwrap();
    cmd.env("NO_COLOR", "1")
        .args(["--quiet", "report", "--format", "json"])
        .arg(sample_archive());
    if let Some(n) = threads {
        cmd.args(["--threads", n]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stdout.is_empty());
    out.stdout
}

#[test]
fn report_json_is_byte_identical_across_runs_and_thread_counts() {
    let first = report_json(None);
    // Parallel float sums once differed in the last bit one run in six, so
    // compare several runs, not one pair.
    for run in 2..=6 {
        assert_eq!(first, report_json(None), "run {run} differs from run 1");
    }
    assert_eq!(first, report_json(Some("1")), "one thread differs");
    serde_json::from_slice::<serde_json::Value>(&first).expect("the report is JSON");
}
