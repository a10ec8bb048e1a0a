//! AudioCodes Mediant's HTTP rule: `GET /callerid/v1/audiocodes/{number}`. On `200` the SBC
//! copies the whole body into the caller's display name, so the body is the name alone, as
//! plain text; nothing found is `404`.

use std::collections::HashMap;

use axum::extract::{Extension, Path};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Asker, NoAnswer, refusal, shown};
use kontakt_api::ProblemCode;

pub(super) async fn lookup(
    Extension(asker): Extension<Asker>,
    Path(path): Path<HashMap<String, String>>,
) -> Response {
    let number = path.get("number").map_or("", String::as_str);
    match asker.caller(number).await {
        Ok(Some(caller)) => {
            let mut response = shown(&caller).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        Ok(None) => refusal(ProblemCode::NotFound, 404, "no contact has this number"),
        Err(NoAnswer::Refused(response) | NoAnswer::Unavailable(response)) => response,
    }
}
