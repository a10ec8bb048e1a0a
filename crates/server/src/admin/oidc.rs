//! The cloud as an OpenID Connect client of Microsoft Entra ID (or, in demo mode, of its own
//! demo identity provider, which answers the same requests with the same shape of tokens):
//! authorization code with PKCE (S256), the ID token checked by the service's one token
//! validator, and admin consent for the app.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::session::Flow;

/// Who the cloud is to the identity provider.
#[derive(Clone)]
pub struct Client {
    /// `https://login.microsoftonline.com`, or the demo's `{cloud}/dev/idp`.
    pub authority: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    /// The cloud's own address, where the provider sends administrators back.
    pub base_url: String,
    http: reqwest::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the sign-in service could not be reached: {0}")]
    Unreachable(String),
    #[error("the sign-in service refused the sign-in: {0}")]
    Refused(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `BASE64URL(SHA-256(verifier))`, RFC 7636.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

impl Client {
    pub fn new(
        authority: &str,
        client_id: &str,
        client_secret: Option<String>,
        base_url: &str,
    ) -> Client {
        Client {
            authority: authority.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret,
            base_url: base_url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(15))
                .user_agent(concat!("kontakt/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("a TLS backend is compiled in"),
        }
    }

    pub fn redirect_uri(&self) -> String {
        format!("{}/admin/callback", self.base_url)
    }

    pub fn consent_redirect_uri(&self) -> String {
        format!("{}/admin/consent-callback", self.base_url)
    }

    /// Where the administrator signs in, for the sign-in under way.
    pub fn authorize_url(&self, flow: &Flow) -> String {
        format!(
            "{}/organizations/oauth2/v2.0/authorize?{}",
            self.authority,
            query(&[
                ("client_id", &self.client_id),
                ("response_type", "code"),
                ("redirect_uri", &self.redirect_uri()),
                ("response_mode", "query"),
                ("scope", "openid profile email"),
                ("state", &flow.state),
                ("nonce", &flow.nonce),
                ("code_challenge", &challenge(&flow.verifier)),
                ("code_challenge_method", "S256"),
                ("prompt", "select_account"),
            ])
        )
    }

    /// Where a signed-in administrator grants the app consent for their organisation.
    pub fn consent_url(&self, tenant: &str, state: &str) -> String {
        format!(
            "{}/{tenant}/v2.0/adminconsent?{}",
            self.authority,
            query(&[
                ("client_id", &self.client_id),
                ("scope", "https://graph.microsoft.com/.default"),
                ("redirect_uri", &self.consent_redirect_uri()),
                ("state", state),
            ])
        )
    }

    /// Redeems the code for an ID token, proving with the verifier that this cloud
    /// started the sign-in.
    pub async fn redeem(&self, code: &str, verifier: &str) -> Result<String, OidcError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("client_id", self.client_id.as_str()),
            ("code", code),
            ("redirect_uri", ""),
            ("code_verifier", verifier),
            ("scope", "openid profile email"),
        ];
        let redirect = self.redirect_uri();
        form[3].1 = &redirect;
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret));
        }
        let url = format!("{}/organizations/oauth2/v2.0/token", self.authority);
        let answer = self
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(query(&form))
            .send()
            .await
            .map_err(|e| OidcError::Unreachable(e.to_string()))?;
        let status = answer.status();
        let body: TokenAnswer = answer
            .json()
            .await
            .map_err(|e| OidcError::Refused(format!("HTTP {status}, not a token answer: {e}")))?;
        match body.id_token {
            Some(token) if status.is_success() => Ok(token),
            _ => Err(OidcError::Refused(
                body.error_description
                    .or(body.error)
                    .unwrap_or_else(|| format!("HTTP {status}")),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
