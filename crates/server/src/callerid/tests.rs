//! Every protocol against a real tenant directory (a CSV source read through the whole
//! pipeline), with every refusal.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Request, StatusCode, header};
use base64::Engine;
use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::phone::DialingParams;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::Source;
use tower::ServiceExt;

use super::{CallerId, router};
use crate::link::{CallerAnswer, CallerAsk};
use crate::settings::callerid::{CallerIdClient, CallerIdSettings};

const TENANT: &str = "11111111-2222-3333-4444-555555555555";
const CSV: &str = "First Name,Last Name,Company,Business Phone,Mobile Phone\n\
Anna,Müller,Adlermöbel KG,089 4520-592,0171 1234567\n\
Paul,Kern,Adlermöbel KG,089 4520-0,\n\
Lena,Wolf,Adlermöbel KG,089 4520-0,\n";

struct Setup {
    _dir: tempfile::TempDir,
    state: super::Shared,
}

async fn setup(allow: &[&str], rate: u32) -> Setup {
    setup_with(allow, rate, false).await
}

async fn setup_with(allow: &[&str], rate: u32, relay: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("crm.csv");
    std::fs::write(&csv, CSV).unwrap();
    let source: Source = toml::from_str(&format!(
        "type = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = {:?}",
        csv.display().to_string()
    ))
    .unwrap();
    let tenant = TenantDirectory::open(
        "test",
        TENANT,
        DialingParams {
            country: "DE".into(),
            area_code: Some("89".into()),
            main_number: Some("+49 89 4520".into()),
        },
        vec![source],
        SnapshotStore::new(dir.path().join("data")),
    )
    .unwrap();
    tenant.refresh(0).await.unwrap();
    let settings = CallerIdSettings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        ldap_listen: None,
        allow: allow.iter().map(|a| a.parse().unwrap()).collect(),
        plus_stripped: false,
        lookups_per_second: rate,
        relay,
        clients: vec![CallerIdClient {
            user: "sbc".into(),
            password: "geheim".into(),
            tenant: TENANT.into(),
        }],
    };
    let directories = HashMap::from([(TENANT.to_owned(), Arc::new(tenant))]);
    Setup {
        _dir: dir,
        state: CallerId::new(&settings, directories, Default::default()),
    }
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// One request from `peer`, with the right credentials unless `auth` says otherwise.
async fn ask(
    s: &Setup,
    peer: &str,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let peer: SocketAddr = peer.parse().unwrap();
    let response = router(s.state.clone())
        .layer(MockConnectInfo(peer))
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::AUTHORIZATION, basic("sbc", "geheim"))
        .body(Body::empty())
        .unwrap()
}

fn anynode(body: &str) -> Request<Body> {
    Request::post("/callerid/v1/anynode")
        .header(header::AUTHORIZATION, basic("sbc", "geheim"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

const LOCAL: &str = "127.0.0.1:5060";

#[tokio::test]
async fn anynode_always_continues_and_names_whom_it_finds() {
    let s = setup(&[], 100).await;
    let (status, _, body) = ask(
        &s,
        LOCAL,
        anynode(r#"{"sourceAddress":{"dialString":"+49894520592","displayName":null,"tag":7}}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"routeContinue": true, "sourceAddress": {
            "dialString": "+49894520592", "displayName": "Anna Müller · Adlermöbel KG", "tag": 7}})
    );
    // Nothing found: the address as it came, the call continues.
    let (status, _, body) = ask(
        &s,
        LOCAL,
        anynode(r#"{"sourceAddress":{"dialString":"+4930123456","displayName":"Berlin"}}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"routeContinue": true, "sourceAddress": {
            "dialString": "+4930123456", "displayName": "Berlin"}})
    );
    let (status, _, body) = ask(&s, LOCAL, anynode("{\"sourceAddress\":")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("JSON object"), "{body}");
}

#[tokio::test]
async fn audiocodes_gets_the_bare_name_or_404_for_every_number_shape() {
    let s = setup(&[], 100).await;
    for number in [
        "%2B49894520592",
        "+49894520592",
        "0049894520592",
        "0894520592",
        "592",
        "sip:+49894520592@sbc.contoso.com;user=phone",
        "tel:+49-89-4520592",
    ] {
        let (status, headers, body) =
            ask(&s, LOCAL, get(&format!("/callerid/v1/audiocodes/{number}"))).await;
        assert_eq!(status, StatusCode::OK, "{number}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
        assert_eq!(body, "Anna Müller · Adlermöbel KG", "{number}");
    }
    // The switchboard, listed by two people of one company: the company.
    let (_, _, body) = ask(&s, LOCAL, get("/callerid/v1/audiocodes/%2B498945200")).await;
    assert_eq!(body, "Adlermöbel KG");
    for unknown in ["%2B4930999", "anonymous", "12x"] {
        let (status, _, _) = ask(
            &s,
            LOCAL,
            get(&format!("/callerid/v1/audiocodes/{unknown}")),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    }
}

#[tokio::test]
async fn the_generic_lookup_answers_json_and_keeps_a_literal_plus() {
    let s = setup(&[], 100).await;
    for query in [
        "number=+49894520592",
        "number=%2B49894520592",
        "x=1&number=0894520592",
    ] {
        let (status, _, body) = ask(&s, LOCAL, get(&format!("/callerid/v1/lookup?{query}"))).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["display_name"], "Anna Müller", "{query}");
        assert_eq!(json["company"], "Adlermöbel KG");
        assert_eq!(json["matched_number"], "+49894520592");
        assert_eq!(json["source"]["id"], "crm");
        assert!(json["contact_id"].as_str().unwrap().starts_with("crm:"));
    }
    let (status, _, body) = ask(&s, LOCAL, get("/callerid/v1/lookup?number=%2B4930999")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("not_found"), "{body}");
    let (status, _, _) = ask(&s, LOCAL, get("/callerid/v1/lookup")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn refusals_say_nothing_about_any_number() {
    let s = setup(&["10.0.0.0/8", "127.0.0.1"], 100).await;
    let unauthorized = |auth: Option<String>, uri: &str| {
        let mut r = Request::get(uri);
        if let Some(a) = auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        r.body(Body::empty()).unwrap()
    };
    let known = "/callerid/v1/audiocodes/%2B49894520592";
    let unknown = "/callerid/v1/audiocodes/%2B4930999";
    let mut bodies = Vec::new();
    for auth in [
        None,
        Some(basic("sbc", "falsch")),
        Some(basic("other", "geheim")),
        Some(String::from("Bearer abc")),
        Some(String::from("Basic !!!")),
    ] {
        for uri in [known, unknown] {
            let (status, headers, body) = ask(&s, LOCAL, unauthorized(auth.clone(), uri)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?} {uri}");
            assert!(
                headers[header::WWW_AUTHENTICATE]
                    .to_str()
                    .unwrap()
                    .starts_with("Basic realm=")
            );
            bodies.push(body);
        }
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:?}");
    // Not on the allow-list: refused before the credentials are looked at.
    for peer in ["192.0.2.1:5060", "[2001:db8::1]:5060"] {
        let (status, _, body) = ask(&s, peer, get(known)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{peer}");
        assert!(body.contains("callerid.allow"), "{body}");
    }
    let (status, _, _) = ask(&s, "10.9.8.7:5060", get(known)).await;
    assert_eq!(status, StatusCode::OK);
    // Too big, and a route that is not there.
    let big = format!(
        "{{\"sourceAddress\":{{\"dialString\":\"{}\"}}}}",
        "1".repeat(20_000)
    );
    let (status, _, _) = ask(&s, LOCAL, anynode(&big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = ask(&s, LOCAL, get("/callerid/v2/anything")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_credential_has_its_rate() {
    let s = setup(&[], 2).await;
    let uri = "/callerid/v1/lookup?number=%2B49894520592";
    for _ in 0..2 {
        assert_eq!(ask(&s, LOCAL, get(uri)).await.0, StatusCode::OK);
    }
    let (status, headers, _) = ask(&s, LOCAL, get(uri)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
    let lookups = s.state.lookups.get();
    let hits = s.state.hits.get();
    assert_eq!((lookups, hits), (2, 2));
}

#[tokio::test]
async fn a_relayed_lookup_is_checked_like_one_asked_here() {
    let ask = |user: &str, password: &str, number: &str| CallerAsk {
        user: user.into(),
        password: password.into(),
        number: number.into(),
    };
    let off = setup(&["10.0.0.0/8"], 100).await;
    assert_eq!(
        off.state
            .relayed(TENANT, &ask("sbc", "geheim", "+49894520592")),
        CallerAnswer::NotRelayed
    );
    // The allow-list is the listener's: the cloud's address says nothing about the SBC.
    let on = setup_with(&["10.0.0.0/8"], 2, true).await;
    match on
        .state
        .relayed(TENANT, &ask("sbc", "geheim", "%2B49894520592"))
    {
        CallerAnswer::Found(caller) => assert_eq!(caller.display_name, "Anna Müller"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        on.state.relayed(TENANT, &ask("sbc", "geheim", "+4930999")),
        CallerAnswer::NotFound
    );
    for (user, password, tenant) in [
        ("sbc", "falsch", TENANT),
        ("other", "geheim", TENANT),
        ("sbc", "geheim", "99999999-2222-3333-4444-555555555555"),
    ] {
        assert_eq!(
            on.state
                .relayed(tenant, &ask(user, password, "+49894520592")),
            CallerAnswer::Unauthorized,
            "{user} for {tenant}"
        );
    }
    assert!(matches!(
        on.state
            .relayed(TENANT, &ask("sbc", "geheim", "+49894520592")),
        CallerAnswer::RateLimited {
            retry_after_secs: 1..
        }
    ));
}
