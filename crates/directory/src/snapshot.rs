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

    /// Streams the snapshot's contacts into `f` and says what it found, checked against
    /// the record written beside it: a line that does not parse is skipped, and a file
    /// that is shorter, longer or otherwise not what was written is reported as damaged.
    pub fn read(
        &self,
        tenant: &str,
        source: &str,
        mut f: impl FnMut(Contact),
    ) -> std::io::Result<SnapshotRead> {
        let (data, _, _) = self.paths(tenant, source);
        let file = match File::open(&data) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SnapshotRead {
                    found: false,
                    expected: self.meta(tenant, source).map(|m| m.contacts),
                    ..SnapshotRead::default()
                });
            }
            Err(e) => return Err(e),
        };
        let mut read = SnapshotRead {
            found: true,
            hash: crate::fnv::OFFSET,
            expected: None,
            ..SnapshotRead::default()
        };
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            read.hash = crate::fnv::extend(read.hash, &line);
            match serde_json::from_slice::<Contact>(&line) {
                Ok(c) => {
                    read.contacts += 1;
                    f(c);
                }
                Err(_) => read.damaged += 1,
            }
        }
        let meta = self.meta(tenant, source);
        read.expected = meta.as_ref().map(|m| m.contacts);
        read.intact = meta.is_some_and(|m| {
            m.content_hash == read.hash && m.contacts == read.contacts && read.damaged == 0
        });
        Ok(read)
    }
}

/// What reading a snapshot found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotRead {
    /// There was a snapshot file.
    pub found: bool,
    /// Contacts read from it.
    pub contacts: usize,
    /// Lines that did not parse.
    pub damaged: usize,
    /// Contacts its record says it held; `None` without a record.
    pub expected: Option<usize>,
    /// Exactly what was written: the record's contacts and hash match the file's.
    pub intact: bool,
    /// FNV-1a over the file's bytes, as [`SnapshotMeta::content_hash`]: what the directory
    /// built from it holds.
    pub hash: u64,
}

impl SnapshotRead {
    /// The damage in words for the log, `None` when there is none to report (intact, or
    /// no snapshot and no record of one).
    pub fn damage(&self) -> Option<String> {
        match (self.found, self.expected) {
            (false, None) => None,
            (false, Some(n)) => Some(format!(
                "the snapshot file is missing; its record says it held {n} contacts"
            )),
            (true, None) => Some(format!(
                "the snapshot has no record of what it held (its .meta.json is missing or unreadable); {} contacts read, {} lines unreadable",
                self.contacts, self.damaged
            )),
            (true, Some(_)) if self.intact => None,
            (true, Some(n)) if self.contacts < n => Some(format!(
                "{} of {n} contacts unreadable (the file is truncated or damaged)",
                n - self.contacts
            )),
            (true, Some(n)) => Some(format!(
                "the snapshot does not match its record ({} contacts read, {n} recorded, {} lines unreadable)",
                self.contacts, self.damaged
            )),
        }
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
    /// Makes this the source's snapshot: flushed, synced, renamed over the old one. Whether
    /// its contacts differ from what is served is the caller's to tell, by the hash: not
    /// from the old record, which may describe a snapshot damaged since.
    pub fn commit(self, report: &LoadReport) -> Result<SnapshotMeta, SourceError> {
        let partial = self.partial.clone();
        let committed = self.finish(report);
        if committed.is_err() {
            // A full disk keeps nothing half-written; the old snapshot is untouched.
            let _ = fs::remove_file(partial);
        }
        committed
    }

    fn finish(self, report: &LoadReport) -> Result<SnapshotMeta, SourceError> {
        let partial = self.partial.display().to_string();
        let io = |e: std::io::Error| SourceError::Snapshot(format!("{partial}: {e}"));
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
        let meta_io =
            |e: std::io::Error| SourceError::Snapshot(format!("{}: {e}", self.meta.display()));
        let mut m = private_file(&self.meta).map_err(meta_io)?;
        m.write_all(&serde_json::to_vec(&meta).expect("meta serialises"))
            .map_err(meta_io)?;
        Ok(meta)
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
        let none = store.read("t", "s", |_| {}).unwrap();
        assert!(!none.found && none.damage().is_none());
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
        let read = store.read("t", "s", |c| back.push(c)).unwrap();
        assert!(read.found && read.intact, "{read:?}");
        assert_eq!(read.damage(), None);
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

    /// A snapshot of three contacts, and its path.
    fn three(dir: &Path) -> (SnapshotStore, PathBuf) {
        let store = SnapshotStore::new(dir);
        let mut w = store.writer("t", "s").unwrap();
        for c in demo::generate(3, 1) {
            w.push(c).unwrap();
        }
        let report = LoadReport {
            contacts: 3,
            ..LoadReport::default()
        };
        w.commit(&report).unwrap();
        (store, dir.join("t/s.jsonl"))
    }

    #[test]
    fn damaged_lines_are_counted_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = three(dir.path());
        let mut text = fs::read_to_string(&path).unwrap();
        text.push_str("{not json\n");
        fs::write(&path, text).unwrap();
        let mut n = 0;
        let read = store.read("t", "s", |_| n += 1).unwrap();
        assert_eq!((read.contacts, read.damaged, read.intact), (3, 1, false));
        assert_eq!(n, 3);
        assert!(read.damage().unwrap().contains("does not match its record"));
    }

    /// Every kind of damage is found when the snapshot is read, not only lines that do not
    /// parse: a truncated file whose remaining lines parse, a flipped bit inside a value, a
    /// lost file, a lost or foreign record.
    #[test]
    fn damage_is_found_at_load_and_said_with_the_loss() {
        let damage = |hurt: &dyn Fn(&Path, &Path)| {
            let dir = tempfile::tempdir().unwrap();
            let (store, path) = three(dir.path());
            hurt(&path, &dir.path().join("t/s.meta.json"));
            let read = store.read("t", "s", |_| {}).unwrap();
            assert!(!read.intact, "{read:?}");
            read.damage().expect("damage is reported")
        };
        let cut_after_first_line = |p: &Path, _: &Path| {
            let text = fs::read_to_string(p).unwrap();
            fs::write(p, &text[..text.find('\n').unwrap() + 1]).unwrap();
        };
        assert_eq!(
            damage(&cut_after_first_line),
            "2 of 3 contacts unreadable (the file is truncated or damaged)"
        );
        let cut_mid_line = |p: &Path, _: &Path| {
            let text = fs::read_to_string(p).unwrap();
            fs::write(p, &text[..text.len() / 2]).unwrap();
        };
        assert!(damage(&cut_mid_line).contains("of 3 contacts unreadable"));
        // A bit flipped inside a name: the line still parses, only the hash tells.
        let flip = |p: &Path, _: &Path| {
            let mut bytes = fs::read(p).unwrap();
            let at = bytes.windows(3).position(|w| w == b"\":\"").unwrap() + 4;
            bytes[at] ^= 0x01;
            fs::write(p, bytes).unwrap();
        };
        assert!(damage(&flip).contains("does not match its record (3 contacts read"));
        let delete = |p: &Path, _: &Path| fs::remove_file(p).unwrap();
        assert_eq!(
            damage(&delete),
            "the snapshot file is missing; its record says it held 3 contacts"
        );
        let lose_record = |_: &Path, m: &Path| fs::remove_file(m).unwrap();
        assert!(damage(&lose_record).contains("has no record"));
        let record_of_more = |_: &Path, m: &Path| {
            let text = fs::read_to_string(m).unwrap();
            fs::write(m, text.replace("\"contacts\":3", "\"contacts\":4")).unwrap();
        };
        assert!(damage(&record_of_more).starts_with("1 of 4 contacts unreadable"));
        let record_of_another = |_: &Path, m: &Path| {
            let mut meta: SnapshotMeta = serde_json::from_slice(&fs::read(m).unwrap()).unwrap();
            meta.content_hash ^= 1;
            fs::write(m, serde_json::to_vec(&meta).unwrap()).unwrap();
        };
        assert!(damage(&record_of_another).contains("does not match its record"));
    }
}
