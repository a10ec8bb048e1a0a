//! One tenant's directory over time: its sources refresh on their own schedules into
//! snapshots, and the searchable [`Directory`] is rebuilt from the last good snapshot of
//! every source and swapped in without pausing searches — or, when a refresh changed only
//! a few contacts, those are applied to the directory being served ([`Served`]).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
pub use kontakt_api::{SourceState, SourceStatus};

use crate::Directory;
use crate::phone::{DialingError, DialingParams, PhoneNormalizer};
use crate::served::{Changes, Served};
use crate::snapshot::{SnapshotStore, now_secs};
use crate::sources::{LoadReport, Source, SourceError};

/// What a refresh changed against the directory it was compared with, when few did.
type Compared = Option<(Arc<Served>, Changes)>;

/// A failed source is tried again this soon (or at its own interval, if shorter).
const RETRY_AFTER: Duration = Duration::from_secs(60);
/// Problems listed per source in its status; the rest are counted.
const STATUS_PROBLEMS: usize = 20;

pub struct TenantDirectory {
    /// How this tenant appears in logs (a hash, not its id).
    label: String,
    tenant: String,
    dialing: DialingParams,
    sources: Vec<Source>,
    store: SnapshotStore,
    current: ArcSwap<Served>,
    /// Per source, the hash of the snapshot the current directory was built from (0: none,
    /// or damaged): a refresh that read the same rebuilds nothing, whatever the records on
    /// disk say.
    served: Mutex<Vec<u64>>,
    status: Mutex<Vec<SourceStatus>>,
    rebuilding: tokio::sync::Mutex<()>,
}

impl TenantDirectory {
    /// Builds the directory from whatever snapshots exist, at once: after a restart the
    /// tenant is searchable before any source has answered.
    pub fn open(
        label: &str,
        tenant: &str,
        dialing: DialingParams,
        sources: Vec<Source>,
        store: SnapshotStore,
    ) -> Result<Self, DialingError> {
        let normalizer = PhoneNormalizer::new(&dialing)?;
        let status = sources
            .iter()
            .map(|s| {
                let meta = store.meta(tenant, &s.id);
                SourceStatus {
                    id: s.id.to_owned(),
                    name: s.name.to_owned(),
                    kind: s.kind_name().to_owned(),
                    state: if meta.is_some() {
                        SourceState::Ok
                    } else {
                        SourceState::Loading
                    },
                    records: meta.as_ref().map_or(0, |m| m.records as u64),
                    contacts: meta.as_ref().map_or(0, |m| m.contacts as u64),
                    skipped: meta.as_ref().map_or(0, |m| m.skipped as u64),
                    problems: Vec::new(),
                    dropped: meta.as_ref().map_or(0, |m| m.dropped as u64),
                    drops: Vec::new(),
                    last_success: meta.map(|m| m.loaded_at),
                    last_attempt: None,
                    last_error: None,
                    refresh_secs: s.refresh.as_secs(),
                }
            })
            .collect::<Vec<_>>();
        let (directory, served) = build_from_snapshots(label, tenant, &sources, &store, normalizer);
        // A damaged snapshot counts as none: its source is read at once, and start-up waits
        // for it as for a new source.
        let mut status = status;
        for (s, (hash, contacts)) in status.iter_mut().zip(&served) {
            if *hash == 0 {
                s.state = SourceState::Loading;
                s.last_success = None;
                s.contacts = *contacts as u64;
            }
        }
        let served = served.into_iter().map(|(hash, _)| hash).collect();
        Ok(TenantDirectory {
            label: label.to_owned(),
            tenant: tenant.to_owned(),
            dialing,
            sources,
            store,
            current: ArcSwap::from_pointee(Served::new(directory)),
            served: Mutex::new(served),
            status: Mutex::new(status),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// The directory to search now. Cheap; holds it alive for the caller.
    pub fn directory(&self) -> Arc<Served> {
        self.current.load_full()
    }

    pub fn status(&self) -> Vec<SourceStatus> {
        self.status.lock().expect("poisoned").clone()
    }

    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Sources without any snapshot yet (nothing of them is searchable).
    pub fn never_loaded(&self) -> Vec<usize> {
        self.status()
            .iter()
            .enumerate()
            .filter(|(_, s)| s.last_success.is_none())
            .map(|(i, _)| i)
            .collect()
    }

    /// Reads source `index` now. On success its snapshot is replaced and the directory
    /// rebuilt; on failure the old snapshot stays and keeps being served.
    pub async fn refresh(&self, index: usize) -> Result<LoadReport, SourceError> {
        let source = &self.sources[index];
        self.update(index, |s| s.last_attempt = Some(now_secs()));
        let (result, changes) = match self.load(source).await {
            Ok((report, hash, changes)) => (Ok((report, hash)), changes),
            Err(e) => (Err(e), None),
        };
        match &result {
            Ok((report, hash)) => {
                if report.skipped > 0 {
                    tracing::warn!(
                        tenant = %self.label,
                        source = %source.id,
                        skipped = report.skipped,
                        first = %report.problems[0],
                        "source records skipped"
                    );
                }
                if report.dropped > 0 {
                    tracing::warn!(
                        tenant = %self.label,
                        source = %source.id,
                        dropped = report.dropped,
                        first = %report.drops[0],
                        "values left out of contacts"
                    );
                }
                tracing::info!(
                    tenant = %self.label,
                    source = %source.id,
                    records = report.records,
                    contacts = report.contacts,
                    skipped = report.skipped,
                    dropped = report.dropped,
                    "source loaded"
                );
                self.update(index, |s| {
                    s.state = SourceState::Ok;
                    s.records = report.records as u64;
                    s.contacts = report.contacts as u64;
                    s.skipped = report.skipped as u64;
                    s.problems = report
                        .problems
                        .iter()
                        .take(STATUS_PROBLEMS)
                        .cloned()
                        .collect();
                    s.dropped = report.dropped as u64;
                    s.drops = report.drops.iter().take(STATUS_PROBLEMS).cloned().collect();
                    s.last_success = Some(now_secs());
                    s.last_error = None;
                });
                // The same contacts as the directory holds: nothing to rebuild.
                let served = self.served.lock().expect("poisoned")[index];
                if *hash != served {
                    self.update_directory(index, *hash, changes).await;
                }
            }
            Err(e) => {
                // One look at the status: whether anything of this source is served, and
                // whether any source of the organisation still is.
                let (served, all_failing) = {
                    let mut status = self.status.lock().expect("poisoned");
                    let served = status[index].last_success.is_some();
                    status[index].state = SourceState::Failing;
                    status[index].last_error = Some(e.to_string());
                    let all = status.iter().all(|s| s.state == SourceState::Failing);
                    (served, all)
                };
                if served {
                    tracing::warn!(tenant = %self.label, source = source.id, error = %e, "source refresh failed; serving the last snapshot");
                } else {
                    // Never say "the last snapshot" when there is none (issue 19).
                    tracing::error!(tenant = %self.label, source = source.id, error = %e, "source refresh failed, and there is no snapshot of it: none of its contacts are served");
                }
                if all_failing && self.directory().is_empty() {
                    tracing::error!(
                        tenant = %self.label,
                        sources = self.sources.len(),
                        "this organisation serves no contacts: every source failed and none has a snapshot; its users find nobody until a source is read"
                    );
                }
            }
        }
        result.map(|(report, _)| report)
    }

    /// Loads a source into a new snapshot, and says the snapshot's hash and — when few —
    /// what changed against the directory being served (with the directory they are
    /// changes to).
    async fn load(&self, source: &Source) -> Result<(LoadReport, u64, Compared), SourceError> {
        let mut writer = self.store.writer(&self.tenant, &source.id)?;
        let against = self.current.load_full();
        let mut tracker = against.tracker(
            &source.id,
            against.change_limit().saturating_sub(against.changes()),
        );
        let mut sink = |contact: kontakt_api::Contact| {
            tracker.note(&contact);
            crate::sources::ContactSink::push(&mut writer, contact)
        };
        let loaded = source.load(&mut sink).await;
        let changes = tracker.finish();
        match loaded {
            Ok(report) => {
                let meta = writer.commit(&report)?;
                let compared = changes.map(|c| (Arc::clone(&against), c));
                Ok((report, meta.content_hash, compared))
            }
            Err(e) => {
                writer.abandon();
                Err(e)
            }
        }
    }

    /// Source `index` now reads as its snapshot with hash `hash`: applies `changes` to the
    /// directory being served when there are few and nothing else changed it meanwhile,
    /// else rebuilds from the snapshots.
    async fn update_directory(&self, index: usize, hash: u64, changes: Compared) {
        let one_at_a_time = self.rebuilding.lock().await;
        let current = self.current.load_full();
        let Some((against, changes)) =
            changes.filter(|(against, _)| Arc::ptr_eq(against, &current))
        else {
            drop(one_at_a_time);
            return self.rebuild().await;
        };
        let started = std::time::Instant::now();
        let count = changes.len();
        let applied = tokio::task::spawn_blocking(move || against.apply(changes)).await;
        match applied {
            Ok(next) => {
                tracing::info!(
                    tenant = %self.label,
                    source = %self.sources[index].id,
                    changes = count,
                    contacts = next.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "changes applied to the directory"
                );
                let old = self.current.swap(Arc::new(next));
                free_when_unused(old);
                self.served.lock().expect("poisoned")[index] = hash;
            }
            Err(e) => {
                tracing::error!(tenant = %self.label, error = %e, "applying changes failed; rebuilding");
                drop(one_at_a_time);
                self.rebuild().await;
            }
        }
    }

    /// A new directory from every source's snapshot, swapped in when complete.
    async fn rebuild(&self) {
        let _one_at_a_time = self.rebuilding.lock().await;
        let normalizer = match PhoneNormalizer::new(&self.dialing) {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(tenant = %self.label, error = %e, "dialling parameters became invalid");
                return;
            }
        };
        let (label, tenant, sources, store) = (
            self.label.clone(),
            self.tenant.clone(),
            self.sources.clone(),
            self.store.clone(),
        );
        let started = std::time::Instant::now();
        let built = tokio::task::spawn_blocking(move || {
            build_from_snapshots(&label, &tenant, &sources, &store, normalizer)
        })
        .await;
        match built {
            Ok((directory, served)) => {
                tracing::info!(
                    tenant = %self.label,
                    contacts = directory.len(),
                    ms = started.elapsed().as_millis() as u64,
                    "directory rebuilt"
                );
                let old = self.current.swap(Arc::new(Served::new(directory)));
                free_when_unused(old);
                *self.served.lock().expect("poisoned") =
                    served.into_iter().map(|(hash, _)| hash).collect();
            }
            Err(e) => {
                tracing::error!(tenant = %self.label, error = %e, "rebuilding the directory failed")
            }
        }
    }

    fn update(&self, index: usize, f: impl FnOnce(&mut SourceStatus)) {
        if let Some(s) = self.status.lock().expect("poisoned").get_mut(index) {
            f(s);
        }
    }

    /// Keeps every source fresh: each on its own interval, failures retried sooner.
    pub fn spawn_refreshers(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        (0..self.sources.len())
            .map(|i| {
                let this = Arc::clone(self);
                tokio::spawn(async move {
                    let interval = this.sources[i].refresh;
                    // A source with a fresh snapshot waits for its turn; others load now.
                    if let Some(last) = this.status()[i].last_success {
                        let age = Duration::from_secs(now_secs().saturating_sub(last));
                        tokio::time::sleep(interval.saturating_sub(age)).await;
                    }
                    loop {
                        let wait = match this.refresh(i).await {
                            Ok(_) => interval,
                            Err(_) => interval.min(RETRY_AFTER),
                        };
                        tokio::time::sleep(wait).await;
                    }
                })
            })
            .collect()
    }
}

/// The directory from every source's snapshot, and per source the hash of what it holds
/// (0 where the snapshot is missing or damaged, so that the next reading of the source
/// rebuilds whatever its content) and the contacts read.
fn build_from_snapshots(
    label: &str,
    tenant: &str,
    sources: &[Source],
    store: &SnapshotStore,
    normalizer: PhoneNormalizer,
) -> (Directory, Vec<(u64, usize)>) {
    let mut builder = Directory::builder(normalizer);
    let mut served = Vec::with_capacity(sources.len());
    for s in sources {
        match store.read(tenant, &s.id, |c| builder.push(c)) {
            Ok(read) => {
                if let Some(damage) = read.damage() {
                    tracing::error!(
                        tenant = %label,
                        source = s.id,
                        contacts = read.contacts,
                        damage,
                        "damaged snapshot: serving what could be read and reading the source again"
                    );
                }
                served.push((if read.intact { read.hash } else { 0 }, read.contacts));
            }
            Err(e) => {
                tracing::error!(tenant = %label, source = s.id, error = %e, "snapshot unreadable; the source's next reading replaces it");
                served.push((0, 0));
            }
        }
    }
    (builder.finish(), served)
}

/// Frees a directory that was swapped out once the searches still running on it are done,
/// on a thread of its own. Otherwise whichever search finished last would free it — a
/// million contacts take tens of milliseconds — and its user would wait for that.
fn free_when_unused(old: Arc<Served>) {
    tokio::task::spawn_blocking(move || {
        // Searches take milliseconds; one holding on longer (a benchmark) frees it itself.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while Arc::strong_count(&old) > 1 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let _bulk = crate::memory::bulk();
        drop(old);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo;

    fn csv_source(path: &std::path::Path) -> Source {
        toml::from_str(&format!(
            "type = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = {:?}\n",
            path.display().to_string()
        ))
        .unwrap()
    }

    /// Tenant `tenant` (shown as `t`) with the one CSV source `csv`, snapshots in `data`.
    fn open_csv(data: &std::path::Path, csv: &std::path::Path) -> TenantDirectory {
        TenantDirectory::open(
            "t",
            "tenant",
            demo::dialing(),
            vec![csv_source(csv)],
            SnapshotStore::new(data),
        )
        .unwrap()
    }

    fn demo_source() -> Source {
        toml::from_str("type = \"demo\"\nid = \"demo\"\nname = \"Demo\"\nsize = 30\n").unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_source_keeps_its_last_snapshot_and_a_restart_serves_it_at_once() {
        let data = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let csv = files.path().join("crm.csv");
        std::fs::write(
            &csv,
            "First Name,Last Name,Company\nAnna,Berg,Alpen AG\nJürgen,Müller,Isar KG\n",
        )
        .unwrap();
        let store = SnapshotStore::new(data.path());
        let t = TenantDirectory::open(
            "t1",
            "tenant",
            demo::dialing(),
            vec![csv_source(&csv), demo_source()],
            store.clone(),
        )
        .unwrap();
        assert_eq!(t.directory().len(), 0);
        assert_eq!(t.never_loaded(), [0, 1]);
        t.refresh(0).await.unwrap();
        t.refresh(1).await.unwrap();
        assert_eq!(t.directory().len(), 32);
        assert_eq!(
            t.directory().search("müller isar", 5).hits[0]
                .contact
                .display_name,
            "Jürgen Müller"
        );

        // The CSV disappears: the refresh fails, the status says so, the contacts stay.
        std::fs::remove_file(&csv).unwrap();
        let err = t.refresh(0).await.unwrap_err().to_string();
        assert!(err.contains("crm.csv"), "{err}");
        let status = t.status();
        assert_eq!(status[0].state, SourceState::Failing);
        assert!(
            status[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("cannot read")
        );
        assert_eq!((status[0].records, status[0].contacts), (2, 2));
        assert_eq!(t.directory().len(), 32);

        // A restart (a new TenantDirectory over the same store) serves both sources before
        // any of them is read again.
        let again = TenantDirectory::open(
            "t1",
            "tenant",
            demo::dialing(),
            vec![csv_source(&csv), demo_source()],
            store,
        )
        .unwrap();
        assert_eq!(again.directory().len(), 32);
        assert!(again.never_loaded().is_empty());
        assert_eq!(again.status()[0].state, SourceState::Ok);
        // The counts of the last read survive the restart with the snapshot.
        assert_eq!(
            (again.status()[0].records, again.status()[0].contacts),
            (2, 2)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unchanged_source_does_not_rebuild_the_directory() {
        let data = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let csv = files.path().join("crm.csv");
        std::fs::write(&csv, "First Name,Last Name\nAnna,Berg\n").unwrap();
        let t = TenantDirectory::open(
            "t",
            "tenant",
            demo::dialing(),
            vec![csv_source(&csv)],
            SnapshotStore::new(data.path()),
        )
        .unwrap();
        t.refresh(0).await.unwrap();
        let first = t.directory();
        t.refresh(0).await.unwrap();
        assert!(
            Arc::ptr_eq(&first, &t.directory()),
            "same contacts, same directory"
        );
        std::fs::write(&csv, "First Name,Last Name\nAnna,Berg-Lund\n").unwrap();
        t.refresh(0).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &t.directory()));
        assert_eq!(t.directory().search("berg-lund", 1).total, 1);
    }

    /// Issue 17: a refresh that finds few changes applies them to the directory being
    /// served; many changes rebuild. Either way it answers as a directory built afresh from
    /// the same file — here the one a restart builds from the snapshots.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn few_changes_are_applied_many_rebuild_and_both_answer_as_a_fresh_build() {
        let data = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let csv = files.path().join("crm.csv");
        let people = demo::generate(3_000, 5);
        let write = |rename: &dyn Fn(usize) -> bool, drop: &dyn Fn(usize) -> bool| {
            let mut text = String::from("First Name,Last Name,Company,Business Phone\n");
            for (i, c) in people.iter().enumerate() {
                if drop(i) {
                    continue;
                }
                let surname = c.surname.clone().unwrap_or_default();
                let surname = if rename(i) {
                    format!("{surname}-Quaxolm")
                } else {
                    surname
                };
                text.push_str(&format!(
                    "{},{},{},{}\n",
                    c.given_name.clone().unwrap_or_default(),
                    surname,
                    c.company.clone().unwrap_or_default().replace(',', " "),
                    c.phones.first().map(|p| p.raw.clone()).unwrap_or_default()
                ));
            }
            std::fs::write(&csv, text).unwrap();
        };
        let open = || open_csv(data.path(), &csv);
        let same_answers = |a: &Served, b: &Served| {
            assert_eq!(a.len(), b.len());
            for q in [
                "quaxolm",
                "a",
                "mül",
                "berg",
                "0891",
                &people[7].display_name,
            ] {
                let (x, y) = (a.search(q, 25), b.search(q, 25));
                assert_eq!(x.total, y.total, "{q}");
                assert_eq!(x.hits, y.hits, "{q}");
            }
        };
        write(&|_| false, &|_| false);
        let t = open();
        t.refresh(0).await.unwrap();
        assert_eq!(t.directory().changes(), 0);

        // 30 renamed, 5 gone: applied.
        write(&|i| i % 100 == 1, &|i| i % 600 == 2);
        t.refresh(0).await.unwrap();
        let served = t.directory();
        assert_eq!(served.search("quaxolm", 100).total, 30);
        assert_eq!(served.len(), 2_995);
        assert!(served.changes() > 0, "applied, not rebuilt");
        same_answers(&served, &open().directory());

        // 2,100 renamed (more than the limit of 2,000 changes held apart): rebuilt.
        write(&|i| i % 10 < 7, &|_| false);
        t.refresh(0).await.unwrap();
        let served = t.directory();
        assert_eq!(served.changes(), 0, "rebuilt");
        assert_eq!(served.search("quaxolm", 1).total, 2_100);
        same_answers(&served, &open().directory());
    }

    /// Issue 20: a damaged snapshot hid a source's contacts until the source changed,
    /// because the refresh compared the source's hash with the damaged file's record.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_damaged_snapshot_is_repaired_by_the_next_reading_of_an_unchanged_source() {
        let data = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let csv = files.path().join("crm.csv");
        std::fs::write(
            &csv,
            "First Name,Last Name\nAnna,Berg\nJürgen,Müller\nEva,Wüst\n",
        )
        .unwrap();
        let open = || open_csv(data.path(), &csv);
        open().refresh(0).await.unwrap();
        let snapshot = data.path().join("tenant/crm.jsonl");
        let hurts: [(&str, &dyn Fn()); 3] = [
            ("truncated", &|| {
                let text = std::fs::read_to_string(&snapshot).unwrap();
                std::fs::write(&snapshot, &text[..text.len() / 3]).unwrap();
            }),
            ("emptied", &|| std::fs::write(&snapshot, "").unwrap()),
            ("deleted", &|| std::fs::remove_file(&snapshot).unwrap()),
        ];
        for (what, hurt) in hurts {
            hurt();
            // The restart serves what could be read (less than 3), and reads the source at
            // once rather than at its next interval, ...
            let t = open();
            assert!(t.directory().len() < 3, "{what}");
            assert_eq!(t.never_loaded(), [0], "{what}");
            // ... and the next reading of the unchanged source brings all three back.
            t.refresh(0).await.unwrap();
            assert_eq!(t.directory().len(), 3, "{what}: repaired");
            assert_eq!(t.directory().search("wüst", 1).total, 1, "{what}");
            // Repaired means intact again: a restart serves all three at once.
            assert_eq!(open().directory().len(), 3, "{what}: after the repair");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refreshers_pick_up_changes() {
        let data = tempfile::tempdir().unwrap();
        let files = tempfile::tempdir().unwrap();
        let csv = files.path().join("crm.csv");
        std::fs::write(&csv, "First Name,Last Name\nAnna,Berg\n").unwrap();
        let mut source = csv_source(&csv);
        source.refresh = Duration::from_millis(200);
        let t = Arc::new(
            TenantDirectory::open(
                "t",
                "tenant",
                demo::dialing(),
                vec![source],
                SnapshotStore::new(data.path()),
            )
            .unwrap(),
        );
        let tasks = t.spawn_refreshers();
        let wait_for = |n: usize| {
            let t = Arc::clone(&t);
            async move {
                for _ in 0..100 {
                    if t.directory().len() == n {
                        return true;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                false
            }
        };
        assert!(wait_for(1).await);
        std::fs::write(&csv, "First Name,Last Name\nAnna,Berg\nLena,Meier\n").unwrap();
        assert!(wait_for(2).await);
        for task in tasks {
            task.abort();
        }
    }
}
