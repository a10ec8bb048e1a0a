//! The API's behaviour at its edges: tenant isolation, limits, errors, metrics and the
//! headers the tab is served with.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use serde_json::{Value, json};

async fn search(server: &Server, token: &str, q: &str) -> Value {
    let r = server
        .get(&format!("/api/v1/search?q={}", encode(q)), Some(token))
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn names(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["contact"]["display_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_never_reaches_another_tenants_contacts() {
    let server = start("").await;
    let (a, b) = (token(TENANT_A), token(TENANT_B));
    assert_eq!(
        names(&search(&server, &a, "müller").await),
        ["Jürgen Müller"]
    );
    assert_eq!(
        names(&search(&server, &b, "müller").await),
        ["Jürgen Müllerbravo"]
    );
    assert_eq!(search(&server, &a, "bravo").await["total"], 0);
    assert_eq!(search(&server, &a, "+49 30 3333333").await["total"], 0);
    assert_eq!(search(&server, &b, "alpha").await["total"], 0);

    // B's contact by its id, with A's token: not found, as if it did not exist.
    let of_b = search(&server, &b, "beatrix").await["hits"][0]["contact"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        server
            .get(&format!("/api/v1/contacts/{of_b}"), Some(&b))
            .await
            .status(),
        200
    );
    let detail = problem(
        server
            .get(&format!("/api/v1/contacts/{of_b}"), Some(&a))
            .await,
        404,
    )
    .await;
    assert!(detail.contains("no contact"), "{detail}");

    // Each tenant sees only its own sources.
    let sources: Value = server
        .get("/api/v1/sources", Some(&a))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sources[0]["name"], "Alpha CRM");
    assert_eq!(sources[0]["records"], 2);
    assert_eq!(sources[0]["contacts"], 2);
    assert_eq!(sources[0]["skipped"], 0);
    assert_eq!(sources[0]["dropped"], 0);
    assert_eq!(sources.as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_400_with_a_precise_detail() {
    let server = start("").await;
    let t = token(TENANT_A);
    let cases = [
        ("/api/v1/search", "q (what to search for) is missing"),
        (
            &format!("/api/v1/search?q={}", "a".repeat(201)) as &str,
            "201 characters long; at most 200",
        ),
        (
            "/api/v1/search?q=x&limit=0",
            "limit must be a whole number from 1 to 100, got \"0\"",
        ),
        ("/api/v1/search?q=x&limit=101", "got \"101\""),
        ("/api/v1/search?q=x&limit=ten", "got \"ten\""),
        ("/api/v1/search?q=x&q=y", "given more than once"),
    ];
    for (path, expected) in cases {
        let detail = problem(server.get(path, Some(&t)).await, 400).await;
        assert!(detail.contains(expected), "{path}: {detail}");
    }
    // Exactly at the bounds is fine.
    assert_eq!(
        server
            .get(
                &format!("/api/v1/search?q={}&limit=100", "ü".repeat(200)),
                Some(&t)
            )
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_methods_are_problems_too() {
    let server = start("").await;
    let t = token(TENANT_A);
    let detail = problem(server.get("/api/v1/nope", Some(&t)).await, 404).await;
    assert!(detail.contains("no such API route"));
    let r = server
        .send(
            Request::delete("/api/v1/me")
                .header("authorization", format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(r.headers().get("allow").is_some());
    problem(r, 405).await;
    // Without demo mode the demo routes do not exist.
    problem(
        server
            .send(
                Request::post("/api/v1/dev/token")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await,
        404,
    )
    .await;
    problem(server.get("/api/v1/dev/keys", None).await, 404).await;
    // The OpenAPI document is public and describes the API.
    let doc: Value = server
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
    assert!(doc["paths"].get("/api/v1/dev/token").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_user_is_rate_limited_without_slowing_anyone_else() {
    let server = start("[limits]\nsearches_per_second = 2\nburst = 3\n").await;
    let alice = token(TENANT_A);
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let r = server.get("/api/v1/search?q=anna", Some(&alice)).await;
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            retry_after = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            let detail = problem(r, 429).await;
            assert!(detail.contains("too many requests"));
        }
    }
    assert_eq!(&statuses[..3], [200, 200, 200], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        retry_after.is_some_and(|s| (1..=2).contains(&s)),
        "{retry_after:?}"
    );
    // Bob, same tenant, is not affected.
    let mut bob = claims(TENANT_A);
    bob["oid"] = json!("b0b0b0b0-0000-4000-8000-000000000000");
    assert_eq!(
        server
            .get("/api/v1/search?q=anna", Some(&sign(&bob, &keys()[0])))
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_anonymously() {
    let server = start("").await;
    let t = token(TENANT_A);
    search(&server, &t, "Distinctivequerytext").await;
    let mut expired = claims(TENANT_A);
    expired["exp"] = json!(now() - 3600);
    server
        .get("/api/v1/me", Some(&sign(&expired, &keys()[0])))
        .await;
    let text = server.get("/metrics", None).await.text().await.unwrap();
    for expected in [
        "kontakt_http_requests_total{route=\"/api/v1/search\",method=\"GET\",status=\"200\"} 1",
        "kontakt_search_duration_seconds_bucket{le=",
        "kontakt_search_duration_seconds_count 1",
        "kontakt_tokens_rejected_total{reason=\"expired\"} 1",
        "kontakt_source_contacts{tenant=",
        "source=\"crm\"} 2",
        "kontakt_source_up{tenant=",
        "kontakt_rate_limited_total 0",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    for secret in [
        "Distinctivequerytext",
        USER,
        TENANT_A,
        "Müller",
        "Test User",
    ] {
        assert!(!text.contains(secret), "{secret} in metrics");
    }
}

/// The tab's hashed script, asked for with one header.
fn asset(name: &str, value: &str) -> Request<Body> {
    Request::get("/kontakt-tab-0123456789abcdef.js")
        .header(name, value)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_is_served_with_a_csp_that_teams_can_frame() {
    let tab = fake_tab();
    let server = start_with_tab(tab.path(), None).await;
    let r = server.get("/", None).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    let csp = h
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft",
        "https://*.microsoft365.com https://*.office.com https://outlook.office.com https://outlook.office365.com",
        "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
        "connect-src 'self' https://res.cdn.office.net",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} not in {csp}");
    }
    assert!(
        h.get("x-frame-options").is_none(),
        "Teams could not frame the tab"
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    assert_eq!(h.get("cache-control").unwrap(), "no-cache");

    // The inline boot script is allowed by exactly its hash.
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let boot = "import init from '/kontakt-tab-0123456789abcdef.js';await init();";
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(boot));
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");

    // Hashed assets: compressed, cached for a year, revalidated by ETag.
    let r = server.send(asset("accept-encoding", "gzip, br")).await;
    assert_eq!(r.headers().get("content-encoding").unwrap(), "br");
    assert_eq!(
        r.headers().get("cache-control").unwrap(),
        "public, max-age=31536000, immutable"
    );
    let etag = r.headers().get("etag").unwrap().clone();
    let r = server.send(asset("accept-encoding", "gzip")).await;
    assert_eq!(r.headers().get("content-encoding").unwrap(), "gzip");
    let r = server
        .send(asset("if-none-match", etag.to_str().unwrap()))
        .await;
    assert_eq!(r.status(), 304);
    assert_eq!(server.get("/nope.js", None).await.status(), 404);

    // Behind HTTPS (public_url https), HSTS is sent.
    let https = start_with_tab(tab.path(), Some("https://contacts.example.com")).await;
    let r = https.get("/", None).await;
    assert!(
        r.headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
}

#[tokio::test]
async fn me_hands_each_user_a_stable_device_cache_key_that_follows_the_secret() {
    let server = start("").await;
    let me = |token: String| {
        let server = &server;
        async move {
            let response = server.get("/api/v1/me", Some(&token)).await;
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    let first = me(token(TENANT_A)).await;
    let key = first["cache_key"].as_str().unwrap().to_owned();
    assert_eq!(key.len(), 43, "32 bytes, base64url without padding: {key}");
    // Same user, new token: same key. Another user or tenant: another key.
    assert_eq!(me(token(TENANT_A)).await["cache_key"], key.as_str());
    assert_ne!(me(token(TENANT_B)).await["cache_key"], key.as_str());
    let mut other = claims(TENANT_A);
    other["oid"] = json!("1d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6");
    assert_ne!(
        me(sign(&other, &keys()[0])).await["cache_key"],
        key.as_str()
    );

    // The secret was created in the data folder, private, and outlives the process.
    let secret = server.data_dir.path().join("cache-secret");
    let text = std::fs::read_to_string(&secret).unwrap();
    assert!(text.trim().len() >= 32);
    let again = kontakt_server::cache_key::CacheKeys::from_secret(text.trim().as_bytes());
    assert_eq!(again.for_user(TENANT_A, USER), key);
    let replaced = kontakt_server::cache_key::CacheKeys::from_secret(&[1; 32]);
    assert_ne!(replaced.for_user(TENANT_A, USER), key);
}

#[tokio::test]
async fn api_answers_never_go_into_the_browsers_http_cache() {
    let server = start("").await;
    let t = token(TENANT_A);
    for path in [
        "/api/v1/me",
        "/api/v1/search?q=m%C3%BCller",
        "/api/v1/contacts/crm%3Anope",
        "/api/v1/search?q=",
    ] {
        let response = server.get(path, Some(&t)).await;
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path} answered {}",
            response.status()
        );
    }
    let unauthenticated = server.get("/api/v1/me", None).await;
    assert_eq!(unauthenticated.headers()["cache-control"], "no-store");
}

/// The manifest links to both; Teams shows them from the app's details without signing in.
#[tokio::test]
async fn privacy_and_terms_pages_are_served_in_english_and_german() {
    let server = start("").await;
    for (path, english, german) in [
        ("/privacy", "No search text", "Keinen Suchtext"),
        ("/terms", "open-source software", "Open-Source-Software"),
    ] {
        let r = server.get(path, None).await;
        assert_eq!(r.status(), 200, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        let body = r.text().await.unwrap();
        assert!(body.contains(english) && body.contains(german), "{path}");
        assert!(body.contains(r#"<section lang="de" id="de">"#), "{path}");
    }
    let css = server.get("/legal.css", None).await;
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}
