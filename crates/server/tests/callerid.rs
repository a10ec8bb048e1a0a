//! Caller ID through a real socket: `[callerid]` from a configuration, its own listener
//! beside the service's, the demo directory's numbers found in every shape; and what
//! `check-config` says about a wrong `[callerid]`.

use kontakt_api::PhoneKind;
use kontakt_server::settings::{ConfigFile, Role, Settings};

const CALLERID: &str = r#"
[callerid]
listen = "127.0.0.1:0"
ldap_listen = "127.0.0.1:0"
allow = ["127.0.0.1", "::1"]

[[callerid.clients]]
user = "sbc-muenchen"
password_file = "PASSWORD_FILE"
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_listener_answers_with_the_directory() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("sbc-password");
    std::fs::write(&password, "Tr0ub4dor&3\n").unwrap();
    let section: ConfigFile =
        toml::from_str(&CALLERID.replace("PASSWORD_FILE", &password.display().to_string()))
            .unwrap();
    let mut file = ConfigFile::demo(300, 42);
    file.server.listen = "127.0.0.1:0".parse().unwrap();
    file.callerid = section.callerid;
    let settings = Settings::resolve(file, Role::Serve).unwrap();
    let running = kontakt_server::start(settings).await.unwrap();
    let callerid = running.callerid.rest.expect("caller ID listens");
    assert_ne!(callerid, running.addr);

    // A demo contact with a mobile number only they have.
    let contacts = kontakt_directory::demo::generate(300, 42);
    let (person, mobile) = contacts
        .iter()
        .find_map(|c| {
            let mobile = c.phones.iter().find(|p| p.kind == PhoneKind::Mobile)?;
            let shared = contacts
                .iter()
                .filter(|o| o.phones.iter().any(|p| p.raw == mobile.raw))
                .count();
            (shared == 1).then_some((c, mobile.raw.clone()))
        })
        .expect("a demo contact with a mobile number");
    let client = reqwest::Client::new();
    let url = format!("http://{callerid}/callerid/v1/lookup");
    let answer: serde_json::Value = client
        .get(&url)
        .query(&[("number", &mobile)])
        .basic_auth("sbc-muenchen", Some("Tr0ub4dor&3"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        answer["display_name"],
        person.display_name.as_str(),
        "{answer}"
    );
    assert_eq!(
        answer["contact_id"],
        format!("demo:{}", person.id.trim_start_matches("demo:"))
    );

    let refused = client
        .get(&url)
        .query(&[("number", &mobile)])
        .basic_auth("sbc-muenchen", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    // The service's own port knows nothing of caller ID.
    let elsewhere = client
        .get(format!("http://{}/callerid/v1/lookup", running.addr))
        .query(&[("number", &mobile)])
        .basic_auth("sbc-muenchen", Some("Tr0ub4dor&3"))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 404);
    // /metrics counts lookups and hits, nothing about which numbers.
    let metrics = client
        .get(format!("http://{}/metrics", running.addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("kontakt_callerid_lookups_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("kontakt_callerid_hits_total 1"),
        "{metrics}"
    );

    let ldap = running.callerid.ldap.expect("LDAP listens");
    ldap_with_the_ldap3_crate(
        ldap,
        &mobile,
        &person.display_name,
        person.company.as_deref(),
    )
    .await;
    ldap_with_ldapsearch(ldap, &mobile, &person.display_name);
}

/// What the phone shows for a person: their name and company.
fn shown(name: &str, company: Option<&str>) -> String {
    match company {
        Some(c) => format!("{name} · {c}"),
        None => name.to_owned(),
    }
}

async fn ldap_with_the_ldap3_crate(
    addr: std::net::SocketAddr,
    number: &str,
    name: &str,
    company: Option<&str>,
) {
    use ldap3::{LdapConnAsync, Scope, SearchEntry};
    let url = format!("ldap://{addr}");
    let (conn, mut ldap) = LdapConnAsync::new(&url).await.unwrap();
    ldap3::drive!(conn);
    // Searching before binding is refused.
    let refused = ldap
        .search(
            "dc=kontakt",
            Scope::Subtree,
            &format!("(telephoneNumber={number})"),
            vec!["displayName"],
        )
        .await
        .unwrap();
    assert_eq!(refused.1.rc, 50, "{:?}", refused.1);
    let wrong = ldap
        .simple_bind("cn=sbc-muenchen,dc=kontakt", "wrong")
        .await
        .unwrap();
    assert_eq!(wrong.rc, 49);
    ldap.simple_bind("cn=sbc-muenchen,dc=kontakt", "Tr0ub4dor&3")
        .await
        .unwrap()
        .success()
        .unwrap();
    let e164_filter = format!("(|(telephoneNumber={number})(mobile={number}))");
    for filter in [
        format!("(mobile={number})"),
        e164_filter,
        format!("(&(objectClass=person)(telephoneNumber={number}))"),
    ] {
        let (entries, _) = ldap
            .search(
                "dc=kontakt",
                Scope::Subtree,
                &filter,
                vec!["displayName", "cn", "company"],
            )
            .await
            .unwrap()
            .success()
            .unwrap();
        assert_eq!(entries.len(), 1, "{filter}");
        let entry = SearchEntry::construct(entries.into_iter().next().unwrap());
        assert_eq!(
            entry.attrs["displayName"],
            [shown(name, company)],
            "{filter}"
        );
        assert_eq!(entry.attrs["cn"], [shown(name, company)]);
        if let Some(c) = company {
            assert_eq!(entry.attrs["company"], [c.to_owned()]);
        }
    }
    let (none, _) = ldap
        .search(
            "dc=kontakt",
            Scope::Subtree,
            "(telephoneNumber=+4930999999)",
            vec!["displayName"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    assert!(none.is_empty());
    let unwilling = ldap
        .search("dc=kontakt", Scope::Subtree, "(cn=*)", vec!["displayName"])
        .await
        .unwrap();
    assert_eq!(unwilling.1.rc, 53);
    ldap.unbind().await.unwrap();
}

/// OpenLDAP's own client, as an admin would try it.
fn ldap_with_ldapsearch(addr: std::net::SocketAddr, number: &str, name: &str) {
    let out = std::process::Command::new("ldapsearch")
        .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H"])
        .arg(format!("ldap://{addr}"))
        .args([
            "-D",
            "cn=sbc-muenchen,dc=kontakt",
            "-w",
            "Tr0ub4dor&3",
            "-b",
            "dc=kontakt",
        ])
        .arg(format!("(telephoneNumber={number})"))
        .arg("displayName")
        .output()
        .expect("ldapsearch (apt-get install ldap-utils; scripts/tools.sh does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    // Non-ASCII values come base64-encoded (`displayName:: …`).
    let value = text
        .lines()
        .find_map(|l| l.strip_prefix("displayName"))
        .expect("a displayName line");
    let shown = match value.strip_prefix(":: ") {
        Some(b64) => {
            use base64::Engine;
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
            .unwrap()
        }
        None => value.trim_start_matches(": ").to_owned(),
    };
    assert!(shown.starts_with(name), "{shown} for {name}");
}

#[test]
fn check_config_points_at_what_is_wrong_in_callerid() {
    let problems = |config: &str, role: Role| -> Vec<String> {
        let mut file: ConfigFile = toml::from_str(config).unwrap();
        file.tenants = ConfigFile::demo(10, 1).tenants;
        file.demo.enabled = false;
        file.problems(role)
            .into_vec()
            .iter()
            .filter(|p| p.key.starts_with("callerid"))
            .map(ToString::to_string)
            .collect()
    };
    let found = problems(
        r#"[callerid]
listen = "0.0.0.0:8081"
allow = ["10.1.0.0/33", "intranet"]
[[callerid.clients]]
user = "sbc:1"
password_env = "Svc-Pass-123"
[[callerid.clients]]
user = "sbc2"
tenant = "99999999-9999-9999-9999-999999999999"
"#,
        Role::Serve,
    );
    let text = found.join("\n");
    for expected in [
        "callerid.allow[0]",
        "callerid.allow[1]",
        "callerid.clients[0].user",
        "callerid.clients[0].password_env: must be the NAME",
        "callerid.clients[1].password_env: missing",
        "callerid.clients[1].tenant: names no tenant",
    ] {
        assert!(text.contains(expected), "{expected} in:\n{text}");
    }
    assert!(!text.contains("Svc-Pass-123"), "{text}");
    let on_cloud = problems("[callerid]\nlisten = \"0.0.0.0:8081\"", Role::Cloud);
    assert!(
        on_cloud[0].contains("caller ID runs where the contacts are"),
        "{on_cloud:?}"
    );
    let nowhere = problems(
        "[callerid]\n[[callerid.clients]]\nuser = \"sbc\"\npassword_env = \"SBC\"",
        Role::Directory,
    );
    assert!(
        nowhere[0].contains("callerid.listen: missing") && nowhere[0].contains("relay = true"),
        "{nowhere:?}"
    );
    let relay_only = problems(
        "[callerid]\nrelay = true\n[[callerid.clients]]\nuser = \"sbc\"\npassword_env = \"SBC\"",
        Role::Directory,
    );
    assert!(relay_only.is_empty(), "{relay_only:?}");
    let no_clients = problems("[callerid]\nlisten = \"0.0.0.0:8081\"", Role::Serve);
    assert!(
        no_clients[0].contains("callerid.clients: missing"),
        "{no_clients:?}"
    );
}
