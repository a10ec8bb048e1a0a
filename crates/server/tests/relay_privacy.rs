//! The cloud's promise, checked on the real binaries: `kontakt cloud` and `kontakt directory`
//! run as their own processes, with a tap on the link and on the cloud's HTTP traffic. After
//! a session of signing in, searching and opening contacts, neither tap — nor the cloud's
//! log at debug level, nor any file it wrote (its registry) — holds a query, a name, an e-mail address or a
//! number of the contacts returned, nor the user's token or who the user is. Caller ID
//! through the cloud cannot be sealed (the phone system speaks plain HTTPS), but what it
//! asked and was told is in no log and no file either.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::roles::*;
use common::sealed::*;
use common::tap::{Tap, contains};
use common::*;
use kontakt_api::{Answer, Op};

/// Queries no source contains, so they can only come from a search.
const QUERIES: &[&str] = &[
    "Zqxjvkdistinct",
    "Wqpzmuellerx Annabelle",
    "+49 89 98765432",
    "müller",
    "anna b",
    "+49 89 1111111",
    "j.mueller@alpha",
];

/// A process that is killed when the test ends, however it ends.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str], config: &Path, log: &Path, work: &Path) -> Process {
    let log = std::fs::File::create(log).unwrap();
    Process(
        Command::new(env!("CARGO_BIN_EXE_kontakt"))
            .args(args)
            .arg("--config")
            .arg(config)
            .current_dir(work)
            .env("KONTAKT_LOG", "debug")
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap(),
    )
}

/// What may not show: text a reader could recognise. Strings made only of base64url
/// characters are kept only when long enough not to turn up in ciphertext by chance.
fn recognisable(secret: &str) -> bool {
    let base64ish = secret
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    !secret.is_empty() && (!base64ish || secret.len() >= 8)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cloud_relays_a_session_without_seeing_a_query_a_contact_or_a_user() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    let (cloud_data, cloud_work) = (
        root.path().join("cloud-data"),
        root.path().join("cloud-work"),
    );
    std::fs::create_dir(&cloud_work).unwrap();
    let credential = "a-credential-for-the-privacy-test-0123456789";
    let port = free_port();
    let cloud_addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let cloud_config_path = root.path().join("cloud.toml");
    std::fs::write(
        &cloud_config_path,
        cloud_config(
            &cloud_addr.to_string(),
            &cloud_data,
            &jwks,
            &[(TENANT_A, credential)],
        ),
    )
    .unwrap();
    let cloud_log = root.path().join("cloud.log");
    let mut cloud = spawn(&["cloud"], &cloud_config_path, &cloud_log, &cloud_work);

    // The directory reaches the cloud only through the link tap; the tab only through the
    // HTTP tap.
    let link_tap = Tap::start(cloud_addr).await;
    let http_tap = Tap::start(cloud_addr).await;
    let directory = DirectoryFiles::new(CSV_A, credential);
    let directory_config_path = root.path().join("directory.toml");
    let sbc_password = directory.root.path().join("sbc-password");
    std::fs::write(&sbc_password, "Sbc-Secret-9").unwrap();
    std::fs::write(
        &directory_config_path,
        directory.config(&jwks, &link_tap.url(), TENANT_A)
            + &format!(
                "\n[callerid]\nrelay = true\n[[callerid.clients]]\nuser = \"sbc\"\npassword_file = {:?}\n",
                sbc_password.display().to_string()
            ),
    )
    .unwrap();
    let directory_log = root.path().join("directory.log");
    let _directory = spawn(
        &["directory"],
        &directory_config_path,
        &directory_log,
        directory.root.path(),
    );
    let base = http_tap.url();
    eventually(
        "the directory links through the tap",
        Duration::from_secs(60),
        || linked(&base, TENANT_A),
    )
    .await;

    // A session.
    let token = token(TENANT_A);
    let (tab, me) = SealedTab::signed_in(&base, &token, TENANT_A).await;
    let mut secrets: Vec<String> = QUERIES.iter().map(|q| q.to_string()).collect();
    let mut ids = Vec::new();
    for q in QUERIES {
        for hit in tab.search(q).await {
            ids.push(hit.contact.id.clone());
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "the searches found both contacts: {ids:?}");
    for id in &ids {
        let Answer::Contact(c) = tab.ask(Op::Contact { id: id.clone() }).await.answer() else {
            panic!("no contact {id}");
        };
        secrets.extend([c.display_name.clone(), c.id.clone()]);
        secrets.extend(c.given_name.clone());
        secrets.extend(c.surname.clone());
        secrets.extend(c.company.clone());
        secrets.extend(c.emails.iter().cloned());
        for p in &c.phones {
            secrets.push(p.raw.clone());
            secrets.extend(p.e164.clone());
            secrets.extend(p.e164.as_ref().map(|e| e[e.len() - 7..].to_owned()));
        }
    }
    secrets.extend([
        token.clone(),
        token[token.len() - 24..].to_owned(),
        me.user_id.clone(),
        me.display_name.clone(),
        me.cache_key.clone(),
        "test.user@example.com".into(),
    ]);
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("kontakt_relayed_requests_total"));

    // What the taps saw: the session went through them...
    let (http, link) = (http_tap.seen(), link_tap.seen_decoded());
    assert!(contains(
        &http,
        &format!("/api/v1/tenants/{TENANT_A}/sealed")
    ));
    assert!(contains(&http, "kontakt-ticket: t1."));
    assert!(contains(&link, "\"hello\"") && contains(&link, &tab.key.fingerprint()));
    assert!(
        http.len() > 10_000 && link.len() > 10_000,
        "{} / {} bytes",
        http.len(),
        link.len()
    );
    // ...and none of it in a form anyone on the way, the cloud included, can read.
    let mut secrets: Vec<String> = secrets.into_iter().filter(|s| recognisable(s)).collect();
    assert!(secrets.len() > 20, "{secrets:?}");
    for secret in &secrets {
        for (name, seen) in [("the cloud's HTTP traffic", &http), ("the link", &link)] {
            assert!(!contains(seen, secret), "{name} shows {secret:?}");
            assert!(
                !contains(&seen.to_ascii_lowercase(), &secret.to_ascii_lowercase()),
                "{name} shows {secret:?} (in another case)"
            );
        }
    }

    // Caller ID through the cloud, for a known number (Anna Berg's) and an unknown one:
    // the number and name pass through, and must stay in no log and no file.
    let http = reqwest::Client::new();
    for (number, status) in [("+49892222222", 200), ("+49307777777", 404)] {
        let answer = http
            .get(format!(
                "{base}/callerid/v1/tenants/{TENANT_A}/audiocodes/{}",
                number.replace('+', "%2B")
            ))
            .basic_auth("sbc", Some("Sbc-Secret-9"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), status, "{number}");
        if status == 200 {
            assert_eq!(answer.text().await.unwrap(), "Anna Berg · Alpha GmbH");
        }
    }
    secrets.extend(["+49307777777", "7777777", "Sbc-Secret-9"].map(String::from));

    // The cloud stops as a service manager stops it; then its log and files are read.
    Command::new("kill")
        .args(["-TERM", &cloud.0.id().to_string()])
        .status()
        .unwrap();
    assert!(cloud.0.wait().unwrap().success(), "graceful shutdown");
    let log = std::fs::read_to_string(&cloud_log).unwrap();
    assert!(
        log.contains("directory linked")
            && log.contains("route=/api/v1/tenants/{tenant}/sealed")
            && log.contains("route=/callerid/v1/tenants/{tenant}/audiocodes/{number}"),
        "the cloud logs its work:\n{log}"
    );
    for secret in &secrets {
        assert!(
            !log.to_lowercase().contains(&secret.to_lowercase()),
            "the cloud's log holds {secret:?}:\n{log}"
        );
    }
    let mut written = Vec::new();
    for dir in [&cloud_work, &cloud_data] {
        if dir.exists() {
            files_under(dir, &mut written);
        }
    }
    for file in &written {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_lowercase();
        for secret in &secrets {
            assert!(
                !text.contains(&secret.to_lowercase()),
                "{} holds {secret:?}",
                file.display()
            );
        }
    }
    // Nothing but its registry (SQLite and its journal), checked above like every file.
    let registry_files = [
        "registry.sqlite",
        "registry.sqlite-wal",
        "registry.sqlite-shm",
    ];
    assert!(
        written.iter().all(|f| f.starts_with(&cloud_data)
            && registry_files
                .iter()
                .any(|r| f.file_name().is_some_and(|n| n == *r))),
        "the cloud writes its registry and nothing else: {written:?}"
    );

    // The directory, at debug level, does not log what was asked either.
    let log = std::fs::read_to_string(&directory_log).unwrap();
    assert!(log.contains("linked to the cloud"), "{log}");
    for q in QUERIES
        .iter()
        .chain(&["+49892222222", "2222222", "7777777", "Sbc-Secret-9"])
    {
        assert!(
            !log.to_lowercase().contains(&q.to_lowercase()),
            "the directory's log holds {q:?}"
        );
    }
}
