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
        (status = 413, description = "The body is larger than 16 KiB", body = Problem, content_type = "application/problem+json"),
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
    issuer.issue(&parse_request(&body)?).map(Json)
}

/// No body or `null`: the demo user. An object: the fields it names. Anything else —
/// including a JSON array, which serde would read as the struct's fields in order — is a 400.
fn parse_request(body: &[u8]) -> Result<DevTokenRequest, ApiError> {
    let invalid = |e: serde_json::Error| {
        ApiError::BadRequest(format!(
            "the request body is not a valid token request: {e}"
        ))
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(DevTokenRequest::default());
    }
    match serde_json::from_slice::<serde_json::Value>(body).map_err(invalid)? {
        serde_json::Value::Null => Ok(DevTokenRequest::default()),
        value @ serde_json::Value::Object(_) => serde_json::from_value(value).map_err(invalid),
        _ => Err(ApiError::BadRequest(String::from(
            "the request body must be a JSON object like {\"display_name\": \"Anna Berg\"}, or empty",
        ))),
    }
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
