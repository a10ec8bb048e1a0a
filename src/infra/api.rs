//! The service's HTTP API, spoken with the wire types of `kontakt-api`.

use kontakt_api::{
    API_PREFIX, Contact, DevTokenResponse, Me, Problem, ProblemCode, SearchResponse,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

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

    pub async fn search(
        &self,
        token: &str,
        query: &str,
        limit: u32,
    ) -> Result<SearchResponse, ApiError> {
        let url = format!(
            "{}{API_PREFIX}/search?q={}&limit={limit}",
            self.base,
            String::from(js_sys::encode_uri_component(query))
        );
        let response = self.send(token, &url).await?;
        crate::infra::perf::answer_arrived();
        decode(response).await
    }

    pub async fn contact(&self, token: &str, id: &str) -> Result<Contact, ApiError> {
        let url = format!(
            "{}{API_PREFIX}/contacts/{}",
            self.base,
            String::from(js_sys::encode_uri_component(id))
        );
        self.get(token, &url).await
    }

    pub async fn me(&self, token: &str) -> Result<Me, ApiError> {
        self.get(token, &format!("{}{API_PREFIX}/me", self.base))
            .await
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

    async fn get<T: DeserializeOwned>(&self, token: &str, url: &str) -> Result<T, ApiError> {
        decode(self.send(token, url).await?).await
    }

    async fn send(&self, token: &str, url: &str) -> Result<reqwest::Response, ApiError> {
        self.http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map_err(|_| ApiError::Offline)
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
    let detail = problem
        .as_ref()
        .and_then(|p| p.detail.clone())
        .unwrap_or_else(|| status.to_string());
    // The code says why; an error page without one (a proxy's) says it by its status.
    let code = problem
        .map(|p| p.code)
        .filter(|c| *c != ProblemCode::Unknown)
        .unwrap_or_else(|| ProblemCode::of_status(status.as_u16()));
    Err(match code {
        ProblemCode::Unauthorized => ApiError::Unauthorized(detail),
        ProblemCode::UnknownTenant => ApiError::NotRegistered(detail),
        ProblemCode::NotFound => ApiError::NotFound,
        ProblemCode::RateLimited => ApiError::RateLimited,
        ProblemCode::Unavailable
        | ProblemCode::Timeout
        | ProblemCode::Internal
        | ProblemCode::Unknown => ApiError::Unavailable(status.as_u16()),
        ProblemCode::BadRequest | ProblemCode::MethodNotAllowed | ProblemCode::PayloadTooLarge => {
            ApiError::Rejected(detail)
        }
    })
}
