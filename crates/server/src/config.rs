//! The server's configuration file (`kontakt.toml`), and every check an admin would want
//! before starting it. `docs/deploy.md` lists every key with its default.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kontakt_directory::phone::{DialingParams, PhoneNormalizer};
use kontakt_directory::sources::SourceConfig;
use serde::Deserialize;

use crate::auth::is_guid;

/// What deploy/kontakt.toml holds where an admin's own ids go.
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// Microsoft's signing keys for tokens of every tenant.
pub const MICROSOFT_JWKS: &str = "https://login.microsoftonline.com/common/discovery/v2.0/keys";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub server: ServerConfig,
    pub auth: Option<AuthConfig>,
    #[serde(default)]
    pub demo: DemoConfig,
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub tenants: Vec<TenantConfig>,
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
pub struct ServerConfig {
    #[serde(default)]
    pub mode: Mode,
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The address users reach the service at, e.g. `https://contacts.example.com`.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Where source snapshots are kept: the only thing the service writes to disk.
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

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
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
pub struct AuthConfig {
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
pub struct DemoConfig {
    /// Demo sign-in (`/api/v1/dev/token`, `/api/v1/dev/keys`) and the Teams host simulator
    /// (`/dev/teams`). Development mode only.
    #[serde(default)]
    pub enabled: bool,
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
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The Entra tenant id (`tid`).
    pub id: String,
    pub name: String,
    pub dialing: DialingParams,
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
}

/// One thing wrong with a configuration, at a key path like `tenants[0].sources[1].id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    pub path: String,
    pub message: String,
    /// Warnings do not stop the server (e.g. a file that may exist on the server only).
    pub warning: bool,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = if self.warning { "warning" } else { "error" };
        write!(f, "{kind}: {}: {}", self.path, self.message)
    }
}

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
    Invalid(Vec<ConfigProblem>),
}

impl Config {
    /// Reads and parses `path`; structure errors name the key and line.
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_owned(),
            source: e,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(config)
    }

    /// Relative paths in a configuration file mean relative to that file, not to whatever
    /// folder the service happened to be started from.
    fn resolve_paths(&mut self, base: &Path) {
        let resolve = |p: &mut PathBuf| {
            if !p.as_os_str().is_empty() && p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut self.server.data_dir);
        if let Some(dir) = &mut self.server.tab_dir {
            resolve(dir);
        }
        if let Some(file) = &mut self.server.cache_secret_file {
            resolve(file);
        }
        for tenant in &mut self.tenants {
            for source in &mut tenant.sources {
                match source {
                    SourceConfig::Csv(s) => resolve(&mut s.path),
                    SourceConfig::Vcard(s) => resolve(&mut s.path),
                    SourceConfig::Ldap(_) | SourceConfig::Demo(_) => {}
                }
            }
        }
    }

    /// Every problem of an otherwise well-formed configuration.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        // Two reporters over one list; the checks below read better calling either.
        let found = std::cell::RefCell::new(Vec::new());
        let report = |path: String, message: String, warning: bool| {
            found.borrow_mut().push(ConfigProblem {
                path,
                message,
                warning,
            });
        };
        let error = |path: String, message: String| report(path, message, false);
        let warning = |path: String, message: String| report(path, message, true);
        let production = self.server.mode == Mode::Production;
        if production && self.demo.enabled {
            error(
                "demo.enabled".into(),
                "demo sign-in cannot be switched on in production mode (set server.mode = \"development\" for trials)".into(),
            );
        }
        match &self.server.public_url {
            Some(url) => {
                if let Err(m) = check_public_url(url, production) {
                    error("server.public_url".into(), m);
                }
            }
            None if production => error(
                "server.public_url".into(),
                "required in production mode: the https address users reach the service at".into(),
            ),
            None => {}
        }
        match &self.auth {
            None if !self.demo.enabled => error(
                "auth".into(),
                "missing: set auth.client_id to the Entra app registration's Application (client) ID".into(),
            ),
            None => {}
            Some(auth) => {
                if !is_guid(&auth.client_id) {
                    error("auth.client_id".into(), format!("{:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", auth.client_id));
                } else if auth.client_id == NIL_GUID {
                    error("auth.client_id".into(), "is still the example's placeholder: put in the app registration's Application (client) ID".into());
                }
                if let Some(uri) = &auth.application_id_uri {
                    if !uri.starts_with("api://") {
                        error("auth.application_id_uri".into(), format!("{uri:?} must start with api:// (api://HOST/CLIENT-ID)"));
                    } else if !uri.ends_with(&auth.client_id) {
                        error("auth.application_id_uri".into(), format!("{uri:?} must end with the client id, as Teams SSO requires (api://HOST/{})", auth.client_id));
                    } else if let Some(host) = self.server.public_url.as_deref().and_then(host_of) {
                        let uri_host = uri["api://".len()..].split('/').next().unwrap_or_default();
                        if !uri_host.eq_ignore_ascii_case(host) {
                            error("auth.application_id_uri".into(), format!("{uri:?} names the host {uri_host:?}, but server.public_url is on {host:?}: Teams SSO only works when they are the same (api://{host}/{})", auth.client_id));
                        }
                    }
                }
                if !(auth.jwks_url.starts_with("https://") || (!production && auth.jwks_url.starts_with("http://"))) {
                    error("auth.jwks_url".into(), format!("{:?} must be an https URL", auth.jwks_url));
                } else if let Err(m) = check_ascii_url(&auth.jwks_url) {
                    error("auth.jwks_url".into(), m);
                }
                if auth.leeway > Duration::from_secs(300) {
                    error("auth.leeway".into(), "at most 5 minutes: a larger leeway accepts expired tokens".into());
                }
            }
        }
        if self.limits.searches_per_second == 0 {
            error(
                "limits.searches_per_second".into(),
                "must be at least 1".into(),
            );
        }
        if self.limits.burst < self.limits.searches_per_second {
            error(
                "limits.burst".into(),
                "must be at least limits.searches_per_second".into(),
            );
        }
        if self.tenants.is_empty() {
            error(
                "tenants".into(),
                "no tenant is configured: add a [[tenants]] table".into(),
            );
        }
        let mut tenant_ids = HashSet::new();
        for (i, t) in self.tenants.iter().enumerate() {
            let at = format!("tenants[{i}]");
            if !is_guid(&t.id) {
                error(
                    format!("{at}.id"),
                    format!("{:?} is not a GUID: use the Entra tenant id", t.id),
                );
            } else if t.id == NIL_GUID {
                error(
                    format!("{at}.id"),
                    "is still the example's placeholder: put in the Directory (tenant) ID from Entra ID > Overview".into(),
                );
            } else if !tenant_ids.insert(t.id.to_ascii_lowercase()) {
                error(
                    format!("{at}.id"),
                    format!("tenant {} is configured twice", t.id),
                );
            }
            if t.name.trim().is_empty() {
                error(format!("{at}.name"), "must not be empty".into());
            }
            if let Err(e) = PhoneNormalizer::new(&t.dialing) {
                error(format!("{at}.dialing"), e.to_string());
            }
            if t.sources.is_empty() {
                error(
                    format!("{at}.sources"),
                    "no source: add a [[tenants.sources]] table".into(),
                );
            }
            let mut source_ids = HashSet::new();
            for (j, s) in t.sources.iter().enumerate() {
                let sat = format!("{at}.sources[{j}]");
                if !valid_source_id(s.id()) {
                    error(
                        format!("{sat}.id"),
                        format!(
                            "{:?}: use 1 to 40 lowercase letters, digits, - or _ (it becomes part of every contact id)",
                            s.id()
                        ),
                    );
                } else if !source_ids.insert(s.id()) {
                    error(
                        format!("{sat}.id"),
                        format!("source {:?} is configured twice in this tenant", s.id()),
                    );
                }
                if s.refresh() < Duration::from_secs(1) {
                    error(format!("{sat}.refresh"), "at least 1s".into());
                }
                match s {
                    SourceConfig::Demo(_) if production => error(
                        format!("{sat}.type"),
                        "demo sources are for development mode only".into(),
                    ),
                    SourceConfig::Ldap(l) => {
                        if !(l.url.starts_with("ldap://") || l.url.starts_with("ldaps://")) {
                            error(
                                format!("{sat}.url"),
                                format!("{:?} must start with ldap:// or ldaps://", l.url),
                            );
                        } else if let Err(m) = check_ascii_url(&l.url) {
                            error(format!("{sat}.url"), m);
                        }
                        if l.page_size < 1 {
                            error(format!("{sat}.page_size"), "must be at least 1".into());
                        }
                        if let Some(var) = &l.password_env
                            && std::env::var_os(var).is_none()
                        {
                            warning(
                                format!("{sat}.password_env"),
                                format!(
                                    "the environment variable {var} is not set here (it must be where the server runs)"
                                ),
                            );
                        }
                    }
                    SourceConfig::Csv(c) if !c.path.exists() => warning(
                        format!("{sat}.path"),
                        format!(
                            "{} does not exist here (it must exist where the server runs)",
                            c.path.display()
                        ),
                    ),
                    SourceConfig::Vcard(v) if !v.path.exists() => warning(
                        format!("{sat}.path"),
                        format!(
                            "{} does not exist here (it must exist where the server runs)",
                            v.path.display()
                        ),
                    ),
                    _ => {}
                }
            }
        }
        found.into_inner()
    }

    /// The problems that stop the server (warnings are logged).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let problems = self.problems();
        for w in problems.iter().filter(|p| p.warning) {
            tracing::warn!("configuration {w}");
        }
        let errors: Vec<ConfigProblem> = problems.into_iter().filter(|p| !p.warning).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(errors))
        }
    }

    /// Accepted `aud` values: the client id and the Application ID URI.
    pub fn audiences(&self) -> Vec<String> {
        let Some(auth) = &self.auth else {
            return Vec::new();
        };
        let mut out = vec![auth.client_id.clone()];
        match &auth.application_id_uri {
            Some(uri) => out.push(uri.clone()),
            None => {
                if let Some(host) = self.server.public_url.as_deref().and_then(host_of) {
                    out.push(format!("api://{host}/{}", auth.client_id));
                }
            }
        }
        out
    }
}

fn valid_source_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// `https://contacts.example.com` → `contacts.example.com` (port kept, path refused).
pub fn host_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.trim_end_matches('/');
    (!host.is_empty() && !host.contains('/')).then_some(host)
}

/// International host names must be written in their ASCII (punycode) form: the URL parser
/// is built without Unicode tables (see docs/dependencies.md, `idna_adapter`).
fn check_ascii_url(url: &str) -> Result<(), String> {
    if url.is_ascii() {
        Ok(())
    } else {
        Err(format!(
            "{url:?} contains non-ASCII characters: write international host names in their ASCII form (e.g. xn--mller-kva.example for müller.example)"
        ))
    }
}

fn check_public_url(url: &str, production: bool) -> Result<(), String> {
    check_ascii_url(url)?;
    if production && !url.starts_with("https://") {
        return Err(format!(
            "{url:?} must be an https:// URL: Teams only loads tabs over HTTPS"
        ));
    }
    match host_of(url) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{url:?} must be a scheme and host only, like https://contacts.example.com"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [server]
        public_url = "https://contacts.example.com"
        data_dir = "/tmp/kontakt-test"

        [auth]
        client_id = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"

        [[tenants]]
        id = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34"
        name = "Contoso"
        dialing = { country = "DE", area_code = "89", main_number = "+49 89 452000" }

        [[tenants.sources]]
        type = "ldap"
        id = "ad"
        name = "Active Directory"
        url = "ldaps://dc1.contoso.local"
        base_dn = "dc=contoso,dc=local"
    "#;

    fn problems(text: &str) -> Vec<String> {
        let config: Config = toml::from_str(text).unwrap();
        config.problems().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_good_configuration_has_no_problems_and_derives_the_audiences() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
        let config: Config = toml::from_str(GOOD).unwrap();
        assert_eq!(
            config.audiences(),
            [
                "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f",
                "api://contacts.example.com/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_key_path() {
        let bad = r#"
            [server]
            public_url = "http://contacts.example.com/tab"
            [auth]
            client_id = "not-a-guid"
            application_id_uri = "https://x"
            [demo]
            enabled = true
            [[tenants]]
            id = "contoso"
            name = ""
            dialing = { country = "Germany" }
            [[tenants.sources]]
            type = "demo"
            id = "Demo Source"
            name = "Demo"
            [[tenants.sources]]
            type = "csv"
            id = "crm"
            name = "CRM"
            path = "/nonexistent/crm.csv"
        "#;
        let found = problems(bad);
        let expected = [
            "error: demo.enabled: demo sign-in cannot be switched on in production mode",
            "error: server.public_url: \"http://contacts.example.com/tab\" must be an https:// URL",
            "error: auth.client_id: \"not-a-guid\" is not a GUID",
            "error: auth.application_id_uri: \"https://x\" must start with api://",
            "error: tenants[0].id: \"contoso\" is not a GUID",
            "error: tenants[0].name: must not be empty",
            "error: tenants[0].dialing: unknown country code \"Germany\"",
            "error: tenants[0].sources[0].id: \"Demo Source\": use 1 to 40 lowercase letters",
            "error: tenants[0].sources[0].type: demo sources are for development mode only",
            "warning: tenants[0].sources[1].path: /nonexistent/crm.csv does not exist here",
        ];
        for e in expected {
            assert!(
                found.iter().any(|f| f.starts_with(e)),
                "missing {e:?} in {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
    }

    #[test]
    fn the_application_id_uri_must_be_on_the_tabs_host() {
        let uri = "api://kontakt.other.example/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f";
        let text = GOOD.replace(
            "client_id = \"5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f\"",
            &format!(
                "client_id = \"5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f\"\napplication_id_uri = {uri:?}"
            ),
        );
        assert_ne!(text, GOOD);
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0].starts_with("error: auth.application_id_uri: ")
                && found[0].contains("names the host \"kontakt.other.example\", but server.public_url is on \"contacts.example.com\""),
            "{found:#?}"
        );
    }

    #[test]
    fn structure_errors_name_the_key_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kontakt.toml");
        std::fs::write(&path, GOOD.replace("base_dn", "basedn")).unwrap();
        let err = Config::read(&path).unwrap_err().to_string();
        assert!(err.contains("basedn") && err.contains("line"), "{err}");
    }

    #[test]
    fn international_host_names_must_be_written_in_ascii() {
        let text = GOOD
            .replace("ldaps://dc1.contoso.local", "ldaps://dc1.müller.example")
            .replace(
                "https://contacts.example.com",
                "https://kontakte.müller.example",
            );
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("error: server.public_url:") && found[0].contains("xn--"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("error: tenants[0].sources[0].url:")
                && found[1].contains("ASCII form"),
            "{found:?}"
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_configuration_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kontakt.toml");
        let text = GOOD.replace(
            "data_dir = \"/tmp/kontakt-test\"",
            "data_dir = \"state\"\ntab_dir = \"/srv/tab\"",
        ) + "\n[[tenants.sources]]\ntype = \"csv\"\nid = \"people\"\nname = \"People\"\npath = \"exports/people.csv\"\n";
        std::fs::write(&path, text).unwrap();
        let config = Config::read(&path).unwrap();
        assert_eq!(config.server.data_dir, dir.path().join("state"));
        assert_eq!(
            config.server.tab_dir.as_deref(),
            Some(Path::new("/srv/tab"))
        );
        let SourceConfig::Csv(csv) = config.tenants[0].sources.last().unwrap() else {
            panic!("the CSV source comes last");
        };
        assert_eq!(csv.path, dir.path().join("exports/people.csv"));
    }
}
