//! The service's own routes: the `/api/v1` API (authenticated except the demo routes and
//! its description), `/metrics` and `/healthz`. The OpenAPI description is generated from the
//! handlers' annotations and the shared wire types, so document and code cannot disagree.

mod contacts;
mod dev;
mod enroll;
mod errors;
mod health;
mod link;
mod me;
mod metrics;
mod openapi;
mod sealed;
mod search;
mod sources;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::layers::{authenticate, rate_limit};
use crate::state::SharedState;
pub use sealed::Ciphertext;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kontakt API",
        description = "Contact search for the Kontakt Teams tab. The sealed routes carry the \
                       user's Teams SSO token only inside the sealed request, for the \
                       organisation's directory; the plain routes (where the directory runs in \
                       the same process) need `Authorization: Bearer <Teams SSO token>`. \
                       Errors are `application/problem+json` (RFC 9457).",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "sealed", description = "Requests sealed end to end to the organisation's directory (the tab's way in): the cloud relays them and reads none"),
        (name = "contacts", description = "Search and read contacts of the caller's tenant (where the directory runs in the same process: kontakt serve)"),
        (name = "session", description = "Who the caller is"),
        (name = "directory", description = "The state of the tenant's contact sources"),
        (name = "demo", description = "Demo mode only: tokens and the key that signs them"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "entra",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The access token microsoftTeams.authentication.getAuthToken() returns \
                         (Microsoft Entra ID, RS256), or a demo token in demo mode.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The API under `/api/v1` and its description: the sealed routes always; the plain
/// routes where the directories run in this process (`kontakt serve`); the demo routes only
/// in demo mode.
pub fn api(state: &SharedState) -> Router<SharedState> {
    // The sealed routes carry no user token: the directory checks the one inside.
    let sealed = OpenApiRouter::new()
        .routes(routes!(sealed::directory_key))
        .routes(routes!(sealed::sealed));
    let mut routes = if state.demo.is_some() {
        sealed
            .routes(routes!(dev::token))
            .routes(routes!(dev::keys))
    } else {
        sealed
    };
    if !state.local.is_empty() {
        // Authentication runs first (the outer layer), then the per-user limit.
        let plain = OpenApiRouter::new()
            .routes(routes!(search::search))
            .routes(routes!(contacts::contact))
            .routes(routes!(me::me))
            .routes(routes!(sources::sources))
            .route_layer(from_fn_with_state(state.clone(), rate_limit))
            .route_layer(from_fn_with_state(state.clone(), authenticate));
        routes = routes.merge(plain);
    }
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", routes)
        .split_for_parts();
    api.merge(openapi::document(&doc))
}

/// Where directories link in: only on a cloud (the directories of `kontakt serve` are in
/// the same process). Outside the API's layers: a WebSocket, not a JSON route.
pub fn links(state: &SharedState) -> Router<SharedState> {
    if state.accepts_links {
        Router::new()
            .route(crate::link::LINK_PATH, get(link::accept))
            .route(
                crate::link::ENROLL_PATH,
                axum::routing::post(enroll::enroll),
            )
    } else {
        Router::new()
    }
}

/// What operators and load balancers read.
pub fn operations() -> Router<SharedState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::metrics))
}
