//! `kontakt-bench callerid`: caller ID at N contacts. First the lookup itself in this
//! process — number parsing, the E.164 index, the choice among contacts — side by side with
//! the same lookup as SQL on an indexed column in SQLite; then the real server's protocols
//! on loopback: the three REST routes under wrk, LDAP under concurrent `ldap3` clients.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use kontakt_directory::Directory;
use kontakt_directory::callerid::{NumberHabits, incoming_e164};
use kontakt_directory::demo;
use kontakt_directory::phone::PhoneNormalizer;
use rand::{RngExt, SeedableRng};

use crate::report::ClassResult;
use crate::service;

#[derive(clap::Args)]
pub struct Args {
    /// The `kontakt` binary to start (its demo mode answers caller ID as demo-sbc).
    #[arg(long, default_value = "target/release/kontakt")]
    server: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    contacts: usize,
    /// Lookups measured one by one in process.
    #[arg(long, default_value_t = 20_000)]
    lookups: usize,
    /// Seconds per protocol against the server.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    #[arg(long, default_value_t = 32)]
    connections: u32,
    #[arg(long, default_value_t = 18091)]
    port: u16,
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const USER: &str = "demo-sbc";
const PASSWORD: &str = "demo-sbc";
const REST: &str = "127.0.0.1:8081";
const LDAP: &str = "127.0.0.1:1389";

pub fn run(args: Args) -> anyhow::Result<()> {
    let queries = in_process(&args)?;
    against_the_server(&args, &queries)
}

/// Calling numbers as SBCs send them: numbers the directory has, in the shapes SBCs use,
/// and one in ten that nobody has.
fn calling_numbers(
    raw: &[String],
    normalizer: &PhoneNormalizer,
    n: usize,
    seed: u64,
) -> Vec<String> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            if i % 10 == 9 {
                return format!("+4930{:08}", rng.random_range(0..100_000_000u32));
            }
            let written = &raw[rng.random_range(0..raw.len())];
            let e164 = normalizer
                .normalize(written)
                .unwrap_or_else(|| written.clone());
            match i % 4 {
                0 => e164,
                1 => format!("00{}", &e164[1..]),
                2 => written.clone(),
                _ => format!("sip:{e164}@sbc.example;user=phone"),
            }
        })
        .collect()
}

fn in_process(args: &Args) -> anyhow::Result<Vec<String>> {
    let contacts = demo::generate(args.contacts, args.seed);
    let normalizer = PhoneNormalizer::new(&demo::dialing())?;
    let raw: Vec<String> = contacts
        .iter()
        .flat_map(|c| c.phones.iter().map(|p| p.raw.clone()))
        .collect();
    let queries = calling_numbers(&raw, &normalizer, args.lookups, args.seed);
    // SQLite: every number in E.164 with the name it shows, indexed.
    let sqlite = rusqlite::Connection::open_in_memory()?;
    sqlite.execute_batch(
        "CREATE TABLE callers (e164 TEXT NOT NULL, name TEXT NOT NULL, company TEXT)",
    )?;
    {
        let tx = sqlite.unchecked_transaction()?;
        let mut insert = tx.prepare("INSERT INTO callers VALUES (?1, ?2, ?3)")?;
        for c in &contacts {
            for p in &c.phones {
                if let Some(e164) = normalizer.normalize(&p.raw) {
                    insert.execute((e164, &c.display_name, &c.company))?;
                }
            }
        }
        drop(insert);
        tx.commit()?;
    }
    sqlite.execute_batch("CREATE INDEX callers_e164 ON callers (e164)")?;
    let started = Instant::now();
    let directory = Directory::build(contacts, normalizer.clone());
    eprintln!(
        "built {} contacts in {:.1} s",
        directory.len(),
        started.elapsed().as_secs_f64()
    );
    let habits = NumberHabits::default();
    let measure = |f: &mut dyn FnMut(&str) -> bool| {
        let mut micros = Vec::with_capacity(queries.len());
        let mut hits = 0usize;
        let started = Instant::now();
        for q in &queries {
            let t = Instant::now();
            hits += usize::from(f(q));
            micros.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let per_second = queries.len() as f64 / started.elapsed().as_secs_f64();
        (
            ClassResult::new(crate::queries::Class::NumberAnyForm, micros, true, None),
            per_second,
            hits,
        )
    };
    let kontakt = measure(&mut |q| {
        incoming_e164(q, directory.normalizer(), habits)
            .and_then(|e| directory.caller(&e, |_| 0))
            .is_some()
    });
    let mut select = sqlite.prepare("SELECT name, company FROM callers WHERE e164 = ?1 LIMIT 1")?;
    let mut sql =
        |e164: &str| -> bool { select.query_row([e164], |r| r.get::<_, String>(0)).is_ok() };
    let with_parsing =
        measure(&mut |q| incoming_e164(q, &normalizer, habits).is_some_and(|e| sql(&e)));
    let normalized: Vec<Option<String>> = queries
        .iter()
        .map(|q| incoming_e164(q, &normalizer, habits))
        .collect();
    let mut i = 0;
    let key_only = measure(&mut |_| {
        let hit = normalized[i].as_deref().is_some_and(&mut sql);
        i += 1;
        hit
    });
    println!(
        "### Caller ID in process, {} contacts, {} lookups (one in ten unknown)\n",
        args.contacts,
        queries.len()
    );
    println!("| lookup | p50 (µs) | p99 (µs) | lookups/s (one thread) | found |");
    println!("|---|---:|---:|---:|---:|");
    for (label, (r, per_second, hits)) in [
        ("Kontakt: parse the number, E.164 index, choose", &kontakt),
        (
            "SQLite, indexed column: Kontakt's parser, then SELECT",
            &with_parsing,
        ),
        (
            "SQLite, indexed column: SELECT only (number given in E.164)",
            &key_only,
        ),
    ] {
        println!(
            "| {label} | {:.1} | {:.1} | {:.0} | {hits} |",
            r.p50_us, r.p99_us, per_second
        );
    }
    println!();
    Ok(queries)
}

fn against_the_server(args: &Args, queries: &[String]) -> anyhow::Result<()> {
    let _server = service::start_demo(&args.server, args.contacts, args.port)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let tenant = crate::relay::demo_tenant(&ureq::Agent::new_with_defaults(), &base)?;
    let rest = format!("http://{REST}");
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    println!(
        "### Caller ID through `kontakt serve --demo`, {} contacts, loopback, wrk {} connections, {} s each\n",
        args.contacts, args.connections, args.seconds
    );
    println!("| protocol | lookups/s | p50 | p99 | non-2xx |");
    println!("|---|---:|---:|---:|---:|");
    let encoded: Vec<String> = queries.iter().map(|q| service::percent_encode(q)).collect();
    for (label, url, method, paths, body) in [
        (
            "AudioCodes `GET /callerid/v1/audiocodes/{number}`",
            &rest,
            "GET",
            encoded
                .iter()
                .map(|q| format!("/callerid/v1/audiocodes/{q}"))
                .collect::<Vec<_>>(),
            false,
        ),
        (
            "generic `GET /callerid/v1/lookup?number=`",
            &rest,
            "GET",
            encoded
                .iter()
                .map(|q| format!("/callerid/v1/lookup?number={q}"))
                .collect(),
            false,
        ),
        (
            "generic through the cloud's route `GET /callerid/v1/tenants/{tenant}/lookup?number=` (relayed to the directory in the process)",
            &base,
            "GET",
            encoded
                .iter()
                .map(|q| format!("/callerid/v1/tenants/{tenant}/lookup?number={q}"))
                .collect(),
            false,
        ),
        (
            "anynode `POST /callerid/v1/anynode`",
            &rest,
            "POST",
            queries
                .iter()
                .map(|q| serde_json::json!({"sourceAddress": {"dialString": q}}).to_string())
                .collect(),
            true,
        ),
    ] {
        let script = tempfile::Builder::new().suffix(".lua").tempfile()?;
        write_script(script.as_file(), method, &paths, body, &auth)?;
        let w = service::wrk(script.path(), url, 1, args.connections, args.seconds)?;
        println!(
            "| {label} | {} | {} | {} | {} |",
            w.per_second, w.p50, w.p99, w.non_2xx
        );
    }
    let (per_second, result) = ldap_load(queries, args.connections as usize, args.seconds)?;
    println!(
        "| LDAP search `(telephoneNumber={{number}})` ({} clients) | {per_second:.0} | {:.2}ms | {:.2}ms | – |",
        args.connections,
        result.p50_us / 1000.0,
        result.p99_us / 1000.0
    );
    println!("\n(AudioCodes answers `404` for the unknown tenth: those are the non-2xx.)");
    Ok(())
}

/// `clients` LDAP connections, each bound once, searching for `seconds`.
fn ldap_load(
    queries: &[String],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<(f64, ClassResult)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let until = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..clients {
            let queries = queries.to_vec();
            tasks.push(tokio::spawn(async move {
                let (conn, mut ldap) = ldap3::LdapConnAsync::new(&format!("ldap://{LDAP}")).await?;
                ldap3::drive!(conn);
                ldap.simple_bind(&format!("cn={USER},dc=kontakt"), PASSWORD)
                    .await?
                    .success()?;
                let mut micros = Vec::new();
                let mut i = c * 7919;
                while Instant::now() < until {
                    let number = &queries[i % queries.len()];
                    i += 1;
                    let t = Instant::now();
                    ldap.search(
                        "dc=kontakt",
                        ldap3::Scope::Subtree,
                        &format!("(telephoneNumber={})", ldap3::ldap_escape(number.as_str())),
                        vec!["displayName"],
                    )
                    .await?
                    .success()?;
                    micros.push(t.elapsed().as_secs_f64() * 1e6);
                }
                let _ = ldap.unbind().await;
                anyhow::Ok(micros)
            }));
        }
        let started = Instant::now();
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        let per_second = all.len() as f64 / started.elapsed().as_secs_f64();
        Ok((
            per_second,
            ClassResult::new(crate::queries::Class::NumberAnyForm, all, true, None),
        ))
    })
}

/// Each wrk connection cycles through the requests from its own offset.
fn write_script(
    mut f: &std::fs::File,
    method: &str,
    items: &[String],
    body: bool,
    auth: &str,
) -> std::io::Result<()> {
    writeln!(f, "local items = {{")?;
    for p in items {
        writeln!(f, "  {p:?},")?;
    }
    writeln!(f, "}}")?;
    let request = if body {
        format!(
            "return wrk.format(\"{method}\", \"/callerid/v1/anynode\", headers, items[(counter % #items) + 1])"
        )
    } else {
        format!("return wrk.format(\"{method}\", items[(counter % #items) + 1], headers)")
    };
    writeln!(
        f,
        r#"local counter = 0
init = function(args)
  counter = math.random(1, #items)
end
request = function()
  counter = counter + 1
  local headers = {{ ["Authorization"] = "{auth}", ["Content-Type"] = "application/json" }}
  {request}
end"#
    )
}
