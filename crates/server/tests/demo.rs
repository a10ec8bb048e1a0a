//! Demo mode: demo tokens come from the server's own key, and are checked by the same
//! validator as Microsoft's — a tampered demo token fails like any other.

mod common;

use common::{Reply, json};
use serde_json::{Value, json};

/// A problem answer that came over the socket: its status and detail.
async fn problem(response: reqwest::Response, status: u16) -> String {
    common::problem(Reply::of(response).await, status).await
}

async fn demo() -> (kontakt_server::Running, String, reqwest::Client) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut file = kontakt_server::settings::ConfigFile::demo(300, 42);
    file.server.listen = "127.0.0.1:0".parse().unwrap();
    let settings =
        kontakt_server::settings::Settings::resolve(file, kontakt_server::settings::Role::Serve)
            .unwrap();
    let running = kontakt_server::start(settings).await.unwrap();
    let base = format!("http://{}", running.addr);
    (running, base, reqwest::Client::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tokens_take_the_production_path() {
    let (_running, base, client) = demo().await;
    let issued: Value = json(client.post(format!("{base}/api/v1/dev/token"))).await;
    let token = issued["token"].as_str().unwrap().to_owned();
    assert_eq!(issued["expires_in"], 3600);
    let me: Value = json(client.get(format!("{base}/api/v1/me")).bearer_auth(&token)).await;
    assert_eq!(me["demo"], true);
    assert_eq!(me["tenant_id"], kontakt_server::demo::TENANT_ID);

    // It is an Entra-shaped RS256 JWT whose key is published as a JWKS.
    let keys: Value = json(client.get(format!("{base}/api/v1/dev/keys"))).await;
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.kid.as_deref(), keys["keys"][0]["kid"].as_str());

    // Tampering with it fails like tampering with a Microsoft token.
    let mut parts: Vec<&str> = token.split('.').collect();
    let other: Value = json(
        client
            .post(format!("{base}/api/v1/dev/token"))
            .json(&json!({"user_id": "11111111-2222-4333-8444-555555555555"})),
    )
    .await;
    let other_payload = other["token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    parts[1] = &other_payload;
    let forged = parts.join(".");
    let detail = problem(
        client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&forged)
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    assert!(detail.contains("signature"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_token_route_refuses_bad_bodies_clearly() {
    let (_running, base, client) = demo().await;
    let post = |body: String| {
        client
            .post(format!("{base}/api/v1/dev/token"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let detail = problem(post("{not json".into()).await.unwrap(), 400).await;
    assert!(
        detail.contains("not a valid token request") && detail.contains("line 1 column 2"),
        "{detail}"
    );
    let detail = problem(post(r#"{"user_id": "bob"}"#.into()).await.unwrap(), 400).await;
    assert!(detail.contains("user_id must be a GUID"), "{detail}");
    let detail = problem(
        post(format!(r#"{{"display_name": "{}"}}"#, "x".repeat(101)))
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(
        detail.contains("display_name must be 1 to 100 characters"),
        "{detail}"
    );
    let detail = problem(
        post(r#"{"favourite_colour": "blue"}"#.into())
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(detail.contains("unknown field"), "{detail}");
    problem(
        post(format!(r#"{{"display_name": "{}"}}"#, "x".repeat(40_000)))
            .await
            .unwrap(),
        413,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_token_route_takes_an_object_or_nothing() {
    let (_running, base, client) = demo().await;
    let post = |body: &'static str| {
        client
            .post(format!("{base}/api/v1/dev/token"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for ok in ["", "null", "{}", r#"{"display_name": "Anna Berg"}"#] {
        assert_eq!(post(ok).await.unwrap().status(), 200, "{ok:?}");
    }
    for bad in ["[null, null]", "42", "\"x\"", "true"] {
        let detail = problem(post(bad).await.unwrap(), 400).await;
        assert!(detail.contains("must be a JSON object"), "{bad}: {detail}");
    }
}
