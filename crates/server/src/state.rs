//! What every request can reach: the registered tenants, the links to their directories,
//! the token validator, limits, metrics, and what the site serves. In `kontakt serve` also
//! the tenants' directories themselves, linked in memory. Built once from the settings.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::TokenValidator;
use crate::demo::{self, DemoIssuer};
use crate::layers::Caller;
use crate::limiter::RateLimiter;
use crate::metrics::Metrics;
use crate::onprem::{Directory, LocalLink, Services};
use crate::problem::ApiError;
use crate::registry::Registry;
use crate::relay::tickets::CheckedTickets;
use crate::relay::{Links, Registration};
use crate::settings::{Consent, Limits, Role, Settings, SignIn};
use crate::telemetry::Telemetry;
use crate::tenants::TenantBook;
use crate::web::Tab;

pub use crate::tenants::Tenant;

pub struct AppState {
    /// The organisations served, by lowercase tenant id.
    pub tenants: Arc<TenantBook>,
    /// Anonymous counters on their way to the registry.
    pub telemetry: Arc<Telemetry>,
    /// The directories linked right now.
    pub links: Arc<Links>,
    /// Relay tickets already checked.
    pub tickets: CheckedTickets,
    /// `kontakt serve`: the tenants' directories in this process, by tenant id.
    pub local: HashMap<String, Arc<Directory>>,
    /// Keeps the in-process directories linked.
    _local_links: Vec<Registration>,
    /// Directories may link in over `/api/v1/link` (the cloud).
    pub accepts_links: bool,
    pub link_ping: Duration,
    pub validator: Arc<TokenValidator>,
    /// Present only in demo mode; its routes do not exist otherwise.
    pub demo: Option<DemoIssuer>,
    pub limits: Limits,
    /// Per user, where users are known (the plain API).
    pub limiter: Arc<RateLimiter>,
    /// Per relay ticket (the cloud knows tickets, not users).
    pub ticket_limiter: Arc<RateLimiter<[u8; 16]>>,
    /// Enrollment attempts, across the cloud: codes cannot be guessed.
    pub enroll_limiter: Arc<RateLimiter<()>>,
    /// Sign-ins per organisation: the requests relayed without a ticket.
    pub sign_in_limiter: Arc<RateLimiter<String>>,
    pub metrics: Metrics,
    /// The built tab, or why there is none.
    pub tab: Result<Tab, String>,
    /// What the sign-in window asks consent for.
    pub consent: Option<Consent>,
    /// Who runs the service (`/privacy`).
    pub operator: Option<crate::settings::OperatorSection>,
    /// `/admin` (the cloud).
    pub admin: Option<crate::admin::Admin>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Everything the routes need; in `kontakt serve` the tenants' directories too. `addr`
    /// is where the server listens (demo tokens name it as their audience).
    pub async fn open(settings: &Settings, addr: SocketAddr) -> anyhow::Result<SharedState> {
        let validator = Arc::new(settings.sign_in.validator(Some(addr)));
        let metrics = Metrics::new();
        let limiter = RateLimiter::per_user(&settings.limits);
        let links = Arc::new(Links::default());
        let mut local = HashMap::new();
        let mut local_links = Vec::new();
        if settings.role == Role::Serve {
            let services = Services {
                data_dir: settings.data_dir.clone(),
                startup_wait: settings.startup_wait,
                validator: Arc::clone(&validator),
                cache_keys: Arc::new(settings.cache_secret.keys(&settings.data_dir)?),
                limiter: Arc::clone(&limiter),
                demo: settings.demo_enabled(),
                public_key: settings.throwaway_demo(),
                search_seconds: Some(metrics.search_seconds.clone()),
            };
            for t in &settings.tenants {
                let directory = Directory::open(t, &services).await?;
                // For `kontakt status` on the server: what an administrator has there is the
                // configuration and the data folder, not a user's token for /api/v1/sources.
                crate::onprem::status::spawn_writer(
                    Arc::clone(&directory),
                    Arc::new(std::sync::Mutex::new(
                        crate::onprem::status::LinkStatus::in_process(),
                    )),
                    crate::onprem::status::path(&settings.data_dir, &t.id),
                );
                let link = Arc::new(LocalLink(Arc::clone(&directory)));
                local_links.push(links.add(&t.id, directory.key(), link, None));
                local.insert(t.id.clone(), directory);
            }
        }
        // A folder named in the configuration wins, so an admin can try a newer tab without
        // a new binary; otherwise the tab built into a release binary.
        let tab = match &settings.tab_dir {
            Some(dir) => Tab::from_dir(dir, settings.hsts),
            None => Tab::embedded(settings.hsts).unwrap_or_else(|| {
                Err(anyhow::anyhow!(
                    "this server was built without the tab and started without one (set server.tab_dir, or build with --features embed-tab)"
                ))
            }),
        }
        .map_err(|e| {
            tracing::warn!("{e}");
            e.to_string()
        });
        let demo = match settings.sign_in {
            SignIn::Demo => Some(DemoIssuer::generate(demo::TENANT_ID)?),
            SignIn::Issuer(_) => None,
        };
        let l = &settings.limits;
        let registry = if settings.role == Role::Cloud {
            Some(Arc::new(open_registry(settings).await?))
        } else {
            None
        };
        let fixed = settings
            .tenants
            .iter()
            .map(|t| Tenant {
                id: t.id.clone(),
                name: t.name.clone(),
                label: t.label.clone(),
                credentials: t.credentials.clone(),
                ends_at: None,
            })
            .collect();
        let tenants = Arc::new(TenantBook::new(fixed, registry.clone()));
        tenants.reload().await?;
        tenants.spawn_watch(Arc::clone(&links));
        let telemetry = Arc::new(Telemetry::new(registry.clone()));
        telemetry.spawn_flush();
        if let Some(registry) = &registry {
            crate::registry::spawn_daily_purge(Arc::clone(registry));
        }
        // Only the cloud keeps a registry, and only the cloud has /admin.
        let admin = registry
            .clone()
            .map(|registry| open_admin(settings, addr, registry))
            .transpose()?
            .flatten();
        Ok(Arc::new(AppState {
            admin,
            tenants,
            telemetry,
            links,
            tickets: CheckedTickets::default(),
            local,
            _local_links: local_links,
            accepts_links: settings.role == Role::Cloud,
            link_ping: Duration::from_secs(20),
            validator,
            demo,
            limits: settings.limits.clone(),
            limiter,
            ticket_limiter: RateLimiter::new(l.searches_per_second, l.burst).pruned_while_alive(),
            enroll_limiter: Arc::new(RateLimiter::new(1, 20)),
            sign_in_limiter: RateLimiter::new(l.sign_ins_per_second, l.sign_in_burst)
                .pruned_while_alive(),
            metrics,
            tab,
            consent: settings.consent.clone(),
            operator: settings.operator.clone(),
        }))
    }

    /// The registry (the cloud).
    pub fn registry(&self) -> Result<&Arc<Registry>, ApiError> {
        self.tenants
            .registry
            .as_ref()
            .ok_or_else(|| ApiError::NotFound(String::from("only the cloud keeps a registry")))
    }

    /// The caller's directory in this process (the plain API of `kontakt serve`).
    pub fn local(&self, caller: &Caller) -> Result<&Arc<Directory>, ApiError> {
        self.local.get(&caller.tenant.id).ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "the plain API is routed only where the directories are in this process"
            ))
        })
    }
}

/// The cloud's registry, created in the data folder when it is the default SQLite file;
/// the demo organisation registered in it when the demo asks for that.
async fn open_registry(settings: &Settings) -> anyhow::Result<Registry> {
    if settings.registry_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the data folder {}: {e}",
                settings.data_dir.display()
            )
        })?;
    }
    let registry = Registry::open(&settings.registry_url).await?;
    if settings.register_demo_tenant {
        crate::registry::register_demo(&registry).await?;
    }
    Ok(registry)
}

/// `/admin`: signing administrators in with Entra ID, or in demo mode with the demo's own
/// identity provider at this server's address. `None` when neither is configured.
fn open_admin(
    settings: &Settings,
    addr: SocketAddr,
    registry: Arc<Registry>,
) -> anyhow::Result<Option<crate::admin::Admin>> {
    use crate::admin::{Admin, demo_idp::DemoIdp, oidc::Client, session::SessionKeys};
    let local = || {
        let host = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        format!("http://{host}")
    };
    let base = settings.public_url.clone().unwrap_or_else(local);
    let (client, demo_idp) = match (&settings.admin, settings.demo) {
        (_, true) => (
            Client::new(&format!("{base}/dev/idp"), demo::CLIENT_ID, None, &base),
            Some(DemoIdp::default()),
        ),
        (Some(a), false) => (
            Client::new(&a.authority, &a.client_id, a.client_secret.clone(), &base),
            None,
        ),
        (None, false) => return Ok(None),
    };
    let keys = SessionKeys::load_or_create(&settings.data_dir, base.starts_with("https://"))?;
    Ok(Some(Admin {
        client,
        keys,
        demo_idp,
        registry,
    }))
}
