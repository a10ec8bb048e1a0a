//! The LDAP source against a real OpenLDAP `slapd` (Debian package `slapd`), started on
//! loopback with a throw-away database: Active Directory's attributes, paged results past
//! the server's size limit, bad entries, and a wrong password.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use kontakt_api::{Contact, PhoneKind, SourceRef};
use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::demo;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::Source;

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";
const SUFFIX: &str = "dc=example,dc=org";
const PEOPLE: usize = 120;
/// The server hands out at most this many entries per search (or page).
const SIZE_LIMIT: usize = 50;
const PASSWORD_VAR: &str = "KONTAKT_TEST_LDAP_PASSWORD";
const READER: &str = "cn=reader,dc=example,dc=org";

/// Active Directory attributes OpenLDAP does not know, with AD's own OIDs.
const AD_SCHEMA: &str = "\
attributetype ( 1.2.840.113556.1.2.146 NAME 'company' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.2.141 NAME 'department' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.656 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.2.840.113556.1.4.2 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'kontaktTestADUser' SUP top AUXILIARY MAY ( company $ department $ userPrincipalName $ objectGUID ) )
";

struct Slapd {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn guid(i: usize) -> [u8; 16] {
    let mut g = [0u8; 16];
    g[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
    g[8..].copy_from_slice(&0x4b6f_6e74_616b_7400u64.to_be_bytes());
    g
}

/// An LDIF line, base64 when the value is not plain ASCII (umlauts, binary).
fn attr(name: &str, value: &[u8]) -> String {
    let safe = value.iter().all(|&b| (0x20..0x7f).contains(&b))
        && !value.starts_with(b" ")
        && !value.starts_with(b":");
    if safe {
        format!("{name}: {}\n", String::from_utf8_lossy(value))
    } else {
        format!(
            "{name}:: {}\n",
            base64::engine::general_purpose::STANDARD.encode(value)
        )
    }
}

fn ldif(people: &[Contact]) -> String {
    let mut out = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n"
    );
    out.push_str(&format!(
        "dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n"
    ));
    // The service account Kontakt binds as; unlike the root DN it is subject to limits.
    out.push_str(&format!(
        "dn: {READER}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: s3cret\n\n"
    ));
    for (i, c) in people.iter().enumerate() {
        out.push_str(&format!("dn: uid=u{i},ou=people,{SUFFIX}\n"));
        out.push_str("objectClass: inetOrgPerson\nobjectClass: kontaktTestADUser\n");
        out.push_str(&format!("uid: u{i}\n"));
        out.push_str(&attr("cn", c.display_name.as_bytes()));
        out.push_str(&attr("displayName", c.display_name.as_bytes()));
        out.push_str(&attr(
            "givenName",
            c.given_name.as_deref().unwrap_or("").as_bytes(),
        ));
        out.push_str(&attr("sn", c.surname.as_deref().unwrap_or("").as_bytes()));
        for (name, value) in [
            ("company", &c.company),
            ("department", &c.department),
            ("title", &c.job_title),
        ] {
            if let Some(v) = value {
                out.push_str(&attr(name, v.as_bytes()));
            }
        }
        if let Some(city) = c.city() {
            out.push_str(&attr("l", city.as_bytes()));
        }
        for e in &c.emails {
            out.push_str(&attr("mail", e.as_bytes()));
        }
        for p in &c.phones {
            let name = match p.kind {
                PhoneKind::Mobile => "mobile",
                PhoneKind::Home => "homePhone",
                PhoneKind::Fax => "facsimileTelephoneNumber",
                _ => "telephoneNumber",
            };
            out.push_str(&attr(name, p.raw.as_bytes()));
        }
        if let Some(upn) = &c.upn {
            out.push_str(&attr("userPrincipalName", upn.as_bytes()));
        }
        out.push_str(&attr("objectGUID", &guid(i)));
        out.push('\n');
    }
    // A role account: no display name, no given name, no surname, no company.
    out.push_str(&format!(
        "dn: cn=Printer Room 3,ou=people,{SUFFIX}\nobjectClass: organizationalRole\nobjectClass: kontaktTestADUser\ncn: Printer Room 3\n"
    ));
    out.push_str(&attr("objectGUID", &guid(999)));
    out
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(people: &[Contact]) -> Slapd {
    assert!(
        Path::new(SLAPD).exists(),
        "this test needs OpenLDAP's slapd: apt-get install slapd ldap-utils (./test installs it)"
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("db")).unwrap();
    std::fs::write(d.join("ad.schema"), AD_SCHEMA).unwrap();
    let conf = format!(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\ninclude /etc/ldap/schema/inetorgperson.schema\ninclude {schema}\n\
         modulepath /usr/lib/ldap\nmoduleload back_mdb\npidfile {pid}\n\
         sizelimit size.soft={SIZE_LIMIT} size.hard={SIZE_LIMIT} size.pr={SIZE_LIMIT} size.prtotal=unlimited\n\
         database mdb\nmaxsize 104857600\nsuffix \"{SUFFIX}\"\nrootdn \"cn=admin,{SUFFIX}\"\nrootpw s3cret\ndirectory {db}\n",
        schema = d.join("ad.schema").display(),
        pid = d.join("slapd.pid").display(),
        db = d.join("db").display(),
    );
    std::fs::write(d.join("slapd.conf"), conf).unwrap();
    std::fs::File::create(d.join("data.ldif"))
        .unwrap()
        .write_all(ldif(people).as_bytes())
        .unwrap();
    let add = Command::new(SLAPADD)
        .args([
            "-f",
            &d.join("slapd.conf").display().to_string(),
            "-l",
            &d.join("data.ldif").display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "slapadd: {}",
        String::from_utf8_lossy(&add.stderr)
    );
    let port = free_port();
    let url = format!("ldap://127.0.0.1:{port}");
    let child = Command::new(SLAPD)
        .args([
            "-f",
            &d.join("slapd.conf").display().to_string(),
            "-h",
            &format!("{url}/"),
            "-d",
            "0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "slapd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Slapd {
        child,
        url,
        _dir: dir,
    }
}

fn source(url: &str, password_var: &str) -> Source {
    source_with_timeout(url, password_var, "10s")
}

fn source_with_timeout(url: &str, password_var: &str, timeout: &str) -> Source {
    toml::from_str(&format!(
        r#"type = "ldap"
           id = "ad"
           name = "Active Directory"
           url = "{url}"
           bind_dn = "{READER}"
           password_env = "{password_var}"
           base_dn = "ou=people,{SUFFIX}"
           filter = "(|(objectClass=person)(objectClass=organizationalRole))"
           preset = "active_directory"
           page_size = 20
           timeout = "{timeout}""#
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs OpenLDAP's slapd (apt-get install slapd); ./test installs it and runs this"]
async fn reads_active_directory_attributes_from_a_real_slapd_page_by_page() {
    // SAFETY: this test binary runs this one test; no other thread reads the environment.
    unsafe { std::env::set_var(PASSWORD_VAR, "s3cret") };
    let people = demo::generate(PEOPLE, 7);
    let slapd = start(&people);

    // The size limit is real: a search without paging is cut off.
    let (conn, mut ldap) = ldap3::LdapConnAsync::new(&slapd.url).await.unwrap();
    ldap3::drive!(conn);
    ldap.simple_bind(READER, "s3cret")
        .await
        .unwrap()
        .success()
        .unwrap();
    let plain = ldap
        .search(
            &format!("ou=people,{SUFFIX}"),
            ldap3::Scope::Subtree,
            "(objectClass=*)",
            vec!["cn"],
        )
        .await
        .unwrap();
    assert_eq!(plain.1.rc, 4, "sizeLimitExceeded without paging");

    let mut contacts = Vec::new();
    let report = source(&slapd.url, PASSWORD_VAR)
        .load(&mut |c: Contact| {
            contacts.push(c);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(
        contacts.len(),
        PEOPLE,
        "paging brings every entry, not just {SIZE_LIMIT}: {:?}",
        report.problems
    );
    assert_eq!(report.contacts, PEOPLE);
    assert_eq!(report.skipped, 1);
    let problem = &report.problems[0];
    assert!(
        problem.location.starts_with("entry ") && problem.reason.contains("no name"),
        "{problem:?}"
    );
    assert!(
        !problem.location.contains("Printer"),
        "no names in problem reports: {problem:?}"
    );

    // objectGUID is the id, formatted the way AD tools show it.
    let id_of = |i: usize| format!("ad:{:08x}-0000-0000-4b6f-6e74616b7400", i + 1);
    for (i, original) in people.iter().enumerate() {
        let c = contacts
            .iter()
            .find(|c| c.id == id_of(i))
            .unwrap_or_else(|| panic!("no {}", id_of(i)));
        assert_eq!(c.display_name, original.display_name);
        assert_eq!(
            c.source,
            SourceRef {
                id: "ad".into(),
                name: "Active Directory".into()
            }
        );
        assert_eq!(c.given_name, original.given_name);
        assert_eq!(c.surname, original.surname);
        assert_eq!(c.company, original.company);
        assert_eq!(c.department, original.department);
        assert_eq!(c.job_title, original.job_title);
        assert_eq!(c.emails, original.emails);
        assert_eq!(c.upn, original.upn);
        assert_eq!(c.city(), original.city());
        let mut got: Vec<(PhoneKind, &str)> =
            c.phones.iter().map(|p| (p.kind, p.raw.as_str())).collect();
        let mut want: Vec<(PhoneKind, &str)> = original
            .phones
            .iter()
            .map(|p| {
                (
                    if p.kind == PhoneKind::Other {
                        PhoneKind::Business
                    } else {
                        p.kind
                    },
                    p.raw.as_str(),
                )
            })
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{}", c.display_name);
    }
    // End to end: the LDAP source as a tenant's source, searchable after a refresh.
    let data = tempfile::tempdir().unwrap();
    let tenant = TenantDirectory::open(
        "t",
        "tenant",
        demo::dialing(),
        vec![source(&slapd.url, PASSWORD_VAR)],
        SnapshotStore::new(data.path()),
    )
    .unwrap();
    tenant.refresh(0).await.unwrap();
    let wanted = &people[3];
    let hits = tenant.directory().search(&wanted.display_name, 5).hits;
    assert!(
        hits.iter()
            .any(|h| h.contact.display_name == wanted.display_name)
    );

    // A wrong password is a clear error, and the snapshot stays.
    // SAFETY: as above.
    unsafe { std::env::set_var(PASSWORD_VAR, "wrong") };
    let err = tenant.refresh(0).await.unwrap_err().to_string();
    assert!(
        err.contains("bind as cn=reader") && err.contains("failed"),
        "{err}"
    );
    assert_eq!(tenant.directory().len(), PEOPLE);

    // SAFETY: as above.
    unsafe { std::env::set_var(PASSWORD_VAR, "s3cret") };

    // Issue 20: the server stops answering in the middle of a page, or the connection dies
    // there. Between the source and slapd sits a proxy that can do either to the answers.
    let proxy = Proxy::start(&slapd.url);
    let data = tempfile::tempdir().unwrap();
    let through = TenantDirectory::open(
        "t",
        "tenant",
        demo::dialing(),
        vec![source_with_timeout(&proxy.url, PASSWORD_VAR, "2s")],
        SnapshotStore::new(data.path()),
    )
    .unwrap();
    through.refresh(0).await.unwrap();
    assert_eq!(through.directory().len(), PEOPLE);
    // Past the bind and well into the first page (20 entries of some 300 bytes), then silence.
    proxy.set(Fault::HangAfter(3_000));
    let started = Instant::now();
    let err = through.refresh(0).await.unwrap_err().to_string();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_secs(6),
        "the configured 2 s timeout fired, after {waited:?}"
    );
    assert!(err.contains("reading results failed"), "{err}");
    assert_eq!(
        through.directory().len(),
        PEOPLE,
        "the last snapshot serves"
    );
    let status = &through.status()[0];
    assert_eq!(status.state, kontakt_api::SourceState::Failing);
    assert!(
        err.contains("no answer within 2s (timeout)")
            && status.last_error.as_deref() == Some(err.as_str()),
        "the status says why: {status:?}"
    );

    // The connection dies in the middle of the second page: an error, never a directory cut
    // short as if the server had no more entries.
    proxy.set(Fault::DieAfter(9_000));
    let err = through.refresh(0).await.unwrap_err().to_string();
    assert!(
        err.contains("reading results failed: the connection ended before the last entry"),
        "{err}"
    );
    assert_eq!(
        through.directory().len(),
        PEOPLE,
        "the last snapshot serves"
    );
    assert_eq!(through.status()[0].state, kontakt_api::SourceState::Failing);

    // The server is back: the next refresh works.
    proxy.set(Fault::None);
    through.refresh(0).await.unwrap();
    assert_eq!(through.directory().len(), PEOPLE);
    assert_eq!(through.status()[0].state, kontakt_api::SourceState::Ok);
}

/// What the proxy does to the server's answers on each new connection.
#[derive(Clone, Copy)]
enum Fault {
    None,
    /// Passes this many bytes of answers, then holds the connection open and passes nothing.
    HangAfter(usize),
    /// Passes this many bytes of answers, then closes both sides.
    DieAfter(usize),
}

/// A TCP proxy in front of slapd that can make it hang or die part-way through an answer,
/// as a server (or a firewall between) does.
struct Proxy {
    url: String,
    fault: std::sync::Arc<std::sync::Mutex<Fault>>,
}

impl Proxy {
    fn start(upstream_url: &str) -> Proxy {
        let upstream = upstream_url.trim_start_matches("ldap://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("ldap://{}", listener.local_addr().unwrap());
        let fault = std::sync::Arc::new(std::sync::Mutex::new(Fault::None));
        let chosen = fault.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let server = std::net::TcpStream::connect(&upstream).unwrap();
                let fault = *chosen.lock().unwrap();
                let (mut c_read, mut s_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_read, &mut s_write);
                });
                std::thread::spawn(move || answers(server, client, fault));
            }
        });
        Proxy { url, fault }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }
}

/// Copies the server's answers to the client until the fault strikes.
fn answers(mut server: std::net::TcpStream, mut client: std::net::TcpStream, fault: Fault) {
    use std::io::Read;
    let limit = match fault {
        Fault::None => usize::MAX,
        Fault::HangAfter(n) | Fault::DieAfter(n) => n,
    };
    let mut passed = 0;
    let mut buf = [0u8; 4096];
    while passed < limit {
        let n = match server.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n.min(limit - passed),
        };
        if client.write_all(&buf[..n]).is_err() {
            return;
        }
        passed += n;
    }
    match fault {
        Fault::DieAfter(_) => {
            let _ = client.shutdown(std::net::Shutdown::Both);
            let _ = server.shutdown(std::net::Shutdown::Both);
        }
        // Silence: keep both open until the client gives up and closes its side.
        _ => {
            let _ = client.read(&mut buf);
        }
    }
}
