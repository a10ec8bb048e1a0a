//! What `kontakt serve` says when it starts (issue 19): which build runs in which mode from
//! which file, each organisation by name, where each source's contacts came from and what
//! was skipped, an organisation serving nobody, and whether Microsoft's signing keys can be
//! fetched — and if not, why.

mod common;

use std::path::Path;
use std::time::Duration;

use common::processes::*;
use common::roles::eventually;
use common::*;

/// `kontakt serve` in development mode with Alpha (a CSV with a bad row) and Beta (a CSV
/// with a header only), its keys at `jwks`; returns the process and its log's path.
fn serve(dir: &Path, port: u16, jwks: &str, log: &str) -> (Process, std::path::PathBuf) {
    let alpha = dir.join("alpha.csv");
    let beta = dir.join("beta.csv");
    if !alpha.exists() {
        std::fs::write(
            &alpha,
            "First Name,Last Name,Company\nAnna,Berg,Alpha GmbH\nJürgen,Müller,Alpha GmbH\nToo,Many,Fields,Here\nEva,Wüst,Alpha GmbH\n",
        )
        .unwrap();
        std::fs::write(&beta, "First Name,Last Name,Company\n").unwrap();
    }
    let config = dir.join("kontakt.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nmode = \"development\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\n\
             [auth]\nclient_id = \"{CLIENT_ID}\"\napplication_id_uri = \"api://{HOST}/{CLIENT_ID}\"\njwks_url = \"{jwks}\"\n{a}{b}",
            data = dir.join("data").display().to_string(),
            a = tenant(TENANT_A, "Alpha", "89", &alpha),
            b = tenant(TENANT_B, "Beta", "30", &beta),
        ),
    )
    .unwrap();
    let path = dir.join(log);
    let process = kontakt(&["serve", "--config", &config.display().to_string()], &path);
    (process, path)
}

fn read(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap()
}

/// The line of `log` that holds every one of `parts`.
fn line<'a>(log: &'a str, parts: &[&str]) -> &'a str {
    log.lines()
        .find(|l| parts.iter().all(|p| l.contains(p)))
        .unwrap_or_else(|| panic!("no line with {parts:?} in:\n{log}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_says_what_runs_from_where_and_what_each_source_holds() {
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (mut first, log) = serve(dir.path(), port, &jwks.url, "first.log");
    eventually("start-up and the keys", Duration::from_secs(10), || async {
        let text = read(&log);
        text.contains("signing keys fetched") && text.contains("is listening on")
    })
    .await;
    assert_eq!(jwks.fetches(), 1, "fetched once, before any sign-in");
    let text = read(&log);

    let about = line(&text, &["kontakt serve is listening on"]);
    assert!(
        about.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION")))
            || about.contains(&format!("version={}", env!("CARGO_PKG_VERSION"))),
        "{about}"
    );
    assert!(
        about.contains("mode=\"development\"") || about.contains("mode=development"),
        "{about}"
    );
    assert!(
        about.contains(&dir.path().join("kontakt.toml").display().to_string()),
        "{about}"
    );
    assert!(
        about.contains(&format!("http://127.0.0.1:{port}")),
        "{about}"
    );
    assert!(line(&text, &["development mode:"]).contains("WARN"));

    let alpha = kontakt_server::settings::tenant_label(TENANT_A);
    let beta = kontakt_server::settings::tenant_label(TENANT_B);
    let ready = line(&text, &["tenant ready", &alpha]);
    assert!(
        ready.contains("name=Alpha") && ready.contains("contacts=3"),
        "{ready}"
    );
    let source = line(&text, &["source ready", "from=\"read now\"", &alpha]);
    for part in [
        "source=crm",
        "kind=csv",
        "contacts=3",
        "skipped=1",
        "first_skipped=line 4: 4 fields instead of 3",
    ] {
        assert!(source.contains(part), "{part} in {source}");
    }
    let none = line(&text, &["source ready but holds no contacts", &beta]);
    assert!(
        none.contains("WARN") && none.contains("source=crm"),
        "{none}"
    );
    let empty = line(&text, &["serves 0 contacts", &beta]);
    assert!(
        empty.contains("WARN") && empty.contains("name=Beta"),
        "{empty}"
    );
    for private in ["Berg", "Müller", "Wüst", "Anna"] {
        assert!(!text.contains(private), "{private} in the log:\n{text}");
    }

    // What an administrator on the server asks instead of /api/v1/sources (which needs a
    // user's token): `kontakt status` with the configuration.
    let status = |config: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kontakt"))
            .args(["status", "--config"])
            .arg(config)
            .output()
            .unwrap()
    };
    let config = dir.path().join("kontakt.toml");
    let out = status(&config);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}");
    assert!(
        report.starts_with(&format!(
            "Alpha (tenant {TENANT_A}, {alpha} in logs)\nkontakt serve: running, version "
        )),
        "{report}"
    );
    assert!(
        report.contains("  crm (csv, Alpha CRM): ok, read "),
        "{report}"
    );
    assert!(report.contains("4 records: 3 contacts, 1 skipped; 0 values left out\n    skipped line 4: 4 fields instead of 3\n"), "{report}");
    assert!(
        report.contains(&format!("\nBeta (tenant {TENANT_B}, {beta} in logs)\n")),
        "{report}"
    );
    assert!(!report.contains("Müller"), "{report}");
    first.kill();

    // Started again, each source is served from its snapshot at once and read again.
    let (_second, log) = serve(dir.path(), port, &jwks.url, "second.log");
    eventually("the second start-up", Duration::from_secs(10), || async {
        read(&log).contains("is listening on")
    })
    .await;
    let text = read(&log);
    let source = line(&text, &["source ready", "from=\"its snapshot", &alpha]);
    assert!(source.contains("contacts=3"), "{source}");
}

/// Where Microsoft's keys cannot be fetched, start-up says so at once and why — not the
/// first user who cannot sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_that_cannot_be_fetched_are_reported_at_start_with_the_reason() {
    let refused = format!("http://127.0.0.1:{}/keys", free_port());
    let unknown = String::from("http://kontakt-test.invalid/keys");
    // A plain-HTTP server asked for HTTPS: what a proxy inspecting TLS looks like from here.
    let plain = Jwks::start(serde_json::json!({"keys": []})).await;
    let tls = plain.url.replace("http://", "https://");
    for (jwks, why) in [
        (&refused, "the connection was refused"),
        (&unknown, "the name cannot be resolved (DNS)"),
        (&tls, "the TLS connection failed"),
        (&plain.url, "the key set holds no RSA signing key"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let (_server, log) = serve(dir.path(), port, jwks, "keys.log");
        wait_for_port(port);
        eventually("the failure is logged", Duration::from_secs(15), || async {
            read(&log).contains("cannot fetch the keys")
        })
        .await;
        let text = read(&log);
        let failed = line(&text, &["cannot fetch the keys that sign users' tokens"]);
        assert!(failed.contains("ERROR"), "{failed}");
        assert!(failed.contains(why), "{why} in {failed}");
        assert!(failed.contains("HTTPS_PROXY"), "the hint: {failed}");
    }
}
