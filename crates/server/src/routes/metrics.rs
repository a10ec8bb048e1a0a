//! `/metrics`: the anonymous counters and gauges of [`crate::metrics`], in OpenMetrics text.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::state::SharedState;

pub async fn metrics(State(state): State<SharedState>) -> impl IntoResponse {
    let sources = state
        .tenants
        .values()
        .map(|t| (t.label.as_str(), t.catalog.status()));
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(sources),
    )
}
