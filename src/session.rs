//! Where the tab runs and who the user is: inside Teams with an SSO token, or in a plain
//! browser against a demo service with a demo token.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kontakt_api::Me;

use crate::api::{Api, ApiError};
use crate::teams::{self, Context, TeamsError};

/// How long `app.initialize()` may take when the tab is framed by something that might
/// not be Teams. Real hosts answer in well under a second.
const HOST_TIMEOUT: Duration = Duration::from_secs(5);
/// Renew tokens this long before they expire, so no request races the expiry.
const RENEW_BEFORE_SECS: f64 = 300.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Host {
    Teams,
    Browser,
}

/// Why the tab could not start, as the user is told.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// Outside Teams, against a service that is not in demo mode.
    #[error("open Kontakt in Microsoft Teams")]
    NotInTeams,
    /// Teams needs the user's consent before it hands out a token.
    #[error("consent needed: {0}")]
    ConsentNeeded(TeamsError),
    #[error("sign-in failed: {0}")]
    SignIn(String),
    #[error(transparent)]
    Api(#[from] ApiError),
}

#[derive(Clone)]
enum TokenSource {
    Teams,
    Demo,
}

/// The signed-in user's connection to the service. Cheap to clone.
#[derive(Clone)]
pub struct Session {
    pub host: Host,
    pub context: Context,
    pub me: Me,
    /// The service runs in demo mode (generated directory, demo tokens).
    pub demo: bool,
    pub api: Api,
    source: TokenSource,
    cached: Arc<Mutex<Option<(String, f64)>>>,
}

impl Session {
    /// Finds the host, signs in and asks the service who we are.
    pub async fn start() -> Result<Session, StartError> {
        let api = Api::same_origin();
        let in_teams = teams::has_possible_host() && teams::initialize(HOST_TIMEOUT).await.is_ok();
        let (host, context, source, first) = if in_teams {
            let context = teams::context().await.unwrap_or_default();
            let token = teams_token().await?;
            (Host::Teams, context, TokenSource::Teams, token)
        } else {
            let token = api.demo_token().await?.ok_or(StartError::NotInTeams)?;
            (
                Host::Browser,
                Context::default(),
                TokenSource::Demo,
                token.token,
            )
        };
        let me = api.me(&first).await?;
        let expires = expiry_of(&first);
        Ok(Session {
            host,
            context,
            demo: me.demo,
            me,
            api,
            source,
            cached: Arc::new(Mutex::new(Some((first, expires)))),
        })
    }

    /// A token that is valid for a while yet.
    pub async fn token(&self) -> Result<String, StartError> {
        let now = js_sys::Date::now() / 1000.0;
        if let Some((token, expires)) = self.cached.lock().expect("single-threaded").clone()
            && expires - now > RENEW_BEFORE_SECS
        {
            return Ok(token);
        }
        let token = match self.source {
            TokenSource::Teams => teams_token().await?,
            TokenSource::Demo => {
                self.api
                    .demo_token()
                    .await?
                    .ok_or(StartError::NotInTeams)?
                    .token
            }
        };
        *self.cached.lock().expect("single-threaded") = Some((token.clone(), expiry_of(&token)));
        Ok(token)
    }

    /// Forgets the cached token, e.g. after the service refused it.
    pub fn forget_token(&self) {
        *self.cached.lock().expect("single-threaded") = None;
    }
}

/// Silent SSO first; if Teams needs consent, ask again interactively.
async fn teams_token() -> Result<String, StartError> {
    match teams::auth_token(true).await {
        Ok(token) => Ok(token),
        Err(e) if e.is("resourceRequiresConsent") => teams::auth_token(false)
            .await
            .map_err(StartError::ConsentNeeded),
        Err(e) => Err(StartError::SignIn(e.message)),
    }
}

/// `exp` of a JWT in seconds since the epoch; 0 when unreadable (forces a renewal).
fn expiry_of(token: &str) -> f64 {
    let payload = token.split('.').nth(1).unwrap_or("");
    let standard: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    let padded = format!("{standard}{}", "=".repeat((4 - standard.len() % 4) % 4));
    web_sys::window()
        .and_then(|w| w.atob(&padded).ok())
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .and_then(|claims| claims.get("exp").and_then(serde_json::Value::as_f64))
        .unwrap_or(0.0)
}
