//! The issuer's signing keys (a JWKS document), fetched over HTTPS and cached.
//!
//! Keys are refreshed once a day, and re-fetched when a token names a key we do not know
//! (Microsoft rolls keys over without notice) — but at most once per `min_refetch`, so a
//! stream of made-up key ids cannot turn the service into a load generator.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use super::AuthError;

#[derive(Clone, Debug)]
pub struct KeyStoreOptions {
    pub url: String,
    /// How long fetched keys are trusted before a refresh.
    pub max_age: Duration,
    /// Shortest time between two fetches triggered by unknown key ids.
    pub min_refetch: Duration,
    pub timeout: Duration,
}

impl KeyStoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        KeyStoreOptions {
            url: url.into(),
            max_age: Duration::from_secs(24 * 60 * 60),
            min_refetch: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
        }
    }
}

/// One verification key and the tenant it is restricted to, if any.
pub struct Key {
    pub decoding: DecodingKey,
    /// Microsoft publishes an `issuer` per key; where it names a concrete tenant instead of
    /// the `{tenantid}` template, the key may only sign that tenant's tokens.
    pub tenant: Option<String>,
}

#[derive(Default)]
struct Cache {
    keys: HashMap<String, Arc<Key>>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
}

pub struct KeyStore {
    options: KeyStoreOptions,
    http: reqwest::Client,
    cache: RwLock<Cache>,
    /// Serialises fetches so a burst of requests with a new key causes one download.
    fetching: tokio::sync::Mutex<()>,
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<JwkEntry>,
}

#[derive(Deserialize)]
struct JwkEntry {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    n: Option<String>,
    e: Option<String>,
    issuer: Option<String>,
}

impl KeyStore {
    pub fn new(options: KeyStoreOptions) -> Self {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .user_agent(concat!("kontakt/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a TLS backend is compiled in");
        KeyStore {
            options,
            http,
            cache: RwLock::new(Cache::default()),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The key with id `kid`, fetching the key set when it is stale or lacks the key.
    pub async fn get(&self, kid: &str) -> Result<Arc<Key>, AuthError> {
        let (found, fresh, may_refetch) = self.lookup(kid);
        if let (Some(key), true) = (&found, fresh) {
            return Ok(key.clone());
        }
        if !fresh || may_refetch {
            let _guard = self.fetching.lock().await;
            // Another request may have fetched while we waited.
            let (again, fresh_now, may_refetch_now) = self.lookup(kid);
            if let (Some(key), true) = (&again, fresh_now) {
                return Ok(key.clone());
            }
            if (!fresh_now || may_refetch_now)
                && let Err(err) = self.fetch().await
            {
                tracing::warn!(error = %err, "fetching signing keys failed");
            }
        }
        let (found, _, _) = self.lookup(kid);
        match found {
            Some(key) => Ok(key),
            None if self.cache.read().expect("poisoned").fetched_at.is_none() => {
                Err(AuthError::KeysUnavailable)
            }
            None => Err(AuthError::UnknownKey),
        }
    }

    /// (key, keys are fresh, an unknown-key refetch is allowed now)
    fn lookup(&self, kid: &str) -> (Option<Arc<Key>>, bool, bool) {
        let cache = self.cache.read().expect("poisoned");
        let now = Instant::now();
        let fresh = cache
            .fetched_at
            .is_some_and(|t| now.duration_since(t) < self.options.max_age);
        let may_refetch = cache
            .last_attempt
            .is_none_or(|t| now.duration_since(t) >= self.options.min_refetch);
        (cache.keys.get(kid).cloned(), fresh, may_refetch)
    }

    async fn fetch(&self) -> anyhow::Result<()> {
        self.cache.write().expect("poisoned").last_attempt = Some(Instant::now());
        let doc: JwksDocument = self
            .http
            .get(&self.options.url)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut keys = HashMap::new();
        for entry in doc.keys {
            let usable = entry.kty == "RSA" && entry.use_.as_deref().is_none_or(|u| u == "sig");
            let (Some(kid), Some(n), Some(e), true) = (entry.kid, entry.n, entry.e, usable) else {
                continue;
            };
            let Ok(decoding) = DecodingKey::from_rsa_components(&n, &e) else {
                continue;
            };
            let tenant = entry.issuer.as_deref().and_then(fixed_tenant_of_issuer);
            keys.insert(kid, Arc::new(Key { decoding, tenant }));
        }
        anyhow::ensure!(!keys.is_empty(), "the key set holds no RSA signing key");
        tracing::info!(keys = keys.len(), "signing keys fetched");
        let mut cache = self.cache.write().expect("poisoned");
        cache.keys = keys;
        cache.fetched_at = Some(Instant::now());
        Ok(())
    }
}

/// `https://login.microsoftonline.com/72f988bf-…/v2.0` → `72f988bf-…`; the `{tenantid}`
/// template (keys any tenant may use) → `None`.
fn fixed_tenant_of_issuer(issuer: &str) -> Option<String> {
    issuer
        .split('/')
        .find(|segment| super::validator::is_guid(segment))
        .map(str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_issuer_templates_are_not_tenant_restrictions() {
        assert_eq!(
            fixed_tenant_of_issuer("https://login.microsoftonline.com/{tenantid}/v2.0"),
            None
        );
        assert_eq!(
            fixed_tenant_of_issuer(
                "https://login.microsoftonline.com/72F988BF-86F1-41AF-91AB-2D7CD011DB47/v2.0"
            )
            .as_deref(),
            Some("72f988bf-86f1-41af-91ab-2d7cd011db47")
        );
    }
}
