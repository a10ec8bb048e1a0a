use axum::Json;
use axum::extract::State;
use kontakt_api::Me;

use super::errors::AuthenticatedErrors;
use crate::layers::Caller;
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
pub async fn me(State(state): State<SharedState>, caller: Caller) -> Json<Me> {
    Json(Me {
        tenant_id: caller.identity.tenant_id.clone(),
        user_id: caller.identity.user_id.clone(),
        display_name: caller.identity.display_name,
        demo: state.demo.is_some(),
        cache_key: state
            .cache_keys
            .for_user(&caller.identity.tenant_id, &caller.identity.user_id),
    })
}
