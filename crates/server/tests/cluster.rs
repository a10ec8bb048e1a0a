//! The cloud on two nodes joined by a real `nats-server` (Debian's, started here on a
//! private port): a directory linked to one node answers tabs and phone systems that ask
//! the other; a tenant linked nowhere is offline at once (NATS' "no responders", not a
//! timeout); NATS restarted, the nodes carry on without a restart; a directory that comes
//! back on the other node is found there.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::roles::*;
use common::sealed::*;
use common::*;
use kontakt_api::Op;
use kontakt_server::settings::Role;

const CREDENTIAL_A: &str = "credential-of-alpha-directories-0123456789";
const CREDENTIAL_B: &str = "credential-of-bravo-directories-9876543210";
const SOON: Duration = Duration::from_secs(15);

/// A `nats-server` on `port`, killed when dropped.
struct Nats(Child);

impl Nats {
    fn start(port: u16, dir: &std::path::Path) -> Nats {
        let child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server (scripts/tools.sh installs it)");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < SOON, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Nats(child)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn names(hits: &[kontakt_api::SearchHit]) -> Vec<String> {
    hits.iter()
        .map(|h| h.contact.display_name.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nats-server (apt-get install nats-server); ./test runs it"]
async fn a_directory_linked_to_one_node_answers_through_every_node() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    let nats_port = free_port();
    let mut nats = Nats::start(nats_port, root.path());
    let mut nodes = Vec::new();
    for i in 0..2 {
        let data = root.path().join(format!("node-{i}"));
        let text = cloud_config(
            "127.0.0.1:0",
            &data,
            &jwks,
            &[(TENANT_A, CREDENTIAL_A), (TENANT_B, CREDENTIAL_B)],
        ) + &format!("\n[cluster]\nnats = \"nats://127.0.0.1:{nats_port}\"\n");
        let node = kontakt_server::start(settings(&text, Role::Cloud))
            .await
            .unwrap();
        nodes.push(node);
    }
    let base: Vec<String> = nodes.iter().map(|n| format!("http://{}", n.addr)).collect();

    // A's directory links to node 0, with caller ID through the cloud.
    let a = DirectoryFiles::new(CSV_A, CREDENTIAL_A);
    let password = a.root.path().join("sbc-password");
    std::fs::write(&password, "Tr0ub4dor&3").unwrap();
    let callerid = format!(
        "\n[callerid]\nrelay = true\n[[callerid.clients]]\nuser = \"sbc\"\npassword_file = {:?}\n",
        password.display().to_string()
    );
    let directory = kontakt_server::start_directory(settings(
        &(a.config(&jwks, &base[0], TENANT_A) + &callerid),
        Role::Directory,
    ))
    .await
    .unwrap();
    eventually("A links to node 0", SOON, || linked(&base[0], TENANT_A)).await;
    assert_eq!(
        nodes[1].state.links.count(TENANT_A),
        0,
        "not linked to node 1"
    );
    eventually("node 1 reaches A through NATS", SOON, || {
        linked(&base[1], TENANT_A)
    })
    .await;

    // A tab signs in through node 1 and searches through both, with one ticket.
    let (mut tab, _) = SealedTab::signed_in(&base[1], &token(TENANT_A), TENANT_A).await;
    assert_eq!(names(&tab.search("Berg").await), ["Anna Berg"]);
    tab.base = base[0].clone();
    assert_eq!(names(&tab.search("Müller").await), ["Jürgen Müller"]);
    tab.base = base[1].clone();

    // A phone system asks node 1.
    let http = reqwest::Client::new();
    let caller = |node: &str| {
        http.get(format!(
            "{node}/callerid/v1/tenants/{TENANT_A}/audiocodes/%2B49892222222"
        ))
        .basic_auth("sbc", Some("Tr0ub4dor&3"))
        .send()
    };
    let named = caller(&base[1]).await.unwrap();
    assert_eq!(named.status(), 200);
    assert_eq!(named.text().await.unwrap(), "Anna Berg · Alpha GmbH");

    // B is linked nowhere: offline at once, from NATS' "no responders".
    let started = Instant::now();
    let offline = http
        .get(format!(
            "{}/api/v1/tenants/{TENANT_B}/directory-key",
            base[1]
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(offline.status(), 503);
    assert_eq!(
        offline.json::<serde_json::Value>().await.unwrap()["code"],
        "directory_offline"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}: no responders, not a timeout",
        started.elapsed()
    );

    // NATS restarts; neither node does. Node 1 reaches A again.
    drop(nats);
    assert_eq!(
        tab.ask(Op::Search {
            q: "Berg".into(),
            limit: 5
        })
        .await
        .problem()
        .0,
        503,
        "without NATS, node 1 cannot reach A"
    );
    nats = Nats::start(nats_port, root.path());
    let back = Instant::now();
    eventually(
        "node 1 reaches A again",
        Duration::from_secs(20),
        || async {
            let outcome = tab
                .ask(Op::Search {
                    q: "Berg".into(),
                    limit: 5,
                })
                .await;
            matches!(outcome, Outcome::Answer(_))
        },
    )
    .await;
    eprintln!("node 1 reached A {:?} after NATS came back", back.elapsed());
    assert_eq!(names(&tab.search("Berg").await), ["Anna Berg"]);

    // A's directory goes and links to node 1 instead; node 0 finds it there.
    directory.link.abort();
    drop(directory);
    eventually("node 0 notices", SOON, || async {
        !linked(&base[0], TENANT_A).await && nodes[0].state.links.count(TENANT_A) == 0
    })
    .await;
    let _again = kontakt_server::start_directory(settings(
        &(a.config(&jwks, &base[1], TENANT_A) + &callerid),
        Role::Directory,
    ))
    .await
    .unwrap();
    eventually("A links to node 1", SOON, || async {
        nodes[1].state.links.count(TENANT_A) == 1
    })
    .await;
    tab.base = base[0].clone();
    eventually("node 0 reaches A on node 1", SOON, || async {
        matches!(
            tab.ask(Op::Search {
                q: "Berg".into(),
                limit: 5,
            })
            .await,
            Outcome::Answer(_)
        )
    })
    .await;
    let named = caller(&base[0]).await.unwrap();
    assert_eq!(named.status(), 200);
    drop(nats);
}

/// Two instances of A's directory on two nodes, a tab asking a third: one instance goes
/// away under a steady stream of searches, and none fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nats-server (apt-get install nats-server); ./test runs it"]
async fn a_failover_pair_on_two_nodes_keeps_answering_through_a_third() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    let nats_port = free_port();
    let _nats = Nats::start(nats_port, root.path());
    let mut nodes = Vec::new();
    for i in 0..3 {
        let text = cloud_config(
            "127.0.0.1:0",
            &root.path().join(format!("node-{i}")),
            &jwks,
            &[(TENANT_A, CREDENTIAL_A)],
        ) + &format!("\n[cluster]\nnats = \"nats://127.0.0.1:{nats_port}\"\n");
        nodes.push(
            kontakt_server::start(settings(&text, Role::Cloud))
                .await
                .unwrap(),
        );
    }
    let base: Vec<String> = nodes.iter().map(|n| format!("http://{}", n.addr)).collect();
    let first = DirectoryFiles::new(CSV_A, CREDENTIAL_A);
    let one = kontakt_server::start_directory(settings(
        &first.config(&jwks, &base[0], TENANT_A),
        Role::Directory,
    ))
    .await
    .unwrap();
    eventually("the first links to node 0", SOON, || async {
        nodes[0].state.links.count(TENANT_A) == 1
    })
    .await;
    let second = first.second_instance(TENANT_A);
    let _two = kontakt_server::start_directory(settings(
        &second.config(&jwks, &base[1], TENANT_A),
        Role::Directory,
    ))
    .await
    .unwrap();
    eventually("the second links to node 1", SOON, || async {
        nodes[1].state.links.count(TENANT_A) == 1
    })
    .await;
    eventually("node 2 reaches A", SOON, || linked(&base[2], TENANT_A)).await;
    let (tab, _) = SealedTab::signed_in(&base[2], &token(TENANT_A), TENANT_A).await;

    let tab = std::sync::Arc::new(tab);
    let stream = {
        let tab = std::sync::Arc::clone(&tab);
        tokio::spawn(async move {
            let (mut answered, mut failed) = (0, Vec::new());
            let until = Instant::now() + Duration::from_secs(3);
            while Instant::now() < until {
                match tab
                    .ask(Op::Search {
                        q: "Berg".into(),
                        limit: 5,
                    })
                    .await
                {
                    Outcome::Answer(_) => answered += 1,
                    outcome => failed.push(format!("{outcome:?}")),
                }
            }
            (answered, failed)
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    one.link.abort();
    let (answered, failed) = stream.await.unwrap();
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    assert!(answered > 20, "only {answered} searches in 3 s");
    assert_eq!(nodes[0].state.links.count(TENANT_A), 0, "the first is gone");
    eprintln!("{answered} searches through node 2, none failed, while an instance went");
}
