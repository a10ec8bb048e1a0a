use std::collections::HashMap;
use std::sync::Arc;

use kontakt_directory::catalog::TenantDirectory;

use crate::auth::TokenValidator;
use crate::config::Limits;
use crate::demo::DemoIssuer;
use crate::metrics::Metrics;

/// A registered organisation and its contacts.
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub catalog: Arc<TenantDirectory>,
}

pub struct AppState {
    /// By lowercase tenant id.
    pub tenants: HashMap<String, Arc<Tenant>>,
    pub validator: TokenValidator,
    /// Present only in demo mode; its routes do not exist otherwise.
    pub demo: Option<DemoIssuer>,
    pub limits: Limits,
    /// Per user (`tid`, `oid`).
    pub limiter: governor::DefaultKeyedRateLimiter<(String, String)>,
    /// Derives each user's device-cache key (`GET /me`).
    pub cache_keys: crate::cache_key::CacheKeys,
    pub metrics: Metrics,
}

pub type SharedState = Arc<AppState>;
