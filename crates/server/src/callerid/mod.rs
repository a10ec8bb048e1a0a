//! Caller ID for phone systems (Session Border Controllers): who is calling, answered from
//! the same directory, on a listener of its own inside the customer's network — nothing
//! goes through the cloud. Each protocol is one file; what they share is here: who may ask
//! (an address allow-list, Basic credentials per SBC, a rate per credential) and the
//! lookup. Calling numbers are personal data: they are never logged, and the metrics
//! count lookups and hits only. `docs/callerid.md` explains the setup.
//!
//! For SBCs outside the customer's network the cloud answers the same REST protocols and
//! relays each lookup over the tenant's link ([`relayed`]), if the directory takes them.

mod anynode;
mod audiocodes;
pub mod ldap;
mod lookup;
pub mod relayed;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use kontakt_api::{Problem, ProblemCode};
use kontakt_directory::callerid::{Caller, NumberHabits};
use kontakt_directory::catalog::TenantDirectory;
use prometheus_client::metrics::counter::Counter;
use sha2::{Digest, Sha256};

use crate::limiter::RateLimiter;
use crate::link::{CallerAnswer, CallerAsk};
use crate::problem::problem;
use crate::settings::{CallerIdSettings, Network};

/// Largest request body: an anynode lookup is a few hundred bytes.
const MAX_BODY: usize = 8 * 1024;

pub struct CallerId {
    /// The tenants' directories, by lowercase tenant id.
    directories: HashMap<String, Arc<TenantDirectory>>,
    clients: Vec<Client>,
    allow: Vec<Network>,
    habits: NumberHabits,
    limiter: Arc<RateLimiter<String>>,
    /// Per process: credentials are kept as salted hashes only.
    salt: [u8; 16],
    /// Lookups relayed by the cloud are answered (`[callerid] relay`).
    relay: bool,
    /// Counted on `/metrics` where the process has one (`kontakt serve`).
    pub lookups: Counter,
    pub hits: Counter,
}

struct Client {
    user: String,
    tenant: String,
    hash: [u8; 32],
}

pub type Shared = Arc<CallerId>;

/// Who asks, as admitted: each protocol's handler asks it for the caller.
#[derive(Clone)]
enum Asker {
    /// Admitted by this listener, for the tenant whose directory answers.
    Here { callerid: Shared, tenant: String },
    /// Asked the cloud: the tenant's directory checks the credentials and answers.
    Relayed {
        links: Arc<crate::relay::Links>,
        tenant: String,
        ask: CallerAsk,
    },
}

/// Why there is no answer to give.
enum NoAnswer {
    /// Refused (credentials, rate): the phone system's configuration needs fixing.
    Refused(Response),
    /// The tenant's directory could not be asked: the call goes on without a name.
    Unavailable(Response),
}

impl Asker {
    /// Who calls from `number`, as sent.
    async fn caller(&self, number: &str) -> Result<Option<Caller>, NoAnswer> {
        match self {
            Asker::Here { callerid, tenant } => Ok(callerid.caller(tenant, number)),
            Asker::Relayed { links, tenant, ask } => {
                let ask = CallerAsk {
                    number: number.to_owned(),
                    ..ask.clone()
                };
                relayed::ask(links, tenant, ask).await
            }
        }
    }
}

impl CallerId {
    /// `counters`: lookups and hits, as registered for `/metrics`.
    pub fn new(
        settings: &CallerIdSettings,
        directories: HashMap<String, Arc<TenantDirectory>>,
        counters: (Counter, Counter),
    ) -> Shared {
        let salt: [u8; 16] = rand::random();
        let clients = settings
            .clients
            .iter()
            .map(|c| Client {
                user: c.user.clone(),
                tenant: c.tenant.clone(),
                hash: hash(&salt, &c.user, &c.password),
            })
            .collect();
        Arc::new(CallerId {
            directories,
            clients,
            allow: settings.allow.clone(),
            habits: NumberHabits {
                plus_stripped: settings.plus_stripped,
            },
            limiter: RateLimiter::new(settings.lookups_per_second, settings.lookups_per_second)
                .pruned_while_alive(),
            salt,
            relay: settings.relay,
            lookups: counters.0,
            hits: counters.1,
        })
    }

    fn allowed(&self, ip: IpAddr) -> bool {
        self.allow.is_empty() || self.allow.iter().any(|n| n.contains(ip))
    }

    /// The client with this user and password; every client is compared, so the time
    /// taken says nothing about which user names exist.
    fn check(&self, user: &str, password: &str) -> Option<&Client> {
        let presented = hash(&self.salt, user, password);
        let mut found = None;
        for client in &self.clients {
            if crate::link::same_secret(&client.hash, &presented) {
                found = Some(client);
            }
        }
        found
    }

    /// The client whose Basic credentials `headers` carry.
    fn authenticate(&self, headers: &HeaderMap) -> Option<&Client> {
        let (user, password) = basic_credentials(headers)?;
        self.check(&user, &password)
    }

    /// A lookup the cloud relayed for `tenant`: the credentials and rate checked as on the
    /// listener (the address cannot be: the cloud's is all there is to see).
    pub fn relayed(&self, tenant: &str, ask: &CallerAsk) -> CallerAnswer {
        if !self.relay {
            return CallerAnswer::NotRelayed;
        }
        let Some(client) = self
            .check(&ask.user, &ask.password)
            .filter(|c| c.tenant == tenant)
        else {
            return CallerAnswer::Unauthorized;
        };
        if let Err(wait) = self.limiter.check(client.user.clone()) {
            return CallerAnswer::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            };
        }
        match self.caller(tenant, &ask.number) {
            Some(caller) => CallerAnswer::Found(caller),
            None => CallerAnswer::NotFound,
        }
    }

    /// Who calls from `number` for `tenant`; counted, never logged.
    fn caller(&self, tenant: &str, number: &str) -> Option<Caller> {
        self.lookups.inc();
        let caller = self.directories.get(tenant)?.caller(number, self.habits);
        if caller.is_some() {
            self.hits.inc();
        }
        caller
    }
}

/// The user and password of a Basic `Authorization` header.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// User and password hashed together, so one comparison checks both.
fn hash(salt: &[u8], user: &str, password: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update((user.len() as u64).to_be_bytes());
    h.update(user.as_bytes());
    h.update(password.as_bytes());
    h.finalize().into()
}

/// What the phone shows: the name, and the company when it adds something.
pub fn shown(caller: &Caller) -> String {
    match &caller.company {
        Some(company) if !caller.display_name.eq_ignore_ascii_case(company) => {
            format!("{} · {company}", caller.display_name)
        }
        _ => caller.display_name.clone(),
    }
}

/// The REST protocols under `prefix`, for an admission layer to put an [`Asker`] on each
/// request.
fn protocols<S: Clone + Send + Sync + 'static>(prefix: &str) -> Router<S> {
    Router::new()
        .route(&format!("{prefix}/anynode"), post(anynode::lookup))
        .route(
            &format!("{prefix}/audiocodes/{{number}}"),
            get(audiocodes::lookup),
        )
        .route(&format!("{prefix}/lookup"), get(lookup::lookup))
}

/// Every caller ID route of the listener, over `state`.
pub fn router(state: Shared) -> Router {
    protocols("/callerid/v1")
        .fallback(|| async {
            refusal(
                ProblemCode::NotFound,
                404,
                "no such caller ID route (see docs/callerid.md)",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), admit))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Address, credentials, rate — in that order, each refused with a problem that says nothing
/// about any number.
async fn admit(
    State(state): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    if !state.allowed(peer.ip()) {
        return refusal(
            ProblemCode::Unauthorized,
            403,
            "this address may not ask for caller ID (callerid.allow)",
        );
    }
    let Some(client) = state.authenticate(request.headers()) else {
        return unauthorized(
            "caller ID needs the Basic credentials configured for this phone system",
        );
    };
    if let Err(wait) = state.limiter.check(client.user.clone()) {
        return too_many(wait.as_secs().max(1));
    }
    let asker = Asker::Here {
        tenant: client.tenant.clone(),
        callerid: Arc::clone(&state),
    };
    request.extensions_mut().insert(asker);
    next.run(request).await
}

/// `401` asking for Basic credentials.
fn unauthorized(detail: &str) -> Response {
    let mut response = refusal(ProblemCode::Unauthorized, 401, detail);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"Kontakt caller ID\", charset=\"UTF-8\""),
    );
    response
}

/// `429` with when to try again.
fn too_many(secs: u64) -> Response {
    let mut response = refusal(
        ProblemCode::RateLimited,
        429,
        &format!("too many lookups; try again in {secs} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// A problem answer with `status`.
fn refusal(code: ProblemCode, status: u16, detail: &str) -> Response {
    let mut body = Problem::new(code, detail.to_owned());
    body.status = status;
    if status == 403 {
        body.title = String::from("Forbidden");
    }
    problem(body).into_response()
}

/// Serves caller ID on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(crate::shutdown_signal())
    .await
}

#[cfg(test)]
mod tests;
