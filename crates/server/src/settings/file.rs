//! The configuration file (`kontakt.toml`) exactly as written: every key with its default,
//! nothing derived. `docs/deploy.md` lists every key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kontakt_directory::phone::DialingParams;
use kontakt_directory::sources::{Source, resolve_path};
use serde::Deserialize;

use super::ConfigError;

/// Microsoft's signing keys for tokens of every tenant.
pub const MICROSOFT_JWKS: &str = "https://login.microsoftonline.com/common/discovery/v2.0/keys";

/// One file format for the three roles; which sections a role needs is checked in
/// `check.rs`:
///
/// - `kontakt serve`: `[server]`, `[auth]`, `[[tenants]]` with `dialing` and sources;
/// - `kontakt cloud`: `[server]`, `[auth]`, `[[tenants]]` with `directory_credentials` and no
///   sources (the cloud reads none);
/// - `kontakt directory`: `[link]`, `[auth]`, one `[[tenants]]` with `dialing` and sources.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub server: ServerSection,
    pub auth: Option<AuthSection>,
    #[serde(default)]
    pub demo: DemoSection,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub tenants: Vec<TenantSection>,
    /// The directory's link to the cloud.
    pub link: Option<LinkSection>,
    /// Where the cloud keeps its registry of organisations.
    #[serde(default)]
    pub registry: RegistrySection,
    /// Administrators signing in at `/admin` (the cloud).
    pub admin: Option<AdminSection>,
    /// Caller ID for phone systems (serve and directory).
    pub callerid: Option<super::callerid::CallerIdSection>,
    /// The cloud on several nodes (`kontakt cloud` only).
    pub cluster: Option<ClusterSection>,
    /// Who runs this service: named on `/privacy` (serve and cloud).
    pub operator: Option<OperatorSection>,
}

/// The data controller the privacy statement must name (GDPR Art. 13 (1) a): whoever runs
/// this installation, and how to reach them about privacy.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OperatorSection {
    /// The organisation's legal name, e.g. `Beispiel GmbH`.
    pub name: String,
    /// Its postal address, on one line or several.
    pub address: String,
    /// An e-mail address or an `https://` page for privacy questions (the data protection
    /// officer, where there is one).
    pub privacy_contact: String,
}

/// The cloud on several nodes: where NATS is, which carries requests between them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSection {
    /// `nats://host:4222` (or `tls://…`); several servers separated by commas.
    pub nats: String,
}

/// The cloud's registry database.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySection {
    /// `sqlite:/path/registry.sqlite` or `postgres://user@host/db`. Default: a SQLite file
    /// `registry.sqlite` in `server.data_dir`.
    #[serde(default)]
    pub url: Option<String>,
    /// Or the name of an environment variable holding the URL (for one with a password).
    #[serde(default)]
    pub url_env: Option<String>,
}

/// Sign-in of organisations' administrators at `/admin`: OpenID Connect with PKCE.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    /// A file holding the app registration's client secret (Entra requires one from a web
    /// app redeeming a code).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Or the name of an environment variable holding it.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Where administrators sign in.
    #[serde(default = "default_authority")]
    pub authority: String,
}

fn default_authority() -> String {
    String::from("https://login.microsoftonline.com")
}

/// What a configuration file configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything in one process: the cloud's routes and the tenants' directories, linked
    /// in memory.
    Serve,
    /// The multi-tenant relay: sign-in, tenants, links; no sources, no contacts.
    Cloud,
    /// One tenant's directory in the customer's network, dialling out to the cloud.
    Directory,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Serve => "kontakt serve",
            Role::Cloud => "kontakt cloud",
            Role::Directory => "kontakt directory",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSection {
    /// The cloud's address, e.g. `https://contacts.example.com`; the directory connects to
    /// `{cloud}/api/v1/link` (WebSocket over TLS, port 443).
    pub cloud: String,
    /// A file holding the directory's credential. Default: `link-credential` in
    /// `server.data_dir`, where `kontakt directory enroll` writes it.
    #[serde(default)]
    pub credential_file: Option<PathBuf>,
    /// Or the name of an environment variable holding it.
    #[serde(default)]
    pub credential_env: Option<String>,
    /// How often the directory pings the cloud; a link that does not answer within three
    /// pings is given up and dialled again.
    #[serde(default = "default_ping", with = "humantime_serde")]
    pub ping: Duration,
}

fn default_ping() -> Duration {
    Duration::from_secs(20)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Real tenants, real sign-in; demo features are refused.
    #[default]
    Production,
    /// Local trials and tests.
    Development,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    #[serde(default)]
    pub mode: Mode,
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The address users reach the service at, e.g. `https://contacts.example.com`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where source snapshots and the cache secret are kept; empty means a temporary
    /// folder removed at exit.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Trunk's output folder; without it the tab built into the binary is served (when
    /// there is one).
    #[serde(default)]
    pub tab_dir: Option<PathBuf>,
    /// How long start-up waits for sources that have no snapshot yet.
    #[serde(default = "default_startup_wait", with = "humantime_serde")]
    pub startup_wait: Duration,
    /// The secret users' device-cache keys are derived from (at least 32 bytes). Default:
    /// `{data_dir}/cache-secret`, created on first start. Replacing it clears every user's
    /// favourites and recents on their next visit.
    #[serde(default)]
    pub cache_secret_file: Option<PathBuf>,
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("/var/lib/kontakt")
}

fn default_startup_wait() -> Duration {
    Duration::from_secs(30)
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            mode: Mode::default(),
            listen: default_listen(),
            public_url: None,
            data_dir: default_data_dir(),
            tab_dir: None,
            startup_wait: default_startup_wait(),
            cache_secret_file: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    /// The Entra app registration's Application (client) ID.
    pub client_id: String,
    /// `api://{host}/{client id}`; derived from `server.public_url` when absent.
    #[serde(default)]
    pub application_id_uri: Option<String>,
    #[serde(default = "default_jwks")]
    pub jwks_url: String,
    /// Clock skew tolerated on `exp` and `nbf`.
    #[serde(default = "default_leeway", with = "humantime_serde")]
    pub leeway: Duration,
    /// A token naming an unknown key makes the key set be fetched again, at most this
    /// often (Microsoft publishes new keys long before it signs with them).
    #[serde(default = "default_min_key_refetch", with = "humantime_serde")]
    pub min_key_refetch: Duration,
}

fn default_min_key_refetch() -> Duration {
    Duration::from_secs(60)
}

fn default_jwks() -> String {
    MICROSOFT_JWKS.to_owned()
}

fn default_leeway() -> Duration {
    Duration::from_secs(60)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoSection {
    /// Demo sign-in (`/api/v1/dev/token`, `/api/v1/dev/keys`) and the Teams host simulator
    /// (`/dev/teams`). Development mode only.
    #[serde(default)]
    pub enabled: bool,
    /// The cloud registers the demo organisation and its directory (the demo credential)
    /// at start, so `kontakt directory --demo` links with no manual step.
    #[serde(default)]
    pub register_tenant: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Searches per user per second, with bursts up to `burst`.
    #[serde(default = "default_rate")]
    pub searches_per_second: u32,
    #[serde(default = "default_burst")]
    pub burst: u32,
    #[serde(default = "default_request_timeout", with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Sign-ins per organisation per second at the cloud, with bursts up to
    /// `sign_in_burst`: the only requests it relays without a relay ticket.
    #[serde(default = "default_sign_ins")]
    pub sign_ins_per_second: u32,
    #[serde(default = "default_sign_in_burst")]
    pub sign_in_burst: u32,
    /// Caller ID lookups per organisation per second the cloud relays, whoever asks (the
    /// directory checks the credentials): keeps floods of unchecked requests off the link.
    #[serde(default = "default_caller_lookups")]
    pub caller_lookups_per_second: u32,
}

fn default_caller_lookups() -> u32 {
    500
}

fn default_sign_ins() -> u32 {
    50
}

fn default_sign_in_burst() -> u32 {
    1000
}

fn default_rate() -> u32 {
    20
}

fn default_burst() -> u32 {
    40
}

fn default_request_timeout() -> Duration {
    Duration::from_secs(10)
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            searches_per_second: default_rate(),
            burst: default_burst(),
            request_timeout: default_request_timeout(),
            sign_ins_per_second: default_sign_ins(),
            sign_in_burst: default_sign_in_burst(),
            caller_lookups_per_second: default_caller_lookups(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSection {
    /// The Entra tenant id (`tid`).
    pub id: String,
    pub name: String,
    /// How the tenant's numbers are read (serve, directory).
    #[serde(default)]
    pub dialing: Option<DialingParams>,
    /// Where its contacts come from (serve, directory).
    #[serde(default)]
    pub sources: Vec<Source>,
    /// `sha256:<hex>` of each credential its directories link with (cloud).
    #[serde(default)]
    pub directory_credentials: Vec<String>,
}

impl ConfigFile {
    /// Reads and parses `path`; structure errors name the key and line. Relative paths in
    /// the file are taken relative to the file's folder.
    pub fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            source: e,
        })?;
        let mut file = ConfigFile::parse(&text).map_err(|message| ConfigError::Syntax {
            path: path.to_owned(),
            message,
        })?;
        file.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(file)
    }

    pub fn parse(text: &str) -> Result<ConfigFile, String> {
        toml::from_str(text).map_err(|e| {
            super::source_error::locate(text).unwrap_or_else(|| e.to_string().trim_end().to_owned())
        })
    }

    /// The role a file is written for: a `[link]` section is a directory's, sources make it
    /// `serve`'s, otherwise it is the cloud's.
    pub fn role(&self) -> Role {
        if self.link.is_some() {
            Role::Directory
        } else if self.tenants.iter().any(|t| !t.sources.is_empty()) {
            Role::Serve
        } else {
            Role::Cloud
        }
    }

    /// Relative paths in a configuration file mean relative to that file, not to whatever
    /// folder the service happened to be started from.
    fn resolve_paths(&mut self, base: &Path) {
        resolve_path(&mut self.server.data_dir, base);
        if let Some(file) = self.link.as_mut().and_then(|l| l.credential_file.as_mut()) {
            resolve_path(file, base);
        }
        if let Some(file) = self
            .admin
            .as_mut()
            .and_then(|a| a.client_secret_file.as_mut())
        {
            resolve_path(file, base);
        }
        for path in [&mut self.server.tab_dir, &mut self.server.cache_secret_file]
            .into_iter()
            .flatten()
        {
            resolve_path(path, base);
        }
        for tenant in &mut self.tenants {
            for source in &mut tenant.sources {
                source.resolve_paths(base);
            }
        }
    }
}
