//! Faults an operator meets after a bad night, each done to the real binary: the service
//! keeps serving what it can, says what happened, and repairs itself as soon as it can
//! (docs/operations.md, "Faults and what the service does").

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::processes::*;
use common::*;

const CSV: &str = "First Name,Last Name,Company\nAnna,Berg,Alpha GmbH\nJürgen,Müller,Alpha GmbH\nEva,Wüst,Alpha GmbH\n";

/// `kontakt serve` with one organisation whose source is `csv`, on `port`.
fn serve(dir: &Path, port: u16, jwks: &str, csv: &Path, log: &str) -> Process {
    let config = dir.join("kontakt.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nmode = \"development\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\n\
             [auth]\nclient_id = \"{CLIENT_ID}\"\napplication_id_uri = \"api://{HOST}/{CLIENT_ID}\"\njwks_url = \"{jwks}\"\n{tenant}",
            data = dir.join("data").display().to_string(),
            tenant = tenant(TENANT_A, "Alpha", "89", csv),
        ),
    )
    .unwrap();
    let process = kontakt(
        &["serve", "--config", &config.display().to_string()],
        &dir.join(log),
    );
    wait_for_port(port);
    process
}

/// The hits for `q`, through the API as the tab asks.
async fn hits(port: u16, q: &str) -> usize {
    let answer: serde_json::Value = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/search"))
        .query(&[("q", q)])
        .bearer_auth(token(TENANT_A))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["hits"].as_array().map_or(0, Vec::len)
}

/// Issue 20: a truncated snapshot hid the source's contacts until the source file changed.
/// Now the restart finds the damage, says what was lost, reads the (unchanged) source before
/// it answers, and serves all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_snapshot_is_reported_and_repaired_from_the_unchanged_source_at_start() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("crm.csv");
    std::fs::write(&csv, CSV).unwrap();
    let port = free_port();
    let names = ["Berg", "Müller", "Wüst"];

    let mut first = serve(dir.path(), port, &jwks.url, &csv, "first.log");
    for name in names {
        assert_eq!(hits(port, name).await, 1, "{name} before the fault");
    }
    first.kill();

    let snapshot = dir.path().join("data").join(TENANT_A).join("crm.jsonl");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    std::fs::write(&snapshot, &text[..text.find('\n').unwrap() + 1]).unwrap();

    let started = Instant::now();
    let _second = serve(dir.path(), port, &jwks.url, &csv, "second.log");
    // Searchable in full as soon as it answers: start-up read the source first.
    for name in names {
        assert_eq!(hits(port, name).await, 1, "{name} after the restart");
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let log = std::fs::read_to_string(dir.path().join("second.log")).unwrap();
    let damaged = log
        .lines()
        .find(|l| l.contains("damaged snapshot"))
        .unwrap_or_else(|| panic!("the damage is logged:\n{log}"));
    assert!(damaged.contains("ERROR"), "{damaged}");
    assert!(damaged.contains("source=\"crm\""), "{damaged}");
    assert!(
        damaged.contains("2 of 3 contacts unreadable"),
        "the loss is said: {damaged}"
    );
    assert!(
        !log.contains("Berg") && !log.contains("Wüst"),
        "no contact data in the log:\n{log}"
    );
    // The repaired snapshot is intact: a third start reports nothing.
    drop(_second);
    let _third = serve(dir.path(), port, &jwks.url, &csv, "third.log");
    assert_eq!(hits(port, "Wüst").await, 1);
    let log = std::fs::read_to_string(dir.path().join("third.log")).unwrap();
    assert!(!log.contains("damaged snapshot"), "{log}");
}
