//! The service for integration tests: two tenants with CSV sources, keys generated here,
//! and a JWKS served on loopback the way Microsoft serves its own. Requests go straight
//! into the router; tests that need a real socket start the binary or `kontakt_server::start`.

#![allow(dead_code)]

pub mod postgres;
pub mod processes;
pub mod roles;
pub mod sealed;
pub mod tap;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kontakt_server::AppState;
use kontakt_server::settings::{ConfigFile, Role, Settings};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use tower::ServiceExt;

pub const CLIENT_ID: &str = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f";
pub const HOST: &str = "contacts.example.com";
pub const TENANT_A: &str = "aaaaaaaa-1111-4111-8111-aaaaaaaaaaaa";
pub const TENANT_B: &str = "bbbbbbbb-2222-4222-8222-bbbbbbbbbbbb";
pub const STRANGER: &str = "cccccccc-3333-4333-8333-cccccccccccc";
pub const USER: &str = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6";

/// An RSA key pair with its key id.
pub struct Key {
    pub kid: String,
    pub encoding: EncodingKey,
    pub n: String,
    pub e: String,
    /// The public key in PKCS#1 DER, for forging HS256 tokens "signed" with it.
    pub public_der: Vec<u8>,
}

impl Key {
    fn generate(kid: &str) -> Key {
        let private = rsa::PrivateKey::new(&mut rand::rng(), 2048).unwrap();
        let public = private.to_public_key();
        use rsa::pkcs1::EncodeRsaPublicKey;
        Key {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_rsa_der(private.to_pkcs1_der().unwrap().as_bytes()),
            n: URL_SAFE_NO_PAD.encode(public.n_bytes()),
            e: URL_SAFE_NO_PAD.encode(public.e_bytes()),
            public_der: public.to_pkcs1_der().unwrap().as_bytes().to_vec(),
        }
    }

    pub fn jwk(&self, issuer: &str) -> Value {
        json!({"kty": "RSA", "use": "sig", "kid": self.kid, "n": self.n, "e": self.e, "issuer": issuer})
    }
}

/// Keys are slow to make in a debug build: three per test binary, shared.
pub fn keys() -> &'static [Key; 3] {
    static KEYS: OnceLock<[Key; 3]> = OnceLock::new();
    KEYS.get_or_init(|| {
        [
            Key::generate("key-1"),
            Key::generate("key-2"),
            Key::generate("not-published"),
        ]
    })
}

/// A JWKS endpoint whose keys the test can change, counting how often it is asked.
#[derive(Clone)]
pub struct Jwks {
    pub url: String,
    pub document: Arc<Mutex<Value>>,
    pub fetches: Arc<AtomicUsize>,
}

impl Jwks {
    pub async fn start(document: Value) -> Jwks {
        let document = Arc::new(Mutex::new(document));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (d, f) = (document.clone(), fetches.clone());
        let app = axum::Router::new().route(
            "/keys",
            axum::routing::get(move || {
                let (d, f) = (d.clone(), f.clone());
                async move {
                    f.fetch_add(1, Ordering::SeqCst);
                    axum::Json(d.lock().unwrap().clone())
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Jwks {
            url,
            document,
            fetches,
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

pub fn template_issuer() -> &'static str {
    "https://login.microsoftonline.com/{tenantid}/v2.0"
}

pub fn now() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

/// Claims of a good v2 token for `tenant`.
pub fn claims(tenant: &str) -> Value {
    json!({
        "aud": CLIENT_ID,
        "iss": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
        "iat": now() - 10,
        "nbf": now() - 10,
        "exp": now() + 3600,
        "tid": tenant,
        "oid": USER,
        "scp": "access_as_user",
        "name": "Test User",
        "preferred_username": "test.user@example.com",
        "ver": "2.0",
    })
}

pub fn sign(claims: &Value, key: &Key) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

pub fn token(tenant: &str) -> String {
    sign(&claims(tenant), &keys()[0])
}

/// The service with two tenants (each a small CSV source) and its files, called in-process
/// through its router: no port.
pub struct Server {
    pub app: axum::Router,
    pub jwks: Jwks,
    pub data_dir: tempfile::TempDir,
    pub source_dir: tempfile::TempDir,
}

pub const CSV_A: &str = "First Name,Last Name,Company,Business Phone,E-mail Address\nJürgen,Müller,Alpha GmbH,+49 89 1111111,j.mueller@alpha.example\nAnna,Berg,Alpha GmbH,+49 89 2222222,a.berg@alpha.example\n";
pub const CSV_B: &str = "First Name,Last Name,Company,Business Phone,E-mail Address\nBeatrix,Bravo,Bravo AG,+49 30 3333333,b.bravo@bravo.example\nJürgen,Müllerbravo,Bravo AG,+49 30 4444444,j.muellerbravo@bravo.example\n";

/// Starts a server in development mode with real (test) sign-in; `extra` is appended to
/// the configuration.
pub async fn start(extra: &str) -> Server {
    start_with("", extra).await
}

/// A server that also serves the tab from `dir`, optionally behind an https `public_url`.
pub async fn start_with_tab(dir: &std::path::Path, public_url: Option<&str>) -> Server {
    let mut server = format!("tab_dir = {:?}\n", dir.display().to_string());
    if let Some(url) = public_url {
        server.push_str(&format!("public_url = {url:?}\n"));
    }
    start_with(&server, "").await
}

/// `server_extra` goes into `[server]`, `extra` after it.
pub async fn start_with(server_extra: &str, extra: &str) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(
        json!({"keys": [keys()[0].jwk(template_issuer()), keys()[1].jwk(template_issuer())]}),
    )
    .await;
    let data_dir = tempfile::tempdir().unwrap();
    let source_dir = tempfile::tempdir().unwrap();
    std::fs::write(source_dir.path().join("a.csv"), CSV_A).unwrap();
    std::fs::write(source_dir.path().join("b.csv"), CSV_B).unwrap();
    let config = format!(
        r#"
        [server]
        mode = "development"
        listen = "127.0.0.1:0"
        data_dir = {data:?}
        {server_extra}

        [auth]
        client_id = "{CLIENT_ID}"
        application_id_uri = "api://{HOST}/{CLIENT_ID}"
        jwks_url = "{jwks}"
        min_key_refetch = "1s"

        {extra}
        {a}
        {b}
        "#,
        data = data_dir.path().display().to_string(),
        jwks = jwks.url,
        a = tenant(TENANT_A, "Alpha", "89", &source_dir.path().join("a.csv")),
        b = tenant(TENANT_B, "Bravo", "30", &source_dir.path().join("b.csv")),
    );
    let file = ConfigFile::parse(&config).unwrap();
    let settings = Settings::resolve(file, Role::Serve).unwrap();
    let state = AppState::open(&settings, settings.listen).await.unwrap();
    Server {
        app: kontakt_server::app(state),
        jwks,
        data_dir,
        source_dir,
    }
}

/// A `[[tenants]]` table with one CSV source `crm`.
pub fn tenant(id: &str, name: &str, area_code: &str, csv: &std::path::Path) -> String {
    format!(
        r#"
        [[tenants]]
        id = "{id}"
        name = "{name}"
        dialing = {{ country = "DE", area_code = "{area_code}" }}
        [[tenants.sources]]
        type = "csv"
        id = "crm"
        name = "{name} CRM"
        path = {csv:?}
        "#,
        csv = csv.display().to_string(),
    )
}

/// An answer, read whole.
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
}

impl Reply {
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub async fn json<T: serde::de::DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    pub async fn text(self) -> Result<String, std::string::FromUtf8Error> {
        String::from_utf8(self.body.to_vec())
    }
}

impl Reply {
    /// An answer that came over a real socket.
    pub async fn of(response: reqwest::Response) -> Reply {
        Reply {
            status: response.status(),
            headers: response.headers().clone(),
            body: response.bytes().await.unwrap(),
        }
    }
}

impl Server {
    /// `GET path`, with the token as a bearer token when given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        let mut request = Request::get(path);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Serves the same router on a loopback port, for clients that need a socket (a proxy).
    pub async fn listen(&self) -> SocketAddr {
        self.listen_stoppable().await.0
    }

    /// … and the task serving it: aborting it closes the port, as a stopped service does.
    pub async fn listen_stoppable(&self) -> (SocketAddr, tokio::task::JoinHandle<()>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = self.app.clone();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (addr, task)
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: axum::body::to_bytes(body, usize::MAX).await.unwrap(),
        }
    }
}

/// `q` as a query parameter value.
pub fn encode(q: &str) -> String {
    form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// Sends `request` over a real socket and reads the answer as JSON.
pub async fn json(request: reqwest::RequestBuilder) -> Value {
    request.send().await.unwrap().json().await.unwrap()
}

/// Asserts a problem+json answer with `status`, and returns its detail.
pub async fn problem(response: Reply, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    body["detail"].as_str().unwrap_or_default().to_owned()
}

/// A tab folder shaped like Trunk's output: an index with an inline boot script and hashed
/// assets.
pub fn fake_tab() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let index = "<!doctype html><html><head><script src=/MicrosoftTeams.min.js></script><script type=module>import init from '/kontakt-tab-0123456789abcdef.js';await init();</script></head><body></body></html>";
    std::fs::write(dir.path().join("index.html"), index).unwrap();
    std::fs::write(
        dir.path().join("kontakt-tab-0123456789abcdef.js"),
        "export default function init() {}\n".repeat(100),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("MicrosoftTeams.min.js"),
        "var microsoftTeams = {};\n".repeat(100),
    )
    .unwrap();
    dir
}

/// A loopback port nothing listens on right now, for servers started as processes.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Every file below `dir`, for scanning what a process wrote.
pub fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}
