//! The cloud's HTTP API, spoken with the wire types of `kontakt-api`: demo sign-in, the
//! directory's key, and relaying sealed requests (what they say is `directory`'s business).

use kontakt_api::{
    API_PREFIX, DevTokenResponse, DirectoryKey, Problem, ProblemCode, SealedAnswer, SealedRequest,
    TICKET_HEADER,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::directory::KeyRefused;

/// Why a call to the service failed, in the categories the user is told about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request never reached the service (no network, DNS, CORS, aborted).
    #[error("the service cannot be reached")]
    Offline,
    /// The service refused the token.
    #[error("not signed in: {0}")]
    Unauthorized(String),
    /// The token is fine, but the user's organisation is not registered with the service.
    #[error("{0}")]
    NotRegistered(String),
    /// The organisation's directory is not linked to the cloud right now.
    #[error("the organisation's directory is not connected")]
    DirectoryOffline,
    /// The organisation's subscription has ended.
    #[error("the organisation's subscription has ended")]
    SubscriptionEnded,
    /// The directory's key changed in a way this device does not trust.
    #[error(transparent)]
    KeyRefused(#[from] KeyRefused),
    /// The directory's key changed since the request was sealed.
    #[error("the directory's key changed")]
    KeyChanged,
    /// The cloud did not take the relay ticket (expired, or signed by a key since replaced):
    /// sign in to the directory again.
    #[error("the relay ticket was refused")]
    TicketRefused,
    #[error("not found")]
    NotFound,
    #[error("too many requests")]
    RateLimited,
    /// 5xx: the service is there but cannot answer.
    #[error("the service is unavailable (HTTP {0})")]
    Unavailable(u16),
    /// A request this tab should not have sent; a bug, shown as such.
    #[error("{0}")]
    Rejected(String),
    #[error("unexpected answer from the service: {0}")]
    Unexpected(String),
}

impl ApiError {
    /// The error a problem stands for, whether it came over HTTP or sealed from the
    /// directory.
    pub fn of_problem(problem: Option<&Problem>, status: u16) -> Self {
        let detail = problem
            .and_then(|p| p.detail.clone())
            .unwrap_or_else(|| format!("HTTP {status}"));
        // The code says why; an error page without one (a proxy's) says it by its status.
        let code = problem
            .map(|p| p.code)
            .filter(|c| *c != ProblemCode::Unknown)
            .unwrap_or_else(|| ProblemCode::of_status(status));
        match code {
            ProblemCode::Unauthorized => ApiError::Unauthorized(detail),
            ProblemCode::UnknownTenant => ApiError::NotRegistered(detail),
            ProblemCode::DirectoryOffline => ApiError::DirectoryOffline,
            ProblemCode::SubscriptionEnded => ApiError::SubscriptionEnded,
            ProblemCode::KeyChanged => ApiError::KeyChanged,
            ProblemCode::NotFound => ApiError::NotFound,
            ProblemCode::RateLimited => ApiError::RateLimited,
            ProblemCode::Unavailable
            | ProblemCode::Timeout
            | ProblemCode::Internal
            | ProblemCode::Unknown => ApiError::Unavailable(status),
            ProblemCode::BadRequest
            | ProblemCode::MethodNotAllowed
            | ProblemCode::PayloadTooLarge => ApiError::Rejected(detail),
        }
    }
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// Origin of the service, e.g. `https://contacts.example.com`.
    base: String,
}

impl Api {
    /// The service that served this page.
    pub fn same_origin() -> Self {
        let base = web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        Api {
            http: reqwest::Client::new(),
            base,
        }
    }

    /// `/api/v1/tenants/{tenant}/…`: the organisation's routes at the cloud.
    fn tenant_url(&self, tenant: &str, rest: &str) -> String {
        let tenant = String::from(js_sys::encode_uri_component(tenant));
        format!("{}{API_PREFIX}/tenants/{tenant}/{rest}", self.base)
    }

    /// The public key of the company directory of `tenant`.
    pub async fn directory_key(&self, tenant: &str) -> Result<DirectoryKey, ApiError> {
        let response = self
            .http
            .get(self.tenant_url(tenant, "directory-key"))
            .send()
            .await
            .map_err(|_| ApiError::Offline)?;
        decode(response).await
    }

    /// Relays a sealed request to the directory of `tenant`, with the relay ticket once the
    /// tab has one; the answer is still sealed. No token goes with it: the user's token is
    /// inside, for the directory only.
    pub async fn sealed(
        &self,
        tenant: &str,
        ticket: Option<&str>,
        request: &SealedRequest,
    ) -> Result<String, ApiError> {
        let mut post = self.http.post(self.tenant_url(tenant, "sealed"));
        if let Some(ticket) = ticket {
            // Named at compile time: parsing a header name at run time links http's table
            // of every standard header (13 KB of wasm).
            post = post.header(
                const { reqwest::header::HeaderName::from_static(TICKET_HEADER) },
                ticket,
            );
        }
        let response = post
            .json(request)
            .send()
            .await
            .map_err(|_| ApiError::Offline)?;
        crate::infra::perf::answer_arrived();
        if response.status() == StatusCode::UNAUTHORIZED {
            return Err(ApiError::TicketRefused);
        }
        decode::<SealedAnswer>(response).await.map(|a| a.sealed)
    }

    /// A demo token, or `None` when the service is not in demo mode.
    pub async fn demo_token(&self) -> Result<Option<DevTokenResponse>, ApiError> {
        let response = self
            .http
            .post(format!("{}{API_PREFIX}/dev/token", self.base))
            .send()
            .await
            .map_err(|_| ApiError::Offline)?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        decode(response).await.map(Some)
    }
}

async fn decode<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ApiError> {
    let status = response.status();
    if status.is_success() {
        return response
            .json::<T>()
            .await
            .map_err(|e| ApiError::Unexpected(e.to_string()));
    }
    let problem = response.json::<Problem>().await.ok();
    Err(ApiError::of_problem(problem.as_ref(), status.as_u16()))
}
