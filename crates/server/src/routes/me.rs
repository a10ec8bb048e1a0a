use axum::Json;
use axum::extract::State;
use kontakt_api::Me;

use super::errors::AuthenticatedErrors;
use crate::layers::Caller;
use crate::problem::ApiError;
use crate::state::SharedState;

/// Who the service thinks the caller is.
#[utoipa::path(
    get,
    path = "/me",
    tag = "session",
    responses(
        (status = 200, description = "The caller", body = Me),
        AuthenticatedErrors,
    ),
    security(("entra" = []))
)]
pub async fn me(State(state): State<SharedState>, caller: Caller) -> Result<Json<Me>, ApiError> {
    Ok(Json(state.local(&caller)?.me(&caller.identity)))
}
