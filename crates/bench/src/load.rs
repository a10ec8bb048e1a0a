//! `kontakt-bench load`: the real server under HTTP load from wrk (Debian's `wrk`), with
//! valid tokens of many users and the realistic query log, on loopback.
//!
//! Starts `kontakt serve --demo --demo-size N`, issues one demo token per simulated user
//! (each user stays under the per-user rate limit, as real users do), writes a wrk script
//! that cycles through the queries and tokens, runs wrk and prints what it measured.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::{queries, service};

#[derive(clap::Args)]
pub struct Args {
    /// The `kontakt` binary to start.
    #[arg(long, default_value = "target/release/kontakt")]
    pub server: PathBuf,
    #[arg(long, default_value_t = 100_000)]
    pub contacts: usize,
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    #[arg(long, default_value_t = 64)]
    pub connections: u32,
    /// wrk threads (the server and wrk share the machine's cores).
    #[arg(long, default_value_t = 1)]
    pub threads: u32,
    /// Simulated users, one token each.
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    #[arg(long, default_value_t = 18090)]
    pub port: u16,
    /// Ask for compressed responses, as browsers do.
    #[arg(long)]
    pub compressed: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not installed: apt-get install wrk"
    );
    let base = format!("http://127.0.0.1:{}", args.port);
    eprintln!(
        "starting {} with {} demo contacts",
        args.server.display(),
        args.contacts
    );
    let _server = service::start(
        &args.server,
        &[
            "serve",
            "--demo",
            "--demo-size",
            &args.contacts.to_string(),
            "--listen",
            &format!("127.0.0.1:{}", args.port),
        ],
    )?;
    let agent = ureq::Agent::new_with_defaults();
    service::wait_for(&agent, &format!("{base}/healthz"), Duration::from_secs(300))?;
    eprintln!("issuing {} user tokens", args.users);
    let tokens: Vec<String> = (0..args.users)
        .map(|i| service::demo_token(&agent, &base, i))
        .collect::<anyhow::Result<_>>()?;
    let log = queries::generate(args.contacts, 42, 100);
    let paths: Vec<String> = log
        .iter()
        .map(|q| format!("/api/v1/search?q={}&limit=25", percent_encode(&q.text)))
        .collect();
    let script = tempfile::Builder::new().suffix(".lua").tempfile()?;
    write_script(script.as_file(), &paths, &tokens, args.compressed)?;
    eprintln!(
        "running wrk for {} s, {} connections, {} queries in rotation",
        args.seconds,
        args.connections,
        paths.len()
    );
    let out = Command::new("wrk")
        .args([
            "-t",
            &args.threads.to_string(),
            "-c",
            &args.connections.to_string(),
        ])
        .args(["-d", &format!("{}s", args.seconds), "--latency", "-s"])
        .arg(script.path())
        .arg(&base)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let field = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_else(|| "0".into())
    };
    let requests: u64 = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let non_2xx = text
        .lines()
        .find(|l| l.contains("Non-2xx"))
        .and_then(|l| l.rsplit(':').next())
        .map(|n| n.trim().to_owned())
        .unwrap_or_else(|| "0".into());
    let socket_errors = text
        .lines()
        .find(|l| l.contains("Socket errors"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_else(|| "none".into());
    println!(
        "| contacts | connections | seconds | requests | requests/s | p50 | p90 | p99 | non-2xx | socket errors | compressed |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        args.contacts,
        args.connections,
        args.seconds,
        requests,
        field("Requests/sec:"),
        field("50%"),
        field("90%"),
        field("99%"),
        non_2xx,
        socket_errors,
        if args.compressed { "gzip/br" } else { "no" },
    );
    Ok(())
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Each wrk connection walks the query log from its own offset, each request with the
/// token of the next user.
fn write_script(
    mut f: &std::fs::File,
    paths: &[String],
    tokens: &[String],
    compressed: bool,
) -> std::io::Result<()> {
    writeln!(f, "local paths = {{")?;
    for p in paths {
        writeln!(f, "  {p:?},")?;
    }
    writeln!(f, "}}\nlocal tokens = {{")?;
    for t in tokens {
        writeln!(f, "  \"Bearer {t}\",")?;
    }
    writeln!(f, "}}")?;
    if compressed {
        writeln!(f, "wrk.headers[\"Accept-Encoding\"] = \"gzip, br\"")?;
    }
    writeln!(
        f,
        r#"local counter = 0
init = function(args)
  counter = math.random(1, #paths)
end
request = function()
  counter = counter + 1
  local headers = {{ ["Authorization"] = tokens[(counter % #tokens) + 1] }}
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end"#
    )
}
