//! A load run through the cluster beside one node, in one run on one machine: two
//! organisations (10,000 generated contacts each, one directory each), 100 signed-in users
//! per organisation, sealed searches through nginx, as the tab sends them.
//!
//! - `one node`: `kontakt cloud` as a single node is deployed (SQLite registry, no NATS);
//! - `three nodes`: three `kontakt cloud` nodes sharing a PostgreSQL registry and routing
//!   through `nats-server`, so two of three searches arrive on a node without the link.
//!
//! Each round measures one search at a time, then throughput with many concurrent users,
//! alternating which deployment goes first. It prints a table for docs/performance.md and
//! the CPU the cloud's processes spent per search (the input to docs/scaling.md). Two cores
//! cannot show scale-out: all processes share them, so the table shows what the cluster's
//! extra hop costs, not what more machines give.
//!
//! `scripts/cluster-test.sh --load` runs it; a plain `cargo test` skips it.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::processes::*;
use common::sealed::*;
use common::*;
use kontakt_api::{Answer, Op};
use kontakt_server::registry::{NewTenant, Registry};

const CONTACTS: usize = 10_000;
const USERS_PER_ORGANISATION: usize = 100;
const WORKERS: usize = 32;
const SECONDS: u64 = 8;
const ONE_AT_A_TIME: usize = 400;
const ROUNDS: usize = 3;
/// Searches sealed ahead per second of throughput: more than the machine answers.
const READY_PER_SECOND: usize = 5000;

struct Deployment {
    name: &'static str,
    /// The `kontakt cloud` nodes.
    nodes: Vec<Process>,
    /// NATS and nginx: the rest of the cloud side.
    others: Vec<Process>,
    /// NATS' monitoring port, for the bytes it carried.
    nats_monitor: Option<u16>,
    _directories: Vec<Process>,
    tabs: Vec<Arc<SealedTab>>,
}

/// A `[[tenants]]` table with a generated source of `CONTACTS` contacts from `seed`.
fn generated_tenant(tenant: &str, seed: u64) -> String {
    format!(
        "[[tenants]]\nid = \"{tenant}\"\nname = \"Org\"\ndialing = {{ country = \"DE\", area_code = \"89\" }}\n\
         [[tenants.sources]]\ntype = \"demo\"\nid = \"crm\"\nname = \"CRM\"\nsize = {CONTACTS}\nseed = {seed}\n"
    )
}

/// A token for user number `n` of `tenant`.
fn user_token(tenant: &str, n: usize) -> String {
    let mut claims = claims(tenant);
    claims["oid"] = format!("{n:08x}-0000-4000-8000-{n:012x}").into();
    sign(&claims, &keys()[0])
}

/// `nodes` cloud nodes behind nginx in `dir` (with NATS when more than one), a directory
/// per organisation enrolled and linked, and the users signed in.
async fn deploy(
    name: &'static str,
    dir: &Path,
    nodes: usize,
    registry_url: &str,
    jwks: &str,
    http: &reqwest::Client,
) -> Deployment {
    let registry = Registry::open(registry_url).await.unwrap();
    let now = kontakt_server::tenants::now_secs();
    for (id, organisation) in [(TENANT_A, "Alpha"), (TENANT_B, "Bravo")] {
        let tenant = NewTenant {
            id: id.into(),
            organisation: organisation.into(),
            admin_name: "Ada Admin".into(),
            admin_email: "ada@example.com".into(),
        };
        registry.register(&tenant, now).await.unwrap();
    }
    let mut others = Vec::new();
    let nats_port = (nodes > 1).then(free_port);
    let nats_monitor = nats_port.map(|_| free_port());
    if let Some(port) = nats_port {
        others.push(nats_monitored(port, nats_monitor));
    }
    let ports: Vec<u16> = (0..nodes).map(|_| free_port()).collect();
    let mut node_processes = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let config = dir.join(format!("node-{i}.toml"));
        let data = dir.join(format!("node-{i}-data"));
        cloud_config(&config, *port, &data, jwks, registry_url, nats_port);
        let log = dir.join(format!("node-{i}.log"));
        node_processes.push(kontakt(
            &["cloud", "--config", &config.display().to_string()],
            &log,
        ));
    }
    for port in &ports {
        wait_for_port(*port);
    }
    let proxy = free_port();
    others.push(nginx(dir, proxy, &ports));
    let base = format!("http://127.0.0.1:{proxy}");
    let mut directories = Vec::new();
    for (tenant, seed) in [(TENANT_A, 1), (TENANT_B, 2)] {
        let folder = dir.join(format!("directory-{seed}"));
        let config = directory_config(&folder, &generated_tenant(tenant, seed), jwks, &base);
        enroll(
            &config,
            &base,
            &registry.create_code(tenant, now).await.unwrap(),
        );
        let log = folder.join("directory.log");
        directories.push(kontakt(
            &["directory", "--config", &config.display().to_string()],
            &log,
        ));
    }
    common::roles::eventually("both directories link", Duration::from_secs(60), || {
        let ports = ports.clone();
        async move {
            links_on_all(&ports, TENANT_A).await == 1 && links_on_all(&ports, TENANT_B).await == 1
        }
    })
    .await;
    let mut tabs = Vec::new();
    for tenant in [TENANT_A, TENANT_B] {
        for n in 0..USERS_PER_ORGANISATION {
            let (mut tab, _) = SealedTab::signed_in(&base, &user_token(tenant, n), tenant).await;
            tab.http = http.clone();
            tabs.push(Arc::new(tab));
        }
    }
    Deployment {
        name,
        nodes: node_processes,
        others,
        nats_monitor,
        _directories: directories,
        tabs,
    }
}

/// What people search for in the directory generated from `seed`: surnames and prefixes.
fn queries(seed: u64) -> Vec<String> {
    kontakt_directory::demo::generate(CONTACTS, seed)
        .iter()
        .filter_map(|c| c.surname.clone())
        .enumerate()
        .map(|(i, surname)| match i % 3 {
            0 => surname,
            n => surname.chars().take(2 + n).collect(),
        })
        .take(500)
        .collect()
}

/// `count` searches, each by the next user with the next query of its organisation, sealed
/// ahead on both cores as the tab seals on the user's own computer.
async fn sealed(
    d: &Deployment,
    queries: &Arc<[Vec<String>; 2]>,
    from: usize,
    count: usize,
) -> Vec<(Arc<SealedTab>, Prepared)> {
    let half = from + count / 2;
    let chunks = [(from, half), (half, from + count)].map(|(start, end)| {
        let tabs = d.tabs.clone();
        let queries = Arc::clone(queries);
        tokio::task::spawn_blocking(move || {
            (start..end)
                .map(|i| {
                    let tab = Arc::clone(&tabs[i % tabs.len()]);
                    let list = &queries[usize::from(tab.tenant == TENANT_B)];
                    let op = Op::Search {
                        q: list[i % list.len()].clone(),
                        limit: 25,
                    };
                    let prepared = tab.prepare(op);
                    (tab, prepared)
                })
                .collect::<Vec<_>>()
        })
    });
    let mut all = Vec::with_capacity(count);
    for chunk in chunks {
        all.extend(chunk.await.unwrap());
    }
    all
}

async fn search(tab: &SealedTab, prepared: &Prepared) -> bool {
    matches!(tab.send(prepared).await, Outcome::Answer(Answer::Search(_)))
}

#[derive(Clone, Copy, Default)]
struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
    loaded_p50_ms: f64,
    loaded_p99_ms: f64,
    errors: usize,
    /// CPU µs per search of the `kontakt cloud` processes, and of NATS and nginx.
    nodes_cpu_us: f64,
    others_cpu_us: f64,
    /// Bytes NATS received per search (requests and answers between the nodes).
    nats_bytes: f64,
}

/// Bytes NATS has received so far (its `/varz`).
async fn nats_bytes(monitor: Option<u16>) -> f64 {
    let Some(port) = monitor else { return 0.0 };
    let varz: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/varz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    varz["in_bytes"].as_f64().unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize - 1]
}

fn cpu(processes: &[Process]) -> f64 {
    processes.iter().map(Process::cpu_seconds).sum()
}

async fn measure(d: &Deployment, queries: &Arc<[Vec<String>; 2]>, round: usize) -> Measured {
    let batch = ONE_AT_A_TIME + READY_PER_SECOND * SECONDS as usize;
    let mut ready = sealed(d, queries, round * batch, batch).await;
    let loaded = ready.split_off(ONE_AT_A_TIME);
    let mut one_at_a_time = Vec::new();
    let mut errors = 0;
    for (tab, prepared) in &ready {
        let started = Instant::now();
        errors += usize::from(!search(tab, prepared).await);
        one_at_a_time.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    one_at_a_time.sort_by(f64::total_cmp);

    let mut per_worker: Vec<Vec<(Arc<SealedTab>, Prepared)>> =
        (0..WORKERS).map(|_| Vec::new()).collect();
    for (i, request) in loaded.into_iter().enumerate() {
        per_worker[i % WORKERS].push(request);
    }
    let (nodes_before, others_before) = (cpu(&d.nodes), cpu(&d.others));
    let bytes_before = nats_bytes(d.nats_monitor).await;
    let started = Instant::now();
    let until = started + Duration::from_secs(SECONDS);
    let workers: Vec<_> = per_worker
        .into_iter()
        .map(|requests| {
            tokio::spawn(async move {
                let (mut times, mut failed, mut ran_out) = (Vec::new(), 0, true);
                for (tab, prepared) in &requests {
                    if Instant::now() >= until {
                        ran_out = false;
                        break;
                    }
                    let t = Instant::now();
                    failed += usize::from(!search(tab, prepared).await);
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                (times, failed, ran_out)
            })
        })
        .collect();
    let mut times = Vec::new();
    for worker in workers {
        let (t, failed, ran_out) = worker.await.unwrap();
        if ran_out {
            eprintln!("  (a worker ran out of sealed searches: the rate is a lower bound)");
        }
        times.extend(t);
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let answered = times.len().max(1) as f64;
    let nodes_cpu_us = (cpu(&d.nodes) - nodes_before) * 1e6 / answered;
    let others_cpu_us = (cpu(&d.others) - others_before) * 1e6 / answered;
    let nats_bytes = (nats_bytes(d.nats_monitor).await - bytes_before) / answered;
    times.sort_by(f64::total_cmp);
    Measured {
        p50_ms: percentile(&one_at_a_time, 50.0),
        p99_ms: percentile(&one_at_a_time, 99.0),
        rps: times.len() as f64 / elapsed,
        loaded_p50_ms: percentile(&times, 50.0),
        loaded_p99_ms: percentile(&times, 99.0),
        errors,
        nodes_cpu_us,
        others_cpu_us,
        nats_bytes,
    }
}

fn median(runs: &[Measured], field: impl Fn(&Measured) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Resident memory of a process in MiB, from `/proc`.
fn rss_mib(process: &Process) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", process.0.id())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a load run (needs nginx, nats-server and PostgreSQL); scripts/cluster-test.sh --load runs it"]
async fn load_through_a_cluster_beside_one_node() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let jwks = Jwks::start(serde_json::json!({"keys": [keys()[0].jwk(template_issuer())]})).await;
    let root = tempfile::tempdir().unwrap();
    // One connection pool for all simulated users, as many connections as workers.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(WORKERS)
        .build()
        .unwrap();
    let single_dir = root.path().join("one");
    let cluster_dir = root.path().join("three");
    std::fs::create_dir_all(&single_dir).unwrap();
    std::fs::create_dir_all(&cluster_dir).unwrap();
    let sqlite = format!("sqlite:{}", single_dir.join("registry.sqlite").display());
    let deployments = [
        deploy(
            "one node (SQLite, no NATS)",
            &single_dir,
            1,
            &sqlite,
            &jwks.url,
            &http,
        )
        .await,
        deploy(
            "three nodes (PostgreSQL, NATS)",
            &cluster_dir,
            3,
            &postgres::server().database(),
            &jwks.url,
            &http,
        )
        .await,
    ];
    let queries = Arc::new([queries(1), queries(2)]);
    let mut results: [Vec<Measured>; 2] = [Vec::new(), Vec::new()];
    for round in 0..ROUNDS {
        // Alternating order, so neither always runs on a warmer (or busier) machine.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let d = &deployments[i];
            let m = measure(d, &queries, round).await;
            eprintln!(
                "round {}, {}: {:.2}/{:.2} ms one at a time, {:.0} searches/s with {WORKERS} users at once, {} errors",
                round + 1,
                d.name,
                m.p50_ms,
                m.p99_ms,
                m.rps,
                m.errors
            );
            results[i].push(m);
        }
    }
    println!(
        "\n## Through the cluster beside one node: 2 organisations × {CONTACTS} contacts, {} users, medians of {ROUNDS} rounds\n",
        2 * USERS_PER_ORGANISATION
    );
    println!(
        "| deployment | one at a time p50 ms | p99 ms | searches/s ({WORKERS} at once) | loaded p50 ms | loaded p99 ms | errors | CPU µs/search: nodes | NATS + nginx | NATS bytes in/search | RSS per node MiB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut summary = Vec::new();
    for (d, runs) in deployments.iter().zip(&results) {
        let rss: f64 = d.nodes.iter().map(rss_mib).sum::<f64>() / d.nodes.len() as f64;
        let m = Measured {
            p50_ms: median(runs, |m| m.p50_ms),
            p99_ms: median(runs, |m| m.p99_ms),
            rps: median(runs, |m| m.rps),
            loaded_p50_ms: median(runs, |m| m.loaded_p50_ms),
            loaded_p99_ms: median(runs, |m| m.loaded_p99_ms),
            errors: runs.iter().map(|m| m.errors).sum(),
            nodes_cpu_us: median(runs, |m| m.nodes_cpu_us),
            others_cpu_us: median(runs, |m| m.others_cpu_us),
            nats_bytes: median(runs, |m| m.nats_bytes),
        };
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {} | {:.0} | {:.0} | {:.0} | {rss:.1} |",
            d.name,
            m.p50_ms,
            m.p99_ms,
            m.rps,
            m.loaded_p50_ms,
            m.loaded_p99_ms,
            m.errors,
            m.nodes_cpu_us,
            m.others_cpu_us,
            m.nats_bytes
        );
        summary.push(m);
    }
    let (one, three) = (summary[0], summary[1]);
    println!(
        "\nThe cluster answers {:.0} % of one node's searches per second on the same two cores; a search costs its nodes {:.2}× the CPU ({:.0} vs {:.0} µs) and takes {:+.2} ms at p50 one at a time.",
        100.0 * three.rps / one.rps,
        three.nodes_cpu_us / one.nodes_cpu_us,
        three.nodes_cpu_us,
        one.nodes_cpu_us,
        three.p50_ms - one.p50_ms,
    );
    assert_eq!(one.errors + three.errors, 0, "searches failed under load");
}
