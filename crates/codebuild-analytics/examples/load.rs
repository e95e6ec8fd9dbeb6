//! Loads the paths given on the command line and prints the frames' shapes
//! and the load report: `cargo run --release -p codebuild-analytics --example load -- DIR`.
use codebuild_analytics::{Archive, LoadOptions};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let opts = LoadOptions {
        keep_going: std::env::var_os("KEEP_GOING").is_some(),
        ..LoadOptions::default()
    };
    let t = std::time::Instant::now();
    match Archive::load(&paths, &opts) {
        Ok(a) => {
            let secs = t.elapsed().as_secs_f64();
            for (name, df) in a.frames.iter() {
                println!("{name}: {:?}", df.shape());
            }
            let r = &a.report;
            println!(
                "files {} skipped {} rejected {} responses {} read {} kept {} dup {} rejected {} notfound {} bytes {} in {secs:.3}s ({:.0} MB/s)",
                r.files_read,
                r.files_skipped.len(),
                r.files_rejected.len(),
                r.responses,
                r.builds_read,
                r.builds_kept,
                r.duplicates_dropped,
                r.records_rejected.len(),
                r.builds_not_found.len(),
                r.bytes_read,
                r.bytes_read as f64 / 1e6 / secs
            );
            for e in r.records_rejected.iter().chain(&r.files_rejected) {
                println!("  {e}");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
