//! `kontakt-bench`: Kontakt's benchmarks. They print numbers; they never pass or fail.
//!
//! - `search`: build time, memory and per-class latency and recall of Kontakt's index, SQLite
//!   FTS5 and tantivy on the same generated contacts and query log, side by side.
//! - `rebuild`: a refresh of a large tenant after one row changed, while a steady stream of
//!   searches runs against the directory being served.
//! - `load`: HTTP load (wrk) against the real server with many users' valid tokens.
//! - `relay`: search through `kontakt cloud` and `kontakt directory` against `kontakt serve`.
//! - `callerid`: caller ID's lookup beside an indexed SQL lookup, and its protocols.
//! - `odbc`: the ODBC source reading a million rows from PostgreSQL, next to the same rows as
//!   CSV, and a full refresh through it.

mod callerid;
mod engines;
mod links;
mod load;
mod odbc;
mod queries;
mod rebuild;
mod relay;
mod report;
mod service;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

use engines::Engine;
use queries::{Class, Intended, Query};
use report::{ClassResult, EngineRun};

/// The `kontakt` binary's allocator (`crates/server/src/allocator.rs`): a search's own
/// allocations (the hits it builds) are part of what it costs there. `search` starts
/// Kontakt's process with the service's settings ([`allocator_settings`]).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(about = "Kontakt benchmarks: search engines side by side, HTTP load")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
enum EngineKind {
    Kontakt,
    Fts5,
    Tantivy,
}

#[derive(Subcommand)]
enum Cmd {
    /// Compare the search engines (each size and engine in its own process, one after the
    /// other, so memory figures do not mix).
    Search {
        /// Directory sizes.
        #[arg(long, value_delimiter = ',', default_values_t = [100_000usize, 1_000_000])]
        sizes: Vec<usize>,
        #[arg(long, value_delimiter = ',', value_enum, default_values_t = [EngineKind::Kontakt, EngineKind::Fts5, EngineKind::Tantivy])]
        engines: Vec<EngineKind>,
        /// Queries per class.
        #[arg(long, default_value_t = 200)]
        per_class: usize,
        /// Longest an engine may spend on one class before the rest is skipped.
        #[arg(long, default_value_t = 30)]
        class_budget_secs: u64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Also write the tables as Markdown to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
    },
    /// Refresh a tenant of `size` contacts after changing some of them (`--changes`), while
    /// searches run; report time, how the changes were taken in, memory and the searches.
    Rebuild {
        #[arg(long, default_value_t = 1_000_000)]
        size: usize,
        /// Contacts changed before each round's refresh.
        #[arg(long, value_delimiter = ',', default_value = "0,1,1000,100000")]
        changes: Vec<usize>,
        /// Searches per second while the refresh runs.
        #[arg(long, default_value_t = 500)]
        search_rate: u32,
    },
    /// HTTP load against the real server (starts it in demo mode; needs wrk).
    Load(load::Args),
    /// Search through the cloud and the link against serve, side by side (starts all three).
    Relay(relay::Args),
    /// The ODBC source against PostgreSQL: rows/s and a full refresh (starts PostgreSQL).
    Odbc(odbc::Args),
    /// Caller ID: the lookup beside SQLite, then every protocol of the real server.
    Callerid(callerid::Args),
    /// What an idle directory link costs a cloud node in memory (starts a demo cloud).
    Links(links::Args),
    /// One engine at one size (run by `search`; prints one JSON line).
    #[command(hide = true)]
    SearchOne {
        #[arg(long, value_enum)]
        engine: EngineKind,
        #[arg(long)]
        size: usize,
        #[arg(long)]
        per_class: usize,
        #[arg(long)]
        class_budget_secs: u64,
        #[arg(long)]
        seed: u64,
        /// Only these classes (for profiling one of them), comma-separated.
        #[arg(long, value_enum, value_delimiter = ',')]
        classes: Vec<Class>,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Search {
            sizes,
            engines,
            per_class,
            class_budget_secs,
            seed,
            markdown,
        } => {
            let mut runs = Vec::new();
            for &size in &sizes {
                for &engine in &engines {
                    eprintln!("== {engine:?} at {size} contacts");
                    let out = Command::new(std::env::current_exe()?)
                        .args(["search-one", "--engine"])
                        .arg(format!("{engine:?}").to_lowercase())
                        .args(["--size", &size.to_string()])
                        .args(["--per-class", &per_class.to_string()])
                        .args(["--class-budget-secs", &class_budget_secs.to_string()])
                        .args(["--seed", &seed.to_string()])
                        .envs(allocator_settings(engine))
                        .stderr(std::process::Stdio::inherit())
                        .output()?;
                    anyhow::ensure!(out.status.success(), "{engine:?} at {size} failed");
                    let line = String::from_utf8(out.stdout)?;
                    runs.push(serde_json::from_str::<EngineRun>(line.trim())?);
                }
            }
            let text = report::render(&runs, per_class);
            println!("{text}");
            if let Some(path) = markdown {
                std::fs::write(&path, &text)?;
                eprintln!("written to {}", path.display());
            }
            Ok(())
        }
        Cmd::Rebuild {
            size,
            changes,
            search_rate,
        } => rebuild::run(size, &changes, search_rate),
        Cmd::Load(args) => load::run(args),
        Cmd::Relay(args) => relay::run(args),
        Cmd::Odbc(args) => odbc::run(args),
        Cmd::Callerid(args) => callerid::run(args),
        Cmd::Links(args) => links::run(args),
        Cmd::SearchOne {
            engine,
            size,
            per_class,
            class_budget_secs,
            seed,
            classes,
        } => {
            let run = search_one(
                engine,
                size,
                per_class,
                Duration::from_secs(class_budget_secs),
                seed,
                &classes,
            )?;
            println!("{}", serde_json::to_string(&run)?);
            Ok(())
        }
    }
}

/// Kontakt runs with what the systemd units set (arenas committed on demand, an option
/// mimalloc reads before `main`) and what `kontakt_server::allocator::tune` sets (called in
/// `search_one`); the peers with mimalloc's defaults.
fn allocator_settings(engine: EngineKind) -> Vec<(&'static str, &'static str)> {
    match engine {
        EngineKind::Kontakt => vec![("MIMALLOC_ARENA_EAGER_COMMIT", "0")],
        EngineKind::Fts5 | EngineKind::Tantivy => Vec::new(),
    }
}

fn search_one(
    kind: EngineKind,
    size: usize,
    per_class: usize,
    budget: Duration,
    seed: u64,
    only: &[Class],
) -> anyhow::Result<EngineRun> {
    if kind == EngineKind::Kontakt {
        kontakt_server::allocator::tune();
    }
    let log = queries::generate(size, seed, per_class);
    let rss_before = report::rss_mb();
    let started = Instant::now();
    let tmp = std::env::temp_dir();
    let engine: Box<dyn Engine> = match kind {
        EngineKind::Kontakt => Box::new(engines::kontakt::Kontakt::build(size, seed)),
        EngineKind::Fts5 => Box::new(engines::fts5::Fts5::build(size, seed, &tmp)?),
        EngineKind::Tantivy => Box::new(engines::tantivy::Tantivy::build(size, seed)?),
    };
    let build = started.elapsed();
    let rss_after = report::rss_mb();
    eprintln!(
        "   built in {build:.1?}, {:.0} MB more resident",
        rss_after - rss_before
    );
    let mut classes = Vec::new();
    for class in Class::ALL {
        if !only.is_empty() && !only.contains(&class) {
            continue;
        }
        let queries: Vec<&Query> = log.iter().filter(|q| q.class == class).collect();
        classes.push(measure(engine.as_ref(), class, &queries, budget));
    }
    Ok(EngineRun {
        engine: format!("{kind:?}"),
        size,
        build_secs: build.as_secs_f64(),
        rss_mb: rss_after - rss_before,
        peak_rss_mb: report::peak_rss_mb(),
        notes: engine.notes(),
        classes,
    })
}

/// `KONTAKT_BENCH_CPU_TIME=1`: time queries by the thread's CPU time instead of the wall
/// clock, for comparing builds while something else loads the machine (being scheduled
/// out then lands in the wall-clock tail). The published tables use the wall clock.
fn cpu_time() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("KONTAKT_BENCH_CPU_TIME").is_some_and(|v| v == "1"))
}

/// `KONTAKT_BENCH_SHOW_SLOW=2`: print every query that took at least 2 ms.
fn show_slower_than() -> Option<f64> {
    static MS: std::sync::OnceLock<Option<f64>> = std::sync::OnceLock::new();
    *MS.get_or_init(|| std::env::var("KONTAKT_BENCH_SHOW_SLOW").ok()?.parse().ok())
}

fn thread_cpu_micros() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e6 + ts.tv_nsec as f64 / 1e3
}

/// Single-threaded latency of each query (after one untimed warm-up pass over a few), and
/// recall: how often the intended contact is among the first five hits.
fn measure(engine: &dyn Engine, class: Class, queries: &[&Query], budget: Duration) -> ClassResult {
    for q in queries.iter().take(10) {
        let _ = engine.search(q);
    }
    let started = Instant::now();
    let mut micros = Vec::with_capacity(queries.len());
    let mut found = 0usize;
    let mut judged = 0usize;
    let mut answered = true;
    for q in queries {
        if started.elapsed() > budget {
            break;
        }
        // Only the clock that is reported is read around the search: reading the thread's
        // CPU time is a system call, which would otherwise land in the wall-clock time.
        let (result, took) = if cpu_time() {
            let cpu = thread_cpu_micros();
            let result = engine.search(q);
            (result, thread_cpu_micros() - cpu)
        } else {
            let t = Instant::now();
            let result = engine.search(q);
            (result, t.elapsed().as_secs_f64() * 1e6)
        };
        micros.push(took);
        if show_slower_than().is_some_and(|ms| took >= ms * 1e3) {
            eprintln!("   slow {class:?} {:?}: {:.2} ms", q.text, took / 1e3);
        }
        let Some((_, hits)) = result else {
            answered = false;
            continue;
        };
        if class.has_recall() && !matches!(q.intended, Intended::Nothing) {
            judged += 1;
            let hit = hits
                .iter()
                .take(5)
                .any(|h| q.intended.is_met_by(&h.id, &h.display_name));
            found += usize::from(hit);
            if !hit && std::env::var_os("KONTAKT_BENCH_SHOW_MISSES").is_some() {
                let top: Vec<&str> = hits
                    .iter()
                    .take(5)
                    .map(|h| h.display_name.as_str())
                    .collect();
                eprintln!(
                    "   miss {:?} {:?}: wanted {:?}, got {top:?}",
                    class, q.text, q.intended
                );
            }
        }
    }
    ClassResult::new(
        class,
        micros,
        answered && engine.can_answer(class),
        class
            .has_recall()
            .then(|| found as f64 / judged.max(1) as f64),
    )
}
