//! Everything an admin would want checked before the server starts, one function per part
//! of the file. Each problem names its key path (`tenants[0].sources[1].id`).

use std::collections::HashSet;
use std::time::Duration;

use kontakt_directory::check::Problems;
use kontakt_directory::phone::PhoneNormalizer;

use super::file::{AuthSection, ConfigFile, Limits, Mode, TenantSection};
use super::url::{check_ascii_url, check_public_url, host_of};
use crate::auth::is_guid;

/// What deploy/kontakt.toml holds where an admin's own ids go.
const NIL_GUID: &str = "00000000-0000-0000-0000-000000000000";

impl ConfigFile {
    pub fn production(&self) -> bool {
        self.server.mode == Mode::Production
    }

    /// Every problem of an otherwise well-formed configuration.
    pub fn problems(&self) -> Problems {
        let mut problems = Problems::default();
        let production = self.production();
        if production && self.demo.enabled {
            problems.error(
                "demo.enabled",
                "demo sign-in cannot be switched on in production mode (set server.mode = \"development\" for trials)",
            );
        }
        match &self.server.public_url {
            Some(url) => {
                if let Err(m) = check_public_url(url, production) {
                    problems.error("server.public_url", m);
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
        if self.tenants.is_empty() {
            problems.error(
                "tenants",
                "no tenant is configured: add a [[tenants]] table",
            );
        }
        let mut tenant_ids = HashSet::new();
        for (i, tenant) in self.tenants.iter().enumerate() {
            problems.within(&format!("tenants[{i}]"), |p| {
                check_tenant(tenant, production, p);
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
}

fn check_tenant(tenant: &TenantSection, production: bool, problems: &mut Problems) {
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
    if let Err(e) = PhoneNormalizer::new(&tenant.dialing) {
        problems.error("dialing", e.to_string());
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
