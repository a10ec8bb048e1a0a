//! The cloud as an operator runs it on several nodes, every part a real process on loopback:
//! `nats-server`, PostgreSQL (the shared registry), three `kontakt cloud` nodes behind nginx
//! (round-robin, WebSocket upgrade), two instances of one organisation's `kontakt directory`
//! and one of another's, enrolled the way admins enroll them. Under a steady stream of
//! searches for both organisations it kills the node holding a link, kills one instance of
//! the failover pair, restarts NATS and revokes a directory, and prints `N passed, M failed`.
//!
//! `scripts/cluster-test.sh` runs it (and `./test` runs that); it is ignored by a plain
//! `cargo test` because it needs nginx, nats-server and PostgreSQL.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::processes::*;
use common::sealed::*;
use common::*;
use kontakt_api::Op;
use kontakt_server::registry::{NewTenant, Registry};

struct Node {
    port: u16,
    process: Process,
    config: PathBuf,
    log: PathBuf,
}

/// The checks, counted.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
}

impl Tally {
    fn check(&mut self, what: &str, ok: bool, detail: impl std::fmt::Display) {
        if ok {
            self.passed += 1;
            eprintln!("  ok    {what} ({detail})");
        } else {
            eprintln!("  FAIL  {what} ({detail})");
            self.failed.push(format!("{what}: {detail}"));
        }
    }
}

/// A steady stream of searches for one organisation through nginx.
struct Stream {
    answered: Arc<AtomicUsize>,
    failed: Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Stream {
    fn start(tab: SealedTab, query: &'static str) -> Stream {
        let answered = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (a, f) = (Arc::clone(&answered), Arc::clone(&failed));
        let task = tokio::spawn(async move {
            loop {
                match tab
                    .ask(Op::Search {
                        q: query.into(),
                        limit: 5,
                    })
                    .await
                {
                    Outcome::Answer(_) => {
                        a.fetch_add(1, Ordering::Relaxed);
                    }
                    outcome => f.lock().unwrap().push(format!("{:?}", outcome.problem())),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        });
        Stream {
            answered,
            failed,
            task,
        }
    }

    /// Answered and failed since the last call.
    fn take(&self) -> (usize, Vec<String>) {
        (
            self.answered.swap(0, Ordering::Relaxed),
            std::mem::take(&mut *self.failed.lock().unwrap()),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nginx, nats-server and PostgreSQL; scripts/cluster-test.sh runs it"]
async fn three_nodes_behind_nginx_survive_what_an_operator_does_to_them() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path();
    let registry_url = postgres::server().database();
    let registry = Registry::open(&registry_url).await.unwrap();
    let now = kontakt_server::tenants::now_secs();
    for (id, name) in [(TENANT_A, "Alpha"), (TENANT_B, "Bravo")] {
        registry
            .register(
                &NewTenant {
                    id: id.into(),
                    organisation: name.into(),
                    admin_name: "Ada Admin".into(),
                    admin_email: "ada@example.com".into(),
                },
                now,
            )
            .await
            .unwrap();
    }
    let nats_port = free_port();
    let mut nats_server = nats(nats_port);
    let node_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut nodes: Vec<Node> = Vec::new();
    for (i, port) in node_ports.iter().enumerate() {
        let config = dir.join(format!("node-{i}.toml"));
        cloud_config(
            &config,
            *port,
            &dir.join(format!("node-{i}-data")),
            &jwks.url,
            &registry_url,
            Some(nats_port),
        );
        let log = dir.join(format!("node-{i}.log"));
        let process = kontakt(&["cloud", "--config", &config.display().to_string()], &log);
        nodes.push(Node {
            port: *port,
            process,
            config,
            log,
        });
    }
    for node in &nodes {
        wait_for_port(node.port);
    }
    let proxy_port = free_port();
    let _nginx = nginx(dir, proxy_port, &node_ports);
    let base = format!("http://127.0.0.1:{proxy_port}");

    // Directories: A twice (one key, two enrollments), B once; each enrolled with a code.
    let directory = |name: &str, tenant: &str, csv: &str| {
        let folder = dir.join(name);
        directory_config(&folder, &csv_tenant(&folder, tenant, csv), &jwks.url, &base)
    };
    let a1 = directory("a1", TENANT_A, CSV_A);
    let a2 = directory("a2", TENANT_A, CSV_A);
    let b1 = directory("b1", TENANT_B, CSV_B);
    enroll(
        &a1,
        &base,
        &registry.create_code(TENANT_A, now).await.unwrap(),
    );
    // The second instance holds the first one's key, as docs/deploy.md says.
    copy_directory_key(
        &dir.join("a1/data").join(TENANT_A),
        &dir.join("a2/data").join(TENANT_A),
    );
    enroll(
        &a2,
        &base,
        &registry.create_code(TENANT_A, now).await.unwrap(),
    );
    enroll(
        &b1,
        &base,
        &registry.create_code(TENANT_B, now).await.unwrap(),
    );
    let run = |config: &Path, name: &str| {
        kontakt(
            &["directory", "--config", &config.display().to_string()],
            &dir.join(format!("{name}.log")),
        )
    };
    let mut a1_process = run(&a1, "a1");
    let mut a2_process = run(&a2, "a2");
    let mut b1_process = run(&b1, "b1");
    common::roles::eventually(
        "all three directories link",
        Duration::from_secs(30),
        || async {
            links_on_all(&node_ports, TENANT_A).await == 2
                && links_on_all(&node_ports, TENANT_B).await == 1
        },
    )
    .await;

    let mut tally = Tally::default();
    eprintln!("cluster: 3 nodes behind nginx on {base}, NATS on {nats_port}");

    // Searches through every node, for both organisations.
    let (mut tab_a, _) = SealedTab::signed_in(&base, &token(TENANT_A), TENANT_A).await;
    let (mut tab_b, _) = SealedTab::signed_in(&base, &token(TENANT_B), TENANT_B).await;
    for port in &node_ports {
        let node = format!("http://127.0.0.1:{port}");
        tab_a.base = node.clone();
        tab_b.base = node.clone();
        let a = tab_a.search("Berg").await.len();
        let b = tab_b.search("Beatrix").await.len();
        tally.check(
            &format!("both organisations search through node :{port}"),
            a == 1 && b == 1,
            format!("A {a} hit, B {b} hit"),
        );
    }
    tab_a.base = base.clone();
    tab_b.base = base.clone();
    let stream_a = Stream::start(tab_a, "Berg");
    let stream_b = Stream::start(tab_b, "Beatrix");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (a, fa) = stream_a.take();
    let (b, fb) = stream_b.take();
    tally.check(
        "a steady stream through nginx",
        fa.is_empty() && fb.is_empty() && a > 10 && b > 10,
        format!("{a} + {b} answered, {} failed", fa.len() + fb.len()),
    );

    // Kill the node that holds B's only link: B's directory is back within 5 s.
    let mut holder = None;
    for (i, node) in nodes.iter().enumerate() {
        if links_on(node.port, TENANT_B).await == Some(1) {
            holder = Some(i);
        }
    }
    let holder = holder.expect("a node holds B's link");
    nodes[holder].process.kill();
    let killed = Instant::now();
    let survivors: Vec<u16> = node_ports
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != holder)
        .map(|(_, p)| *p)
        .collect();
    let mut back = None;
    while killed.elapsed() < Duration::from_secs(10) {
        if links_on_all(&survivors, TENANT_B).await == 1 {
            back = Some(killed.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tally.check(
        "B's directory relinks to another node within 5 s of its node's death",
        back.is_some_and(|t| t <= Duration::from_secs(5)),
        format!("{back:?}"),
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (a, fa) = stream_a.take();
    let (b, fb) = stream_b.take();
    // Searches for B in flight while it had no link fail as offline; A, with an instance
    // on another node (or relinked), loses at most those in flight on the dead node.
    tally.check(
        "while a node dies, A (a failover pair) loses at most what was in flight",
        fa.len() <= 2 && a > 10,
        format!("{a} answered, failed {fa:?}"),
    );
    tally.check(
        "B searches again after relinking",
        b > 5,
        format!("{b} answered, {} failed during the gap", fb.len()),
    );
    // The node comes back, as an operator restarts it.
    let restarted = kontakt(
        &[
            "cloud",
            "--config",
            &nodes[holder].config.display().to_string(),
        ],
        &nodes[holder].log.with_extension("restarted.log"),
    );
    nodes[holder].process = restarted;
    wait_for_port(nodes[holder].port);

    // Kill one instance of A's pair: no search fails.
    let _ = stream_a.take();
    a2_process.kill();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (a, fa) = stream_a.take();
    tally.check(
        "one instance of the failover pair killed: no search fails",
        fa.is_empty() && a > 10,
        format!("{a} answered, failed {fa:?}"),
    );

    // NATS restarts; the nodes recover without a restart.
    drop(nats_server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = stream_a.take();
    let _ = stream_b.take();
    nats_server = nats(nats_port);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = stream_a.take();
    let _ = stream_b.take();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (a, fa) = stream_a.take();
    let (b, fb) = stream_b.take();
    tally.check(
        "NATS restarted: searches through every node work again, no node restarted",
        fa.is_empty() && fb.is_empty() && a > 10 && b > 10,
        format!("{a} + {b} answered, failed {:?}", [fa, fb].concat()),
    );

    // Revoke B's directory: cut off on every node; the directory is told to stop.
    let b_id = registry.directories(TENANT_B).await.unwrap()[0].id.clone();
    assert!(registry.revoke(TENANT_B, &b_id).await.unwrap());
    let revoked = Instant::now();
    let mut stopped = None;
    while revoked.elapsed() < Duration::from_secs(15) {
        if let Ok(Some(status)) = b1_process.0.try_wait() {
            stopped = Some((revoked.elapsed(), status));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // PostgreSQL tells every node at once; the reading every 3 s would take up to 3 s.
    tally.check(
        "a revoked directory is told to stop within 1 s",
        stopped.is_some_and(|(t, _)| t <= Duration::from_secs(1)),
        format!("{stopped:?}"),
    );
    let mut cut_off = true;
    for port in &node_ports {
        cut_off &= links_on(*port, TENANT_B).await == Some(0);
        let offline = reqwest::get(format!(
            "http://127.0.0.1:{port}/api/v1/tenants/{TENANT_B}/directory-key"
        ))
        .await
        .unwrap()
        .status();
        cut_off &= offline == 503;
    }
    tally.check(
        "the revoked directory is cut off on every node",
        cut_off,
        "no link, directory-key 503 on each",
    );

    stream_a.task.abort();
    stream_b.task.abort();
    a1_process.kill();
    b1_process.kill();
    let failed = tally.failed.len();
    println!("cluster: {} passed, {failed} failed", tally.passed);
    if failed > 0 {
        for node in &nodes {
            eprintln!(
                "--- {}\n{}",
                node.log.display(),
                std::fs::read_to_string(&node.log).unwrap_or_default()
            );
        }
    }
    assert!(tally.failed.is_empty(), "{:?}", tally.failed);
    drop(nats_server);
}
