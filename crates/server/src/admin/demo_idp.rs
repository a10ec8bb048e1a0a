//! Demo mode's identity provider for `/admin`: Entra's endpoints in shape (authorize,
//! token, admin consent) under `/dev/idp`, signing ID tokens with the demo key the service
//! validates like Microsoft's. It holds PKCE to the same rules — S256 only, the verifier
//! must match, a code works once, for one redirect URI — so the cloud's client code is the
//! one used with Entra, with no bypass.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::field;
use super::oidc::challenge;
use super::page::esc;
use crate::demo::{CLIENT_ID, DemoPerson, PEOPLE};
use crate::state::SharedState;

const CODE_LIFETIME: Duration = Duration::from_secs(120);

struct Pending {
    person: DemoPerson,
    redirect_uri: String,
    challenge: String,
    nonce: String,
    issued: Instant,
}

#[derive(Default)]
pub struct DemoIdp {
    codes: Mutex<HashMap<String, Pending>>,
}

pub fn router() -> Router<SharedState> {
    Router::new()
        .route(
            "/dev/idp/organizations/oauth2/v2.0/authorize",
            get(authorize_page).post(authorize),
        )
        .route(
            "/dev/idp/organizations/oauth2/v2.0/token",
            axum::routing::post(token),
        )
        .route("/dev/idp/{tenant}/v2.0/adminconsent", get(consent_page))
}

fn bad(text: &str) -> Response {
    (StatusCode::BAD_REQUEST, super::html(Html(format!(
        "<!doctype html><html lang=\"en\"><title>Demo sign-in</title><link rel=\"stylesheet\" href=\"/admin/admin.css\"><main><h1>Demo sign-in</h1><p role=\"alert\">{}</p></main></html>",
        esc(text)
    )))).into_response()
}

/// Checks what every authorize request must carry; the redirect URI must be this cloud's.
fn check(state: &SharedState, q: &HashMap<String, String>) -> Result<(), String> {
    let get = |k: &str| field(q, k);
    let admin = state.admin.as_ref().ok_or("no /admin here")?;
    if get("client_id") != CLIENT_ID {
        return Err(format!("unknown client_id {:?}", get("client_id")));
    }
    if get("response_type") != "code" {
        return Err("response_type must be code".into());
    }
    if get("redirect_uri") != admin.client.redirect_uri() {
        return Err("redirect_uri is not registered for this app".into());
    }
    if get("code_challenge_method") != "S256" || get("code_challenge").len() < 43 {
        return Err("PKCE is required: code_challenge with code_challenge_method S256".into());
    }
    if get("state").is_empty() || get("nonce").is_empty() {
        return Err("state and nonce are required".into());
    }
    Ok(())
}

async fn authorize_page(
    State(state): State<SharedState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if let Err(e) = check(&state, &q) {
        return bad(&e);
    }
    let hidden: String = [
        "client_id",
        "response_type",
        "redirect_uri",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .map(|k| {
        format!(
            r#"<input type="hidden" name="{k}" value="{}">"#,
            esc(q.get(*k).map(String::as_str).unwrap_or_default())
        )
    })
    .collect();
    let people: String = PEOPLE
        .iter()
        .map(|p| {
            let role = if p.wids.is_empty() {
                "no administrator role"
            } else if p.wids.contains(&crate::demo::GLOBAL_ADMINISTRATOR) {
                "Global Administrator"
            } else {
                "Teams Administrator"
            };
            format!(
                r#"<li><button class="button" name="person" value="{}">{} <span class="hint">{} · {} · tenant {}</span></button></li>"#,
                p.key,
                esc(p.name),
                esc(p.upn),
                role,
                p.tenant
            )
        })
        .collect();
    super::html(Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo sign-in</title><link rel="stylesheet" href="/admin/admin.css"></head>
<body><main id="main"><h1>Demo sign-in</h1><p>The demo's identity provider, standing in for Microsoft. Pick who signs in:</p>
<form method="post" action="/dev/idp/organizations/oauth2/v2.0/authorize">{hidden}<ul class="people">{people}</ul></form></main></body></html>"#
    )))
    .into_response()
}

async fn authorize(
    State(state): State<SharedState>,
    Form(q): Form<HashMap<String, String>>,
) -> Response {
    if let Err(e) = check(&state, &q) {
        return bad(&e);
    }
    let Some(person) = q
        .get("person")
        .and_then(|k| PEOPLE.iter().find(|p| p.key == k))
    else {
        return bad("pick someone to sign in as");
    };
    let Some(idp) = state.admin.as_ref().and_then(|a| a.demo_idp.as_ref()) else {
        return bad("demo mode is off");
    };
    let code = super::session::random_token();
    let mut codes = idp.codes.lock().expect("poisoned");
    codes.retain(|_, p| p.issued.elapsed() < CODE_LIFETIME);
    codes.insert(
        code.clone(),
        Pending {
            person: *person,
            redirect_uri: q["redirect_uri"].clone(),
            challenge: q["code_challenge"].clone(),
            nonce: q["nonce"].clone(),
            issued: Instant::now(),
        },
    );
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("state", &q["state"])
        .finish();
    Redirect::to(&format!("{}?{query}", q["redirect_uri"])).into_response()
}

fn token_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

async fn token(
    State(state): State<SharedState>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| field(&form, k);
    let (Some(idp), Some(issuer)) = (
        state.admin.as_ref().and_then(|a| a.demo_idp.as_ref()),
        state.demo.as_ref(),
    ) else {
        return token_error("invalid_request", "demo mode is off");
    };
    if get("grant_type") != "authorization_code" || get("client_id") != CLIENT_ID {
        return token_error(
            "invalid_request",
            "grant_type authorization_code for the demo app only",
        );
    }
    // Used once, whatever happens next.
    let Some(pending) = idp.codes.lock().expect("poisoned").remove(get("code")) else {
        return token_error("invalid_grant", "the code is unknown or used");
    };
    if pending.issued.elapsed() > CODE_LIFETIME {
        return token_error("invalid_grant", "the code has expired");
    }
    if pending.redirect_uri != get("redirect_uri") {
        return token_error(
            "invalid_grant",
            "redirect_uri differs from the authorize request's",
        );
    }
    if challenge(get("code_verifier")) != pending.challenge {
        return token_error(
            "invalid_grant",
            "the code_verifier does not match the code_challenge",
        );
    }
    match issuer.id_token(&pending.person, &pending.nonce) {
        Ok(id_token) => Json(serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 600,
            "id_token": id_token,
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn consent_page(
    State(state): State<SharedState>,
    Path(tenant): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| field(&q, k);
    let Some(admin) = state.admin.as_ref() else {
        return bad("no /admin here");
    };
    if get("client_id") != CLIENT_ID || get("redirect_uri") != admin.client.consent_redirect_uri() {
        return bad("unknown client_id or redirect_uri");
    }
    if get("scope").is_empty() {
        return bad("scope is required");
    }
    let back = |pairs: &[(&str, &str)]| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{}?{query}", get("redirect_uri"))
    };
    let accept = back(&[
        ("admin_consent", "True"),
        ("tenant", &tenant),
        ("scope", get("scope")),
        ("state", get("state")),
    ]);
    let decline = back(&[
        ("error", "access_denied"),
        ("error_description", "The administrator declined consent."),
        ("state", get("state")),
    ]);
    super::html(Html(format!(
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo consent</title><link rel="stylesheet" href="/admin/admin.css"></head>
<body><main id="main"><h1>Permissions requested</h1><p>Kontakt (demo) asks to sign in users of organisation {} and read their basic profile, for everyone in the organisation.</p>
<p><a class="button primary" href="{}">Accept</a> <a class="button" href="{}">Cancel</a></p></main></body></html>"#,
        esc(&tenant),
        esc(&accept),
        esc(&decline)
    )))
    .into_response()
}
