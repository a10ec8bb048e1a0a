//! Pages besides the tab: the sign-in window Teams opens for consent, the privacy statement
//! and terms of use the app manifest links to, and — in demo mode only — the Teams host
//! simulator.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::settings::Consent;

const AUTH_HTML: &str = include_str!("../assets/auth.html");
const AUTH_JS: &str = include_str!("../assets/auth.js");
const HOST_HTML: &str = include_str!("../assets/teams-host.html");
const HOST_JS: &str = include_str!("../assets/teams-host.js");
const HOST_CSS: &str = include_str!("../assets/teams-host.css");
const PRIVACY_HTML: &str = include_str!("../assets/privacy.html");
const TERMS_HTML: &str = include_str!("../assets/terms.html");
const LEGAL_CSS: &str = include_str!("../assets/legal.css");

/// Static text with a style sheet and no scripts.
const LEGAL_CSP: &str = "default-src 'none'; style-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'none'";

/// The sign-in window may only run our scripts and navigate to Microsoft's sign-in.
const AUTH_CSP: &str = "default-src 'self'; script-src 'self'; connect-src 'self' https://res.cdn.office.net; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'";
/// The simulator frames the tab from the same origin.
const HOST_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn page(body: impl IntoResponse, csp: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    crate::web::security_headers(headers, HeaderValue::from_static(csp));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn script(source: &'static str, csp: &'static str) -> Response {
    file("text/javascript; charset=utf-8", source, csp)
}

fn stylesheet(source: &'static str, csp: &'static str) -> Response {
    file("text/css; charset=utf-8", source, csp)
}

fn file(content_type: &'static str, source: &'static str, csp: &'static str) -> Response {
    page(([(header::CONTENT_TYPE, content_type)], source), csp)
}

/// `/auth-start` and `/auth-end`, asking consent for the app registration (none in demo
/// mode).
pub fn auth<S: Clone + Send + Sync + 'static>(consent: Option<&Consent>) -> Router<S> {
    let attr = |s: Option<String>| s.unwrap_or_default().replace(['"', '<', '>', '&'], "");
    let client_id = consent.map(|c| c.client_id.clone());
    let scope = consent
        .and_then(|c| c.application_id_uri.as_ref())
        .map(|uri| format!("{uri}/access_as_user"));
    let html = AUTH_HTML
        .replace("{{CLIENT_ID}}", &attr(client_id))
        .replace("{{SCOPE}}", &attr(scope));
    let html: &'static str = Box::leak(html.into_boxed_str());
    Router::new()
        .route(
            "/auth-start",
            get(move || async move { page(Html(html), AUTH_CSP) }),
        )
        .route(
            "/auth-end",
            get(move || async move { page(Html(html), AUTH_CSP) }),
        )
        .route("/auth.js", get(|| async { script(AUTH_JS, AUTH_CSP) }))
}

/// `/privacy` and `/terms`, in English and German: Teams shows them from the app's
/// details, and the manifest must name both.
pub fn legal<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/privacy",
            get(|| async { page(Html(PRIVACY_HTML), LEGAL_CSP) }),
        )
        .route(
            "/terms",
            get(|| async { page(Html(TERMS_HTML), LEGAL_CSP) }),
        )
        .route(
            "/legal.css",
            get(|| async { stylesheet(LEGAL_CSS, LEGAL_CSP) }),
        )
}

/// The Teams host simulator at `/dev/teams` (demo mode only).
pub fn simulator<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/dev/teams",
            get(|| async { page(Html(HOST_HTML), HOST_CSP) }),
        )
        .route(
            "/dev/teams-host.js",
            get(|| async { script(HOST_JS, HOST_CSP) }),
        )
        .route(
            "/dev/teams-host.css",
            get(|| async { stylesheet(HOST_CSS, HOST_CSP) }),
        )
}
