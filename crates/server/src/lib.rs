//! Kontakt's cloud service: the HTTP API the tab calls, token validation, tenants, and
//! serving the built tab.

pub mod access_log;
pub mod auth;
pub mod demo;
pub mod problem;
mod routes;
pub mod state;
mod web;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use axum::response::IntoResponse;
use kontakt_directory::Directory;
use kontakt_directory::phone::PhoneNormalizer;
use tokio::net::TcpListener;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{KeyStore, KeyStoreOptions, TokenValidator, ValidatorOptions};
use crate::demo::DemoIssuer;
use crate::state::{AppState, SharedState, Tenant};

pub use routes::ApiDoc;

/// How the server runs.
pub struct Options {
    pub listen: SocketAddr,
    /// Trunk's output folder; `None` serves only the API.
    pub tab_dir: Option<PathBuf>,
    pub demo: Option<DemoOptions>,
}

pub struct DemoOptions {
    pub size: usize,
    pub seed: u64,
}

/// A server listening on a port, for `main` and for tests.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Binds, builds everything and starts answering.
pub async fn start(options: Options) -> anyhow::Result<Running> {
    let listener = TcpListener::bind(options.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", options.listen))?;
    let addr = listener.local_addr()?;
    let app = build(&options, addr)?;
    let handle = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    Ok(Running { addr, handle })
}

fn build(options: &Options, addr: SocketAddr) -> anyhow::Result<Router> {
    let Some(demo) = &options.demo else {
        anyhow::bail!("nothing to serve: start with --demo (a configuration file follows later)");
    };
    let tenant_id = kontakt_directory::demo::TENANT_ID.to_owned();
    let normalizer = PhoneNormalizer::new(&kontakt_directory::demo::dialing())?;
    let started = std::time::Instant::now();
    let directory = Directory::build(
        kontakt_directory::demo::generate(demo.size, demo.seed),
        normalizer,
    );
    tracing::info!(
        contacts = directory.len(),
        ms = started.elapsed().as_millis() as u64,
        "demo directory ready"
    );
    let tenant = Arc::new(Tenant {
        id: tenant_id.clone(),
        name: kontakt_directory::demo::TENANT_NAME.to_owned(),
        directory: Arc::new(directory),
    });
    // Demo tokens are checked like real ones: the key set is fetched over HTTP from this
    // very server, as it would be from login.microsoftonline.com.
    let self_host = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    let keys = Arc::new(KeyStore::new(KeyStoreOptions::new(format!(
        "http://{self_host}/api/v1/dev/keys"
    ))));
    let validator = TokenValidator::new(
        keys,
        ValidatorOptions {
            audiences: vec![
                demo::CLIENT_ID.to_owned(),
                format!("api://{self_host}/{}", demo::CLIENT_ID),
            ],
            tenants: HashSet::from([tenant_id.clone()]),
            leeway: Duration::from_secs(60),
        },
    );
    let state: SharedState = Arc::new(AppState {
        tenants: HashMap::from([(tenant_id.clone(), tenant)]),
        validator,
        demo: Some(DemoIssuer::generate(&tenant_id)?),
    });
    Ok(router(state, options.tab_dir.as_deref(), true))
}

fn router(state: SharedState, tab_dir: Option<&std::path::Path>, demo: bool) -> Router {
    let (api, openapi) = OpenApiRouter::new()
        .nest("/api/v1", routes::api(demo))
        .split_for_parts();
    let openapi_json = openapi
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
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
        .layer(middleware::from_fn(problem::ensure_problem_json))
        .with_state(state);
    let tab = match tab_dir.map(web::Tab::load) {
        Some(Ok(tab)) => tab.router(),
        Some(Err(e)) => {
            tracing::warn!("{e}");
            web::not_built_router(e.to_string())
        }
        None => web::not_built_router("this server was started without the tab".into()),
    };
    api.merge(tab)
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .layer(middleware::from_fn(access_log::access_log))
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
