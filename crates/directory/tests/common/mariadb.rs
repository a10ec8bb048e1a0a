//! A real MariaDB (Debian's `mariadb-server`) for the tests: a throw-away server on a private
//! port and socket, started once per test binary. Like the PostgreSQL helper, it stops when
//! the test binary exits: its watchdog shell waits on a pipe only this process holds.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const SERVER: &str = "/usr/sbin/mariadbd";
const INSTALL_DB: &str = "/usr/bin/mariadb-install-db";
const CLIENT: &str = "/usr/bin/mariadb";

pub struct MariaDb {
    pub port: u16,
    socket: String,
    _watchdog: Mutex<(Child, ChildStdin)>,
    _dir: tempfile::TempDir,
}

pub fn available() -> bool {
    Path::new(SERVER).exists() && Path::new(INSTALL_DB).exists()
}

static RUNNING: OnceLock<MariaDb> = OnceLock::new();

pub fn server() -> &'static MariaDb {
    RUNNING.get_or_init(start)
}

fn start() -> MariaDb {
    assert!(
        available(),
        "MariaDB is not installed: apt-get install mariadb-server (scripts/tools.sh does)"
    );
    let dir = tempfile::Builder::new()
        .prefix("kontakt-mariadb-")
        .tempdir()
        .unwrap();
    let data = dir.path().join("data");
    let socket = dir.path().join("mysqld.sock").display().to_string();
    let user = whoami();
    let out = Command::new(INSTALL_DB)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--user={user}"))
        .args([
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mariadb-install-db: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = "dir=$1; shift; \"$@\" & pid=$!; cat >/dev/null; kill -TERM $pid; wait $pid; rm -rf \"$dir\"";
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .arg(dir.path())
        .arg(SERVER)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={socket}"))
        .arg(format!("--port={port}"))
        .arg(format!("--user={user}"))
        .arg(format!("--pid-file={}", dir.path().join("pid").display()))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=0",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let server = MariaDb {
        port,
        socket,
        _watchdog: Mutex::new((child, stdin)),
        _dir: dir,
    };
    let started = Instant::now();
    while server.sql("SELECT 1").is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "MariaDB did not start within 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn whoami() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

impl MariaDb {
    /// Runs SQL as the server's root user (over the socket).
    pub fn sql(&self, sql: &str) -> Result<(), String> {
        let out = Command::new(CLIENT)
            .arg("--no-defaults")
            .arg(format!("--socket={}", self.socket))
            .args(["-u", "root", "-e", sql])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A new database and a user with `password` who may use it (over TCP).
    pub fn database(&self, name: &str, user: &str, password: &str) {
        self.sql(&format!(
            "CREATE DATABASE {name} CHARACTER SET utf8mb4; \
             CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'; \
             GRANT ALL ON {name}.* TO '{user}'@'%';"
        ))
        .unwrap();
    }
}
