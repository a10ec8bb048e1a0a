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
                tracing::warn!(url = %self.options.url, error = %explain(&err, &self.options.url), hint = HINT, "fetching signing keys failed");
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

    /// Fetches the keys once at start and says how that went: a server that cannot reach
    /// Microsoft (no DNS, a proxy not configured, TLS intercepted) otherwise only shows it
    /// when the first user cannot sign in.
    pub async fn check_at_start(&self) {
        let _guard = self.fetching.lock().await;
        if self.cache.read().expect("poisoned").fetched_at.is_some() {
            return; // a sign-in was quicker: fetched, and logged
        }
        if let Err(err) = self.fetch().await {
            tracing::error!(
                url = %self.options.url,
                error = %explain(&err, &self.options.url),
                hint = HINT,
                "cannot fetch the keys that sign users' tokens: every sign-in fails until they can be fetched (tried again with the next sign-in)"
            );
        }
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

const HINT: &str = "the service needs outbound HTTPS to login.microsoftonline.com; behind a proxy set HTTPS_PROXY=http://proxy:port (and NO_PROXY for local addresses) in the service's environment, e.g. /etc/kontakt/env";

/// Why a fetch failed, in words an administrator can act on: the name did not resolve,
/// nothing answered, TLS failed (often a proxy inspecting HTTPS), or something other than
/// a key set answered.
fn explain(err: &anyhow::Error, url: &str) -> String {
    let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
    let all = chain.join(": ");
    let lower = all.to_lowercase();
    // The variables reqwest honours for https:// addresses.
    let proxy = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .iter()
        .filter(|_| url.starts_with("https://"))
        .find_map(|v| std::env::var(v).ok().filter(|p| !p.is_empty()))
        .map(|p| {
            // Only where the proxy is: its URL may hold a user and password.
            let host = reqwest::Url::parse(&p).ok().and_then(|u| {
                u.host_str()
                    .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
            });
            format!(
                " (through the proxy at {})",
                host.unwrap_or_else(|| String::from("?"))
            )
        })
        .unwrap_or_default();
    let why = match err.downcast_ref::<reqwest::Error>() {
        Some(e) if e.is_timeout() => String::from(
            "no answer in time: a firewall dropping outbound HTTPS, or a proxy needed?",
        ),
        Some(e) if e.is_status() => format!(
            "answered {}{}",
            e.status().map(|s| s.to_string()).unwrap_or_default(),
            if e.status().is_some_and(|s| s.as_u16() == 407) {
                ": the proxy wants a user and password (HTTPS_PROXY=http://user:password@proxy:port)"
            } else {
                ""
            }
        ),
        Some(e) if e.is_decode() => String::from(
            "the answer is not a key set: a proxy or captive portal answering in Microsoft's place?",
        ),
        _ if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known") =>
        {
            String::from(
                "the name cannot be resolved (DNS): does this server resolve internet names?",
            )
        }
        _ if [
            "certificate",
            "tls",
            "handshake",
            "corrupt message",
            "alert",
        ]
        .iter()
        .any(|w| lower.contains(w)) =>
        {
            String::from(
                "the TLS connection failed: a proxy or firewall inspecting HTTPS with a certificate this server does not trust?",
            )
        }
        _ if lower.contains("connection refused") => String::from("the connection was refused"),
        _ => String::from("the request failed"),
    };
    format!("{why}{proxy} ({all})")
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
