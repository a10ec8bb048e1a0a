//! anynode's REST lookup: `POST /callerid/v1/anynode` with the call's source address; the
//! answer is always `200` with `routeContinue`, the address as it came plus the name when
//! one is found — a lookup never blocks a call (not even when the cloud cannot reach the
//! tenant's directory).

use axum::Json;
use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::{Asker, NoAnswer, refusal, shown};
use kontakt_api::ProblemCode;

pub(super) async fn lookup(
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
    if let Some(Value::String(number)) = address.get("dialString") {
        match asker.caller(number).await {
            Ok(Some(caller)) => {
                address.insert("displayName".into(), Value::String(shown(&caller)));
            }
            Ok(None) | Err(NoAnswer::Unavailable(_)) => {}
            Err(NoAnswer::Refused(response)) => return response,
        }
    }
    Json(serde_json::json!({
        "routeContinue": true,
        "sourceAddress": address,
    }))
    .into_response()
}
