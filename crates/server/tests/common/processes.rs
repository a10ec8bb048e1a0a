//! The cloud's parts as separate processes on loopback, as an operator runs them: `kontakt
//! cloud` nodes, `kontakt directory` instances enrolled with a code, `nats-server` and nginx
//! in front. The cluster's scenario and its load run start them from here.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{CLIENT_ID, HOST};

/// A process killed when dropped (or earlier, by the test).
pub struct Process(pub Child);

impl Process {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// CPU seconds (user + system) the process and its children (nginx's workers) have
    /// used so far, from `/proc`.
    pub fn cpu_seconds(&self) -> f64 {
        cpu_seconds_of(self.0.id())
    }
}

fn cpu_seconds_of(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    // Linux reports in USER_HZ, 100 on every architecture Debian ships.
    ticks as f64 / 100.0
        + children
            .split_whitespace()
            .filter_map(|c| c.parse().ok())
            .map(cpu_seconds_of)
            .sum::<f64>()
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `kontakt` with `args`, its output into `log`.
pub fn kontakt(args: &[&str], log: &Path) -> Process {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kontakt"));
    command.args(args);
    logged(command, log)
}

/// `command` started, its output into `log`.
pub fn logged(mut command: Command, log: &Path) -> Process {
    let log = std::fs::File::create(log).unwrap();
    Process(
        command
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("{command:?}: {e}")),
    )
}

/// A directory's key files (`directory.key` and its chain) copied from the data folder
/// `from` to `to`, as docs/deploy.md tells an admin to for a second instance.
pub fn copy_directory_key(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("directory") {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

pub fn nats(port: u16) -> Process {
    nats_monitored(port, None)
}

/// nats-server, with its monitoring endpoint (`/varz`: messages and bytes) on `monitor`.
pub fn nats_monitored(port: u16, monitor: Option<u16>) -> Process {
    let mut command = Command::new("nats-server");
    command.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
    if let Some(monitor) = monitor {
        command.args(["-m", &monitor.to_string()]);
    }
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server (scripts/tools.sh installs it)");
    wait_for_port(port);
    Process(child)
}

pub fn wait_for_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// nginx in front of the nodes: round-robin, WebSocket upgrade for the links, keep-alive
/// connections to the nodes (as docs/deploy.md configures it).
pub fn nginx(dir: &Path, port: u16, nodes: &[u16]) -> Process {
    let upstream: String = nodes
        .iter()
        .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;\n"))
        .collect();
    let config = format!(
        r#"daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' ""; }}
  upstream kontakt {{ {upstream} keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://kontakt;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout http_502;
    }}
  }}
}}
"#,
        dir = dir.display()
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config).unwrap();
    let child = Command::new("/usr/sbin/nginx")
        .arg("-c")
        .arg(&path)
        .arg("-p")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx (scripts/tools.sh installs it)");
    wait_for_port(port);
    Process(child)
}

/// A cloud node's configuration: its registry at `registry_url`, NATS at `nats` if any.
pub fn cloud_config(
    path: &Path,
    port: u16,
    data_dir: &Path,
    jwks: &str,
    registry_url: &str,
    nats: Option<u16>,
) {
    let cluster = nats
        .map(|p| format!("[cluster]\nnats = \"nats://127.0.0.1:{p}\"\n"))
        .unwrap_or_default();
    std::fs::write(
        path,
        format!(
            "[server]\nmode = \"development\"\nlisten = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\n\
             [auth]\nclient_id = \"{CLIENT_ID}\"\njwks_url = \"{jwks}\"\n\
             [registry]\nurl = \"{registry_url}\"\n{cluster}\
             [limits]\nsearches_per_second = 1000\nburst = 1000\n",
            data = data_dir.display().to_string(),
        ),
    )
    .unwrap();
}

/// A `[[tenants]]` table for `tenant` whose source is the CSV text `csv`, written into
/// `folder`.
pub fn csv_tenant(folder: &Path, tenant: &str, csv: &str) -> String {
    std::fs::create_dir_all(folder).unwrap();
    let csv_path = folder.join("contacts.csv");
    std::fs::write(&csv_path, csv).unwrap();
    super::tenant(tenant, "Org", "89", &csv_path)
}

/// A directory in `folder` serving `tenants` (`[[tenants]]` tables), linking to the cloud
/// at `cloud`; returns its configuration's path.
pub fn directory_config(folder: &Path, tenants: &str, jwks: &str, cloud: &str) -> PathBuf {
    std::fs::create_dir_all(folder.join("data")).unwrap();
    let config = folder.join("directory.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nmode = \"development\"\ndata_dir = {data:?}\nstartup_wait = \"30s\"\n\
             [auth]\nclient_id = \"{CLIENT_ID}\"\napplication_id_uri = \"api://{HOST}/{CLIENT_ID}\"\njwks_url = \"{jwks}\"\n\
             [limits]\nsearches_per_second = 1000\nburst = 1000\n\
             [link]\ncloud = \"{cloud}\"\nping = \"1s\"\n{tenants}",
            data = folder.join("data").display().to_string(),
        ),
    )
    .unwrap();
    config
}

/// `kontakt directory enroll` with `code`, as an admin runs it.
pub fn enroll(config: &Path, cloud: &str, code: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_kontakt"))
        .args(["directory", "enroll", "--config"])
        .arg(config)
        .args(["--cloud", cloud, "--code", code])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "enroll: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How many links of `tenant` the node at `port` holds (its `/metrics`), `None` when it is
/// down.
pub async fn links_on(port: u16, tenant: &str) -> Option<u64> {
    let label = kontakt_server::settings::tenant_label(tenant);
    metric(
        port,
        &format!("kontakt_directory_links{{tenant=\"{label}\"}}"),
    )
    .await
    .map(|v| v.unwrap_or(0))
}

/// The value of the series `series` (name and labels) in `/metrics` at `port`: `None` when
/// nothing answers, `Some(None)` when the series is not there.
pub async fn metric(port: u16, series: &str) -> Option<Option<u64>> {
    let text = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let line = format!("{series} ");
    Some(
        text.lines()
            .find_map(|l| l.strip_prefix(&line).and_then(|v| v.trim().parse().ok())),
    )
}

/// The links of `tenant` on all of `ports`.
pub async fn links_on_all(ports: &[u16], tenant: &str) -> u64 {
    let mut sum = 0;
    for port in ports {
        sum += links_on(*port, tenant).await.unwrap_or(0);
    }
    sum
}
