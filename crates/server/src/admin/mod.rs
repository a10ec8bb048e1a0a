//! `/admin` on the cloud: an organisation's Teams administrator signs in with Microsoft
//! (OpenID Connect, PKCE), registers the organisation once, grants admin consent, creates
//! one-time codes for enrolling directories, revokes directories, edits their contact
//! details, sees every field stored about the organisation, and can delete it all.
//!
//! Only Global, Teams and Privileged Role Administrators (Entra `wids`) get a session, and a
//! session reaches only its own organisation: every action takes the tenant from the
//! signed session, never from the request.

pub mod demo_idp;
pub mod oidc;
pub mod page;
pub mod session;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::demo::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR, TEAMS_ADMINISTRATOR};
use crate::registry::{NewTenant, Registry, RegistryError};
use crate::state::SharedState;
use crate::tenants::now_secs;
use page::{Dashboard, DirectoryView, Lang, Problem, Refused};
use session::{FLOW_COOKIE, FLOW_SECS, Flow, SESSION_COOKIE, SESSION_SECS, Session, SessionKeys};

/// The roles (template ids) that may register and manage an organisation.
pub const ADMIN_ROLES: [&str; 3] = [
    GLOBAL_ADMINISTRATOR,
    TEAMS_ADMINISTRATOR,
    PRIVILEGED_ROLE_ADMINISTRATOR,
];

const ADMIN_CSS: &str = include_str!("../../assets/admin.css");

/// The pages allow only their own style sheet and forms to themselves.
const ADMIN_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

pub struct Admin {
    pub client: oidc::Client,
    pub keys: SessionKeys,
    pub demo_idp: Option<demo_idp::DemoIdp>,
    /// The cloud's registry, which every page reads and every form changes.
    pub registry: Arc<Registry>,
}

impl Admin {
    /// A `Set-Cookie` value holding `session`.
    fn session_cookie(&self, session: &Session) -> String {
        self.keys
            .cookie(SESSION_COOKIE, &self.keys.seal(session), SESSION_SECS)
    }

    /// A `Set-Cookie` value that ends the session.
    fn end_session(&self) -> String {
        self.keys.cookie(SESSION_COOKIE, "", 0)
    }
}

pub fn router(state: &SharedState) -> Router<SharedState> {
    let Some(admin) = &state.admin else {
        return Router::new();
    };
    let routes = Router::new()
        .route("/admin", get(home))
        .route("/admin/", get(|| async { Redirect::permanent("/admin") }))
        .route("/admin/admin.css", get(css))
        .route("/admin/sign-in", get(sign_in))
        .route("/admin/callback", get(callback))
        .route("/admin/register", post(register))
        .route("/admin/contact", post(contact))
        .route("/admin/codes", post(codes))
        .route("/admin/directories/{id}/revoke", post(revoke))
        .route("/admin/delete", post(delete))
        .route("/admin/consent", get(consent))
        .route("/admin/consent-callback", get(consent_callback))
        .route("/admin/sign-out", post(sign_out));
    if admin.demo_idp.is_some() {
        routes.merge(demo_idp::router())
    } else {
        routes
    }
}

/// An HTML answer with the pages' security headers, never cached.
pub fn html(body: Html<String>) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    crate::web::security_headers(headers, HeaderValue::from_static(ADMIN_CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // With no-referrer, browsers send `Origin: null` from these forms, and the cloud could
    // no longer tell its own forms from another site's.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn css() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        ADMIN_CSS,
    )
        .into_response();
    crate::web::security_headers(response.headers_mut(), HeaderValue::from_static(ADMIN_CSP));
    response
}

/// `?lang=`, then the language chosen before (its cookie), then the browser's.
fn lang(headers: &HeaderMap, query: &HashMap<String, String>) -> Lang {
    Lang::choose(
        query
            .get("lang")
            .map(String::as_str)
            .or_else(|| session::cookie(headers, LANG_COOKIE)),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Remembers the language an administrator picks at the top of a page, so that the pages
/// after the next form they send stay in it (forms and redirects carry no `?lang=`).
const LANG_COOKIE: &str = "kontakt_admin_lang";
const LANG_SECS: u64 = 365 * 24 * 3600;

fn remember_lang(
    state: &SharedState,
    query: &HashMap<String, String>,
    response: Response,
) -> Response {
    match query.get("lang").map(String::as_str) {
        Some(code @ ("en" | "de")) => {
            let cookie = admin(state).keys.cookie(LANG_COOKIE, code, LANG_SECS);
            with_cookie(response, cookie)
        }
        _ => response,
    }
}

fn admin(state: &SharedState) -> &Admin {
    state.admin.as_ref().expect("routed only with /admin")
}

fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn page(status: StatusCode, body: String) -> Response {
    (status, html(Html(body))).into_response()
}

/// After a change: back to the dashboard, saying what was done.
fn done(what: &str) -> Response {
    Redirect::to(&format!("/admin?done={what}")).into_response()
}

fn internal(lang: Lang, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the registry failed an administrator's request");
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        page::message(
            lang,
            "Kontakt",
            match lang {
                Lang::En => {
                    "The registry cannot be reached right now; nothing was changed. Try again in a minute."
                }
                Lang::De => {
                    "Die Registrierung ist gerade nicht erreichbar; nichts wurde geändert. Versuchen Sie es in einer Minute noch einmal."
                }
            },
            true,
        ),
    )
}

async fn home(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang(&headers, &query);
    let Some(session) = admin(&state).keys.session(&headers) else {
        let landing = page(StatusCode::OK, page::landing(lang, None));
        return remember_lang(&state, &query, landing);
    };
    let message = query.get("done").map(|d| done_message(lang, d));
    let shown = dashboard_or_form(&state, lang, &session, None, message, None).await;
    remember_lang(&state, &query, shown)
}

fn done_message(lang: Lang, what: &str) -> &'static str {
    match (what, lang) {
        ("registered", Lang::En) => {
            "Your organisation is registered. Next: grant admin consent, then enroll a directory."
        }
        ("registered", Lang::De) => {
            "Ihre Organisation ist registriert. Als Nächstes: Administratorzustimmung erteilen, dann ein Verzeichnis anmelden."
        }
        ("contact", Lang::En) => "Your contact details are saved.",
        ("contact", Lang::De) => "Ihre Kontaktdaten sind gespeichert.",
        ("revoked", Lang::En) => {
            "The directory is revoked and disconnected; its credential no longer works."
        }
        ("revoked", Lang::De) => {
            "Das Verzeichnis ist widerrufen und getrennt; seine Zugangsdaten gelten nicht mehr."
        }
        ("consent", Lang::En) => "Admin consent is granted for your organisation.",
        ("consent", Lang::De) => "Die Administratorzustimmung für Ihre Organisation ist erteilt.",
        (_, Lang::En) => "Done.",
        (_, Lang::De) => "Erledigt.",
    }
}

async fn dashboard_or_form(
    state: &SharedState,
    lang: Lang,
    session: &Session,
    new_code: Option<&str>,
    message: Option<&str>,
    problem: Option<Problem<'_>>,
) -> Response {
    // A form sent back with a refused value: nothing was saved, and the status says so.
    let status = match problem {
        Some(Problem::Refused(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let stored = match admin(state).registry.stored_about(&session.tenant).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return page(status, page::register_form(lang, session, problem)),
        Err(e) => return internal(lang, e),
    };
    let (tenant, directories) = (&stored.tenant, &stored.directories);
    let shown = serde_json::to_string_pretty(&stored).unwrap_or_default();
    let views = directories
        .iter()
        .map(|record| DirectoryView {
            online: state.links.is_linked(&tenant.id, &record.id),
            record,
        })
        .collect();
    let body = page::dashboard(
        lang,
        session,
        &Dashboard {
            tenant,
            directories: views,
            stored: &shown,
            new_code,
            message,
            problem,
            now: now_secs(),
            base: &admin(state).client.base_url,
        },
    );
    page(status, body)
}

async fn sign_in(State(state): State<SharedState>) -> Response {
    let admin = admin(&state);
    let flow = Flow {
        state: session::random_token(),
        nonce: session::random_token(),
        verifier: session::random_token(),
        expires: session::now() + FLOW_SECS,
    };
    let target = admin.client.authorize_url(&flow);
    let cookie = admin
        .keys
        .cookie(FLOW_COOKIE, &admin.keys.seal(&flow), FLOW_SECS);
    with_cookie(Redirect::to(&target).into_response(), cookie)
}

async fn callback(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang(&headers, &query);
    let admin = admin(&state);
    let refuse = |text: &str| page(StatusCode::BAD_REQUEST, page::landing(lang, Some(text)));
    if let Some(error) = query.get("error") {
        let description = query.get("error_description").unwrap_or(error);
        return refuse(&format!(
            "{} {description}",
            match lang {
                Lang::En => "Microsoft did not sign you in:",
                Lang::De => "Microsoft hat Sie nicht angemeldet:",
            }
        ));
    }
    let Some(flow) = admin.keys.flow(&headers) else {
        return refuse(match lang {
            Lang::En => {
                "The sign-in took too long or was started in another browser. Please sign in again."
            }
            Lang::De => {
                "Die Anmeldung hat zu lange gedauert oder wurde in einem anderen Browser begonnen. Bitte melden Sie sich erneut an."
            }
        });
    };
    let returned_state = query.get("state").map(String::as_str).unwrap_or_default();
    let Some(code) = query
        .get("code")
        .filter(|_| session::same_token(returned_state, &flow.state))
    else {
        return refuse(match lang {
            Lang::En => {
                "This sign-in answer does not belong to the sign-in this browser started. Please sign in again."
            }
            Lang::De => {
                "Diese Anmeldeantwort gehört nicht zu der Anmeldung, die dieser Browser begonnen hat. Bitte melden Sie sich erneut an."
            }
        });
    };
    // What failed is technical and stays in English after the sentence in the admin's
    // language: it is what they would pass on to whoever runs the service.
    let failed = |detail: &dyn std::fmt::Display| {
        refuse(&format!(
            "{} ({detail})",
            match lang {
                Lang::En =>
                    "Microsoft's answer to the sign-in could not be used. Please sign in again.",
                Lang::De => {
                    "Die Antwort von Microsoft auf die Anmeldung war nicht verwendbar. Bitte melden Sie sich erneut an."
                }
            }
        ))
    };
    let token = match admin.client.redeem(code, &flow.verifier).await {
        Ok(t) => t,
        Err(e) => return failed(&e),
    };
    let signed_in = match state.validator.validate_id_token(&token).await {
        Ok(s) => s,
        Err(e) => return failed(&e),
    };
    if signed_in.nonce.as_deref() != Some(flow.nonce.as_str()) {
        return failed(&"the ID token was not issued for this sign-in: its nonce differs");
    }
    let clear_flow = admin.keys.cookie(FLOW_COOKIE, "", 0);
    let identity = &signed_in.identity;
    if !signed_in
        .roles
        .iter()
        .any(|r| ADMIN_ROLES.contains(&r.as_str()))
    {
        tracing::info!(tenant = %crate::settings::tenant_label(&identity.tenant_id), "a sign-in at /admin without an administrator role was refused");
        let response = page(
            StatusCode::FORBIDDEN,
            page::refused(lang, &identity.display_name),
        );
        return with_cookie(response, clear_flow);
    }
    let session = Session {
        tenant: identity.tenant_id.clone(),
        user: identity.user_id.clone(),
        name: identity.display_name.clone(),
        email: signed_in.email.clone().unwrap_or_default(),
        csrf: session::random_token(),
        consent_state: None,
        expires: session::now() + SESSION_SECS,
    };
    let cookie = admin.session_cookie(&session);
    with_cookie(
        with_cookie(Redirect::to("/admin").into_response(), clear_flow),
        cookie,
    )
}

/// The session of a form that may change something: signed in, the form's CSRF token,
/// and (when the browser says) sent from this cloud's own pages.
fn checked(
    state: &SharedState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(Session, Lang), Box<Response>> {
    let lang = lang(headers, &HashMap::new());
    let admin = admin(state);
    let forbidden = |text: &str| {
        Err(Box::new(page(
            StatusCode::FORBIDDEN,
            page::message(lang, "Kontakt", text, true),
        )))
    };
    let Some(session) = admin.keys.session(headers) else {
        return forbidden(match lang {
            Lang::En => {
                "You are not signed in (or your session has expired): nothing was changed. Please sign in again."
            }
            Lang::De => {
                "Sie sind nicht angemeldet (oder Ihre Sitzung ist abgelaufen): nichts wurde geändert. Bitte melden Sie sich erneut an."
            }
        });
    };
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let own = origin.is_none_or(|o| o.eq_ignore_ascii_case(&admin.client.base_url));
    let token = form.get("csrf").map(String::as_str).unwrap_or_default();
    if !own || !session::same_token(token, &session.csrf) {
        tracing::warn!(
            "an /admin form without this session's CSRF token or from another site was refused"
        );
        return forbidden(match lang {
            Lang::En => {
                "This form was not sent from your Kontakt admin page (its security token is missing or wrong): nothing was changed."
            }
            Lang::De => {
                "Dieses Formular wurde nicht von Ihrer Kontakt-Verwaltungsseite gesendet (sein Sicherheitstoken fehlt oder ist falsch): nichts wurde geändert."
            }
        });
    }
    Ok((session, lang))
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

async fn register(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (session, lang) = match checked(&state, &headers, &form) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let registry = &admin(&state).registry;
    let new = NewTenant {
        id: session.tenant.clone(),
        organisation: field(&form, "organisation").to_owned(),
        admin_name: field(&form, "name").to_owned(),
        admin_email: field(&form, "email").to_owned(),
    };
    match registry.register(&new, now_secs()).await {
        Ok(_) => {
            tracing::info!(tenant = %crate::settings::tenant_label(&session.tenant), "an organisation registered");
            apply_registry(&state).await;
            done("registered")
        }
        Err(RegistryError::AlreadyRegistered(_)) => done("registered"),
        Err(RegistryError::Field { field, problem }) => {
            let refused = Refused {
                form: &form,
                field,
                problem,
            };
            shown_with(&state, lang, &session, Problem::Refused(refused)).await
        }
        Err(e) => internal(lang, e),
    }
}

/// The administrator's page again, saying what kept a form from doing its work: a
/// message, or the form as sent with the value the registry refused marked.
async fn shown_with(
    state: &SharedState,
    lang: Lang,
    session: &Session,
    problem: Problem<'_>,
) -> Response {
    dashboard_or_form(state, lang, session, None, None, Some(problem)).await
}

async fn contact(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (session, lang) = match checked(&state, &headers, &form) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let registry = &admin(&state).registry;
    match registry
        .update_contact(
            &session.tenant,
            field(&form, "name"),
            field(&form, "email"),
            now_secs(),
        )
        .await
    {
        Ok(()) => done("contact"),
        Err(RegistryError::Field { field, problem }) => {
            let refused = Refused {
                form: &form,
                field,
                problem,
            };
            shown_with(&state, lang, &session, Problem::Refused(refused)).await
        }
        // Deleted meanwhile (from another window): the registration form says the rest.
        Err(RegistryError::UnknownTenant(_)) => {
            let text = match lang {
                Lang::En => "Your organisation is not registered (any more): nothing was saved.",
                Lang::De => {
                    "Ihre Organisation ist nicht (mehr) registriert: Nichts wurde gespeichert."
                }
            };
            shown_with(&state, lang, &session, Problem::Page(text)).await
        }
        Err(e) => internal(lang, e),
    }
}

/// Reads the registry again and closes the links that may no longer stay, on this node
/// at once (other nodes follow on PostgreSQL's change notice, or within
/// `tenants::RELOAD_EVERY`).
async fn apply_registry(state: &SharedState) {
    if state.tenants.reload().await.is_ok() {
        state.tenants.enforce(&state.links, now_secs());
    }
}

async fn codes(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (session, lang) = match checked(&state, &headers, &form) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let registry = &admin(&state).registry;
    // Codes only for a registered organisation.
    match registry.tenant(&session.tenant).await {
        Ok(Some(_)) => {}
        Ok(None) => return Redirect::to("/admin").into_response(),
        Err(e) => return internal(lang, e),
    }
    match registry.create_code(&session.tenant, now_secs()).await {
        Ok(code) => dashboard_or_form(&state, lang, &session, Some(&code), None, None).await,
        Err(e) => internal(lang, e),
    }
}

async fn revoke(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (session, lang) = match checked(&state, &headers, &form) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    let registry = &admin(&state).registry;
    // Only a directory of the session's own organisation: another's id is not found.
    match registry.revoke(&session.tenant, &id).await {
        Ok(true) => {
            tracing::info!(tenant = %crate::settings::tenant_label(&session.tenant), directory = %id, "a directory was revoked");
            apply_registry(&state).await;
            done("revoked")
        }
        Ok(false) => page(
            StatusCode::NOT_FOUND,
            page::message(
                lang,
                "Kontakt",
                match lang {
                    Lang::En => "Your organisation has no such directory: nothing was changed.",
                    Lang::De => {
                        "Ihre Organisation hat kein solches Verzeichnis: nichts wurde geändert."
                    }
                },
                true,
            ),
        ),
        Err(e) => internal(lang, e),
    }
}

async fn delete(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (session, lang) = match checked(&state, &headers, &form) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    if field(&form, "confirm") != "yes" {
        let text = match lang {
            Lang::En => "Tick the box to confirm the deletion: nothing was deleted.",
            Lang::De => {
                "Kreuzen Sie das Feld an, um das Löschen zu bestätigen: nichts wurde gelöscht."
            }
        };
        return shown_with(&state, lang, &session, Problem::Page(text)).await;
    }
    let registry = &admin(&state).registry;
    match registry.delete_tenant(&session.tenant, now_secs()).await {
        Ok(_) => {
            tracing::info!(
                tenant_hash = %crate::registry::tenant_hash(&session.tenant),
                "deleted everything of an organisation at its administrator's request"
            );
            apply_registry(&state).await;
            let admin = admin(&state);
            let response = page(
                StatusCode::OK,
                page::message(
                    lang,
                    match lang {
                        Lang::En => "Registration deleted",
                        Lang::De => "Registrierung gelöscht",
                    },
                    match lang {
                        Lang::En => {
                            "Everything we stored about your organisation is deleted, and its directories are disconnected. What remains is a record that a deletion happened: a hash of the tenant ID and the date."
                        }
                        Lang::De => {
                            "Alles, was wir über Ihre Organisation gespeichert hatten, ist gelöscht, und ihre Verzeichnisse sind getrennt. Es bleibt nur der Vermerk, dass gelöscht wurde: ein Hash der Tenant-ID und das Datum."
                        }
                    },
                    false,
                ),
            );
            with_cookie(response, admin.end_session())
        }
        Err(e) => internal(lang, e),
    }
}

async fn consent(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let admin = admin(&state);
    let Some(mut session) = admin.keys.session(&headers) else {
        return Redirect::to("/admin").into_response();
    };
    let consent_state = session::random_token();
    session.consent_state = Some(consent_state.clone());
    let target = admin.client.consent_url(&session.tenant, &consent_state);
    let cookie = admin.session_cookie(&session);
    with_cookie(Redirect::to(&target).into_response(), cookie)
}

async fn consent_callback(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang(&headers, &query);
    let admin = admin(&state);
    let Some(mut session) = admin.keys.session(&headers) else {
        return Redirect::to("/admin").into_response();
    };
    let expected = session.consent_state.take().unwrap_or_default();
    let returned = query.get("state").map(String::as_str).unwrap_or_default();
    let cookie = admin.session_cookie(&session);
    let error = |text: String| {
        with_cookie(
            page(
                StatusCode::BAD_REQUEST,
                page::message(lang, "Kontakt", &text, true),
            ),
            cookie.clone(),
        )
    };
    if expected.is_empty() || !session::same_token(returned, &expected) {
        return error(String::from(match lang {
            Lang::En => {
                "This consent answer does not belong to a consent you started here. Start it again from your organisation's page."
            }
            Lang::De => {
                "Diese Zustimmungsantwort gehört zu keiner Zustimmung, die Sie hier begonnen haben. Beginnen Sie sie erneut auf der Seite Ihrer Organisation."
            }
        }));
    }
    if let Some(e) = query.get("error") {
        let description = query.get("error_description").unwrap_or(e);
        return error(format!(
            "{} {description}",
            match lang {
                Lang::En => "Consent was not granted:",
                Lang::De => "Die Zustimmung wurde nicht erteilt:",
            }
        ));
    }
    // Microsoft: the callback's tenant alone proves nothing; it must be the signed-in
    // administrator's.
    let tenant = query
        .get("tenant")
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    if tenant != session.tenant || query.get("admin_consent").map(String::as_str) != Some("True") {
        tracing::warn!(
            "an admin consent answer for another organisation than the signed-in administrator's was refused"
        );
        return error(String::from(match lang {
            Lang::En => {
                "Consent was granted for another organisation than the one you are signed in for: it is not recorded."
            }
            Lang::De => {
                "Die Zustimmung wurde für eine andere Organisation erteilt als die, für die Sie angemeldet sind: sie wird nicht übernommen."
            }
        }));
    }
    with_cookie(done("consent"), cookie)
}

async fn sign_out(
    State(state): State<SharedState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = checked(&state, &headers, &form) {
        return *r;
    }
    let admin = admin(&state);
    with_cookie(Redirect::to("/admin").into_response(), admin.end_session())
}
