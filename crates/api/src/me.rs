use serde::{Deserialize, Serialize};

/// Answer of `GET /api/v1/me`: who the service thinks the caller is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    /// Entra tenant id (`tid` claim).
    pub tenant_id: String,
    /// Entra object id of the user (`oid` claim).
    pub user_id: String,
    /// The `name` claim, or the UPN when the token has no name.
    pub display_name: String,
    /// The service runs in demo mode: generated contacts, demo sign-in.
    #[serde(default)]
    pub demo: bool,
    /// The key (32 bytes, base64url without padding) that seals this user's favourites and
    /// recents on their device with AES-256-GCM. Derived by the service from its secret,
    /// the tenant id and the user id, so it is the same on every device and every visit
    /// until the service's secret is replaced. The tab keeps it in memory only.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "q0TBrmUEAh2nFyXNzKZxn4jP1pL7m0e3cQx6yWbJ8sE")
    )]
    pub cache_key: String,
}

/// Body of `POST /api/v1/dev/token` (demo mode only). Every field is optional: the demo
/// user is used for what is left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DevTokenRequest {
    /// The user's object id (`oid`), a GUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            format = "uuid",
            pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        )
    )]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = "\\S")
    )]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 100, pattern = "\\S")
    )]
    pub upn: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DevTokenResponse {
    /// An RS256 JWT shaped like a Microsoft Entra v2 access token for this service.
    pub token: String,
    /// Seconds until the token expires.
    pub expires_in: u64,
}
