//! The state file: which builds the archive holds, and how far each project was listed.
//!
//! `DIR/cbstats-fetch.state` is a journal: a header line
//! (`cbstats-fetch-state 1`, not JSON, so the loader skips the file), then
//! one JSON object per line:
//!
//! - `{"kind":"batch","region":..,"project":..,"file":..,"complete":[ids],"incomplete":[ids],"notFound":[ids]}`
//!   after each archive file is in place (the file's path relative to DIR;
//!   absent in the compact form written at the end of a run, one line per project);
//! - `{"kind":"pass","region":..,"project":..,"listedThrough":id,"since":time}`
//!   when a project's listing and fetching went through without error:
//!   `listedThrough` is the newest build id the pass saw, and every build
//!   from it back to `since` (RFC 3339; absent: the beginning) is held.
//!
//! Each line is appended and flushed to disk after the archive file it
//! describes, so the journal never claims a file that is not there. A crash
//! can leave a torn last line (ignored) or a file the journal does not
//! name yet (its builds are fetched again; the loader keeps one record per
//! build). Replaying keeps a build complete once any line said so. The
//! whole state can be rebuilt from the archive files ([`State::rebuild`]);
//! only the `pass` lines are then lost, so the next run lists every project
//! to the end once.
//!
//! The file is locked while a fetch runs (advisory lock, `flock`), so two
//! fetches cannot write to one archive.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::FetchError;
use crate::layout::{self, STATE_FILE};
use crate::response::parse_body;

const HEADER: &str = "cbstats-fetch-state 1";

/// What the archive holds of one build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// A complete record: never fetched again.
    Complete,
    /// Only records of the build while it ran: fetched again until complete.
    Incomplete,
    /// `BatchGetBuilds` did not find it.
    NotFound,
}

/// The last complete pass over a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Pass {
    pub listed_through: String,
    /// The `--since` of that pass (microseconds), `None` for all builds.
    pub since_micros: Option<i64>,
}

/// What the archive holds of one project.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProjectState {
    pub builds: HashMap<String, Held>,
    pub pass: Option<Pass>,
}

impl ProjectState {
    fn hold(&mut self, id: &str, held: Held) {
        match self.builds.get_mut(id) {
            Some(Held::Complete) => {}
            Some(h) => *h = held,
            None => {
                self.builds.insert(id.to_owned(), held);
            }
        }
    }

    /// Ids held incomplete, sorted.
    pub fn incomplete(&self) -> Vec<String> {
        let mut ids: Vec<_> = self
            .builds
            .iter()
            .filter(|(_, h)| **h == Held::Incomplete)
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        ids
    }
}

/// One journal line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum Entry {
    #[serde(rename_all = "camelCase")]
    Batch {
        region: String,
        project: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        #[serde(default)]
        complete: Vec<String>,
        #[serde(default)]
        incomplete: Vec<String>,
        #[serde(default)]
        not_found: Vec<String>,
    },
    #[serde(rename_all = "camelCase")]
    Pass {
        region: String,
        project: String,
        listed_through: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<codebuild_model::Timestamp>,
    },
}

/// What rebuilding the state from the archive read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rebuilt {
    pub files_read: usize,
    pub builds: usize,
    /// Files that could not be read, with the reason (their builds are fetched again).
    pub unreadable: Vec<String>,
}

/// The open, locked state of one archive folder.
#[derive(Debug)]
pub(crate) struct State {
    path: PathBuf,
    /// The journal, open for appending and locked.
    file: File,
    /// Keyed by (region, project).
    pub projects: BTreeMap<(String, String), ProjectState>,
    /// A torn last line was found (and ignored) when the state was read.
    pub torn_tail: bool,
}

fn lock(file: &File, path: &Path) -> Result<(), FetchError> {
    match fs4::FileExt::try_lock(file) {
        Ok(()) => Ok(()),
        Err(fs4::TryLockError::WouldBlock) => Err(FetchError::Locked {
            path: path.to_path_buf(),
        }),
        Err(fs4::TryLockError::Error(e)) => Err(FetchError::io(path, "cannot lock", e)),
    }
}

impl State {
    /// Opens (creating it if missing) and locks the state of archive `root`,
    /// and reads it unless it is to be rebuilt ([`State::rebuild`]).
    pub fn open(root: &Path, read: bool) -> Result<State, FetchError> {
        fs::create_dir_all(root).map_err(|e| FetchError::io(root, "cannot create", e))?;
        let path = root.join(STATE_FILE);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| FetchError::io(&path, "cannot open", e))?;
        lock(&file, &path)?;
        let mut state = State {
            path,
            file,
            projects: BTreeMap::new(),
            torn_tail: false,
        };
        if read {
            state.replay()?;
        }
        Ok(state)
    }

    fn replay(&mut self) -> Result<(), FetchError> {
        let path = self.path.clone();
        let mut all = Vec::new();
        (&self.file)
            .read_to_end(&mut all)
            .map_err(|e| FetchError::io(&path, "cannot read", e))?;
        let mut line_no = 0;
        for text in all.split_inclusive(|&b| b == b'\n') {
            line_no += 1;
            let complete_line = text.last() == Some(&b'\n');
            let line = String::from_utf8_lossy(text);
            let line = line.trim_end_matches(['\n', '\r']);
            if line_no == 1 {
                if !complete_line && HEADER.starts_with(line) {
                    // Cut short while the file was created: a new state.
                    line_no = 0;
                    break;
                }
                if line != HEADER {
                    return Err(FetchError::State {
                        path,
                        line: 1,
                        message: format!(
                            "not a cbstats fetch state file (expected the first line `{HEADER}`)"
                        ),
                    });
                }
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => self.apply(entry),
                // A line cut short by a crash: what it described is fetched again.
                Err(_) if !complete_line => self.torn_tail = true,
                Err(e) => {
                    return Err(FetchError::State {
                        path,
                        line: line_no,
                        message: e.to_string(),
                    });
                }
            }
        }
        if line_no == 0 {
            // A new state file.
            self.file
                .set_len(0)
                .map_err(|e| FetchError::io(&path, "cannot write", e))?;
            self.append_raw(&format!("{HEADER}\n"))?;
        } else if self.torn_tail {
            self.compact()?;
        }
        Ok(())
    }

    fn apply(&mut self, entry: Entry) {
        match entry {
            Entry::Batch {
                region,
                project,
                complete,
                incomplete,
                not_found,
                ..
            } => {
                let p = self.projects.entry((region, project)).or_default();
                for id in &complete {
                    p.hold(id, Held::Complete);
                }
                for id in &incomplete {
                    p.hold(id, Held::Incomplete);
                }
                for id in &not_found {
                    p.hold(id, Held::NotFound);
                }
            }
            Entry::Pass {
                region,
                project,
                listed_through,
                since,
            } => {
                self.projects.entry((region, project)).or_default().pass = Some(Pass {
                    listed_through,
                    since_micros: since.map(|t| t.unix_micros()),
                });
            }
        }
    }

    fn append_raw(&mut self, text: &str) -> Result<(), FetchError> {
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| FetchError::io(&self.path, "cannot write", e))
    }

    fn append(&mut self, entry: Entry) -> Result<(), FetchError> {
        let mut line = serde_json::to_string(&entry).expect("state entries serialize");
        line.push('\n');
        self.append_raw(&line)?;
        self.apply(entry);
        Ok(())
    }

    /// Records one archive file and the builds it holds.
    pub fn record_batch(
        &mut self,
        region: &str,
        project: &str,
        file: &str,
        complete: Vec<String>,
        incomplete: Vec<String>,
        not_found: Vec<String>,
    ) -> Result<(), FetchError> {
        self.append(Entry::Batch {
            region: region.to_owned(),
            project: project.to_owned(),
            file: Some(file.to_owned()),
            complete,
            incomplete,
            not_found,
        })
    }

    /// Records a project's complete pass.
    pub fn record_pass(
        &mut self,
        region: &str,
        project: &str,
        listed_through: &str,
        since_micros: Option<i64>,
    ) -> Result<(), FetchError> {
        let since = since_micros.and_then(codebuild_model::Timestamp::from_unix_micros);
        self.append(Entry::Pass {
            region: region.to_owned(),
            project: project.to_owned(),
            listed_through: listed_through.to_owned(),
            since,
        })
    }

    /// The state of a project (empty if unknown).
    pub fn project(&self, region: &str, project: &str) -> Option<&ProjectState> {
        self.projects.get(&(region.to_owned(), project.to_owned()))
    }

    /// Rewrites the journal in its compact form (one `batch` line per
    /// project, then its `pass`), to a new file that is locked before it is
    /// renamed over the old one.
    pub fn compact(&mut self) -> Result<(), FetchError> {
        let mut text = format!("{HEADER}\n");
        for ((region, project), p) in &self.projects {
            let mut by_kind: [Vec<String>; 3] = Default::default();
            for (id, held) in &p.builds {
                let i = match held {
                    Held::Complete => 0,
                    Held::Incomplete => 1,
                    Held::NotFound => 2,
                };
                by_kind[i].push(id.clone());
            }
            for ids in &mut by_kind {
                ids.sort();
            }
            let [complete, incomplete, not_found] = by_kind;
            let batch = Entry::Batch {
                region: region.clone(),
                project: project.clone(),
                file: None,
                complete,
                incomplete,
                not_found,
            };
            text.push_str(&serde_json::to_string(&batch).expect("state entries serialize"));
            text.push('\n');
            if let Some(pass) = &p.pass {
                let entry = Entry::Pass {
                    region: region.clone(),
                    project: project.clone(),
                    listed_through: pass.listed_through.clone(),
                    since: pass
                        .since_micros
                        .and_then(codebuild_model::Timestamp::from_unix_micros),
                };
                text.push_str(&serde_json::to_string(&entry).expect("state entries serialize"));
                text.push('\n');
            }
        }
        let tmp = self.path.with_file_name(format!("{STATE_FILE}.new"));
        // A `.new` file left by a crash holds nothing that the journal lacks.
        let _ = fs::remove_file(&tmp);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| FetchError::io(&tmp, "cannot create", e))?;
        lock(&file, &tmp)?;
        let written = file
            .write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .and_then(|()| fs::rename(&tmp, &self.path))
            .and_then(|()| layout::sync_dir(self.path.parent().unwrap_or(Path::new("."))));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(FetchError::io(&self.path, "cannot rewrite", e));
        }
        // Appends go to the new file from now on.
        self.file = file;
        self.torn_tail = false;
        Ok(())
    }

    /// Forgets everything and reads what the archive files under `root` hold.
    pub fn rebuild(&mut self, root: &Path) -> Result<Rebuilt, FetchError> {
        self.projects.clear();
        let mut report = Rebuilt::default();
        let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
            .min_depth(4)
            .max_depth(4)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(".json.gz") && !n.starts_with('.'))
            })
            .collect();
        files.sort();
        for path in files {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<_> = rel
                .iter()
                .map(|c| c.to_string_lossy().into_owned())
                .collect();
            let (Some(region), Some(project)) = (
                parts.first().and_then(|r| layout::unescape_component(r)),
                parts.get(1).and_then(|p| layout::unescape_component(p)),
            ) else {
                report.unreadable.push(format!(
                    "{}: folder names are not the archive's escaped region/project",
                    path.display()
                ));
                continue;
            };
            let ids = fs::read(&path).map_err(|e| e.to_string()).and_then(|raw| {
                let mut text = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(&raw[..]),
                    &mut text,
                )
                .map_err(|e| format!("not gzip data: {e}"))?;
                parse_body(&text)
            });
            let ids = match ids {
                Ok(ids) => ids,
                Err(e) => {
                    report.unreadable.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            report.files_read += 1;
            let p = self.projects.entry((region, project)).or_default();
            for b in &ids.builds {
                p.hold(
                    &b.id,
                    if b.complete {
                        Held::Complete
                    } else {
                        Held::Incomplete
                    },
                );
            }
            for id in &ids.not_found {
                p.hold(id, Held::NotFound);
            }
        }
        report.builds = self
            .projects
            .values()
            .map(|p| p.builds.values().filter(|h| **h != Held::NotFound).count())
            .sum();
        self.compact()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn journal_replays_and_complete_is_sticky() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut s = State::open(dir.path(), true).unwrap();
            s.record_batch("r", "p", "f1", ids(&["a"]), ids(&["b", "c"]), ids(&["d"]))
                .unwrap();
            s.record_batch("r", "p", "f2", ids(&["b"]), ids(&["a"]), vec![])
                .unwrap();
            s.record_pass("r", "p", "a", Some(5_000_000)).unwrap();
        }
        let s = State::open(dir.path(), true).unwrap();
        let p = s.project("r", "p").unwrap();
        assert_eq!(p.builds["a"], Held::Complete, "complete stays complete");
        assert_eq!(p.builds["b"], Held::Complete);
        assert_eq!(p.builds["c"], Held::Incomplete);
        assert_eq!(p.builds["d"], Held::NotFound);
        assert_eq!(p.incomplete(), ids(&["c"]));
        assert_eq!(
            p.pass,
            Some(Pass {
                listed_through: "a".into(),
                since_micros: Some(5_000_000)
            })
        );
    }

    #[test]
    fn a_second_fetch_on_the_same_archive_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = State::open(dir.path(), true).unwrap();
        assert!(matches!(
            State::open(dir.path(), true),
            Err(FetchError::Locked { .. })
        ));
        // Still locked after compaction replaced the file.
        s.compact().unwrap();
        assert!(matches!(
            State::open(dir.path(), true),
            Err(FetchError::Locked { .. })
        ));
        drop(s);
        State::open(dir.path(), true).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_ignored_and_a_bad_middle_line_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        fs::write(
            &path,
            format!(
                "{HEADER}\n{}\n{{\"kind\":\"batch\",\"region\":\"r\",\"proj",
                r#"{"kind":"batch","region":"r","project":"p","complete":["x"]}"#
            ),
        )
        .unwrap();
        let s = State::open(dir.path(), true).unwrap();
        assert_eq!(s.project("r", "p").unwrap().builds["x"], Held::Complete);
        drop(s);
        // Compacted on open: the torn line is gone.
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains("proj\""), "{text}");
        assert!(text.ends_with('\n'));

        fs::write(&path, format!("{HEADER}\nnot json\n{{}}\n")).unwrap();
        let err = State::open(dir.path(), true).unwrap_err().to_string();
        assert!(err.contains(":2: "), "{err}");
        assert!(err.contains("--rebuild-state"), "{err}");

        fs::write(&path, "{\"builds\": []}\n").unwrap();
        let err = State::open(dir.path(), true).unwrap_err().to_string();
        assert!(err.contains(":1: not a cbstats fetch state file"), "{err}");
    }
}
