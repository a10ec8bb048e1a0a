//! `/metrics`: the anonymous counters and gauges of [`crate::metrics`], in OpenMetrics text.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::state::SharedState;

pub async fn metrics(State(state): State<SharedState>) -> impl IntoResponse {
    for tenant in state.tenants.all() {
        state
            .metrics
            .set_links(&tenant.label, state.links.count(&tenant.id));
    }
    let sources = state
        .local
        .values()
        .map(|d| (d.label.as_str(), d.sources()));
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(sources),
    )
}
