//! Settings in three steps, the way an admin meets them: the file as written
//! ([`file::ConfigFile`]), checked ([`ConfigFile::problems`], every problem at its key), then
//! resolved once into [`Settings`], which the rest of the program uses as they are — no
//! part of it derives ids, paths or audiences again.

pub mod check;
pub mod file;
pub mod url;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use file::{ConfigFile, Limits, Mode};
pub use kontakt_directory::check::SettingProblem;
use kontakt_directory::phone::DialingParams;
use kontakt_directory::sources::demo::DemoSource;
use kontakt_directory::sources::{Source, SourceKind};

use crate::demo;

/// Why the server cannot start from a configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error(
        "the configuration has {} error{}, so the server does not start (kontakt check-config FILE lists them too):\n{}",
        .0.len(),
        if .0.len() == 1 { "" } else { "s" },
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
    )]
    Invalid(Vec<SettingProblem>),
    #[error("cannot create a temporary data folder: {0}")]
    Scratch(#[source] std::io::Error),
}

/// What the server runs with, every value final.
#[derive(Clone, Debug)]
pub struct Settings {
    pub production: bool,
    pub listen: SocketAddr,
    /// Users reach the service over HTTPS: answers carry HSTS.
    pub hsts: bool,
    /// Snapshots and the cache secret.
    pub data_dir: PathBuf,
    /// Keeps a temporary `data_dir` (the demo's) until the server is gone.
    pub scratch: Option<Arc<tempfile::TempDir>>,
    /// Trunk's output; `None` serves the tab built into the binary.
    pub tab_dir: Option<PathBuf>,
    pub startup_wait: Duration,
    pub cache_secret: CacheSecret,
    pub sign_in: SignIn,
    /// What the sign-in window asks Entra for consent to (absent in demo mode).
    pub consent: Option<Consent>,
    pub limits: Limits,
    pub tenants: Vec<TenantSettings>,
}

/// Where users' device-cache keys come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheSecret {
    /// A secret file, created on first start.
    File(PathBuf),
    /// A throwaway demo: generated contacts only, and favourites survive a restart.
    Public(&'static [u8]),
}

/// Who signs the tokens the service accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignIn {
    /// This server's own demo key set, fetched over HTTP like Microsoft's; the audiences
    /// name the address it listens on, known once it is bound.
    Demo,
    Entra(Entra),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entra {
    pub jwks_url: String,
    /// Accepted `aud` values: the client id and the Application ID URI.
    pub audiences: Vec<String>,
    pub leeway: Duration,
    pub min_key_refetch: Duration,
}

/// The app registration the sign-in window asks consent for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consent {
    pub client_id: String,
    /// `api://HOST/CLIENT-ID`, when there is one.
    pub application_id_uri: Option<String>,
}

#[derive(Clone, Debug)]
pub struct TenantSettings {
    /// Lowercase, as tokens carry it.
    pub id: String,
    pub name: String,
    /// How the tenant appears in logs and metrics: a hash, not its id.
    pub label: String,
    pub dialing: DialingParams,
    pub sources: Vec<Source>,
}

/// The cache secret of a demo without a data folder. Public on purpose: demo contacts are
/// generated, and users of a demo keep their pinned contacts across restarts.
const DEMO_CACHE_SECRET: &[u8] = b"kontakt demo: generated contacts only, not a secret";

impl Settings {
    /// Checks `file` (warnings are logged, errors refuse) and resolves it.
    pub fn resolve(file: ConfigFile) -> Result<Settings, ConfigError> {
        let problems = file.problems().into_vec();
        for warning in problems.iter().filter(|p| p.warning) {
            tracing::warn!("configuration {warning}");
        }
        let errors: Vec<SettingProblem> = problems.into_iter().filter(|p| !p.warning).collect();
        if !errors.is_empty() {
            return Err(ConfigError::Invalid(errors));
        }
        let ConfigFile {
            server,
            auth,
            demo,
            limits,
            tenants,
        } = file;
        let scratch = if server.data_dir.as_os_str().is_empty() {
            let dir = tempfile::Builder::new()
                .prefix("kontakt-demo-")
                .tempdir()
                .map_err(ConfigError::Scratch)?;
            Some(Arc::new(dir))
        } else {
            None
        };
        let data_dir = scratch
            .as_ref()
            .map_or(server.data_dir, |d| d.path().to_owned());
        let cache_secret = match server.cache_secret_file {
            Some(path) => CacheSecret::File(path),
            None if scratch.is_some() && demo.enabled => CacheSecret::Public(DEMO_CACHE_SECRET),
            None => CacheSecret::File(data_dir.join("cache-secret")),
        };
        let application_id_uri = auth.as_ref().and_then(|a| {
            a.application_id_uri.clone().or_else(|| {
                let host = server.public_url.as_deref().and_then(url::host_of)?;
                Some(format!("api://{host}/{}", a.client_id))
            })
        });
        let consent = auth.as_ref().map(|a| Consent {
            client_id: a.client_id.clone(),
            application_id_uri: application_id_uri.clone(),
        });
        let sign_in = match auth {
            _ if demo.enabled => SignIn::Demo,
            Some(a) => SignIn::Entra(Entra {
                audiences: [Some(a.client_id.clone()), application_id_uri]
                    .into_iter()
                    .flatten()
                    .collect(),
                jwks_url: a.jwks_url,
                leeway: a.leeway,
                min_key_refetch: a.min_key_refetch,
            }),
            None => unreachable!("checked: auth is present without demo"),
        };
        Ok(Settings {
            production: server.mode == Mode::Production,
            listen: server.listen,
            hsts: server
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            data_dir,
            scratch,
            tab_dir: server.tab_dir,
            startup_wait: server.startup_wait,
            cache_secret,
            sign_in,
            consent,
            limits,
            tenants: tenants
                .into_iter()
                .map(|t| {
                    let id = t.id.to_ascii_lowercase();
                    TenantSettings {
                        label: tenant_label(&id),
                        id,
                        name: t.name,
                        dialing: t.dialing,
                        sources: t.sources,
                    }
                })
                .collect(),
        })
    }

    pub fn demo_enabled(&self) -> bool {
        self.sign_in == SignIn::Demo
    }
}

impl ConfigFile {
    /// What `kontakt serve --demo` runs with: one demo tenant with `size` generated
    /// contacts, development mode, snapshots in a temporary folder.
    pub fn demo(size: usize, seed: u64) -> ConfigFile {
        let source = Source {
            id: kontakt_directory::demo::SOURCE_ID.to_owned(),
            name: kontakt_directory::demo::SOURCE_NAME.to_owned(),
            refresh: Duration::from_secs(24 * 3600),
            kind: SourceKind::Demo(DemoSource { size, seed }),
        };
        ConfigFile {
            server: file::ServerSection {
                mode: Mode::Development,
                data_dir: PathBuf::new(),
                startup_wait: Duration::from_secs(600),
                ..file::ServerSection::default()
            },
            auth: None,
            demo: file::DemoSection { enabled: true },
            limits: Limits::default(),
            tenants: vec![file::TenantSection {
                id: demo::TENANT_ID.to_owned(),
                name: demo::TENANT_NAME.to_owned(),
                dialing: kontakt_directory::demo::dialing(),
                sources: vec![source],
            }],
        }
    }
}

/// First 12 hex digits of SHA-256 of the tenant id: an operator who knows a tenant id can
/// find its lines; the log alone does not say which organisation it was.
pub fn tenant_label(tenant_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(tenant_id.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests;
