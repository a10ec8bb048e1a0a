//! Settings in three steps, the way an admin meets them: the file as written
//! ([`file::ConfigFile`]), checked ([`ConfigFile::problems`], every problem at its key), then
//! resolved once into [`Settings`], which the rest of the program uses as they are — no
//! part of it derives ids, paths or audiences again.

pub mod callerid;
pub mod check;
pub mod file;
mod source_error;
pub mod url;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use callerid::{CallerIdSettings, Network};
pub use file::{ConfigFile, Limits, Mode, OperatorSection, Role};
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
    #[error("{0}: the environment variable it names is not set")]
    Env(&'static str),
}

/// What the server runs with, every value final.
#[derive(Clone, Debug)]
pub struct Settings {
    pub role: Role,
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
    /// Demo mode (`[demo] enabled`).
    pub demo: bool,
    pub tenants: Vec<TenantSettings>,
    /// The directory's link to its cloud.
    pub link: Option<LinkSettings>,
    /// The address users reach the service at, without a trailing slash.
    pub public_url: Option<String>,
    /// The cloud's registry: `sqlite:…` or `postgres://…`.
    pub registry_url: String,
    /// Administrators' sign-in at `/admin` (the cloud; absent in demo mode, which signs
    /// administrators in with its own demo identity provider).
    pub admin: Option<AdminSignIn>,
    /// The demo cloud registers the demo organisation and its directory at start.
    pub register_demo_tenant: bool,
    /// Caller ID for phone systems, on a listener of its own (`[callerid]`).
    pub callerid: Option<CallerIdSettings>,
    /// The cloud on several nodes (`[cluster]`).
    pub cluster: Option<crate::cluster::ClusterSettings>,
    /// Who runs the service, named on `/privacy` (`[operator]`).
    pub operator: Option<OperatorSection>,
}

/// The OpenID Connect client the cloud is for administrators.
#[derive(Clone)]
pub struct AdminSignIn {
    pub authority: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for AdminSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSignIn")
            .field("authority", &self.authority)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct LinkSettings {
    /// The cloud's address, without a trailing slash.
    pub cloud: String,
    /// The credential, read from its file or variable once; `None` before the directory
    /// is enrolled (`kontakt directory enroll`).
    pub credential: Option<String>,
    /// Where enrollment writes the credential.
    pub credential_file: PathBuf,
    pub ping: Duration,
}

impl std::fmt::Debug for LinkSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkSettings")
            .field("cloud", &self.cloud)
            .field("ping", &self.ping)
            .finish_non_exhaustive()
    }
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
    /// An issuer's published keys: Microsoft Entra's, or — for a directory linked to a demo
    /// cloud — that cloud's demo key set.
    Issuer(Issuer),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
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
    /// How its numbers are read, where its directory runs in this process (serve,
    /// directory).
    pub dialing: Option<DialingParams>,
    pub sources: Vec<Source>,
    /// SHA-256 of each credential its directories may link with (cloud).
    pub credentials: Vec<[u8; 32]>,
}

/// The cache secret of a demo without a data folder. Public on purpose: demo contacts are
/// generated, and users of a demo keep their pinned contacts across restarts.
const DEMO_CACHE_SECRET: &[u8] = b"kontakt demo: generated contacts only, not a secret";

impl SignIn {
    /// The validator for these tokens. Demo tokens are checked against this server's own
    /// key set at `addr`, fetched over HTTP like Microsoft's: the same code path.
    pub fn validator(&self, addr: Option<std::net::SocketAddr>) -> crate::auth::TokenValidator {
        use crate::auth::{KeyStore, KeyStoreOptions, TokenValidator, ValidatorOptions};
        let (keys, options) = match self {
            SignIn::Demo => {
                let addr =
                    addr.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 8080)));
                let host = if addr.ip().is_unspecified() {
                    std::net::SocketAddr::from(([127, 0, 0, 1], addr.port()))
                } else {
                    addr
                };
                (
                    KeyStoreOptions::new(format!("http://{host}/api/v1/dev/keys")),
                    ValidatorOptions {
                        audiences: vec![
                            demo::CLIENT_ID.to_owned(),
                            format!("api://{host}/{}", demo::CLIENT_ID),
                        ],
                        leeway: Duration::from_secs(60),
                    },
                )
            }
            SignIn::Issuer(issuer) => {
                let mut keys = KeyStoreOptions::new(issuer.jwks_url.clone());
                keys.min_refetch = issuer.min_key_refetch;
                (
                    keys,
                    ValidatorOptions {
                        audiences: issuer.audiences.clone(),
                        leeway: issuer.leeway,
                    },
                )
            }
        };
        TokenValidator::new(Arc::new(KeyStore::new(keys)), options)
    }
}

impl CacheSecret {
    /// The keys users' device caches are sealed with (`data_dir`: whether the server ran
    /// before, for a secret that went missing).
    pub fn keys(
        &self,
        data_dir: &Path,
    ) -> Result<crate::cache_key::CacheKeys, crate::cache_key::SecretError> {
        match self {
            CacheSecret::File(path) => crate::cache_key::CacheKeys::load_or_create(path, data_dir),
            CacheSecret::Public(secret) => Ok(crate::cache_key::CacheKeys::from_secret(secret)),
        }
    }
}

impl Settings {
    /// Checks `file` for `role` (warnings are logged, errors refuse) and resolves it.
    pub fn resolve(file: ConfigFile, role: Role) -> Result<Settings, ConfigError> {
        let problems = file.problems(role).into_vec();
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
            link,
            registry,
            admin,
            callerid,
            cluster,
            operator,
        } = file;
        let scratch_data = server.data_dir.as_os_str().is_empty();
        let link = link
            .map(|l| {
                let default_file = server.data_dir.join("link-credential");
                let named = secret(&l.credential_file, &l.credential_env, "link.credential_env")?;
                let credential = match named {
                    Some(credential) => Some(credential),
                    None if demo.enabled && scratch_data => {
                        Some(crate::link::DEMO_CREDENTIAL.to_owned())
                    }
                    None => default_file
                        .exists()
                        .then(|| read_secret(&default_file))
                        .transpose()?,
                };
                Ok::<_, ConfigError>(LinkSettings {
                    cloud: l.cloud.trim_end_matches('/').to_owned(),
                    credential,
                    credential_file: l.credential_file.clone().unwrap_or(default_file),
                    ping: l.ping,
                })
            })
            .transpose()?;
        let registry_url = match (&registry.url, &registry.url_env) {
            (Some(url), _) => url.clone(),
            (None, Some(_)) => from_env(&registry.url_env, "registry.url_env")?,
            (None, None) => String::new(),
        };
        let admin = match (&admin, &auth) {
            (_, _) if demo.enabled => None,
            (Some(a), Some(auth)) => Some(AdminSignIn {
                authority: a.authority.trim_end_matches('/').to_owned(),
                client_id: auth.client_id.to_ascii_lowercase(),
                client_secret: secret(
                    &a.client_secret_file,
                    &a.client_secret_env,
                    "admin.client_secret_env",
                )?,
            }),
            _ => None,
        };
        let scratch = if scratch_data {
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
        let registry_url = if registry_url.is_empty() {
            format!("sqlite:{}", data_dir.join("registry.sqlite").display())
        } else {
            registry_url
        };
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
            // A directory linked to a demo cloud checks the tokens that cloud issues.
            _ if demo.enabled && role == Role::Directory => {
                let cloud = link.as_ref().map_or("", |l| l.cloud.as_str());
                let host = url::host_of(cloud).unwrap_or_default();
                SignIn::Issuer(Issuer {
                    jwks_url: format!("{cloud}/api/v1/dev/keys"),
                    audiences: vec![
                        demo::CLIENT_ID.to_owned(),
                        format!("api://{host}/{}", demo::CLIENT_ID),
                    ],
                    leeway: Duration::from_secs(60),
                    min_key_refetch: Duration::from_secs(10),
                })
            }
            _ if demo.enabled => SignIn::Demo,
            Some(a) => SignIn::Issuer(Issuer {
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
        let callerid = match (&callerid, tenants.first()) {
            (Some(c), Some(first)) => Some(c.resolve(&first.id)?),
            _ => None,
        };
        Ok(Settings {
            role,
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
            demo: demo.enabled,
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
                        credentials: t
                            .directory_credentials
                            .iter()
                            .filter_map(|c| crate::link::credential_hash(c))
                            .collect(),
                    }
                })
                .collect(),
            link,
            public_url: server
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            registry_url,
            admin,
            register_demo_tenant: demo.enabled && demo.register_tenant,
            callerid,
            cluster: cluster
                .filter(|_| role == Role::Cloud)
                .map(|c| crate::cluster::ClusterSettings { nats: c.nats }),
            operator,
        })
    }

    /// Demo sign-in: this server issues demo tokens, or (a directory) checks those of a
    /// demo cloud.
    pub fn demo_enabled(&self) -> bool {
        self.demo
    }

    /// The throwaway demo (demo mode with a temporary data folder): its secrets are public
    /// and fixed, so a restarted demo — or a second demo directory — is the same directory
    /// to a tab that has already pinned its key and sealed favourites with its cache key.
    pub fn throwaway_demo(&self) -> bool {
        matches!(self.cache_secret, CacheSecret::Public(_))
    }
}

impl ConfigFile {
    /// What `kontakt serve --demo` runs with: one demo tenant with `size` generated
    /// contacts, development mode, snapshots in a temporary folder.
    pub fn demo(size: usize, seed: u64) -> ConfigFile {
        ConfigFile {
            server: file::ServerSection {
                mode: Mode::Development,
                data_dir: PathBuf::new(),
                startup_wait: Duration::from_secs(600),
                ..file::ServerSection::default()
            },
            auth: None,
            demo: file::DemoSection {
                enabled: true,
                register_tenant: false,
            },
            limits: Limits {
                // Loopback only; the caller ID benchmark measures the lookups, not the limit.
                caller_lookups_per_second: 1_000_000,
                ..Limits::default()
            },
            tenants: vec![demo_tenant(Some((size, seed)))],
            link: None,
            registry: file::RegistrySection::default(),
            admin: None,
            callerid: None,
            cluster: None,
            operator: None,
        }
    }

    /// What `kontakt cloud --demo` runs with: the demo tenant registered in a registry in
    /// `data_dir` (operator commands with `--demo` find it there), with the demo
    /// credential for its directory; no sources.
    pub fn demo_cloud(data_dir: PathBuf) -> ConfigFile {
        let mut file = ConfigFile::demo(0, 0);
        file.tenants.clear();
        file.server.data_dir = data_dir;
        file.demo.register_tenant = true;
        file
    }

    /// Where `kontakt cloud --demo` keeps its registry when not told otherwise.
    pub fn demo_cloud_dir() -> PathBuf {
        std::env::temp_dir().join("kontakt-demo-cloud")
    }

    /// What `kontakt directory --demo --cloud URL` runs with: the demo directory, linked to
    /// a demo cloud with the demo credential.
    pub fn demo_directory(cloud: &str, size: usize, seed: u64) -> ConfigFile {
        ConfigFile {
            link: Some(file::LinkSection {
                cloud: cloud.to_owned(),
                credential_file: None,
                credential_env: None,
                ping: Duration::from_secs(20),
            }),
            ..ConfigFile::demo(size, seed)
        }
    }
}

/// The demo tenant with its generated directory of `contacts` (how many, seed).
fn demo_tenant(contacts: Option<(usize, u64)>) -> file::TenantSection {
    let (size, seed) = contacts.unwrap_or_default();
    file::TenantSection {
        id: demo::TENANT_ID.to_owned(),
        name: demo::TENANT_NAME.to_owned(),
        dialing: Some(kontakt_directory::demo::dialing()),
        sources: vec![Source {
            id: kontakt_directory::demo::SOURCE_ID.to_owned(),
            name: kontakt_directory::demo::SOURCE_NAME.to_owned(),
            refresh: Duration::from_secs(24 * 3600),
            kind: SourceKind::Demo(DemoSource { size, seed }),
        }],
        directory_credentials: Vec::new(),
    }
}

/// The secret in the file or the environment variable a configuration names (the file
/// first), or `None` when it names neither; `env_key` is where the variable is named.
fn secret(
    file: &Option<PathBuf>,
    env: &Option<String>,
    env_key: &'static str,
) -> Result<Option<String>, ConfigError> {
    match (file, env) {
        (Some(path), _) => read_secret(path).map(Some),
        (None, Some(_)) => from_env(env, env_key).map(Some),
        (None, None) => Ok(None),
    }
}

/// A secret from a file, without surrounding white space.
fn read_secret(path: &std::path::Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })
}

/// The value of the environment variable `var` names (`key` says where it was named).
fn from_env(var: &Option<String>, key: &'static str) -> Result<String, ConfigError> {
    var.as_deref()
        .and_then(|v| std::env::var(v).ok())
        .map(|v| v.trim().to_owned())
        .ok_or(ConfigError::Env(key))
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
