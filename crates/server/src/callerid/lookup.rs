//! The generic lookup for anything else that can call a URL:
//! `GET /callerid/v1/lookup?number=…` → the caller as JSON, or a `404` problem.

use axum::Json;
use axum::extract::{Extension, RawQuery, State};
use axum::response::{IntoResponse, Response};
use kontakt_api::{ProblemCode, SourceRef};
use serde::Serialize;

use super::{Asker, Shared, refusal};

#[derive(Serialize)]
struct Answer {
    display_name: String,
    company: Option<String>,
    contact_id: String,
    source: SourceRef,
    matched_number: String,
}

pub(super) async fn lookup(
    State(state): State<Shared>,
    Extension(asker): Extension<Asker>,
    RawQuery(query): RawQuery,
) -> Response {
    // Read raw: form decoding would turn the `+` of `?number=+4989…` into a space. The
    // lookup itself decodes `%2B`.
    let number = query.as_deref().unwrap_or("").split('&').find_map(|pair| {
        pair.strip_prefix("number=")
            .filter(|n| !n.trim().is_empty())
    });
    let Some(number) = number else {
        return refusal(
            ProblemCode::BadRequest,
            400,
            "missing the number: /callerid/v1/lookup?number=%2B4989…",
        );
    };
    match state.caller(&asker.tenant, number) {
        Some(c) => Json(Answer {
            display_name: c.display_name,
            company: c.company,
            contact_id: c.contact_id,
            source: c.source,
            matched_number: c.matched_number,
        })
        .into_response(),
        None => refusal(ProblemCode::NotFound, 404, "no contact has this number"),
    }
}
