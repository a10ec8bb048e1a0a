//! Validation of the access tokens `microsoftTeams.authentication.getAuthToken()` returns.
//!
//! Accepts Entra v2 tokens (`aud` = client id, `iss` = `https://login.microsoftonline.com/{tid}/v2.0`)
//! and v1 tokens (`aud` = `api://{host}/{client id}` or the client id,
//! `iss` = `https://sts.windows.net/{tid}/`). The issuer must be the one of the token's own
//! `tid`, and the scope must include `access_as_user`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation, decode, decode_header};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{AuthError, KeyStore};

pub const REQUIRED_SCOPE: &str = "access_as_user";

/// Who the caller is, as far as a validated token says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub tenant_id: String,
    /// Entra object id (`oid`): with the tenant, the stable key of a user.
    pub user_id: String,
    pub display_name: String,
    pub upn: Option<String>,
    /// Expiry (seconds since the epoch), so caches never outlive the token.
    pub expires_at: u64,
}

pub struct ValidatorOptions {
    /// Accepted `aud` values: the client id and the Application ID URI.
    pub audiences: Vec<String>,
    pub leeway: Duration,
}

pub struct TokenValidator {
    keys: Arc<KeyStore>,
    validation: Validation,
    /// Tokens already validated (by SHA-256 of the token), until they expire: a user's
    /// token is checked once, not on every keystroke. A changed byte is a different hash.
    cache: RwLock<HashMap<[u8; 32], Identity>>,
}

/// Most tokens remembered at once; beyond it expired ones are dropped, then all.
const MAX_CACHED: usize = 100_000;

#[derive(Deserialize)]
struct Claims {
    iss: String,
    tid: Option<String>,
    oid: Option<String>,
    scp: Option<String>,
    name: Option<String>,
    preferred_username: Option<String>,
    upn: Option<String>,
    /// Optional here so that a missing `exp` is reported as such by the JWT check, which
    /// requires it, instead of as a malformed token.
    exp: Option<u64>,
    /// ID tokens: the nonce the sign-in was started with.
    nonce: Option<String>,
    /// ID tokens: the user's directory roles (template ids).
    #[serde(default)]
    wids: Vec<String>,
    email: Option<String>,
}

/// Who signed in, as an OpenID Connect ID token says (an administrator at `/admin`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub identity: Identity,
    pub email: Option<String>,
    pub nonce: Option<String>,
    /// Entra role template ids (`wids`).
    pub roles: Vec<String>,
}

impl TokenValidator {
    pub fn new(keys: Arc<KeyStore>, options: ValidatorOptions) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = options.leeway.as_secs();
        validation.validate_nbf = true;
        validation.set_audience(&options.audiences);
        validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss"]);
        TokenValidator {
            keys,
            validation,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The identity of a valid token, from the cache when it was seen before.
    /// See [`KeyStore::check_at_start`].
    pub async fn check_keys_at_start(&self) {
        self.keys.check_at_start().await;
    }

    pub async fn validate(&self, token: &str) -> Result<Identity, AuthError> {
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = jsonwebtoken::get_current_timestamp();
        if let Some(identity) = self.cache.read().expect("poisoned").get(&key)
            && identity.expires_at > now
        {
            return Ok(identity.clone());
        }
        let identity = self.validate_uncached(token).await?;
        let mut cache = self.cache.write().expect("poisoned");
        if cache.len() >= MAX_CACHED {
            cache.retain(|_, i| i.expires_at > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(key, identity.clone());
        Ok(identity)
    }

    /// An OpenID Connect ID token of the app registration (`aud` = client id): signature,
    /// issuer and lifetime as for access tokens, no scope (ID tokens carry none). Never
    /// cached: each is used once.
    pub async fn validate_id_token(&self, token: &str) -> Result<SignedIn, AuthError> {
        let claims = self.verified_claims(token).await?;
        let identity = identity(&claims)?;
        Ok(SignedIn {
            identity,
            email: claims.email.or(claims.preferred_username),
            nonce: claims.nonce,
            roles: claims.wids,
        })
    }

    async fn validate_uncached(&self, token: &str) -> Result<Identity, AuthError> {
        let claims = self.verified_claims(token).await?;
        let scopes = claims.scp.as_deref().unwrap_or_default();
        if !scopes.split(' ').any(|s| s == REQUIRED_SCOPE) {
            return Err(AuthError::Scope);
        }
        identity(&claims)
    }

    /// The claims of a token whose signature, audience, lifetime and issuer check out.
    async fn verified_claims(&self, token: &str) -> Result<Claims, AuthError> {
        let header = decode_header(token).map_err(|_| match declared_algorithm(token) {
            // A header that names an algorithm this service never accepts ("none", "HS512")
            // says so, rather than "malformed".
            Some(alg) if alg != "RS256" => AuthError::Algorithm(registered_algorithm(&alg)),
            _ => AuthError::Malformed,
        })?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Algorithm(registered_algorithm(&format!(
                "{:?}",
                header.alg
            ))));
        }
        let kid = header.kid.ok_or(AuthError::NoKeyId)?;
        let key = self.keys.get(&kid).await?;
        let data = decode::<Claims>(token, &key.decoding, &self.validation).map_err(|e| {
            if *e.kind() == ErrorKind::InvalidAudience {
                // The signature checked out before the audience did, so naming the audience
                // the token carries is safe, and it is what an admin needs to fix the setup.
                let aud =
                    jsonwebtoken::dangerous::insecure_decode_claims::<serde_json::Value>(token)
                        .ok()
                        .and_then(|c| c.get("aud").map(ToString::to_string))
                        .unwrap_or_default();
                return AuthError::Audience(aud);
            }
            map_jwt_error(e)
        })?;
        let claims = data.claims;

        let tid = claims
            .tid
            .as_deref()
            .ok_or(AuthError::MissingClaim("tid"))?
            .to_ascii_lowercase();
        if !is_guid(&tid) {
            return Err(AuthError::BadTenantId);
        }
        let v2 = format!("https://login.microsoftonline.com/{tid}/v2.0");
        let v1 = format!("https://sts.windows.net/{tid}/");
        if !claims.iss.eq_ignore_ascii_case(&v2) && !claims.iss.eq_ignore_ascii_case(&v1) {
            return Err(AuthError::Issuer(claims.iss.clone()));
        }
        if key.tenant.as_deref().is_some_and(|t| t != tid) {
            return Err(AuthError::KeyTenant);
        }
        Ok(claims)
    }
}

fn identity(claims: &Claims) -> Result<Identity, AuthError> {
    let tid = claims
        .tid
        .as_deref()
        .ok_or(AuthError::MissingClaim("tid"))?
        .to_ascii_lowercase();
    let oid = claims
        .oid
        .clone()
        .filter(|o| !o.is_empty())
        .ok_or(AuthError::MissingClaim("oid"))?;
    let upn = claims.preferred_username.clone().or(claims.upn.clone());
    Ok(Identity {
        display_name: claims
            .name
            .clone()
            .or_else(|| upn.clone())
            .unwrap_or_default(),
        tenant_id: tid,
        user_id: oid.to_ascii_lowercase(),
        upn,
        expires_at: claims.exp.unwrap_or(0),
    })
}

/// The `alg` a token's header declares, read without trusting anything else in it.
fn declared_algorithm(token: &str) -> Option<String> {
    use base64::Engine;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_owned)
}

/// JOSE's registered signature algorithms (RFC 7518, RFC 8037, RFC 8812), as `&'static`
/// names: safe to repeat in an answer, unlike whatever a header says.
const ALGORITHMS: &[&str] = &[
    "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
    "PS256", "PS384", "PS512", "EdDSA", "ES256K",
];

fn registered_algorithm(alg: &str) -> Option<&'static str> {
    ALGORITHMS.iter().copied().find(|known| *known == alg)
}

fn map_jwt_error(e: jsonwebtoken::errors::Error) -> AuthError {
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::Signature,
        ErrorKind::InvalidAlgorithm => AuthError::Algorithm(None),
        ErrorKind::MissingRequiredClaim(c) => AuthError::MissingClaim(match c.as_str() {
            "exp" => "exp",
            "nbf" => "nbf",
            "aud" => "aud",
            _ => "iss",
        }),
        _ => AuthError::Malformed,
    }
}

/// `8-4-4-4-12` hex digits, as Entra writes tenant and object ids.
pub fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_registered_algorithm_names_are_repeated() {
        assert_eq!(registered_algorithm("HS512"), Some("HS512"));
        assert_eq!(registered_algorithm("none"), Some("none"));
        assert_eq!(registered_algorithm(&"x".repeat(60_000)), None);
        let shown = AuthError::Algorithm(registered_algorithm("<script>")).to_string();
        assert_eq!(
            shown,
            "the token must be signed with RS256, not an algorithm this service does not know"
        );
    }

    #[test]
    fn guids() {
        assert!(is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        assert!(!is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
        assert!(!is_guid("{tenantid}"));
        assert!(!is_guid("72f988bf86f141af91ab2d7cd011db47"));
    }
}
