//! The loader never panics on any file content, plain or gzip-compressed,
//! strict or with `keep_going`; with `keep_going` the report balances; and
//! `Archive::load_batched` gives the same report (or error) and builds.
#![no_main]

use std::io::Write;

use codebuild_analytics::{Archive, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, content)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let gzip = mode & 1 == 1;
    let keep_going = mode & 2 == 2;
    let path = dir
        .path()
        .join(if gzip { "dump.json.gz" } else { "dump.json" });
    let bytes = if gzip {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(content).expect("gzip");
        enc.finish().expect("gzip")
    } else {
        content.to_vec()
    };
    std::fs::write(&path, bytes).expect("write");
    let opts = LoadOptions {
        keep_going,
        max_file_bytes: 16 << 20,
        threads: Some(1),
        ..Default::default()
    };
    // Also through a folder (non-dump names are skipped, not errors).
    let target: &std::path::Path = if mode & 4 == 4 { dir.path() } else { &path };
    let whole = Archive::load(&[target], &opts);
    match &whole {
        Ok(archive) => {
            assert!(archive.report.balances(), "{:?}", archive.report);
            assert_eq!(archive.report.builds_kept, archive.frames.builds.height());
        }
        Err(e) => {
            assert!(!keep_going, "keep_going returned an error: {e}");
        }
    }
    // The batched load (batches of 1 build) agrees with the whole load:
    // the same report or error, and the same builds in total.
    let mut rows = 0;
    let batched = Archive::load_batched(&[target], &opts, 1, |frames| {
        rows += frames.builds.height();
        Ok::<_, codebuild_analytics::LoadError>(())
    });
    match (&whole, &batched) {
        (Ok(a), Ok(report)) => {
            assert_eq!(&a.report, report);
            assert_eq!(rows, a.frames.builds.height());
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("load and load_batched disagree: {whole:?} vs {batched:?}"),
    }
});
