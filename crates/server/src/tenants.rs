//! Which organisations the cloud serves right now: those in the configuration (self-hosting
//! and `kontakt serve`) and those registered in the registry, read into memory so that a
//! request never waits for the database. The cloud reads the registry again every few
//! seconds, so a change made elsewhere (an operator's command, another node) takes effect
//! promptly, and it closes the links of directories that were revoked or whose
//! organisation's subscription ended.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::registry::{Registry, RegistryError, TenantRecord};
use crate::relay::Links;
use crate::settings::tenant_label;

/// A registered organisation, as the cloud knows it: no contacts.
pub struct Tenant {
    pub id: String,
    pub name: String,
    /// How it appears in logs and metrics.
    pub label: String,
    /// SHA-256 of each credential its directories may link with (configured tenants).
    pub credentials: Vec<[u8; 32]>,
    /// When its subscription ends or ended (registered tenants).
    pub ends_at: Option<i64>,
}

impl Tenant {
    pub fn ended(&self, now: i64) -> bool {
        crate::registry::ended_by(self.ends_at, now)
    }
}

/// Close codes a directory sees when it is to stop dialling.
pub const CLOSE_REVOKED: u16 = 4001;
pub const CLOSE_SUBSCRIPTION_ENDED: u16 = 4002;

/// How often the registry is read again.
pub const RELOAD_EVERY: Duration = Duration::from_secs(3);

pub struct TenantBook {
    fixed: HashMap<String, Arc<Tenant>>,
    registered: ArcSwap<HashMap<String, Arc<Tenant>>>,
    /// Enrolled directories, as of the last reading.
    directories: ArcSwap<HashSet<String>>,
    pub registry: Option<Arc<Registry>>,
}

pub fn now_secs() -> i64 {
    kontakt_directory::snapshot::now_secs() as i64
}

impl TenantBook {
    pub fn new(fixed: Vec<Tenant>, registry: Option<Arc<Registry>>) -> TenantBook {
        TenantBook {
            fixed: fixed
                .into_iter()
                .map(|t| (t.id.clone(), Arc::new(t)))
                .collect(),
            registered: ArcSwap::default(),
            directories: ArcSwap::default(),
            registry,
        }
    }

    /// A configured organisation, or a registered one.
    pub fn get(&self, id: &str) -> Option<Arc<Tenant>> {
        if let Some(t) = self.fixed.get(id) {
            return Some(Arc::clone(t));
        }
        self.registered.load().get(id).cloned()
    }

    pub fn all(&self) -> Vec<Arc<Tenant>> {
        let registered = self.registered.load();
        self.fixed
            .values()
            .chain(registered.values())
            .cloned()
            .collect()
    }

    /// Reads the registry again.
    pub async fn reload(&self) -> Result<(), RegistryError> {
        let Some(registry) = &self.registry else {
            return Ok(());
        };
        let tenants = registry.tenants().await?;
        let ids = registry.directory_ids().await?;
        self.registered.store(Arc::new(
            tenants
                .into_iter()
                .map(|t| (t.id.clone(), Arc::new(tenant_of(t))))
                .collect(),
        ));
        self.directories.store(Arc::new(ids.into_iter().collect()));
        Ok(())
    }

    /// Closes the links that may not stay: of revoked directories, of organisations no
    /// longer registered, and of those whose subscription has ended.
    pub fn enforce(&self, links: &Links, now: i64) -> usize {
        if self.registry.is_none() {
            return 0;
        }
        let directories = self.directories.load();
        links.close_where(|tenant, directory| match self.get(tenant) {
            None => Some(CLOSE_REVOKED),
            Some(t) if t.ended(now) => Some(CLOSE_SUBSCRIPTION_ENDED),
            Some(_) => match directory {
                Some(id) if !directories.contains(id) => Some(CLOSE_REVOKED),
                _ => None,
            },
        })
    }

    /// Reads the registry and enforces it every few seconds and whenever PostgreSQL tells
    /// of a change, for as long as the cloud runs.
    pub fn spawn_watch(self: &Arc<Self>, links: Arc<Links>) {
        if self.registry.is_none() {
            return;
        }
        let book = Arc::downgrade(self);
        // With several nodes on PostgreSQL, another node's (or the operator's) change is
        // read at once; the reading every few seconds stays as the fallback.
        let noticed = Arc::new(tokio::sync::Notify::new());
        let notices = self.registry.as_ref().and_then(|r| {
            let noticed = Arc::clone(&noticed);
            r.watch_changes(move || noticed.notify_one())
        });
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(RELOAD_EVERY) => {}
                    () = noticed.notified() => {}
                }
                let Some(book) = book.upgrade() else {
                    if let Some(notices) = notices {
                        notices.abort();
                    }
                    break;
                };
                if let Err(e) = book.reload().await {
                    tracing::error!(error = %e, "cannot read the registry; serving what was read before");
                    continue;
                }
                let closed = book.enforce(&links, now_secs());
                if closed > 0 {
                    tracing::info!(
                        links = closed,
                        "closed links of revoked directories or ended subscriptions"
                    );
                }
            }
        });
    }
}

fn tenant_of(t: TenantRecord) -> Tenant {
    Tenant {
        label: tenant_label(&t.id),
        id: t.id,
        name: t.organisation,
        credentials: Vec::new(),
        ends_at: t.subscription_ends_at,
    }
}
