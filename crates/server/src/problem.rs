//! Every error answer of the API, as `application/problem+json` (RFC 9457).

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
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unavailable(String),
    /// Seconds until the next request is allowed.
    #[error("too many requests; try again in {0} s")]
    RateLimited(u64),
    /// Never shows its cause to the caller: it may name internals.
    #[error("the service hit an unexpected error; it has been logged")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    fn parts(&self) -> (StatusCode, ProblemCode, &'static str) {
        match self {
            ApiError::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                ProblemCode::BadRequest,
                "Bad request",
            ),
            ApiError::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                ProblemCode::Unauthorized,
                "Not signed in",
            ),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, ProblemCode::NotFound, "Not found"),
            ApiError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ProblemCode::Unavailable,
                "Service unavailable",
            ),
            ApiError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                ProblemCode::RateLimited,
                "Too many requests",
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ProblemCode::Internal,
                "Internal error",
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            // The cause goes to the log (without request data), never to the caller.
            tracing::error!(error = %err, "internal error");
        }
        let (status, code, title) = self.parts();
        let mut response = problem(status, code, title, self.to_string());
        if let ApiError::RateLimited(secs) = &self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

/// A problem+json response.
pub fn problem(status: StatusCode, code: ProblemCode, title: &str, detail: String) -> Response {
    let body = Problem::new(status.as_u16(), code, title, detail);
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
    let code = match status.as_u16() {
        401 => ProblemCode::Unauthorized,
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        408 => ProblemCode::Timeout,
        413 => ProblemCode::PayloadTooLarge,
        429 => ProblemCode::RateLimited,
        503 => ProblemCode::Unavailable,
        504 => ProblemCode::Timeout,
        500..=599 => ProblemCode::Internal,
        _ => ProblemCode::BadRequest,
    };
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
    let title = status.canonical_reason().unwrap_or("Error");
    let mut fresh = problem(status, code, title, detail);
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fresh
}
