//! The ODBC source against real databases through their real ODBC drivers (unixODBC with
//! Debian's `libsqliteodbc`, `odbc-postgresql` and `odbc-mariadb`), each server started by the
//! test itself: a few thousand people with Unicode names (composed and decomposed), NULLs, a
//! view joining two tables, and everything that goes wrong in practice.

#[allow(dead_code)]
mod common;
#[allow(dead_code)]
#[path = "common/mariadb.rs"]
mod mariadb;
#[allow(dead_code)]
#[path = "../../server/tests/common/postgres.rs"]
mod postgres;

use std::collections::HashMap;

use kontakt_api::{Contact, PhoneKind};
use kontakt_directory::sources::{LoadReport, Source, SourceError};
use odbc_api::ConnectionOptions;

const PEOPLE: usize = 3000;
const FIRMS: usize = 40;

const GIVEN: &[&str] = &[
    "Jürgen",
    "Zoë",
    "Łukasz",
    "Ángel",
    "Søren",
    "Anna-Lena",
    "Chloé",
];
/// `Wüst` decomposed (u + U+0308) as macOS writes it; the source must store it composed.
const SURNAMES: &[&str] = &[
    "Müller",
    "Weiß",
    "O'Brien",
    "Dell'Acqua",
    "Wu\u{308}st",
    "Nguyễn",
    "Σαββίδης",
    "Meier",
];

/// One generated person: `None` is NULL.
struct Person {
    mandant: u32,
    nr: String,
    given: Option<&'static str>,
    surname: Option<&'static str>,
    firm: Option<usize>,
    phone: Option<String>,
    mobile: Option<String>,
    email: Option<String>,
    house: String,
}

/// Every 500th person has no name at all (and no firm): skipped with a reason.
fn nameless(i: usize) -> bool {
    i % 500 == 499
}

fn person(i: usize) -> Person {
    let gone = nameless(i);
    Person {
        // Numbers repeat across the two clients (Mandanten): only both together are a key.
        mandant: if i < PEOPLE / 2 { 1 } else { 2 },
        nr: format!("K-{:04}", i % (PEOPLE / 2)),
        given: (!i.is_multiple_of(11) && !gone).then(|| GIVEN[i % GIVEN.len()]),
        surname: (!gone).then(|| SURNAMES[i % SURNAMES.len()]),
        firm: (!i.is_multiple_of(13) && !gone).then_some(i % FIRMS + 1),
        phone: (!i.is_multiple_of(7)).then(|| format!("089 4520{:02}-{}", i % 100, 100 + i % 900)),
        mobile: i.is_multiple_of(3).then(|| format!("0171 {:07}", i)),
        email: (!i.is_multiple_of(17)).then(|| format!("p{i}@example.de")),
        house: format!("{}", i % 120 + 1),
    }
}

fn firm_name(n: usize) -> String {
    format!("Adlermöbel {n} KG")
}

fn literal(value: Option<&str>) -> String {
    value.map_or_else(
        || "NULL".to_owned(),
        |v| format!("'{}'", v.replace('\'', "''")),
    )
}

/// The schema and the rows, written through ODBC like any client would.
fn fill(connection: &str, binary_type: &str, binary_value: &str) {
    let env = odbc_api::environment().unwrap();
    let conn = env
        .connect_with_connection_string(connection, ConnectionOptions::default())
        .unwrap();
    let run = |sql: &str| {
        conn.execute(sql, (), None)
            .unwrap_or_else(|e| panic!("{sql:.200}: {e}"));
    };
    run(
        "CREATE TABLE firma (firma_id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL, zentrale VARCHAR(40))",
    );
    run(
        "CREATE TABLE person (mandant INTEGER NOT NULL, nr VARCHAR(20) NOT NULL, vorname VARCHAR(100), nachname VARCHAR(100), firma_id INTEGER, telefon VARCHAR(40), mobil VARCHAR(40), email VARCHAR(200), strasse VARCHAR(200), hausnr VARCHAR(10), PRIMARY KEY (mandant, nr))",
    );
    run(
        "CREATE VIEW kontakte AS SELECT p.mandant, p.nr, p.vorname, p.nachname, f.name AS firma, p.telefon, p.mobil, f.zentrale, p.email, p.strasse, p.hausnr FROM person p LEFT JOIN firma f ON f.firma_id = p.firma_id",
    );
    run(&format!(
        "CREATE TABLE fotos (nr VARCHAR(20), name VARCHAR(100), foto {binary_type})"
    ));
    run(&format!(
        "INSERT INTO fotos (nr, name, foto) VALUES ('K-0001', 'Passbild', {binary_value})"
    ));
    let firms: Vec<String> = (1..=FIRMS)
        .map(|n| {
            format!(
                "({n}, {}, '+49 89 4520{n:02}-0')",
                literal(Some(&firm_name(n)))
            )
        })
        .collect();
    run(&format!(
        "INSERT INTO firma (firma_id, name, zentrale) VALUES {}",
        firms.join(", ")
    ));
    let rows: Vec<String> = (0..PEOPLE)
        .map(|i| {
            let p = person(i);
            format!(
                "({}, '{}', {}, {}, {}, {}, {}, {}, 'Leopoldstraße', '{}')",
                p.mandant,
                p.nr,
                literal(p.given),
                literal(p.surname),
                p.firm.map_or("NULL".to_owned(), |f| f.to_string()),
                literal(p.phone.as_deref()),
                literal(p.mobile.as_deref()),
                literal(p.email.as_deref()),
                p.house
            )
        })
        .collect();
    for chunk in rows.chunks(500) {
        run(&format!(
            "INSERT INTO person (mandant, nr, vorname, nachname, firma_id, telefon, mobil, email, strasse, hausnr) VALUES {}",
            chunk.join(", ")
        ));
    }
}

/// The source table every test starts from; `extra` adds or replaces keys above `[columns]`.
fn config(connection: &str, extra: &str) -> String {
    format!(
        r#"type = "odbc"
id = "crm"
name = "CRM"
connection = {connection:?}
{extra}

[columns]
given_name = "vorname"
surname = "nachname"
company = "firma"
emails = "email"
street = {{ join = ["strasse", "hausnr"] }}
phones = [{{ column = "telefon" }}, {{ column = "mobil", kind = "mobile" }}, {{ column = "zentrale" }}]
"#
    )
}

fn load(config: &str) -> Result<(Vec<Contact>, LoadReport), SourceError> {
    let source: Source = toml::from_str(config).unwrap_or_else(|e| panic!("{config}: {e}"));
    let mut problems = kontakt_directory::check::Problems::default();
    source.check(true, &mut problems);
    let problems = problems.into_vec();
    assert!(problems.is_empty(), "{problems:?}");
    common::load(&source)
}

/// Everything the source must do, against one database. `typed_blobs`: the driver reports
/// binary columns as binary (SQLite's driver calls a BLOB column text and hands its bytes
/// out as `X'…'`).
fn exercise(connection: &str, extra: &str, typed_blobs: bool) {
    let view = config(
        connection,
        &format!("table = \"kontakte\"\nkey = [\"mandant\", \"nr\"]\nfetch_size = 250\n{extra}"),
    );
    let (contacts, report) = load(&view).unwrap();
    let skipped = (0..PEOPLE).filter(|&i| nameless(i)).count();
    assert_eq!(report.contacts, PEOPLE - skipped, "{report:?}");
    assert_eq!(report.skipped, skipped);
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.location.starts_with("row ") && p.reason.starts_with("no name")),
        "{:?}",
        report.problems
    );
    assert_eq!(report.dropped, 0, "{:?}", report.drops);
    let by_id: HashMap<&str, &Contact> = contacts.iter().map(|c| (c.id.as_str(), c)).collect();

    // Wüst decomposed in the database, composed in the contact; ß, Greek, Vietnamese intact.
    for i in [1usize, 4, 5, 6, 12, 13, 21, PEOPLE / 2 + 4] {
        let p = person(i);
        let c = by_id
            .get(format!("crm:{}/{}", p.mandant, p.nr).as_str())
            .unwrap_or_else(|| panic!("person {i} missing"));
        let surname: String =
            unicode_normalization::UnicodeNormalization::nfc(p.surname.unwrap()).collect();
        let expected = match p.given {
            Some(g) => format!("{g} {surname}"),
            None => surname.clone(),
        };
        assert_eq!(c.display_name, expected, "person {i}");
        assert_eq!(c.surname.as_deref(), Some(surname.as_str()));
        assert_eq!(c.given_name.as_deref(), p.given, "person {i}");
        assert_eq!(c.company, p.firm.map(firm_name), "person {i}");
        assert_eq!(c.emails, p.email.into_iter().collect::<Vec<_>>());
        let phones: Vec<(PhoneKind, &str)> = c
            .phones
            .iter()
            .map(|ph| (ph.kind, ph.raw.as_str()))
            .collect();
        let zentrale = p.firm.map(|n| format!("+49 89 4520{n:02}-0"));
        let mut expected_phones = Vec::new();
        if let Some(t) = &p.phone {
            expected_phones.push((PhoneKind::Business, t.as_str()));
        }
        if let Some(m) = &p.mobile {
            expected_phones.push((PhoneKind::Mobile, m.as_str()));
        }
        if let Some(z) = &zentrale {
            expected_phones.push((PhoneKind::Business, z.as_str()));
        }
        assert_eq!(phones, expected_phones, "person {i}");
        let street = c.address.as_ref().and_then(|a| a.street.as_deref());
        assert_eq!(street, Some(format!("Leopoldstraße {}", p.house).as_str()));
    }
    assert!(
        contacts
            .iter()
            .any(|c| c.surname.as_deref() == Some("Wüst"))
    );

    // Streaming in blocks of one row gives the same contacts as blocks of 250.
    let (one_by_one, _) = load(&view.replace("fetch_size = 250", "fetch_size = 1")).unwrap();
    assert_eq!(one_by_one, contacts);

    // A duplicate key: reported, the rest kept.
    let doubled = config(
        connection,
        &format!(
            "query = \"SELECT * FROM kontakte UNION ALL SELECT * FROM kontakte WHERE mandant = 1 AND nr = 'K-0004'\"\nkey = [\"mandant\", \"nr\"]\n{extra}"
        ),
    );
    let (again, report) = load(&doubled).unwrap();
    assert_eq!(again.len(), contacts.len());
    assert_eq!(report.skipped, skipped + 1);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.location.ends_with("(key 1/K-0004)")
                && p.reason.starts_with("same id as row ")),
        "{:?}",
        report.problems
    );

    // A NULL in a key column: that row skipped, with the column named.
    let null_key = config(
        connection,
        &format!(
            "query = \"SELECT k.*, CASE WHEN k.mandant = 1 AND k.nr = 'K-0007' THEN NULL ELSE k.nr END AS knr FROM kontakte k\"\nkey = [\"mandant\", \"knr\"]\n{extra}"
        ),
    );
    let (_, report) = load(&null_key).unwrap();
    assert_eq!(report.skipped, skipped + 1);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.reason == "no key: the column \"knr\" is empty (NULL)"),
        "{:?}",
        report.problems
    );

    // A mapping naming a column the query does not have: the query's columns listed.
    let err = load(&view.replace("surname = \"nachname\"", "surname = \"nachnahme\""))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("columns.surname names \"nachnahme\" but there is no such column")
            && err.contains("mandant, nr, vorname, nachname, firma"),
        "{err}"
    );
    let err = load(&view.replace("key = [\"mandant\", \"nr\"]", "key = \"kundennr\""))
        .unwrap_err()
        .to_string();
    assert!(err.contains("key names \"kundennr\""), "{err}");

    // A query that fails: the driver's own message.
    let err = load(&config(
        connection,
        &format!("query = \"SELECT * FROM nichtda\"\nkey = \"nr\"\n{extra}"),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("ODBC: the query failed") && err.contains("nichtda"),
        "{err}"
    );

    // Bytes mapped as a name: refused with the column and its type.
    if !typed_blobs {
        return;
    }
    let err = load(&config(
        connection,
        &format!("table = \"fotos\"\nkey = \"nr\"\n{extra}"),
    )
    .replace("company = \"firma\"", "company = \"foto\"")
    .replace("given_name = \"vorname\"", "given_name = \"name\"")
    .replace("surname = \"nachname\"", "")
    .replace("emails = \"email\"", "")
    .replace("street = { join = [\"strasse\", \"hausnr\"] }", "")
    .replace(
        "phones = [{ column = \"telefon\" }, { column = \"mobil\", kind = \"mobile\" }, { column = \"zentrale\" }]",
        "",
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("the column \"foto\" holds bytes, not text"),
        "{err}"
    );
}

#[test]
#[ignore = "needs unixODBC and Debian's libsqliteodbc (scripts/tools.sh installs them); ./test runs this"]
fn sqlite_through_its_odbc_driver() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crm.db");
    let connection = format!("Driver=SQLite3;Database={}", db.display());
    fill(&connection, "BLOB", "X'89504E47'");
    exercise(&connection, "", false);

    // SQLite stores whatever bytes it is given: a Latin-1 name is read as Windows-1252 and
    // reported, the row kept.
    let env = odbc_api::environment().unwrap();
    let conn = env
        .connect_with_connection_string(&connection, ConnectionOptions::default())
        .unwrap();
    conn.execute(
        "INSERT INTO person (mandant, nr, vorname, nachname) VALUES (3, 'L-1', 'Anna', CAST(X'4DFC6C6C6572' AS TEXT))",
        (),
        None,
    )
    .unwrap();
    let (contacts, report) = load(&config(
        &connection,
        "table = \"kontakte\"\nkey = [\"mandant\", \"nr\"]",
    ))
    .unwrap();
    let anna = contacts.iter().find(|c| c.id == "crm:3/L-1").unwrap();
    assert_eq!(anna.display_name, "Anna Müller");
    assert_eq!(report.dropped, 1);
    assert!(
        report.drops[0].location.starts_with("row ")
            && report.drops[0]
                .reason
                .starts_with("column \"nachname\": not UTF-8 text; read as Windows-1252"),
        "{:?}",
        report.drops
    );

    // A database that is not there: the driver's message, not a panic.
    let err = load(&config(
        "Driver=NoSuchDriver;Database=/nonexistent/x.db",
        "table = \"kontakte\"\nkey = \"nr\"",
    ))
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("ODBC: cannot connect"), "{err}");
}

#[test]
#[ignore = "needs PostgreSQL and Debian's odbc-postgresql (scripts/tools.sh installs them); ./test runs this"]
fn postgresql_through_its_odbc_driver() {
    let url = postgres::server().database();
    let (_, database) = url.rsplit_once('/').unwrap();
    // UseDeclareFetch: the driver fetches through a cursor instead of holding every row.
    let connection = format!(
        "Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={};Database={database};Uid=postgres;UseDeclareFetch=1;Fetch=1000",
        postgres::server().port
    );
    fill(&connection, "BYTEA", "'\\x89504e47'");
    exercise(&connection, "", true);
}

#[test]
#[ignore = "needs MariaDB and Debian's odbc-mariadb (scripts/tools.sh installs them); ./test runs this"]
fn mariadb_through_its_odbc_driver() {
    let server = mariadb::server();
    server.database("crm", "kontakt", "geheim;{1}");
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "geheim;{1}\n").unwrap();
    let connection = format!(
        "Driver={{MariaDB Unicode}};Server=127.0.0.1;Port={};Database=crm;Uid=kontakt;CHARSET=utf8mb4;NO_CACHE=1",
        server.port
    );
    fill(
        &format!("{connection};PWD={{geheim;{{1}}}}}}"),
        "VARBINARY(64)",
        "X'89504E47'",
    );
    exercise(
        &connection,
        &format!("password_file = {:?}", password.display().to_string()),
        true,
    );

    // The wrong password: the server's refusal, never the password.
    std::fs::write(&password, "falsch-und-geheim\n").unwrap();
    let err = load(&config(
        &connection,
        &format!(
            "table = \"kontakte\"\nkey = \"nr\"\npassword_file = {:?}",
            password.display().to_string()
        ),
    ))
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("ODBC: cannot connect") && err.contains("Access denied"),
        "{err}"
    );
    assert!(!err.contains("falsch-und-geheim"), "{err}");
}
