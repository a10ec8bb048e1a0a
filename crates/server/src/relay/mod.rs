//! The cloud's side of the links: which directories are linked for which tenant right now,
//! which key each holds, and relaying a sealed request to one of them.
//!
//! A link is anything that answers sealed requests: a directory's WebSocket ([`ws`]), or —
//! in `kontakt serve` — the tenant's directory in the same process. The relay never opens
//! what it passes on.

pub mod tickets;
pub mod ws;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use kontakt_api::{DirectoryKey, SealedRequest};
use kontakt_seal::PublicKey;

use crate::link::{Admission, CallerAnswer, CallerAsk, Refusal};

/// What a directory made of a request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relayed {
    /// The sealed answer, base64url.
    Answer(String),
    Refused(Refusal),
}

/// The link went away before the answer came.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkGone;

pub type Relaying = Pin<Box<dyn Future<Output = Result<Relayed, LinkGone>> + Send>>;
pub type CallerRelaying = Pin<Box<dyn Future<Output = Result<CallerAnswer, LinkGone>> + Send>>;

/// One linked directory instance.
pub trait Link: Send + Sync {
    fn relay(&self, request: SealedRequest, admission: Admission) -> Relaying;
    /// A phone system's caller ID lookup, for directories that take them through the cloud.
    fn caller(&self, ask: CallerAsk) -> CallerRelaying;
}

/// Why the cloud could not get an answer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RelayError {
    #[error("the organisation's directory is not connected")]
    Offline,
    #[error("the request is sealed to a key the directory no longer holds")]
    KeyChanged,
    #[error("the directory did not answer in time")]
    Timeout,
}

struct Linked {
    id: u64,
    /// The enrolled directory behind the link (none for a configured credential).
    directory: Option<String>,
    /// Tells the link to close, with the close code the directory is to see.
    close: tokio::sync::watch::Sender<Option<u16>>,
    key: DirectoryKey,
    /// The key and the keys it replaced, parsed once: relay tickets signed by any of them
    /// are honoured.
    signers: Vec<PublicKey>,
    link: Arc<dyn Link>,
}

/// `key` and every key its endorsements name, as keys.
fn signers(key: &DirectoryKey) -> Vec<PublicKey> {
    std::iter::once(&key.key)
        .chain(key.endorsements.iter().map(|e| &e.previous))
        .filter_map(|text| PublicKey::from_text(text).ok())
        .collect()
}

/// The links other cloud nodes hold (`crate::cluster`): asked for a tenant no link of this
/// node serves.
pub trait Elsewhere: Send + Sync {
    fn relay(
        &self,
        tenant: &str,
        request: SealedRequest,
        admission: Admission,
        deadline: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<Relayed, RelayError>> + Send + '_>>;
    fn caller(
        &self,
        tenant: &str,
        ask: CallerAsk,
        deadline: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<CallerAnswer, RelayError>> + Send + '_>>;
    fn key(&self, tenant: &str) -> Pin<Box<dyn Future<Output = Option<DirectoryKey>> + Send + '_>>;
}

/// Every live link, by tenant.
#[derive(Default)]
pub struct Links {
    tenants: RwLock<HashMap<String, Vec<Linked>>>,
    next: AtomicU64,
    /// Counts changes of any link or key: what was checked against the keys before a
    /// change is checked again.
    generation: AtomicU64,
    /// Woken on every change of a link or key (for the cluster's subscriptions).
    changed: tokio::sync::Notify,
    /// The other nodes' links, when the cloud runs on several.
    elsewhere: OnceLock<Arc<dyn Elsewhere>>,
}

/// Removes its link from the registry when dropped (the link's connection ended).
pub struct Registration {
    links: Arc<Links>,
    tenant: String,
    id: u64,
    closing: tokio::sync::watch::Receiver<Option<u16>>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.links.bump();
        let mut tenants = self.links.tenants.write().expect("poisoned");
        if let Some(linked) = tenants.get_mut(&self.tenant) {
            linked.retain(|l| l.id != self.id);
            if linked.is_empty() {
                tenants.remove(&self.tenant);
            }
        }
    }
}

impl Registration {
    /// Changes to `Some(close code)` when the link is to be closed (revoked, subscription
    /// ended).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<Option<u16>> {
        self.closing.clone()
    }

    /// The directory behind this link rotated its key.
    pub fn set_key(&self, key: DirectoryKey) {
        self.links.bump();
        let mut tenants = self.links.tenants.write().expect("poisoned");
        if let Some(l) = tenants
            .get_mut(&self.tenant)
            .and_then(|linked| linked.iter_mut().find(|l| l.id == self.id))
        {
            l.signers = signers(&key);
            l.key = key;
        }
    }
}

impl Links {
    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
        self.changed.notify_one();
    }

    /// From now on, tenants without a link here are asked for `elsewhere`.
    pub fn reach_elsewhere(&self, elsewhere: Arc<dyn Elsewhere>) {
        let _ = self.elsewhere.set(elsewhere);
    }

    /// Whether other nodes are asked for tenants not linked here.
    pub fn clustered(&self) -> bool {
        self.elsewhere.get().is_some()
    }

    /// Waits for the next change of a link or key (one waiter; a change while nobody
    /// waits is kept for the next wait).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// The tenants with at least one link here.
    pub fn local_tenants(&self) -> Vec<String> {
        self.tenants
            .read()
            .expect("poisoned")
            .keys()
            .cloned()
            .collect()
    }

    /// The tenant's other node, when no link here serves it.
    fn elsewhere_for(&self, tenant: &str) -> Option<&Arc<dyn Elsewhere>> {
        let here = self.tenants.read().expect("poisoned").contains_key(tenant);
        self.elsewhere.get().filter(|_| !here)
    }

    /// The key tabs are to seal to, from a link here or, clustered, from the node holding one.
    pub async fn key_anywhere(&self, tenant: &str) -> Option<DirectoryKey> {
        match self.elsewhere_for(tenant) {
            Some(elsewhere) => elsewhere.key(tenant).await,
            None => self.key(tenant),
        }
    }

    /// The keys whose relay tickets `tenant`'s directories honour, wherever they are linked.
    pub async fn ticket_signers_anywhere(&self, tenant: &str) -> Vec<PublicKey> {
        match self.elsewhere_for(tenant) {
            Some(elsewhere) => elsewhere
                .key(tenant)
                .await
                .map(|key| signers(&key))
                .unwrap_or_default(),
            None => self.ticket_signers(tenant),
        }
    }

    pub fn add(
        self: &Arc<Self>,
        tenant: &str,
        key: DirectoryKey,
        link: Arc<dyn Link>,
        directory: Option<String>,
    ) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.bump();
        let (close, closing) = tokio::sync::watch::channel(None);
        self.tenants
            .write()
            .expect("poisoned")
            .entry(tenant.to_owned())
            .or_default()
            .push(Linked {
                id,
                directory,
                close,
                signers: signers(&key),
                key,
                link,
            });
        Registration {
            links: Arc::clone(self),
            tenant: tenant.to_owned(),
            id,
            closing,
        }
    }

    /// Closes every link `verdict` gives a close code for (tenant, enrolled directory).
    /// How many it closed.
    pub fn close_where(&self, verdict: impl Fn(&str, Option<&str>) -> Option<u16>) -> usize {
        let tenants = self.tenants.read().expect("poisoned");
        let mut closed = 0;
        for (tenant, linked) in tenants.iter() {
            for l in linked {
                if let Some(code) = verdict(tenant, l.directory.as_deref())
                    && l.close.borrow().is_none()
                {
                    l.close.send_replace(Some(code));
                    closed += 1;
                }
            }
        }
        closed
    }

    /// Whether the enrolled directory `id` is linked right now.
    pub fn is_linked(&self, tenant: &str, id: &str) -> bool {
        self.tenants
            .read()
            .expect("poisoned")
            .get(tenant)
            .is_some_and(|l| l.iter().any(|l| l.directory.as_deref() == Some(id)))
    }

    /// Changes so far to any link or key.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// How many directory instances of `tenant` are linked.
    pub fn count(&self, tenant: &str) -> usize {
        self.tenants
            .read()
            .expect("poisoned")
            .get(tenant)
            .map_or(0, Vec::len)
    }

    /// Linked instances per tenant, for the metrics.
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.tenants
            .read()
            .expect("poisoned")
            .iter()
            .map(|(t, l)| (t.clone(), l.len()))
            .collect()
    }

    /// The key tabs are to seal to: the newest any linked instance holds (the one furthest
    /// along the rotations; of equals, the one linked first, so an instance linking later
    /// does not change what tabs are told).
    pub fn key(&self, tenant: &str) -> Option<DirectoryKey> {
        let tenants = self.tenants.read().expect("poisoned");
        tenants
            .get(tenant)?
            .iter()
            .rev()
            .max_by_key(|l| l.key.endorsements.len())
            .map(|l| l.key.clone())
    }

    /// The keys whose relay tickets `tenant`'s directories honour.
    pub fn ticket_signers(&self, tenant: &str) -> Vec<PublicKey> {
        let tenants = self.tenants.read().expect("poisoned");
        let mut keys: Vec<PublicKey> = Vec::new();
        for key in tenants
            .get(tenant)
            .into_iter()
            .flatten()
            .flat_map(|l| &l.signers)
        {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        keys
    }

    /// Relays `request` to an instance of `tenant` holding the key it is sealed to — linked
    /// here, or (clustered) to another node — when that instance's link drops meanwhile,
    /// once more to another.
    pub async fn relay(
        &self,
        tenant: &str,
        request: SealedRequest,
        admission: Admission,
        deadline: Duration,
    ) -> Result<Relayed, RelayError> {
        match (self.elsewhere_for(tenant), self.elsewhere.get()) {
            (Some(elsewhere), _) => elsewhere.relay(tenant, request, admission, deadline).await,
            // Every link here may go while the request waits: then another node's.
            (None, Some(elsewhere)) => {
                let here = self
                    .relay_here(tenant, request.clone(), admission, deadline)
                    .await;
                match here {
                    Err(RelayError::Offline) => {
                        elsewhere.relay(tenant, request, admission, deadline).await
                    }
                    here => here,
                }
            }
            (None, None) => self.relay_here(tenant, request, admission, deadline).await,
        }
    }

    /// [`Links::relay`] to the links of this node only.
    pub async fn relay_here(
        &self,
        tenant: &str,
        request: SealedRequest,
        admission: Admission,
        deadline: Duration,
    ) -> Result<Relayed, RelayError> {
        let candidates: Vec<Arc<dyn Link>> = {
            let tenants = self.tenants.read().expect("poisoned");
            let Some(linked) = tenants.get(tenant) else {
                return Err(RelayError::Offline);
            };
            let matching: Vec<Arc<dyn Link>> = linked
                .iter()
                .filter(|l| l.key.fingerprint == request.key)
                .map(|l| Arc::clone(&l.link))
                .collect();
            if matching.is_empty() {
                return Err(RelayError::KeyChanged);
            }
            // Spread requests over the instances, starting somewhere new each time.
            let start = self.next.fetch_add(1, Ordering::Relaxed) as usize % matching.len();
            matching
                .iter()
                .cycle()
                .skip(start)
                .take(matching.len().min(2))
                .cloned()
                .collect()
        };
        let attempt = async {
            for link in candidates {
                if let Ok(relayed) = link.relay(request.clone(), admission).await {
                    return Ok(relayed);
                }
            }
            Err(RelayError::Offline)
        };
        tokio::time::timeout(deadline, attempt)
            .await
            .unwrap_or(Err(RelayError::Timeout))
    }

    /// Relays a caller ID lookup to an instance of `tenant` (any: no key is involved), here
    /// or on another node; when that instance's link drops meanwhile, once more to another.
    pub async fn caller(
        &self,
        tenant: &str,
        ask: CallerAsk,
        deadline: Duration,
    ) -> Result<CallerAnswer, RelayError> {
        match (self.elsewhere_for(tenant), self.elsewhere.get()) {
            (Some(elsewhere), _) => elsewhere.caller(tenant, ask, deadline).await,
            (None, Some(elsewhere)) => {
                match self.caller_here(tenant, ask.clone(), deadline).await {
                    Err(RelayError::Offline) => elsewhere.caller(tenant, ask, deadline).await,
                    here => here,
                }
            }
            (None, None) => self.caller_here(tenant, ask, deadline).await,
        }
    }

    /// [`Links::caller`] to the links of this node only.
    pub async fn caller_here(
        &self,
        tenant: &str,
        ask: CallerAsk,
        deadline: Duration,
    ) -> Result<CallerAnswer, RelayError> {
        let candidates: Vec<Arc<dyn Link>> = {
            let tenants = self.tenants.read().expect("poisoned");
            let Some(linked) = tenants.get(tenant) else {
                return Err(RelayError::Offline);
            };
            let start = self.next.fetch_add(1, Ordering::Relaxed) as usize % linked.len();
            linked
                .iter()
                .cycle()
                .skip(start)
                .take(linked.len().min(2))
                .map(|l| Arc::clone(&l.link))
                .collect()
        };
        let attempt = async {
            for link in candidates {
                if let Ok(answer) = link.caller(ask.clone()).await {
                    return Ok(answer);
                }
            }
            Err(RelayError::Offline)
        };
        tokio::time::timeout(deadline, attempt)
            .await
            .unwrap_or(Err(RelayError::Timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Relayed, LinkGone>);

    impl Link for Fixed {
        fn relay(&self, _: SealedRequest, _: Admission) -> Relaying {
            let answer = self.0.clone();
            Box::pin(async move { answer })
        }

        fn caller(&self, _: CallerAsk) -> CallerRelaying {
            let answer = self.0.clone().map(|_| CallerAnswer::NotFound);
            Box::pin(async move { answer })
        }
    }

    struct Silent;

    impl Link for Silent {
        fn relay(&self, _: SealedRequest, _: Admission) -> Relaying {
            Box::pin(std::future::pending())
        }

        fn caller(&self, _: CallerAsk) -> CallerRelaying {
            Box::pin(std::future::pending())
        }
    }

    fn key(fingerprint: &str, rotations: usize) -> DirectoryKey {
        DirectoryKey {
            tenant_id: "t".into(),
            key: "k".into(),
            fingerprint: fingerprint.into(),
            endorsements: (0..rotations)
                .map(|_| kontakt_api::KeyEndorsement {
                    previous: String::new(),
                    next: String::new(),
                    signature: String::new(),
                })
                .collect(),
        }
    }

    fn request(fingerprint: &str) -> SealedRequest {
        SealedRequest {
            key: fingerprint.into(),
            enc: String::new(),
            ciphertext: String::new(),
        }
    }

    const SOON: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn requests_go_to_an_instance_with_their_key_and_survive_one_lost_link() {
        let links = Arc::new(Links::default());
        assert_eq!(
            links
                .relay("t", request("a"), Admission::Ticket, SOON)
                .await,
            Err(RelayError::Offline)
        );
        let gone = links.add("t", key("a", 0), Arc::new(Fixed(Err(LinkGone))), None);
        let good = links.add(
            "t",
            key("a", 0),
            Arc::new(Fixed(Ok(Relayed::Answer("sealed".into())))),
            Some("dir_1".into()),
        );
        assert!(links.is_linked("t", "dir_1"));
        let closing = good.closing();
        assert_eq!(
            links.close_where(|_, d| (d == Some("dir_1")).then_some(4001)),
            1
        );
        assert_eq!(*closing.borrow(), Some(4001));
        for _ in 0..4 {
            assert_eq!(
                links
                    .relay("t", request("a"), Admission::Ticket, SOON)
                    .await,
                Ok(Relayed::Answer("sealed".into()))
            );
        }
        assert_eq!(
            links
                .relay("t", request("b"), Admission::Ticket, SOON)
                .await,
            Err(RelayError::KeyChanged)
        );
        assert_eq!(links.count("t"), 2);
        drop(good);
        assert_eq!(
            links
                .relay("t", request("a"), Admission::Ticket, SOON)
                .await,
            Err(RelayError::Offline)
        );
        drop(gone);
        assert_eq!(links.count("t"), 0);
        assert!(links.key("t").is_none());
    }

    #[tokio::test]
    async fn a_lookup_goes_to_any_instance_and_survives_one_lost_link() {
        let links = Arc::new(Links::default());
        let ask = CallerAsk {
            user: "sbc".into(),
            password: "pw".into(),
            number: "+49891".into(),
        };
        assert_eq!(
            links.caller("t", ask.clone(), SOON).await,
            Err(RelayError::Offline)
        );
        let _gone = links.add("t", key("a", 0), Arc::new(Fixed(Err(LinkGone))), None);
        let _good = links.add(
            "t",
            key("b", 0),
            Arc::new(Fixed(Ok(Relayed::Answer(String::new())))),
            None,
        );
        for _ in 0..4 {
            assert_eq!(
                links.caller("t", ask.clone(), SOON).await,
                Ok(CallerAnswer::NotFound)
            );
        }
        let _silent = links.add("s", key("a", 0), Arc::new(Silent), None);
        assert_eq!(links.caller("s", ask, SOON).await, Err(RelayError::Timeout));
    }

    #[tokio::test]
    async fn the_newest_key_is_published_and_a_silent_directory_times_out() {
        let links = Arc::new(Links::default());
        let _old = links.add("t", key("old", 0), Arc::new(Silent), None);
        let newer = links.add("t", key("new", 1), Arc::new(Silent), None);
        assert_eq!(links.key("t").unwrap().fingerprint, "new");
        assert_eq!(
            links
                .relay("t", request("old"), Admission::Ticket, SOON)
                .await,
            Err(RelayError::Timeout)
        );
        newer.set_key(key("newest", 2));
        assert_eq!(links.key("t").unwrap().fingerprint, "newest");
    }
}
