//! Building frames: `Archive::load` of one file and of a 20-file folder
//! (page-cached), against the typed decode of the same bytes, so the
//! difference is the cost of frames (columns, dedup, concatenation).

use std::hint::black_box;
use std::time::Duration;

use codebuild_analytics::{Archive, LoadOptions};
use codebuild_bench::{FormatChoice, GenConfig, generate};
use codebuild_model::BatchGetBuildsResponse;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn frames(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = GenConfig {
        builds: 2_000,
        projects: 50,
        format: FormatChoice::Only(codebuild_bench::Form::Epoch),
        ..GenConfig::default()
    };
    let summary = generate(&cfg, dir.path()).expect("generate");
    let mut files: Vec<_> = walk(dir.path());
    files.sort();
    let one = files[3].clone();
    let one_bytes = std::fs::read(&one).expect("read");
    let opts = |threads| LoadOptions {
        threads,
        ..LoadOptions::default()
    };

    let mut g = c.benchmark_group("frames");
    g.throughput(Throughput::Bytes(one_bytes.len() as u64));
    g.bench_function("one file/typed decode only", |b| {
        b.iter(|| {
            codebuild_model::from_slice::<BatchGetBuildsResponse>(black_box(&one_bytes)).unwrap()
        })
    });
    g.bench_function("one file/Archive::load, 1 thread", |b| {
        b.iter(|| Archive::load(&[&one], &opts(Some(1))).unwrap())
    });
    g.throughput(Throughput::Bytes(summary.uncompressed_bytes));
    g.bench_function("20 files/Archive::load, 1 thread", |b| {
        b.iter(|| Archive::load(&[dir.path()], &opts(Some(1))).unwrap())
    });
    g.bench_function("20 files/Archive::load, all threads", |b| {
        b.iter(|| Archive::load(&[dir.path()], &opts(None)).unwrap())
    });
    g.finish();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = frames
}
criterion_main!(benches);
