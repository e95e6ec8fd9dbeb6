//! `gen`: writes a synthetic, deterministic archive of CodeBuild
//! `batch_get_builds` dumps. See `benches/README.md`, section "Generator".

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use codebuild_bench::{FormatChoice, GenConfig, GzipMode, Plant, TzChoice, generate, parse_date};

/// mimalloc, as in `cbstats` and `loadbench`: each record is a
/// `codebuild_model::Build` owning its strings (a few dozen allocations per
/// build, freed once its file is written), and glibc's malloc made the
/// generator ~1.5x the CPU time of its former borrowing model; with
/// mimalloc it is back to that (benches/README.md, Generator).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Plant a change in this project (0 = the one with the most builds),
    /// from --plant-date on; see the other --plant-* options.
    #[arg(long, value_name = "INDEX")]
    plant_project: Option<u32>,
    /// First day of the planted change, YYYY-MM-DD (UTC); default: the start.
    #[arg(long, value_parser = parse_date, requires = "plant_project")]
    plant_date: Option<time::Date>,
    /// The planted project's BUILD phase lasts FACTOR times as long (2 = twice).
    #[arg(long, value_name = "FACTOR", requires = "plant_project")]
    plant_build_factor: Option<f64>,
    /// The planted project's failure rate before the date (0.03 = 3%).
    #[arg(long, value_name = "RATE", requires = "plant_project")]
    plant_base_fail_rate: Option<f64>,
    /// The planted project's failure rate from the date on (0.2 = 20%).
    #[arg(long, value_name = "RATE", requires = "plant_project")]
    plant_fail_rate: Option<f64>,
    /// From the date on, this share of the planted project's builds fail in
    /// BUILD for a reason no other build has.
    #[arg(long, value_name = "RATE", requires = "plant_project")]
    plant_new_reason: Option<f64>,
}

/// `x * scale` as an integer, for rates and factors in [0, max].
fn scaled(flag: &str, x: Option<f64>, scale: f64, max: f64) -> Result<Option<u32>, String> {
    match x {
        None => Ok(None),
        Some(v) if v.is_finite() && (0.0..=max).contains(&v) => {
            Ok(Some((v * scale).round() as u32))
        }
        Some(v) => Err(format!(
            "gen: --{flag} must be between 0 and {max}, not {v}"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.builds == 0 || args.projects == 0 || args.days == 0 || args.builds_per_file == 0 {
        eprintln!("gen: --builds, --projects, --days and --builds-per-file must be positive");
        return ExitCode::from(2);
    }
    let plant = match args.plant_project {
        None => None,
        Some(project) => {
            let p = (|| {
                Ok::<_, String>(Plant {
                    project,
                    from: args.plant_date,
                    build_factor_percent: scaled(
                        "plant-build-factor",
                        args.plant_build_factor,
                        100.0,
                        100.0,
                    )?,
                    base_fail_permille: scaled(
                        "plant-base-fail-rate",
                        args.plant_base_fail_rate,
                        1000.0,
                        1.0,
                    )?,
                    fail_permille: scaled("plant-fail-rate", args.plant_fail_rate, 1000.0, 1.0)?,
                    new_reason_permille: scaled(
                        "plant-new-reason",
                        args.plant_new_reason,
                        1000.0,
                        1.0,
                    )?,
                })
            })();
            match p {
                Ok(p) if project < args.projects => Some(p),
                Ok(_) => {
                    eprintln!("gen: --plant-project must be below --projects");
                    return ExitCode::from(2);
                }
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::from(2);
                }
            }
        }
    };
    let cfg = GenConfig {
        plant,
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
