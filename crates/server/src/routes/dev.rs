//! Demo mode only: these routes are not registered without `--demo`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use kontakt_api::{DevTokenRequest, DevTokenResponse, Problem};

use crate::problem::ApiError;
use crate::state::SharedState;

/// Issue a demo token (demo mode only; no authentication).
#[utoipa::path(
    post,
    path = "/dev/token",
    tag = "demo",
    request_body(content = Option<DevTokenRequest>, description = "Optional: who the token is for; the demo user when empty", content_type = "application/json"),
    responses(
        (status = 200, description = "A token the service accepts for the demo tenant", body = DevTokenResponse),
        (status = 400, description = "The body is not valid JSON of the documented shape", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn token(
    State(state): State<SharedState>,
    body: Bytes,
) -> Result<Json<DevTokenResponse>, ApiError> {
    let issuer = state
        .demo
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("demo mode is off".into()))?;
    let request: DevTokenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DevTokenRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::BadRequest(format!(
                "the request body is not a valid token request: {e}"
            ))
        })?
    };
    issuer.issue(&request).map(Json)
}

/// The key set that signs demo tokens (demo mode only; public, like any JWKS).
#[utoipa::path(
    get,
    path = "/dev/keys",
    tag = "demo",
    responses((status = 200, description = "A JSON Web Key Set with one RS256 key", body = Object))
)]
pub async fn keys(State(state): State<SharedState>) -> Result<Json<serde_json::Value>, ApiError> {
    let issuer = state
        .demo
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("demo mode is off".into()))?;
    Ok(Json(issuer.jwks().clone()))
}
