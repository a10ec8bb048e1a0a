//! The cloud on several nodes: a directory's link ends on one node, its users' requests
//! arrive at any. NATS carries a request from the node it arrived at to a node holding one
//! of the tenant's links, by request/reply: every node subscribes, in one queue group, to
//! the subjects of the tenants it has links for, and unsubscribes when their last link
//! goes. NATS' "no responders" is then the `directory_offline` answer — known at once, not
//! after a timeout. What crosses NATS is what crosses a node: sealed requests and answers
//! (ciphertext), caller ID lookups for directories that take them, and public keys.
//!
//! NATS going away is survived without a restart: the client reconnects and subscribes
//! again by itself; meanwhile requests for tenants linked elsewhere are answered as offline,
//! and tenants linked here are served as before.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::{Client, RequestErrorKind};
use futures::StreamExt;
use kontakt_api::{DirectoryKey, SealedRequest};
use serde::{Deserialize, Serialize};

use crate::link::{Admission, CallerAnswer, CallerAsk};
use crate::relay::{Elsewhere, Links, RelayError, Relayed};

/// Every node subscribes in this queue group: a request goes to one node holding a link.
const QUEUE: &str = "kontakt-cloud";
/// How long a key read from another node is used before it is asked again: a rotation
/// reaches tabs through every node within this.
const KEY_FRESH: Duration = Duration::from_secs(2);
/// How long a node waits for another to say which key a tenant's directory holds.
const KEY_WITHIN: Duration = Duration::from_secs(2);
/// How often a request is asked when the node that took it has just lost the link.
const AGAIN: usize = 3;
/// How long one node is given to answer before another is asked: a node that dies with a
/// request says nothing, and a directory answers in milliseconds.
const ATTEMPT: Duration = Duration::from_secs(2);

/// `[cluster]` resolved: where NATS is.
#[derive(Clone, Debug)]
pub struct ClusterSettings {
    pub nats: String,
}

/// The subject of `what` for `tenant`: `kontakt.v1.<tenant>.<what>`. Tenant ids are GUIDs;
/// anything that could be read as a subject's wildcard or separator is never sent.
fn subject(tenant: &str, what: &str) -> Option<String> {
    let plain = !tenant.is_empty()
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| format!("kontakt.v1.{tenant}.{what}"))
}

/// A sealed request as it crosses to another node, with what is left of its deadline.
#[derive(Serialize, Deserialize)]
struct SealedAsk {
    request: SealedRequest,
    admission: Admission,
    deadline_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct CallerAskWire {
    ask: CallerAsk,
    deadline_ms: u64,
}

/// This node's part of the cluster.
pub struct Cluster {
    nats: Client,
    keys: Mutex<HashMap<String, (Option<DirectoryKey>, Instant)>>,
}

/// Connects to NATS (in the background: a node starts, and serves its own links, while NATS
/// is away) and lets `links` reach the tenants linked to other nodes.
pub async fn join(settings: &ClusterSettings, links: Arc<Links>) -> anyhow::Result<()> {
    let nats = async_nats::ConnectOptions::new()
        .name("kontakt cloud")
        .event_callback(|event| async move {
            match event {
                async_nats::Event::Connected => tracing::info!("NATS connected"),
                async_nats::Event::Disconnected => tracing::warn!(
                    "NATS lost: tenants linked to other nodes are offline here until it is back"
                ),
                other => tracing::warn!(event = %other, "NATS"),
            }
        })
        .retry_on_initial_connect()
        .connect(settings.nats.as_str())
        .await
        .map_err(|e| anyhow::anyhow!("cluster.nats {}: {e}", settings.nats))?;
    let cluster = Arc::new(Cluster {
        nats,
        keys: Mutex::default(),
    });
    links.reach_elsewhere(Arc::clone(&cluster) as Arc<dyn Elsewhere>);
    tokio::spawn(follow_links(cluster, links));
    tracing::info!(nats = %settings.nats, "clustered: requests for directories linked to other nodes go through NATS");
    Ok(())
}

/// Keeps one queue subscription per tenant linked here, for as long as the cloud runs.
async fn follow_links(cluster: Arc<Cluster>, links: Arc<Links>) {
    let mut serving: HashMap<String, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        let linked = links.local_tenants();
        serving.retain(|tenant, task| {
            let keep = linked.contains(tenant) && !task.is_finished();
            if !keep {
                // Dropping the subscriber unsubscribes: the next request goes elsewhere.
                task.abort();
            }
            keep
        });
        for tenant in linked {
            if serving.contains_key(&tenant) {
                continue;
            }
            let Some(subjects) = subject(&tenant, "*") else {
                continue;
            };
            match cluster
                .nats
                .queue_subscribe(subjects, QUEUE.to_owned())
                .await
            {
                Ok(subscriber) => {
                    let task = tokio::spawn(answer_for(
                        Arc::clone(&cluster),
                        Arc::clone(&links),
                        tenant.clone(),
                        subscriber,
                    ));
                    serving.insert(tenant, task);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot subscribe for a linked tenant on NATS")
                }
            }
        }
        links.changed().await;
    }
}

/// Answers what other nodes ask about `tenant` with this node's links.
async fn answer_for(
    cluster: Arc<Cluster>,
    links: Arc<Links>,
    tenant: String,
    mut subscriber: async_nats::Subscriber,
) {
    while let Some(message) = subscriber.next().await {
        let Some(reply) = message.reply.clone() else {
            continue;
        };
        let (cluster, links, tenant) = (Arc::clone(&cluster), Arc::clone(&links), tenant.clone());
        tokio::spawn(async move {
            let what = message.subject.rsplit('.').next().unwrap_or_default();
            let answer = match what {
                "sealed" => match serde_json::from_slice::<SealedAsk>(&message.payload) {
                    Ok(ask) => {
                        let deadline = Duration::from_millis(ask.deadline_ms);
                        let relayed = links
                            .relay_here(&tenant, ask.request, ask.admission, deadline)
                            .await;
                        serde_json::to_vec(&relayed)
                    }
                    Err(_) => return,
                },
                "caller" => match serde_json::from_slice::<CallerAskWire>(&message.payload) {
                    Ok(ask) => {
                        let deadline = Duration::from_millis(ask.deadline_ms);
                        serde_json::to_vec(&links.caller_here(&tenant, ask.ask, deadline).await)
                    }
                    Err(_) => return,
                },
                "key" => serde_json::to_vec(&links.key(&tenant)),
                _ => return,
            };
            if let Ok(answer) = answer {
                let _ = cluster.nats.publish(reply, answer.into()).await;
            }
        });
    }
}

impl Cluster {
    /// Asks the node holding `tenant`'s link; `None` when none answers in time.
    async fn ask<T: for<'de> Deserialize<'de>>(
        &self,
        tenant: &str,
        what: &str,
        payload: Vec<u8>,
        deadline: Duration,
    ) -> Result<T, RelayError> {
        let subject = subject(tenant, what).ok_or(RelayError::Offline)?;
        // Disconnected, the client would hold the request until NATS is back: say offline
        // now, as for a tenant linked nowhere.
        if self.nats.connection_state() != async_nats::connection::State::Connected {
            return Err(RelayError::Offline);
        }
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(deadline));
        match self.nats.send_request(subject, request).await {
            Ok(message) => {
                serde_json::from_slice(&message.payload).map_err(|_| RelayError::Offline)
            }
            Err(e) if e.kind() == RequestErrorKind::TimedOut => Err(RelayError::Timeout),
            // No responders: no node holds a link. NATS unreachable: none can be asked.
            Err(_) => Err(RelayError::Offline),
        }
    }
}

impl Cluster {
    /// Asks for what a link answers; again when the node asked lost its last link of the
    /// tenant meanwhile (it answers offline, and unsubscribes a moment later) or went away
    /// with the request (no answer within [`ATTEMPT`]) — NATS then picks a node that still
    /// has a link. A sealed request asked twice is answered once at most by each directory
    /// instance (its replay guard), so asking again is safe.
    async fn ask_again<T: for<'de> Deserialize<'de>>(
        &self,
        tenant: &str,
        what: &str,
        payload: Vec<u8>,
        deadline: Duration,
    ) -> Result<T, RelayError> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_sub(started.elapsed());
            let answer = self
                .ask::<Result<T, RelayError>>(tenant, what, payload.clone(), left.min(ATTEMPT))
                .await
                .and_then(|answer| answer);
            attempt += 1;
            let again = matches!(answer, Err(RelayError::Offline | RelayError::Timeout))
                && attempt < AGAIN
                && deadline > started.elapsed();
            if !again {
                return answer;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Elsewhere for Cluster {
    fn relay(
        &self,
        tenant: &str,
        request: SealedRequest,
        admission: Admission,
        deadline: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<Relayed, RelayError>> + Send + '_>> {
        let tenant = tenant.to_owned();
        Box::pin(async move {
            let ask = SealedAsk {
                request,
                admission,
                // The other node answers a little sooner, so that its answer arrives in time.
                deadline_ms: deadline.mul_f64(0.9).as_millis() as u64,
            };
            let payload = serde_json::to_vec(&ask).expect("serialises");
            self.ask_again(&tenant, "sealed", payload, deadline).await
        })
    }

    fn caller(
        &self,
        tenant: &str,
        ask: CallerAsk,
        deadline: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<CallerAnswer, RelayError>> + Send + '_>> {
        let tenant = tenant.to_owned();
        Box::pin(async move {
            let ask = CallerAskWire {
                ask,
                deadline_ms: deadline.mul_f64(0.9).as_millis() as u64,
            };
            let payload = serde_json::to_vec(&ask).expect("serialises");
            self.ask_again(&tenant, "caller", payload, deadline).await
        })
    }

    fn key(&self, tenant: &str) -> Pin<Box<dyn Future<Output = Option<DirectoryKey>> + Send + '_>> {
        let tenant = tenant.to_owned();
        Box::pin(async move {
            if let Some((key, at)) = self.keys.lock().expect("poisoned").get(&tenant)
                && at.elapsed() < KEY_FRESH
            {
                return key.clone();
            }
            // A node that has just lost its last link of the tenant answers "no key" until
            // it unsubscribes a moment later: ask again, and NATS picks another node (a relay
            // ticket checked against no key would be refused, 401, during a failover).
            let started = Instant::now();
            let mut key = None;
            for _ in 0..AGAIN {
                let left = KEY_WITHIN.saturating_sub(started.elapsed());
                match self
                    .ask::<Option<DirectoryKey>>(&tenant, "key", Vec::new(), left)
                    .await
                {
                    Ok(None) if !left.is_zero() => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    answer => {
                        key = answer.ok().flatten();
                        break;
                    }
                }
            }
            // Only a key found is kept: a directory that links is reachable at once.
            if let Some(found) = &key {
                let mut keys = self.keys.lock().expect("poisoned");
                // Public keys of linked tenants: bounded by the tenants served.
                if keys.len() > 100_000 {
                    keys.clear();
                }
                keys.insert(tenant, (Some(found.clone()), Instant::now()));
            }
            key
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_tenant_ids_become_subjects() {
        assert_eq!(
            super::subject("6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34", "sealed").as_deref(),
            Some("kontakt.v1.6b8d5a4e-2f3c-4d1a-9e7b-0c5f8a2d1e34.sealed")
        );
        for bad in ["", "a.b", "*", ">", "a b", "t\n"] {
            assert_eq!(super::subject(bad, "key"), None, "{bad:?}");
        }
    }
}
