//! The privacy promise, checked on the real binary: nothing users search for, no token, no
//! user and no contact data ends up in the logs — even at debug level — nor any number a
//! phone system asks caller ID about, and the only files the server writes are its source
//! snapshots.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

/// Query texts no source contains, so they can only come from a search.
const SECRETS: &[&str] = &[
    "Zqxjvkdistinct",
    "Wqpzmuellerx Annabelle",
    "+49 89 98765432",
    "0171 5550123",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_query_token_user_or_contact_data_in_logs_or_files() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    let (data, sources, work) = (
        root.path().join("data"),
        root.path().join("sources"),
        root.path().join("work"),
    );
    for d in [&sources, &work] {
        std::fs::create_dir(d).unwrap();
    }
    std::fs::write(sources.join("a.csv"), CSV_A).unwrap();
    let port = free_port();
    let (callerid_port, ldap_port) = (free_port(), free_port());
    let config = root.path().join("kontakt.toml");
    std::fs::write(
        &config,
        format!(
            r#"
            [server]
            mode = "development"
            listen = "127.0.0.1:{port}"
            data_dir = {data:?}
            [auth]
            client_id = "{CLIENT_ID}"
            jwks_url = "{jwks}"
            [callerid]
            listen = "127.0.0.1:{callerid_port}"
            ldap_listen = "127.0.0.1:{ldap_port}"
            [[callerid.clients]]
            user = "sbc"
            password_env = "KONTAKT_TEST_SBC_PASSWORD"
            {tenant}
            "#,
            data = data.display().to_string(),
            jwks = jwks.url,
            tenant = tenant(TENANT_A, "Alpha", "89", &sources.join("a.csv")),
        ),
    )
    .unwrap();
    let log_path = root.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontakt"))
        .args(["serve", "--config"])
        .arg(&config)
        .current_dir(&work)
        .env("KONTAKT_LOG", "debug")
        .env("KONTAKT_TEST_SBC_PASSWORD", "Sbc-Secret-9")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let t = token(TENANT_A);
    let mut seen_names = Vec::new();
    for q in SECRETS
        .iter()
        .chain(&["müller", "anna b", "+49 89 1111111"])
    {
        let r: Value = json(
            client
                .get(format!("{base}/api/v1/search"))
                .query(&[("q", q)])
                .bearer_auth(&t),
        )
        .await;
        for h in r["hits"].as_array().unwrap() {
            seen_names.push(h["contact"]["display_name"].as_str().unwrap().to_owned());
            seen_names.push(h["contact"]["emails"][0].as_str().unwrap().to_owned());
        }
    }
    assert!(
        seen_names.iter().any(|n| n == "Jürgen Müller"),
        "the searches found contacts: {seen_names:?}"
    );
    let odd_id = "crm:Zqxjvkcontactid";
    assert_eq!(
        client
            .get(format!("{base}/api/v1/contacts/{odd_id}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let bad_token = "Zqxjvkbadtoken.eyJ0ZXN0IjoiWnF4anZrIn0.c2ln";
    assert_eq!(
        client
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(bad_token)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let me: Value = json(client.get(format!("{base}/api/v1/me")).bearer_auth(&t)).await;

    // Caller ID: a known caller (Anna Berg) and an unknown one, over every protocol.
    let callerid = format!("http://127.0.0.1:{callerid_port}/callerid/v1");
    for number in ["+49892222222", "+49307777777"] {
        let lookup = client
            .get(format!("{callerid}/lookup"))
            .query(&[("number", number)])
            .basic_auth("sbc", Some("Sbc-Secret-9"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            lookup.status(),
            if number.contains('2') { 200 } else { 404 }
        );
        let audiocodes = client
            .get(format!(
                "{callerid}/audiocodes/{}",
                number.replace('+', "%2B")
            ))
            .basic_auth("sbc", Some("Sbc-Secret-9"))
            .send()
            .await
            .unwrap();
        assert!(audiocodes.status() == 200 || audiocodes.status() == 404);
        let anynode: Value = json(
            client
                .post(format!("{callerid}/anynode"))
                .basic_auth("sbc", Some("Sbc-Secret-9"))
                .json(&serde_json::json!({"sourceAddress": {"dialString": number}})),
        )
        .await;
        assert_eq!(anynode["routeContinue"], true);
        let (conn, mut ldap) = ldap3::LdapConnAsync::new(&format!("ldap://127.0.0.1:{ldap_port}"))
            .await
            .unwrap();
        ldap3::drive!(conn);
        ldap.simple_bind("cn=sbc,dc=kontakt", "Sbc-Secret-9")
            .await
            .unwrap()
            .success()
            .unwrap();
        ldap.search(
            "dc=kontakt",
            ldap3::Scope::Subtree,
            &format!("(telephoneNumber={number})"),
            vec!["displayName"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
        let _ = ldap.unbind().await;
    }

    // Stop it the way a service manager does.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown: {status:?}");

    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.contains("route=/api/v1/search") && log.contains("status=200"),
        "requests are logged:\n{log}"
    );
    let mut forbidden: Vec<String> = SECRETS.iter().map(|s| s.to_string()).collect();
    forbidden.extend([
        "müller".into(),
        "anna b".into(),
        "1111111".into(),
        "Zqxjvk".into(),
        t.clone(),
        t[t.len() - 20..].to_owned(),
        USER.into(),
        TENANT_A.into(),
        "Test User".into(),
        "test.user@example.com".into(),
        me["display_name"].as_str().unwrap().into(),
        me["cache_key"].as_str().unwrap().into(),
        "2222222".into(),
        "7777777".into(),
        "Anna Berg".into(),
        "Sbc-Secret-9".into(),
    ]);
    forbidden.extend(seen_names.iter().cloned());
    for secret in &forbidden {
        assert!(
            !log.contains(secret.as_str()),
            "the log contains {secret:?}:\n{log}"
        );
        assert!(
            !log.to_lowercase().contains(&secret.to_lowercase()),
            "the log contains {secret:?} (any case)"
        );
    }

    // Files: only snapshots and the cache secret under data_dir; nothing in the working directory; no query text
    // anywhere the server wrote.
    let mut written = Vec::new();
    files_under(root.path(), &mut written);
    let ours = [config.clone(), log_path.clone(), sources.join("a.csv")];
    for file in written.iter().filter(|f| !ours.contains(f)) {
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            file.starts_with(&data),
            "the server wrote {} outside data_dir",
            file.display()
        );
        // Besides snapshots, the one secret the device-cache keys come from; no per-user key.
        if name == "cache-secret" {
            let secret = std::fs::read_to_string(file).unwrap();
            assert!(!secret.contains(me["cache_key"].as_str().unwrap()));
            continue;
        }
        // And the tenant's directory key, which requests are sealed to: 32 random bytes.
        if name == "directory.key" {
            let key = std::fs::read_to_string(file).unwrap();
            assert_eq!(key.trim().len(), 43, "a seed, nothing else");
            continue;
        }
        // Snapshots, their records, and the status `kontakt status` reads (counts, places
        // and reasons — checked below like the rest).
        assert!(
            name.ends_with(".jsonl") || name.ends_with(".meta.json") || name == "status.json",
            "unexpected file {}",
            file.display()
        );
        let text = std::fs::read_to_string(file).unwrap();
        for secret in SECRETS.iter().chain(&["Zqxjvk"]) {
            assert!(
                !text.contains(secret),
                "{} contains {secret:?}",
                file.display()
            );
        }
    }
    assert!(
        std::fs::read_dir(&work).unwrap().next().is_none(),
        "nothing in the working directory"
    );
}
