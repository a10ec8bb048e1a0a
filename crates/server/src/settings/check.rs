//! Everything an admin would want checked before the server starts, one function per part
//! of the file. Each problem names its key path (`tenants[0].sources[1].id`).

use std::collections::HashSet;
use std::time::Duration;

use kontakt_directory::check::Problems;
use kontakt_directory::phone::PhoneNormalizer;

use super::file::{
    AuthSection, ConfigFile, Limits, LinkSection, Mode, OperatorSection, Role, TenantSection,
};
use super::url::{check_ascii_url, check_public_url, host_of};
use crate::auth::is_guid;

/// What deploy/kontakt.toml holds where an admin's own ids go.
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

impl ConfigFile {
    pub fn production(&self) -> bool {
        self.server.mode == Mode::Production
    }

    /// What `check-config` adds to [`Self::problems`]: each source's settings against what
    /// it holds (a CSV header against the column mapping). Not part of start-up's check: a
    /// source file whose header changed must not keep every organisation from being served.
    pub fn content_problems(&self) -> Problems {
        let mut problems = Problems::default();
        for (i, tenant) in self.tenants.iter().enumerate() {
            for (j, source) in tenant.sources.iter().enumerate() {
                problems.within(&format!("tenants[{i}].sources[{j}]"), |p| {
                    source.check_contents(p)
                });
            }
        }
        problems
    }

    /// Every problem of an otherwise well-formed configuration, for `role`.
    pub fn problems(&self, role: Role) -> Problems {
        let mut problems = Problems::default();
        let production = self.production();
        match (&self.link, role) {
            (Some(link), Role::Directory) => {
                problems.within("link", |p| check_link(link, production, p));
            }
            (None, Role::Directory) => problems.error(
                "link",
                "missing: a directory needs [link] with the cloud's address and its credential",
            ),
            (Some(_), role) => problems.error(
                "link",
                format!(
                    "only a directory links to a cloud; {} does not use it",
                    role.name()
                ),
            ),
            (None, _) => {}
        }
        if role == Role::Directory {
            if self.tenants.len() > 1 {
                problems.error(
                    "tenants",
                    "a directory serves one organisation: run one directory per tenant",
                );
            }
            for key in ["public_url", "tab_dir"] {
                let set = match key {
                    "public_url" => self.server.public_url.is_some(),
                    _ => self.server.tab_dir.is_some(),
                };
                if set {
                    problems.warning(
                        &format!("server.{key}"),
                        "a directory serves no pages (nothing listens for the cloud); ignored",
                    );
                }
            }
        }
        match (&self.operator, role) {
            (Some(_), Role::Directory) => problems.warning(
                "operator",
                "a directory serves no pages; the cloud's configuration names the operator on /privacy",
            ),
            (Some(operator), _) => problems.within("operator", |p| check_operator(operator, p)),
            (None, Role::Directory) => {}
            (None, _) if production => problems.error(
                "operator",
                "required in production mode: the privacy statement at /privacy must name who runs this service and how to reach them (GDPR Art. 13): add [operator] with name, address and privacy_contact",
            ),
            (None, _) => {}
        }
        if production && self.demo.enabled {
            problems.error(
                "demo.enabled",
                "demo sign-in cannot be switched on in production mode (set server.mode = \"development\" for trials)",
            );
        }
        match &self.server.public_url {
            _ if role == Role::Directory => {}
            Some(url) => {
                if let Err(m) = check_public_url(url, production) {
                    problems.error("server.public_url", m);
                } else if let Some((name, _)) = host_of(url).and_then(|h| h.rsplit_once(':'))
                    && super::url::check_host(name).is_ok()
                {
                    // A real host name with a port (a trial on 127.0.0.1:8080 is no news):
                    // fine in a browser, but Teams and `kontakt package` will not take it.
                    problems.warning(
                        "server.public_url",
                        format!("{url:?} has a port: fine for a trial in a browser, but Teams loads tabs from the standard HTTPS port only, and `kontakt package --host {name}` makes the package for the address without it"),
                    );
                }
            }
            None if production => problems.error(
                "server.public_url",
                "required in production mode: the https address users reach the service at",
            ),
            None => {}
        }
        match &self.auth {
            None if !self.demo.enabled => problems.error(
                "auth",
                "missing: set auth.client_id to the Entra app registration's Application (client) ID",
            ),
            None => {}
            Some(auth) => problems.within("auth", |p| self.check_auth(auth, p)),
        }
        problems.within("limits", |p| check_limits(&self.limits, p));
        match (&self.callerid, role) {
            (Some(_), Role::Cloud) => problems.error(
                "callerid",
                "caller ID runs where the contacts are: configure it on kontakt directory (or serve), not on the cloud",
            ),
            (Some(callerid), _) => {
                let ids: Vec<String> = self.tenants.iter().map(|t| t.id.clone()).collect();
                problems.within("callerid", |p| callerid.check(&ids, self.demo.enabled, p));
            }
            (None, _) => {}
        }
        self.check_cloud_sections(role, &mut problems);
        if self.tenants.is_empty() && role != Role::Cloud {
            problems.error(
                "tenants",
                "no tenant is configured: add a [[tenants]] table",
            );
        }
        let mut tenant_ids = HashSet::new();
        for (i, tenant) in self.tenants.iter().enumerate() {
            problems.within(&format!("tenants[{i}]"), |p| {
                check_tenant(tenant, role, production, p);
                if is_guid(&tenant.id)
                    && tenant.id != NIL_GUID
                    && !tenant_ids.insert(tenant.id.to_ascii_lowercase())
                {
                    p.error("id", format!("tenant {} is configured twice", tenant.id));
                }
            });
        }
        problems
    }

    /// `[registry]` and `[admin]`, which only the cloud reads.
    fn check_cloud_sections(&self, role: Role, problems: &mut Problems) {
        let registry = &self.registry;
        let configured = registry.url.is_some() || registry.url_env.is_some();
        if let Some(cluster) = &self.cluster {
            if role != Role::Cloud {
                problems.warning(
                    "cluster",
                    format!(
                        "only the cloud runs on several nodes; {} ignores it",
                        role.name()
                    ),
                );
            } else if !cluster.nats.split(',').all(|url| {
                let url = url.trim();
                ["nats://", "tls://"].iter().any(|s| url.starts_with(s)) && url.len() > 7
            }) {
                // Never the URL itself: it may hold a password.
                problems.error(
                    "cluster.nats",
                    "must be nats://host:port (or tls://host:port), several separated by commas",
                );
            }
        }
        if role != Role::Cloud {
            if configured {
                problems.warning(
                    "registry",
                    format!(
                        "only the cloud keeps a registry; {} ignores it",
                        role.name()
                    ),
                );
            }
            if self.admin.is_some() {
                problems.warning(
                    "admin",
                    format!("only the cloud has /admin; {} ignores it", role.name()),
                );
            }
            return;
        }
        match (&registry.url, &registry.url_env) {
            (Some(_), Some(_)) => problems.error("registry.url", "give url or url_env, not both"),
            (Some(url), None) => {
                let known = ["sqlite:", "postgres://", "postgresql://"];
                if !known.iter().any(|k| url.starts_with(k)) {
                    // Never the URL itself: it may hold a password.
                    problems.error(
                        "registry.url",
                        "must start with sqlite: (a file) or postgres:// (a server)",
                    );
                }
            }
            (None, Some(_)) | (None, None) => {}
        }
        match &self.admin {
            Some(admin) => {
                if !admin.authority.starts_with("https://") {
                    problems.error("admin.authority", "must be an https:// address");
                }
                if self.auth.is_none() {
                    problems.error("auth", "missing: administrators sign in with [auth]'s client id");
                }
                problems.within("admin", |p| {
                    check_secret(
                        p,
                        "client_secret",
                        (&admin.client_secret_file, &admin.client_secret_env),
                        Some("missing: Entra redeems an administrator's sign-in only with the app registration's client secret"),
                        "the cloud",
                    )
                });
            }
            None if !self.demo.enabled => problems.warning(
                "admin",
                "missing: organisations cannot register at /admin (docs/deploy.md, \"Administrators' sign-in\")",
            ),
            None => {}
        }
    }

    fn check_auth(&self, auth: &AuthSection, problems: &mut Problems) {
        let production = self.production();
        if !is_guid(&auth.client_id) {
            problems.error(
                "client_id",
                format!(
                    "{:?} is not a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
                    auth.client_id
                ),
            );
        } else if auth.client_id == NIL_GUID {
            problems.error(
                "client_id",
                "is still the example's placeholder: put in the app registration's Application (client) ID",
            );
        }
        if let Some(uri) = &auth.application_id_uri {
            if !uri.starts_with("api://") {
                problems.error(
                    "application_id_uri",
                    format!("{uri:?} must start with api:// (api://HOST/CLIENT-ID)"),
                );
            } else if !uri.ends_with(&auth.client_id) {
                problems.error(
                    "application_id_uri",
                    format!(
                        "{uri:?} must end with the client id, as Teams SSO requires (api://HOST/{})",
                        auth.client_id
                    ),
                );
            } else if let Some(host) = self.server.public_url.as_deref().and_then(host_of) {
                let uri_host = uri["api://".len()..].split('/').next().unwrap_or_default();
                if !uri_host.eq_ignore_ascii_case(host) {
                    problems.error(
                        "application_id_uri",
                        format!(
                            "{uri:?} names the host {uri_host:?}, but server.public_url is on {host:?}: Teams SSO only works when they are the same (api://{host}/{})",
                            auth.client_id
                        ),
                    );
                }
            }
        }
        let https = auth.jwks_url.starts_with("https://")
            || (!production && auth.jwks_url.starts_with("http://"));
        if !https {
            problems.error(
                "jwks_url",
                format!("{:?} must be an https URL", auth.jwks_url),
            );
        } else if let Err(m) = check_ascii_url(&auth.jwks_url) {
            problems.error("jwks_url", m);
        }
        if auth.leeway > Duration::from_secs(300) {
            problems.error(
                "leeway",
                "at most 5 minutes: a larger leeway accepts expired tokens",
            );
        }
    }
}

fn check_limits(limits: &Limits, problems: &mut Problems) {
    if limits.searches_per_second == 0 {
        problems.error("searches_per_second", "must be at least 1");
    }
    if limits.burst < limits.searches_per_second {
        problems.error("burst", "must be at least limits.searches_per_second");
    }
    if limits.sign_ins_per_second == 0 {
        problems.error("sign_ins_per_second", "must be at least 1");
    }
    if limits.sign_in_burst < limits.sign_ins_per_second {
        problems.error(
            "sign_in_burst",
            "must be at least limits.sign_ins_per_second",
        );
    }
    if limits.caller_lookups_per_second == 0 {
        problems.error("caller_lookups_per_second", "must be at least 1");
    }
}

fn check_tenant(tenant: &TenantSection, role: Role, production: bool, problems: &mut Problems) {
    if !is_guid(&tenant.id) {
        problems.error(
            "id",
            format!("{:?} is not a GUID: use the Entra tenant id", tenant.id),
        );
    } else if tenant.id == NIL_GUID {
        problems.error(
            "id",
            "is still the example's placeholder: put in the Directory (tenant) ID from Entra ID > Overview",
        );
    }
    if tenant.name.trim().is_empty() {
        problems.error("name", "must not be empty");
    }
    if role == Role::Cloud {
        if tenant.dialing.is_some() || !tenant.sources.is_empty() {
            problems.error(
                "sources",
                "the cloud reads no sources: dialling and sources belong in the configuration of the tenant's kontakt directory",
            );
        }
        if tenant.directory_credentials.is_empty() {
            problems.error(
                "directory_credentials",
                "no credential: add the sha256 line `kontakt directory new-credential` printed, or no directory can link",
            );
        }
        let demo_line = crate::link::credential_line(crate::link::DEMO_CREDENTIAL);
        for (j, c) in tenant.directory_credentials.iter().enumerate() {
            if production && c.trim().eq_ignore_ascii_case(&demo_line) {
                problems.error(
                    &format!("directory_credentials[{j}]"),
                    "is the demo credential, which is public: make one with `kontakt directory new-credential`",
                );
            } else if crate::link::credential_hash(c) == Some([0; 32]) {
                problems.error(
                    &format!("directory_credentials[{j}]"),
                    "is still the example's placeholder: put in the sha256 line `kontakt directory new-credential` printed",
                );
            } else if crate::link::credential_hash(c).is_none() {
                problems.error(
                    &format!("directory_credentials[{j}]"),
                    "must be sha256: and 64 hex digits, as `kontakt directory new-credential` prints it (never the credential itself)",
                );
            }
        }
        return;
    }
    if !tenant.directory_credentials.is_empty() {
        problems.warning(
            "directory_credentials",
            format!(
                "only the cloud checks directory credentials; {} ignores them",
                role.name()
            ),
        );
    }
    match &tenant.dialing {
        Some(dialing) => {
            if let Err(e) = PhoneNormalizer::new(dialing) {
                problems.error("dialing", e.to_string());
            }
        }
        None => problems.error(
            "dialing",
            "missing: how this organisation's numbers are read, e.g. { country = \"DE\", area_code = \"89\" }",
        ),
    }
    if tenant.sources.is_empty() {
        problems.error("sources", "no source: add a [[tenants.sources]] table");
    }
    let mut source_ids = HashSet::new();
    for (j, source) in tenant.sources.iter().enumerate() {
        problems.within(&format!("sources[{j}]"), |p| {
            source.check(production, p);
            if !source_ids.insert(source.id.as_str()) {
                p.error(
                    "id",
                    format!("source {:?} is configured twice in this tenant", source.id),
                );
            }
        });
    }
}

fn check_operator(operator: &OperatorSection, problems: &mut Problems) {
    for (key, value) in [("name", &operator.name), ("address", &operator.address)] {
        if value.trim().is_empty() {
            problems.error(key, "must not be empty: the privacy statement shows it");
        }
    }
    let contact = operator.privacy_contact.trim();
    let email = contact.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty() && domain.contains('.') && !contact.contains(char::is_whitespace)
    });
    if !(email || contact.starts_with("https://")) {
        problems.error(
            "privacy_contact",
            "an e-mail address (datenschutz@example.com) or an https:// page where people can ask about their data",
        );
    }
}

fn check_link(link: &LinkSection, production: bool, problems: &mut Problems) {
    let https = link.cloud.starts_with("https://");
    if !(https || (!production && link.cloud.starts_with("http://"))) {
        problems.error(
            "cloud",
            format!(
                "{:?} must be an https:// address (http:// only in development mode)",
                link.cloud
            ),
        );
    } else if host_of(&link.cloud).is_none() {
        problems.error(
            "cloud",
            format!(
                "{:?} must be a scheme and host only, like https://contacts.example.com",
                link.cloud
            ),
        );
    } else if let Err(m) = check_ascii_url(&link.cloud) {
        problems.error("cloud", m);
    }
    // Without either, the credential `kontakt directory enroll` writes into the data folder.
    check_secret(
        problems,
        "credential",
        (&link.credential_file, &link.credential_env),
        None,
        "the directory",
    );
    if link.ping < Duration::from_secs(1) {
        problems.error("ping", "at least 1s");
    }
}

/// A secret named by a file (`{name}_file`) or an environment variable (`{name}_env`), not
/// both; `missing` is the error when neither is given (`None`: that is fine). The file must
/// exist and the variable be set where `runs` runs, which need not be where this is checked.
fn check_secret(
    problems: &mut Problems,
    name: &str,
    (file, env): (&Option<std::path::PathBuf>, &Option<String>),
    missing: Option<&str>,
    runs: &str,
) {
    let (file_key, env_key) = (format!("{name}_file"), format!("{name}_env"));
    match (file, env) {
        (Some(_), Some(_)) => {
            problems.error(&file_key, format!("give {file_key} or {env_key}, not both"))
        }
        (None, None) => {
            if let Some(missing) = missing {
                problems.error(&file_key, missing);
            }
        }
        (Some(file), None) if !file.exists() => problems.warning(
            &file_key,
            format!(
                "{} does not exist here (it must exist where {runs} runs)",
                file.display()
            ),
        ),
        (None, Some(var)) if std::env::var_os(var).is_none() => problems.warning(
            &env_key,
            format!(
                "the environment variable it names is not set here (it must be where {runs} runs)"
            ),
        ),
        _ => {}
    }
}
