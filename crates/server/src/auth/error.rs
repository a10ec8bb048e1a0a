/// Why a token was refused. The text is the problem detail the caller sees: precise enough
/// for an admin to fix a misconfiguration, without echoing the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the request has no `Authorization: Bearer <token>` header")]
    Missing,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    /// The algorithm the header names, when it is one of JOSE's registered names; anything
    /// else is never repeated (it is the caller's text, of any length).
    #[error("the token must be signed with RS256, not {}", .0.unwrap_or("an algorithm this service does not know"))]
    Algorithm(Option<&'static str>),
    #[error("the token's header names no signing key (`kid`)")]
    NoKeyId,
    #[error("the token was signed with a key the issuer does not publish")]
    UnknownKey,
    #[error("the signing keys could not be fetched; try again shortly")]
    KeysUnavailable,
    #[error("the token's signature is invalid")]
    Signature,
    #[error("the token has expired; the tab gets a fresh one on reload")]
    Expired,
    #[error("the token is not valid yet; check the server's clock")]
    NotYetValid,
    #[error("the token was issued for another application (audience {0})")]
    Audience(String),
    #[error("the token's issuer {0:?} is not Microsoft Entra ID for the token's own tenant")]
    Issuer(String),
    #[error("the token's signing key may only be used by another tenant")]
    KeyTenant,
    #[error("the token lacks the `access_as_user` scope")]
    Scope,
    #[error("the token lacks the claim `{0}`")]
    MissingClaim(&'static str),
    #[error("the tenant id in the token is not a GUID")]
    BadTenantId,
}

impl AuthError {
    /// A short, fixed label for metrics (no token content).
    pub fn label(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed => "malformed",
            AuthError::Algorithm(_) => "algorithm",
            AuthError::NoKeyId => "no_key_id",
            AuthError::UnknownKey => "unknown_key",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::Signature => "signature",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::Audience(_) => "audience",
            AuthError::Issuer(_) => "issuer",
            AuthError::KeyTenant => "key_tenant",
            AuthError::Scope => "scope",
            AuthError::MissingClaim(_) => "missing_claim",
            AuthError::BadTenantId => "bad_tenant_id",
        }
    }
}
