//! `ReportStamp`: `STATE/reports.stamp`, what the reports in the state dir were written
//! from, so that a run in which nothing ran does not format and rewrite megabytes of
//! reports identical to the last ones.
//!
//! A run in which no action ran (every needed one cached; a no-op) gets a fingerprint:
//! the sha256 of everything the report writers read except the makespan — per action
//! its id, package, version, stage, producers, status, duration, attempts, blocker,
//! error, note and whether it has outputs and which; the plan, stop reason, problems,
//! verified pairs; and the summary's parts (each action's source hash, the seeds and
//! host tools): with the ids, plan and outputs already hashed, that is everything
//! `summary.json` is built from. When the stamp holds the same fingerprint and every
//! report still has the size the stamp recorded, the reports (and the summary, which is
//! then not even built) are already right but for `report.json`'s `makespan_ms`, whose
//! header alone is replaced. Otherwise the stamp is removed, the reports are written,
//! and (for a no-op) a new stamp is written after them: a crash in between leaves no
//! stamp, never a stale one.
//!
//! The stamp is text: `FINGERPRINT` (64 hex digits), then one line per report,
//! `SIZE NAME`.

use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use compiler::dag::{Producer, StagedDag};
use sha2::{Digest as _, Sha256};

use crate::digest::Digest;
use crate::run_report::{REPORT_FILES, REPORT_JSON, RunReport};
use crate::run_summary::{RunSummary, SUMMARY_FILE, SummaryParts};
use crate::scheduler::Status;

pub const STAMP_FILE: &str = "reports.stamp";

/// The fingerprint of the reports of a run in which no action ran; `None` when one ran
/// (its reports hold durations and a timeline, which differ every run).
pub fn fingerprint(dag: &StagedDag, report: &RunReport, summary: Option<&SummaryParts>) -> Option<Digest> {
    if report.records.iter().any(|r| r.attempts > 0 || r.worker.is_some() || r.status == Status::Built) {
        return None;
    }
    let mut h = Hasher { sha: Sha256::new(), buf: Vec::with_capacity(2 * CHUNK) };
    h.str("planc report fingerprint 2");
    h.str(&dag.plan);
    h.opt(report.stop_message().as_deref());
    h.strs(&report.problems);
    h.strs(&report.verified);
    h.len(dag.actions.len());
    for (a, r) in dag.actions.iter().zip(&report.records) {
        h.str(&a.id);
        h.str(&a.package);
        h.opt(a.version.as_deref());
        h.str(&a.stage);
        for input in &a.inputs {
            if let Producer::Action { action, .. } = input.from {
                h.len(action + 1);
            }
        }
        h.len(0);
        h.str(r.status.as_str());
        h.len(r.duration().as_millis() as usize);
        h.len(r.attempts as usize);
        h.len(r.check_attempts as usize);
        h.opt(r.blocker.as_deref());
        h.opt(r.failure.as_ref().map(|f| f.message.as_str()));
        h.opt(r.note.as_deref());
        h.len(usize::from(r.outputs.is_some()));
        h.outputs(r.outputs.iter().flatten().map(|o| (o.name.as_str(), &o.digest)));
    }
    match summary {
        None => h.len(0),
        Some(s) => h.summary(s),
    }
    Some(h.finish())
}

/// How many bytes of fields `Hasher` gathers before it hashes them.
const CHUNK: usize = 64 * 1024;

/// Gathers length-prefixed fields (so no two field sequences hash alike) and hashes
/// them a chunk at a time: sha256 of a large buffer is several times faster than of
/// many small updates, and a chunk, unlike the whole (megabytes on a large DAG), stays
/// in the cache and costs no fresh pages.
struct Hasher {
    sha: Sha256,
    buf: Vec<u8>,
}

impl Hasher {
    fn update(&mut self, bytes: impl AsRef<[u8]>) {
        self.buf.extend_from_slice(bytes.as_ref());
        if self.buf.len() >= CHUNK {
            self.sha.update(&self.buf);
            self.buf.clear();
        }
    }
    fn finish(mut self) -> Digest {
        self.sha.update(&self.buf);
        Digest(self.sha.finalize().into())
    }
    fn len(&mut self, n: usize) {
        self.update((n as u64).to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.len(s.len());
        self.update(s.as_bytes());
    }
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.len(0),
            Some(s) => {
                self.len(1);
                self.str(s);
            }
        }
    }
    fn strs(&mut self, items: &[String]) {
        self.len(items.len());
        for s in items {
            self.str(s);
        }
    }
    fn outputs<'a>(&mut self, items: impl Iterator<Item = (&'a str, &'a Digest)>) {
        for (name, d) in items {
            self.len(1);
            self.str(name);
            self.update(d.0);
        }
        self.len(0);
    }
    /// The summary's parts; the rest of it (the plan, the action ids and outputs) is
    /// hashed with the actions.
    fn summary(&mut self, s: &SummaryParts) {
        self.len(1);
        self.len(s.sources.len());
        for source in &s.sources {
            match source {
                None => self.len(0),
                Some(d) => {
                    self.len(1);
                    self.update(d.0);
                }
            }
        }
        self.outputs(s.seeds.iter().map(|(k, d)| (k.as_str(), d)));
        for t in &s.host_tools {
            self.len(1);
            self.str(&t.seed);
            self.str(&t.name);
            self.str(&t.path);
            self.update(t.sha256.0);
        }
        self.len(0);
    }
}

/// The reports of a run: written in full, or (when the stamp says they are those of
/// the same no-op) only `report.json`'s header.
pub struct ReportWriter<'a> {
    pub dir: &'a Path,
    pub dag: &'a StagedDag,
    pub report: &'a RunReport,
    /// Built into `summary.json` only when the reports are written in full.
    pub summary: Option<&'a SummaryParts>,
}

impl ReportWriter<'_> {
    /// Writes the reports and `summary.json`; returns whether they were already right
    /// (only `report.json`'s header rewritten).
    pub fn write(&self) -> Result<bool, (PathBuf, io::Error)> {
        let fp = fingerprint(self.dag, self.report, self.summary);
        if let Some(fp) = &fp
            && self.stamp_matches(fp)
            && self.refresh_header().is_ok()
        {
            return Ok(true);
        }
        let stamp = self.dir.join(STAMP_FILE);
        match std::fs::remove_file(&stamp) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err((stamp, e)),
            _ => {}
        }
        self.write_all()?;
        if let Some(fp) = fp {
            // Best effort: without a stamp the next no-op writes everything again.
            let _ = self.write_stamp(&fp);
        }
        Ok(false)
    }

    fn files(&self) -> Vec<&'static str> {
        let mut files = REPORT_FILES.to_vec();
        if self.summary.is_some() {
            files.push(SUMMARY_FILE);
        }
        files
    }

    fn write_all(&self) -> Result<(), (PathBuf, io::Error)> {
        let summary_path = self.dir.join(SUMMARY_FILE);
        std::thread::scope(|s| {
            let summary = self
                .summary
                .map(|parts| s.spawn(|| RunSummary::build(self.dag, &self.report.records, parts).write(&summary_path)));
            self.report.write_files(self.dag).map_err(|e| (self.dir.to_owned(), e))?;
            match summary.map(|h| h.join().expect("summary writer panicked")) {
                Some(Err(e)) => Err((summary_path.clone(), e)),
                _ => Ok(()),
            }
        })
    }

    fn stamp_text(&self, fp: &Digest) -> io::Result<String> {
        let mut text = format!("{fp}\n");
        for name in self.files() {
            let path = self.dir.join(name);
            let mut size = std::fs::metadata(&path)?.len();
            if name == REPORT_JSON {
                // Its header holds the makespan, whose digits vary: the rest is stamped.
                size -= header_len(&mut std::fs::File::open(&path)?)? as u64;
            }
            text.push_str(&format!("{size} {name}\n"));
        }
        Ok(text)
    }

    fn write_stamp(&self, fp: &Digest) -> io::Result<()> {
        let text = self.stamp_text(fp)?;
        crate::atomic_file::write_atomic(&self.dir.join(STAMP_FILE), text.as_bytes())
    }

    /// The stamp holds `fp` and every report has the size it recorded.
    fn stamp_matches(&self, fp: &Digest) -> bool {
        let Ok(stored) = std::fs::read_to_string(self.dir.join(STAMP_FILE)) else { return false };
        self.stamp_text(fp).is_ok_and(|now| now == stored)
    }

    /// Replaces `report.json`'s header (up to `"actions"`) with this run's, keeping the
    /// rest of the file, which the fingerprint says is unchanged.
    fn refresh_header(&self) -> io::Result<()> {
        let path = self.dir.join(REPORT_JSON);
        let mut old = std::fs::File::open(&path)?;
        let old_at = header_len(&mut old)?;
        let new_head = self.report.json_header(self.dag);
        let new_at = find(&new_head, ACTIONS_KEY).ok_or_else(|| io::Error::other("header has no actions"))?;
        if new_at == old_at {
            return overwrite_start(&path, &new_head[..new_at]);
        }
        let tmp = crate::atomic_file::tmp_path(&path);
        let mut out = std::fs::File::create(&tmp)?;
        out.write_all(&new_head[..new_at])?;
        old.seek(SeekFrom::Start(old_at as u64))?;
        // In-kernel copy (copy_file_range) of the unchanged actions.
        io::copy(&mut old, &mut out)?;
        drop(out);
        std::fs::rename(&tmp, &path)
    }
}

/// Writes `head` over the first bytes of the file at `path`, in place. Used for a header
/// as long as the one it replaces: the fingerprint says the two differ only in the
/// makespan's digits, so a reader that sees part of the write (or a crash in the middle
/// of it) finds digits in place of digits, still a valid report, and a no-op saves
/// copying megabytes of actions to a new file.
fn overwrite_start(path: &Path, head: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    std::fs::OpenOptions::new().write(true).open(path)?.write_all_at(head, 0)
}

/// Where the pretty-printed report's top-level `actions` key starts: a newline and two
/// spaces cannot occur inside a JSON string, so this is never part of a value.
const ACTIONS_KEY: &[u8] = b"\n  \"actions\": ";

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The length of a `report.json`'s header: the bytes before its `actions` key, found
/// in its first 64 KiB (the header holds the plan's name and a few counts).
fn header_len(f: &mut std::fs::File) -> io::Result<usize> {
    let mut head = Vec::with_capacity(64 * 1024);
    f.take(64 * 1024).read_to_end(&mut head)?;
    find(&head, ACTIONS_KEY).ok_or_else(|| io::Error::other("report.json has no actions key"))
}

#[cfg(test)]
mod tests;
