//! A wire tap: a TCP proxy on loopback that keeps a copy of every byte in both directions,
//! to show what someone on the path — or the cloud itself — gets to see.

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::{Message, WebSocket};

/// One connection's bytes: from the client, and back to it.
#[derive(Default)]
struct Recorded {
    up: Vec<u8>,
    down: Vec<u8>,
}

#[derive(Clone)]
pub struct Tap {
    pub addr: SocketAddr,
    connections: Arc<Mutex<Vec<Arc<Mutex<Recorded>>>>>,
}

impl Tap {
    /// Listens on a loopback port and forwards every connection to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tap = Tap {
            addr: listener.local_addr().unwrap(),
            connections: Arc::default(),
        };
        let connections = Arc::clone(&tap.connections);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let recorded = Arc::new(Mutex::new(Recorded::default()));
                connections.lock().unwrap().push(Arc::clone(&recorded));
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::join!(
                        copy(client_read, server_write, Arc::clone(&recorded), true),
                        copy(server_read, client_write, recorded, false),
                    );
                });
            }
        });
        tap
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything that went through so far, both ways, as it was on the wire.
    pub fn seen(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for c in self.connections.lock().unwrap().iter() {
            let c = c.lock().unwrap();
            all.extend_from_slice(&c.up);
            all.extend_from_slice(&c.down);
        }
        all
    }

    /// Everything that went through, with WebSocket messages decoded: a client masks what
    /// it sends, so the bytes on the wire would hide plain text from a naive search.
    pub fn seen_decoded(&self) -> Vec<u8> {
        let mut all = self.seen();
        for c in self.connections.lock().unwrap().iter() {
            let c = c.lock().unwrap();
            all.extend(messages(&c.up, Role::Server));
            all.extend(messages(&c.down, Role::Client));
        }
        all
    }
}

/// The payloads of the WebSocket messages in `bytes` (an HTTP upgrade, then frames), as
/// the receiving `role` reads them.
fn messages(bytes: &[u8], role: Role) -> Vec<u8> {
    let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Vec::new();
    };
    let mut socket = WebSocket::from_raw_socket(Cursor::new(bytes[end + 4..].to_vec()), role, None);
    let mut out = Vec::new();
    while let Ok(message) = socket.read() {
        match message {
            Message::Text(t) => out.extend_from_slice(t.as_bytes()),
            Message::Binary(b) => out.extend_from_slice(&b),
            _ => {}
        }
        out.push(b'\n');
    }
    out
}

async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    recorded: Arc<Mutex<Recorded>>,
    up: bool,
) {
    let mut buf = vec![0; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                {
                    let mut r = recorded.lock().unwrap();
                    let side = if up { &mut r.up } else { &mut r.down };
                    side.extend_from_slice(&buf[..n]);
                }
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// Whether `haystack` holds `needle`, as bytes.
pub fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
