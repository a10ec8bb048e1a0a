//! `GET /api/v1/link`: where directories dial in (WebSocket). A directory authenticates
//! with its credential for one tenant — one it enrolled with, or one configured for the
//! tenant; anything else is refused before the upgrade.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::response::Response;

use crate::link::{MAX_FROM_DIRECTORY, TENANT_HEADER, credential_matches};
use crate::problem::ApiError;
use crate::relay;
use crate::state::SharedState;

/// Each link's read and write buffer.
const LINK_BUFFER: usize = 8 * 1024;

pub async fn accept(
    State(state): State<SharedState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let refused = || {
        ApiError::Unauthorized(String::from(
            "a directory links with its tenant id and credential",
        ))
    };
    let tenant_id = headers
        .get(TENANT_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .ok_or_else(refused)?;
    let credential = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(refused)?;
    let tenant = state.tenants.get(&tenant_id).ok_or_else(refused)?;
    // The same answer for an unknown tenant, a wrong or a revoked credential: nothing to
    // learn.
    let directory = if credential_matches(credential, &tenant.credentials) {
        None
    } else {
        let enrolled = match &state.tenants.registry {
            Some(registry) => registry
                .directory_by_credential(credential)
                .await
                .map_err(|e| ApiError::Unavailable(e.to_string()))?,
            None => None,
        };
        match enrolled {
            Some(d) if d.tenant_id == tenant.id => Some(d),
            _ => {
                tracing::warn!(tenant = %tenant.label, "a directory link with a wrong credential was refused");
                return Err(refused());
            }
        }
    };
    // A node holds tens of thousands of mostly idle links: tungstenite's default 128 KiB
    // read and write buffers per link made an idle link cost 136 KiB (`kontakt-bench links`).
    // Requests are under 2 KB and answers are read in chunks of the buffer's size.
    Ok(upgrade
        .read_buffer_size(LINK_BUFFER)
        .write_buffer_size(LINK_BUFFER)
        .max_message_size(MAX_FROM_DIRECTORY)
        .max_frame_size(MAX_FROM_DIRECTORY)
        .on_upgrade(move |socket| relay::ws::serve(socket, state, tenant, directory)))
}
