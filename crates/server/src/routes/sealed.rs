//! The tab's way to its company's directory through the cloud: the directory's public key,
//! and relaying sealed requests. The cloud reads neither, and it never receives the user's
//! token: that travels sealed, for the directory. What admits a request here is the
//! organisation named in the path and a relay ticket the directory signed (or, to get one,
//! a place in the organisation's budget of sign-ins).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use kontakt_api::{DirectoryKey, Problem, SealedAnswer, SealedRequest, TICKET_HEADER};

use crate::auth::is_guid;
use crate::layers::TenantLabel;
use crate::link::{Admission, Refusal, now_ms};
use crate::metrics::OutcomeLabels;
use crate::problem::ApiError;
use crate::relay::{RelayError, Relayed};
use crate::state::{SharedState, Tenant};

/// Marks an answer that is ciphertext, which is not worth compressing.
#[derive(Clone, Copy)]
pub struct Ciphertext;

/// Errors every sealed route can give, documented once.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // only its documentation is used
pub enum TenantErrors {
    /// `unknown_tenant`: the organisation has not registered with this service; or
    /// `subscription_ended`: its subscription has ended.
    #[response(status = 403, content_type = "application/problem+json")]
    UnknownTenant(Problem),
    /// `directory_offline`: no directory of the organisation is connected.
    #[response(status = 503, content_type = "application/problem+json")]
    Offline(Problem),
}

/// The public key of an organisation's directory, to seal requests to.
#[utoipa::path(
    get,
    path = "/tenants/{tenant}/directory-key",
    tag = "sealed",
    params(("tenant" = String, Path, description = "The organisation's Entra tenant id (`tid`)")),
    responses(
        (status = 200, description = "The key and the endorsements leading to it from older keys", body = DirectoryKey),
        TenantErrors,
    )
)]
pub async fn directory_key(
    State(state): State<SharedState>,
    Path(tenant): Path<String>,
) -> Response {
    match registered(&state, &tenant) {
        Ok(tenant) => {
            let key = state
                .links
                .key_anywhere(&tenant.id)
                .await
                .map(Json)
                .ok_or(ApiError::DirectoryOffline);
            labelled(&tenant, key)
        }
        Err(e) => e.into_response(),
    }
}

/// Relay a sealed request to an organisation's directory, and its sealed answer back.
#[utoipa::path(
    post,
    path = "/tenants/{tenant}/sealed",
    tag = "sealed",
    params(
        ("tenant" = String, Path, description = "The organisation's Entra tenant id (`tid`)"),
        ("kontakt-ticket" = Option<String>, Header, description = "The relay ticket the directory gave at sign-in. Without one, the directory answers only a request to sign in."),
    ),
    request_body(content = SealedRequest, description = "A request sealed to the directory's key", content_type = "application/json"),
    responses(
        (status = 200, description = "The directory's answer, sealed to the tab that asked", body = SealedAnswer),
        (status = 400, description = "Not a sealed request, one that does not open, or one answered before", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The relay ticket is malformed, expired, or not signed by the organisation's directory: sign in again", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`key_changed`: sealed to a key the directory no longer holds", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 16 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests on this ticket, or sign-ins for this organisation; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "The directory did not answer in time", body = Problem, content_type = "application/problem+json"),
        TenantErrors,
    )
)]
pub async fn sealed(
    State(state): State<SharedState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let tenant = match registered(&state, &tenant) {
        Ok(tenant) => tenant,
        Err(e) => return e.into_response(),
    };
    let result = relay(&state, &tenant, &headers, &body).await;
    let mut response = labelled(&tenant, result.map(|sealed| Json(SealedAnswer { sealed })));
    response.extensions_mut().insert(Ciphertext);
    response
}

async fn relay(
    state: &SharedState,
    tenant: &Tenant,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, ApiError> {
    let request: SealedRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not a sealed request: {e}")))?;
    let count = |outcome: &str| {
        state
            .metrics
            .relayed
            .get_or_create(&OutcomeLabels {
                outcome: outcome.to_owned(),
            })
            .inc();
    };
    // Clustered, whether another node holds a link shows only by asking it.
    if state.links.count(&tenant.id) == 0 && !state.links.clustered() {
        count("offline");
        return Err(ApiError::DirectoryOffline);
    }
    let admission = admit(state, tenant, headers).await.inspect_err(|e| {
        count(match e {
            ApiError::RateLimited(_) => "rate_limited",
            _ => "ticket_refused",
        })
    })?;
    let started = std::time::Instant::now();
    // The cloud answers before its own request timeout would.
    let deadline = state.limits.request_timeout.mul_f64(0.9);
    let result = state
        .links
        .relay(&tenant.id, request, admission, deadline)
        .await;
    count(match &result {
        Ok(Relayed::Answer(_)) => "answered",
        Ok(Relayed::Refused(Refusal::KeyChanged)) | Err(RelayError::KeyChanged) => "key_changed",
        Ok(Relayed::Refused(Refusal::Malformed)) => "malformed",
        Ok(Relayed::Refused(Refusal::Replayed)) => "replayed",
        Err(RelayError::Offline) => "offline",
        Err(RelayError::Timeout) => "timeout",
    });
    state
        .metrics
        .relay_seconds
        .observe(started.elapsed().as_secs_f64());
    if let Ok(Relayed::Answer(_)) = &result {
        state.telemetry.answered(&tenant.id, started.elapsed());
    }
    match result {
        Ok(Relayed::Answer(sealed)) => Ok(sealed),
        Ok(Relayed::Refused(Refusal::KeyChanged)) | Err(RelayError::KeyChanged) => {
            Err(ApiError::KeyChanged)
        }
        Ok(Relayed::Refused(Refusal::Malformed)) => Err(ApiError::BadRequest(
            "the sealed request does not open with the directory's key".into(),
        )),
        Ok(Relayed::Refused(Refusal::Replayed)) => Err(ApiError::BadRequest(
            "this sealed request was answered before: a request is answered once".into(),
        )),
        Err(RelayError::Offline) => Err(ApiError::DirectoryOffline),
        Err(RelayError::Timeout) => Err(ApiError::Timeout(
            "your organisation's directory did not answer in time".into(),
        )),
    }
}

/// A request with a good ticket is relayed within the ticket's budget; one without, within
/// the organisation's budget of sign-ins (and the directory answers it only to sign in).
async fn admit(
    state: &SharedState,
    tenant: &Tenant,
    headers: &HeaderMap,
) -> Result<Admission, ApiError> {
    let Some(ticket) = headers.get(TICKET_HEADER) else {
        state
            .sign_in_limiter
            .check(tenant.id.clone())
            .map_err(|wait| too_many(state, wait))?;
        return Ok(Admission::SignInOnly);
    };
    let checked = match ticket.to_str() {
        Ok(text) => {
            state
                .tickets
                .check(text, &tenant.id, &state.links, now_ms())
                .await
        }
        Err(_) => Err(kontakt_seal::TicketError::Malformed),
    };
    let ticket = checked.map_err(|e| ApiError::Unauthorized(format!("{e}: sign in again")))?;
    state
        .ticket_limiter
        .check(ticket.id)
        .map_err(|wait| too_many(state, wait))?;
    Ok(Admission::Ticket)
}

fn too_many(state: &SharedState, wait: std::time::Duration) -> ApiError {
    state.metrics.rate_limited.inc();
    ApiError::RateLimited(wait.as_secs() + 1)
}

/// The organisation a sealed route names, if it is registered here. Anything that is not
/// a tenant id is not echoed back.
fn registered(state: &SharedState, tenant: &str) -> Result<Arc<Tenant>, ApiError> {
    let id = tenant.to_ascii_lowercase();
    let tenant = state.tenants.get(&id).ok_or_else(|| {
        ApiError::UnknownTenant(if is_guid(&id) {
            id
        } else {
            String::from("not a tenant id")
        })
    })?;
    if tenant.ended(crate::tenants::now_secs()) {
        return Err(ApiError::SubscriptionEnded);
    }
    Ok(tenant)
}

/// The answer, with the organisation's label for the access log.
fn labelled(tenant: &Tenant, result: Result<impl IntoResponse, ApiError>) -> Response {
    let mut response = result.into_response();
    response
        .extensions_mut()
        .insert(TenantLabel(tenant.label.clone()));
    response
}
