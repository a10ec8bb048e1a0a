//! Administrators' sessions at `/admin`, kept in the browser, not in the cloud: a cookie
//! holding who signed in (tenant, name, e-mail), signed with HMAC-SHA256 under a key in the
//! cloud's data folder. The cloud stores nothing about a signed-in administrator until they
//! register. Every form that changes something carries the session's CSRF token, and its
//! `Origin` must be the cloud's own.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub const SESSION_COOKIE: &str = "kontakt_admin";
/// The sign-in under way: PKCE verifier, state and nonce, until Microsoft sends the
/// administrator back.
pub const FLOW_COOKIE: &str = "kontakt_admin_flow";
pub const SESSION_SECS: u64 = 8 * 3600;
pub const FLOW_SECS: u64 = 10 * 60;

/// A signed-in administrator.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Session {
    pub tenant: String,
    pub user: String,
    pub name: String,
    pub email: String,
    /// Sent with every form; a form without it changes nothing.
    pub csrf: String,
    /// Binds an admin-consent round trip to this session.
    #[serde(default)]
    pub consent_state: Option<String>,
    pub expires: u64,
}

/// A sign-in under way.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    pub expires: u64,
}

pub struct SessionKeys {
    key: [u8; 32],
    /// Cookies only over HTTPS (not in a local demo on http).
    pub secure: bool,
}

/// 32 random bytes, base64url: as hard to guess as a directory's credential.
pub fn random_token() -> String {
    crate::link::new_credential()
}

pub fn now() -> u64 {
    kontakt_directory::snapshot::now_secs()
}

impl SessionKeys {
    /// The key in `{data_dir}/admin-session-key`, made on first start: sessions survive a
    /// restart, and every node sharing the folder's key accepts them.
    pub fn load_or_create(data_dir: &Path, secure: bool) -> anyhow::Result<SessionKeys> {
        use anyhow::Context;
        let path = data_dir.join("admin-session-key");
        let key = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => bytes.try_into().expect("32 bytes"),
            Ok(_) => anyhow::bail!(
                "{} is damaged (it must hold 32 bytes); delete it to sign every administrator out",
                path.display()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                crate::cache_key::write_private(&path, &key)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                key
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Ok(SessionKeys { key, secure })
    }

    fn mac(&self, payload: &str) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(payload.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// `payload.signature`.
    pub fn seal<T: Serialize>(&self, value: &T) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("serialises"));
        let signature = self.mac(&payload);
        format!("{payload}.{signature}")
    }

    /// The value, if the cookie is one this cloud signed.
    pub fn open<T: DeserializeOwned>(&self, cookie: &str) -> Option<T> {
        let (payload, signature) = cookie.split_once('.')?;
        if !same_token(&self.mac(payload), signature) {
            return None;
        }
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    /// A `Set-Cookie` value for `/admin`.
    pub fn cookie(&self, name: &str, value: &str, max_age: u64) -> String {
        format!(
            "{name}={value}; Path=/admin; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
            if self.secure { "; Secure" } else { "" }
        )
    }

    pub fn session(&self, headers: &axum::http::HeaderMap) -> Option<Session> {
        let session: Session = self.open(cookie(headers, SESSION_COOKIE)?)?;
        (session.expires > now()).then_some(session)
    }

    pub fn flow(&self, headers: &axum::http::HeaderMap) -> Option<Flow> {
        let flow: Flow = self.open(cookie(headers, FLOW_COOKIE)?)?;
        (flow.expires > now()).then_some(flow)
    }
}

/// The value of cookie `name` in the request.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Whether two tokens are equal, in constant time.
pub fn same_token(a: &str, b: &str) -> bool {
    crate::link::same_secret(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_opens_only_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SessionKeys::load_or_create(dir.path(), false).unwrap();
        let session = Session {
            tenant: "t".into(),
            user: "u".into(),
            name: "Ada".into(),
            email: "ada@example.com".into(),
            csrf: random_token(),
            consent_state: None,
            expires: now() + 60,
        };
        let sealed = keys.seal(&session);
        assert_eq!(keys.open::<Session>(&sealed), Some(session.clone()));
        let forged = keys.seal(&Session {
            tenant: "other".into(),
            ..session
        });
        let (payload, _) = forged.split_once('.').unwrap();
        let (_, signature) = sealed.split_once('.').unwrap();
        assert_eq!(
            keys.open::<Session>(&format!("{payload}.{signature}")),
            None
        );
        // The same key after a restart; another folder's key opens nothing.
        let again = SessionKeys::load_or_create(dir.path(), false).unwrap();
        assert!(again.open::<Session>(&sealed).is_some());
        let other =
            SessionKeys::load_or_create(tempfile::tempdir().unwrap().path(), false).unwrap();
        assert!(other.open::<Session>(&sealed).is_none());
    }
}
