//! Where contacts come from: CSV exports, vCard files, LDAP / Active Directory, and the demo
//! generator. Each source streams its contacts into a sink and reports bad rows without
//! giving up on the good ones.

pub mod csv;
pub mod demo;
pub mod ldap;
pub mod mapping;
pub mod vcard;

use std::path::PathBuf;
use std::time::Duration;

use kontakt_api::{Contact, Phone};
use serde::Deserialize;

pub use mapping::{ColumnMapping, PhoneColumn, Preset};

/// One configured source. Its `id` is part of every contact id (`{source id}:{entry id}`),
/// so it must never change once users have pinned favourites from it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum SourceConfig {
    Csv(csv::CsvSource),
    Vcard(vcard::VcardSource),
    Ldap(ldap::LdapSource),
    Demo(demo::DemoSource),
}

/// Sources are read every 15 minutes unless configured otherwise.
pub fn default_refresh() -> Duration {
    Duration::from_secs(15 * 60)
}

impl SourceConfig {
    pub fn id(&self) -> &str {
        match self {
            SourceConfig::Csv(s) => &s.id,
            SourceConfig::Vcard(s) => &s.id,
            SourceConfig::Ldap(s) => &s.id,
            SourceConfig::Demo(s) => &s.id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            SourceConfig::Csv(s) => &s.name,
            SourceConfig::Vcard(s) => &s.name,
            SourceConfig::Ldap(s) => &s.name,
            SourceConfig::Demo(s) => &s.name,
        }
    }

    pub fn refresh(&self) -> Duration {
        match self {
            SourceConfig::Csv(s) => s.refresh,
            SourceConfig::Vcard(s) => s.refresh,
            SourceConfig::Ldap(s) => s.refresh,
            SourceConfig::Demo(s) => s.refresh,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            SourceConfig::Csv(_) => "csv",
            SourceConfig::Vcard(_) => "vcard",
            SourceConfig::Ldap(_) => "ldap",
            SourceConfig::Demo(_) => "demo",
        }
    }

    /// Reads every contact of the source into `sink`.
    pub async fn load(&self, sink: &mut dyn ContactSink) -> Result<LoadReport, SourceError> {
        let source = kontakt_api::SourceRef {
            id: self.id().to_owned(),
            name: self.name().to_owned(),
        };
        let mut report = LoadReport::default();
        match self {
            SourceConfig::Csv(s) => {
                blocking(|| s.read(&source, &mut report, &mut |c| sink.push(c)))?
            }
            SourceConfig::Vcard(s) => {
                blocking(|| s.read(&source, &mut report, &mut |c| sink.push(c)))?
            }
            SourceConfig::Demo(s) => {
                blocking(|| s.read(&source, &mut report, &mut |c| sink.push(c)))?
            }
            SourceConfig::Ldap(s) => s.read(&source, &mut report, sink).await?,
        }
        Ok(report)
    }
}

/// Runs file parsing without stalling other tasks of a multi-threaded runtime.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// Where a source puts the contacts it reads.
pub trait ContactSink: Send {
    fn push(&mut self, contact: Contact) -> Result<(), SourceError>;
}

impl<F: FnMut(Contact) -> Result<(), SourceError> + Send> ContactSink for F {
    fn push(&mut self, contact: Contact) -> Result<(), SourceError> {
        self(contact)
    }
}

/// Most problems kept per load; more are counted, not listed.
pub const MAX_PROBLEMS: usize = 100;

/// A row or entry that was skipped, and why. Never contains contact data: it goes to logs
/// and to the status endpoint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// `line 17`, `card 4`, `entry CN=…`.
    pub location: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LoadReport {
    pub contacts: usize,
    pub skipped: usize,
    /// The first [`MAX_PROBLEMS`] skipped rows.
    pub problems: Vec<Problem>,
}

impl LoadReport {
    pub fn skip(&mut self, location: String, reason: impl Into<String>) {
        self.skipped += 1;
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(Problem {
                location,
                reason: reason.into(),
            });
        }
    }
}

/// Why a whole source could not be read. The previous snapshot keeps being served.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{0}")]
    Config(String),
    #[error("LDAP: {0}")]
    Ldap(String),
    #[error("writing the snapshot failed: {0}")]
    Snapshot(String),
    #[error("{0}")]
    Internal(String),
}

/// A stable id for an entry without one: FNV-1a over what identifies the person, so the
/// same row gets the same id on every refresh and every machine.
pub fn content_id(parts: &[&str]) -> String {
    let hash = parts.iter().fold(crate::fnv::OFFSET, |hash, part| {
        // A unit separator after each part, so ("ab", "c") and ("a", "bc") differ.
        crate::fnv::extend(crate::fnv::extend(hash, part.as_bytes()), &[0x1f])
    });
    format!("{hash:016x}")
}

/// The id of an entry whose source gives none: from its name, first email, company and
/// first number, the same way for every source type.
pub fn derived_id(
    display_name: &str,
    emails: &[String],
    company: Option<&str>,
    phones: &[Phone],
) -> String {
    content_id(&[
        display_name,
        emails.first().map_or("", String::as_str),
        company.unwrap_or(""),
        phones.first().map_or("", |p| p.raw.as_str()),
    ])
}

/// Display name from parts, when the source has none: honorific, given, middle, surname.
pub fn compose_name(parts: &[Option<&str>]) -> Option<String> {
    let words: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// `Some(trimmed)` unless empty.
pub fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ids_are_stable_and_distinguish_parts() {
        assert_eq!(
            content_id(&["Anna", "a@b.c"]),
            content_id(&["Anna", "a@b.c"])
        );
        assert_ne!(
            content_id(&["Ann", "aa@b.c"]),
            content_id(&["Anna", "a@b.c"])
        );
        assert_eq!(content_id(&["x"]).len(), 16);
        // Ids derived this way are in snapshots and users' favourites: the value must never
        // change (computed independently as FNV-1a of "Anna␟a@x.de␟␟␟").
        assert_eq!(content_id(&["Anna", "a@x.de", "", ""]), "f175ec7554958a83");
    }

    #[test]
    fn source_config_is_tagged_by_type_and_rejects_unknown_keys() {
        let csv: SourceConfig = toml::from_str(
            r#"type = "csv"
               id = "crm"
               name = "CRM"
               path = "/srv/crm.csv"
               refresh = "5m""#,
        )
        .unwrap();
        assert_eq!(csv.id(), "crm");
        assert_eq!(csv.refresh(), Duration::from_secs(300));
        let err = toml::from_str::<SourceConfig>(
            r#"type = "csv"
               id = "crm"
               name = "CRM"
               path = "/srv/crm.csv"
               delimeter = ";""#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("delimeter"), "{err}");
    }
}
