//! Faults an operator meets after a bad night, each done to the real binary: the service
//! keeps serving what it can, says what happened, and repairs itself as soon as it can
//! (docs/operations.md, "Faults and what the service does").

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::processes::*;
use common::roles::eventually;
use common::*;

const CSV: &str = "First Name,Last Name,Company\nAnna,Berg,Alpha GmbH\nJürgen,Müller,Alpha GmbH\nEva,Wüst,Alpha GmbH\n";

/// What every fault test starts from: an identity provider, a folder, the CSV source with
/// three people, a free port.
struct Setup {
    jwks: Jwks,
    dir: tempfile::TempDir,
    csv: PathBuf,
    port: u16,
}

async fn setup() -> Setup {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("crm.csv");
    std::fs::write(&csv, CSV).unwrap();
    Setup {
        jwks,
        dir,
        csv,
        port: free_port(),
    }
}

/// `kontakt serve` with one organisation whose source is `csv`, answering on `port`.
fn serve(dir: &Path, port: u16, jwks: &str, csv: &Path, log: &str) -> Process {
    let process = start(dir, port, jwks, csv, log);
    wait_for_port(port);
    process
}

/// `kontakt serve` started, not yet answering.
fn start(dir: &Path, port: u16, jwks: &str, csv: &Path, log: &str) -> Process {
    start_with(dir, port, jwks, csv, log, "")
}

/// … with `extra` lines in the source's table.
fn start_with(dir: &Path, port: u16, jwks: &str, csv: &Path, log: &str, extra: &str) -> Process {
    let config = write_config(dir, port, jwks, csv, extra);
    kontakt(
        &["serve", "--config", &config.display().to_string()],
        &dir.join(log),
    )
}

/// The configuration of one organisation whose source is `csv`, `extra` in its table.
fn write_config(dir: &Path, port: u16, jwks: &str, csv: &Path, extra: &str) -> PathBuf {
    let config = dir.join("kontakt.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nmode = \"development\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\n\
             [auth]\nclient_id = \"{CLIENT_ID}\"\napplication_id_uri = \"api://{HOST}/{CLIENT_ID}\"\njwks_url = \"{jwks}\"\n{tenant}",
            data = dir.join("data").display().to_string(),
            tenant = tenant(TENANT_A, "Alpha", "89", csv) + extra,
        ),
    )
    .unwrap();
    config
}

/// The hits for `q`, through the API as the tab asks.
async fn hits(port: u16, q: &str) -> usize {
    let answer = json(
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/api/v1/search"))
            .query(&[("q", q)])
            .bearer_auth(token(TENANT_A)),
    )
    .await;
    answer["hits"].as_array().map_or(0, Vec::len)
}

/// Issue 20: a truncated snapshot hid the source's contacts until the source file changed.
/// Now the restart finds the damage, says what was lost, reads the (unchanged) source before
/// it answers, and serves all of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_snapshot_is_reported_and_repaired_from_the_unchanged_source_at_start() {
    let Setup {
        jwks,
        dir,
        csv,
        port,
    } = setup().await;
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

/// The cache secret lost, or damaged: a new secret would silently clear every user's
/// favourites and recents on their devices. Damaged refuses the start and says how to
/// recover; missing on a server that has served before is made anew, loudly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_cache_secret_is_said_loudly_and_a_damaged_one_refuses_the_start() {
    let Setup {
        jwks,
        dir,
        csv,
        port,
    } = setup().await;
    let secret = dir.path().join("data").join("cache-secret");

    let mut first = serve(dir.path(), port, &jwks.url, &csv, "first.log");
    assert_eq!(hits(port, "Berg").await, 1);
    first.kill();
    let log = std::fs::read_to_string(dir.path().join("first.log")).unwrap();
    assert!(log.contains("created a new cache secret"), "{log}");
    assert!(
        !log.contains("was missing"),
        "a first start is no loss:\n{log}"
    );

    let good = std::fs::read(&secret).unwrap();
    std::fs::write(&secret, vec![0u8; good.len()]).unwrap();
    let mut refused = start(dir.path(), port, &jwks.url, &csv, "zeroed.log");
    let status = refused.0.wait().unwrap();
    assert!(!status.success());
    let log = std::fs::read_to_string(dir.path().join("zeroed.log")).unwrap();
    assert!(
        log.contains(&format!("the cache secret {} is damaged", secret.display()))
            && log.contains("restore it from the backup"),
        "{log}"
    );
    assert_eq!(
        std::fs::read(&secret).unwrap(),
        vec![0u8; good.len()],
        "left as found"
    );

    std::fs::remove_file(&secret).unwrap();
    let _again = serve(dir.path(), port, &jwks.url, &csv, "missing.log");
    assert_eq!(hits(port, "Berg").await, 1);
    let log = std::fs::read_to_string(dir.path().join("missing.log")).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("cache secret was missing"))
        .unwrap_or_else(|| panic!("the loss is said:\n{log}"));
    assert!(
        line.contains("ERROR") && line.contains("favourites and recents"),
        "{line}"
    );
    assert_ne!(std::fs::read(&secret).unwrap(), good, "a new secret");
}

/// `kontakt_source_up` of the source `crm`, from `/metrics`.
async fn source_up(port: u16) -> Option<u64> {
    let label = kontakt_server::settings::tenant_label(TENANT_A);
    metric(
        port,
        &format!("kontakt_source_up{{tenant=\"{label}\",source=\"crm\"}}"),
    )
    .await
    .flatten()
}

/// A CSV on a network share that stops answering (here: a named pipe nobody writes to,
/// which blocks a reader the same way): the timeout fires, the last snapshot keeps serving,
/// `/metrics` shows the source down, and when the share is back the next refresh works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_file_that_hangs_times_out_and_the_last_snapshot_keeps_serving() {
    let Setup {
        jwks,
        dir,
        csv,
        port,
    } = setup().await;
    let extra = "refresh = \"1s\"\ntimeout = \"1s\"\n";
    let _server = start_with(dir.path(), port, &jwks.url, &csv, "hang.log", extra);
    wait_for_port(port);
    assert_eq!(hits(port, "Wüst").await, 1);
    assert_eq!(source_up(port).await, Some(1));

    std::fs::remove_file(&csv).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&csv)
            .status()
            .unwrap()
            .success()
    );
    eventually("the source is down", Duration::from_secs(10), || async {
        source_up(port).await == Some(0)
    })
    .await;
    for name in ["Berg", "Müller", "Wüst"] {
        assert_eq!(
            hits(port, name).await,
            1,
            "{name}: the last snapshot serves"
        );
    }
    let log = std::fs::read_to_string(dir.path().join("hang.log")).unwrap();
    assert!(
        log.contains("crm.csv gave up: no answer within 1s (timeout)"),
        "the reason is logged with the file:\n{log}"
    );

    // The share answers again (the blocked reads end), with one contact more.
    let pipe = csv.clone();
    std::thread::spawn(move || {
        // Opening for writing (nothing written, nothing truncated) lets each blocked reader
        // see the end of the pipe; the last attempt may wait forever on a pipe gone by then.
        for _ in 0..8 {
            let _ = std::fs::OpenOptions::new().write(true).open(&pipe);
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::remove_file(&csv).unwrap();
    std::fs::write(&csv, format!("{CSV}Zoe,Zander,Alpha GmbH\n")).unwrap();
    eventually("the source is back", Duration::from_secs(10), || async {
        source_up(port).await == Some(1) && hits(port, "Zander").await == 1
    })
    .await;
}

/// A first start whose only source cannot be read: the log must not claim a snapshot is
/// being served, and must say loudly that the organisation serves nobody (issue 19).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_without_any_readable_source_says_so_loudly() {
    let Setup {
        jwks, dir, port, ..
    } = setup().await;
    let missing = dir.path().join("not-there.csv");
    let _server = serve(dir.path(), port, &jwks.url, &missing, "empty.log");
    assert_eq!(hits(port, "Berg").await, 0);
    let log_path = dir.path().join("empty.log");
    eventually("the failure is logged", Duration::from_secs(10), || async {
        std::fs::read_to_string(&log_path)
            .unwrap()
            .contains("serves no contacts")
    })
    .await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(!log.contains("serving the last snapshot"), "{log}");
    let failed = log
        .lines()
        .find(|l| l.contains("there is no snapshot of it"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(
        failed.contains("ERROR") && failed.contains("not-there.csv"),
        "{failed}"
    );
    let empty = log
        .lines()
        .find(|l| l.contains("serves no contacts"))
        .unwrap();
    assert!(empty.contains("ERROR"), "{empty}");
}

/// The disk fills up while a snapshot is written (here: a file-size limit, `prlimit`, which
/// the service meets as "File too large"): the previous snapshot stays in service, the error
/// names the file, nothing half-written stays behind, and once there is room again the next
/// refresh writes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_while_writing_a_snapshot_keeps_the_last_one_serving() {
    let Setup {
        jwks,
        dir,
        csv,
        port,
    } = setup().await;
    let config = write_config(dir.path(), port, &jwks.url, &csv, "refresh = \"1s\"\n");
    let log_path = dir.path().join("full.log");
    let mut under_limit = std::process::Command::new("prlimit");
    under_limit
        .arg("--fsize=65536:unlimited")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_kontakt"))
        .args(["serve", "--config", &config.display().to_string()]);
    let server = logged(under_limit, &log_path);
    wait_for_port(port);
    assert_eq!(hits(port, "Wüst").await, 1);

    // 2,000 more people: their snapshot is larger than the limit.
    let more: String = (0..2000)
        .map(|i| format!("First{i},Zeta{i},Alpha GmbH\n"))
        .collect();
    std::fs::write(&csv, format!("{CSV}{more}")).unwrap();
    eventually("the refresh fails", Duration::from_secs(10), || async {
        source_up(port).await == Some(0)
    })
    .await;
    assert_eq!(hits(port, "Wüst").await, 1, "the last snapshot serves");
    assert_eq!(hits(port, "Zeta1999").await, 0);
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        text.contains("writing the snapshot failed")
            && text.contains("crm.jsonl.partial: File too large"),
        "the error names the file:\n{text}"
    );
    let tenant_dir = dir.path().join("data").join(TENANT_A);
    let left: Vec<_> = std::fs::read_dir(&tenant_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!left.iter().any(|f| f.ends_with(".partial")), "{left:?}");

    // Room again: the next refresh writes the snapshot and serves everyone.
    let lifted = std::process::Command::new("prlimit")
        .args([
            "--pid",
            &server.0.id().to_string(),
            "--fsize=unlimited:unlimited",
        ])
        .status()
        .unwrap();
    assert!(lifted.success());
    eventually("the source is back", Duration::from_secs(10), || async {
        source_up(port).await == Some(1) && hits(port, "Zeta1999").await > 0
    })
    .await;
    assert_eq!(hits(port, "Wüst").await, 1);
}

/// The process killed (SIGKILL, as the OOM killer does) in the middle of a refresh: the
/// restart serves the last complete snapshot at once, never the half-written one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_in_the_middle_of_a_refresh_the_restart_serves_the_last_complete_snapshot() {
    let Setup {
        jwks,
        dir,
        csv,
        port,
    } = setup().await;
    let extra = "refresh = \"1s\"\n";
    let mut first = start_with(dir.path(), port, &jwks.url, &csv, "first.log", extra);
    wait_for_port(port);
    assert_eq!(hits(port, "Wüst").await, 1);

    // A big export arrives; kill the service while it writes the new snapshot.
    let big: String = (0..100_000)
        .map(|i| format!("Given{i},Omega{i},Alpha GmbH,+49 89 {i:07}\n"))
        .collect();
    std::fs::write(&csv, format!("{CSV}{big}")).unwrap();
    let partial = dir
        .path()
        .join("data")
        .join(TENANT_A)
        .join("crm.jsonl.partial");
    // Watched closely: the contacts are written out in a burst once the file is parsed.
    let watching = Instant::now();
    while !std::fs::metadata(&partial).is_ok_and(|m| m.len() > 0) {
        assert!(
            watching.elapsed() < Duration::from_secs(60),
            "no refresh started writing"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert!(partial.exists(), "killed mid-write");

    // The restart answers at once with the last complete snapshot: the three.
    let started = Instant::now();
    let _second = start_with(dir.path(), port, &jwks.url, &csv, "second.log", extra);
    wait_for_port(port);
    for name in ["Berg", "Müller", "Wüst"] {
        assert_eq!(hits(port, name).await, 1, "{name}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let log = std::fs::read_to_string(dir.path().join("second.log")).unwrap();
    assert!(!log.contains("damaged snapshot"), "{log}");
}
