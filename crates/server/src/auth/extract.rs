use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::{AuthError, Identity};
use crate::access_log::RequestTenant;
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
        let token = bearer_token(parts).map_err(|e| ApiError::Unauthorized(e.to_string()))?;
        let identity = state.validator.validate(token).await.map_err(|e| match e {
            AuthError::KeysUnavailable => ApiError::Unavailable(e.to_string()),
            e => ApiError::Unauthorized(e.to_string()),
        })?;
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
