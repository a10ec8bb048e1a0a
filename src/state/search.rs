//! Search as you type: one request in flight at a time, and never an older answer
//! painted over a newer one.
//!
//! Every keystroke starts a new *generation*. Starting one aborts the request of the
//! previous (dropping a reqwest future aborts its `fetch`), and an answer is only shown if
//! its generation is still the current one when it arrives.

use std::sync::Arc;

use futures::future::{AbortHandle, Abortable};
use kontakt_api::{DEFAULT_LIMIT, SearchHit, SearchResponse};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::infra::api::ApiError;
use crate::infra::session::{Session, StartError};

/// While the directory is offline, the current search is tried again this often.
pub const OFFLINE_RETRY: std::time::Duration = std::time::Duration::from_secs(3);

/// What went wrong, in the categories the user is told about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Offline,
    ServiceDown,
    SignedOut,
    /// The user's organisation is not registered with the service.
    NotRegistered,
    /// The organisation's directory is not linked to the cloud right now.
    DirectoryOffline,
    /// The organisation's subscription has ended; favourites stay on the device.
    SubscriptionEnded,
    /// The directory's key changed without a signature of the one pinned on this device.
    KeyRefused,
    ConsentNeeded,
    RateLimited,
    Other(String),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Offline => Failure::Offline,
            ApiError::Unavailable(_) => Failure::ServiceDown,
            ApiError::Unauthorized(_) | ApiError::TicketRefused => Failure::SignedOut,
            ApiError::NotRegistered(_) => Failure::NotRegistered,
            ApiError::DirectoryOffline => Failure::DirectoryOffline,
            ApiError::SubscriptionEnded => Failure::SubscriptionEnded,
            ApiError::KeyRefused(_) => Failure::KeyRefused,
            ApiError::KeyChanged => Failure::ServiceDown,
            ApiError::RateLimited => Failure::RateLimited,
            ApiError::NotFound => Failure::Other(e.to_string()),
            ApiError::Rejected(d) | ApiError::Unexpected(d) => Failure::Other(d),
        }
    }
}

impl From<StartError> for Failure {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Api(api) => api.into(),
            StartError::ConsentNeeded(_) => Failure::ConsentNeeded,
            StartError::SignIn(_) | StartError::NotInTeams | StartError::HostSilent => {
                Failure::SignedOut
            }
            // Only at start: the tab's second module could not be fetched.
            StartError::Incomplete => Failure::Offline,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    /// Nothing typed.
    Idle,
    /// A request for the current query is on its way; the last results stay visible.
    Loading,
    Ready,
    Failed(Failure),
}

/// The search state of one tab. `Copy`: every field is an arena handle.
#[derive(Clone, Copy)]
pub struct Search {
    pub query: RwSignal<String>,
    /// The answer on screen; kept while the next one loads, so the list does not jump.
    pub response: RwSignal<Option<Arc<SearchResponse>>>,
    pub phase: RwSignal<Phase>,
    generation: StoredValue<u64>,
    inflight: StoredValue<Option<AbortHandle>>,
    session: StoredValue<Session>,
}

impl Search {
    pub fn new(session: Session) -> Self {
        Search {
            query: RwSignal::new(String::new()),
            response: RwSignal::new(None),
            phase: RwSignal::new(Phase::Idle),
            generation: StoredValue::new(0),
            inflight: StoredValue::new(None),
            session: StoredValue::new(session),
        }
    }

    /// The user typed: show answers for `text`.
    pub fn set_query(&self, text: String) {
        self.query.set(text);
        self.run();
    }

    /// Asks again for the current query (after an error).
    pub fn retry(&self) {
        self.run();
    }

    pub fn clear(&self) {
        self.set_query(String::new());
    }

    /// Rows in the answer on screen.
    pub fn hit_count(&self) -> usize {
        self.response
            .with(|r| r.as_ref().map_or(0, |r| r.hits.len()))
    }

    /// Row `index` of the answer on screen.
    pub fn hit(&self, index: usize) -> Option<SearchHit> {
        self.response
            .with_untracked(|r| r.as_ref().and_then(|r| r.hits.get(index).cloned()))
    }

    fn run(&self) {
        let generation = self.generation.with_value(|g| g + 1);
        self.generation.set_value(generation);
        if let Some(previous) = self.inflight.try_update_value(Option::take).flatten() {
            previous.abort();
        }
        let query = self.query.get_untracked().trim().to_owned();
        if query.is_empty() {
            self.response.set(None);
            self.phase.set(Phase::Idle);
            return;
        }
        self.phase.set(Phase::Loading);
        let session = self.session.get_value();
        let (handle, registration) = AbortHandle::new_pair();
        self.inflight.set_value(Some(handle));
        let this = *self;
        spawn_local(async move {
            let request = Abortable::new(fetch(session, query), registration);
            let Ok(result) = request.await else {
                return; // aborted by a newer keystroke
            };
            if this.generation.try_get_value() != Some(generation) {
                return; // a newer query is on its way; this answer is stale
            }
            match result {
                Ok(response) => {
                    this.response.set(Some(Arc::new(response)));
                    this.phase.set(Phase::Ready);
                    crate::infra::perf::results_shown();
                }
                Err(Failure::DirectoryOffline) => {
                    this.phase.set(Phase::Failed(Failure::DirectoryOffline));
                    // Searching resumes by itself when the directory is back.
                    crate::infra::browser::sleep(OFFLINE_RETRY).await;
                    if this.generation.try_get_value() == Some(generation) {
                        this.run();
                    }
                }
                Err(failure) => this.phase.set(Phase::Failed(failure)),
            }
        });
    }
}

async fn fetch(session: Session, query: String) -> Result<SearchResponse, Failure> {
    let token = session.token().await?;
    match session
        .directory
        .search(&token, &query, DEFAULT_LIMIT)
        .await
    {
        // A token can be revoked or expire early: renew once before giving up.
        Err(ApiError::Unauthorized(_)) => {
            session.forget_token();
            let token = session.token().await?;
            Ok(session
                .directory
                .search(&token, &query, DEFAULT_LIMIT)
                .await?)
        }
        other => Ok(other?),
    }
}
