//! A directory's WebSocket, as the cloud holds it: the directory says hello with its key,
//! then requests go out with ids and answers come back in any order. Pings keep it honest:
//! a link that stays silent for three of them is closed, and its requests fail over.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, close_code};
use kontakt_api::{DirectoryKey, SealedRequest};
use tokio::sync::{mpsc, oneshot};

use super::{CallerRelaying, Link, LinkGone, Relayed, Relaying};
use crate::link::{Admission, CallerAnswer, CallerAsk, ToCloud, ToDirectory};
use crate::registry::DirectoryRecord;
use crate::state::SharedState;
use crate::tenants::{CLOSE_SUBSCRIPTION_ENDED, Tenant, now_secs};

/// How long a new link has to say hello.
const HELLO_WITHIN: Duration = Duration::from_secs(10);
/// Requests waiting for one instance's answers at most; beyond, requests go to another
/// instance (or fail as offline) instead of piling up behind one that stopped answering.
const MAX_IN_FLIGHT: usize = 4096;

/// What goes out on the link, with where its answer is awaited.
enum Pending {
    Sealed {
        request: SealedRequest,
        admission: Admission,
        answer: oneshot::Sender<Relayed>,
    },
    Caller {
        ask: CallerAsk,
        answer: oneshot::Sender<CallerAnswer>,
    },
}

/// Where an answer sent out is awaited.
enum Waiting {
    Sealed(oneshot::Sender<Relayed>),
    Caller(oneshot::Sender<CallerAnswer>),
}

impl Waiting {
    fn is_closed(&self) -> bool {
        match self {
            Waiting::Sealed(s) => s.is_closed(),
            Waiting::Caller(s) => s.is_closed(),
        }
    }
}

struct WsLink {
    requests: mpsc::Sender<Pending>,
}

impl Link for WsLink {
    fn relay(&self, request: SealedRequest, admission: Admission) -> Relaying {
        let requests = self.requests.clone();
        Box::pin(async move {
            let (answer, answered) = oneshot::channel();
            requests
                .send(Pending::Sealed {
                    request,
                    admission,
                    answer,
                })
                .await
                .map_err(|_| LinkGone)?;
            answered.await.map_err(|_| LinkGone)
        })
    }

    fn caller(&self, ask: CallerAsk) -> CallerRelaying {
        let requests = self.requests.clone();
        Box::pin(async move {
            let (answer, answered) = oneshot::channel();
            requests
                .send(Pending::Caller { ask, answer })
                .await
                .map_err(|_| LinkGone)?;
            answered.await.map_err(|_| LinkGone)
        })
    }
}

/// Whether `key` is a usable key of `tenant` whose fingerprint is its own.
pub fn valid_key(key: &DirectoryKey, tenant: &str) -> bool {
    key.tenant_id.eq_ignore_ascii_case(tenant) && key.public_key().is_some()
}

/// Why a link ended, for the log (never anything a request carried).
#[derive(Debug)]
enum Ended {
    Closed,
    Silent,
    NoHello,
    Protocol(&'static str),
    /// Revoked, or the subscription ended: the close code.
    Told(u16),
}

/// Whether an enrolled directory may link with `key`: the key it enrolled with (or, for
/// the demo's directory, any first key), or one that key endorsed through rotations.
fn enrolled_key_accepted(key: &DirectoryKey, registered: &str) -> bool {
    if registered.is_empty() || key.key == registered {
        return true;
    }
    let (Ok(pinned), Some(current)) = (
        kontakt_seal::PublicKey::from_text(registered),
        key.public_key(),
    ) else {
        return false;
    };
    let chain: Vec<kontakt_seal::Endorsement> = key
        .endorsements
        .iter()
        .filter_map(|e| e.parse().ok())
        .collect();
    kontakt_seal::Endorsement::chain_leads_to(&chain, &pinned, &current)
}

/// Runs one directory's link for `tenant` (already authenticated: by a configured
/// credential, or as the enrolled `directory`) until it ends.
pub async fn serve(
    mut socket: WebSocket,
    state: SharedState,
    tenant: Arc<Tenant>,
    directory: Option<DirectoryRecord>,
) {
    let (links, ping) = (Arc::clone(&state.links), state.link_ping);
    let label = tenant.label.clone();
    let registry = state.tenants.registry.clone();
    let tenant_id = tenant.id.clone();
    let tenant = tenant_id.as_str();
    let key = match hello(&mut socket, tenant).await {
        Ok(key) => key,
        Err(ended) => {
            tracing::warn!(tenant = %label, reason = ?ended, "directory link refused");
            close(
                &mut socket,
                close_code::POLICY,
                "say hello with your tenant's key first",
            )
            .await;
            return;
        }
    };
    if state
        .tenants
        .get(tenant)
        .is_none_or(|t| t.ended(now_secs()))
    {
        tracing::info!(tenant = %label, "a directory of an organisation whose subscription has ended was told to stop");
        close(
            &mut socket,
            CLOSE_SUBSCRIPTION_ENDED,
            "the organisation's subscription has ended",
        )
        .await;
        return;
    }
    if let (Some(d), Some(registry)) = (&directory, &registry) {
        if !enrolled_key_accepted(&key, &d.public_key) {
            tracing::warn!(tenant = %label, directory = %d.id, "an enrolled directory linked with a key it did not enroll with; refused");
            close(
                &mut socket,
                close_code::POLICY,
                "not the key this directory enrolled with (nor one it endorsed)",
            )
            .await;
            return;
        }
        if let Err(e) = registry.seen(&d.id, &key.key, now_secs()).await {
            tracing::warn!(error = %e, "cannot record that a directory linked");
        }
    }
    if let Some(published) = links.key(tenant)
        && published.fingerprint != key.fingerprint
        && published.endorsements.len() == key.endorsements.len()
    {
        // Tabs seal to one key; an instance with another answers none of their requests.
        tracing::warn!(
            tenant = %label,
            "a directory instance linked with a different key than the others: copy directory.key and directory-key-chain.json from the first instance to every other"
        );
    }
    let (requests, mut outgoing) = mpsc::channel::<Pending>(256);
    let registration = links.add(
        tenant,
        key,
        Arc::new(WsLink { requests }),
        directory.as_ref().map(|d| d.id.clone()),
    );
    let mut closing = registration.closing();
    tracing::info!(tenant = %label, instances = links.count(tenant), "directory linked");
    let mut pending: HashMap<u64, Waiting> = HashMap::new();
    let mut next_id: u64 = 1;
    let mut pinger = tokio::time::interval(ping);
    let mut heard = Instant::now();
    let ended = loop {
        tokio::select! {
            Some(p) = outgoing.recv() => {
                if pending.len() >= MAX_IN_FLIGHT {
                    // Dropping the answer's sender tells the relay this link cannot take it.
                    continue;
                }
                let id = next_id;
                next_id += 1;
                let (frame, waiting) = match p {
                    Pending::Sealed { request, admission, answer } => (
                        ToDirectory::Request { id, request, admission },
                        Waiting::Sealed(answer),
                    ),
                    Pending::Caller { ask, answer } => {
                        (ToDirectory::Caller { id, ask }, Waiting::Caller(answer))
                    }
                };
                let text = serde_json::to_string(&frame).expect("frames serialise");
                if socket.send(Message::Text(text.into())).await.is_err() {
                    break Ended::Closed;
                }
                pending.insert(id, waiting);
            }
            message = socket.recv() => {
                heard = Instant::now();
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => break Ended::Protocol("binary frame"),
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break Ended::Closed,
                };
                match serde_json::from_str::<ToCloud>(&text) {
                    Ok(ToCloud::Answer { id, sealed }) => {
                        if let Some(Waiting::Sealed(answer)) = pending.remove(&id) {
                            let _ = answer.send(Relayed::Answer(sealed));
                        }
                    }
                    Ok(ToCloud::Refused { id, reason }) => {
                        if let Some(Waiting::Sealed(answer)) = pending.remove(&id) {
                            let _ = answer.send(Relayed::Refused(reason));
                        }
                    }
                    Ok(ToCloud::Caller { id, answer }) => {
                        if let Some(Waiting::Caller(waiting)) = pending.remove(&id) {
                            let _ = waiting.send(answer);
                        }
                    }
                    Ok(ToCloud::Key(key)) if valid_key(&key, tenant) => {
                        tracing::info!(tenant = %label, "directory key rotated");
                        if let (Some(d), Some(registry)) = (&directory, &registry)
                            && let Err(e) = registry.seen(&d.id, &key.key, now_secs()).await
                        {
                            tracing::warn!(error = %e, "cannot record a directory's new key");
                        }
                        registration.set_key(key);
                    }
                    Ok(ToCloud::Usage { day, searches, lookups, users }) => {
                        state.telemetry.reported(tenant, &day, searches, lookups, users);
                    }
                    Ok(ToCloud::Key(_)) => break Ended::Protocol("unusable key"),
                    Ok(ToCloud::Hello { .. }) => break Ended::Protocol("second hello"),
                    Err(_) => break Ended::Protocol("not a frame of the link protocol"),
                }
            }
            Ok(()) = closing.changed() => {
                if let Some(code) = *closing.borrow() {
                    break Ended::Told(code);
                }
            }
            _ = pinger.tick() => {
                if heard.elapsed() > ping * 3 {
                    break Ended::Silent;
                }
                // Requests whose tab gave up (the relay's deadline) wait for nothing.
                pending.retain(|_, answer| !answer.is_closed());
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    break Ended::Closed;
                }
            }
        }
    };
    drop(registration);
    // Waiting requests learn the link is gone and fail over.
    drop(pending);
    tracing::info!(tenant = %label, reason = ?ended, instances = links.count(tenant), "directory link ended");
    match ended {
        Ended::Protocol(what) => close(&mut socket, close_code::PROTOCOL, what).await,
        Ended::Told(CLOSE_SUBSCRIPTION_ENDED) => {
            close(
                &mut socket,
                CLOSE_SUBSCRIPTION_ENDED,
                "the organisation's subscription has ended",
            )
            .await
        }
        Ended::Told(code) => {
            close(
                &mut socket,
                code,
                "this directory was revoked by its organisation's administrator",
            )
            .await
        }
        _ => {}
    }
}

async fn hello(socket: &mut WebSocket, tenant: &str) -> Result<DirectoryKey, Ended> {
    let first = tokio::time::timeout(HELLO_WITHIN, socket.recv())
        .await
        .map_err(|_| Ended::NoHello)?;
    let Some(Ok(Message::Text(text))) = first else {
        return Err(Ended::NoHello);
    };
    match serde_json::from_str::<ToCloud>(&text) {
        Ok(ToCloud::Hello { tenant: t, key, .. })
            if t.eq_ignore_ascii_case(tenant) && valid_key(&key, tenant) =>
        {
            Ok(key)
        }
        Ok(ToCloud::Hello { .. }) => Err(Ended::Protocol("hello for another tenant or key")),
        _ => Err(Ended::NoHello),
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = socket
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}
