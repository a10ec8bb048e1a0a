//! Caller ID through the cloud, for phone systems hosted outside the customer's network:
//! the same REST protocols under `/callerid/v1/tenants/{tenant}/…` on the cloud's public
//! address, each lookup relayed over the tenant's link to its directory, which checks the
//! credentials (the cloud holds none) and answers — if it takes lookups through the cloud
//! at all (`[callerid] relay = true`; off by default).
//!
//! Unlike a search, a phone system cannot seal its request: the number and the name found
//! pass through the cloud's memory. They are never stored and never logged (the access
//! log names the route template only); `docs/callerid.md` says so plainly.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::any;
use kontakt_api::ProblemCode;
use kontakt_directory::callerid::{Caller, MAX_NUMBER_BYTES};

use super::{
    Asker, MAX_BODY, NoAnswer, basic_credentials, protocols, refusal, too_many, unauthorized,
};
use crate::limiter::RateLimiter;
use crate::link::{CallerAnswer, CallerAsk};
use crate::relay::{Links, RelayError};
use crate::state::SharedState;
use crate::tenants::now_secs;

/// Where the relayed protocols are: `{tenant}` is the organisation's tenant id.
pub const PREFIX: &str = "/callerid/v1/tenants/{tenant}";
/// What a refused phone system is told: its credentials are the directory's to check.
const DIRECTORY_CHECKS: &str = "caller ID needs the Basic credentials configured for this phone system in the organisation's directory";
/// A phone system waits briefly for a name before it lets the call ring without one.
const DEADLINE: Duration = Duration::from_secs(3);
/// Longest user name plus password relayed: a frame the directory refuses as too big
/// would cost the tenant its link, so nothing near its limit is sent.
const MAX_CREDENTIALS: usize = 1024;

#[derive(Clone)]
struct Relay {
    app: SharedState,
    limiter: Arc<RateLimiter<String>>,
}

/// The relayed protocols, over the cloud's `state`.
pub fn router(state: &SharedState) -> Router<SharedState> {
    // Per tenant, whoever asks (`[limits] caller_lookups_per_second`): credentials are
    // checked at the directory, so this keeps floods of unchecked requests off the link.
    let rate = state.limits.caller_lookups_per_second;
    let relay = Relay {
        app: state.clone(),
        limiter: RateLimiter::new(rate, rate).pruned_while_alive(),
    };
    protocols::<SharedState>(PREFIX)
        .layer(middleware::from_fn_with_state(relay, admit))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route(
            "/callerid/{*rest}",
            any(|| async {
                refusal(
                    ProblemCode::NotFound,
                    404,
                    "no such caller ID route: through the cloud, caller ID is under /callerid/v1/tenants/{tenant}/ (see docs/callerid.md)",
                )
            }),
        )
}

/// A tenant the cloud serves, Basic credentials present, the tenant's rate kept: then the
/// directory decides.
async fn admit(
    State(relay): State<Relay>,
    Path(path): Path<std::collections::HashMap<String, String>>,
    mut request: Request,
    next: Next,
) -> Response {
    let tenant = path
        .get("tenant")
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default();
    if relay
        .app
        .tenants
        .get(&tenant)
        .is_none_or(|t| t.ended(now_secs()))
    {
        return refusal(
            ProblemCode::NotFound,
            404,
            "no organisation with this tenant id is served here",
        );
    }
    let Some((user, password)) = basic_credentials(request.headers())
        .filter(|(user, password)| user.len() + password.len() <= MAX_CREDENTIALS)
    else {
        return unauthorized(DIRECTORY_CHECKS);
    };
    if let Err(wait) = relay.limiter.check(tenant.clone()) {
        return too_many(wait.as_secs().max(1));
    }
    let asker = Asker::Relayed {
        links: Arc::clone(&relay.app.links),
        tenant,
        ask: CallerAsk {
            user,
            password,
            number: String::new(),
        },
    };
    request.extensions_mut().insert(asker);
    next.run(request).await
}

/// Asks one of `tenant`'s directories over its link.
pub(super) async fn ask(
    links: &Links,
    tenant: &str,
    ask: CallerAsk,
) -> Result<Option<Caller>, NoAnswer> {
    // No number is this long; not relayed, so no request can make a frame too big.
    if ask.number.len() > MAX_NUMBER_BYTES {
        return Ok(None);
    }
    match links.caller(tenant, ask, DEADLINE).await {
        Ok(CallerAnswer::Found(caller)) => Ok(Some(caller)),
        Ok(CallerAnswer::NotFound) => Ok(None),
        Ok(CallerAnswer::Unauthorized) => Err(NoAnswer::Refused(unauthorized(DIRECTORY_CHECKS))),
        Ok(CallerAnswer::RateLimited { retry_after_secs }) => {
            Err(NoAnswer::Refused(too_many(retry_after_secs)))
        }
        Ok(CallerAnswer::NotRelayed) => Err(NoAnswer::Refused(refusal(
            ProblemCode::Unauthorized,
            403,
            "this organisation's directory does not take caller ID through the cloud ([callerid] relay = true switches it on)",
        ))),
        Err(RelayError::Offline | RelayError::KeyChanged) => {
            Err(NoAnswer::Unavailable(unavailable(
                ProblemCode::DirectoryOffline,
                "the organisation's directory is not connected",
            )))
        }
        Err(RelayError::Timeout) => Err(NoAnswer::Unavailable(unavailable(
            ProblemCode::Unavailable,
            "the organisation's directory did not answer in time",
        ))),
    }
}

fn unavailable(code: ProblemCode, detail: &str) -> Response {
    let mut response = refusal(code, 503, detail);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(5));
    response
}
