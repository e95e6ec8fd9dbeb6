//! The report's summary as blocks: what `cbstats report` prints by default,
//! in the order of the questions it answers (where time goes, what fails,
//! retries, flaky commits, recovery, load), each list cut to its row limit
//! ([`Limits`]) and followed by what was left out and how to see it.

use codebuild_analytics::summary::{Summary, TopList};

use crate::doc::{Block, Table};
use crate::human::{self, NONE, count, duration, instant, minutes, opt_duration, percent};

/// Text of an optional name (`(none)` for null).
fn name(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".to_string())
}

/// The `… and N more` note of a list shown with `shown` rows.
fn more<T>(list: &TopList<T>, shown: usize, what: &str, section: &str) -> Option<Block> {
    more_note(
        list.total.saturating_sub(shown as u64),
        what,
        &format!("--section {section}"),
    )
}

/// `… and N more WHAT (--top N, --all; WHERE)` when `left` rows are not
/// shown; `what` is plural (`projects`) and loses its `s` for one row.
fn more_note(left: u64, what: &str, r#where: &str) -> Option<Block> {
    let what = if left == 1 {
        what.strip_suffix('s').unwrap_or(what)
    } else {
        what
    };
    (left > 0).then(|| {
        Block::Note(format!(
            "… and {} more {what} (--top N, --all; {where})",
            count(left)
        ))
    })
}

/// The summary's lists, most important first (the order in which they keep
/// their rows when the summary must shorten).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Top failure reasons.
    Reasons,
    /// Recent change points.
    Changes,
    /// Projects by build time.
    Projects,
    /// Slowest (project, phase) pairs.
    SlowPhases,
    /// Projects by retry time wasted.
    Retries,
    /// Projects with flaky commits and rebuilds.
    Flaky,
    /// Failure rate by compute type.
    ComputeRates,
    /// Failure rate by image.
    ImageRates,
    /// Projects by red time.
    Recovery,
    /// Build time by compute type.
    ComputeMinutes,
    /// Projects by estimated cost.
    Cost,
    /// Example flaky commits (at most 2).
    Examples,
}

/// How many lists there are.
pub const LISTS: usize = 12;

/// Rows each list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits(pub [usize; LISTS]);

impl Limits {
    /// Every list shows up to `n` rows (examples at most 2).
    pub fn all(n: usize) -> Self {
        let mut l = [n; LISTS];
        l[List::Examples as usize] = n.min(2);
        Limits(l)
    }

    fn get(&self, list: List) -> usize {
        self.0[list as usize]
    }

    /// One row less for the list with the most rows shown (of `shown`,
    /// what each list really shows), the least important among equals;
    /// `false` when every list is down to one row.
    pub fn shrink(&mut self, shown: &Limits) -> bool {
        let pick = (0..LISTS)
            .filter(|&i| shown.0[i] > 1)
            .max_by_key(|&i| (shown.0[i], i));
        match pick {
            Some(i) => {
                self.0[i] = shown.0[i] - 1;
                true
            }
            None => false,
        }
    }

    /// The rows each list of `s` really shows under these limits.
    pub fn shown(&self, s: &Summary) -> Limits {
        let n = |list: List, rows: usize| rows.min(self.get(list));
        let mut l = [0; LISTS];
        l[List::Reasons as usize] = n(List::Reasons, s.failures.top_reasons.rows.len());
        l[List::Projects as usize] = n(List::Projects, s.time.top_projects.rows.len());
        l[List::SlowPhases as usize] = n(List::SlowPhases, s.time.slowest_phases.rows.len());
        l[List::Retries as usize] = n(List::Retries, s.retries.top_projects.rows.len());
        l[List::Flaky as usize] = n(List::Flaky, s.flaky.top_projects.rows.len());
        l[List::ComputeRates as usize] =
            n(List::ComputeRates, s.failures.by_compute_type.rows.len());
        l[List::ImageRates as usize] = n(List::ImageRates, s.failures.by_image.rows.len());
        l[List::Recovery as usize] = n(List::Recovery, s.recovery.top_projects.rows.len());
        l[List::ComputeMinutes as usize] =
            n(List::ComputeMinutes, s.capacity.by_compute_type.rows.len());
        l[List::Examples as usize] = n(List::Examples, s.flaky.examples.rows.len());
        l[List::Changes as usize] = n(
            List::Changes,
            s.changes.as_ref().map_or(0, |c| c.recent.rows.len()),
        );
        let cost = s.cost.as_ref();
        l[List::Cost as usize] = n(List::Cost, cost.map_or(0, |c| c.top_projects.len()));
        Limits(l)
    }
}

/// Builds the summary's blocks; `source` names the archive; each list shows
/// at most its limit of rows.
pub fn blocks(s: &Summary, source: &str, limit: &Limits) -> Vec<Block> {
    let mut b = Vec::new();
    headline(&mut b, s, source);
    b.push(Block::Gap);
    time(&mut b, s, limit);
    b.push(Block::Gap);
    failures(&mut b, s, limit);
    if let Some(c) = &s.changes {
        b.push(Block::Gap);
        changes(&mut b, c, limit);
    }
    b.push(Block::Gap);
    retries(&mut b, s, limit);
    b.push(Block::Gap);
    flaky(&mut b, s, limit);
    b.push(Block::Gap);
    recovery(&mut b, s, limit);
    b.push(Block::Gap);
    capacity(&mut b, s, limit);
    if let Some(c) = &s.cost {
        b.push(Block::Gap);
        cost(&mut b, c, limit);
    }
    b
}

fn changes(b: &mut Vec<Block>, c: &codebuild_analytics::summary::ChangesOverview, limit: &Limits) {
    b.push(Block::Heading("Recent changes".into()));
    let days = c.recent_days;
    if c.recent.total == 0 {
        b.push(Block::Text(if c.total == 0 {
            "No change of level found (cbstats changes).".into()
        } else {
            format!(
                "No change of level in the last {days} days; {} earlier (cbstats changes).",
                count(c.total)
            )
        }));
        return;
    }
    b.push(Block::Text(format!(
        "{} changes of level in the last {days} days ({} in all), by impact; first builds and every change: cbstats changes.",
        count(c.recent.total),
        count(c.total)
    )));
    let mut tab = Table::new(&[
        ("project", false),
        ("series", false),
        ("from", false),
        ("change", false),
        ("impact", true),
    ]);
    tab.drop_rank = vec![0, 0, 0, 0, 1];
    let shown = c.recent.rows.len().min(limit.get(List::Changes));
    for r in &c.recent.rows[..shown] {
        let at = r.at.to_offset(time::UtcOffset::UTC).date();
        tab.row(vec![
            name(&r.project),
            crate::changes::series(r),
            format!("{at}"),
            crate::changes::change_text(r),
            crate::changes::impact_text(r.impact_minutes),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more_note(
        c.recent.total.saturating_sub(shown as u64),
        "recent changes",
        "cbstats changes",
    ));
}

fn cost(b: &mut Vec<Block>, c: &codebuild_analytics::analysis::cost::CostSummary, limit: &Limits) {
    b.push(Block::Heading("Estimated cost".into()));
    b.push(Block::Text(format!(
        "{} for {} priced builds ({} not priced), on-demand prices as of {} ({}). Failed builds {}, auto-retries {}, manual rebuilds {}.",
        human::usd(c.estimated_cost_usd),
        count(c.priced_builds),
        count(c.not_priced_builds),
        c.prices_as_of,
        c.price_source,
        human::usd(c.failed_estimated_cost_usd),
        human::usd(c.retry_estimated_cost_usd),
        human::usd(c.manual_rebuild_estimated_cost_usd),
    )));
    let mut tab = Table::new(&[
        ("projects by estimated cost", false),
        ("cost", true),
        ("share", true),
        ("not priced", true),
    ]);
    let shown = c.top_projects.len().min(limit.get(List::Cost));
    for p in &c.top_projects[..shown] {
        tab.row(vec![
            name(&p.project_name),
            human::usd(Some(p.estimated_cost_usd)),
            percent(Some(p.share)),
            count(p.not_priced_builds),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more_note(
        (c.top_projects.len() - shown) as u64,
        "projects",
        "--section estimated-cost-by-project",
    ));
    // Not priced: one line, the largest group named (every group: the section).
    if let Some(g) = c.not_priced.first() {
        b.push(Block::Note(format!(
            "Not priced: {} builds in {} groups, most {} {} in {} ({}, {} builds); --section not-priced",
            count(c.not_priced_builds),
            count(c.not_priced.len() as u64),
            name(&g.environment_type),
            name(&g.compute_type),
            name(&g.region),
            g.reason,
            count(g.builds),
        )));
    }
}

fn headline(b: &mut Vec<Block>, s: &Summary, source: &str) {
    let h = &s.headline;
    b.push(Block::Title(format!("CodeBuild report: {source}")));
    let window = match (h.first_start, h.last_start) {
        (Some(a), Some(z)) => {
            let days = (z - a).whole_seconds() as f64 / 86_400.0;
            format!(
                "{} to {} ({})",
                instant(Some(a)),
                instant(Some(z)),
                if days < 1.0 {
                    duration(days * 86_400.0)
                } else {
                    format!("{} days", count(days.ceil() as u64))
                }
            )
        }
        _ => "no start times".to_string(),
    };
    b.push(Block::Text(format!(
        "{} builds, {} projects, started {window}.",
        count(h.builds),
        count(h.projects)
    )));
    b.push(Block::Text(format!(
        "Success rate {} ({} of {} completed builds, {} failures). Build time {}; build duration p50 {}, p95 {}.",
        percent(h.success_rate),
        count(h.succeeded),
        count(h.completed),
        count(h.failures),
        minutes(h.build_minutes),
        opt_duration(h.duration_p50),
        opt_duration(h.duration_p95)
    )));
    let l = &h.load;
    let mut load = format!(
        "Load: {} read = {} kept + {} duplicates + {} rejected{}; {} files ({}), {} not found.",
        count(l.builds_read),
        count(l.builds_kept),
        count(l.duplicates_dropped),
        count(l.records_rejected),
        if l.balances {
            ""
        } else {
            " (DOES NOT BALANCE)"
        },
        count(l.files_read),
        human::bytes(l.bytes_read),
        count(l.builds_not_found),
    );
    if l.files_skipped + l.files_rejected > 0 {
        load.push_str(&format!(
            " Files skipped: {}, rejected: {}.",
            count(l.files_skipped),
            count(l.files_rejected)
        ));
    }
    b.push(Block::Text(load));
    for p in &l.problem_files.rows {
        b.push(Block::Note(format!("{} {}: {}", p.what, p.path, p.reason)));
    }
    if l.problem_files.more() > 0 {
        b.push(Block::Note(format!(
            "… and {} more (every file: --section load)",
            count(l.problem_files.more())
        )));
    }
}

fn time(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let t = &s.time;
    b.push(Block::Heading("Where build time goes".into()));
    let mut shares: Vec<_> = t.phase_share.iter().collect();
    shares.sort_by(|a, b| b.total_seconds.total_cmp(&a.total_seconds));
    let parts: Vec<String> = shares
        .iter()
        .map(|p| format!("{} {}", name(&p.phase), percent(p.share)))
        .collect();
    b.push(Block::Text(format!(
        "Share of build time by phase: {}.",
        if parts.is_empty() {
            NONE.to_string()
        } else {
            parts.join(", ")
        }
    )));
    let mut tab = Table::new(&[
        ("projects by build time", false),
        ("builds", true),
        ("build time", true),
        ("p50", true),
        ("p95", true),
        ("queue+prov.", true),
    ]);
    tab.drop_rank = vec![0, 1, 0, 0, 0, 2];
    let shown = t.top_projects.rows.len().min(limit.get(List::Projects));
    for r in &t.top_projects.rows[..shown] {
        tab.row(vec![
            name(&r.project),
            count(r.builds),
            minutes(r.build_minutes),
            opt_duration(r.duration_p50),
            opt_duration(r.duration_p95),
            percent(r.overhead_share),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(&t.top_projects, shown, "projects", "outcomes"));

    let mut tab = Table::new(&[
        ("slowest phases (p95)", false),
        ("phase", false),
        ("phases", true),
        ("p50", true),
        ("p95", true),
    ]);
    tab.drop_rank = vec![0, 0, 1, 0, 0];
    let shown = t.slowest_phases.rows.len().min(limit.get(List::SlowPhases));
    for r in &t.slowest_phases.rows[..shown] {
        tab.row(vec![
            name(&r.project),
            name(&r.phase),
            count(r.count),
            opt_duration(r.p50),
            opt_duration(r.p95),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(&t.slowest_phases, shown, "pairs", "phase-timing"));
}

fn failures(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let f = &s.failures;
    b.push(Block::Heading("What fails".into()));
    if f.failures == 0 {
        b.push(Block::Text("No failure builds.".into()));
        return;
    }
    let mut by_phase: Vec<_> = f.by_phase.iter().collect();
    by_phase.sort_by_key(|p| std::cmp::Reverse(p.count));
    let phases: Vec<String> = by_phase
        .into_iter()
        .map(|p| {
            format!(
                "{} {} ({})",
                p.phase.as_deref().unwrap_or("no failed phase"),
                count(p.count),
                percent(p.share)
            )
        })
        .collect();
    b.push(Block::Text(format!(
        "{} failure builds. By failed phase: {}.",
        count(f.failures),
        phases.join(", ")
    )));
    b.push(Block::Text("Top failure reasons:".into()));
    let shown = f.top_reasons.rows.len().min(limit.get(List::Reasons));
    for (i, r) in f.top_reasons.rows[..shown].iter().enumerate() {
        let mut head = format!(
            "{} builds ({}), last {}",
            count(r.count),
            percent(r.share),
            instant(r.last_seen)
        );
        if let Some(id) = &r.example_build_id {
            head.push_str(&format!(", e.g. {id}"));
        }
        let body = match (&r.status_code, &r.message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => "(no reason recorded)".to_string(),
        };
        b.push(Block::Item {
            n: i + 1,
            head,
            body,
        });
    }
    b.extend(more(
        &f.top_reasons,
        shown,
        "reasons",
        "top-failure-reasons",
    ));
    for (title, list, section, which) in [
        (
            "failure rate by compute type",
            &f.by_compute_type,
            "failure-rates-by-compute-type",
            List::ComputeRates,
        ),
        (
            "failure rate by image",
            &f.by_image,
            "failure-rates-by-image",
            List::ImageRates,
        ),
    ] {
        let mut tab = Table::new(&[
            (title, false),
            ("builds", true),
            ("failures", true),
            ("rate", true),
        ]);
        let shown = list.rows.len().min(limit.get(which));
        for r in &list.rows[..shown] {
            tab.row(vec![
                name(&r.value),
                count(r.builds),
                count(r.failures),
                percent(r.failure_rate),
            ]);
        }
        b.push(Block::Table(tab));
        b.extend(more(list, shown, "values", section));
    }
}

fn retries(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let r = &s.retries;
    b.push(Block::Heading("Auto-retries".into()));
    let t = &r.total;
    if t.chains_with_retries == 0 {
        b.push(Block::Text(format!(
            "No build was auto-retried ({} chains).",
            count(t.chains)
        )));
        return;
    }
    b.push(Block::Text(format!(
        "{} chains retried: {} recovered ({}), {} exhausted; {} spent on the builds before each chain's last.",
        count(t.chains_with_retries),
        count(t.recovered),
        percent(t.recovery_rate),
        count(t.exhausted),
        minutes(t.minutes_wasted)
    )));
    let mut tab = Table::new(&[
        ("projects by time wasted", false),
        ("retried", true),
        ("recovered", true),
        ("rate", true),
        ("exhausted", true),
        ("wasted", true),
    ]);
    tab.drop_rank = vec![0, 0, 1, 0, 2, 0];
    let shown = r.top_projects.rows.len().min(limit.get(List::Retries));
    for p in &r.top_projects.rows[..shown] {
        tab.row(vec![
            name(&p.project),
            count(p.chains_with_retries),
            count(p.recovered),
            percent(p.recovery_rate),
            count(p.exhausted),
            minutes(p.minutes_wasted),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(&r.top_projects, shown, "projects", "retry-summary"));
}

fn flaky(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let f = &s.flaky;
    let t = &f.total;
    b.push(Block::Heading("Flaky commits and manual rebuilds".into()));
    b.push(Block::Text(format!(
        "{} of {} commits flaky ({}); {} manual rebuilds, {} after a failure, {} of those succeeded.",
        count(t.flaky_commits),
        count(t.commits),
        percent(t.flaky_rate),
        count(t.rebuilds),
        count(t.after_failure),
        count(t.rescued)
    )));
    if f.top_projects.rows.is_empty() {
        return;
    }
    let mut tab = Table::new(&[
        ("projects", false),
        ("commits", true),
        ("flaky", true),
        ("rate", true),
        ("rebuilds", true),
        ("rescued", true),
    ]);
    tab.drop_rank = vec![0, 1, 0, 0, 0, 2];
    let shown = f.top_projects.rows.len().min(limit.get(List::Flaky));
    for p in &f.top_projects.rows[..shown] {
        tab.row(vec![
            name(&p.project),
            count(p.commits),
            count(p.flaky_commits),
            percent(p.flaky_rate),
            count(p.rebuilds),
            count(p.rescued),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(&f.top_projects, shown, "projects", "flaky-rate"));
    let shown = f.examples.rows.len().min(limit.get(List::Examples));
    if shown > 0 {
        b.push(Block::Text("For example:".into()));
    }
    for c in &f.examples.rows[..shown] {
        b.push(Block::Note(format!(
            "{} {}: {} builds, {} succeeded, {} failed, last {}",
            name(&c.project),
            name(&c.commit),
            count(c.builds),
            count(c.succeeded),
            count(c.failures),
            instant(c.last_seen)
        )));
    }
    b.extend(more(&f.examples, shown, "flaky commits", "flaky-commits"));
}

fn recovery(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let r = &s.recovery;
    b.push(Block::Heading("Recovery".into()));
    if r.top_projects.rows.is_empty() {
        b.push(Block::Text("No red periods.".into()));
        return;
    }
    let mut tab = Table::new(&[
        ("projects by red time", false),
        ("red periods", true),
        ("open", true),
        ("MTTR", true),
        ("red time", true),
        ("red share", true),
    ]);
    tab.drop_rank = vec![0, 0, 1, 0, 0, 0];
    let shown = r.top_projects.rows.len().min(limit.get(List::Recovery));
    for p in &r.top_projects.rows[..shown] {
        tab.row(vec![
            name(&p.project),
            count(p.red_periods),
            count(p.open_red_periods),
            opt_duration(p.mttr_seconds),
            opt_duration(p.red_seconds),
            percent(p.red_share),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(&r.top_projects, shown, "projects", "recovery-summary"));
}

fn capacity(b: &mut Vec<Block>, s: &Summary, limit: &Limits) {
    let c = &s.capacity;
    b.push(Block::Heading("Load".into()));
    b.push(Block::Text(format!(
        "Peak concurrency: {} builds at once, first at {}.",
        count(c.peak_concurrency),
        instant(c.peak_at)
    )));
    let mut tab = Table::new(&[
        ("build time by compute type", false),
        ("builds", true),
        ("build time", true),
        ("succeeded", true),
        ("failed", true),
        ("retries", true),
    ]);
    tab.drop_rank = vec![0, 0, 0, 3, 2, 1];
    let shown = c
        .by_compute_type
        .rows
        .len()
        .min(limit.get(List::ComputeMinutes));
    for r in &c.by_compute_type.rows[..shown] {
        tab.row(vec![
            name(&r.compute_type),
            count(r.builds),
            minutes(r.total_minutes),
            minutes(r.succeeded_minutes),
            minutes(r.failed_minutes),
            minutes(r.retried_minutes),
        ]);
    }
    b.push(Block::Table(tab));
    b.extend(more(
        &c.by_compute_type,
        shown,
        "compute types",
        "build-minutes",
    ));
}
