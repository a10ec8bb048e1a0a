//! The link between a tenant's directory and the cloud: one WebSocket the directory dials
//! out on (`/api/v1/link`, over TLS on 443 in production), carrying many requests at once,
//! each with an id. What crosses it is sealed between the tab and the directory: the
//! cloud sees a tenant, sizes and timings, never a query or a contact.
//!
//! This module is what both ends share: the frames, their size limits and the directory's
//! credential. The cloud's end is `crate::relay`, the directory's `crate::onprem`.

use kontakt_api::{DirectoryKey, SealedRequest};
use kontakt_directory::callerid::Caller;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Where directories connect.
pub const LINK_PATH: &str = "/api/v1/link";
/// The tenant a directory links for, sent with its credential.
pub const TENANT_HEADER: &str = "kontakt-tenant";
/// Largest frame the cloud accepts from a directory (an answer of 100 contacts is ~100 KB).
pub const MAX_FROM_DIRECTORY: usize = 4 * 1024 * 1024;
/// Largest frame a directory accepts from the cloud (a sealed request is under 2 KB).
pub const MAX_FROM_CLOUD: usize = 64 * 1024;

/// The demo tenant's directory credential: public, accepted only in development mode.
pub const DEMO_CREDENTIAL: &str = "kontakt-demo-directory-credential-not-a-secret";

/// From a directory to the cloud.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToCloud {
    /// First on every link: who is linking and the key tabs are to seal to.
    Hello {
        tenant: String,
        key: DirectoryKey,
        version: String,
    },
    /// The directory's key changed (`kontakt directory rotate-key`).
    Key(DirectoryKey),
    Answer {
        id: u64,
        sealed: String,
    },
    Refused {
        id: u64,
        reason: Refusal,
    },
    /// The answer to a caller ID lookup relayed by the cloud.
    Caller {
        id: u64,
        answer: CallerAnswer,
    },
    /// Anonymous counters since the last report: searches and lookups answered, and keyed
    /// hashes of users new today (a key of the day only the directory holds).
    Usage {
        day: String,
        searches: u64,
        lookups: u64,
        users: Vec<String>,
    },
}

/// Where a directory enrolls (`kontakt directory enroll`).
pub const ENROLL_PATH: &str = "/api/v1/enroll";

/// A directory enrolling with a one-time code.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub code: String,
    /// The tenant the directory is configured for: the code must be one of its.
    pub tenant: String,
    /// The directory's public key (text form).
    pub public_key: String,
    pub name: String,
}

/// What enrolling gives a directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub tenant: String,
    pub directory_id: String,
    /// The directory's long-lived credential: sent this once, kept by the cloud as a hash.
    pub credential: String,
}

/// From the cloud to a directory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToDirectory {
    Request {
        id: u64,
        request: SealedRequest,
        admission: Admission,
    },
    /// A phone system outside the customer's network asked the cloud who is calling. Not
    /// sealed — the phone system speaks plain HTTPS to the cloud — so it is relayed only to
    /// directories that take it (`[callerid] relay = true`); the cloud keeps nothing of it.
    Caller { id: u64, ask: CallerAsk },
}

/// A caller ID lookup as the cloud relays it: the phone system's Basic credentials, for the
/// directory to check (the cloud holds no caller ID credentials), and the number as sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerAsk {
    pub user: String,
    pub password: String,
    pub number: String,
}

impl std::fmt::Debug for CallerAsk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the password nor the number (personal data) may reach a log by accident.
        f.debug_struct("CallerAsk")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// What a directory made of a relayed caller ID lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerAnswer {
    Found(Caller),
    NotFound,
    /// The directory does not take caller ID through the cloud.
    NotRelayed,
    /// The credentials are not those of one of the directory's phone systems.
    Unauthorized,
    RateLimited {
        retry_after_secs: u64,
    },
}

/// How the cloud let a request through: with a relay ticket the directory signed, or
/// without one — then the directory answers it only if it asks to sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Admission {
    Ticket,
    SignInOnly,
}

/// Why a directory did not answer a request: said in the clear, so it says nothing about
/// what the request asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Sealed to a key this directory does not hold (any more).
    KeyChanged,
    /// Not a sealed request, or one that does not open.
    Malformed,
    /// Answered before, or too old.
    Replayed,
}

/// Milliseconds since 1970: what relay tickets expire in and sealed requests are dated in,
/// on both ends of the link.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A new credential for a directory: 32 random bytes, base64url.
pub fn new_credential() -> String {
    let bytes: [u8; 32] = rand::random();
    kontakt_seal::encode(&bytes)
}

/// How the cloud's configuration names a credential: `sha256:` and 64 hex digits.
pub fn credential_line(credential: &str) -> String {
    let digest = Sha256::digest(credential.trim().as_bytes());
    format!("sha256:{}", hex(&digest))
}

/// The digest in a `sha256:…` line, or `None` when the line is not one.
pub fn credential_hash(line: &str) -> Option<[u8; 32]> {
    let hex_digits = line.trim().strip_prefix("sha256:")?;
    if hex_digits.len() != 64 || !hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex_digits[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// Whether `credential` is one of `hashes`, compared in constant time.
pub fn credential_matches(credential: &str, hashes: &[[u8; 32]]) -> bool {
    let digest: [u8; 32] = Sha256::digest(credential.trim().as_bytes()).into();
    hashes
        .iter()
        .fold(false, |found, hash| found | same_secret(hash, &digest))
}

/// Whether two secrets (or their hashes) are equal, in constant time for equal lengths: the
/// comparison must not tell how much of a guess was right.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_credential_is_stored_and_checked_only_as_its_hash() {
        let credential = new_credential();
        assert_eq!(credential.len(), 43);
        let line = credential_line(&credential);
        assert!(line.starts_with("sha256:") && !line.contains(&credential));
        let hash = credential_hash(&line).unwrap();
        assert!(credential_matches(&credential, &[hash]));
        assert!(credential_matches(&format!(" {credential}\n"), &[hash]));
        assert!(!credential_matches(&new_credential(), &[hash]));
        assert!(credential_hash("sha256:xyz").is_none());
        assert!(credential_hash(&credential).is_none());
    }

    #[test]
    fn a_relayed_lookup_never_shows_its_number_or_password_when_debugged() {
        let ask = CallerAsk {
            user: "sbc".into(),
            password: "geheim-123".into(),
            number: "+49894520592".into(),
        };
        let shown = format!("{ask:?}");
        assert!(shown.contains("sbc") && !shown.contains("geheim") && !shown.contains("4520592"));
        let frame = ToDirectory::Caller { id: 3, ask };
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(serde_json::from_str::<ToDirectory>(&text).unwrap(), frame);
    }

    #[test]
    fn frames_are_plain_json() {
        let frame = ToCloud::Refused {
            id: 7,
            reason: Refusal::KeyChanged,
        };
        let text = serde_json::to_string(&frame).unwrap();
        assert_eq!(text, r#"{"refused":{"id":7,"reason":"key_changed"}}"#);
        assert_eq!(serde_json::from_str::<ToCloud>(&text).unwrap(), frame);
    }
}
