//! `kontakt-bench rebuild`: a tenant whose CSV source holds N contacts, refreshed after
//! nothing, one, a thousand and a hundred thousand contacts changed, while a steady stream
//! of searches runs against the directory being served: how long until the changes are
//! searchable (applied to the directory being served, or rebuilt), memory, and whether a
//! search fails or stalls meanwhile (issues 17 and 20).
//!
//! The stream searches the way the API handler does (the current directory, then its
//! search) on a thread of its own at a fixed rate; every tenth search asks for a contact
//! that is in both the old and the new directory and counts as failed if it is not found.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::demo;
use kontakt_directory::snapshot::SnapshotStore;
use kontakt_directory::sources::Source;

use crate::report::{peak_rss_mb, percentile, rss_mb};

/// One search of the stream: when it started (since the stream began), how long it took,
/// and whether it failed.
struct Searched {
    at: Duration,
    micros: f64,
    failed: bool,
}

pub fn run(size: usize, changes: &[usize], rate: u32) -> anyhow::Result<()> {
    // "changes applied … ms=" and "directory rebuilt … ms=", to standard error.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter("kontakt_directory::catalog=info")
        .init();
    let data = tempfile::tempdir()?;
    let csv = data.path().join("crm.csv");
    crate::odbc::write_csv(&csv, size, demo::DEFAULT_SEED)?;
    let source: Source = toml::from_str(&crate::odbc::csv_source(&csv))?;
    let (known, queries) = queries_from(&csv)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tenant = Arc::new(TenantDirectory::open("bench", "tenant", demo::dialing(), vec![source], SnapshotStore::new(data.path().join("data")))?);
        let started = Instant::now();
        tenant.refresh(0).await?;
        eprintln!("first read and build of {} contacts: {:.1} s", tenant.directory().len(), started.elapsed().as_secs_f64());

        println!("| round | contacts changed | the refresh (s): read + snapshot + compare, then | applied or rebuilt | contacts | resident after (MB) | peak resident so far (MB) | searches during | failed | p50 / p99 / max during (µs) | slowest: ms before the refresh ended | p50 / p99 / max before (µs) |");
        println!("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let mut held = None;
        for (round, &changed) in changes.iter().enumerate() {
            let round = round + 1;
            if round == changes.len() {
                // Kept past the swap, so that this benchmark frees the old directory itself
                // and can time it (below).
                held = Some(tenant.directory());
            }
            change_rows(&csv, size, changed, round)?;
            let running = Arc::new(AtomicBool::new(true));
            let stream = {
                let (tenant, running, queries, known) = (tenant.clone(), running.clone(), queries.clone(), known.clone());
                std::thread::spawn(move || search_stream(&tenant, &running, &queries, &known, rate))
            };
            // A baseline before the refresh begins.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let base = Instant::now();
            tenant.refresh(0).await?;
            let secs = base.elapsed().as_secs_f64();
            let probe = marker(round);
            let found = tenant.directory().search(probe, 5).total;
            anyhow::ensure!(found == changed, "{found} changed contacts searchable after the refresh instead of {changed}");
            let how = match (changed, tenant.directory().changes()) {
                (0, _) => "nothing changed",
                (_, 0) => "rebuilt",
                _ => "applied",
            };
            tokio::time::sleep(Duration::from_secs(1)).await;
            running.store(false, Ordering::Relaxed);
            let (origin, searched) = stream.join().map_err(|_| anyhow::anyhow!("the search stream panicked"))?;
            let begin = base.duration_since(origin);
            let end = begin + Duration::from_secs_f64(secs);
            let (before, during): (Vec<&Searched>, Vec<&Searched>) = searched
                .iter()
                .filter(|s| s.at < end)
                .partition(|s| s.at < begin);
            let failed = searched.iter().filter(|s| s.failed).count();
            // Whether the slowest search was the swap's (the refresh ends with it).
            let slowest = during
                .iter()
                .max_by(|a, b| a.micros.total_cmp(&b.micros))
                .map_or(f64::NAN, |s| (end.as_secs_f64() - s.at.as_secs_f64()) * 1e3);
            println!(
                "| {round} | {changed} | {secs:.2} | {how} | {} | {:.0} | {:.0} | {} | {failed} | {} | {slowest:.0} | {} |",
                tenant.directory().len(),
                rss_mb(),
                peak_rss_mb(),
                during.len(),
                spread(&during),
                spread(&before),
            );
        }
        // What the last search on a swapped-out directory would wait for if it freed it:
        // the service frees it on a thread of its own once searches are done with it (that
        // thread gives up waiting after 10 s, leaving it to whoever holds it — here, us).
        tokio::time::sleep(Duration::from_secs(11)).await;
        if let Some(old) = held {
            let started = Instant::now();
            drop(old);
            eprintln!("freeing the directory before the last round took {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        anyhow::Ok(())
    })?;
    Ok(())
}

/// A made-up word per round, far (in spelling and sound) from any name and from each
/// other, so that searching it counts exactly the contacts changed in that round.
fn marker(round: usize) -> &'static str {
    const WORDS: [&str; 6] = [
        "Quaxolm", "Vexitrun", "Jorblatz", "Kwimsoth", "Zyfterug", "Bramquix",
    ];
    WORDS[round % WORDS.len()]
}

/// Renames `changed` contacts spread over the file (never the first row, which the search
/// stream checks): each gets the round's [`marker`], so they can be counted afterwards.
fn change_rows(
    csv: &std::path::Path,
    size: usize,
    changed: usize,
    round: usize,
) -> anyhow::Result<()> {
    use std::io::Write;
    if changed == 0 {
        return Ok(());
    }
    let step = (size / changed).max(1);
    let text = std::fs::read_to_string(csv)?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(csv)?);
    let mut done = 0;
    for (nr, row) in text.lines().enumerate() {
        // Data rows are numbered from 0 after the header.
        let data = nr.checked_sub(1);
        if data.is_some_and(|d| d % step == step / 2 && d > 0) && done < changed {
            // The display name is the third quoted field (see `queries_from`).
            let mut parts: Vec<String> = row.split('"').map(str::to_owned).collect();
            let name = parts
                .get_mut(5)
                .ok_or_else(|| anyhow::anyhow!("row {nr} has no display name"))?;
            name.push_str(&format!(" {}", marker(round)));
            writeln!(out, "{}", parts.join("\""))?;
            done += 1;
        } else {
            writeln!(out, "{row}")?;
        }
    }
    out.flush()?;
    anyhow::ensure!(done == changed, "only {done} rows to change");
    Ok(())
}

/// What the stream asks, taken from the file itself (the benchmark's query log would hold a
/// million generated contacts in this process and spoil its memory figures): of every
/// 2,000th row the full name, the surname, its first three and four letters, and the
/// phone number as dialled; and the first row's name, which every directory holds.
fn queries_from(csv: &std::path::Path) -> anyhow::Result<(String, Vec<String>)> {
    use std::io::BufRead;
    let mut known = String::new();
    let mut queries = Vec::new();
    let file = std::io::BufReader::new(std::fs::File::open(csv)?);
    for (nr, row) in file.lines().skip(1).enumerate() {
        let row = row?;
        if nr > 0 && nr % 2000 != 0 {
            continue;
        }
        // Quoted text fields: vorname, nachname, anzeigename, …, telefon (see odbc.rs).
        let fields: Vec<&str> = row.split('"').skip(1).step_by(2).collect();
        let (Some(surname), Some(name), Some(phone)) =
            (fields.get(1), fields.get(2), fields.get(6))
        else {
            continue;
        };
        if nr == 0 {
            known = (*name).to_owned();
        }
        let prefix = |n: usize| surname.chars().take(n).collect::<String>();
        queries.extend([
            (*name).to_owned(),
            (*surname).to_owned(),
            prefix(3),
            prefix(4),
            (*phone).to_owned(),
        ]);
    }
    queries.retain(|q| !q.is_empty());
    anyhow::ensure!(
        !known.is_empty() && !queries.is_empty(),
        "no rows in {}",
        csv.display()
    );
    Ok((known, queries))
}

/// Searches at `rate` per second until told to stop; returns when it began and each search.
fn search_stream(
    tenant: &TenantDirectory,
    running: &AtomicBool,
    queries: &[String],
    known: &str,
    rate: u32,
) -> (Instant, Vec<Searched>) {
    let origin = Instant::now();
    let every = Duration::from_secs(1) / rate.max(1);
    let mut searched = Vec::new();
    let mut next = origin;
    for i in 0.. {
        if !running.load(Ordering::Relaxed) {
            break;
        }
        // A steady rate, not back to back: searches that fall behind are not made up for.
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        }
        next += every;
        let at = Instant::now();
        let (query, check) = if i % 10 == 0 {
            (known, true)
        } else {
            (queries[i % queries.len()].as_str(), false)
        };
        let hits = tenant.directory().search(query, 25).hits;
        let micros = at.elapsed().as_secs_f64() * 1e6;
        let failed = check && !hits.iter().any(|h| h.contact.display_name == known);
        searched.push(Searched {
            at: at.duration_since(origin),
            micros,
            failed,
        });
    }
    (origin, searched)
}

/// `p50 / p99 / max` of the searches' times in µs.
fn spread(searched: &[&Searched]) -> String {
    let mut micros: Vec<f64> = searched.iter().map(|s| s.micros).collect();
    if micros.is_empty() {
        return String::from("–");
    }
    micros.sort_by(f64::total_cmp);
    format!(
        "{:.0} / {:.0} / {:.0}",
        percentile(&micros, 50.0),
        percentile(&micros, 99.0),
        micros[micros.len() - 1]
    )
}
