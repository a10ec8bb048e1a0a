//! Registration, enrollment and the data lifecycle, on a real cloud (demo sign-in through
//! its demo identity provider, the same validator as Entra's tokens) and a real directory
//! linked over its WebSocket: an administrator signs in, registers, creates a code, a
//! directory enrolls and serves searches; another organisation's administrator reaches
//! nothing of it; every form refuses a missing or foreign CSRF token; revoke and the end of
//! the subscription cut the directory off; and the registry holds only what is promised.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use common::roles::{eventually, linked, settings};
use common::sealed::{Outcome, SealedTab};
use kontakt_server::demo::{OTHER_TENANT_ID, TENANT_ID};
use kontakt_server::settings::{ConfigFile, Role, Settings};
use reqwest::redirect::Policy;

/// A browser's worth of state: cookies, and no following of redirects (each is checked).
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: base.to_owned(),
            cookies: HashMap::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn page(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: response
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned()),
            body: response.text().await.unwrap(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(self.url(path));
        self.page(request).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Page {
        let mut request = self.http.post(self.url(path)).form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.page(request).await
    }

    /// Signs in through the demo identity provider as `person`: the whole OpenID Connect
    /// round trip, PKCE included. The callback's answer.
    async fn sign_in(&mut self, person: &str) -> Page {
        let start = self.get("/admin/sign-in").await;
        assert_eq!(start.status, 303);
        let authorize = start.location.unwrap();
        assert!(
            authorize.contains("code_challenge_method=S256"),
            "{authorize}"
        );
        let chooser = self.get(&authorize).await;
        assert_eq!(chooser.status, 200, "{}", chooser.body);
        let query: Vec<(String, String)> =
            form_urlencoded::parse(authorize.split_once('?').unwrap().1.as_bytes())
                .into_owned()
                .collect();
        let mut form: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        form.push(("person", person));
        let action = authorize.split_once('?').unwrap().0.to_owned();
        let back = self.post(&action, &form, None).await;
        assert_eq!(back.status, 303, "{}", back.body);
        let callback = back.location.unwrap();
        self.get(&callback).await
    }

    /// The CSRF token on the page at `/admin`.
    async fn csrf(&mut self) -> String {
        let page = self.get("/admin").await;
        between(&page.body, "name=\"csrf\" value=\"", "\"").to_owned()
    }
}

/// The value of `name` in the query of `url`.
fn query_param(url: &str, name: &str) -> String {
    form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes())
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .1
        .into_owned()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let to = text[from..].find(end).unwrap() + from;
    &text[from..to]
}

fn cloud_settings(data: &Path) -> Settings {
    let _ = rustls::crypto::ring::default_provider().install_default();
    settings(
        &format!(
            r#"
            [server]
            mode = "development"
            listen = "127.0.0.1:0"
            data_dir = {data:?}

            [demo]
            enabled = true

            [limits]
            searches_per_second = 1000
            burst = 1000
            "#,
            data = data.display().to_string()
        ),
        Role::Cloud,
    )
}

/// The demo directory (generated contacts), linked to `cloud`, with its own data folder:
/// enrolled, not the throwaway demo.
fn directory_settings(cloud: &str, data: &Path) -> Settings {
    let mut file = ConfigFile::demo_directory(cloud, 300, 7);
    file.server.data_dir = data.to_owned();
    Settings::resolve(file, Role::Directory).unwrap()
}

async fn demo_token(base: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/dev/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_administrator_registers_enrolls_a_directory_and_revokes_it() {
    let cloud_data = tempfile::tempdir().unwrap();
    let cloud = kontakt_server::start(cloud_settings(cloud_data.path()))
        .await
        .unwrap();
    let base = format!("http://{}", cloud.addr);

    // Someone without an administrator role gets no session, and is told which roles.
    let mut user = Browser::new(&base);
    let refused = user.sign_in("user").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.body.contains("Teams Administrator"),
        "{}",
        refused.body
    );
    assert!(!user.cookies.contains_key("kontakt_admin"));

    // The organisation's Teams administrator signs in; it is not registered yet.
    let mut admin = Browser::new(&base);
    let welcome = admin.sign_in("admin").await;
    assert_eq!(
        (welcome.status, welcome.location.as_deref()),
        (303, Some("/admin"))
    );
    let form = admin.get("/admin").await;
    assert!(form.body.contains(TENANT_ID) && form.body.contains("action=\"/admin/register\""));
    let csrf = admin.csrf().await;

    // No form changes anything without this session's token, or from another site.
    let register = [
        ("organisation", "Adlermöbel KG"),
        ("name", "Ada Admin"),
        ("email", "ada.admin@kontakt-demo.de"),
    ];
    let forged = [("csrf", "forged"), register[0], register[1], register[2]];
    let good: Vec<(&str, &str)> = std::iter::once(("csrf", csrf.as_str()))
        .chain(register)
        .collect();
    for path in [
        "/admin/register",
        "/admin/contact",
        "/admin/codes",
        "/admin/directories/dir_x/revoke",
        "/admin/delete",
        "/admin/sign-out",
    ] {
        assert_eq!(
            admin.post(path, &register, None).await.status,
            403,
            "{path} without a token"
        );
        assert_eq!(
            admin.post(path, &forged, None).await.status,
            403,
            "{path} with a forged token"
        );
        let elsewhere = admin.post(path, &good, Some("https://evil.example")).await;
        assert_eq!(elsewhere.status, 403, "{path} from another site");
        // A signed-out browser with the right token's text gets nowhere either.
        let mut stranger = Browser::new(&base);
        assert_eq!(
            stranger.post(path, &good, None).await.status,
            403,
            "{path} signed out"
        );
    }
    assert!(
        admin
            .get("/admin")
            .await
            .body
            .contains("action=\"/admin/register\"")
    );

    let registered = admin.post("/admin/register", &good, Some(&base)).await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    let dashboard = admin.get("/admin?done=registered").await;
    assert!(
        dashboard.body.contains("Adlermöbel KG"),
        "{}",
        dashboard.body
    );
    assert!(dashboard.body.contains("Your organisation is registered"));

    // A one-time code, shown once.
    let with_code = admin.post("/admin/codes", &[("csrf", &csrf)], None).await;
    assert_eq!(with_code.status, 200);
    let code = between(&with_code.body, "<output id=\"enrollment-code\">", "<").to_owned();
    assert_eq!(code.len(), 23);
    assert!(
        !admin.get("/admin").await.body.contains(&code),
        "shown once"
    );

    // The directory enrolls with it: its key registered, its credential written.
    let directory_data = tempfile::tempdir().unwrap();
    let directory = directory_settings(&base, directory_data.path());
    assert!(
        kontakt_server::start_directory(directory.clone())
            .await
            .err()
            .unwrap()
            .to_string()
            .contains("not enrolled yet")
    );
    let said = kontakt_server::onprem::enroll::enroll(
        &directory,
        &base,
        &code,
        Some("Rechenzentrum".into()),
    )
    .await
    .unwrap();
    assert!(said.contains("Enrolled as directory dir_"), "{said}");
    let credential_file = directory_data.path().join("link-credential");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credential_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The code was used up.
    let again = kontakt_server::onprem::enroll::enroll(&directory, &base, &code, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        again.contains("HTTP 401") && again.contains("not valid"),
        "{again}"
    );

    let directory = directory_settings(&base, directory_data.path());
    let running = kontakt_server::start_directory(directory).await.unwrap();
    eventually(
        "the enrolled directory links",
        Duration::from_secs(15),
        || linked(&base, TENANT_ID),
    )
    .await;
    let dashboard = admin.get("/admin").await;
    assert!(dashboard.body.contains("Rechenzentrum") && dashboard.body.contains("state online"));
    let directory_id =
        between(&dashboard.body, "action=\"/admin/directories/", "/revoke").to_owned();

    // A user of the organisation searches, through the cloud.
    let token = demo_token(&base).await;
    let (tab, me) = SealedTab::signed_in(&base, &token, TENANT_ID).await;
    assert_eq!(me.tenant_id, TENANT_ID);
    let hits = tab.search("a").await;
    assert!(!hits.is_empty());
    let contact_names: Vec<String> = hits
        .iter()
        .take(5)
        .map(|h| h.contact.display_name.clone())
        .collect();

    // Another organisation's Global Administrator sees only their own (unregistered)
    // organisation, and cannot revoke this one's directory.
    let mut other = Browser::new(&base);
    assert_eq!(other.sign_in("other-admin").await.status, 303);
    let theirs = other.get("/admin").await;
    assert!(theirs.body.contains(OTHER_TENANT_ID) && !theirs.body.contains("Adlermöbel"));
    let other_csrf = other.csrf().await;
    let revoke_path = format!("/admin/directories/{directory_id}/revoke");
    let foreign = other
        .post(&revoke_path, &[("csrf", &other_csrf)], None)
        .await;
    assert_eq!(foreign.status, 404);
    assert!(linked(&base, TENANT_ID).await);

    // Admin consent: state bound to the session, tenant checked against the signed-in one.
    let consent = admin.get("/admin/consent").await;
    let consent_url = consent.location.unwrap();
    assert!(consent_url.contains(&format!("/dev/idp/{TENANT_ID}/v2.0/adminconsent")));
    let state = query_param(&consent_url, "state");
    let callback = |tenant: &str, state: &str| {
        format!("/admin/consent-callback?admin_consent=True&tenant={tenant}&state={state}")
    };
    let wrong_tenant = admin.get(&callback(OTHER_TENANT_ID, &state)).await;
    assert_eq!(wrong_tenant.status, 400);
    assert!(wrong_tenant.body.contains("another organisation"));
    let consent = admin.get("/admin/consent").await.location.unwrap();
    let state = query_param(&consent, "state");
    assert_eq!(admin.get(&callback(TENANT_ID, "forged")).await.status, 400);
    let consent = admin.get("/admin/consent").await.location.unwrap();
    let state2 = query_param(&consent, "state");
    assert_ne!(state, state2);
    let granted = admin.get(&callback(TENANT_ID, &state2)).await;
    assert_eq!(granted.location.as_deref(), Some("/admin?done=consent"));

    // The administrator edits their contact details.
    let csrf = admin.csrf().await;
    let edited = admin
        .post(
            "/admin/contact",
            &[
                ("csrf", &csrf),
                ("name", "Ada Lovelace"),
                ("email", "ada@adler.example"),
            ],
            None,
        )
        .await;
    assert_eq!(edited.status, 303);

    // What the registry holds after the whole session: the registration, the directory,
    // anonymous counters — none of the user's name or address, no query, no contact.
    let telemetry_flushed = {
        let state_file = cloud_data.path().join("registry.sqlite");
        assert!(state_file.exists());
        state_file
    };
    let stored = admin.get("/admin").await.body;
    assert!(stored.contains("Ada Lovelace") && stored.contains("ada@adler.example"));
    for secret in [
        kontakt_server::demo::USER_NAME,
        kontakt_server::demo::USER_UPN,
        kontakt_server::demo::USER_ID,
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(contact_names.clone())
    {
        assert!(
            !stored.contains(&secret),
            "the page of stored fields shows {secret:?}"
        );
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            let path = format!("{}{suffix}", telemetry_flushed.display());
            bytes.extend(std::fs::read(&path).unwrap_or_default());
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&secret), "the registry holds {secret:?}");
    }

    // Revoked: disconnected at once, told to stop, and the credential no longer links.
    let revoked = admin.post(&revoke_path, &[("csrf", &csrf)], None).await;
    assert_eq!(revoked.location.as_deref(), Some("/admin?done=revoked"));
    let stopped = tokio::time::timeout(Duration::from_secs(10), running.link)
        .await
        .expect("the directory stops")
        .unwrap();
    assert!(stopped.contains("revoked"), "{stopped}");
    assert!(!linked(&base, TENANT_ID).await);
    let relinking =
        kontakt_server::start_directory(directory_settings(&base, directory_data.path()))
            .await
            .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !linked(&base, TENANT_ID).await,
        "a revoked credential cannot link again"
    );
    relinking.link.abort();

    // "Delete our registration now": only when confirmed, then everything at once.
    let unconfirmed = admin.post("/admin/delete", &[("csrf", &csrf)], None).await;
    assert!(unconfirmed.body.contains("Tick the box"));
    let deleted = admin
        .post(
            "/admin/delete",
            &[("csrf", &csrf), ("confirm", "yes")],
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    assert!(deleted.body.contains("Registration deleted"));
    let registry = kontakt_server::registry::Registry::open(&format!(
        "sqlite:{}",
        telemetry_flushed.display()
    ))
    .await
    .unwrap();
    assert!(registry.tenants().await.unwrap().is_empty());
    assert_eq!(registry.deletions().await.unwrap().len(), 1);
    drop(tab);
}

/// `kontakt cloud --demo` and `kontakt directory --demo` link with no manual step; the
/// operator's commands see the demo's registry; ending the subscription tells users and
/// stops the directory; the purge deletes 56 days later.
/// A value the registry refuses sends the form back: what was typed is still in it, the
/// refused field is marked and says why beside it, the top of the page says nothing was
/// saved and links to the field — in the language the administrator picked, which stays
/// picked after sending the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_keeps_what_was_typed_and_says_why_at_the_field_in_german() {
    let cloud_data = tempfile::tempdir().unwrap();
    let cloud = kontakt_server::start(cloud_settings(cloud_data.path()))
        .await
        .unwrap();
    let base = format!("http://{}", cloud.addr);
    let mut admin = Browser::new(&base);
    assert_eq!(admin.sign_in("admin").await.status, 303);
    assert!(
        admin
            .get("/admin")
            .await
            .body
            .contains("<html lang=\"en\">")
    );
    assert!(
        admin
            .get("/admin?lang=de")
            .await
            .body
            .contains("<html lang=\"de\">")
    );
    let csrf = admin.csrf().await;

    // An address the browser's own check lets through: its domain has no dot.
    let typed = [
        ("csrf", csrf.as_str()),
        ("organisation", "Adlermöbel <KG>"),
        ("name", "Ada Admin"),
        ("email", "ada@localhost"),
    ];
    let refused = admin.post("/admin/register", &typed, Some(&base)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(body.contains("<html lang=\"de\">"), "{body}");
    assert!(
        body.contains(
            "Nichts wurde gespeichert. <a href=\"#email\">Ihre E-Mail-Adresse</a>: Das ist keine E-Mail-Adresse"
        ),
        "{body}"
    );
    assert!(
        body.contains(r#"value="ada@localhost" autocomplete="email" aria-invalid="true" aria-describedby="email-error" autofocus><span class="field-error" id="email-error">Das ist keine"#),
        "{body}"
    );
    assert!(
        body.contains(r#"value="Adlermöbel &lt;KG&gt;" autocomplete="organization">"#),
        "what was typed is kept, as text: {body}"
    );
    assert_eq!(
        body.matches("aria-invalid").count(),
        1,
        "only the refused field"
    );
    assert!(
        admin
            .get("/admin")
            .await
            .body
            .contains("action=\"/admin/register\""),
        "nothing registered"
    );

    let fixed = [typed[0], typed[1], typed[2], ("email", "ada@adler.example")];
    let registered = admin.post("/admin/register", &fixed, Some(&base)).await;
    assert_eq!(registered.status, 303, "{}", registered.body);
    assert!(
        admin
            .get("/admin?done=registered")
            .await
            .body
            .contains("Ihre Organisation ist registriert")
    );

    // The contact form on the dashboard: a name too long, the new address kept.
    let long = "A".repeat(201);
    let contact = [
        ("csrf", csrf.as_str()),
        ("name", long.as_str()),
        ("email", "ada.neu@adler.example"),
    ];
    let refused = admin.post("/admin/contact", &contact, Some(&base)).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let body = &refused.body;
    assert!(
        body.contains("<a href=\"#name\">Ihr Name</a>: Höchstens 200 Zeichen; hier sind es 201."),
        "{body}"
    );
    assert!(body.contains(&format!(
        r#"value="{long}" autocomplete="name" aria-invalid="true""#
    )));
    assert!(
        body.contains(r#"value="ada.neu@adler.example" autocomplete="email">"#),
        "{body}"
    );
    let stored = admin.get("/admin").await.body;
    assert!(
        stored.contains("ada@adler.example") && !stored.contains("ada.neu@"),
        "not saved"
    );

    // English picked again: the next form's answer is in English.
    assert!(
        admin
            .get("/admin?lang=en")
            .await
            .body
            .contains("<html lang=\"en\">")
    );
    let empty = [
        ("csrf", csrf.as_str()),
        ("name", " "),
        ("email", "ada@adler.example"),
    ];
    let refused = admin.post("/admin/contact", &empty, Some(&base)).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("Nothing was saved. <a href=\"#name\">Your name</a>: Please fill this in."),
        "{}",
        refused.body
    );

    // A sign-in answer that cannot be redeemed: a sentence in the language picked, then
    // the technical detail for whoever runs the service.
    let mut other = Browser::new(&base);
    other.get("/admin?lang=de").await;
    let authorize = other.get("/admin/sign-in").await.location.unwrap();
    let state = query_param(&authorize, "state");
    let answer = other
        .get(&format!("/admin/callback?code=forged&state={state}"))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body.contains(
            "Die Antwort von Microsoft auf die Anmeldung war nicht verwendbar. Bitte melden Sie sich erneut an. (the sign-in service"
        ),
        "{}",
        answer.body
    );
    assert!(!other.cookies.contains_key("kontakt_admin"), "no session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_links_by_itself_and_an_ended_subscription_stops_it() {
    use kontakt_server::operator::{Operation, run};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let demo_dir = tempfile::tempdir().unwrap();
    let mut file = ConfigFile::demo_cloud(demo_dir.path().to_owned());
    file.server.listen = "127.0.0.1:0".parse().unwrap();
    let cloud_settings = Settings::resolve(file.clone(), Role::Cloud).unwrap();
    let cloud = kontakt_server::start(cloud_settings.clone()).await.unwrap();
    let base = format!("http://{}", cloud.addr);
    let mut demo_directory = ConfigFile::demo_directory(&base, 200, 3);
    // Counters travel with the pings: ping often.
    demo_directory.link.as_mut().unwrap().ping = Duration::from_secs(1);
    let directory = kontakt_server::start_directory(
        Settings::resolve(demo_directory, Role::Directory).unwrap(),
    )
    .await
    .unwrap();
    eventually("the demo directory links", Duration::from_secs(15), || {
        linked(&base, TENANT_ID)
    })
    .await;
    let token = demo_token(&base).await;
    let (tab, _) = SealedTab::signed_in(&base, &token, TENANT_ID).await;
    assert!(!tab.search("a").await.is_empty());

    // The directory's anonymous counters reach the registry (reported with its pings,
    // written once a minute; here at once).
    let today = kontakt_server::registry::day_of(kontakt_server::tenants::now_secs());
    let month = today[..7].to_owned();
    eventually("the usage is counted", Duration::from_secs(10), || {
        let (state, settings, month) = (cloud.state.clone(), cloud_settings.clone(), month.clone());
        async move {
            state.telemetry.flush().await;
            let csv = run(&settings, Operation::Usage(month)).await.unwrap();
            // tenant, organisation, days, searches ≥ 1, lookups 0, peak users 1.
            csv.lines().nth(1).is_some_and(|row| {
                let fields: Vec<&str> = row.split(',').collect();
                fields[0] == TENANT_ID && fields[3] != "0" && fields[5] == "1"
            })
        }
    })
    .await;

    let list = run(&cloud_settings, Operation::List).await.unwrap();
    assert!(
        list.contains(TENANT_ID) && list.contains("active"),
        "{list}"
    );
    // The same from the command line, on the demo's registry.
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_kontakt"))
        .args(["cloud", "tenants", "list", "--demo", "--demo-dir"])
        .arg(demo_dir.path())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert!(
        printed.contains(TENANT_ID) && printed.ends_with("1 organisation\n"),
        "{printed}"
    );
    let show = run(&cloud_settings, Operation::Show(TENANT_ID.into()))
        .await
        .unwrap();
    assert!(
        show.contains("\"organisation\"") && show.contains("dir_demo"),
        "{show}"
    );

    let ended = run(
        &cloud_settings,
        Operation::EndSubscription(TENANT_ID.into(), None),
    )
    .await
    .unwrap();
    assert!(ended.contains("is deleted on"), "{ended}");
    let stopped = tokio::time::timeout(Duration::from_secs(15), directory.link)
        .await
        .expect("the directory is told within seconds")
        .unwrap();
    assert!(stopped.contains("subscription has ended"), "{stopped}");
    match tab
        .ask(kontakt_api::Op::Search {
            q: "a".into(),
            limit: 5,
        })
        .await
    {
        Outcome::Problem(403, body) => assert_eq!(body["code"], "subscription_ended", "{body}"),
        other => panic!("after the end: {other:?}"),
    }

    // 55 days later it is all still there; 56 days later it is gone.
    let day = |n: i64| {
        kontakt_server::registry::day_of(
            kontakt_server::registry::parse_date(&today).unwrap() + n * 86_400,
        )
    };
    let purge55 = run(&cloud_settings, Operation::Purge(Some(day(55))))
        .await
        .unwrap();
    assert!(purge55.contains("0 organisations deleted"), "{purge55}");
    let purge57 = run(&cloud_settings, Operation::Purge(Some(day(57))))
        .await
        .unwrap();
    assert!(purge57.contains("1 organisation deleted"), "{purge57}");
    let list = run(&cloud_settings, Operation::List).await.unwrap();
    assert!(list.ends_with("0 organisations\n"), "{list}");
    let usage = run(&cloud_settings, Operation::Usage(month)).await.unwrap();
    assert_eq!(usage.lines().count(), 1, "deleted with the rest: {usage}");
    assert!(
        run(&cloud_settings, Operation::Usage("12/2026".into()))
            .await
            .is_err()
    );
}

/// Enrollment codes resist guessing: attempts are limited across the cloud.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_enrollment_codes_is_rate_limited() {
    let data = tempfile::tempdir().unwrap();
    let cloud = kontakt_server::start(cloud_settings(data.path()))
        .await
        .unwrap();
    let base = format!("http://{}", cloud.addr);
    let key = kontakt_seal::SecretKey::generate(&mut |b| rand::fill(b))
        .public()
        .to_text();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..30 {
        let response = http
            .post(format!("{base}/api/v1/enroll"))
            .json(&serde_json::json!({
                "code": format!("GUESS-{i:05}-AAAAA-AAAAA"),
                "tenant": TENANT_ID,
                "public_key": key,
                "name": "guess",
            }))
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..20].iter().all(|&s| s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|&s| s == 429), "{statuses:?}");
}
