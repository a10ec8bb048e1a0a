//! Serving the built tab (Trunk's `dist/`) with the headers a Teams tab needs.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use tower_http::services::ServeDir;

/// The hosts Teams, Microsoft 365 and Outlook frame tabs from (Microsoft's tab requirements).
const FRAME_ANCESTORS: &str = "'self' https://teams.microsoft.com https://*.teams.microsoft.com \
     https://*.cloud.microsoft https://*.microsoft365.com https://*.office.com \
     https://outlook.office.com https://outlook.office365.com https://outlook-sdf.office.com \
     https://outlook-sdf.office365.com";
/// TeamsJS fetches its list of valid host origins from here.
const TEAMS_CDN: &str = "https://res.cdn.office.net";

/// The tab's files and the Content-Security-Policy that fits them.
#[derive(Clone)]
pub struct Tab {
    dir: PathBuf,
    csp: HeaderValue,
}

impl Tab {
    /// Reads `dir/index.html` once to allow exactly its inline boot script by hash.
    pub fn load(dir: &Path) -> anyhow::Result<Self> {
        let index = std::fs::read_to_string(dir.join("index.html")).map_err(|e| {
            anyhow::anyhow!(
                "the tab is not built: cannot read {}: {e} (run ./run, or trunk build --release)",
                dir.join("index.html").display()
            )
        })?;
        let hashes: Vec<String> = inline_scripts(&index)
            .map(|s| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(s.as_bytes()))))
            .collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' {TEAMS_CDN}; frame-ancestors {FRAME_ANCESTORS}; \
             base-uri 'none'; form-action 'none'; object-src 'none'",
            hashes.join(" ")
        );
        Ok(Tab {
            dir: dir.to_owned(),
            csp: HeaderValue::from_str(&csp)?,
        })
    }

    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let csp = self.csp.clone();
        Router::new()
            .fallback_service(ServeDir::new(&self.dir).append_index_html_on_directories(true))
            .layer(middleware::from_fn(
                move |req: Request<Body>, next: Next| {
                    let csp = csp.clone();
                    async move {
                        let hashed = is_hashed_asset(req.uri().path());
                        let mut response = next.run(req).await;
                        page_headers(response.headers_mut(), csp, hashed);
                        response
                    }
                },
            ))
    }
}

/// Shown at `/` when the server runs without a built tab, instead of a bare 404.
pub fn not_built_router<S: Clone + Send + Sync + 'static>(reason: String) -> Router<S> {
    Router::new().fallback(move || {
        let reason = reason.clone();
        async move {
            (
                StatusCode::NOT_FOUND,
                Html(format!(
                    "<!doctype html><title>Kontakt</title><p>The Kontakt tab is not available: {}</p>",
                    html_escape(&reason)
                )),
            )
                .into_response()
        }
    })
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn page_headers(headers: &mut HeaderMap, csp: HeaderValue, hashed: bool) {
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let cache = if hashed {
        // Trunk puts a content hash in the name: the bytes behind a name never change.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
}

/// `kontakt-tab-1a2b3c4d5e6f7a8b.js` / `_bg.wasm` / `main-<hash>.css`.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    let stem = name.split('.').next().unwrap_or("").trim_end_matches("_bg");
    stem.rsplit('-')
        .next()
        .is_some_and(|h| h.len() >= 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The text of every inline `<script>` element (those without `src`).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.match_indices("<script").filter_map(move |(start, _)| {
        let open_end = start + html[start..].find('>')?;
        let tag = &html[start..open_end];
        if tag.contains(" src=") {
            return None;
        }
        let body_start = open_end + 1;
        let body_end = body_start + html[body_start..].find("</script>")?;
        Some(&html[body_start..body_end])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html =
            r#"<head><script src="/a.js"></script><script type="module">boot()</script></head>"#;
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), ["boot()"]);
    }

    #[test]
    fn hashed_asset_names() {
        assert!(is_hashed_asset("/kontakt-tab-9f3a1c2b4d5e6f70_bg.wasm"));
        assert!(is_hashed_asset("/kontakt-tab-2a5d3343edb869.js"));
        assert!(is_hashed_asset("/main-9f3a1c2b4d5e6f70.css"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/MicrosoftTeams.min.js"));
    }
}
