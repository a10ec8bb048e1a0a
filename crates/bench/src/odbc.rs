//! `kontakt-bench odbc`: N demo contacts in a table of a real PostgreSQL (started here, like
//! the tests' server), read through the ODBC source at several fetch sizes, and the same rows
//! read from a CSV file beside them; then a full refresh (read + snapshot + index) through
//! ODBC, as the directory does it.

#[allow(dead_code)]
#[path = "../../server/tests/common/postgres.rs"]
mod postgres;

use std::io::Write;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use kontakt_api::{Contact, PhoneKind};
use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::demo;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::Source;

use crate::report::{peak_rss_mb, rss_mb};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Fetch sizes to compare.
    #[arg(long, value_delimiter = ',', default_values_t = [100usize, 1000, 10_000])]
    fetch_sizes: Vec<usize>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const COLUMNS: &str = "nr, vorname, nachname, anzeigename, firma, abteilung, position, telefon, mobil, email, strasse, plz, ort";

const MAPPING: &str = r#"
[columns]
display_name = "anzeigename"
given_name = "vorname"
surname = "nachname"
company = "firma"
department = "abteilung"
job_title = "position"
emails = "email"
phones = [{ column = "telefon" }, { column = "mobil", kind = "mobile" }]
street = "strasse"
postal_code = "plz"
city = "ort"
"#;

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("kontakte.csv");
    let started = Instant::now();
    write_csv(&csv, args.rows, args.seed)?;
    eprintln!(
        "wrote {} rows as CSV in {:.1} s",
        args.rows,
        started.elapsed().as_secs_f64()
    );
    let server = postgres::server();
    let url = server.database();
    let (_, database) = url.rsplit_once('/').expect("a database URL");
    let started = Instant::now();
    let create = "CREATE TABLE kontakte (nr BIGINT PRIMARY KEY, vorname TEXT, nachname TEXT, anzeigename TEXT, firma TEXT, abteilung TEXT, position TEXT, telefon TEXT, mobil TEXT, email TEXT, strasse TEXT, plz TEXT, ort TEXT)";
    let copy = format!(
        "\\copy kontakte ({COLUMNS}) FROM '{}' WITH (FORMAT csv, HEADER true)",
        csv.display()
    );
    let out = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args([
            "-U",
            "postgres",
            "-d",
            database,
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ])
        .args(["-c", create, "-c", &copy])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "loading the table failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!(
        "loaded into PostgreSQL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let connection = format!(
        "Driver={{PostgreSQL Unicode}};Server=127.0.0.1;Port={};Database={database};Uid=postgres;UseDeclareFetch=1;Fetch=10000",
        server.port
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    println!("| read | contacts | seconds | rows/s | resident after (MB) |");
    println!("|---|---:|---:|---:|---:|");
    read_once(&runtime, "CSV file, same rows", &csv_source(&csv))?;
    for &fetch_size in &args.fetch_sizes {
        let source = odbc_source(&connection, fetch_size);
        read_once(
            &runtime,
            &format!("ODBC, PostgreSQL, fetch_size {fetch_size}"),
            &source,
        )?;
    }

    let source: Source = toml::from_str(&odbc_source(&connection, 1000))?;
    let data = tempfile::tempdir()?;
    runtime.block_on(async {
        let tenant = Arc::new(TenantDirectory::open(
            "bench",
            "tenant",
            demo::dialing(),
            vec![source],
            SnapshotStore::new(data.path()),
        )?);
        println!();
        println!("| full refresh through ODBC (read + snapshot + index) | seconds | contacts | resident after (MB) | peak resident (MB) |");
        println!("|---|---:|---:|---:|---:|");
        for round in 1..=2 {
            let started = Instant::now();
            tenant.refresh(0).await?;
            println!(
                "| round {round} | {:.1} | {} | {:.0} | {:.0} |",
                started.elapsed().as_secs_f64(),
                tenant.directory().len(),
                rss_mb(),
                peak_rss_mb()
            );
        }
        anyhow::Ok(())
    })?;
    Ok(())
}

fn odbc_source(connection: &str, fetch_size: usize) -> String {
    format!(
        "type = \"odbc\"\nid = \"crm\"\nname = \"CRM\"\nconnection = {connection:?}\ntable = \"kontakte\"\nkey = \"nr\"\nfetch_size = {fetch_size}\n{MAPPING}"
    )
}

/// Reads a source into a sink that keeps nothing: the reader's own speed.
fn read_once(runtime: &tokio::runtime::Runtime, label: &str, config: &str) -> anyhow::Result<()> {
    let source: Source = toml::from_str(config)?;
    let mut count = 0usize;
    let mut sink = |_: Contact| {
        count += 1;
        Ok(())
    };
    let started = Instant::now();
    let report = runtime.block_on(source.load(&mut sink))?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.skipped == 0,
        "{label}: {} rows skipped: {:?}",
        report.skipped,
        report.problems.first()
    );
    println!(
        "| {label} | {count} | {secs:.2} | {:.0} | {:.0} |",
        count as f64 / secs,
        rss_mb()
    );
    Ok(())
}

/// The CSV source reading a file [`write_csv`] wrote.
pub(crate) fn csv_source(csv: &std::path::Path) -> String {
    format!(
        "type = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = {:?}\npreset = \"custom\"\n{}",
        csv.display().to_string(),
        MAPPING.replace("[columns]", "[columns]\nid = \"nr\"")
    )
}

/// The demo generator's contacts as a CRM table would hold them.
pub(crate) fn write_csv(path: &std::path::Path, rows: usize, seed: u64) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "{COLUMNS}")?;
    let field = |s: Option<&str>| -> String {
        let s = s.unwrap_or("");
        format!("\"{}\"", s.replace('"', "\"\""))
    };
    // One at a time: a million generated contacts held at once would be 1.3 GB.
    for (nr, c) in demo::Generator::new(rows, seed).enumerate() {
        let phone = |kind: PhoneKind| {
            c.phones
                .iter()
                .find(|p| p.kind == kind)
                .map(|p| p.raw.as_str())
        };
        let address = c.address.as_ref();
        writeln!(
            out,
            "{nr},{},{},{},{},{},{},{},{},{},{},{},{}",
            field(c.given_name.as_deref()),
            field(c.surname.as_deref()),
            field(Some(&c.display_name)),
            field(c.company.as_deref()),
            field(c.department.as_deref()),
            field(c.job_title.as_deref()),
            field(phone(PhoneKind::Business)),
            field(phone(PhoneKind::Mobile)),
            field(c.emails.first().map(String::as_str)),
            field(address.and_then(|a| a.street.as_deref())),
            field(address.and_then(|a| a.postal_code.as_deref())),
            field(address.and_then(|a| a.city.as_deref())),
        )?;
    }
    out.flush()?;
    Ok(())
}
