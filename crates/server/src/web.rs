//! Serving the built tab with the headers a Teams tab needs.
//!
//! The tab is a handful of files. They are read once at start (from Trunk's `dist/`, or from
//! the copy built into the binary), compressed once with brotli and gzip (the copy in the
//! binary was compressed while building it), and served from memory with ETags; names Trunk
//! hashed are cached for a year.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use sha2::{Digest, Sha256};

/// The hosts Teams, Microsoft 365 and Outlook frame tabs from (Microsoft's tab requirements).
const FRAME_ANCESTORS: &str = "'self' https://teams.microsoft.com https://*.teams.microsoft.com \
     https://*.cloud.microsoft https://*.microsoft365.com https://*.office.com \
     https://outlook.office.com https://outlook.office365.com https://outlook-sdf.office.com \
     https://outlook-sdf.office365.com";
/// TeamsJS fetches its list of valid host origins from here.
const TEAMS_CDN: &str = "https://res.cdn.office.net";

/// This binary carries the tab (built with the `embed-tab` feature).
pub const TAB_EMBEDDED: bool = cfg!(kontakt_tab_embedded);

/// One file of the tab, in every encoding it is offered in.
struct Asset {
    identity: Bytes,
    encoded: Encoded,
    content_type: &'static str,
    etag: HeaderValue,
    /// The name carries a content hash: the bytes behind it never change.
    immutable: bool,
}

/// The tab's files and the Content-Security-Policy that fits them.
#[derive(Clone)]
pub struct Tab {
    assets: Arc<HashMap<String, Asset>>,
    csp: HeaderValue,
    hsts: bool,
}

impl Tab {
    /// Reads every file under `dir`.
    pub fn from_dir(dir: &Path, hsts: bool) -> anyhow::Result<Self> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files)?;
        Tab::from_files(files, hsts).map_err(|e| anyhow::anyhow!("{e} in {}", dir.display()))
    }

    /// The tab built into this binary (the `embed-tab` feature), if it was.
    pub fn embedded(hsts: bool) -> Option<anyhow::Result<Self>> {
        #[cfg(kontakt_tab_embedded)]
        {
            mod files {
                include!(concat!(env!("OUT_DIR"), "/embedded_tab.rs"));
            }
            let files = files::FILES
                .iter()
                .map(|(name, bytes, brotli, gzip)| {
                    let encoded = Encoded {
                        brotli: brotli.map(Bytes::from_static),
                        gzip: gzip.map(Bytes::from_static),
                    };
                    ((*name).to_owned(), bytes.to_vec(), Some(encoded))
                })
                .collect();
            Some(Tab::from_encoded(files, hsts))
        }
        #[cfg(not(kontakt_tab_embedded))]
        {
            let _ = hsts;
            None
        }
    }

    /// Builds the tab from `(path relative to the root, bytes)` pairs, compressing them.
    pub fn from_files(files: Vec<(String, Vec<u8>)>, hsts: bool) -> anyhow::Result<Self> {
        Tab::from_encoded(files.into_iter().map(|(p, b)| (p, b, None)).collect(), hsts)
    }

    /// Builds the tab from its files, each with its encodings when they were made already.
    fn from_encoded(
        files: Vec<(String, Vec<u8>, Option<Encoded>)>,
        hsts: bool,
    ) -> anyhow::Result<Self> {
        let index = files
            .iter()
            .find(|(p, _, _)| p == "index.html")
            .map(|(_, b, _)| String::from_utf8_lossy(b).into_owned())
            .ok_or_else(|| anyhow::anyhow!("the tab is not built: there is no index.html (run ./run, or trunk build --release)"))?;
        let hashes: Vec<String> = inline_scripts(&index)
            .map(|s| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(s.as_bytes()))))
            .collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
             img-src 'self' data:; connect-src 'self' {TEAMS_CDN}; frame-ancestors {FRAME_ANCESTORS}; \
             base-uri 'none'; form-action 'none'; object-src 'none'",
            hashes.join(" ")
        );
        let assets = files
            .into_iter()
            .filter(|(path, _, _)| !path.starts_with('.'))
            .map(|(path, bytes, encoded)| {
                let encoded = encoded.unwrap_or_else(|| Encoded::of(&path, &bytes));
                let asset = Asset::new(&path, bytes, encoded);
                (path, asset)
            })
            .collect();
        Ok(Tab {
            assets: Arc::new(assets),
            csp: HeaderValue::from_str(&csp)?,
            hsts,
        })
    }

    pub fn router<S: Clone + Send + Sync + 'static>(self) -> Router<S> {
        Router::new().fallback(move |req: Request<Body>| {
            let tab = self.clone();
            async move { tab.serve(&req) }
        })
    }

    fn serve(&self, req: &Request<Body>) -> Response {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
            )
                .into_response();
        }
        let path = req.uri().path().trim_start_matches('/');
        let path = if path.is_empty() { "index.html" } else { path };
        let Some(asset) = self.assets.get(path) else {
            return (StatusCode::NOT_FOUND, "not found").into_response();
        };
        let mut headers = HeaderMap::new();
        self.page_headers(&mut headers, asset);
        if req
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == asset.etag.as_bytes())
        {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let accepts = req
            .headers()
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let (body, encoding) = match (&asset.encoded.brotli, &asset.encoded.gzip) {
            (Some(br), _) if accepts_encoding(accepts, "br") => (br.clone(), Some("br")),
            (_, Some(gz)) if accepts_encoding(accepts, "gzip") => (gz.clone(), Some("gzip")),
            _ => (asset.identity.clone(), None),
        };
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        let body = if req.method() == Method::HEAD {
            Body::empty()
        } else {
            Body::from(body)
        };
        (StatusCode::OK, headers, body).into_response()
    }

    fn page_headers(&self, headers: &mut HeaderMap, asset: &Asset) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        headers.insert(header::ETAG, asset.etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        security_headers(headers, self.csp.clone());
        if self.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000; includeSubDomains"),
            );
        }
        let cache = if asset.immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    }
}

/// What every page and file the service serves carries: its Content-Security-Policy, no
/// content sniffing, and no Referer (tab URLs and search pages must not leak elsewhere).
pub(crate) fn security_headers(headers: &mut HeaderMap, csp: HeaderValue) {
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A file's compressed forms, each only when smaller than the file.
struct Encoded {
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

impl Encoded {
    fn of(path: &str, bytes: &[u8]) -> Encoded {
        if !crate::compress::worth_compressing(path, bytes.len()) {
            return Encoded {
                brotli: None,
                gzip: None,
            };
        }
        let smaller = |b: Vec<u8>| (b.len() < bytes.len()).then(|| Bytes::from(b));
        Encoded {
            brotli: smaller(crate::compress::brotli(bytes)),
            gzip: smaller(crate::compress::gzip(bytes)),
        }
    }
}

impl Asset {
    fn new(path: &str, bytes: Vec<u8>, encoded: Encoded) -> Self {
        let content_type = content_type(path);
        let digest = Sha256::digest(&bytes);
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Asset {
            content_type,
            etag: HeaderValue::from_str(&etag).expect("hex is a valid header"),
            immutable: is_hashed_asset(path),
            identity: Bytes::from(bytes),
            encoded,
        }
    }
}

/// Whether `accept` (an Accept-Encoding value) allows `coding` (q > 0).
fn accepts_encoding(accept: &str, coding: &str) -> bool {
    accept.split(',').any(|part| {
        let mut pieces = part.trim().split(';');
        let name = pieces.next().unwrap_or("").trim();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        name.eq_ignore_ascii_case(coding) && q > 0.0
    })
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("the tab is not built: cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let rel = path
                .strip_prefix(root)?
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read(&path)?));
        }
    }
    Ok(())
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
        assert!(is_hashed_asset("kontakt-tab-9f3a1c2b4d5e6f70_bg.wasm"));
        assert!(is_hashed_asset("kontakt-tab-2a5d3343edb869.js"));
        assert!(is_hashed_asset("main-9f3a1c2b4d5e6f70.css"));
        assert!(!is_hashed_asset("index.html"));
        assert!(!is_hashed_asset("MicrosoftTeams.min.js"));
    }

    #[test]
    fn accept_encoding_with_weights() {
        assert!(accepts_encoding("gzip, deflate, br", "br"));
        assert!(accepts_encoding("br;q=0.5, gzip", "br"));
        assert!(!accepts_encoding("br;q=0, gzip", "br"));
        assert!(!accepts_encoding("gzip", "br"));
        assert!(!accepts_encoding("", "gzip"));
    }
}
