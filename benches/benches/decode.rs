//! Small, repeatable pieces of decoding: one 100-build response file in
//! each saved form (typed model vs. the `IgnoredAny` limit; and with
//! members the model does not know, which it keeps), and
//! `Timestamp::parse` / epoch conversion of each timestamp form.

use std::hint::black_box;
use std::time::Duration;

use codebuild_bench::{Form, GenConfig, response_bytes};
use codebuild_model::{BatchGetBuildsResponse, Timestamp};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn cfg() -> GenConfig {
    GenConfig {
        builds: 2_000,
        projects: 50,
        ..GenConfig::default()
    }
}

fn decode_response(c: &mut Criterion) {
    let cfg = cfg();
    let mut g = c.benchmark_group("decode one 100-build response");
    for form in [Form::Epoch, Form::Boto3Str, Form::AwsCli] {
        // File 3: past the warm-up of the simulation, a full response.
        let bytes = response_bytes(&cfg, 3, form);
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(format!("{}/IgnoredAny", form.name()), |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&bytes)).unwrap())
        });
        g.bench_function(format!("{}/serde_json::Value", form.name()), |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).unwrap())
        });
        g.bench_function(
            format!("{}/codebuild_model::from_slice", form.name()),
            |b| {
                b.iter(|| {
                    codebuild_model::from_slice::<BatchGetBuildsResponse>(black_box(&bytes))
                        .unwrap()
                })
            },
        );
    }
    // The same epoch response with two members the model does not know in
    // every build and phase, which the model keeps (`unknown_members`).
    let bytes = response_bytes(&cfg, 3, Form::Epoch);
    let text = String::from_utf8(bytes).unwrap();
    let future = text
        .replace(
            r#"{"id":"#,
            r#"{"buildMode":"FAST","sandbox":{"limits":[1,2,3]},"id":"#,
        )
        .replace(
            r#"{"phaseType":"#,
            r#"{"attempt":1,"warm":{"pool":"p"},"phaseType":"#,
        );
    assert!(future.len() > text.len() + 100 * 50);
    g.throughput(Throughput::Bytes(future.len() as u64));
    g.bench_function("epoch, unknown members/codebuild_model::from_slice", |b| {
        b.iter(|| {
            codebuild_model::from_slice::<BatchGetBuildsResponse>(black_box(future.as_bytes()))
                .unwrap()
        })
    });
    g.finish();
}

fn timestamps(c: &mut Criterion) {
    let mut g = c.benchmark_group("Timestamp");
    for (name, text) in [
        ("parse python str", "2024-05-01 12:34:56.789000+05:30"),
        ("parse isoformat", "2024-05-01T12:34:56.789000+00:00"),
        ("parse no fraction", "2024-05-01T12:34:56+00:00"),
        ("parse Z", "2024-05-01T12:34:56.789Z"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| Timestamp::parse(black_box(text)).unwrap())
        });
    }
    g.bench_function("from_epoch_f64", |b| {
        b.iter(|| Timestamp::from_epoch_f64(black_box(1_714_566_896.789)).unwrap())
    });
    g.bench_function("from_epoch_i64", |b| {
        b.iter(|| Timestamp::from_epoch_i64(black_box(1_714_566_896)).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = decode_response, timestamps
}
criterion_main!(benches);
