//! What every request can reach: the tenants and their directories, the token validator,
//! limits, metrics, and what the site serves. Built once from the resolved settings.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::snapshot::SnapshotStore;

use crate::auth::{KeyStore, KeyStoreOptions, TokenValidator, ValidatorOptions};
use crate::cache_key::CacheKeys;
use crate::demo::{self, DemoIssuer};
use crate::limiter::RateLimiter;
use crate::metrics::Metrics;
use crate::settings::{CacheSecret, Consent, Limits, Settings, SignIn, TenantSettings};
use crate::web::Tab;

/// A registered organisation and its contacts.
pub struct Tenant {
    pub id: String,
    pub name: String,
    /// How it appears in logs and metrics.
    pub label: String,
    pub catalog: Arc<TenantDirectory>,
}

pub struct AppState {
    /// By lowercase tenant id.
    pub tenants: HashMap<String, Arc<Tenant>>,
    pub validator: TokenValidator,
    /// Present only in demo mode; its routes do not exist otherwise.
    pub demo: Option<DemoIssuer>,
    pub limits: Limits,
    pub limiter: Arc<RateLimiter>,
    /// Derives each user's device-cache key (`GET /me`).
    pub cache_keys: CacheKeys,
    pub metrics: Metrics,
    /// The built tab, or why there is none.
    pub tab: Result<Tab, String>,
    /// What the sign-in window asks consent for.
    pub consent: Option<Consent>,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    /// Opens every tenant's directory and everything else the routes need; `addr` is where
    /// the server listens (demo tokens name it as their audience).
    pub async fn open(settings: &Settings, addr: SocketAddr) -> anyhow::Result<SharedState> {
        let tenants = open_tenants(settings).await?;
        let cache_keys = match &settings.cache_secret {
            CacheSecret::File(path) => CacheKeys::load_or_create(path)?,
            CacheSecret::Public(secret) => CacheKeys::from_secret(secret),
        };
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
            SignIn::Entra(_) => None,
        };
        let limiter = Arc::new(RateLimiter::new(&settings.limits));
        RateLimiter::prune_while_alive(&limiter);
        let state = Arc::new(AppState {
            validator: validator(&settings.sign_in, addr),
            demo,
            tenants,
            limits: settings.limits.clone(),
            limiter,
            cache_keys,
            metrics: Metrics::new(),
            tab,
            consent: settings.consent.clone(),
        });
        Ok(state)
    }
}

/// Every tenant's directory, served from snapshots at once; sources without one are read
/// before the server answers (bounded by `startup_wait`), then all refresh in the
/// background.
async fn open_tenants(settings: &Settings) -> anyhow::Result<HashMap<String, Arc<Tenant>>> {
    let store = SnapshotStore::new(&settings.data_dir);
    let mut tenants = HashMap::new();
    for t in &settings.tenants {
        let tenant = open_tenant(t, &store, settings.startup_wait).await?;
        tenants.insert(t.id.clone(), Arc::new(tenant));
    }
    Ok(tenants)
}

async fn open_tenant(
    t: &TenantSettings,
    store: &SnapshotStore,
    startup_wait: Duration,
) -> anyhow::Result<Tenant> {
    let catalog = Arc::new(TenantDirectory::open(
        &t.label,
        &t.id,
        t.dialing.clone(),
        t.sources.clone(),
        store.clone(),
    )?);
    let first_loads = catalog.never_loaded().into_iter().map(|i| {
        let catalog = Arc::clone(&catalog);
        async move {
            let _ = catalog.refresh(i).await;
        }
    });
    if tokio::time::timeout(startup_wait, futures::future::join_all(first_loads))
        .await
        .is_err()
    {
        tracing::warn!(tenant = %t.label, "some sources are still loading; serving what is there");
    }
    catalog.spawn_refreshers();
    tracing::info!(tenant = %t.label, contacts = catalog.directory().len(), "tenant ready");
    Ok(Tenant {
        id: t.id.clone(),
        name: t.name.clone(),
        label: t.label.clone(),
        catalog,
    })
}

/// Production: Microsoft's keys and the app registration's audiences. Demo: this server's
/// own key set, fetched over HTTP like Microsoft's — the same validation code.
fn validator(sign_in: &SignIn, addr: SocketAddr) -> TokenValidator {
    let (keys, options) = match sign_in {
        SignIn::Demo => {
            let host = if addr.ip().is_unspecified() {
                SocketAddr::from(([127, 0, 0, 1], addr.port()))
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
        SignIn::Entra(entra) => {
            let mut keys = KeyStoreOptions::new(entra.jwks_url.clone());
            keys.min_refetch = entra.min_key_refetch;
            (
                keys,
                ValidatorOptions {
                    audiences: entra.audiences.clone(),
                    leeway: entra.leeway,
                },
            )
        }
    };
    TokenValidator::new(Arc::new(KeyStore::new(keys)), options)
}
