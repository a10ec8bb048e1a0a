//! The `/api/v1` routes. Their OpenAPI description is generated from the handlers'
//! annotations and the shared wire types, so document and code cannot disagree.

mod contacts;
mod dev;
mod errors;
mod me;
mod search;
mod sources;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

/// The API routes, with the demo routes only when `demo` is set.
pub fn api(demo: bool) -> OpenApiRouter<SharedState> {
    let router = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search::search))
        .routes(routes!(contacts::contact))
        .routes(routes!(me::me))
        .routes(routes!(sources::sources));
    if demo {
        router
            .routes(routes!(dev::token))
            .routes(routes!(dev::keys))
    } else {
        router
    }
}
