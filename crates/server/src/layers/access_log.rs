//! One log line per request, with nothing in it that names a person or what they searched.
//!
//! The line carries a request id, the tenant's label (a hash, set by authentication as a
//! response extension), the route *template* (never the URI: it holds the query text), the
//! status and the latency.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics::RequestLabels;
use crate::state::SharedState;

/// Which tenant a response was for, as its label (see [`crate::settings::tenant_label`]).
#[derive(Clone, Debug)]
pub struct TenantLabel(pub String);

pub async fn access_log(State(state): State<SharedState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = format!("{:016x}", rand::random::<u64>());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "tab".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
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
    let tenant = response.extensions().get::<TenantLabel>();
    tracing::info!(
        target: "kontakt::access",
        request_id = %request_id,
        tenant = tenant.map_or("-", |t| t.0.as_str()),
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
