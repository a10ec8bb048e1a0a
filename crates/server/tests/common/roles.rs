//! The product's parts for tests: a cloud and tenants' directories, each from the
//! configuration an admin would write, in this process or as the real binary.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kontakt_server::settings::{ConfigFile, Role, Settings};

use super::{CLIENT_ID, HOST, Jwks};

/// `[server]` and `[auth]` as every role in these tests has them: development mode, the
/// test JWKS.
fn common(listen: &str, data: &Path, jwks: &Jwks) -> String {
    format!(
        r#"
        [server]
        mode = "development"
        listen = "{listen}"
        data_dir = {data:?}
        startup_wait = "30s"

        [auth]
        client_id = "{CLIENT_ID}"
        application_id_uri = "api://{HOST}/{CLIENT_ID}"
        jwks_url = "{jwks}"
        min_key_refetch = "1s"
        "#,
        data = data.display().to_string(),
        jwks = jwks.url,
    )
}

/// A cloud that knows `tenants`, each with the credential its directories link with.
pub fn cloud_config(listen: &str, data: &Path, jwks: &Jwks, tenants: &[(&str, &str)]) -> String {
    let mut text = common(listen, data, jwks);
    text.push_str("\n[limits]\nsearches_per_second = 1000\nburst = 1000\n");
    for (id, credential) in tenants {
        text.push_str(&format!(
            "\n[[tenants]]\nid = \"{id}\"\nname = \"Tenant {id}\"\ndirectory_credentials = [\"{}\"]\n",
            kontakt_server::link::credential_line(credential)
        ));
    }
    text
}

/// A directory of `tenant` with one CSV source, linked to `cloud` with the credential in
/// `credential_file`.
pub fn directory_config(
    data: &Path,
    jwks: &Jwks,
    cloud: &str,
    credential_file: &Path,
    tenant: &str,
    csv: &Path,
) -> String {
    format!(
        r#"{common}
        [limits]
        searches_per_second = 1000
        burst = 1000

        [link]
        cloud = "{cloud}"
        credential_file = {credential:?}
        ping = "2s"
        {tenant}
        "#,
        common = common("127.0.0.1:0", data, jwks),
        credential = credential_file.display().to_string(),
        tenant = super::tenant(tenant, "Alpha", "89", csv),
    )
}

pub fn settings(text: &str, role: Role) -> Settings {
    Settings::resolve(ConfigFile::parse(text).unwrap(), role)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A directory's files: its data folder, its source and its credential.
pub struct DirectoryFiles {
    pub root: tempfile::TempDir,
    pub data: PathBuf,
    pub csv: PathBuf,
    pub credential: PathBuf,
}

impl DirectoryFiles {
    pub fn new(csv: &str, credential: &str) -> Self {
        let root = tempfile::tempdir().unwrap();
        let (data, csv_path, credential_path) = (
            root.path().join("data"),
            root.path().join("contacts.csv"),
            root.path().join("credential"),
        );
        std::fs::write(&csv_path, csv).unwrap();
        std::fs::write(&credential_path, credential).unwrap();
        DirectoryFiles {
            root,
            data,
            csv: csv_path,
            credential: credential_path,
        }
    }

    /// A second instance of the same directory: its own folder, the same key (an admin
    /// copies `directory.key` and its chain), the same source and credential.
    pub fn second_instance(&self, tenant: &str) -> Self {
        let twin = DirectoryFiles::new(
            &std::fs::read_to_string(&self.csv).unwrap(),
            &std::fs::read_to_string(&self.credential).unwrap(),
        );
        super::processes::copy_directory_key(&self.data.join(tenant), &twin.data.join(tenant));
        twin
    }

    pub fn config(&self, jwks: &Jwks, cloud: &str, tenant: &str) -> String {
        directory_config(&self.data, jwks, cloud, &self.credential, tenant, &self.csv)
    }
}

/// Polls `done` every 50 ms until it holds, for at most `within`.
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether the cloud at `base` has a directory of `tenant` linked.
pub async fn linked(base: &str, tenant: &str) -> bool {
    reqwest::get(format!("{base}/api/v1/tenants/{tenant}/directory-key"))
        .await
        .is_ok_and(|r| r.status() == 200)
}
