//! Error answers every authenticated route can give, documented once.

use kontakt_api::Problem;
use utoipa::IntoResponses;

#[derive(IntoResponses)]
#[allow(dead_code)] // only its documentation is used
pub enum AuthenticatedErrors {
    /// No valid token: missing, expired, for another application or tenant, …
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// A valid token of an organisation this service does not serve (not registered).
    #[response(status = 403, content_type = "application/problem+json")]
    UnknownTenant(Problem),
    /// Too many requests from this user; `Retry-After` says when to try again.
    #[response(status = 429, content_type = "application/problem+json")]
    RateLimited(Problem),
    /// The service cannot answer now (signing keys unreachable, request took too long).
    #[response(status = 503, content_type = "application/problem+json")]
    Unavailable(Problem),
}
