//! A real PostgreSQL (Debian's `postgresql` package) for the tests: a throw-away cluster
//! on a private port and socket folder, started once per test binary, one database per
//! test. It stops when the test binary exits: its watchdog shell waits on a pipe only this
//! process holds.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Postgres {
    pub port: u16,
    _watchdog: Mutex<(Child, ChildStdin)>,
    _dir: tempfile::TempDir,
}

/// The server's programs: Debian puts them outside PATH.
fn bin(name: &str) -> PathBuf {
    let versioned = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin").join(name))
        .find(|p| p.exists());
    versioned.unwrap_or_else(|| PathBuf::from(name))
}

pub fn available() -> bool {
    bin("initdb").exists() && bin("postgres").exists()
}

/// Runs `program` as the `postgres` user when this is root (PostgreSQL refuses root).
fn as_owner(program: PathBuf) -> Command {
    if unsafe { libc_geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.arg("-u").arg("postgres").arg("--").arg(program);
        c
    } else {
        Command::new(program)
    }
}

unsafe extern "C" {
    #[link_name = "geteuid"]
    fn libc_geteuid() -> u32;
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

static SERVER: OnceLock<Postgres> = OnceLock::new();
static NEXT_DB: AtomicUsize = AtomicUsize::new(0);

pub fn server() -> &'static Postgres {
    SERVER.get_or_init(start)
}

fn start() -> Postgres {
    assert!(
        available(),
        "PostgreSQL is not installed: apt-get install postgresql (scripts/tools.sh does)"
    );
    let dir = tempfile::Builder::new()
        .prefix("kontakt-pg-")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    let sockets = dir.path().join("sockets");
    std::fs::create_dir_all(&sockets).unwrap();
    if unsafe { libc_geteuid() } == 0 {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let out = as_owner(bin("initdb"))
        .args([
            "--auth=trust",
            "--username=postgres",
            "--encoding=UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    // The watchdog: postgres in the background, stopped when our end of stdin closes, then
    // its folder removed (the static holding it is never dropped).
    let script = "dir=$1; shift; \"$@\" & pid=$!; cat >/dev/null; kill -INT $pid; wait $pid; rm -rf \"$dir\"";
    let mut postgres = as_owner(PathBuf::from("sh"));
    postgres
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(dir.path())
        .arg(bin("postgres"))
        .arg("-D")
        .arg(&data)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
        ])
        .arg(format!("unix_socket_directories={}", sockets.display()))
        .args(["-c", "fsync=off", "-c", "log_min_messages=warning"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = postgres.spawn().unwrap();
    let stdin = child.stdin.take().unwrap();
    let started = Instant::now();
    // Listening is not yet accepting queries: pg_isready says when it is.
    while !Command::new(bin("pg_isready"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
        .status()
        .is_ok_and(|s| s.success())
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "PostgreSQL did not start within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Postgres {
        port,
        _watchdog: Mutex::new((child, stdin)),
        _dir: dir,
    }
}

impl Postgres {
    /// A new, empty database: its URL.
    pub fn database(&self) -> String {
        let name = format!(
            "kontakt_{}_{}",
            std::process::id(),
            NEXT_DB.fetch_add(1, Ordering::Relaxed)
        );
        let out = Command::new(bin("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-q",
                "-c",
            ])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}
