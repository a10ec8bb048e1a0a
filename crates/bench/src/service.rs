//! The `kontakt` processes a benchmark starts, and what it asks them before measuring.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A started `kontakt`, stopped when dropped (also when the benchmark fails half-way).
pub struct Running(Child);

impl Drop for Running {
    /// Asks the process to stop as Ctrl+C would, so it removes what it keeps in temporary
    /// directories (a demo directory's data is ~50 MB: killed outright, every run left one
    /// behind); kills it after five seconds.
    fn drop(&mut self) {
        if let Ok(pid) = libc::pid_t::try_from(self.0.id()) {
            // SAFETY: a plain syscall on the pid of our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if matches!(self.0.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// CPU time the process has used so far (user + system), from `/proc/<pid>/stat`.
    pub fn cpu_seconds(&self) -> anyhow::Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0.id()))?;
        // The fields after the command name (which may hold spaces) in parentheses.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
            + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
        Ok(ticks / clock_ticks_per_second())
    }

    /// Resident memory in KiB (`VmRSS` in `/proc/<pid>/status`).
    pub fn resident_kib(&self) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| anyhow::anyhow!("no VmRSS"))
    }
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux unless told).
fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Starts `binary` with `args`, logging warnings only (they go to this terminal).
pub fn start<S: AsRef<std::ffi::OsStr>>(binary: &Path, args: &[S]) -> anyhow::Result<Running> {
    Ok(Running(
        Command::new(binary)
            .args(args)
            .env("KONTAKT_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()?,
    ))
}

/// Waits until `url` answers, at most `limit`.
pub fn wait_for(agent: &ureq::Agent, url: &str, limit: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while agent.get(url).call().is_err() {
        anyhow::ensure!(started.elapsed() < limit, "{url} never answered");
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// A demo token for user number `i` at `base`.
pub fn demo_token(agent: &ureq::Agent, base: &str, i: usize) -> anyhow::Result<String> {
    let body = format!(r#"{{"user_id": "{i:08x}-0000-4000-8000-{i:012x}"}}"#);
    let reply: serde_json::Value = agent
        .post(format!("{base}/api/v1/dev/token"))
        .header("content-type", "application/json")
        .send(body)?
        .body_mut()
        .read_json()?;
    Ok(reply["token"].as_str().unwrap_or_default().to_owned())
}

/// Starts `kontakt serve --demo` with `contacts` generated contacts on `port`, and waits
/// until it answers (a million contacts take a while to build).
pub fn start_demo(binary: &Path, contacts: usize, port: u16) -> anyhow::Result<Running> {
    anyhow::ensure!(
        Command::new("wrk").arg("--version").output().is_ok(),
        "wrk is not installed: apt-get install wrk"
    );
    eprintln!(
        "starting {} with {contacts} demo contacts",
        binary.display()
    );
    let server = start(
        binary,
        &[
            "serve",
            "--demo",
            "--demo-size",
            &contacts.to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ],
    )?;
    let agent = ureq::Agent::new_with_defaults();
    wait_for(
        &agent,
        &format!("http://127.0.0.1:{port}/healthz"),
        Duration::from_secs(600),
    )?;
    Ok(server)
}

/// What one wrk run measured, as wrk prints it.
pub struct Wrk {
    pub requests: u64,
    pub per_second: String,
    pub p50: String,
    pub p90: String,
    pub p99: String,
    pub non_2xx: String,
    pub socket_errors: String,
}

/// Runs wrk with `script` against `url` and reads what it printed.
pub fn wrk(
    script: &Path,
    url: &str,
    threads: u32,
    connections: u32,
    seconds: u64,
) -> anyhow::Result<Wrk> {
    let out = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    let line = |needle: &str| text.lines().find(|l| l.contains(needle));
    let field = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            .unwrap_or_else(|| "0".into())
    };
    Ok(Wrk {
        requests: line(" requests in ")
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        per_second: field("Requests/sec:"),
        p50: field("50%"),
        p90: field("90%"),
        p99: field("99%"),
        non_2xx: line("Non-2xx")
            .and_then(|l| l.rsplit(':').next())
            .map_or_else(|| "0".into(), |n| n.trim().to_owned()),
        socket_errors: line("Socket errors").map_or_else(|| "none".into(), |l| l.trim().to_owned()),
    })
}

/// `s` for a URL path or query: unreserved characters as they are, every other byte escaped.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
