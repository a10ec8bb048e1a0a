//! What a running directory is doing, for `kontakt directory status` and `kontakt status`:
//! the link, the key's fingerprint and the sources, written to
//! `{data_dir}/{tenant}/status.json` every few seconds (by `kontakt directory`, and by
//! `kontakt serve` for each organisation). No contact data: sources are described by counts
//! and problem locations.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kontakt_api::{SourceState, SourceStatus};
use kontakt_directory::snapshot::now_secs;
use serde::{Deserialize, Serialize};

use super::Directory;

const WRITE_EVERY: Duration = Duration::from_secs(5);
/// A status older than this means the directory is not running.
const STALE_AFTER: u64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Connecting,
    Connected,
    Failing,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LinkStatus {
    pub state: LinkState,
    /// Since when (seconds since 1970).
    pub since: u64,
    pub cloud: String,
    /// Why the link was last lost.
    pub last_error: Option<String>,
}

impl LinkStatus {
    pub fn new(cloud: &str) -> Self {
        LinkStatus {
            state: LinkState::Connecting,
            since: now_secs(),
            cloud: cloud.to_owned(),
            last_error: None,
        }
    }

    /// `kontakt serve`: the directory and the cloud are one process; there is no link.
    pub fn in_process() -> Self {
        LinkStatus {
            state: LinkState::Connected,
            since: now_secs(),
            cloud: String::new(),
            last_error: None,
        }
    }

    pub fn set(&mut self, state: LinkState, error: Option<String>) {
        if state != self.state {
            self.state = state;
            self.since = now_secs();
        }
        if error.is_some() {
            self.last_error = error;
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StatusFile {
    pub written_at: u64,
    pub version: String,
    pub tenant: String,
    pub fingerprint: String,
    pub link: LinkStatus,
    pub sources: Vec<SourceStatus>,
}

pub fn path(data_dir: &Path, tenant: &str) -> PathBuf {
    data_dir.join(tenant).join("status.json")
}

/// Writes the status now and every few seconds, for as long as the directory runs.
pub fn spawn_writer(directory: Arc<Directory>, link: Arc<Mutex<LinkStatus>>, file: PathBuf) {
    tokio::spawn(async move {
        loop {
            let status = StatusFile {
                written_at: now_secs(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                tenant: directory.tenant.clone(),
                fingerprint: directory.key().fingerprint,
                link: link.lock().expect("poisoned").clone(),
                sources: directory.sources(),
            };
            let json = serde_json::to_vec_pretty(&status).expect("the status serialises");
            let partial = file.with_extension("json.partial");
            if std::fs::write(&partial, json)
                .and_then(|()| std::fs::rename(&partial, &file))
                .is_err()
            {
                tracing::warn!(path = %file.display(), "cannot write the status file");
            }
            tokio::time::sleep(WRITE_EVERY).await;
        }
    });
}

/// `kontakt directory status` and `kontakt status`, in words; `what` runs (`directory`,
/// `kontakt serve`).
pub fn report(status: Option<&StatusFile>, what: &str, fingerprint: &str, now: u64) -> String {
    let mut out = String::new();
    let Some(s) = status else {
        out.push_str(&format!("{what}: not running here (no status file yet)\n"));
        out.push_str(&format!("key fingerprint: {fingerprint}\n"));
        return out;
    };
    let age = now.saturating_sub(s.written_at);
    if age > STALE_AFTER {
        out.push_str(&format!(
            "{what}: not running (last status {} ago)\n",
            ago(age)
        ));
    } else {
        out.push_str(&format!("{what}: running, version {}\n", s.version));
    }
    out.push_str(&format!("tenant: {}\n", s.tenant));
    out.push_str(&format!("key fingerprint: {fingerprint}\n"));
    let state = match s.link.state {
        LinkState::Connected => "connected",
        LinkState::Connecting => "connecting",
        LinkState::Failing => "failing",
    };
    if !s.link.cloud.is_empty() {
        out.push_str(&format!(
            "link: {state} to {} for {}\n",
            s.link.cloud,
            ago(s.written_at.saturating_sub(s.link.since))
        ));
        if let Some(e) = &s.link.last_error {
            out.push_str(&format!("  last lost: {e}\n"));
        }
    }
    out.push_str("sources:\n");
    for source in &s.sources {
        let state = match source.state {
            SourceState::Ok => "ok",
            SourceState::Loading => "loading",
            SourceState::Failing => "FAILING",
        };
        let read = source.last_success.map_or_else(
            || String::from("never read"),
            |t| format!("read {} ago", ago(now.saturating_sub(t))),
        );
        out.push_str(&format!(
            "  {} ({}, {}): {state}, {read}; {} records: {} contacts, {} skipped; {} values left out\n",
            source.id, source.kind, source.name, source.records, source.contacts, source.skipped, source.dropped
        ));
        for p in source.problems.iter().take(3) {
            out.push_str(&format!("    skipped {p}\n"));
        }
        if let Some(e) = &source.last_error {
            out.push_str(&format!("    last error: {e}\n"));
        }
    }
    out
}

/// Running (a fresh status) with every source read successfully.
pub fn healthy(status: Option<&StatusFile>, now: u64) -> bool {
    status.is_some_and(|s| {
        now.saturating_sub(s.written_at) <= STALE_AFTER
            && s.sources
                .iter()
                .all(|source| source.state != SourceState::Failing)
    })
}

fn ago(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

pub fn read(path: &Path) -> Option<StatusFile> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(written_at: u64, states: &[SourceState]) -> StatusFile {
        StatusFile {
            written_at,
            version: String::from("1.0.0"),
            tenant: String::from("t"),
            fingerprint: String::from("f"),
            link: LinkStatus::in_process(),
            sources: states
                .iter()
                .enumerate()
                .map(|(i, &state)| SourceStatus {
                    id: format!("s{i}"),
                    name: format!("Source {i}"),
                    kind: String::from("csv"),
                    state,
                    records: 0,
                    contacts: 0,
                    skipped: 0,
                    problems: Vec::new(),
                    dropped: 0,
                    drops: Vec::new(),
                    last_success: None,
                    last_attempt: None,
                    last_error: (state == SourceState::Failing).then(|| String::from("gone")),
                    refresh_secs: 900,
                })
                .collect(),
        }
    }

    /// `kontakt status` exits 1 for a script or a monitoring check when something is wrong.
    #[test]
    fn healthy_means_running_with_no_source_failing() {
        let now = 1_000_000;
        assert!(healthy(
            Some(&status(now - 5, &[SourceState::Ok, SourceState::Loading])),
            now
        ));
        assert!(!healthy(
            Some(&status(now - 5, &[SourceState::Ok, SourceState::Failing])),
            now
        ));
        assert!(
            !healthy(Some(&status(now - 31, &[SourceState::Ok])), now),
            "stale: not running"
        );
        assert!(!healthy(None, now), "never ran here");
        // kontakt serve has no link: no link line, the last error of the source is shown.
        let text = report(
            Some(&status(now - 5, &[SourceState::Failing])),
            "kontakt serve",
            "f",
            now,
        );
        assert!(
            text.starts_with("kontakt serve: running, version 1.0.0\n"),
            "{text}"
        );
        assert!(
            !text.contains("link:")
                && text.contains("FAILING")
                && text.contains("last error: gone"),
            "{text}"
        );
    }
}
