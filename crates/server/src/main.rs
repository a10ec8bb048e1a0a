use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use kontakt_server::{DemoOptions, Options};

/// Kontakt: contact search and click-to-call for Microsoft Teams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the tab.
    Serve {
        /// Demo mode: a generated directory, demo tokens, no Microsoft sign-in.
        #[arg(long)]
        demo: bool,
        /// Contacts in the demo directory.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_COUNT, requires = "demo")]
        demo_size: usize,
        /// Seed of the demo generator: the same seed gives the same contacts.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_SEED, requires = "demo")]
        demo_seed: u64,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "KONTAKT_LISTEN")]
        listen: SocketAddr,
        /// Folder of the built tab (Trunk's output).
        #[arg(long, default_value = "dist", env = "KONTAKT_TAB_DIR")]
        tab_dir: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KONTAKT_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve {
                demo,
                demo_size,
                demo_seed,
                listen,
                tab_dir,
            } => {
                let running = kontakt_server::start(Options {
                    listen,
                    tab_dir: Some(tab_dir),
                    demo: demo.then_some(DemoOptions {
                        size: demo_size,
                        seed: demo_seed,
                    }),
                })
                .await?;
                let url = format!("http://{}/", running.addr);
                tracing::info!("Kontakt is listening on {url}");
                if demo {
                    println!("\n  Kontakt demo: {url}\n");
                }
                running.handle.await??;
                Ok(())
            }
        }
    })
}
