use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kontakt_server::package::{Package, PackageOptions};
use kontakt_server::settings::{ConfigFile, Role, Settings};

/// mimalloc instead of glibc's malloc: see [`kontakt_server::allocator`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Kontakt: contact search and click-to-call for Microsoft Teams.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything in one process: the tab, sign-in and the tenants' directories (trials and
    /// self-hosting).
    Serve {
        #[command(flatten)]
        run: Run,
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
    /// The multi-tenant cloud: the tab, sign-in, registered tenants, and the links their
    /// directories dial in on. It reads no sources and holds no contacts.
    Cloud {
        #[command(subcommand)]
        action: Option<CloudAction>,
        #[command(flatten)]
        run: Run,
        /// The demo's data folder, where its registry is (with --demo).
        #[arg(long, requires = "demo", global = true)]
        demo_dir: Option<PathBuf>,
        /// Address and port to listen on (overrides server.listen).
        #[arg(long, env = "KONTAKT_LISTEN")]
        listen: Option<SocketAddr>,
        /// Folder of the built tab, Trunk's output (overrides server.tab_dir).
        #[arg(long, env = "KONTAKT_TAB_DIR")]
        tab_dir: Option<PathBuf>,
    },
    /// One organisation's directory, in its own network: reads the sources and answers
    /// the requests its cloud relays, over a link it dials out on.
    Directory {
        #[command(subcommand)]
        action: Option<DirectoryAction>,
        #[command(flatten)]
        run: Run,
        /// The cloud to link to (with --demo).
        #[arg(long, requires = "demo", default_value = "http://127.0.0.1:8080")]
        cloud: String,
        /// Contacts in the demo directory.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_COUNT, requires = "demo")]
        demo_size: usize,
        /// Seed of the demo generator.
        #[arg(long, default_value_t = kontakt_directory::demo::DEFAULT_SEED, requires = "demo")]
        demo_seed: u64,
    },
    /// What the running service is doing, read on the server with what an administrator
    /// has there (the configuration and the data folder): per organisation each source's
    /// state, contacts, skipped records and last error. Exits 1 when it is not running or a
    /// source is failing.
    Status {
        #[command(flatten)]
        run: Run,
    },
    /// Check a configuration file and print every problem with its key path.
    CheckConfig {
        /// The configuration file.
        file: PathBuf,
        /// Also read every source once, as the service would (run it as the service's
        /// user), and print the contacts read and every record skipped and value left out.
        #[arg(long, conflicts_with = "settings_only")]
        read_sources: bool,
        /// Check the settings only, not what source files hold (a CSV header against its
        /// columns): for the units' ExecStartPre, so that a source file that changed never
        /// keeps the service from starting — its refresh fails and says so instead.
        #[arg(long)]
        settings_only: bool,
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

/// How a role is run: from a configuration file, or as a demo.
#[derive(clap::Args)]
struct Run {
    /// The configuration file (see docs/deploy.md). Given before or after a subcommand
    /// (`kontakt directory status --config …`); required unless --demo.
    #[arg(
        long,
        short,
        env = "KONTAKT_CONFIG",
        conflicts_with = "demo",
        global = true
    )]
    config: Option<PathBuf>,
    /// Demo mode: generated contacts, demo sign-in, no Microsoft account needed (before or
    /// after a subcommand: `kontakt cloud tenants list --demo`).
    #[arg(long, global = true)]
    demo: bool,
}

#[derive(Subcommand)]
enum CloudAction {
    /// The registered organisations.
    #[command(subcommand)]
    Tenants(TenantsAction),
    /// Delete everything of organisations whose subscription ended 56 days ago or more
    /// (the cloud also does this by itself every hour).
    Purge {
        /// Purge as if it were this day (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
    },
    /// The billing view of a month as CSV: searches, lookups, active users per
    /// organisation.
    Usage {
        /// The month, YYYY-MM.
        #[arg(long)]
        month: String,
    },
}

#[derive(Subcommand)]
enum TenantsAction {
    /// One line per organisation: id, name, state, directories.
    List,
    /// Everything stored about one organisation.
    Show { tenant: String },
    /// End an organisation's subscription (its users see that; everything of it is
    /// deleted 56 days later).
    EndSubscription {
        tenant: String,
        /// When it ends (YYYY-MM-DD, or an RFC 3339 time); default now.
        #[arg(long)]
        at: Option<String>,
    },
    /// Delete everything of an organisation now.
    Delete { tenant: String },
}

#[derive(Subcommand)]
enum DirectoryAction {
    /// Enroll this directory with its organisation's cloud, with a one-time code from the
    /// cloud's /admin page: registers the directory's key and stores its credential.
    Enroll {
        /// The cloud's address, e.g. https://contacts.example.com.
        #[arg(long)]
        cloud: String,
        /// The one-time enrollment code.
        #[arg(long, env = "KONTAKT_ENROLLMENT_CODE")]
        code: String,
        /// How the directory is shown to the administrator (default: this computer's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print the link's state, the tenant, the key's fingerprint and the sources.
    Status,
    /// Make a new key, endorsed by the current one (tabs follow it without a warning).
    RotateKey,
    /// Make a credential for a new directory: written to a file for the directory, its
    /// hash printed for the cloud's configuration.
    NewCredential {
        /// Where to write the credential (readable by its owner only).
        #[arg(long, short)]
        output: PathBuf,
    },
}

impl Run {
    /// The configuration file as written, or what `demo` makes for the role. A global
    /// argument cannot be required by clap itself: it is checked here.
    fn file(&self, demo: impl FnOnce() -> ConfigFile) -> anyhow::Result<ConfigFile> {
        match (&self.config, self.demo) {
            (Some(path), _) => Ok(ConfigFile::read(path)?),
            (None, true) => Ok(demo()),
            (None, false) => anyhow::bail!(
                "give the configuration file with --config FILE (or KONTAKT_CONFIG), or try the demo with --demo"
            ),
        }
    }
}

fn main() -> ExitCode {
    kontakt_server::allocator::tune();
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
            run,
            demo_size,
            demo_seed,
            listen,
            tab_dir,
        } => {
            let file = run.file(|| ConfigFile::demo(demo_size, demo_seed))?;
            serve(file, Role::Serve, &run, listen, tab_dir)
        }
        Command::Cloud {
            action,
            run,
            demo_dir,
            listen,
            tab_dir,
        } => {
            let file = run.file(|| {
                ConfigFile::demo_cloud(demo_dir.unwrap_or_else(ConfigFile::demo_cloud_dir))
            })?;
            match action {
                None => serve(file, Role::Cloud, &run, listen, tab_dir),
                Some(action) => operate(file, action),
            }
        }
        Command::Directory {
            action,
            run,
            cloud,
            demo_size,
            demo_seed,
        } => {
            let file = || run.file(|| ConfigFile::demo_directory(&cloud, demo_size, demo_seed));
            match action {
                None => directory(file()?, &run),
                Some(DirectoryAction::Status) => directory_status(file()?),
                Some(DirectoryAction::RotateKey) => rotate_key(file()?),
                Some(DirectoryAction::NewCredential { output }) => new_credential(&output),
                Some(DirectoryAction::Enroll { cloud, code, name }) => {
                    enroll(file()?, &cloud, &code, name)
                }
            }
        }
        Command::Package {
            options,
            output,
            unpacked,
        } => package(options, &output, unpacked.as_deref()),
        Command::Status { run } => status(run.file(|| ConfigFile::demo(0, 0))?),
        Command::CheckConfig {
            file,
            read_sources,
            settings_only,
        } => check_config(&file, read_sources, settings_only),
    }
}

/// `kontakt serve` and `kontakt cloud`: one listener, until Ctrl+C or SIGTERM.
fn serve(
    mut file: ConfigFile,
    role: Role,
    run: &Run,
    listen: Option<SocketAddr>,
    tab_dir: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let demo = run.demo;
    if let Some(listen) = listen {
        file.server.listen = listen;
    }
    if tab_dir.is_some() {
        file.server.tab_dir = tab_dir;
    }
    // In a clone, the tab Trunk built in ./dist.
    if file.server.tab_dir.is_none()
        && !kontakt_server::TAB_EMBEDDED
        && std::path::Path::new("dist/index.html").exists()
    {
        file.server.tab_dir = Some(PathBuf::from("dist"));
    }
    let mut settings = Settings::resolve(file, role)?;
    if demo && role == Role::Serve {
        with_demo_callerid(&mut settings);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let about = About::of(&settings, run);
        let running = kontakt_server::start(settings).await?;
        let url = format!("http://{}/", running.addr);
        about.log(&format!("is listening on {url}"));
        if demo {
            println!("\n  Kontakt demo:           {url}");
            println!("  Inside a Teams host:    {url}dev/teams");
            if role == Role::Serve
                && let Some(tenant) = running.state.local.keys().next()
            {
                println!(
                    "  Caller ID via the cloud: {url}callerid/v1/tenants/{tenant}/lookup?number=%2B4989… (the same user and password)"
                );
            }
            if role == Role::Cloud {
                println!(
                    "  Its directory:          kontakt directory --demo --cloud {}",
                    url.trim_end_matches('/')
                );
            }
            println!();
        }
        running.handle.await??;
        Ok(ExitCode::SUCCESS)
    })
}

/// What start-up says first: which build runs in which mode from which file, and where users
/// reach it — the facts an administrator reads a log for.
struct About {
    role: Role,
    production: bool,
    config: String,
    public_url: String,
}

impl About {
    fn of(settings: &Settings, run: &Run) -> About {
        About {
            role: settings.role,
            production: settings.production,
            config: run.config.as_ref().map_or_else(
                || String::from("none (demo)"),
                |c| {
                    std::path::absolute(c)
                        .unwrap_or_else(|_| c.clone())
                        .display()
                        .to_string()
                },
            ),
            public_url: settings
                .public_url
                .clone()
                .unwrap_or_else(|| String::from("not set")),
        }
    }

    fn log(&self, what: &str) {
        tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            mode = if self.production { "production" } else { "development" },
            config = %self.config,
            public_url = %self.public_url,
            "{} {what}",
            self.role.name()
        );
        if !self.production {
            tracing::warn!(
                "development mode: plain http:// addresses are accepted and demo sign-in may be on; for real users set [server] mode = \"production\""
            );
        }
    }
}

/// Demo mode answers phone systems too, unless `[callerid]` says otherwise: the demo
/// credential on loopback, printed for trying it out.
fn with_demo_callerid(settings: &mut Settings) {
    use kontakt_server::settings::callerid;
    if settings.callerid.is_some() {
        return;
    }
    let Some(tenant) = settings.tenants.first() else {
        return;
    };
    settings.callerid = Some(callerid::demo(&tenant.id));
    println!(
        "  Caller ID for phone systems: http://{}/callerid/v1/lookup?number=%2B4989… and ldap://{} (user {}, password {})",
        callerid::DEMO_LISTEN,
        callerid::DEMO_LDAP_LISTEN,
        callerid::DEMO_USER,
        callerid::DEMO_PASSWORD
    );
}

/// The operator's commands on the cloud's registry.
fn operate(file: ConfigFile, action: CloudAction) -> anyhow::Result<ExitCode> {
    use kontakt_server::operator::{self, Operation};
    let settings = Settings::resolve(file, Role::Cloud)?;
    let operation = match action {
        CloudAction::Tenants(TenantsAction::List) => Operation::List,
        CloudAction::Tenants(TenantsAction::Show { tenant }) => Operation::Show(tenant),
        CloudAction::Tenants(TenantsAction::EndSubscription { tenant, at }) => {
            Operation::EndSubscription(tenant, at)
        }
        CloudAction::Tenants(TenantsAction::Delete { tenant }) => Operation::Delete(tenant),
        CloudAction::Purge { as_of } => Operation::Purge(as_of),
        CloudAction::Usage { month } => Operation::Usage(month),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let output = runtime.block_on(operator::run(&settings, operation))?;
    print!("{output}");
    Ok(ExitCode::SUCCESS)
}

/// `kontakt directory enroll`: the key (made now, or the one there), registered with the
/// cloud for a credential, written where the directory reads it.
fn enroll(
    file: ConfigFile,
    cloud: &str,
    code: &str,
    name: Option<String>,
) -> anyhow::Result<ExitCode> {
    let settings = Settings::resolve(file, Role::Directory)?;
    let runtime = tokio::runtime::Runtime::new()?;
    let enrolled = runtime.block_on(kontakt_server::onprem::enroll::enroll(
        &settings, cloud, code, name,
    ))?;
    print!("{enrolled}");
    Ok(ExitCode::SUCCESS)
}

/// `kontakt directory`: the link to the cloud, until Ctrl+C or SIGTERM.
fn directory(file: ConfigFile, run: &Run) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::resolve(file, Role::Directory)?;
    if settings.demo {
        with_demo_callerid(&mut settings);
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let about = About::of(&settings, run);
        let cloud = settings
            .link
            .as_ref()
            .map(|l| l.cloud.clone())
            .unwrap_or_default();
        let running = kontakt_server::start_directory(settings).await?;
        about.log(&format!("is linking to {cloud}"));
        tokio::select! {
            _ = kontakt_server::shutdown_signal() => Ok(ExitCode::SUCCESS),
            stopped = running.link => {
                eprintln!("kontakt directory stops: {}", stopped.unwrap_or_default());
                Ok(ExitCode::from(3))
            }
        }
    })
}

fn directory_status(file: ConfigFile) -> anyhow::Result<ExitCode> {
    use kontakt_server::onprem::{keys::KeyFiles, status};
    let settings = Settings::resolve(file, Role::Directory)?;
    let tenant = &settings.tenants[0].id;
    // Read only: a key is made by the directory's first start, never by looking.
    let fingerprint = KeyFiles::new(&settings.data_dir, tenant)
        .load()?
        .map_or_else(
            || String::from("none yet (the directory makes its key when it first starts)"),
            |keys| keys.current.public().fingerprint(),
        );
    let current = status::read(&status::path(&settings.data_dir, tenant));
    let now = kontakt_directory::snapshot::now_secs();
    print!(
        "{}",
        status::report(current.as_ref(), "directory", &fingerprint, now)
    );
    Ok(exit_code(status::healthy(current.as_ref(), now)))
}

/// `kontakt status`: the directory's status, or each organisation's in `kontakt serve`.
fn status(file: ConfigFile) -> anyhow::Result<ExitCode> {
    use kontakt_server::onprem::status;
    match file.role() {
        Role::Directory => directory_status(file),
        Role::Cloud => {
            println!(
                "the cloud reads no sources: its organisations are at /admin and in `kontakt cloud tenants list`; its directories answer `kontakt directory status` where they run"
            );
            Ok(ExitCode::SUCCESS)
        }
        Role::Serve => {
            let settings = Settings::resolve(file, Role::Serve)?;
            if settings.scratch.is_some() {
                anyhow::bail!("a demo keeps its state in a temporary folder: give --config FILE");
            }
            let now = kontakt_directory::snapshot::now_secs();
            let mut healthy = true;
            for (i, t) in settings.tenants.iter().enumerate() {
                let current = status::read(&status::path(&settings.data_dir, &t.id));
                healthy &= status::healthy(current.as_ref(), now);
                if i > 0 {
                    println!();
                }
                println!("{} (tenant {}, {} in logs)", t.name, t.id, t.label);
                let fingerprint = current
                    .as_ref()
                    .map_or_else(|| String::from("–"), |s| s.fingerprint.clone());
                print!(
                    "{}",
                    status::report(current.as_ref(), "kontakt serve", &fingerprint, now)
                );
            }
            Ok(exit_code(healthy))
        }
    }
}

fn exit_code(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn rotate_key(file: ConfigFile) -> anyhow::Result<ExitCode> {
    use kontakt_server::onprem::keys::KeyFiles;
    let settings = Settings::resolve(file, Role::Directory)?;
    let (old, new) = KeyFiles::new(&settings.data_dir, &settings.tenants[0].id).rotate()?;
    println!("The directory has a new key, endorsed by the one before:");
    println!("  before: {}", old.fingerprint());
    println!("  now:    {}", new.fingerprint());
    println!(
        "A running directory picks it up within seconds; users' tabs follow it without a warning."
    );
    println!("Back up the data folder: the key is in it, and nowhere else.");
    Ok(ExitCode::SUCCESS)
}

fn new_credential(output: &std::path::Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    use std::io::Write;
    let credential = kontakt_server::link::new_credential();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(output)
        .and_then(|mut f| f.write_all(credential.as_bytes()))
        .with_context(|| format!("cannot write {} (it must not exist yet)", output.display()))?;
    println!("Wrote the directory's credential to {}.", output.display());
    println!(
        "On the directory: link.credential_file = {:?}",
        output.display().to_string()
    );
    println!("In the cloud's [[tenants]] table of this organisation:");
    println!(
        "  directory_credentials = [\"{}\"]",
        kontakt_server::link::credential_line(&credential)
    );
    Ok(ExitCode::SUCCESS)
}

fn check_config(
    file: &std::path::Path,
    read_sources: bool,
    settings_only: bool,
) -> anyhow::Result<ExitCode> {
    let config = match ConfigFile::read(file) {
        Ok(c) => c,
        Err(e) => {
            println!("error: {e}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let role = config.role();
    let mut problems = config.problems(role).into_vec();
    if !settings_only {
        problems.extend(config.content_problems().into_vec());
    }
    for p in &problems {
        println!("{p}");
    }
    let errors = problems.iter().filter(|p| !p.warning).count();
    let warnings = problems.len() - errors;
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut unreadable = false;
    if read_sources {
        let runtime = tokio::runtime::Runtime::new()?;
        let (report, all_read) = runtime.block_on(kontakt_server::read_sources::report(&config));
        println!("\n{report}");
        unreadable = !all_read;
    }
    if errors == 0 && unreadable {
        println!(
            "{}: ok as a configuration for {} ({warnings} warning{}), but a source cannot be read (see above)",
            file.display(),
            role.name(),
            plural(warnings)
        );
        Ok(ExitCode::FAILURE)
    } else if errors == 0 {
        println!(
            "{}: ok as a configuration for {} ({warnings} warning{})",
            file.display(),
            role.name(),
            plural(warnings)
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{}: {errors} error{}, {warnings} warning{} (read as a configuration for {})",
            file.display(),
            plural(errors),
            plural(warnings),
            role.name()
        );
        Ok(ExitCode::FAILURE)
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
