//! One user cannot take the service from everyone else: searches per user per second, with
//! bursts, checked after authentication so the key is the user (`tid`, `oid`), not an address.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::authenticate::Caller;
use crate::problem::ApiError;
use crate::state::SharedState;

pub async fn rate_limit(
    State(state): State<SharedState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        let user = (
            caller.identity.tenant_id.clone(),
            caller.identity.user_id.clone(),
        );
        if let Err(wait) = state.limiter.check(user) {
            state.metrics.rate_limited.inc();
            return Err(ApiError::RateLimited(wait.as_secs() + 1));
        }
    }
    Ok(next.run(req).await)
}
