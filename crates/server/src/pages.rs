//! Pages besides the tab: the sign-in window Teams opens for consent, the privacy statement
//! and terms of use the app manifest links to, and — in demo mode only — the Teams host
//! simulator.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use crate::admin::page::esc;
use crate::settings::{Consent, OperatorSection};

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
/// details, and the manifest must name both. The privacy statement names the operator as
/// configured (`[operator]`, GDPR Art. 13), or sends people to their IT department.
pub fn legal<S: Clone + Send + Sync + 'static>(operator: Option<&OperatorSection>) -> Router<S> {
    let html: &'static str = Box::leak(privacy_html(operator).into_boxed_str());
    Router::new()
        .route(
            "/privacy",
            get(move || async move { page(Html(html), LEGAL_CSP) }),
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

fn privacy_html(operator: Option<&OperatorSection>) -> String {
    let (en, de) = match operator {
        None => (
            String::from("<p>Ask your IT department who is responsible and how to reach them.</p>"),
            String::from(
                "<p>Wer verantwortlich ist und wie Sie ihn erreichen, erfahren Sie bei Ihrer IT-Abteilung.</p>",
            ),
        ),
        Some(o) => {
            let name = esc(o.name.trim());
            let address = o
                .address
                .lines()
                .map(|l| esc(l.trim()))
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join("<br />");
            let contact = o.privacy_contact.trim();
            let link = if contact.starts_with("https://") {
                format!("<a href=\"{0}\">{0}</a>", esc(contact))
            } else {
                format!("<a href=\"mailto:{0}\">{0}</a>", esc(contact))
            };
            (
                format!(
                    "<h2>Who is responsible</h2>\n      <p>This service is run by (data controller):<br /><strong>{name}</strong><br />{address}</p>\n      <p>Questions about your data, and requests to see, correct or delete it: {link}</p>"
                ),
                format!(
                    "<h2>Verantwortlich</h2>\n      <p>Diesen Dienst betreibt (Verantwortlicher im Sinne der DSGVO):<br /><strong>{name}</strong><br />{address}</p>\n      <p>Fragen zu Ihren Daten sowie Auskunft, Berichtigung oder Löschung: {link}</p>"
                ),
            )
        }
    };
    PRIVACY_HTML
        .replace("{{OPERATOR_EN}}", &en)
        .replace("{{OPERATOR_DE}}", &de)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_privacy_statement_names_the_operator_in_both_languages_escaped() {
        let operator = OperatorSection {
            name: String::from("Müller & Söhne <GmbH>"),
            address: String::from("Musterstraße 1\n80331 München"),
            privacy_contact: String::from("datenschutz@mueller.example"),
        };
        let html = privacy_html(Some(&operator));
        let en = html.split("<section lang=\"de\"").next().unwrap();
        let de = html.split("<section lang=\"de\"").nth(1).unwrap();
        for part in [en, de] {
            assert!(part.contains("<strong>Müller &amp; Söhne &lt;GmbH&gt;</strong><br />Musterstraße 1<br />80331 München"), "{part}");
            assert!(
                part.contains(
                    "<a href=\"mailto:datenschutz@mueller.example\">datenschutz@mueller.example</a>"
                ),
                "{part}"
            );
        }
        assert!(
            en.contains("data controller") && de.contains("Verantwortlicher im Sinne der DSGVO")
        );
        assert!(!html.contains("{{") && !html.contains("IT department who is responsible"));

        let plain = privacy_html(None);
        assert!(
            plain.contains("Ask your IT department who is responsible")
                && plain.contains("erfahren Sie bei Ihrer IT-Abteilung")
        );
        assert!(!plain.contains("{{"));
    }
}
