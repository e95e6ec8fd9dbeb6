//! Reads a `batch_get_builds` response file N times with the typed model
//! (a fixed amount of work, for instruction counts under `valgrind`, where
//! wall-clock benchmarks are too noisy): prints the builds read.
//!
//! `cargo build --release --workspace --example decode_n`, then
//! `valgrind --tool=cachegrind --cache-sim=no target/release/examples/decode_n FILE 20`
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(n)) = (args.next(), args.next()) else {
        eprintln!("usage: decode_n FILE N");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).expect("readable file");
    let n: usize = n.parse().expect("a count");
    let mut builds = 0;
    for _ in 0..n {
        let r: codebuild_model::BatchGetBuildsResponse =
            codebuild_model::from_slice(std::hint::black_box(&bytes)).expect("a response");
        builds += r.builds().len();
    }
    println!("{builds}");
}
