use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kontakt_server::package::{Package, PackageOptions};
use kontakt_server::settings::{ConfigFile, Settings};

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
        /// The configuration file (see docs/deploy.md).
        #[arg(
            long,
            short,
            env = "KONTAKT_CONFIG",
            required_unless_present = "demo",
            conflicts_with = "demo"
        )]
        config: Option<PathBuf>,
        /// Demo mode: a generated directory, demo sign-in, no Microsoft account needed.
        #[arg(long)]
        demo: bool,
        /// Contacts in the demo directory.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_COUNT, requires = "demo")]
        demo_size: usize,
        /// Seed of the demo generator: the same seed gives the same contacts.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_SEED, requires = "demo")]
        demo_seed: u64,
        /// Address and port to listen on (overrides server.listen).
        #[arg(long, env = "KONTAKT_LISTEN")]
        listen: Option<SocketAddr>,
        /// Folder of the built tab, Trunk's output (overrides server.tab_dir).
        #[arg(long, env = "KONTAKT_TAB_DIR")]
        tab_dir: Option<PathBuf>,
    },
    /// Check a configuration file and print every problem with its key path.
    CheckConfig {
        /// The configuration file.
        file: PathBuf,
    },
    /// Write the Teams app package (zip) to upload in the Teams admin centre.
    Package {
        #[command(flatten)]
        options: PackageOptions,
        /// Where to write the zip.
        #[arg(long, short, default_value = "kontakt-teams-app.zip")]
        output: PathBuf,
        /// Also write the package's files into this folder, to look at before uploading.
        #[arg(long)]
        unpacked: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    init_logging();
    let _ = rustls::crypto::ring::default_provider().install_default();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `KONTAKT_LOG` filters (default `info`); `KONTAKT_LOG_FORMAT=json` writes one JSON object
/// per line for log collectors. Colours only on a terminal.
fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KONTAKT_LOG")
        .unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("KONTAKT_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.with_ansi(std::io::stdout().is_terminal()).init();
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            config,
            demo,
            demo_size,
            demo_seed,
            listen,
            tab_dir,
        } => {
            let mut file = match config {
                Some(path) => ConfigFile::read(&path)?,
                None => ConfigFile::demo(demo_size, demo_seed),
            };
            if let Some(listen) = listen {
                file.server.listen = listen;
            }
            if tab_dir.is_some() {
                file.server.tab_dir = tab_dir;
            }
            // In a clone, `kontakt serve` finds the tab Trunk built in ./dist.
            if file.server.tab_dir.is_none()
                && !kontakt_server::TAB_EMBEDDED
                && std::path::Path::new("dist/index.html").exists()
            {
                file.server.tab_dir = Some(PathBuf::from("dist"));
            }
            let settings = Settings::resolve(file)?;
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async {
                let running = kontakt_server::start(settings).await?;
                let url = format!("http://{}/", running.addr);
                tracing::info!("Kontakt is listening on {url}");
                if demo {
                    println!("\n  Kontakt demo:           {url}");
                    println!("  Inside a Teams host:    {url}dev/teams\n");
                }
                running.handle.await??;
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Package {
            options,
            output,
            unpacked,
        } => package(options, &output, unpacked.as_deref()),
        Command::CheckConfig { file } => {
            let config = match ConfigFile::read(&file) {
                Ok(c) => c,
                Err(e) => {
                    println!("error: {e}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let problems = config.problems().into_vec();
            for p in &problems {
                println!("{p}");
            }
            let errors = problems.iter().filter(|p| !p.warning).count();
            let warnings = problems.len() - errors;
            if errors == 0 {
                println!(
                    "{}: ok ({warnings} warning{})",
                    file.display(),
                    if warnings == 1 { "" } else { "s" }
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "{}: {errors} error{}, {warnings} warning{}",
                    file.display(),
                    if errors == 1 { "" } else { "s" },
                    if warnings == 1 { "" } else { "s" }
                );
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

fn package(
    options: PackageOptions,
    output: &std::path::Path,
    unpacked: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let package = match Package::build(&options) {
        Ok(p) => p,
        Err(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "no package written: {} problem{}",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let zip = package.zip().context("cannot build the zip")?;
    std::fs::write(output, zip).with_context(|| format!("cannot write {}", output.display()))?;
    if let Some(dir) = unpacked {
        package
            .write_unpacked(dir)
            .with_context(|| format!("cannot write the files into {}", dir.display()))?;
    }
    let host = options.host.to_ascii_lowercase();
    println!(
        "Wrote {} (Teams app {}, version {}).",
        output.display(),
        options.app_id.to_ascii_lowercase(),
        options.version
    );
    println!();
    println!("Next steps (docs/deploy.md):");
    println!("  1. The service answers at https://{host}/ (check: curl https://{host}/healthz).");
    println!(
        "  2. The Entra app registration {} has the Application ID URI",
        options.client_id.to_ascii_lowercase()
    );
    println!(
        "     api://{host}/{} and the scope access_as_user.",
        options.client_id.to_ascii_lowercase()
    );
    println!(
        "  3. Upload {} in the Teams admin centre: Teams apps > Manage apps > Upload new app.",
        output.display()
    );
    Ok(ExitCode::SUCCESS)
}
