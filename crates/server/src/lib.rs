//! Kontakt's service: the HTTP API the tab calls, token validation, tenants, and serving
//! the built tab. `main` only wires: settings → [`start`]; tests call [`app`] directly.

pub mod auth;
pub mod cache_key;
pub mod demo;
pub mod layers;
pub mod limiter;
pub mod metrics;
pub mod package;
mod pages;
pub mod problem;
mod routes;
pub mod settings;
pub mod state;
mod web;

pub use routes::ApiDoc;
pub use state::{AppState, SharedState};
pub use web::TAB_EMBEDDED;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use tokio::net::TcpListener;
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
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest));
    let mut pages = pages::auth(state.consent.as_ref()).merge(pages::legal());
    if state.demo.is_some() {
        pages = pages.merge(pages::simulator());
    }
    let tab = match &state.tab {
        Ok(tab) => tab.clone().router(),
        Err(reason) => web::not_built_router(reason.clone()),
    };
    api.merge(routes::operations())
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
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Keeps a temporary data folder (the demo's) until the server is gone.
    _settings: Settings,
}

/// Binds, opens every tenant's directory and starts answering.
pub async fn start(settings: Settings) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(settings.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let state = AppState::open(&settings, addr).await?;
    let app = app(state);
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    Ok(Running {
        addr,
        handle,
        _settings: settings,
    })
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
