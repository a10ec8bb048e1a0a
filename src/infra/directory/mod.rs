//! The company directory, reached through the cloud: every request sealed to the
//! directory's key, every answer opened here. The cloud in between reads neither.

mod pin;
mod sealer;

pub use pin::KeyRefused;

use std::sync::{Arc, Mutex};

use kontakt_api::{Answer, Contact, Me, Op, SearchResponse};

use super::api::{Api, ApiError};
use sealer::Sealer;

/// The user's company directory, with the key pinned on this device.
#[derive(Clone)]
pub struct Directory {
    api: Api,
    sealer: Sealer,
    tenant: String,
    user: String,
    /// The relay ticket the directory gave at sign-in: what the cloud relays on.
    ticket: Arc<Mutex<Option<String>>>,
}

impl Directory {
    /// Fetches the directory's key and checks it against this device's pin.
    pub async fn connect(api: &Api, token: &str) -> Result<Directory, ApiError> {
        let (tenant, user) = ids_of(token);
        let offered = api.directory_key(&tenant).await?;
        let key = pin::accept(&tenant, &user, &offered).await?;
        Ok(Directory {
            api: api.clone(),
            sealer: Sealer::new(&tenant, key),
            tenant,
            user,
            ticket: Arc::new(Mutex::new(None)),
        })
    }

    /// Signs in to the directory: who the user is, and a new relay ticket.
    pub async fn sign_in(&self, token: &str) -> Result<Me, ApiError> {
        *self.ticket.lock().expect("single-threaded") = None;
        match self.ask(token, Op::SignIn).await? {
            Answer::SignedIn { me, ticket } => {
                *self.ticket.lock().expect("single-threaded") = Some(ticket);
                Ok(me)
            }
            other => Err(unexpected(&other)),
        }
    }

    /// The fingerprint of the key requests are sealed to (the "This device" panel).
    pub fn fingerprint(&self) -> String {
        self.sealer.fingerprint()
    }

    /// Forgets the key pinned for this user (wiping the device); the next start pins the
    /// key it is offered then, as on a new device.
    pub fn forget_pin(&self) {
        pin::forget(&self.tenant, &self.user);
    }

    pub async fn search(
        &self,
        token: &str,
        q: &str,
        limit: u32,
    ) -> Result<SearchResponse, ApiError> {
        let op = Op::Search {
            q: q.to_owned(),
            limit,
        };
        match self.ask(token, op).await? {
            Answer::Search(response) => Ok(response),
            other => Err(unexpected(&other)),
        }
    }

    pub async fn contact(&self, token: &str, id: &str) -> Result<Contact, ApiError> {
        match self.ask(token, Op::Contact { id: id.to_owned() }).await? {
            Answer::Contact(contact) => Ok(*contact),
            other => Err(unexpected(&other)),
        }
    }

    /// Seals `op`, relays it and opens the answer. Each way an answer can go stale is
    /// mended once: a clock the directory disagrees with is corrected, a key changed since
    /// (rotated) is fetched and followed, an instance lost on the way is tried once more,
    /// and a ticket the cloud no longer takes is renewed by signing in again. One loop with
    /// one await of the request, so the tab carries one copy of that future's code.
    async fn ask(&self, token: &str, op: Op) -> Result<Answer, ApiError> {
        let (mut clock, mut key, mut offline, mut ticket) = (false, false, false, false);
        loop {
            match self.ask_sealed(token, &op).await {
                Ok(Answer::Clock { now_ms }) if !clock => {
                    clock = true;
                    self.sealer.set_directory_time(now_ms);
                }
                Ok(Answer::Clock { .. }) => {
                    return Err(ApiError::Unexpected(String::from(
                        "the directory refused this computer's clock twice",
                    )));
                }
                Err(ApiError::TicketRefused) if op != Op::SignIn && !ticket => {
                    ticket = true;
                    Box::pin(self.sign_in(token)).await?;
                }
                Err(ApiError::KeyChanged) if !key => {
                    key = true;
                    let offered = self.api.directory_key(&self.tenant).await?;
                    self.sealer
                        .replace(pin::accept(&self.tenant, &self.user, &offered).await?);
                }
                Err(ApiError::DirectoryOffline) if !offline => offline = true,
                other => return other,
            }
        }
    }

    async fn ask_sealed(&self, token: &str, op: &Op) -> Result<Answer, ApiError> {
        let sealed = self.sealer.seal(token, op.clone());
        let ticket = self.ticket.lock().expect("single-threaded").clone();
        let answer = self
            .api
            .sealed(&self.tenant, ticket.as_deref(), &sealed.body)
            .await?;
        match sealed.open(&answer) {
            Some(Answer::Problem(problem)) => {
                Err(ApiError::of_problem(Some(&problem), problem.status))
            }
            Some(answer) => Ok(answer),
            None => Err(ApiError::Unexpected(String::from(
                "the answer does not open with this request's key",
            ))),
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
impl Directory {
    /// A directory that nothing is sent to unless a test makes a view do so.
    pub fn for_tests() -> Directory {
        let key = kontakt_seal::SecretKey::generate(&mut sealer::random).public();
        Directory {
            api: Api::same_origin(),
            sealer: Sealer::new("test-tenant", key),
            tenant: String::from("test-tenant"),
            user: String::from("test-user"),
            ticket: Arc::new(Mutex::new(None)),
        }
    }
}

fn unexpected(answer: &Answer) -> ApiError {
    let kind = match answer {
        Answer::Search(_) => "search results",
        Answer::Contact(_) => "a contact",
        Answer::SignedIn { .. } => "the caller",
        Answer::Problem(_) => "a problem",
        Answer::Clock { .. } => "its clock",
    };
    ApiError::Unexpected(format!("the directory answered with {kind}"))
}

/// `tid` and `oid` of a token, read from its payload (the directory checks it; here it only
/// names whose pin to use).
fn ids_of(token: &str) -> (String, String) {
    let claims = super::session::claims_of(token).unwrap_or_default();
    (
        claims.tid.to_ascii_lowercase(),
        claims.oid.to_ascii_lowercase(),
    )
}
