//! `kontakt-bench load`: the real server under HTTP load from wrk (Debian's `wrk`), with
//! valid tokens of many users and the realistic query log, on loopback.
//!
//! Starts `kontakt serve --demo --demo-size N`, issues one demo token per simulated user
//! (each user stays under the per-user rate limit, as real users do), writes a wrk script
//! that cycles through the queries and tokens, runs wrk and prints what it measured.

use std::io::Write;
use std::path::PathBuf;

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
    let base = format!("http://127.0.0.1:{}", args.port);
    let _server = service::start_demo(&args.server, args.contacts, args.port)?;
    let agent = ureq::Agent::new_with_defaults();
    eprintln!("issuing {} user tokens", args.users);
    let tokens: Vec<String> = (0..args.users)
        .map(|i| service::demo_token(&agent, &base, i))
        .collect::<anyhow::Result<_>>()?;
    let log = queries::generate(args.contacts, 42, 100);
    let paths: Vec<String> = log
        .iter()
        .map(|q| {
            format!(
                "/api/v1/search?q={}&limit=25",
                service::percent_encode(&q.text)
            )
        })
        .collect();
    let script = tempfile::Builder::new().suffix(".lua").tempfile()?;
    write_script(script.as_file(), &paths, &tokens, args.compressed)?;
    eprintln!(
        "running wrk for {} s, {} connections, {} queries in rotation",
        args.seconds,
        args.connections,
        paths.len()
    );
    let w = service::wrk(
        script.path(),
        &base,
        args.threads,
        args.connections,
        args.seconds,
    )?;
    println!(
        "| contacts | connections | seconds | requests | requests/s | p50 | p90 | p99 | non-2xx | socket errors | compressed |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
    println!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        args.contacts,
        args.connections,
        args.seconds,
        w.requests,
        w.per_second,
        w.p50,
        w.p90,
        w.p99,
        w.non_2xx,
        w.socket_errors,
        if args.compressed { "gzip/br" } else { "no" },
    );
    Ok(())
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
