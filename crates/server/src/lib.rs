//! Kontakt's service in its three roles, one binary: the cloud (sign-in, tenants, links,
//! the tab; no contacts), the directory (sources, index, answering sealed requests; dials
//! out to the cloud), and `serve`, both in one process linked in memory. `main` only wires:
//! settings → [`start`] or [`start_directory`]; tests call [`app`] directly.

pub mod admin;
pub mod allocator;
pub mod auth;
pub mod cache_key;
pub mod callerid;
pub mod cluster;
mod compress;
pub mod demo;
pub mod layers;
pub mod limiter;
pub mod link;
pub mod metrics;
pub mod onprem;
pub mod operator;
pub mod package;
mod pages;
pub mod problem;
pub mod read_sources;
pub mod registry;
pub mod relay;
mod routes;
pub mod settings;
pub mod state;
pub mod telemetry;
pub mod tenants;
mod web;

pub use routes::ApiDoc;
pub use state::{AppState, SharedState};
pub use web::TAB_EMBEDDED;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Extensions, HeaderMap, Version};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use tokio::net::TcpListener;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

use crate::settings::Settings;

/// Largest request body the API accepts (only the demo token route has one).
const MAX_BODY: usize = 16 * 1024;

/// Every route of the service, over `state`.
pub fn app(state: SharedState) -> Router {
    let api = routes::api(&state)
        .route(
            "/api/{*rest}",
            axum::routing::any(|| async { StatusCode::NOT_FOUND }),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            state.limits.request_timeout,
        ))
        .layer(middleware::from_fn(problem::ensure_problem_json))
        // Contact data and keys must not land in the browser's HTTP cache on disk: the only
        // contact data on a user's machine is their encrypted favourites and recents.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Fastest)
                // Ciphertext does not compress: trying costs the server and the tab time.
                .compress_when(DefaultPredicate::new().and(
                    |_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions| {
                        extensions.get::<routes::Ciphertext>().is_none()
                    },
                )),
        );
    let mut pages =
        pages::auth(state.consent.as_ref()).merge(pages::legal(state.operator.as_ref()));
    if state.demo.is_some() {
        pages = pages.merge(pages::simulator());
    }
    let tab = match &state.tab {
        Ok(tab) => tab.clone().router(),
        Err(reason) => web::not_built_router(reason.clone()),
    };
    let admin = admin::router(&state);
    api.merge(routes::operations())
        .merge(admin)
        .merge(routes::links(&state))
        .merge(callerid::relayed::router(&state))
        .merge(pages)
        .merge(tab)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layers::access_log,
        ))
        .with_state(state)
}

/// A server listening on a port, for `main` and for tests that need a real socket.
pub struct Running {
    pub addr: SocketAddr,
    /// What the routes share (tests flush counters and read links through it).
    pub state: SharedState,
    /// Where caller ID listens, when it does.
    pub callerid: CallerIdAddrs,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Keeps a temporary data folder (the demo's) until the server is gone.
    _settings: Settings,
}

/// `kontakt serve` or `kontakt cloud`: binds, opens what the role holds and starts
/// answering.
pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    survive_file_size_limits();
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::open(&settings, addr).await?;
    check_signing_keys(&settings, &state.validator);
    if let Some(cluster) = &settings.cluster {
        cluster::join(cluster, Arc::clone(&state.links)).await?;
    }
    let mut callerid = CallerIdAddrs::default();
    if let Some(c) = &settings.callerid {
        let counters = (
            state.metrics.callerid_lookups.clone(),
            state.metrics.callerid_hits.clone(),
        );
        callerid = start_callerid(c, state.local.values(), counters, settings.demo).await?;
    }
    let app = app(state.clone());
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    Ok(Running {
        addr,
        state,
        callerid,
        handle,
        _settings: settings,
    })
}

/// `kontakt directory` running: no listener; its link to the cloud and its status file.
pub struct DirectoryRunning {
    pub directory: std::sync::Arc<onprem::Directory>,
    /// Ends with the reason when the cloud tells the directory to stop.
    pub link: tokio::task::JoinHandle<String>,
    _settings: Settings,
}

/// `kontakt directory`: opens the tenant's directory and dials out to the cloud.
pub async fn start_directory(settings: Settings) -> anyhow::Result<DirectoryRunning> {
    survive_file_size_limits();
    use std::sync::Mutex;
    let link = settings
        .link
        .clone()
        .ok_or_else(|| anyhow::anyhow!("a directory needs [link]"))?;
    let tenant = settings
        .tenants
        .first()
        .ok_or_else(|| anyhow::anyhow!("a directory needs its tenant"))?;
    if link.credential.is_none() {
        anyhow::bail!(
            "this directory is not enrolled yet: kontakt directory enroll --config … --cloud {} --code CODE, with a one-time code from {}/admin (it writes {})",
            link.cloud,
            link.cloud,
            link.credential_file.display()
        );
    }
    let services = onprem::Services {
        data_dir: settings.data_dir.clone(),
        startup_wait: settings.startup_wait,
        validator: Arc::new(settings.sign_in.validator(None)),
        cache_keys: Arc::new(settings.cache_secret.keys(&settings.data_dir)?),
        limiter: limiter::RateLimiter::per_user(&settings.limits),
        demo: settings.demo_enabled(),
        public_key: settings.throwaway_demo(),
        search_seconds: None,
    };
    check_signing_keys(&settings, &services.validator);
    let directory = onprem::Directory::open(tenant, &services).await?;
    if let Some(callerid) = &settings.callerid {
        // A directory has no /metrics: the counts stay in the process.
        start_callerid(callerid, [&directory], Default::default(), settings.demo).await?;
    }
    let status = Arc::new(Mutex::new(onprem::status::LinkStatus::new(&link.cloud)));
    onprem::status::spawn_writer(
        Arc::clone(&directory),
        Arc::clone(&status),
        onprem::status::path(&settings.data_dir, &directory.tenant),
    );
    let link = tokio::spawn(onprem::client::run(Arc::clone(&directory), link, status));
    Ok(DirectoryRunning {
        directory,
        link,
        _settings: settings,
    })
}

/// Caller ID for `directories`: its own listeners (REST, and LDAP when configured), and
/// the lookups the cloud relays. In demo mode a taken port is not fatal (several demos on
/// one machine): that listener is then off, and the log says so. Returns the REST and LDAP
/// addresses listened on.
async fn start_callerid<'a>(
    settings: &settings::CallerIdSettings,
    directories: impl IntoIterator<Item = &'a Arc<onprem::Directory>>,
    counters: (
        prometheus_client::metrics::counter::Counter,
        prometheus_client::metrics::counter::Counter,
    ),
    demo: bool,
) -> anyhow::Result<CallerIdAddrs> {
    let directories: Vec<&Arc<onprem::Directory>> = directories.into_iter().collect();
    let bind = |addr: SocketAddr, what: &'static str| async move {
        match TcpListener::bind(addr).await {
            Ok(listener) => Ok(Some(listener)),
            Err(e) if demo => {
                tracing::warn!(address = %addr, error = %e, "caller ID over {what} is off: its demo address is taken");
                Ok(None)
            }
            Err(e) => Err(anyhow::anyhow!(
                "cannot listen for caller ID ({what}) on {addr}: {e}"
            )),
        }
    };
    let catalogs = directories
        .iter()
        .map(|d| (d.tenant.clone(), Arc::clone(&d.catalog)))
        .collect();
    let state = callerid::CallerId::new(settings, catalogs, counters);
    for directory in &directories {
        directory.take_caller_lookups(Arc::clone(&state));
    }
    let mut addrs = CallerIdAddrs::default();
    if let Some(rest) = settings.listen
        && let Some(listener) = bind(rest, "HTTP").await?
    {
        addrs.rest = Some(listener.local_addr()?);
        tokio::spawn(callerid::serve(listener, Arc::clone(&state)));
    }
    if let Some(ldap) = settings.ldap_listen
        && let Some(listener) = bind(ldap, "LDAP").await?
    {
        addrs.ldap = Some(listener.local_addr()?);
        tokio::spawn(callerid::ldap::serve(listener, Arc::clone(&state)));
    }
    tracing::info!(
        http = ?addrs.rest,
        ldap = ?addrs.ldap,
        through_cloud = settings.relay,
        clients = settings.clients.len(),
        "caller ID on (anynode, AudioCodes, generic JSON; LDAP)"
    );
    Ok(addrs)
}

/// Whether the issuer's signing keys can be fetched, tried at once in the background and
/// logged either way (demo sign-in uses this server's own keys: nothing to check).
fn check_signing_keys(settings: &Settings, validator: &Arc<auth::TokenValidator>) {
    if matches!(settings.sign_in, settings::SignIn::Issuer(_)) {
        let validator = Arc::clone(validator);
        tokio::spawn(async move { validator.check_keys_at_start().await });
    }
}

/// Where caller ID listens.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallerIdAddrs {
    pub rest: Option<SocketAddr>,
    pub ldap: Option<SocketAddr>,
}

/// A file-size limit (`ulimit -f`, systemd's `LimitFSIZE=`) would kill the process with
/// SIGXFSZ the moment a snapshot outgrows it. Caught, the signal makes the write fail with
/// "File too large" instead: the refresh fails and says so, the last snapshot keeps serving.
pub fn survive_file_size_limits() {
    #[cfg(unix)]
    if let Ok(mut signal) =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(libc::SIGXFSZ))
    {
        tokio::spawn(async move { while signal.recv().await.is_some() {} });
    }
}

/// Waits for Ctrl+C or SIGTERM.
pub async fn shutdown_signal() {
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
