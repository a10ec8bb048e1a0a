//! The cloud and the on-premises directory as separate parts linked over a real WebSocket:
//! a tab's sealed requests go through the cloud and are answered by the directory; what is
//! not a request of the tab's user is refused; a directory that goes away and comes back,
//! a second instance taking over, a key rotated while tabs are open. Everything here runs
//! in this process on loopback; `relay_privacy.rs` runs the real binaries and taps them.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::roles::*;
use common::sealed::*;
use common::*;
use futures::{SinkExt, StreamExt};
use kontakt_api::{Answer, DirectoryKey, Op, TICKET_HEADER};
use kontakt_seal::SecretKey;
use kontakt_server::link::{LINK_PATH, TENANT_HEADER};
use kontakt_server::settings::Role;
use kontakt_server::{DirectoryRunning, Running};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CREDENTIAL_A: &str = "credential-of-alpha-directories-0123456789";
const CREDENTIAL_B: &str = "credential-of-bravo-directories-9876543210";
const SOON: Duration = Duration::from_secs(15);

/// A cloud serving tenants A and B, and the files of A's and B's directories.
struct Setup {
    jwks: Jwks,
    _cloud: Running,
    base: String,
    _cloud_data: tempfile::TempDir,
    a: DirectoryFiles,
    b: DirectoryFiles,
}

async fn setup() -> Setup {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(
        serde_json::json!({"keys": [keys()[0].jwk(template_issuer()), keys()[1].jwk(template_issuer())]}),
    )
    .await;
    let cloud_data = tempfile::tempdir().unwrap();
    let text = cloud_config(
        "127.0.0.1:0",
        cloud_data.path(),
        &jwks,
        &[(TENANT_A, CREDENTIAL_A), (TENANT_B, CREDENTIAL_B)],
    );
    let cloud = kontakt_server::start(settings(&text, Role::Cloud))
        .await
        .unwrap();
    let base = format!("http://{}", cloud.addr);
    Setup {
        jwks,
        base,
        _cloud: cloud,
        _cloud_data: cloud_data,
        a: DirectoryFiles::new(CSV_A, CREDENTIAL_A),
        b: DirectoryFiles::new(CSV_B, CREDENTIAL_B),
    }
}

impl Setup {
    async fn directory(&self, files: &DirectoryFiles, tenant: &str) -> DirectoryRunning {
        let text = files.config(&self.jwks, &self.base, tenant);
        kontakt_server::start_directory(settings(&text, Role::Directory))
            .await
            .unwrap()
    }

    /// Starts `files`' directory and waits until the cloud has it linked.
    async fn linked_directory(&self, files: &DirectoryFiles, tenant: &str) -> DirectoryRunning {
        let running = self.directory(files, tenant).await;
        eventually("the directory links", SOON, || linked(&self.base, tenant)).await;
        running
    }

    async fn metrics(&self) -> String {
        reqwest::get(format!("{}/metrics", self.base))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// How many directory instances of A the cloud counts as linked.
    async fn instances(&self) -> u64 {
        let label = kontakt_server::settings::tenant_label(TENANT_A);
        let line = format!("kontakt_directory_links{{tenant=\"{label}\"}} ");
        self.metrics()
            .await
            .lines()
            .find_map(|l| l.strip_prefix(&line).map(|v| v.trim().parse().unwrap()))
            .unwrap_or(0)
    }
}

fn names(hits: &[kontakt_api::SearchHit]) -> Vec<String> {
    hits.iter()
        .map(|h| h.contact.display_name.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_searches_through_the_cloud_and_only_the_directory_opens_what_it_asks() {
    let s = setup().await;
    let directory = s.linked_directory(&s.a, TENANT_A).await;
    let (tab, me) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    assert_eq!(me.tenant_id, TENANT_A);
    assert_eq!(me.user_id, USER);
    assert_eq!(me.display_name, "Test User");
    assert_eq!(me.cache_key.len(), 43, "a 32-byte key for the device cache");
    assert_eq!(
        tab.document.fingerprint,
        directory.directory.key().fingerprint
    );

    let hits = tab.search("müller").await;
    assert_eq!(names(&hits), ["Jürgen Müller"]);
    let id = hits[0].contact.id.clone();
    match tab.ask(Op::Contact { id: id.clone() }).await.answer() {
        Answer::Contact(c) => {
            assert_eq!(c.id, id);
            assert_eq!(c.emails, ["j.mueller@alpha.example"]);
            assert_eq!(c.phones[0].e164.as_deref(), Some("+49891111111"));
        }
        other => panic!("{other:?}"),
    }
    match tab
        .ask(Op::Contact {
            id: "crm:nobody".into(),
        })
        .await
        .answer()
    {
        Answer::Problem(p) => assert_eq!(p.status, 404),
        other => panic!("{other:?}"),
    }

    // The cloud has no plain API to ask instead: no search, contact, user or sources.
    let http = reqwest::Client::new();
    for path in [
        "/api/v1/search?q=m%C3%BCller",
        "/api/v1/contacts/crm:x",
        "/api/v1/me",
        "/api/v1/sources",
    ] {
        let status = http
            .get(format!("{}{path}", s.base))
            .bearer_auth(token(TENANT_A))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 404, "{path}");
    }
    let metrics = s.metrics().await;
    assert!(metrics.contains("kontakt_directory_links{"), "{metrics}");
    assert!(
        metrics.contains("kontakt_relayed_requests_total{outcome=\"answered\"} 4"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_a_fresh_request_of_this_organisations_user_is_refused() {
    let s = setup().await;
    let _a = s.linked_directory(&s.a, TENANT_A).await;
    let _b = s.linked_directory(&s.b, TENANT_B).await;
    let (tab, _) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    let ticket = tab.ticket.clone().unwrap();

    // Without a ticket the directory answers nothing but a sign-in.
    let search = || Op::Search {
        q: "Berg".into(),
        limit: 5,
    };
    match tab.send_with(&tab.prepare(search()), None).await.answer() {
        Answer::Problem(p) => {
            assert_eq!(p.status, 401);
            assert!(p.detail.unwrap().contains("sign in first"));
        }
        other => panic!("{other:?}"),
    }
    // A ticket the directory did not sign, or one for another organisation, is refused by
    // the cloud before anything is relayed.
    let forged =
        SecretKey::generate(&mut random).issue_ticket(TENANT_A, now_ms() + 60_000, &mut random);
    for bad in [forged.as_str(), "t1.AAAA.AAAA", "not a ticket"] {
        let (status, code) = tab
            .send_with(&tab.prepare(search()), Some(bad))
            .await
            .problem();
        assert_eq!((status, code.as_str()), (401, "unauthorized"), "{bad}");
    }
    let (tab_b, _) = SealedTab::signed_in(&s.base, &token(TENANT_B), TENANT_B).await;
    let (status, _) = tab_b
        .send_with(&tab_b.prepare(search()), Some(&ticket))
        .await
        .problem();
    assert_eq!(status, 401, "A's ticket on B's route");

    // Sealed to a key this organisation's directory does not hold.
    let stranger = SecretKey::generate(&mut random).public();
    let plain = serde_json::to_vec(&inner(&tab.token, search())).unwrap();
    let to_stranger = seal(&stranger, TENANT_A, &plain);
    assert_eq!(
        tab.send(&to_stranger).await.problem(),
        (409, "key_changed".into())
    );
    // Claiming the directory's fingerprint does not make it open.
    let mut claimed = seal(&stranger, TENANT_A, &plain);
    claimed.body.key = tab.key.fingerprint();
    assert_eq!(tab.send(&claimed).await.problem().0, 400);
    // Sealed to A's key but for tenant B: the tenant is bound into the sealing.
    let for_b = seal(&tab.key, TENANT_B, &plain);
    assert_eq!(tab.send(&for_b).await.problem().0, 400);
    // B's ticket and route with a request sealed to A's key: B's directory holds no such key.
    let crossed = tab_b
        .send_with(&tab.prepare(search()), tab_b.ticket.as_deref())
        .await;
    assert_eq!(crossed.problem(), (409, "key_changed".into()));

    // A request is answered once.
    let once = tab.prepare(search());
    assert!(matches!(tab.send(&once).await.answer(), Answer::Search(_)));
    let (status, code) = tab.send(&once).await.problem();
    assert_eq!((status, code.as_str()), (400, "bad_request"));

    // The token inside must be a valid one of this organisation: the directory checks it,
    // whatever the cloud let through.
    for (token, status, code) in [
        (token(TENANT_B), 403, "unknown_tenant"),
        (
            String::from("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"),
            401,
            "unauthorized",
        ),
        (
            sign(
                &{
                    let mut c = claims(TENANT_A);
                    c["exp"] = (now() - 3600).into();
                    c
                },
                &keys()[0],
            ),
            401,
            "unauthorized",
        ),
    ] {
        match tab
            .send(&tab.prepare_inner(&inner(&token, search())))
            .await
            .answer()
        {
            Answer::Problem(p) => {
                assert_eq!(
                    (p.status, serde_json::to_value(p.code).unwrap()),
                    (status, code.into())
                )
            }
            other => panic!("{other:?}"),
        }
    }

    // A computer whose clock is an hour fast gets the directory's time, sealed, and the
    // request made with it is answered.
    let mut skewed = inner(&tab.token, search());
    skewed.sent_at_ms += 3_600_000;
    let directory_now = match tab.send(&tab.prepare_inner(&skewed)).await.answer() {
        Answer::Clock {
            now_ms: directory_now,
        } => directory_now,
        other => panic!("{other:?}"),
    };
    assert!(directory_now.abs_diff(now_ms()) < 10_000);
    let mut corrected = inner(&tab.token, search());
    corrected.sent_at_ms = directory_now;
    assert!(matches!(
        tab.send(&tab.prepare_inner(&corrected)).await.answer(),
        Answer::Search(_)
    ));

    // Organisations the cloud does not serve, and what is not a tenant id, are not echoed.
    let http = reqwest::Client::new();
    for (tenant, detail) in [(STRANGER, STRANGER), ("<script>", "not a tenant id")] {
        let r = http
            .post(format!("{}/api/v1/tenants/{tenant}/sealed", s.base))
            .header(TICKET_HEADER, &ticket)
            .json(&to_stranger.body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "unknown_tenant");
        assert!(body["detail"].as_str().unwrap().contains(detail), "{body}");
    }
    let r = http
        .post(tab.sealed_url())
        .header(TICKET_HEADER, &ticket)
        .body("{\"key\": 1}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);

    let metrics = s.metrics().await;
    for outcome in [
        "answered",
        "key_changed",
        "malformed",
        "replayed",
        "ticket_refused",
    ] {
        assert!(
            metrics.contains(&format!("outcome=\"{outcome}\"")),
            "{outcome}:\n{metrics}"
        );
    }
}

/// A WebSocket to the cloud's link endpoint with these headers.
async fn dial(
    base: &str,
    tenant: Option<&str>,
    credential: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    let url = format!("{}{LINK_PATH}", base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    if let Some(t) = tenant {
        request
            .headers_mut()
            .insert(TENANT_HEADER, t.parse().unwrap());
    }
    if let Some(c) = credential {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {c}").parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(socket),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

fn hello(tenant: &str, key: &SecretKey) -> Message {
    let public = key.public();
    let document = DirectoryKey {
        tenant_id: tenant.into(),
        key: public.to_text(),
        fingerprint: public.fingerprint(),
        endorsements: vec![],
    };
    Message::text(
        serde_json::json!({"hello": {"tenant": tenant, "key": document, "version": "test"}})
            .to_string(),
    )
}

/// How the cloud ended a link: the close code, or `None` when it just dropped it.
async fn ended<S>(socket: &mut S) -> Option<u16>
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(SOON, socket.next())
            .await
            .expect("the cloud ends the link")
        {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_credential_links_only_its_own_tenant() {
    let s = setup().await;
    assert_eq!(dial(&s.base, None, None).await.err(), Some(401));
    assert_eq!(dial(&s.base, Some(TENANT_A), None).await.err(), Some(401));
    assert_eq!(
        dial(&s.base, Some(TENANT_B), Some(CREDENTIAL_A))
            .await
            .err(),
        Some(401)
    );
    assert_eq!(
        dial(&s.base, Some(STRANGER), Some(CREDENTIAL_A))
            .await
            .err(),
        Some(401)
    );
    assert_eq!(
        dial(&s.base, Some(TENANT_A), Some("guessed")).await.err(),
        Some(401)
    );
    // With its own credential a directory may link, but it must say hello as its tenant.
    let mut socket = dial(&s.base, Some(TENANT_A), Some(CREDENTIAL_A))
        .await
        .unwrap();
    socket
        .send(hello(TENANT_B, &SecretKey::generate(&mut random)))
        .await
        .unwrap();
    assert_eq!(ended(&mut socket).await, Some(1008));
    assert!(!linked(&s.base, TENANT_B).await);

    // The real directory of B, configured with A's credential, never links and says why.
    let misconfigured = DirectoryFiles::new(CSV_B, CREDENTIAL_A);
    let running = s.directory(&misconfigured, TENANT_B).await;
    let status = kontakt_server::onprem::status::path(&misconfigured.data, TENANT_B);
    eventually(
        "the status names the refused credential",
        Duration::from_secs(20),
        || {
            let status = status.clone();
            async move {
                kontakt_server::onprem::status::read(&status)
                    .and_then(|s| s.link.last_error)
                    .is_some_and(|e| e.contains("refused this directory's credential"))
            }
        },
    )
    .await;
    assert!(!linked(&s.base, TENANT_B).await);
    running.link.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_that_sends_nonsense_is_closed_and_the_cloud_carries_on() {
    let s = setup().await;
    let _real = s.linked_directory(&s.a, TENANT_A).await;
    let (tab, _) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    let key = SecretKey::generate(&mut random);

    // Nonsense instead of hello.
    let mut socket = dial(&s.base, Some(TENANT_A), Some(CREDENTIAL_A))
        .await
        .unwrap();
    socket.send(Message::text("{\"hello\": 42")).await.unwrap();
    assert_eq!(ended(&mut socket).await, Some(1008));
    // Nonsense after hello: text that is no frame, a binary frame, a second hello.
    for nonsense in [
        Message::text("GET / HTTP/1.1"),
        Message::binary(vec![0u8, 159, 146, 150]),
        hello(TENANT_A, &key),
    ] {
        let mut socket = dial(&s.base, Some(TENANT_A), Some(CREDENTIAL_A))
            .await
            .unwrap();
        socket.send(hello(TENANT_A, &key)).await.unwrap();
        socket.send(nonsense).await.unwrap();
        assert_eq!(ended(&mut socket).await, Some(1002));
    }
    // A frame over the limit (4 MiB): the link is dropped, whatever the close says.
    let mut socket = dial(&s.base, Some(TENANT_A), Some(CREDENTIAL_A))
        .await
        .unwrap();
    socket.send(hello(TENANT_A, &key)).await.unwrap();
    let huge = format!(
        "{{\"answer\":{{\"id\":1,\"sealed\":\"{}\"}}}}",
        "A".repeat(5 << 20)
    );
    let _ = socket.send(Message::text(huge)).await;
    let code = ended(&mut socket).await;
    assert!(matches!(code, None | Some(1009)), "{code:?}");
    // An answer to a request never sent is ignored; the link stays.
    let mut quiet = dial(&s.base, Some(TENANT_A), Some(CREDENTIAL_A))
        .await
        .unwrap();
    quiet.send(hello(TENANT_A, &key)).await.unwrap();
    quiet
        .send(Message::text("{\"answer\":{\"id\":999,\"sealed\":\"x\"}}"))
        .await
        .unwrap();
    eventually("two instances linked", SOON, || async {
        s.instances().await == 2
    })
    .await;

    // Through all of it the real directory answers, and the key tabs are given is its own.
    assert_eq!(names(&tab.search("Berg").await), ["Anna Berg"]);
    assert_eq!(
        SealedTab::connect(&s.base, &tab.token, TENANT_A)
            .await
            .unwrap()
            .document
            .fingerprint,
        tab.key.fingerprint()
    );
    assert_eq!(
        reqwest::get(format!("{}/healthz", s.base))
            .await
            .unwrap()
            .status(),
        200
    );
}

/// What a directory saw from a cloud: its hellos and answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_shrugs_off_a_cloud_that_sends_nonsense() {
    let s = setup().await;
    // A "cloud" that says odd things: on the first link garbage, then a real request, then
    // a binary frame; on the second a frame over the directory's limit; the third it keeps.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cloud = format!("http://{}", listener.local_addr().unwrap());
    let keys = kontakt_server::onprem::keys::KeyFiles::new(&s.a.data, TENANT_A)
        .load_or_create()
        .unwrap();
    let tab_key = keys.current.public();
    let text = s.a.config(&s.jwks, &cloud, TENANT_A);
    let _directory = kontakt_server::start_directory(settings(&text, Role::Directory))
        .await
        .unwrap();

    let accept = || async {
        let (stream, _) = tokio::time::timeout(SOON, listener.accept())
            .await
            .unwrap()
            .unwrap();
        let mut socket = tokio_tungstenite::accept_async(stream).await.unwrap();
        let first = socket.next().await.unwrap().unwrap();
        assert!(first.to_text().unwrap().contains("\"hello\""), "{first:?}");
        socket
    };
    let mut first = accept().await;
    first
        .send(Message::text("{\"what\": \"is this\"}"))
        .await
        .unwrap();
    first.send(Message::text("not even json")).await.unwrap();
    let prepared = seal(
        &tab_key,
        TENANT_A,
        &serde_json::to_vec(&inner(&token(TENANT_A), Op::SignIn)).unwrap(),
    );
    let request = serde_json::json!({"request": {"id": 7, "request": prepared.body, "admission": "sign_in_only"}});
    first
        .send(Message::text(request.to_string()))
        .await
        .unwrap();
    let answer = loop {
        let m = tokio::time::timeout(SOON, first.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Text(t) = m {
            break serde_json::from_str::<serde_json::Value>(&t).unwrap();
        }
    };
    assert_eq!(
        answer["answer"]["id"], 7,
        "the link survived the nonsense: {answer}"
    );
    let sealed = kontakt_seal::decode(answer["answer"]["sealed"].as_str().unwrap(), "a").unwrap();
    let opened: Answer = serde_json::from_slice(&prepared.reply.open(&sealed).unwrap()).unwrap();
    assert!(matches!(opened, Answer::SignedIn { .. }), "{opened:?}");
    first.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    assert!(ended(&mut first).await.is_none_or(|code| code != 1000));

    let mut second = accept().await;
    let _ = second.send(Message::text("x".repeat(100 * 1024))).await;
    let _ = ended(&mut second).await;

    // And it dials again.
    let _third = accept().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_its_directory_the_cloud_says_offline_and_search_comes_back_with_it() {
    let s = setup().await;
    let http = reqwest::Client::new();
    let key_url = format!("{}/api/v1/tenants/{TENANT_A}/directory-key", s.base);
    let r = http.get(&key_url).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "directory_offline"
    );

    let directory = s.linked_directory(&s.a, TENANT_A).await;
    let (tab, _) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    assert_eq!(names(&tab.search("Berg").await), ["Anna Berg"]);

    directory.link.abort();
    eventually("the cloud notices", SOON, || async {
        !linked(&s.base, TENANT_A).await
    })
    .await;
    assert_eq!(
        tab.ask(Op::Search {
            q: "Berg".into(),
            limit: 5
        })
        .await
        .problem(),
        (503, "directory_offline".into())
    );

    // Back, with the same key: the same tab, ticket and all, searches again.
    let _again = s.linked_directory(&s.a, TENANT_A).await;
    assert_eq!(names(&tab.search("Berg").await), ["Anna Berg"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_two_instances_one_can_go_under_a_stream_of_searches() {
    let s = setup().await;
    let first = s.linked_directory(&s.a, TENANT_A).await;
    let twin = s.a.second_instance(TENANT_A);
    let second = s.directory(&twin, TENANT_A).await;
    assert_eq!(
        second.directory.key(),
        first.directory.key(),
        "one key, copied"
    );
    eventually("both linked", SOON, || async { s.instances().await == 2 }).await;

    let (tab, _) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    let tab = Arc::new(tab);
    let (answered, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let until = tokio::time::Instant::now() + Duration::from_secs(3);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (tab, answered, failed) = (tab.clone(), answered.clone(), failed.clone());
            tokio::spawn(async move {
                while tokio::time::Instant::now() < until {
                    match tab
                        .ask(Op::Search {
                            q: "Müller".into(),
                            limit: 5,
                        })
                        .await
                    {
                        Outcome::Answer(Answer::Search(r)) if r.hits.len() == 1 => {
                            answered.fetch_add(1, Ordering::Relaxed)
                        }
                        other => {
                            eprintln!("failed: {other:?}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    first.link.abort();
    for w in workers {
        w.await.unwrap();
    }
    let (answered, failed) = (
        answered.load(Ordering::Relaxed),
        failed.load(Ordering::Relaxed),
    );
    eprintln!("{answered} searches answered, {failed} failed while one of two instances went away");
    assert!(answered > 40, "{answered}");
    // The cloud hands a request whose instance dropped to the other one: none is lost.
    assert_eq!(failed, 0);
    assert_eq!(s.instances().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_followed_by_open_tabs_and_their_tickets_still_hold() {
    let s = setup().await;
    let running = s.linked_directory(&s.a, TENANT_A).await;
    let (tab, _) = SealedTab::signed_in(&s.base, &token(TENANT_A), TENANT_A).await;
    let old = tab.key.clone();
    let (from, to) = kontakt_server::onprem::keys::KeyFiles::new(&s.a.data, TENANT_A)
        .rotate()
        .unwrap();
    assert_eq!(from, old);
    eventually("the cloud publishes the new key", SOON, || async {
        SealedTab::connect(&s.base, &tab.token, TENANT_A)
            .await
            .unwrap()
            .key
            == to
    })
    .await;
    assert_eq!(running.directory.key().fingerprint, to.fingerprint());
    // Sealed to the old key: the tab is told to fetch the key again...
    assert_eq!(
        tab.ask(Op::Search {
            q: "Berg".into(),
            limit: 5
        })
        .await
        .problem(),
        (409, "key_changed".into())
    );
    // ...whose endorsements lead from the key it pinned to the new one, and its ticket,
    // signed by the old key, still admits it.
    let mut fresh = SealedTab::connect(&s.base, &tab.token, TENANT_A)
        .await
        .unwrap();
    let chain: Vec<kontakt_seal::Endorsement> = fresh
        .document
        .endorsements
        .iter()
        .map(|e| kontakt_seal::Endorsement {
            previous: kontakt_seal::PublicKey::from_text(&e.previous).unwrap(),
            next: kontakt_seal::PublicKey::from_text(&e.next).unwrap(),
            signature: kontakt_seal::decode(&e.signature, "s")
                .unwrap()
                .try_into()
                .unwrap(),
        })
        .collect();
    assert!(kontakt_seal::Endorsement::chain_leads_to(
        &chain, &old, &fresh.key
    ));
    fresh.ticket = tab.ticket.clone();
    assert_eq!(names(&fresh.search("Berg").await), ["Anna Berg"]);
}

/// A phone system outside the network asks the cloud; the directory that takes lookups
/// through the cloud checks its credentials and answers, one that does not refuses, and
/// without a linked directory a call is never held up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_id_through_the_cloud_only_for_a_directory_that_takes_it() {
    let s = setup().await;
    let password = s.a.root.path().join("sbc-password");
    std::fs::write(&password, "Tr0ub4dor&3\n").unwrap();
    let callerid = format!(
        "\n[callerid]\nrelay = true\n[[callerid.clients]]\nuser = \"sbc-extern\"\npassword_file = {:?}\n",
        password.display().to_string()
    );
    let text = s.a.config(&s.jwks, &s.base, TENANT_A) + &callerid;
    let directory = kontakt_server::start_directory(settings(&text, Role::Directory))
        .await
        .unwrap();
    eventually("A links", SOON, || linked(&s.base, TENANT_A)).await;
    let _b = s.linked_directory(&s.b, TENANT_B).await;

    let http = reqwest::Client::new();
    let at = |tenant: &str, rest: &str| format!("{}/callerid/v1/tenants/{tenant}/{rest}", s.base);
    let lookup = |tenant: &str, number: &str, password: &str| {
        http.get(at(tenant, "lookup"))
            .query(&[("number", number)])
            .basic_auth("sbc-extern", Some(password))
            .send()
    };
    let found = lookup(TENANT_A, "+49 89 2222222", "Tr0ub4dor&3")
        .await
        .unwrap();
    let status = found.status();
    let found: serde_json::Value = found.json().await.unwrap();
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["display_name"], "Anna Berg", "{found}");
    assert_eq!(found["matched_number"], "+49892222222");
    // Every REST protocol, with the shapes phone systems send.
    let audiocodes = http
        .get(at(TENANT_A, "audiocodes/%2B49891111111"))
        .basic_auth("sbc-extern", Some("Tr0ub4dor&3"))
        .send()
        .await
        .unwrap();
    assert_eq!(audiocodes.status(), 200);
    assert_eq!(
        audiocodes.text().await.unwrap(),
        "Jürgen Müller · Alpha GmbH"
    );
    let anynode = |tenant: &str| {
        http.post(at(tenant, "anynode"))
            .basic_auth("sbc-extern", Some("Tr0ub4dor&3"))
            .json(&serde_json::json!({"sourceAddress": {"dialString": "tel:0892222222"}}))
            .send()
    };
    let named: serde_json::Value = anynode(TENANT_A).await.unwrap().json().await.unwrap();
    assert_eq!(named["routeContinue"], true);
    assert_eq!(
        named["sourceAddress"]["displayName"],
        "Anna Berg · Alpha GmbH"
    );
    assert_eq!(
        lookup(TENANT_A, "+49 89 9999999", "Tr0ub4dor&3")
            .await
            .unwrap()
            .status(),
        404
    );

    // A number longer than any (anynode's body is limited anyway) is nobody's, and
    // the link it could have overfilled stays up.
    let long = http
        .get(at(TENANT_A, &format!("audiocodes/{}", "1".repeat(60_000))))
        .basic_auth("sbc-extern", Some("Tr0ub4dor&3"))
        .send()
        .await
        .unwrap();
    assert_eq!(long.status(), 404);
    let long_password = lookup(TENANT_A, "+49 89 2222222", &"x".repeat(60_000))
        .await
        .unwrap();
    assert_eq!(long_password.status(), 401);
    assert_eq!(
        lookup(TENANT_A, "+49 89 2222222", "Tr0ub4dor&3")
            .await
            .unwrap()
            .status(),
        200
    );

    // Refusals: a wrong password (checked by the directory), a directory without caller
    // ID through the cloud, a tenant the cloud does not serve, a route that is not there.
    let wrong = lookup(TENANT_A, "+49 89 2222222", "wrong").await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let not_taken = lookup(TENANT_B, "+49 30 3333333", "Tr0ub4dor&3")
        .await
        .unwrap();
    assert_eq!(not_taken.status(), 403);
    assert!(
        not_taken.text().await.unwrap().contains("relay = true"),
        "the refusal says how to switch it on"
    );
    let stranger = "99999999-9999-9999-9999-999999999999";
    assert_eq!(
        lookup(stranger, "+49 89 2222222", "Tr0ub4dor&3")
            .await
            .unwrap()
            .status(),
        404
    );
    let unknown = http.get(at(TENANT_A, "nothing-here")).send().await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.headers()["content-type"],
        "application/problem+json"
    );

    // The directory gone: anynode lets the call ring without a name, the others say so.
    directory.link.abort();
    eventually("the cloud notices", SOON, || async {
        !linked(&s.base, TENANT_A).await
    })
    .await;
    let unnamed: serde_json::Value = anynode(TENANT_A).await.unwrap().json().await.unwrap();
    assert_eq!(
        unnamed,
        serde_json::json!({"routeContinue": true, "sourceAddress": {"dialString": "tel:0892222222"}})
    );
    let offline = lookup(TENANT_A, "+49 89 2222222", "Tr0ub4dor&3")
        .await
        .unwrap();
    assert_eq!(offline.status(), 503);
    assert_eq!(
        offline.json::<serde_json::Value>().await.unwrap()["code"],
        "directory_offline"
    );
}
