//! Where contacts come from: CSV exports, vCard files, LDAP / Active Directory, SQL databases
//! through ODBC, and the demo generator.
//!
//! A configured [`Source`] is what every kind shares (id, name, refresh interval) plus its
//! [`SourceKind`]. Each kind is one file with a [`Reader`]: it checks its own settings,
//! resolves its own paths, and turns what it reads into [`Entry`] values for an [`Emitter`],
//! which owns everything kinds have in common — ids, duplicates, counting, the load report.
//! `docs/sources.md` says how to add a kind.

pub mod csv;
pub mod demo;
mod emit;
pub mod ldap;
pub mod mapping;
pub mod odbc;
mod timed_read;
pub mod vcard;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use kontakt_api::SourceRef;
use serde::Deserialize;

use crate::check::Problems;
pub use emit::{
    ContactSink, Emitter, Entry, LoadReport, MAX_PROBLEMS, compose_name, content_id, email_address,
    is_phone_number, non_empty,
};
pub use mapping::{ColumnMapping, PhoneColumn, Preset};

/// One configured source. Its `id` is part of every contact id (`{source id}:{entry id}`),
/// so it must never change once users have pinned favourites from it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Source {
    pub id: String,
    pub name: String,
    /// How often the source is read again.
    #[serde(default = "default_refresh", with = "humantime_serde")]
    pub refresh: Duration,
    /// Everything else in the table belongs to the kind named by `type`; a key no kind
    /// knows is refused there.
    #[serde(flatten)]
    pub kind: SourceKind,
}

/// Sources are read every 15 minutes unless configured otherwise.
pub fn default_refresh() -> Duration {
    Duration::from_secs(15 * 60)
}

/// What a source kind does; one file per kind implements it.
pub trait Reader: Send + Sync {
    /// The fields a contact's name comes from, as the source calls them: a record without
    /// any of them is skipped with this in the reason ("no name: FN, N and ORG are empty").
    fn name_fields(&self) -> &'static str;

    /// Whether the kind's ids are unique by construction, so duplicates need not be looked
    /// for (true only for generated records).
    fn unique_ids(&self) -> bool {
        false
    }

    /// Adds what is wrong with the kind's own settings (keys relative to the source's table).
    fn check(&self, production: bool, problems: &mut Problems);

    /// Adds what is wrong between the settings and what the source holds, when that can be
    /// seen cheaply (a CSV file's header against the column mapping): for `check-config`,
    /// which should catch a mistake before the first refresh does. Never run at start: a
    /// source that changed must not keep the whole service from starting.
    fn check_contents(&self, problems: &mut Problems) {
        let _ = problems;
    }

    /// Relative paths in a configuration file mean relative to that file's folder.
    fn resolve_paths(&mut self, base: &Path) {
        let _ = base;
    }

    /// Reads every record of the source into `out`.
    fn read<'a>(&'a self, out: &'a mut Emitter<'_>) -> Reading<'a>;
}

/// A read in progress: sources on the network are async, file readers run inside
/// [`blocking`].
pub type Reading<'a> = Pin<Box<dyn Future<Output = Result<(), SourceError>> + Send + 'a>>;

/// Declares the kinds: each line is the `type` written in the configuration, the variant
/// and the reader. Adding a kind is a new file and one line here.
macro_rules! source_kinds {
    ($($tag:literal => $variant:ident($reader:ty),)*) => {
        /// The kind of a source, by its `type` key.
        #[derive(Clone, Debug, PartialEq, Deserialize)]
        #[serde(tag = "type")]
        pub enum SourceKind {
            $(#[serde(rename = $tag)] $variant($reader),)*
        }

        impl SourceKind {
            /// The `type` as written in the configuration (`csv`, `ldap`, …).
            pub fn name(&self) -> &'static str {
                match self { $(SourceKind::$variant(_) => $tag,)* }
            }

            pub fn reader(&self) -> &dyn Reader {
                match self { $(SourceKind::$variant(r) => r,)* }
            }

            pub fn reader_mut(&mut self) -> &mut dyn Reader {
                match self { $(SourceKind::$variant(r) => r,)* }
            }
        }
    };
}

source_kinds! {
    "csv" => Csv(csv::CsvSource),
    "vcard" => Vcard(vcard::VcardSource),
    "ldap" => Ldap(ldap::LdapSource),
    "odbc" => Odbc(odbc::OdbcSource),
    "demo" => Demo(demo::DemoSource),
}

impl Source {
    /// `csv`, `vcard`, `ldap`, `demo`.
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }

    /// Which source contacts of this one name.
    pub fn reference(&self) -> SourceRef {
        SourceRef {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }

    /// Everything wrong with this source's settings, at keys relative to its table. Ids
    /// unique within a tenant are the caller's business.
    pub fn check(&self, production: bool, problems: &mut Problems) {
        if !valid_source_id(&self.id) {
            problems.error(
                "id",
                format!(
                    "{:?}: use 1 to 40 lowercase letters, digits, - or _ (it becomes part of every contact id)",
                    self.id
                ),
            );
        }
        if self.name.trim().is_empty() {
            problems.error(
                "name",
                "must not be empty: users see it under every contact",
            );
        }
        if self.refresh < Duration::from_secs(1) {
            problems.error("refresh", "at least 1s");
        }
        self.kind.reader().check(production, problems);
    }

    /// See [`Reader::check_contents`].
    pub fn check_contents(&self, problems: &mut Problems) {
        self.kind.reader().check_contents(problems);
    }

    pub fn resolve_paths(&mut self, base: &Path) {
        self.kind.reader_mut().resolve_paths(base);
    }

    /// Reads every contact of the source into `sink`.
    pub async fn load(&self, sink: &mut dyn ContactSink) -> Result<LoadReport, SourceError> {
        self.read_into(sink, false).await
    }

    /// As [`Self::load`], with every skipped record and left-out value in the report rather
    /// than the first hundred: what `check-config --read-sources` prints.
    pub async fn load_listing_every_problem(
        &self,
        sink: &mut dyn ContactSink,
    ) -> Result<LoadReport, SourceError> {
        self.read_into(sink, true).await
    }

    async fn read_into(
        &self,
        sink: &mut dyn ContactSink,
        list_all: bool,
    ) -> Result<LoadReport, SourceError> {
        let reader = self.kind.reader();
        let mut out = Emitter::new(
            self.reference(),
            reader.name_fields(),
            reader.unique_ids(),
            sink,
        );
        if list_all {
            out = out.listing_every_problem();
        }
        reader.read(&mut out).await?;
        Ok(out.finish())
    }
}

fn valid_source_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// Runs file parsing without stalling other tasks of a multi-threaded runtime.
/// How long reading a source file may block by default: far more than a file takes, far
/// less than a refresh interval.
fn default_file_timeout() -> std::time::Duration {
    std::time::Duration::from_secs(60)
}

pub fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

/// UTF-16 without a byte-order mark, told by its zero bytes: `B\0E\0G\0…` is ASCII text in
/// little-endian, `\0B\0E\0G…` in big-endian. Some Windows programs write files like that.
pub fn utf16_without_bom(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    match bytes.get(..4)? {
        [a, 0, b, 0] if a.is_ascii() && b.is_ascii() && *a != 0 => Some(encoding_rs::UTF_16LE),
        [0, a, 0, b] if a.is_ascii() && b.is_ascii() && *a != 0 => Some(encoding_rs::UTF_16BE),
        _ => None,
    }
}

/// `path` relative to `base` unless it is absolute (or empty, meaning "not set").
pub fn resolve_path(path: &mut PathBuf, base: &Path) {
    if !path.as_os_str().is_empty() && path.is_relative() {
        *path = base.join(&*path);
    }
}

/// A file or folder a source reads that is not there where the check runs: a warning, not
/// an error, because it may exist only on the server.
pub fn check_exists(path: &Path, problems: &mut Problems) {
    if !path.exists() {
        problems.warning(
            "path",
            format!(
                "{} does not exist here (it must exist where the server runs)",
                path.display()
            ),
        );
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
    #[error("ODBC: {0}")]
    Odbc(String),
    #[error("writing the snapshot failed: {0}")]
    Snapshot(String),
    #[error("reading {path} gave up: {detail}")]
    Timeout { path: PathBuf, detail: String },
}

/// Reading a source from its configuration, for the readers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use kontakt_api::Contact;

    use super::{LoadReport, Source, SourceError};

    /// Parses `config` (a source table) and reads the source through the whole pipeline.
    pub fn load_source(config: &str) -> Result<(Vec<Contact>, LoadReport), SourceError> {
        let source: Source = toml::from_str(config).expect("a valid source table");
        let mut contacts = Vec::new();
        let mut sink = |c: Contact| {
            contacts.push(c);
            Ok(())
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let report = runtime.block_on(source.load(&mut sink))?;
        Ok((contacts, report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_tagged_by_type_and_rejects_unknown_keys() {
        let csv: Source = toml::from_str(
            r#"type = "csv"
               id = "crm"
               name = "CRM"
               path = "/srv/crm.csv"
               refresh = "5m""#,
        )
        .unwrap();
        assert_eq!(csv.id, "crm");
        assert_eq!(csv.kind_name(), "csv");
        assert_eq!(csv.refresh, Duration::from_secs(300));
        assert!(matches!(csv.kind, SourceKind::Csv(_)));
        for wrong in ["delimeter = \";\"", "refrsh = \"5m\""] {
            let err = toml::from_str::<Source>(&format!(
                "type = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = \"/srv/crm.csv\"\n{wrong}"
            ))
            .unwrap_err();
            let key = wrong.split(' ').next().unwrap();
            assert!(err.to_string().contains(key), "{err}");
        }
        let err = toml::from_str::<Source>("type = \"excel\"\nid = \"x\"\nname = \"X\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("excel") && err.contains("csv"), "{err}");
    }

    #[test]
    fn each_kind_checks_its_own_settings() {
        let source: Source =
            toml::from_str("type = \"demo\"\nid = \"Demo Source\"\nname = \" \"\nrefresh = \"0s\"")
                .unwrap();
        let mut problems = Problems::default();
        source.check(true, &mut problems);
        let found: Vec<String> = problems
            .into_vec()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "error: id: \"Demo Source\": use 1 to 40 lowercase letters, digits, - or _ (it becomes part of every contact id)",
                "error: name: must not be empty: users see it under every contact",
                "error: refresh: at least 1s",
                "error: type: demo sources are for development mode only",
            ]
        );
    }
}
