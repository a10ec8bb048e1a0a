//! Demo mode's token issuer: an RSA key generated at start, tokens shaped exactly like
//! Microsoft Entra v2 access tokens, and the key published as a JWKS.
//!
//! The server validates these tokens with the same [`crate::auth::TokenValidator`] as real
//! ones, fetching the key set from its own `/api/v1/dev/keys` over HTTP — one code path.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use kontakt_api::{DevTokenRequest, DevTokenResponse};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde::Serialize;

use crate::auth::is_guid;
use crate::problem::ApiError;

/// The demo tenant (`tid` of demo tokens): one organisation whose directory is generated.
pub const TENANT_ID: &str = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34";
pub const TENANT_NAME: &str = kontakt_directory::demo::OWN_COMPANY;
/// Client id (`aud`) of the demo app registration.
pub const CLIENT_ID: &str = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f";
/// Teams web client id, as `azp` of real Teams SSO tokens.
const TEAMS_WEB_CLIENT_ID: &str = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346";
pub const USER_ID: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";
pub const USER_NAME: &str = "Demo User";
pub const USER_UPN: &str = "demo.user@kontakt-demo.de";
/// The demo organisation's Teams administrator, who may register it at `/admin`.
pub const ADMIN_ID: &str = "a1d2e3f4-0000-4a00-8a00-00000000ad01";
pub const ADMIN_NAME: &str = "Ada Admin";
pub const ADMIN_UPN: &str = "ada.admin@kontakt-demo.de";
/// A second demo organisation and its Global Administrator: for trying (and testing) that
/// one organisation's administrator never reaches another's registration.
pub const OTHER_TENANT_ID: &str = "9c3e1b7a-5d2f-4e8a-b6c4-7f1a2e3d4c5b";
pub const OTHER_ADMIN_ID: &str = "b2c3d4e5-0000-4b00-8b00-00000000ad02";
pub const OTHER_ADMIN_NAME: &str = "Otto Beispiel";
pub const OTHER_ADMIN_UPN: &str = "otto@beispiel-demo.de";

/// Entra role template ids (`wids`).
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
pub const TEAMS_ADMINISTRATOR: &str = "69091246-20e8-4a56-aa4d-066075b2a7a8";
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";

/// Someone the demo identity provider signs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoPerson {
    pub key: &'static str,
    pub tenant: &'static str,
    pub oid: &'static str,
    pub name: &'static str,
    pub upn: &'static str,
    pub wids: &'static [&'static str],
}

/// Whom the demo identity provider offers to sign in.
pub const PEOPLE: [DemoPerson; 3] = [
    DemoPerson {
        key: "admin",
        tenant: TENANT_ID,
        oid: ADMIN_ID,
        name: ADMIN_NAME,
        upn: ADMIN_UPN,
        wids: &[TEAMS_ADMINISTRATOR],
    },
    DemoPerson {
        key: "user",
        tenant: TENANT_ID,
        oid: USER_ID,
        name: USER_NAME,
        upn: USER_UPN,
        wids: &[],
    },
    DemoPerson {
        key: "other-admin",
        tenant: OTHER_TENANT_ID,
        oid: OTHER_ADMIN_ID,
        name: OTHER_ADMIN_NAME,
        upn: OTHER_ADMIN_UPN,
        wids: &[GLOBAL_ADMINISTRATOR],
    },
];

const LIFETIME_SECS: u64 = 60 * 60;
const MAX_NAME_CHARS: usize = 100;

pub struct DemoIssuer {
    key: EncodingKey,
    kid: String,
    jwks: serde_json::Value,
    tenant_id: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    azp: &'a str,
    name: &'a str,
    oid: &'a str,
    preferred_username: &'a str,
    scp: &'a str,
    sub: &'a str,
    tid: &'a str,
    ver: &'a str,
}

impl DemoIssuer {
    /// Generates a fresh 2048-bit key; nothing of it is ever written to disk.
    pub fn generate(tenant_id: &str) -> anyhow::Result<Self> {
        let private = rsa::PrivateKey::new(&mut rand::rng(), 2048)?;
        let der = private.to_pkcs1_der()?;
        let public = private.to_public_key();
        let kid = format!("demo-{:016x}", rand::random::<u64>());
        let jwks = serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": kid,
                "n": URL_SAFE_NO_PAD.encode(public.n_bytes()),
                "e": URL_SAFE_NO_PAD.encode(public.e_bytes()),
                "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            }]
        });
        Ok(DemoIssuer {
            key: EncodingKey::from_rsa_der(der.as_bytes()),
            kid,
            jwks,
            tenant_id: tenant_id.to_owned(),
        })
    }

    /// An OpenID Connect ID token for `person`, shaped like Entra's v2 ID tokens (with
    /// `wids` as an app registration with `groupMembershipClaims` gets them).
    pub fn id_token(&self, person: &DemoPerson, nonce: &str) -> Result<String, ApiError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({
            "aud": CLIENT_ID,
            "iss": format!("https://login.microsoftonline.com/{}/v2.0", person.tenant),
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "name": person.name,
            "oid": person.oid,
            "preferred_username": person.upn,
            "email": person.upn,
            "sub": person.oid,
            "tid": person.tenant,
            "nonce": nonce,
            "wids": person.wids,
            "ver": "2.0",
        });
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        encode(&header, &claims, &self.key).map_err(|e| ApiError::Internal(e.into()))
    }

    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    pub fn issue(&self, request: &DevTokenRequest) -> Result<DevTokenResponse, ApiError> {
        let user_id = request.user_id.as_deref().unwrap_or(USER_ID);
        if !is_guid(user_id) {
            return Err(ApiError::BadRequest(format!(
                "user_id must be a GUID like {USER_ID}, got {user_id:?}"
            )));
        }
        let name = request.display_name.as_deref().unwrap_or(USER_NAME);
        let upn = request.upn.as_deref().unwrap_or(USER_UPN);
        for (field, value) in [("display_name", name), ("upn", upn)] {
            if value.trim().is_empty() || value.chars().count() > MAX_NAME_CHARS {
                return Err(ApiError::BadRequest(format!(
                    "{field} must be 1 to {MAX_NAME_CHARS} characters long"
                )));
            }
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = Claims {
            aud: CLIENT_ID,
            iss: format!("https://login.microsoftonline.com/{}/v2.0", self.tenant_id),
            iat: now,
            nbf: now,
            exp: now + LIFETIME_SECS,
            azp: TEAMS_WEB_CLIENT_ID,
            name,
            oid: user_id,
            preferred_username: upn,
            scp: "access_as_user",
            sub: user_id,
            tid: &self.tenant_id,
            ver: "2.0",
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        let token =
            encode(&header, &claims, &self.key).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(DevTokenResponse {
            token,
            expires_in: LIFETIME_SECS,
        })
    }
}
