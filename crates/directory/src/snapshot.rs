//! The last good copy of every source, on disk: what is served while a source is down and
//! right after a restart, before any source has answered.
//!
//! One JSON-lines file per source (`{dir}/{tenant}/{source}.jsonl`), written to a temporary
//! file and renamed only when the load succeeded, so a failed or interrupted refresh never
//! replaces a good snapshot. Files are readable by the service's user only.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use kontakt_api::Contact;
use serde::{Deserialize, Serialize};

use crate::sources::{ContactSink, LoadReport, SourceError};

#[derive(Clone, Debug)]
pub struct SnapshotStore {
    dir: PathBuf,
}

/// What is known about a snapshot without reading it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// Seconds since the epoch.
    pub loaded_at: u64,
    /// Records read: `contacts + skipped`.
    #[serde(default)]
    pub records: usize,
    pub contacts: usize,
    pub skipped: usize,
    /// Values left out of the contacts.
    #[serde(default)]
    pub dropped: usize,
    /// FNV-1a over the snapshot's bytes: a refresh that read the same contacts as last time
    /// does not rebuild the directory.
    #[serde(default)]
    pub content_hash: u64,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

impl SnapshotStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SnapshotStore { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn paths(&self, tenant: &str, source: &str) -> (PathBuf, PathBuf, PathBuf) {
        let base = self.dir.join(tenant);
        (
            base.join(format!("{source}.jsonl")),
            base.join(format!("{source}.meta.json")),
            base.join(format!("{source}.jsonl.partial")),
        )
    }

    /// A writer for a new snapshot; nothing replaces the current one until
    /// [`SnapshotWriter::commit`].
    pub fn writer(&self, tenant: &str, source: &str) -> Result<SnapshotWriter, SourceError> {
        let (data, meta, partial) = self.paths(tenant, source);
        let parent = data.parent().expect("paths have a parent");
        let io = |e| SourceError::Snapshot(format!("{}: {e}", parent.display()));
        fs::create_dir_all(parent).map_err(io)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(parent, fs::Permissions::from_mode(0o700));
        }
        let file = private_file(&partial).map_err(io)?;
        Ok(SnapshotWriter {
            out: BufWriter::new(file),
            data,
            meta,
            partial,
            hash: crate::fnv::OFFSET,
        })
    }

    pub fn meta(&self, tenant: &str, source: &str) -> Option<SnapshotMeta> {
        let (_, meta, _) = self.paths(tenant, source);
        serde_json::from_slice(&fs::read(meta).ok()?).ok()
    }

    /// Streams the snapshot's contacts into `f`; `Ok(false)` when there is none yet. A line
    /// that does not parse (a damaged file) is skipped and counted, not fatal.
    pub fn read(
        &self,
        tenant: &str,
        source: &str,
        mut f: impl FnMut(Contact),
    ) -> std::io::Result<(bool, usize)> {
        let (data, _, _) = self.paths(tenant, source);
        let file = match File::open(&data) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((false, 0)),
            Err(e) => return Err(e),
        };
        let mut damaged = 0;
        for line in BufReader::new(file).lines() {
            match serde_json::from_str::<Contact>(&line?) {
                Ok(c) => f(c),
                Err(_) => damaged += 1,
            }
        }
        Ok((true, damaged))
    }
}

pub struct SnapshotWriter {
    out: BufWriter<File>,
    data: PathBuf,
    meta: PathBuf,
    partial: PathBuf,
    hash: u64,
}

impl ContactSink for SnapshotWriter {
    fn push(&mut self, contact: Contact) -> Result<(), SourceError> {
        let mut line =
            serde_json::to_vec(&contact).map_err(|e| SourceError::Snapshot(e.to_string()))?;
        line.push(b'\n');
        self.hash = crate::fnv::extend(self.hash, &line);
        self.out
            .write_all(&line)
            .map_err(|e| SourceError::Snapshot(format!("{}: {e}", self.partial.display())))
    }
}

impl SnapshotWriter {
    /// Makes this the source's snapshot: flushed, synced, renamed over the old one. The flag
    /// says whether its contacts differ from the snapshot it replaced.
    pub fn commit(self, report: &LoadReport) -> Result<(SnapshotMeta, bool), SourceError> {
        let io = |e: std::io::Error| SourceError::Snapshot(e.to_string());
        let before: Option<SnapshotMeta> = fs::read(&self.meta)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&self.partial, &self.data).map_err(io)?;
        let meta = SnapshotMeta {
            loaded_at: now_secs(),
            records: report.records,
            contacts: report.contacts,
            skipped: report.skipped,
            dropped: report.dropped,
            content_hash: self.hash,
        };
        let mut m = private_file(&self.meta).map_err(io)?;
        m.write_all(&serde_json::to_vec(&meta).expect("meta serialises"))
            .map_err(io)?;
        let changed =
            before.is_none_or(|b| b.content_hash != meta.content_hash || b.content_hash == 0);
        Ok((meta, changed))
    }

    /// Throws the partial snapshot away (the load failed).
    pub fn abandon(self) {
        let partial = self.partial.clone();
        drop(self);
        let _ = fs::remove_file(partial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    #[test]
    fn a_committed_snapshot_reads_back_and_an_abandoned_one_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        assert_eq!(store.read("t", "s", |_| {}).unwrap(), (false, 0));
        let contacts = demo::generate(50, 1);
        let mut w = store.writer("t", "s").unwrap();
        for c in contacts.iter().cloned() {
            w.push(c).unwrap();
        }
        let report = LoadReport {
            contacts: 50,
            ..LoadReport::default()
        };
        w.commit(&report).unwrap();
        let mut back = Vec::new();
        assert_eq!(store.read("t", "s", |c| back.push(c)).unwrap(), (true, 0));
        assert_eq!(back, contacts);
        assert_eq!(store.meta("t", "s").unwrap().contacts, 50);

        let mut w = store.writer("t", "s").unwrap();
        w.push(demo::generate(1, 9).remove(0)).unwrap();
        w.abandon();
        let mut again = Vec::new();
        store.read("t", "s", |c| again.push(c)).unwrap();
        assert_eq!(again.len(), 50);
    }

    #[cfg(unix)]
    #[test]
    fn snapshots_are_private_to_the_service_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        let w = store.writer("t", "s").unwrap();
        w.commit(&LoadReport::default()).unwrap();
        let mode = fs::metadata(dir.path().join("t/s.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    #[test]
    fn damaged_lines_are_counted_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let store = SnapshotStore::new(dir.path());
        let mut w = store.writer("t", "s").unwrap();
        w.push(demo::generate(1, 1).remove(0)).unwrap();
        w.commit(&LoadReport::default()).unwrap();
        let path = dir.path().join("t/s.jsonl");
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str("{not json\n");
        fs::write(&path, text).unwrap();
        let mut n = 0;
        assert_eq!(store.read("t", "s", |_| n += 1).unwrap(), (true, 1));
        assert_eq!(n, 1);
    }
}
