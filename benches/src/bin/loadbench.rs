//! `loadbench`: whole-archive load and analysis timings for
//! `codebuild-analytics`, against the JSON parsing limit measured in the same
//! run. See `benches/README.md`, section "loadbench".
//!
//! Every configuration is repeated `--reps` times, interleaved (rep 1 of every
//! configuration, then rep 2, ...), so that a neighbour's load on a shared
//! machine hits all of them alike; min/median/max are reported and the
//! ratios use medians of the same run.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use codebuild_analytics::analysis::{
    GroupKey, capacity, failures, flaky, outcomes, recovery, retry, timing,
};
use codebuild_analytics::dataset::{Projection, read_parquet};
use codebuild_analytics::polars::prelude::{DataFrame, PolarsResult};
use codebuild_analytics::{Archive, Filters, Frames, LoadOptions, TimeBucket};
use codebuild_bench::{FormatChoice, GenConfig, generate};
use rayon::prelude::*;

/// The allocator `cbstats` uses, so that loads are measured as users run them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// As `cbstats` does (see its `keep_freed_memory`): mimalloc keeps freed
/// memory instead of handing it back to the OS 10 ms later, to be faulted
/// in and zeroed again when reused. An explicit `MIMALLOC_PURGE_DELAY` in
/// the environment still wins.
fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; callable at any time.
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
    }
}

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// Everything: limit, load, peak RSS (child processes), analyses.
    All,
    /// The JSON limit and `Archive::load`, 1 thread and all threads.
    Load,
    /// Peak RSS of one load, each in a child process.
    Rss,
    /// Each analysis on the frames of the `--analysis-builds` archive.
    Analyses,
    /// The peak memory each analysis adds on top of the frames it reads
    /// (`--analysis-builds` archive or `--frames` export; one rep).
    Memory,
    /// Internal: load `--path` once with `--threads`, print one JSON line
    /// with the wall time and VmHWM, exit (used by `rss`).
    LoadOnly,
    /// Load `--path` and compute phase timing (project x phase) and
    /// outcomes, as `cbstats report --section phase-timing --section
    /// outcomes` does; print one JSON line (used by `peers/run.sh`).
    Report,
}

/// Whole-archive load and analysis benchmarks.
#[derive(Debug, Parser)]
#[command(name = "loadbench")]
struct Args {
    /// What to measure.
    #[arg(long, value_enum, default_value_t = Mode::All)]
    mode: Mode,
    /// Builds of the archive for the load and RSS measurements.
    #[arg(long, default_value_t = 100_000)]
    builds: u64,
    /// Builds of the archive for the analyses.
    #[arg(long, default_value_t = 1_000_000)]
    analysis_builds: u64,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Repetitions of each measurement.
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Cache of generated archives: `<cache>/<builds>-<seed>/`.
    #[arg(long, default_value = "/tmp/cb-bench")]
    cache: PathBuf,
    /// Archive to use instead of a generated one (`load-only`, `report`).
    #[arg(long)]
    path: Option<PathBuf>,
    /// `analyses`: read the frames from this `cbstats export` Parquet
    /// dataset instead of loading the generated archive (the analyses give
    /// the same results; it skips a JSON load when iterating on them).
    #[arg(long)]
    frames: Option<PathBuf>,
    /// Only the analyses whose name contains this text (`analyses`).
    #[arg(long)]
    only: Option<String>,
    /// Threads for `load-only` and `report` (0 = all).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn main() -> ExitCode {
    keep_freed_memory();
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadbench: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn run(args: &Args) -> Res<()> {
    let threads = |t: usize| (t > 0).then_some(t);
    match args.mode {
        Mode::LoadOnly => {
            let path = args.path.clone().ok_or("--path is required")?;
            let t = Instant::now();
            let archive = load(&path, threads(args.threads))?;
            let secs = t.elapsed().as_secs_f64();
            let frames_bytes: usize = archive
                .frames
                .iter()
                .map(|(_, df)| df.estimated_size())
                .sum();
            println!(
                "{{\"seconds\": {secs:.4}, \"vmhwm_kib\": {}, \"vmrss_kib\": {}, \"frames_bytes\": {frames_bytes}, \"builds\": {}}}",
                proc_status("VmHWM")?,
                proc_status("VmRSS")?,
                archive.report.builds_kept
            );
            Ok(())
        }
        Mode::Report => {
            let path = args.path.clone().ok_or("--path is required")?;
            let t = Instant::now();
            let archive = load(&path, threads(args.threads))?;
            let load_s = t.elapsed().as_secs_f64();
            let f = Filters::default();
            let pt = timing::phase_timing(&archive.frames, &f, &timing::DEFAULT_TIMING_KEYS)?;
            let oc = outcomes::outcomes(&archive.frames, &f, None)?;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "{{\"seconds\": {secs:.4}, \"load_seconds\": {load_s:.4}, \"vmhwm_kib\": {}, \"builds\": {}, \"phase_timing_rows\": {}, \"outcomes_rows\": {}}}",
                proc_status("VmHWM")?,
                archive.report.builds_kept,
                pt.height(),
                oc.height()
            );
            Ok(())
        }
        Mode::All => {
            machine();
            let dir = archive_dir(args, args.builds)?;
            bench_load(args, &dir)?;
            bench_rss(args, &dir)?;
            let dir = archive_dir(args, args.analysis_builds)?;
            bench_analyses(args, &dir)
        }
        Mode::Load => {
            machine();
            bench_load(args, &archive_dir(args, args.builds)?)
        }
        Mode::Rss => {
            machine();
            bench_rss(args, &archive_dir(args, args.builds)?)
        }
        Mode::Analyses => {
            machine();
            bench_analyses(args, &analysis_dir(args)?)
        }
        Mode::Memory => {
            machine();
            bench_memory(args, &analysis_dir(args)?)
        }
    }
}

/// The analyses' input: the `--frames` export, or the cached archive of
/// `--analysis-builds` builds.
fn analysis_dir(args: &Args) -> Res<PathBuf> {
    match &args.frames {
        Some(dir) => Ok(dir.clone()),
        None => archive_dir(args, args.analysis_builds),
    }
}

fn load(path: &Path, threads: Option<usize>) -> Res<Archive> {
    let opts = LoadOptions {
        threads,
        ..LoadOptions::default()
    };
    Ok(Archive::load(&[path], &opts)?)
}

/// A field of `/proc/self/status`, in KiB.
fn proc_status(field: &str) -> Res<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc/self/status").into())
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_default();
    println!(
        "machine: {} threads available, rayon pool {}, CPU {cpu}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        rayon::current_num_threads()
    );
}

/// The cached archive of `builds` builds (generated when missing): epoch
/// form, 100 builds per file, plain JSON. `README.txt` is written last by the
/// generator, so its presence with the same command marks a complete archive.
fn archive_dir(args: &Args, builds: u64) -> Res<PathBuf> {
    let dir = args.cache.join(format!("{builds}-{}", args.seed));
    let cfg = GenConfig {
        builds,
        seed: args.seed,
        format: FormatChoice::Only(codebuild_bench::Form::Epoch),
        builds_per_file: 100,
        ..GenConfig::default()
    };
    let command = cfg.command_line(&dir);
    let cached = std::fs::read_to_string(dir.join("README.txt"))
        .map(|r| r.contains(&command))
        .unwrap_or(false);
    if !cached {
        eprintln!("generating {builds} builds into {} ...", dir.display());
        let t = Instant::now();
        let _ = std::fs::remove_file(dir.join("README.txt"));
        let s = generate(&cfg, &dir)?;
        eprintln!(
            "  {} files, {} bytes in {:.1} s",
            s.files,
            s.uncompressed_bytes,
            t.elapsed().as_secs_f64()
        );
    }
    Ok(dir)
}

/// Every regular file under `dir` but `README.txt`, in sorted order.
fn json_files(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "README.txt") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// min, median, max.
fn stats(xs: &[f64]) -> (f64, f64, f64) {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    (v[0], med, v[n - 1])
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed().as_secs_f64(), r)
}

fn ignored_any(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

fn bench_load(args: &Args, dir: &Path) -> Res<()> {
    let files = json_files(dir)?;
    // Warm the page cache and get the sizes.
    let bufs: Vec<Vec<u8>> = files.iter().map(std::fs::read).collect::<Result<_, _>>()?;
    let bytes: u64 = bufs.iter().map(|b| b.len() as u64).sum();
    let builds = load(dir, None)?.report.builds_read;
    println!(
        "\n## load: {} ({} files, {:.1} MB JSON, {builds} build records), {} reps, median of each\n",
        dir.display(),
        files.len(),
        bytes as f64 / 1e6,
        args.reps
    );
    drop(bufs);

    let names = [
        "read files (1 thread)",
        "IgnoredAny, in memory, 1 thread",
        "IgnoredAny, in memory, all threads",
        "read + IgnoredAny, all threads",
        "Archive::load, 1 thread",
        "Archive::load, all threads",
    ];
    let mut t: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for rep in 0..args.reps {
        let (s, bufs) = time(|| {
            files
                .iter()
                .map(std::fs::read)
                .collect::<Result<Vec<_>, _>>()
        });
        let bufs = bufs?;
        t[0].push(s);
        let (s, ok) = time(|| bufs.iter().all(|b| ignored_any(b)));
        assert!(ok, "a file is not JSON");
        t[1].push(s);
        let (s, ok) = time(|| bufs.par_iter().all(|b| ignored_any(b)));
        assert!(ok);
        t[2].push(s);
        drop(bufs);
        let (s, ok) = time(|| {
            files
                .par_iter()
                .all(|f| std::fs::read(f).is_ok_and(|b| ignored_any(&b)))
        });
        assert!(ok);
        t[3].push(s);
        let (s, a) = time(|| load(dir, Some(1)));
        let a = a?;
        t[4].push(s);
        drop(a);
        let (s, a) = time(|| load(dir, None));
        let a = a?;
        t[5].push(s);
        drop(a);
        eprintln!("  rep {} done", rep + 1);
    }
    println!(
        "| measurement | min s | median s | max s | MB/s | builds/s | vs IgnoredAny, same threads |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let med: Vec<f64> = t.iter().map(|x| stats(x).1).collect();
    for (i, name) in names.iter().enumerate() {
        let (lo, m, hi) = stats(&t[i]);
        let base = match i {
            4 => format!("{:.1}x slower", m / med[1]),
            5 => format!("{:.1}x slower", m / med[2]),
            _ => String::new(),
        };
        println!(
            "| {name} | {lo:.3} | {m:.3} | {hi:.3} | {:.0} | {:.0} | {base} |",
            bytes as f64 / 1e6 / m,
            builds as f64 / m
        );
    }
    println!(
        "\nscaling: IgnoredAny all/1 thread {:.2}x, Archive::load all/1 thread {:.2}x",
        med[1] / med[2],
        med[4] / med[5]
    );
    Ok(())
}

fn bench_rss(args: &Args, dir: &Path) -> Res<()> {
    let exe = std::env::current_exe()?;
    let bytes: u64 = json_files(dir)?
        .iter()
        .map(|f| f.metadata().map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "\n## peak RSS of one load (child process, VmHWM at exit), {} reps\n",
        args.reps.min(3)
    );
    println!("| load | median s | VmHWM MB (max) | frames MB | VmHWM / JSON bytes |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for threads in [1usize, 0] {
        let mut secs = Vec::new();
        let mut hwm = 0u64;
        let mut frames = 0u64;
        for _ in 0..args.reps.min(3) {
            let out = Command::new(&exe)
                .args(["--mode", "load-only", "--threads", &threads.to_string()])
                .arg("--path")
                .arg(dir)
                .output()?;
            if !out.status.success() {
                return Err(
                    format!("child failed: {}", String::from_utf8_lossy(&out.stderr)).into(),
                );
            }
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
            secs.push(v["seconds"].as_f64().unwrap_or(f64::NAN));
            hwm = hwm.max(v["vmhwm_kib"].as_u64().unwrap_or(0));
            frames = v["frames_bytes"].as_u64().unwrap_or(0);
        }
        println!(
            "| {} | {:.3} | {:.0} | {:.0} | {:.2} |",
            if threads == 1 {
                "threads: Some(1)"
            } else {
                "threads: None (all)"
            },
            stats(&secs).1,
            hwm as f64 * 1024.0 / 1e6,
            frames as f64 / 1e6,
            hwm as f64 * 1024.0 / bytes as f64
        );
    }
    Ok(())
}

type Analysis = fn(&Frames, &Filters) -> PolarsResult<DataFrame>;

/// Every public analysis, with the CLI's default arguments.
const ANALYSES: &[(&str, Analysis)] = &[
    ("timing::phase_timing (project x phase)", |f, x| {
        timing::phase_timing(f, x, &timing::DEFAULT_TIMING_KEYS)
    }),
    ("timing::phase_timing (phase)", |f, x| {
        timing::phase_timing(f, x, &[GroupKey::Phase])
    }),
    ("timing::phase_totals (phase)", |f, x| {
        timing::phase_totals(f, x, &[GroupKey::Phase])
    }),
    ("timing::overhead_split (project)", |f, x| {
        timing::overhead_split(f, x, &[GroupKey::Project])
    }),
    ("outcomes::outcomes", |f, x| outcomes::outcomes(f, x, None)),
    ("failures::failures_by_phase", failures::failures_by_phase),
    ("failures::top_failure_reasons (15)", |f, x| {
        failures::top_failure_reasons(f, x, 15)
    }),
    ("failures::failure_rates (computeType)", |f, x| {
        failures::failure_rates(f, x, GroupKey::ComputeType)
    }),
    ("failures::failure_rates (image)", |f, x| {
        failures::failure_rates(f, x, GroupKey::Image)
    }),
    ("failures::failure_rates (initiator)", |f, x| {
        failures::failure_rates(f, x, GroupKey::Initiator)
    }),
    ("failures::failure_rates (source type)", |f, x| {
        failures::failure_rates(f, x, GroupKey::SourceType)
    }),
    ("outcomes::outcomes (week)", |f, x| {
        outcomes::outcomes(f, x, Some(TimeBucket::Week))
    }),
    ("retry::retry_chains", retry::retry_chains),
    ("retry::retry_summary", retry::retry_summary),
    ("flaky::flaky_commits", flaky::flaky_commits),
    ("flaky::flaky_rate", flaky::flaky_rate),
    ("flaky::manual_rebuilds", flaky::manual_rebuilds),
    (
        "flaky::manual_rebuild_summary",
        flaky::manual_rebuild_summary,
    ),
    ("recovery::red_periods", recovery::red_periods),
    ("recovery::recovery_summary", recovery::recovery_summary),
    ("capacity::builds_per_day", capacity::builds_per_day),
    (
        "capacity::builds_per_hour_of_week",
        capacity::builds_per_hour_of_week,
    ),
    ("capacity::peak_concurrency", capacity::peak_concurrency),
    ("capacity::build_minutes", capacity::build_minutes),
];

/// Every analysis once, sharing what `cbstats report` shares: the
/// summaries are computed from the detail frames of the same run, the
/// retry chains resolved once for the three analyses that follow them, red
/// periods and the recovery summary from one walk. One after the other
/// (the report also runs them in parallel).
fn all_shared(frames: &Frames, f: &Filters) -> PolarsResult<usize> {
    let index = retry::ChainIndex::new(frames)?;
    let chains = retry::retry_chains_with(frames, f, &index)?;
    let commits = flaky::flaky_commits_with(frames, f, &index)?;
    let rebuilds = flaky::manual_rebuilds_with(frames, f, &index)?;
    let (periods, recovery) = recovery::red_periods_and_summary(frames, f)?;
    let frames_out = [
        timing::phase_timing(frames, f, &timing::DEFAULT_TIMING_KEYS)?,
        timing::overhead_split(frames, f, &[GroupKey::Project])?,
        outcomes::outcomes(frames, f, None)?,
        failures::failures_by_phase(frames, f)?,
        failures::top_failure_reasons(frames, f, 15)?,
        failures::failure_rates(frames, f, GroupKey::ComputeType)?,
        failures::failure_rates(frames, f, GroupKey::Image)?,
        failures::failure_rates(frames, f, GroupKey::Initiator)?,
        failures::failure_rates(frames, f, GroupKey::SourceType)?,
        outcomes::outcomes(frames, f, Some(TimeBucket::Week))?,
        retry::retry_summary_of(chains.clone())?,
        flaky::flaky_rate_with(frames, f, commits.clone())?,
        flaky::manual_rebuild_summary_of(rebuilds.clone())?,
        periods,
        recovery,
        capacity::builds_per_day(frames, f)?,
        capacity::builds_per_hour_of_week(frames, f)?,
        capacity::peak_concurrency(frames, f)?,
        capacity::build_minutes(frames, f)?,
        chains,
        commits,
        rebuilds,
    ];
    Ok(frames_out.iter().map(DataFrame::height).sum())
}

/// The peak RSS each analysis adds: freed memory is handed back at once
/// (mimalloc `purge_delay` 0), the kernel's high-water mark is reset
/// (`/proc/self/clear_refs`) before each analysis, and the peak is taken
/// relative to the resident size before it. With `--frames`, the dataset
/// is read as `cbstats report --parquet` reads it.
fn bench_memory(args: &Args, dir: &Path) -> Res<()> {
    // SAFETY: sets one integer option; callable at any time.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    let (load_s, frames) = time(|| -> Res<Frames> {
        Ok(match &args.frames {
            Some(dir) => read_parquet(dir, Projection::Analyses)?,
            None => load(dir, None)?.frames,
        })
    });
    let frames = &frames?;
    let after_load = proc_status("VmHWM")?;
    let mb = |kib: u64| kib as f64 * 1024.0 / 1e6;
    println!(
        "\n## peak memory of each analysis: {} ({} builds, {} phases; read in {load_s:.1} s, peak {:.0} MB, resident {:.0} MB)\n",
        dir.display(),
        frames.builds.height(),
        frames.phases.height(),
        mb(after_load),
        mb(proc_status("VmRSS")?),
    );
    println!("| analysis | rows | s | peak added MB | result MB |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let f = Filters::default();
    for (name, a) in ANALYSES
        .iter()
        .filter(|(name, _)| args.only.as_deref().is_none_or(|o| name.contains(o)))
    {
        let before = proc_status("VmRSS")?;
        std::fs::write("/proc/self/clear_refs", "5")?;
        let (s, df) = time(|| a(frames, &f));
        let df = df?;
        let peak = proc_status("VmHWM")?.saturating_sub(before);
        println!(
            "| {name} | {} | {s:.2} | {:.0} | {:.0} |",
            df.height(),
            mb(peak),
            df.estimated_size() as f64 / 1e6
        );
    }
    Ok(())
}

fn bench_analyses(args: &Args, dir: &Path) -> Res<()> {
    let (load_s, frames) = time(|| -> Res<Frames> {
        Ok(match &args.frames {
            Some(dir) => read_parquet(dir, Projection::All)?,
            None => load(dir, None)?.frames,
        })
    });
    let frames = &frames?;
    let analyses: Vec<&(&str, Analysis)> = ANALYSES
        .iter()
        .filter(|(name, _)| args.only.as_deref().is_none_or(|o| name.contains(o)))
        .collect();
    let f = Filters::default();
    println!(
        "\n## analyses: {} ({} builds, {} phases; loaded in {load_s:.1} s, all threads), {} reps\n",
        dir.display(),
        frames.builds.height(),
        frames.phases.height(),
        args.reps
    );
    let mut t: Vec<Vec<f64>> = vec![Vec::new(); analyses.len() + 1];
    let mut rows = vec![0usize; analyses.len()];
    for rep in 0..args.reps {
        for (i, (_, a)) in analyses.iter().enumerate() {
            let (s, df) = time(|| a(frames, &f));
            rows[i] = df?.height();
            t[i].push(s);
        }
        let (s, all) = time(|| {
            analyses
                .iter()
                .map(|(_, a)| a(frames, &f).map(|d| d.height()))
                .collect::<PolarsResult<Vec<_>>>()
        });
        all?;
        t[analyses.len()].push(s);
        eprintln!("  rep {} done", rep + 1);
    }
    // As `cbstats report` computes them: the summaries reuse their detail
    // frames (one chain, flaky-commit and rebuild computation each).
    let mut shared = Vec::new();
    if args.only.is_none() {
        for _ in 0..args.reps {
            let (s, all) = time(|| all_shared(frames, &f));
            all?;
            shared.push(s);
        }
    }
    println!("| analysis | rows | min s | median s | max s |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (i, (name, _)) in analyses.iter().enumerate() {
        let (lo, m, hi) = stats(&t[i]);
        println!("| {name} | {} | {lo:.3} | {m:.3} | {hi:.3} |", rows[i]);
    }
    let (lo, m, hi) = stats(&t[analyses.len()]);
    println!("| **all of them, one after the other** | | {lo:.3} | {m:.3} | {hi:.3} |");
    if !shared.is_empty() {
        let (lo, m, hi) = stats(&shared);
        println!(
            "| **all of them, as `cbstats report` computes them** (summaries from their detail frames) | | {lo:.3} | {m:.3} | {hi:.3} |"
        );
    }
    println!(
        "\npeak RSS of this process (load + analyses): {:.0} MB",
        proc_status("VmHWM")? as f64 * 1024.0 / 1e6
    );
    Ok(())
}
