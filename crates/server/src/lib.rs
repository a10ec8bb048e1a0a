//! Kontakt's cloud service: the HTTP API the tab calls, token validation, tenants, and
//! serving the built tab.

pub mod access_log;
pub mod auth;
pub mod cache_key;
pub mod config;
pub mod demo;
pub mod metrics;
pub mod package;
mod pages;
pub mod problem;
mod routes;
pub mod state;
mod web;
pub use web::TAB_EMBEDDED;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::response::IntoResponse;
use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::SourceConfig;
use tokio::net::TcpListener;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{KeyStore, KeyStoreOptions, TokenValidator, ValidatorOptions};
use crate::cache_key::CacheKeys;
use crate::config::{Config, DemoConfig, Limits, Mode, ServerConfig, TenantConfig};
use crate::demo::DemoIssuer;
use crate::state::{AppState, SharedState, Tenant};

pub use routes::ApiDoc;

/// The configuration `kontakt serve --demo` runs with: one demo tenant, development mode,
/// snapshots in a temporary folder.
pub fn demo_config(size: usize, seed: u64, listen: SocketAddr) -> Config {
    let source: SourceConfig = toml::from_str(&format!(
        "type = \"demo\"\nid = \"{}\"\nname = \"{}\"\nsize = {size}\nseed = {seed}\nrefresh = \"24h\"\n",
        kontakt_directory::demo::SOURCE_ID,
        kontakt_directory::demo::SOURCE_NAME
    ))
    .expect("the demo source configuration is valid");
    Config {
        server: ServerConfig {
            mode: Mode::Development,
            listen,
            data_dir: std::path::PathBuf::new(),
            startup_wait: Duration::from_secs(600),
            ..ServerConfig::default()
        },
        auth: None,
        demo: DemoConfig { enabled: true },
        limits: Limits::default(),
        tenants: vec![TenantConfig {
            id: kontakt_directory::demo::TENANT_ID.to_owned(),
            name: kontakt_directory::demo::TENANT_NAME.to_owned(),
            dialing: kontakt_directory::demo::dialing(),
            sources: vec![source],
        }],
    }
}

/// A server listening on a port, for `main` and for tests.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The demo's snapshot folder; removed when this is dropped.
    _scratch: Option<tempfile::TempDir>,
}

/// Checks the configuration, opens every tenant's directory, binds and starts answering.
pub async fn start(mut config: Config) -> anyhow::Result<Running> {
    config.validate()?;
    // An empty data_dir (the demo's) means a temporary folder, removed at exit.
    let scratch = if config.server.data_dir.as_os_str().is_empty() {
        let dir = tempfile::Builder::new().prefix("kontakt-demo-").tempdir()?;
        config.server.data_dir = dir.path().to_owned();
        Some(dir)
    } else {
        None
    };
    let listener = TcpListener::bind(config.server.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let tenants = open_tenants(&config).await?;
    let cache_keys = match &config.server.cache_secret_file {
        Some(path) => CacheKeys::load_or_create(path)?,
        // A throwaway demo: generated contacts only, and favourites survive a restart.
        None if scratch.is_some() && config.demo.enabled => {
            CacheKeys::from_secret(DEMO_CACHE_SECRET)
        }
        None => CacheKeys::load_or_create(&config.server.data_dir.join("cache-secret"))?,
    };
    let quota = governor::Quota::per_second(
        NonZeroU32::new(config.limits.searches_per_second).unwrap_or(NonZeroU32::MIN),
    )
    .allow_burst(NonZeroU32::new(config.limits.burst).unwrap_or(NonZeroU32::MIN));
    let state = Arc::new(AppState {
        validator: validator(&config, addr, &tenants),
        demo: if config.demo.enabled {
            Some(DemoIssuer::generate(kontakt_directory::demo::TENANT_ID)?)
        } else {
            None
        },
        tenants,
        limits: config.limits.clone(),
        limiter: governor::RateLimiter::keyed(quota),
        cache_keys,
        metrics: metrics::Metrics::new(),
    });
    // The limiter remembers every user it saw; forget those who have been quiet.
    let pruned = Arc::downgrade(&state);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(60)).await;
            let Some(state) = pruned.upgrade() else { break };
            state.limiter.retain_recent();
        }
    });
    let hsts = config
        .server
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    // A folder named in the configuration wins, so an admin can try a newer tab without a
    // new binary; otherwise the tab built into a release binary.
    let tab = match &config.server.tab_dir {
        Some(dir) => web::Tab::from_dir(dir, hsts),
        None => web::Tab::embedded(hsts).unwrap_or_else(|| {
            Err(anyhow::anyhow!(
                "this server was built without the tab and started without one (set server.tab_dir, or build with --features embed-tab)"
            ))
        }),
    };
    let mut pages = pages::auth(
        config.auth.as_ref().map(|a| a.client_id.clone()),
        config
            .audiences()
            .into_iter()
            .find(|a| a.starts_with("api://")),
    )
    .merge(pages::legal());
    if config.demo.enabled {
        pages = pages.merge(pages::simulator());
    }
    let app = router(state, tab, config.demo.enabled, pages);
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    Ok(Running {
        addr,
        handle,
        _scratch: scratch,
    })
}

/// Every tenant's directory, served from snapshots at once; sources without one are read
/// before the server answers (bounded by `startup_wait`), then all refresh in the
/// background.
async fn open_tenants(config: &Config) -> anyhow::Result<HashMap<String, Arc<Tenant>>> {
    let store = SnapshotStore::new(&config.server.data_dir);
    let mut tenants = HashMap::new();
    for t in &config.tenants {
        let id = t.id.to_ascii_lowercase();
        let label = access_log::tenant_hash(&id);
        let catalog = Arc::new(TenantDirectory::open(
            &label,
            &id,
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
        if tokio::time::timeout(
            config.server.startup_wait,
            futures::future::join_all(first_loads),
        )
        .await
        .is_err()
        {
            tracing::warn!(tenant = %label, "some sources are still loading; serving what is there");
        }
        catalog.spawn_refreshers();
        tracing::info!(tenant = %label, contacts = catalog.directory().len(), "tenant ready");
        tenants.insert(
            id.clone(),
            Arc::new(Tenant {
                id,
                name: t.name.clone(),
                catalog,
            }),
        );
    }
    Ok(tenants)
}

/// Production: Microsoft's keys and the app registration's audiences. Demo: this server's
/// own key set, fetched over HTTP like Microsoft's — the same validation code.
fn validator(
    config: &Config,
    addr: SocketAddr,
    tenants: &HashMap<String, Arc<Tenant>>,
) -> TokenValidator {
    let tenant_ids: HashSet<String> = tenants.keys().cloned().collect();
    let mut keys = KeyStoreOptions::new(String::new());
    let (jwks, audiences, leeway) = if config.demo.enabled {
        let host = if addr.ip().is_unspecified() {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        } else {
            addr
        };
        (
            format!("http://{host}/api/v1/dev/keys"),
            vec![
                demo::CLIENT_ID.to_owned(),
                format!("api://{host}/{}", demo::CLIENT_ID),
            ],
            Duration::from_secs(60),
        )
    } else {
        let auth = config
            .auth
            .as_ref()
            .expect("validated: auth is present without demo");
        keys.min_refetch = auth.min_key_refetch;
        (auth.jwks_url.clone(), config.audiences(), auth.leeway)
    };
    keys.url = jwks;
    TokenValidator::new(
        Arc::new(KeyStore::new(keys)),
        ValidatorOptions {
            audiences,
            tenants: tenant_ids,
            leeway,
        },
    )
}

/// Largest request body the API accepts (only the demo token route has one).
const MAX_BODY: usize = 16 * 1024;

/// The cache secret of a demo without a data folder. Public on purpose: demo contacts are
/// generated, and users of a demo keep their pinned contacts across restarts.
const DEMO_CACHE_SECRET: &[u8] = b"kontakt demo: generated contacts only, not a secret";

fn router(state: SharedState, tab: anyhow::Result<web::Tab>, demo: bool, pages: Router) -> Router {
    let (api, openapi) = OpenApiRouter::new()
        .nest("/api/v1", routes::api(demo))
        .split_for_parts();
    let openapi_json = openapi
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    let timeout = state.limits.request_timeout;
    let api = api
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let body = openapi_json.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { axum::http::StatusCode::NOT_FOUND }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(middleware::from_fn(problem::ensure_problem_json))
        // Contact data and keys must not land in the browser's HTTP cache on disk: the only
        // contact data on a user's machine is their encrypted favourites and recents.
        .layer(SetResponseHeaderLayer::overriding(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest))
        .with_state(state.clone());
    let tab = match tab {
        Ok(tab) => tab.router(),
        Err(e) => {
            tracing::warn!("{e}");
            web::not_built_router(e.to_string())
        }
    };
    let metrics_state = state.clone();
    api.merge(pages)
        .merge(tab)
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .route(
            "/metrics",
            axum::routing::get(move || {
                let state = metrics_state.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        state.metrics.render(&state.tenants),
                    )
                }
            }),
        )
        .layer(middleware::from_fn_with_state(
            state,
            access_log::access_log,
        ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
