//! Token validation against a JWKS served on loopback: every way a token can be wrong is a
//! 401 problem+json — never a 500, never data — and both token versions Entra issues work.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// `header.payload.signature` with one part replaced.
fn replace_part(token: &str, index: usize, part: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[index] = part.to_owned();
    parts.join(".")
}

fn encode_json(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_token_is_a_401_problem_and_never_data() {
    let server = start("").await;
    let [key, _, unpublished] = keys();
    let good = claims(TENANT_A);
    let good_token = sign(&good, key);

    let mut header_without_kid = Header::new(Algorithm::RS256);
    header_without_kid.kid = None;
    let hs256 = {
        let mut h = Header::new(Algorithm::HS256);
        h.kid = Some(key.kid.clone());
        jsonwebtoken::encode(
            &h,
            &good,
            &EncodingKey::from_secret(&key.public_der).unwrap(),
        )
        .unwrap()
    };
    let alg_none = format!(
        "{}.{}.",
        encode_json(&json!({"alg": "none", "typ": "JWT", "kid": key.kid})),
        encode_json(&good)
    );
    let tampered_payload = replace_part(
        &good_token,
        1,
        &encode_json(&with(
            good.clone(),
            "oid",
            json!("ffffffff-0000-4000-8000-000000000000"),
        )),
    );
    let tampered_signature = {
        let sig = good_token.rsplit('.').next().unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
        bytes[10] ^= 0x55;
        replace_part(&good_token, 2, &URL_SAFE_NO_PAD.encode(bytes))
    };
    let signed_by_other_key_as_key_1 = {
        let mut h = Header::new(Algorithm::RS256);
        h.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&h, &good, &unpublished.encoding).unwrap()
    };

    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no Authorization header", None, "no `Authorization: Bearer"),
        (
            "empty bearer",
            Some(String::new()),
            "no `Authorization: Bearer",
        ),
        (
            "garbage",
            Some("not-a-token".into()),
            "not a well-formed JWT",
        ),
        (
            "expired",
            Some(sign(&with(good.clone(), "exp", json!(now() - 3600)), key)),
            "expired",
        ),
        (
            "not yet valid",
            Some(sign(&with(good.clone(), "nbf", json!(now() + 3600)), key)),
            "not valid yet",
        ),
        (
            "wrong audience",
            Some(sign(
                &with(
                    good.clone(),
                    "aud",
                    json!("11111111-2222-4333-8444-555555555555"),
                ),
                key,
            )),
            "another application",
        ),
        (
            "wrong issuer",
            Some(sign(
                &with(
                    good.clone(),
                    "iss",
                    json!(format!("https://evil.example/{TENANT_A}/v2.0")),
                ),
                key,
            )),
            "issuer",
        ),
        (
            "issuer of another tenant than tid",
            Some(sign(
                &with(
                    good.clone(),
                    "iss",
                    json!(format!("https://login.microsoftonline.com/{TENANT_B}/v2.0")),
                ),
                key,
            )),
            "issuer",
        ),
        (
            "an algorithm nobody registered, at length",
            Some(format!(
                "{}.{}.c2ln",
                encode_json(&json!({"alg": "Zqxjvk".repeat(10_000), "kid": key.kid})),
                encode_json(&good)
            )),
            "not an algorithm this service does not know",
        ),
        (
            "missing scope",
            Some(sign(&with(good.clone(), "scp", json!("User.Read")), key)),
            "access_as_user",
        ),
        ("alg none", Some(alg_none), "RS256"),
        ("HS256 signed with the public key", Some(hs256), "RS256"),
        (
            "unknown kid",
            Some(sign(&good, unpublished)),
            "key the issuer does not publish",
        ),
        (
            "no kid",
            Some(jsonwebtoken::encode(&header_without_kid, &good, &key.encoding).unwrap()),
            "names no signing key",
        ),
        ("tampered payload", Some(tampered_payload), "signature"),
        ("tampered signature", Some(tampered_signature), "signature"),
        (
            "signed by another key, claiming key-1",
            Some(signed_by_other_key_as_key_1),
            "signature",
        ),
        (
            "missing oid",
            Some(sign(&without(good.clone(), "oid"), key)),
            "`oid`",
        ),
        (
            "missing exp",
            Some(sign(&without(good.clone(), "exp"), key)),
            "`exp`",
        ),
        (
            "tid that is not a GUID",
            Some(sign(
                &with(
                    with(good.clone(), "tid", json!("contoso")),
                    "iss",
                    json!("https://login.microsoftonline.com/contoso/v2.0"),
                ),
                key,
            )),
            "not a GUID",
        ),
    ];
    assert!(cases.len() >= 15);
    for (name, token, expected) in cases {
        for path in [
            "/api/v1/search?q=m%C3%BCller",
            "/api/v1/contacts/crm:x",
            "/api/v1/me",
            "/api/v1/sources",
        ] {
            let response = server.get(path, token.as_deref()).await;
            let www = response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap().to_owned());
            let detail = problem(response, 401).await;
            assert!(
                detail.contains(expected),
                "{name} at {path}: {detail:?} should mention {expected:?}"
            );
            assert!(
                detail.len() < 300,
                "{name}: a short detail, got {}",
                detail.len()
            );
            assert!(
                !detail.contains("Müller")
                    && !detail.contains("Alpha")
                    && !detail.contains("Zqxjvk"),
                "{name}: no data in {detail:?}"
            );
            assert_eq!(
                www.as_deref(),
                Some("Bearer error=\"invalid_token\""),
                "{name}"
            );
        }
    }
    // A wrong "Basic" scheme, too.
    let response = server
        .send(
            axum::http::Request::get("/api/v1/me")
                .header("authorization", "Basic dXNlcjpwYXNz")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    problem(response, 401).await;
    // And the good token does get data.
    assert_eq!(
        server.get("/api/v1/me", Some(&good_token)).await.status(),
        200
    );
}

/// A valid token of an organisation the service does not serve is not a sign-in problem:
/// 403 with its own code, so the tab can say what the user's IT department must do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unregistered_organisation_gets_403_unknown_tenant() {
    let server = start("").await;
    let stranger = sign(
        &with(
            with(claims(TENANT_A), "tid", json!(STRANGER)),
            "iss",
            json!(format!("https://login.microsoftonline.com/{STRANGER}/v2.0")),
        ),
        &keys()[0],
    );
    for path in [
        "/api/v1/search?q=m%C3%BCller",
        "/api/v1/me",
        "/api/v1/sources",
    ] {
        let response = server.get(path, Some(&stranger)).await;
        assert!(
            response.headers().get("www-authenticate").is_none(),
            "{path}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], 403, "{path}");
        assert_eq!(body["code"], "unknown_tenant", "{path}");
        assert_eq!(body["title"], "Organisation not registered");
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains(STRANGER) && detail.contains("not registered"),
            "{detail}"
        );
    }
    let metrics = server.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("kontakt_tokens_rejected_total{reason=\"unknown_tenant\"} 3"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_and_v2_tokens_with_both_audiences_are_accepted() {
    let server = start("").await;
    let key = &keys()[0];
    let v2 = sign(&claims(TENANT_A), key);
    let v1 = |aud: &str| {
        let c = with(
            with(
                with(claims(TENANT_A), "ver", json!("1.0")),
                "iss",
                json!(format!("https://sts.windows.net/{TENANT_A}/")),
            ),
            "aud",
            json!(aud),
        );
        sign(&without(c, "preferred_username"), key)
    };
    for token in [v2, v1(&format!("api://{HOST}/{CLIENT_ID}")), v1(CLIENT_ID)] {
        let response = server.get("/api/v1/me", Some(&token)).await;
        assert_eq!(response.status(), 200);
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["tenant_id"], TENANT_A);
        assert_eq!(me["user_id"], USER);
        assert_eq!(me["display_name"], "Test User");
        assert_eq!(me["demo"], false);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_key_is_fetched_once_and_made_up_keys_cannot_hammer_the_issuer() {
    let server = start("").await;
    let [key, _, new_key] = keys();
    assert_eq!(
        server
            .get("/api/v1/me", Some(&token(TENANT_A)))
            .await
            .status(),
        200
    );
    let after_first = server.jwks.fetches();
    assert_eq!(after_first, 1);

    // Made-up key ids: one refetch, not one per request.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    for i in 0..5 {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(format!("made-up-{i}"));
        let forged = jsonwebtoken::encode(&header, &claims(TENANT_A), &key.encoding).unwrap();
        problem(server.get("/api/v1/me", Some(&forged)).await, 401).await;
    }
    assert_eq!(server.jwks.fetches(), after_first + 1);

    // The issuer rolls a key over. Right after the refetch the budget is spent, so a token
    // signed with it waits; once the interval has passed, the new key is fetched and used.
    server.jwks.document.lock().unwrap()["keys"]
        .as_array_mut()
        .unwrap()
        .push(new_key.jwk(template_issuer()));
    let rolled = sign(&claims(TENANT_A), new_key);
    problem(server.get("/api/v1/me", Some(&rolled)).await, 401).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        server.get("/api/v1/me", Some(&rolled)).await.status(),
        200,
        "unknown kid → refetch → accepted"
    );
    assert_eq!(server.jwks.fetches(), after_first + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_published_for_one_tenant_signs_for_no_other() {
    let server = start("").await;
    let key_2 = &keys()[1];
    server.jwks.document.lock().unwrap()["keys"][1] = key_2.jwk(&format!(
        "https://login.microsoftonline.com/{TENANT_B}/v2.0"
    ));
    assert_eq!(
        server
            .get("/api/v1/me", Some(&sign(&claims(TENANT_B), key_2)))
            .await
            .status(),
        200
    );
    let detail = problem(
        server
            .get("/api/v1/me", Some(&sign(&claims(TENANT_A), key_2)))
            .await,
        401,
    )
    .await;
    assert!(detail.contains("another tenant"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validated_tokens_are_cached_but_a_changed_token_is_checked_again() {
    let server = start("").await;
    let t = token(TENANT_A);
    for _ in 0..3 {
        assert_eq!(server.get("/api/v1/me", Some(&t)).await.status(), 200);
    }
    // Flip one character of the payload: not the cached token any more.
    let mut chars: Vec<char> = t.chars().collect();
    let i = t.find('.').unwrap() + 5;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    let changed: String = chars.into_iter().collect();
    problem(server.get("/api/v1/me", Some(&changed)).await, 401).await;
}
