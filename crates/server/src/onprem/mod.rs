//! A tenant's directory as it answers: its sources and index ([`TenantDirectory`]), its
//! key, and what it does with a request — opened with its key, checked for replays, the
//! user's token validated here (not trusted to the cloud), then answered and sealed back.
//!
//! `kontakt directory` runs one of these and links it to the cloud ([`client`]);
//! `kontakt serve` runs one per tenant and links them in memory ([`LocalLink`]).

pub mod client;
pub mod enroll;
pub mod keys;
mod replay;
pub mod status;
pub mod usage;

use std::sync::{Arc, RwLock};
use std::time::Duration;

use kontakt_api::{
    Answer, Contact, DirectoryKey, Inner, MAX_LIMIT, MAX_QUERY_CHARS, MIN_LIMIT, Me, Op, Problem,
    SealedRequest, SearchResponse, SourceStatus,
};
use kontakt_directory::catalog::TenantDirectory;
use kontakt_directory::snapshot::SnapshotStore;
use prometheus_client::metrics::histogram::Histogram;
use tokio::sync::watch;

use crate::auth::{Identity, TokenValidator};
use crate::cache_key::CacheKeys;
use crate::limiter::RateLimiter;
use crate::link::{Admission, CallerAnswer, CallerAsk, Refusal};
use crate::problem::ApiError;
use crate::relay::{CallerRelaying, Link, Relayed, Relaying};
use crate::settings::TenantSettings;
use keys::{KeyFiles, Keys};
use kontakt_seal::SecretKey;
use replay::{ReplayGuard, Stale};

/// How often a running directory looks for a rotated key on disk.
const KEY_CHECK: Duration = Duration::from_secs(5);
/// How long a relay ticket lets the cloud relay a tab's requests. It grants nothing at the
/// directory (every request still carries a token checked here), so it may outlive tokens:
/// a tab signs in about once a working day.
const TICKET_LIFETIME: Duration = Duration::from_secs(10 * 3600);

pub struct Directory {
    /// The tenant id, lowercase.
    pub tenant: String,
    /// How the tenant appears in logs: a hash.
    pub label: String,
    pub catalog: Arc<TenantDirectory>,
    files: KeyFiles,
    keys: RwLock<Keys>,
    key_changes: watch::Sender<DirectoryKey>,
    validator: Arc<TokenValidator>,
    replay: ReplayGuard,
    /// Requests per user: the directory knows who asks, the cloud does not.
    limiter: Arc<RateLimiter>,
    cache_keys: Arc<CacheKeys>,
    demo: bool,
    search_seconds: Option<Histogram>,
    /// Anonymous counters for the cloud.
    usage: std::sync::Mutex<usage::Tally>,
    /// Caller ID, when configured: answers lookups the cloud relays (if it takes them).
    callerid: std::sync::OnceLock<crate::callerid::Shared>,
}

/// What a directory needs besides its tenant's settings.
pub struct Services {
    pub data_dir: std::path::PathBuf,
    pub startup_wait: Duration,
    pub validator: Arc<TokenValidator>,
    pub cache_keys: Arc<CacheKeys>,
    pub limiter: Arc<RateLimiter>,
    pub demo: bool,
    /// The throwaway demo's fixed, public key instead of one kept in the data folder.
    pub public_key: bool,
    pub search_seconds: Option<Histogram>,
}

/// One line per source at start: where its contacts come from (read now, or its snapshot
/// while it is read again), how many, and what was skipped — places and reasons only.
fn summarise_sources(label: &str, status: &[kontakt_api::SourceStatus], unread: &[usize]) {
    for (i, s) in status.iter().enumerate() {
        let from = match (unread.contains(&i), s.last_success.is_some()) {
            (true, true) => "read now",
            (true, false) => "not read yet",
            (false, _) => "its snapshot (read again in the background)",
        };
        if s.contacts == 0 && s.last_success.is_some() {
            tracing::warn!(tenant = %label, source = %s.id, kind = %s.kind, from, skipped = s.skipped, "source ready but holds no contacts: the right file, folder or filter?");
        } else if s.skipped == 0 {
            tracing::info!(tenant = %label, source = %s.id, kind = %s.kind, contacts = s.contacts, from, "source ready");
        } else {
            let first: Vec<String> = s.problems.iter().take(3).map(ToString::to_string).collect();
            tracing::info!(
                tenant = %label,
                source = %s.id,
                kind = %s.kind,
                contacts = s.contacts,
                from,
                skipped = s.skipped,
                first_skipped = %first.join("; "),
                "source ready"
            );
        }
    }
}

impl Directory {
    /// Serves the tenant's snapshots at once; sources without one are read before it
    /// answers (bounded by `startup_wait`), then all refresh in the background.
    pub async fn open(t: &TenantSettings, services: &Services) -> anyhow::Result<Arc<Self>> {
        let dialing = t
            .dialing
            .clone()
            .ok_or_else(|| anyhow::anyhow!("tenant {} has no dialling parameters", t.label))?;
        let store = SnapshotStore::new(&services.data_dir);
        let catalog = Arc::new(TenantDirectory::open(
            &t.label,
            &t.id,
            dialing,
            t.sources.clone(),
            store,
        )?);
        let unread = catalog.never_loaded();
        let first_loads = unread.iter().map(|&i| {
            let catalog = Arc::clone(&catalog);
            async move {
                let _ = catalog.refresh(i).await;
            }
        });
        if tokio::time::timeout(
            services.startup_wait,
            futures::future::join_all(first_loads),
        )
        .await
        .is_err()
        {
            tracing::warn!(tenant = %t.label, "some sources are still loading; serving what is there");
        }
        catalog.spawn_refreshers();
        let files = KeyFiles::new(&services.data_dir, &t.id);
        let keys = if services.public_key {
            keys::Keys::demo()
        } else {
            files.load_or_create()?
        };
        let (key_changes, _) = watch::channel(keys.document(&t.id));
        let contacts = catalog.directory().len();
        tracing::info!(
            tenant = %t.label,
            name = %t.name,
            contacts,
            key = %keys.current.public().fingerprint(),
            "tenant ready"
        );
        summarise_sources(&t.label, &catalog.status(), &unread);
        if contacts == 0 {
            tracing::warn!(
                tenant = %t.label,
                name = %t.name,
                "this organisation serves 0 contacts: its users find nobody (see the sources above)"
            );
        }
        let directory = Arc::new(Directory {
            tenant: t.id.clone(),
            label: t.label.clone(),
            catalog,
            files,
            keys: RwLock::new(keys),
            key_changes,
            validator: Arc::clone(&services.validator),
            replay: ReplayGuard::default(),
            limiter: Arc::clone(&services.limiter),
            cache_keys: Arc::clone(&services.cache_keys),
            demo: services.demo,
            search_seconds: services.search_seconds.clone(),
            usage: std::sync::Mutex::default(),
            callerid: std::sync::OnceLock::new(),
        });
        directory.watch_rotations();
        Ok(directory)
    }

    /// The key tabs seal to, with its endorsements.
    pub fn key(&self) -> DirectoryKey {
        self.keys.read().expect("poisoned").document(&self.tenant)
    }

    /// Tells when the key changes.
    pub fn key_changes(&self) -> watch::Receiver<DirectoryKey> {
        self.key_changes.subscribe()
    }

    /// Picks up a key `kontakt directory rotate-key` wrote, while the directory runs.
    fn watch_rotations(self: &Arc<Self>) {
        let weak = Arc::downgrade(self);
        let mut seen = self.files.modified();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(KEY_CHECK).await;
                let Some(this) = weak.upgrade() else { break };
                let now = this.files.modified();
                if now == seen {
                    continue;
                }
                seen = now;
                match this.files.load_or_create() {
                    Ok(keys) => {
                        let document = keys.document(&this.tenant);
                        tracing::info!(tenant = %this.label, key = %document.fingerprint, "directory key rotated");
                        *this.keys.write().expect("poisoned") = keys;
                        this.key_changes.send_replace(document);
                    }
                    Err(e) => {
                        tracing::error!(tenant = %this.label, error = %e, "the rotated key cannot be read; keeping the one in use")
                    }
                }
            }
        });
    }

    pub fn search(&self, q: &str, limit: u32) -> Result<SearchResponse, ApiError> {
        let started = std::time::Instant::now();
        let q = q.trim();
        check_search(q, limit)?;
        let results = self.catalog.directory().search(q, limit as usize);
        if let Some(h) = &self.search_seconds {
            h.observe(started.elapsed().as_secs_f64());
        }
        Ok(SearchResponse {
            query: q.to_owned(),
            total: results.total as u64,
            hits: results.hits,
        })
    }

    pub fn contact(&self, id: &str) -> Result<Contact, ApiError> {
        self.catalog.directory().get(id).ok_or_else(|| {
            ApiError::NotFound(format!("no contact with id {id:?} in your directory"))
        })
    }

    pub fn me(&self, caller: &Identity) -> Me {
        Me {
            tenant_id: caller.tenant_id.clone(),
            user_id: caller.user_id.clone(),
            display_name: caller.display_name.clone(),
            demo: self.demo,
            cache_key: self.cache_keys.for_user(&caller.tenant_id, &caller.user_id),
        }
    }

    pub fn sources(&self) -> Vec<SourceStatus> {
        self.catalog.status()
    }

    /// The usage reports to send the cloud now.
    pub fn usage_reports(&self) -> Vec<crate::link::ToCloud> {
        self.usage.lock().expect("poisoned").take()
    }

    /// Lets caller ID lookups relayed by the cloud be answered (or refused) by `callerid`.
    pub fn take_caller_lookups(&self, callerid: crate::callerid::Shared) {
        let _ = self.callerid.set(callerid);
    }

    /// A caller ID lookup relayed by the cloud: refused unless caller ID is configured here
    /// and takes lookups through the cloud.
    pub fn caller(&self, ask: &CallerAsk) -> CallerAnswer {
        match self.callerid.get() {
            Some(callerid) => callerid.relayed(&self.tenant, ask),
            None => CallerAnswer::NotRelayed,
        }
    }

    /// Answers a sealed request: the answer sealed to the tab that sent it (base64url), or
    /// why not, said in the clear because it says nothing about the request.
    pub async fn answer(
        &self,
        request: &SealedRequest,
        admission: Admission,
    ) -> Result<String, Refusal> {
        let secret = self
            .keys
            .read()
            .expect("poisoned")
            .for_fingerprint(&request.key)
            .cloned()
            .ok_or(Refusal::KeyChanged)?;
        let sealed = request.to_sealed().map_err(|_| Refusal::Malformed)?;
        let (plain, reply) = kontakt_seal::open_request(&secret, &self.tenant, &sealed)
            .map_err(|_| Refusal::Malformed)?;
        let answer = match serde_json::from_slice::<Inner>(&plain) {
            Ok(inner) => self.answer_inner(inner, admission, &secret).await?,
            Err(e) => Answer::Problem(problem(ApiError::BadRequest(format!(
                "the sealed request is not a request of this API: {e}"
            )))),
        };
        Ok(answer.seal(&reply, &mut |b| rand::fill(b)))
    }

    async fn answer_inner(
        &self,
        inner: Inner,
        admission: Admission,
        secret: &SecretKey,
    ) -> Result<Answer, Refusal> {
        let nonce = kontakt_seal::decode(&inner.nonce, "nonce").map_err(|_| Refusal::Malformed)?;
        if nonce.len() < 16 {
            return Err(Refusal::Malformed);
        }
        let now = crate::link::now_ms();
        if !replay::is_fresh(inner.sent_at_ms, now) {
            // The tab's clock is off (or this is an old request sent again): the answer says
            // only this directory's time, sealed, so a tab on a computer whose clock runs
            // wrong corrects itself and asks again.
            return Ok(Answer::Clock { now_ms: now });
        }
        // The directory checks the user itself: a cloud that is not trusted with the
        // contacts is not trusted to say who is asking either.
        let caller = match self.validator.validate(&inner.token).await {
            Ok(caller) => caller,
            Err(e) => {
                return Ok(Answer::Problem(problem(match e {
                    crate::auth::AuthError::KeysUnavailable => ApiError::Unavailable(e.to_string()),
                    e => ApiError::Unauthorized(e.to_string()),
                })));
            }
        };
        if caller.tenant_id != self.tenant {
            return Ok(Answer::Problem(problem(ApiError::UnknownTenant(
                caller.tenant_id,
            ))));
        }
        // Only now, for a user of this organisation, is the nonce remembered: strangers
        // cannot fill the memory of seen requests.
        if self.replay.check(&nonce, inner.sent_at_ms, now) == Err(Stale::Repeated) {
            return Err(Refusal::Replayed);
        }
        if admission == Admission::SignInOnly && inner.op != Op::SignIn {
            return Ok(Answer::Problem(problem(ApiError::Unauthorized(
                String::from("the request came without a relay ticket: sign in first"),
            ))));
        }
        if let Err(wait) = self
            .limiter
            .check((caller.tenant_id.clone(), caller.user_id.clone()))
        {
            return Ok(Answer::Problem(problem(ApiError::RateLimited(
                wait.as_secs() + 1,
            ))));
        }
        let counted = match &inner.op {
            Op::SignIn => usage::Counted::SignIn,
            Op::Search { .. } => usage::Counted::Search,
            Op::Contact { .. } => usage::Counted::Lookup,
        };
        let day = crate::registry::day_of((now / 1000) as i64);
        let user = usage::user_hash(&secret.to_bytes(), &day, &self.tenant, &caller.user_id);
        self.usage
            .lock()
            .expect("poisoned")
            .count(&day, counted, user);
        let result = match inner.op {
            Op::SignIn => Ok(Answer::SignedIn {
                me: self.me(&caller),
                ticket: secret.issue_ticket(
                    &self.tenant,
                    now + TICKET_LIFETIME.as_millis() as u64,
                    &mut |b| rand::fill(b),
                ),
            }),
            Op::Search { q, limit } => self.search(&q, limit).map(Answer::Search),
            Op::Contact { id } => self.contact(&id).map(|c| Answer::Contact(Box::new(c))),
        };
        Ok(result.unwrap_or_else(|e| Answer::Problem(problem(e))))
    }
}

/// The parameters of a search, whichever way it came.
pub fn check_search(q: &str, limit: u32) -> Result<(), ApiError> {
    let chars = q.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "q is {chars} characters long; at most {MAX_QUERY_CHARS} are allowed"
        )));
    }
    if !(MIN_LIMIT..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be a whole number from {MIN_LIMIT} to {MAX_LIMIT}, got \"{limit}\""
        )));
    }
    Ok(())
}

fn problem(e: ApiError) -> Problem {
    if let ApiError::Internal(cause) = &e {
        tracing::error!(error = %cause, "internal error");
    }
    Problem::new(e.code(), e.to_string())
}

/// The link of a directory in the same process (`kontakt serve`): the same answering code,
/// without a socket.
pub struct LocalLink(pub Arc<Directory>);

impl Link for LocalLink {
    fn relay(&self, request: SealedRequest, admission: Admission) -> Relaying {
        let directory = Arc::clone(&self.0);
        Box::pin(async move {
            Ok(match directory.answer(&request, admission).await {
                Ok(sealed) => Relayed::Answer(sealed),
                Err(reason) => Relayed::Refused(reason),
            })
        })
    }

    fn caller(&self, ask: CallerAsk) -> CallerRelaying {
        let answer = self.0.caller(&ask);
        Box::pin(async move { Ok(answer) })
    }
}
