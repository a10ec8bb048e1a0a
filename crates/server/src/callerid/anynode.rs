//! anynode's REST lookup: `POST /callerid/v1/anynode` with the call's source address; the
//! answer is always `200` with `routeContinue`, the address as it came plus the name when
//! one is found — a lookup never blocks a call.

use axum::Json;
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{Asker, Shared, refusal, shown};
use kontakt_api::ProblemCode;

pub(super) async fn lookup(
    State(state): State<Shared>,
    Extension(asker): Extension<Asker>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return refusal(
            ProblemCode::BadRequest,
            400,
            "the body must be a JSON object like {\"sourceAddress\":{\"dialString\":\"+4989…\"}}",
        );
    };
    // The address as anynode sent it, every field kept; null fields left out.
    let mut address: Map<String, Value> = match request.get("sourceAddress") {
        Some(Value::Object(a)) => a
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Map::new(),
    };
    if let Some(Value::String(number)) = address.get("dialString")
        && let Some(caller) = state.caller(&asker.tenant, number)
    {
        address.insert("displayName".into(), Value::String(shown(&caller)));
    }
    Json(serde_json::json!({
        "routeContinue": true,
        "sourceAddress": address,
    }))
    .into_response()
}
