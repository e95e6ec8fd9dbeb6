//! Seeded, deterministic generator of synthetic archives of AWS CodeBuild
//! `batch_get_builds` dumps, for benchmarks and fixtures.
//!
//! The same [`GenConfig`] always yields byte-identical files: all randomness
//! comes from ChaCha8 streams derived from the seed, iteration never depends
//! on hash order, and no wall clock is read. Generation streams: one response
//! (file) is assembled, rendered and written at a time, so ten million builds
//! need no more memory than a hundred.
//!
//! ```no_run
//! use codebuild_bench::{GenConfig, generate};
//! let cfg = GenConfig { builds: 1_000, ..GenConfig::default() };
//! let summary = generate(&cfg, std::path::Path::new("/tmp/archive")).unwrap();
//! eprintln!("{summary}");
//! ```
//!
//! For in-memory benchmarks, [`Generator`] yields [`Response`]s and
//! [`render_response`] turns one into the bytes of a saved form;
//! [`response_bytes`] does both for a single file.

#![warn(missing_docs)]

mod ids;
mod project;
mod render;
mod sim;
mod timefmt;

use std::fmt;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use time::{Date, Month};

/// The build records the generator writes are the model's.
pub use codebuild_model::{Build, BuildPhaseType, StatusType, TimestampFormat};
pub use render::{FilePlan, Form, FormatChoice, GzipMode, MIXED_ZONES, TzChoice, render_response};
pub use sim::{Counts, Generator, Response};
pub use timefmt::http_date;

/// Everything that determines an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Distinct builds to generate (IN_PROGRESS duplicates come on top).
    pub builds: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of projects; their sizes follow a Zipf law.
    pub projects: u32,
    /// First day of the window (UTC midnight).
    pub start: Date,
    /// Length of the window in days.
    pub days: u32,
    /// Builds (plus not-found ids) per response file, at most 100 in the API.
    pub builds_per_file: u32,
    /// Saved form of each file.
    pub format: FormatChoice,
    /// Which files are gzip-compressed.
    pub gzip: GzipMode,
    /// Zone of string timestamps.
    pub tz: TzChoice,
    /// A change planted in one project from one day on (none by default).
    pub plant: Option<Plant>,
}

/// A change planted in one project's builds, for testing change detection.
///
/// Rates are in per mille and factors in percent (integers, so that the
/// configuration stays `Eq`). Without a plant the generator draws exactly
/// the same random numbers as before, so archives are unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plant {
    /// Index of the project (0 = the one with the most builds, Zipf rank 1).
    pub project: u32,
    /// The first day (UTC) of the change: builds starting at or after its midnight.
    pub from: Option<Date>,
    /// The BUILD phase of planted builds lasts this many percent of its draw (200 = 2x).
    pub build_factor_percent: Option<u32>,
    /// The project's failure rate (per mille) before `from`, replacing its own.
    pub base_fail_permille: Option<u32>,
    /// The project's failure rate (per mille) from `from` on.
    pub fail_permille: Option<u32>,
    /// From `from` on, this share (per mille) of the project's builds fail in
    /// BUILD with a reason no other build has ([`PLANTED_REASON`]).
    pub new_reason_permille: Option<u32>,
}

/// The message of the failure reason `--plant-new-reason` plants.
pub const PLANTED_REASON: &str =
    "Error while executing command: ./scripts/planted-check.sh. Reason: exit status 3";

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            builds: 10_000,
            seed: 42,
            projects: 300,
            start: Date::from_calendar_date(2024, Month::January, 1).expect("valid date"),
            days: 90,
            builds_per_file: 100,
            format: FormatChoice::Mixed,
            gzip: GzipMode::Never,
            tz: TzChoice::Utc,
            plant: None,
        }
    }
}

impl GenConfig {
    /// The generator command line that reproduces this configuration.
    pub fn command_line(&self, out: &Path) -> String {
        let mut plant = String::new();
        if let Some(p) = &self.plant {
            plant.push_str(&format!(" --plant-project {}", p.project));
            if let Some(d) = p.from {
                plant.push_str(&format!(" --plant-date {}", format_date(d)));
            }
            let opt = |flag: &str, v: Option<u32>, scale: f64| {
                v.map(|v| format!(" --{flag} {}", f64::from(v) / scale))
                    .unwrap_or_default()
            };
            plant.push_str(&opt("plant-build-factor", p.build_factor_percent, 100.0));
            plant.push_str(&opt("plant-base-fail-rate", p.base_fail_permille, 1000.0));
            plant.push_str(&opt("plant-fail-rate", p.fail_permille, 1000.0));
            plant.push_str(&opt("plant-new-reason", p.new_reason_permille, 1000.0));
        }
        format!(
            "cargo run --release -p codebuild-bench --bin gen -- --builds {} --seed {} --out {} \
             --format {} --gzip {} --tz {} --projects {} --start {} --days {} --builds-per-file {}{}",
            self.builds,
            self.seed,
            out.display(),
            self.format,
            self.gzip,
            self.tz,
            self.projects,
            format_date(self.start),
            self.days,
            self.builds_per_file,
            plant
        )
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<Date, String> {
    let bad = || format!("bad date {s:?}; expected YYYY-MM-DD");
    let mut it = s.splitn(3, '-');
    let y: i32 = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let m: u8 = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let d: u8 = it.next().and_then(|v| v.parse().ok()).ok_or_else(bad)?;
    let month = Month::try_from(m).map_err(|_| bad())?;
    Date::from_calendar_date(y, month, d).map_err(|_| bad())
}

fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// What [`generate`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Response files written.
    pub files: u64,
    /// Files that are gzip-compressed.
    pub gzip_files: u64,
    /// Compressed files whose name does not end in `.gz`.
    pub gzip_without_suffix: u64,
    /// Bytes written to disk (after compression), README excluded.
    pub bytes: u64,
    /// Bytes of the rendered JSON before compression.
    pub uncompressed_bytes: u64,
    /// Files per saved form name.
    pub files_per_form: std::collections::BTreeMap<&'static str, u64>,
    /// Ground-truth feature counts.
    pub counts: Counts,
}

impl fmt::Display for GenSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        writeln!(
            f,
            "files: {} ({} gzip, {} of them without .gz)",
            self.files, self.gzip_files, self.gzip_without_suffix
        )?;
        writeln!(
            f,
            "builds: {} distinct, {} records ({} IN_PROGRESS duplicates, {} only IN_PROGRESS)",
            c.builds, c.records, c.duplicates, c.in_progress
        )?;
        writeln!(
            f,
            "bytes: {} on disk, {} uncompressed",
            self.bytes, self.uncompressed_bytes
        )?;
        let statuses: Vec<String> = c.statuses.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(f, "statuses: {}", statuses.join(" "))?;
        let phases: Vec<String> = c
            .failed_phases
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        writeln!(f, "failed phases (incl. STOPPED): {}", phases.join(" "))?;
        writeln!(
            f,
            "auto-retry chains: {} ({} recovered, {} exhausted), one-sided links: {}",
            c.retry_chains, c.retry_chains_recovered, c.retry_chains_exhausted, c.one_sided_links
        )?;
        writeln!(
            f,
            "manual rebuilds: {}, buildsNotFound ids: {}",
            c.manual_rebuilds, c.builds_not_found
        )?;
        let forms: Vec<String> = self
            .files_per_form
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        write!(f, "forms: {}", forms.join(" "))
    }
}

/// Every build record of the archive `cfg` describes, in file order
/// (IN_PROGRESS duplicates included), without rendering anything.
pub fn builds(cfg: &GenConfig) -> impl Iterator<Item = Build> + use<> {
    Generator::new(cfg).flat_map(|r| r.builds)
}

/// The bytes of file `file_index` of the archive `cfg` describes, saved as
/// `form` (uncompressed; zone as the file's plan says).
///
/// Runs the simulation through the earlier files, so the cost grows with
/// `file_index`; benchmarks that need many files should iterate a
/// [`Generator`] and call [`render_response`] instead. Returns an empty
/// vector when the archive has fewer files.
pub fn response_bytes(cfg: &GenConfig, file_index: u64, form: Form) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(resp) = Generator::new(cfg).nth(file_index as usize) {
        let mut plan = FilePlan::new(cfg, file_index);
        plan.form = form;
        render_response(&resp, &plan, &mut out);
    }
    out
}

/// Writes the archive `cfg` describes under `out`: response files in
/// `out/<yyyy-mm>/batch-<index>.<ext>[.gz]` (month of the dump time), and
/// `out/README.txt` with the reproducing command and the ground-truth counts.
///
/// Existing files are overwritten, other files are left alone.
pub fn generate(cfg: &GenConfig, out: &Path) -> io::Result<GenSummary> {
    fs::create_dir_all(out)?;
    let mut summary = GenSummary::default();
    let mut generator = Generator::new(cfg);
    let mut buf = Vec::with_capacity(cfg.builds_per_file as usize * 8_192);
    let mut made_dirs = std::collections::BTreeSet::new();
    for resp in generator.by_ref() {
        let plan = FilePlan::new(cfg, resp.index);
        buf.clear();
        render_response(&resp, &plan, &mut buf);
        let month = resp.month();
        let dir = out.join(&month);
        if made_dirs.insert(month) {
            fs::create_dir_all(&dir)?;
        }
        let file = fs::File::create(dir.join(plan.file_name()))?;
        let written = if plan.gzip {
            let mut enc = GzEncoder::new(CountingWriter::new(file), Compression::default());
            enc.write_all(&buf)?;
            let mut w = enc.finish()?;
            w.flush()?;
            w.count
        } else {
            let mut w = BufWriter::new(file);
            w.write_all(&buf)?;
            w.flush()?;
            buf.len() as u64
        };
        summary.files += 1;
        summary.bytes += written;
        summary.uncompressed_bytes += buf.len() as u64;
        if plan.gzip {
            summary.gzip_files += 1;
            if !plan.gz_suffix {
                summary.gzip_without_suffix += 1;
            }
        }
        *summary.files_per_form.entry(plan.form.name()).or_default() += 1;
    }
    summary.counts = generator.counts().clone();
    let readme = readme_text(cfg, out, &summary, &generator.project_names());
    fs::write(out.join("README.txt"), readme)?;
    Ok(summary)
}

fn readme_text(cfg: &GenConfig, out: &Path, summary: &GenSummary, projects: &[String]) -> String {
    let forms: Vec<&str> = Form::ALL.iter().map(|f| f.name()).collect();
    let shown: Vec<&str> = projects.iter().take(20).map(String::as_str).collect();
    format!(
        "Synthetic AWS CodeBuild batch_get_builds archive, written by the\n\
         codebuild-bench generator (benches/src/bin/gen.rs; see benches/README.md).\n\
         \n\
         Produced by (from the workspace root):\n\
         \n    {}\n\
         \n\
         The same arguments give byte-identical files. Every build is synthetic.\n\
         Files: <yyyy-mm of the dump>/batch-<index>.json|.jsonl, .gz when compressed;\n\
         with --gzip mixed some gzip files have no .gz suffix on purpose.\n\
         Forms (--format mixed rotates by file index): {}.\n\
         \n\
         Ground truth, as generated:\n{}\n\
         \n\
         Projects (busiest first{}): {}\n",
        cfg.command_line(out),
        forms.join(", "),
        summary
            .to_string()
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        if projects.len() > shown.len() {
            ", first 20"
        } else {
            ""
        },
        shown.join(", ")
    )
}

/// Counts bytes on their way to a file.
struct CountingWriter<W: Write> {
    inner: BufWriter<W>,
    count: u64,
}

impl<W: Write> CountingWriter<W> {
    fn new(inner: W) -> Self {
        CountingWriter {
            inner: BufWriter::new(inner),
            count: 0,
        }
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> GenConfig {
        GenConfig {
            builds: 600,
            projects: 12,
            days: 10,
            builds_per_file: 50,
            tz: TzChoice::Mixed,
            ..GenConfig::default()
        }
    }

    #[test]
    fn deterministic_and_complete() {
        let cfg = small();
        let render_all = || {
            let mut all = Vec::new();
            for resp in Generator::new(&cfg) {
                render_response(&resp, &FilePlan::new(&cfg, resp.index), &mut all);
            }
            all
        };
        let a = render_all();
        assert_eq!(a, render_all());
        let mut g = Generator::new(&cfg);
        let mut ids = std::collections::BTreeMap::new();
        let mut numbers: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
        for resp in g.by_ref() {
            assert!(resp.builds.len() + resp.builds_not_found.len() <= 50);
            for b in &resp.builds {
                let seen = ids.entry(b.id.clone().unwrap()).or_insert(0);
                *seen += 1;
                if *seen == 1 {
                    numbers
                        .entry(b.project_name.clone().unwrap())
                        .or_default()
                        .push(b.build_number.unwrap() as u64);
                }
            }
        }
        assert_eq!(ids.len() as u64, cfg.builds);
        assert_eq!(g.counts().builds, cfg.builds);
        assert!(ids.values().all(|&n| n <= 2));
        for nums in numbers.values() {
            let mut sorted = nums.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (1..=nums.len() as u64).collect::<Vec<_>>());
        }
    }

    /// Every saved form reads back through the model's own reader as
    /// exactly the builds generated (timestamps compared as instants, so
    /// each zone and the epoch numbers must carry the same millisecond).
    #[test]
    fn every_form_reads_back_through_the_model_as_the_builds_generated() {
        use codebuild_model::BatchGetBuildsResponse;
        let cfg = small();
        // Every response of the archive, in every form.
        let responses: Vec<Response> = Generator::new(&cfg).collect();
        assert!(
            responses
                .iter()
                .flat_map(|r| &r.builds)
                .any(|b| !b.is_complete()),
            "no IN_PROGRESS record in the files checked"
        );
        for resp in &responses {
            for form in Form::ALL {
                let mut plan = FilePlan::new(&cfg, resp.index);
                plan.form = form;
                let mut bytes = Vec::new();
                render_response(resp, &plan, &mut bytes);
                let text = String::from_utf8(bytes).unwrap();
                let docs = serde_json::Deserializer::from_str(&text)
                    .into_iter::<Box<serde_json::value::RawValue>>();
                let mut read: Vec<Build> = Vec::new();
                let mut not_found: Vec<String> = Vec::new();
                for doc in docs {
                    let doc = doc.unwrap();
                    let doc = doc.get();
                    match form {
                        Form::AwsCliQuery => {
                            read.extend(codebuild_model::from_str::<Vec<Build>>(doc).unwrap())
                        }
                        Form::JsonlBuilds => read.push(codebuild_model::from_str(doc).unwrap()),
                        _ => {
                            let r: BatchGetBuildsResponse = codebuild_model::from_str(doc).unwrap();
                            let boto3 = matches!(
                                form,
                                Form::Boto3Str | Form::Boto3Isoformat | Form::JsonlResponses
                            );
                            assert_eq!(r.response_metadata.is_some(), boto3, "{form}");
                            read.extend(r.builds.unwrap());
                            not_found.extend(r.builds_not_found.unwrap());
                        }
                    }
                }
                assert_eq!(read.len(), resp.builds.len(), "{form}, file {}", resp.index);
                for (got, want) in read.iter().zip(&resp.builds) {
                    // Only the id on failure: a whole build is pages long.
                    assert!(
                        got == want,
                        "{form}, file {}, build {:?}",
                        resp.index,
                        want.id
                    );
                }
                if !matches!(form, Form::AwsCliQuery | Form::JsonlBuilds) {
                    assert_eq!(not_found, resp.builds_not_found, "{form}");
                }
            }
        }
    }

    #[test]
    fn dates_and_command() {
        let cfg = GenConfig::default();
        assert_eq!(parse_date("2024-01-01"), Ok(cfg.start));
        assert!(parse_date("2024-13-01").is_err());
        assert!(
            cfg.command_line(Path::new("out"))
                .contains("--start 2024-01-01")
        );
    }
}
