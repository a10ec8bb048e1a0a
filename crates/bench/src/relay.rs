//! `kontakt-bench relay`: what the cloud in between costs. The same generated directory is
//! searched three ways, side by side and in alternating rounds on one machine:
//!
//! - `serve, plain`: `GET /api/v1/search` on `kontakt serve` (the API before this link);
//! - `serve, sealed`: sealed requests on `kontakt serve` (its directory linked in memory);
//! - `cloud → directory`: sealed requests through `kontakt cloud` and the WebSocket link to
//!   `kontakt directory`, each its own process.
//!
//! Each round measures latency one request at a time, then throughput with many workers.
//! The client seals like the tab does (`kontakt-seal`), but ahead of each measurement, as
//! the tab does on the user's own computer: what is measured is the services. It opens
//! every answer, as the tab does.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kontakt_api::{Answer, Inner, Op, SealedAnswer, SealedRequest, TICKET_HEADER};
use kontakt_seal::PublicKey;

use crate::queries;
use crate::report::percentile;
use crate::service::{self, demo_token, wait_for};

#[derive(clap::Args)]
pub struct Args {
    /// The `kontakt` binary to start.
    #[arg(long, default_value = "target/release/kontakt")]
    pub server: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    pub contacts: usize,
    /// Requests per way and round, one at a time.
    #[arg(long, default_value_t = 1000)]
    pub sequential: usize,
    /// Seconds per way and round of throughput.
    #[arg(long, default_value_t = 8)]
    pub seconds: u64,
    /// Concurrent workers for throughput (the servers and the client share the cores).
    #[arg(long, default_value_t = 16)]
    pub workers: usize,
    /// Simulated users, each with its own token (and ticket), under the per-user limits.
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    #[arg(long, default_value_t = 18190)]
    pub port: u16,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    Plain,
    SealedServe,
    Relay,
}

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Plain => "serve, plain",
            Way::SealedServe => "serve, sealed",
            Way::Relay => "cloud → directory, sealed",
        }
    }
}

struct User {
    token: String,
    ticket: String,
}

/// One service as the client sees it.
struct Target {
    base: String,
    tenant: String,
    key: PublicKey,
    users: Vec<User>,
}

fn random(buf: &mut [u8]) {
    rand::fill(buf);
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A search sealed ahead of time, as the tab seals it on the user's computer: the
/// benchmark measures the services, not the client's sealing on the same cores.
struct Prepared {
    body: Vec<u8>,
    reply: kontakt_seal::ResponseKey,
    user: usize,
}

impl Target {
    fn sealed_url(&self) -> String {
        format!("{}/api/v1/tenants/{}/sealed", self.base, self.tenant)
    }

    /// Seals a search for `q` by user number `user`.
    fn prepare(&self, user: usize, q: &str) -> anyhow::Result<Prepared> {
        let op = Op::Search {
            q: q.to_owned(),
            limit: 25,
        };
        let (body, reply) = self.seal(&self.users[user].token, op)?;
        Ok(Prepared {
            body: serde_json::to_vec(&body)?,
            reply,
            user,
        })
    }

    /// Sends a prepared search and opens the answer.
    fn send(&self, agent: &ureq::Agent, prepared: &Prepared) -> anyhow::Result<()> {
        let answer: SealedAnswer = agent
            .post(self.sealed_url())
            .header("content-type", "application/json")
            .header(TICKET_HEADER, &self.users[prepared.user].ticket)
            .send(&prepared.body[..])?
            .body_mut()
            .read_json()?;
        match Answer::open(&answer.sealed, &prepared.reply)? {
            Answer::Search(_) => Ok(()),
            other => anyhow::bail!("a search answered {other:?}"),
        }
    }

    fn seal(
        &self,
        token: &str,
        op: Op,
    ) -> anyhow::Result<(SealedRequest, kontakt_seal::ResponseKey)> {
        let inner = Inner::new(token, op, now_ms(), &mut random);
        Ok(SealedRequest::seal(
            &self.key,
            &self.tenant,
            &serde_json::to_vec(&inner)?,
            &mut random,
        )?)
    }

    /// Seals `op` for `token`, sends it (with `ticket`) and opens the answer.
    fn ask(
        &self,
        agent: &ureq::Agent,
        token: &str,
        ticket: Option<&str>,
        op: Op,
    ) -> anyhow::Result<Answer> {
        let (body, reply) = self.seal(token, op)?;
        let mut post = agent
            .post(self.sealed_url())
            .header("content-type", "application/json");
        if let Some(ticket) = ticket {
            post = post.header(TICKET_HEADER, ticket);
        }
        let answer: SealedAnswer = post
            .send(serde_json::to_vec(&body)?)?
            .body_mut()
            .read_json()?;
        Ok(Answer::open(&answer.sealed, &reply)?)
    }

    fn plain_search(&self, agent: &ureq::Agent, user: &User, q: &str) -> anyhow::Result<()> {
        agent
            .get(format!("{}/api/v1/search", self.base))
            .query("q", q)
            .query("limit", "25")
            .header("authorization", &format!("Bearer {}", user.token))
            .call()?
            .body_mut()
            .read_to_vec()?;
        Ok(())
    }
}

/// One request of `way`: the `i`th query, by user `i`, sealed ahead of time when sealed.
enum Request<'a> {
    Plain(&'a User, &'a str),
    Sealed(Prepared),
}

impl Request<'_> {
    fn send(&self, target: &Target, agent: &ureq::Agent) -> anyhow::Result<()> {
        match self {
            Request::Plain(user, q) => target.plain_search(agent, user, q),
            Request::Sealed(prepared) => target.send(agent, prepared),
        }
    }
}

/// `count` requests of `way`, starting at query `from`, sealed on both cores when sealed.
fn requests<'a>(
    target: &'a Target,
    way: Way,
    queries: &'a [String],
    from: usize,
    count: usize,
) -> anyhow::Result<Vec<Request<'a>>> {
    let pick = |i: usize| (i % target.users.len(), queries[i % queries.len()].as_str());
    if way == Way::Plain {
        return Ok((from..from + count)
            .map(|i| {
                let (u, q) = pick(i);
                Request::Plain(&target.users[u], q)
            })
            .collect());
    }
    let half = count / 2;
    let (a, b) = std::thread::scope(|s| {
        let seal = |range: std::ops::Range<usize>| {
            range
                .map(|i| {
                    let (u, q) = pick(i);
                    target.prepare(u, q).map(Request::Sealed)
                })
                .collect::<anyhow::Result<Vec<_>>>()
        };
        let first = s.spawn(move || seal(from..from + half));
        let second = seal(from + half..from + count);
        (first.join().expect("sealing thread"), second)
    });
    let mut all = a?;
    all.extend(b?);
    Ok(all)
}

/// The demo tenant's id, as a demo token names it.
pub fn demo_tenant(agent: &ureq::Agent, base: &str) -> anyhow::Result<String> {
    tenant_of(&demo_token(agent, base, 0)?)
}

/// The `tid` a token names (the tab reads it the same way, unchecked).
fn tenant_of(token: &str) -> anyhow::Result<String> {
    let payload = token.split('.').nth(1).unwrap_or_default();
    let claims: serde_json::Value =
        serde_json::from_slice(&kontakt_seal::decode(payload, "token")?)?;
    Ok(claims["tid"].as_str().unwrap_or_default().to_owned())
}

/// Signs in `users` users at `base`: a demo token each, then the sealed sign-in for a ticket.
fn target(agent: &ureq::Agent, base: &str, users: usize) -> anyhow::Result<Target> {
    // A million demo contacts take minutes to generate.
    let limit = Duration::from_secs(600);
    wait_for(agent, &format!("{base}/healthz"), limit)?;
    let tenant = demo_tenant(agent, base)?;
    wait_for(
        agent,
        &format!("{base}/api/v1/tenants/{tenant}/directory-key"),
        limit,
    )?;
    let document: kontakt_api::DirectoryKey = agent
        .get(format!("{base}/api/v1/tenants/{tenant}/directory-key"))
        .call()?
        .body_mut()
        .read_json()?;
    let mut target = Target {
        base: base.to_owned(),
        tenant,
        key: PublicKey::from_text(&document.key)?,
        users: Vec::new(),
    };
    for i in 0..users {
        let token = demo_token(agent, base, i)?;
        let Answer::SignedIn { ticket, .. } = target.ask(agent, &token, None, Op::SignIn)? else {
            anyhow::bail!("signing in did not give a ticket");
        };
        target.users.push(User { token, ticket });
    }
    Ok(target)
}

/// Latency and throughput of one way in one round.
#[derive(Clone, Copy, Default)]
struct Measured {
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
    loaded_p50_ms: f64,
    loaded_p99_ms: f64,
    errors: u64,
    /// CPU the cloud process spent per request under load (relayed searches only).
    cloud_cpu_us: f64,
}

/// Requests each throughput worker gets ready, as many as it could send at this rate.
const READY_PER_SECOND: usize = 6000;

fn measure(
    target: &Arc<Target>,
    way: Way,
    queries: &Arc<Vec<String>>,
    args: &Args,
    cloud: Option<&service::Running>,
) -> anyhow::Result<Measured> {
    let agent = ureq::Agent::new_with_defaults();
    let mut one_at_a_time = Vec::with_capacity(args.sequential);
    let mut errors = 0;
    for request in requests(target, way, queries, 0, args.sequential)? {
        let started = Instant::now();
        if request.send(target, &agent).is_err() {
            errors += 1;
        }
        one_at_a_time.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    one_at_a_time.sort_by(f64::total_cmp);

    let per_worker = READY_PER_SECOND * args.seconds as usize / args.workers;
    let mut batches = Vec::with_capacity(args.workers);
    for w in 0..args.workers {
        batches.push(requests(
            target,
            way,
            queries,
            args.sequential + w * per_worker,
            per_worker,
        )?);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicU64::new(0));
    let ran_out = Arc::new(AtomicU64::new(0));
    let cpu_before = cloud.map(service::Running::cpu_seconds).transpose()?;
    let started = Instant::now();
    let times: Vec<Vec<f64>> = std::thread::scope(|s| {
        let workers: Vec<_> = batches
            .iter()
            .map(|batch| {
                let (target, stop, failed, ran_out) = (&**target, &stop, &failed, &ran_out);
                s.spawn(move || {
                    let agent = ureq::Agent::new_with_defaults();
                    let mut times = Vec::new();
                    for request in batch {
                        if stop.load(Ordering::Relaxed) {
                            return times;
                        }
                        let t = Instant::now();
                        if request.send(target, &agent).is_err() {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    ran_out.fetch_add(1, Ordering::Relaxed);
                    times
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(args.seconds));
        stop.store(true, Ordering::Relaxed);
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_used = match (cloud, cpu_before) {
        (Some(cloud), Some(before)) => cloud.cpu_seconds()? - before,
        _ => 0.0,
    };
    if ran_out.load(Ordering::Relaxed) > 0 {
        eprintln!("  (workers ran out of prepared requests: the rate above is a lower bound)");
    }
    let mut loaded: Vec<f64> = times.into_iter().flatten().collect();
    loaded.sort_by(f64::total_cmp);
    Ok(Measured {
        p50_ms: percentile(&one_at_a_time, 50.0),
        p99_ms: percentile(&one_at_a_time, 99.0),
        rps: loaded.len() as f64 / elapsed.min(args.seconds as f64 + 0.05),
        loaded_p50_ms: percentile(&loaded, 50.0),
        loaded_p99_ms: percentile(&loaded, 99.0),
        errors: errors + failed.load(Ordering::Relaxed),
        cloud_cpu_us: cpu_used * 1e6 / loaded.len().max(1) as f64,
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (serve_port, cloud_port) = (args.port, args.port + 1);
    let spawn = |role_args: Vec<String>| service::start(&args.server, &role_args);
    let size = args.contacts.to_string();
    eprintln!("starting serve, cloud and directory with {size} demo contacts");
    let _serve = spawn(
        [
            "serve",
            "--demo",
            "--demo-size",
            &size,
            "--listen",
            &format!("127.0.0.1:{serve_port}"),
        ]
        .map(String::from)
        .to_vec(),
    )?;
    let cloud_base = format!("http://127.0.0.1:{cloud_port}");
    let cloud = spawn(
        [
            "cloud",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{cloud_port}"),
        ]
        .map(String::from)
        .to_vec(),
    )?;
    let _directory = spawn(
        [
            "directory",
            "--demo",
            "--demo-size",
            &size,
            "--cloud",
            &cloud_base,
        ]
        .map(String::from)
        .to_vec(),
    )?;
    let agent = ureq::Agent::new_with_defaults();
    eprintln!("signing in {} users on each", args.users);
    let serve = Arc::new(target(
        &agent,
        &format!("http://127.0.0.1:{serve_port}"),
        args.users,
    )?);
    let relay = Arc::new(target(&agent, &cloud_base, args.users)?);
    let queries: Arc<Vec<String>> = Arc::new(
        queries::generate(args.contacts, 42, 100)
            .into_iter()
            .map(|q| q.text)
            .collect(),
    );
    let ways = [Way::Plain, Way::SealedServe, Way::Relay];
    let mut results: Vec<Vec<Measured>> = vec![Vec::new(); ways.len()];
    for round in 1..=args.rounds {
        // Alternating order, so no way always runs on a warmer (or busier) machine.
        let mut order: Vec<usize> = (0..ways.len()).collect();
        if round % 2 == 0 {
            order.reverse();
        }
        for i in order {
            let target = if ways[i] == Way::Relay {
                &relay
            } else {
                &serve
            };
            let cloud = (ways[i] == Way::Relay).then_some(&cloud);
            let m = measure(target, ways[i], &queries, &args, cloud)?;
            eprintln!(
                "round {round}, {}: {:.2}/{:.2} ms one at a time, {:.0} req/s with {} workers, {} errors",
                ways[i].name(),
                m.p50_ms,
                m.p99_ms,
                m.rps,
                args.workers,
                m.errors
            );
            results[i].push(m);
        }
    }
    let summary: Vec<Measured> = results
        .iter()
        .map(|runs| Measured {
            p50_ms: median(runs.iter().map(|m| m.p50_ms).collect()),
            p99_ms: median(runs.iter().map(|m| m.p99_ms).collect()),
            rps: median(runs.iter().map(|m| m.rps).collect()),
            loaded_p50_ms: median(runs.iter().map(|m| m.loaded_p50_ms).collect()),
            loaded_p99_ms: median(runs.iter().map(|m| m.loaded_p99_ms).collect()),
            errors: runs.iter().map(|m| m.errors).sum(),
            cloud_cpu_us: median(runs.iter().map(|m| m.cloud_cpu_us).collect()),
        })
        .collect();
    println!(
        "\n## Search through the relay: {} contacts, medians of {} rounds\n",
        args.contacts, args.rounds
    );
    println!(
        "| way | one at a time p50 ms | p99 ms | req/s ({} workers) | loaded p50 ms | loaded p99 ms | errors |",
        args.workers
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (way, m) in ways.iter().zip(&summary) {
        println!(
            "| {} | {:.2} | {:.2} | {:.0} | {:.1} | {:.1} | {} |",
            way.name(),
            m.p50_ms,
            m.p99_ms,
            m.rps,
            m.loaded_p50_ms,
            m.loaded_p99_ms,
            m.errors
        );
    }
    let (plain, sealed, relay) = (summary[0], summary[1], summary[2]);
    println!(
        "\nThe link adds {:.2} ms at p50 and {:.2} ms at p99 to a sealed search (target ≤ 1 ms at p50); sealing adds {:.2} ms at p50 over the plain API.",
        relay.p50_ms - sealed.p50_ms,
        relay.p99_ms - sealed.p99_ms,
        sealed.p50_ms - plain.p50_ms,
    );
    println!(
        "Throughput through the relay is {:.0} % of serve's sealed and {:.0} % of serve's plain API (target ≥ 50 %).",
        100.0 * relay.rps / sealed.rps,
        100.0 * relay.rps / plain.rps,
    );
    println!(
        "Under load the cloud spent {:.0} µs of CPU per relayed search (its process's user + system time over the requests answered); it holds {:.1} MiB resident with one directory linked and {} users signed in.",
        relay.cloud_cpu_us,
        cloud.resident_kib()? as f64 / 1024.0,
        args.users,
    );
    Ok(())
}
