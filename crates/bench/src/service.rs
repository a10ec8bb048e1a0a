//! The `kontakt` processes a benchmark starts, and what it asks them before measuring.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A started `kontakt`, stopped when dropped (also when the benchmark fails half-way).
pub struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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
