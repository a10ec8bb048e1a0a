//! `kontakt directory enroll`: the directory's key (made now, or the one it has — a second
//! directory of an organisation gets the first one's key by copying its key files, never
//! through the cloud), registered with the cloud for a one-time code, and the credential
//! it gets back written where the directory reads it, readable by its owner only.

use std::path::Path;

use anyhow::Context;

use super::keys::KeyFiles;
use crate::link::{ENROLL_PATH, EnrollRequest, EnrollResponse};
use crate::settings::Settings;

/// Enrolls, and says what happened and what to do next.
pub async fn enroll(
    settings: &Settings,
    cloud: &str,
    code: &str,
    name: Option<String>,
) -> anyhow::Result<String> {
    let link = settings
        .link
        .as_ref()
        .context("the configuration has no [link] section")?;
    let cloud = cloud.trim_end_matches('/');
    if !link.cloud.eq_ignore_ascii_case(cloud) {
        anyhow::bail!(
            "--cloud is {cloud}, but link.cloud in the configuration is {}: enroll with the cloud the directory links to",
            link.cloud
        );
    }
    let tenant = &settings
        .tenants
        .first()
        .context("the configuration names no tenant")?
        .id;
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    let keys = KeyFiles::new(&settings.data_dir, tenant).load_or_create()?;
    let public = keys.current.public();
    let name = name.unwrap_or_else(host_name);
    let request = EnrollRequest {
        code: code.trim().to_owned(),
        tenant: tenant.clone(),
        public_key: public.to_text(),
        name,
    };
    let url = format!("{cloud}{ENROLL_PATH}");
    let response = reqwest::Client::builder()
        .user_agent(concat!("kontakt/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(30))
        .build()?
        .post(&url)
        .json(&request)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let detail = response
            .json::<kontakt_api::Problem>()
            .await
            .ok()
            .and_then(|p| p.detail)
            .unwrap_or_default();
        anyhow::bail!("the cloud refused the enrollment (HTTP {status}): {detail}");
    }
    let enrolled: EnrollResponse = response
        .json()
        .await
        .context("the cloud's answer is not an enrollment")?;
    write_owner_only(&link.credential_file, &enrolled.credential)?;
    Ok(format!(
        "Enrolled as directory {} of organisation {}.\n  key:        {}\n  credential: {} (readable by its owner only; back it up with the data folder)\nStart the directory (kontakt directory --config …): it links to {cloud}.\n",
        enrolled.directory_id,
        enrolled.tenant,
        public.fingerprint(),
        link.credential_file.display(),
    ))
}

/// Replaces `path` with `text`, created with mode 0600 before anything is written to it.
fn write_owner_only(path: &Path, text: &str) -> anyhow::Result<()> {
    let temporary = path.with_extension("new");
    let _ = std::fs::remove_file(&temporary);
    crate::cache_key::write_private(&temporary, text.as_bytes())
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| String::from("directory"))
}
