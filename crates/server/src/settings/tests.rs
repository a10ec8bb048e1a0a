//! The configuration as an admin writes it: checked problem by problem, then resolved.

use std::path::Path;

use super::*;
use kontakt_directory::sources::SourceKind;

const GOOD: &str = r#"
    [server]
    public_url = "https://contacts.example.com"
    data_dir = "/tmp/kontakt-test"

    [auth]
    client_id = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"

    [operator]
    name = "Contoso GmbH"
    address = "Musterstraße 1, 80331 München"
    privacy_contact = "privacy@contoso.example"

    [[tenants]]
    id = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34"
    name = "Contoso"
    dialing = { country = "DE", area_code = "89", main_number = "+49 89 452000" }

    [[tenants.sources]]
    type = "ldap"
    id = "ad"
    name = "Active Directory"
    url = "ldaps://dc1.contoso.local"
    base_dn = "dc=contoso,dc=local"
"#;

fn problems(text: &str) -> Vec<String> {
    let file = ConfigFile::parse(text).unwrap();
    file.problems(Role::Serve)
        .into_vec()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_good_configuration_has_no_problems_and_derives_the_audiences() {
    assert_eq!(problems(GOOD), Vec::<String>::new());
    let settings = Settings::resolve(ConfigFile::parse(GOOD).unwrap(), Role::Serve).unwrap();
    let SignIn::Issuer(entra) = &settings.sign_in else {
        panic!("signs in with Entra");
    };
    assert_eq!(
        entra.audiences,
        [
            "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f",
            "api://contacts.example.com/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"
        ]
    );
}

#[test]
fn every_problem_is_reported_with_its_key_path() {
    let bad = r#"
        [server]
        public_url = "http://contacts.example.com/tab"
        [auth]
        client_id = "not-a-guid"
        application_id_uri = "https://x"
        [demo]
        enabled = true
        [[tenants]]
        id = "contoso"
        name = ""
        dialing = { country = "Germany" }
        [[tenants.sources]]
        type = "demo"
        id = "Demo Source"
        name = "Demo"
        [[tenants.sources]]
        type = "csv"
        id = "crm"
        name = "CRM"
        path = "/nonexistent/crm.csv"
    "#;
    let found = problems(bad);
    let expected = [
        "error: operator: required in production mode: the privacy statement at /privacy must name who runs this service",
        "error: demo.enabled: demo sign-in cannot be switched on in production mode",
        "error: server.public_url: \"http://contacts.example.com/tab\" must be an https:// URL",
        "error: auth.client_id: \"not-a-guid\" is not a GUID",
        "error: auth.application_id_uri: \"https://x\" must start with api://",
        "error: tenants[0].id: \"contoso\" is not a GUID",
        "error: tenants[0].name: must not be empty",
        "error: tenants[0].dialing: unknown country code \"Germany\"",
        "error: tenants[0].sources[0].id: \"Demo Source\": use 1 to 40 lowercase letters",
        "error: tenants[0].sources[0].type: demo sources are for development mode only",
        "warning: tenants[0].sources[1].path: /nonexistent/crm.csv does not exist here",
    ];
    for e in expected {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

#[test]
fn the_application_id_uri_must_be_on_the_tabs_host() {
    let uri = "api://kontakt.other.example/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f";
    let text = GOOD.replace(
        "client_id = \"5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f\"",
        &format!(
            "client_id = \"5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f\"\napplication_id_uri = {uri:?}"
        ),
    );
    assert_ne!(text, GOOD);
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("error: auth.application_id_uri: ")
            && found[0].contains("names the host \"kontakt.other.example\", but server.public_url is on \"contacts.example.com\""),
        "{found:#?}"
    );
}

#[test]
fn structure_errors_name_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontakt.toml");
    std::fs::write(&path, GOOD.replace("base_dn", "basedn")).unwrap();
    let err = ConfigFile::read(&path).unwrap_err().to_string();
    assert!(err.contains("basedn") && err.contains("line"), "{err}");
}

#[test]
fn international_host_names_must_be_written_in_ascii() {
    let text = GOOD
        .replace("ldaps://dc1.contoso.local", "ldaps://dc1.müller.example")
        .replace(
            "https://contacts.example.com",
            "https://kontakte.müller.example",
        );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("error: server.public_url:") && found[0].contains("xn--"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("error: tenants[0].sources[0].url:")
            && found[1].contains("ASCII form"),
        "{found:?}"
    );
}

#[test]
fn relative_paths_are_relative_to_the_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontakt.toml");
    let text = GOOD.replace(
        "data_dir = \"/tmp/kontakt-test\"",
        "data_dir = \"state\"\ntab_dir = \"/srv/tab\"",
    ) + "\n[[tenants.sources]]\ntype = \"csv\"\nid = \"people\"\nname = \"People\"\npath = \"exports/people.csv\"\n";
    std::fs::write(&path, text).unwrap();
    let file = ConfigFile::read(&path).unwrap();
    assert_eq!(file.server.data_dir, dir.path().join("state"));
    assert_eq!(file.server.tab_dir.as_deref(), Some(Path::new("/srv/tab")));
    let SourceKind::Csv(csv) = &file.tenants[0].sources.last().unwrap().kind else {
        panic!("the CSV source comes last");
    };
    assert_eq!(csv.path, dir.path().join("exports/people.csv"));
}

#[test]
fn resolving_decides_every_derived_value_once() {
    let settings = Settings::resolve(ConfigFile::parse(GOOD).unwrap(), Role::Serve).unwrap();
    assert!(settings.production && settings.hsts);
    assert_eq!(
        settings.cache_secret,
        CacheSecret::File("/tmp/kontakt-test/cache-secret".into())
    );
    let tenant = &settings.tenants[0];
    assert_eq!(tenant.id, "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34");
    assert_eq!(tenant.label.len(), 12);
    assert!(!tenant.label.contains(&tenant.id[..8]));
    assert_eq!(
        settings.consent.unwrap().application_id_uri.as_deref(),
        Some("api://contacts.example.com/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f")
    );

    let demo = Settings::resolve(ConfigFile::demo(10, 1), Role::Serve).unwrap();
    assert!(demo.demo_enabled() && !demo.production && !demo.hsts);
    assert!(demo.scratch.is_some() && demo.data_dir.is_dir());
    assert!(matches!(demo.cache_secret, CacheSecret::Public(_)));
    assert!(demo.consent.is_none());
}

#[test]
fn an_invalid_configuration_is_refused_with_every_error() {
    let err = Settings::resolve(
        ConfigFile::parse("[demo]\nenabled = true").unwrap(),
        Role::Serve,
    )
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("the configuration has 4 errors"), "{err}");
    assert!(
        err.contains("error: demo.enabled:")
            && err.contains("error: tenants:")
            && err.contains("error: operator:"),
        "{err}"
    );
}

#[test]
fn public_url_and_package_host_follow_one_rule() {
    let with_port = GOOD.replace(
        "https://contacts.example.com\"",
        "https://contacts.example.com:8443\"",
    );
    let found = problems(&with_port);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("error: server.public_url:") && p.contains("has a port")),
        "{found:?}"
    );
    // In development mode a trial may use a port; a real host name with one is said to
    // be unfit for Teams (issue 19: check-config was silent, `kontakt package` refused).
    let development = with_port.replace("[server]", "[server]\nmode = \"development\"");
    let found = problems(&development);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("warning: server.public_url:")
                && p.contains("has a port")
                && p.contains("kontakt package --host contacts.example.com")),
        "{found:?}"
    );
    let trial = development.replace("https://contacts.example.com:8443", "http://127.0.0.1:8080");
    assert!(
        !problems(&trial).iter().any(|p| p.contains("public_url")),
        "a trial on loopback is no news"
    );
}

const CLOUD: &str = r#"
    [server]
    public_url = "https://contacts.example.com"
    data_dir = "/tmp/kontakt-test"

    [auth]
    client_id = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"

    [operator]
    name = "Contoso GmbH"
    address = "Musterstraße 1, 80331 München"
    privacy_contact = "https://contoso.example/privacy"

    [[tenants]]
    id = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34"
    name = "Contoso"
    directory_credentials = ["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
"#;

const DIRECTORY: &str = r#"
    [server]
    data_dir = "/tmp/kontakt-test"

    [auth]
    client_id = "5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"
    application_id_uri = "api://contacts.example.com/5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f"

    [link]
    cloud = "https://contacts.example.com"
    credential_env = "KONTAKT_TEST_CREDENTIAL_THAT_IS_SET"

    [[tenants]]
    id = "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34"
    name = "Contoso"
    dialing = { country = "DE", area_code = "89" }

    [[tenants.sources]]
    type = "csv"
    id = "crm"
    name = "CRM"
    path = "/srv/crm.csv"
"#;

fn problems_as(role: Role, text: &str) -> Vec<String> {
    ConfigFile::parse(text)
        .unwrap()
        .problems(role)
        .into_vec()
        .iter()
        .filter(|p| !p.warning)
        .map(|p| format!("{}: {}", p.key, p.message))
        .collect()
}

#[test]
fn each_role_reads_its_own_configuration_and_names_what_belongs_elsewhere() {
    // SAFETY: set before any thread of this test reads it; no other test uses the name.
    unsafe { std::env::set_var("KONTAKT_TEST_CREDENTIAL_THAT_IS_SET", "secret") };
    assert_eq!(problems_as(Role::Cloud, CLOUD), Vec::<String>::new());
    assert_eq!(
        problems_as(Role::Directory, DIRECTORY),
        Vec::<String>::new()
    );
    assert_eq!(ConfigFile::parse(CLOUD).unwrap().role(), Role::Cloud);
    assert_eq!(
        ConfigFile::parse(DIRECTORY).unwrap().role(),
        Role::Directory
    );
    assert_eq!(ConfigFile::parse(GOOD).unwrap().role(), Role::Serve);
    let directory =
        Settings::resolve(ConfigFile::parse(DIRECTORY).unwrap(), Role::Directory).unwrap();
    let link = directory.link.unwrap();
    assert_eq!(link.cloud, "https://contacts.example.com");
    assert_eq!(link.credential.as_deref(), Some("secret"));
    assert!(
        !format!("{link:?}").contains("secret"),
        "the credential is not printed"
    );

    // The cloud reads no sources; its tenants need a credential, never the demo's.
    let cloud_with_sources = format!("{CLOUD}\n    dialing = {{ country = \"DE\" }}\n");
    assert!(problems_as(Role::Cloud, &cloud_with_sources)[0].starts_with("tenants[0].sources:"));
    let demo_line = crate::link::credential_line(crate::link::DEMO_CREDENTIAL);
    let cloud_with_demo = CLOUD.replace(
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        &demo_line,
    );
    assert_eq!(
        problems_as(Role::Cloud, &cloud_with_demo),
        [
            "tenants[0].directory_credentials[0]: is the demo credential, which is public: make one with `kontakt directory new-credential`"
        ]
    );
    let cloud_with_secret = CLOUD.replace(
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "the-credential-itself",
    );
    assert!(
        problems_as(Role::Cloud, &cloud_with_secret)[0].contains("never the credential itself")
    );
    let cloud_without = CLOUD.replace(
        "directory_credentials = [\"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"]",
        "",
    );
    assert!(
        problems_as(Role::Cloud, &cloud_without)[0]
            .starts_with("tenants[0].directory_credentials: no credential")
    );

    // A directory links over https to one organisation's cloud, with a credential.
    assert!(problems_as(Role::Directory, GOOD)[0].starts_with("link: missing"));
    let plain = DIRECTORY.replace(
        "https://contacts.example.com",
        "http://contacts.example.com",
    );
    assert!(problems_as(Role::Directory, &plain)[0].contains("must be an https:// address"));
    let two = format!(
        "{DIRECTORY}\n[[tenants]]\nid = \"b3b4c5d6-0000-4000-8000-000000000001\"\nname = \"Other\"\ndialing = {{ country = \"DE\" }}\n[[tenants.sources]]\ntype = \"csv\"\nid = \"x\"\nname = \"X\"\npath = \"/x.csv\"\n"
    );
    assert!(
        problems_as(Role::Directory, &two)
            .iter()
            .any(|p| p.starts_with("tenants: a directory serves one organisation"))
    );
    let no_credential = DIRECTORY.replace(
        "credential_env = \"KONTAKT_TEST_CREDENTIAL_THAT_IS_SET\"",
        "",
    );
    // Without one, the credential `kontakt directory enroll` writes into the data folder.
    assert_eq!(
        problems_as(Role::Directory, &no_credential),
        Vec::<String>::new()
    );
    // And [link] means nothing to the other roles.
    assert!(
        problems_as(Role::Serve, DIRECTORY)
            .iter()
            .any(|p| p.starts_with("link: only a directory links"))
    );
}

#[test]
fn a_cluster_names_its_nats_and_never_echoes_the_address() {
    let with = |nats: &str| format!("{CLOUD}\n[cluster]\nnats = \"{nats}\"\n");
    assert_eq!(
        problems_as(
            Role::Cloud,
            &with("nats://10.0.0.5:4222, nats://10.0.0.6:4222")
        ),
        Vec::<String>::new()
    );
    let wrong = problems_as(Role::Cloud, &with("redis://user:Geheim-7@10.0.0.5"));
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(
        wrong[0].starts_with("cluster.nats: must be nats://"),
        "{wrong:?}"
    );
    assert!(!wrong[0].contains("Geheim"), "{wrong:?}");
    let resolved = Settings::resolve(
        ConfigFile::parse(&with("nats://10.0.0.5:4222")).unwrap(),
        Role::Cloud,
    )
    .unwrap();
    assert_eq!(resolved.cluster.unwrap().nats, "nats://10.0.0.5:4222");
}

/// Issue 19: the privacy statement must be able to name the data controller; production
/// requires it of whatever serves `/privacy`.
#[test]
fn production_requires_an_operator_with_a_way_to_reach_them() {
    let without = GOOD
        .replace("[operator]", "[x]")
        .replace("\n    name = \"Contoso GmbH\"", "");
    let without: String = without
        .lines()
        .filter(|l| {
            !l.contains("[x]") && !l.contains("address =") && !l.contains("privacy_contact =")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let found = problems(&without);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("error: operator: required in production mode: the privacy statement at /privacy must name who runs this service"),
        "{found:?}"
    );
    assert_eq!(
        problems(&without.replace("[server]", "[server]\nmode = \"development\"")),
        Vec::<String>::new(),
        "not required for a trial"
    );
    let vague = GOOD.replace("privacy@contoso.example", "call Eva");
    assert_eq!(
        problems(&vague),
        [
            "error: operator.privacy_contact: an e-mail address (datenschutz@example.com) or an https:// page where people can ask about their data"
        ]
    );
    assert_eq!(
        problems(&GOOD.replace("privacy@contoso.example", "https://contoso.example/privacy")),
        Vec::<String>::new()
    );
}

/// Issue 19: a `columns` entry naming a column the file does not have is found by
/// `check-config` (not only by the first refresh), at the source it belongs to.
#[test]
fn a_mapped_column_the_file_lacks_is_reported_at_its_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("crm.csv"),
        b"Vorname;Nachname;Telefon gesch\xe4ftlich\r\nJ\xfcrgen;M\xfcller;+49 89 1\r\n",
    )
    .unwrap();
    let text = format!(
        "{GOOD}\n    [[tenants.sources]]\n    type = \"csv\"\n    id = \"crm\"\n    name = \"CRM\"\n    path = {:?}\n    columns = {{ given_name = \"Vorname\", surname = \"Nachname\", company = \"Firma\" }}\n",
        dir.path().join("crm.csv").display().to_string()
    );
    let file = ConfigFile::parse(&text).unwrap();
    let found: Vec<String> = file
        .content_problems()
        .into_vec()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("error: tenants[0].sources[1].columns: ")
            && found[0].contains("columns.company names \"Firma\" but there is no such column (there are: Vorname, Nachname, Telefon geschäftlich)"),
        "{found:?}"
    );
    let fixed = text.replace("\"Firma\"", "\"Telefon geschäftlich\"");
    assert!(
        ConfigFile::parse(&fixed)
            .unwrap()
            .content_problems()
            .into_vec()
            .is_empty()
    );
}
