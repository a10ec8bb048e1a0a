//! The deployment examples in `deploy/` work as shipped: the example configuration passes
//! `check-config`, the systemd unit passes `systemd-analyze verify` with a sandbox worth the
//! name, and the nginx example really proxies Kontakt over HTTPS (Debian's `nginx`, started
//! here on loopback) without writing searches into its log.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::*;

fn deploy(name: &str) -> PathBuf {
    // Cargo sets it when running the test too: the checkout being tested, even when the
    // binary was built (identically) from another checkout sharing the target folder.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../../deploy")
        .join(name)
}

/// An example configuration as an admin fills it in: their client id, tenant id and the
/// directory credential's hash in place of the all-zero placeholders.
fn with_admin_ids(example: &str) -> String {
    example
        .replace(
            "client_id = \"00000000-0000-0000-0000-000000000000\"",
            &format!("client_id = \"{CLIENT_ID}\""),
        )
        .replace(
            "api://contacts.example.com/00000000-0000-0000-0000-000000000000",
            &format!("api://contacts.example.com/{CLIENT_ID}"),
        )
        .replace(
            "\nid = \"00000000-0000-0000-0000-000000000000\"",
            &format!("\nid = \"{TENANT_A}\""),
        )
        .replace(
            "sha256:0000000000000000000000000000000000000000000000000000000000000000",
            &kontakt_server::link::credential_line("the credential new-credential wrote"),
        )
}

/// `kontakt check-config` on `text`: whether it passed, and what it printed.
fn check_config(text: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kontakt.toml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kontakt"))
        .arg("check-config")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn lines<'r>(report: &'r str, kind: &str) -> Vec<&'r str> {
    report.lines().filter(|l| l.starts_with(kind)).collect()
}

#[test]
fn the_example_configuration_is_refused_until_the_ids_are_filled_in_then_has_no_errors() {
    let example = std::fs::read_to_string(deploy("kontakt.toml")).unwrap();
    let (ok, report) = check_config(&example);
    assert!(!ok, "{report}");
    let errors = lines(&report, "error: ");
    assert_eq!(errors.len(), 2, "{report}");
    assert!(errors[0].starts_with("error: auth.client_id: is still the example's placeholder"));
    assert!(errors[1].starts_with("error: tenants[0].id: is still the example's placeholder"));

    // With the admin's ids, only what differs between this machine and the server is left:
    // the source file and the LDAP password, which exist only there.
    let filled = with_admin_ids(&example);
    let (ok, report) = check_config(&filled);
    assert!(ok, "{report}");
    assert!(
        report.ends_with(": ok as a configuration for kontakt serve (2 warnings)\n"),
        "{report}"
    );
    let warnings = lines(&report, "warning: ");
    assert!(
        warnings[0].starts_with("warning: tenants[0].sources[0].password_env:"),
        "{report}"
    );
    assert!(
        warnings[1].starts_with("warning: tenants[0].sources[1].path:"),
        "{report}"
    );
    let file = kontakt_server::settings::ConfigFile::parse(&filled).unwrap();
    assert!(file.production());
    assert!(!file.demo.enabled);
}

/// Issue 19: a German Outlook export (Windows-1252, semicolons, CR LF) whose `columns`
/// names a column the file lacks is refused by `check-config` at its source — but not by
/// `--settings-only`, the units' check before every start, which leaves a file that changed
/// to the refresh; `--read-sources` reads it as the service would and lists every skipped
/// row at its line, without a word of the contacts.
#[test]
fn check_config_finds_a_column_the_file_lacks_and_reads_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = b"Vorname;Nachname;Firma;E-Mail-Adresse;Telefon gesch\xe4ftlich\r\n".to_vec();
    csv.extend_from_slice(
        b"J\xfcrgen;M\xfcller;Beispiel GmbH;j.mueller@beispiel.example;089 4711-250\r\n",
    );
    csv.extend_from_slice(b"Eva;W\xfcst\r\n");
    csv.extend_from_slice(b"Anna;Berg;Beispiel GmbH;;kein Anschluss\r\n");
    std::fs::write(dir.path().join("crm.csv"), csv).unwrap();
    let config = dir.path().join("kontakt.toml");
    let write = |company: &str| {
        std::fs::write(
            &config,
            format!(
                "[server]\nmode = \"development\"\ndata_dir = \"data\"\n[auth]\nclient_id = \"5f2d7c1e-8a4b-4c3d-9e6f-1a2b3c4d5e6f\"\n\
                 [[tenants]]\nid = \"6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34\"\nname = \"Beispiel GmbH\"\ndialing = {{ country = \"DE\", area_code = \"89\" }}\n\
                 [[tenants.sources]]\ntype = \"csv\"\nid = \"crm\"\nname = \"CRM\"\npath = \"crm.csv\"\ncolumns = {{ company = \"{company}\" }}\n"
            ),
        )
        .unwrap()
    };
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kontakt"))
            .arg("check-config")
            .args(args)
            .arg(&config)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    write("Unternehmen");
    let (ok, report) = run(&[]);
    assert!(!ok, "{report}");
    let error = lines(&report, "error: ");
    assert_eq!(error.len(), 1, "{report}");
    assert!(
        error[0].starts_with("error: tenants[0].sources[0].columns: ")
            && error[0].contains("columns.company names \"Unternehmen\" but there is no such column (there are: Vorname, Nachname, Firma, E-Mail-Adresse, Telefon geschäftlich)"),
        "{report}"
    );
    let (ok, report) = run(&["--settings-only"]);
    assert!(ok, "{report}");

    write("Firma");
    let (ok, report) = run(&["--read-sources"]);
    assert!(ok, "{report}");
    assert!(
        report.contains("tenants[0].sources[0]: \"crm\" (csv) of Beispiel GmbH\n  2 contacts read from 3 records; 1 record skipped, 1 value left out\n  skipped   line 3: 2 fields instead of 5\n  left out  line 4: "),
        "{report}"
    );
    for private in ["Jürgen", "Müller", "Wüst", "Berg", "kein Anschluss", "4711"] {
        assert!(!report.contains(private), "{private} in:\n{report}");
    }
}

#[test]
fn the_cloud_and_directory_examples_are_refused_until_filled_in_then_have_no_errors() {
    let cloud = std::fs::read_to_string(deploy("kontakt-cloud.toml")).unwrap();
    let (ok, report) = check_config(&cloud);
    assert!(!ok, "{report}");
    let errors = lines(&report, "error: ");
    assert_eq!(errors.len(), 1, "{report}");
    assert!(
        errors[0].starts_with("error: auth.client_id: is still the example's placeholder"),
        "{report}"
    );
    let (ok, report) = check_config(&with_admin_ids(&cloud));
    assert!(
        ok && report.ends_with(": ok as a configuration for kontakt cloud (1 warning)\n"),
        "{report}"
    );
    // What exists only where the cloud runs.
    assert!(
        lines(&report, "warning: ")[0].starts_with("warning: admin.client_secret_file:"),
        "{report}"
    );

    let directory = std::fs::read_to_string(deploy("kontakt-directory.toml")).unwrap();
    let (ok, report) = check_config(&directory);
    assert!(!ok, "{report}");
    assert_eq!(lines(&report, "error: ").len(), 2, "{report}");
    let (ok, report) = check_config(&with_admin_ids(&directory));
    assert!(ok, "{report}");
    assert!(
        report.ends_with(": ok as a configuration for kontakt directory (2 warnings)\n"),
        "{report}"
    );
    // What exists only on the directory's machine, while its unit runs.
    let warnings = lines(&report, "warning: ");
    assert!(
        warnings[0].starts_with("warning: tenants[0].sources[0].password_env:"),
        "{report}"
    );
    assert!(
        warnings[1].starts_with("warning: tenants[0].sources[1].path:"),
        "{report}"
    );
}

/// The binary, not just the checks: production mode with demo sign-in switched on never
/// starts serving.
#[test]
fn the_server_refuses_to_start_in_production_mode_with_demo_features() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("crm.csv");
    std::fs::write(&csv, CSV_A).unwrap();
    let port = free_port();
    let config = with_admin_ids(&std::fs::read_to_string(deploy("kontakt.toml")).unwrap())
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
        .replace(
            "/var/lib/kontakt",
            &dir.path().join("data").display().to_string(),
        )
        .replace("/srv/kontakt/crm-export.csv", &csv.display().to_string())
        + "\n[demo]\nenabled = true\n";
    let path = dir.path().join("kontakt.toml");
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kontakt"))
        .args(["serve", "--config"])
        .arg(&path)
        .env("KONTAKT_AD_PASSWORD", "unused")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A regression would serve forever: give it ten seconds, then call it one.
    let mut status = None;
    for _ in 0..100 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("the server started in production mode with demo sign-in");
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("the configuration has 1 error, so the server does not start")
            && stderr.contains(
                "error: demo.enabled: demo sign-in cannot be switched on in production mode"
            ),
        "{stderr}"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens"
    );
}

fn systemd_analyze() -> &'static str {
    let bin = "/usr/bin/systemd-analyze";
    assert!(
        Path::new(bin).exists(),
        "this test needs systemd-analyze (Debian package systemd)"
    );
    bin
}

#[test]
#[ignore = "needs systemd-analyze (apt-get install systemd); ./test installs it and runs this"]
fn the_systemd_units_verify_and_are_sandboxed() {
    for (unit_name, command) in [
        (
            "kontakt.service",
            "serve --config /etc/kontakt/kontakt.toml",
        ),
        (
            "kontakt-cloud.service",
            "cloud --config /etc/kontakt/kontakt-cloud.toml",
        ),
        (
            "kontakt-directory.service",
            "directory --config /etc/kontakt/kontakt-directory.toml",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let unit = dir.path().join(unit_name);
        let text = std::fs::read_to_string(deploy(unit_name)).unwrap();
        assert!(
            text.contains(&format!("ExecStart=/usr/local/bin/kontakt {command}")),
            "{unit_name}"
        );
        // verify checks that the binary exists: point it at the one this test was built with.
        std::fs::write(
            &unit,
            text.replace("/usr/local/bin/kontakt", env!("CARGO_BIN_EXE_kontakt")),
        )
        .unwrap();
        let out = Command::new(systemd_analyze())
            .arg("verify")
            .arg(&unit)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Unknown or misspelt keys are only warnings to systemd: any output is a failure here.
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "{unit_name}: {stderr}"
        );

        let out = Command::new(systemd_analyze())
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(&unit)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout);
        let exposure: f64 = report
            .lines()
            .find_map(|l| {
                l.split(&format!("Overall exposure level for {unit_name}: "))
                    .nth(1)
            })
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no exposure level in {report}"));
        println!(
            "{unit_name}: systemd-analyze security exposure {exposure} (0 = locked down, 10 = exposed)"
        );
        assert!(
            exposure <= 2.0,
            "{unit_name}: exposure {exposure}:\n{report}"
        );
        for needed in [
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "DynamicUser=yes",
            "StateDirectory=kontakt",
        ] {
            assert!(text.contains(needed), "{unit_name}: {needed}");
        }
    }
    // The directory listens on nothing: binding any port is refused to it.
    let directory = std::fs::read_to_string(deploy("kontakt-directory.service")).unwrap();
    assert!(directory.contains("\nSocketBindDeny=any\n"));
    // The cloud's client secret reaches only the service, where its configuration says.
    let cloud = std::fs::read_to_string(deploy("kontakt-cloud.service")).unwrap();
    assert!(cloud.contains("\nLoadCredential=client-secret:/etc/kontakt/client-secret\n"));
    let config = std::fs::read_to_string(deploy("kontakt-cloud.toml")).unwrap();
    assert!(
        config.contains(
            "client_secret_file = \"/run/credentials/kontakt-cloud.service/client-secret\""
        )
    );
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs nginx and openssl (apt-get install nginx openssl); ./test installs them and runs this"]
async fn the_nginx_example_proxies_kontakt_over_https_and_logs_no_searches() {
    let nginx = "/usr/sbin/nginx";
    assert!(
        Path::new(nginx).exists(),
        "this test needs nginx: apt-get install nginx (./test installs it)"
    );
    let tab = fake_tab();
    let server = start_with_tab(tab.path(), Some("https://contacts.example.com")).await;
    // nginx needs a real socket to proxy to.
    let (addr, kontakt) = server.listen_stoppable().await;

    // The example, as shipped, with loopback ports, a self-signed certificate and files in a
    // temporary folder instead of /etc and /var.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // nginx's workers run as `nobody` when started as root.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=contacts.example.com",
        ])
        .arg("-keyout")
        .arg(d.join("privkey.pem"))
        .arg("-out")
        .arg(d.join("fullchain.pem"))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "openssl could not make a certificate");
    let (http, https) = (free_port(), free_port());
    let site = std::fs::read_to_string(deploy("nginx.conf"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
        .replace("listen [::]:80;", "")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("listen 80;", &format!("listen 127.0.0.1:{http};"))
        .replace("listen 443 ssl", &format!("listen 127.0.0.1:{https} ssl"))
        .replace("/etc/ssl/kontakt/", &format!("{}/", d.display()))
        .replace("/var/log/nginx/", &format!("{}/", d.display()))
        .replace("127.0.0.1:8080", &addr.to_string());
    assert!(!site.contains(":8080") && !site.contains("/etc/"), "{site}");
    std::fs::write(d.join("kontakt.conf"), site).unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        format!(
            // As Debian's nginx.conf has it: an access log and an error log for every site
            // that does not say otherwise.
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n\
             access_log {d}/access.log;\nclient_body_temp_path {d}/body;\nproxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fastcgi;\nuwsgi_temp_path {d}/uwsgi;\nscgi_temp_path {d}/scgi;\n\
             include {d}/kontakt.conf;\n}}\n",
            d = d.display()
        ),
    )
    .unwrap();
    let check = Command::new(nginx)
        .arg("-t")
        .arg("-c")
        .arg(d.join("nginx.conf"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let _nginx = Nginx(
        Command::new(nginx)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            // One process, so killing it leaves no worker behind.
            .args(["-g", "daemon off; master_process off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );

    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .resolve("contacts.example.com", ([127, 0, 0, 1], https).into())
        .build()
        .unwrap();
    let base = format!("https://contacts.example.com:{https}");
    let mut up = false;
    for _ in 0..50 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        up,
        "nginx did not start: {}",
        std::fs::read_to_string(d.join("error.log")).unwrap_or_default()
    );

    // The tab arrives with Kontakt's own headers, untouched: Teams may frame it, over HSTS.
    let r = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'self' https://teams.microsoft.com"),
        "{csp}"
    );
    assert!(r.headers().get("x-frame-options").is_none());
    assert!(r.headers().contains_key("strict-transport-security"));

    // A search goes through; its text reaches neither nginx's log nor anywhere else.
    let r = client
        .get(format!("{base}/api/v1/search"))
        .query(&[("q", "Müllerbravo-secret-query")])
        .bearer_auth(token(TENANT_A))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // nginx writes the line after the response has gone out.
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(d.join("kontakt.log")).unwrap();
        if log.contains("/api/v1/search") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(log.contains("\"GET /api/v1/search\" 200"), "{log}");
    assert!(!log.contains("secret") && !log.contains("q="), "{log}");
    assert!(!log.contains("127.0.0.1"), "no client addresses: {log}");

    // Plain HTTP is sent to HTTPS, with whatever it asked.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{http}/?q=plain-http-secret"))
        .header("host", "contacts.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 301);
    assert_eq!(
        r.headers()["location"],
        "https://contacts.example.com/?q=plain-http-secret"
    );

    // Kontakt is down: nginx answers 502, and (issue 19) its error log must not keep the
    // search with the client's address, as it did by default.
    kontakt.abort();
    let _ = kontakt.await;
    let r = client
        .get(format!("{base}/api/v1/search"))
        .query(&[("q", "upstream-down-secret")])
        .bearer_auth(token(TENANT_A))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 502);
    for _ in 0..50 {
        log = std::fs::read_to_string(d.join("kontakt.log")).unwrap();
        if log.contains("502") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(log.contains("\"GET /api/v1/search\" 502"), "{log}");
    // Every log nginx wrote: no search text, no client address.
    let mut logs = 0;
    for entry in std::fs::read_dir(d).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            logs += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            for leak in ["secret", "q=", "client: ", "127.0.0.1 - "] {
                assert!(
                    !text.contains(leak),
                    "{} keeps {leak:?}:\n{text}",
                    path.display()
                );
            }
        }
    }
    assert!(logs >= 2, "the logs were written where the test looks");
}
