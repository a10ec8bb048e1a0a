//! The directory's end of the link: it dials out to the cloud (nothing listens for the
//! cloud), says hello with its key, answers the requests that come, pings, and when the
//! link is lost dials again with a growing, jittered delay.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use rand::RngExt;
use rustls_platform_verifier::ConfigVerifierExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::Directory;
use super::status::{LinkState, LinkStatus};
use crate::link::{LINK_PATH, MAX_FROM_CLOUD, TENANT_HEADER, ToCloud, ToDirectory};
use crate::settings::LinkSettings;

const FIRST_DELAY: Duration = Duration::from_secs(1);
const LONGEST_DELAY: Duration = Duration::from_secs(60);
/// A link that stayed up this long was a good one: the next failure starts over.
const GOOD_LINK: Duration = Duration::from_secs(30);
const CONNECT_WITHIN: Duration = Duration::from_secs(15);

/// How a link ended.
enum Ended {
    /// Lost: dial again.
    Lost(String),
    /// The cloud told the directory to stop: revoked, or the subscription ended.
    Stop(String),
}

impl From<String> for Ended {
    fn from(reason: String) -> Ended {
        Ended::Lost(reason)
    }
}

/// Keeps the link up for as long as the directory runs, or until the cloud tells it to
/// stop (then the reason).
pub async fn run(
    directory: Arc<Directory>,
    link: LinkSettings,
    status: Arc<Mutex<LinkStatus>>,
) -> String {
    let mut delay = FIRST_DELAY;
    loop {
        status
            .lock()
            .expect("poisoned")
            .set(LinkState::Connecting, None);
        let started = Instant::now();
        let ended = connect_and_serve(&directory, &link, &status).await;
        let reason = match ended {
            Ok(()) => String::from("the cloud closed the link"),
            Err(Ended::Lost(e)) => e,
            Err(Ended::Stop(reason)) => {
                tracing::error!(tenant = %directory.label, cloud = %link.cloud, reason = %reason, "the cloud told this directory to stop; it stops");
                status
                    .lock()
                    .expect("poisoned")
                    .set(LinkState::Failing, Some(reason.clone()));
                return reason;
            }
        };
        tracing::warn!(tenant = %directory.label, cloud = %link.cloud, reason = %reason, "link to the cloud lost; dialling again");
        status
            .lock()
            .expect("poisoned")
            .set(LinkState::Failing, Some(reason));
        if started.elapsed() > GOOD_LINK {
            delay = FIRST_DELAY;
        }
        // Jitter, so that many directories cut off at once do not all call back at once.
        let jittered = delay.mul_f64(rand::rng().random_range(0.5..1.5));
        tokio::time::sleep(jittered).await;
        delay = (delay * 2).min(LONGEST_DELAY);
    }
}

/// `https://host` → `wss://host/api/v1/link` (`http` → `ws` in development).
pub fn link_url(cloud: &str) -> String {
    let cloud = cloud.trim_end_matches('/');
    let socket = match cloud.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some(("http", rest)) => format!("ws://{rest}"),
        _ => cloud.to_owned(),
    };
    format!("{socket}{LINK_PATH}")
}

/// What went wrong, in words for the log and `kontakt directory status`.
fn describe(e: &WsError) -> String {
    match e {
        WsError::Http(response) => match response.status().as_u16() {
            401 | 403 => format!(
                "the cloud refused this directory's credential (HTTP {}): check link.credential_file and the tenant's directory_credentials",
                response.status().as_u16()
            ),
            404 => String::from(
                "the cloud has no link endpoint (HTTP 404): is link.cloud the Kontakt cloud's address?",
            ),
            status => format!("the cloud answered HTTP {status}"),
        },
        WsError::Tls(e) => format!("TLS: {e}"),
        WsError::Io(e) => format!("cannot reach the cloud: {e}"),
        e => e.to_string(),
    }
}

async fn connect_and_serve(
    directory: &Arc<Directory>,
    link: &LinkSettings,
    status: &Mutex<LinkStatus>,
) -> Result<(), Ended> {
    let mut request = link_url(&link.cloud)
        .into_client_request()
        .map_err(|e| format!("link.cloud: {e}"))?;
    let headers = request.headers_mut();
    headers.insert(
        "authorization",
        HeaderValue::from_str(&format!(
            "Bearer {}",
            link.credential.as_deref().unwrap_or_default()
        ))
        .map_err(|_| String::from("the credential is not a valid header value"))?,
    );
    headers.insert(
        TENANT_HEADER,
        HeaderValue::from_str(&directory.tenant).map_err(|e| e.to_string())?,
    );
    let tls = rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| format!("the system's certificates: {e}"))?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_FROM_CLOUD))
        .max_frame_size(Some(MAX_FROM_CLOUD));
    let connecting = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        true,
        Some(tokio_tungstenite::Connector::Rustls(Arc::new(tls))),
    );
    let (socket, _) = tokio::time::timeout(CONNECT_WITHIN, connecting)
        .await
        .map_err(|_| String::from("the cloud did not answer within 15 s"))?
        .map_err(|e| describe(&e))?;
    let (mut write, mut read) = socket.split();
    let mut key_changes = directory.key_changes();
    let hello = ToCloud::Hello {
        tenant: directory.tenant.clone(),
        key: key_changes.borrow_and_update().clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    send(&mut write, &hello).await?;
    status
        .lock()
        .expect("poisoned")
        .set(LinkState::Connected, None);
    tracing::info!(tenant = %directory.label, cloud = %link.cloud, "linked to the cloud");
    let (answers, mut answered) = mpsc::channel::<ToCloud>(256);
    let mut pinger = tokio::time::interval(link.ping);
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            message = read.next() => {
                heard = Instant::now();
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Binary(_))) => return Err(String::from("the cloud sent a binary frame").into()),
                    Some(Ok(Message::Close(Some(frame)))) => return match u16::from(frame.code) {
                        crate::tenants::CLOSE_REVOKED => Err(Ended::Stop(String::from(
                            "this directory was revoked by its organisation's administrator (or the registration was deleted): enroll it again with a new code to link",
                        ))),
                        crate::tenants::CLOSE_SUBSCRIPTION_ENDED => Err(Ended::Stop(String::from(
                            "the organisation's Kontakt subscription has ended: the directory stops serving",
                        ))),
                        _ => Ok(()),
                    },
                    Some(Ok(Message::Close(None))) | None => return Ok(()),
                    Some(Err(e)) => return Err(describe(&e).into()),
                };
                match serde_json::from_str::<ToDirectory>(&text) {
                    Ok(ToDirectory::Request { id, request, admission }) => {
                        let (directory, answers) = (Arc::clone(directory), answers.clone());
                        tokio::spawn(async move {
                            let frame = match directory.answer(&request, admission).await {
                                Ok(sealed) => ToCloud::Answer { id, sealed },
                                Err(reason) => ToCloud::Refused { id, reason },
                            };
                            let _ = answers.send(frame).await;
                        });
                    }
                    Ok(ToDirectory::Caller { id, ask }) => {
                        let answer = directory.caller(&ask);
                        send(&mut write, &ToCloud::Caller { id, answer }).await?;
                    }
                    // The cloud speaks a newer protocol, or something is wrong: say nothing,
                    // do nothing, keep the link.
                    Err(_) => tracing::warn!(tenant = %directory.label, "a frame from the cloud is not understood; ignored"),
                }
            }
            Some(frame) = answered.recv() => send(&mut write, &frame).await?,
            Ok(()) = key_changes.changed() => {
                let key = key_changes.borrow_and_update().clone();
                send(&mut write, &ToCloud::Key(key)).await?;
            }
            _ = pinger.tick() => {
                if heard.elapsed() > link.ping * 3 {
                    return Err(String::from("the cloud stopped answering pings").into());
                }
                for report in directory.usage_reports() {
                    send(&mut write, &report).await?;
                }
                write
                    .send(Message::Ping(Vec::new().into()))
                    .await
                    .map_err(|e| describe(&e))?;
            }
        }
    }
}

async fn send<S>(write: &mut S, frame: &ToCloud) -> Result<(), String>
where
    S: futures::Sink<Message, Error = WsError> + Unpin,
{
    let text = serde_json::to_string(frame).expect("frames serialise");
    write
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| describe(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_address_follows_the_clouds_scheme() {
        assert_eq!(
            link_url("https://contacts.example.com/"),
            "wss://contacts.example.com/api/v1/link"
        );
        assert_eq!(
            link_url("http://127.0.0.1:8080"),
            "ws://127.0.0.1:8080/api/v1/link"
        );
    }
}
