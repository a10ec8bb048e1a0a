//! One log line per request, with nothing in it that names a person or what they searched.
//!
//! The line carries a request id, a hash of the tenant id, the route *template* (never the
//! URI: it holds the query text), the status and the latency.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use sha2::{Digest, Sha256};

use crate::metrics::RequestLabels;
use crate::state::SharedState;

/// Filled by the authentication extractor, read after the handler ran.
#[derive(Clone, Default)]
pub struct RequestTenant(Arc<OnceLock<String>>);

impl RequestTenant {
    pub fn set(&self, tenant_id: &str) {
        let _ = self.0.set(tenant_hash(tenant_id));
    }
}

/// First 12 hex digits of SHA-256 of the tenant id: an operator who knows a tenant id can
/// find its lines; the log alone does not say which organisation it was.
pub fn tenant_hash(tenant_id: &str) -> String {
    let digest = Sha256::digest(tenant_id.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn access_log(
    State(state): State<SharedState>,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = format!("{:016x}", rand::random::<u64>());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "tab".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let tenant = RequestTenant::default();
    req.extensions_mut().insert(tenant.clone());
    let mut response = next.run(req).await;
    let status = response.status().as_u16();
    let latency_us = started.elapsed().as_micros() as u64;
    state
        .metrics
        .requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            method: method.to_string(),
            status,
        })
        .inc();
    tracing::info!(
        target: "kontakt::access",
        request_id = %request_id,
        tenant = tenant.0.get().map_or("-", String::as_str),
        method = %method,
        route = %route,
        status,
        latency_us,
    );
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
