use axum::Json;
use axum::extract::{Path, State};
use kontakt_api::{Contact, Problem};

use super::errors::AuthenticatedErrors;
use crate::layers::Caller;
use crate::problem::ApiError;
use crate::state::SharedState;

/// One contact of the caller's tenant, by its stable id.
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "contacts",
    params(("id" = String, Path, description = "Contact id: `{source id}:{entry id}`", example = "demo:000042")),
    responses(
        (status = 200, description = "The contact as the directory has it now", body = Contact),
        (status = 404, description = "No such contact in the caller's tenant (any more)", body = Problem, content_type = "application/problem+json"),
        AuthenticatedErrors,
    ),
    security(("entra" = []))
)]
pub async fn contact(
    State(state): State<SharedState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Contact>, ApiError> {
    state.local(&caller)?.contact(&id).map(Json)
}
