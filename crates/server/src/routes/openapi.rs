//! `/api/v1/openapi.json`: the API's description, generated from the handlers' annotations
//! and the shared wire types, rendered once at start.

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;

pub fn document<S: Clone + Send + Sync + 'static>(doc: &utoipa::openapi::OpenApi) -> Router<S> {
    let json = doc
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    Router::new().route(
        "/api/v1/openapi.json",
        get(move || {
            let body = json.clone();
            async move { ([(CONTENT_TYPE, "application/json")], body) }
        }),
    )
}
