//! The service's own routes: the `/api/v1` API (authenticated except the demo routes and
//! its description), `/metrics` and `/healthz`. The OpenAPI description is generated from the
//! handlers' annotations and the shared wire types, so document and code cannot disagree.

mod contacts;
mod dev;
mod errors;
mod health;
mod me;
mod metrics;
mod openapi;
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

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kontakt API",
        description = "Contact search for the Kontakt Teams tab. Every route except the demo \
                       routes and this document needs `Authorization: Bearer <Teams SSO token>`. \
                       Errors are `application/problem+json` (RFC 9457).",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "contacts", description = "Search and read contacts of the caller's tenant"),
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

/// The API under `/api/v1` and its description; the demo routes only in demo mode.
pub fn api(state: &SharedState) -> Router<SharedState> {
    // Authentication runs first (the outer layer), then the per-user limit.
    let authenticated = OpenApiRouter::new()
        .routes(routes!(search::search))
        .routes(routes!(contacts::contact))
        .routes(routes!(me::me))
        .routes(routes!(sources::sources))
        .route_layer(from_fn_with_state(state.clone(), rate_limit))
        .route_layer(from_fn_with_state(state.clone(), authenticate));
    let public = if state.demo.is_some() {
        OpenApiRouter::new()
            .routes(routes!(dev::token))
            .routes(routes!(dev::keys))
    } else {
        OpenApiRouter::new()
    };
    let (api, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", authenticated.merge(public))
        .split_for_parts();
    api.merge(openapi::document(&doc))
}

/// What operators and load balancers read.
pub fn operations() -> Router<SharedState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::metrics))
}
