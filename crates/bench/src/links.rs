//! `kontakt-bench links`: what an idle directory link costs a cloud node in memory. Starts
//! `kontakt cloud --demo` and the demo's `kontakt directory`, then opens `count` more links
//! for the demo organisation the way a directory does (the demo's public credential, a hello
//! with the directory's key) and keeps them idle, answering pings. The node's resident memory before and after, divided by the links, is
//! the cost of one: what `docs/scaling.md` multiplies by tens of thousands of directories.

use std::path::PathBuf;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use kontakt_api::DirectoryKey;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::service::{self, wait_for};

/// The demo directory's credential: public, accepted only by a demo cloud.
const DEMO_CREDENTIAL: &str = "kontakt-demo-directory-credential-not-a-secret";

#[derive(clap::Args)]
pub struct Args {
    /// The `kontakt` binary to start.
    #[arg(long, default_value = "target/release/kontakt")]
    server: PathBuf,
    /// Idle links to open.
    #[arg(long, default_value_t = 2000)]
    count: usize,
    #[arg(long, default_value_t = 18290)]
    port: u16,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let base = format!("http://127.0.0.1:{}", args.port);
    let cloud = service::start(
        &args.server,
        &[
            "cloud",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{}", args.port),
        ],
    )?;
    let agent = ureq::Agent::new_with_defaults();
    wait_for(&agent, &format!("{base}/healthz"), Duration::from_secs(60))?;
    let tenant = crate::relay::demo_tenant(&agent, &base)?;
    // The demo directory, linked once: the cloud accepts further links of it only with its
    // key, which the cloud then publishes.
    let _directory = service::start(
        &args.server,
        &["directory", "--demo", "--demo-size", "10", "--cloud", &base],
    )?;
    let key_url = format!("{base}/api/v1/tenants/{tenant}/directory-key");
    wait_for(&agent, &key_url, Duration::from_secs(60))?;
    let document: DirectoryKey = agent.get(&key_url).call()?.body_mut().read_json()?;
    let hello =
        serde_json::json!({"hello": {"tenant": tenant, "key": document, "version": "bench"}})
            .to_string();
    std::thread::sleep(Duration::from_secs(1));
    let before = cloud.resident_kib()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let linked = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..args.count {
            let (url, tenant, hello) = (
                format!("ws://127.0.0.1:{}/api/v1/link", args.port),
                tenant.clone(),
                hello.clone(),
            );
            let (ready, is_ready) = tokio::sync::oneshot::channel();
            tasks.push(tokio::spawn(async move {
                let mut request = url.into_client_request()?;
                let headers = request.headers_mut();
                headers.insert(
                    "authorization",
                    HeaderValue::from_str(&format!("Bearer {DEMO_CREDENTIAL}"))?,
                );
                headers.insert("kontakt-tenant", HeaderValue::from_str(&tenant)?);
                let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
                socket.send(Message::Text(hello.into())).await?;
                let _ = ready.send(());
                // Idle: read (which answers the cloud's pings) until the end.
                while let Some(message) = socket.next().await {
                    if let Message::Close(frame) = message? {
                        anyhow::bail!("closed by the cloud: {frame:?}");
                    }
                }
                anyhow::Ok(())
            }));
            let _ = is_ready.await;
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let open = tasks.iter().filter(|t| !t.is_finished()).count();
        if let Some(ended) = tasks.into_iter().find(|t| t.is_finished()) {
            eprintln!("a link ended: {:?}", ended.await);
        }
        open
    });
    let after = cloud.resident_kib()?;
    let metrics = agent
        .get(format!("{base}/metrics"))
        .call()?
        .body_mut()
        .read_to_string()?;
    let counted: u64 = metrics
        .lines()
        .filter(|l| l.starts_with("kontakt_directory_links{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    println!("\n## Idle directory links on one cloud node\n");
    println!("| links open | the node counts | resident before | after | per link |");
    println!("|---:|---:|---:|---:|---:|");
    println!(
        "| {linked} | {counted} | {:.1} MiB | {:.1} MiB | {:.1} KiB |",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / linked.max(1) as f64
    );
    runtime.shutdown_background();
    Ok(())
}
