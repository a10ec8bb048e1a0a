use serde::{Deserialize, Serialize};

/// An error answer in the shape of RFC 9457 (`application/problem+json`).
///
/// `code` is this API's extension member: a stable machine-readable reason the tab turns
/// into a message in the user's language; `detail` is for people reading logs and curl.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    pub code: ProblemCode,
}

fn about_blank() -> String {
    "about:blank".into()
}

/// Stable reasons a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No `Authorization: Bearer` header, or a token that is not valid for this service.
    Unauthorized,
    /// The token is valid but the tenant is not registered with this service.
    UnknownTenant,
    /// A query parameter or body is malformed or out of bounds.
    BadRequest,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    RateLimited,
    /// The directory cannot answer right now (e.g. still loading).
    Unavailable,
    Timeout,
    Internal,
    /// A code this build does not know yet; keeps old tabs working against newer services.
    #[serde(other)]
    Unknown,
}

impl Problem {
    pub fn new(status: u16, code: ProblemCode, title: &str, detail: impl Into<String>) -> Self {
        Problem {
            type_: about_blank(),
            title: title.into(),
            status,
            detail: Some(detail.into()),
            instance: None,
            code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_do_not_break_old_clients() {
        let p: Problem =
            serde_json::from_str(r#"{"title":"x","status":418,"code":"teapot"}"#).unwrap();
        assert_eq!(p.code, ProblemCode::Unknown);
        assert_eq!(p.type_, "about:blank");
    }
}
