//! The generic lookup for anything else that can call a URL:
//! `GET /callerid/v1/lookup?number=…` → the caller as JSON, or a `404` problem.

use axum::Json;
use axum::extract::{Extension, RawQuery};
use axum::response::{IntoResponse, Response};
use kontakt_api::{ProblemCode, SourceRef};
use serde::Serialize;

use super::{Asker, NoAnswer, refusal};

#[derive(Serialize)]
struct Answer {
    display_name: String,
    company: Option<String>,
    contact_id: String,
    source: SourceRef,
    matched_number: String,
}

pub(super) async fn lookup(
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
    match asker.caller(&spaces_decoded(number)).await {
        Ok(Some(c)) => Json(Answer {
            display_name: c.display_name,
            company: c.company,
            contact_id: c.contact_id,
            source: c.source,
            matched_number: c.matched_number,
        })
        .into_response(),
        Ok(None) => refusal(ProblemCode::NotFound, 404, "no contact has this number"),
        Err(NoAnswer::Refused(response) | NoAnswer::Unavailable(response)) => response,
    }
}

/// A form-encoded space (`+`) between digits back to a space; a `+` that starts a number
/// (`+4989…`, `tel:+4989…`) stays the plus it is.
fn spaces_decoded(number: &str) -> String {
    let mut out = String::with_capacity(number.len());
    let mut previous = None;
    for c in number.chars() {
        out.push(
            if c == '+' && previous.is_some_and(|p: char| p.is_ascii_digit()) {
                ' '
            } else {
                c
            },
        );
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_plus_between_digits_is_a_space_and_a_leading_one_a_plus() {
        assert_eq!(
            super::spaces_decoded("%2B49+89+2222222"),
            "%2B49 89 2222222"
        );
        assert_eq!(super::spaces_decoded("+49+89+2222"), "+49 89 2222");
        assert_eq!(super::spaces_decoded("tel:+4989"), "tel:+4989");
        assert_eq!(super::spaces_decoded("089+123"), "089 123");
    }
}
