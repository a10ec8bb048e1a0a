//! Every error answer of the API, as `application/problem+json` (RFC 9457). The status of
//! each comes from [`ProblemCode::status`], the table the tab reads too.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kontakt_api::{Problem, ProblemCode};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error a handler returns; its `Display` is the `detail` people read.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// A valid token of an organisation this service does not serve.
    #[error("your organisation (tenant {0}) is not registered with this service")]
    UnknownTenant(String),
    #[error(
        "your organisation's Kontakt subscription has ended; your favourites and recent contacts are still on this device"
    )]
    SubscriptionEnded,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(
        "your organisation's directory is not connected to Kontakt right now; your favourites and recent contacts are still on this device"
    )]
    DirectoryOffline,
    #[error(
        "the directory's key has changed: fetch it again (GET /api/v1/tenants/{{tenant}}/directory-key)"
    )]
    KeyChanged,
    #[error("{0}")]
    Timeout(String),
    /// Seconds until the next request is allowed.
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// Never shows its cause to the caller: it may name internals.
    #[error("the service hit an unexpected error; it has been logged")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> ProblemCode {
        match self {
            ApiError::BadRequest(_) => ProblemCode::BadRequest,
            ApiError::Unauthorized(_) => ProblemCode::Unauthorized,
            ApiError::UnknownTenant(_) => ProblemCode::UnknownTenant,
            ApiError::SubscriptionEnded => ProblemCode::SubscriptionEnded,
            ApiError::NotFound(_) => ProblemCode::NotFound,
            ApiError::Unavailable(_) => ProblemCode::Unavailable,
            ApiError::RateLimited(_) => ProblemCode::RateLimited,
            ApiError::DirectoryOffline => ProblemCode::DirectoryOffline,
            ApiError::KeyChanged => ProblemCode::KeyChanged,
            ApiError::Timeout(_) => ProblemCode::Timeout,
            ApiError::Internal(_) => ProblemCode::Internal,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            // The cause goes to the log (without request data), never to the caller.
            tracing::error!(error = %err, "internal error");
        }
        let mut response = problem(Problem::new(self.code(), self.to_string()));
        if let ApiError::RateLimited(secs) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
        if response.status() == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

/// A problem+json response with the problem's own status.
pub fn problem(body: Problem) -> Response {
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, axum::Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

/// Turns every error answer of the API that is not problem+json yet — framework
/// rejections, unknown routes, wrong methods, size limits, timeouts — into one.
pub async fn ensure_problem_json(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if !is_error || is_problem {
        return response;
    }
    let (parts, body) = response.into_parts();
    let detail = if status.is_server_error() {
        // Server-side texts may name internals; say only what happened.
        String::from(status.canonical_reason().unwrap_or("server error"))
    } else {
        let bytes = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        match (status.as_u16(), text.is_empty()) {
            (404, true) => "there is no such API route".to_owned(),
            (405, true) => "this route does not accept this HTTP method".to_owned(),
            (_, true) => status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
            (_, false) => text,
        }
    };
    let mut fresh = problem(Problem::with_status(
        status.as_u16(),
        ProblemCode::of_status(status.as_u16()),
        status.canonical_reason().unwrap_or("Error"),
        detail,
    ));
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
}
