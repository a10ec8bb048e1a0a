use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kontakt_api::{DEFAULT_LIMIT, MAX_LIMIT, MIN_LIMIT, Problem, SearchResponse, json};

use super::errors::AuthenticatedErrors;
use crate::layers::Caller;
use crate::onprem::check_search;
use crate::problem::ApiError;
use crate::state::SharedState;

/// Search the caller's directory as they type.
#[utoipa::path(
    get,
    path = "/search",
    tag = "contacts",
    params(
        ("q" = String, Query, max_length = 200, description = "What the user typed: words (AND-combined, each the start of a word) or a phone number in any written form"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Most hits to return (default 25)"),
    ),
    responses(
        (status = 200, description = "Best matches first", body = SearchResponse),
        (status = 400, description = "A parameter is missing, malformed or out of bounds", body = Problem, content_type = "application/problem+json"),
        AuthenticatedErrors,
    ),
    security(("entra" = []))
)]
pub async fn search(
    State(state): State<SharedState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> Result<SearchJson, ApiError> {
    let params = SearchParams::parse(raw.as_deref().unwrap_or(""))?;
    let directory = state.local(&caller)?;
    Ok(SearchJson(directory.search(&params.q, params.limit)?))
}

/// A search answer as `axum::Json` would send it, written by `kontakt_api::json`: with
/// serde_json, writing the answer was a sixth of the request.
pub struct SearchJson(SearchResponse);

impl IntoResponse for SearchJson {
    fn into_response(self) -> Response {
        (
            [(header::CONTENT_TYPE, "application/json")],
            json::search_response(&self.0),
        )
            .into_response()
    }
}

#[derive(Debug, PartialEq)]
struct SearchParams {
    q: String,
    limit: u32,
}

impl SearchParams {
    fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut q = None;
        let mut limit = None;
        for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
            let slot = match key.as_ref() {
                "q" => &mut q,
                "limit" => &mut limit,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(ApiError::BadRequest(format!(
                    "the parameter {key} is given more than once"
                )));
            }
        }
        let q = q
            .ok_or_else(|| {
                ApiError::BadRequest("the query parameter q (what to search for) is missing".into())
            })?
            .trim()
            .to_owned();
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(text) => match text.trim().parse::<u32>() {
                Ok(n) if (MIN_LIMIT..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "limit must be a whole number from {MIN_LIMIT} to {MAX_LIMIT}, got {text:?}"
                    )));
                }
            },
        };
        check_search(&q, limit)?;
        Ok(SearchParams { q, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(raw: &str) -> String {
        SearchParams::parse(raw).unwrap_err().to_string()
    }

    #[test]
    fn parses_and_defaults() {
        assert_eq!(
            SearchParams::parse("q=M%C3%BCller+Anna").unwrap(),
            SearchParams {
                q: "Müller Anna".into(),
                limit: 25
            }
        );
        assert_eq!(
            SearchParams::parse("limit=100&q=x&other=1").unwrap().limit,
            100
        );
        assert_eq!(SearchParams::parse("q=").unwrap().q, "");
    }

    #[test]
    fn bad_parameters_say_what_is_wrong() {
        assert!(detail("").contains("q (what to search for) is missing"));
        assert!(detail("q=a&q=b").contains("q is given more than once"));
        assert!(detail("q=a&limit=0").contains("from 1 to 100, got \"0\""));
        assert!(detail("q=a&limit=101").contains("got \"101\""));
        assert!(detail("q=a&limit=ten").contains("got \"ten\""));
        assert!(
            detail(&format!("q={}", "x".repeat(201))).contains("201 characters long; at most 200")
        );
        // 200 umlauts are 400 bytes but 200 characters: allowed.
        assert!(SearchParams::parse(&format!("q={}", "ü".repeat(200))).is_ok());
    }
}
