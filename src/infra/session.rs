//! Where the tab runs and who the user is: inside Teams with an SSO token, or in a plain
//! browser against a demo service with a demo token.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kontakt_api::Me;

use crate::infra::api::{Api, ApiError};
use crate::infra::directory::Directory;
use crate::infra::teams::{self, Context, TeamsError};

/// How long `app.initialize()` may take when the tab is framed by something that might
/// not be Teams. Real hosts answer in well under a second.
const HOST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long to wait when the manifest's `?inTeams=1` says Teams loaded the tab: a slow
/// client on a slow network must not be mistaken for a plain browser.
const HINTED_HOST_TIMEOUT: Duration = Duration::from_secs(15);
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
    /// Teams loaded the tab (the manifest's `?inTeams=1`) but never answered.
    #[error("Microsoft Teams did not answer")]
    HostSilent,
    /// Teams needs the user's consent before it hands out a token.
    #[error("consent needed: {0}")]
    ConsentNeeded(TeamsError),
    #[error("sign-in failed: {0}")]
    SignIn(String),
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The second part of the tab's code (everything after signing in) did not load.
    #[error("the tab could not be loaded completely")]
    Incomplete,
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
    /// The company directory, reached sealed through the cloud.
    pub directory: Directory,
    source: TokenSource,
    cached: Arc<Mutex<Option<(String, f64)>>>,
}

/// Where the tab runs, known before anyone is signed in: enough to pick the language and
/// theme even when signing in then fails.
#[derive(Clone)]
pub struct Connection {
    pub host: Host,
    pub context: Context,
    api: Api,
    /// Framed with the in-Teams hint, yet Teams did not answer.
    host_silent: bool,
}

impl Connection {
    /// Finds the host: Teams if something frames or opened the tab and answers as Teams.
    pub async fn open() -> Connection {
        let hinted = teams::launched_by_teams();
        let framed = teams::has_possible_host();
        let timeout = if hinted {
            HINTED_HOST_TIMEOUT
        } else {
            HOST_TIMEOUT
        };
        let in_teams = framed && teams::initialize(timeout).await.is_ok();
        let (host, context) = if in_teams {
            (Host::Teams, teams::context().await.unwrap_or_default())
        } else {
            (Host::Browser, Context::default())
        };
        Connection {
            host,
            context,
            api: Api::same_origin(),
            host_silent: hinted && framed && !in_teams,
        }
    }

    /// Signs in (Teams SSO, or a demo token outside Teams) and asks the service who we are.
    pub async fn sign_in(&self) -> Result<Session, StartError> {
        if self.host_silent {
            return Err(StartError::HostSilent);
        }
        let (source, first) = match self.host {
            Host::Teams => (TokenSource::Teams, teams_token().await?),
            Host::Browser => {
                let token = self.api.demo_token().await?.ok_or(StartError::NotInTeams)?;
                (TokenSource::Demo, token.token)
            }
        };
        let directory = Directory::connect(&self.api, &first).await?;
        let me = directory.sign_in(&first).await?;
        let expires = expiry_of(&first);
        Ok(Session {
            host: self.host,
            context: self.context.clone(),
            demo: me.demo,
            me,
            api: self.api.clone(),
            directory,
            source,
            cached: Arc::new(Mutex::new(Some((first, expires)))),
        })
    }
}

impl Session {
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

/// What the tab reads from its own token, unchecked (the directory checks it): whose key
/// pin to use, and when to renew it. A typed struct rather than a JSON value keeps
/// `serde_json::Value` out of the bundle.
#[derive(Default, serde::Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub tid: String,
    #[serde(default)]
    pub oid: String,
    #[serde(default)]
    pub exp: f64,
}

/// The claims of a JWT, read without checking it.
pub fn claims_of(token: &str) -> Option<Claims> {
    let payload = kontakt_seal::decode(token.split('.').nth(1)?, "token").ok()?;
    serde_json::from_slice(&payload).ok()
}

/// `exp` of a JWT in seconds since the epoch; 0 when unreadable (forces a renewal).
fn expiry_of(token: &str) -> f64 {
    claims_of(token).map_or(0.0, |claims| claims.exp)
}

#[cfg(all(test, target_arch = "wasm32"))]
impl Session {
    /// A signed-in session for component tests: views can be rendered from it; nothing is
    /// sent anywhere unless a test makes a view do so.
    pub fn for_tests(context: Context) -> Session {
        Session {
            host: Host::Teams,
            context,
            me: Me {
                tenant_id: "6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34".into(),
                user_id: "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6".into(),
                display_name: "Test User".into(),
                demo: false,
                cache_key: "q0TBrmUEAh2nFyXNzKZxn4jP1pL7m0e3cQx6yWbJ8sE".into(),
            },
            demo: false,
            api: Api::same_origin(),
            directory: Directory::for_tests(),
            source: TokenSource::Demo,
            cached: Arc::new(Mutex::new(Some((String::from("test"), f64::MAX)))),
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn jwt(payload: &str) -> String {
        let encoded = web_sys::window().unwrap().btoa(payload).unwrap();
        let url_safe: String = encoded
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        format!("eyJhbGciOiJSUzI1NiJ9.{url_safe}.c2ln")
    }

    #[wasm_bindgen_test]
    fn token_expiry_is_read_from_the_payload_and_unreadable_means_renew() {
        assert_eq!(
            expiry_of(&jwt(r#"{"exp":1893456000,"name":"?>?"}"#)),
            1_893_456_000.0
        );
        assert_eq!(expiry_of(&jwt(r#"{"name":"no exp"}"#)), 0.0);
        assert_eq!(expiry_of("not a token"), 0.0);
        assert_eq!(expiry_of("a.%%%.c"), 0.0);
    }
}
