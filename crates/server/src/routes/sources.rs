use axum::Json;
use axum::extract::State;
use kontakt_api::SourceStatus;

use super::errors::AuthenticatedErrors;
use crate::layers::Caller;
use crate::problem::ApiError;
use crate::state::SharedState;

/// The contact sources of the caller's tenant: whether they load, how many contacts they
/// have, which rows were skipped and why. No contact data.
#[utoipa::path(
    get,
    path = "/sources",
    tag = "directory",
    responses(
        (status = 200, description = "Every configured source of the caller's tenant", body = Vec<SourceStatus>),
        AuthenticatedErrors,
    ),
    security(("entra" = []))
)]
pub async fn sources(
    State(state): State<SharedState>,
    caller: Caller,
) -> Result<Json<Vec<SourceStatus>>, ApiError> {
    Ok(Json(state.local(&caller)?.sources()))
}
