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

/// Stable reasons a request failed. The one table of what each means in HTTP: the service
/// answers with [`ProblemCode::status`], the tab reads the code (or, for an error page
/// without one, [`ProblemCode::of_status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No `Authorization: Bearer` header, or a token that is not valid for this service.
    Unauthorized,
    /// The token is valid but its organisation (tenant) is not registered with this service.
    UnknownTenant,
    /// A query parameter or body is malformed or out of bounds.
    BadRequest,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    RateLimited,
    /// The directory cannot answer right now (e.g. still loading).
    Unavailable,
    /// The organisation's directory is not connected to the cloud (stopped, or its link is
    /// down); favourites and recents still work from the device.
    DirectoryOffline,
    /// The request was sealed to a key the directory no longer has: fetch the key again.
    KeyChanged,
    /// The organisation's subscription has ended; favourites stay on the device.
    SubscriptionEnded,
    Timeout,
    Internal,
    /// A code this build does not know yet; keeps old tabs working against newer services.
    #[serde(other)]
    Unknown,
}

impl ProblemCode {
    /// The HTTP status a problem with this code is answered with.
    pub fn status(self) -> u16 {
        match self {
            ProblemCode::BadRequest => 400,
            ProblemCode::Unauthorized => 401,
            ProblemCode::UnknownTenant | ProblemCode::SubscriptionEnded => 403,
            ProblemCode::NotFound => 404,
            ProblemCode::MethodNotAllowed => 405,
            ProblemCode::KeyChanged => 409,
            ProblemCode::PayloadTooLarge => 413,
            ProblemCode::RateLimited => 429,
            ProblemCode::Internal | ProblemCode::Unknown => 500,
            ProblemCode::Unavailable | ProblemCode::DirectoryOffline => 503,
            ProblemCode::Timeout => 504,
        }
    }

    /// The problem's `title`: short, the same for every occurrence.
    pub fn title(self) -> &'static str {
        match self {
            ProblemCode::BadRequest => "Bad request",
            ProblemCode::Unauthorized => "Not signed in",
            ProblemCode::UnknownTenant => "Organisation not registered",
            ProblemCode::NotFound => "Not found",
            ProblemCode::MethodNotAllowed => "Method not allowed",
            ProblemCode::PayloadTooLarge => "Payload too large",
            ProblemCode::RateLimited => "Too many requests",
            ProblemCode::Internal | ProblemCode::Unknown => "Internal error",
            ProblemCode::Unavailable => "Service unavailable",
            ProblemCode::DirectoryOffline => "Directory offline",
            ProblemCode::KeyChanged => "Directory key changed",
            ProblemCode::SubscriptionEnded => "Subscription ended",
            ProblemCode::Timeout => "Timeout",
        }
    }

    /// The code an error status stands for when no problem body says more: a framework's
    /// rejection, a proxy's error page, a code this build does not know.
    pub fn of_status(status: u16) -> ProblemCode {
        match status {
            401 => ProblemCode::Unauthorized,
            404 => ProblemCode::NotFound,
            405 => ProblemCode::MethodNotAllowed,
            408 | 504 => ProblemCode::Timeout,
            413 => ProblemCode::PayloadTooLarge,
            429 => ProblemCode::RateLimited,
            502 | 503 => ProblemCode::Unavailable,
            500..=599 => ProblemCode::Internal,
            _ => ProblemCode::BadRequest,
        }
    }
}

impl Problem {
    /// A problem with the code's own status and title.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Problem::with_status(code.status(), code, code.title(), detail)
    }

    /// A problem whose status differs from the code's own (e.g. a 408 reported as
    /// `timeout`), with that status' reason as its title.
    pub fn with_status(
        status: u16,
        code: ProblemCode,
        title: &str,
        detail: impl Into<String>,
    ) -> Self {
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
    fn every_code_maps_back_to_itself_from_its_status() {
        for code in [
            ProblemCode::BadRequest,
            ProblemCode::Unauthorized,
            ProblemCode::NotFound,
            ProblemCode::MethodNotAllowed,
            ProblemCode::PayloadTooLarge,
            ProblemCode::RateLimited,
            ProblemCode::Internal,
            ProblemCode::Unavailable,
            ProblemCode::Timeout,
        ] {
            assert_eq!(ProblemCode::of_status(code.status()), code, "{code:?}");
        }
        // 403, 409 and a 503 of an offline directory do not say why; only the code does.
        assert_eq!(ProblemCode::UnknownTenant.status(), 403);
        assert_eq!(ProblemCode::KeyChanged.status(), 409);
        assert_eq!(ProblemCode::of_status(503), ProblemCode::Unavailable);
        assert_eq!(ProblemCode::of_status(403), ProblemCode::BadRequest);
        assert_eq!(ProblemCode::of_status(502), ProblemCode::Unavailable);
    }

    #[test]
    fn unknown_codes_do_not_break_old_clients() {
        let p: Problem =
            serde_json::from_str(r#"{"title":"x","status":418,"code":"teapot"}"#).unwrap();
        assert_eq!(p.code, ProblemCode::Unknown);
        assert_eq!(p.type_, "about:blank");
    }
}
