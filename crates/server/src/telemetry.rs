//! Anonymous counters on their way to the registry: what directories report (searches,
//! lookups, keyed hashes of the day's users) and how long the cloud waited for answers,
//! added up in memory per organisation and day and written once a minute.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::registry::{Registry, UsageReport, day_of, latency_bucket};

const FLUSH_EVERY: Duration = Duration::from_secs(60);
/// Most user hashes one report may carry (a directory sends each once a day).
pub const MAX_USERS_PER_REPORT: usize = 10_000;

pub struct Telemetry {
    registry: Option<Arc<Registry>>,
    pending: Mutex<HashMap<(String, String), UsageReport>>,
}

impl Telemetry {
    pub fn new(registry: Option<Arc<Registry>>) -> Telemetry {
        Telemetry {
            registry,
            pending: Mutex::default(),
        }
    }

    fn with(&self, tenant: &str, day: String, f: impl FnOnce(&mut UsageReport)) {
        if self.registry.is_none() {
            return;
        }
        let mut pending = self.pending.lock().expect("poisoned");
        f(pending.entry((tenant.to_owned(), day)).or_default());
    }

    /// A directory's report for `day` (the directory's day, which is the cloud's within
    /// the clock skew sealed requests allow).
    pub fn reported(
        &self,
        tenant: &str,
        day: &str,
        searches: u64,
        lookups: u64,
        users: Vec<String>,
    ) {
        if day.len() != 10 {
            return;
        }
        self.with(tenant, day.to_owned(), |r| {
            r.searches += searches;
            r.lookups += lookups;
            r.user_hashes.extend(
                users
                    .into_iter()
                    .take(MAX_USERS_PER_REPORT)
                    .filter(|h| h.len() <= 64),
            );
        });
    }

    /// A relayed request was answered after `elapsed`.
    pub fn answered(&self, tenant: &str, elapsed: Duration) {
        let day = day_of(crate::tenants::now_secs());
        self.with(tenant, day, |r| {
            r.latency[latency_bucket(elapsed.as_millis() as u64)] += 1;
        });
    }

    /// Writes what was added up.
    pub async fn flush(&self) {
        let Some(registry) = &self.registry else {
            return;
        };
        let pending = std::mem::take(&mut *self.pending.lock().expect("poisoned"));
        for ((tenant, day), report) in pending {
            // A tenant deleted meanwhile has nothing counted any more: the insert would
            // bring back a row nobody deletes, so check first.
            match registry.tenant(&tenant).await {
                Ok(Some(_)) => {
                    if let Err(e) = registry.add_usage(&tenant, &day, &report).await {
                        tracing::warn!(error = %e, "cannot write the usage counters; they are lost for this minute");
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the registry"),
            }
        }
    }

    pub fn spawn_flush(self: &Arc<Self>) {
        if self.registry.is_none() {
            return;
        }
        let telemetry = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(FLUSH_EVERY).await;
                let Some(telemetry) = telemetry.upgrade() else {
                    break;
                };
                telemetry.flush().await;
            }
        });
    }
}
