//! The operator's commands on the cloud's registry (`kontakt cloud tenants …`, `purge`,
//! `usage`): each reads or changes the registry and says what it did. A running cloud
//! picks changes up within seconds (it reads the registry again every few seconds).

use std::fmt::Write;

use anyhow::Context;

use crate::registry::{Registry, day_of, parse_date, usage_csv};
use crate::settings::Settings;
use crate::tenants::now_secs;

pub enum Operation {
    List,
    Show(String),
    /// The tenant, and when (default now).
    EndSubscription(String, Option<String>),
    Delete(String),
    /// As of this day (default today).
    Purge(Option<String>),
    /// The month, `YYYY-MM`.
    Usage(String),
}

fn date(text: Option<&str>) -> anyhow::Result<i64> {
    match text {
        Some(t) => parse_date(t).map_err(anyhow::Error::msg),
        None => Ok(now_secs()),
    }
}

/// Runs `operation` against the registry `settings` name.
pub async fn run(settings: &Settings, operation: Operation) -> anyhow::Result<String> {
    if settings.registry_url.starts_with("sqlite:") && !settings.data_dir.exists() {
        anyhow::bail!(
            "no registry here: {} does not exist (is --config the cloud's configuration?)",
            settings.data_dir.display()
        );
    }
    let registry = Registry::open(&settings.registry_url).await?;
    let now = now_secs();
    let mut out = String::new();
    match operation {
        Operation::List => {
            let tenants = registry.tenants().await?;
            writeln!(
                out,
                "{:<36}  {:<10}  {:>11}  organisation",
                "tenant", "state", "directories"
            )?;
            for t in &tenants {
                let state = match t.subscription_ends_at {
                    Some(end) if end <= now => format!("ended {}", day_of(end)),
                    Some(end) => format!("ends {}", day_of(end)),
                    None => String::from("active"),
                };
                let directories = registry.directories(&t.id).await?.len();
                writeln!(
                    out,
                    "{:<36}  {state:<10}  {directories:>11}  {}",
                    t.id, t.organisation
                )?;
            }
            writeln!(
                out,
                "{} organisation{}",
                tenants.len(),
                if tenants.len() == 1 { "" } else { "s" }
            )?;
        }
        Operation::Show(tenant) => {
            let stored = registry
                .stored_about(&tenant)
                .await
                .with_context(|| format!("tenant {tenant}"))?
                .ok_or_else(|| anyhow::anyhow!("no organisation {tenant} is registered"))?;
            writeln!(out, "{}", serde_json::to_string_pretty(&stored)?)?;
        }
        Operation::EndSubscription(tenant, at) => {
            let at = date(at.as_deref())?;
            registry
                .set_subscription_end(&tenant, Some(at), now)
                .await
                .with_context(|| format!("tenant {tenant}"))?;
            writeln!(
                out,
                "The subscription of {tenant} ends {}; its users are told then, and everything of it is deleted on {}.",
                day_of(at),
                day_of(crate::registry::deleted_at(at))
            )?;
        }
        Operation::Delete(tenant) => {
            if registry.delete_tenant(&tenant, now).await? {
                writeln!(
                    out,
                    "Deleted everything of {tenant} ({}); a running cloud closes its directories' links within seconds.",
                    crate::registry::tenant_hash(&tenant)
                )?;
            } else {
                anyhow::bail!("no organisation {tenant} is registered");
            }
        }
        Operation::Purge(as_of) => {
            let as_of = date(as_of.as_deref())?;
            let purged = registry.purge(as_of).await?;
            for hash in &purged.tenants {
                writeln!(out, "deleted {hash}")?;
            }
            writeln!(
                out,
                "Purged as of {}: {} organisation{} deleted, {} expired enrollment code{} removed.",
                day_of(as_of),
                purged.tenants.len(),
                if purged.tenants.len() == 1 { "" } else { "s" },
                purged.expired_codes,
                if purged.expired_codes == 1 { "" } else { "s" },
            )?;
        }
        Operation::Usage(month) => {
            out.push_str(&usage_csv(&registry.usage_month(&month).await?));
        }
    }
    Ok(out)
}
