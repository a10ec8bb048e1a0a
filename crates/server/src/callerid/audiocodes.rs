//! AudioCodes Mediant's HTTP rule: `GET /callerid/v1/audiocodes/{number}`. On `200` the SBC
//! copies the whole body into the caller's display name, so the body is the name alone, as
//! plain text; nothing found is `404`.

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::{Asker, Shared, refusal, shown};
use kontakt_api::ProblemCode;

pub(super) async fn lookup(
    State(state): State<Shared>,
    Extension(asker): Extension<Asker>,
    Path(number): Path<String>,
) -> Response {
    match state.caller(&asker.tenant, &number) {
        Some(caller) => {
            let mut response = shown(&caller).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            response
        }
        None => refusal(ProblemCode::NotFound, 404, "no contact has this number"),
    }
}
