//! `POST /api/v1/enroll`: a directory enrolls with a one-time code from its organisation's
//! administrator, registering its public key, and receives its credential. Attempts are
//! limited across the whole cloud, so that codes (100 random bits) cannot be guessed.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;

use crate::auth::is_guid;
use crate::link::{EnrollRequest, EnrollResponse};
use crate::problem::ApiError;
use crate::registry::RegistryError;
use crate::state::SharedState;
use crate::tenants::now_secs;

pub async fn enroll(
    State(state): State<SharedState>,
    body: Bytes,
) -> Result<Json<EnrollResponse>, ApiError> {
    state
        .enroll_limiter
        .check(())
        .map_err(|wait| ApiError::RateLimited(wait.as_secs() + 1))?;
    let request: EnrollRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("not an enrollment request: {e}")))?;
    if !is_guid(&request.tenant) {
        return Err(ApiError::BadRequest(String::from(
            "tenant must be the organisation's Entra tenant id",
        )));
    }
    if kontakt_seal::PublicKey::from_text(&request.public_key).is_err() {
        return Err(ApiError::BadRequest(String::from(
            "public_key is not a directory key",
        )));
    }
    let registry = state.registry()?;
    let enrolled = registry
        .enroll(
            &request.code,
            &request.tenant,
            &request.public_key,
            &request.name,
            now_secs(),
        )
        .await
        .map_err(|e| match e {
            RegistryError::BadCode => ApiError::Unauthorized(e.to_string()),
            RegistryError::Database(_) | RegistryError::Migrate(_) => ApiError::Internal(e.into()),
            e => ApiError::BadRequest(e.to_string()),
        })?;
    let label = crate::settings::tenant_label(&enrolled.tenant_id);
    tracing::info!(tenant = %label, directory = %enrolled.directory_id, "a directory enrolled");
    // Links of the new directory are accepted at once, not at the next reading.
    state
        .tenants
        .reload()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(Json(EnrollResponse {
        tenant: enrolled.tenant_id,
        directory_id: enrolled.directory_id,
        credential: enrolled.credential,
    }))
}
