//! End-to-end sealing between the tab and the customer's directory, so that the cloud in
//! between relays ciphertext only.
//!
//! - Every request is sealed to the directory's public key with HPKE (RFC 9180, base mode):
//!   DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM, `info` naming the tenant.
//! - The answer is sealed with AES-256-GCM under a key both ends export from that request's
//!   HPKE context: only the tab that sealed the request can open it.
//! - The directory's key is one secret seed from which the HPKE key pair and an Ed25519
//!   signing key are derived. When the directory rotates its key, the old signing key
//!   endorses the new public key, so a tab that pinned the old key can follow.
//!
//! - The directory admits the cloud's relaying of a tab's requests with a ticket it signs
//!   once it has checked the user's token ([`Ticket`]): the cloud never holds a token it
//!   could ask the directory with.
//!
//! Randomness comes from the caller (`crypto.getRandomValues` in the browser, the operating
//! system in the directory), so this crate builds for both. `docs/security.md` explains the
//! protocol and what it does and does not protect against.

mod keys;
mod sealing;
#[cfg(feature = "sign")]
mod ticket;

#[cfg(feature = "sign")]
pub use keys::SecretKey;
pub use keys::{Endorsement, PublicKey};
#[cfg(feature = "sign")]
pub use sealing::open_request;
pub use sealing::{ResponseKey, SealedRequest, seal_request};
#[cfg(feature = "sign")]
pub use ticket::{Ticket, TicketError};

/// Fills a buffer with random bytes from a cryptographically secure source.
pub type Random<'r> = &'r mut dyn FnMut(&mut [u8]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    /// A key, encapsulated key or ciphertext of the wrong length or encoding.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// Not sealed to this key, or altered on the way.
    #[error("cannot be opened with this key")]
    Open,
    #[error("sealing failed")]
    Seal,
}

/// Base64url without padding: how keys and ciphertexts travel in JSON.
pub fn encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, SealError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| SealError::Malformed(what))
}
