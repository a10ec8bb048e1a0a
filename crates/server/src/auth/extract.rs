use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{AuthError, Identity};
use crate::access_log::RequestTenant;
use crate::metrics::ReasonLabels;
use crate::problem::ApiError;
use crate::state::{SharedState, Tenant};

/// A caller with a valid token of a registered tenant. Handlers that take a `Caller` are
/// authenticated; there is no other way in.
pub struct Caller {
    pub identity: Identity,
    pub tenant: Arc<Tenant>,
}

impl FromRequestParts<SharedState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, ApiError> {
        let rejected = |e: AuthError| {
            state
                .metrics
                .tokens_rejected
                .get_or_create(&ReasonLabels {
                    reason: e.label().to_owned(),
                })
                .inc();
            match e {
                AuthError::KeysUnavailable => ApiError::Unavailable(e.to_string()),
                e => ApiError::Unauthorized(e.to_string()),
            }
        };
        let token = bearer_token(parts).map_err(rejected)?;
        let identity = state.validator.validate(token).await.map_err(rejected)?;
        // One user cannot take the service from everyone else.
        if let Err(not_until) = state
            .limiter
            .check_key(&(identity.tenant_id.clone(), identity.user_id.clone()))
        {
            state.metrics.rate_limited.inc();
            let wait = not_until.wait_time_from(governor::clock::Clock::now(
                &governor::clock::DefaultClock::default(),
            ));
            return Err(ApiError::RateLimited(wait.as_secs() + 1));
        }
        let tenant = state
            .tenants
            .get(&identity.tenant_id)
            .cloned()
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    AuthError::UnknownTenant(identity.tenant_id.clone()).to_string(),
                )
            })?;
        if let Some(slot) = parts.extensions.get::<RequestTenant>() {
            slot.set(&tenant.id);
        }
        Ok(Caller { identity, tenant })
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, AuthError> {
    let value = parts.headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    let value = value.to_str().map_err(|_| AuthError::Malformed)?;
    let (scheme, token) = value.split_once(' ').ok_or(AuthError::Missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::Missing);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed);
    }
    Ok(token)
}
