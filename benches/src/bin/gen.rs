//! `gen`: writes a synthetic, deterministic archive of CodeBuild
//! `batch_get_builds` dumps. See `benches/README.md`, section "Generator".

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use codebuild_bench::{FormatChoice, GenConfig, GzipMode, TzChoice, generate, parse_date};

/// Generate a synthetic archive of AWS CodeBuild batch_get_builds responses.
///
/// The same arguments always produce byte-identical files.
#[derive(Debug, Parser)]
#[command(name = "gen", version)]
struct Args {
    /// Distinct builds to generate.
    #[arg(long, default_value_t = 10_000)]
    builds: u64,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Saved form: mixed, boto3-str, boto3-isoformat, epoch, aws-cli,
    /// aws-cli-query, jsonl-responses, jsonl-builds or concatenated.
    #[arg(long, default_value = "mixed")]
    format: FormatChoice,
    /// Compression: never, always, or mixed (about a third of the files).
    #[arg(long, default_value = "never")]
    gzip: GzipMode,
    /// Zone of string timestamps: utc, mixed (per file), or +HH:MM / -HH:MM.
    #[arg(long, default_value = "utc", allow_hyphen_values = true)]
    tz: TzChoice,
    /// Number of projects (Zipf-distributed sizes).
    #[arg(long, default_value_t = 300)]
    projects: u32,
    /// First day of the window, YYYY-MM-DD (UTC).
    #[arg(long, default_value = "2024-01-01", value_parser = parse_date)]
    start: time::Date,
    /// Length of the window in days.
    #[arg(long, default_value_t = 90)]
    days: u32,
    /// Builds per response file (the API returns at most 100).
    #[arg(long, default_value_t = 100)]
    builds_per_file: u32,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.builds == 0 || args.projects == 0 || args.days == 0 || args.builds_per_file == 0 {
        eprintln!("gen: --builds, --projects, --days and --builds-per-file must be positive");
        return ExitCode::from(2);
    }
    let cfg = GenConfig {
        builds: args.builds,
        seed: args.seed,
        projects: args.projects,
        start: args.start,
        days: args.days,
        builds_per_file: args.builds_per_file,
        format: args.format,
        gzip: args.gzip,
        tz: args.tz,
    };
    let started = Instant::now();
    match generate(&cfg, &args.out) {
        Ok(summary) => {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{summary}");
            eprintln!(
                "wrote {} files, {} builds, {} bytes to {} in {:.2} s ({:.1} MB/s uncompressed, {:.1} MB/s on disk)",
                summary.files,
                summary.counts.builds,
                summary.bytes,
                args.out.display(),
                secs,
                summary.uncompressed_bytes as f64 / 1e6 / secs.max(1e-9),
                summary.bytes as f64 / 1e6 / secs.max(1e-9)
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen: writing {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
