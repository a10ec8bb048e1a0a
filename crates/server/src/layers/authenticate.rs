//! Who is calling: the bearer token is validated and the caller's organisation looked up
//! before any authenticated route runs. Handlers take a [`Caller`]; there is no other way in.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use super::access_log::TenantLabel;
use crate::auth::{AuthError, Identity};
use crate::metrics::ReasonLabels;
use crate::problem::ApiError;
use crate::state::{SharedState, Tenant};

/// A caller with a valid token of a tenant this service serves.
#[derive(Clone)]
pub struct Caller {
    pub identity: Identity,
    pub tenant: Arc<Tenant>,
}

pub async fn authenticate(
    State(state): State<SharedState>,
    mut req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let rejected = |reason: &str| {
        state
            .metrics
            .tokens_rejected
            .get_or_create(&ReasonLabels {
                reason: reason.to_owned(),
            })
            .inc();
    };
    let identity = match bearer_token(req.headers()) {
        Ok(token) => state.validator.validate(token).await,
        Err(e) => Err(e),
    }
    .map_err(|e| {
        rejected(e.label());
        match e {
            AuthError::KeysUnavailable => ApiError::Unavailable(e.to_string()),
            e => ApiError::Unauthorized(e.to_string()),
        }
    })?;
    let Some(tenant) = state.tenants.get(&identity.tenant_id) else {
        rejected("unknown_tenant");
        return Err(ApiError::UnknownTenant(identity.tenant_id));
    };
    let label = TenantLabel(tenant.label.clone());
    req.extensions_mut().insert(Caller { identity, tenant });
    let mut response = next.run(req).await;
    response.extensions_mut().insert(label);
    Ok(response)
}

fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?;
    // Trimmed as it would be on the wire, where trailing white space is not part of a value.
    let value = value.to_str().map_err(|_| AuthError::Malformed)?.trim();
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

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "a route that takes a Caller is not behind the authentication layer"
            ))
        })
    }
}
